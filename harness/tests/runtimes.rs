//! The real executors against the in-process host: the same campaign over
//! the fixed world (`wit/every-type.wit`) and over random worlds, with Rust
//! guests, must give the same table whether it runs in process, isolated
//! in the 48.0.8 executor, or in the executor of another API generation.
//!
//! The versions run are `$WITNESS_TEST_EXECUTORS` (comma-separated; by
//! default 48.0.8, which `--isolate` uses: CI builds that one). Each other
//! version is a wasmtime build of minutes, once; to check every API
//! generation run, for example,
//! `WITNESS_TEST_EXECUTORS=41.0.4,42.0.1,44.0.0,48.0.8 cargo test -p witness --test runtimes`.

use std::path::Path;
use std::process::{Command, Stdio};

fn versions() -> Vec<String> {
    std::env::var("WITNESS_TEST_EXECUTORS")
        .unwrap_or_else(|_| "48.0.8".into())
        .split(',')
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect()
}

/// The campaign's table and last line (the timing columns blanked).
fn campaign(corpus: &Path, args: &[&str], runtime: &[&str]) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = Command::new(env!("CARGO_BIN_EXE_witness"))
        .current_dir(&root)
        .args([
            "run", "--lang", "rust", "--seed", "5", "--quiet", "--fresh", "--corpus",
        ])
        .arg(corpus)
        .args(args)
        .args(runtime)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{runtime:?}: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .map(|l| {
            // Drop the build-time columns: they differ run to run.
            l.split_whitespace().take(7).collect::<Vec<_>>().join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_executors_pass_the_fixed_world_and_random_worlds_like_the_in_process_host() {
    let dir = tempfile::tempdir().unwrap();
    // Worlds without resources and no leak check: an executor runs neither
    // (resources run in process only; an executor reports no memory).
    for args in [
        &[
            "--wit",
            "wit/every-type.wit",
            "--calls",
            "20",
            "--leak-cycles",
            "0",
        ][..],
        &[
            "--worlds",
            "4",
            "--calls",
            "25",
            "--no-resources",
            "--leak-cycles",
            "0",
        ][..],
    ] {
        let in_process = campaign(&dir.path().join("in"), args, &[]);
        assert!(in_process.contains(" 0 failed"), "{in_process}");
        for version in versions() {
            let runtime = format!("wasmtime@{version}");
            let flags: Vec<&str> = if version == "48.0.8" {
                vec!["--isolate"]
            } else {
                vec!["--runtime", &runtime]
            };
            let corpus = dir.path().join(&version);
            let out = campaign(&corpus, args, &flags);
            assert_eq!(out, in_process, "{runtime} {args:?}");
        }
    }
}
