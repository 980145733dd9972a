//! The C benchmark guests: a component from wit-bindgen-c bindings of the
//! bench world around `templates/c/bench/`, and a raw core module
//! (`templates/c/bench-raw/`, exported functions taking pointer and length,
//! no bindings) built like the component's core module.

use super::{CGuest, TARGET, WIT_BINDGEN_C_VERSION, ZIGLANG_VERSION};
use crate::disk::Cache;
use crate::guest::componentize_reactor;
use crate::guest::fixed::{self, BenchGuests, cached, write};
use crate::guest::go::{ADAPTER_VERSION, WIT_COMPONENT_VERSION};
use crate::guest::{GuestError, GuestLanguage};

const BENCH: &str = include_str!("../../../templates/c/bench/bench_impl.c");
const RAW: &str = include_str!("../../../templates/c/bench-raw/bench_raw.c");

pub(super) fn build(c: &CGuest, cache: &Cache) -> Result<BenchGuests, GuestError> {
    let toolchain = c.prepare(cache)?;
    let (resolve, world) = fixed::resolve_bench("c")?;
    let bindings = super::generate_bindings(&resolve, world)?;
    let mut joined = Vec::new();
    for (name, bytes) in &bindings {
        joined.extend_from_slice(name.as_bytes());
        joined.push(0);
        joined.extend_from_slice(bytes);
        joined.push(0);
    }
    let joined = String::from_utf8_lossy(&joined).into_owned();
    let key = fixed::key("c", &toolchain, &[BENCH, RAW, &joined]);
    let component = cached(cache, "c", &key, "component.wasm", |dir| {
        for (name, bytes) in &bindings {
            let path = dir.join(name);
            std::fs::write(&path, bytes).map_err(|source| GuestError::Io { path, source })?;
        }
        write(dir.join("bench_impl.c"), BENCH)?;
        let core = c.build_core_module(dir, cache)?;
        componentize_reactor(&core).map_err(|log| GuestError::Build {
            lang: "c",
            dir: dir.to_path_buf(),
            log: format!("componentizing: {log}"),
        })
    })?;
    let raw = cached(cache, "c", &key, "raw.wasm", |dir| {
        write(dir.join("bench_raw.c"), RAW)?;
        c.build_core_module(dir, cache)
    })?;
    Ok(BenchGuests {
        lang: "c".into(),
        component,
        raw: Some(raw),
        raw_how: format!(
            "hand-written C (`harness/templates/c/bench-raw/`), exported functions taking pointer and \
             length, no bindings, built like the component's core module (`zig cc -target {TARGET} \
             -mexec-model=reactor -O2`), run with WASI preview1"
        ),
        component_how: format!(
            "wit-bindgen-c {WIT_BINDGEN_C_VERSION} bindings, `zig cc -target {TARGET} -mexec-model=reactor -O2` \
             (zig {ZIGLANG_VERSION}), wit-component {WIT_COMPONENT_VERSION} with the preview1 reactor \
             adapter {ADAPTER_VERSION}"
        ),
        toolchain,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The template defines what the generated header declares (the smoke
    /// test in `benches/tests` builds and calls it).
    #[test]
    fn the_template_defines_what_the_header_declares() {
        let (resolve, world) = fixed::resolve_bench("c").unwrap();
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
                BENCH.contains(&function),
                "the C template has no {function}"
            );
        }
    }
}
