//! The Python benchmark guest: componentize-py's component of the bench
//! world around `templates/python/bench/`. There is no raw module:
//! componentize-py makes components only, and a CPython core module with
//! pointer-and-length exports would be an embedding of its own.

use super::PythonGuest;
use crate::disk::Cache;
use crate::guest::fixed::{self, BENCH_WIT, BENCH_WORLD, BenchGuests, cached, write};
use crate::guest::{GuestError, GuestLanguage};

const APP: &str = include_str!("../../../templates/python/bench/app.py");
const API: &str = include_str!("../../../templates/python/bench/api.py");

pub(super) fn build(python: &PythonGuest, cache: &Cache) -> Result<BenchGuests, GuestError> {
    let toolchain = python.prepare(cache)?;
    let key = fixed::key("python", &toolchain, &[APP, API]);
    let component = cached(cache, "python", &key, "component.wasm", |dir| {
        write(dir.join("bench.wit"), BENCH_WIT)?;
        write(dir.join("app.py"), APP)?;
        write(dir.join("api.py"), API)?;
        python.componentize_world(dir, "bench.wit", BENCH_WORLD)
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
