//! The benchmark guests: for each language, a component implementing
//! `wit/bench.wit` and a raw core module doing the same work behind
//! pointer-and-length exports.
//!
//! The components' bindings come from each language's own generator, run
//! as the guest drivers run it (wit-bindgen-rust, wit-bindgen-go,
//! componentize-py); the
//! function bodies are fixed templates (`templates/<lang>/bench/`) written
//! against those bindings. The raw modules are templates too
//! (`templates/<lang>/bench-raw/`), with no bindings at all; Python has none
//! (a CPython core module with pointer-and-length exports would be an
//! embedding of its own, not a plugin boundary people build). Both are built
//! with the drivers' toolchains ([`crate::guest`]) and cached by a key over
//! the world, the templates, the toolchain versions and [`REVISION`].

use crate::disk::Cache;
pub use crate::guest::fixed::{BenchGuests, REVISION};
use crate::guest::{GuestError, Protocol};

/// Why a benchmark guest could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BenchGuestError {
    #[error("no benchmark guest for the language `{0}` (known: {known})", known = super::languages().join(", "))]
    UnknownLanguage(String),
    #[error("the {lang} benchmark guest: {source}")]
    Guest {
        lang: String,
        #[source]
        source: GuestError,
    },
}

/// Builds (or takes from the cache) `lang`'s benchmark guests, through its
/// driver in the registry.
pub fn build(lang: &str, cache: &Cache) -> Result<BenchGuests, BenchGuestError> {
    let driver = crate::guest::language(lang)
        .filter(|l| l.supports(Protocol::Bench))
        .ok_or_else(|| BenchGuestError::UnknownLanguage(lang.to_string()))?;
    driver
        .bench(cache)
        .map_err(|source| BenchGuestError::Guest {
            lang: lang.to_string(),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_languages_are_named() {
        let err = build("cobol", &Cache::at("/nonexistent")).unwrap_err();
        assert!(
            err.to_string().contains("cobol") && err.to_string().contains("rust"),
            "{err}"
        );
    }
}
