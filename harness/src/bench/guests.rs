//! The benchmark guests: for each language, a component implementing
//! `wit/bench.wit` and a raw core module doing the same work behind
//! pointer-and-length exports.
//!
//! The components' bindings come from each language's own generator, run
//! as the guest drivers run it (wit-bindgen-rust, wit-bindgen-go,
//! componentize-py, wit-bindgen-c); the
//! function bodies are fixed templates (`templates/<lang>/bench/`) written
//! against those bindings. The raw modules are templates too
//! (`templates/<lang>/bench-raw/`), with no bindings at all; Python has none
//! (a CPython core module with pointer-and-length exports would be an
//! embedding of its own, not a plugin boundary people build). Both are built
//! with the drivers' toolchains ([`crate::guest`]) and cached by a key over
//! the world, the templates, the toolchain versions and [`REVISION`].

use super::{WORLD, WORLD_WIT};
use crate::disk::{self, Cache};
use crate::guest::c::CGuest;
use crate::guest::go::GoGuest;
use crate::guest::python::PythonGuest;
use crate::guest::rust::{self as rust_driver, RustGuest};
use crate::guest::{GuestError, GuestLanguage, ToolchainInfo};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Bumped whenever what this module generates changes.
pub const REVISION: u32 = 1;

const RUST_CARGO_TOML: &str = include_str!("../../templates/rust/bench/Cargo.toml");
const RUST_LIB: &str = include_str!("../../templates/rust/bench/lib.rs");
const RUST_RAW_CARGO_TOML: &str = include_str!("../../templates/rust/bench-raw/Cargo.toml");
const RUST_RAW_LIB: &str = include_str!("../../templates/rust/bench-raw/lib.rs");
const RUST_RAW_TARGET: &str = "wasm32-unknown-unknown";
const PYTHON_APP: &str = include_str!("../../templates/python/bench/app.py");
const PYTHON_API: &str = include_str!("../../templates/python/bench/api.py");
const GO_BENCH: &str = include_str!("../../templates/go/bench/bench.go");
const GO_RAW_MOD: &str = include_str!("../../templates/go/bench-raw/go.mod");
const GO_RAW_MAIN: &str = include_str!("../../templates/go/bench-raw/main.go");
const C_BENCH: &str = include_str!("../../templates/c/bench/bench_impl.c");
const C_RAW: &str = include_str!("../../templates/c/bench-raw/bench_raw.c");
/// Where the Go guest's own code goes: the package of the exported
/// interface, which the generated `wit_exports.go` calls into.
const GO_EXPORT_PACKAGE: &str = "export_witness_bench_api";

/// A language's benchmark guests, built.
#[derive(Debug, Clone)]
pub struct BenchGuests {
    pub lang: String,
    pub component: Vec<u8>,
    /// The raw core module, where the language has one.
    pub raw: Option<Vec<u8>>,
    /// How the raw module was made (or why there is none), for the report.
    pub raw_how: String,
    /// How the component was made, for the report.
    pub component_how: String,
    pub toolchain: ToolchainInfo,
}

/// Why a benchmark guest could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BenchGuestError {
    #[error("no benchmark guest for the language `{0}` (known: {known})", known = super::LANGUAGES.join(", "))]
    UnknownLanguage(String),
    #[error("the {lang} benchmark guest: {source}")]
    Guest {
        lang: String,
        #[source]
        source: GuestError,
    },
}

/// Builds (or takes from the cache) `lang`'s benchmark guests.
pub fn build(lang: &str, cache: &Cache) -> Result<BenchGuests, BenchGuestError> {
    let wrap = |source: GuestError| BenchGuestError::Guest {
        lang: lang.to_string(),
        source,
    };
    match lang {
        "rust" => build_rust(cache).map_err(wrap),
        "go" => build_go(cache).map_err(wrap),
        "python" => build_python(cache).map_err(wrap),
        "c" => build_c(cache).map_err(wrap),
        other => Err(BenchGuestError::UnknownLanguage(other.to_string())),
    }
}

fn key(lang: &str, toolchain: &ToolchainInfo, sources: &[&str]) -> String {
    let revision = REVISION.to_le_bytes();
    let toolchain = toolchain.key_bytes();
    let mut parts: Vec<&[u8]> = vec![
        b"bench",
        lang.as_bytes(),
        &revision,
        &toolchain,
        WORLD_WIT.as_bytes(),
    ];
    parts.extend(sources.iter().map(|s| s.as_bytes()));
    disk::content_key(&parts)
}

/// The cached file `name` of the entry `key`, or what `make` builds in the
/// entry's empty `src` directory (written to the cache). One build per entry
/// at a time, across processes.
fn cached(
    cache: &Cache,
    lang: &str,
    key: &str,
    name: &str,
    make: impl FnOnce(&Path) -> Result<Vec<u8>, GuestError>,
) -> Result<Vec<u8>, GuestError> {
    let entry = cache
        .root()
        .join("guests")
        .join(format!("bench-{lang}"))
        .join(&key[..24]);
    let path = entry.join(name);
    if let Ok(bytes) = std::fs::read(&path) {
        return Ok(bytes);
    }
    std::fs::create_dir_all(&entry).map_err(GuestError::io(&entry))?;
    let lock_path = entry.join(".lock");
    let lock = std::fs::File::create(&lock_path).map_err(GuestError::io(&lock_path))?;
    lock.lock().map_err(GuestError::io(&lock_path))?;
    if let Ok(bytes) = std::fs::read(&path) {
        return Ok(bytes);
    }
    let src = entry.join(format!("src-{}", name.trim_end_matches(".wasm")));
    if src.exists() {
        std::fs::remove_dir_all(&src).map_err(GuestError::io(&src))?;
    }
    std::fs::create_dir_all(&src).map_err(GuestError::io(&src))?;
    let bytes = make(&src)?;
    disk::write_atomic(&path, &bytes).map_err(GuestError::io(&path))?;
    Ok(bytes)
}

fn write(path: PathBuf, text: &str) -> Result<(), GuestError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(GuestError::io(parent))?;
    }
    std::fs::write(&path, text).map_err(|source| GuestError::Io { path, source })
}

/// The bench world, resolved.
pub fn resolve_world() -> Result<(wit_parser::Resolve, wit_parser::WorldId), String> {
    let mut resolve = wit_parser::Resolve::default();
    let package = resolve
        .push_str("wit/bench.wit", WORLD_WIT)
        .map_err(|e| format!("{e:#}"))?;
    let world = resolve
        .select_world(&[package], Some(WORLD))
        .map_err(|e| format!("{e:#}"))?;
    Ok((resolve, world))
}

fn build_rust(cache: &Cache) -> Result<BenchGuests, GuestError> {
    let mut toolchain = RustGuest.prepare(cache)?;
    let rustc = crate::toolchain::require("rustc", "install Rust with rustup (https://rustup.rs)")?;
    rust_driver::ensure_wasm_target(&rustc, RUST_RAW_TARGET)?;
    toolchain
        .versions
        .push(("raw target".into(), RUST_RAW_TARGET.into()));
    let bindings = rust_bindings()?;
    let key = key(
        "rust",
        &toolchain,
        &[
            RUST_CARGO_TOML,
            RUST_LIB,
            RUST_RAW_CARGO_TOML,
            RUST_RAW_LIB,
            &bindings,
        ],
    );
    // Crate names differ per key: guests share one cargo target directory,
    // where outputs are named after the crate.
    let manifest = |template: &str, kind: &str| {
        template
            .replace(
                "@CRATE_NAME@",
                &format!("witness-bench-{kind}-{}", &key[..16]),
            )
            .replace("@WIT_BINDGEN_VERSION@", rust_driver::WIT_BINDGEN_VERSION)
    };
    let component = cached(cache, "rust", &key, "component.wasm", |dir| {
        write(
            dir.join("Cargo.toml"),
            &manifest(RUST_CARGO_TOML, "component"),
        )?;
        write(dir.join("src").join("bindings.rs"), &bindings)?;
        write(dir.join("src").join("lib.rs"), RUST_LIB)?;
        rust_driver::cargo_build(dir, cache, rust_driver::TARGET)
    })?;
    let raw = cached(cache, "rust", &key, "raw.wasm", |dir| {
        write(
            dir.join("Cargo.toml"),
            &manifest(RUST_RAW_CARGO_TOML, "raw"),
        )?;
        write(dir.join("src").join("lib.rs"), RUST_RAW_LIB)?;
        rust_driver::cargo_build(dir, cache, RUST_RAW_TARGET)
    })?;
    Ok(BenchGuests {
        lang: "rust".into(),
        component,
        raw: Some(raw),
        raw_how: format!(
            "hand-written Rust (`harness/templates/rust/bench-raw/`), `extern \"C\"` exports taking \
             pointer and length, no bindings, `cargo build --release --target {RUST_RAW_TARGET}` \
             (same compiler and profile as the component)"
        ),
        component_how: format!(
            "wit-bindgen-rust {} bindings, `cargo build --release --target {}` (wasm-component-ld)",
            rust_driver::WIT_BINDGEN_VERSION,
            rust_driver::TARGET
        ),
        toolchain,
    })
}

/// wit-bindgen-rust's bindings for the bench world (what
/// `wit_bindgen::generate!` would expand to).
fn rust_bindings() -> Result<String, GuestError> {
    let (resolve, world) = resolve_world().map_err(|message| GuestError::Bindgen {
        lang: "rust",
        message,
    })?;
    rust_driver::generate_bindings(resolve, world, wit_bindgen_rust::Opts::default())
}

fn build_go(cache: &Cache) -> Result<BenchGuests, GuestError> {
    let go = GoGuest::new();
    let toolchain = go.prepare(cache)?;
    let bindings = go_bindings()?;
    let joined: String = bindings
        .iter()
        .map(|(name, text)| format!("{name}\0{text}\0"))
        .collect();
    let key = key(
        "go",
        &toolchain,
        &[GO_BENCH, GO_RAW_MOD, GO_RAW_MAIN, &joined],
    );
    let component = cached(cache, "go", &key, "component.wasm", |dir| {
        for (name, text) in &bindings {
            write(dir.join(name), text)?;
        }
        write(dir.join(GO_EXPORT_PACKAGE).join("bench.go"), GO_BENCH)?;
        let core = go.build_core_module(dir, cache)?;
        let (resolve, world) = resolve_world().map_err(|message| GuestError::Bindgen {
            lang: "go",
            message,
        })?;
        crate::guest::go::componentize(core, &resolve, world).map_err(|log| GuestError::Build {
            lang: "go",
            dir: dir.to_path_buf(),
            log: format!("componentizing: {log}"),
        })
    })?;
    let raw = cached(cache, "go", &key, "raw.wasm", |dir| {
        write(dir.join("go.mod"), GO_RAW_MOD)?;
        write(dir.join("main.go"), GO_RAW_MAIN)?;
        go.build_core_module(dir, cache)
    })?;
    Ok(BenchGuests {
        lang: "go".into(),
        component,
        raw: Some(raw),
        raw_how: "hand-written Go (`harness/templates/go/bench-raw/`), `//go:wasmexport` functions taking \
                  pointer and length, no bindings, built like the component's core module \
                  (`GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared`), run with WASI preview1"
            .into(),
        component_how: format!(
            "wit-bindgen-go {} bindings, `go build -buildmode=c-shared` for wasip1, wit-component {} \
             with the preview1 reactor adapter {}",
            crate::guest::go::WIT_BINDGEN_GO_VERSION,
            crate::guest::go::WIT_COMPONENT_VERSION,
            crate::guest::go::ADAPTER_VERSION
        ),
        toolchain,
    })
}

fn build_python(cache: &Cache) -> Result<BenchGuests, GuestError> {
    let python = PythonGuest::new();
    let toolchain = python.prepare(cache)?;
    let key = key("python", &toolchain, &[PYTHON_APP, PYTHON_API]);
    let component = cached(cache, "python", &key, "component.wasm", |dir| {
        write(dir.join("bench.wit"), WORLD_WIT)?;
        write(dir.join("app.py"), PYTHON_APP)?;
        write(dir.join("api.py"), PYTHON_API)?;
        python.componentize_world(dir, "bench.wit", WORLD)
    })?;
    let componentize_py = toolchain
        .versions
        .iter()
        .find(|(k, _)| k == "componentize-py")
        .map_or_else(String::new, |(_, v)| v.clone());
    Ok(BenchGuests {
        lang: "python".into(),
        component,
        raw: None,
        raw_how: "none: componentize-py makes components only, and a CPython core module with \
                  pointer-and-length exports would be an embedding of its own; Python's components are \
                  compared with the other languages' raw modules"
            .into(),
        component_how: format!(
            "`{componentize_py}`: bindings and CPython with the guest's code snapshotted into one component \
             (`harness/templates/python/bench/`)"
        ),
        toolchain,
    })
}

fn build_c(cache: &Cache) -> Result<BenchGuests, GuestError> {
    let c = CGuest::new();
    let toolchain = c.prepare(cache)?;
    let (resolve, world) =
        resolve_world().map_err(|message| GuestError::Bindgen { lang: "c", message })?;
    let bindings = crate::guest::c::generate_bindings(&resolve, world)?;
    let mut joined = Vec::new();
    for (name, bytes) in &bindings {
        joined.extend_from_slice(name.as_bytes());
        joined.push(0);
        joined.extend_from_slice(bytes);
        joined.push(0);
    }
    let joined = String::from_utf8_lossy(&joined).into_owned();
    let key = key("c", &toolchain, &[C_BENCH, C_RAW, &joined]);
    let component = cached(cache, "c", &key, "component.wasm", |dir| {
        for (name, bytes) in &bindings {
            let path = dir.join(name);
            std::fs::write(&path, bytes).map_err(|source| GuestError::Io { path, source })?;
        }
        write(dir.join("bench_impl.c"), C_BENCH)?;
        let core = c.build_core_module(dir, cache)?;
        crate::guest::c::componentize(&core).map_err(|log| GuestError::Build {
            lang: "c",
            dir: dir.to_path_buf(),
            log: format!("componentizing: {log}"),
        })
    })?;
    let raw = cached(cache, "c", &key, "raw.wasm", |dir| {
        write(dir.join("bench_raw.c"), C_RAW)?;
        c.build_core_module(dir, cache)
    })?;
    Ok(BenchGuests {
        lang: "c".into(),
        component,
        raw: Some(raw),
        raw_how: format!(
            "hand-written C (`harness/templates/c/bench-raw/`), exported functions taking pointer and \
             length, no bindings, built like the component's core module (`zig cc -target {} \
             -mexec-model=reactor -O2`), run with WASI preview1",
            crate::guest::c::TARGET
        ),
        component_how: format!(
            "wit-bindgen-c {} bindings, `zig cc -target {} -mexec-model=reactor -O2` (zig {}), \
             wit-component {} with the preview1 reactor adapter {}",
            crate::guest::c::WIT_BINDGEN_C_VERSION,
            crate::guest::c::TARGET,
            crate::guest::c::ZIGLANG_VERSION,
            crate::guest::go::WIT_COMPONENT_VERSION,
            crate::guest::go::ADAPTER_VERSION
        ),
        toolchain,
    })
}

/// wit-bindgen-go's files for the bench world, by path.
fn go_bindings() -> Result<BTreeMap<String, String>, GuestError> {
    let (resolve, world) = resolve_world().map_err(|message| GuestError::Bindgen {
        lang: "go",
        message,
    })?;
    crate::guest::go::generate_bindings(resolve, world, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The templates are written against the generated code: the names they
    /// implement must be the ones the generators expect (the smoke test in
    /// `benches/tests` builds and calls them).
    #[test]
    fn the_templates_implement_what_the_generators_ask_for() {
        let rust = rust_bindings().unwrap();
        for name in [
            "pub trait Guest",
            "pub trait GuestCounter",
            "fn string_len(",
            "fn bump(",
            "macro_rules! __export_bench_impl",
        ] {
            assert!(rust.contains(name), "the Rust bindings have no `{name}`");
        }
        let go = go_bindings().unwrap();
        let exports = &go["wit_exports.go"];
        for name in [
            "Nop",
            "AddOne",
            "StringLen",
            "BytesLen",
            "SumIds",
            "Area",
            "Bump",
            "MakeCounter",
        ] {
            assert!(
                exports.contains(&format!("{GO_EXPORT_PACKAGE}.{name}(")),
                "wit_exports.go does not call {name}"
            );
            assert!(
                GO_BENCH.contains(&format!("func {name}(")),
                "the Go template has no {name}"
            );
        }
    }

    #[test]
    fn the_c_template_defines_what_the_c_header_declares() {
        let (resolve, world) = resolve_world().unwrap();
        let files = crate::guest::c::generate_bindings(&resolve, world).unwrap();
        let header = String::from_utf8(files["bench.h"].clone()).unwrap();
        for name in [
            "nop",
            "add_one",
            "string_len",
            "bytes_len",
            "sum_ids",
            "area",
            "bump",
            "constructor_counter",
            "counter_destructor",
        ] {
            let function = format!("exports_witness_bench_api_{name}(");
            assert!(header.contains(&function), "bench.h declares no {function}");
            assert!(
                C_BENCH.contains(&function),
                "the C template has no {function}"
            );
        }
    }

    #[test]
    fn unknown_languages_are_named() {
        let err = build("cobol", &Cache::at("/nonexistent")).unwrap_err();
        assert!(
            err.to_string().contains("cobol") && err.to_string().contains("rust"),
            "{err}"
        );
    }
}
