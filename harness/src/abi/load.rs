//! Loading: the spec's `load`, reading a value of a type out of linear
//! memory with every check the spec makes (discriminants, chars, string
//! encodings and limits, list limits, pointer alignment and bounds).
//!
//! As in the spec: a `bool` is true for any nonzero byte; flag bits beyond
//! the defined flags are ignored; every NaN is canonicalised.

use wasmtime::component::Val;

use super::layout::{Abi, Elem};
use super::memory::LiftCx;
use super::strings::load_string;
use super::{
    AbiError, CANONICAL_F32_NAN, CANONICAL_F64_NAN, MAX_LIST_BYTE_LENGTH, TrapKind, trap_if,
};
use crate::ty::{Ty, TypeDefKind};

/// `load(cx, ptr, t)` for a value of `ty` at `ptr`. The spec asserts that
/// `ptr` is aligned and in bounds (its callers check that with traps); here
/// they are checked too, with the same traps.
pub fn load(cx: &LiftCx<'_>, ty: &Ty, ptr: u32) -> Result<Val, AbiError> {
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
    load_at(cx, ty, p)
}

/// `convert_i32_to_char`: traps above `0x10FFFF` and on surrogates.
pub fn convert_i32_to_char(i: u32) -> Result<char, AbiError> {
    char::from_u32(i).ok_or_else(|| {
        let why = if i >= 0x11_0000 {
            "above 0x10FFFF"
        } else {
            "a surrogate"
        };
        super::Trap::new(TrapKind::InvalidChar, format!("char {i:#x} is {why}")).into()
    })
}

/// `decode_i32_as_float`: the float, with NaNs canonicalised.
pub fn decode_f32(bits: u32) -> f32 {
    let f = f32::from_bits(bits);
    if f.is_nan() {
        f32::from_bits(CANONICAL_F32_NAN)
    } else {
        f
    }
}

/// `decode_i64_as_float`: the float, with NaNs canonicalised.
pub fn decode_f64(bits: u64) -> f64 {
    let f = f64::from_bits(bits);
    if f.is_nan() {
        f64::from_bits(CANONICAL_F64_NAN)
    } else {
        f
    }
}

/// `load` without the entry checks (the caller has established alignment
/// and bounds, as the spec's callers do).
pub(crate) fn load_at(cx: &LiftCx<'_>, ty: &Ty, ptr: u64) -> Result<Val, AbiError> {
    let world = cx.abi.world();
    let m = cx.memory;
    let int = |n| m.read_uint(ptr, n);
    Ok(match world.resolve(ty) {
        Ty::Bool => Val::Bool(int(1)? != 0),
        Ty::U8 => Val::U8(int(1)? as u8),
        Ty::S8 => Val::S8(int(1)? as u8 as i8),
        Ty::U16 => Val::U16(int(2)? as u16),
        Ty::S16 => Val::S16(int(2)? as u16 as i16),
        Ty::U32 | Ty::Own(_) | Ty::Borrow(_) => Val::U32(int(4)? as u32),
        Ty::S32 => Val::S32(int(4)? as u32 as i32),
        Ty::U64 => Val::U64(int(8)?),
        Ty::S64 => Val::S64(int(8)? as i64),
        Ty::F32 => Val::Float32(decode_f32(int(4)? as u32)),
        Ty::F64 => Val::Float64(decode_f64(int(8)?)),
        Ty::Char => Val::Char(convert_i32_to_char(int(4)? as u32)?),
        Ty::String => Val::String(load_string(cx, ptr)?.into_text()),
        Ty::List(t) => {
            let (begin, len) = (int(4)? as u32, m.read_uint(ptr + 4, 4)? as u32);
            Val::List(load_list_from_range(cx, begin, len, Elem::One(t))?)
        }
        Ty::Map(k, v) => {
            let (begin, len) = (int(4)? as u32, m.read_uint(ptr + 4, 4)? as u32);
            let pairs = load_list_from_range(cx, begin, len, Elem::Pair(k, v))?;
            Val::Map(pairs.into_iter().map(into_pair).collect())
        }
        Ty::FixedList(t, n) => {
            let stride = cx.abi.raw(t).size;
            let elems = (0..u64::from(*n))
                .map(|i| load_at(cx, t, ptr + i * stride))
                .collect::<Result<_, _>>()?;
            Val::FixedLengthList(elems)
        }
        Ty::Tuple(ts) => Val::Tuple(load_fields(cx, &ts.iter().collect::<Vec<_>>(), ptr)?),
        Ty::Option(_) => {
            let (case, payload) = load_case(cx, ty, ptr)?;
            Val::Option(if case == 0 {
                None
            } else {
                payload.map(Box::new)
            })
        }
        Ty::Result { .. } => {
            let (case, payload) = load_case(cx, ty, ptr)?;
            let payload = payload.map(Box::new);
            Val::Result(if case == 0 { Ok(payload) } else { Err(payload) })
        }
        Ty::Named(i) => match &world.types[*i].kind {
            TypeDefKind::Record(fields) => {
                let tys: Vec<&Ty> = fields.iter().map(|f| &f.ty).collect();
                let vals = load_fields(cx, &tys, ptr)?;
                Val::Record(fields.iter().map(|f| f.name.clone()).zip(vals).collect())
            }
            TypeDefKind::Variant(cases) => {
                let (case, payload) = load_case(cx, ty, ptr)?;
                Val::Variant(cases[case].name.clone(), payload.map(Box::new))
            }
            TypeDefKind::Enum(names) => {
                let (case, _) = load_case(cx, ty, ptr)?;
                Val::Enum(names[case].clone())
            }
            TypeDefKind::Flags(names) => {
                let repr = super::layout::flags_repr(names.len());
                let bits = int(u64::from(repr.size()))?;
                // `unpack_flags_from_int`: one bit per label, the rest ignored.
                let set = names.iter().enumerate().filter(|(i, _)| bits >> i & 1 == 1);
                Val::Flags(set.map(|(_, n)| n.clone()).collect())
            }
            TypeDefKind::Alias(_) => unreachable!("resolve sees through aliases"),
            TypeDefKind::Resource(_) | TypeDefKind::GuestResource(_) => {
                unreachable!("a resource is not a value type")
            }
        },
    })
}

fn into_pair(v: Val) -> (Val, Val) {
    match v {
        Val::Tuple(mut kv) if kv.len() == 2 => {
            let v = kv.pop().expect("two elements");
            (kv.pop().expect("two elements"), v)
        }
        _ => unreachable!("map elements load as pairs"),
    }
}

/// `load_record`: the fields at their aligned offsets.
fn load_fields(cx: &LiftCx<'_>, tys: &[&Ty], ptr: u64) -> Result<Vec<Val>, AbiError> {
    let (offsets, _) = cx.abi.record_layout(tys);
    tys.iter()
        .zip(offsets)
        .map(|(t, off)| load_at(cx, t, ptr + off))
        .collect()
}

/// `load_variant` for any variant-like type: the case index (trapping when
/// out of range) and the payload, if the case has one.
fn load_case(cx: &LiftCx<'_>, ty: &Ty, ptr: u64) -> Result<(usize, Option<Val>), AbiError> {
    let (cases, payloads) = cx.abi.variant_cases(ty).expect("a variant-like type");
    let (disc, offset, _) = cx.abi.variant_raw(cases, &payloads);
    let index = cx.memory.read_uint(ptr, u64::from(disc.size()))?;
    trap_if(index >= cases as u64, TrapKind::InvalidDiscriminant, || {
        format!("discriminant {index} at {ptr:#x} is not below the case count {cases}")
    })?;
    let index = index as usize;
    let payload = match case_payload(cx.abi, ty, index) {
        Some(t) => Some(load_at(cx, t, ptr + offset)?),
        None => None,
    };
    Ok((index, payload))
}

/// The payload type of case `index` of a variant-like type.
pub(crate) fn case_payload<'a>(abi: &Abi<'a>, ty: &'a Ty, index: usize) -> Option<&'a Ty> {
    let world = abi.world();
    match world.resolve(ty) {
        Ty::Option(t) => (index == 1).then_some(&**t),
        Ty::Result { ok, err } => if index == 0 { ok } else { err }.as_deref(),
        Ty::Named(i) => match &world.types[*i].kind {
            TypeDefKind::Variant(cases) => cases[index].ty.as_ref(),
            _ => None,
        },
        _ => None,
    }
}

/// `load_list_from_range`: traps when the byte length exceeds
/// `MAX_LIST_BYTE_LENGTH`, the pointer is not aligned to the element, or
/// the range passes the end of memory.
pub(crate) fn load_list_from_range(
    cx: &LiftCx<'_>,
    begin: u32,
    len: u32,
    elem: Elem<'_>,
) -> Result<Vec<Val>, AbiError> {
    let l = cx.abi.elem_raw(elem);
    let byte_len = u64::from(len) * l.size;
    trap_if(
        byte_len > MAX_LIST_BYTE_LENGTH,
        TrapKind::ListTooLong,
        || {
            format!(
                "list of {len} elements of {} bytes exceeds MAX_LIST_BYTE_LENGTH",
                l.size
            )
        },
    )?;
    let p = u64::from(begin);
    trap_if(p % l.align != 0, TrapKind::Misaligned, || {
        format!("list pointer {p:#x} is not {}-aligned", l.align)
    })?;
    trap_if(
        p + byte_len > cx.memory.len(),
        TrapKind::OutOfBounds,
        || {
            format!(
                "list of {byte_len} bytes at {p:#x} passes the end of memory ({} bytes)",
                cx.memory.len()
            )
        },
    )?;
    (0..u64::from(len))
        .map(|i| {
            let at = p + i * l.size;
            match elem {
                Elem::One(t) => load_at(cx, t, at),
                Elem::Pair(k, v) => load_fields(cx, &[k, v], at).map(Val::Tuple),
            }
        })
        .collect()
}
