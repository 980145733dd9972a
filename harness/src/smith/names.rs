//! Identifiers for generated worlds: random kebab-case WIT names, unique
//! within their scope, optionally mixed with words that are keywords or
//! builtins in WIT, in a guest language (each driver's
//! [`GuestLanguage::keywords`](crate::guest::GuestLanguage::keywords)), or
//! in the bindings generators themselves.

use std::collections::HashSet;
use std::sync::LazyLock;

use arbitrary::Unstructured;

/// WIT's keywords and type names.
#[rustfmt::skip]
const WIT_NAMES: &[&str] = &[
    "use", "type", "func", "u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "f32", "f64",
    "char", "resource", "own", "borrow", "record", "flags", "variant", "enum", "bool", "string",
    "option", "result", "future", "stream", "error-context", "list", "map", "as", "from", "static",
    "interface", "tuple", "world", "import", "export", "package", "constructor", "include", "with",
    "async",
];

/// Names bindings generators use themselves.
#[rustfmt::skip]
const GENERATOR_NAMES: &[&str] = &[
    "guest", "stub", "exports", "imports", "wit-world", "wit-bindgen", "component", "val", "value",
    "handle", "rep", "ptr", "len0", "base", "offset", "ret", "result0", "payload", "tag",
    "ok-value", "err-value", "some-value",
];

/// Names that are keywords, reserved words or common builtins in WIT or in
/// a guest language of the registry (in its order), or that bindings
/// generators are likely to use themselves; each once. With
/// `keyword_names` on, the generator draws names from here for every kind
/// of name (types, fields, cases, flags, functions, parameters). All are
/// valid WIT identifiers once the WIT keywords among them are written with
/// `%` (see [`crate::wit_text::escape_ident`]).
pub fn keyword_names() -> &'static [&'static str] {
    static NAMES: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
        let mut out: Vec<&'static str> = Vec::new();
        let languages: Vec<&'static [&'static str]> = crate::guest::registry()
            .iter()
            .map(|l| l.keywords())
            .collect();
        let all = std::iter::once(WIT_NAMES)
            .chain(languages)
            .chain(std::iter::once(GENERATOR_NAMES));
        for name in all.flatten() {
            if !out.contains(name) {
                out.push(name);
            }
        }
        out
    });
    &NAMES
}

/// Ordinary words for ordinary names.
#[rustfmt::skip]
const WORDS: &[&str] = &[
    "alpha", "beta", "gamma", "delta", "point", "color", "shape", "user", "name", "item", "count",
    "size", "kind", "state", "data", "node", "entry", "key", "page", "file", "path", "line",
    "text", "word", "time", "date", "event", "level", "mode", "code", "status", "request",
    "response", "header", "body", "message", "buffer", "chunk", "token", "score", "price", "order",
    "account", "amount", "limit", "width", "height", "depth", "left", "right", "top", "bottom",
    "start", "end", "first", "last", "red", "green", "blue", "small", "large", "fast", "slow",
    "read", "write", "query", "reply", "update", "inner", "outer", "a", "b", "x", "y", "z", "v",
    "p", "q",
];

/// The names taken in one scope (a record's fields, a function's
/// parameters, the package's types and functions, ...).
///
/// Names are compared the way the component model's validation compares
/// them: without hyphens and case, so `go` and `g-o` clash (wasmparser
/// rejects a type with both).
#[derive(Debug, Default)]
pub(crate) struct Scope {
    taken: HashSet<String>,
}

/// A name as validation compares it: hyphens dropped, lowercase.
fn clash_key(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

impl Scope {
    pub(crate) fn new() -> Scope {
        Scope::default()
    }

    /// Takes `name` if no name of the scope clashes with it.
    pub(crate) fn claim(&mut self, name: &str) -> bool {
        self.taken.insert(clash_key(name))
    }

    /// A fresh name, unique in this scope. With `keywords`, about one name
    /// in three is drawn from [`keyword_names()`]; without, no name is spelled
    /// like one of them.
    pub(crate) fn fresh(
        &mut self,
        u: &mut Unstructured<'_>,
        keywords: bool,
    ) -> arbitrary::Result<String> {
        if keywords && u.ratio(1u8, 3u8)? {
            let name = *u.choose(keyword_names())?;
            if self.taken.insert(clash_key(name)) {
                return Ok(name.to_string());
            }
        }
        let words = match u.int_in_range(0..=7u8)? {
            0..=3 => 1,
            4..=6 => 2,
            _ => 3,
        };
        let mut name = String::new();
        for i in 0..words {
            if i > 0 {
                name.push('-');
            }
            random_word(u, &mut name)?;
        }
        if keyword_names().contains(&name.as_str()) {
            // Keyword names only come from the branch above, so that the
            // switch really switches them off.
            name.push_str("-v");
        }
        if self.taken.contains(&clash_key(&name)) {
            let base = name;
            let mut n = 2u32;
            loop {
                name = format!("{base}-v{n}");
                if !self.taken.contains(&clash_key(&name)) {
                    break;
                }
                n += 1;
            }
        }
        self.taken.insert(clash_key(&name));
        Ok(name)
    }
}

/// Appends one lowercase word: a dictionary word most of the time, else
/// random letters, sometimes followed by digits. It always starts with a
/// letter, as WIT requires of a name's first word (and as the component
/// model's kebab names require of every word).
fn random_word(u: &mut Unstructured<'_>, out: &mut String) -> arbitrary::Result<()> {
    if u.ratio(3u8, 4u8)? {
        out.push_str(u.choose(WORDS)?);
    } else {
        let len = u.int_in_range(1..=6u8)?;
        for _ in 0..len {
            out.push(char::from(b'a' + u.int_in_range(0..=25u8)?));
        }
    }
    if u.ratio(1u8, 8u8)? {
        let digits = u.int_in_range(0..=99u8)?;
        out.push_str(&digits.to_string());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed;

    fn is_valid_wit_id(name: &str) -> bool {
        name.split('-').all(|word| {
            word.starts_with(|c: char| c.is_ascii_lowercase())
                && word
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
    }

    #[test]
    fn keyword_names_are_valid_wit_identifiers() {
        for name in keyword_names().iter().chain(WORDS) {
            assert!(
                is_valid_wit_id(name),
                "`{name}` is not a valid WIT identifier"
            );
        }
        // The check itself rejects bad names.
        assert!(!is_valid_wit_id("9lives"));
        assert!(!is_valid_wit_id("a--b"));
        assert!(!is_valid_wit_id("Mixed"));
    }

    #[test]
    fn keyword_list_has_no_duplicates_and_every_wit_keyword() {
        let mut seen = HashSet::new();
        for name in keyword_names() {
            assert!(seen.insert(name), "`{name}` is listed twice");
        }
        for keyword in crate::wit_text::WIT_KEYWORDS.iter().filter(|k| **k != "_") {
            assert!(seen.contains(keyword), "WIT keyword `{keyword}` is missing");
        }
    }

    #[test]
    fn fresh_names_are_unique_valid_and_keyword_free_when_off() {
        for (keywords, seed) in [(false, 1u64), (true, 2)] {
            let bytes = seed::bytes(seed, &[], 64 * 1024);
            let mut u = Unstructured::new(&bytes);
            let mut scope = Scope::new();
            let mut seen = HashSet::new();
            let mut keyword_hits = 0;
            // 2,000 names: far more than the dictionary, so collisions and
            // the suffix fallback happen (and the bytes run out on the way).
            for _ in 0..2_000 {
                let name = scope.fresh(&mut u, keywords).unwrap();
                assert!(
                    is_valid_wit_id(&name),
                    "`{name}` is not a valid WIT identifier"
                );
                assert!(
                    seen.insert(clash_key(&name)),
                    "`{name}` clashes with an earlier name (hyphens and case aside)"
                );
                if keyword_names().contains(&name.as_str()) {
                    keyword_hits += 1;
                }
            }
            if keywords {
                assert!(keyword_hits > 50, "only {keyword_hits} keyword names");
            } else {
                assert_eq!(keyword_hits, 0);
            }
        }
    }
}
