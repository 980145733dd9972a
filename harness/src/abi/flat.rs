//! Flattening: the spec's `flatten_type` (with `join` for variant payloads),
//! `flatten_functype` for synchronous functions, `lift_flat` / `lower_flat`
//! with the variant coercions, and `lift_flat_values` / `lower_flat_values`,
//! which spill to memory past `MAX_FLAT_PARAMS` / `MAX_FLAT_RESULTS`.

use std::fmt;

use wasmtime::component::Val;

use super::layout::{Abi, Elem};
use super::load::{
    case_payload, convert_i32_to_char, decode_f32, decode_f64, load_at, load_list_from_range,
};
use super::memory::{LiftCx, LowerCx};
use super::store::{pack_flags, record_values, store_at, store_fields, store_list_into_range};
use super::strings::{load_string_from_range, store_string_into_range};
use super::{AbiError, TrapKind, trap_if};
use crate::ty::{MAX_FLAT_PARAMS, MAX_FLAT_RESULTS, Ty, TypeDefKind};

/// A core wasm value type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CoreType {
    I32,
    I64,
    F32,
    F64,
}

impl CoreType {
    pub fn as_str(self) -> &'static str {
        match self {
            CoreType::I32 => "i32",
            CoreType::I64 => "i64",
            CoreType::F32 => "f32",
            CoreType::F64 => "f64",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [CoreType::I32, CoreType::I64, CoreType::F32, CoreType::F64]
            .into_iter()
            .find(|t| t.as_str() == s)
    }

    /// The spec's `join`: the tightest core type both can be bit-cast into.
    pub fn join(self, other: CoreType) -> CoreType {
        use CoreType::*;
        match (self, other) {
            (a, b) if a == b => a,
            (I32, F32) | (F32, I32) => I32,
            _ => I64,
        }
    }
}

impl fmt::Display for CoreType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A core wasm value. Integers are unsigned, as in the spec; floats compare
/// by bits (so NaNs with the same bits are equal).
#[derive(Debug, Clone, Copy)]
pub enum CoreVal {
    I32(u32),
    I64(u64),
    F32(f32),
    F64(f64),
}

impl PartialEq for CoreVal {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (CoreVal::I32(a), CoreVal::I32(b)) => a == b,
            (CoreVal::I64(a), CoreVal::I64(b)) => a == b,
            (CoreVal::F32(a), CoreVal::F32(b)) => a.to_bits() == b.to_bits(),
            (CoreVal::F64(a), CoreVal::F64(b)) => a.to_bits() == b.to_bits(),
            _ => false,
        }
    }
}

impl CoreVal {
    pub fn ty(self) -> CoreType {
        match self {
            CoreVal::I32(_) => CoreType::I32,
            CoreVal::I64(_) => CoreType::I64,
            CoreVal::F32(_) => CoreType::F32,
            CoreVal::F64(_) => CoreType::F64,
        }
    }

    /// The zero of a core type (what `lower_flat_variant` pads with).
    pub fn zero(ty: CoreType) -> Self {
        match ty {
            CoreType::I32 => CoreVal::I32(0),
            CoreType::I64 => CoreVal::I64(0),
            CoreType::F32 => CoreVal::F32(0.0),
            CoreType::F64 => CoreVal::F64(0.0),
        }
    }
}

/// Which side of a `canon` definition a signature is flattened for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlattenContext {
    /// `canon lift`: the core function is the callee; spilled results come
    /// back as a returned pointer.
    Lift,
    /// `canon lower`: the core function is the caller; spilled results go
    /// to a pointer passed as the last parameter.
    Lower,
}

/// A core function type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CoreFuncType {
    pub params: Vec<CoreType>,
    pub results: Vec<CoreType>,
}

impl fmt::Display for CoreFuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |ts: &[CoreType]| ts.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ");
        write!(f, "({}) -> ({})", list(&self.params), list(&self.results))
    }
}

impl<'w> Abi<'w> {
    /// The spec's `flatten_type` for a 32-bit memory.
    pub fn flatten_type(&self, ty: &Ty) -> Vec<CoreType> {
        let mut out = Vec::new();
        self.flatten_into(ty, &mut out);
        out
    }

    /// The spec's `flatten_types`: the flattenings one after another.
    pub fn flatten_types<'t>(&self, tys: impl IntoIterator<Item = &'t Ty>) -> Vec<CoreType> {
        let mut out = Vec::new();
        for t in tys {
            self.flatten_into(t, &mut out);
        }
        out
    }

    /// The spec's `flatten_functype` for a synchronous function: more than
    /// `MAX_FLAT_PARAMS` flat parameters become one pointer; more than
    /// `MAX_FLAT_RESULTS` flat results become a returned pointer (lift) or
    /// a pointer parameter (lower).
    pub fn flatten_functype(
        &self,
        params: &[Ty],
        result: Option<&Ty>,
        context: FlattenContext,
    ) -> CoreFuncType {
        let mut flat_params = self.flatten_types(params);
        let mut flat_results = self.flatten_types(result);
        if flat_params.len() > MAX_FLAT_PARAMS {
            flat_params = vec![CoreType::I32];
        }
        if flat_results.len() > MAX_FLAT_RESULTS {
            match context {
                FlattenContext::Lift => flat_results = vec![CoreType::I32],
                FlattenContext::Lower => {
                    flat_params.push(CoreType::I32);
                    flat_results = vec![];
                }
            }
        }
        CoreFuncType {
            params: flat_params,
            results: flat_results,
        }
    }

    fn flatten_into(&self, ty: &Ty, out: &mut Vec<CoreType>) {
        let world = self.world();
        match world.resolve(ty) {
            Ty::Bool
            | Ty::S8
            | Ty::U8
            | Ty::S16
            | Ty::U16
            | Ty::S32
            | Ty::U32
            | Ty::Char
            | Ty::Own(_)
            | Ty::Borrow(_) => out.push(CoreType::I32),
            Ty::S64 | Ty::U64 => out.push(CoreType::I64),
            Ty::F32 => out.push(CoreType::F32),
            Ty::F64 => out.push(CoreType::F64),
            Ty::String | Ty::List(_) | Ty::Map(..) => out.extend([CoreType::I32, CoreType::I32]),
            Ty::FixedList(t, n) => {
                let one = self.flatten_type(t);
                for _ in 0..*n {
                    out.extend_from_slice(&one);
                }
            }
            Ty::Tuple(ts) => ts.iter().for_each(|t| self.flatten_into(t, out)),
            Ty::Named(i) => match &world.types[*i].kind {
                TypeDefKind::Record(fields) => {
                    fields.iter().for_each(|f| self.flatten_into(&f.ty, out))
                }
                TypeDefKind::Flags(_) => out.push(CoreType::I32),
                _ => out.extend(self.flatten_variant(ty)),
            },
            Ty::Option(_) | Ty::Result { .. } => out.extend(self.flatten_variant(ty)),
        }
    }

    /// `flatten_variant`: the discriminant's `i32`, then per position the
    /// `join` of every case payload's flat type there.
    fn flatten_variant(&self, ty: &Ty) -> Vec<CoreType> {
        let (_, payloads) = self.variant_cases(ty).expect("a variant-like type");
        let mut flat: Vec<CoreType> = Vec::new();
        for p in payloads {
            for (i, ft) in self.flatten_type(p).into_iter().enumerate() {
                match flat.get_mut(i) {
                    Some(slot) => *slot = slot.join(ft),
                    None => flat.push(ft),
                }
            }
        }
        let mut out = vec![CoreType::I32];
        out.extend(flat);
        out
    }
}

/// `lower_flat(cx, v, t)`: the core values of `v`, a value of `ty`;
/// strings and lists are stored in memory through `realloc`.
pub fn lower_flat(cx: &mut LowerCx<'_>, v: &Val, ty: &Ty) -> Result<Vec<CoreVal>, AbiError> {
    cx.abi.check(ty)?;
    let mut out = Vec::new();
    lower_into(cx, v, ty, &mut out)?;
    Ok(out)
}

/// `lift_flat(cx, vi, t)`: the value of `ty` that the core values `flat`
/// (which must be exactly `flatten_type(ty)`) stand for.
pub fn lift_flat(cx: &LiftCx<'_>, ty: &Ty, flat: &[CoreVal]) -> Result<Val, AbiError> {
    cx.abi.check(ty)?;
    let mut it = FlatIter { vals: flat, i: 0 };
    let v = lift_from(cx, &mut it, ty)?;
    it.done()?;
    Ok(v)
}

/// `lower_flat_values(cx, max_flat, vs, ts, out_param)`: the values as
/// core values, or, past `max_flat` flat values, stored as a tuple in
/// memory: at `out_param` when given (no core values), else in a block from
/// `realloc` (one `i32` pointer).
pub fn lower_flat_values(
    cx: &mut LowerCx<'_>,
    max_flat: usize,
    vals: &[Val],
    tys: &[Ty],
    out_param: Option<u32>,
) -> Result<Vec<CoreVal>, AbiError> {
    if vals.len() != tys.len() {
        return Err(AbiError::mismatch(format!(
            "{} values for {} types",
            vals.len(),
            tys.len()
        )));
    }
    for t in tys {
        cx.abi.check(t)?;
    }
    let abi = cx.abi;
    if abi.flatten_types(tys).len() <= max_flat {
        let mut out = Vec::new();
        for (v, t) in vals.iter().zip(tys) {
            lower_into(cx, v, t, &mut out)?;
        }
        return Ok(out);
    }
    let tuple = Ty::Tuple(tys.to_vec());
    let l = abi.raw(&tuple);
    let (ptr, out) = match out_param {
        None => {
            let p = cx.allocate(l.align, l.size)?;
            (p, vec![CoreVal::I32(p)])
        }
        Some(p) => (p, vec![]),
    };
    let p = u64::from(ptr);
    trap_if(p % l.align != 0, TrapKind::Misaligned, || {
        format!("spilled values at {p:#x} are not {}-aligned", l.align)
    })?;
    trap_if(p + l.size > cx.memory.len(), TrapKind::OutOfBounds, || {
        format!(
            "{} bytes of spilled values at {p:#x} pass the end of memory",
            l.size
        )
    })?;
    store_at(cx, &Val::Tuple(vals.to_vec()), &tuple, p)?;
    Ok(out)
}

/// `lift_flat_values(cx, max_flat, vi, ts)`: the values of `tys` from the
/// core values `flat`, which must be used up exactly: the flat values of
/// each type or, past `max_flat`, one pointer to a tuple in memory (which
/// traps when misaligned or out of bounds).
pub fn lift_flat_values(
    cx: &LiftCx<'_>,
    max_flat: usize,
    flat: &[CoreVal],
    tys: &[Ty],
) -> Result<Vec<Val>, AbiError> {
    for t in tys {
        cx.abi.check(t)?;
    }
    let mut it = FlatIter { vals: flat, i: 0 };
    let vals = if cx.abi.flatten_types(tys).len() > max_flat {
        let ptr = u64::from(it.next_i32()?);
        let tuple = Ty::Tuple(tys.to_vec());
        let l = cx.abi.raw(&tuple);
        trap_if(ptr % l.align != 0, TrapKind::Misaligned, || {
            format!("spilled values at {ptr:#x} are not {}-aligned", l.align)
        })?;
        trap_if(
            ptr + l.size > cx.memory.len(),
            TrapKind::OutOfBounds,
            || {
                format!(
                    "{} bytes of spilled values at {ptr:#x} pass the end of memory",
                    l.size
                )
            },
        )?;
        match load_at(cx, &tuple, ptr)? {
            Val::Tuple(vs) => vs,
            _ => unreachable!("a tuple loads as a tuple"),
        }
    } else {
        tys.iter()
            .map(|t| lift_from(cx, &mut it, t))
            .collect::<Result<_, _>>()?
    };
    it.done()?;
    Ok(vals)
}

/// The spec's `CoreValueIter`, with its type assertions as errors.
struct FlatIter<'v> {
    vals: &'v [CoreVal],
    i: usize,
}

impl FlatIter<'_> {
    fn next(&mut self, want: CoreType) -> Result<CoreVal, AbiError> {
        let v = self.vals.get(self.i).copied().ok_or_else(|| {
            AbiError::mismatch(format!(
                "ran out of core values (wanted {want} at {})",
                self.i
            ))
        })?;
        if v.ty() != want {
            return Err(AbiError::mismatch(format!(
                "core value {} is {v:?}, wanted {want}",
                self.i
            )));
        }
        self.i += 1;
        Ok(v)
    }

    fn next_i32(&mut self) -> Result<u32, AbiError> {
        match self.next(CoreType::I32)? {
            CoreVal::I32(x) => Ok(x),
            _ => unreachable!(),
        }
    }

    fn next_i64(&mut self) -> Result<u64, AbiError> {
        match self.next(CoreType::I64)? {
            CoreVal::I64(x) => Ok(x),
            _ => unreachable!(),
        }
    }

    fn done(&self) -> Result<(), AbiError> {
        if self.i == self.vals.len() {
            Ok(())
        } else {
            Err(AbiError::mismatch(format!(
                "{} core values given, {} used",
                self.vals.len(),
                self.i
            )))
        }
    }
}

fn lift_from(cx: &LiftCx<'_>, it: &mut FlatIter<'_>, ty: &Ty) -> Result<Val, AbiError> {
    let world = cx.abi.world();
    Ok(match world.resolve(ty) {
        Ty::Bool => Val::Bool(it.next_i32()? != 0),
        // `lift_flat_unsigned` / `lift_flat_signed`: the high bits beyond
        // the type's width are ignored.
        Ty::U8 => Val::U8(it.next_i32()? as u8),
        Ty::S8 => Val::S8(it.next_i32()? as u8 as i8),
        Ty::U16 => Val::U16(it.next_i32()? as u16),
        Ty::S16 => Val::S16(it.next_i32()? as u16 as i16),
        // A handle is its table index: the reference ABI does not model the
        // handle tables (the host checks them, see `host::handles`).
        Ty::U32 | Ty::Own(_) | Ty::Borrow(_) => Val::U32(it.next_i32()?),
        Ty::S32 => Val::S32(it.next_i32()? as i32),
        Ty::U64 => Val::U64(it.next_i64()?),
        Ty::S64 => Val::S64(it.next_i64()? as i64),
        Ty::F32 => match it.next(CoreType::F32)? {
            CoreVal::F32(f) => Val::Float32(decode_f32(f.to_bits())),
            _ => unreachable!(),
        },
        Ty::F64 => match it.next(CoreType::F64)? {
            CoreVal::F64(f) => Val::Float64(decode_f64(f.to_bits())),
            _ => unreachable!(),
        },
        Ty::Char => Val::Char(convert_i32_to_char(it.next_i32()?)?),
        Ty::String => {
            let (ptr, len) = (it.next_i32()?, it.next_i32()?);
            Val::String(load_string_from_range(cx, ptr, len)?.into_text())
        }
        Ty::List(t) => {
            let (ptr, len) = (it.next_i32()?, it.next_i32()?);
            Val::List(load_list_from_range(cx, ptr, len, Elem::One(t))?)
        }
        Ty::Map(k, v) => {
            let (ptr, len) = (it.next_i32()?, it.next_i32()?);
            let pairs = load_list_from_range(cx, ptr, len, Elem::Pair(k, v))?;
            Val::Map(
                pairs
                    .into_iter()
                    .map(|p| match p {
                        Val::Tuple(mut kv) => {
                            let v = kv.pop().expect("pair");
                            (kv.pop().expect("pair"), v)
                        }
                        _ => unreachable!("map elements load as pairs"),
                    })
                    .collect(),
            )
        }
        Ty::FixedList(t, n) => Val::FixedLengthList(
            (0..*n)
                .map(|_| lift_from(cx, it, t))
                .collect::<Result<_, _>>()?,
        ),
        Ty::Tuple(ts) => Val::Tuple(
            ts.iter()
                .map(|t| lift_from(cx, it, t))
                .collect::<Result<_, _>>()?,
        ),
        Ty::Option(_) => {
            let (case, payload) = lift_case(cx, it, ty)?;
            Val::Option(if case == 0 {
                None
            } else {
                payload.map(Box::new)
            })
        }
        Ty::Result { .. } => {
            let (case, payload) = lift_case(cx, it, ty)?;
            let payload = payload.map(Box::new);
            Val::Result(if case == 0 { Ok(payload) } else { Err(payload) })
        }
        Ty::Named(i) => match &world.types[*i].kind {
            TypeDefKind::Record(fields) => Val::Record(
                fields
                    .iter()
                    .map(|f| Ok((f.name.clone(), lift_from(cx, it, &f.ty)?)))
                    .collect::<Result<_, AbiError>>()?,
            ),
            TypeDefKind::Variant(cases) => {
                let (case, payload) = lift_case(cx, it, ty)?;
                Val::Variant(cases[case].name.clone(), payload.map(Box::new))
            }
            TypeDefKind::Enum(names) => {
                let (case, _) = lift_case(cx, it, ty)?;
                Val::Enum(names[case].clone())
            }
            TypeDefKind::Flags(names) => {
                let bits = it.next_i32()?;
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

/// `lift_flat_variant`: the case index (trapping when out of range), then
/// the payload from the joined flat values, each coerced back to the type
/// the payload wants; the values beyond the payload are skipped.
fn lift_case(
    cx: &LiftCx<'_>,
    it: &mut FlatIter<'_>,
    ty: &Ty,
) -> Result<(usize, Option<Val>), AbiError> {
    let joined = cx.abi.flatten_variant(ty);
    let (cases, _) = cx.abi.variant_cases(ty).expect("a variant-like type");
    let index = it.next_i32()?;
    trap_if(
        index as usize >= cases,
        TrapKind::InvalidDiscriminant,
        || format!("discriminant {index} is not below the case count {cases}"),
    )?;
    let have: Vec<CoreVal> = joined[1..]
        .iter()
        .map(|t| it.next(*t))
        .collect::<Result<_, _>>()?;
    let index = index as usize;
    let Some(payload_ty) = case_payload(cx.abi, ty, index) else {
        return Ok((index, None));
    };
    let want = cx.abi.flatten_type(payload_ty);
    let coerced: Vec<CoreVal> = have
        .iter()
        .zip(&want)
        .map(|(h, w)| match (*h, *w) {
            (CoreVal::I32(x), CoreType::F32) => CoreVal::F32(decode_f32(x)),
            (CoreVal::I64(x), CoreType::I32) => CoreVal::I32(x as u32),
            (CoreVal::I64(x), CoreType::F32) => CoreVal::F32(decode_f32(x as u32)),
            (CoreVal::I64(x), CoreType::F64) => CoreVal::F64(decode_f64(x)),
            (h, w) => {
                debug_assert_eq!(h.ty(), w, "join only widens");
                h
            }
        })
        .collect();
    let mut sub = FlatIter {
        vals: &coerced,
        i: 0,
    };
    let v = lift_from(cx, &mut sub, payload_ty)?;
    sub.done()?;
    Ok((index, Some(v)))
}

fn lower_into(
    cx: &mut LowerCx<'_>,
    v: &Val,
    ty: &Ty,
    out: &mut Vec<CoreVal>,
) -> Result<(), AbiError> {
    let world = cx.abi.world();
    let mismatch = |cx: &LowerCx<'_>| {
        let ty = super::text::print_ty(cx.abi.world(), ty);
        AbiError::mismatch(format!("a value of `{ty}` cannot be {v:?}"))
    };
    match (world.resolve(ty), v) {
        (Ty::Bool, Val::Bool(b)) => out.push(CoreVal::I32(u32::from(*b))),
        (Ty::U8, Val::U8(x)) => out.push(CoreVal::I32(u32::from(*x))),
        (Ty::U16, Val::U16(x)) => out.push(CoreVal::I32(u32::from(*x))),
        (Ty::U32, Val::U32(x)) => out.push(CoreVal::I32(*x)),
        (Ty::U64, Val::U64(x)) => out.push(CoreVal::I64(*x)),
        // `lower_flat_signed`: two's complement in the core width.
        (Ty::S8, Val::S8(x)) => out.push(CoreVal::I32(i32::from(*x) as u32)),
        (Ty::S16, Val::S16(x)) => out.push(CoreVal::I32(i32::from(*x) as u32)),
        (Ty::S32, Val::S32(x)) => out.push(CoreVal::I32(*x as u32)),
        (Ty::S64, Val::S64(x)) => out.push(CoreVal::I64(*x as u64)),
        (Ty::F32, Val::Float32(f)) => out.push(CoreVal::F32(f32::from_bits(cx.nan.f32_bits(*f)))),
        (Ty::F64, Val::Float64(f)) => out.push(CoreVal::F64(f64::from_bits(cx.nan.f64_bits(*f)))),
        (Ty::Char, Val::Char(c)) => out.push(CoreVal::I32(*c as u32)),
        (Ty::String, Val::String(s)) => {
            let hinted = cx.hint(s);
            let (ptr, len) = store_string_into_range(cx, &hinted)?;
            out.extend([CoreVal::I32(ptr), CoreVal::I32(len)]);
        }
        (Ty::List(t), Val::List(vs)) => {
            let (ptr, len) = store_list_into_range(cx, vs.len(), Elem::One(t), |cx, i, at| {
                store_at(cx, &vs[i], t, at)
            })?;
            out.extend([CoreVal::I32(ptr), CoreVal::I32(len)]);
        }
        (Ty::Map(k, vt), Val::Map(pairs)) => {
            let (ptr, len) =
                store_list_into_range(cx, pairs.len(), Elem::Pair(k, vt), |cx, i, at| {
                    store_fields(cx, &[(&pairs[i].0, k), (&pairs[i].1, vt)], at)
                })?;
            out.extend([CoreVal::I32(ptr), CoreVal::I32(len)]);
        }
        (Ty::FixedList(t, n), Val::FixedLengthList(vs)) => {
            if vs.len() != *n as usize {
                return Err(mismatch(cx));
            }
            for e in vs {
                lower_into(cx, e, t, out)?;
            }
        }
        (Ty::Tuple(ts), Val::Tuple(vs)) => {
            if vs.len() != ts.len() {
                return Err(mismatch(cx));
            }
            for (e, t) in vs.iter().zip(ts) {
                lower_into(cx, e, t, out)?;
            }
        }
        (Ty::Option(_), Val::Option(o)) => match o {
            None => lower_case(cx, ty, 0, None, out)?,
            Some(x) => lower_case(cx, ty, 1, Some(x), out)?,
        },
        (Ty::Result { .. }, Val::Result(r)) => match r {
            Ok(x) => lower_case(cx, ty, 0, x.as_deref(), out)?,
            Err(x) => lower_case(cx, ty, 1, x.as_deref(), out)?,
        },
        (Ty::Named(i), _) => match (&world.types[*i].kind, v) {
            (TypeDefKind::Record(fields), Val::Record(vals)) => {
                let pairs = record_values(fields, vals).ok_or_else(|| mismatch(cx))?;
                for (e, t) in pairs {
                    lower_into(cx, e, t, out)?;
                }
            }
            (TypeDefKind::Variant(cases), Val::Variant(name, payload)) => {
                let index = cases
                    .iter()
                    .position(|c| c.name == *name)
                    .ok_or_else(|| mismatch(cx))?;
                lower_case(cx, ty, index, payload.as_deref(), out)?
            }
            (TypeDefKind::Enum(names), Val::Enum(name)) => {
                let index = names
                    .iter()
                    .position(|n| n == name)
                    .ok_or_else(|| mismatch(cx))?;
                lower_case(cx, ty, index, None, out)?
            }
            (TypeDefKind::Flags(names), Val::Flags(set)) => {
                let bits = pack_flags(names, set).ok_or_else(|| mismatch(cx))?;
                out.push(CoreVal::I32(bits as u32))
            }
            _ => return Err(mismatch(cx)),
        },
        _ => return Err(mismatch(cx)),
    }
    Ok(())
}

/// `lower_flat_variant`: the case index, the payload's flat values coerced
/// to the joined types, and zeros for the rest.
fn lower_case(
    cx: &mut LowerCx<'_>,
    ty: &Ty,
    index: usize,
    payload: Option<&Val>,
    out: &mut Vec<CoreVal>,
) -> Result<(), AbiError> {
    let abi = cx.abi;
    let joined = abi.flatten_variant(ty);
    let payload_ty = case_payload(abi, ty, index);
    let mut flat = Vec::new();
    match (payload_ty, payload) {
        (Some(t), Some(v)) => lower_into(cx, v, t, &mut flat)?,
        (None, None) => {}
        _ => {
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
    }
    out.push(CoreVal::I32(index as u32));
    let nan = cx.nan;
    for (i, want) in joined[1..].iter().enumerate() {
        let v = match (flat.get(i).copied(), *want) {
            (None, w) => CoreVal::zero(w),
            (Some(CoreVal::F32(f)), CoreType::I32) => CoreVal::I32(nan.f32_bits(f)),
            (Some(CoreVal::I32(x)), CoreType::I64) => CoreVal::I64(u64::from(x)),
            (Some(CoreVal::F32(f)), CoreType::I64) => CoreVal::I64(u64::from(nan.f32_bits(f))),
            (Some(CoreVal::F64(f)), CoreType::I64) => CoreVal::I64(nan.f64_bits(f)),
            (Some(h), w) => {
                debug_assert_eq!(h.ty(), w, "join only widens");
                h
            }
        };
        out.push(v);
    }
    Ok(())
}
