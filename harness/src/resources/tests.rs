//! End-to-end tests of resources runs: faulty guests are caught, shrunk to
//! a handful of steps, written as findings that replay; healthy runs pass.

use super::*;
use crate::finding::FindingStore;
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
    assert!(
        rust.tally.failed >= 5,
        "{fault}: only {} of 30 sequences failed\n{}",
        rust.tally.failed,
        summary.table()
    );
    assert_eq!(
        rust.violations.get(&class).copied(),
        Some(rust.tally.failed),
        "{fault}\n{}",
        summary.table()
    );
    let store = FindingStore::open(dir.path()).unwrap();
    let findings = store.list().unwrap();
    assert!(!findings.is_empty());
    for meta in findings {
        assert_eq!(meta.kind, crate::finding::Kind::Resource);
        assert_eq!(meta.violation.as_deref(), Some(class.as_str()));
        let found = finding::load(&dir.path().join(&meta.id)).unwrap();
        let steps = step::parse_steps(found.steps.as_deref().unwrap()).unwrap();
        assert!(
            steps.len() <= 4,
            "{fault}: the reproducer has {} steps:\n{}",
            steps.len(),
            found.steps.as_deref().unwrap()
        );
        assert!(found.world_wit.contains("package witness:resources;"));
        assert!(
            matches!(
                &meta.replay,
                crate::finding::Replay::ResourceSteps { fault: Some(f), .. } if f == fault.as_str()
            ),
            "{:?}",
            meta.replay
        );
        match replay(
            &dir.path().join(&meta.id),
            &Cache::from_env(),
            HostConfig::default(),
        )
        .unwrap()
        {
            ReplayOutcome::Reproduced(v) => assert_eq!(v.class, class, "{v:#?}"),
            other => panic!("{fault}: {} does not reproduce: {other:#?}", meta.id),
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
    assert!(
        table.starts_with("language  sequences  steps  illegal  leak  double destructor"),
        "{table}"
    );
    assert!(
        table.contains("rust: no growth in new+drop (+0 B heap"),
        "{table}"
    );
    assert!(
        FindingStore::open(dir.path())
            .unwrap()
            .list()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn replay_names_the_file_and_the_fix_when_a_finding_is_not_a_resources_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = FindingStore::open(dir.path()).unwrap();
    let summary = run(
        &config(Some(Fault::WrongId), 10, dir.path()),
        &Cache::from_env(),
    )
    .unwrap();
    assert!(summary.failed() > 0);
    let id = store.list().unwrap()[0].id.clone();
    let call = dir.path().join(&id).join("steps.txt");
    std::fs::write(&call, "1. new t1\n2. frobnicate t1\n").unwrap();
    let err = replay(
        &dir.path().join(&id),
        &Cache::from_env(),
        HostConfig::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("steps.txt") && err.contains("line 2") && err.contains("restore"),
        "{err}"
    );
    std::fs::write(&call, "1. drop t1\n").unwrap();
    let err = replay(
        &dir.path().join(&id),
        &Cache::from_env(),
        HostConfig::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("not a valid sequence"), "{err}");
    let toml = dir.path().join(&id).join("finding.toml");
    let text = std::fs::read_to_string(&toml)
        .unwrap()
        .replace("family = \"resource-steps\"", "family = \"resource-build\"");
    std::fs::write(&toml, text).unwrap();
    let err = replay(
        &dir.path().join(&id),
        &Cache::from_env(),
        HostConfig::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("does not replay as steps") && err.contains("witness repro"),
        "{err}"
    );
}

// ---- Go and Python ---------------------------------------------------------

use crate::resources::runner::Cycle;
use crate::resources::test_support::guest;

fn steps(text: &str) -> Vec<Step> {
    step::parse_steps(text).unwrap()
}

/// Runs tens of sequences of `language`: every failure is a finding, and
/// every finding replays.
fn every_failure_is_a_finding_that_replays(language: &str, sequences: u64) {
    let dir = tempfile::tempdir().unwrap();
    let config = ResourcesConfig {
        languages: vec![language.into()],
        ..config(None, sequences, dir.path())
    };
    let summary = run(&config, &Cache::from_env()).unwrap();
    let result = &summary.languages[0];
    assert_eq!(result.sequences, sequences);
    assert_eq!(
        result.tally.passed + result.tally.failed,
        sequences,
        "{}",
        summary.table()
    );
    let findings = FindingStore::open(dir.path()).unwrap().list().unwrap();
    assert_eq!(findings.len(), result.tally.findings.len());
    assert_eq!(
        findings.iter().map(|f| f.count).sum::<u64>(),
        result.tally.failed
    );
    for meta in findings {
        match replay(
            &dir.path().join(&meta.id),
            &Cache::from_env(),
            HostConfig::default(),
        )
        .unwrap()
        {
            ReplayOutcome::Reproduced(v) => {
                assert_eq!(
                    Some(v.class.as_str()),
                    meta.violation.as_deref(),
                    "{}: {v:#?}",
                    meta.id
                )
            }
            other => panic!("{} does not reproduce: {other:#?}", meta.id),
        }
    }
}

/// Each of `cases` fails in `language` with its class, and passes in Rust
/// (so the failure is the language's, not the model's).
fn caught_in(language: &str, cases: &[(&str, ViolationClass, &str)]) {
    for (text, class, why) in cases {
        let steps = steps(text);
        let control = guest("rust", None).runner.run(&steps).unwrap();
        assert!(
            control.violation.is_none(),
            "the Rust guest fails `{text}`: {:#?}",
            control.violation
        );
        let run = guest(language, None).runner.run(&steps).unwrap();
        let v = run
            .violation
            .unwrap_or_else(|| panic!("{language} passed `{text}`, expected {class}: {why}"));
        assert_eq!(v.class, *class, "`{text}` ({why}): {v:#?}");
    }
}

#[test]
fn the_go_guest_runs_tens_of_sequences_and_every_failure_replays() {
    every_failure_is_a_finding_that_replays("go", 30);
}

#[test]
fn go_binding_bugs_are_caught_where_the_rust_guest_passes() {
    caught_in(
        "go",
        &[
            (
                "create k1\ntake [k1]\ninspect k1",
                ViolationClass::SpuriousTrap,
                "wit-bindgen-go never drops a borrowed handle of an imported resource that an export receives",
            ),
            (
                "make t1\nhold [t1]\nrelease t1",
                ViolationClass::DoubleDestructor,
                "Thing.Drop calls OnDrop, and so does the [dtor] export that the drop runs",
            ),
            (
                "create t1\nrelease t1",
                ViolationClass::Leak,
                "Drop of a thing that never crossed the boundary does nothing, OnDrop included",
            ),
            (
                "new t1\nhold [+k2, t1]\nrelease t1",
                ViolationClass::SpuriousTrap,
                "ThingFromOwnHandle keeps the handle index from when the thing left; Drop drops that stale index",
            ),
            (
                "new t1\nnew t2\nhold [t2, t1]\nrelease t1",
                ViolationClass::EarlyDestructor,
                "the stale index of t1 names t2's slot now, so releasing t1 destroys t2",
            ),
        ],
    );
}

#[test]
fn the_go_leak_check_sees_no_growth_in_create_drop_cycles() {
    let runner = &guest("go", None).runner;
    for cycle in [Cycle::NewDrop, Cycle::CreateRelease, Cycle::HoldTake] {
        let report = runner.leak_check(cycle, 10_000).unwrap();
        assert!(
            report.completed && report.violations.is_empty(),
            "{}: {report:#?}",
            cycle.name()
        );
    }
}

#[test]
fn the_python_guest_runs_tens_of_sequences_and_every_failure_replays() {
    every_failure_is_a_finding_that_replays("python", 20);
}

#[test]
fn python_binding_bugs_are_caught_where_the_rust_guest_passes() {
    caught_in(
        "python",
        &[
            (
                "new t1\ndrop t1",
                ViolationClass::Leak,
                "componentize-py's destructor of a guest-defined resource does nothing: the object is never freed",
            ),
            (
                "new t1\nhold [t1]\nrelease t1",
                ViolationClass::Leak,
                "an own handle of a guest-defined resource passed back in keeps the object alive for good",
            ),
        ],
    );
    // A borrow cannot be kept past its call in Python: the bindings drop it.
    let run = guest("python", None)
        .runner
        .run(&steps("create k1\ntake [k1]\nguest-keep-borrow k1"))
        .unwrap();
    assert!(run.violation.is_none(), "{:#?}", run.violation);
    assert_eq!((run.illegal, run.skipped), (0, 1));
}

#[test]
fn the_python_leak_check_measures_the_leak_of_dropped_things() {
    let runner = &guest("python", None).runner;
    let report = runner.leak_check(Cycle::CreateRelease, 10_000).unwrap();
    assert!(
        report.completed && report.violations.is_empty(),
        "{report:#?}"
    );
    let report = runner.leak_check(Cycle::NewDrop, 10_000).unwrap();
    let classes: Vec<ViolationClass> = report.violations.iter().map(|v| v.class).collect();
    assert_eq!(
        classes,
        [ViolationClass::Leak, ViolationClass::MemoryGrowth],
        "{report:#?}"
    );
    let grown = report.after.heap_bytes.unwrap() - report.before.heap_bytes.unwrap();
    assert!(grown > 10_000 * 100, "{}", report.growth_text());
}

/// A known failure is counted once, however many violations (and so
/// findings) it has: the Python guest's leak check (its known leak of
/// resources that went to the host) finds both a leak and memory growth
/// in one check, and with both suppressed the run has no unknown failure.
#[test]
fn a_suppressed_failure_counts_once() {
    let dir = tempfile::tempdir().unwrap();
    let config = ResourcesConfig {
        languages: vec!["python".into()],
        cycles: 2000,
        suppressions: Suppressions {
            suppress: vec![crate::suppress::Suppression {
                signature: "python | resource | * | *".into(),
                reason: "the known componentize-py leak".into(),
                link: None,
            }],
        },
        ..config(None, 3, dir.path())
    };
    let summary = run(&config, &Cache::from_env()).unwrap();
    let python = &summary.languages[0];
    let two_violations = python.leak_checks.iter().any(|c| c.violations.len() > 1);
    assert!(
        two_violations,
        "a check with a leak and memory growth:\n{}",
        summary.table()
    );
    assert_eq!(
        python.tally.suppressed,
        python.tally.failed,
        "{}",
        summary.table()
    );
    assert_eq!(summary.failed(), 0, "{}", summary.table());
}
