//! End-to-end tests of resources runs: faulty guests are caught, shrunk to
//! a handful of steps, written as findings that replay; healthy runs pass.

use super::*;
use crate::resources::runner::ViolationClass;

fn config(fault: Option<Fault>, sequences: u64, findings: &Path) -> ResourcesConfig {
    ResourcesConfig {
        languages: vec!["rust".into()],
        sequences,
        cycles: 0,
        findings_dir: findings.to_path_buf(),
        fault,
        ..ResourcesConfig::default()
    }
}

fn caught_and_shrunk(fault: Fault, class: ViolationClass) {
    let dir = tempfile::tempdir().unwrap();
    let summary = run(&config(Some(fault), 30, dir.path()), &Cache::from_env()).unwrap();
    let rust = &summary.languages[0];
    assert!(rust.failed >= 5, "{fault}: only {} of 30 sequences failed\n{}", rust.failed, summary.table());
    assert_eq!(rust.violations.get(&class).copied(), Some(rust.failed), "{fault}\n{}", summary.table());
    let store = FindingStore::open(dir.path()).unwrap();
    let findings = store.list().unwrap();
    assert!(!findings.is_empty());
    for meta in findings {
        assert_eq!(meta.kind, FINDING_KIND);
        assert_eq!(meta.hop, class.as_str());
        let found = finding::load(&dir.path().join(&meta.id)).unwrap();
        let steps = step::parse_steps(found.call.as_deref().unwrap()).unwrap();
        assert!(steps.len() <= 4, "{fault}: the reproducer has {} steps:\n{}", steps.len(), found.call.unwrap());
        assert!(found.world_wit.contains("package witness:resources;"));
        assert!(meta.replay.contains("resources --replay"), "{}", meta.replay);
        match replay(&dir.path().join(&meta.id), &Cache::from_env(), HostConfig::default()).unwrap() {
            ReplayOutcome::Reproduced(v) => assert_eq!(v.class, class, "{v:#?}"),
            ReplayOutcome::NotReproduced => panic!("{fault}: {} does not reproduce", meta.id),
        }
    }
}

#[test]
fn a_guest_that_never_runs_a_destructor_is_caught_and_shrunk() {
    caught_and_shrunk(Fault::NeverDestroy, ViolationClass::Leak);
}

#[test]
fn a_guest_that_keeps_a_handle_it_releases_is_caught_and_shrunk() {
    caught_and_shrunk(Fault::KeepReleased, ViolationClass::Leak);
}

#[test]
fn a_healthy_run_records_nothing_and_says_so_on_its_last_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(None, 40, dir.path());
    config.cycles = 500;
    let summary = run(&config, &Cache::from_env()).unwrap();
    let table = summary.table();
    assert_eq!(summary.last_line(), "44 passed, 0 failed", "{table}");
    assert!(table.starts_with("language  sequences  steps  illegal  leak  double destructor"), "{table}");
    assert!(table.contains("rust: no growth in new+drop (+0 B heap"), "{table}");
    assert!(FindingStore::open(dir.path()).unwrap().list().unwrap().is_empty());
}

#[test]
fn replay_names_the_file_and_the_fix_when_a_finding_is_not_a_resources_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = FindingStore::open(dir.path()).unwrap();
    let summary = run(&config(Some(Fault::WrongId), 10, dir.path()), &Cache::from_env()).unwrap();
    assert!(summary.failed() > 0);
    let id = store.list().unwrap()[0].id.clone();
    let call = dir.path().join(&id).join("call.wave");
    std::fs::write(&call, "1. new t1\n2. frobnicate t1\n").unwrap();
    let err = replay(&dir.path().join(&id), &Cache::from_env(), HostConfig::default()).unwrap_err().to_string();
    assert!(err.contains("call.wave") && err.contains("line 2") && err.contains("restore"), "{err}");
    std::fs::write(&call, "1. drop t1\n").unwrap();
    let err = replay(&dir.path().join(&id), &Cache::from_env(), HostConfig::default()).unwrap_err().to_string();
    assert!(err.contains("not a valid sequence"), "{err}");
    let toml = dir.path().join(&id).join("finding.toml");
    let text = std::fs::read_to_string(&toml).unwrap().replace("kind = \"resource\"", "kind = \"trap\"");
    std::fs::write(&toml, text).unwrap();
    let err = replay(&dir.path().join(&id), &Cache::from_env(), HostConfig::default()).unwrap_err().to_string();
    assert!(err.contains("not a resources finding"), "{err}");
}
