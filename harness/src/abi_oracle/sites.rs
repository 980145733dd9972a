//! Sites: the places in a step image (flat values and memory) where a value
//! of some kind sits, found by walking the image with the reference's
//! layout; and the mutations of the invalid menu that are made there.
//!
//! The walk follows what lifting reads: the flat values (or the spilled
//! tuple they point to), then strings, lists and case payloads through
//! memory. Payloads of flat variants are walked only when their flat types
//! are exactly the joined ones (no coercion), so a mutation there means
//! what it says.

use arbitrary::Unstructured;

use crate::abi::load::case_payload;
use crate::abi::{
    Abi, CoreVal, MAX_LIST_BYTE_LENGTH, MAX_STRING_BYTE_LENGTH, Memory, StringEncoding, UTF16_TAG,
};
use crate::ty::{Ty, TypeDefKind};

/// A step image: guest `guest`'s call step (`call`) or return step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Image {
    pub guest: usize,
    pub call: bool,
}

/// Where a value sits: a flat value (by index) or a memory address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Loc {
    Flat(usize),
    Mem(u64),
}

impl std::fmt::Display for Loc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Loc::Flat(i) => write!(f, "flat value {i}"),
            Loc::Mem(a) => write!(f, "address {a:#x}"),
        }
    }
}

/// What sits at a site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SiteKind {
    /// A discriminant of a variant, enum, option or result with `cases`
    /// cases, `size` bytes in memory (4 for a flat value).
    Discriminant {
        cases: u64,
        size: u64,
    },
    Char,
    Bool,
    /// Flags with `count` members in `size` bytes.
    Flags {
        count: u32,
        size: u64,
    },
    /// The encoded bytes of a string in memory.
    Text {
        ptr: u64,
        bytes: u64,
        utf8: bool,
        utf16: bool,
    },
    /// The pointer of a string or list whose bytes need `align` and span
    /// `byte_len` bytes.
    Pointer {
        align: u64,
        byte_len: u64,
    },
    /// The length of a string (in `encoding`) or of a list of elements of
    /// `elem_size` bytes; `ptr_loc` holds its pointer.
    Length {
        string: Option<StringEncoding>,
        elem_size: u64,
        ptr_loc: Loc,
    },
    /// A pointer to spilled values (a tuple of `size` bytes aligned to
    /// `align`), or a call's return pointer (`retptr`).
    Spill {
        align: u64,
        size: u64,
        retptr: bool,
    },
}

/// A place to mutate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub loc: Loc,
    pub kind: SiteKind,
}

/// Sites collected per image at most (lists can be long).
const MAX_SITES: usize = 4000;

/// The sites of one image: `flat` are its flat values (with the return
/// pointer last when `call_result` is given and spills), `tys` the types
/// they lift as with `max_flat`.
pub fn collect_sites(
    abi: &Abi<'_>,
    encoding: StringEncoding,
    mem: &Memory,
    flat: &[CoreVal],
    tys: &[Ty],
    max_flat: usize,
    call_result: Option<&[Ty]>,
) -> Vec<Site> {
    let mut w = Walker {
        abi,
        encoding,
        mem,
        flat,
        sites: Vec::new(),
    };
    if abi.flatten_types(tys).len() > max_flat {
        let tuple = Ty::Tuple(tys.to_vec());
        let l = abi.layout(&tuple);
        w.push(
            Loc::Flat(0),
            SiteKind::Spill {
                align: u64::from(l.align),
                size: u64::from(l.size),
                retptr: false,
            },
        );
        if let Some(ptr) = w.flat_u32(0) {
            w.mem_value(&tuple, u64::from(ptr));
        }
    } else {
        let mut i = 0;
        for t in tys {
            w.flat_value(t, &mut i);
        }
    }
    if let Some(result) = call_result
        && abi.flatten_types(result).len() > crate::ty::MAX_FLAT_RESULTS
        && !flat.is_empty()
    {
        let l = abi.layout(&Ty::Tuple(result.to_vec()));
        w.push(
            Loc::Flat(flat.len() - 1),
            SiteKind::Spill {
                align: u64::from(l.align),
                size: u64::from(l.size),
                retptr: true,
            },
        );
    }
    w.sites
}

struct Walker<'a> {
    abi: &'a Abi<'a>,
    encoding: StringEncoding,
    mem: &'a Memory,
    flat: &'a [CoreVal],
    sites: Vec<Site>,
}

impl Walker<'_> {
    fn push(&mut self, loc: Loc, kind: SiteKind) {
        if self.sites.len() < MAX_SITES {
            self.sites.push(Site { loc, kind });
        }
    }

    fn full(&self) -> bool {
        self.sites.len() >= MAX_SITES
    }

    fn flat_u32(&self, i: usize) -> Option<u32> {
        match self.flat.get(i) {
            Some(CoreVal::I32(x)) => Some(*x),
            _ => None,
        }
    }

    fn read(&self, addr: u64, n: u64) -> Option<u64> {
        self.mem.read_uint(addr, n).ok()
    }

    /// The string's alignment, byte length and whether its bytes are UTF-8
    /// or UTF-16, from its tagged length.
    fn string_shape(&self, tagged: u32) -> (u64, u64, bool, bool) {
        let units = u64::from(tagged);
        match self.encoding {
            StringEncoding::Utf8 => (1, units, true, false),
            StringEncoding::Utf16 => (2, 2 * units, false, true),
            StringEncoding::Latin1Utf16 if tagged & UTF16_TAG != 0 => {
                (2, 2 * (units ^ u64::from(UTF16_TAG)), false, true)
            }
            StringEncoding::Latin1Utf16 => (2, units, false, false),
        }
    }

    /// A string or list whose (pointer, length) sit at `ptr_loc` and
    /// `len_loc` with these values.
    fn indirect(&mut self, ty: &Ty, ptr_loc: Loc, len_loc: Loc, ptr: u32, len: u32) {
        let world = self.abi.world();
        match world.resolve(ty) {
            Ty::String => {
                let (align, bytes, utf8, utf16) = self.string_shape(len);
                self.push(
                    ptr_loc,
                    SiteKind::Pointer {
                        align,
                        byte_len: bytes,
                    },
                );
                self.push(
                    len_loc,
                    SiteKind::Length {
                        string: Some(self.encoding),
                        elem_size: 1,
                        ptr_loc,
                    },
                );
                if bytes > 0 && u64::from(ptr) + bytes <= self.mem.len() {
                    self.push(
                        Loc::Mem(u64::from(ptr)),
                        SiteKind::Text {
                            ptr: u64::from(ptr),
                            bytes,
                            utf8,
                            utf16,
                        },
                    );
                }
            }
            Ty::List(t) => {
                let l = self.abi.layout(t);
                let (size, align) = (u64::from(l.size), u64::from(l.align));
                self.list(ptr_loc, len_loc, ptr, len, size, align, |w, at| {
                    w.mem_value(t, at)
                });
            }
            Ty::Map(k, v) => {
                let pair = Ty::Tuple(vec![(**k).clone(), (**v).clone()]);
                let l = self.abi.layout(&pair);
                let (size, align) = (u64::from(l.size), u64::from(l.align));
                self.list(ptr_loc, len_loc, ptr, len, size, align, |w, at| {
                    w.mem_value(&pair, at)
                });
            }
            _ => {}
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn list(
        &mut self,
        ptr_loc: Loc,
        len_loc: Loc,
        ptr: u32,
        len: u32,
        size: u64,
        align: u64,
        mut each: impl FnMut(&mut Self, u64),
    ) {
        let byte_len = u64::from(len) * size;
        self.push(ptr_loc, SiteKind::Pointer { align, byte_len });
        self.push(
            len_loc,
            SiteKind::Length {
                string: None,
                elem_size: size,
                ptr_loc,
            },
        );
        if byte_len > MAX_LIST_BYTE_LENGTH || u64::from(ptr) + byte_len > self.mem.len() {
            return;
        }
        for i in 0..u64::from(len) {
            if self.full() {
                return;
            }
            each(self, u64::from(ptr) + i * size);
        }
    }

    fn mem_value(&mut self, ty: &Ty, addr: u64) {
        if self.full() {
            return;
        }
        let abi = self.abi;
        let world = abi.world();
        match world.resolve(ty) {
            Ty::Bool => self.push(Loc::Mem(addr), SiteKind::Bool),
            Ty::Char => self.push(Loc::Mem(addr), SiteKind::Char),
            Ty::String | Ty::List(_) | Ty::Map(..) => {
                let (Some(ptr), Some(len)) = (self.read(addr, 4), self.read(addr + 4, 4)) else {
                    return;
                };
                self.indirect(
                    ty,
                    Loc::Mem(addr),
                    Loc::Mem(addr + 4),
                    ptr as u32,
                    len as u32,
                );
            }
            Ty::FixedList(t, n) => {
                let size = u64::from(abi.layout(t).size);
                for i in 0..u64::from(*n) {
                    self.mem_value(t, addr + i * size);
                }
            }
            Ty::Named(i) if matches!(world.types[*i].kind, TypeDefKind::Flags(_)) => {
                let TypeDefKind::Flags(names) = &world.types[*i].kind else {
                    unreachable!()
                };
                let size = u64::from(abi.flags_repr(ty).map_or(4, |r| r.size()));
                self.push(
                    Loc::Mem(addr),
                    SiteKind::Flags {
                        count: names.len() as u32,
                        size,
                    },
                );
            }
            resolved => {
                if let Some(offsets) = abi.field_offsets(resolved) {
                    let fields = abi.record_fields(resolved).unwrap_or_default();
                    for (t, off) in fields.into_iter().zip(offsets) {
                        self.mem_value(t, addr + u64::from(off));
                    }
                } else if let Some(vl) = abi.variant_layout(resolved) {
                    let (cases, _) = abi.variant_cases(resolved).unwrap_or((0, Vec::new()));
                    let size = u64::from(vl.discriminant.size());
                    self.push(
                        Loc::Mem(addr),
                        SiteKind::Discriminant {
                            cases: cases as u64,
                            size,
                        },
                    );
                    let Some(disc) = self.read(addr, size) else {
                        return;
                    };
                    if disc < cases as u64
                        && let Some(p) = case_payload(abi, resolved, disc as usize)
                    {
                        self.mem_value(p, addr + u64::from(vl.payload_offset));
                    }
                }
            }
        }
    }

    fn flat_value(&mut self, ty: &Ty, i: &mut usize) {
        let abi = self.abi;
        let world = abi.world();
        let here = *i;
        match world.resolve(ty) {
            Ty::Bool => {
                self.push(Loc::Flat(here), SiteKind::Bool);
                *i += 1;
            }
            Ty::Char => {
                self.push(Loc::Flat(here), SiteKind::Char);
                *i += 1;
            }
            Ty::String | Ty::List(_) | Ty::Map(..) => {
                if let (Some(ptr), Some(len)) = (self.flat_u32(here), self.flat_u32(here + 1)) {
                    self.indirect(ty, Loc::Flat(here), Loc::Flat(here + 1), ptr, len);
                }
                *i += 2;
            }
            Ty::FixedList(t, n) => {
                for _ in 0..*n {
                    self.flat_value(t, i);
                }
            }
            Ty::Named(ix) if matches!(world.types[*ix].kind, TypeDefKind::Flags(_)) => {
                let TypeDefKind::Flags(names) = &world.types[*ix].kind else {
                    unreachable!()
                };
                self.push(
                    Loc::Flat(here),
                    SiteKind::Flags {
                        count: names.len() as u32,
                        size: 4,
                    },
                );
                *i += 1;
            }
            resolved => {
                if let Some(fields) = abi.record_fields(resolved) {
                    for t in fields {
                        self.flat_value(t, i);
                    }
                } else if abi.variant_layout(resolved).is_some() {
                    let (cases, _) = abi.variant_cases(resolved).unwrap_or((0, Vec::new()));
                    let joined = abi.flatten_type(resolved);
                    self.push(
                        Loc::Flat(here),
                        SiteKind::Discriminant {
                            cases: cases as u64,
                            size: 4,
                        },
                    );
                    if let Some(disc) = self.flat_u32(here).filter(|d| (*d as usize) < cases)
                        && let Some(p) = case_payload(abi, resolved, disc as usize)
                    {
                        let own = abi.flatten_type(p);
                        if own[..] == joined[1..1 + own.len()] {
                            let mut j = here + 1;
                            self.flat_value(p, &mut j);
                        }
                    }
                    *i += joined.len();
                } else {
                    *i += abi.flatten_type(resolved).len();
                }
            }
        }
    }
}

/// One change to an image: an integer written at a place (for a flat value,
/// the value replaced, keeping its core type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write {
    pub loc: Loc,
    pub value: u64,
    /// Bytes written in memory.
    pub size: u64,
}

/// A deliberate change to an image, with what it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mutation {
    pub writes: Vec<Write>,
    /// Grow the memory to at least this many bytes first.
    pub grow_to: Option<u64>,
    pub note: String,
}

impl Mutation {
    fn one(loc: Loc, value: u64, size: u64, note: String) -> Self {
        Mutation {
            writes: vec![Write { loc, value, size }],
            grow_to: None,
            note,
        }
    }

    pub fn apply(&self, mem: &mut Memory, flat: &mut [CoreVal]) -> Result<(), String> {
        if let Some(end) = self.grow_to
            && end > mem.len()
        {
            let pages = (end - mem.len()).div_ceil(crate::abi::memory::PAGE_SIZE);
            mem.grow(pages * crate::abi::memory::PAGE_SIZE);
        }
        for w in &self.writes {
            match w.loc {
                Loc::Mem(a) => mem
                    .write_uint(a, w.value, w.size)
                    .map_err(|t| t.to_string())?,
                Loc::Flat(i) => {
                    let slot = flat.get_mut(i).ok_or("no such flat value")?;
                    *slot = match *slot {
                        CoreVal::I32(_) => CoreVal::I32(w.value as u32),
                        CoreVal::I64(_) => CoreVal::I64(w.value),
                        _ => return Err("a float flat value cannot be mutated".into()),
                    };
                }
            }
        }
        Ok(())
    }
}

/// The kinds of the invalid menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InvalidKind {
    /// A discriminant equal to the case count or above.
    Discriminant,
    /// A char above 0x10FFFF or a surrogate.
    Char,
    /// String bytes that are not UTF-8.
    Utf8,
    /// String code units with an unpaired surrogate.
    Utf16,
    /// A string, list or spilled pointer past the end of memory (or an
    /// empty one exactly at the end, which is valid).
    PointerBounds,
    /// A misaligned string, list or spilled pointer.
    PointerAlign,
    /// A length whose byte length overflows or passes the limit.
    LengthOverflow,
    /// A string exactly at the length limit, or one past it.
    LengthLimit,
    /// Flag bits beyond the defined flags (the spec ignores them).
    FlagBits,
    /// A bool byte (or flat value) above 1 (the spec reads true).
    BoolByte,
    /// A `realloc` result that is misaligned.
    ReallocAlign,
    /// A `realloc` result past the end of memory.
    ReallocBounds,
    /// The second `realloc` of a lowering goes bad.
    ReallocSecond,
}

impl InvalidKind {
    pub const ALL: [InvalidKind; 13] = [
        InvalidKind::Discriminant,
        InvalidKind::Char,
        InvalidKind::Utf8,
        InvalidKind::Utf16,
        InvalidKind::PointerBounds,
        InvalidKind::PointerAlign,
        InvalidKind::LengthOverflow,
        InvalidKind::LengthLimit,
        InvalidKind::FlagBits,
        InvalidKind::BoolByte,
        InvalidKind::ReallocAlign,
        InvalidKind::ReallocBounds,
        InvalidKind::ReallocSecond,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InvalidKind::Discriminant => "discriminant",
            InvalidKind::Char => "char",
            InvalidKind::Utf8 => "utf8",
            InvalidKind::Utf16 => "utf16",
            InvalidKind::PointerBounds => "pointer-bounds",
            InvalidKind::PointerAlign => "pointer-align",
            InvalidKind::LengthOverflow => "length-overflow",
            InvalidKind::LengthLimit => "length-limit",
            InvalidKind::FlagBits => "flag-bits",
            InvalidKind::BoolByte => "bool-byte",
            InvalidKind::ReallocAlign => "realloc-align",
            InvalidKind::ReallocBounds => "realloc-bounds",
            InvalidKind::ReallocSecond => "realloc-second",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Kinds made by changing `realloc` results rather than an image.
    pub fn is_realloc(self) -> bool {
        matches!(
            self,
            InvalidKind::ReallocAlign | InvalidKind::ReallocBounds | InvalidKind::ReallocSecond
        )
    }

    /// Whether `site` (in an image of a memory of `mem_len` bytes, lifted
    /// by the host when `host_lift`) can carry a mutation of this kind.
    pub fn fits(self, site: &Site, mem_len: u64, host_lift: bool) -> bool {
        let in_memory = matches!(site.loc, Loc::Mem(_));
        match (self, &site.kind) {
            (InvalidKind::Discriminant, SiteKind::Discriminant { cases, size }) => {
                !in_memory || *cases < 1u64 << (8 * size)
            }
            (InvalidKind::Char, SiteKind::Char) => true,
            (InvalidKind::BoolByte, SiteKind::Bool) => true,
            (InvalidKind::FlagBits, SiteKind::Flags { count, size }) => {
                u64::from(*count) < 8 * size
            }
            (InvalidKind::Utf8, SiteKind::Text { utf8, bytes, .. }) => *utf8 && *bytes >= 1,
            (InvalidKind::Utf16, SiteKind::Text { utf16, bytes, .. }) => *utf16 && *bytes >= 2,
            (InvalidKind::PointerBounds, SiteKind::Pointer { .. } | SiteKind::Spill { .. }) => true,
            (InvalidKind::PointerAlign, SiteKind::Pointer { align, byte_len }) => {
                *align > 1 && byte_len + 1 < mem_len
            }
            (InvalidKind::PointerAlign, SiteKind::Spill { align, size, .. }) => {
                *align > 1 && size + 1 < mem_len
            }
            (InvalidKind::LengthOverflow, SiteKind::Length { .. }) => true,
            (InvalidKind::LengthLimit, SiteKind::Length { string, .. }) => {
                host_lift && string.is_some()
            }
            _ => false,
        }
    }

    /// The mutation of this kind at `site`, with its details drawn from `u`.
    pub fn mutate(
        self,
        site: &Site,
        mem: &Memory,
        flat: &[CoreVal],
        u: &mut Unstructured<'_>,
    ) -> arbitrary::Result<Mutation> {
        let loc = site.loc;
        let read = |size: u64| -> u64 {
            match loc {
                Loc::Mem(a) => mem.read_uint(a, size).unwrap_or(0),
                Loc::Flat(i) => match flat.get(i) {
                    Some(CoreVal::I32(x)) => u64::from(*x),
                    Some(CoreVal::I64(x)) => *x,
                    _ => 0,
                },
            }
        };
        let mem_len = mem.len();
        Ok(match (self, &site.kind) {
            (InvalidKind::Discriminant, SiteKind::Discriminant { cases, size }) => {
                let max = if matches!(loc, Loc::Mem(_)) {
                    (1u64 << (8 * size)) - 1
                } else {
                    u64::from(u32::MAX)
                };
                let v = if u.ratio(2u8, 3u8)? {
                    *cases
                } else {
                    u.int_in_range(*cases..=max)?
                };
                Mutation::one(
                    loc,
                    v,
                    *size,
                    format!("discriminant at {loc} set to {v} ({cases} cases)"),
                )
            }
            (InvalidKind::Char, SiteKind::Char) => {
                let v =
                    *u.choose(&[0x11_0000, 0xd800, 0xdfff, 0xdbff, 0xffff_ffff, 0x7fff_ffff])?;
                Mutation::one(loc, v, 4, format!("char at {loc} set to {v:#x}"))
            }
            (InvalidKind::BoolByte, SiteKind::Bool) => {
                let v = if matches!(loc, Loc::Mem(_)) {
                    u.int_in_range(2..=255u64)?
                } else {
                    *u.choose(&[2, 0x100, 0xffff_ffff, 0x8000_0000])?
                };
                Mutation::one(loc, v, 1, format!("bool at {loc} set to {v:#x}"))
            }
            (InvalidKind::FlagBits, SiteKind::Flags { count, size }) => {
                let bits = 8 * size;
                let bit = u.int_in_range(u64::from(*count)..=bits - 1)?;
                let v = read(*size) | 1 << bit;
                Mutation::one(
                    loc,
                    v,
                    *size,
                    format!("flags at {loc} ({count} flags) get bit {bit}: {v:#x}"),
                )
            }
            (InvalidKind::Utf8, SiteKind::Text { ptr, bytes, .. }) => {
                let at = ptr + u.int_in_range(0..=bytes - 1)?;
                let b = *u.choose(&[0xffu64, 0xc0, 0x80, 0xf8])?;
                Mutation::one(
                    Loc::Mem(at),
                    b,
                    1,
                    format!("UTF-8 byte at {at:#x} set to {b:#04x}"),
                )
            }
            (InvalidKind::Utf16, SiteKind::Text { ptr, bytes, .. }) => {
                let units = bytes / 2;
                let (at, v) = if u.arbitrary()? {
                    (*ptr, 0xdc00)
                } else {
                    (ptr + 2 * (units - 1), 0xd800)
                };
                Mutation::one(
                    Loc::Mem(at),
                    v,
                    2,
                    format!("UTF-16 unit at {at:#x} set to the lone surrogate {v:#06x}"),
                )
            }
            (InvalidKind::PointerBounds, SiteKind::Pointer { align, byte_len })
            | (
                InvalidKind::PointerBounds,
                SiteKind::Spill {
                    align,
                    size: byte_len,
                    ..
                },
            ) => {
                let (v, what) = match u.int_in_range(0..=3u8)? {
                    0 if *byte_len == 0 => (mem_len, "exactly at the end (valid for 0 bytes)"),
                    0 | 1 => (
                        align_up(mem_len.saturating_sub(*byte_len) + 1, *align),
                        "one step past the end",
                    ),
                    2 => (align_up(mem_len, *align) + align, "past the end"),
                    _ => (
                        (u64::from(u32::MAX) - (*byte_len).min(0xff)) / align * align,
                        "so that pointer + length wraps past 2^32",
                    ),
                };
                let v = v.min(u64::from(u32::MAX) / align * align);
                Mutation::one(
                    loc,
                    v,
                    4,
                    format!(
                        "pointer at {loc} ({byte_len} bytes, {align}-aligned) set to {v:#x}, {what}"
                    ),
                )
            }
            (InvalidKind::PointerAlign, SiteKind::Pointer { align, byte_len })
            | (
                InvalidKind::PointerAlign,
                SiteKind::Spill {
                    align,
                    size: byte_len,
                    ..
                },
            ) => {
                let p = read(4);
                let delta = u.int_in_range(1..=align - 1)?;
                let v = if p + delta + byte_len <= mem_len {
                    p + delta
                } else {
                    (mem_len - byte_len - 1) / align * align + delta
                };
                Mutation::one(
                    loc,
                    v,
                    4,
                    format!("pointer at {loc} ({align}-aligned data) set to {v:#x}"),
                )
            }
            (
                InvalidKind::LengthOverflow,
                SiteKind::Length {
                    string, elem_size, ..
                },
            ) => {
                let v = match string {
                    None => {
                        let size = (*elem_size).max(1);
                        *u.choose(&[
                            u64::from(u32::MAX),
                            (1u64 << 32) / size + 1,
                            (MAX_LIST_BYTE_LENGTH + 1).div_ceil(size),
                        ])?
                    }
                    Some(StringEncoding::Latin1Utf16) => *u.choose(&[
                        0xffff_ffffu64,
                        0x7fff_ffff,
                        u64::from(UTF16_TAG) | 0x1000_0000,
                    ])?,
                    Some(_) => {
                        *u.choose(&[0xffff_ffffu64, 0x8000_0000, MAX_STRING_BYTE_LENGTH + 1])?
                    }
                };
                let v = v.min(u64::from(u32::MAX));
                Mutation::one(loc, v, 4, format!("length at {loc} set to {v:#x}"))
            }
            (
                InvalidKind::LengthLimit,
                SiteKind::Length {
                    string: Some(enc),
                    ptr_loc,
                    ..
                },
            ) => {
                let over = u.arbitrary::<bool>()?;
                let ptr = align_up(mem_len, 2);
                let (units, bytes) = match enc {
                    StringEncoding::Utf16 => {
                        let units = MAX_STRING_BYTE_LENGTH / 2 + u64::from(over);
                        (units, 2 * units)
                    }
                    _ => {
                        let units = MAX_STRING_BYTE_LENGTH + u64::from(over);
                        (units, units)
                    }
                };
                Mutation {
                    writes: vec![
                        Write {
                            loc: *ptr_loc,
                            value: ptr,
                            size: 4,
                        },
                        Write {
                            loc,
                            value: units,
                            size: 4,
                        },
                    ],
                    grow_to: Some(ptr + bytes),
                    note: format!(
                        "string at {ptr_loc} set to {units:#x} {enc} code units of NULs at {ptr:#x} \
                         ({bytes} bytes, {} the limit)",
                        if over { "one past" } else { "exactly at" }
                    ),
                }
            }
            _ => return Err(arbitrary::Error::IncorrectFormat),
        })
    }
}

fn align_up(p: u64, align: u64) -> u64 {
    p.div_ceil(align.max(1)) * align.max(1)
}
