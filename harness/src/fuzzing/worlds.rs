//! The world targets: generated worlds (`world_generation`) and WIT packages
//! from wasm-tools' `wit-smith` through the `--wit` path (`wit_smith_import`).
//!
//! Both end in [`check_world`], the oracle for one echo case: its WIT text
//! resolves with wit-parser, imports back to exactly the same case, and the
//! echo component (wit-component's dummy core module of the world, with the
//! real type section and a `canon lift`/`canon lower` per function) is
//! accepted by wit-component's validation and compiled by wasmtime.

use super::{FuzzFinding, verdict};
use crate::ty::CaseWorld;
use crate::wit_import::{self, WitImportError};
use crate::{smith, wit_text};
use arbitrary::{Arbitrary, Unstructured};
use std::sync::OnceLock;
use wit_component::{ComponentEncoder, StringEncoding, WitPrinter};
use wit_parser::ManglingAndAbi;

/// A random world (swarm configuration drawn from the bytes) must print,
/// resolve, import back and componentize.
pub fn world_generation(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let mut config = smith::Config::arbitrary(u)?;
    // Now and then the two proposal types, which `Arbitrary` never draws.
    if u.ratio(1, 8)? {
        config.fixed_length_lists = true;
        config.maps = true;
    }
    let world = smith::smith(&config, u)?;
    verdict(check_world("world_generation", &world))
}

/// A wit-smith package, printed as WIT text and read the way `witness run
/// --wit` reads a file, must give a clean error or a case that passes
/// [`check_world`].
pub fn wit_smith_import(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let mut config = wit_smith::Config::arbitrary(u)?;
    // Keep packages small enough that every input is quick.
    config.max_packages = config.max_packages.min(3);
    config.max_type_size = config.max_type_size.min(200);
    config.max_interface_items = config.max_interface_items.min(12);
    config.max_world_items = config.max_world_items.min(12);
    config.max_pkg_items = config.max_pkg_items.min(8);
    let wasm = wit_smith::smith(&config, u)?;
    verdict(check_wit_package(&wasm).map(|_| ()))
}

/// The oracle of `wit_smith_import` for one binary-encoded WIT package.
/// `Ok(true)` when an echo case came out of it (and passed
/// [`check_world`]), `Ok(false)` for a clean refusal.
pub fn check_wit_package(wasm: &[u8]) -> Result<bool, FuzzFinding> {
    const TARGET: &str = "wit_smith_import";
    let (resolve, package) = match wit_component::decode(wasm) {
        Ok(wit_component::DecodedWasm::WitPackage(resolve, package)) => (resolve, package),
        Ok(_) => {
            return Err(FuzzFinding::new(
                TARGET,
                "wit-smith made a component, not a WIT package",
                "",
            ));
        }
        Err(e) => {
            return Err(FuzzFinding::new(
                TARGET,
                "wit-smith's package does not decode",
                format!("{e:#}"),
            ));
        }
    };
    let nested: Vec<_> = resolve
        .packages
        .iter()
        .map(|(id, _)| id)
        .filter(|id| *id != package)
        .collect();
    let mut printer = WitPrinter::default();
    if let Err(e) = printer.print(&resolve, package, &nested) {
        return Err(FuzzFinding::new(
            TARGET,
            "wit-component cannot print wit-smith's package",
            format!("{e:#}"),
        ));
    }
    let text = printer.output.to_string();
    let dir = tempfile::tempdir().expect("a temporary directory for the WIT file");
    let path = dir.path().join("fuzz.wit");
    std::fs::write(&path, &text).expect("the WIT file is written");
    match wit_import::import_wit(&path) {
        Ok(case) => check_world(TARGET, &case.world)
            .map(|()| true)
            .map_err(|mut f| {
                f.detail = format!(
                    "{}\n--- the wit-smith package it came from ---\n{text}",
                    f.detail
                );
                f
            }),
        Err(
            WitImportError::NoFunctions { .. }
            | WitImportError::NoUsableFunction { .. }
            | WitImportError::FlagsCount { .. },
        ) => Ok(false),
        Err(e) => Err(FuzzFinding::new(
            TARGET,
            "`--wit` rejected a valid WIT package",
            format!("{e}\n--- the package (printed by wit-component) ---\n{text}"),
        )),
    }
}

/// The engine that compiles echo components: both proposals on, and
/// Cranelift's optimizer off (only acceptance matters here).
fn engine() -> &'static wasmtime::Engine {
    static ENGINE: OnceLock<wasmtime::Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut config = wasmtime::Config::new();
        config
            .wasm_component_model(true)
            .wasm_component_model_fixed_length_lists(true)
            .wasm_component_model_map(true)
            .cranelift_opt_level(wasmtime::OptLevel::None);
        wasmtime::Engine::new(&config).expect("the fuzzing engine configuration is valid")
    })
}

/// The oracle for one echo case (see the module docs). `target` names the
/// fuzz target in the finding.
pub fn check_world(target: &'static str, world: &CaseWorld) -> Result<(), FuzzFinding> {
    let text = wit_text::echo_package(world);
    let with_text = |what: &str, error: String| {
        FuzzFinding::new(target, what, format!("{error}\n--- world.wit ---\n{text}"))
    };
    let (resolve, world_id) = wit_text::resolve_echo(&text)
        .map_err(|e| with_text("the echo package does not resolve", e.to_string()))?;
    match wit_import::echo_case(&text) {
        Ok(back) if back == *world => {}
        Ok(back) => {
            return Err(with_text(
                "the echo package does not import back to the same world",
                format!("generated: {world:?}\nimported:  {back:?}"),
            ));
        }
        Err(e) => {
            return Err(with_text(
                "the echo package does not import back",
                e.to_string(),
            ));
        }
    }
    let component = echo_component(&resolve, world_id)
        .map_err(|e| with_text("wit-component cannot make the echo component", e))?;
    wasmtime::component::Component::new(engine(), &component)
        .map_err(|e| with_text("wasmtime rejects the echo component", format!("{e:#}")))?;
    Ok(())
}

/// The echo component of a resolved world around wit-component's dummy
/// core module, validated by wit-component.
pub(crate) fn echo_component(
    resolve: &wit_parser::Resolve,
    world_id: wit_parser::WorldId,
) -> Result<Vec<u8>, String> {
    let mut module = wit_component::dummy_module(resolve, world_id, ManglingAndAbi::Standard32);
    wrap_core_module(resolve, world_id, &mut module)
}

/// Embeds the world's type information in `module` (a core module of the
/// world's shape) and makes it a component, validated. The error is
/// wit-component's, with its context chain.
pub(crate) fn wrap_core_module(
    resolve: &wit_parser::Resolve,
    world_id: wit_parser::WorldId,
    module: &mut Vec<u8>,
) -> Result<Vec<u8>, String> {
    (|| {
        wit_component::embed_component_metadata(
            module,
            resolve,
            world_id,
            StringEncoding::UTF8,
            false,
        )?;
        ComponentEncoder::default()
            .module(module)?
            .validate(true)
            .encode()
    })()
    .map_err(|e: anyhow::Error| format!("{e:#}"))
}
