//! Linear memory and the canonical options around it: [`Memory`] (a
//! bounds-checked byte buffer that remembers which bytes were written), the
//! caller-provided [`Realloc`] callback with two implementations, and the
//! contexts that lifting ([`LiftCx`]) and lowering ([`LowerCx`]) run in.

use std::collections::VecDeque;
use std::fmt;

use super::layout::Abi;
use super::strings::HintedString;
use super::{AbiError, CANONICAL_F32_NAN, CANONICAL_F64_NAN, StringEncoding, Trap, TrapKind};

/// Size of a wasm page, the unit [`BumpRealloc`] grows memory by.
pub const PAGE_SIZE: u64 = 65536;

/// A 32-bit linear memory: bytes, plus which of them a store has written
/// (padding and unused payload bytes stay unwritten, which lets a comparison
/// with another implementation ignore them).
#[derive(Clone, PartialEq, Eq)]
pub struct Memory {
    bytes: Vec<u8>,
    written: Vec<bool>,
}

impl fmt::Debug for Memory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Memory({} bytes, {} written)",
            self.bytes.len(),
            self.written_count()
        )
    }
}

impl Memory {
    /// `len` zero bytes, none written.
    pub fn new(len: usize) -> Self {
        Memory {
            bytes: vec![0; len],
            written: vec![false; len],
        }
    }

    /// A memory holding `bytes`, none counted as written.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        let written = vec![false; bytes.len()];
        Memory { bytes, written }
    }

    pub fn len(&self) -> u64 {
        self.bytes.len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Whether a store (or a write through [`Memory::write`]) set this byte.
    pub fn was_written(&self, addr: u64) -> bool {
        self.written.get(addr as usize).copied().unwrap_or(false)
    }

    pub fn written_count(&self) -> usize {
        self.written.iter().filter(|w| **w).count()
    }

    /// One past the highest written byte (0 when none was written).
    pub fn written_end(&self) -> u64 {
        self.written
            .iter()
            .rposition(|w| *w)
            .map_or(0, |i| i as u64 + 1)
    }

    /// Forgets which bytes were written (the bytes stay).
    pub fn clear_written(&mut self) {
        self.written.iter_mut().for_each(|w| *w = false);
    }

    /// Grows by `extra` zero bytes.
    pub fn grow(&mut self, extra: u64) {
        let len = self.bytes.len() + extra as usize;
        self.bytes.resize(len, 0);
        self.written.resize(len, false);
    }

    /// Traps `OutOfBounds` unless `[addr, addr + len)` is inside memory.
    pub fn check_range(&self, addr: u64, len: u64) -> Result<(), Trap> {
        match addr.checked_add(len) {
            Some(end) if end <= self.len() => Ok(()),
            _ => Err(Trap::new(
                TrapKind::OutOfBounds,
                format!(
                    "{len} bytes at {addr:#x} exceed memory of {} bytes",
                    self.len()
                ),
            )),
        }
    }

    pub fn read(&self, addr: u64, len: u64) -> Result<&[u8], Trap> {
        self.check_range(addr, len)?;
        Ok(&self.bytes[addr as usize..(addr + len) as usize])
    }

    /// Writes `data` at `addr` and marks it written.
    pub fn write(&mut self, addr: u64, data: &[u8]) -> Result<(), Trap> {
        self.check_range(addr, data.len() as u64)?;
        let range = addr as usize..addr as usize + data.len();
        self.bytes[range.clone()].copy_from_slice(data);
        self.written[range].iter_mut().for_each(|w| *w = true);
        Ok(())
    }

    /// Copies `len` bytes from `src` to `dst` (as `realloc` moves a block),
    /// each keeping whether it was written.
    pub fn copy(&mut self, src: u64, dst: u64, len: u64) -> Result<(), Trap> {
        self.check_range(src, len)?;
        self.check_range(dst, len)?;
        let (s, d, n) = (src as usize, dst as usize, len as usize);
        self.bytes.copy_within(s..s + n, d);
        self.written.copy_within(s..s + n, d);
        Ok(())
    }

    /// Little-endian unsigned integer of `nbytes` (1, 2, 4 or 8) bytes
    /// (`load_int`).
    pub fn read_uint(&self, addr: u64, nbytes: u64) -> Result<u64, Trap> {
        let bytes = self.read(addr, nbytes)?;
        let mut buf = [0u8; 8];
        buf[..bytes.len()].copy_from_slice(bytes);
        Ok(u64::from_le_bytes(buf))
    }

    /// The low `nbytes` bytes of `v`, little-endian (`store_int`).
    pub fn write_uint(&mut self, addr: u64, v: u64, nbytes: u64) -> Result<(), Trap> {
        self.write(addr, &v.to_le_bytes()[..nbytes as usize])
    }
}

/// The `realloc` canonical option: the guest's allocator, called as
/// `realloc(old_ptr, old_size, align, new_size)`. It gets the memory so
/// that it can copy the old contents (the spec's transcoding relies on
/// that) and grow memory, as a guest's allocator would.
pub trait Realloc {
    fn realloc(
        &mut self,
        memory: &mut Memory,
        old_ptr: u32,
        old_size: u32,
        align: u32,
        new_size: u32,
    ) -> Result<u32, Trap>;
}

/// One `realloc` call as the lowering made it, with what it returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReallocCall {
    pub old_ptr: u32,
    pub old_size: u32,
    pub align: u32,
    pub new_size: u32,
    pub result: u32,
}

impl fmt::Display for ReallocCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "({:#x}, {}, {}, {}) -> {:#x}",
            self.old_ptr, self.old_size, self.align, self.new_size, self.result
        )
    }
}

/// A well-behaved allocator: each allocation is a fresh aligned block after
/// the previous ones (growing memory by whole pages as needed), a shrinking
/// call stays in place, and the old contents are copied (with
/// [`Memory::copy`], so copied bytes that nothing wrote stay unwritten).
#[derive(Debug, Clone)]
pub struct BumpRealloc {
    /// Where the next block may start.
    pub next: u64,
}

impl BumpRealloc {
    pub fn new(start: u32) -> Self {
        BumpRealloc {
            next: u64::from(start),
        }
    }
}

impl Realloc for BumpRealloc {
    fn realloc(
        &mut self,
        memory: &mut Memory,
        old_ptr: u32,
        old_size: u32,
        align: u32,
        new_size: u32,
    ) -> Result<u32, Trap> {
        if !align.is_power_of_two() {
            return Err(Trap::new(
                TrapKind::Guest,
                format!("realloc: bad alignment {align}"),
            ));
        }
        if old_size != 0 && new_size <= old_size && old_ptr.is_multiple_of(align) {
            return Ok(old_ptr);
        }
        let ptr = super::align_to(self.next, u64::from(align));
        let end = ptr + u64::from(new_size);
        if end > 1 << 32 {
            return Err(Trap::new(TrapKind::Guest, "realloc: out of memory"));
        }
        if end > memory.len() {
            let pages = (end - memory.len()).div_ceil(PAGE_SIZE);
            memory.grow(pages * PAGE_SIZE);
        }
        memory.copy(u64::from(old_ptr), ptr, u64::from(old_size.min(new_size)))?;
        self.next = end;
        Ok(ptr as u32)
    }
}

/// An allocator that returns scripted pointers in order (to show what a
/// misbehaving guest allocator causes), copying the old contents when that
/// is in bounds; it traps (`Guest`) once the script runs out.
#[derive(Debug, Clone)]
pub struct ScriptedRealloc {
    pub results: VecDeque<u32>,
}

impl ScriptedRealloc {
    pub fn new(results: impl IntoIterator<Item = u32>) -> Self {
        ScriptedRealloc {
            results: results.into_iter().collect(),
        }
    }
}

impl Realloc for ScriptedRealloc {
    fn realloc(
        &mut self,
        memory: &mut Memory,
        old_ptr: u32,
        old_size: u32,
        _align: u32,
        new_size: u32,
    ) -> Result<u32, Trap> {
        let ptr = self
            .results
            .pop_front()
            .ok_or_else(|| Trap::new(TrapKind::Guest, "scripted realloc has no result left"))?;
        // Out of bounds, there is nothing to copy; the caller's checks trap.
        let _ = memory.copy(
            u64::from(old_ptr),
            u64::from(ptr),
            u64::from(old_size.min(new_size)),
        );
        Ok(ptr)
    }
}

/// What lowering writes for a NaN float (the spec lets it write any NaN).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NanLowering {
    /// The bits of the value as given (a host may do this, the spec says).
    #[default]
    Preserve,
    /// The canonical NaN (the spec's deterministic profile).
    Canonical,
}

impl NanLowering {
    pub(crate) fn f32_bits(self, f: f32) -> u32 {
        match self {
            NanLowering::Canonical if f.is_nan() => CANONICAL_F32_NAN,
            _ => f.to_bits(),
        }
    }

    pub(crate) fn f64_bits(self, f: f64) -> u64 {
        match self {
            NanLowering::Canonical if f.is_nan() => CANONICAL_F64_NAN,
            _ => f.to_bits(),
        }
    }
}

/// What lifting (loading, `lift_flat`) runs with: the types, the
/// `string-encoding` option and the memory.
#[derive(Debug, Clone, Copy)]
pub struct LiftCx<'a> {
    pub abi: &'a Abi<'a>,
    pub encoding: StringEncoding,
    pub memory: &'a Memory,
}

impl<'a> LiftCx<'a> {
    pub fn new(abi: &'a Abi<'a>, encoding: StringEncoding, memory: &'a Memory) -> Self {
        LiftCx {
            abi,
            encoding,
            memory,
        }
    }
}

/// What lowering (storing, `lower_flat`) runs with: the types, the
/// `string-encoding` and `realloc` options, the memory, and the encoding
/// that the strings being lowered come from (the spec's string "hint";
/// `utf8` for host strings). Every `realloc` call is recorded in `reallocs`.
pub struct LowerCx<'a> {
    pub abi: &'a Abi<'a>,
    pub encoding: StringEncoding,
    pub memory: &'a mut Memory,
    pub realloc: &'a mut dyn Realloc,
    /// The encoding the strings come from (see [`super::HintedString`]).
    pub source: StringEncoding,
    /// With a `latin1+utf16` source: the producer chose UTF-16 even for
    /// strings that fit Latin-1 (as the spec allows), so the hint is tagged.
    pub source_tagged_utf16: bool,
    pub nan: NanLowering,
    pub reallocs: Vec<ReallocCall>,
}

impl<'a> LowerCx<'a> {
    /// A context for host values: UTF-8 sources, NaN bits preserved.
    pub fn new(
        abi: &'a Abi<'a>,
        encoding: StringEncoding,
        memory: &'a mut Memory,
        realloc: &'a mut dyn Realloc,
    ) -> Self {
        LowerCx {
            abi,
            encoding,
            memory,
            realloc,
            source: StringEncoding::Utf8,
            source_tagged_utf16: false,
            nan: NanLowering::Preserve,
            reallocs: Vec::new(),
        }
    }

    /// A lifting view of the same memory and options.
    pub fn as_lift(&self) -> LiftCx<'_> {
        LiftCx {
            abi: self.abi,
            encoding: self.encoding,
            memory: self.memory,
        }
    }

    /// The hinted form of a string being lowered, from `source`.
    pub fn hint(&self, text: &str) -> HintedString {
        if self.source == StringEncoding::Latin1Utf16 && self.source_tagged_utf16 {
            HintedString::tagged_utf16(text)
        } else {
            HintedString::natural(text, self.source)
        }
    }

    /// `cx.reallocate(old, old_byte_length, alignment, new_byte_length)`.
    /// The spec asserts sizes below `REALLOC_I32_MAX`; callers guarantee it.
    pub(crate) fn reallocate(
        &mut self,
        old_ptr: u32,
        old_size: u64,
        align: u64,
        new_size: u64,
    ) -> Result<u32, AbiError> {
        let (old_size, align, new_size) = (old_size as u32, align as u32, new_size as u32);
        let result = self
            .realloc
            .realloc(self.memory, old_ptr, old_size, align, new_size)?;
        self.reallocs.push(ReallocCall {
            old_ptr,
            old_size,
            align,
            new_size,
            result,
        });
        Ok(result)
    }

    /// `cx.allocate(alignment, byte_length)`.
    pub(crate) fn allocate(&mut self, align: u64, size: u64) -> Result<u32, AbiError> {
        self.reallocate(0, 0, align, size)
    }

    /// The checks the spec makes on each pointer `realloc` returns:
    /// `trap_if(ptr != align_to(ptr, align))` when `align` is given, then
    /// `trap_if(ptr + len > len(memory))`.
    pub(crate) fn check_alloc(
        &self,
        ptr: u32,
        align: Option<u64>,
        len: u64,
    ) -> Result<(), AbiError> {
        let p = u64::from(ptr);
        if let Some(a) = align {
            super::trap_if(p % a != 0, TrapKind::Misaligned, || {
                format!("realloc returned {p:#x}, which is not {a}-aligned")
            })?;
        }
        super::trap_if(p + len > self.memory.len(), TrapKind::OutOfBounds, || {
            format!(
                "realloc returned {p:#x} for {len} bytes, past the end of memory ({} bytes)",
                self.memory.len()
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_is_bounds_checked_and_tracks_writes() {
        let mut m = Memory::new(8);
        m.write_uint(4, 0x0102_0304, 4).unwrap();
        assert_eq!(m.read_uint(4, 4).unwrap(), 0x0102_0304);
        assert_eq!(m.bytes()[4..], [4, 3, 2, 1]);
        assert!(m.was_written(4) && !m.was_written(3));
        assert_eq!(m.written_end(), 8);
        assert_eq!(m.read(5, 4).unwrap_err().kind, TrapKind::OutOfBounds);
        assert_eq!(
            m.write(u64::MAX, &[1]).unwrap_err().kind,
            TrapKind::OutOfBounds
        );
        assert!(m.read(8, 0).is_ok());
    }

    #[test]
    fn bump_realloc_aligns_copies_and_shrinks_in_place() {
        let mut m = Memory::new(0);
        let mut r = BumpRealloc::new(1);
        let a = r.realloc(&mut m, 0, 0, 4, 3).unwrap();
        assert_eq!(a, 4);
        m.write(4, b"ab").unwrap();
        let b = r.realloc(&mut m, a, 3, 2, 6).unwrap();
        assert_eq!(b, 8);
        assert_eq!(&m.bytes()[8..11], b"ab\0");
        assert!(
            m.was_written(9) && !m.was_written(10),
            "written-ness moves with the bytes"
        );
        assert_eq!(r.realloc(&mut m, b, 6, 2, 2).unwrap(), b);
        assert_eq!(m.len(), PAGE_SIZE);
    }
}
