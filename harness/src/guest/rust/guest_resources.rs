//! Resources the guest defines, in the Rust echo
//! ([`crate::ty::TypeDefKind::GuestResource`]): a struct per resource
//! holding the id the host gave it, whose `Drop` reports the id to
//! `upstream`; the members' bodies, forwarding to `upstream`; and the
//! expressions that turn a value holding the guest's resources into the
//! same value with their ids in their places, and back.

use super::{ImportSignatures, forward_args, param_names, param_types, rust_type_name};
use crate::guest::GuestSpec;
use crate::ty::{CaseWorld, Member, MemberKind, Ty, TypeIndex};
use heck::ToUpperCamelCase;

/// The Rust name of the struct that implements guest resource `name` (its
/// Rust type name).
pub(super) fn guest_struct(name: &str) -> String {
    format!("Witness{name}")
}

/// The struct of guest resource `g` (Rust type name `name`): the id the host
/// gave it, reported to `upstream` by its destructor (whose body an
/// override of the destructor's name replaces).
pub(super) fn guest_resource_struct(spec: &GuestSpec<'_>, g: TypeIndex, name: &str) -> String {
    let world = spec.world;
    let wit_name = Member::destructor_name(&world.def(g).name);
    let destructor = wit_bindgen_rust::to_rust_ident(&wit_name);
    let body = override_of(spec, &wit_name).map_or_else(
        || format!("crate::bindings::witness::case::upstream::{destructor}(self.id)"),
        str::to_string,
    );
    let s = guest_struct(name);
    format!(
        "\n/// Guest resource `{wit}`: the id the host gave it.\n\
         pub struct {s} {{ pub id: u32 }}\n\
         impl Drop for {s} {{\n    fn drop(&mut self) {{ {body} }}\n}}\n",
        wit = world.def(g).name
    )
}

/// The body an override gives the echo of `func` (a WIT name), if any.
fn override_of<'s>(spec: &'s GuestSpec<'_>, func: &str) -> Option<&'s str> {
    spec.overrides
        .iter()
        .find(|(f, _)| f == func)
        .map(|(_, body)| body.as_str())
}

/// `fn m(&self,b: T,) -> R{ unreachable!() }` of guest resource `g` becomes
/// the member's echo: `upstream.<g>-<m>(self.id, b)`; the constructor
/// keeps the id `upstream.<g>-constructor` answers.
pub(super) fn guest_member_fn(
    line: &str,
    spec: &GuestSpec<'_>,
    g: TypeIndex,
    imports: &ImportSignatures,
) -> Result<String, String> {
    let world = spec.world;
    let body_at = line
        .rfind("{ unreachable!() }")
        .ok_or_else(|| format!("unexpected stub line: {line}"))?;
    let signature = &line[..body_at];
    let name_end = signature
        .find('(')
        .ok_or_else(|| format!("unexpected stub line: {line}"))?;
    let name = signature["fn ".len()..name_end].trim();
    let (member, func) = world
        .members(g)
        .into_iter()
        .find(|(m, _)| match m.kind {
            MemberKind::Constructor => name == "new",
            _ => wit_bindgen_rust::to_rust_ident(&m.name) == name,
        })
        .ok_or_else(|| format!("the stub `{name}` is no member of `{}`", world.def(g).name))?;
    let echo = wit_bindgen_rust::to_rust_ident(&func.name);
    let mut params = param_names(&signature[name_end..]);
    let mut export_types = param_types(&signature[name_end..]);
    let import_types = imports
        .params
        .get(&("upstream".to_string(), echo.clone()))
        .cloned()
        .unwrap_or_default();
    let wit_params: Vec<&crate::ty::Param> = func.params.iter().collect();
    let receiver = member.kind == MemberKind::Method;
    if receiver {
        // `&self`: the receiver's id goes first.
        export_types.retain(|t| t != "&self");
        params.insert(0, String::new());
        export_types.insert(0, String::new());
    }
    let mut args = forward_args(world, &params, &wit_params, &export_types, &import_types)?;
    if receiver {
        args[0] = "self.id".into();
    }
    let call = format!(
        "crate::bindings::witness::case::upstream::{echo}({})",
        args.join(", ")
    );
    let body = match (override_of(spec, &func.name), member.kind) {
        (Some(body), _) => body.to_string(),
        (None, MemberKind::Constructor) => format!("Self {{ id: {call} }}"),
        (None, _) => from_ids(world, func.result.as_ref(), call)?,
    };
    Ok(format!("{signature}{{ {body} }}"))
}

/// An expression of the `upstream` type of a value of `ty` (with guest
/// handles) from `expr`, a reference to its export value: each guest
/// handle is replaced by the id of its resource. `ty` holds no named type
/// and no host handle ([`crate::smith::Config::guest_resources`]).
pub(super) fn to_ids(
    world: &CaseWorld,
    ty: &Ty,
    expr: &str,
    depth: usize,
) -> Result<String, String> {
    if !world.has_guest_handles(ty) {
        return Ok(format!("({expr}).clone()"));
    }
    let e = format!("e{depth}");
    Ok(match ty {
        Ty::Own(g) | Ty::Borrow(g) => format!(
            "({expr}).get::<crate::bindings::{}>().id",
            guest_struct(&world.def(*g).name.to_upper_camel_case())
        ),
        Ty::List(t) => format!(
            "({expr}).iter().map(|{e}| {}).collect::<Vec<_>>()",
            to_ids(world, t, &e, depth + 1)?
        ),
        Ty::Option(t) => format!(
            "({expr}).as_ref().map(|{e}| {})",
            to_ids(world, t, &e, depth + 1)?
        ),
        Ty::Result { ok, err } => {
            let arm = |t: &Option<Box<Ty>>| match t {
                Some(t) => to_ids(world, t, &e, depth + 1),
                None => Ok("()".into()),
            };
            format!(
                "match {expr} {{ Ok({e}) => Ok({}), Err({e}) => Err({}) }}",
                arm(ok)?,
                arm(err)?
            )
        }
        Ty::Tuple(ts) => {
            let parts: Vec<String> = ts
                .iter()
                .enumerate()
                .map(|(i, t)| to_ids(world, t, &format!("&{e}.{i}"), depth + 1))
                .collect::<Result<_, _>>()?;
            format!("{{ let {e} = {expr}; ({},) }}", parts.join(", "))
        }
        other => return Err(unsupported_guest_handle(world, other)),
    })
}

/// Why the Rust echo cannot pass on a guest handle inside `ty`.
fn unsupported_guest_handle(world: &CaseWorld, ty: &Ty) -> String {
    format!(
        "the Rust echo passes handles of guest resources alone or in lists, options, \
         results and tuples, not inside `{}`",
        crate::wit_text::ty_to_wit(world, ty)
    )
}

/// `expr` (an `upstream` result of type `ty`) as the export's value: each
/// id in a guest handle's place becomes a new resource of the guest with
/// that id.
pub(super) fn from_ids(world: &CaseWorld, ty: Option<&Ty>, expr: String) -> Result<String, String> {
    match ty {
        Some(ty) if world.has_guest_handles(ty) => from_ids_at(world, ty, &expr, 0),
        _ => Ok(expr),
    }
}

fn from_ids_at(world: &CaseWorld, ty: &Ty, expr: &str, depth: usize) -> Result<String, String> {
    if !world.has_guest_handles(ty) {
        return Ok(expr.to_string());
    }
    let e = format!("e{depth}");
    Ok(match ty {
        Ty::Own(g) => {
            let name = &world.def(*g).name;
            format!(
                "crate::bindings::exports::witness::case::api::{}::new(\
                 crate::bindings::{} {{ id: {expr} }})",
                rust_type_name(name),
                guest_struct(&name.to_upper_camel_case())
            )
        }
        Ty::List(t) => format!(
            "({expr}).into_iter().map(|{e}| {}).collect::<Vec<_>>()",
            from_ids_at(world, t, &e, depth + 1)?
        ),
        Ty::Option(t) => format!(
            "({expr}).map(|{e}| {})",
            from_ids_at(world, t, &e, depth + 1)?
        ),
        Ty::Result { ok, err } => {
            let arm = |t: &Option<Box<Ty>>| match t {
                Some(t) => from_ids_at(world, t, &e, depth + 1),
                None => Ok("()".into()),
            };
            format!(
                "match {expr} {{ Ok({e}) => Ok({}), Err({e}) => Err({}) }}",
                arm(ok)?,
                arm(err)?
            )
        }
        Ty::Tuple(ts) => {
            let names: Vec<String> = (0..ts.len()).map(|i| format!("{e}_{i}")).collect();
            let parts: Vec<String> = ts
                .iter()
                .zip(&names)
                .map(|(t, n)| from_ids_at(world, t, n, depth + 1))
                .collect::<Result<_, _>>()?;
            format!(
                "{{ let ({},) = {expr}; ({},) }}",
                names.join(", "),
                parts.join(", ")
            )
        }
        other => return Err(unsupported_guest_handle(world, other)),
    })
}
