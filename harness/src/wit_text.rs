//! The echo package: a [`CaseWorld`] printed as WIT text, and that text
//! parsed back with wit-parser.
//!
//! An echo case is one WIT package, [`PACKAGE`], holding three interfaces
//! and one world:
//!
//! ```wit
//! package witness:case;
//!
//! interface types { /* every named type, in index order */ }
//! interface api { use types.{..}; /* the functions */ }
//! interface upstream { use types.{..}; /* the same functions */ }
//!
//! world echo {
//!   import upstream;
//!   export api;
//! }
//! ```
//!
//! A guest exports `api` and forwards every call to the host through
//! `upstream`; the host compares what went in with what came out. A
//! resource of `types` is defined by the host; each of its members is echoed
//! by an `api` function of its own that is not in `upstream` (the guest
//! calls the member instead, see [`crate::ty::Member`]):
//!
//! ```wit
//! interface types { resource file { read: func(n: u32) -> list<u8>; } }
//! interface api { use types.{file}; file-read: func(self: borrow<file>, n: u32) -> list<u8>; }
//! ```
//!
//! A resource the guest defines is written in `api`, with its members; in
//! `upstream` each member is a function of its echo's name whose handles of
//! guest resources are ids (`u32`), and each guest resource has a
//! destructor function the guest calls with the id (see
//! [`crate::ty::TypeDefKind::GuestResource`]):
//!
//! ```wit
//! interface api { resource conn { constructor(url: string); send: func(b: list<u8>) -> u32; } }
//! interface upstream {
//!   conn-constructor: func(url: string) -> u32;
//!   conn-send: func(receiver: u32, b: list<u8>) -> u32;
//!   conn-destructor: func(id: u32);
//! }
//! ```
//!
//! The text
//! is deterministic (the same world always prints the same bytes) and meant
//! to be read by people: reports and reproducers show it as is.

use std::fmt::Write as _;

use crate::ty::{CaseWorld, Func, Member, MemberKind, Ty, TypeDefKind, TypeIndex};

/// The package every echo case lives in.
pub const PACKAGE: &str = "witness:case";
/// The world of an echo case.
pub const WORLD: &str = "echo";
/// The interface the guest exports.
pub const API: &str = "witness:case/api";
/// The interface the guest imports (the same signatures as [`API`]).
pub const UPSTREAM: &str = "witness:case/upstream";
/// The interface holding every named type.
pub const TYPES: &str = "witness:case/types";

/// The file name wit-parser reports in errors about echo text.
const SOURCE_NAME: &str = "witness-case.wit";

/// Words the WIT lexer reads as keywords; an identifier spelled like one of
/// them must be written with a leading `%`. This is the keyword table of
/// wit-parser 0.262's lexer (`ast/lex.rs`).
pub const WIT_KEYWORDS: &[&str] = &[
    "use",
    "type",
    "func",
    "u8",
    "u16",
    "u32",
    "u64",
    "s8",
    "s16",
    "s32",
    "s64",
    "f32",
    "f64",
    "char",
    "resource",
    "own",
    "borrow",
    "record",
    "flags",
    "variant",
    "enum",
    "bool",
    "string",
    "option",
    "result",
    "future",
    "stream",
    "error-context",
    "list",
    "map",
    "_",
    "as",
    "from",
    "static",
    "interface",
    "tuple",
    "world",
    "import",
    "export",
    "package",
    "constructor",
    "include",
    "with",
    "async",
];

/// Errors from reading echo text back with wit-parser.
#[derive(Debug, thiserror::Error)]
pub enum WitTextError {
    /// wit-parser rejected the text; `message` is its rendered error, which
    /// points at `witness-case.wit:LINE:COL`.
    #[error(
        "the echo package does not resolve: {message}\n\
         This text was printed by witness itself, so this is a bug in the printer \
         (or a type the pinned wit-parser does not accept); please report it with the text."
    )]
    Resolve { message: String },
    /// The text resolved but has no `world echo` in package `witness:case`.
    #[error(
        "the WIT text resolved but has no world `{WORLD}` in package `{PACKAGE}`: {message}\n\
         An echo package must declare `package {PACKAGE};` and `world {WORLD} {{ .. }}`."
    )]
    NoEchoWorld { message: String },
    /// wit-component could not encode the world's type component.
    #[error("the echo package could not be encoded as a component: {message}")]
    Encode { message: String },
}

/// `name` as a WIT identifier: `%name` when it is spelled like a WIT keyword,
/// unchanged otherwise.
pub fn escape_ident(name: &str) -> String {
    if WIT_KEYWORDS.contains(&name) {
        format!("%{name}")
    } else {
        name.to_string()
    }
}

/// `ty` in WIT syntax, named types by their (escaped) names:
/// `list<tuple<u8, foo>>`.
pub fn ty_to_wit(world: &CaseWorld, ty: &Ty) -> String {
    let mut out = String::new();
    write_ty(&mut out, world, ty, Side::Api);
    out
}

/// Which interface a type is written for: in `upstream` a handle of a
/// guest resource is its id, a `u32`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Api,
    Upstream,
}

fn ty_text(world: &CaseWorld, ty: &Ty, side: Side) -> String {
    let mut out = String::new();
    write_ty(&mut out, world, ty, side);
    out
}

fn write_ty(out: &mut String, world: &CaseWorld, ty: &Ty, side: Side) {
    let write_ty = |out: &mut String, world: &CaseWorld, ty: &Ty| write_ty(out, world, ty, side);
    if let Ty::Own(i) | Ty::Borrow(i) = ty
        && side == Side::Upstream
        && world.is_guest_resource(*i)
    {
        out.push_str("u32");
        return;
    }
    let simple = match ty {
        Ty::Bool => "bool",
        Ty::S8 => "s8",
        Ty::S16 => "s16",
        Ty::S32 => "s32",
        Ty::S64 => "s64",
        Ty::U8 => "u8",
        Ty::U16 => "u16",
        Ty::U32 => "u32",
        Ty::U64 => "u64",
        Ty::F32 => "f32",
        Ty::F64 => "f64",
        Ty::Char => "char",
        Ty::String => "string",
        Ty::List(elem) => {
            out.push_str("list<");
            write_ty(out, world, elem);
            out.push('>');
            return;
        }
        Ty::FixedList(elem, len) => {
            out.push_str("list<");
            write_ty(out, world, elem);
            let _ = write!(out, ", {len}>");
            return;
        }
        Ty::Map(key, value) => {
            out.push_str("map<");
            write_ty(out, world, key);
            out.push_str(", ");
            write_ty(out, world, value);
            out.push('>');
            return;
        }
        Ty::Tuple(elems) => {
            out.push_str("tuple<");
            for (i, elem) in elems.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_ty(out, world, elem);
            }
            out.push('>');
            return;
        }
        Ty::Option(inner) => {
            out.push_str("option<");
            write_ty(out, world, inner);
            out.push('>');
            return;
        }
        Ty::Result { ok, err } => {
            out.push_str("result");
            match (ok, err) {
                (None, None) => {}
                (Some(ok), None) => {
                    out.push('<');
                    write_ty(out, world, ok);
                    out.push('>');
                }
                (None, Some(err)) => {
                    out.push_str("<_, ");
                    write_ty(out, world, err);
                    out.push('>');
                }
                (Some(ok), Some(err)) => {
                    out.push('<');
                    write_ty(out, world, ok);
                    out.push_str(", ");
                    write_ty(out, world, err);
                    out.push('>');
                }
            }
            return;
        }
        Ty::Named(index) | Ty::Own(index) => {
            out.push_str(&escape_ident(&world.def(*index).name));
            return;
        }
        Ty::Borrow(index) => {
            let _ = write!(out, "borrow<{}>", escape_ident(&world.def(*index).name));
            return;
        }
    };
    out.push_str(simple);
}

/// The echo package of `world` as WIT text (see the module docs). The same
/// world always gives the same text.
pub fn echo_package(world: &CaseWorld) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "package {PACKAGE};");
    out.push('\n');
    write_types_interface(&mut out, world);
    out.push('\n');
    write_func_interface(
        &mut out,
        world,
        Side::Api,
        &world.api_funcs().collect::<Vec<_>>(),
    );
    out.push('\n');
    write_func_interface(
        &mut out,
        world,
        Side::Upstream,
        &world.upstream_funcs().collect::<Vec<_>>(),
    );
    out.push('\n');
    let _ = writeln!(out, "world {WORLD} {{");
    out.push_str("  import upstream;\n");
    out.push_str("  export api;\n");
    out.push_str("}\n");
    out
}

fn write_types_interface(out: &mut String, world: &CaseWorld) {
    let printed: Vec<usize> = (0..world.types.len())
        .filter(|&i| !world.is_guest_resource(i))
        .collect();
    if printed.is_empty() {
        out.push_str("interface types {}\n");
        return;
    }
    out.push_str("interface types {\n");
    for (n, &i) in printed.iter().enumerate() {
        let def = &world.types[i];
        if n > 0 {
            out.push('\n');
        }
        let name = escape_ident(&def.name);
        match &def.kind {
            TypeDefKind::Record(fields) => {
                let _ = writeln!(out, "  record {name} {{");
                for field in fields {
                    let _ = writeln!(
                        out,
                        "    {}: {},",
                        escape_ident(&field.name),
                        ty_to_wit(world, &field.ty)
                    );
                }
                out.push_str("  }\n");
            }
            TypeDefKind::Variant(cases) => {
                let _ = writeln!(out, "  variant {name} {{");
                for case in cases {
                    match &case.ty {
                        Some(ty) => {
                            let _ = writeln!(
                                out,
                                "    {}({}),",
                                escape_ident(&case.name),
                                ty_to_wit(world, ty)
                            );
                        }
                        None => {
                            let _ = writeln!(out, "    {},", escape_ident(&case.name));
                        }
                    }
                }
                out.push_str("  }\n");
            }
            TypeDefKind::Enum(cases) => {
                let _ = writeln!(out, "  enum {name} {{");
                for case in cases {
                    let _ = writeln!(out, "    {},", escape_ident(case));
                }
                out.push_str("  }\n");
            }
            TypeDefKind::Flags(flags) => {
                let _ = writeln!(out, "  flags {name} {{");
                for flag in flags {
                    let _ = writeln!(out, "    {},", escape_ident(flag));
                }
                out.push_str("  }\n");
            }
            TypeDefKind::Alias(ty) => {
                let _ = writeln!(out, "  type {name} = {};", ty_to_wit(world, ty));
            }
            TypeDefKind::Resource(_) => write_resource(out, world, i),
            TypeDefKind::GuestResource(_) => {}
        }
    }
    out.push_str("}\n");
}

/// A resource with its members (indented for an interface), written in
/// `types` for a host resource and in `api` for a guest one.
fn write_resource(out: &mut String, world: &CaseWorld, i: TypeIndex) {
    let name = escape_ident(&world.def(i).name);
    let members = world.members(i);
    if members.is_empty() {
        let _ = writeln!(out, "  resource {name};");
        return;
    }
    let _ = writeln!(out, "  resource {name} {{");
    for (member, func) in members {
        let member_name = escape_ident(&member.name);
        let _ = match member.kind {
            MemberKind::Constructor => {
                writeln!(
                    out,
                    "    constructor{};",
                    params_to_wit(world, &func.params, Side::Api)
                )
            }
            MemberKind::Method => writeln!(
                out,
                "    {member_name}: func{}{};",
                params_to_wit(world, &func.params[1..], Side::Api),
                result_to_wit(world, func, Side::Api)
            ),
            MemberKind::Static => writeln!(
                out,
                "    {member_name}: static func{}{};",
                params_to_wit(world, &func.params, Side::Api),
                result_to_wit(world, func, Side::Api)
            ),
        };
    }
    out.push_str("  }\n");
}

/// The named types of `types` the signatures of `funcs` mention directly
/// (written for `side`), in index order: what the interface must `use`.
fn used_by_signatures(world: &CaseWorld, funcs: &[&Func]) -> Vec<TypeIndex> {
    let mut used = Vec::new();
    for func in funcs {
        for param in &func.params {
            CaseWorld::direct_names(&param.ty, &mut used);
        }
        if let Some(result) = &func.result {
            CaseWorld::direct_names(result, &mut used);
        }
    }
    // A guest resource is `api`'s own; in `upstream` its handles are ids.
    used.retain(|&i| !world.is_guest_resource(i));
    used.sort_unstable();
    used
}

/// `api` (its guest resources, then its functions) or `upstream` (its
/// functions, then the destructors of the guest resources).
fn write_func_interface(out: &mut String, world: &CaseWorld, side: Side, funcs: &[&Func]) {
    let iface = match side {
        Side::Api => "api",
        Side::Upstream => "upstream",
    };
    let guest_resources: Vec<TypeIndex> = world.guest_resources().collect();
    if funcs.is_empty() && guest_resources.is_empty() {
        let _ = writeln!(out, "interface {iface} {{}}");
        return;
    }
    let _ = writeln!(out, "interface {iface} {{");
    let mut signatures: Vec<&Func> = funcs.to_vec();
    if side == Side::Api {
        for &g in &guest_resources {
            signatures.extend(world.members(g).into_iter().map(|(_, f)| f));
        }
    }
    let used = used_by_signatures(world, &signatures);
    if !used.is_empty() {
        let names: Vec<String> = used
            .iter()
            .map(|&i| escape_ident(&world.def(i).name))
            .collect();
        let _ = writeln!(out, "  use types.{{{}}};", names.join(", "));
        out.push('\n');
    }
    if side == Side::Api {
        for &g in &guest_resources {
            write_resource(out, world, g);
        }
    }
    for func in funcs {
        let _ = writeln!(out, "  {}", func_to_wit(world, func, side));
    }
    if side == Side::Upstream {
        for &g in &guest_resources {
            let _ = writeln!(
                out,
                "  {}: func(id: u32);",
                escape_ident(&Member::destructor_name(&world.def(g).name))
            );
        }
    }
    out.push_str("}\n");
}

/// One function declaration: `name: func(a: u8, b: foo) -> string;`.
fn func_to_wit(world: &CaseWorld, func: &Func, side: Side) -> String {
    format!(
        "{}: func{}{};",
        escape_ident(&func.name),
        params_to_wit(world, &func.params, side),
        result_to_wit(world, func, side)
    )
}

/// ` -> T` for a function with a result, nothing for one without.
fn result_to_wit(world: &CaseWorld, func: &Func, side: Side) -> String {
    func.result
        .as_ref()
        .map_or_else(String::new, |r| format!(" -> {}", ty_text(world, r, side)))
}

/// `(a: u8, b: foo)`.
fn params_to_wit(world: &CaseWorld, params: &[crate::ty::Param], side: Side) -> String {
    let mut out = String::from("(");
    for (i, param) in params.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(
            out,
            "{}: {}",
            escape_ident(&param.name),
            ty_text(world, &param.ty, side)
        );
    }
    out.push(')');
    out
}

/// Parses echo text (as printed by [`echo_package`]) with wit-parser and
/// returns the resolved packages with the id of `world echo`.
///
/// The pinned wit-parser accepts every type the printer can write (including
/// `list<T, N>` and `map<K, V>`) without feature gates, so no feature is
/// turned on here; the wasm-level gates for those two types are the
/// validator's and wasmtime's business.
pub fn resolve_echo(
    text: &str,
) -> Result<(wit_parser::Resolve, wit_parser::WorldId), WitTextError> {
    let mut resolve = wit_parser::Resolve::default();
    let package = resolve
        .push_str(SOURCE_NAME, text)
        .map_err(|e| WitTextError::Resolve {
            message: resolve.render_error(&e),
        })?;
    let world =
        resolve
            .select_world(&[package], Some(WORLD))
            .map_err(|e| WitTextError::NoEchoWorld {
                message: format!("{e:#}"),
            })?;
    if resolve.packages[package].name.to_string() != PACKAGE {
        return Err(WitTextError::NoEchoWorld {
            message: format!("the package is `{}`", resolve.packages[package].name),
        });
    }
    Ok((resolve, world))
}

/// The component of `world`'s echo package around wit-component's dummy
/// core module (every export traps): it carries exactly the types and
/// functions of the world, for reading values against them without
/// building a guest.
pub fn type_component(world: &CaseWorld) -> Result<Vec<u8>, WitTextError> {
    let (resolve, world_id) = resolve_echo(&echo_package(world))?;
    let encode = |e: anyhow::Error| WitTextError::Encode {
        message: format!("{e:#}"),
    };
    let mut module =
        wit_component::dummy_module(&resolve, world_id, wit_parser::ManglingAndAbi::Standard32);
    wit_component::embed_component_metadata(
        &mut module,
        &resolve,
        world_id,
        wit_component::StringEncoding::UTF8,
        false,
    )
    .map_err(encode)?;
    wit_component::ComponentEncoder::default()
        .module(&module)
        .map_err(encode)?
        .validate(true)
        .encode()
        .map_err(encode)
}

/// Helpers for tests across the crate: encode an echo package as a real
/// component and validate it.
#[cfg(test)]
pub(crate) mod test_support {
    use wasmparser::{Validator, WasmFeatures};
    use wit_component::{ComponentEncoder, StringEncoding};
    use wit_parser::{ManglingAndAbi, Resolve, WorldId};

    use crate::ty::{CaseWorld, Ty, TypeDefKind};

    /// Whether `world` uses `list<T, N>` and `map<K, V>`.
    pub(crate) fn uses_proposals(world: &CaseWorld) -> (bool, bool) {
        fn walk(ty: &Ty, found: &mut (bool, bool)) {
            match ty {
                Ty::FixedList(t, _) => {
                    found.0 = true;
                    walk(t, found);
                }
                Ty::Map(k, v) => {
                    found.1 = true;
                    walk(k, found);
                    walk(v, found);
                }
                Ty::List(t) | Ty::Option(t) => walk(t, found),
                Ty::Tuple(ts) => ts.iter().for_each(|t| walk(t, found)),
                Ty::Result { ok, err } => ok.iter().chain(err).for_each(|t| walk(t, found)),
                _ => {}
            }
        }
        let mut found = (false, false);
        for def in &world.types {
            match &def.kind {
                TypeDefKind::Record(fs) => fs.iter().for_each(|f| walk(&f.ty, &mut found)),
                TypeDefKind::Variant(cs) => cs
                    .iter()
                    .filter_map(|c| c.ty.as_ref())
                    .for_each(|t| walk(t, &mut found)),
                TypeDefKind::Alias(t) => walk(t, &mut found),
                TypeDefKind::Enum(_)
                | TypeDefKind::Flags(_)
                | TypeDefKind::Resource(_)
                | TypeDefKind::GuestResource(_) => {}
            }
        }
        for f in &world.funcs {
            f.params
                .iter()
                .map(|p| &p.ty)
                .chain(&f.result)
                .for_each(|t| walk(t, &mut found));
        }
        found
    }

    /// A component for `world_id` whose core module is wit-component's dummy
    /// (every export traps): it carries the real type section and a
    /// `canon lift`/`canon lower` for every function.
    pub(crate) fn dummy_component(resolve: &Resolve, world_id: WorldId) -> anyhow::Result<Vec<u8>> {
        let mut module = wit_component::dummy_module(resolve, world_id, ManglingAndAbi::Standard32);
        wit_component::embed_component_metadata(
            &mut module,
            resolve,
            world_id,
            StringEncoding::UTF8,
            false,
        )?;
        ComponentEncoder::default()
            .module(&module)?
            .validate(true)
            .encode()
    }

    /// Validates `component` with the features of a default wasmtime 48
    /// engine (component model on, the map and fixed-length-list proposals
    /// off) plus the proposals named.
    pub(crate) fn validate(component: &[u8], fixed_lists: bool, maps: bool) -> anyhow::Result<()> {
        let mut features = WasmFeatures::default();
        features.set(WasmFeatures::CM_MAP, maps);
        features.set(WasmFeatures::CM_FIXED_LENGTH_LISTS, fixed_lists);
        Validator::new_with_features(features).validate_all(component)?;
        Ok(())
    }

    /// Encodes the echo package of `world` (already resolved) as a dummy
    /// component and validates it with exactly the proposals it uses.
    pub(crate) fn encode_echo_component(
        resolve: &Resolve,
        world_id: WorldId,
        world: &CaseWorld,
    ) -> anyhow::Result<()> {
        let component = dummy_component(resolve, world_id)?;
        let (fixed_lists, maps) = uses_proposals(world);
        validate(&component, fixed_lists, maps)
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{dummy_component, validate};
    use super::*;
    use crate::ty::{Case, Field, Param, TypeDef};

    fn sample_world() -> CaseWorld {
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
                            name: "type".into(),
                            ty: Ty::F64,
                        },
                    ]),
                },
                TypeDef {
                    name: "shape".into(),
                    kind: TypeDefKind::Variant(vec![
                        Case {
                            name: "circle".into(),
                            ty: Some(Ty::Named(0)),
                        },
                        Case {
                            name: "none".into(),
                            ty: None,
                        },
                    ]),
                },
                TypeDef {
                    name: "color".into(),
                    kind: TypeDefKind::Enum(vec!["red".into(), "string".into()]),
                },
                TypeDef {
                    name: "perms".into(),
                    kind: TypeDefKind::Flags(vec!["read".into(), "write".into()]),
                },
                TypeDef {
                    name: "list".into(),
                    kind: TypeDefKind::Alias(Ty::Named(1)),
                },
            ],
            funcs: vec![
                Func {
                    name: "area".into(),
                    params: vec![
                        Param {
                            name: "s".into(),
                            ty: Ty::Named(4),
                        },
                        Param {
                            name: "func".into(),
                            ty: Ty::List(Box::new(Ty::Named(3))),
                        },
                    ],
                    result: Some(Ty::Result {
                        ok: Some(Box::new(Ty::F64)),
                        err: None,
                    }),
                },
                Func {
                    name: "ping".into(),
                    params: vec![],
                    result: None,
                },
            ],
        }
    }

    #[test]
    fn keywords_are_escaped_and_other_names_are_not() {
        assert_eq!(escape_ident("type"), "%type");
        assert_eq!(escape_ident("error-context"), "%error-context");
        assert_eq!(escape_ident("point"), "point");
        assert_eq!(escape_ident("self"), "self");
        assert_eq!(escape_ident("types"), "types");
    }

    /// Every WIT keyword, used as every kind of name, resolves once escaped,
    /// and the same text without the escapes does not.
    #[test]
    fn every_wit_keyword_works_as_every_kind_of_name() {
        let keywords: Vec<&str> = WIT_KEYWORDS.iter().copied().filter(|k| *k != "_").collect();
        let names = |prefix: &str| -> Vec<String> {
            keywords.iter().map(|k| format!("{prefix}{k}")).collect()
        };
        let _ = names;
        let mut world = CaseWorld::default();
        for (i, kw) in keywords.iter().enumerate() {
            let kind = match i % 4 {
                0 => TypeDefKind::Record(
                    keywords
                        .iter()
                        .map(|k| Field {
                            name: k.to_string(),
                            ty: Ty::U8,
                        })
                        .collect(),
                ),
                1 => TypeDefKind::Variant(
                    keywords
                        .iter()
                        .map(|k| Case {
                            name: k.to_string(),
                            ty: None,
                        })
                        .collect(),
                ),
                2 => TypeDefKind::Enum(keywords.iter().map(|k| k.to_string()).collect()),
                _ => TypeDefKind::Flags(keywords.iter().take(32).map(|k| k.to_string()).collect()),
            };
            world.types.push(TypeDef {
                name: kw.to_string(),
                kind,
            });
        }
        // Functions named after keywords, with keyword parameters, using
        // every type.
        let params: Vec<Param> = keywords
            .iter()
            .zip(0..world.types.len())
            .map(|(k, i)| Param {
                name: k.to_string(),
                ty: Ty::Named(i),
            })
            .collect();
        world.funcs.push(Func {
            name: "run".into(),
            params,
            result: None,
        });
        // Function names must not clash with the type names, so use keywords
        // escaped only as functions of a second world.
        let text = echo_package(&world);
        let (resolve, _) = resolve_echo(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let types = resolve
            .interfaces
            .iter()
            .find(|(_, i)| i.name.as_deref() == Some("types"))
            .unwrap()
            .1;
        for kw in &keywords {
            assert!(types.types.contains_key(*kw), "type `{kw}` missing");
        }
        let unescaped = text.replace('%', "");
        assert!(
            resolve_echo(&unescaped).is_err(),
            "keywords parse without %"
        );

        let mut funcs_world = CaseWorld::default();
        for kw in &keywords {
            funcs_world.funcs.push(Func {
                name: kw.to_string(),
                params: vec![Param {
                    name: kw.to_string(),
                    ty: Ty::Bool,
                }],
                result: None,
            });
        }
        let text = echo_package(&funcs_world);
        let (resolve, _) = resolve_echo(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let api = resolve
            .interfaces
            .iter()
            .find(|(_, i)| i.name.as_deref() == Some("api"))
            .unwrap()
            .1;
        assert_eq!(api.functions.len(), keywords.len());
    }

    #[test]
    fn types_print_in_wit_syntax() {
        let world = sample_world();
        let t = |ty: Ty| ty_to_wit(&world, &ty);
        assert_eq!(
            t(Ty::List(Box::new(Ty::Tuple(vec![Ty::U8, Ty::Named(0)])))),
            "list<tuple<u8, point>>"
        );
        assert_eq!(
            t(Ty::Result {
                ok: None,
                err: None
            }),
            "result"
        );
        assert_eq!(
            t(Ty::Result {
                ok: Some(Box::new(Ty::S8)),
                err: None
            }),
            "result<s8>"
        );
        assert_eq!(
            t(Ty::Result {
                ok: None,
                err: Some(Box::new(Ty::Char))
            }),
            "result<_, char>"
        );
        assert_eq!(
            t(Ty::Result {
                ok: Some(Box::new(Ty::String)),
                err: Some(Box::new(Ty::Named(4)))
            }),
            "result<string, %list>"
        );
        assert_eq!(t(Ty::Option(Box::new(Ty::F32))), "option<f32>");
        assert_eq!(t(Ty::FixedList(Box::new(Ty::U16), 4)), "list<u16, 4>");
        assert_eq!(
            t(Ty::Map(Box::new(Ty::String), Box::new(Ty::U64))),
            "map<string, u64>"
        );
    }

    #[test]
    fn echo_package_resolves_to_the_echo_protocol() {
        let world = sample_world();
        let text = echo_package(&world);
        assert_eq!(
            text,
            echo_package(&world.clone()),
            "printing is deterministic"
        );
        let (resolve, world_id) = resolve_echo(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let echo = &resolve.worlds[world_id];
        assert_eq!(echo.name, WORLD);
        let keys = |items: &wit_parser::IndexMap<wit_parser::WorldKey, wit_parser::WorldItem>| {
            items
                .keys()
                .map(|k| resolve.name_world_key(k))
                .collect::<Vec<_>>()
        };
        assert_eq!(keys(&echo.exports), vec![API.to_string()]);
        // `types` comes along as an import because both interfaces use it.
        assert_eq!(
            keys(&echo.imports),
            vec![TYPES.to_string(), UPSTREAM.to_string()]
        );
        for name in ["api", "upstream"] {
            let iface = resolve
                .interfaces
                .iter()
                .find(|(_, i)| i.name.as_deref() == Some(name))
                .unwrap()
                .1;
            let funcs: Vec<&str> = iface.functions.keys().map(|s| s.as_str()).collect();
            assert_eq!(funcs, ["area", "ping"]);
            // Exactly the directly mentioned types are `use`d: `list` (an
            // alias) and `perms`, not `shape` or `point` behind them.
            let used: Vec<&str> = iface.types.keys().map(|s| s.as_str()).collect();
            assert_eq!(used, ["perms", "list"]);
        }
        validate(&dummy_component(&resolve, world_id).unwrap(), false, false).unwrap();
    }

    #[test]
    fn empty_world_prints_a_valid_package() {
        let text = echo_package(&CaseWorld::default());
        let (resolve, world_id) = resolve_echo(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        validate(&dummy_component(&resolve, world_id).unwrap(), false, false).unwrap();
    }

    #[test]
    fn bad_text_gives_errors_that_point_at_the_line() {
        let text = "package witness:case;\n\ninterface types {\n  record r { a: u9 }\n}\n";
        let err = resolve_echo(text).unwrap_err();
        assert!(matches!(err, WitTextError::Resolve { .. }));
        let message = err.to_string();
        assert!(message.contains("witness-case.wit:4:"), "{message}");

        let no_world = "package witness:case;\n\ninterface types {}\n";
        let err = resolve_echo(no_world).unwrap_err();
        assert!(matches!(err, WitTextError::NoEchoWorld { .. }), "{err}");

        let other_package = "package other:case;\n\nworld echo {}\n";
        let err = resolve_echo(other_package).unwrap_err();
        assert!(matches!(err, WitTextError::NoEchoWorld { .. }), "{err}");
    }

    /// The two proposal types: wit-parser 0.262 parses them without any
    /// feature, wasm-encoding works, but validation (and wasmtime 48) accept
    /// them only with their features on.
    #[test]
    fn fixed_length_lists_and_maps_need_their_wasm_features() {
        let world = CaseWorld {
            types: vec![],
            funcs: vec![
                Func {
                    name: "fixed".into(),
                    params: vec![Param {
                        name: "a".into(),
                        ty: Ty::FixedList(Box::new(Ty::U8), 3),
                    }],
                    result: None,
                },
                Func {
                    name: "map".into(),
                    params: vec![Param {
                        name: "m".into(),
                        ty: Ty::Map(Box::new(Ty::String), Box::new(Ty::U32)),
                    }],
                    result: Some(Ty::Map(Box::new(Ty::U8), Box::new(Ty::String))),
                },
            ],
        };
        let text = echo_package(&world);
        let (resolve, id) = resolve_echo(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let component = dummy_component(&resolve, id).unwrap();
        validate(&component, true, true).unwrap();
        let no_fixed = validate(&component, false, true).unwrap_err();
        assert!(
            format!("{no_fixed:?}").contains("fixed-length lists"),
            "{no_fixed:?}"
        );
        let no_map = validate(&component, true, false).unwrap_err();
        assert!(format!("{no_map:?}").contains("map"), "{no_map:?}");

        let engine = |fixed: bool, map: bool| {
            let mut config = wasmtime::Config::new();
            config.wasm_component_model_fixed_length_lists(fixed);
            config.wasm_component_model_map(map);
            wasmtime::Engine::new(&config).unwrap()
        };
        wasmtime::component::Component::new(&engine(true, true), &component)
            .expect("wasmtime 48 loads fixed-length lists and maps with both features");
        assert!(wasmtime::component::Component::new(&engine(false, true), &component).is_err());
        assert!(wasmtime::component::Component::new(&engine(true, false), &component).is_err());
    }
}
