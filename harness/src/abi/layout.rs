//! Layout in linear memory: the spec's `alignment`, `elem_size`, record field
//! offsets, `discriminant_type` and the flags representation, plus the type
//! validity rules the layout depends on.
//!
//! [`Abi`] is the canonical ABI's view of one [`CaseWorld`]: it validates the
//! named types once and keeps their layouts, so that a named type shared by
//! many others is laid out once (a DAG of shared types would otherwise be
//! walked an exponential number of times).
//!
//! `despecialize` is applied implicitly: tuples lay out as records, enums,
//! options and results as variants, and `map<K, V>` as `list<tuple<K, V>>`
//! (the spec's `MapType(k, v) -> ListType(TupleType([k, v]))`).

use std::fmt;

use super::{MAX_LIST_BYTE_LENGTH, PTR_SIZE, align_to};
use crate::ty::{CaseWorld, MAX_FLAGS, Ty, TypeDefKind, TypeIndex};

/// An unsigned integer representation: a variant discriminant
/// (`discriminant_type`) or a flags bit-vector (`elem_size_flags`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntRepr {
    U8,
    U16,
    U32,
}

impl IntRepr {
    /// Size (and alignment) in bytes.
    pub fn size(self) -> u32 {
        match self {
            IntRepr::U8 => 1,
            IntRepr::U16 => 2,
            IntRepr::U32 => 4,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            IntRepr::U8 => "u8",
            IntRepr::U16 => "u16",
            IntRepr::U32 => "u32",
        }
    }
}

impl fmt::Display for IntRepr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The spec's `discriminant_type`: the smallest of u8/u16/u32 whose range
/// covers case indices `0..cases` (`ceil(log2(n) / 8)` bytes, at least one).
pub fn discriminant_type(cases: usize) -> IntRepr {
    assert!(cases > 0, "a variant has at least one case");
    if cases <= 1 << 8 {
        IntRepr::U8
    } else if cases <= 1 << 16 {
        IntRepr::U16
    } else {
        IntRepr::U32
    }
}

/// The spec's flags representation (`alignment_flags` / `elem_size_flags`):
/// 1..=8 flags in a u8, 9..=16 in a u16, 17..=32 in a u32.
pub fn flags_repr(count: usize) -> IntRepr {
    assert!(
        (1..=MAX_FLAGS).contains(&count),
        "flags have 1 to 32 members"
    );
    if count <= 8 {
        IntRepr::U8
    } else if count <= 16 {
        IntRepr::U16
    } else {
        IntRepr::U32
    }
}

/// Size and alignment of a type in a 32-bit memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Layout {
    /// The spec's `elem_size` (a multiple of `align`).
    pub size: u32,
    /// The spec's `alignment`.
    pub align: u32,
}

/// How a variant-like type (variant, enum, option, result) is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VariantLayout {
    pub discriminant: IntRepr,
    /// Where every case's payload starts: the discriminant's size rounded up
    /// to the largest payload alignment (`max_case_alignment`).
    pub payload_offset: u32,
    pub size: u32,
    pub align: u32,
}

/// A type that breaks a validation rule of the component model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TypeError {
    #[error(
        "type {index} refers to a named type that does not exist (index {target}, {count} named \
         types); a named type may only refer to named types defined before it"
    )]
    BadReference {
        index: String,
        target: TypeIndex,
        count: usize,
    },
    #[error("{what} `{name}` is empty; the component model requires at least one {member}")]
    Empty {
        what: &'static str,
        name: String,
        member: &'static str,
    },
    #[error("flags `{name}` has {count} members; the component model allows 1 to 32")]
    TooManyFlags { name: String, count: usize },
    #[error("{what} `{name}` names `{member}` twice; member names must be distinct")]
    DuplicateName {
        what: &'static str,
        name: String,
        member: String,
    },
    #[error("`{ty}` has length 0; a fixed-length list must have at least one element")]
    ZeroLengthList { ty: String },
    #[error(
        "`{key}` is not a valid map key; keys are bool, integers, char or string \
         (`keytype` in the explainer)"
    )]
    BadMapKey { key: String },
    #[error(
        "type {index} uses `{ty}` where {expected}; `own` and `borrow` take a resource, \
         and a resource is only reached through them"
    )]
    NotAResource {
        index: String,
        ty: String,
        expected: &'static str,
    },
    #[error(
        "`{ty}` is {size} bytes with 64-bit pointers; the component model requires \
         elem_size(t, 'i64') < 2^28"
    )]
    TooLarge { ty: String, size: u64 },
}

/// Layout in saturating 64-bit arithmetic: exact for valid types, and never
/// overflowing for invalid ones (which validation then rejects).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawLayout {
    pub size: u64,
    pub align: u64,
}

/// The element of a variable-length list, with `map<K, V>` despecialized
/// to `list<tuple<K, V>>`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Elem<'a> {
    One(&'a Ty),
    Pair(&'a Ty, &'a Ty),
}

/// The canonical ABI's view of one [`CaseWorld`]: its named types validated,
/// with their layouts computed once.
#[derive(Debug, Clone)]
pub struct Abi<'w> {
    world: &'w CaseWorld,
    /// Layouts of the named types with 4-byte pointers.
    named: Vec<RawLayout>,
    /// Sizes of the named types with 8-byte pointers (for the size rule).
    named64: Vec<RawLayout>,
}

impl<'w> Abi<'w> {
    /// Validates every named type of `world` and lays them out.
    pub fn new(world: &'w CaseWorld) -> Result<Self, TypeError> {
        let mut abi = Abi {
            world,
            named: Vec::new(),
            named64: Vec::new(),
        };
        for (index, def) in world.types.iter().enumerate() {
            abi.check_def(index)?;
            let l32 = abi.sizer(u64::from(PTR_SIZE)).def_layout(index);
            let l64 = abi.sizer(8).def_layout(index);
            if l64.size > MAX_LIST_BYTE_LENGTH {
                return Err(TypeError::TooLarge {
                    ty: def.name.clone(),
                    size: l64.size,
                });
            }
            abi.named.push(l32);
            abi.named64.push(l64);
        }
        Ok(abi)
    }

    pub fn world(&self) -> &'w CaseWorld {
        self.world
    }

    /// Checks a type written inline (in a signature, say) against the
    /// validation rules; the named types were checked by [`Abi::new`].
    pub fn check(&self, ty: &Ty) -> Result<(), TypeError> {
        self.check_ty(ty, self.world.types.len(), "inline")?;
        let size = self.sizer(8).layout(ty).size;
        if size > MAX_LIST_BYTE_LENGTH {
            return Err(TypeError::TooLarge {
                ty: self.ty_text(ty),
                size,
            });
        }
        Ok(())
    }

    /// The spec's `alignment` and `elem_size`. Exact for a type that passes
    /// [`Abi::check`]; saturates at `u32::MAX` otherwise.
    pub fn layout(&self, ty: &Ty) -> Layout {
        let raw = self.raw(ty);
        Layout {
            size: clamp(raw.size),
            align: clamp(raw.align),
        }
    }

    /// The spec's `alignment`.
    pub fn alignment(&self, ty: &Ty) -> u32 {
        self.layout(ty).align
    }

    /// The spec's `elem_size`: the bytes a value takes in memory, and the
    /// stride between list elements (a multiple of the alignment).
    pub fn elem_size(&self, ty: &Ty) -> u32 {
        self.layout(ty).size
    }

    /// Byte offsets of the fields of a record or tuple (after aliases), in
    /// declaration order; `None` for other types.
    pub fn field_offsets(&self, ty: &Ty) -> Option<Vec<u32>> {
        let fields = self.record_fields(ty)?;
        let (offsets, _) = self.record_layout(&fields);
        Some(offsets.into_iter().map(clamp).collect())
    }

    /// The layout of a variant, enum, option or result (after aliases);
    /// `None` for other types.
    pub fn variant_layout(&self, ty: &Ty) -> Option<VariantLayout> {
        let (cases, payloads) = self.variant_cases(ty)?;
        let (discriminant, payload_offset, raw) = self.variant_raw(cases, &payloads);
        Some(VariantLayout {
            discriminant,
            payload_offset: clamp(payload_offset),
            size: clamp(raw.size),
            align: clamp(raw.align),
        })
    }

    /// The representation of a flags type (after aliases); `None` for other
    /// types.
    pub fn flags_repr(&self, ty: &Ty) -> Option<IntRepr> {
        match self.world.resolve(ty) {
            Ty::Named(i) => match &self.world.types[*i].kind {
                TypeDefKind::Flags(names) => Some(flags_repr(names.len())),
                _ => None,
            },
            _ => None,
        }
    }

    pub(crate) fn raw(&self, ty: &Ty) -> RawLayout {
        self.sizer(u64::from(PTR_SIZE)).layout(ty)
    }

    pub(crate) fn elem_raw(&self, elem: Elem<'_>) -> RawLayout {
        self.sizer(u64::from(PTR_SIZE)).elem(elem)
    }

    /// Offsets of consecutive fields and the layout of the whole record
    /// (`elem_size_record` / `alignment_record`).
    pub(crate) fn record_layout(&self, fields: &[&Ty]) -> (Vec<u64>, RawLayout) {
        self.sizer(u64::from(PTR_SIZE))
            .record(fields.iter().copied())
    }

    /// Discriminant, payload offset and layout of a variant with `cases`
    /// cases whose payload types are `payloads`.
    pub(crate) fn variant_raw(&self, cases: usize, payloads: &[&Ty]) -> (IntRepr, u64, RawLayout) {
        self.sizer(u64::from(PTR_SIZE))
            .variant(cases, payloads.iter().copied())
    }

    /// The field types of a record or tuple.
    pub(crate) fn record_fields<'a>(&'a self, ty: &'a Ty) -> Option<Vec<&'a Ty>> {
        match self.world.resolve(ty) {
            Ty::Tuple(ts) => Some(ts.iter().collect()),
            Ty::Named(i) => match &self.world.types[*i].kind {
                TypeDefKind::Record(fields) => Some(fields.iter().map(|f| &f.ty).collect()),
                _ => None,
            },
            _ => None,
        }
    }

    /// The case count and the payload types (cases without one left out) of
    /// a variant, enum, option or result.
    pub(crate) fn variant_cases<'a>(&'a self, ty: &'a Ty) -> Option<(usize, Vec<&'a Ty>)> {
        match self.world.resolve(ty) {
            Ty::Option(t) => Some((2, vec![&**t])),
            Ty::Result { ok, err } => {
                Some((2, ok.iter().chain(err.iter()).map(|t| &**t).collect()))
            }
            Ty::Named(i) => match &self.world.types[*i].kind {
                TypeDefKind::Variant(cases) => Some((
                    cases.len(),
                    cases.iter().filter_map(|c| c.ty.as_ref()).collect(),
                )),
                TypeDefKind::Enum(names) => Some((names.len(), Vec::new())),
                _ => None,
            },
            _ => None,
        }
    }

    fn sizer(&self, ptr: u64) -> Sizer<'_> {
        let named = if ptr == 8 { &self.named64 } else { &self.named };
        Sizer {
            world: self.world,
            ptr,
            named,
        }
    }

    fn ty_text(&self, ty: &Ty) -> String {
        super::text::print_ty(self.world, ty)
    }

    /// The structural rules of named type `index`: references only to
    /// earlier named types, non-empty members, distinct names, 1..=32 flags.
    fn check_def(&self, index: TypeIndex) -> Result<(), TypeError> {
        let def = &self.world.types[index];
        let name = def.name.clone();
        let empty = |what, member| TypeError::Empty {
            what,
            name: name.clone(),
            member,
        };
        let distinct = |what, names: &mut dyn Iterator<Item = &String>| {
            let mut seen = std::collections::HashSet::new();
            for n in names {
                if !seen.insert(n.as_str()) {
                    return Err(TypeError::DuplicateName {
                        what,
                        name: name.clone(),
                        member: n.clone(),
                    });
                }
            }
            Ok(())
        };
        let here = &def.name;
        match &def.kind {
            TypeDefKind::Record(fields) => {
                if fields.is_empty() {
                    return Err(empty("record", "field"));
                }
                distinct("record", &mut fields.iter().map(|f| &f.name))?;
                for f in fields {
                    self.check_ty(&f.ty, index, here)?;
                }
            }
            TypeDefKind::Variant(cases) => {
                if cases.is_empty() {
                    return Err(empty("variant", "case"));
                }
                distinct("variant", &mut cases.iter().map(|c| &c.name))?;
                for t in cases.iter().filter_map(|c| c.ty.as_ref()) {
                    self.check_ty(t, index, here)?;
                }
            }
            TypeDefKind::Enum(names) => {
                if names.is_empty() {
                    return Err(empty("enum", "case"));
                }
                distinct("enum", &mut names.iter())?;
            }
            TypeDefKind::Flags(names) => {
                if names.is_empty() {
                    return Err(empty("flags", "flag"));
                }
                if names.len() > MAX_FLAGS {
                    return Err(TypeError::TooManyFlags {
                        name,
                        count: names.len(),
                    });
                }
                distinct("flags", &mut names.iter())?;
            }
            TypeDefKind::Alias(t) => self.check_ty(t, index, here)?,
            TypeDefKind::Resource(members) | TypeDefKind::GuestResource(members) => {
                distinct("resource", &mut members.iter().map(|m| &m.name))?;
            }
        }
        Ok(())
    }

    /// Rules for a type that may refer to named types below `limit`.
    fn check_ty(&self, ty: &Ty, limit: usize, here: &str) -> Result<(), TypeError> {
        match ty {
            Ty::Named(i) | Ty::Own(i) | Ty::Borrow(i) if *i >= limit => {
                return Err(TypeError::BadReference {
                    index: format!("`{here}`"),
                    target: *i,
                    count: self.world.types.len(),
                });
            }
            Ty::Named(i) | Ty::Own(i) | Ty::Borrow(i) => {
                let is_resource = matches!(
                    self.world.types[*i].kind,
                    TypeDefKind::Resource(_) | TypeDefKind::GuestResource(_)
                );
                let handle = !matches!(ty, Ty::Named(_));
                if is_resource != handle {
                    return Err(TypeError::NotAResource {
                        index: format!("`{here}`"),
                        ty: self.ty_text(ty),
                        expected: if handle {
                            "a resource is expected"
                        } else {
                            "a value type is expected"
                        },
                    });
                }
            }
            Ty::List(t) | Ty::Option(t) => self.check_ty(t, limit, here)?,
            Ty::FixedList(t, n) => {
                if *n == 0 {
                    return Err(TypeError::ZeroLengthList {
                        ty: self.ty_text(ty),
                    });
                }
                self.check_ty(t, limit, here)?;
            }
            Ty::Map(k, v) => {
                self.check_ty(k, limit, here)?;
                self.check_ty(v, limit, here)?;
                let key_ok = matches!(
                    self.world.resolve(k),
                    Ty::Bool
                        | Ty::S8
                        | Ty::S16
                        | Ty::S32
                        | Ty::S64
                        | Ty::U8
                        | Ty::U16
                        | Ty::U32
                        | Ty::U64
                        | Ty::Char
                        | Ty::String
                );
                if !key_ok {
                    return Err(TypeError::BadMapKey {
                        key: self.ty_text(k),
                    });
                }
            }
            Ty::Tuple(ts) => {
                if ts.is_empty() {
                    return Err(TypeError::Empty {
                        what: "tuple",
                        name: "tuple<>".into(),
                        member: "element",
                    });
                }
                for t in ts {
                    self.check_ty(t, limit, here)?;
                }
            }
            Ty::Result { ok, err } => {
                for t in ok.iter().chain(err.iter()) {
                    self.check_ty(t, limit, here)?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}

fn clamp(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// The spec's `alignment` / `elem_size` for one pointer size, with the
/// named types' layouts looked up.
#[derive(Clone, Copy)]
struct Sizer<'a> {
    world: &'a CaseWorld,
    ptr: u64,
    named: &'a [RawLayout],
}

impl<'a> Sizer<'a> {
    fn layout(&self, ty: &Ty) -> RawLayout {
        let prim = |n: u64| RawLayout { size: n, align: n };
        match ty {
            Ty::Bool | Ty::S8 | Ty::U8 => prim(1),
            Ty::S16 | Ty::U16 => prim(2),
            Ty::S32 | Ty::U32 | Ty::F32 | Ty::Char | Ty::Own(_) | Ty::Borrow(_) => prim(4),
            Ty::S64 | Ty::U64 | Ty::F64 => prim(8),
            // A (pointer, length) pair.
            Ty::String | Ty::List(_) | Ty::Map(..) => RawLayout {
                size: 2 * self.ptr,
                align: self.ptr,
            },
            // `elem_size_list` / `alignment_list` with a length.
            Ty::FixedList(t, n) => {
                let e = self.layout(t);
                RawLayout {
                    size: e.size.saturating_mul(u64::from(*n)),
                    align: e.align,
                }
            }
            Ty::Tuple(ts) => self.record(ts.iter()).1,
            Ty::Option(t) => self.variant(2, std::iter::once(&**t)).2,
            Ty::Result { ok, err } => self.variant(2, ok.iter().chain(err.iter()).map(|t| &**t)).2,
            Ty::Named(i) => self.named[*i],
        }
    }

    fn elem(&self, elem: Elem<'_>) -> RawLayout {
        match elem {
            Elem::One(t) => self.layout(t),
            Elem::Pair(k, v) => self.record([k, v].into_iter()).1,
        }
    }

    /// Layout of named type `index`, whose references are already laid out.
    fn def_layout(&self, index: TypeIndex) -> RawLayout {
        match &self.world.types[index].kind {
            TypeDefKind::Record(fields) => self.record(fields.iter().map(|f| &f.ty)).1,
            TypeDefKind::Variant(cases) => {
                self.variant(cases.len(), cases.iter().filter_map(|c| c.ty.as_ref()))
                    .2
            }
            TypeDefKind::Enum(names) => self.variant(names.len(), std::iter::empty()).2,
            TypeDefKind::Flags(names) => {
                let n = u64::from(flags_repr(names.len()).size());
                RawLayout { size: n, align: n }
            }
            TypeDefKind::Alias(t) => self.layout(t),
            // Never laid out itself: handles to it are `u32`s.
            TypeDefKind::Resource(_) | TypeDefKind::GuestResource(_) => {
                RawLayout { size: 4, align: 4 }
            }
        }
    }

    /// `elem_size_record` with the offsets of the fields on the way.
    fn record<'t>(&self, fields: impl Iterator<Item = &'t Ty>) -> (Vec<u64>, RawLayout) {
        let mut offsets = Vec::new();
        let mut size = 0u64;
        let mut align = 1u64;
        for f in fields {
            let l = self.layout(f);
            size = align_to(size, l.align);
            offsets.push(size);
            size = size.saturating_add(l.size);
            align = align.max(l.align);
        }
        (
            offsets,
            RawLayout {
                size: align_to(size, align),
                align,
            },
        )
    }

    /// `elem_size_variant` / `alignment_variant`, with the payload offset.
    fn variant<'t>(
        &self,
        cases: usize,
        payloads: impl Iterator<Item = &'t Ty>,
    ) -> (IntRepr, u64, RawLayout) {
        let disc = discriminant_type(cases);
        let mut case_align = 1u64;
        let mut case_size = 0u64;
        for p in payloads {
            let l = self.layout(p);
            case_align = case_align.max(l.align);
            case_size = case_size.max(l.size);
        }
        let disc_size = u64::from(disc.size());
        let payload_offset = align_to(disc_size, case_align);
        let align = disc_size.max(case_align);
        let size = align_to(payload_offset.saturating_add(case_size), align);
        (disc, payload_offset, RawLayout { size, align })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ty::{Case, Field, TypeDef};

    fn world(types: Vec<(&str, TypeDefKind)>) -> CaseWorld {
        CaseWorld {
            types: types
                .into_iter()
                .map(|(n, kind)| TypeDef {
                    name: n.into(),
                    kind,
                })
                .collect(),
            funcs: vec![],
        }
    }

    fn field(name: &str, ty: Ty) -> Field {
        Field {
            name: name.into(),
            ty,
        }
    }

    #[test]
    fn discriminants_follow_case_counts() {
        assert_eq!(discriminant_type(1), IntRepr::U8);
        assert_eq!(discriminant_type(256), IntRepr::U8);
        assert_eq!(discriminant_type(257), IntRepr::U16);
        assert_eq!(discriminant_type(65536), IntRepr::U16);
        assert_eq!(discriminant_type(65537), IntRepr::U32);
        assert_eq!(flags_repr(8), IntRepr::U8);
        assert_eq!(flags_repr(9), IntRepr::U16);
        assert_eq!(flags_repr(17), IntRepr::U32);
        assert_eq!(flags_repr(32), IntRepr::U32);
    }

    #[test]
    fn records_pad_fields_and_tail() {
        // record { a: u8, b: u32, c: u16 }: a at 0, b at 4, c at 8, size 12.
        let w = world(vec![(
            "r",
            TypeDefKind::Record(vec![
                field("a", Ty::U8),
                field("b", Ty::U32),
                field("c", Ty::U16),
            ]),
        )]);
        let abi = Abi::new(&w).unwrap();
        let r = Ty::Named(0);
        assert_eq!(abi.field_offsets(&r), Some(vec![0, 4, 8]));
        assert_eq!(abi.layout(&r), Layout { size: 12, align: 4 });
        // A wrong layout (packed fields) is not what the reference computes.
        assert_ne!(abi.field_offsets(&r), Some(vec![0, 1, 5]));
    }

    #[test]
    fn variants_place_payload_after_aligned_discriminant() {
        let w = world(vec![(
            "v",
            TypeDefKind::Variant(vec![
                Case {
                    name: "a".into(),
                    ty: Some(Ty::U64),
                },
                Case {
                    name: "b".into(),
                    ty: None,
                },
                Case {
                    name: "c".into(),
                    ty: Some(Ty::U8),
                },
            ]),
        )]);
        let abi = Abi::new(&w).unwrap();
        let v = abi.variant_layout(&Ty::Named(0)).unwrap();
        assert_eq!(
            v,
            VariantLayout {
                discriminant: IntRepr::U8,
                payload_offset: 8,
                size: 16,
                align: 8
            }
        );
        let o = abi.variant_layout(&Ty::Option(Box::new(Ty::U16))).unwrap();
        assert_eq!(o.payload_offset, 2);
        assert_eq!(o.size, 4);
        let r = Ty::Result {
            ok: None,
            err: None,
        };
        assert_eq!(abi.layout(&r), Layout { size: 1, align: 1 });
        assert_eq!(
            abi.layout(&Ty::Map(Box::new(Ty::String), Box::new(Ty::U8))),
            Layout { size: 8, align: 4 }
        );
        assert_eq!(
            abi.layout(&Ty::FixedList(Box::new(Ty::U16), 3)),
            Layout { size: 6, align: 2 }
        );
    }

    #[test]
    fn validation_rejects_what_the_spec_rejects() {
        let empty = world(vec![("r", TypeDefKind::Record(vec![]))]);
        assert!(matches!(Abi::new(&empty), Err(TypeError::Empty { .. })));
        let flags = world(vec![(
            "f",
            TypeDefKind::Flags((0..33).map(|i| format!("f{i}")).collect()),
        )]);
        assert!(matches!(
            Abi::new(&flags),
            Err(TypeError::TooManyFlags { count: 33, .. })
        ));
        let fwd = world(vec![("a", TypeDefKind::Alias(Ty::Named(0)))]);
        assert!(matches!(
            Abi::new(&fwd),
            Err(TypeError::BadReference { .. })
        ));
        let dup = world(vec![("e", TypeDefKind::Enum(vec!["x".into(), "x".into()]))]);
        assert!(matches!(
            Abi::new(&dup),
            Err(TypeError::DuplicateName { .. })
        ));
        let ok = world(vec![]);
        let abi = Abi::new(&ok).unwrap();
        let big = Ty::FixedList(Box::new(Ty::FixedList(Box::new(Ty::U64), 1 << 12)), 1 << 13);
        assert!(matches!(abi.check(&big), Err(TypeError::TooLarge { .. })));
        // Just under the limit with 64-bit pointers: 2^24 strings of 16 bytes
        // is 2^28, which is too large; 2^24 - 1 of them is fine.
        let strings = |n| Ty::FixedList(Box::new(Ty::String), n);
        assert!(abi.check(&strings(1 << 24)).is_err());
        assert!(abi.check(&strings((1 << 24) - 1)).is_ok());
        assert!(abi.check(&Ty::FixedList(Box::new(Ty::U8), 0)).is_err());
        assert!(abi.check(&Ty::Tuple(vec![])).is_err());
        let float_key = Ty::Map(Box::new(Ty::F32), Box::new(Ty::U8));
        assert!(matches!(
            abi.check(&float_key),
            Err(TypeError::BadMapKey { .. })
        ));
        assert!(abi.check(&Ty::Named(0)).is_err());
    }
}
