//! `witness rediscover` on faults it can find fast: a fake executor of the
//! affected version that crashes on every call (a shell script speaking the
//! executor protocol), against the real in-process runtime as the fixed
//! one; the same fake on both sides as a control that must find nothing;
//! and bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A fake executor of wasmtime `version` that crashes with SIGSEGV on every
/// call.
fn crashing_executor(dir: &Path, version: &str) -> PathBuf {
    witness::runtime::fake::executor(dir, version, "kill -SEGV $$").unwrap()
}

/// `rediscover --affected A --fixed B --budget 120 -- abi --seed 1 --cases N`.
fn pair(dir: &Path, env: &[(&str, &Path)], affected: &str, fixed: &str, cases: &str) -> Output {
    rediscover(
        dir,
        env,
        &[
            "--affected",
            affected,
            "--fixed",
            fixed,
            "--budget",
            "120",
            "--",
            "abi",
            "--seed",
            "1",
            "--cases",
            cases,
        ],
    )
}

fn rediscover(dir: &Path, env: &[(&str, &Path)], args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_witness"));
    cmd.arg("rediscover")
        .arg("--work")
        .arg(dir.join("work"))
        .args(args)
        .env("WITNESS_CACHE", dir.join("cache"))
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn last_line(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_crash_of_the_affected_version_is_found_with_a_clean_control() {
    let dir = tempfile::tempdir().unwrap();
    let fake = crashing_executor(dir.path(), "42.0.1");
    let env = [("WITNESS_EXECUTOR_42_0_1", fake.as_path())];
    let out = pair(dir.path(), &env, "wasmtime@42.0.1", "wasmtime@48.0.8", "50");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = last_line(&out);
    assert!(line.starts_with("found in "), "{line}");
    assert!(line.contains(" cases): raw"), "{line}");
    assert!(
        line.contains("| host-crash |") && line.contains("SIGSEGV"),
        "{line}"
    );
    assert!(
        stdout.contains("control: wasmtime@48.0.8: case"),
        "{stdout}"
    );
}

#[test]
fn an_echo_difference_is_found_and_shrunk_on_the_affected_version() {
    let dir = tempfile::tempdir().unwrap();
    let fake = crashing_executor(dir.path(), "42.0.1");
    // The shared guest cache (`target/witness`): Rust guests built once.
    let out = Command::new(env!("CARGO_BIN_EXE_witness"))
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
        .args(["rediscover", "--work"])
        .arg(dir.path().join("work"))
        .args([
            "--affected",
            "wasmtime@42.0.1",
            "--fixed",
            "wasmtime@48.0.8",
            "--",
            "run",
            "--lang",
            "rust",
            "--seed",
            "1",
            "--worlds",
            "1",
            "--calls",
            "3",
        ])
        .env("WITNESS_EXECUTOR_42_0_1", &fake)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        last_line(&out).contains("rust | host-crash | host->guest | wasmtime crashes: SIGSEGV"),
        "{stdout}"
    );
    assert!(
        stdout.contains("control: wasmtime@48.0.8: the call passed"),
        "{stdout}"
    );
    // Every call crashes, so the smallest reproducer has one function.
    assert!(
        stdout.contains("shrunk: weight")
            && stdout.contains("functions")
            && stdout.contains("-> 1,"),
        "{stdout}"
    );
}

#[test]
fn the_same_crash_on_both_versions_is_not_a_difference() {
    let dir = tempfile::tempdir().unwrap();
    let a = crashing_executor(dir.path(), "42.0.1");
    let b = crashing_executor(dir.path(), "42.0.2");
    let env = [
        ("WITNESS_EXECUTOR_42_0_1", a.as_path()),
        ("WITNESS_EXECUTOR_42_0_2", b.as_path()),
    ];
    let out = pair(dir.path(), &env, "wasmtime@42.0.1", "wasmtime@42.0.2", "12");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(last_line(&out).starts_with("not found in "), "{stdout}");
    assert!(stdout.contains("not a difference"), "{stdout}");
    assert!(stdout.contains("SIGSEGV"), "{stdout}");
}

#[test]
fn bad_input_is_refused_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    for (args, says) in [
        (
            vec![
                "--affected",
                "wasmtime@42.0.1",
                "--fixed",
                "wasmtime@42.0.1",
                "--",
                "abi",
            ],
            "the same",
        ),
        (
            vec![
                "--affected",
                "wasmtime@42.0.1",
                "--fixed",
                "wasmtime@42.0.2",
                "--",
                "bench",
            ],
            "campaign command",
        ),
        (
            vec![
                "--affected",
                "wasmtime@12.0.0",
                "--fixed",
                "wasmtime@42.0.2",
                "--",
                "abi",
            ],
            "not supported",
        ),
        (
            vec![
                "--affected",
                "wasmtime@42.0.1",
                "--fixed",
                "wasmtime@42.0.2",
                "--budget",
                "0",
                "--",
                "abi",
            ],
            "--budget",
        ),
    ] {
        let out = rediscover(dir.path(), &[], &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}
