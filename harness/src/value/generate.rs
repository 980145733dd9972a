//! Random values of a case's types, drawn from `arbitrary` bytes and biased
//! towards the values that break canonical ABI implementations.
//!
//! [`arbitrary_val`] makes one [`Val`] of a [`Ty`] of a [`CaseWorld`]:
//!
//! - integers favour edges: 0, ±1, min, max, min+1, max-1 and powers of two
//!   ±1, besides uniform values;
//! - floats favour ±0, ±inf, subnormals, max/min, and NaNs both quiet and
//!   signalling, with and without payloads and sign (bit patterns are kept);
//! - chars favour the UTF-8 width boundaries (0, 0x7f, 0x80, 0x7ff, 0x800,
//!   0xd7ff, 0xe000, 0xfffd, 0xffff, 0x10000, 0x10ffff) besides random
//!   scalars;
//! - strings are empty, ASCII (with controls and quotes), all 2-, 3- or 4-byte
//!   UTF-8, mixed, and now and then several KiB long;
//! - lists are often empty or short and now and then long; `list<T, N>` has
//!   exactly N elements; maps have unique keys (by [`compare`](super::compare())'s
//!   equality);
//! - every variant case can appear; enums favour their first, last and
//!   middle case; flags are none, all or any subset (in declaration order).
//!
//! Bounds: [`ValueConfig::budget`] caps [`val_weight`] of the value. Before a
//! part of a value is chosen, the minimal weight of everything still owed is
//! set aside, so a value never weighs more than the budget (or than the
//! lightest value of its type, when that is heavier). Below
//! [`ValueConfig::max_depth`] nested values, lists and maps are empty,
//! options `none`, and variants and results take their lightest case.
//!
//! The value depends only on the bytes. When the bytes run out, `arbitrary`
//! answers every choice with its smallest option and the values stay valid
//! (empty lists, `none`, zero, ...). The only error is
//! [`arbitrary::Error::IncorrectFormat`] for a malformed world (a named type
//! index out of range or pointing forward, an enum or variant without cases).

use arbitrary::{Error, Result, Unstructured};
use wasmtime::component::Val;

use crate::ty::{CaseWorld, Ty, TypeDefKind};

/// Bounds on generated values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueConfig {
    /// Most elements of a `list<T>`, most entries of a `map<K, V>`.
    pub max_list_len: usize,
    /// Longest string, in UTF-8 bytes.
    pub max_string_len: usize,
    /// Nesting depth below which values take their lightest shape.
    pub max_depth: usize,
    /// Largest [`val_weight`] of one value.
    pub budget: usize,
}

/// Lists of up to 256 elements, strings of up to 8 KiB, 12 levels of
/// nesting, a budget of 64 Ki (a few long strings, or thousands of scalars).
impl Default for ValueConfig {
    fn default() -> Self {
        ValueConfig {
            max_list_len: 256,
            max_string_len: 8 * 1024,
            max_depth: 12,
            budget: 64 * 1024,
        }
    }
}

/// A random value of `ty` (see the module documentation for the biases and
/// bounds).
pub fn arbitrary_val(
    world: &CaseWorld,
    ty: &Ty,
    config: &ValueConfig,
    u: &mut Unstructured,
) -> Result<Val> {
    check_world(world, ty)?;
    let mut generator = Generator {
        world,
        config,
        u,
        left: config.budget,
        depth: 0,
        min_weights: vec![None; world.types.len()],
    };
    let min = generator.min_weight(ty);
    if generator.left < min {
        generator.left = min;
    }
    generator.val(ty)
}

/// The size of a value: one per value node (scalars, containers, cases)
/// plus the UTF-8 length of every string. Smaller is simpler; it is what
/// [`ValueConfig::budget`] bounds.
pub fn val_weight(v: &Val) -> usize {
    1 + match v {
        Val::String(s) => s.len(),
        Val::List(vs) | Val::FixedLengthList(vs) | Val::Tuple(vs) => {
            vs.iter().map(val_weight).sum()
        }
        Val::Map(entries) => entries
            .iter()
            .map(|(k, v)| val_weight(k) + val_weight(v))
            .sum(),
        Val::Record(fields) => fields.iter().map(|(_, v)| val_weight(v)).sum(),
        Val::Variant(_, payload)
        | Val::Option(payload)
        | Val::Result(Ok(payload) | Err(payload)) => payload.as_deref().map_or(0, val_weight),
        _ => 0,
    }
}

/// Rejects worlds the generator cannot walk: named indices out of range or
/// pointing forward (a cycle), enums and variants without cases.
fn check_world(world: &CaseWorld, ty: &Ty) -> Result<()> {
    fn refs_below(ty: &Ty, limit: usize) -> bool {
        let mut names = Vec::new();
        CaseWorld::direct_names(ty, &mut names);
        names.iter().all(|&i| i < limit)
    }
    for (i, def) in world.types.iter().enumerate() {
        let ok = match &def.kind {
            TypeDefKind::Record(fields) => fields.iter().all(|f| refs_below(&f.ty, i)),
            TypeDefKind::Variant(cases) => {
                !cases.is_empty()
                    && cases
                        .iter()
                        .all(|c| c.ty.as_ref().is_none_or(|t| refs_below(t, i)))
            }
            TypeDefKind::Enum(cases) => !cases.is_empty(),
            TypeDefKind::Flags(_) | TypeDefKind::Resource(_) | TypeDefKind::GuestResource(_) => {
                true
            }
            TypeDefKind::Alias(t) => refs_below(t, i),
        };
        if !ok {
            return Err(Error::IncorrectFormat);
        }
    }
    if refs_below(ty, world.types.len()) {
        Ok(())
    } else {
        Err(Error::IncorrectFormat)
    }
}

/// Float bit patterns worth trying first: +0 first (the minimal choice).
const F32_EDGES: [u32; 20] = [
    0x0000_0000, // +0
    0x8000_0000, // -0
    0x7f80_0000, // +inf
    0xff80_0000, // -inf
    0x7fc0_0000, // canonical quiet NaN
    0xffc0_0000, // negative quiet NaN
    0x7fc0_0001, // quiet NaN with payload
    0x7fff_ffff, // quiet NaN, all payload bits
    0x7f80_0001, // signalling NaN, smallest payload
    0x7fa0_0000, // signalling NaN
    0xff80_0001, // negative signalling NaN
    0x0000_0001, // smallest subnormal
    0x007f_ffff, // largest subnormal
    0x8000_0001, // negative subnormal
    0x0080_0000, // smallest normal
    0x7f7f_ffff, // max
    0xff7f_ffff, // min
    0x3f80_0000, // 1
    0xbf80_0000, // -1
    0x3400_0000, // epsilon
];

const F64_EDGES: [u64; 21] = [
    0x0000_0000_0000_0000, // +0
    0x8000_0000_0000_0000, // -0
    0x7ff0_0000_0000_0000, // +inf
    0xfff0_0000_0000_0000, // -inf
    0x7ff8_0000_0000_0000, // canonical quiet NaN
    0xfff8_0000_0000_0000, // negative quiet NaN
    0x7ff8_0000_0000_0001, // quiet NaN with payload
    0x7fff_ffff_ffff_ffff, // quiet NaN, all payload bits
    0x7ff0_0000_0000_0001, // signalling NaN, smallest payload
    0x7ff4_0000_0000_0000, // signalling NaN
    0xfff0_0000_0000_0001, // negative signalling NaN
    0x0000_0000_0000_0001, // smallest subnormal
    0x000f_ffff_ffff_ffff, // largest subnormal
    0x8000_0000_0000_0001, // negative subnormal
    0x0010_0000_0000_0000, // smallest normal
    0x7fef_ffff_ffff_ffff, // max
    0xffef_ffff_ffff_ffff, // min
    0x3ff0_0000_0000_0000, // 1
    0xbff0_0000_0000_0000, // -1
    0x3cb0_0000_0000_0000, // epsilon
    0x3fb9_9999_9999_999a, // 0.1
];

/// Scalar values at the UTF-8 width boundaries and around the surrogates.
const CHAR_EDGES: [u32; 11] = [
    0, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xfffd, 0xffff, 0x10000, 0x10ffff,
];

/// ASCII characters that need escaping or care in bindings.
const ASCII_SPECIALS: [char; 9] = ['\0', '\t', '\n', '\r', '"', '\\', '\'', '\x7f', '\x1b'];

struct Generator<'a, 'u, 'b> {
    world: &'a CaseWorld,
    config: &'a ValueConfig,
    u: &'u mut Unstructured<'b>,
    /// Weight still available to the value being generated (what is owed
    /// to siblings not yet generated is already taken out).
    left: usize,
    depth: usize,
    /// Memoised minimal weights of the named types.
    min_weights: Vec<Option<usize>>,
}

impl Generator<'_, '_, '_> {
    /// Takes `n` from the budget. The reservations guarantee it is there.
    fn spend(&mut self, n: usize) {
        debug_assert!(n <= self.left, "value budget overdrawn");
        self.left = self.left.saturating_sub(n);
    }

    /// Whether this value is nested too deep to grow.
    fn deep(&self) -> bool {
        self.depth >= self.config.max_depth
    }

    /// The weight of the lightest value of `ty`.
    fn min_weight(&mut self, ty: &Ty) -> usize {
        let world = self.world;
        match ty {
            Ty::FixedList(elem, n) => {
                1usize.saturating_add(self.min_weight(elem).saturating_mul(*n as usize))
            }
            Ty::Tuple(tys) => tys
                .iter()
                .fold(1usize, |acc, t| acc.saturating_add(self.min_weight(t))),
            Ty::Result { ok, err } => {
                let ok = ok.as_deref().map_or(0, |t| self.min_weight(t));
                let err = err.as_deref().map_or(0, |t| self.min_weight(t));
                1usize.saturating_add(ok.min(err))
            }
            Ty::Named(i) => {
                if let Some(w) = self.min_weights[*i] {
                    return w;
                }
                let w = match &world.types[*i].kind {
                    TypeDefKind::Record(fields) => fields
                        .iter()
                        .fold(1usize, |acc, f| acc.saturating_add(self.min_weight(&f.ty))),
                    TypeDefKind::Variant(cases) => {
                        let lightest = cases
                            .iter()
                            .map(|c| c.ty.as_ref().map_or(0, |t| self.min_weight(t)))
                            .min()
                            .unwrap_or(0);
                        1usize.saturating_add(lightest)
                    }
                    TypeDefKind::Enum(_)
                    | TypeDefKind::Flags(_)
                    | TypeDefKind::Resource(_)
                    | TypeDefKind::GuestResource(_) => 1,
                    TypeDefKind::Alias(t) => self.min_weight(t),
                };
                self.min_weights[*i] = Some(w);
                w
            }
            // Scalars, strings, lists, maps and options (`none`).
            _ => 1,
        }
    }

    /// A value of `ty`. Requires `self.left >= self.min_weight(ty)`; spends
    /// exactly the weight of the value it returns.
    fn val(&mut self, ty: &Ty) -> Result<Val> {
        let world = self.world;
        if let Ty::Named(i) = ty
            && let TypeDefKind::Alias(inner) = &world.types[*i].kind
        {
            return self.val(inner);
        }
        self.spend(1);
        self.depth += 1;
        let v = self.val_body(ty);
        self.depth -= 1;
        v
    }

    fn val_body(&mut self, ty: &Ty) -> Result<Val> {
        let world = self.world;
        Ok(match ty {
            Ty::Bool => Val::Bool(self.u.arbitrary()?),
            Ty::S8 => Val::S8(self.int(8, true)? as i8),
            Ty::S16 => Val::S16(self.int(16, true)? as i16),
            Ty::S32 => Val::S32(self.int(32, true)? as i32),
            Ty::S64 => Val::S64(self.int(64, true)? as i64),
            Ty::U8 => Val::U8(self.int(8, false)? as u8),
            Ty::U16 => Val::U16(self.int(16, false)? as u16),
            Ty::U32 => Val::U32(self.int(32, false)? as u32),
            Ty::U64 => Val::U64(self.int(64, false)? as u64),
            Ty::F32 => Val::Float32(f32::from_bits(self.f32_bits()?)),
            Ty::F64 => Val::Float64(f64::from_bits(self.f64_bits()?)),
            Ty::Char => Val::Char(self.char()?),
            Ty::String => Val::String(self.string()?),
            // A handle is a fresh host resource; the host numbers them when
            // it makes the call ([`crate::host::handles`]).
            Ty::Own(_) | Ty::Borrow(_) => Val::U32(0),
            Ty::List(elem) => {
                let n = self.list_len(elem)?;
                Val::List(self.seq(std::iter::repeat_n(&**elem, n))?)
            }
            Ty::FixedList(elem, n) => {
                Val::FixedLengthList(self.seq(std::iter::repeat_n(&**elem, *n as usize))?)
            }
            Ty::Map(key, value) => Val::Map(self.map(key, value)?),
            Ty::Tuple(tys) => Val::Tuple(self.seq(tys.iter())?),
            Ty::Option(inner) => {
                let some = !self.deep()
                    && self.left >= self.min_weight(inner)
                    && self.u.arbitrary::<bool>()?;
                Val::Option(if some {
                    Some(Box::new(self.val(inner)?))
                } else {
                    None
                })
            }
            Ty::Result { ok, err } => {
                let arms = [ok.as_deref(), err.as_deref()];
                let arm = self.pick_case(&arms)?;
                let payload = match arms[arm] {
                    Some(t) => Some(Box::new(self.val(t)?)),
                    None => None,
                };
                Val::Result(if arm == 0 { Ok(payload) } else { Err(payload) })
            }
            Ty::Named(i) => match &world.types[*i].kind {
                TypeDefKind::Record(fields) => {
                    let vals = self.seq(fields.iter().map(|f| &f.ty))?;
                    Val::Record(fields.iter().map(|f| f.name.clone()).zip(vals).collect())
                }
                TypeDefKind::Variant(cases) => {
                    let payloads: Vec<Option<&Ty>> = cases.iter().map(|c| c.ty.as_ref()).collect();
                    let case = self.pick_case(&payloads)?;
                    let payload = match payloads[case] {
                        Some(t) => Some(Box::new(self.val(t)?)),
                        None => None,
                    };
                    Val::Variant(cases[case].name.clone(), payload)
                }
                TypeDefKind::Enum(cases) => {
                    let n = cases.len();
                    let index = match self.u.int_in_range(0..=5u8)? {
                        0 => 0,
                        1 => n - 1,
                        2 => n / 2,
                        _ => self.u.choose_index(n)?,
                    };
                    Val::Enum(cases[index].clone())
                }
                TypeDefKind::Flags(names) => {
                    let set: Vec<bool> = match self.u.int_in_range(0..=5u8)? {
                        0 => vec![false; names.len()],
                        1 => vec![true; names.len()],
                        _ => {
                            let mut set = Vec::with_capacity(names.len());
                            for chunk in names.chunks(32) {
                                let bits: u32 = self.u.arbitrary()?;
                                set.extend((0..chunk.len()).map(|b| bits & (1 << b) != 0));
                            }
                            set
                        }
                    };
                    Val::Flags(
                        names
                            .iter()
                            .zip(set)
                            .filter(|(_, on)| *on)
                            .map(|(n, _)| n.clone())
                            .collect(),
                    )
                }
                TypeDefKind::Alias(_) => unreachable!("aliases are resolved in `val`"),
                TypeDefKind::Resource(_) | TypeDefKind::GuestResource(_) => {
                    return Err(Error::IncorrectFormat);
                }
            },
        })
    }

    /// Values of `tys` in order. Before each one, the minimal weight of the
    /// ones after it is set aside.
    fn seq<'t>(&mut self, tys: impl Iterator<Item = &'t Ty> + Clone) -> Result<Vec<Val>> {
        let mut owed = tys
            .clone()
            .fold(0usize, |acc, t| acc.saturating_add(self.min_weight(t)));
        let mut out = Vec::with_capacity(tys.size_hint().0);
        for ty in tys {
            owed -= self.min_weight(ty).min(owed);
            let reserved = owed.min(self.left);
            self.left -= reserved;
            let v = self.val(ty);
            self.left += reserved;
            out.push(v?);
        }
        Ok(out)
    }

    /// The index of a case (of a variant, or `ok`/`err` of a result) whose
    /// payload fits what is left; the lightest one when nested too deep or
    /// when the bytes have run out.
    fn pick_case(&mut self, payloads: &[Option<&Ty>]) -> Result<usize> {
        let weights: Vec<usize> = payloads
            .iter()
            .map(|p| p.map_or(0, |t| self.min_weight(t)))
            .collect();
        let lightest = (0..weights.len()).min_by_key(|&i| weights[i]).unwrap_or(0);
        if self.deep() || self.u.is_empty() {
            return Ok(lightest);
        }
        let chosen = self.u.choose_index(payloads.len())?;
        Ok(if weights[chosen] <= self.left {
            chosen
        } else {
            lightest
        })
    }

    /// A list length: often 0 or 1, mostly short, now and then long; never
    /// more than the budget can pay for.
    fn list_len(&mut self, elem: &Ty) -> Result<usize> {
        let per = self.min_weight(elem).max(1);
        let max = self.config.max_list_len.min(self.left / per);
        if self.deep() || max == 0 {
            return Ok(0);
        }
        let n = match self.u.int_in_range(0..=15u8)? {
            0..=3 => 0,
            4..=6 => 1,
            7..=11 => self.u.int_in_range(2..=8usize)?,
            12..=14 => self.u.int_in_range(9..=64usize)?,
            _ => self.u.int_in_range(65..=max.max(65))?,
        };
        Ok(n.min(max))
    }

    /// Map entries with unique keys: a key equal to an earlier one is
    /// dropped with its entry.
    fn map(&mut self, key: &Ty, value: &Ty) -> Result<Vec<(Val, Val)>> {
        let per = self.min_weight(key).saturating_add(self.min_weight(value));
        let max = self.config.max_list_len.min(self.left / per.max(1));
        let n = if self.deep() || max == 0 {
            0
        } else {
            match self.u.int_in_range(0..=7u8)? {
                0..=1 => 0,
                2..=3 => 1,
                4..=6 => self.u.int_in_range(2..=8usize)?,
                _ => self.u.int_in_range(9..=max.max(9))?,
            }
            .min(max)
        };
        let value_min = self.min_weight(value);
        let mut entries: Vec<(Val, Val)> = Vec::with_capacity(n);
        for i in 0..n {
            let owed_after = per.saturating_mul(n - i - 1);
            let reserved = owed_after.saturating_add(value_min).min(self.left);
            self.left -= reserved;
            let k = self.val(key);
            self.left += reserved;
            let k = k?;
            if entries
                .iter()
                .any(|(seen, _)| super::compare::same(seen, &k))
            {
                continue;
            }
            let reserved = owed_after.min(self.left);
            self.left -= reserved;
            let v = self.val(value);
            self.left += reserved;
            entries.push((k, v?));
        }
        Ok(entries)
    }

    /// An integer of `bits` bits, as an `i128` in the type's range.
    fn int(&mut self, bits: u32, signed: bool) -> Result<i128> {
        let (min, max) = if signed {
            (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
        } else {
            (0, (1i128 << bits) - 1)
        };
        let raw: i128 = match self.u.int_in_range(0..=9u8)? {
            0 => 0,
            1..=4 => self.u.arbitrary::<u64>()? as i128,
            5 => self.u.int_in_range(-16..=16i8)? as i128,
            6 => [min, max, -1, 1][self.u.choose_index(4)?],
            7 | 8 => {
                let k = self.u.int_in_range(0..=bits - 1)?;
                let offset = self.u.int_in_range(-1..=1i8)? as i128;
                let v = (1i128 << k) + offset;
                if signed && self.u.arbitrary::<bool>()? {
                    -v
                } else {
                    v
                }
            }
            _ => [min + 1, max - 1][self.u.choose_index(2)?],
        };
        // Wrap into the type's range (two's complement).
        let wrapped = raw & ((1i128 << bits) - 1);
        Ok(if wrapped > max {
            wrapped - (1i128 << bits)
        } else {
            wrapped
        })
    }

    fn f32_bits(&mut self) -> Result<u32> {
        Ok(match self.u.int_in_range(0..=9u8)? {
            0..=2 => F32_EDGES[self.u.choose_index(F32_EDGES.len())?],
            3..=5 => self.u.arbitrary()?,
            6..=8 => {
                let n = self.u.int_in_range(-1024..=1024i32)? as f32;
                (n / (1u32 << self.u.int_in_range(0..=8u32)?) as f32).to_bits()
            }
            _ => {
                // A NaN with a random sign and payload.
                let bits: u32 = self.u.arbitrary()?;
                (bits & 0x8000_0000) | 0x7f80_0000 | (bits & 0x007f_ffff).max(1)
            }
        })
    }

    fn f64_bits(&mut self) -> Result<u64> {
        Ok(match self.u.int_in_range(0..=9u8)? {
            0..=2 => F64_EDGES[self.u.choose_index(F64_EDGES.len())?],
            3..=5 => self.u.arbitrary()?,
            6..=8 => {
                let n = self.u.int_in_range(-1_000_000..=1_000_000i32)? as f64;
                (n / (1u64 << self.u.int_in_range(0..=20u32)?) as f64).to_bits()
            }
            _ => {
                let bits: u64 = self.u.arbitrary()?;
                (bits & 0x8000_0000_0000_0000)
                    | 0x7ff0_0000_0000_0000
                    | (bits & 0x000f_ffff_ffff_ffff).max(1)
            }
        })
    }

    fn char(&mut self) -> Result<char> {
        Ok(match self.u.int_in_range(0..=9u8)? {
            0..=3 => scalar_at(CHAR_EDGES[self.u.choose_index(CHAR_EDGES.len())?]),
            4..=5 => char::from(self.u.int_in_range(0x20..=0x7eu8)?),
            6..=7 => self.scalar_in(0, 0xffff)?,
            _ => self.scalar_in(0, 0x10ffff)?,
        })
    }

    /// A uniformly random scalar value in `lo..=hi` (surrogates skipped;
    /// `lo` and `hi` are scalar values).
    fn scalar_in(&mut self, lo: u32, hi: u32) -> Result<char> {
        let surrogates = |x: u32| if x >= 0xe000 { 0x800 } else { 0 };
        let index = self
            .u
            .int_in_range(lo - surrogates(lo)..=hi - surrogates(hi))?;
        Ok(scalar_at(index + if index >= 0xd800 { 0x800 } else { 0 }))
    }

    fn ascii(&mut self) -> Result<char> {
        Ok(if self.u.int_in_range(0..=7u8)? == 7 {
            ASCII_SPECIALS[self.u.choose_index(ASCII_SPECIALS.len())?]
        } else {
            char::from(self.u.int_in_range(0x20..=0x7eu8)?)
        })
    }

    fn string(&mut self) -> Result<String> {
        let cap = self.config.max_string_len.min(self.left);
        if cap == 0 {
            return Ok(String::new());
        }
        let s = match self.u.int_in_range(0..=15u8)? {
            0..=2 => String::new(),
            3..=5 => self.chars(cap, Self::ascii)?,
            6..=7 => self.chars(cap, |g| g.scalar_in(0x80, 0x7ff))?,
            8..=9 => self.chars(cap, |g| g.scalar_in(0x800, 0xffff))?,
            10..=11 => self.chars(cap, |g| g.scalar_in(0x10000, 0x10ffff))?,
            12..=14 => self.chars(cap, Self::char)?,
            _ => {
                // Several KiB: a short random piece repeated.
                let piece = self.chars(64, Self::char)?;
                let piece = if piece.is_empty() {
                    "a".to_string()
                } else {
                    piece
                };
                let lo = 2048.min(self.config.max_string_len);
                let target = self
                    .u
                    .int_in_range(lo..=self.config.max_string_len)?
                    .min(cap);
                let mut s = piece.repeat(target / piece.len() + 1);
                let mut end = target;
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                s.truncate(end);
                s
            }
        };
        self.spend(s.len());
        Ok(s)
    }

    /// 1 to 32 characters from `one`, at most `cap` bytes.
    fn chars(
        &mut self,
        cap: usize,
        mut one: impl FnMut(&mut Self) -> Result<char>,
    ) -> Result<String> {
        let count = self.u.int_in_range(1..=32usize)?;
        let mut s = String::new();
        for _ in 0..count {
            let c = one(self)?;
            if s.len() + c.len_utf8() > cap {
                break;
            }
            s.push(c);
        }
        Ok(s)
    }
}

fn scalar_at(x: u32) -> char {
    char::from_u32(x).expect("a scalar value")
}

#[cfg(test)]
mod tests;
