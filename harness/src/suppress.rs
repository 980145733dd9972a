//! Suppressions: known findings, listed in `corpus/suppressions.toml`, that
//! are still recorded and counted but do not fail a campaign.
//!
//! ```toml
//! [[suppress]]
//! signature = "go | trap | import result | cannot leave component instance"
//! reason = "Go's GC reads the wall clock inside cabi_realloc"
//! link = "https://github.com/bytecodealliance/wasmtime/pull/14319"
//! ```
//!
//! `signature` is matched against a finding's signature text (see
//! [`crate::finding::Signature::text`]), part by part (` | `-separated); in
//! each part `*` matches any run of characters. A suppression hides
//! nothing: suppressed hits are still written as findings and counted apart
//! in every summary.

use crate::finding::Signature;
use serde::Deserialize;
use std::path::Path;

/// One known finding.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Suppression {
    pub signature: String,
    pub reason: String,
    #[serde(default)]
    pub link: Option<String>,
}

impl Suppression {
    pub fn matches(&self, signature: &Signature) -> bool {
        let text = signature.text();
        let want: Vec<&str> = self.signature.split(" | ").map(str::trim).collect();
        let have: Vec<&str> = text.split(" | ").collect();
        want.len() == have.len() && want.iter().zip(&have).all(|(w, h)| glob(w, h))
    }
}

/// `*` matches any run of characters; everything else matches itself.
fn glob(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    for (i, part) in parts.iter().enumerate() {
        if i == parts.len() - 1 {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

/// The suppression list.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Suppressions {
    #[serde(default)]
    pub suppress: Vec<Suppression>,
}

#[derive(Debug, thiserror::Error)]
pub enum SuppressionError {
    #[error("could not read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path} is not a valid suppression list: {reason}\nEach entry is a [[suppress]] table \
         with `signature` (as in a finding's finding.toml), `reason` and optionally `link`"
    )]
    Invalid { path: String, reason: String },
}

impl Suppressions {
    /// Reads `path`; a missing file is an empty list.
    pub fn load(path: &Path) -> Result<Suppressions, SuppressionError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Suppressions::default());
            }
            Err(source) => {
                return Err(SuppressionError::Io {
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        toml::from_str(&text).map_err(|e| SuppressionError::Invalid {
            path: path.display().to_string(),
            reason: e.to_string(),
        })
    }

    /// The first suppression matching `signature`.
    pub fn matching(&self, signature: &Signature) -> Option<&Suppression> {
        self.suppress.iter().find(|s| s.matches(signature))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(class: &str) -> Signature {
        Signature {
            language: "go".into(),
            kind: crate::finding::Kind::Trap,
            site: "import result".into(),
            class: class.into(),
        }
    }

    #[test]
    fn signatures_match_exactly_or_by_wildcard_parts() {
        let list: Suppressions = toml::from_str(
            r#"
            [[suppress]]
            signature = "go | trap | * | cannot leave component instance"
            reason = "known"
            "#,
        )
        .unwrap();
        assert!(
            list.matching(&sig("cannot leave component instance"))
                .is_some()
        );
        assert!(list.matching(&sig("unreachable")).is_none());
    }

    #[test]
    fn stars_inside_a_part_match_any_run() {
        assert!(glob(
            "invalid operation: cannot call *",
            "invalid operation: cannot call len (x)"
        ));
        assert!(glob(
            "*leave*instance",
            "wasm trap: cannot leave component instance"
        ));
        assert!(!glob(
            "*leave*instance",
            "wasm trap: cannot leave component"
        ));
        assert!(glob("exact", "exact") && !glob("exact", "exactly"));
        assert!(glob("*", ""));
    }

    #[test]
    fn a_broken_list_names_the_file_and_the_format() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("suppressions.toml");
        std::fs::write(&path, "[[suppress]]\nsignature = 3\n").unwrap();
        let err = Suppressions::load(&path).unwrap_err().to_string();
        assert!(
            err.contains("suppressions.toml") && err.contains("[[suppress]]"),
            "{err}"
        );
        assert_eq!(
            Suppressions::load(&dir.path().join("none.toml")).unwrap(),
            Suppressions::default()
        );
    }
}
