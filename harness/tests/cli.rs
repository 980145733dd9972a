//! File-driven tests of the `witness` command line (after wasm-tools'
//! `tests/cli`): each `tests/cli/<case>.cmd` holds the arguments of one run
//! (`{corpus}` becomes a fresh corpus directory), and `<case>.out` the exit
//! status, stdout and stderr it must produce, with temporary paths and timings
//! redacted. The cases run in name order over one fresh cache.
//! `BLESS=1 cargo test --test cli` rewrites the `.out` files.

use std::path::{Path, PathBuf};
use std::process::Command;

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "cmd"))
        .collect();
    cases.sort();
    cases
}

/// Timings (`1.3s`) vary from run to run.
fn redact_times(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c.is_ascii_digit()
            && (i == 0 || !text[..i].ends_with(|p: char| p.is_ascii_alphanumeric()))
        {
            let start = i;
            let mut end = i + 1;
            while let Some(&(j, d)) = chars.peek() {
                if d.is_ascii_digit() || d == '.' {
                    end = j + 1;
                    chars.next();
                } else {
                    break;
                }
            }
            let number = &text[start..end];
            if number.contains('.') && text[end..].starts_with('s') {
                out.push_str("N.Ns");
                chars.next();
                continue;
            }
            out.push_str(number);
        } else {
            out.push(c);
        }
    }
    out
}

/// One cache for all the cases of a test run, fresh each time, so that
/// "cold build" and "cached" come out the same on every machine.
fn cache_dir() -> &'static Path {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().unwrap()).path()
}

fn run_case(cmd: &Path) -> String {
    let root = witness::disk::workspace_root();
    let corpus = tempfile::tempdir().unwrap();
    let line = std::fs::read_to_string(cmd).unwrap();
    let args: Vec<String> = line
        .split_whitespace()
        .map(|a| a.replace("{corpus}", &corpus.path().display().to_string()))
        .collect();
    let out = Command::new(env!("CARGO_BIN_EXE_witness"))
        .args(&args)
        .current_dir(&root)
        .env("WITNESS_COMMAND", "witness")
        .env("WITNESS_CACHE", cache_dir())
        .output()
        .unwrap();
    let redact = |bytes: &[u8]| {
        let text = String::from_utf8_lossy(bytes)
            .replace(&corpus.path().display().to_string(), "$CORPUS")
            .replace(&root.display().to_string(), "$ROOT");
        redact_times(&text)
    };
    format!(
        "status: {}\n--- stdout\n{}--- stderr\n{}",
        out.status
            .code()
            .map_or("signal".to_string(), |c| c.to_string()),
        redact(&out.stdout),
        redact(&out.stderr)
    )
}

#[test]
fn cli_golden_files() {
    let bless = std::env::var_os("BLESS").is_some();
    let mut failures = Vec::new();
    for cmd in cases() {
        let actual = run_case(&cmd);
        let expected_path = cmd.with_extension("out");
        if bless {
            std::fs::write(&expected_path, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != actual {
            failures.push(format!(
                "{}:\n--- expected\n{expected}\n--- actual\n{actual}",
                cmd.file_stem().unwrap().to_string_lossy()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "CLI output changed (BLESS=1 to accept):\n{}",
        failures.join("\n")
    );
}

#[test]
fn timings_are_redacted() {
    assert_eq!(
        redact_times("cold 13.1s warm 0.7s, 200 calls, 1.5x"),
        "cold N.Ns warm N.Ns, 200 calls, 1.5x"
    );
}
