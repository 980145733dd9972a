//! Storing: the spec's `store`, writing a value of a type into linear
//! memory, allocating strings and lists with `realloc` and checking every
//! pointer it returns.
//!
//! Only the bytes a value defines are written: padding and the unused tail
//! of a variant's payload area keep whatever memory held, as in the spec
//! ([`Memory::was_written`](super::Memory::was_written) tells them apart).

use wasmtime::component::Val;

use super::layout::Elem;
use super::load::case_payload;
use super::memory::LowerCx;
use super::strings::store_string;
use super::{AbiError, MAX_LIST_BYTE_LENGTH, TrapKind, trap_if};
use crate::ty::{Ty, TypeDefKind};

/// `store(cx, v, t, ptr)`: writes `v`, a value of `ty`, at `ptr`. Strings
/// are stored with the hint of `cx.source` (see [`LowerCx::hint`]).
/// The spec asserts that `ptr` is aligned and in bounds (its callers check
/// that with traps); here they are checked too, with the same traps.
pub fn store(cx: &mut LowerCx<'_>, v: &Val, ty: &Ty, ptr: u32) -> Result<(), AbiError> {
    cx.abi.check(ty)?;
    let l = cx.abi.raw(ty);
    let p = u64::from(ptr);
    trap_if(p % l.align != 0, TrapKind::Misaligned, || {
        format!("pointer {p:#x} is not {}-aligned", l.align)
    })?;
    trap_if(p + l.size > cx.memory.len(), TrapKind::OutOfBounds, || {
        format!(
            "{} bytes at {p:#x} pass the end of memory ({} bytes)",
            l.size,
            cx.memory.len()
        )
    })?;
    store_at(cx, v, ty, p)
}

fn mismatch(ty: &Ty, cx: &LowerCx<'_>, v: &Val) -> AbiError {
    let ty = super::text::print_ty(cx.abi.world(), ty);
    AbiError::mismatch(format!("a value of `{ty}` cannot be {v:?}"))
}

/// `store` without the entry checks.
pub(crate) fn store_at(cx: &mut LowerCx<'_>, v: &Val, ty: &Ty, ptr: u64) -> Result<(), AbiError> {
    let world = cx.abi.world();
    let rty = world.resolve(ty);
    let int = |cx: &mut LowerCx<'_>, x: u64, n: u64| cx.memory.write_uint(ptr, x, n);
    match (rty, v) {
        (Ty::Bool, Val::Bool(b)) => int(cx, u64::from(*b), 1)?,
        (Ty::U8, Val::U8(x)) => int(cx, u64::from(*x), 1)?,
        (Ty::S8, Val::S8(x)) => int(cx, *x as u8 as u64, 1)?,
        (Ty::U16, Val::U16(x)) => int(cx, u64::from(*x), 2)?,
        (Ty::S16, Val::S16(x)) => int(cx, *x as u16 as u64, 2)?,
        (Ty::U32, Val::U32(x)) => int(cx, u64::from(*x), 4)?,
        (Ty::S32, Val::S32(x)) => int(cx, *x as u32 as u64, 4)?,
        (Ty::U64, Val::U64(x)) => int(cx, *x, 8)?,
        (Ty::S64, Val::S64(x)) => int(cx, *x as u64, 8)?,
        (Ty::F32, Val::Float32(f)) => {
            let bits = cx.nan.f32_bits(*f);
            int(cx, u64::from(bits), 4)?
        }
        (Ty::F64, Val::Float64(f)) => {
            let bits = cx.nan.f64_bits(*f);
            int(cx, bits, 8)?
        }
        (Ty::Char, Val::Char(c)) => int(cx, u64::from(*c as u32), 4)?,
        (Ty::String, Val::String(s)) => {
            let hinted = cx.hint(s);
            store_string(cx, &hinted, ptr)?
        }
        (Ty::List(t), Val::List(vs)) => {
            let (begin, len) = store_list_into_range(cx, vs.len(), Elem::One(t), |cx, i, at| {
                store_at(cx, &vs[i], t, at)
            })?;
            write_pair(cx, ptr, begin, len)?
        }
        (Ty::Map(k, v), Val::Map(pairs)) => {
            let (begin, len) =
                store_list_into_range(cx, pairs.len(), Elem::Pair(k, v), |cx, i, at| {
                    store_fields(cx, &[(&pairs[i].0, k), (&pairs[i].1, v)], at)
                })?;
            write_pair(cx, ptr, begin, len)?
        }
        (Ty::FixedList(t, n), Val::FixedLengthList(vs)) => {
            if vs.len() != *n as usize {
                return Err(mismatch(ty, cx, v));
            }
            let stride = cx.abi.raw(t).size;
            for (i, e) in vs.iter().enumerate() {
                store_at(cx, e, t, ptr + i as u64 * stride)?;
            }
        }
        (Ty::Tuple(ts), Val::Tuple(vs)) => {
            if vs.len() != ts.len() {
                return Err(mismatch(ty, cx, v));
            }
            let pairs: Vec<(&Val, &Ty)> = vs.iter().zip(ts).collect();
            store_fields(cx, &pairs, ptr)?
        }
        (Ty::Option(_), Val::Option(o)) => match o {
            None => store_case(cx, ty, 0, None, ptr)?,
            Some(x) => store_case(cx, ty, 1, Some(x), ptr)?,
        },
        (Ty::Result { .. }, Val::Result(r)) => match r {
            Ok(x) => store_case(cx, ty, 0, x.as_deref(), ptr)?,
            Err(x) => store_case(cx, ty, 1, x.as_deref(), ptr)?,
        },
        (Ty::Named(i), _) => match (&world.types[*i].kind, v) {
            (TypeDefKind::Record(fields), Val::Record(vals)) => {
                let pairs = record_values(fields, vals).ok_or_else(|| mismatch(ty, cx, v))?;
                store_fields(cx, &pairs, ptr)?
            }
            (TypeDefKind::Variant(cases), Val::Variant(name, payload)) => {
                let index = cases
                    .iter()
                    .position(|c| c.name == *name)
                    .ok_or_else(|| mismatch(ty, cx, v))?;
                store_case(cx, ty, index, payload.as_deref(), ptr)?
            }
            (TypeDefKind::Enum(names), Val::Enum(name)) => {
                let index = names
                    .iter()
                    .position(|n| n == name)
                    .ok_or_else(|| mismatch(ty, cx, v))?;
                store_case(cx, ty, index, None, ptr)?
            }
            (TypeDefKind::Flags(names), Val::Flags(set)) => {
                let bits = pack_flags(names, set).ok_or_else(|| mismatch(ty, cx, v))?;
                let size = super::layout::flags_repr(names.len()).size();
                int(cx, bits, u64::from(size))?
            }
            _ => return Err(mismatch(ty, cx, v)),
        },
        _ => return Err(mismatch(ty, cx, v)),
    }
    Ok(())
}

/// `pack_flags_into_int`: bit `i` for the `i`th declared flag; `None` when a
/// name is not a flag of the type.
pub(crate) fn pack_flags(names: &[String], set: &[String]) -> Option<u64> {
    set.iter().try_fold(0u64, |bits, s| {
        Some(bits | 1 << names.iter().position(|n| n == s)?)
    })
}

/// The values of a record's fields in declaration order; `None` unless the
/// value has exactly the type's field names.
pub(crate) fn record_values<'v, 't>(
    fields: &'t [crate::ty::Field],
    vals: &'v [(String, Val)],
) -> Option<Vec<(&'v Val, &'t Ty)>> {
    if vals.len() != fields.len() {
        return None;
    }
    fields
        .iter()
        .map(|f| {
            vals.iter()
                .find(|(n, _)| *n == f.name)
                .map(|(_, v)| (v, &f.ty))
        })
        .collect()
}

fn write_pair(cx: &mut LowerCx<'_>, ptr: u64, begin: u32, len: u32) -> Result<(), AbiError> {
    cx.memory.write_uint(ptr, u64::from(begin), 4)?;
    cx.memory.write_uint(ptr + 4, u64::from(len), 4)?;
    Ok(())
}

/// `store_record`: each field at its aligned offset.
pub(crate) fn store_fields(
    cx: &mut LowerCx<'_>,
    fields: &[(&Val, &Ty)],
    ptr: u64,
) -> Result<(), AbiError> {
    let tys: Vec<&Ty> = fields.iter().map(|(_, t)| *t).collect();
    let (offsets, _) = cx.abi.record_layout(&tys);
    for ((v, t), off) in fields.iter().zip(offsets) {
        store_at(cx, v, t, ptr + off)?;
    }
    Ok(())
}

/// `store_variant` for any variant-like type: the discriminant, then the
/// payload (if the case has one) at the payload offset.
fn store_case(
    cx: &mut LowerCx<'_>,
    ty: &Ty,
    index: usize,
    payload: Option<&Val>,
    ptr: u64,
) -> Result<(), AbiError> {
    let abi = cx.abi;
    let (cases, payloads) = abi.variant_cases(ty).expect("a variant-like type");
    let (disc, offset, _) = abi.variant_raw(cases, &payloads);
    let payload_ty = case_payload(abi, ty, index);
    match (payload_ty, payload) {
        (Some(_), None) | (None, Some(_)) => {
            let ty = super::text::print_ty(abi.world(), ty);
            return Err(AbiError::mismatch(format!(
                "case {index} of `{ty}` {} a payload",
                if payload_ty.is_some() {
                    "needs"
                } else {
                    "has no"
                }
            )));
        }
        _ => {}
    }
    cx.memory
        .write_uint(ptr, index as u64, u64::from(disc.size()))?;
    if let (Some(t), Some(v)) = (payload_ty, payload) {
        store_at(cx, v, t, ptr + offset)?;
    }
    Ok(())
}

/// `store_list_into_range`: allocates `count` elements with `realloc`,
/// checks the pointer it returns, and stores each element with `each`.
pub(crate) fn store_list_into_range(
    cx: &mut LowerCx<'_>,
    count: usize,
    elem: Elem<'_>,
    mut each: impl FnMut(&mut LowerCx<'_>, usize, u64) -> Result<(), AbiError>,
) -> Result<(u32, u32), AbiError> {
    let l = cx.abi.elem_raw(elem);
    let byte_len = (count as u64).saturating_mul(l.size);
    // Not reachable in the spec (a loaded list is below the limit); this
    // reference applies the load limit to host lists too.
    trap_if(
        byte_len > MAX_LIST_BYTE_LENGTH,
        TrapKind::ListTooLong,
        || {
            format!(
                "list of {count} elements of {} bytes exceeds MAX_LIST_BYTE_LENGTH",
                l.size
            )
        },
    )?;
    let ptr = cx.allocate(l.align, byte_len)?;
    cx.check_alloc(ptr, Some(l.align), byte_len)?;
    for i in 0..count {
        each(cx, i, u64::from(ptr) + i as u64 * l.size)?;
    }
    Ok((ptr, count as u32))
}
