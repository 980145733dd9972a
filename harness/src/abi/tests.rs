//! Property tests of the reference over random types and values (made here
//! from [`crate::seed::bytes`] with `arbitrary`, independently of the real
//! generators), and one test per trap kind.

use arbitrary::Unstructured;
use wasmtime::component::Val;

use super::flat::{FlattenContext, lift_flat, lift_flat_values, lower_flat, lower_flat_values};
use super::golden::heap_start;
use super::layout::Abi;
use super::memory::{BumpRealloc, LiftCx, LowerCx, Memory, ScriptedRealloc};
use super::strings::{HintedString, load_string_from_range, store_string_into_range};
use super::text::{print_ty, print_val};
use super::{AbiError, CoreVal, StringEncoding, TrapKind, UTF16_TAG, load, store};
use crate::seed;
use crate::ty::{Case, CaseWorld, Field, MAX_FLAT_PARAMS, Ty, TypeDef, TypeDefKind};

const CASES: u64 = 300;

/// Chars that exercise every transcoding path: ASCII, Latin-1, the rest of
/// the BMP (around the surrogate gap) and astral chars.
const PALETTE: &[char] = &[
    'a',
    'Z',
    '0',
    ' ',
    '\0',
    '\u{7f}',
    '\u{80}',
    'é',
    'ÿ',
    '\u{100}',
    'Ā',
    '€',
    '中',
    '\u{d7ff}',
    '\u{e000}',
    '\u{fffd}',
    '\u{ffff}',
    '😀',
    '\u{10000}',
    '\u{10ffff}',
];

struct Gen<'a, 'b> {
    u: &'b mut Unstructured<'a>,
    world: CaseWorld,
}

impl Gen<'_, '_> {
    fn count(&mut self, lo: usize, hi: usize) -> usize {
        self.u.int_in_range(lo..=hi).unwrap_or(lo)
    }

    fn names(&mut self, prefix: &str, n: usize) -> Vec<String> {
        (0..n).map(|i| format!("{prefix}{i}")).collect()
    }

    fn world(&mut self) {
        for index in 0..self.count(0, 5) {
            let kind = match self.count(0, 5) {
                0 => {
                    let n = self.count(1, 4);
                    let fields = self
                        .names("f", n)
                        .into_iter()
                        .map(|name| Field {
                            name,
                            ty: self.ty(2),
                        })
                        .collect();
                    TypeDefKind::Record(fields)
                }
                1 => {
                    let n = self.count(1, 5);
                    let cases = self
                        .names("c", n)
                        .into_iter()
                        .map(|name| {
                            let ty = if self.u.arbitrary().unwrap_or(false) {
                                Some(self.ty(2))
                            } else {
                                None
                            };
                            Case { name, ty }
                        })
                        .collect();
                    TypeDefKind::Variant(cases)
                }
                2 => {
                    // Now and then past 256 cases, for a u16 discriminant.
                    let n = if self.count(0, 4) == 0 {
                        self.count(250, 300)
                    } else {
                        self.count(1, 6)
                    };
                    TypeDefKind::Enum(self.names("e", n))
                }
                3 => {
                    let n = self.count(1, 32);
                    TypeDefKind::Flags(self.names("g", n))
                }
                _ => TypeDefKind::Alias(self.ty(2)),
            };
            self.world.types.push(TypeDef {
                name: format!("t{index}"),
                kind,
            });
        }
    }

    fn prim(&mut self) -> Ty {
        match self.count(0, 12) {
            0 => Ty::Bool,
            1 => Ty::S8,
            2 => Ty::U8,
            3 => Ty::S16,
            4 => Ty::U16,
            5 => Ty::S32,
            6 => Ty::U32,
            7 => Ty::S64,
            8 => Ty::U64,
            9 => Ty::F32,
            10 => Ty::F64,
            11 => Ty::Char,
            _ => Ty::String,
        }
    }

    fn ty(&mut self, depth: u32) -> Ty {
        let named = self.world.types.len();
        let choice = if depth == 0 { 0 } else { self.count(0, 9) };
        let b = |g: &mut Self| Box::new(g.ty(depth - 1));
        match choice {
            0..=2 => self.prim(),
            3 => Ty::List(b(self)),
            4 => Ty::FixedList(b(self), self.count(1, 4) as u32),
            5 => {
                let k = self.prim();
                let k = if matches!(k, Ty::F32 | Ty::F64) {
                    Ty::U16
                } else {
                    k
                };
                Ty::Map(Box::new(k), b(self))
            }
            6 => Ty::Tuple((0..self.count(1, 4)).map(|_| self.ty(depth - 1)).collect()),
            7 => Ty::Option(b(self)),
            8 => {
                let ok = self.u.arbitrary().unwrap_or(false).then(|| b(self));
                let err = self.u.arbitrary().unwrap_or(false).then(|| b(self));
                Ty::Result { ok, err }
            }
            _ if named > 0 => Ty::Named(self.count(0, named - 1)),
            _ => self.prim(),
        }
    }

    fn string(&mut self) -> String {
        (0..self.count(0, 12))
            .map(|_| PALETTE[self.count(0, PALETTE.len() - 1)])
            .collect()
    }

    fn val(&mut self, ty: &Ty) -> Val {
        let world = self.world.clone();
        let list = |g: &mut Self, t: &Ty| (0..g.count(0, 3)).map(|_| g.val(t)).collect();
        let a = |g: &mut Self| -> u64 { g.u.arbitrary().unwrap_or(0) };
        match world.resolve(ty) {
            Ty::Bool => Val::Bool(a(self) & 1 == 1),
            Ty::S8 => Val::S8(a(self) as i8),
            Ty::U8 => Val::U8(a(self) as u8),
            Ty::S16 => Val::S16(a(self) as i16),
            Ty::U16 => Val::U16(a(self) as u16),
            Ty::S32 => Val::S32(a(self) as i32),
            Ty::U32 | Ty::Own(_) | Ty::Borrow(_) => Val::U32(a(self) as u32),
            Ty::S64 => Val::S64(a(self) as i64),
            Ty::U64 => Val::U64(a(self)),
            Ty::F32 => Val::Float32(f32::from_bits(a(self) as u32)),
            Ty::F64 => Val::Float64(f64::from_bits(a(self))),
            Ty::Char => Val::Char(PALETTE[self.count(0, PALETTE.len() - 1)]),
            Ty::String => Val::String(self.string()),
            Ty::List(t) => Val::List(list(self, t)),
            Ty::FixedList(t, n) => Val::FixedLengthList((0..*n).map(|_| self.val(t)).collect()),
            Ty::Map(k, v) => Val::Map(
                (0..self.count(0, 3))
                    .map(|_| (self.val(k), self.val(v)))
                    .collect(),
            ),
            Ty::Tuple(ts) => Val::Tuple(ts.iter().map(|t| self.val(t)).collect()),
            Ty::Option(t) => Val::Option(
                self.u
                    .arbitrary()
                    .unwrap_or(false)
                    .then(|| Box::new(self.val(t))),
            ),
            Ty::Result { ok, err } => {
                let pick =
                    |g: &mut Self, t: &Option<Box<Ty>>| t.as_ref().map(|t| Box::new(g.val(t)));
                if self.u.arbitrary().unwrap_or(true) {
                    Val::Result(Ok(pick(self, ok)))
                } else {
                    Val::Result(Err(pick(self, err)))
                }
            }
            Ty::Named(i) => match &world.types[*i].kind {
                TypeDefKind::Record(fields) => Val::Record(
                    fields
                        .iter()
                        .map(|f| (f.name.clone(), self.val(&f.ty)))
                        .collect(),
                ),
                TypeDefKind::Variant(cases) => {
                    let c = &cases[self.count(0, cases.len() - 1)];
                    Val::Variant(c.name.clone(), c.ty.as_ref().map(|t| Box::new(self.val(t))))
                }
                TypeDefKind::Enum(names) => {
                    Val::Enum(names[self.count(0, names.len() - 1)].clone())
                }
                TypeDefKind::Flags(names) => {
                    let bits: u32 = self.u.arbitrary().unwrap_or(0);
                    let set = names.iter().enumerate().filter(|(i, _)| bits >> i & 1 == 1);
                    Val::Flags(set.map(|(_, n)| n.clone()).collect())
                }
                TypeDefKind::Alias(_) => unreachable!(),
                TypeDefKind::Resource(_) | TypeDefKind::GuestResource(_) => {
                    unreachable!("a resource is not a value type")
                }
            },
        }
    }
}

/// A random world, a type in it, and a value of that type, for case `n`.
fn case(stream: u64, n: u64) -> (CaseWorld, Ty, Val) {
    let bytes = seed::bytes(0xab1, &[stream, n], 8192);
    let mut u = Unstructured::new(&bytes);
    let mut g = Gen {
        u: &mut u,
        world: CaseWorld::default(),
    };
    g.world();
    let ty = g.ty(3);
    let val = g.val(&ty);
    (g.world, ty, val)
}

fn describe(world: &CaseWorld, ty: &Ty, val: &Val) -> String {
    format!("type {} value {}", print_ty(world, ty), print_val(val))
}

/// Stores `val` at 0 and loads it back; `Err` says how they differ.
fn store_load(
    abi: &Abi<'_>,
    ty: &Ty,
    val: &Val,
    encoding: StringEncoding,
    source: StringEncoding,
) -> Result<Memory, String> {
    let size = abi.elem_size(ty);
    let mut m = Memory::new(size as usize);
    let mut r = BumpRealloc::new(heap_start(size));
    let mut cx = LowerCx::new(abi, encoding, &mut m, &mut r);
    cx.source = source;
    store(&mut cx, val, ty, 0).map_err(|e| format!("store failed: {e}"))?;
    let back = load(&LiftCx::new(abi, encoding, &m), ty, 0);
    match back {
        Ok(v) if v == *val => Ok(m),
        Ok(v) => Err(format!("loaded {}", print_val(&v))),
        Err(e) => Err(format!("load failed: {e}")),
    }
}

#[test]
fn store_then_load_gives_the_value_back_in_every_encoding() {
    for n in 0..CASES {
        let (world, ty, val) = case(1, n);
        let abi = Abi::new(&world).expect("generated types are valid");
        for encoding in StringEncoding::ALL {
            for source in StringEncoding::ALL {
                if let Err(e) = store_load(&abi, &ty, &val, encoding, source) {
                    panic!(
                        "case {n} ({encoding} from {source}): {e}\n{}",
                        describe(&world, &ty, &val)
                    );
                }
            }
        }
    }
}

#[test]
fn the_round_trip_check_catches_a_corrupted_byte() {
    // The check above compares values; a changed byte must change the value.
    let mut world = CaseWorld::default();
    let ty =
        super::text::parse_ty("record { a: u8, b: list<u32>, c: string }", &mut world).unwrap();
    let val = super::text::parse_val(r#"{a: 7, b: [1, 2], c: "hé"}"#, &world, &ty).unwrap();
    let abi = Abi::new(&world).unwrap();
    let m = store_load(&abi, &ty, &val, StringEncoding::Utf8, StringEncoding::Utf8).unwrap();
    let written: Vec<u64> = (0..m.len()).filter(|a| m.was_written(*a)).collect();
    // Flip each written byte in turn (pointer and length bytes included):
    // the load must either trap or give a different value.
    for a in written {
        let mut bytes = m.bytes().to_vec();
        bytes[a as usize] ^= 0x01;
        let corrupted = Memory::from_bytes(bytes);
        let back = load(&LiftCx::new(&abi, StringEncoding::Utf8, &corrupted), &ty, 0);
        assert_ne!(
            back.as_ref().ok(),
            Some(&val),
            "flipping byte {a} went unnoticed"
        );
    }
}

#[test]
fn lower_flat_then_lift_flat_gives_the_value_back_in_every_encoding() {
    for n in 0..CASES {
        let (world, ty, val) = case(2, n);
        let abi = Abi::new(&world).unwrap();
        for encoding in StringEncoding::ALL {
            for source in StringEncoding::ALL {
                let mut m = Memory::new(0);
                let mut r = BumpRealloc::new(8);
                let mut cx = LowerCx::new(&abi, encoding, &mut m, &mut r);
                cx.source = source;
                let flat = lower_flat(&mut cx, &val, &ty).unwrap();
                let types: Vec<_> = flat.iter().map(|v| v.ty()).collect();
                assert_eq!(types, abi.flatten_type(&ty), "case {n}");
                let back = lift_flat(&LiftCx::new(&abi, encoding, &m), &ty, &flat);
                assert_eq!(
                    back.as_ref(),
                    Ok(&val),
                    "case {n}: {}",
                    describe(&world, &ty, &val)
                );
            }
        }
    }
}

#[test]
fn layouts_are_aligned_and_agree_with_the_type_model() {
    for n in 0..CASES {
        let (world, ty, val) = case(3, n);
        let abi = Abi::new(&world).unwrap();
        let what = || format!("case {n}: {}", print_ty(&world, &ty));
        let mut tys = vec![ty.clone()];
        tys.extend((0..world.types.len()).map(Ty::Named));
        for t in &tys {
            let l = abi.layout(t);
            assert!(l.align.is_power_of_two() && l.align <= 8, "{}", what());
            assert_eq!(l.size % l.align, 0, "{}", what());
            // The type model's own count of flat values agrees.
            assert_eq!(abi.flatten_type(t).len(), world.flat_count(t), "{}", what());
            if let Some(fields) = abi.record_fields(t) {
                let offsets = abi.field_offsets(t).unwrap();
                let mut end = 0;
                for (f, off) in fields.iter().zip(&offsets) {
                    let fl = abi.layout(f);
                    assert_eq!(off % fl.align, 0, "{}: field at {off}", what());
                    assert!(*off >= end, "{}: fields overlap", what());
                    end = off + fl.size;
                }
                assert!(end <= l.size, "{}", what());
            }
            if let Some(v) = abi.variant_layout(t) {
                let (_, payloads) = abi.variant_cases(t).unwrap();
                assert!(v.payload_offset >= v.discriminant.size(), "{}", what());
                for p in payloads {
                    let pl = abi.layout(p);
                    assert_eq!(v.payload_offset % pl.align, 0, "{}", what());
                    assert!(v.payload_offset + pl.size <= l.size, "{}", what());
                }
            }
        }
        // A store writes only inside the value and the blocks it allocated.
        let size = abi.elem_size(&ty);
        let mut m = Memory::new(size as usize);
        let mut r = BumpRealloc::new(heap_start(size));
        let mut cx = LowerCx::new(&abi, StringEncoding::Utf8, &mut m, &mut r);
        store(&mut cx, &val, &ty, 0).unwrap();
        let blocks: Vec<(u64, u64)> = cx
            .reallocs
            .iter()
            .map(|c| {
                (
                    u64::from(c.result),
                    u64::from(c.result) + u64::from(c.new_size),
                )
            })
            .collect();
        drop(cx);
        for a in (0..m.len()).filter(|a| m.was_written(*a)) {
            assert!(
                a < u64::from(size) || blocks.iter().any(|(s, e)| (*s..*e).contains(&a)),
                "{}: byte {a:#x} written outside the value and its allocations",
                what()
            );
        }
    }
}

#[test]
fn flat_values_spill_past_the_limit_and_come_back() {
    let mut spilled = 0;
    for n in 0..CASES {
        let bytes = seed::bytes(0xab2, &[n], 8192);
        let mut u = Unstructured::new(&bytes);
        let mut g = Gen {
            u: &mut u,
            world: CaseWorld::default(),
        };
        g.world();
        let tys: Vec<Ty> = (0..g.count(0, 6)).map(|_| g.ty(2)).collect();
        let vals: Vec<Val> = tys.iter().map(|t| g.val(t)).collect();
        let world = g.world;
        let abi = Abi::new(&world).unwrap();
        let mut m = Memory::new(0);
        let mut r = BumpRealloc::new(8);
        let mut cx = LowerCx::new(&abi, StringEncoding::Utf16, &mut m, &mut r);
        let flat = lower_flat_values(&mut cx, MAX_FLAT_PARAMS, &vals, &tys, None).unwrap();
        let flat_count = abi.flatten_types(&tys).len();
        let core = abi.flatten_functype(&tys, None, FlattenContext::Lift);
        if flat_count > MAX_FLAT_PARAMS {
            spilled += 1;
            assert_eq!(flat.len(), 1, "case {n}: one pointer");
            // The first allocation is the tuple of all arguments.
            let first = cx.reallocs[0];
            let tuple = Ty::Tuple(tys.clone());
            assert_eq!(first.new_size, abi.elem_size(&tuple));
            assert_eq!(first.align, abi.alignment(&tuple));
            assert_eq!(CoreVal::I32(first.result), flat[0]);
        }
        assert_eq!(
            flat.iter().map(|v| v.ty()).collect::<Vec<_>>(),
            core.params,
            "case {n}"
        );
        drop(cx);
        let back = lift_flat_values(
            &LiftCx::new(&abi, StringEncoding::Utf16, &m),
            MAX_FLAT_PARAMS,
            &flat,
            &tys,
        );
        assert_eq!(back, Ok(vals), "case {n}");
    }
    assert!(
        spilled > 10,
        "only {spilled} cases spilled; make the generator bigger"
    );
}

#[test]
fn strings_transfer_between_encodings_with_their_hints() {
    // A string loaded from one encoding (hint and all) and stored into
    // another reads back the same text, and a tagged-UTF-16 source that
    // fits Latin-1 is deflated (the spec's "probably UTF-16" path).
    for n in 0..CASES {
        let bytes = seed::bytes(0xab3, &[n], 256);
        let mut u = Unstructured::new(&bytes);
        let mut g = Gen {
            u: &mut u,
            world: CaseWorld::default(),
        };
        let text = g.string();
        let world = CaseWorld::default();
        let abi = Abi::new(&world).unwrap();
        for from in StringEncoding::ALL {
            let mut src_mem = Memory::new(0);
            let mut r = BumpRealloc::new(8);
            let mut cx = LowerCx::new(&abi, from, &mut src_mem, &mut r);
            let (p, len) = store_string_into_range(
                &mut cx,
                &HintedString::natural(text.as_str(), StringEncoding::Utf8),
            )
            .unwrap();
            drop(cx);
            let loaded =
                load_string_from_range(&LiftCx::new(&abi, from, &src_mem), p, len).unwrap();
            assert_eq!(loaded.text(), text);
            for to in StringEncoding::ALL {
                let mut m = Memory::new(0);
                let mut r = BumpRealloc::new(8);
                let mut cx = LowerCx::new(&abi, to, &mut m, &mut r);
                let (p, len) = store_string_into_range(&mut cx, &loaded).unwrap();
                let calls = cx.reallocs.clone();
                drop(cx);
                let back = load_string_from_range(&LiftCx::new(&abi, to, &m), p, len).unwrap();
                assert_eq!(back.text(), text, "{from} -> {to}");
                // The final block is exactly the string's bytes.
                let last = calls.last().unwrap();
                let unit = if to == StringEncoding::Utf16 || len & UTF16_TAG != 0 {
                    2
                } else {
                    1
                };
                assert_eq!(last.result, p);
                assert_eq!(
                    u64::from(last.new_size),
                    u64::from(len & !UTF16_TAG) * unit,
                    "{from} -> {to}"
                );
            }
        }
        // Tagged UTF-16 that fits Latin-1 deflates.
        if text.chars().all(|c| (c as u32) < 0x100) {
            let units = text.encode_utf16().count() as u32;
            let hinted = HintedString::new(
                text.as_str(),
                StringEncoding::Latin1Utf16,
                units | UTF16_TAG,
            )
            .unwrap();
            let mut m = Memory::new(0);
            let mut r = BumpRealloc::new(8);
            let mut cx = LowerCx::new(&abi, StringEncoding::Latin1Utf16, &mut m, &mut r);
            let (_, len) = store_string_into_range(&mut cx, &hinted).unwrap();
            assert_eq!(len, units, "deflated to untagged Latin-1");
            assert_eq!(cx.reallocs.len(), 2);
            assert_eq!(cx.reallocs[1].align, 1);
        }
    }
}

/// One scenario per trap kind, each showing the kind the spec requires.
#[test]
fn every_trap_kind_is_raised_where_the_spec_traps() {
    let mut world = CaseWorld::default();
    let enum3 = super::text::parse_ty("enum { a, b, c }", &mut world).unwrap();
    let abi = Abi::new(&world).unwrap();
    let mem = |bytes: &[u8]| {
        let mut m = Memory::new(64);
        m.write(0, bytes).unwrap();
        m
    };
    let load_kind = |enc: StringEncoding, ty: &Ty, m: &Memory, at: u32| {
        load(&LiftCx::new(&abi, enc, m), ty, at)
            .unwrap_err()
            .trap_kind()
    };
    let utf8 = StringEncoding::Utf8;
    let mut seen = Vec::new();
    let mut expect = |kind: TrapKind, got: Option<TrapKind>| {
        assert_eq!(got, Some(kind));
        seen.push(kind);
    };

    expect(
        TrapKind::InvalidDiscriminant,
        load_kind(utf8, &enum3, &mem(&[3]), 0),
    );
    expect(
        TrapKind::InvalidChar,
        load_kind(utf8, &Ty::Char, &mem(&[0, 0xd8, 0, 0]), 0),
    );
    expect(
        TrapKind::InvalidChar,
        load_kind(utf8, &Ty::Char, &mem(&[0, 0, 0x11, 0]), 0),
    );
    // "a" then a lone continuation byte: pointer 8, length 2.
    let s = mem(&[8, 0, 0, 0, 2, 0, 0, 0, b'a', 0x80]);
    expect(TrapKind::InvalidUtf8, load_kind(utf8, &Ty::String, &s, 0));
    // A lone high surrogate: pointer 8, 1 code unit.
    let s = mem(&[8, 0, 0, 0, 1, 0, 0, 0, 0x00, 0xd8]);
    expect(
        TrapKind::InvalidUtf16,
        load_kind(StringEncoding::Utf16, &Ty::String, &s, 0),
    );
    let s = mem(&[8, 0, 0, 0, 1, 0, 0, 0x80, 0x00, 0xdc]);
    expect(
        TrapKind::InvalidUtf16,
        load_kind(StringEncoding::Latin1Utf16, &Ty::String, &s, 0),
    );
    // A string past the end of a 64-byte memory.
    let s = mem(&[60, 0, 0, 0, 8, 0, 0, 0]);
    expect(TrapKind::OutOfBounds, load_kind(utf8, &Ty::String, &s, 0));
    // ptr + len * size wraps 32 bits: the spec sees it past the end.
    let s = mem(&[0xf8, 0xff, 0xff, 0xff, 0x10, 0, 0, 0]);
    expect(
        TrapKind::OutOfBounds,
        load_kind(utf8, &Ty::List(Box::new(Ty::U8)), &s, 0),
    );
    expect(
        TrapKind::OutOfBounds,
        load_kind(utf8, &Ty::U64, &mem(&[]), 64),
    );
    // A UTF-16 string at an odd address, a list<u32> at 2, a u32 at 1.
    let s = mem(&[9, 0, 0, 0, 1, 0, 0, 0]);
    expect(
        TrapKind::Misaligned,
        load_kind(StringEncoding::Utf16, &Ty::String, &s, 0),
    );
    let s = mem(&[2, 0, 0, 0, 1, 0, 0, 0]);
    expect(
        TrapKind::Misaligned,
        load_kind(utf8, &Ty::List(Box::new(Ty::U32)), &s, 0),
    );
    expect(
        TrapKind::Misaligned,
        load_kind(utf8, &Ty::U32, &mem(&[]), 1),
    );
    // 2^28 bytes of string, and 2^26 u32s, are one past the limits.
    let s = mem(&[0, 0, 0, 0, 0, 0, 0, 0x10]);
    expect(TrapKind::StringTooLong, load_kind(utf8, &Ty::String, &s, 0));
    let s = mem(&[0, 0, 0, 0, 0, 0, 0, 0x04]);
    expect(
        TrapKind::ListTooLong,
        load_kind(utf8, &Ty::List(Box::new(Ty::U32)), &s, 0),
    );
    // 2^28 - 1 bytes is within the limit (and then out of bounds).
    let s = mem(&[0, 0, 0, 0, 0xff, 0xff, 0xff, 0x0f]);
    expect(TrapKind::OutOfBounds, load_kind(utf8, &Ty::String, &s, 0));

    // realloc results: misaligned, out of bounds (also on the second call
    // of one string's transcoding), and a trapping allocator.
    let lower_kind = |enc: StringEncoding, ty: &Ty, v: &Val, script: &[u32]| {
        let mut m = Memory::new(64);
        let mut r = ScriptedRealloc::new(script.iter().copied());
        let mut cx = LowerCx::new(&abi, enc, &mut m, &mut r);
        lower_flat(&mut cx, v, ty).unwrap_err().trap_kind()
    };
    let text = Val::String("aé".into());
    expect(
        TrapKind::Misaligned,
        lower_kind(StringEncoding::Utf16, &Ty::String, &text, &[3]),
    );
    expect(
        TrapKind::OutOfBounds,
        lower_kind(utf8, &Ty::String, &text, &[62]),
    );
    // latin1+utf16 from UTF-8: "aé" fits Latin-1, the shrinking second call
    // returns a misaligned pointer, then one out of bounds.
    expect(
        TrapKind::Misaligned,
        lower_kind(StringEncoding::Latin1Utf16, &Ty::String, &text, &[8, 9]),
    );
    expect(
        TrapKind::OutOfBounds,
        lower_kind(StringEncoding::Latin1Utf16, &Ty::String, &text, &[8, 64]),
    );
    let list = Val::List(vec![Val::U64(1)]);
    expect(
        TrapKind::Misaligned,
        lower_kind(utf8, &Ty::List(Box::new(Ty::U64)), &list, &[4]),
    );
    expect(TrapKind::Guest, lower_kind(utf8, &Ty::String, &text, &[]));

    let mut kinds = seen.clone();
    kinds.sort();
    kinds.dedup();
    assert_eq!(
        kinds.len(),
        TrapKind::ALL.len(),
        "every kind has a scenario: {kinds:?}"
    );
}

#[test]
fn values_that_do_not_match_their_type_are_not_traps() {
    let world = CaseWorld::default();
    let abi = Abi::new(&world).unwrap();
    let mut m = Memory::new(64);
    let mut r = BumpRealloc::new(16);
    let mut cx = LowerCx::new(&abi, StringEncoding::Utf8, &mut m, &mut r);
    let e = store(&mut cx, &Val::U8(1), &Ty::String, 0).unwrap_err();
    assert!(matches!(e, AbiError::Mismatch(_)), "{e}");
    let e = lower_flat(
        &mut cx,
        &Val::FixedLengthList(vec![Val::U8(1)]),
        &Ty::FixedList(Box::new(Ty::U8), 2),
    )
    .unwrap_err();
    assert!(matches!(e, AbiError::Mismatch(_)), "{e}");
    let e = store(&mut cx, &Val::U8(1), &Ty::Named(3), 0).unwrap_err();
    assert!(matches!(e, AbiError::InvalidType(_)), "{e}");
    drop(cx);
    let lift = LiftCx::new(&abi, StringEncoding::Utf8, &m);
    let e = lift_flat(&lift, &Ty::U64, &[CoreVal::I32(1)]).unwrap_err();
    assert!(matches!(e, AbiError::Mismatch(_)), "{e}");
    let e = lift_flat(&lift, &Ty::U8, &[CoreVal::I32(1), CoreVal::I32(2)]).unwrap_err();
    assert!(matches!(e, AbiError::Mismatch(_)), "{e}");
}

#[test]
fn spilled_results_go_to_the_out_param_when_one_is_given() {
    // canon lower passes a pointer for results past MAX_FLAT_RESULTS; the
    // values are stored there and no core values come back.
    let mut world = CaseWorld::default();
    let ty = super::text::parse_ty("tuple<u8, u64>", &mut world).unwrap();
    let abi = Abi::new(&world).unwrap();
    let vals = [super::text::parse_val("(1, 2)", &world, &ty).unwrap()];
    let tys = [ty];
    let lower = |out_param: u32| {
        let mut m = Memory::new(64);
        let mut r = ScriptedRealloc::new([]);
        let mut cx = LowerCx::new(&abi, StringEncoding::Utf8, &mut m, &mut r);
        let flat = lower_flat_values(&mut cx, 1, &vals, &tys, Some(out_param));
        assert!(cx.reallocs.is_empty(), "no allocation with an out-param");
        drop(cx);
        flat.map(|f| (f, m))
    };
    let (flat, m) = lower(16).unwrap();
    assert!(flat.is_empty());
    let back = lift_flat_values(
        &LiftCx::new(&abi, StringEncoding::Utf8, &m),
        1,
        &[CoreVal::I32(16)],
        &tys,
    );
    assert_eq!(back.as_deref(), Ok(&vals[..]));
    assert_eq!(
        lower(12).unwrap_err().trap_kind(),
        Some(TrapKind::Misaligned)
    );
    assert_eq!(
        lower(56).unwrap_err().trap_kind(),
        Some(TrapKind::OutOfBounds)
    );
    // Within the limit the out-param is not used.
    let (flat, _) = {
        let mut m = Memory::new(64);
        let mut r = ScriptedRealloc::new([]);
        let mut cx = LowerCx::new(&abi, StringEncoding::Utf8, &mut m, &mut r);
        let f = lower_flat_values(&mut cx, 2, &vals, &tys, Some(16)).unwrap();
        drop(cx);
        (f, m)
    };
    assert_eq!(flat, vec![CoreVal::I32(1), CoreVal::I64(2)]);
}
