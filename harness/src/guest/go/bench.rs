//! The Go benchmark guests: a component from wit-bindgen-go bindings of the
//! bench world around `templates/go/bench/`, and a raw core module
//! (`templates/go/bench-raw/`, `//go:wasmexport` functions, no bindings)
//! built like the component's core module.

use super::{ADAPTER_VERSION, GoGuest, WIT_BINDGEN_GO_VERSION, WIT_COMPONENT_VERSION};
use crate::disk::Cache;
use crate::guest::fixed::{self, BenchGuests, cached, write};
use crate::guest::{GuestError, GuestLanguage};
use std::collections::BTreeMap;

pub(super) const BENCH: &str = include_str!("../../../templates/go/bench/bench.go");
const RAW_MOD: &str = include_str!("../../../templates/go/bench-raw/go.mod");
const RAW_MAIN: &str = include_str!("../../../templates/go/bench-raw/main.go");
/// Where the Go guest's own code goes: the package of the exported
/// interface, which the generated `wit_exports.go` calls into.
pub(super) const EXPORT_PACKAGE: &str = "export_witness_bench_api";

pub(super) fn build(go: &GoGuest, cache: &Cache) -> Result<BenchGuests, GuestError> {
    let toolchain = go.prepare(cache)?;
    let bindings = bindings()?;
    let joined: String = bindings
        .iter()
        .map(|(name, text)| format!("{name}\0{text}\0"))
        .collect();
    let key = fixed::key("go", &toolchain, &[BENCH, RAW_MOD, RAW_MAIN, &joined]);
    let component = cached(cache, "go", &key, "component.wasm", |dir| {
        for (name, text) in &bindings {
            write(dir.join(name), text)?;
        }
        write(dir.join(EXPORT_PACKAGE).join("bench.go"), BENCH)?;
        let core = go.build_core_module(dir, cache)?;
        let (resolve, world) = fixed::resolve_bench("go")?;
        super::componentize(core, &resolve, world).map_err(|log| GuestError::Build {
            lang: "go",
            dir: dir.to_path_buf(),
            log: format!("componentizing: {log}"),
        })
    })?;
    let raw = cached(cache, "go", &key, "raw.wasm", |dir| {
        write(dir.join("go.mod"), RAW_MOD)?;
        write(dir.join("main.go"), RAW_MAIN)?;
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
            "wit-bindgen-go {WIT_BINDGEN_GO_VERSION} bindings, `go build -buildmode=c-shared` for wasip1, \
             wit-component {WIT_COMPONENT_VERSION} with the preview1 reactor adapter {ADAPTER_VERSION}"
        ),
        toolchain,
    })
}

/// wit-bindgen-go's files for the bench world, by path.
pub(super) fn bindings() -> Result<BTreeMap<String, String>, GuestError> {
    let (resolve, world) = fixed::resolve_bench("go")?;
    super::generate_bindings(resolve, world, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The template is written against the generated code: the names it
    /// implements must be the ones the generator expects (the smoke test in
    /// `benches/tests` builds and calls it).
    #[test]
    fn the_template_implements_what_the_generator_asks_for() {
        let go = bindings().unwrap();
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
                exports.contains(&format!("{EXPORT_PACKAGE}.{name}(")),
                "wit_exports.go does not call {name}"
            );
            assert!(
                BENCH.contains(&format!("func {name}(")),
                "the Go template has no {name}"
            );
        }
    }
}
