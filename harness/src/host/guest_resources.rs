//! The guest's own resources in an echo call (see [`super::echo`]): made
//! by the host before the call for the guest handles of the arguments,
//! and the destructors the call must run, checked after it.
//!
//! A guest handle numbered `n` in the arguments is a resource the host
//! constructs with the resource's constructor (export `[constructor]g`),
//! whose `upstream` echo answers the id `n`; the constructor's own
//! arguments are drawn from the seed `n`, so a replayed call makes the
//! same resources. Then:
//! - an `own` handle moves into the guest, which must destroy it during
//!   the call (it was given the resource and let it go);
//! - a `borrow` handle is lent; the host drops it after the call, which
//!   must run its destructor once, with its id;
//! - an `own` handle in the result is dropped by the host, in order, each
//!   running one destructor, whose id stands in the returned value.

use super::GuestState;
use super::echo::EchoState;
use super::handles;
use crate::ty::{CaseWorld, Func, Ty, TypeIndex};
use crate::value::{self, ValueConfig};
use arbitrary::Unstructured;
use std::collections::HashMap;
use wasmtime::Store;
use wasmtime::component::{ResourceAny, Val};

/// The seed label of a constructor's arguments.
const CONSTRUCTOR_ARGS: u64 = 0x6775_6573_745f_6374;

type EchoStore = Store<GuestState<EchoState>>;

/// The guest resources of one call.
#[derive(Default)]
pub(super) struct Objects {
    /// Moved into the guest: (resource, id), destroyed during the call.
    moved: Vec<(TypeIndex, u32)>,
    /// Lent to the guest: dropped by the host after the call.
    lent: Vec<(TypeIndex, u32, ResourceAny)>,
}

/// Why a call's guest resources went wrong: the message, and whether the
/// guest trapped (then its instance is gone).
pub(super) struct Trouble {
    pub message: String,
    pub trapped: bool,
}

impl Trouble {
    fn new(message: String) -> Trouble {
        Trouble {
            message,
            trapped: false,
        }
    }
}

/// Puts a new resource of the guest in the place of every guest handle in
/// `args` (the arguments of `func`, numbered): constructs each with its
/// constructor, in order.
pub(super) fn place(
    store: &mut EchoStore,
    funcs: &HashMap<String, wasmtime::component::Func>,
    world: &CaseWorld,
    func: &Func,
    args: &mut [Val],
) -> Result<Objects, Trouble> {
    let mut slots = Vec::new();
    for (v, p) in args.iter_mut().zip(&func.params) {
        handles::walk_guest_handles(world, &p.ty, v, &mut |g, own, slot| {
            if let Val::U32(n) = slot {
                slots.push((g, own, *n));
            }
        });
    }
    let mut objects = Objects::default();
    let mut made = Vec::with_capacity(slots.len());
    for &(g, own, n) in &slots {
        let any = construct(store, funcs, world, g, n)?;
        if own {
            objects.moved.push((g, n));
        } else {
            objects.lent.push((g, n, any));
        }
        made.push(any);
    }
    let mut made = made.into_iter();
    for (v, p) in args.iter_mut().zip(&func.params) {
        handles::walk_guest_handles(world, &p.ty, v, &mut |_, _, slot| {
            if let Some(any) = made.next() {
                *slot = Val::Resource(any);
            }
        });
    }
    Ok(objects)
}

/// A new resource `g` of the guest with id `n`, through its constructor.
fn construct(
    store: &mut EchoStore,
    funcs: &HashMap<String, wasmtime::component::Func>,
    world: &CaseWorld,
    g: TypeIndex,
    n: u32,
) -> Result<ResourceAny, Trouble> {
    let name = &world.def(g).name;
    let making = |what: String| Trouble::new(format!("making `{name}` #{n}: {what}"));
    let ctor = world
        .constructor_of(g)
        .ok_or_else(|| making("it has no constructor".into()))?;
    let f = funcs
        .get(&ctor.name)
        .ok_or_else(|| making("the guest exports no constructor".into()))?;
    let bytes = crate::seed::bytes(u64::from(n), &[CONSTRUCTOR_ARGS, g as u64], 1024);
    let mut u = Unstructured::new(&bytes);
    let config = ValueConfig::default();
    let mut args = Vec::with_capacity(ctor.params.len());
    for p in &ctor.params {
        args.push(
            value::arbitrary_val(world, &p.ty, &config, &mut u)
                .map_err(|e| making(format!("no arguments for its constructor: {e}")))?,
        );
    }
    handles::number_call(world, ctor, &mut args, None);
    let mut lent = Vec::new();
    let real: Vec<Val> = args
        .iter()
        .zip(&ctor.params)
        .map(|(v, p)| handles::to_resources(world, &p.ty, v, &mut *store, &mut lent))
        .collect::<Result<_, _>>()
        .map_err(making)?;
    {
        let state = &mut store.data_mut().data;
        state.expected = Some((ctor.name.clone(), Some(Val::U32(n))));
        state.seen.clear();
    }
    let mut results = vec![Val::Bool(false)];
    let called = f.call(&mut *store, &real, &mut results);
    for any in lent {
        let _ = any.resource_drop(&mut *store);
    }
    let seen = std::mem::take(&mut store.data_mut().data.seen);
    if let Err(e) = called {
        return Err(Trouble {
            message: format!(
                "making `{name}` #{n}: its constructor trapped: {}",
                super::error_text(&e)
            ),
            trapped: true,
        });
    }
    match seen.as_slice() {
        [call] => {
            let diverged = args
                .iter()
                .zip(&call.args)
                .zip(&ctor.params)
                .find_map(|((sent, got), p)| value::compare(&p.name, sent, got).err());
            if let Some(d) = diverged {
                return Err(making(format!(
                    "its constructor passed upstream `{}` {} where it was given {}",
                    d.path, d.actual, d.expected
                )));
            }
        }
        other => {
            return Err(making(format!(
                "its constructor called upstream {} times",
                other.len()
            )));
        }
    }
    match results.pop() {
        Some(Val::Resource(any)) => Ok(any),
        other => Err(making(format!("its constructor returned {other:?}"))),
    }
}

/// After a call that returned `result` (of type `ty`, host handles already
/// numbers; `expected` the result the host planned): the guest handles in
/// it dropped in order and replaced by the ids their destructors reported
/// (the expected id where none ran, so that the value comparison still
/// judges the rest of the value), the lent resources dropped, and every
/// destructor checked. The first problem is returned.
pub(super) fn settle(
    store: &mut EchoStore,
    world: &CaseWorld,
    objects: Objects,
    result: Option<(&Ty, &mut Val)>,
    planned_result: Option<&Val>,
) -> Option<Trouble> {
    let during = std::mem::take(&mut store.data_mut().data.destroyed);
    let mut trouble: Option<Trouble> = None;
    let note = |t: Trouble, trouble: &mut Option<Trouble>| {
        trouble.get_or_insert(t);
    };
    // Given to own: destroyed during the call, each once.
    let mut expected = objects.moved.clone();
    for &(g, id) in &during {
        match expected.iter().position(|&e| e == (g, id)) {
            Some(at) => {
                expected.remove(at);
            }
            None => note(
                Trouble::new(format!(
                    "during the call the guest destroyed `{}` #{id}, which it did not own{}",
                    world.def(g).name,
                    if objects.moved.contains(&(g, id)) {
                        " any more (a second destructor run)"
                    } else {
                        ""
                    }
                )),
                &mut trouble,
            ),
        }
    }
    if let Some(&(g, id)) = expected.first() {
        note(
            Trouble::new(format!(
                "the guest was given `{}` #{id} to own and never destroyed it",
                world.def(g).name
            )),
            &mut trouble,
        );
    }
    // Returned: dropped by the host in order.
    if let Some((ty, v)) = result {
        let mut returned = Vec::new();
        handles::walk_guest_handles(world, ty, v, &mut |g, _, slot| {
            if let Val::Resource(any) = slot {
                returned.push((g, *any));
            }
        });
        let mut planned = Vec::new();
        if let Some(mut planned_result) = planned_result.cloned() {
            handles::walk_guest_handles(world, ty, &mut planned_result, &mut |_, _, slot| {
                if let Val::U32(n) = slot {
                    planned.push(*n);
                }
            });
        }
        let mut ids = Vec::with_capacity(returned.len());
        for (i, (g, any)) in returned.into_iter().enumerate() {
            match drop_one(store, world, g, any) {
                Ok(id) => ids.push(id),
                Err(t) => {
                    ids.push(planned.get(i).copied().unwrap_or(0));
                    note(t, &mut trouble);
                }
            }
        }
        let mut ids = ids.into_iter();
        handles::walk_guest_handles(world, ty, v, &mut |_, _, slot| {
            if matches!(slot, Val::Resource(_)) {
                *slot = Val::U32(ids.next().unwrap_or(0));
            }
        });
    }
    // Lent: dropped by the host after the call.
    for (g, n, any) in objects.lent {
        match drop_one(store, world, g, any) {
            Ok(id) if id == n => {}
            Ok(id) => note(
                Trouble::new(format!(
                    "dropping the `{}` #{n} the host lent ran the destructor of #{id}",
                    world.def(g).name
                )),
                &mut trouble,
            ),
            Err(t) => note(t, &mut trouble),
        }
    }
    trouble
}

/// Drops the guest resource `any` (of `g`) and returns the id its one
/// destructor run reported.
fn drop_one(
    store: &mut EchoStore,
    world: &CaseWorld,
    g: TypeIndex,
    any: ResourceAny,
) -> Result<u32, Trouble> {
    let name = &world.def(g).name;
    store.data_mut().data.destroyed.clear();
    if let Err(e) = any.resource_drop(&mut *store) {
        return Err(Trouble {
            message: format!("dropping a `{name}`: {}", super::error_text(&e)),
            trapped: true,
        });
    }
    let ran = std::mem::take(&mut store.data_mut().data.destroyed);
    match ran.as_slice() {
        [(r, id)] if *r == g => Ok(*id),
        [] => Err(Trouble::new(format!(
            "dropping a `{name}` ran no destructor"
        ))),
        [(r, id)] => Err(Trouble::new(format!(
            "dropping a `{name}` ran the destructor of `{}` #{id}",
            world.def(*r).name
        ))),
        more => Err(Trouble::new(format!(
            "dropping a `{name}` ran {} destructors: {more:?}",
            more.len()
        ))),
    }
}
