//! Tests of the WIT importer: the print → resolve → import round trip over
//! generated worlds, and the importer's handling of real-world WIT (use,
//! aliases, order, clashes, skipped functions, errors).

use std::path::Path;

use arbitrary::{Arbitrary, Unstructured};

use super::*;
use crate::seed;
use crate::smith::{self, Config};
use crate::ty::{Field, TypeDef, TypeDefKind as Kind};
use crate::wit_text;

/// Imports WIT text (one package) the way `import_wit` imports a file.
fn import_text(text: &str) -> Result<ImportedCase, WitImportError> {
    let mut resolve = Resolve {
        all_features: true,
        ..Resolve::default()
    };
    let package = resolve.push_str("test.wit", text).unwrap_or_else(|e| {
        panic!(
            "test WIT does not parse: {}\n{text}",
            resolve.render_error(&e)
        )
    });
    import_package(&resolve, package, Path::new("test.wit"))
}

/// Print, resolve, import, print again.
fn round_trip(world: &CaseWorld) -> (String, ImportedCase) {
    let text = wit_text::echo_package(world);
    let (resolve, world_id) =
        wit_text::resolve_echo(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let package = resolve.worlds[world_id].package.unwrap();
    // An echo package with guest resources only reads back as one.
    let echo = world.has_guest_resources();
    let imported = super::import(&resolve, package, Path::new("witness-case.wit"), echo)
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
    (text, imported)
}

/// The importer gives back exactly the generated world (so the echo
/// package prints identically), for swarm worlds, worlds with the proposal
/// types, worlds with resources, and extreme worlds.
#[test]
fn printed_worlds_import_back_to_themselves() {
    let proposals = Config {
        fixed_length_lists: true,
        maps: true,
        ..Config::default()
    };
    for n in 0..1_000u64 {
        let bytes = seed::bytes(n, &[0xB0B], 4096);
        let mut u = Unstructured::new(&bytes);
        let mut config = Config::arbitrary(&mut u).unwrap();
        if n % 4 == 0 {
            config = proposals.clone();
        }
        // Resources, their members and handles, every other world.
        config.resources = n % 2 == 1;
        let world = smith::smith(&config, &mut u).unwrap();
        let (text, imported) = round_trip(&world);
        assert!(
            imported.skipped.is_empty(),
            "seed {n}: {:?}",
            imported.skipped
        );
        let again = wit_text::echo_package(&imported.world);
        assert_eq!(text, again, "seed {n}: the round trip changed the text");
        assert_eq!(world, imported.world, "seed {n}");
    }
    for n in 0..4u64 {
        let bytes = seed::bytes(n, &[0xB1B], 256 * 1024);
        let world = smith::smith(&Config::extremes(), &mut Unstructured::new(&bytes)).unwrap();
        let (text, imported) = round_trip(&world);
        assert_eq!(
            text,
            wit_text::echo_package(&imported.world),
            "extreme seed {n}"
        );
    }
}

/// The round-trip comparison notices a difference: a type no function uses
/// is not part of an imported case, so a world with one does not come back
/// the same.
#[test]
fn round_trip_notices_a_changed_world() {
    let mut world = CaseWorld {
        types: vec![TypeDef {
            name: "color".into(),
            kind: Kind::Enum(vec!["red".into()]),
        }],
        funcs: vec![Func {
            name: "paint".into(),
            params: vec![Param {
                name: "c".into(),
                ty: Ty::Named(0),
            }],
            result: None,
        }],
    };
    let (text, imported) = round_trip(&world);
    assert_eq!(text, wit_text::echo_package(&imported.world));
    world.types.push(TypeDef {
        name: "unused".into(),
        kind: Kind::Flags(vec!["a".into()]),
    });
    let (text, imported) = round_trip(&world);
    assert_ne!(text, wit_text::echo_package(&imported.world));
}

const PLUGIN: &str = r#"
package demo:plugin@1.0.0;

interface store {
    // `entry` uses `key`, defined after it.
    record entry { key: key, value: list<u8> }
    type key = string;
    type keys = list<key>;
    enum error { missing, denied }

    get: func(k: key) -> result<entry, error>;
    all: func() -> keys;
}

interface log {
    use store.{error as store-error};
    record error { code: u32 }
    resource sink {
        constructor(name: string);
        write: func(line: string);
        open: static func(name: string) -> sink;
    }
    get: func(level: u8) -> option<error>;
    flush: func(s: borrow<sink>);
    fail: func() -> store-error;
}

world plugin {
    import store;
    export log;
    import now: func() -> u64;
    export run: func(args: list<string>) -> result<_, string>;
}
"#;

#[test]
fn plugin_wit_imports_every_value_function() {
    let case = import_text(PLUGIN).unwrap();
    let w = &case.world;
    let names: Vec<&str> = w.types.iter().map(|t| t.name.as_str()).collect();
    // Types come in wit-parser's (dependency) order: `key` before `entry`,
    // which uses it. The two `error`s clash and get their interface as a
    // prefix; log's `use store.{error as store-error}` is seen through to
    // store's `error`, so it is the same type, not a third one.
    assert_eq!(
        names,
        ["key", "entry", "keys", "store-error", "log-error", "sink"]
    );
    assert!(matches!(&w.types[1].kind, Kind::Record(f) if f[0].ty == Ty::Named(0)));
    assert_eq!(w.types[0].kind, Kind::Alias(Ty::String));
    assert_eq!(
        w.types[2].kind,
        Kind::Alias(Ty::List(Box::new(Ty::Named(0))))
    );
    let funcs: Vec<&str> = w.funcs.iter().map(|f| f.name.as_str()).collect();
    // `get` clashes too; `fail` returns the store's `error` via the `use`.
    // The members of `sink` are echoed by functions of their own, after the
    // freestanding ones.
    assert_eq!(
        funcs,
        [
            "store-get",
            "all",
            "log-get",
            "flush",
            "fail",
            "now",
            "run",
            "sink-constructor",
            "sink-write",
            "sink-open"
        ]
    );
    assert_eq!(w.funcs[4].result, Some(Ty::Named(3)));
    assert_eq!(w.funcs[3].params[0].ty, Ty::Borrow(5));
    let Kind::Resource(members) = &w.types[5].kind else {
        panic!("{:?}", w.types[5])
    };
    let members: Vec<(ty::MemberKind, &str, &str)> = members
        .iter()
        .map(|m| (m.kind, m.name.as_str(), m.echo.as_str()))
        .collect();
    assert_eq!(
        members,
        [
            (
                ty::MemberKind::Constructor,
                "constructor",
                "sink-constructor"
            ),
            (ty::MemberKind::Method, "write", "sink-write"),
            (ty::MemberKind::Static, "open", "sink-open"),
        ]
    );
    // A method's echo takes the receiver first; the constructor's returns
    // the new resource.
    assert_eq!(w.funcs[8].params[0].ty, Ty::Borrow(5));
    assert_eq!(w.funcs[7].result, Some(Ty::Own(5)));
    assert!(case.skipped.is_empty(), "{:?}", case.skipped);
    // Deterministic, and a valid echo package that imports back the same.
    assert_eq!(import_text(PLUGIN).unwrap(), case);
    let (text, again) = round_trip(w);
    assert_eq!(text, wit_text::echo_package(&again.world));
}

#[test]
fn unsupported_types_are_skipped_with_reasons() {
    let text = r#"
package demo:odd;

interface odd {
    resource r;
    record holds { h: r }
    a: func(x: holds);
    b: func() -> future<u8>;
    c: func(s: stream<string>);
    d: func(e: error-context);
    e: async func();
    f: func(x: u8) -> u8;
}
"#;
    let case = import_text(text).unwrap();
    let reasons: Vec<&str> = case.skipped.iter().map(|s| s.reason.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "uses a `future` (not supported yet)",
            "uses a `stream` (not supported yet)",
            "uses `error-context` (not supported yet)",
            "an `async` function (async is not supported yet)",
        ]
    );
    // `a` (a record holding an `own<r>`) and `f` are echoed.
    assert_eq!(case.world.funcs.len(), 2);
    assert_eq!(case.world.types.len(), 2, "{:?}", case.world.types);
}

#[test]
fn identical_functions_are_kept_once_and_different_ones_renamed() {
    let text = r#"
package demo:twice;

interface a { ping: func(x: u8) -> u8; }
interface b { ping: func(x: u8) -> u8; }
interface c { ping: func(x: u16) -> u8; }
world w { import ping: func(x: u8) -> u8; export a; }
"#;
    let case = import_text(text).unwrap();
    let funcs: Vec<&str> = case.world.funcs.iter().map(|f| f.name.as_str()).collect();
    // `a.ping`, `b.ping` and the world's `ping` are one signature; `c.ping`
    // differs, so the two left clash and are prefixed.
    assert_eq!(funcs, ["a-ping", "c-ping"]);
}

#[test]
fn clashes_left_after_prefixing_get_a_suffix() {
    let mut a = "x".to_string();
    let mut b = "x".to_string();
    let mut c = "s-x".to_string();
    let mut d = "Y".to_string();
    let mut e = "y".to_string();
    let s = "s".to_string();
    let t = "t".to_string();
    disambiguate(
        vec![&mut a, &mut b, &mut c, &mut d, &mut e],
        &[&s, &s, &t, &s, &t],
    );
    assert_eq!([a, b, c, d, e], ["s-x", "s-x-v2", "s-x-v3", "s-Y", "t-y"]);
}

#[test]
fn errors_are_clear() {
    let err = import_wit(Path::new("does/not/exist.wit")).unwrap_err();
    assert!(matches!(err, WitImportError::NotFound { .. }));
    assert!(
        err.to_string()
            .contains("`does/not/exist.wit` does not exist"),
        "{err}"
    );

    let err = import_text("package demo:empty;\ninterface i { type t = u8; }\n").unwrap_err();
    assert!(matches!(err, WitImportError::NoFunctions { .. }), "{err}");

    let only_resources = "package demo:res;\ninterface i { resource r { m: async func(); } }\n";
    let err = import_text(only_resources).unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(err, WitImportError::NoUsableFunction { .. }),
        "{err}"
    );
    assert!(
        message.contains("  - demo:res/i.[method]r.m: an `async` method of resource `r`"),
        "{message}"
    );
}

/// wit-parser already rejects 33 flags; the importer's own check guards the
/// case world against a `Resolve` from elsewhere (here: edited by hand).
#[test]
fn more_than_32_flags_is_an_error_not_a_panic() {
    let text = "package demo:bits;\ninterface i {\n  flags f { a }\n  set: func(x: f);\n}\n";
    let mut resolve = Resolve::default();
    let package = resolve.push_str("flags.wit", text).unwrap();
    import_package(&resolve, package, Path::new("flags.wit")).unwrap();
    let id = resolve.interfaces.iter().next().unwrap().1.types["f"];
    let TypeDefKind::Flags(flags) = &mut resolve.types[id].kind else {
        panic!()
    };
    let first = flags.flags[0].clone();
    for i in 0..32 {
        flags.flags.push(wit_parser::Flag {
            name: format!("f{i}"),
            ..first.clone()
        });
    }
    let err = import_package(&resolve, package, Path::new("flags.wit")).unwrap_err();
    assert!(
        matches!(err, WitImportError::FlagsCount { count: 33, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("allows 1 to 32"), "{err}");
}

#[test]
fn aliases_are_kept_and_uses_seen_through() {
    let text = r#"
package demo:alias;

interface base {
    record point { x: f32 }
    type pt = point;
}
interface user {
    use base.{pt, point as p};
    type mine = p;
    move: func(a: pt, b: mine, c: p) -> tuple<pt, option<mine>>;
}
"#;
    let case = import_text(text).unwrap();
    let w = &case.world;
    assert_eq!(
        w.types,
        [
            TypeDef {
                name: "point".into(),
                kind: Kind::Record(vec![Field {
                    name: "x".into(),
                    ty: Ty::F32
                }])
            },
            TypeDef {
                name: "pt".into(),
                kind: Kind::Alias(Ty::Named(0))
            },
            TypeDef {
                name: "mine".into(),
                kind: Kind::Alias(Ty::Named(0))
            },
        ]
    );
    let params: Vec<&Ty> = w.funcs[0].params.iter().map(|p| &p.ty).collect();
    assert_eq!(params, [&Ty::Named(1), &Ty::Named(2), &Ty::Named(0)]);
}

#[test]
fn echo_case_reads_back_a_printed_world() {
    let bytes = seed::bytes(5, &[0xEC], 4096);
    let mut u = Unstructured::new(&bytes);
    let config = Config::arbitrary(&mut u).unwrap();
    let world = smith::smith(&config, &mut u).unwrap();
    assert_eq!(echo_case(&wit_text::echo_package(&world)).unwrap(), world);

    let not_echo = "package other:thing;\ninterface api { f: func(); }\n";
    let err = echo_case(not_echo).unwrap_err();
    assert!(
        matches!(
            err,
            WitImportError::EchoText(WitTextError::NoEchoWorld { .. })
        ),
        "{err}"
    );
    let broken = wit_text::echo_package(&world).replace("interface api {", "interface api");
    let err = echo_case(&broken).unwrap_err();
    assert!(
        matches!(err, WitImportError::EchoText(WitTextError::Resolve { .. })),
        "{err}"
    );
}

/// Items behind `@unstable` feature gates are imported too: the echo case
/// tests their signatures whether or not a host enables the feature.
#[test]
fn feature_gated_functions_are_imported() {
    let text = r#"
package demo:gated@1.0.0;

interface api {
    @since(version = 1.0.0)
    stable: func(x: u8);
    @unstable(feature = shiny)
    shiny: func(x: string) -> string;
}
"#;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gated.wit");
    std::fs::write(&path, text).unwrap();
    let case = import_wit(&path).unwrap();
    let names: Vec<&str> = case.world.funcs.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["stable", "shiny"]);
}

/// An echo package with guest resources (defined in `api`, their handles
/// ids in `upstream`) reads back as the world it was printed from.
#[test]
fn echo_packages_with_guest_resources_read_back_to_themselves() {
    let mut with_guest = 0;
    for n in 0..500u64 {
        let bytes = seed::bytes(n, &[0xB2B], 4096);
        let mut u = Unstructured::new(&bytes);
        let mut config = Config::arbitrary(&mut u).unwrap();
        config.resources = true;
        config.guest_resources = true;
        let world = smith::smith(&config, &mut u).unwrap();
        with_guest += usize::from(world.has_guest_resources());
        let text = wit_text::echo_package(&world);
        let back = super::echo_case(&text).unwrap_or_else(|e| panic!("seed {n}: {e}\n{text}"));
        assert_eq!(
            text,
            wit_text::echo_package(&back),
            "seed {n}: the text changed"
        );
        assert_eq!(world, back, "seed {n}");
    }
    assert!(with_guest > 150, "{with_guest}");
}
