//! An independent reference implementation of the component model's canonical
//! ABI for 32-bit memories: the byte-level oracle of witness.
//!
//! It is written from the spec text (`design/mvp/CanonicalABI.md` in the
//! component-model repository) and shares no code with wasmtime: wasmtime's
//! [`Val`](wasmtime::component::Val) is used only as a data vocabulary for
//! values. Types come from [`crate::ty`].
//!
//! The pieces, one module each:
//! - [`layout`]: alignment, element size, field offsets, discriminants and
//!   flags representations, and the spec's type validity rules ([`Abi`]);
//! - [`memory`]: linear memory as a bounds-checked buffer, the `realloc`
//!   callback and the lift/lower contexts;
//! - [`mod@load`] / [`mod@store`]: values read from and written to linear memory;
//! - [`strings`]: string loading and the spec's transcoding stores, with
//!   their exact `realloc` call sequences;
//! - [`flat`]: flattening, `lift_flat` / `lower_flat` and the spilling of
//!   parameters and results to memory;
//! - [`text`] and [`golden`]: a readable text form of types, values and core
//!   values, and the golden vector files under `harness/tests/abi/`.
//!
//! Where the spec leaves a choice or only asserts, this reference decides as
//! follows (each is repeated where it applies):
//! - NaNs: loading canonicalises every NaN (`0x7fc00000` / `0x7ff8000000000000`),
//!   as the spec does. Storing may write any NaN in the spec (nondeterministic
//!   outside the deterministic profile); [`NanLowering`] picks "the value's own
//!   bits" (the default) or the canonical NaN (the deterministic profile).
//! - A host string or list longer than the load limits (`MAX_STRING_BYTE_LENGTH`,
//!   `MAX_LIST_BYTE_LENGTH`) cannot come from a spec load; storing one traps
//!   with the same kind a load would.
//! - Type errors (the spec's validation rules) and values that do not match
//!   their type (spec assertions) are [`AbiError::InvalidType`] and
//!   [`AbiError::Mismatch`], never traps.
//!
//! Followed as written although it looks odd: when a tagged UTF-16 string
//! deflates to Latin-1 in `latin1+utf16`, the spec calls `realloc` with
//! alignment 1 and does not check the result's alignment, while loading such
//! a string requires alignment 2 (see component-model issue #59 and the open
//! PR #61); `harness/tests/abi/invalid.txt` pins the consequence.
//!
//! Not covered: 64-bit memories, the async ABI (`MAX_FLAT_ASYNC_PARAMS`,
//! `task.return`), and handles, streams, futures and error contexts, which
//! the type model does not have.

pub mod flat;
pub mod golden;
pub mod layout;
pub mod load;
pub mod memory;
pub mod store;
pub mod strings;
pub mod text;

#[cfg(test)]
mod tests;

use std::fmt;

pub use flat::{
    CoreFuncType, CoreType, CoreVal, FlattenContext, lift_flat, lift_flat_values, lower_flat,
    lower_flat_values,
};
pub use layout::{Abi, IntRepr, Layout, TypeError, VariantLayout};
pub use load::load;
pub use memory::{
    BumpRealloc, LiftCx, LowerCx, Memory, NanLowering, Realloc, ReallocCall, ScriptedRealloc,
};
pub use store::store;
pub use strings::HintedString;

/// Bytes in a 32-bit memory's pointer (`ptr_size('i32')`).
pub const PTR_SIZE: u32 = 4;

/// The spec's cap on the byte length of a loaded string (`(1 << 28) - 1`).
pub const MAX_STRING_BYTE_LENGTH: u64 = (1 << 28) - 1;

/// The spec's cap on the byte length of a loaded list (`(1 << 28) - 1`).
pub const MAX_LIST_BYTE_LENGTH: u64 = (1 << 28) - 1;

/// The largest allocation size `realloc` is asked for (`2**32 - 1`).
pub const REALLOC_I32_MAX: u64 = (1 << 32) - 1;

/// The bit of a `latin1+utf16` string length that marks UTF-16 (`utf16_tag`).
pub const UTF16_TAG: u32 = 1 << 31;

/// The canonical NaN bit patterns that loading produces.
pub const CANONICAL_F32_NAN: u32 = 0x7fc0_0000;
pub const CANONICAL_F64_NAN: u64 = 0x7ff8_0000_0000_0000;

/// The `string-encoding` canonical option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum StringEncoding {
    #[default]
    Utf8,
    Utf16,
    /// `latin1+utf16`: Latin-1, or UTF-16 when the length has [`UTF16_TAG`] set.
    Latin1Utf16,
}

impl StringEncoding {
    pub const ALL: [StringEncoding; 3] = [
        StringEncoding::Utf8,
        StringEncoding::Utf16,
        StringEncoding::Latin1Utf16,
    ];

    /// The spelling in the canonical options (`utf8`, `utf16`, `latin1+utf16`).
    pub fn as_str(self) -> &'static str {
        match self {
            StringEncoding::Utf8 => "utf8",
            StringEncoding::Utf16 => "utf16",
            StringEncoding::Latin1Utf16 => "latin1+utf16",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

impl fmt::Display for StringEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What went wrong, as the spec's `trap_if` conditions name it. A later
/// oracle compares these with the trap messages of a real runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TrapKind {
    /// A variant, enum, option or result discriminant `>=` the case count.
    InvalidDiscriminant,
    /// A `char` above `0x10FFFF` or a surrogate.
    InvalidChar,
    /// String bytes that are not UTF-8.
    InvalidUtf8,
    /// String code units that are not UTF-16 (an unpaired surrogate).
    InvalidUtf16,
    /// An access, a range or a `realloc` result beyond the end of memory
    /// (including `ptr + len * size` past 2^32, which the spec sees as past
    /// the end because its integers do not wrap).
    OutOfBounds,
    /// A pointer (loaded, lifted or returned by `realloc`) not aligned to
    /// what the spec requires.
    Misaligned,
    /// A string whose byte length exceeds `MAX_STRING_BYTE_LENGTH`.
    StringTooLong,
    /// A list whose byte length exceeds `MAX_LIST_BYTE_LENGTH`.
    ListTooLong,
    /// Guest code trapped (the `realloc` callback failed).
    Guest,
}

impl TrapKind {
    pub const ALL: [TrapKind; 9] = [
        TrapKind::InvalidDiscriminant,
        TrapKind::InvalidChar,
        TrapKind::InvalidUtf8,
        TrapKind::InvalidUtf16,
        TrapKind::OutOfBounds,
        TrapKind::Misaligned,
        TrapKind::StringTooLong,
        TrapKind::ListTooLong,
        TrapKind::Guest,
    ];

    /// Kebab-case name, as written in golden files.
    pub fn as_str(self) -> &'static str {
        match self {
            TrapKind::InvalidDiscriminant => "invalid-discriminant",
            TrapKind::InvalidChar => "invalid-char",
            TrapKind::InvalidUtf8 => "invalid-utf8",
            TrapKind::InvalidUtf16 => "invalid-utf16",
            TrapKind::OutOfBounds => "out-of-bounds",
            TrapKind::Misaligned => "misaligned",
            TrapKind::StringTooLong => "string-too-long",
            TrapKind::ListTooLong => "list-too-long",
            TrapKind::Guest => "guest",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for TrapKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A trap the spec requires, with what triggered it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("trap ({kind}): {detail}")]
pub struct Trap {
    pub kind: TrapKind,
    pub detail: String,
}

impl Trap {
    pub fn new(kind: TrapKind, detail: impl Into<String>) -> Self {
        Trap {
            kind,
            detail: detail.into(),
        }
    }
}

/// Everything the reference can report: a spec trap, or a misuse of the
/// reference that the spec rules out statically or by assertion.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AbiError {
    /// The spec traps here.
    #[error(transparent)]
    Trap(#[from] Trap),
    /// The type breaks a validation rule of the component model.
    #[error(transparent)]
    InvalidType(#[from] TypeError),
    /// A value (or a list of core values) does not have the type it is
    /// lowered or lifted as; the spec asserts this never happens.
    #[error("value does not match its type: {0}")]
    Mismatch(String),
}

impl AbiError {
    /// The trap kind, when this is a trap.
    pub fn trap_kind(&self) -> Option<TrapKind> {
        match self {
            AbiError::Trap(t) => Some(t.kind),
            _ => None,
        }
    }

    pub(crate) fn mismatch(msg: impl Into<String>) -> Self {
        AbiError::Mismatch(msg.into())
    }
}

/// `trap_if(cond)` with a kind and a lazily built detail.
pub(crate) fn trap_if(
    cond: bool,
    kind: TrapKind,
    detail: impl FnOnce() -> String,
) -> Result<(), AbiError> {
    if cond {
        Err(Trap::new(kind, detail()).into())
    } else {
        Ok(())
    }
}

/// `align_to(ptr, alignment)` on 64-bit addresses.
pub(crate) fn align_to(ptr: u64, alignment: u64) -> u64 {
    ptr.div_ceil(alignment) * alignment
}
