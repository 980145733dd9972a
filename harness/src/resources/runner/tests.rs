//! Tests of the runner on real Rust guests: a healthy guest passes
//! hundreds of generated sequences and every illegal step; each oracle
//! fails on a guest built with the fault that breaks its rule.

use super::*;
use crate::resources::Fault;
use crate::resources::model::{GenConfig, sequence};
use crate::resources::step::parse_steps;
use crate::resources::test_support::guest;

fn run(fault: Option<Fault>, text: &str) -> SequenceRun {
    let steps = parse_steps(text).unwrap();
    guest("rust", fault).runner.run(&steps).unwrap()
}

#[test]
fn the_rust_guest_passes_a_few_hundred_sequences() {
    let runner = &guest("rust", None).runner;
    let config = GenConfig::default();
    let (mut steps, mut illegal) = (0, 0);
    for i in 0..300 {
        let seq = sequence(1, i, &config);
        let run = runner.run(&seq).unwrap();
        if let Some(v) = &run.violation {
            panic!(
                "sequence {i} failed: {v:#?}\n{}",
                crate::resources::step::write_steps(&seq)
            );
        }
        steps += run.steps;
        illegal += run.illegal;
    }
    assert!(
        steps > 3000 && illegal > 50,
        "{steps} steps, {illegal} illegal"
    );
}

/// One sequence per illegal step (and per kind where the step takes
/// either): the model's expected error must be wasmtime's.
const ILLEGAL: &[&str] = &[
    "new t1\ndrop t1\ndrop-stale t1\nnew t2\nmethod t2",
    "new t1\nhold [t1]\ndrop-stale t1",
    "create k1\ntake [k1]\ndrop k1\ndrop-stale k1",
    "new t1\ndrop t1\nnew t2\ndrop-stale t1\nmethod t2",
    "new t1\ndrop t1\nuse-stale t1",
    "create k1\ntake [k1]\nhold [k1]\nuse-stale k1",
    "create k1\ntake [k1]\ndrop-borrowed k1\nrelease k1\ndrop k1",
    "new t1\ncreate k2\ntake [k2]\ndrop-borrowed t1 k2\nmethod t1",
    "new t1\nhold-twice t1",
    "create k1\ntake [k1]\nhold-twice k1",
    "create k1\nguest-use-after-drop k1",
    "new t1\nhold [+k2]\nguest-double-drop k2",
    "create k1\ntake [k1]\nguest-keep-borrow k1",
    "create k1\ntake [k1]\nguest-use-stash k1",
    "create k1\nguest-reuse-slot k1 k2\npoke k2\nrelease k2",
];

#[test]
fn every_illegal_step_fails_with_the_error_the_model_names() {
    for text in ILLEGAL {
        let steps = parse_steps(text).unwrap();
        assert_eq!(
            crate::resources::model::normalise(&steps),
            steps,
            "not a valid sequence: {text}"
        );
        let run = run(None, text);
        assert!(run.violation.is_none(), "{text}\n{:#?}", run.violation);
        assert!(run.illegal >= 1, "{text}");
    }
}

#[test]
fn legal_sequences_of_every_shape_pass() {
    for text in [
        "new t1\nmake t2\ncreate t3\ncreate k4\nhold [t1, none, +k5]\nhold-bundle [t2] +k6\ntake [t1, k5, t2]\npoke k4\npoke t3\n\
         take-one k6\ntake-one k9\ntake-bundle [t3] k4\nswap t3 +k7\ninspect t1\ninspect k4\ninspect-things [t1, none, t1]\n\
         inspect-pair t3 k7\ninspect-tuple t2 k6\nmethod t2\nrelease t9\ndrop k4\nrelease k5",
        "new t1\nswap t1 +k2\nswap t1 k2\nhold-bundle [] none\ntake-bundle [] none\nhold []\ntake []",
    ] {
        let run = run(None, text);
        assert!(run.violation.is_none(), "{text}\n{:#?}", run.violation);
    }
}

fn violation(fault: Fault, text: &str) -> Violation {
    assert!(
        run(None, text).violation.is_none(),
        "the healthy guest fails `{text}`"
    );
    run(Some(fault), text)
        .violation
        .unwrap_or_else(|| panic!("the guest with fault {fault} passed `{text}`"))
}

#[test]
fn each_oracle_catches_the_guest_that_breaks_its_rule() {
    let v = violation(Fault::NeverDestroy, "new t1\ndrop t1");
    assert_eq!(v.class, ViolationClass::Leak, "{v:#?}");
    assert!(
        v.message.contains("destructor of thing t1 did not run"),
        "{v:#?}"
    );

    let v = violation(Fault::KeepReleased, "create k1\nrelease k1");
    assert_eq!(v.class, ViolationClass::Leak, "{v:#?}");
    assert!(v.message.contains("token k1"), "{v:#?}");

    let v = violation(Fault::DestroyTwice, "create t1\nrelease t1");
    assert_eq!(v.class, ViolationClass::DoubleDestructor, "{v:#?}");

    let v = violation(Fault::DropOnPoke, "create t1\npoke t1");
    assert_eq!(v.class, ViolationClass::EarlyDestructor, "{v:#?}");

    let v = violation(
        Fault::DropKeptBorrow,
        "create k1\ntake [k1]\nguest-keep-borrow k1",
    );
    assert_eq!(v.class, ViolationClass::MissingTrap, "{v:#?}");

    let v = violation(Fault::PanicOnPoke, "create t1\npoke t1");
    assert_eq!(v.class, ViolationClass::SpuriousTrap, "{v:#?}");
    assert!(
        v.error
            .as_deref()
            .is_some_and(|e| e.contains("unreachable")),
        "{v:#?}"
    );

    let v = violation(Fault::WrongId, "new t1\nmethod t1");
    assert_eq!(v.class, ViolationClass::WrongResult, "{v:#?}");
}

#[test]
fn the_leak_check_sees_no_growth_in_the_rust_guest_and_growth_in_a_leaky_one() {
    let runner = &guest("rust", None).runner;
    for cycle in Cycle::ALL {
        let report = runner.leak_check(cycle, 10_000).unwrap();
        assert!(
            report.violations.is_empty() && report.completed,
            "{}: {:#?}",
            cycle.name(),
            report
        );
        assert_eq!(
            report.after.heap_bytes,
            report.before.heap_bytes,
            "{}: {}",
            cycle.name(),
            report.growth_text()
        );
    }
    let leaky = &guest("rust", Some(Fault::LeakMemory)).runner;
    let report = leaky.leak_check(Cycle::NewDrop, 2_000).unwrap();
    let classes: Vec<ViolationClass> = report.violations.iter().map(|v| v.class).collect();
    assert_eq!(classes, [ViolationClass::MemoryGrowth], "{report:#?}");
    assert!(
        report.after.heap_bytes.unwrap() >= report.before.heap_bytes.unwrap() + 2_000 * 256,
        "{}",
        report.growth_text()
    );
}

#[test]
fn the_leak_check_keeps_measuring_after_a_destructor_violation() {
    let report = guest("rust", Some(Fault::NeverDestroy))
        .runner
        .leak_check(Cycle::NewDrop, 1_000)
        .unwrap();
    assert!(report.completed, "{report:#?}");
    let classes: Vec<ViolationClass> = report.violations.iter().map(|v| v.class).collect();
    assert_eq!(classes, [ViolationClass::Leak], "{report:#?}");
    // The thing's memory is freed by the bindings even though its
    // destructor logs nothing: a leak of the live count, not of memory.
    assert_eq!(
        report.after.heap_bytes,
        report.before.heap_bytes,
        "{}",
        report.growth_text()
    );
}

#[test]
fn unexpected_failures_are_classified_with_the_go_gc_trap_apart() {
    let error = |message: &str| CallError {
        message: message.into(),
        root_cause: message.into(),
        crash: None,
        out_of_fuel: false,
    };
    let gc = error(
        "error while executing at wasm backtrace:\n 0: 0x1 - runtime.gcStart\nwasm trap: cannot leave component instance",
    );
    assert_eq!(unexpected_failure(&gc), ViolationClass::GcTrap);
    assert_eq!(
        unexpected_failure(&error("wasm trap: wasm `unreachable` instruction executed")),
        ViolationClass::SpuriousTrap
    );
}
