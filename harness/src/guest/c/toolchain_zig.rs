//! The C driver's toolchain: `zig` (its `zig cc`) from PyPI's `ziglang`
//! wheel, installed by witness into a venv under `<cache>/toolchains` and run
//! with its caches inside the witness cache.
//!
//! The venv is made under a lock, and a marker with the version is written
//! into it only once pip has finished: a venv without the marker was
//! interrupted half-way and is made again.

use super::ZIGLANG_VERSION;
use crate::disk::Cache;
use crate::guest::GuestError;
use crate::toolchain::{self, ToolchainError};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The venv's directory name under `<cache>/toolchains`.
const VENV_DIR: &str = "ziglang-venv";
/// Written into the venv once pip has finished, with the installed version.
const VENV_MARKER: &str = "witness-ziglang-version";

/// A prepared zig.
#[derive(Debug, Clone)]
pub(crate) struct ZigTools {
    /// The `zig` executable inside the wheel (`site-packages/ziglang/zig`).
    pub zig: PathBuf,
    /// What `zig version` printed.
    pub version: String,
    /// Zig's global and local caches (the wasi-libc it builds, objects).
    pub cache_dir: PathBuf,
}

impl ZigTools {
    /// Finds witness's zig install in `cache`, making it when it is missing
    /// or unfinished. `search_path` is where to look for `python3` (`None`:
    /// the process's `PATH`).
    pub fn prepare(cache: &Cache, search_path: Option<&OsStr>) -> Result<ZigTools, GuestError> {
        let toolchains = cache
            .dir("toolchains")
            .map_err(GuestError::io(cache.root()))?;
        let cache_dir = cache
            .dir("zig-cache")
            .map_err(GuestError::io(cache.root()))?;
        let venv = toolchains.join(VENV_DIR);
        {
            let lock_path = toolchains.join(format!("{VENV_DIR}.lock"));
            let lock = std::fs::File::create(&lock_path).map_err(GuestError::io(&lock_path))?;
            // Held to the end of this block: one install at a time, and no
            // one reads a venv that is being made.
            lock.lock().map_err(GuestError::io(&lock_path))?;
            if !venv_is_ready(&venv) {
                install(&venv, &toolchains, search_path)?;
            }
        }
        let zig = venv_zig(&venv).ok_or_else(|| ToolchainError::Missing {
            what: format!("zig in {}", venv.display()),
            fix: format!("delete {} and run witness again", venv.display()),
        })?;
        let version = toolchain::version_line(&zig, &["version"])?;
        Ok(ZigTools {
            zig,
            version,
            cache_dir,
        })
    }

    /// A `zig` command in `dir`, with its caches in the witness cache and
    /// nothing from the caller's environment that changes what it builds.
    pub fn zig_command(&self, dir: &Path) -> Command {
        let mut cmd = Command::new(&self.zig);
        cmd.current_dir(dir)
            .env("ZIG_GLOBAL_CACHE_DIR", &self.cache_dir)
            .env("ZIG_LOCAL_CACHE_DIR", &self.cache_dir);
        for leak in [
            "CFLAGS",
            "CPPFLAGS",
            "LDFLAGS",
            "C_INCLUDE_PATH",
            "CPATH",
            "LIBRARY_PATH",
            "ZIG_LIB_DIR",
        ] {
            cmd.env_remove(leak);
        }
        cmd
    }
}

/// `site-packages/ziglang/zig` of a venv, if it is there.
fn venv_zig(venv: &Path) -> Option<PathBuf> {
    toolchain::venv_package_file(venv, Path::new("ziglang/zig"))
}

/// Whether `venv` holds a finished install of the pinned ziglang.
fn venv_is_ready(venv: &Path) -> bool {
    let marker = std::fs::read_to_string(venv.join(VENV_MARKER)).unwrap_or_default();
    marker.trim() == ZIGLANG_VERSION && venv_zig(venv).is_some()
}

/// Makes the venv at `venv` (replacing whatever is there) and installs
/// ziglang into it with pip.
fn install(venv: &Path, toolchains: &Path, search_path: Option<&OsStr>) -> Result<(), GuestError> {
    let missing = |detail: String| ToolchainError::Missing {
        what: format!("zig {ZIGLANG_VERSION} for the C guests"),
        fix: format!(
            "witness installs PyPI's ziglang=={ZIGLANG_VERSION} into {}: that needs `python3` with \
             its venv and pip modules on PATH (Debian: `apt-get install python3 python3-venv`) and \
             PyPI reachable. {detail}",
            venv.display()
        ),
    };
    let python3 = toolchain::which_in("python3", search_path)
        .ok_or_else(|| missing("`python3` was not found on PATH.".into()))?;
    if venv.exists() {
        std::fs::remove_dir_all(venv).map_err(GuestError::io(venv))?;
    }
    eprintln!(
        "witness: installing zig (PyPI ziglang=={ZIGLANG_VERSION}) into {}",
        venv.display()
    );
    let env = |cmd: &mut Command| {
        cmd.env("TMPDIR", toolchains)
            .env_remove("PYTHONPATH")
            .env_remove("PYTHONHOME")
            .env_remove("VIRTUAL_ENV")
            .env_remove("PIP_REQUIRE_VIRTUALENV");
        if let Some(path) = search_path {
            cmd.env("PATH", path);
        }
    };
    let mut cmd = Command::new(&python3);
    cmd.args(["-m", "venv"]).arg(venv);
    env(&mut cmd);
    toolchain::run(&mut cmd).map_err(|e| missing(format!("Creating the venv failed: {e}")))?;
    let mut cmd = Command::new(venv.join("bin").join("python"));
    cmd.args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-cache-dir",
        "--disable-pip-version-check",
        "--no-input",
    ])
    .arg(format!("ziglang=={ZIGLANG_VERSION}"));
    env(&mut cmd);
    toolchain::run(&mut cmd).map_err(|e| missing(format!("pip failed: {e}")))?;
    if venv_zig(venv).is_none() {
        return Err(missing(format!(
            "pip installed ziglang=={ZIGLANG_VERSION}, but there is no site-packages/ziglang/zig in {}.",
            venv.display()
        ))
        .into());
    }
    let marker = venv.join(VENV_MARKER);
    std::fs::write(&marker, ZIGLANG_VERSION).map_err(GuestError::io(&marker))?;
    Ok(())
}
