use std::collections::{BTreeMap, BTreeSet};

use arbitrary::Unstructured;

use super::*;
use crate::ty::{Case, Field, TypeDef};
use crate::value::compare::same;
use crate::value::test_worlds::all_kinds;
use crate::value::to_wave;

/// What a sample of values showed.
#[derive(Default)]
struct Seen {
    list_lens: BTreeSet<usize>,
    map_lens: BTreeSet<usize>,
    /// Per variant or enum type name: cases seen, with `+` for a payload.
    cases: BTreeMap<String, BTreeSet<String>>,
    /// Per flags type name: the sets seen.
    flag_sets: BTreeMap<String, BTreeSet<Vec<String>>>,
    options: BTreeSet<&'static str>,
    results: BTreeSet<&'static str>,
}

/// Checks that `v` is a value of `ty` as a component would give it (record
/// fields named and ordered as declared, flags in declaration order, fixed
/// lists of their length, unique map keys) and records what it shows.
fn check(world: &CaseWorld, ty: &Ty, v: &Val, seen: &mut Seen) {
    match (world.resolve(ty), v) {
        (Ty::Bool, Val::Bool(_))
        | (Ty::S8, Val::S8(_))
        | (Ty::S16, Val::S16(_))
        | (Ty::S32, Val::S32(_))
        | (Ty::S64, Val::S64(_))
        | (Ty::U8, Val::U8(_))
        | (Ty::U16, Val::U16(_))
        | (Ty::U32, Val::U32(_))
        | (Ty::U64, Val::U64(_))
        | (Ty::F32, Val::Float32(_))
        | (Ty::F64, Val::Float64(_))
        | (Ty::Char, Val::Char(_))
        | (Ty::String, Val::String(_)) => {}
        (Ty::List(elem), Val::List(vs)) => {
            seen.list_lens.insert(vs.len());
            vs.iter().for_each(|v| check(world, elem, v, seen));
        }
        (Ty::FixedList(elem, n), Val::FixedLengthList(vs)) => {
            assert_eq!(vs.len(), *n as usize);
            vs.iter().for_each(|v| check(world, elem, v, seen));
        }
        (Ty::Map(k, val), Val::Map(entries)) => {
            seen.map_lens.insert(entries.len());
            for (i, (key, value)) in entries.iter().enumerate() {
                check(world, k, key, seen);
                check(world, val, value, seen);
                for (other, _) in &entries[..i] {
                    assert!(
                        !same(other, key),
                        "duplicate key in {}",
                        to_wave(v).unwrap()
                    );
                }
            }
        }
        (Ty::Tuple(tys), Val::Tuple(vs)) if tys.len() == vs.len() => {
            tys.iter()
                .zip(vs)
                .for_each(|(t, v)| check(world, t, v, seen));
        }
        (Ty::Option(inner), Val::Option(p)) => {
            seen.options
                .insert(if p.is_some() { "some" } else { "none" });
            if let Some(p) = p {
                check(world, inner, p, seen);
            }
        }
        (Ty::Result { ok, err }, Val::Result(r)) => {
            let (arm, arm_ty, p) = match r {
                Ok(p) => ("ok", ok, p),
                Err(p) => ("err", err, p),
            };
            seen.results.insert(arm);
            match (arm_ty, p) {
                (Some(t), Some(p)) => check(world, t, p, seen),
                (None, None) => {}
                _ => not_of(ty, v),
            }
        }
        (Ty::Named(i), _) => {
            let def = world.def(*i);
            match (&def.kind, v) {
                (TypeDefKind::Record(fields), Val::Record(vs)) => {
                    let names: Vec<&str> = vs.iter().map(|(n, _)| n.as_str()).collect();
                    let declared: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
                    assert_eq!(names, declared);
                    fields
                        .iter()
                        .zip(vs)
                        .for_each(|(f, (_, v))| check(world, &f.ty, v, seen));
                }
                (TypeDefKind::Variant(cases), Val::Variant(name, p)) => {
                    let case = cases
                        .iter()
                        .find(|c| &c.name == name)
                        .unwrap_or_else(|| not_of(ty, v));
                    let mark = if p.is_some() { "+" } else { "" };
                    seen.cases
                        .entry(def.name.clone())
                        .or_default()
                        .insert(format!("{name}{mark}"));
                    match (&case.ty, p) {
                        (Some(t), Some(p)) => check(world, t, p, seen),
                        (None, None) => {}
                        _ => not_of(ty, v),
                    }
                }
                (TypeDefKind::Enum(cases), Val::Enum(name)) => {
                    assert!(cases.contains(name), "{name} is not a case of {}", def.name);
                    seen.cases
                        .entry(def.name.clone())
                        .or_default()
                        .insert(name.clone());
                }
                (TypeDefKind::Flags(names), Val::Flags(set)) => {
                    let in_order: Vec<String> =
                        names.iter().filter(|n| set.contains(n)).cloned().collect();
                    assert_eq!(&in_order, set, "flags in declaration order, no strangers");
                    seen.flag_sets
                        .entry(def.name.clone())
                        .or_default()
                        .insert(set.clone());
                }
                _ => not_of(ty, v),
            }
        }
        _ => not_of(ty, v),
    }
}

fn not_of(ty: &Ty, v: &Val) -> ! {
    panic!("{} is not a value of {ty:?}", to_wave(v).unwrap())
}

/// Values of every parameter and result of the all-kinds world, one
/// unstructured stream per seed.
fn sample(seeds: std::ops::Range<u64>, config: &ValueConfig, mut each: impl FnMut(&Ty, Val)) {
    let w = all_kinds();
    for seed in seeds {
        let bytes = crate::seed::bytes(seed, &[0x6e6e], 16 * 1024);
        let mut u = Unstructured::new(&bytes);
        for f in &w.funcs {
            let tys = f
                .params
                .iter()
                .map(|p| &p.1)
                .chain(f.result.iter().map(|r| &r.0));
            for ty in tys {
                let v = arbitrary_val(&w.world, ty, config, &mut u).expect("a value");
                each(ty, v);
            }
        }
    }
}

/// Many values of one scalar type, each from its own short byte stream.
fn scalars(ty: Ty, count: u64) -> Vec<Val> {
    let world = CaseWorld::default();
    let config = ValueConfig::default();
    (0..count)
        .map(|i| {
            let bytes = crate::seed::bytes(i, &[0x5ca1], 256);
            arbitrary_val(&world, &ty, &config, &mut Unstructured::new(&bytes)).unwrap()
        })
        .collect()
}

fn int_of(v: &Val) -> i128 {
    match *v {
        Val::S8(x) => x.into(),
        Val::S16(x) => x.into(),
        Val::S32(x) => x.into(),
        Val::S64(x) => x.into(),
        Val::U8(x) => x.into(),
        Val::U16(x) => x.into(),
        Val::U32(x) => x.into(),
        Val::U64(x) => x.into(),
        _ => panic!("not an integer"),
    }
}

#[test]
fn integers_cover_their_edges() {
    for (ty, bits, signed) in [
        (Ty::S8, 8u32, true),
        (Ty::S16, 16, true),
        (Ty::S32, 32, true),
        (Ty::S64, 64, true),
        (Ty::U8, 8, false),
        (Ty::U16, 16, false),
        (Ty::U32, 32, false),
        (Ty::U64, 64, false),
    ] {
        let seen: BTreeSet<i128> = scalars(ty.clone(), 60_000).iter().map(int_of).collect();
        let (min, max) = if signed {
            (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
        } else {
            (0, (1i128 << bits) - 1)
        };
        let mut edges = vec![0, 1, min, max, min + 1, max - 1];
        if signed {
            edges.push(-1);
        }
        for k in 0..bits - u32::from(signed) {
            for p in [(1i128 << k) - 1, 1i128 << k, (1i128 << k) + 1] {
                edges.push(p.min(max));
                if signed {
                    edges.push(-p);
                }
            }
        }
        for edge in edges {
            assert!(seen.contains(&edge), "{ty:?}: {edge} never generated");
        }
        // Besides edges, values from all over the range.
        let spread = seen.iter().filter(|&&x| x > max / 4 && x < max / 2).count();
        let room = (max / 2 - max / 4 - 1).min(100) as usize;
        assert!(
            spread >= room,
            "{ty:?}: only {spread} values in the second quarter"
        );
    }
}

#[test]
fn floats_cover_their_edges() {
    let f32s: Vec<u32> = scalars(Ty::F32, 20_000)
        .iter()
        .map(|v| match v {
            Val::Float32(x) => x.to_bits(),
            _ => panic!("not an f32"),
        })
        .collect();
    let f64s: Vec<u64> = scalars(Ty::F64, 20_000)
        .iter()
        .map(|v| match v {
            Val::Float64(x) => x.to_bits(),
            _ => panic!("not an f64"),
        })
        .collect();
    let has32 = |what: &str, pred: &dyn Fn(f32, u32) -> bool| {
        assert!(
            f32s.iter().any(|&b| pred(f32::from_bits(b), b)),
            "f32: no {what}"
        )
    };
    has32("+0", &|_, b| b == 0);
    has32("-0", &|_, b| b == 0x8000_0000);
    has32("+inf", &|x, _| x == f32::INFINITY);
    has32("-inf", &|x, _| x == f32::NEG_INFINITY);
    has32("max", &|x, _| x == f32::MAX);
    has32("min", &|x, _| x == f32::MIN);
    has32("smallest normal", &|x, _| x == f32::MIN_POSITIVE);
    has32("positive subnormal", &|x, _| x.is_subnormal() && x > 0.0);
    has32("negative subnormal", &|x, _| x.is_subnormal() && x < 0.0);
    has32("canonical NaN", &|_, b| b == 0x7fc0_0000);
    has32("quiet NaN with payload", &|x, b| {
        x.is_nan() && b & 0x0040_0000 != 0 && b & 0x003f_ffff != 0
    });
    has32("signalling NaN", &|x, b| x.is_nan() && b & 0x0040_0000 == 0);
    has32("negative NaN", &|x, _| x.is_nan() && x.is_sign_negative());
    has32("ordinary fraction", &|x, _| {
        x.is_normal() && x.fract() != 0.0 && x.abs() < 1e6
    });
    let distinct32: BTreeSet<u32> = f32s.iter().copied().collect();
    assert!(
        distinct32.len() > 5_000,
        "f32: {} distinct",
        distinct32.len()
    );

    let has64 = |what: &str, pred: &dyn Fn(f64, u64) -> bool| {
        assert!(
            f64s.iter().any(|&b| pred(f64::from_bits(b), b)),
            "f64: no {what}"
        )
    };
    has64("+0", &|_, b| b == 0);
    has64("-0", &|_, b| b == 0x8000_0000_0000_0000);
    has64("+inf", &|x, _| x == f64::INFINITY);
    has64("-inf", &|x, _| x == f64::NEG_INFINITY);
    has64("max", &|x, _| x == f64::MAX);
    has64("min", &|x, _| x == f64::MIN);
    has64("smallest normal", &|x, _| x == f64::MIN_POSITIVE);
    has64("positive subnormal", &|x, _| x.is_subnormal() && x > 0.0);
    has64("negative subnormal", &|x, _| x.is_subnormal() && x < 0.0);
    has64("canonical NaN", &|_, b| b == 0x7ff8_0000_0000_0000);
    has64("quiet NaN with payload", &|x, b| {
        x.is_nan() && b & 0x0008_0000_0000_0000 != 0 && b & 0x0007_ffff_ffff_ffff != 0
    });
    has64("signalling NaN", &|x, b| {
        x.is_nan() && b & 0x0008_0000_0000_0000 == 0
    });
    has64("negative NaN", &|x, _| x.is_nan() && x.is_sign_negative());
    has64("ordinary fraction", &|x, _| {
        x.is_normal() && x.fract() != 0.0 && x.abs() < 1e6
    });
}

#[test]
fn chars_cover_utf8_boundaries_and_random_scalars() {
    let chars: Vec<u32> = scalars(Ty::Char, 20_000)
        .iter()
        .map(|v| match v {
            Val::Char(c) => *c as u32,
            _ => panic!("not a char"),
        })
        .collect();
    let seen: BTreeSet<u32> = chars.iter().copied().collect();
    for edge in [
        0, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xfffd, 0xffff, 0x10000, 0x10ffff,
    ] {
        assert!(seen.contains(&edge), "char {edge:#x} never generated");
    }
    for (lo, hi, at_least) in [
        (0x20, 0x7e, 80),
        (0x800, 0xd7ff, 500),
        (0xe000, 0xfffc, 50),
        (0x10001, 0x10fffe, 2000),
    ] {
        let n = seen.iter().filter(|&&c| c >= lo && c <= hi).count();
        assert!(
            n >= at_least,
            "only {n} distinct chars in {lo:#x}..={hi:#x}"
        );
    }
}

#[test]
fn strings_cover_widths_escapes_and_long_ones() {
    let strings: Vec<String> = scalars(Ty::String, 4_000)
        .into_iter()
        .map(|v| match v {
            Val::String(s) => s,
            _ => panic!("not a string"),
        })
        .collect();
    let widths = |s: &str| s.chars().map(char::len_utf8).collect::<BTreeSet<_>>();
    let has = |what: &str, pred: &dyn Fn(&str) -> bool| {
        assert!(strings.iter().any(|s| pred(s)), "no {what} string")
    };
    has("empty", &|s| s.is_empty());
    has("ASCII", &|s| !s.is_empty() && s.is_ascii());
    has("all 2-byte", &|s| {
        s.len() > 4 && widths(s) == BTreeSet::from([2])
    });
    has("all 3-byte", &|s| {
        s.len() > 6 && widths(s) == BTreeSet::from([3])
    });
    has("all 4-byte", &|s| {
        s.len() > 8 && widths(s) == BTreeSet::from([4])
    });
    has("mixed", &|s| widths(s).len() >= 3);
    has("long", &|s| s.len() >= 2048);
    has("NUL", &|s| s.contains('\0'));
    has("quote and backslash", &|s| {
        s.contains('"') && s.contains('\\')
    });
    let config = ValueConfig::default();
    assert!(strings.iter().all(|s| s.len() <= config.max_string_len));
}

#[test]
fn containers_cover_every_shape_and_case() {
    let w = all_kinds();
    let mut seen = Seen::default();
    sample(0..800, &ValueConfig::default(), |ty, v| {
        check(&w.world, ty, &v, &mut seen)
    });

    assert!(seen.list_lens.contains(&0) && seen.list_lens.contains(&1));
    assert!(seen.list_lens.iter().any(|&n| (2..=8).contains(&n)));
    assert!(
        seen.list_lens.iter().any(|&n| n > 64),
        "{:?}",
        seen.list_lens
    );
    assert!(seen.map_lens.contains(&0) && seen.map_lens.iter().any(|&n| n > 8));
    assert_eq!(seen.options, BTreeSet::from(["none", "some"]));
    assert_eq!(seen.results, BTreeSet::from(["err", "ok"]));

    // Every case of every variant and enum, with its payload when it has one.
    for def in &w.world.types {
        let expected: BTreeSet<String> = match &def.kind {
            TypeDefKind::Variant(cases) => cases
                .iter()
                .map(|c| format!("{}{}", c.name, if c.ty.is_some() { "+" } else { "" }))
                .collect(),
            TypeDefKind::Enum(cases) => cases.iter().cloned().collect(),
            _ => continue,
        };
        assert_eq!(seen.cases.get(&def.name), Some(&expected), "{}", def.name);
    }
    // Flags: none, all, and subsets in between.
    let perms = &seen.flag_sets["perms"];
    assert!(perms.contains(&vec![]));
    let all: Vec<String> = ["read", "write", "none", "true", "exec"]
        .map(String::from)
        .to_vec();
    assert!(perms.contains(&all));
    assert!(perms.len() >= 20, "{} of 32 subsets", perms.len());
}

#[test]
fn long_enums_favour_first_last_and_middle() {
    let w = all_kinds();
    let many = w.world.types.iter().position(|t| t.name == "many").unwrap();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for i in 0..3000 {
        let bytes = crate::seed::bytes(i, &[0xe1], 16);
        let v = arbitrary_val(
            &w.world,
            &Ty::Named(many),
            &ValueConfig::default(),
            &mut Unstructured::new(&bytes),
        )
        .unwrap();
        let Val::Enum(case) = v else {
            panic!("not an enum")
        };
        *counts.entry(case).or_default() += 1;
    }
    let uniform = 3000 / 20;
    for favoured in ["c0", "c19", "c10"] {
        assert!(counts[favoured] > 2 * uniform, "{favoured}: {counts:?}");
    }
    assert_eq!(counts.len(), 20, "{counts:?}");
}

#[test]
fn same_bytes_same_value_other_bytes_other_values() {
    let mut first = Vec::new();
    sample(0..50, &ValueConfig::default(), |_, v| {
        first.push(to_wave(&v).unwrap())
    });
    let mut again = Vec::new();
    sample(0..50, &ValueConfig::default(), |_, v| {
        again.push(to_wave(&v).unwrap())
    });
    assert_eq!(first, again);
    let mut other = Vec::new();
    sample(50..100, &ValueConfig::default(), |_, v| {
        other.push(to_wave(&v).unwrap())
    });
    let same = first.iter().zip(&other).filter(|(a, b)| a == b).count();
    assert!(same * 3 < first.len(), "{same} of {} equal", first.len());
}

#[test]
fn bytes_running_out_give_minimal_valid_values() {
    let w = all_kinds();
    let config = ValueConfig::default();
    for f in &w.funcs {
        for (_, ty, _) in &f.params {
            let v = arbitrary_val(&w.world, ty, &config, &mut Unstructured::new(&[])).unwrap();
            let mut seen = Seen::default();
            check(&w.world, ty, &v, &mut seen);
            assert!(
                seen.list_lens.iter().all(|&n| n == 0),
                "{}",
                to_wave(&v).unwrap()
            );
            assert!(
                seen.map_lens.iter().all(|&n| n == 0),
                "{}",
                to_wave(&v).unwrap()
            );
            assert!(!seen.options.contains("some"), "{}", to_wave(&v).unwrap());
            assert_eq!(
                val_weight(&v),
                lightest(&w.world, ty),
                "{}",
                to_wave(&v).unwrap()
            );
        }
    }
    // Streams cut anywhere still give valid values.
    let bytes = crate::seed::bytes(7, &[], 4096);
    for len in (0..400).step_by(3) {
        let mut u = Unstructured::new(&bytes[..len]);
        for f in &w.funcs {
            for (_, ty, _) in &f.params {
                let v = arbitrary_val(&w.world, ty, &config, &mut u).unwrap();
                check(&w.world, ty, &v, &mut Seen::default());
            }
        }
    }
}

/// The weight of the lightest value of `ty`, computed independently of the
/// generator: everything empty or `none`, the lightest case.
fn lightest(world: &CaseWorld, ty: &Ty) -> usize {
    match world.resolve(ty) {
        Ty::FixedList(elem, n) => 1 + *n as usize * lightest(world, elem),
        Ty::Tuple(tys) => 1 + tys.iter().map(|t| lightest(world, t)).sum::<usize>(),
        Ty::Result { ok, err } => {
            let arm = |t: &Option<Box<Ty>>| t.as_deref().map_or(0, |t| lightest(world, t));
            1 + arm(ok).min(arm(err))
        }
        Ty::Named(i) => match &world.def(*i).kind {
            TypeDefKind::Record(fields) => {
                1 + fields.iter().map(|f| lightest(world, &f.ty)).sum::<usize>()
            }
            TypeDefKind::Variant(cases) => {
                let case = |c: &Case| c.ty.as_ref().map_or(0, |t| lightest(world, t));
                1 + cases.iter().map(case).min().unwrap()
            }
            _ => 1,
        },
        _ => 1,
    }
}

#[test]
fn the_budget_bounds_the_weight() {
    let w = all_kinds();
    for budget in [0, 1, 5, 40, 300, 3000] {
        let config = ValueConfig {
            budget,
            ..ValueConfig::default()
        };
        let mut heaviest = 0;
        sample(0..150, &config, |ty, v| {
            let weight = val_weight(&v);
            let bound = budget.max(lightest(&w.world, ty));
            assert!(
                weight <= bound,
                "weight {weight} > {bound}: {}",
                to_wave(&v).unwrap()
            );
            check(&w.world, ty, &v, &mut Seen::default());
            heaviest = heaviest.max(weight);
        });
        // The budget is used, not just respected.
        assert!(
            heaviest * 2 >= budget,
            "budget {budget}: heaviest {heaviest}"
        );
    }
    let mut heaviest = 0;
    sample(0..300, &ValueConfig::default(), |_, v| {
        heaviest = heaviest.max(val_weight(&v))
    });
    assert!(
        heaviest > 4096,
        "default budget: heaviest value weighs {heaviest}"
    );
}

#[test]
fn max_depth_empties_deep_containers() {
    let world = CaseWorld::default();
    let nested = Ty::List(Box::new(Ty::List(Box::new(Ty::Option(Box::new(Ty::U8))))));
    for (max_depth, outer, inner) in [(1, false, false), (2, true, false), (3, true, true)] {
        let config = ValueConfig {
            max_depth,
            ..ValueConfig::default()
        };
        let mut seen_outer = false;
        let mut seen_inner = false;
        for i in 0..300 {
            let bytes = crate::seed::bytes(i, &[0xdee9], 4096);
            let v =
                arbitrary_val(&world, &nested, &config, &mut Unstructured::new(&bytes)).unwrap();
            let Val::List(rows) = v else {
                panic!("not a list")
            };
            seen_outer |= !rows.is_empty();
            for row in rows {
                let Val::List(items) = row else {
                    panic!("not a list")
                };
                seen_inner |= !items.is_empty();
            }
        }
        assert_eq!(
            (seen_outer, seen_inner),
            (outer, inner),
            "max_depth {max_depth}"
        );
    }
}

#[test]
fn malformed_worlds_are_incorrect_format() {
    let config = ValueConfig::default();
    let mut u = Unstructured::new(&[1, 2, 3]);
    let empty = CaseWorld::default();
    let err = arbitrary_val(&empty, &Ty::Named(0), &config, &mut u).unwrap_err();
    assert!(matches!(err, Error::IncorrectFormat));

    let forward = CaseWorld {
        types: vec![
            TypeDef {
                name: "a".into(),
                kind: TypeDefKind::Record(vec![Field {
                    name: "b".into(),
                    ty: Ty::Named(1),
                }]),
            },
            TypeDef {
                name: "b".into(),
                kind: TypeDefKind::Alias(Ty::U8),
            },
        ],
        funcs: vec![],
    };
    let err = arbitrary_val(&forward, &Ty::Named(0), &config, &mut u).unwrap_err();
    assert!(matches!(err, Error::IncorrectFormat));

    let no_cases = CaseWorld {
        types: vec![TypeDef {
            name: "e".into(),
            kind: TypeDefKind::Enum(vec![]),
        }],
        funcs: vec![],
    };
    let err = arbitrary_val(&no_cases, &Ty::Named(0), &config, &mut u).unwrap_err();
    assert!(matches!(err, Error::IncorrectFormat));
}

#[test]
fn weight_counts_nodes_and_string_bytes() {
    let v = Val::Record(vec![
        ("a".into(), Val::String("héllo".into())),
        ("b".into(), Val::List(vec![Val::U8(1), Val::U8(2)])),
        (
            "c".into(),
            Val::Option(Some(Box::new(Val::Variant("x".into(), None)))),
        ),
        (
            "d".into(),
            Val::Map(vec![(Val::Char('k'), Val::Bool(true))]),
        ),
    ]);
    // record 1 + string (1 + 6 bytes) + list (1 + 2) + option (1 + 1) + map (1 + 2)
    assert_eq!(val_weight(&v), 1 + 7 + 3 + 2 + 3);
}
