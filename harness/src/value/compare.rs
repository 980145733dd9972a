//! Comparison of an expected and an actual value, reporting the first place
//! where they differ as a [`Divergence`] with a path and a [`MismatchKind`].
//!
//! Rules:
//! - floats compare by their bits, except that any NaN equals any NaN (the
//!   canonical ABI may canonicalize NaNs, so payloads and sign are not
//!   checked); `-0.0` and `0.0` differ;
//! - flags compare as sets: `from_wave` gives them sorted by name, a
//!   component in declaration order;
//! - map entries compare in order, key then value;
//! - containers are checked before their contents: a list of another length,
//!   a record with other field names, a variant with another case is
//!   reported where it stands, not at its first differing element;
//! - handles (resources, futures, streams, error contexts) compare with
//!   wasmtime's equality (same table entry).
//!
//! The first divergence is the first in depth-first order (fields, elements
//! and entries in their order). Its `path` starts with the root name given to
//! [`compare`] (a parameter name or `result`) and continues with:
//!
//! | step                    | syntax            | example                      |
//! |-------------------------|-------------------|------------------------------|
//! | record field            | `.field`          | `arg.cell.text`              |
//! | tuple element           | `.0`              | `pair.1`                     |
//! | list / fixed-list item  | `[3]`             | `rows[3]`                    |
//! | map entry key / value   | `{2}.key`/`.value`| `m{2}.value`                 |
//! | option payload          | `?`               | `opt?.x`                     |
//! | result payload          | `.ok` / `.err`    | `result.ok`                  |
//! | variant payload         | `.(case)`         | `result.ok.(circle).radius`  |
//!
//! `expected` and `actual` are the WAVE texts of the two diverging
//! sub-values, cut to about [`SHOWN_CHARS`] characters; for long strings they
//! show a window around the first differing character.

use std::fmt::{self, Write as _};

use wasmtime::component::Val;

use super::wave;

/// The longest WAVE text kept in a [`Divergence`] (in characters, before the
/// ellipsis).
pub const SHOWN_CHARS: usize = 240;

/// Where and how an actual value first differs from the expected one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {kind}: expected {expected}, got {actual}")]
pub struct Divergence {
    /// The path of the diverging sub-value (see the module documentation).
    pub path: String,
    pub kind: MismatchKind,
    /// WAVE text of the expected sub-value (possibly cut).
    pub expected: String,
    /// WAVE text of the actual sub-value (possibly cut).
    pub actual: String,
}

/// How two values differ, as used in finding signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MismatchKind {
    /// The two values are different kinds of value (a list and a string, a
    /// variant case with and without payload, ...).
    Shape,
    BoolValue,
    IntValue,
    /// Floats with different bits (and not both NaN).
    FloatBits,
    CharValue,
    StringContent,
    /// Lists or fixed-length lists of different lengths.
    ListLength,
    MapLength,
    TupleLength,
    /// Records with different field names (or order, or number).
    RecordField,
    VariantCase,
    EnumCase,
    /// `some` against `none`.
    OptionPresence,
    /// `ok` against `err`.
    ResultArm,
    /// Flags with different sets of members.
    FlagsSet,
    /// Resources, futures, streams or error contexts that are not the same.
    Handle,
}

impl MismatchKind {
    /// Every kind, in declaration order.
    pub const ALL: [MismatchKind; 16] = [
        MismatchKind::Shape,
        MismatchKind::BoolValue,
        MismatchKind::IntValue,
        MismatchKind::FloatBits,
        MismatchKind::CharValue,
        MismatchKind::StringContent,
        MismatchKind::ListLength,
        MismatchKind::MapLength,
        MismatchKind::TupleLength,
        MismatchKind::RecordField,
        MismatchKind::VariantCase,
        MismatchKind::EnumCase,
        MismatchKind::OptionPresence,
        MismatchKind::ResultArm,
        MismatchKind::FlagsSet,
        MismatchKind::Handle,
    ];

    /// The kebab-case name used in finding signatures.
    pub fn as_str(self) -> &'static str {
        match self {
            MismatchKind::Shape => "shape",
            MismatchKind::BoolValue => "bool-value",
            MismatchKind::IntValue => "int-value",
            MismatchKind::FloatBits => "float-bits",
            MismatchKind::CharValue => "char-value",
            MismatchKind::StringContent => "string-content",
            MismatchKind::ListLength => "list-length",
            MismatchKind::MapLength => "map-length",
            MismatchKind::TupleLength => "tuple-length",
            MismatchKind::RecordField => "record-field",
            MismatchKind::VariantCase => "variant-case",
            MismatchKind::EnumCase => "enum-case",
            MismatchKind::OptionPresence => "option-presence",
            MismatchKind::ResultArm => "result-arm",
            MismatchKind::FlagsSet => "flags-set",
            MismatchKind::Handle => "handle",
        }
    }
}

impl fmt::Display for MismatchKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Compares `actual` with `expected` under the module's rules; the error is
/// the first divergence, its path starting with `root`.
pub fn compare(root: &str, expected: &Val, actual: &Val) -> Result<(), Divergence> {
    let mut path = String::from(root);
    match diverge(&mut path, expected, actual) {
        None => Ok(()),
        Some((kind, e, a)) => {
            let (expected, actual) = match (kind, e, a) {
                (MismatchKind::StringContent, Val::String(e), Val::String(a)) => {
                    shown_strings(e, a)
                }
                _ => (shown(e), shown(a)),
            };
            Err(Divergence {
                path,
                kind,
                expected,
                actual,
            })
        }
    }
}

/// Whether two values are equal under the module's rules.
pub(crate) fn same(a: &Val, b: &Val) -> bool {
    diverge(&mut String::new(), a, b).is_none()
}

/// Whether two floats are the same: same bits, or both NaN.
fn same_f32(a: f32, b: f32) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

fn same_f64(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

type Found<'v> = Option<(MismatchKind, &'v Val, &'v Val)>;

/// The first divergence below `e`/`a`. On divergence `path` is left
/// pointing at it; otherwise it is restored.
fn diverge<'v>(path: &mut String, e: &'v Val, a: &'v Val) -> Found<'v> {
    use MismatchKind as K;
    let differ = |kind: MismatchKind, differs: bool| differs.then_some((kind, e, a));
    match (e, a) {
        (Val::Bool(x), Val::Bool(y)) => differ(K::BoolValue, x != y),
        (Val::S8(x), Val::S8(y)) => differ(K::IntValue, x != y),
        (Val::U8(x), Val::U8(y)) => differ(K::IntValue, x != y),
        (Val::S16(x), Val::S16(y)) => differ(K::IntValue, x != y),
        (Val::U16(x), Val::U16(y)) => differ(K::IntValue, x != y),
        (Val::S32(x), Val::S32(y)) => differ(K::IntValue, x != y),
        (Val::U32(x), Val::U32(y)) => differ(K::IntValue, x != y),
        (Val::S64(x), Val::S64(y)) => differ(K::IntValue, x != y),
        (Val::U64(x), Val::U64(y)) => differ(K::IntValue, x != y),
        (Val::Float32(x), Val::Float32(y)) => differ(K::FloatBits, !same_f32(*x, *y)),
        (Val::Float64(x), Val::Float64(y)) => differ(K::FloatBits, !same_f64(*x, *y)),
        (Val::Char(x), Val::Char(y)) => differ(K::CharValue, x != y),
        (Val::String(x), Val::String(y)) => differ(K::StringContent, x != y),
        (Val::List(xs), Val::List(ys)) | (Val::FixedLengthList(xs), Val::FixedLengthList(ys)) => {
            if xs.len() != ys.len() {
                return differ(K::ListLength, true);
            }
            for (i, (x, y)) in xs.iter().zip(ys).enumerate() {
                if let found @ Some(_) = step(path, format_args!("[{i}]"), x, y) {
                    return found;
                }
            }
            None
        }
        (Val::Map(xs), Val::Map(ys)) => {
            if xs.len() != ys.len() {
                return differ(K::MapLength, true);
            }
            // A map is a set of entries: bindings keep them in hash maps, so
            // the order they come back in is not the order they were sent
            // in. Each key sent must arrive once, with its value.
            for (i, (xk, xv)) in xs.iter().enumerate() {
                let Some((_, yv)) = ys.iter().find(|(yk, _)| same(xk, yk)) else {
                    // The key is missing: show it against the entry in its place.
                    return step(path, format_args!("{{{i}}}.key"), xk, &ys[i].0);
                };
                if let found @ Some(_) = step(path, format_args!("{{{i}}}.value"), xv, yv) {
                    return found;
                }
            }
            None
        }
        (Val::Record(xs), Val::Record(ys)) => {
            let names_differ =
                xs.len() != ys.len() || xs.iter().zip(ys).any(|((x, _), (y, _))| x != y);
            if names_differ {
                return differ(K::RecordField, true);
            }
            for ((name, x), (_, y)) in xs.iter().zip(ys) {
                if let found @ Some(_) = step(path, format_args!(".{name}"), x, y) {
                    return found;
                }
            }
            None
        }
        (Val::Tuple(xs), Val::Tuple(ys)) => {
            if xs.len() != ys.len() {
                return differ(K::TupleLength, true);
            }
            for (i, (x, y)) in xs.iter().zip(ys).enumerate() {
                if let found @ Some(_) = step(path, format_args!(".{i}"), x, y) {
                    return found;
                }
            }
            None
        }
        (Val::Variant(xc, xp), Val::Variant(yc, yp)) => {
            if xc != yc {
                return differ(K::VariantCase, true);
            }
            match (xp, yp) {
                (Some(x), Some(y)) => step(path, format_args!(".({xc})"), x, y),
                (None, None) => None,
                _ => differ(K::Shape, true),
            }
        }
        (Val::Enum(x), Val::Enum(y)) => differ(K::EnumCase, x != y),
        (Val::Option(x), Val::Option(y)) => match (x, y) {
            (Some(x), Some(y)) => step(path, format_args!("?"), x, y),
            (None, None) => None,
            _ => differ(K::OptionPresence, true),
        },
        (Val::Result(x), Val::Result(y)) => {
            let (arm, xp, yp) = match (x, y) {
                (Ok(xp), Ok(yp)) => ("ok", xp, yp),
                (Err(xp), Err(yp)) => ("err", xp, yp),
                _ => return differ(K::ResultArm, true),
            };
            match (xp, yp) {
                (Some(x), Some(y)) => step(path, format_args!(".{arm}"), x, y),
                (None, None) => None,
                _ => differ(K::Shape, true),
            }
        }
        (Val::Flags(xs), Val::Flags(ys)) => {
            let set = |names: &'v [String]| {
                let mut set: Vec<&str> = names.iter().map(String::as_str).collect();
                set.sort_unstable();
                set.dedup();
                set
            };
            differ(K::FlagsSet, set(xs) != set(ys))
        }
        (Val::Resource(_), Val::Resource(_))
        | (Val::Future(_), Val::Future(_))
        | (Val::Stream(_), Val::Stream(_))
        | (Val::ErrorContext(_), Val::ErrorContext(_)) => differ(K::Handle, e != a),
        _ => differ(K::Shape, true),
    }
}

/// Compares `x` and `y` one step further down `path`.
fn step<'v>(path: &mut String, segment: fmt::Arguments<'_>, x: &'v Val, y: &'v Val) -> Found<'v> {
    let len = path.len();
    path.write_fmt(segment).expect("writing to a String");
    let found = diverge(path, x, y);
    if found.is_none() {
        path.truncate(len);
    }
    found
}

/// WAVE text of `v`, cut to about [`SHOWN_CHARS`] characters.
fn shown(v: &Val) -> String {
    wave::to_wave_cut(v, SHOWN_CHARS)
}

/// Two differing strings; when long, windows around the first difference.
fn shown_strings(e: &str, a: &str) -> (String, String) {
    let (mut full_e, mut full_a) = (String::from('"'), String::from('"'));
    let e_whole = wave::escape_str_into(&mut full_e, e, SHOWN_CHARS);
    let a_whole = wave::escape_str_into(&mut full_a, a, SHOWN_CHARS);
    if e_whole && a_whole {
        full_e.push('"');
        full_a.push('"');
        return (full_e, full_a);
    }
    let first_diff = e
        .char_indices()
        .zip(a.chars())
        .find(|((_, x), y)| x != y)
        .map_or(e.len().min(a.len()), |((i, _), _)| i);
    // Start a few characters before the difference, on a char boundary (the
    // two strings agree up to the difference, so it is one in both).
    let mut start = first_diff.saturating_sub(24);
    while !e.is_char_boundary(start) {
        start -= 1;
    }
    let window = |s: &str| {
        let mut text = String::new();
        let whole = wave::escape_str_into(&mut text, &s[start..], SHOWN_CHARS / 2);
        let cut = if whole { "" } else { "…" };
        format!(
            "string of {} bytes, from byte {start}: \"{text}{cut}\"",
            s.len()
        )
    };
    (window(e), window(a))
}

#[cfg(test)]
mod tests;
