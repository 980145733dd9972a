use arbitrary::Unstructured;

use super::*;
use crate::value::test_worlds::all_kinds;
use crate::value::{ValueConfig, arbitrary_val};

fn b(v: Val) -> Option<Box<Val>> {
    Some(Box::new(v))
}

fn s(text: &str) -> Val {
    Val::String(text.into())
}

/// `leaf` placed deep inside a value: `arg.rows[1].cell.(circle)` is where
/// it lands; the other rows and fields are the same in every call.
fn nest(leaf: Val) -> Val {
    let row = |cell: Val| Val::Record(vec![("id".into(), Val::U32(7)), ("cell".into(), cell)]);
    Val::Record(vec![
        ("name".into(), s("t")),
        (
            "rows".into(),
            Val::List(vec![
                row(Val::Variant("square".into(), b(Val::U8(1)))),
                row(Val::Variant("circle".into(), b(leaf))),
                row(Val::Variant("empty".into(), None)),
            ]),
        ),
        ("after".into(), Val::Bool(true)),
    ])
}

const NESTED_PATH: &str = "arg.rows[1].cell.(circle)";

fn flags(names: &[&str]) -> Val {
    Val::Flags(names.iter().map(|n| n.to_string()).collect())
}

/// For every kind but handles (tested on their own), a pair of leaves that
/// differ in exactly that way.
fn pairs() -> Vec<(MismatchKind, Val, Val)> {
    use MismatchKind as K;
    vec![
        (K::Shape, Val::U32(1), s("1")),
        (K::Shape, Val::U32(1), Val::S32(1)),
        (K::BoolValue, Val::Bool(true), Val::Bool(false)),
        (K::IntValue, Val::S64(-1), Val::S64(1)),
        (K::IntValue, Val::U8(255), Val::U8(0)),
        (K::FloatBits, Val::Float32(1.5), Val::Float32(1.25)),
        (K::FloatBits, Val::Float64(0.0), Val::Float64(-0.0)),
        (K::FloatBits, Val::Float64(f64::NAN), Val::Float64(0.0)),
        (K::CharValue, Val::Char('a'), Val::Char('b')),
        (K::StringContent, s("héllo"), s("hello")),
        (
            K::ListLength,
            Val::List(vec![Val::U8(1)]),
            Val::List(vec![]),
        ),
        (
            K::ListLength,
            Val::FixedLengthList(vec![Val::U8(1), Val::U8(2)]),
            Val::FixedLengthList(vec![Val::U8(1)]),
        ),
        (
            K::MapLength,
            Val::Map(vec![(s("k"), Val::U8(1))]),
            Val::Map(vec![]),
        ),
        (
            K::TupleLength,
            Val::Tuple(vec![Val::U8(1), Val::U8(2)]),
            Val::Tuple(vec![Val::U8(1)]),
        ),
        (
            K::RecordField,
            Val::Record(vec![("a".into(), Val::U8(1))]),
            Val::Record(vec![("b".into(), Val::U8(1))]),
        ),
        (
            K::VariantCase,
            Val::Variant("a".into(), None),
            Val::Variant("b".into(), None),
        ),
        (
            K::Shape,
            Val::Variant("a".into(), b(Val::U8(1))),
            Val::Variant("a".into(), None),
        ),
        (K::EnumCase, Val::Enum("ok".into()), Val::Enum("err".into())),
        (
            K::OptionPresence,
            Val::Option(b(Val::U8(0))),
            Val::Option(None),
        ),
        (K::ResultArm, Val::Result(Ok(None)), Val::Result(Err(None))),
        (
            K::Shape,
            Val::Result(Ok(b(Val::U8(0)))),
            Val::Result(Ok(None)),
        ),
        (K::FlagsSet, flags(&["a", "b"]), flags(&["a"])),
        (K::FlagsSet, flags(&[]), flags(&["a"])),
    ]
}

#[test]
fn each_kind_is_reported_at_its_nested_place() {
    let pairs = pairs();
    for kind in MismatchKind::ALL {
        // Handles: see `handles_compare_by_identity_and_have_no_wave_text`.
        if kind != MismatchKind::Handle {
            assert!(pairs.iter().any(|p| p.0 == kind), "no case for {kind}");
        }
    }
    for (kind, e, a) in pairs {
        let d = compare("arg", &nest(e.clone()), &nest(a.clone())).unwrap_err();
        assert_eq!((d.path.as_str(), d.kind), (NESTED_PATH, kind), "{d}");
        assert_eq!(d.expected, to_wave_cut(&e), "{d}");
        assert_eq!(d.actual, to_wave_cut(&a), "{d}");
        // The same leaves compare equal to themselves.
        compare("arg", &nest(e.clone()), &nest(e)).unwrap();
        compare("arg", &nest(a.clone()), &nest(a)).unwrap();
    }
}

fn to_wave_cut(v: &Val) -> String {
    crate::value::wave::to_wave_cut(v, SHOWN_CHARS)
}

#[test]
fn every_path_step_has_its_syntax() {
    let cases: Vec<(Val, Val, &str)> = vec![
        (
            Val::Tuple(vec![Val::U8(0), Val::U8(1)]),
            Val::Tuple(vec![Val::U8(0), Val::U8(2)]),
            "x.1",
        ),
        (
            Val::FixedLengthList(vec![Val::U8(0), Val::U8(1)]),
            Val::FixedLengthList(vec![Val::U8(0), Val::U8(2)]),
            "x[1]",
        ),
        (
            Val::Map(vec![
                (s("a"), Val::U8(0)),
                (s("b"), Val::U8(1)),
                (s("c"), Val::U8(2)),
            ]),
            Val::Map(vec![
                (s("a"), Val::U8(0)),
                (s("b"), Val::U8(1)),
                (s("d"), Val::U8(2)),
            ]),
            "x{2}.key",
        ),
        (
            Val::Map(vec![(s("a"), Val::U8(0)), (s("b"), Val::U8(1))]),
            Val::Map(vec![(s("a"), Val::U8(0)), (s("b"), Val::U8(9))]),
            "x{1}.value",
        ),
        (Val::Option(b(Val::U8(0))), Val::Option(b(Val::U8(1))), "x?"),
        (
            Val::Result(Ok(b(Val::U8(0)))),
            Val::Result(Ok(b(Val::U8(1)))),
            "x.ok",
        ),
        (
            Val::Result(Err(b(Val::U8(0)))),
            Val::Result(Err(b(Val::U8(1)))),
            "x.err",
        ),
        (
            Val::Result(Ok(b(Val::Variant(
                "circle".into(),
                b(Val::Record(vec![("radius".into(), Val::Float32(1.0))])),
            )))),
            Val::Result(Ok(b(Val::Variant(
                "circle".into(),
                b(Val::Record(vec![("radius".into(), Val::Float32(2.0))])),
            )))),
            "x.ok.(circle).radius",
        ),
        (
            Val::Option(b(Val::Option(b(Val::List(vec![Val::Char('a')]))))),
            Val::Option(b(Val::Option(b(Val::List(vec![Val::Char('b')]))))),
            "x??[0]",
        ),
    ];
    for (e, a, path) in cases {
        let d = compare("x", &e, &a).unwrap_err();
        assert_eq!(d.path, path, "{d}");
    }
}

#[test]
fn nans_are_equal_and_zeros_are_not() {
    let nan32 = |bits: u32| Val::Float32(f32::from_bits(bits));
    let nan64 = |bits: u64| Val::Float64(f64::from_bits(bits));
    compare("x", &nan32(0x7fc0_0000), &nan32(0x7fa0_0001)).unwrap();
    compare("x", &nan32(0xffc0_0000), &nan32(0x7fff_ffff)).unwrap();
    compare(
        "x",
        &nan64(0x7ff8_0000_0000_0000),
        &nan64(0xfff0_0000_0000_0001),
    )
    .unwrap();
    let d = compare("x", &Val::Float32(0.0), &Val::Float32(-0.0)).unwrap_err();
    assert_eq!(
        (d.kind, d.expected.as_str(), d.actual.as_str()),
        (MismatchKind::FloatBits, "0", "-0")
    );
    let d = compare("x", &nan32(0x7fc0_0000), &Val::Float32(f32::INFINITY)).unwrap_err();
    assert_eq!(d.kind, MismatchKind::FloatBits);
}

#[test]
fn flags_compare_as_sets() {
    compare(
        "x",
        &flags(&["read", "write", "exec"]),
        &flags(&["exec", "read", "write"]),
    )
    .unwrap();
    let d = compare("x", &flags(&["read", "write"]), &flags(&["write", "exec"])).unwrap_err();
    assert_eq!(d.kind, MismatchKind::FlagsSet);
    assert_eq!(d.expected, "{read, write}");
}

#[test]
fn the_first_divergence_in_depth_first_order_wins() {
    let e = Val::Record(vec![
        (
            "a".into(),
            Val::List(vec![Val::U8(0), Val::Tuple(vec![Val::U8(1), Val::U8(2)])]),
        ),
        ("b".into(), Val::U8(3)),
    ]);
    let a = Val::Record(vec![
        (
            "a".into(),
            Val::List(vec![Val::U8(0), Val::Tuple(vec![Val::U8(1), Val::U8(9)])]),
        ),
        ("b".into(), Val::U8(9)),
    ]);
    assert_eq!(compare("p", &e, &a).unwrap_err().path, "p.a[1].1");
    // A container's own difference comes before its contents'.
    let e = Val::List(vec![Val::U8(1), Val::U8(2)]);
    let a = Val::List(vec![Val::U8(9)]);
    let d = compare("p", &e, &a).unwrap_err();
    assert_eq!((d.path.as_str(), d.kind), ("p", MismatchKind::ListLength));
    assert_eq!(d.to_string(), "p: list-length: expected [1, 2], got [9]");
}

#[test]
fn generated_values_equal_their_copies_and_differ_from_others() {
    let w = all_kinds();
    let ty = &w.func("containers").result.as_ref().unwrap().0;
    let config = ValueConfig::default();
    let mut differing = 0;
    let mut previous: Option<Val> = None;
    for seed in 0..200 {
        let bytes = crate::seed::bytes(seed, &[0xc0], 8 * 1024);
        let v = arbitrary_val(&w.world, ty, &config, &mut Unstructured::new(&bytes)).unwrap();
        compare("result", &v, &v.clone()).unwrap();
        if let Some(p) = &previous
            && let Err(d) = compare("result", p, &v)
        {
            assert!(d.path.starts_with("result"), "{d}");
            differing += 1;
        }
        previous = Some(v);
    }
    assert!(differing > 150, "{differing}");
}

#[test]
fn long_texts_are_cut_and_strings_show_the_difference() {
    let e = "x".repeat(10_000) + "abc" + &"y".repeat(5_000);
    let a = "x".repeat(10_000) + "aBc" + &"y".repeat(5_000);
    let d = compare("s", &s(&e), &s(&a)).unwrap_err();
    assert_eq!(d.kind, MismatchKind::StringContent);
    assert!(
        d.expected
            .starts_with("string of 15003 bytes, from byte 9977: \""),
        "{}",
        d.expected
    );
    assert!(
        d.expected.contains("xxabcyy") && d.actual.contains("xxaBcyy"),
        "{d}"
    );
    assert!(
        d.expected.chars().count() < 2 * SHOWN_CHARS,
        "{}",
        d.expected
    );

    // Short strings are shown whole.
    let d = compare("s", &s("a\"b"), &s("a\"c")).unwrap_err();
    assert_eq!(
        (d.expected.as_str(), d.actual.as_str()),
        ("\"a\\\"b\"", "\"a\\\"c\"")
    );

    let e = Val::List((0..10_000).map(Val::U32).collect());
    let a = Val::List((0..10_001).map(Val::U32).collect());
    let d = compare("l", &e, &a).unwrap_err();
    assert!(d.expected.ends_with('…') && d.expected.chars().count() <= SHOWN_CHARS + 1);
}

#[test]
fn kind_names_are_kebab_case_and_distinct() {
    let names: std::collections::BTreeSet<&str> =
        MismatchKind::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(names.len(), MismatchKind::ALL.len());
    for name in names {
        assert!(
            name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "{name}"
        );
    }
    assert_eq!(MismatchKind::RecordField.to_string(), "record-field");
}

#[test]
fn handles_compare_by_identity_and_have_no_wave_text() {
    use wasmtime::component::{Resource, ResourceAny};
    use wasmtime::{Engine, Store};
    struct Thing;
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let mut handle = |rep| {
        Val::Resource(
            ResourceAny::try_from_resource(Resource::<Thing>::new_own(rep), &mut store).unwrap(),
        )
    };
    let (one, two) = (handle(1), handle(2));
    compare("h", &one, &one.clone()).unwrap();
    let d = compare("h", &Val::List(vec![one.clone()]), &Val::List(vec![two])).unwrap_err();
    assert_eq!((d.path.as_str(), d.kind), ("h[0]", MismatchKind::Handle));
    assert_eq!(d.expected, "<resource>");
    let err = crate::value::to_wave(&Val::Option(Some(Box::new(one)))).unwrap_err();
    assert_eq!(
        err,
        crate::value::WaveError::Unsupported { what: "resource" }
    );
}

#[test]
fn map_entries_compare_as_a_set_of_keys_each_with_its_value() {
    let sent = Val::Map(vec![
        (s("a"), Val::U8(0)),
        (s("b"), Val::U8(1)),
        (s("c"), Val::U8(2)),
    ]);
    // A guest's hash map gives the entries back in another order: not a
    // divergence.
    let reordered = Val::Map(vec![
        (s("c"), Val::U8(2)),
        (s("a"), Val::U8(0)),
        (s("b"), Val::U8(1)),
    ]);
    assert!(compare("x", &sent, &reordered).is_ok());
    // One key twice and another missing is: the missing one is named.
    let twice = Val::Map(vec![
        (s("c"), Val::U8(2)),
        (s("a"), Val::U8(0)),
        (s("a"), Val::U8(0)),
    ]);
    let d = compare("x", &sent, &twice).unwrap_err();
    assert_eq!(d.path, "x{1}.key");
    // A value changed under a moved key is found by the key.
    let changed = Val::Map(vec![
        (s("b"), Val::U8(7)),
        (s("a"), Val::U8(0)),
        (s("c"), Val::U8(2)),
    ]);
    let d = compare("x", &sent, &changed).unwrap_err();
    assert_eq!(d.path, "x{1}.value");
}
