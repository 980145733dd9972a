//! The one table that maps wasmtime's error messages to the spec's trap
//! kinds ([`TrapKind`]), and the rule for when two kinds agree.
//!
//! wasmtime reports a failed lift or lower in three ways: the host-side
//! lifting and lowering (`wasmtime::component::Func::call` and host
//! functions) fail with `bail!` messages; the fused adapters between
//! components trap with a `wasmtime::Trap` code; and the adapters'
//! transcoding helpers fail with messages of their own. The table lists the
//! messages of wasmtime 48 (from its source: `func/typed.rs`, `values.rs`,
//! `func/options.rs`, `func/host.rs`, `func.rs`, `vm/component/libcalls.rs`
//! and the trap codes in `wasmtime-environ`), most specific first.
//!
//! | message (substring)                          | kind                 |
//! |----------------------------------------------|----------------------|
//! | `realloc return: result not aligned`         | misaligned           |
//! | `realloc return: beyond end of memory`       | out-of-bounds        |
//! | `not aligned`, `unaligned pointer`           | misaligned           |
//! | `out of bounds`, `out-of-bounds`, `overflow` | out-of-bounds        |
//! | `discriminant`                               | invalid-discriminant |
//! | `` out of range for `char` ``, `` invalid `char` `` | invalid-char  |
//! | `utf-8`, `utf8`                              | invalid-utf8         |
//! | `unpaired surrogate`, `utf16`                | invalid-utf16        |
//! | `too large`                                  | string-too-long      |
//! | `unreachable`                                | guest                |
//!
//! Agreement: equal kinds agree; and a length past the limit
//! (`string-too-long`, `list-too-long`) agrees with `out-of-bounds`, since
//! such a range is always also past the end of a memory smaller than the
//! limit, and the spec's order of checks is not observable (a trap is a
//! trap). The oracle only makes single-condition invalid inputs otherwise,
//! so no other pair is excused.

use crate::abi::TrapKind;

/// The table, most specific first.
pub const TABLE: &[(&str, TrapKind)] = &[
    ("realloc return: result not aligned", TrapKind::Misaligned),
    (
        "realloc return: beyond end of memory",
        TrapKind::OutOfBounds,
    ),
    ("not aligned", TrapKind::Misaligned),
    ("unaligned pointer", TrapKind::Misaligned),
    ("out of bounds", TrapKind::OutOfBounds),
    ("out-of-bounds", TrapKind::OutOfBounds),
    ("overflow", TrapKind::OutOfBounds),
    ("discriminant", TrapKind::InvalidDiscriminant),
    ("out of range for `char`", TrapKind::InvalidChar),
    ("invalid `char`", TrapKind::InvalidChar),
    ("utf-8", TrapKind::InvalidUtf8),
    ("utf8", TrapKind::InvalidUtf8),
    ("unpaired surrogate", TrapKind::InvalidUtf16),
    ("utf16", TrapKind::InvalidUtf16),
    ("too large", TrapKind::StringTooLong),
    ("unreachable", TrapKind::Guest),
];

/// The trap kind of a wasmtime error message, if the table knows it.
pub fn classify(message: &str) -> Option<TrapKind> {
    let lower = message.to_lowercase();
    TABLE
        .iter()
        .find(|(pattern, _)| lower.contains(pattern))
        .map(|(_, kind)| *kind)
}

/// Whether wasmtime's trap kind agrees with the spec's.
pub fn agrees(spec: TrapKind, wasmtime: TrapKind) -> bool {
    spec == wasmtime
        || (matches!(spec, TrapKind::StringTooLong | TrapKind::ListTooLong)
            && wasmtime == TrapKind::OutOfBounds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wasmtime_messages_map_to_kinds() {
        let cases = [
            ("realloc return: result not aligned", TrapKind::Misaligned),
            (
                "realloc return: beyond end of memory",
                TrapKind::OutOfBounds,
            ),
            ("string pointer not aligned to 2", TrapKind::Misaligned),
            (
                "list pointer/length out of bounds of memory",
                TrapKind::OutOfBounds,
            ),
            ("string content out-of-bounds", TrapKind::OutOfBounds),
            (
                "discriminant 3 out of range [0..3)",
                TrapKind::InvalidDiscriminant,
            ),
            (
                "invalid variant discriminant",
                TrapKind::InvalidDiscriminant,
            ),
            (
                "converted integer out of range for `char`",
                TrapKind::InvalidChar,
            ),
            (
                "invalid utf-8 sequence of 1 bytes from index 0",
                TrapKind::InvalidUtf8,
            ),
            ("invalid utf16 encoding", TrapKind::InvalidUtf16),
            ("unpaired surrogate found: dc00", TrapKind::InvalidUtf16),
            (
                "wasm trap: wasm `unreachable` instruction executed",
                TrapKind::Guest,
            ),
        ];
        for (message, kind) in cases {
            assert_eq!(classify(message), Some(kind), "{message}");
        }
        assert_eq!(classify("something else entirely"), None);
    }

    #[test]
    fn only_limits_and_bounds_are_excused() {
        assert!(agrees(TrapKind::ListTooLong, TrapKind::OutOfBounds));
        assert!(agrees(TrapKind::InvalidChar, TrapKind::InvalidChar));
        assert!(!agrees(TrapKind::Misaligned, TrapKind::OutOfBounds));
        assert!(!agrees(TrapKind::OutOfBounds, TrapKind::ListTooLong));
    }
}
