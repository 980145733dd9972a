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

use super::{CParam, CProto, forward, free_args, handle_statements, typedef_aliases};
use crate::guest::GuestSpec;
use crate::ty::{CaseWorld, Func, Member, MemberKind, Ty, TypeIndex};
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
    let leaf = |t: &Ty, src: &str| match t {
        Ty::Own(g) if world.is_guest_resource(*g) => {
            Some(format!("{API}_{}_drop_own({src});", ident(world, *g)))
        }
        _ => None,
    };
    handle_statements(
        world,
        ty,
        src,
        depth,
        out,
        &|t| world.has_guest_owns(t),
        &leaf,
    );
}

/// The echo of a function that carries handles of guest resources, or of a
/// member of one (see the module documentation).
pub(super) struct GuestCall<'a> {
    pub world: &'a CaseWorld,
    pub func: &'a Func,
    pub member: Option<MemberKind>,
    pub export: &'a CProto,
    pub import: &'a CProto,
    /// How many of the prototypes' parameters are arguments (the rest are
    /// out-parameters of the result).
    pub args: usize,
}

impl GuestCall<'_> {
    pub fn body(&self, header: &str, host_drops: &str) -> Result<String, String> {
        let world = self.world;
        let aliases = typedef_aliases(header);
        let (mut pre, mut post, mut owns) = (String::new(), String::new(), String::new());
        let mut call_args = Vec::new();
        let params = self
            .export
            .params
            .iter()
            .zip(&self.import.params)
            .zip(&self.func.params)
            .take(self.args);
        for (k, ((e, i), p)) in params.enumerate() {
            if k == 0 && self.member == Some(MemberKind::Method) {
                // `self` is the representation: its id goes first.
                call_args.push(format!("{}->id", e.name));
                continue;
            }
            if !world.has_guest_handles(&p.ty) {
                call_args.push(forward(&aliases, e, i));
                continue;
            }
            let v = format!("witness__a{k}");
            match (e.pointer, e.name.starts_with("maybe_")) {
                (true, true) => {
                    // A flattened `option<T>`: NULL for `none`.
                    let Ty::Option(inner) = world.resolve(&p.ty) else {
                        return Err(format!("`{}` is flattened but no option", e.name));
                    };
                    let _ = writeln!(
                        pre,
                        "  {0} {v}_val;\n  {0} *{v} = NULL;\n  if ({1} != NULL) {{",
                        i.ty, e.name
                    );
                    to_ids(
                        world,
                        inner,
                        &format!("(*{})", e.name),
                        &format!("{v}_val"),
                        1,
                        &mut pre,
                    )?;
                    let _ = writeln!(pre, "    {v} = &{v}_val;\n  }}");
                    call_args.push(v.clone());
                    let mut f = String::new();
                    free_ids(world, inner, &format!("{v}_val"), 1, &mut f);
                    if !f.is_empty() {
                        let _ = write!(post, "  if ({v} != NULL) {{\n{f}  }}\n");
                    }
                    let mut d = String::new();
                    drop_owns(world, inner, &format!("(*{})", e.name), 1, &mut d);
                    if !d.is_empty() {
                        let _ = write!(owns, "  if ({} != NULL) {{\n{d}  }}\n", e.name);
                    }
                }
                (true, false) => {
                    let _ = writeln!(pre, "  {} {v};", i.ty);
                    to_ids(world, &p.ty, &format!("(*{})", e.name), &v, 0, &mut pre)?;
                    call_args.push(format!("&{v}"));
                    free_ids(world, &p.ty, &v, 0, &mut post);
                    drop_owns(world, &p.ty, &format!("(*{})", e.name), 0, &mut owns);
                }
                (false, _) => {
                    let _ = writeln!(pre, "  {} {v};", i.ty);
                    to_ids(world, &p.ty, &e.name, &v, 0, &mut pre)?;
                    call_args.push(v.clone());
                    drop_owns(world, &p.ty, &e.name, 0, &mut owns);
                }
            }
        }
        // The result: through locals of the import's types when it holds
        // guest handles, else straight into the export's out-parameters.
        let ty = self
            .func
            .result
            .as_ref()
            .filter(|r| world.has_guest_handles(r));
        let outs: Vec<(&CParam, &CParam)> = self
            .export
            .params
            .iter()
            .zip(&self.import.params)
            .skip(self.args)
            .collect();
        for (j, (e, i)) in outs.iter().enumerate() {
            if ty.is_some() {
                let _ = writeln!(pre, "  {} witness__o{j};", i.ty);
                call_args.push(format!("&witness__o{j}"));
            } else {
                call_args.push(forward(&aliases, e, i));
            }
        }
        let call = format!("{}({})", self.import.name, call_args.join(", "));
        let mut body = pre;
        let returns = self.export.ret != "void";
        let mut convert = String::new();
        match ty {
            None if returns => {
                let _ = writeln!(body, "  {} witness__result = {call};", self.export.ret);
            }
            None => {
                let _ = writeln!(body, "  {call};");
            }
            Some(ty) if self.export.ret == "bool" => {
                let _ = writeln!(body, "  bool witness__result = {call};");
                let out = |name: &str| {
                    outs.iter()
                        .position(|(e, _)| e.name == name)
                        .map(|j| (format!("witness__o{j}"), format!("(*{name})")))
                };
                match world.resolve(ty) {
                    Ty::Option(t) => {
                        let (src, dst) = out("ret").ok_or("an option result without `ret`")?;
                        let _ = writeln!(convert, "  if (witness__result) {{");
                        from_ids(world, t, &src, &dst, 1, &mut convert)?;
                        let _ = writeln!(convert, "  }}");
                    }
                    Ty::Result { ok, err } => {
                        let _ = writeln!(convert, "  if (witness__result) {{");
                        if let (Some(t), Some((src, dst))) = (ok, out("ret")) {
                            from_ids(world, t, &src, &dst, 1, &mut convert)?;
                        }
                        let _ = writeln!(convert, "  }} else {{");
                        if let (Some(t), Some((src, dst))) = (err, out("err")) {
                            from_ids(world, t, &src, &dst, 1, &mut convert)?;
                        }
                        let _ = writeln!(convert, "  }}");
                    }
                    _ => {
                        return Err(format!(
                            "`{}` returns bool for a result of guest handles",
                            self.export.name
                        ));
                    }
                }
            }
            Some(ty) if returns => {
                let _ = writeln!(
                    body,
                    "  {} witness__r = {call};\n  {} witness__result;",
                    self.import.ret, self.export.ret
                );
                from_ids(world, ty, "witness__r", "witness__result", 0, &mut convert)?;
            }
            Some(ty) => {
                let _ = writeln!(body, "  {call};");
                let [(e, _)] = outs.as_slice() else {
                    return Err(format!(
                        "`{}` has no single out-parameter for its result",
                        self.export.name
                    ));
                };
                from_ids(
                    world,
                    ty,
                    "witness__o0",
                    &format!("(*{})", e.name),
                    0,
                    &mut convert,
                )?;
            }
        }
        body.push_str(&convert);
        // Borrows of host resources first, then what the echo allocated,
        // then the handles it owns (their destructors run), then the
        // arguments' memory.
        body.push_str(host_drops);
        body.push_str(&post);
        body.push_str(&owns);
        body.push_str(&free_args(self.export, self.import, self.args, header));
        if returns {
            let _ = writeln!(body, "  return witness__result;");
        }
        Ok(body.trim_end().to_string())
    }
}
