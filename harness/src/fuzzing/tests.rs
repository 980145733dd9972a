//! The fuzz targets as seeded unit tests on stable: each target over a few
//! hundred inputs and over its committed inputs in `corpus/fuzz/`, each
//! oracle shown to catch a deliberately broken case, and each target shown
//! to reach its checks (not just to reject its inputs).
//!
//! The inputs are drawn by proptest from a fixed seed ([`fuzz_inputs`]):
//! every run draws the same ones, and an input that makes a target panic
//! (a finding) is shrunk by proptest to the smallest it finds before the
//! test fails with it.

use super::*;
use crate::seed;
use crate::ty::{CaseWorld, Field, Func, Param, Ty, TypeDef, TypeDefKind};
use arbitrary::Arbitrary;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::cell::Cell;
use std::path::PathBuf;

/// The stream label of the fuzz seeds.
const FUZZ: u64 = 0xF022;

/// The fixed input `n` of `len` bytes, for tests that look for one input
/// that does something.
fn input(n: u64, len: usize) -> Vec<u8> {
    seed::bytes(n, &[FUZZ], len)
}

/// Runs `check` on `cases` inputs of `len / 2` to `len` bytes, drawn by
/// proptest from the seed stream `(label, FUZZ)`, so every run draws the
/// same inputs. A panic in `check` fails the test with the input shrunk to
/// the smallest that still panics (proptest's value tree for byte vectors:
/// shorter, and bytes towards zero).
fn fuzz_inputs(label: u64, cases: u32, len: usize, check: impl Fn(&[u8])) {
    let seed = seed::bytes(label, &[FUZZ], 32);
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 500,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
    let inputs = proptest::collection::vec(proptest::num::u8::ANY, len / 2..=len);
    if let Err(e) = runner.run(&inputs, |bytes| {
        check(&bytes);
        Ok(())
    }) {
        panic!("{e}");
    }
}

fn one_func_world() -> CaseWorld {
    CaseWorld {
        types: vec![TypeDef {
            name: "point".into(),
            kind: TypeDefKind::Record(vec![Field {
                name: "x".into(),
                ty: Ty::S32,
            }]),
        }],
        funcs: vec![Func {
            name: "f".into(),
            params: vec![Param {
                name: "p".into(),
                ty: Ty::Named(0),
            }],
            result: Some(Ty::String),
        }],
    }
}

#[test]
fn a_failing_input_is_shrunk_before_it_is_reported() {
    let outcome = std::panic::catch_unwind(|| {
        fuzz_inputs(8, 100, 64, |bytes| {
            assert!(bytes.iter().all(|b| *b < 200), "a byte of 200 or more");
        })
    });
    let payload = outcome.expect_err("some input has a byte of 200 or more");
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(message.contains("a byte of 200 or more"), "{message}");
    // The smallest failing input: the shortest length, every byte zero but
    // one, and that one exactly 200.
    let list = message
        .rsplit_once("minimal failing input: ")
        .map(|(_, rest)| rest)
        .unwrap_or_else(|| panic!("{message}"));
    let bytes: Vec<u32> = list
        .split(']')
        .next()
        .unwrap()
        .split(|c: char| !c.is_ascii_digit())
        .filter(|w| !w.is_empty())
        .map(|w| w.parse().unwrap())
        .collect();
    assert_eq!(bytes.len(), 32, "{message}");
    assert_eq!(
        bytes.iter().filter(|b| **b != 0).collect::<Vec<_>>(),
        [&200]
    );
}

#[test]
fn world_generation_passes_over_seeds() {
    let worlds = Cell::new(0);
    fuzz_inputs(1, 300, 2048, |bytes| {
        if world_generation(&mut Unstructured::new(bytes)).is_ok() {
            worlds.set(worlds.get() + 1);
        }
    });
    let worlds = worlds.get();
    assert!(worlds >= 250, "only {worlds} of 300 inputs made a world");
}

#[test]
fn the_world_oracle_catches_broken_worlds() {
    assert_eq!(check_world("world_generation", &one_func_world()), Ok(()));
    // A name WIT cannot spell: the printed text does not resolve.
    let mut bad_name = one_func_world();
    bad_name.funcs[0].params[0].name = "Not Kebab".into();
    let f = check_world("world_generation", &bad_name).unwrap_err();
    assert!(f.what.contains("does not resolve"), "{f}");
    // A named type nothing uses: the text resolves, but imports back
    // without it.
    let mut unused = one_func_world();
    unused.types.push(TypeDef {
        name: "orphan".into(),
        kind: TypeDefKind::Enum(vec!["a".into()]),
    });
    let f = check_world("world_generation", &unused).unwrap_err();
    assert!(f.what.contains("import back to the same world"), "{f}");
    assert!(
        f.to_string().contains("orphan"),
        "the finding shows the WIT: {f}"
    );
}

#[test]
fn wit_smith_packages_import_or_are_refused_cleanly() {
    let (imported, refused) = (Cell::new(0), Cell::new(0));
    fuzz_inputs(2, 200, 4096, |bytes| {
        let mut u = Unstructured::new(bytes);
        let Ok(mut config) = wit_smith::Config::arbitrary(&mut u) else {
            return;
        };
        config.max_packages = config.max_packages.min(3);
        config.max_type_size = config.max_type_size.min(200);
        let Ok(wasm) = wit_smith::smith(&config, &mut u) else {
            return;
        };
        match check_wit_package(&wasm) {
            Ok(true) => imported.set(imported.get() + 1),
            Ok(false) => refused.set(refused.get() + 1),
            Err(f) => panic!("{f}"),
        }
    });
    let (imported, refused) = (imported.get(), refused.get());
    assert!(imported >= 20, "{imported} imported, {refused} refused");
}

#[test]
fn a_hand_written_package_goes_through_the_wit_path() {
    let mut resolve = wit_parser::Resolve::default();
    let pkg = resolve
        .push_str("t.wit", "package a:b;\ninterface i { record r { x: u8 }\n f: func(r: r, s: list<string>) -> option<r>; }\n")
        .unwrap();
    let wasm = wit_component::encode(&resolve, pkg, true).unwrap();
    assert_eq!(check_wit_package(&wasm), Ok(true));
}

#[test]
fn core_guest_reaches_the_canonical_abi() {
    let total = std::cell::RefCell::new(CoreGuestStats::default());
    fuzz_inputs(3, 150, 8192, |bytes| {
        if let Ok(stats) = core_guest_stats(&mut Unstructured::new(bytes)) {
            total.borrow_mut().add(&stats);
        }
    });
    let total = total.into_inner();
    assert!(total.components >= 50, "{total:?}");
    assert!(total.instantiated >= 20 && total.calls >= 20, "{total:?}");
    assert!(
        total.traps + total.protocol + total.limits > 0,
        "random code fails in classified ways: {total:?}"
    );
}

#[test]
fn a_component_wasmtime_rejects_is_a_core_guest_finding() {
    let world = one_func_world();
    let bytes = input(1, 64);
    let verdict = check_core_component(
        &world,
        b"\0asm\x0d\0\x01\0garbage",
        &mut Unstructured::new(&bytes),
    )
    .unwrap();
    let f = verdict.unwrap_err();
    assert!(f.what.contains("wasmtime rejects"), "{f}");
}

#[test]
fn the_compiled_in_suppressions_match_the_file() {
    let path = crate::disk::workspace_root().join("corpus/suppressions.toml");
    assert_eq!(
        *suppressions(),
        crate::suppress::Suppressions::load(&path).unwrap()
    );
    let gc = Signature {
        language: "go".into(),
        kind: crate::finding::Kind::Trap,
        site: "import result".into(),
        class: "wasm trap: cannot leave component instance".into(),
    };
    assert!(suppressions().matching(&gc).is_some());
    assert!(
        suppressions()
            .matching(&Signature {
                language: "rust".into(),
                ..gc
            })
            .is_none()
    );
}

use crate::finding::Signature;

fn echo_over_seeds(language: &str, seeds: u32) {
    let fixture = EchoFixture::get(language);
    for (name, reason, signature) in &fixture.skipped {
        // A world with resources, for a driver that does not echo them yet
        // (Rust does: it must build the world).
        if language != "rust" && reason.ends_with("does not echo resources yet") {
            continue;
        }
        let known = signature.as_ref().and_then(|s| suppressions().matching(s));
        assert!(
            known.is_some(),
            "{language}: corpus world {name} does not build for an unknown reason:\n{reason}"
        );
    }
    assert!(
        fixture.world_names().len() >= 3,
        "{language}: {:?}",
        fixture.world_names()
    );
    fuzz_inputs(4, seeds, 4096, |bytes| {
        let _ = echo_values(language, &mut Unstructured::new(bytes));
    });
}

#[test]
fn echo_rust_passes_over_seeds() {
    echo_over_seeds("rust", 200);
}

#[test]
fn echo_go_passes_over_seeds() {
    echo_over_seeds("go", 60);
}

#[test]
fn echo_python_passes_over_seeds() {
    echo_over_seeds("python", 30);
}

/// The `echo` target in every language of the registry that has no test
/// of its own above: a new language is fuzzed with no new target or test.
#[test]
fn echo_passes_over_seeds_in_every_other_language() {
    for language in crate::guest::names() {
        if !["rust", "go", "python"].contains(&language) {
            echo_over_seeds(language, 60);
        }
    }
}

fn corpus_dir(target: &str) -> PathBuf {
    crate::disk::workspace_root()
        .join("corpus/fuzz")
        .join(target)
}

/// Every target has its fuzz binary, its `[[bin]]` entry and a seed corpus,
/// and every committed input (seeds and regressions) runs without a finding.
#[test]
fn committed_inputs_replay() {
    let root = crate::disk::workspace_root();
    let manifest = std::fs::read_to_string(root.join("fuzz/Cargo.toml")).unwrap();
    for (name, _) in TARGETS {
        assert!(
            root.join(format!("fuzz/fuzz_targets/{name}.rs")).is_file(),
            "fuzz/fuzz_targets/{name}.rs is missing"
        );
        assert!(
            manifest.contains(&format!("name = \"{name}\"")),
            "fuzz/Cargo.toml has no [[bin]] {name}"
        );
        let dir = corpus_dir(name);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{} has no seed inputs", dir.display());
        for file in files {
            let data = std::fs::read(&file).unwrap();
            let outcome = std::panic::catch_unwind(|| run(name, &data));
            assert!(outcome.is_ok(), "{} crashes target {name}", file.display());
        }
    }
}

#[test]
fn abi_layout_passes_over_seeds() {
    let cases = Cell::new(0);
    fuzz_inputs(5, 60, 16 * 1024, |bytes| {
        if abi_layout(&mut Unstructured::new(bytes)).is_ok() {
            cases.set(cases.get() + 1);
        }
    });
    let cases = cases.get();
    assert!(cases >= 30, "only {cases} of 60 inputs made a case");
}

#[test]
fn abi_invalid_passes_over_seeds() {
    let cases = Cell::new(0);
    fuzz_inputs(6, 60, 16 * 1024, |bytes| {
        if abi_invalid(&mut Unstructured::new(bytes)).is_ok() {
            cases.set(cases.get() + 1);
        }
    });
    let cases = cases.get();
    assert!(cases >= 30, "only {cases} of 60 inputs made a case");
}

/// The abi targets' one suppression covers the known string-length
/// finding and nothing next to it (the oracle itself is shown to catch
/// broken cases in `abi_oracle::tests`).
#[test]
fn the_abi_suppression_is_narrow() {
    let known = Signature {
        language: "raw".into(),
        kind: crate::finding::Kind::Abi,
        site: "host lift-result".into(),
        class: "invalid-length-limit: the spec traps (string-too-long), wasmtime returned".into(),
    };
    assert!(suppressions().matching(&known).is_some());
    let other_kind = Signature {
        class: "invalid-utf8: the spec traps (invalid-utf8), wasmtime returned".into(),
        ..known.clone()
    };
    assert!(suppressions().matching(&other_kind).is_none());
    let other_language = Signature {
        language: "rust".into(),
        ..known
    };
    assert!(suppressions().matching(&other_language).is_none());
}

#[test]
fn resource_sequences_pass_over_seeds() {
    let guest = crate::resources::test_support::guest("rust", None);
    let ran = Cell::new(0);
    fuzz_inputs(7, 150, 1024, |bytes| {
        match check_sequence(guest, &mut Unstructured::new(bytes)) {
            Ok(Ok(())) => ran.set(ran.get() + 1),
            Ok(Err(finding)) => panic!("{finding}"),
            Err(_) => {}
        }
    });
    let ran = ran.get();
    assert!(ran >= 100, "only {ran} of 150 inputs made a sequence");
}

/// The resources oracle, through the target's own check, catches a guest
/// whose destructors run twice and one that leaks.
#[test]
fn resource_sequences_catch_faulty_guests() {
    use crate::resources::Fault;
    for fault in [Fault::DestroyTwice, Fault::NeverDestroy] {
        let guest = crate::resources::test_support::guest("rust", Some(fault));
        let caught = (0..100).find_map(|n| {
            let bytes = input(n, 1024);
            match check_sequence(guest, &mut Unstructured::new(&bytes)) {
                Ok(Err(finding)) => Some(finding),
                _ => None,
            }
        });
        let finding = caught.unwrap_or_else(|| panic!("{fault}: no sequence of 100 caught it"));
        assert_eq!(finding.target, "resource_sequences");
        assert!(
            finding.detail.contains("1. "),
            "the steps are in the finding: {finding}"
        );
    }
}
