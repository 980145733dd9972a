//! Tests of the Python driver: the parsing of componentize-py's bindings
//! and the writing of the echo (quick), and real guests built with the
//! installed componentize-py and run in the host (slow: each new guest takes
//! tens of seconds to build; later runs reuse the cached components).

use super::*;
use crate::guest::{GuestBuilder, GuestError};
use crate::host::echo::{CallOutcome, EchoGuest, FailureKind, Hop};
use crate::host::{Host, HostConfig};
use crate::ty::{Case, CaseWorld, Field, Func, Param, Ty, TypeDef, TypeDefKind};
use wasmtime::component::Val;

// ---------------------------------------------------------------------------
// Bindings and the echo, without the toolchain.

/// The shape of what componentize-py 0.25.1 writes to `exports/__init__.py`
/// (taken from its output for a world with keyword names).
const PROTOCOL: &str = r#"from componentize_py_types import Result, Ok, Err, Some
from ..imports import types

class Api(Protocol):

    @abstractmethod
    def from_(self, class_: types.Kw, lambda_: types.Class, none: types.Self, type: types.Color, list: bytes) -> Tuple[types.Kw, types.Class]:
        raise NotImplementedError

    @abstractmethod
    def label(self, p: types.Point, name: str) -> str:
        """
        Raises: `componentize_py_types.Err(wit_world.imports.int)`
        """
        raise NotImplementedError

    @abstractmethod
    def nothing(self) -> None:
        raise NotImplementedError

    @abstractmethod
    def many(self, a: Tuple[int, Tuple[str, Optional[Some[Optional[int]]]]], b: List[Tuple[int, str]]) -> None:
        raise NotImplementedError


def not_a_method(x: int) -> None:
    pass
"#;

fn method(name: &str, params: &[&str]) -> Method {
    Method {
        name: name.into(),
        params: params.iter().map(|p| p.to_string()).collect(),
    }
}

#[test]
fn protocols_are_read_with_the_generated_names() {
    let protocols = parse_protocols(PROTOCOL).unwrap();
    assert_eq!(
        protocols,
        [Protocol {
            class: "Api".into(),
            methods: vec![
                method("from_", &["class_", "lambda_", "none", "type", "list"]),
                method("label", &["p", "name"]),
                method("nothing", &[]),
                method("many", &["a", "b"]),
            ],
        }]
    );
}

#[test]
fn unreadable_protocols_are_rejected() {
    let broken = PROTOCOL.replace("def label(self, p", "def label(p");
    assert!(
        parse_protocols(&broken)
            .unwrap_err()
            .contains("without `self`")
    );
    let split = PROTOCOL.replace("name: str) -> str:", "\n        name: str) -> str:");
    assert!(
        parse_protocols(&split)
            .unwrap_err()
            .contains("does not end on this line")
    );
}

fn small_world() -> CaseWorld {
    CaseWorld {
        types: vec![],
        funcs: vec![
            Func {
                name: "from".into(),
                params: ["class", "lambda", "none", "type", "list"]
                    .iter()
                    .map(|n| Param {
                        name: n.to_string(),
                        ty: Ty::U8,
                    })
                    .collect(),
                result: None,
            },
            Func {
                name: "label".into(),
                params: vec![p("p", Ty::U8), p("name", Ty::String)],
                result: None,
            },
            Func {
                name: "nothing".into(),
                params: vec![],
                result: None,
            },
            Func {
                name: "many".into(),
                params: vec![p("a", Ty::U8), p("b", Ty::U8)],
                result: None,
            },
        ],
    }
}

fn small_bindings() -> Bindings {
    Bindings {
        protocols: parse_protocols(PROTOCOL).unwrap(),
        export_modules: vec!["api".into()],
        import_modules: vec!["types".into(), "upstream".into()],
        import_classes: Vec::new(),
        export_classes: Vec::new(),
    }
}

#[test]
fn the_echo_passes_every_argument_on_under_its_generated_name() {
    let world = small_world();
    let spec = GuestSpec {
        world: &world,
        wit: "",
        overrides: &[],
    };
    let app = app_py(&spec, &small_bindings()).unwrap();
    assert!(app.contains("class Api(_exports.Api):"), "{app}");
    assert!(
        app.contains(
            "    def from_(_self, class_, lambda_, none, type, list):\n        \
             return _upstream.from_(class_, lambda_, none, type, list)\n"
        ),
        "{app}"
    );
    assert!(
        app.contains("    def nothing(_self):\n        return _upstream.nothing()\n"),
        "{app}"
    );
    assert!(
        app.contains("from wit_world.imports import types as _types\n"),
        "{app}"
    );
}

#[test]
fn overrides_replace_one_body() {
    let world = small_world();
    let overrides = [(
        "label".to_string(),
        "name = name + '!'\nreturn _upstream.label(p, name)".to_string(),
    )];
    let spec = GuestSpec {
        world: &world,
        wit: "",
        overrides: &overrides,
    };
    let app = app_py(&spec, &small_bindings()).unwrap();
    assert!(
        app.contains("        name = name + '!'\n        return _upstream.label(p, name)\n"),
        "{app}"
    );
    assert!(
        !app.contains("return _upstream.label(p, name)\n\n    def label"),
        "{app}"
    );
    assert_eq!(app.matches("return _upstream.").count(), 4, "{app}");

    let unknown = [("lable".to_string(), "pass".to_string())];
    let spec = GuestSpec {
        world: &world,
        wit: "",
        overrides: &unknown,
    };
    assert!(
        app_py(&spec, &small_bindings())
            .unwrap_err()
            .contains("`lable`")
    );
}

#[test]
fn bindings_that_do_not_match_the_world_are_rejected() {
    let mut world = small_world();
    world.funcs[1].name = "labels".into();
    let spec = GuestSpec {
        world: &world,
        wit: "",
        overrides: &[],
    };
    assert!(
        app_py(&spec, &small_bindings())
            .unwrap_err()
            .contains("`labels`")
    );

    let mut world = small_world();
    world.funcs.pop();
    let spec = GuestSpec {
        world: &world,
        wit: "",
        overrides: &[],
    };
    assert!(
        app_py(&spec, &small_bindings())
            .unwrap_err()
            .contains("4 methods")
    );
}

// ---------------------------------------------------------------------------
// A missing toolchain.

#[test]
fn a_missing_python_is_a_clear_toolchain_error() {
    let empty = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let lang = PythonGuest::with_search_path(empty.path());
    let err = match GuestBuilder::new(Box::new(lang), Cache::at(cache.path())) {
        Ok(_) => panic!("a builder without python3"),
        Err(e) => e,
    };
    assert!(
        matches!(err, GuestError::Toolchain(ToolchainError::Missing { .. })),
        "{err:?}"
    );
    assert!(!err.is_finding());
    let text = err.to_string();
    assert!(
        text.contains("`python3`") && text.contains("PATH") && text.contains("apt-get install"),
        "{text}"
    );
}

#[cfg(unix)]
#[test]
fn a_python_without_venv_is_a_clear_toolchain_error() {
    use std::os::unix::fs::PermissionsExt;
    let bin = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let python3 = bin.path().join("python3");
    std::fs::write(
        &python3,
        "#!/bin/sh\necho 'No module named venv' >&2\nexit 1\n",
    )
    .unwrap();
    std::fs::set_permissions(&python3, std::fs::Permissions::from_mode(0o755)).unwrap();
    let lang = PythonGuest::with_search_path(bin.path());
    let err = match GuestBuilder::new(Box::new(lang), Cache::at(cache.path())) {
        Ok(_) => panic!("a builder with a python3 that cannot make venvs"),
        Err(e) => e,
    };
    assert!(
        matches!(err, GuestError::Toolchain(ToolchainError::Missing { .. })),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("venv") && text.contains("No module named venv"),
        "{text}"
    );
}

// ---------------------------------------------------------------------------
// Real guests in the real host.

fn p(name: &str, ty: Ty) -> Param {
    Param {
        name: name.into(),
        ty,
    }
}
fn f(name: &str, ty: Ty) -> Field {
    Field {
        name: name.into(),
        ty,
    }
}
fn case(name: &str, ty: Option<Ty>) -> Case {
    Case {
        name: name.into(),
        ty,
    }
}
fn list(t: Ty) -> Ty {
    Ty::List(Box::new(t))
}
fn option(t: Ty) -> Ty {
    Ty::Option(Box::new(t))
}
fn result(ok: Option<Ty>, err: Option<Ty>) -> Ty {
    Ty::Result {
        ok: ok.map(Box::new),
        err: err.map(Box::new),
    }
}
fn func(name: &str, params: Vec<Param>, result: Option<Ty>) -> Func {
    Func {
        name: name.into(),
        params,
        result,
    }
}
fn names(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

/// The named types of [`EVERY_KIND_TYPES`]. Flags are declared in
/// alphabetical order because WAVE reads flags sorted by name while a
/// component lifts them in declaration order (and `Val` equality is
/// order-sensitive).
const EVERY_KIND_TYPES: &str = r#"
  record point { x: f64, y: f32 }
  record keywords { %from: u8, %class: string, %lambda: bool, %none: option<u8>, %type: s32,
                    %self: u16, %list: list<u32>, %str: string, %true: bool }
  variant shape { circle(f64), polygon(list<point>), %none }
  variant %class { %from(u8), %lambda, %true(string), %self(bool), %none }
  enum color { red, green, blue, %none, %from }
  flags perms { exec, %from, %none, read, write }
  flags wide { f00, f01, f02, f03, f04, f05, f06, f07, f08, f09, f10, f11, f12, f13, f14, f15,
               f16, f17, f18, f19, f20, f21, f22, f23, f24, f25, f26, f27, f28, f29, f30, f31 }
  type bytes = list<u8>;
  record nested { kw: keywords, shapes: list<shape>, maybe: option<option<string>>,
                  res: result<u8, string>, pair: tuple<char, color>, bits: bytes }
  // Names of the bindings' own imports (`Some`, `Ok`, `Result`).
  record some { value: u8 }
  record ok { some: option<some> }
  variant %result { ok(ok), err, %none }
"#;

const EVERY_KIND_FUNCS: &str = r#"
  scalars: func(a: bool, b: s8, c: u8, d: s16, e: u16, f: s32, g: u32, h: s64, i: u64,
                j: f32, k: f64, l: char) -> tuple<bool, s8, u8, s16, u16, s32, u32, s64, u64, f32, f64, char>;
  text: func(s: string) -> string;
  octets: func(b: bytes) -> bytes;
  lists: func(a: list<string>, b: list<list<s16>>, c: list<tuple<u8, char>>) -> list<point>;
  area: func(s: shape) -> f64;
  %from: func(%class: %class, %lambda: keywords, %none: color) -> tuple<%class, keywords, color>;
  %lambda: func(p: perms, w: wide) -> tuple<perms, wide>;
  %none: func(a: option<u8>, b: option<option<string>>, c: option<point>) -> option<option<shape>>;
  r-unit: func(x: u8) -> result;
  r-ok: func(x: u8) -> result<string>;
  r-err: func(x: u8) -> result<_, keywords>;
  r-both: func(x: u8) -> result<nested, %class>;
  results-inside: func(a: result<u8, string>, b: list<result>, c: option<result<_, u8>>)
    -> tuple<result<string>, result<_, string>>;
  nothing: func();
  no-params: func() -> nested;
  no-result: func(p: point, c: %class);
  many: func(a0: u64, a1: f64, a2: string, a3: u8, a4: s16, a5: f32, a6: char, a7: bool,
             a8: u64, a9: f64, a10: string, a11: u8, a12: s16, a13: f32, a14: char, a15: bool,
             a16: list<string>) -> list<tuple<string, u64>>;
  %type: func(%from: u32, %type: string, %list: list<color>) -> u32;
  shadows: func(a: some, b: ok, c: %result, d: option<option<some>>) -> result<option<some>, %result>;
"#;

/// An echo package of the shape `wit_text` prints: `types`, and the same
/// functions in `api` and `upstream`.
fn echo_package(types: &str, funcs: &str, uses: &str) -> String {
    format!(
        "package witness:case;\n\ninterface types {{{types}}}\n\n\
         interface api {{\n  use types.{{{uses}}};\n{funcs}}}\n\n\
         interface upstream {{\n  use types.{{{uses}}};\n{funcs}}}\n\n\
         world echo {{\n  import upstream;\n  export api;\n}}\n"
    )
}

/// [`EVERY_KIND_TYPES`] and [`EVERY_KIND_FUNCS`] in the type model.
fn every_kind_world() -> CaseWorld {
    use Ty::*;
    let (point, keywords, shape, class, color, perms, wide, bytes, nested) = (
        Named(0),
        Named(1),
        Named(2),
        Named(3),
        Named(4),
        Named(5),
        Named(6),
        Named(7),
        Named(8),
    );
    let types = vec![
        TypeDef {
            name: "point".into(),
            kind: TypeDefKind::Record(vec![f("x", F64), f("y", F32)]),
        },
        TypeDef {
            name: "keywords".into(),
            kind: TypeDefKind::Record(vec![
                f("from", U8),
                f("class", String),
                f("lambda", Bool),
                f("none", option(U8)),
                f("type", S32),
                f("self", U16),
                f("list", list(U32)),
                f("str", String),
                f("true", Bool),
            ]),
        },
        TypeDef {
            name: "shape".into(),
            kind: TypeDefKind::Variant(vec![
                case("circle", Some(F64)),
                case("polygon", Some(list(point.clone()))),
                case("none", None),
            ]),
        },
        TypeDef {
            name: "class".into(),
            kind: TypeDefKind::Variant(vec![
                case("from", Some(U8)),
                case("lambda", None),
                case("true", Some(String)),
                case("self", Some(Bool)),
                case("none", None),
            ]),
        },
        TypeDef {
            name: "color".into(),
            kind: TypeDefKind::Enum(names(&["red", "green", "blue", "none", "from"])),
        },
        TypeDef {
            name: "perms".into(),
            kind: TypeDefKind::Flags(names(&["exec", "from", "none", "read", "write"])),
        },
        TypeDef {
            name: "wide".into(),
            kind: TypeDefKind::Flags((0..32).map(|i| format!("f{i:02}")).collect()),
        },
        TypeDef {
            name: "bytes".into(),
            kind: TypeDefKind::Alias(list(U8)),
        },
        TypeDef {
            name: "nested".into(),
            kind: TypeDefKind::Record(vec![
                f("kw", keywords.clone()),
                f("shapes", list(shape.clone())),
                f("maybe", option(option(String))),
                f("res", result(Some(U8), Some(String))),
                f("pair", Tuple(vec![Char, color.clone()])),
                f("bits", bytes.clone()),
            ]),
        },
    ];
    let scalars = vec![Bool, S8, U8, S16, U16, S32, U32, S64, U64, F32, F64, Char];
    let funcs = vec![
        func(
            "scalars",
            scalars
                .iter()
                .zip("abcdefghijkl".chars())
                .map(|(t, n)| p(&n.to_string(), t.clone()))
                .collect(),
            Some(Tuple(scalars.clone())),
        ),
        func("text", vec![p("s", String)], Some(String)),
        func("octets", vec![p("b", bytes.clone())], Some(bytes)),
        func(
            "lists",
            vec![
                p("a", list(String)),
                p("b", list(list(S16))),
                p("c", list(Tuple(vec![U8, Char]))),
            ],
            Some(list(point.clone())),
        ),
        func("area", vec![p("s", shape.clone())], Some(F64)),
        func(
            "from",
            vec![
                p("class", class.clone()),
                p("lambda", keywords.clone()),
                p("none", color.clone()),
            ],
            Some(Tuple(vec![class.clone(), keywords.clone(), color.clone()])),
        ),
        func(
            "lambda",
            vec![p("p", perms.clone()), p("w", wide.clone())],
            Some(Tuple(vec![perms, wide])),
        ),
        func(
            "none",
            vec![
                p("a", option(U8)),
                p("b", option(option(String))),
                p("c", option(point.clone())),
            ],
            Some(option(option(shape))),
        ),
        func("r-unit", vec![p("x", U8)], Some(result(None, None))),
        func("r-ok", vec![p("x", U8)], Some(result(Some(String), None))),
        func(
            "r-err",
            vec![p("x", U8)],
            Some(result(None, Some(keywords))),
        ),
        func(
            "r-both",
            vec![p("x", U8)],
            Some(result(Some(nested.clone()), Some(class.clone()))),
        ),
        func(
            "results-inside",
            vec![
                p("a", result(Some(U8), Some(String))),
                p("b", list(result(None, None))),
                p("c", option(result(None, Some(U8)))),
            ],
            Some(Tuple(vec![
                result(Some(String), None),
                result(None, Some(String)),
            ])),
        ),
        func("nothing", vec![], None),
        func("no-params", vec![], Some(nested)),
        func("no-result", vec![p("p", point), p("c", class)], None),
        func(
            "many",
            [
                U64,
                F64,
                String,
                U8,
                S16,
                F32,
                Char,
                Bool,
                U64,
                F64,
                String,
                U8,
                S16,
                F32,
                Char,
                Bool,
                list(String),
            ]
            .into_iter()
            .enumerate()
            .map(|(i, t)| p(&format!("a{i}"), t))
            .collect(),
            Some(list(Tuple(vec![String, U64]))),
        ),
        func(
            "type",
            vec![p("from", U32), p("type", String), p("list", list(color))],
            Some(U32),
        ),
    ];
    let (some, ok, result_) = (Named(9), Named(10), Named(11));
    let types = types
        .into_iter()
        .chain([
            TypeDef {
                name: "some".into(),
                kind: TypeDefKind::Record(vec![f("value", U8)]),
            },
            TypeDef {
                name: "ok".into(),
                kind: TypeDefKind::Record(vec![f("some", option(some.clone()))]),
            },
            TypeDef {
                name: "result".into(),
                kind: TypeDefKind::Variant(vec![
                    case("ok", Some(ok.clone())),
                    case("err", None),
                    case("none", None),
                ]),
            },
        ])
        .collect();
    let shadows = func(
        "shadows",
        vec![
            p("a", some.clone()),
            p("b", ok),
            p("c", result_.clone()),
            p("d", option(option(some.clone()))),
        ],
        Some(result(Some(option(some)), Some(result_))),
    );
    let funcs = funcs.into_iter().chain([shadows]).collect();
    CaseWorld { types, funcs }
}

const KW1: &str = r#"{from: 0, class: "", lambda: false, %none: none, type: -1, self: 0, list: [], str: "", %true: true}"#;
const KW2: &str = r#"{from: 255, class: "clåss 😀", lambda: true, %none: some(0), type: -2147483648, self: 65535, list: [0, 4294967295], str: "\u{0}", %true: false}"#;

/// `(function, [argument, ...], result)` in WAVE, several calls a function.
fn every_kind_calls() -> Vec<(&'static str, Vec<String>, Option<String>)> {
    let nested1 = format!(
        r#"{{kw: {KW1}, shapes: [circle(nan), %none, polygon([])], maybe: some(none), res: err("e"), pair: ('x', green), bits: [1, 2]}}"#
    );
    let nested2 = format!(
        r#"{{kw: {KW2}, shapes: [], maybe: none, res: ok(0), pair: ('\u{{10ffff}}', %none), bits: []}}"#
    );
    let long = format!("\"{}\"", "ab😀é".repeat(5000));
    let s = |v: &str| v.to_string();
    let call = |name: &'static str, args: &[&str], res: Option<&str>| {
        (
            name,
            args.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
            res.map(s),
        )
    };
    vec![
        call(
            "scalars",
            &[
                "true",
                "-128",
                "255",
                "-32768",
                "65535",
                "-2147483648",
                "4294967295",
                "-9223372036854775808",
                "18446744073709551615",
                "nan",
                "-0.0",
                "'\\u{10ffff}'",
            ],
            Some(
                "(false, 127, 0, 32767, 0, 2147483647, 0, 9223372036854775807, 0, inf, 5e-324, '😀')",
            ),
        ),
        call(
            "scalars",
            &[
                "false", "0", "0", "0", "0", "0", "0", "0", "0", "0.0", "0.0", "'a'",
            ],
            Some("(true, 1, 1, 1, 1, 1, 1, 1, 1, -inf, nan, 'é')"),
        ),
        call(
            "scalars",
            &[
                "true",
                "5",
                "6",
                "7",
                "8",
                "9",
                "10",
                "11",
                "12",
                "3.4028235e38",
                "-1.7976931348623157e308",
                "'中'",
            ],
            Some(
                "(true, -1, 128, -1, 32768, -1, 2147483648, -1, 9223372036854775808, 1e-45, 0.1, '\\u{0}')",
            ),
        ),
        call("text", &["\"\""], Some("\"héllo wörld ✓ 😀 中文\"")),
        call(
            "text",
            &["\"\\u{0}nul, \\\"quotes\\\", \\\\ \\n\\t\""],
            Some("\"\""),
        ),
        ("text", vec![long.clone()], Some(long)),
        call("octets", &["[]"], Some("[0, 255, 1]")),
        call("octets", &["[1, 2, 3, 0, 0, 255]"], Some("[]")),
        call("lists", &["[]", "[]", "[]"], Some("[]")),
        call(
            "lists",
            &[
                r#"["", "a", "😀"]"#,
                "[[], [-1, 32767], []]",
                "[(0, 'a'), (255, '\\u{0}')]",
            ],
            Some("[{x: 1.0, y: nan}, {x: -0.0, y: -inf}]"),
        ),
        call("area", &["circle(1.5)"], Some("3.14")),
        call("area", &["polygon([])"], Some("nan")),
        call("area", &["%none"], Some("0.0")),
        call(
            "area",
            &["polygon([{x: 1.0, y: 2.0}, {x: -1.0, y: 0.5}])"],
            Some("-0.0"),
        ),
        call(
            "from",
            &["%from(7)", KW1, "%none"],
            Some(&format!("(%lambda, {KW2}, %from)")),
        ),
        call(
            "from",
            &["%true(\"ünïcode\")", KW2, "red"],
            Some(&format!("(self(false), {KW1}, blue)")),
        ),
        call(
            "from",
            &["%none", KW1, "%from"],
            Some(&format!("(%none, {KW1}, %none)")),
        ),
        call(
            "lambda",
            &["{}", "{}"],
            Some("({exec, from, none, read, write}, {f00, f31})"),
        ),
        call(
            "lambda",
            &[
                "{none}",
                &format!(
                    "{{{}}}",
                    (0..32)
                        .map(|i| format!("f{i:02}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ],
            Some("({}, {})"),
        ),
        call(
            "lambda",
            &["{from, write}", "{f07, f15, f16, f23, f24}"],
            Some("({read}, {f31})"),
        ),
        call("none", &["none", "none", "none"], Some("none")),
        call(
            "none",
            &["some(0)", "some(none)", "some({x: nan, y: 0.0})"],
            Some("some(none)"),
        ),
        call(
            "none",
            &["some(255)", "some(some(\"\"))", "none"],
            Some("some(some(%none))"),
        ),
        call(
            "none",
            &["none", "some(some(\"😀\"))", "some({x: 1.0, y: 2.0})"],
            Some("some(some(polygon([])))"),
        ),
        call("r-unit", &["0"], Some("ok")),
        call("r-unit", &["1"], Some("err")),
        call("r-ok", &["0"], Some("ok(\"yes\")")),
        call("r-ok", &["1"], Some("err")),
        call("r-ok", &["2"], Some("ok(\"\")")),
        call("r-err", &["0"], Some("ok")),
        call("r-err", &["1"], Some(&format!("err({KW2})"))),
        call("r-both", &["0"], Some(&format!("ok({nested1})"))),
        call("r-both", &["1"], Some("err(%true(\"x\"))")),
        call("r-both", &["2"], Some("err(%none)")),
        call("r-both", &["3"], Some(&format!("ok({nested2})"))),
        call(
            "results-inside",
            &["ok(1)", "[]", "none"],
            Some("(ok(\"a\"), ok)"),
        ),
        call(
            "results-inside",
            &["err(\"bad\")", "[ok, err, ok]", "some(err(3))"],
            Some("(err, err(\"x\"))"),
        ),
        call(
            "results-inside",
            &["ok(0)", "[err]", "some(ok)"],
            Some("(ok(\"\"), err(\"\"))"),
        ),
        call("nothing", &[], None),
        call("no-params", &[], Some(&nested1)),
        call("no-params", &[], Some(&nested2)),
        call("no-result", &["{x: 1.0, y: 2.0}", "%lambda"], None),
        call("no-result", &["{x: nan, y: -0.0}", "self(true)"], None),
        call(
            "many",
            &[
                "18446744073709551615",
                "nan",
                "\"s\"",
                "1",
                "-1",
                "1.5",
                "'c'",
                "true",
                "0",
                "-0.0",
                "\"😀\"",
                "255",
                "-32768",
                "inf",
                "'\\u{0}'",
                "false",
                r#"["a", "", "b"]"#,
            ],
            Some(r#"[("k", 0), ("", 18446744073709551615)]"#),
        ),
        call(
            "many",
            &[
                "0", "0.0", "\"\"", "0", "0", "0.0", "'a'", "false", "0", "0.0", "\"\"", "0", "0",
                "0.0", "'b'", "false", "[]",
            ],
            Some("[]"),
        ),
        call("type", &["0", "\"\"", "[]"], Some("4294967295")),
        call(
            "type",
            &["4294967295", "\"type\"", "[red, %none, %from]"],
            Some("0"),
        ),
        call(
            "shadows",
            &[
                "{value: 0}",
                "{some: none}",
                "%ok({some: some({value: 255})})",
                "none",
            ],
            Some("ok(none)"),
        ),
        call(
            "shadows",
            &[
                "{value: 1}",
                "{some: some({value: 2})}",
                "%err",
                "some(none)",
            ],
            Some("ok(some({value: 3}))"),
        ),
        call(
            "shadows",
            &[
                "{value: 4}",
                "{some: none}",
                "%none",
                "some(some({value: 5}))",
            ],
            Some("err(%ok({some: none}))"),
        ),
        call(
            "shadows",
            &[
                "{value: 4}",
                "{some: none}",
                "%none",
                "some(some({value: 5}))",
            ],
            Some("err(%err)"),
        ),
    ]
}

/// A builder for Python guests on the shared cache (installing
/// componentize-py on first use).
fn python_builder() -> (GuestBuilder, Cache) {
    let cache = Cache::from_env();
    let start = std::time::Instant::now();
    let builder = GuestBuilder::new(Box::new(PythonGuest::new()), cache.clone())
        .unwrap_or_else(|e| panic!("the Python toolchain: {e}"));
    eprintln!(
        "python toolchain ready in {:?}: {:?}",
        start.elapsed(),
        builder.toolchain()
    );
    (builder, cache)
}

/// Builds (or reuses) the guest, compiles it in the host and links it.
fn compile(
    builder: &GuestBuilder,
    spec: &GuestSpec<'_>,
    cache: &Cache,
) -> (Host, crate::host::Compiled) {
    let built = builder.build(spec).unwrap_or_else(|e| panic!("{e}"));
    eprintln!(
        "python guest: {} bytes, cached={}, built in {:?}, sources in {}",
        built.component.len(),
        built.cached,
        built.build_time,
        built.source_dir.display()
    );
    let again = builder.build(spec).unwrap();
    assert!(
        again.cached && again.component == built.component,
        "a second build comes from the cache"
    );
    let host = Host::new(HostConfig::default(), cache).unwrap();
    let start = std::time::Instant::now();
    let component = host
        .compile(&built.component)
        .unwrap_or_else(|e| panic!("{e}"));
    eprintln!("compiled (or loaded) in the host in {:?}", start.elapsed());
    (host, component)
}

#[test]
fn every_type_kind_round_trips_through_a_python_guest() {
    let world = every_kind_world();
    let wit = echo_package(
        EVERY_KIND_TYPES,
        EVERY_KIND_FUNCS,
        "point, keywords, shape, %class, color, perms, wide, bytes, nested, some, ok, %result",
    );
    let (builder, cache) = python_builder();
    let spec = GuestSpec {
        world: &world,
        wit: &wit,
        overrides: &[],
    };
    let (host, component) = compile(&builder, &spec, &cache);
    let guest = EchoGuest::new(&host, &component, &world).unwrap();
    let mut instance = guest.instantiate(7).unwrap();

    // The hand-made world says what the WIT says.
    for func in &world.funcs {
        let ty = instance
            .func_type(&func.name)
            .unwrap_or_else(|| panic!("no api `{}`", func.name));
        let params: Vec<&str> = ty.params().map(|(n, _)| n).collect();
        let expected: Vec<&str> = func.params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(params, expected, "parameters of `{}`", func.name);
        assert_eq!(
            ty.results().len(),
            usize::from(func.result.is_some()),
            "result of `{}`",
            func.name
        );
    }

    let calls = every_kind_calls();
    for func in &world.funcs {
        let n = calls
            .iter()
            .filter(|(name, _, _)| *name == func.name)
            .count();
        assert!(
            n >= 1 && (n >= 2 || func.params.is_empty() && func.result.is_none()),
            "few calls of `{}`",
            func.name
        );
    }
    for (name, args, res) in &calls {
        let ty = instance.func_type(name).unwrap();
        let args: Vec<Val> = ty
            .params()
            .zip(args)
            .map(|((_, t), wave)| {
                Val::from_wave(&t, wave).unwrap_or_else(|e| panic!("{name}: {wave}: {e}"))
            })
            .collect();
        assert_eq!(args.len(), ty.params().len(), "arguments of `{name}`");
        let res = res.as_ref().map(|wave| {
            let t = ty.results().next().unwrap();
            Val::from_wave(&t, wave).unwrap_or_else(|e| panic!("{name}: {wave}: {e}"))
        });
        match instance.call(name, &args, res.as_ref()) {
            CallOutcome::Passed => {}
            CallOutcome::Failed(failure) => {
                panic!(
                    "`{name}` failed: {}\nguest output:\n{}",
                    failure.summary(),
                    failure.guest_output
                )
            }
        }
        assert!(!instance.is_poisoned());
    }
}

#[test]
fn a_faulty_python_guest_is_caught_at_the_right_hop() {
    let wit = std::fs::read_to_string(crate::disk::workspace_root().join("wit/echo.wit")).unwrap();
    let point = Ty::Named(0);
    let world = CaseWorld {
        types: vec![
            TypeDef {
                name: "point".into(),
                kind: TypeDefKind::Record(vec![f("x", Ty::F64), f("y", Ty::F64)]),
            },
            TypeDef {
                name: "shape".into(),
                kind: TypeDefKind::Variant(vec![
                    case("circle", Some(Ty::F64)),
                    case("polygon", Some(list(point.clone()))),
                    case("none", None),
                ]),
            },
        ],
        funcs: vec![
            func("area", vec![p("s", Ty::Named(1))], Some(Ty::F64)),
            func(
                "label",
                vec![p("p", point), p("name", Ty::String)],
                Some(result(Some(Ty::String), Some(Ty::U32))),
            ),
        ],
    };
    let overrides = [
        // One field of an argument altered before it goes upstream.
        (
            "label".to_string(),
            "p.y = p.y + 1.0\nreturn _upstream.label(p, name)".to_string(),
        ),
        // The result altered on its way back.
        (
            "area".to_string(),
            "return _upstream.area(s) * 2.0".to_string(),
        ),
    ];
    let (builder, cache) = python_builder();
    let spec = GuestSpec {
        world: &world,
        wit: &wit,
        overrides: &overrides,
    };
    let (host, component) = compile(&builder, &spec, &cache);
    let guest = EchoGuest::new(&host, &component, &world).unwrap();
    let mut instance = guest.instantiate(1).unwrap();

    let point = Val::Record(vec![
        ("x".into(), Val::Float64(1.0)),
        ("y".into(), Val::Float64(-2.5)),
    ]);
    let ok = Val::Result(Ok(Some(Box::new(Val::String("fine".into())))));
    let outcome = instance.call("label", &[point, Val::String("héllo".into())], Some(&ok));
    let CallOutcome::Failed(failure) = outcome else {
        panic!("the altered field went unnoticed")
    };
    assert_eq!(failure.hop, Hop::GuestToHostImport, "{}", failure.summary());
    let FailureKind::Mismatch(divergence) = &failure.kind else {
        panic!("{}", failure.summary())
    };
    assert!(divergence.path.starts_with('p'), "{}", failure.summary());
    let observed = failure.observed_args.as_ref().expect("upstream was called");
    let Val::Record(fields) = &observed[0] else {
        panic!("{observed:?}")
    };
    assert_eq!(
        fields[1],
        ("y".to_string(), Val::Float64(-1.5)),
        "the override's change is what arrived"
    );

    let shape = Val::Variant("circle".into(), Some(Box::new(Val::Float64(2.0))));
    let outcome = instance.call("area", &[shape], Some(&Val::Float64(3.0)));
    let CallOutcome::Failed(failure) = outcome else {
        panic!("the altered result went unnoticed")
    };
    assert_eq!(failure.hop, Hop::ExportResult, "{}", failure.summary());
    assert!(
        matches!(failure.kind, FailureKind::Mismatch(_)),
        "{}",
        failure.summary()
    );
    assert_eq!(failure.observed_result, Some(Val::Float64(6.0)));
}
