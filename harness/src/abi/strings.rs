//! Strings: `load_string_from_range` with its length, alignment, bounds and
//! decoding checks, and `store_string_into_range` with the spec's seven
//! transcoding paths and their exact `realloc` call sequences (initial
//! allocation size, then growing or shrinking reallocations), which a
//! guest's allocator can observe.

use super::memory::{LiftCx, LowerCx};
use super::{AbiError, MAX_STRING_BYTE_LENGTH, StringEncoding, TrapKind, UTF16_TAG, trap_if};

/// A string with the spec's "hint": the encoding it was loaded from and its
/// length in (tagged) code units there. `store_string` sizes its first
/// allocation from the hint. Host strings are UTF-8 with their byte length.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HintedString {
    text: String,
    encoding: StringEncoding,
    tagged_code_units: u32,
}

/// An encoding with `latin1+utf16` split by its tag (`src_simple_encoding`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Simple {
    Utf8,
    Utf16,
    Latin1,
}

impl HintedString {
    /// `text` as it would be when stored in `encoding`: UTF-8 bytes, UTF-16
    /// code units, or for `latin1+utf16` Latin-1 when every char fits and
    /// tagged UTF-16 otherwise.
    pub fn natural(text: impl Into<String>, encoding: StringEncoding) -> Self {
        let text = text.into();
        let sat = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let tagged_code_units = match encoding {
            StringEncoding::Utf8 => sat(text.len()),
            StringEncoding::Utf16 => sat(text.encode_utf16().count()),
            StringEncoding::Latin1Utf16 => {
                if text.chars().all(|c| (c as u32) < 0x100) {
                    sat(text.chars().count())
                } else {
                    sat(text.encode_utf16().count()).min(!UTF16_TAG) | UTF16_TAG
                }
            }
        };
        HintedString {
            text,
            encoding,
            tagged_code_units,
        }
    }

    /// `text` as tagged UTF-16 in `latin1+utf16`, as a producer may store
    /// it even when every char fits Latin-1.
    pub fn tagged_utf16(text: impl Into<String>) -> Self {
        let text = text.into();
        let units = u32::try_from(text.encode_utf16().count()).unwrap_or(u32::MAX);
        let tagged_code_units = units.min(!UTF16_TAG) | UTF16_TAG;
        HintedString {
            text,
            encoding: StringEncoding::Latin1Utf16,
            tagged_code_units,
        }
    }

    /// A string with an explicit hint, which must describe `text` exactly
    /// (for `latin1+utf16` the tag may mark UTF-16 even when Latin-1 would do,
    /// as a producer may choose).
    pub fn new(
        text: impl Into<String>,
        encoding: StringEncoding,
        tagged_code_units: u32,
    ) -> Result<Self, AbiError> {
        let text = text.into();
        let units = u64::from(tagged_code_units);
        let ok = match encoding {
            StringEncoding::Utf8 => text.len() as u64 == units,
            StringEncoding::Utf16 => text.encode_utf16().count() as u64 == units,
            StringEncoding::Latin1Utf16 if tagged_code_units & UTF16_TAG != 0 => {
                text.encode_utf16().count() as u64 == units ^ u64::from(UTF16_TAG)
            }
            StringEncoding::Latin1Utf16 => {
                text.chars().all(|c| (c as u32) < 0x100) && text.chars().count() as u64 == units
            }
        };
        if !ok {
            return Err(AbiError::mismatch(format!(
                "{tagged_code_units:#x} {encoding} code units do not describe {text:?}"
            )));
        }
        Ok(HintedString {
            text,
            encoding,
            tagged_code_units,
        })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn into_text(self) -> String {
        self.text
    }

    pub fn encoding(&self) -> StringEncoding {
        self.encoding
    }

    pub fn tagged_code_units(&self) -> u32 {
        self.tagged_code_units
    }

    fn simple(&self) -> (Simple, u32) {
        match self.encoding {
            StringEncoding::Utf8 => (Simple::Utf8, self.tagged_code_units),
            StringEncoding::Utf16 => (Simple::Utf16, self.tagged_code_units),
            StringEncoding::Latin1Utf16 if self.tagged_code_units & UTF16_TAG != 0 => {
                (Simple::Utf16, self.tagged_code_units ^ UTF16_TAG)
            }
            StringEncoding::Latin1Utf16 => (Simple::Latin1, self.tagged_code_units),
        }
    }
}

/// `load_string`: a (pointer, tagged length) pair at `ptr`, then the range.
pub fn load_string(cx: &LiftCx<'_>, ptr: u64) -> Result<HintedString, AbiError> {
    let begin = cx.memory.read_uint(ptr, 4)? as u32;
    let tagged = cx.memory.read_uint(ptr + 4, 4)? as u32;
    load_string_from_range(cx, begin, tagged)
}

/// `load_string_from_range`: traps when the byte length exceeds
/// `MAX_STRING_BYTE_LENGTH`, the pointer is misaligned (2 for UTF-16 and
/// `latin1+utf16`), the range passes the end of memory, or the bytes do not
/// decode.
pub fn load_string_from_range(
    cx: &LiftCx<'_>,
    ptr: u32,
    tagged_code_units: u32,
) -> Result<HintedString, AbiError> {
    let units = u64::from(tagged_code_units);
    let (align, byte_length, simple) = match cx.encoding {
        StringEncoding::Utf8 => (1, units, Simple::Utf8),
        StringEncoding::Utf16 => (2, 2 * units, Simple::Utf16),
        StringEncoding::Latin1Utf16 if tagged_code_units & UTF16_TAG != 0 => {
            (2, 2 * (units ^ u64::from(UTF16_TAG)), Simple::Utf16)
        }
        StringEncoding::Latin1Utf16 => (2, units, Simple::Latin1),
    };
    trap_if(
        byte_length > MAX_STRING_BYTE_LENGTH,
        TrapKind::StringTooLong,
        || format!("string of {byte_length} bytes exceeds MAX_STRING_BYTE_LENGTH"),
    )?;
    let p = u64::from(ptr);
    trap_if(p % align != 0, TrapKind::Misaligned, || {
        format!("string pointer {p:#x} is not {align}-aligned")
    })?;
    trap_if(
        p + byte_length > cx.memory.len(),
        TrapKind::OutOfBounds,
        || {
            format!(
                "string of {byte_length} bytes at {p:#x} passes the end of memory ({} bytes)",
                cx.memory.len()
            )
        },
    )?;
    let bytes = cx.memory.read(p, byte_length)?;
    let text = match simple {
        Simple::Utf8 => match std::str::from_utf8(bytes) {
            Ok(s) => s.to_owned(),
            Err(e) => {
                return Err(super::Trap::new(
                    TrapKind::InvalidUtf8,
                    format!("string at {p:#x}: {e}"),
                )
                .into());
            }
        },
        Simple::Utf16 => {
            let units = bytes
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]));
            let mut text = String::with_capacity(bytes.len() / 2);
            for (i, c) in char::decode_utf16(units).enumerate() {
                match c {
                    Ok(c) => text.push(c),
                    Err(e) => {
                        return Err(super::Trap::new(
                            TrapKind::InvalidUtf16,
                            format!(
                                "string at {p:#x}: unpaired surrogate {:#06x} near code unit {i}",
                                e.unpaired_surrogate()
                            ),
                        )
                        .into());
                    }
                }
            }
            text
        }
        Simple::Latin1 => bytes.iter().map(|&b| char::from(b)).collect(),
    };
    Ok(HintedString {
        text,
        encoding: cx.encoding,
        tagged_code_units,
    })
}

/// `store_string`: stores the string and writes (pointer, tagged length) at
/// `ptr`.
pub fn store_string(cx: &mut LowerCx<'_>, s: &HintedString, ptr: u64) -> Result<(), AbiError> {
    let (begin, tagged) = store_string_into_range(cx, s)?;
    cx.memory.write_uint(ptr, u64::from(begin), 4)?;
    cx.memory.write_uint(ptr + 4, u64::from(tagged), 4)?;
    Ok(())
}

/// `store_string_into_range`: allocates with `realloc` and writes the string
/// in the context's encoding, transcoding from the string's own encoding as
/// the spec's case analysis says. Returns (pointer, tagged code units).
pub fn store_string_into_range(
    cx: &mut LowerCx<'_>,
    s: &HintedString,
) -> Result<(u32, u32), AbiError> {
    let (simple, units) = s.simple();
    let src_bytes = u64::from(units) * if simple == Simple::Utf16 { 2 } else { 1 };
    // Not reachable in the spec (a loaded string is below the limit); this
    // reference applies the load limit to host strings too.
    trap_if(
        src_bytes > MAX_STRING_BYTE_LENGTH,
        TrapKind::StringTooLong,
        || format!("string of {src_bytes} bytes exceeds MAX_STRING_BYTE_LENGTH"),
    )?;
    let units = u64::from(units);
    let text = s.text();
    match (cx.encoding, simple) {
        (StringEncoding::Utf8, Simple::Utf8) => copy(cx, text, units, 1, 1, Simple::Utf8),
        (StringEncoding::Utf8, Simple::Utf16) => to_utf8(cx, text, units, 3 * units),
        (StringEncoding::Utf8, Simple::Latin1) => to_utf8(cx, text, units, 2 * units),
        (StringEncoding::Utf16, Simple::Utf8) => utf8_to_utf16(cx, text, units),
        (StringEncoding::Utf16, _) => copy(cx, text, units, 2, 2, Simple::Utf16),
        (StringEncoding::Latin1Utf16, _) => match s.encoding {
            StringEncoding::Utf8 | StringEncoding::Utf16 => to_latin1_or_utf16(cx, text, units),
            StringEncoding::Latin1Utf16 => match simple {
                Simple::Latin1 => copy(cx, text, units, 1, 2, Simple::Latin1),
                _ => probably_utf16_to_latin1_or_utf16(cx, text, units),
            },
        },
    }
}

fn encode(text: &str, enc: Simple) -> Vec<u8> {
    match enc {
        Simple::Utf8 => text.as_bytes().to_vec(),
        Simple::Utf16 => text.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        Simple::Latin1 => text.chars().map(|c| c as u32 as u8).collect(),
    }
}

fn tagged(n: u64) -> u32 {
    n as u32 | UTF16_TAG
}

/// `store_string_copy`: one allocation of the exact size, then a copy.
fn copy(
    cx: &mut LowerCx<'_>,
    text: &str,
    units: u64,
    unit_size: u64,
    align: u64,
    enc: Simple,
) -> Result<(u32, u32), AbiError> {
    let len = unit_size * units;
    let ptr = cx.allocate(align, len)?;
    cx.check_alloc(ptr, Some(align), len)?;
    let encoded = encode(text, enc);
    debug_assert_eq!(encoded.len() as u64, len, "the hint describes the text");
    cx.memory.write(u64::from(ptr), &encoded)?;
    Ok((ptr, units as u32))
}

/// `store_string_to_utf8` (from UTF-16 or Latin-1): allocate one byte per
/// source code unit; at the first non-ASCII char grow to the worst case,
/// finish, then shrink to the encoded size.
fn to_utf8(
    cx: &mut LowerCx<'_>,
    text: &str,
    units: u64,
    worst_case: u64,
) -> Result<(u32, u32), AbiError> {
    let mut ptr = cx.allocate(1, units)?;
    cx.check_alloc(ptr, None, units)?;
    for (i, c) in text.chars().enumerate() {
        let i = i as u64;
        if (c as u32) < 0x80 {
            cx.memory.write(u64::from(ptr) + i, &[c as u8])?;
            continue;
        }
        ptr = cx.reallocate(ptr, units, 1, worst_case)?;
        cx.check_alloc(ptr, None, worst_case)?;
        let encoded = text.as_bytes();
        cx.memory
            .write(u64::from(ptr) + i, &encoded[i as usize..])?;
        let len = encoded.len() as u64;
        if worst_case > len {
            ptr = cx.reallocate(ptr, worst_case, 1, len)?;
            cx.check_alloc(ptr, None, len)?;
        }
        return Ok((ptr, len as u32));
    }
    Ok((ptr, units as u32))
}

/// `store_utf8_to_utf16`: allocate the worst case (two bytes per UTF-8
/// byte), copy, then shrink to the encoded size.
fn utf8_to_utf16(cx: &mut LowerCx<'_>, text: &str, units: u64) -> Result<(u32, u32), AbiError> {
    let worst_case = 2 * units;
    let mut ptr = cx.allocate(2, worst_case)?;
    cx.check_alloc(ptr, Some(2), worst_case)?;
    let encoded = encode(text, Simple::Utf16);
    cx.memory.write(u64::from(ptr), &encoded)?;
    let len = encoded.len() as u64;
    if len < worst_case {
        ptr = cx.reallocate(ptr, worst_case, 2, len)?;
        cx.check_alloc(ptr, Some(2), len)?;
    }
    Ok((ptr, (len / 2) as u32))
}

/// `store_string_to_latin1_or_utf16` (from UTF-8 or UTF-16): speculate
/// Latin-1 with one byte per source code unit; at the first char above
/// U+00FF grow to the worst case, inflate the bytes so far in place, finish
/// as UTF-16 and shrink; otherwise shrink to the Latin-1 size.
fn to_latin1_or_utf16(
    cx: &mut LowerCx<'_>,
    text: &str,
    units: u64,
) -> Result<(u32, u32), AbiError> {
    let mut ptr = cx.allocate(2, units)?;
    cx.check_alloc(ptr, Some(2), units)?;
    let mut dst_len = 0u64;
    for c in text.chars() {
        if (c as u32) < 0x100 {
            cx.memory
                .write(u64::from(ptr) + dst_len, &[c as u32 as u8])?;
            dst_len += 1;
            continue;
        }
        let worst_case = 2 * units;
        ptr = cx.reallocate(ptr, units, 2, worst_case)?;
        cx.check_alloc(ptr, Some(2), worst_case)?;
        let base = u64::from(ptr);
        for j in (0..dst_len).rev() {
            let b = cx.memory.read(base + j, 1)?[0];
            cx.memory.write(base + 2 * j, &[b])?;
            cx.memory.write(base + 2 * j + 1, &[0])?;
        }
        let encoded = encode(text, Simple::Utf16);
        cx.memory
            .write(base + 2 * dst_len, &encoded[2 * dst_len as usize..])?;
        let len = encoded.len() as u64;
        if worst_case > len {
            ptr = cx.reallocate(ptr, worst_case, 2, len)?;
            cx.check_alloc(ptr, Some(2), len)?;
        }
        return Ok((ptr, tagged(len / 2)));
    }
    if dst_len < units {
        ptr = cx.reallocate(ptr, units, 2, dst_len)?;
        cx.check_alloc(ptr, Some(2), dst_len)?;
    }
    Ok((ptr, dst_len as u32))
}

/// `store_probably_utf16_to_latin1_or_utf16` (from tagged UTF-16 in
/// `latin1+utf16`): allocate and copy UTF-16; if every char fits Latin-1,
/// deflate in place and shrink (with alignment 1, and no alignment check).
fn probably_utf16_to_latin1_or_utf16(
    cx: &mut LowerCx<'_>,
    text: &str,
    units: u64,
) -> Result<(u32, u32), AbiError> {
    let src_byte_length = 2 * units;
    let mut ptr = cx.allocate(2, src_byte_length)?;
    cx.check_alloc(ptr, Some(2), src_byte_length)?;
    let encoded = encode(text, Simple::Utf16);
    cx.memory.write(u64::from(ptr), &encoded)?;
    if text.chars().any(|c| (c as u32) >= 0x100) {
        return Ok((ptr, tagged(encoded.len() as u64 / 2)));
    }
    let latin1_size = encoded.len() as u64 / 2;
    let base = u64::from(ptr);
    for i in 0..latin1_size {
        let b = cx.memory.read(base + 2 * i, 1)?[0];
        cx.memory.write(base + i, &[b])?;
    }
    ptr = cx.reallocate(ptr, src_byte_length, 1, latin1_size)?;
    cx.check_alloc(ptr, None, latin1_size)?;
    Ok((ptr, latin1_size as u32))
}
