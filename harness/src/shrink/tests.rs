//! Tests of the shrinker: values follow world steps, value steps are
//! strictly simpler, and a real finding of a deliberately faulty Rust guest
//! shrinks to one function and a small value that still reproduces.

use super::*;
use crate::finding::{FindingStore, Kind, Limits, Replay, Signature};
use crate::ty::TypeDef;

fn row_world() -> CaseWorld {
    CaseWorld {
        types: vec![
            TypeDef {
                name: "row".into(),
                kind: TypeDefKind::Record(vec![
                    Field {
                        name: "label".into(),
                        ty: Ty::String,
                    },
                    Field {
                        name: "index".into(),
                        ty: Ty::U32,
                    },
                    Field {
                        name: "cells".into(),
                        ty: Ty::List(Box::new(Ty::F64)),
                    },
                ]),
            },
            TypeDef {
                name: "mood".into(),
                kind: TypeDefKind::Variant(vec![
                    Case {
                        name: "calm".into(),
                        ty: None,
                    },
                    Case {
                        name: "loud".into(),
                        ty: Some(Ty::String),
                    },
                ]),
            },
        ],
        funcs: vec![
            Func {
                name: "grid".into(),
                params: vec![Param {
                    name: "t".into(),
                    ty: Ty::List(Box::new(Ty::Named(0))),
                }],
                result: Some(Ty::List(Box::new(Ty::Named(0)))),
            },
            Func {
                name: "feel".into(),
                params: vec![
                    Param {
                        name: "m".into(),
                        ty: Ty::Named(1),
                    },
                    Param {
                        name: "n".into(),
                        ty: Ty::S64,
                    },
                ],
                result: Some(Ty::Option(Box::new(Ty::Char))),
            },
        ],
    }
}

fn row(label: &str, index: u32, cells: usize) -> Val {
    Val::Record(vec![
        ("label".into(), Val::String(label.into())),
        ("index".into(), Val::U32(index)),
        (
            "cells".into(),
            Val::List((0..cells).map(|i| Val::Float64(i as f64 + 0.5)).collect()),
        ),
    ])
}

fn grid_call(rows: usize) -> Call {
    let table = Val::List(
        (0..rows)
            .map(|i| row(&format!("row number {i}"), 1000 + i as u32, 3))
            .collect(),
    );
    Call {
        func: "grid".into(),
        args: vec![table.clone()],
        result: Some(table),
    }
}

#[test]
fn chunks_go_from_halves_to_single_items() {
    assert_eq!(chunks(4), vec![0..2, 2..4, 0..1, 1..2, 2..3, 3..4]);
    assert_eq!(chunks(1), vec![0..1]);
    assert!(chunks(0).is_empty());
}

#[test]
fn values_follow_a_dropped_field_and_a_renamed_one() {
    let old = row_world();
    let call = grid_call(2);
    let mut new = old.clone();
    if let TypeDefKind::Record(fs) = &mut new.types[0].kind {
        fs.remove(0);
    }
    let moved = convert_call(&old, &new, &call).unwrap();
    let Val::List(rows) = &moved.args[0] else {
        panic!()
    };
    assert_eq!(
        rows[1],
        Val::Record(vec![
            ("index".into(), Val::U32(1001)),
            (
                "cells".into(),
                Val::List(vec![
                    Val::Float64(0.5),
                    Val::Float64(1.5),
                    Val::Float64(2.5)
                ])
            ),
        ])
    );
    // Renaming every member keeps the values by position.
    let renamed = shorter_names(&new, Some(&moved)).remove(3);
    let again = convert_call(&new, &renamed, &moved).unwrap();
    let Val::List(rows) = &again.args[0] else {
        panic!()
    };
    let Val::Record(fields) = &rows[1] else {
        panic!()
    };
    assert_eq!(fields[0], ("m1".to_string(), Val::U32(1001)));
}

#[test]
fn a_container_that_becomes_its_element_keeps_the_first_element() {
    let old = row_world();
    let call = grid_call(3);
    let mut new = old.clone();
    new.funcs[0].params[0].ty = Ty::Named(0);
    let moved = convert_call(&old, &new, &call).unwrap();
    assert_eq!(moved.args[0], row("row number 0", 1000, 3));
    // And a parameter that changed kind entirely gets the lightest value.
    new.funcs[0].params[0].ty = Ty::Bool;
    assert_eq!(
        convert_call(&old, &new, &call).unwrap().args[0],
        Val::Bool(false)
    );
}

#[test]
fn value_rewrites_are_strictly_simpler() {
    let world = row_world();
    let values = [
        (
            Ty::List(Box::new(Ty::Named(0))),
            grid_call(3).args[0].clone(),
        ),
        (
            Ty::Named(1),
            Val::Variant("loud".into(), Some(Box::new(Val::String("HEY".into())))),
        ),
        (Ty::S64, Val::S64(i64::MIN)),
        (
            Ty::Option(Box::new(Ty::Char)),
            Val::Option(Some(Box::new(Val::Char('\u{10ffff}')))),
        ),
    ];
    for (ty, v) in values {
        let call = |v: &Val| Call {
            func: "x".into(),
            args: vec![v.clone()],
            result: None,
        };
        let rewrites = val_rewrites(&world, &ty, &v);
        assert!(!rewrites.is_empty(), "{v:?}");
        let simpler = rewrites
            .iter()
            .filter(|r| cost(&world, Some(&call(r))) < cost(&world, Some(&call(&v))))
            .count();
        assert!(
            simpler * 2 >= rewrites.len(),
            "most rewrites of {v:?} are simpler"
        );
        // The lightest value has nothing simpler.
        let least = lightest(&world, &ty).unwrap();
        assert!(
            val_rewrites(&world, &ty, &least)
                .iter()
                .all(|r| cost(&world, Some(&call(r))) >= cost(&world, Some(&call(&least)))),
            "{least:?}"
        );
    }
}

#[test]
fn type_rewrites_never_point_forward() {
    let world = row_world();
    for candidate in simpler_types(&world, None) {
        let text = crate::wit_text::echo_package(&drop_unused_types(candidate));
        crate::wit_text::resolve_echo(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    }
}

/// The override that corrupts `t[1].index` on its way to `upstream`.
fn faulty_grid() -> Vec<(String, String)> {
    vec![(
        "grid".to_string(),
        "let mut t = t; if let Some(r) = t.get_mut(1) { r.index ^= 1; } \
         crate::bindings::witness::case::upstream::grid(&t)"
            .to_string(),
    )]
}

/// Records the finding of one call of the faulty guest in `store`.
fn faulty_finding(cache: &Cache, store: &FindingStore) -> PathBuf {
    let world = row_world();
    let call = grid_call(6);
    let mut reproducer =
        Reproducer::new(&["rust".to_string()], cache, HostConfig::default()).unwrap();
    reproducer.overrides = faulty_grid();
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
fn a_faulty_guest_finding_shrinks_to_one_function_and_a_small_value() {
    let cache = Cache::from_env();
    let dir = tempfile::tempdir().unwrap();
    let store = FindingStore::open(dir.path()).unwrap();
    let finding_dir = faulty_finding(&cache, &store);
    let before = crate::finding::load(&finding_dir).unwrap();

    // Without the fault the finding does not reproduce: nothing to shrink.
    let faithful = ShrinkConfig {
        max_builds: 5,
        ..ShrinkConfig::default()
    };
    let err = shrink(&finding_dir, &cache, &faithful).unwrap_err();
    assert!(matches!(err, ShrinkError::DoesNotReproduce { .. }), "{err}");

    let config = ShrinkConfig {
        max_builds: 40,
        max_calls: 400,
        overrides: faulty_grid(),
        ..ShrinkConfig::default()
    };
    let report = shrink(&finding_dir, &cache, &config).unwrap();
    assert!(report.replaced, "{report:?}");
    assert_eq!(report.funcs, (2, 1));
    assert!(report.weight_after * 4 < report.weight_before, "{report:?}");

    let after = crate::finding::load(&finding_dir).unwrap();
    assert_eq!(
        after.meta.count, before.meta.count,
        "shrinking is not a hit"
    );
    assert_eq!(after.meta.signature, before.meta.signature);
    // The corrupted field needs a second row: the list shrinks to two rows,
    // the strings and the other fields to nothing.
    let mut reproducer =
        Reproducer::new(&["rust".to_string()], &cache, HostConfig::default()).unwrap();
    reproducer.overrides = faulty_grid();
    let loaded = reproducer.load(&finding_dir).unwrap();
    assert_eq!(loaded.world.funcs.len(), 1);
    let call = loaded.call.clone().unwrap();
    let Val::List(rows) = &call.args[0] else {
        panic!("{call:?}")
    };
    assert_eq!(rows.len(), 2, "{call:?}");
    assert!(value::val_weight(&call.args[0]) <= 8, "{call:?}");
    // And the shrunk finding still reproduces, with the same signature.
    let again = reproducer
        .run(&loaded.world, loaded.call.as_ref(), 0)
        .unwrap()
        .unwrap();
    assert_eq!(
        reproducer.signature(&again),
        Signature::parse(&after.meta.signature).unwrap()
    );
}
