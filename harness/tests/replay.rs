//! Findings replay from their typed records: under the limits they were
//! found with, with their call read against the world's own types, and
//! never as "passed" when their files were altered or a rebuilt guest fails
//! another way.

use std::path::{Path, PathBuf};
use wasmtime::component::Val;
use witness::campaign::{self, CampaignConfig, CaseSource};
use witness::disk::Cache;
use witness::finding::{FindingStore, Kind, Limits, Replay};
use witness::host::HostConfig;
use witness::reproduce::{Reproducer, replay_finding};
use witness::suppress::Suppressions;
use witness::ty::{CaseWorld, Func, Param, Ty};
use witness::value::ValueConfig;
use witness::verdict::Call;

fn only_finding(dir: &Path) -> PathBuf {
    let list = FindingStore::open(dir).unwrap().list().unwrap();
    assert_eq!(list.len(), 1, "{list:#?}");
    dir.join(&list[0].id)
}

#[test]
fn a_finding_made_under_a_small_fuel_limit_reproduces_under_it() {
    let tmp = tempfile::tempdir().unwrap();
    let findings = tmp.path().join("findings");
    let config = CampaignConfig {
        source: CaseSource::Seeded {
            seed: 1,
            worlds: 4,
            config: None,
            resources: false,
        },
        calls: 10,
        targets: vec![vec!["rust".into()]],
        values: ValueConfig::default(),
        host: HostConfig {
            fuel_per_call: 2000,
            ..HostConfig::default()
        },
        findings_dir: findings.clone(),
        suppressions: Suppressions::default(),
        command_prefix: "witness".into(),
        fresh: true,
        progress: false,
        leak_cycles: 0,
    };
    let summary = campaign::run(&config, &Cache::from_env()).unwrap();
    assert!(summary.failed() > 0, "{}", summary.table());
    let dir = only_finding(&findings);
    let text = std::fs::read_to_string(dir.join("finding.toml")).unwrap();
    assert!(text.contains("fuel_per_call = 2000"), "{text}");
    // The replay command names this corpus and the limit, not the default.
    let first = text.lines().next().unwrap();
    assert!(first.contains(&dir.display().to_string()), "{first}");

    let replayed = replay_finding(&dir, &Cache::from_env(), HostConfig::default()).unwrap();
    assert!(replayed.reproduced(), "{replayed:#?}");
    // The recorded limit is what makes it fail: with the default fuel
    // written in instead, the same case passes.
    let default_fuel = HostConfig::default().fuel_per_call;
    std::fs::write(
        dir.join("finding.toml"),
        text.replace(
            "fuel_per_call = 2000",
            &format!("fuel_per_call = {default_fuel}"),
        ),
    )
    .unwrap();
    let replayed = replay_finding(&dir, &Cache::from_env(), HostConfig::default()).unwrap();
    assert_eq!(replayed.got, None, "{replayed:#?}");
}

fn u32_world() -> CaseWorld {
    CaseWorld {
        types: vec![],
        funcs: vec![Func {
            name: "f".into(),
            params: vec![Param {
                name: "x".into(),
                ty: Ty::U32,
            }],
            result: Some(Ty::U32),
        }],
    }
}

/// Records the finding of a Rust guest whose echo adds one to the result
/// (built with an override; a replay rebuilds the guest without it).
fn faulty_finding(store: &FindingStore) -> PathBuf {
    let cache = Cache::from_env();
    let world = u32_world();
    let mut reproducer =
        Reproducer::new(&["rust".to_string()], &cache, HostConfig::default()).unwrap();
    reproducer.overrides = vec![(
        "f".into(),
        "crate::bindings::witness::case::upstream::f(x).wrapping_add(1)".into(),
    )];
    let call = Call {
        func: "f".into(),
        args: vec![Val::U32(7)],
        result: Some(Val::U32(9)),
    };
    let failure = reproducer
        .run(&world, Some(&call), 0)
        .unwrap()
        .expect("the faulty guest fails");
    assert_eq!(failure.kind, Kind::Mismatch);
    let finding = failure.to_finding(
        "rust",
        &world,
        Some(&call),
        Replay::echo(vec!["rust".into()], 0),
        Limits::of(&HostConfig::default()),
        reproducer.versions(),
    );
    store.record(finding).unwrap().dir
}

#[test]
fn an_altered_or_missing_call_file_is_an_error_never_a_pass() {
    let tmp = tempfile::tempdir().unwrap();
    let store = FindingStore::open(tmp.path()).unwrap();
    let dir = faulty_finding(&store);
    let cache = Cache::from_env();
    let call = std::fs::read_to_string(dir.join("call.wave")).unwrap();
    assert!(call.contains("x: 7"), "{call}");
    // Rebuilt without the fault, the guest passes: the call file is read
    // against the world's types, and the verdict is honest.
    let replayed = replay_finding(&dir, &cache, HostConfig::default()).unwrap();
    assert_eq!(replayed.got, None, "{replayed:#?}");

    let bad = [
        ("x: \"seven\"\n-> 9\n", "call.wave"),
        ("x: 7\ny: 1\n-> 9\n", "unknown parameter"),
        ("-> 9\n", "x"),
    ];
    for (text, says) in bad {
        std::fs::write(dir.join("call.wave"), text).unwrap();
        let error = replay_finding(&dir, &cache, HostConfig::default())
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("call.wave") && error.contains(says),
            "{text:?}: {error}"
        );
    }
    std::fs::remove_file(dir.join("call.wave")).unwrap();
    let error = replay_finding(&dir, &cache, HostConfig::default())
        .unwrap_err()
        .to_string();
    assert!(error.contains("missing"), "{error}");
}

#[test]
fn a_rebuilt_guest_that_fails_another_way_is_different_not_reproduced() {
    // A committed Go build finding (a parameter `panic: char` shadows the
    // builtin the generated code calls), with its world edited so that the
    // guest fails to build another way: the parameter is a string now.
    let src = witness::disk::workspace_root().join("corpus/findings/go-build-f43daa9f");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("go-build-f43daa9f");
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(&src).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    let wit = std::fs::read_to_string(dir.join("world.wit")).unwrap();
    assert!(wit.contains("panic: char"), "{wit}");
    std::fs::write(
        dir.join("world.wit"),
        wit.replace("panic: char", "panic: string"),
    )
    .unwrap();
    let replayed = replay_finding(&dir, &Cache::from_env(), HostConfig::default()).unwrap();
    let got = replayed.got.clone().expect("it still fails to build");
    assert_ne!(got, replayed.want, "{replayed:#?}");
    assert!(!replayed.reproduced());
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_witness"))
        .arg("repro")
        .arg(&dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.starts_with("failed differently"), "{stdout}");
    assert_eq!(output.status.code(), Some(1));
}
