//! Values that carry resource handles, between wasmtime's `Val` and the
//! protocol's `Node` tree, with the table of handles that reached the host.
//!
//! One source for both hosts: the executor compiles it against the
//! wasmtime version under test, and witness's in-process resources host
//! includes it (`#[path]`) against its own 48.0.8, so that a sequence of
//! handle operations means the same thing on either. It uses only the
//! resource and value APIs that are the same from 39.0.0 to 48.0.8.
//!
//! A handle that reaches the host goes into a new slot and stays there:
//! slots are never reused, so a handle the host gave away or dropped can be
//! named again (a stale handle, which the runtime must refuse). The
//! parent's own resource types are `ResourceType::host_dynamic(k)`, `k` the
//! type's number; a new own handle of one is made with `ResourceDynamic`,
//! as a host function makes one. An own handle is kept as it is (so that
//! dropping it runs what wasmtime attaches to it); a borrow of the
//! parent's type is lifted to read its representation, which also releases
//! it, as a host function that reads a borrow does.

use wasmtime::AsContextMut;
use wasmtime::component::{ResourceAny, ResourceDynamic, ResourceType, Type, Val};
use witness_executor_protocol::{Handle, Node};

/// The handles of one instance that reached the host, by slot.
#[derive(Default)]
pub struct HandleTable {
    slots: Vec<ResourceAny>,
    /// How many resource types the parent defines.
    host_types: u32,
    /// Whether every value goes to the parent as a tree, with handles or
    /// not (the parent asked for trees).
    pub trees: bool,
}

/// Whether `v` holds a resource handle anywhere.
pub fn has_handles(v: &Val) -> bool {
    match v {
        Val::Resource(_) => true,
        Val::List(items) | Val::Tuple(items) => items.iter().any(has_handles),
        Val::Record(fields) => fields.iter().any(|(_, v)| has_handles(v)),
        Val::Variant(_, Some(v)) | Val::Option(Some(v)) => has_handles(v),
        Val::Result(Ok(Some(v)) | Err(Some(v))) => has_handles(v),
        _ => false,
    }
}

impl HandleTable {
    /// A table for an instance whose host defines `host_types` resource
    /// types; `trees`: see the field.
    pub fn new(host_types: u32, trees: bool) -> HandleTable {
        HandleTable {
            slots: Vec::new(),
            host_types,
            trees,
        }
    }

    /// The type of the parent's resource type `k`.
    pub fn host_type(k: u32) -> ResourceType {
        ResourceType::host_dynamic(k)
    }

    /// The handle in `slot`.
    pub fn get(&self, slot: u32) -> Option<ResourceAny> {
        self.slots.get(slot as usize).copied()
    }

    /// `v` as a tree, every handle in it kept in a new slot.
    pub fn node_of(&mut self, mut store: impl AsContextMut, v: &Val) -> Result<Node, String> {
        let mut store = store.as_context_mut();
        tree(v, &mut |any| {
            let resource = (0..self.host_types).find(|k| any.ty() == Self::host_type(*k));
            let own = any.owned();
            let rep = match resource {
                Some(_) if !own => Some(
                    any.try_into_resource_dynamic(&mut store)
                        .map_err(|e| format!("lifting a borrowed handle: {e:#}"))?
                        .rep(),
                ),
                _ => None,
            };
            let slot = u32::try_from(self.slots.len())
                .map_err(|_| "more than 2^32 handles".to_string())?;
            self.slots.push(any);
            Ok(Handle::Slot {
                slot,
                own,
                resource,
                rep,
            })
        })
    }

    /// The value of `node`, of type `ty`.
    pub fn val_of(
        &mut self,
        mut store: impl AsContextMut,
        ty: &Type,
        node: &Node,
    ) -> Result<Val, String> {
        let mut store = store.as_context_mut();
        val(ty, node, &mut |handle| match *handle {
            Handle::Slot { slot, .. } => self
                .get(slot)
                .ok_or_else(|| format!("no handle in slot {slot}")),
            Handle::New { resource, rep } if resource < self.host_types => {
                ResourceDynamic::new_own(rep, resource)
                    .try_into_resource_any(&mut store)
                    .map_err(|e| format!("making a handle: {e:#}"))
            }
            Handle::New { resource, .. } => {
                Err(format!("the host defines no resource type {resource}"))
            }
        })
    }
}

/// `v` as a tree; `handle` says what each handle in it is.
pub fn tree(
    v: &Val,
    handle: &mut dyn FnMut(ResourceAny) -> Result<Handle, String>,
) -> Result<Node, String> {
    let boxed = |v: &Option<Box<Val>>, handle: &mut dyn FnMut(_) -> _| {
        v.as_deref()
            .map(|v| tree(v, handle).map(Box::new))
            .transpose()
    };
    Ok(match v {
        Val::Bool(b) => Node::Bool(*b),
        Val::S8(n) => Node::S8(*n),
        Val::U8(n) => Node::U8(*n),
        Val::S16(n) => Node::S16(*n),
        Val::U16(n) => Node::U16(*n),
        Val::S32(n) => Node::S32(*n),
        Val::U32(n) => Node::U32(*n),
        Val::S64(n) => Node::S64(*n),
        Val::U64(n) => Node::U64(*n),
        Val::Float32(x) => Node::F32(x.to_bits()),
        Val::Float64(x) => Node::F64(x.to_bits()),
        Val::Char(c) => Node::Char(*c),
        Val::String(s) => Node::String(s.to_string()),
        Val::List(items) => Node::List(
            items
                .iter()
                .map(|v| tree(v, handle))
                .collect::<Result<_, _>>()?,
        ),
        Val::Tuple(items) => Node::Tuple(
            items
                .iter()
                .map(|v| tree(v, handle))
                .collect::<Result<_, _>>()?,
        ),
        Val::Record(fields) => Node::Record(
            fields
                .iter()
                .map(|(n, v)| Ok((n.to_string(), tree(v, handle)?)))
                .collect::<Result<_, String>>()?,
        ),
        Val::Variant(case, v) => Node::Variant(case.to_string(), boxed(v, handle)?),
        Val::Enum(case) => Node::Enum(case.to_string()),
        Val::Option(v) => Node::Option(boxed(v, handle)?),
        Val::Result(Ok(v)) => Node::Result(Ok(boxed(v, handle)?)),
        Val::Result(Err(v)) => Node::Result(Err(boxed(v, handle)?)),
        Val::Flags(names) => Node::Flags(names.iter().map(|n| n.to_string()).collect()),
        Val::Resource(any) => Node::Handle(handle(*any)?),
        other => return Err(format!("a tree cannot hold {other:?}")),
    })
}

/// The value of `node`, of type `ty`; `handle` gives the resource of each
/// handle in it.
pub fn val(
    ty: &Type,
    node: &Node,
    handle: &mut dyn FnMut(&Handle) -> Result<ResourceAny, String>,
) -> Result<Val, String> {
    let mismatch = || format!("{node:?} is not a value of type {ty:?}");
    let payload = |ty: Option<Type>,
                   node: &Option<Box<Node>>,
                   handle: &mut dyn FnMut(&Handle) -> Result<ResourceAny, String>|
     -> Result<Option<Box<Val>>, String> {
        match (ty, node) {
            (Some(ty), Some(node)) => Ok(Some(Box::new(val(&ty, node, handle)?))),
            (None, None) => Ok(None),
            _ => Err(mismatch()),
        }
    };
    Ok(match (ty, node) {
        (Type::Bool, Node::Bool(b)) => Val::Bool(*b),
        (Type::S8, Node::S8(n)) => Val::S8(*n),
        (Type::U8, Node::U8(n)) => Val::U8(*n),
        (Type::S16, Node::S16(n)) => Val::S16(*n),
        (Type::U16, Node::U16(n)) => Val::U16(*n),
        (Type::S32, Node::S32(n)) => Val::S32(*n),
        (Type::U32, Node::U32(n)) => Val::U32(*n),
        (Type::S64, Node::S64(n)) => Val::S64(*n),
        (Type::U64, Node::U64(n)) => Val::U64(*n),
        (Type::Float32, Node::F32(bits)) => Val::Float32(f32::from_bits(*bits)),
        (Type::Float64, Node::F64(bits)) => Val::Float64(f64::from_bits(*bits)),
        (Type::Char, Node::Char(c)) => Val::Char(*c),
        (Type::String, Node::String(s)) => Val::String(s.clone()),
        (Type::List(list), Node::List(items)) => {
            let elem = list.ty();
            Val::List(
                items
                    .iter()
                    .map(|n| val(&elem, n, handle))
                    .collect::<Result<_, _>>()?,
            )
        }
        (Type::Tuple(tuple), Node::Tuple(items)) if tuple.types().len() == items.len() => {
            Val::Tuple(
                tuple
                    .types()
                    .zip(items)
                    .map(|(t, n)| val(&t, n, handle))
                    .collect::<Result<_, _>>()?,
            )
        }
        (Type::Record(record), Node::Record(fields))
            if record.fields().len() == fields.len()
                && record.fields().zip(fields).all(|(f, (n, _))| f.name == n) =>
        {
            Val::Record(
                record
                    .fields()
                    .zip(fields)
                    .map(|(f, (n, v))| Ok((n.clone(), val(&f.ty, v, handle)?)))
                    .collect::<Result<_, String>>()?,
            )
        }
        (Type::Variant(variant), Node::Variant(case, v)) => {
            let Some(c) = variant.cases().find(|c| c.name == case) else {
                return Err(mismatch());
            };
            Val::Variant(case.clone(), payload(c.ty, v, handle)?)
        }
        (Type::Enum(e), Node::Enum(case)) if e.names().any(|n| n == case) => {
            Val::Enum(case.clone())
        }
        (Type::Option(o), Node::Option(v)) => {
            Val::Option(payload(v.as_ref().map(|_| o.ty()), v, handle)?)
        }
        (Type::Result(r), Node::Result(Ok(v))) => Val::Result(Ok(payload(r.ok(), v, handle)?)),
        (Type::Result(r), Node::Result(Err(v))) => Val::Result(Err(payload(r.err(), v, handle)?)),
        (Type::Flags(f), Node::Flags(names)) if names.iter().all(|n| f.names().any(|m| m == n)) => {
            Val::Flags(names.to_vec())
        }
        (Type::Own(_) | Type::Borrow(_), Node::Handle(h)) => Val::Resource(handle(h)?),
        _ => return Err(mismatch()),
    })
}
