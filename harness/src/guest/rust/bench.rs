//! The Rust benchmark guests: a component from wit-bindgen-rust bindings of
//! the bench world around `templates/rust/bench/`, and a raw core module
//! (`templates/rust/bench-raw/`, `extern "C"` exports, no bindings) built
//! with the same compiler and profile.

use super::{RustGuest, TARGET, WIT_BINDGEN_VERSION, cargo_build, ensure_wasm_target};
use crate::disk::Cache;
use crate::guest::fixed::{self, BenchGuests, cached, write};
use crate::guest::{GuestError, GuestLanguage};

const CARGO_TOML: &str = include_str!("../../../templates/rust/bench/Cargo.toml");
const LIB: &str = include_str!("../../../templates/rust/bench/lib.rs");
const RAW_CARGO_TOML: &str = include_str!("../../../templates/rust/bench-raw/Cargo.toml");
const RAW_LIB: &str = include_str!("../../../templates/rust/bench-raw/lib.rs");
const RAW_TARGET: &str = "wasm32-unknown-unknown";

pub(super) fn build(driver: &RustGuest, cache: &Cache) -> Result<BenchGuests, GuestError> {
    let mut toolchain = driver.prepare(cache)?;
    let rustc = crate::toolchain::require("rustc", "install Rust with rustup (https://rustup.rs)")?;
    ensure_wasm_target(&rustc, RAW_TARGET)?;
    toolchain
        .versions
        .push(("raw target".into(), RAW_TARGET.into()));
    let bindings = bindings()?;
    let key = fixed::key(
        "rust",
        &toolchain,
        &[CARGO_TOML, LIB, RAW_CARGO_TOML, RAW_LIB, &bindings],
    );
    // Crate names differ per key: guests share one cargo target directory,
    // where outputs are named after the crate.
    let manifest = |template: &str, kind: &str| {
        template
            .replace(
                "@CRATE_NAME@",
                &format!("witness-bench-{kind}-{}", &key[..16]),
            )
            .replace("@WIT_BINDGEN_VERSION@", WIT_BINDGEN_VERSION)
    };
    let component = cached(cache, "rust", &key, "component.wasm", |dir| {
        write(dir.join("Cargo.toml"), &manifest(CARGO_TOML, "component"))?;
        write(dir.join("src").join("bindings.rs"), &bindings)?;
        write(dir.join("src").join("lib.rs"), LIB)?;
        cargo_build(dir, cache, TARGET)
    })?;
    let raw = cached(cache, "rust", &key, "raw.wasm", |dir| {
        write(dir.join("Cargo.toml"), &manifest(RAW_CARGO_TOML, "raw"))?;
        write(dir.join("src").join("lib.rs"), RAW_LIB)?;
        cargo_build(dir, cache, RAW_TARGET)
    })?;
    Ok(BenchGuests {
        lang: "rust".into(),
        component,
        raw: Some(raw),
        raw_how: format!(
            "hand-written Rust (`harness/templates/rust/bench-raw/`), `extern \"C\"` exports taking \
             pointer and length, no bindings, `cargo build --release --target {RAW_TARGET}` \
             (same compiler and profile as the component)"
        ),
        component_how: format!(
            "wit-bindgen-rust {WIT_BINDGEN_VERSION} bindings, `cargo build --release --target {TARGET}` \
             (wasm-component-ld)"
        ),
        toolchain,
    })
}

/// wit-bindgen-rust's bindings for the bench world (what
/// `wit_bindgen::generate!` would expand to).
pub(super) fn bindings() -> Result<String, GuestError> {
    let (resolve, world) = fixed::resolve_bench("rust")?;
    super::generate_bindings(resolve, world, wit_bindgen_rust::Opts::default())
}

#[cfg(test)]
mod tests {
    /// The template is written against the generated code: the names it
    /// implements must be the ones the generator expects (the smoke test in
    /// `benches/tests` builds and calls it).
    #[test]
    fn the_template_implements_what_the_generator_asks_for() {
        let rust = super::bindings().unwrap();
        for name in [
            "pub trait Guest",
            "pub trait GuestCounter",
            "fn string_len(",
            "fn bump(",
            "macro_rules! __export_bench_impl",
        ] {
            assert!(rust.contains(name), "the Rust bindings have no `{name}`");
        }
    }
}
