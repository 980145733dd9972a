//! Resources the guest defines, in the C echo
//! ([`crate::ty::TypeDefKind::GuestResource`]).
//!
//! wit-bindgen-c leaves the representation of an exported resource to the
//! user (`struct exports_..._r_t`, here the id the host gave it) and asks
//! for its constructor, methods, statics and destructor
//! (`exports_..._r_destructor`). An `own` handle arrives as a handle
//! (`exports_..._own_r_t`, read with `exports_..._r_rep` and dropped with
//! `exports_..._r_drop_own`, which runs the destructor), a `borrow` as the
//! representation itself; a new one is made with `exports_..._r_new`.
//!
//! A value that holds handles of guest resources is passed to `upstream`
//! as a value of the import's C type built next to it: each handle
//! replaced by its resource's id, lists rebuilt (freed after the call),
//! everything else copied bit for bit (the import borrows it, the export
//! frees it as always). After the call the export drops every `own`
//! handle it was given, which is its destructor's call. A result works
//! the other way: the import's answer is read into locals of the import's
//! types, and each id becomes a new resource of the guest.

use crate::guest::GuestSpec;
use crate::ty::{CaseWorld, Member, Ty, TypeIndex};
use std::fmt::Write as _;

/// The prefix wit-bindgen-c gives the names of `api`'s exports.
const API: &str = "exports_witness_case_api";

/// The C identifier of guest resource `g`.
fn ident(world: &CaseWorld, g: TypeIndex) -> String {
    wit_bindgen_c::to_c_ident(&world.def(g).name)
}

/// The definitions the echo needs for the world's guest resources: each
/// one's representation, a maker of a new resource with an id, and its
/// destructor (reporting the id to `upstream`, or an override's body).
pub(super) fn definitions(spec: &GuestSpec<'_>) -> String {
    let world = spec.world;
    let mut out = String::new();
    for g in world.guest_resources() {
        let r = ident(world, g);
        let destructor = Member::destructor_name(&world.def(g).name);
        let body = spec
            .overrides
            .iter()
            .find(|(f, _)| *f == destructor)
            .map_or_else(
                || {
                    format!(
                        "  witness_case_upstream_{}(rep->id);\n  free(rep);",
                        wit_bindgen_c::to_c_ident(&destructor)
                    )
                },
                |(_, body)| body.clone(),
            );
        let _ = write!(
            out,
            "// Guest resource `{wit}`: the id the host gave it.\n\
             struct {API}_{r}_t {{\n  uint32_t id;\n}};\n\n\
             static {API}_own_{r}_t witness__new_{r}(uint32_t id) {{\n  \
             {API}_{r}_t *rep = malloc(sizeof({API}_{r}_t));\n  \
             rep->id = id;\n  \
             return {API}_{r}_new(rep);\n}}\n\n\
             void {API}_{r}_destructor({API}_{r}_t *rep) {{\n{body}\n}}\n\n",
            wit = world.def(g).name
        );
    }
    out
}

/// Why the C echo cannot pass on a guest handle inside `ty`.
fn unsupported(world: &CaseWorld, ty: &Ty) -> String {
    format!(
        "the C echo passes handles of guest resources alone or in lists, options, results \
         and tuples, not inside `{}`",
        crate::wit_text::ty_to_wit(world, ty)
    )
}

/// Statements setting `dst` (a value of the import's C type) from `src`
/// (the export's value of `ty`): each guest handle replaced by its id.
pub(super) fn to_ids(
    world: &CaseWorld,
    ty: &Ty,
    src: &str,
    dst: &str,
    depth: usize,
    out: &mut String,
) -> Result<(), String> {
    convert(world, ty, src, dst, depth, out, Direction::ToIds)
}

/// Statements setting `dst` (the export's value of `ty`) from `src` (the
/// import's answer): each id made a new resource of the guest, every list
/// the import allocated around ids freed (its other contents move over).
pub(super) fn from_ids(
    world: &CaseWorld,
    ty: &Ty,
    src: &str,
    dst: &str,
    depth: usize,
    out: &mut String,
) -> Result<(), String> {
    convert(world, ty, src, dst, depth, out, Direction::FromIds)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    ToIds,
    FromIds,
}

fn convert(
    world: &CaseWorld,
    ty: &Ty,
    src: &str,
    dst: &str,
    depth: usize,
    out: &mut String,
    direction: Direction,
) -> Result<(), String> {
    let indent = "  ".repeat(depth + 1);
    if !world.has_guest_handles(ty) {
        let _ = writeln!(out, "{indent}memcpy(&({dst}), &({src}), sizeof({dst}));");
        return Ok(());
    }
    let inner = |t: &Ty, s: String, d: String, depth: usize, out: &mut String| {
        convert(world, t, &s, &d, depth, out, direction)
    };
    match (world.resolve(ty), direction) {
        (Ty::Own(g), Direction::ToIds) => {
            let _ = writeln!(
                out,
                "{indent}{dst} = {API}_{}_rep({src})->id;",
                ident(world, *g)
            );
        }
        (Ty::Own(g), Direction::FromIds) => {
            let _ = writeln!(
                out,
                "{indent}{dst} = witness__new_{}({src});",
                ident(world, *g)
            );
        }
        (Ty::Borrow(_), Direction::ToIds) => {
            let _ = writeln!(out, "{indent}{dst} = ({src})->id;");
        }
        (Ty::List(t), _) => {
            let i = format!("witness__i{depth}");
            let _ = writeln!(
                out,
                "{indent}({dst}).len = ({src}).len;\n\
                 {indent}({dst}).ptr = malloc(({src}).len * sizeof(*({dst}).ptr) + 1);\n\
                 {indent}for (size_t {i} = 0; {i} < ({src}).len; {i}++) {{"
            );
            inner(
                t,
                format!("({src}).ptr[{i}]"),
                format!("({dst}).ptr[{i}]"),
                depth + 1,
                out,
            )?;
            let _ = writeln!(out, "{indent}}}");
            if direction == Direction::FromIds {
                let _ = writeln!(out, "{indent}free(({src}).ptr);");
            }
        }
        (Ty::Option(t), _) => {
            let _ = writeln!(
                out,
                "{indent}({dst}).is_some = ({src}).is_some;\n{indent}if (({src}).is_some) {{"
            );
            inner(
                t,
                format!("({src}).val"),
                format!("({dst}).val"),
                depth + 1,
                out,
            )?;
            let _ = writeln!(out, "{indent}}}");
        }
        (Ty::Result { ok, err }, _) => {
            let _ = writeln!(
                out,
                "{indent}({dst}).is_err = ({src}).is_err;\n{indent}if (!({src}).is_err) {{"
            );
            if let Some(t) = ok {
                inner(
                    t,
                    format!("({src}).val.ok"),
                    format!("({dst}).val.ok"),
                    depth + 1,
                    out,
                )?;
            }
            let _ = writeln!(out, "{indent}}} else {{");
            if let Some(t) = err {
                inner(
                    t,
                    format!("({src}).val.err"),
                    format!("({dst}).val.err"),
                    depth + 1,
                    out,
                )?;
            }
            let _ = writeln!(out, "{indent}}}");
        }
        (Ty::Tuple(ts), _) => {
            for (k, t) in ts.iter().enumerate() {
                inner(
                    t,
                    format!("({src}).f{k}"),
                    format!("({dst}).f{k}"),
                    depth,
                    out,
                )?;
            }
        }
        (other, _) => return Err(unsupported(world, other)),
    }
    Ok(())
}

/// Statements freeing what [`to_ids`] allocated in `dst`.
pub(super) fn free_ids(world: &CaseWorld, ty: &Ty, dst: &str, depth: usize, out: &mut String) {
    if !world.has_guest_handles(ty) {
        return;
    }
    let indent = "  ".repeat(depth + 1);
    match world.resolve(ty) {
        Ty::List(t) => {
            if world.has_guest_handles(t) && needs_free(world, t) {
                let i = format!("witness__i{depth}");
                let _ = writeln!(
                    out,
                    "{indent}for (size_t {i} = 0; {i} < ({dst}).len; {i}++) {{"
                );
                free_ids(world, t, &format!("({dst}).ptr[{i}]"), depth + 1, out);
                let _ = writeln!(out, "{indent}}}");
            }
            let _ = writeln!(out, "{indent}free(({dst}).ptr);");
        }
        Ty::Option(t) if needs_free(world, t) => {
            let _ = writeln!(out, "{indent}if (({dst}).is_some) {{");
            free_ids(world, t, &format!("({dst}).val"), depth + 1, out);
            let _ = writeln!(out, "{indent}}}");
        }
        Ty::Result { ok, err } => {
            let _ = writeln!(out, "{indent}if (!({dst}).is_err) {{");
            if let Some(t) = ok {
                free_ids(world, t, &format!("({dst}).val.ok"), depth + 1, out);
            }
            let _ = writeln!(out, "{indent}}} else {{");
            if let Some(t) = err {
                free_ids(world, t, &format!("({dst}).val.err"), depth + 1, out);
            }
            let _ = writeln!(out, "{indent}}}");
        }
        Ty::Tuple(ts) => {
            for (k, t) in ts.iter().enumerate() {
                free_ids(world, t, &format!("({dst}).f{k}"), depth, out);
            }
        }
        _ => {}
    }
}

/// Whether [`to_ids`] allocates inside a value of `ty` (a list with guest
/// handles somewhere in it).
fn needs_free(world: &CaseWorld, ty: &Ty) -> bool {
    world.has_guest_handles(ty)
        && match world.resolve(ty) {
            Ty::List(_) => true,
            Ty::Option(t) => needs_free(world, t),
            Ty::Result { ok, err } => ok.iter().chain(err).any(|t| needs_free(world, t)),
            Ty::Tuple(ts) => ts.iter().any(|t| needs_free(world, t)),
            _ => false,
        }
}

/// Statements dropping every `own` handle of a guest resource in `src`
/// (the export's argument of `ty`): the export owns them, and dropping one
/// runs its destructor.
pub(super) fn drop_owns(world: &CaseWorld, ty: &Ty, src: &str, depth: usize, out: &mut String) {
    if !world.has_guest_owns(ty) {
        return;
    }
    let indent = "  ".repeat(depth + 1);
    match world.resolve(ty) {
        Ty::Own(g) => {
            let _ = writeln!(out, "{indent}{API}_{}_drop_own({src});", ident(world, *g));
        }
        Ty::List(t) => {
            let i = format!("witness__i{depth}");
            let _ = writeln!(
                out,
                "{indent}for (size_t {i} = 0; {i} < ({src}).len; {i}++) {{"
            );
            drop_owns(world, t, &format!("({src}).ptr[{i}]"), depth + 1, out);
            let _ = writeln!(out, "{indent}}}");
        }
        Ty::Option(t) => {
            let _ = writeln!(out, "{indent}if (({src}).is_some) {{");
            drop_owns(world, t, &format!("({src}).val"), depth + 1, out);
            let _ = writeln!(out, "{indent}}}");
        }
        Ty::Result { ok, err } => {
            let _ = writeln!(out, "{indent}if (!({src}).is_err) {{");
            if let Some(t) = ok {
                drop_owns(world, t, &format!("({src}).val.ok"), depth + 1, out);
            }
            let _ = writeln!(out, "{indent}}} else {{");
            if let Some(t) = err {
                drop_owns(world, t, &format!("({src}).val.err"), depth + 1, out);
            }
            let _ = writeln!(out, "{indent}}}");
        }
        Ty::Tuple(ts) => {
            for (k, t) in ts.iter().enumerate() {
                drop_owns(world, t, &format!("({src}).f{k}"), depth, out);
            }
        }
        _ => {}
    }
}
