//! The parent side against fake executors (shell scripts that speak the
//! protocol, then crash, hang or lie), and the real executor against the
//! in-process host.

use super::*;
use crate::abi_oracle::{self, AbiConfig};
use crate::disk::Cache;
use crate::finding::{self, Kind};
use crate::host::HostConfig;
use crate::runtime::Placement;
use crate::suppress::Suppressions;

/// A fake executor of wasmtime `version` doing `on_call` on a call.
fn fake(dir: &std::path::Path, version: &str, on_call: &str) -> PathBuf {
    crate::runtime::fake::executor(dir, version, on_call).unwrap()
}

fn runtime() -> RuntimeSpec {
    "wasmtime@42.0.1".parse().unwrap()
}

/// An abi campaign of `cases` on `placement`, findings in a fresh corpus.
fn abi_campaign(placement: Placement, cases: u64) -> (abi_oracle::AbiSummary, PathBuf) {
    let dir = tempfile::tempdir().unwrap().keep();
    let findings = dir.join("findings");
    let config = AbiConfig {
        seed: 3,
        cases,
        only: None,
        host: HostConfig {
            placement,
            ..HostConfig::default()
        },
        findings_dir: Some(findings.clone()),
        command_prefix: "witness".into(),
        progress: false,
        verbose: false,
        suppressions: Suppressions::default(),
    };
    let summary = abi_oracle::run(&config, &Cache::at(dir.join("cache"))).unwrap();
    (summary, findings)
}

#[test]
fn a_crashing_executor_is_a_finding_and_the_campaign_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let panic = "echo \"thread 'main' panicked at src/lift.rs:7:9:\" >&2; \
                 echo 'flags out of range' >&2; \
                 echo 'note: run with RUST_BACKTRACE=full' >&2; exit 101";
    for (on_call, class) in [
        ("kill -SEGV $$", "wasmtime crashes: SIGSEGV"),
        ("kill -ABRT $$", "wasmtime crashes: SIGABRT"),
        (panic, "wasmtime panics: flags out of range"),
    ] {
        let binary = fake(dir.path(), "42.0.1", on_call);
        let (summary, findings) = abi_campaign(Placement::Binary(runtime(), binary), 8);
        // Every case that ran crashed its executor, and the next one ran on
        // a new executor: the campaign went on to the end.
        let ran = 8 - summary.skipped;
        assert!(ran >= 4, "{}", summary.table());
        assert_eq!(summary.failures.len() as u64, ran, "{:?}", summary.failures);
        assert!(
            summary.failures.iter().all(|f| f.contains(class)),
            "{class}: {:?}",
            summary.failures
        );
        let written: Vec<_> = std::fs::read_dir(&findings).unwrap().flatten().collect();
        assert!(!written.is_empty());
        for entry in written {
            let f = finding::load(&entry.path()).unwrap();
            assert_eq!(f.meta.kind, Kind::HostCrash, "{}", f.meta.signature);
            assert!(f.meta.signature.contains(class), "{}", f.meta.signature);
            assert_eq!(f.meta.versions["wasmtime"], "42.0.1");
        }
    }
}

#[test]
fn a_silent_executor_is_a_hang_and_the_next_request_gets_a_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let binary = fake(dir.path(), "42.0.1", "sleep 600");
    let mut executor = Executor::start_binary(&runtime(), binary).unwrap();
    executor.set_slack(Duration::from_millis(300));
    let load = LoadRequest {
        component: dir.path().join("none.wasm"),
        sandbox: Sandbox {
            fuel_per_call: 1,
            deadline_ms: 100,
            instantiation_deadline_ms: 100,
            memory_bytes: 1 << 20,
            captured_output: 1024,
            fixed_length_lists: false,
            maps: false,
        },
        imports: vec![],
        resources: vec![],
        trees: false,
    };
    let signatures = Signatures::default();
    let mut answer = |_: &str, _: &str, _: Vec<Val>| -> ImportAnswer { Ok(vec![]) };
    for _ in 0..2 {
        let started = Instant::now();
        let ended = executor
            .instantiate(&load, 1, &signatures, &mut answer)
            .unwrap();
        assert!(
            matches!(ended, Ended::Reply(Reply::Instantiated)),
            "{ended:?}"
        );
        let ended = executor
            .call(&load, Some("i"), "f", &[], &signatures, &mut answer)
            .unwrap();
        let Ended::Died(crash) = ended else {
            panic!("{ended:?}")
        };
        assert!(crash.is_hang(), "{crash:?}");
        assert_eq!(crash.class(), "wasmtime hangs");
        assert!(started.elapsed() < Duration::from_secs(60));
    }
}

#[test]
fn an_executor_of_another_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let binary = fake(dir.path(), "41.0.4", "exit 0");
    let Err(err) = Executor::start_binary(&runtime(), binary.clone()) else {
        panic!("an executor of 41.0.4 was taken for 42.0.1")
    };
    let text = err.to_string();
    assert!(text.contains("wasmtime@41.0.4"), "{text}");
    assert!(text.contains("wasmtime@42.0.1"), "{text}");
    assert!(text.contains(&binary.display().to_string()), "{text}");
    // And one that is not an executor at all.
    let not = fake(dir.path(), "42.0.1", "exit 0");
    std::fs::write(&not, "#!/bin/sh\necho hello\n").unwrap();
    assert!(matches!(
        Executor::start_binary(&runtime(), not),
        Err(ExecutorError::Protocol { .. })
    ));
}

#[test]
fn a_panic_message_is_read_from_stderr() {
    let stderr = "thread 'main' panicked at crates/x/src/lib.rs:10:5:\n\
                  invalid flags: 0x10\n\
                  stack backtrace:\n   0: std::panicking\n";
    assert_eq!(
        panic_message(stderr).as_deref(),
        Some("invalid flags: 0x10")
    );
    assert_eq!(panic_message("Segmentation fault\n"), None);
    assert_eq!(signal_name(11), "SIGSEGV");
    assert_eq!(signal_name(64), "signal 64");
}

/// The versions whose real executors the agreement test runs:
/// `$WITNESS_TEST_EXECUTORS` (comma-separated), by default 48.0.8 (CI
/// builds that one; each other version is a wasmtime build of minutes).
fn test_executors() -> Vec<RuntimeSpec> {
    std::env::var("WITNESS_TEST_EXECUTORS")
        .unwrap_or_else(|_| "48.0.8".into())
        .split(',')
        .filter(|v| !v.trim().is_empty())
        .map(|v| format!("wasmtime@{}", v.trim()).parse().unwrap())
        .collect()
}

#[test]
fn the_real_executor_agrees_with_the_in_process_host_on_abi_cases() {
    let cases = 40;
    let (in_process, _) = abi_campaign(Placement::InProcess, cases);
    assert!(in_process.passed() > 20, "{}", in_process.table());
    for runtime in test_executors() {
        let (executed, _) = abi_campaign(Placement::Executor(runtime.clone()), cases);
        if runtime.is_in_process_version() {
            // The same runtime, out of process: the same verdict on every
            // case, check by check.
            assert_eq!(executed.rows, in_process.rows, "{runtime}");
            assert_eq!(executed.failures, in_process.failures, "{runtime}");
        } else {
            // Another version may skip cases with types it predates, and
            // may have bugs of its own; most checks must still pass.
            assert!(
                executed.passed() * 10 >= in_process.passed() * 7,
                "{runtime}:\n{}\n{:?}",
                executed.table(),
                executed.failures
            );
        }
    }
}
