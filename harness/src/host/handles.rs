//! Host resources in echo values: the numbers that stand for handles in
//! witness's values, turned into wasmtime resources on the way into the
//! guest and back into numbers on the way out.
//!
//! In a value of a case ([`crate::value`]) an `own<r>` or `borrow<r>` is a
//! `u32`: the number of the host resource it carries. The generator writes 0
//! everywhere; [`number`] gives each handle of one call a fresh number (1,
//! 2, ... in the order the handles appear in the arguments, then in the
//! result), so that the same call always gets the same numbers and a
//! number read from a call file is never trusted. Every resource type `r`
//! of the world (the `r`th named type) is the host type
//! `ResourceType::host_dynamic(r)`, and a resource numbered `n` has
//! representation `n`: a handle that comes back is its resource's number
//! and type, so the echo's value comparison checks handle identity (the
//! guest passed on exactly the handle it got) for free.
//!
//! The resources the host lends for `borrow` arguments are its own: it
//! takes them back after the call.
//!
//! Handles of guest resources are numbered the same way, but they are not
//! made here: [`to_resources`] and [`to_numbers`] leave them alone, and the
//! echo host puts the guest's own resources in their places
//! ([`walk_guest_handles`]). In `upstream` they are ids, plain `u32`s.

use crate::ty::{CaseWorld, Ty, TypeDefKind, TypeIndex};
use wasmtime::AsContextMut;
use wasmtime::component::{ResourceAny, ResourceDynamic, ResourceType, Val};

/// The host type of resource `r` of the world.
pub fn resource_type(r: TypeIndex) -> ResourceType {
    ResourceType::host_dynamic(payload(r))
}

fn payload(r: TypeIndex) -> u32 {
    u32::try_from(r).expect("a world has far fewer than 2^32 types")
}

/// Numbers the handles of one call of `func`: its arguments, then the
/// result `upstream` answers, 1, 2, ... (what the host does to every call,
/// so a call recorded after this replays with the same numbers).
pub fn number_call(
    world: &CaseWorld,
    func: &crate::ty::Func,
    args: &mut [Val],
    result: Option<&mut Val>,
) {
    let mut next = 1;
    for (v, p) in args.iter_mut().zip(&func.params) {
        number(world, &p.ty, v, &mut next);
    }
    if let (Some(v), Some(ty)) = (result, func.result.as_ref()) {
        number(world, ty, v, &mut next);
    }
}

/// Gives every handle in `v` (of type `ty`) the next number of `next`.
pub fn number(world: &CaseWorld, ty: &Ty, v: &mut Val, next: &mut u32) {
    walk_mut(world, ty, v, &mut |_, _, slot| {
        *slot = Val::U32(*next);
        *next += 1;
    });
}

/// Calls `f(resource, is_own, slot)` on every handle slot of a guest
/// resource in `v` (of type `ty`), in order.
pub fn walk_guest_handles(
    world: &CaseWorld,
    ty: &Ty,
    v: &mut Val,
    f: &mut dyn FnMut(TypeIndex, bool, &mut Val),
) {
    walk_mut(world, ty, v, &mut |r, own, slot| {
        if world.is_guest_resource(r) {
            f(r, own, slot)
        }
    });
}

/// [`walk_mut`] on the handles of host resources only.
fn walk_host_handles(
    world: &CaseWorld,
    ty: &Ty,
    v: &mut Val,
    f: &mut dyn FnMut(TypeIndex, bool, &mut Val),
) {
    walk_mut(world, ty, v, &mut |r, own, slot| {
        if !world.is_guest_resource(r) {
            f(r, own, slot)
        }
    });
}

/// `v` with every handle number made into a wasmtime resource of `store`:
/// an `own` becomes a new host resource the guest will own, a `borrow` one
/// the host lends (kept in `lent`, to drop after the call).
pub fn to_resources(
    world: &CaseWorld,
    ty: &Ty,
    v: &Val,
    mut store: impl AsContextMut,
    lent: &mut Vec<ResourceAny>,
) -> Result<Val, String> {
    let mut v = v.clone();
    let mut error = None;
    walk_host_handles(world, ty, &mut v, &mut |r, own, slot| {
        let Val::U32(n) = *slot else {
            error
                .get_or_insert_with(|| format!("a handle of `{}` is not a number", name(world, r)));
            return;
        };
        match ResourceDynamic::new_own(n, payload(r)).try_into_resource_any(store.as_context_mut())
        {
            Ok(any) => {
                if !own {
                    lent.push(any);
                }
                *slot = Val::Resource(any);
            }
            Err(e) => {
                error.get_or_insert_with(|| format!("{e:#}"));
            }
        }
    });
    error.map_or(Ok(v), Err)
}

/// `v`, as the guest gave it, with every resource made back into its
/// number. A handle of another type than its place says, or one that is
/// not a witness resource at all, is an error naming both.
pub fn to_numbers(
    world: &CaseWorld,
    ty: &Ty,
    v: &Val,
    mut store: impl AsContextMut,
) -> Result<Val, String> {
    let mut v = v.clone();
    let mut error = None;
    walk_host_handles(world, ty, &mut v, &mut |r, own, slot| {
        let Val::Resource(any) = *slot else {
            error.get_or_insert_with(|| {
                format!("a handle of `{}` is not a resource", name(world, r))
            });
            return;
        };
        if any.owned() != own {
            error.get_or_insert_with(|| {
                format!(
                    "a {} handle where `{}` wants a{}",
                    if any.owned() { "own" } else { "borrow" },
                    name(world, r),
                    if own { "n own" } else { " borrow" }
                )
            });
            return;
        }
        match any.try_into_resource_dynamic(store.as_context_mut()) {
            Ok(res) if res.ty() == payload(r) => *slot = Val::U32(res.rep()),
            Ok(res) => {
                error.get_or_insert_with(|| {
                    format!(
                        "a handle of resource #{} where `{}` (#{r}) is expected",
                        res.ty(),
                        name(world, r)
                    )
                });
            }
            Err(e) => {
                error.get_or_insert_with(|| format!("{e:#}"));
            }
        }
    });
    error.map_or(Ok(v), Err)
}

fn name(world: &CaseWorld, r: TypeIndex) -> &str {
    world.types.get(r).map_or("?", |d| d.name.as_str())
}

/// Calls `f(resource, is_own, slot)` on every handle slot of `v`, in
/// order. Values that do not fit `ty` are left alone (the echo's comparison
/// reports them).
fn walk_mut(world: &CaseWorld, ty: &Ty, v: &mut Val, f: &mut dyn FnMut(TypeIndex, bool, &mut Val)) {
    match (world.resolve(ty), v) {
        (Ty::Own(r), slot) => f(*r, true, slot),
        (Ty::Borrow(r), slot) => f(*r, false, slot),
        (Ty::List(t) | Ty::FixedList(t, _), Val::List(vs) | Val::FixedLengthList(vs)) => {
            vs.iter_mut().for_each(|v| walk_mut(world, t, v, f))
        }
        (Ty::Map(k, t), Val::Map(entries)) => entries.iter_mut().for_each(|(key, v)| {
            walk_mut(world, k, key, f);
            walk_mut(world, t, v, f);
        }),
        (Ty::Tuple(ts), Val::Tuple(vs)) => ts
            .iter()
            .zip(vs.iter_mut())
            .for_each(|(t, v)| walk_mut(world, t, v, f)),
        (Ty::Option(t), Val::Option(Some(v))) => walk_mut(world, t, v, f),
        (Ty::Result { ok, err }, Val::Result(r)) => match r {
            Ok(Some(v)) => {
                if let Some(t) = ok {
                    walk_mut(world, t, v, f)
                }
            }
            Err(Some(v)) => {
                if let Some(t) = err {
                    walk_mut(world, t, v, f)
                }
            }
            _ => {}
        },
        (Ty::Named(i), v) => match (&world.types[*i].kind, v) {
            (TypeDefKind::Record(fields), Val::Record(vs)) => {
                for (field, (_, v)) in fields.iter().zip(vs.iter_mut()) {
                    walk_mut(world, &field.ty, v, f);
                }
            }
            (TypeDefKind::Variant(cases), Val::Variant(name, Some(v))) => {
                if let Some(t) = cases
                    .iter()
                    .find(|c| c.name == *name)
                    .and_then(|c| c.ty.as_ref())
                {
                    walk_mut(world, t, v, f);
                }
            }
            _ => {}
        },
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ty::{Field, Member, MemberKind, TypeDef};

    fn world() -> CaseWorld {
        CaseWorld {
            types: vec![
                TypeDef {
                    name: "file".into(),
                    kind: TypeDefKind::Resource(vec![Member {
                        kind: MemberKind::Static,
                        name: "open".into(),
                        echo: "f".into(),
                    }]),
                },
                TypeDef {
                    name: "pair".into(),
                    kind: TypeDefKind::Record(vec![
                        Field {
                            name: "a".into(),
                            ty: Ty::Own(0),
                        },
                        Field {
                            name: "b".into(),
                            ty: Ty::List(Box::new(Ty::Borrow(0))),
                        },
                    ]),
                },
            ],
            funcs: vec![],
        }
    }

    #[test]
    fn handles_are_numbered_in_order() {
        let w = world();
        let mut v = Val::Record(vec![
            ("a".into(), Val::U32(0)),
            ("b".into(), Val::List(vec![Val::U32(0), Val::U32(0)])),
        ]);
        let mut next = 1;
        number(&w, &Ty::Named(1), &mut v, &mut next);
        assert_eq!(next, 4);
        assert_eq!(
            v,
            Val::Record(vec![
                ("a".into(), Val::U32(1)),
                ("b".into(), Val::List(vec![Val::U32(2), Val::U32(3)])),
            ])
        );
        // A plain u32 is not a handle.
        let mut plain = Val::U32(0);
        number(&w, &Ty::U32, &mut plain, &mut next);
        assert_eq!(plain, Val::U32(0));
    }
}
