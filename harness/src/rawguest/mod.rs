//! Raw guests: components that witness writes itself, byte by byte, so that
//! every canonical option and every encoding can be tested, and so that the
//! host sees exactly the bytes and flat values the canonical ABI produced.
//!
//! A raw guest has one function `f` of a [`CaseWorld`] (its type, not its
//! behaviour). It exports `f` in `witness:raw/api` (with the world's types
//! named there) and imports the same `f` from `witness:raw/upstream`, which
//! the host implements, or, in a chain, the next raw guest's `api`. Each
//! `canon lift` and `canon lower` has options chosen by the caller of
//! [`build`] ([`CanonOptions`]: string encoding, and whether the `memory`,
//! `realloc` and `post-return` options are present where they are not
//! required). It is a puppet of the host:
//!
//! - **Received values.** On entry `f` reports each flat parameter (widened
//!   to a u64, floats by their bits) with `probe.flat`, then the control
//!   block (with the `realloc` log) with `probe.control`, then its whole ABI
//!   memory with `probe.memory`. So the host sees exactly what wasmtime's
//!   lowering wrote and passed.
//! - **Steps.** Then it asks `probe.next` for a step: a header and an image.
//!   The image is copied to address 0 of the ABI memory (after growing it to
//!   the step's page count). A *call* step gives the flat arguments of
//!   `upstream.f`, which the guest calls with them; then it reports the flat
//!   result (if any), the control block and the memory again, and asks for
//!   the next step. A *return* step gives the flat results of `f`. So the
//!   host lays out, byte for byte, what wasmtime lifts: the arguments of an
//!   import call and the result of the export (valid or deliberately
//!   invalid).
//! - **`realloc` follows a script** baked into the guest: each call takes
//!   the next entry, logs its arguments there, grows the ABI memory to the
//!   entry's page count, copies `min(old_size, new_size)` bytes of the old
//!   block when both blocks are in bounds, and returns the entry's pointer
//!   (which may be unusual, misaligned or out of bounds: the host decides).
//!   Spare entries past the expected calls (and calls past the end of the
//!   script) hand out blocks past what was the end of memory, so that an
//!   unexpected call goes on and shows in the log.
//! - **Post-return** counts its calls and keeps its argument; `take-log` in
//!   `witness:raw/control` hands back the control block after the call.
//!
//! The guest keeps its own state in a second memory (the control memory),
//! so nothing but the canonical ABI touches the ABI memory; which of the two
//! is memory 0 is a choice too. The probe functions are lowered with fixed
//! options (UTF-8, the control memory and its bump allocator for
//! `probe.next`, the ABI memory for `probe.memory`), and the host
//! implements them with typed `list<u8>` functions: the reporting channel
//! trusts wasmtime's `list<u8>` copies, the simplest path it has.
//!
//! - [`layout`]: names, the control memory's layout and the step header;
//! - [`build`] and [`compose`]: one guest's component, and a chain of them;
//! - [`host`]: running a [`host::Plan`] against a built guest and recording
//!   what it reported ([`host::Observation`]).

mod component;
mod core;
pub mod host;
pub mod layout;
mod types;

use crate::abi::{Abi, CoreFuncType, FlattenContext, StringEncoding, TypeError};
use crate::ty::{CaseWorld, Func, Ty, TypeDefKind};

/// The options of one `canon lift` or `canon lower`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CanonOptions {
    pub encoding: StringEncoding,
    /// Include the `memory` option (required when the signature needs it).
    pub memory: bool,
    /// Include the `realloc` option (required when the signature needs it).
    pub realloc: bool,
    /// Include a `post-return` function (lift only).
    pub post_return: bool,
}

/// What a script entry makes `realloc` do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryMode {
    /// Grow to the entry's pages and return its pointer.
    Serve,
    /// Trap.
    Trap,
    /// Return a spare block past the end of memory (8-aligned).
    Fresh,
}

impl EntryMode {
    pub(crate) fn code(self) -> u32 {
        match self {
            EntryMode::Serve => layout::MODE_SERVE,
            EntryMode::Trap => layout::MODE_TRAP,
            EntryMode::Fresh => layout::MODE_FRESH,
        }
    }
}

/// One entry of the `realloc` script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScriptEntry {
    /// Grow the ABI memory to this many pages before returning.
    pub pages: u32,
    /// The pointer `realloc` returns.
    pub ptr: u32,
    pub mode: EntryMode,
}

impl ScriptEntry {
    pub fn serve(pages: u32, ptr: u32) -> Self {
        ScriptEntry {
            pages,
            ptr,
            mode: EntryMode::Serve,
        }
    }

    /// Spare entries past the expected calls: they hand out spare blocks
    /// (so an unexpected call shows in the log and the call goes on, as
    /// `realloc` does past the end of the script, unlogged).
    pub fn spares() -> [ScriptEntry; 8] {
        [ScriptEntry {
            pages: 0,
            ptr: 0,
            mode: EntryMode::Fresh,
        }; 8]
    }
}

/// Everything that makes one raw guest.
#[derive(Debug, Clone, PartialEq)]
pub struct RawGuest {
    /// The id the guest reports with (its place in a chain).
    pub id: u32,
    /// The function (of the world passed to [`build`]).
    pub func: Func,
    /// Options of `canon lift` for the export `f`.
    pub lift: CanonOptions,
    /// Options of `canon lower` for the import `upstream.f`.
    pub lower: CanonOptions,
    /// Initial pages of the ABI memory.
    pub abi_pages: u32,
    /// Whether the ABI memory is memory 0 of the core modules.
    pub abi_first: bool,
    pub script: Vec<ScriptEntry>,
}

/// Which options a signature requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Required {
    pub memory: bool,
    pub realloc: bool,
}

/// Why a raw guest could not be built.
#[derive(Debug, thiserror::Error)]
pub enum RawError {
    #[error("the world's types break a component model rule: {0}")]
    Type(#[from] TypeError),
    #[error(
        "raw guest {id}: the `{option}` option of `canon {side}` is required by the signature of \
         `{func}` but was left out; set it in the guest's CanonOptions"
    )]
    MissingOption {
        id: u32,
        option: &'static str,
        side: &'static str,
        func: String,
    },
    #[error("raw guest {id} encodes to an invalid component (a witness bug): {message}")]
    Invalid { id: u32, message: String },
    #[error("could not compose the raw chain: {0}")]
    Compose(String),
}

/// Whether `ty` holds a string, list or map somewhere (so lowering it calls
/// `realloc` and lifting it reads memory).
pub fn has_indirection(world: &CaseWorld, ty: &Ty) -> bool {
    match world.resolve(ty) {
        Ty::String | Ty::List(_) | Ty::Map(..) => true,
        Ty::FixedList(t, _) | Ty::Option(t) => has_indirection(world, t),
        Ty::Tuple(ts) => ts.iter().any(|t| has_indirection(world, t)),
        Ty::Result { ok, err } => ok
            .iter()
            .chain(err.iter())
            .any(|t| has_indirection(world, t)),
        Ty::Named(i) => match &world.types[*i].kind {
            TypeDefKind::Record(fields) => fields.iter().any(|f| has_indirection(world, &f.ty)),
            TypeDefKind::Variant(cases) => cases
                .iter()
                .filter_map(|c| c.ty.as_ref())
                .any(|t| has_indirection(world, t)),
            _ => false,
        },
        _ => false,
    }
}

fn param_tys(func: &Func) -> Vec<Ty> {
    func.params.iter().map(|p| p.ty.clone()).collect()
}

/// The core signature of `func` lifted (the export) and lowered (the import).
pub fn core_types(abi: &Abi<'_>, func: &Func) -> (CoreFuncType, CoreFuncType) {
    let params = param_tys(func);
    let lift = abi.flatten_functype(&params, func.result.as_ref(), FlattenContext::Lift);
    let lower = abi.flatten_functype(&params, func.result.as_ref(), FlattenContext::Lower);
    (lift, lower)
}

/// The options `canon lift` of `func` requires: memory for anything in
/// memory (strings, lists, spilled parameters or results), `realloc` for
/// lowering parameters into the guest.
pub fn lift_requires(abi: &Abi<'_>, func: &Func) -> Required {
    let world = abi.world();
    let params = param_tys(func);
    let spilled_params = abi.flatten_types(&params).len() > crate::ty::MAX_FLAT_PARAMS;
    let spilled_result = abi.flatten_types(func.result.iter()).len() > crate::ty::MAX_FLAT_RESULTS;
    let params_indirect = params.iter().any(|t| has_indirection(world, t));
    let result_indirect = func
        .result
        .as_ref()
        .is_some_and(|t| has_indirection(world, t));
    Required {
        memory: spilled_params || spilled_result || params_indirect || result_indirect,
        realloc: spilled_params || params_indirect,
    }
}

/// The options `canon lower` of `func` requires: memory for anything in
/// memory, `realloc` for lowering the result into the guest.
pub fn lower_requires(abi: &Abi<'_>, func: &Func) -> Required {
    let world = abi.world();
    let params = param_tys(func);
    let spilled_params = abi.flatten_types(&params).len() > crate::ty::MAX_FLAT_PARAMS;
    let spilled_result = abi.flatten_types(func.result.iter()).len() > crate::ty::MAX_FLAT_RESULTS;
    let params_indirect = params.iter().any(|t| has_indirection(world, t));
    let result_indirect = func
        .result
        .as_ref()
        .is_some_and(|t| has_indirection(world, t));
    Required {
        memory: spilled_params || spilled_result || params_indirect || result_indirect,
        realloc: result_indirect,
    }
}

/// Encodes the component of `guest` for `world`, checking that its options
/// include everything the signature requires and that the result is a
/// valid component.
pub fn build(world: &CaseWorld, guest: &RawGuest) -> Result<Vec<u8>, RawError> {
    let abi = Abi::new(world)?;
    for p in &guest.func.params {
        abi.check(&p.ty)?;
    }
    if let Some(t) = &guest.func.result {
        abi.check(t)?;
    }
    let missing = |option, side| RawError::MissingOption {
        id: guest.id,
        option,
        side,
        func: guest.func.name.clone(),
    };
    let lift = lift_requires(&abi, &guest.func);
    if lift.memory && !guest.lift.memory {
        return Err(missing("memory", "lift"));
    }
    if lift.realloc && !guest.lift.realloc {
        return Err(missing("realloc", "lift"));
    }
    let lower = lower_requires(&abi, &guest.func);
    if lower.memory && !guest.lower.memory {
        return Err(missing("memory", "lower"));
    }
    if lower.realloc && !guest.lower.realloc {
        return Err(missing("realloc", "lower"));
    }
    let (lift_ty, lower_ty) = core_types(&abi, &guest.func);
    let spec = core::CoreSpec {
        id: guest.id,
        lift: &lift_ty,
        lower: &lower_ty,
        abi_pages: guest.abi_pages,
        abi_first: guest.abi_first,
        script: &guest.script,
    };
    let bytes = component::encode(world, guest, &spec);
    let mut features = wasmparser::WasmFeatures::default();
    features.insert(wasmparser::WasmFeatures::CM_FIXED_LENGTH_LISTS);
    features.insert(wasmparser::WasmFeatures::CM_MAP);
    wasmparser::Validator::new_with_features(features)
        .validate_all(&bytes)
        .map_err(|e| RawError::Invalid {
            id: guest.id,
            message: e.to_string(),
        })?;
    Ok(bytes)
}

/// Composes raw guests into a chain with wac-graph, first guest outermost:
/// each guest's `upstream` is the next guest's `api`, the last guest's
/// `upstream` and every guest's probe stay imports (the probe imports
/// merge into one), and the first guest's `api` and `control` are exported.
pub fn compose(guests: &[Vec<u8>]) -> Result<Vec<u8>, RawError> {
    use wac_graph::types::Package;
    use wac_graph::{CompositionGraph, EncodeOptions};
    let err = |e: &dyn std::fmt::Display| RawError::Compose(format!("{e:#}"));
    let mut graph = CompositionGraph::new();
    let mut packages = Vec::new();
    for (i, bytes) in guests.iter().enumerate() {
        let package = Package::from_bytes(
            &format!("witness:raw{i}"),
            None,
            bytes.clone(),
            graph.types_mut(),
        )
        .map_err(|e| err(&e))?;
        packages.push(graph.register_package(package).map_err(|e| err(&e))?);
    }
    let mut inner_api = None;
    let mut outer = None;
    for package in packages.iter().rev() {
        let node = graph.instantiate(*package);
        if let Some(api) = inner_api {
            graph
                .set_instantiation_argument(node, layout::UPSTREAM, api)
                .map_err(|e| err(&e))?;
        }
        inner_api = Some(
            graph
                .alias_instance_export(node, layout::API)
                .map_err(|e| err(&e))?,
        );
        outer = Some(node);
    }
    let (Some(api), Some(outer)) = (inner_api, outer) else {
        return Err(RawError::Compose("the chain is empty".into()));
    };
    let control = graph
        .alias_instance_export(outer, layout::CONTROL)
        .map_err(|e| err(&e))?;
    graph.export(api, layout::API).map_err(|e| err(&e))?;
    graph
        .export(control, layout::CONTROL)
        .map_err(|e| err(&e))?;
    graph.encode(EncodeOptions::default()).map_err(|e| err(&e))
}

#[cfg(test)]
mod tests;
