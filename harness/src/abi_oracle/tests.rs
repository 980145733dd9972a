//! The oracle against wasmtime, and against deliberately broken cases: a
//! wrong layout, a wrong trap kind, wrong `realloc` calls, a missing
//! post-return; and one test per kind of the invalid menu.

use arbitrary::Unstructured;
use wasmtime::component::Val;

use super::sim::{ChainSpec, ExpectedEvent, GuestSpec, Injection, PlaceKind, simulate};
use super::sites::{Image, InvalidKind, Loc, SiteKind};
use super::*;
use crate::abi::{CoreVal, StringEncoding, TrapKind};
use crate::rawguest::{CanonOptions, lift_requires, lower_requires};
use crate::ty::{Case as TyCase, CaseWorld, Field, Func, Param, Ty, TypeDef, TypeDefKind};

fn host() -> Host {
    let cache = Cache::at(tempfile::tempdir().unwrap().keep());
    Host::new(HostConfig::default(), &cache).unwrap()
}

const POINT: Ty = Ty::Named(0);
const SHAPE: Ty = Ty::Named(1);
const COLOR: Ty = Ty::Named(2);
const PERMS: Ty = Ty::Named(3);
const BIG: Ty = Ty::Named(4);

fn field(name: &str, ty: Ty) -> Field {
    Field {
        name: name.into(),
        ty,
    }
}

fn param(name: &str, ty: Ty) -> Param {
    Param {
        name: name.into(),
        ty,
    }
}

fn bx(t: Ty) -> Box<Ty> {
    Box::new(t)
}

/// The fixed world: every kind of type, a function whose parameters and
/// result spill to memory (`wide`), one with flat parameters (`narrow`),
/// and two small ones.
fn fixed_world() -> CaseWorld {
    let def = |name: &str, kind| TypeDef {
        name: name.into(),
        kind,
    };
    CaseWorld {
        types: vec![
            def(
                "point",
                TypeDefKind::Record(vec![
                    field("x", Ty::U8),
                    field("y", Ty::U32),
                    field("z", Ty::U16),
                ]),
            ),
            def(
                "shape",
                TypeDefKind::Variant(vec![
                    TyCase {
                        name: "circle".into(),
                        ty: Some(Ty::F32),
                    },
                    TyCase {
                        name: "rect".into(),
                        ty: Some(POINT),
                    },
                    TyCase {
                        name: "empty".into(),
                        ty: None,
                    },
                ]),
            ),
            def(
                "color",
                TypeDefKind::Enum(vec!["red".into(), "green".into(), "blue".into()]),
            ),
            def(
                "perms",
                TypeDefKind::Flags(vec!["read".into(), "write".into(), "exec".into()]),
            ),
            def(
                "big",
                TypeDefKind::Record(vec![
                    field("name", Ty::String),
                    field("tags", Ty::List(bx(Ty::U16))),
                    field("id", Ty::U64),
                ]),
            ),
        ],
        funcs: vec![
            Func {
                name: "wide".into(),
                params: vec![
                    param("a", POINT),
                    param("b", SHAPE),
                    param("c", COLOR),
                    param("d", PERMS),
                    param("e", Ty::String),
                    param("f", Ty::List(bx(Ty::U16))),
                    param("g", Ty::Option(bx(Ty::Char))),
                    param(
                        "h",
                        Ty::Result {
                            ok: Some(bx(Ty::String)),
                            err: Some(bx(Ty::U8)),
                        },
                    ),
                    param("i", Ty::Tuple(vec![Ty::Bool, Ty::F64])),
                    param("j", BIG),
                ],
                result: Some(BIG),
            },
            Func {
                name: "narrow".into(),
                params: vec![
                    param("a", Ty::Bool),
                    param("b", Ty::Char),
                    param("c", COLOR),
                    param("d", PERMS),
                    param("e", SHAPE),
                    param("s", Ty::String),
                ],
                result: Some(Ty::Result {
                    ok: Some(bx(SHAPE)),
                    err: Some(bx(COLOR)),
                }),
            },
            Func {
                name: "points".into(),
                params: vec![param("ps", Ty::List(bx(POINT)))],
                result: Some(POINT),
            },
            Func {
                name: "flag".into(),
                params: vec![param("p", PERMS)],
                result: Some(Ty::Char),
            },
        ],
    }
}

fn point(x: u8, y: u32, z: u16) -> Val {
    Val::Record(vec![
        ("x".into(), Val::U8(x)),
        ("y".into(), Val::U32(y)),
        ("z".into(), Val::U16(z)),
    ])
}

fn big(name: &str, tags: &[u16], id: u64) -> Val {
    Val::Record(vec![
        ("name".into(), Val::String(name.into())),
        (
            "tags".into(),
            Val::List(tags.iter().map(|t| Val::U16(*t)).collect()),
        ),
        ("id".into(), Val::U64(id)),
    ])
}

/// Values for function `name` of the fixed world; `k` varies them.
fn values(name: &str, k: u32) -> (Vec<Val>, Option<Val>) {
    let text = ["héllo wörld ☃ 😀", "plain ascii", "latin-1 only: ÿéà", ""][k as usize % 4];
    let perms = Val::Flags(vec!["read".into(), "exec".into()]);
    match name {
        "wide" => (
            vec![
                point(7, 0x0102_0304 + k, 9),
                Val::Variant("rect".into(), Some(Box::new(point(1, 2, 3)))),
                Val::Enum("blue".into()),
                perms,
                Val::String(text.into()),
                Val::List(vec![Val::U16(1), Val::U16(2), Val::U16(0xffff)]),
                Val::Option(Some(Box::new(Val::Char('é')))),
                Val::Result(Ok(Some(Box::new(Val::String(format!("ab{k}")))))),
                Val::Tuple(vec![Val::Bool(true), Val::Float64(-0.0)]),
                big("ünïcode 中", &[5, 6], u64::MAX - u64::from(k)),
            ],
            Some(big(&format!("zz😀{k}"), &[], 3)),
        ),
        "narrow" => (
            vec![
                Val::Bool(k.is_multiple_of(2)),
                Val::Char(['😀', 'a', 'ÿ', '\u{10ffff}'][k as usize % 4]),
                Val::Enum("green".into()),
                perms,
                Val::Variant(
                    "circle".into(),
                    Some(Box::new(Val::Float32(f32::from_bits(0x7fc0_0001)))),
                ),
                Val::String(text.into()),
            ],
            Some(Val::Result(Ok(Some(Box::new(Val::Variant(
                "rect".into(),
                Some(Box::new(point(4, 5, 6))),
            )))))),
        ),
        "points" => (
            vec![Val::List(
                (0..3 + k)
                    .map(|i| point(i as u8, 0xdead_0000 + i, 7))
                    .collect(),
            )],
            Some(point(9, 0x0a0b_0c0d, 11)),
        ),
        _ => (vec![perms], Some(Val::Char('€'))),
    }
}

/// A chain over the fixed world's function `name`, guests with the given
/// (lift, lower) encodings, every option present.
fn fixed_chain(
    world: &CaseWorld,
    name: &str,
    encodings: &[(StringEncoding, StringEncoding)],
    place: PlaceKind,
) -> (Func, ChainSpec) {
    let func = world.funcs.iter().find(|f| f.name == name).unwrap().clone();
    let abi = Abi::new(world).unwrap();
    let (lift_req, lower_req) = (lift_requires(&abi, &func), lower_requires(&abi, &func));
    let options = |encoding, post_return| CanonOptions {
        encoding,
        memory: true,
        realloc: true,
        post_return,
    };
    let guests = encodings
        .iter()
        .enumerate()
        .map(|(k, (lift, lower))| GuestSpec {
            lift: options(*lift, k % 2 == 0),
            lower: options(*lower, false),
            abi_pages: 1 + k as u32 % 2,
            abi_first: !k.is_multiple_of(2),
            realloc_place: place,
            image_place: place,
            place_seed: 99 + k as u64,
        })
        .collect::<Vec<_>>();
    assert!(!lift_req.memory || guests[0].lift.memory);
    assert!(!lower_req.realloc || guests[0].lower.realloc);
    let n = guests.len() as u32;
    let (args, answer) = values(name, 0);
    let calls = (0..n).map(|k| values(name, k + 1).0).collect();
    let results = (0..n).map(|k| values(name, k + 2).1).collect();
    (
        func,
        ChainSpec {
            guests,
            args,
            calls,
            answer,
            results,
        },
    )
}

fn layout_case(name: &str, lift: StringEncoding, lower: StringEncoding, place: PlaceKind) -> Case {
    let world = fixed_world();
    let (func, chain) = fixed_chain(&world, name, &[(lift, lower)], place);
    assemble(CaseClass::Layout, world, func, chain, None).unwrap()
}

fn assert_passes(host: &Host, case: &Case) {
    let failures = run_case(host, case).unwrap();
    assert!(failures.is_empty(), "{}\n{failures:#?}", describe(case));
}

#[test]
fn reference_agrees_with_wasmtime_on_the_fixed_world() {
    let host = host();
    let mut written = 0;
    for name in ["wide", "narrow", "points", "flag"] {
        for lift in StringEncoding::ALL {
            for lower in StringEncoding::ALL {
                for place in PlaceKind::ALL {
                    let case = layout_case(name, lift, lower, place);
                    for e in &case.sim.events {
                        if let ExpectedEvent::Report(r) = e {
                            written += r.memory.written_count();
                        }
                    }
                    assert_passes(&host, &case);
                }
            }
        }
    }
    assert!(
        written > 10_000,
        "the fixed world lowers into memory ({written} bytes)"
    );
}

#[test]
fn reference_agrees_with_wasmtime_on_random_worlds() {
    let host = host();
    let mut ran = 0;
    for i in 0..40 {
        let class = if i % 3 == 0 {
            CaseClass::Transcode
        } else {
            CaseClass::Layout
        };
        let Ok(case) = make_case(7, i, Some(class)) else {
            continue;
        };
        assert_passes(&host, &case);
        ran += 1;
    }
    assert!(ran >= 35, "only {ran} of 40 random cases could be drawn");
}

#[test]
fn transcoding_chains_agree_and_every_guest_reports() {
    use StringEncoding::*;
    let host = host();
    let world = fixed_world();
    for encodings in [
        [(Utf8, Utf16), (Latin1Utf16, Utf8), (Utf16, Latin1Utf16)],
        [
            (Latin1Utf16, Latin1Utf16),
            (Utf8, Utf16),
            (Latin1Utf16, Utf8),
        ],
    ] {
        for name in ["wide", "narrow"] {
            let (func, chain) = fixed_chain(&world, name, &encodings, PlaceKind::Mixed);
            let case = assemble(CaseClass::Transcode, world.clone(), func, chain, None).unwrap();
            let reporters: std::collections::BTreeSet<usize> = case
                .sim
                .events
                .iter()
                .filter_map(|e| match e {
                    ExpectedEvent::Report(r) => Some(r.id),
                    _ => None,
                })
                .collect();
            assert_eq!(reporters.len(), 3);
            assert_passes(&host, &case);
        }
    }
}

/// The first failure of running `case`, which must fail.
fn first_failure(host: &Host, case: &Case) -> Failure {
    let failures = run_case(host, case).unwrap();
    failures
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("the broken case passed:\n{}", describe(case)))
}

#[test]
fn a_field_at_the_wrong_offset_is_caught_when_lifting() {
    // `points` returns a `point` (spilled): the guest lays it out packed,
    // `y` at offset 1 instead of 4.
    let host = host();
    let mut case = layout_case(
        "points",
        StringEncoding::Utf8,
        StringEncoding::Utf8,
        PlaceKind::Bump,
    );
    assert_passes(&host, &case);
    let step = case.sim.plan.steps[0].back_mut().unwrap();
    assert!(!step.call);
    let ptr = step.flat[0] as usize;
    let y: Vec<u8> = step.image[ptr + 4..ptr + 8].to_vec();
    step.image[ptr + 1..ptr + 8].fill(0);
    step.image[ptr + 1..ptr + 5].copy_from_slice(&y);
    let f = first_failure(&host, &case);
    assert_eq!(f.phase, Phase::LiftResult(0));
    assert_eq!(f.class, "value differs: int-value", "{}", f.detail);
    assert!(f.detail.contains("result.y"), "{}", f.detail);
}

#[test]
fn a_field_at_the_wrong_offset_is_caught_when_lowering() {
    // A reference that packed `point` (y at offset 1) would expect other
    // bytes for the list wasmtime lowers into the guest.
    let host = host();
    let mut case = layout_case(
        "points",
        StringEncoding::Utf8,
        StringEncoding::Utf8,
        PlaceKind::Bump,
    );
    let ExpectedEvent::Report(report) = &mut case.sim.events[0] else {
        panic!("a report first")
    };
    let (ptr, len) = match report.flat[..] {
        [CoreVal::I32(p), CoreVal::I32(l)] => (u64::from(p), u64::from(l)),
        _ => panic!("a list is a pointer and a length"),
    };
    for i in 0..len {
        let at = ptr + 12 * i;
        let y = report.memory.read(at + 4, 4).unwrap().to_vec();
        report.memory.write(at + 1, &y).unwrap();
    }
    let f = first_failure(&host, &case);
    assert_eq!(f.phase, Phase::LowerParams(0));
    assert_eq!(f.class, "bytes differ", "{}", f.detail);
    assert!(
        f.detail.contains("reference:") && f.detail.contains("wasmtime:"),
        "{}",
        f.detail
    );
}

#[test]
fn wrong_realloc_calls_flat_values_and_post_return_are_caught() {
    let host = host();
    let base = layout_case(
        "wide",
        StringEncoding::Utf16,
        StringEncoding::Latin1Utf16,
        PlaceKind::Bump,
    );
    assert_passes(&host, &base);

    let mut case = base.clone();
    let ExpectedEvent::Report(r) = &mut case.sim.events[0] else {
        panic!()
    };
    r.reallocs[1].new_size += 2;
    assert_eq!(first_failure(&host, &case).class, "realloc calls differ");

    let mut case = base.clone();
    let ExpectedEvent::Report(r) = &mut case.sim.events[0] else {
        panic!()
    };
    r.flat[0] = CoreVal::I32(0xdead);
    assert_eq!(first_failure(&host, &case).class, "flat values differ");

    let mut case = base.clone();
    let ExpectedEnd::Value { post_calls, .. } = &mut case.sim.end else {
        panic!()
    };
    *post_calls = 0;
    let f = first_failure(&host, &case);
    assert_eq!(
        (f.phase, f.class.as_str()),
        (Phase::PostReturn, "post-return call count differs")
    );
}

/// A case of `name` with `kind` injected at the first fitting site of
/// `image` (or the first fitting `realloc` call), details drawn from zeros.
fn invalid_case(
    name: &str,
    lift: StringEncoding,
    lower: StringEncoding,
    kind: InvalidKind,
    image: Image,
) -> Case {
    let world = fixed_world();
    let (func, chain) = fixed_chain(&world, name, &[(lift, lower)], PlaceKind::Bump);
    let abi = Abi::new(&world).unwrap();
    let valid = simulate(&abi, &func, &chain, None, true).unwrap();
    let injection = if kind.is_realloc() {
        let a = valid
            .allocs
            .iter()
            .filter(|a| a.call.align > 1 || kind == InvalidKind::ReallocBounds)
            .nth(usize::from(kind == InvalidKind::ReallocSecond))
            .expect("a realloc call to break");
        let bad = if kind == InvalidKind::ReallocBounds {
            sim::BadPtr::PastEnd
        } else {
            sim::BadPtr::Misaligned
        };
        (
            Injection::Realloc {
                guest: a.guest,
                index: a.index,
                bad,
            },
            format!("{kind:?}"),
        )
    } else {
        let (mem, flat) = image_state(&abi, &func, &valid, image);
        let host_lift = true;
        let (_, site) = valid
            .sites
            .iter()
            .find(|(i, s)| *i == image && kind.fits(s, mem.len(), host_lift))
            .unwrap_or_else(|| panic!("no site for {kind:?}"));
        let zeros = [0u8; 64];
        let mutation = kind
            .mutate(site, &mem, &flat, &mut Unstructured::new(&zeros))
            .unwrap();
        let note = mutation.note.clone();
        (Injection::Image { image, mutation }, note)
    };
    assemble(
        CaseClass::Invalid(kind),
        world,
        func,
        chain,
        Some(injection),
    )
    .unwrap()
}

/// Runs an invalid case: wasmtime must agree with the reference, and the
/// reference must say `expected` (a trap kind, or `None` for a value).
fn check_invalid(case: &Case, expected: Option<TrapKind>) {
    let host = host();
    let run = run_case_observed(&host, case).unwrap();
    assert!(
        run.failures.is_empty(),
        "{}\n{:#?}",
        describe(case),
        run.failures
    );
    let outcome = &run.observation.as_ref().unwrap().outcome;
    match (&case.sim.end, expected) {
        (ExpectedEnd::Trap { trap, .. }, Some(kind)) => {
            assert_eq!(kind, trap.kind, "{}: spec {trap}", describe(case));
            let err = outcome.as_ref().expect_err("wasmtime must trap");
            assert!(
                traps::classify(&err.root_cause).is_some_and(|k| traps::agrees(kind, k)),
                "{err:?}"
            );
        }
        (ExpectedEnd::Value { .. }, None) => assert!(outcome.is_ok(), "{outcome:?}"),
        (end, _) => panic!(
            "{}: the reference says {end:?}, not {expected:?}",
            describe(case)
        ),
    }
}

const CALL: Image = Image {
    guest: 0,
    call: true,
};
const RETURN: Image = Image {
    guest: 0,
    call: false,
};

#[test]
fn invalid_discriminants_trap() {
    use StringEncoding::Utf8;
    check_invalid(
        &invalid_case("wide", Utf8, Utf8, InvalidKind::Discriminant, CALL),
        Some(TrapKind::InvalidDiscriminant),
    );
    check_invalid(
        &invalid_case("narrow", Utf8, Utf8, InvalidKind::Discriminant, CALL),
        Some(TrapKind::InvalidDiscriminant),
    );
    check_invalid(
        &invalid_case("narrow", Utf8, Utf8, InvalidKind::Discriminant, RETURN),
        Some(TrapKind::InvalidDiscriminant),
    );
}

#[test]
fn invalid_chars_trap() {
    use StringEncoding::Utf8;
    check_invalid(
        &invalid_case("narrow", Utf8, Utf8, InvalidKind::Char, CALL),
        Some(TrapKind::InvalidChar),
    );
    check_invalid(
        &invalid_case("flag", Utf8, Utf8, InvalidKind::Char, RETURN),
        Some(TrapKind::InvalidChar),
    );
    check_invalid(
        &invalid_case("wide", Utf8, Utf8, InvalidKind::Char, CALL),
        Some(TrapKind::InvalidChar),
    );
}

#[test]
fn invalid_utf8_and_utf16_trap() {
    use StringEncoding::*;
    check_invalid(
        &invalid_case("wide", Utf8, Utf8, InvalidKind::Utf8, CALL),
        Some(TrapKind::InvalidUtf8),
    );
    check_invalid(
        &invalid_case("wide", Utf8, Utf8, InvalidKind::Utf8, RETURN),
        Some(TrapKind::InvalidUtf8),
    );
    check_invalid(
        &invalid_case("wide", Utf8, Utf16, InvalidKind::Utf16, CALL),
        Some(TrapKind::InvalidUtf16),
    );
    check_invalid(
        &invalid_case("wide", Latin1Utf16, Latin1Utf16, InvalidKind::Utf16, CALL),
        Some(TrapKind::InvalidUtf16),
    );
    check_invalid(
        &invalid_case("wide", Utf16, Utf8, InvalidKind::Utf16, RETURN),
        Some(TrapKind::InvalidUtf16),
    );
}

#[test]
fn pointers_out_of_bounds_and_misaligned_trap() {
    use StringEncoding::*;
    check_invalid(
        &invalid_case("wide", Utf8, Utf8, InvalidKind::PointerBounds, CALL),
        Some(TrapKind::OutOfBounds),
    );
    check_invalid(
        &invalid_case("narrow", Utf8, Utf8, InvalidKind::PointerBounds, RETURN),
        Some(TrapKind::OutOfBounds),
    );
    check_invalid(
        &invalid_case("wide", Utf8, Utf8, InvalidKind::PointerAlign, CALL),
        Some(TrapKind::Misaligned),
    );
    check_invalid(
        &invalid_case("wide", Utf16, Utf16, InvalidKind::PointerAlign, RETURN),
        Some(TrapKind::Misaligned),
    );
}

#[test]
fn overflowing_lengths_trap() {
    use StringEncoding::*;
    check_invalid(
        &invalid_case("wide", Utf8, Utf8, InvalidKind::LengthOverflow, CALL),
        Some(TrapKind::StringTooLong),
    );
    check_invalid(
        &invalid_case("points", Utf8, Utf16, InvalidKind::LengthOverflow, CALL),
        Some(TrapKind::ListTooLong),
    );
}

#[test]
fn extra_flag_bits_and_bool_bytes_read_as_the_spec_says() {
    use StringEncoding::Utf8;
    check_invalid(
        &invalid_case("flag", Utf8, Utf8, InvalidKind::FlagBits, CALL),
        None,
    );
    check_invalid(
        &invalid_case("wide", Utf8, Utf8, InvalidKind::FlagBits, CALL),
        None,
    );
    check_invalid(
        &invalid_case("narrow", Utf8, Utf8, InvalidKind::BoolByte, CALL),
        None,
    );
    check_invalid(
        &invalid_case("wide", Utf8, Utf8, InvalidKind::BoolByte, CALL),
        None,
    );
}

#[test]
fn bad_realloc_results_trap() {
    use StringEncoding::*;
    check_invalid(
        &invalid_case("wide", Utf16, Utf8, InvalidKind::ReallocAlign, CALL),
        Some(TrapKind::Misaligned),
    );
    check_invalid(
        &invalid_case("wide", Utf8, Utf8, InvalidKind::ReallocBounds, CALL),
        Some(TrapKind::OutOfBounds),
    );
    check_invalid(
        &invalid_case("wide", Latin1Utf16, Utf8, InvalidKind::ReallocSecond, CALL),
        Some(TrapKind::Misaligned),
    );
    check_invalid(
        &invalid_case("narrow", Utf8, Utf16, InvalidKind::ReallocBounds, CALL),
        Some(TrapKind::OutOfBounds),
    );
}

#[test]
fn a_wrong_trap_expectation_is_caught() {
    use StringEncoding::Utf8;
    let host = host();
    let mut case = invalid_case("narrow", Utf8, Utf8, InvalidKind::Char, CALL);
    let ExpectedEnd::Trap { trap, .. } = &mut case.sim.end else {
        panic!()
    };
    trap.kind = TrapKind::InvalidDiscriminant;
    assert!(
        first_failure(&host, &case)
            .class
            .starts_with("trap kind differs")
    );
    // A reference that accepted the char would be caught too.
    let mut case = invalid_case("narrow", Utf8, Utf8, InvalidKind::Char, CALL);
    let valid = layout_case("narrow", Utf8, Utf8, PlaceKind::Bump);
    case.sim.end = valid.sim.end.clone();
    let f = first_failure(&host, &case);
    assert!(
        f.class.starts_with("wasmtime traps, the spec does not"),
        "{f:?}"
    );
}

#[test]
fn sites_cover_the_fixed_world() {
    let world = fixed_world();
    let abi = Abi::new(&world).unwrap();
    let (func, chain) = fixed_chain(
        &world,
        "wide",
        &[(StringEncoding::Utf8, StringEncoding::Utf16)],
        PlaceKind::Bump,
    );
    let sim = simulate(&abi, &func, &chain, None, true).unwrap();
    let kinds = |image: Image| -> Vec<&'static str> {
        let mut k: Vec<_> = sim
            .sites
            .iter()
            .filter(|(i, _)| *i == image)
            .map(|(_, s)| match s.kind {
                SiteKind::Discriminant { .. } => "discriminant",
                SiteKind::Char => "char",
                SiteKind::Bool => "bool",
                SiteKind::Flags { .. } => "flags",
                SiteKind::Text { .. } => "text",
                SiteKind::Pointer { .. } => "pointer",
                SiteKind::Length { .. } => "length",
                SiteKind::Spill { .. } => "spill",
            })
            .collect();
        k.sort();
        k.dedup();
        k
    };
    let all = [
        "bool",
        "char",
        "discriminant",
        "flags",
        "length",
        "pointer",
        "spill",
        "text",
    ];
    assert_eq!(kinds(CALL), all);
    assert_eq!(kinds(RETURN), ["length", "pointer", "spill", "text"]);
    // The spilled arguments are one pointer, flat value 0; the return
    // pointer is the last flat value.
    let spills: Vec<Loc> = sim
        .sites
        .iter()
        .filter(|(i, s)| *i == CALL && matches!(s.kind, SiteKind::Spill { .. }))
        .map(|(_, s)| s.loc)
        .collect();
    assert_eq!(spills, [Loc::Flat(0), Loc::Flat(1)]);
}

/// `invalid_case` with the mutation's details drawn from `bytes`.
fn invalid_case_from(
    name: &str,
    enc: StringEncoding,
    kind: InvalidKind,
    image: Image,
    bytes: &[u8],
) -> Case {
    let world = fixed_world();
    let (func, chain) = fixed_chain(&world, name, &[(enc, enc)], PlaceKind::Bump);
    let abi = Abi::new(&world).unwrap();
    let valid = simulate(&abi, &func, &chain, None, true).unwrap();
    let (mem, flat) = image_state(&abi, &func, &valid, image);
    let (_, site) = valid
        .sites
        .iter()
        .find(|(i, s)| *i == image && kind.fits(s, mem.len(), true))
        .unwrap();
    let mutation = kind
        .mutate(site, &mem, &flat, &mut Unstructured::new(bytes))
        .unwrap();
    let note = mutation.note.clone();
    assemble(
        CaseClass::Invalid(kind),
        world,
        func,
        chain,
        Some((Injection::Image { image, mutation }, note)),
    )
    .unwrap()
}

#[test]
fn strings_at_the_length_limit() {
    // Exactly MAX_STRING_BYTE_LENGTH bytes (2^28 - 1) lift: a value.
    let at = invalid_case_from(
        "wide",
        StringEncoding::Utf8,
        InvalidKind::LengthLimit,
        RETURN,
        &[0; 8],
    );
    assert!(
        at.note.as_deref().unwrap().contains("exactly at"),
        "{:?}",
        at.note
    );
    check_invalid(&at, None);
    // One byte more: the spec traps. wasmtime 48 still has the limit of the
    // spec before component-model PR #624 (2^31 - 1) and lifts the string:
    // the oracle reports it.
    let over = invalid_case_from(
        "wide",
        StringEncoding::Utf8,
        InvalidKind::LengthLimit,
        RETURN,
        &[1; 8],
    );
    assert!(
        over.note.as_deref().unwrap().contains("one past"),
        "{:?}",
        over.note
    );
    let ExpectedEnd::Trap { trap, .. } = &over.sim.end else {
        panic!("the spec traps")
    };
    assert_eq!(trap.kind, TrapKind::StringTooLong);
    let f = first_failure(&host(), &over);
    assert_eq!(
        f.class, "the spec traps (string-too-long), wasmtime returned",
        "{}",
        f.detail
    );
}

#[test]
fn worlds_with_names_a_component_rejects_are_skipped() {
    // `go` and `g-o` are the same name to the component model; wasmparser
    // rejects the guest, so such a drawn world is skipped, not a failure.
    let mut world = fixed_world();
    world.types[3].kind = TypeDefKind::Flags(vec!["go".into(), "g-o".into()]);
    let clash = super::case::name_clash(&world).expect("a clash");
    assert!(clash.contains("`go` and `g-o`"), "{clash}");
    let (func, chain) = fixed_chain(
        &world,
        "flag",
        &[(StringEncoding::Utf8, StringEncoding::Utf8)],
        PlaceKind::Bump,
    );
    let guest = crate::rawguest::RawGuest {
        id: 0,
        func,
        lift: chain.guests[0].lift,
        lower: chain.guests[0].lower,
        abi_pages: 1,
        abi_first: true,
        script: Vec::new(),
    };
    let err = crate::rawguest::build(&world, &guest)
        .unwrap_err()
        .to_string();
    assert!(err.contains("conflicts with previous flag name"), "{err}");
    assert_eq!(super::case::name_clash(&fixed_world()), None);
}
