//! The `core_guest` target: random core code from wasm-smith behind the real
//! canonical ABI of an echo world.
//!
//! Each input draws a small echo world, asks wasm-smith for a core module of
//! exactly the shape of wit-component's dummy module for that world (the
//! same imports from `upstream`, the same `api` exports, `memory`,
//! `cabi_realloc` and the post-return functions, all with random bodies),
//! wraps it as a component with wit-component, and drives it through the
//! echo host. Random code breaks the protocol, traps, returns garbage
//! pointers and discriminants, reallocs nonsense: wasmtime's lifting and
//! lowering and witness's own host must take all of it. The oracle: the
//! component is accepted (wit-component validated it), nothing panics, and
//! every call ends in a classified outcome within its fuel.

use super::FuzzFinding;
use super::worlds::wrap_core_module;
use crate::disk::Cache;
use crate::host::echo::{CallOutcome, EchoGuest, FailureKind};
use crate::host::{Host, HostConfig, HostError};
use crate::ty::CaseWorld;
use crate::value::{self, ValueConfig};
use crate::{smith, wit_text};
use arbitrary::{Arbitrary, Unstructured};
use std::sync::OnceLock;
use wit_parser::ManglingAndAbi;

/// Most calls per input.
const MAX_CALLS: u32 = 4;

/// What the target saw over its inputs (for tests that show it is not
/// vacuous, and for throughput notes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CoreGuestStats {
    pub components: u32,
    pub instantiated: u32,
    pub instantiation_traps: u32,
    pub calls: u32,
    pub passed: u32,
    pub mismatches: u32,
    pub traps: u32,
    pub limits: u32,
    pub protocol: u32,
}

impl CoreGuestStats {
    pub fn add(&mut self, other: &CoreGuestStats) {
        self.components += other.components;
        self.instantiated += other.instantiated;
        self.instantiation_traps += other.instantiation_traps;
        self.calls += other.calls;
        self.passed += other.passed;
        self.mismatches += other.mismatches;
        self.traps += other.traps;
        self.limits += other.limits;
        self.protocol += other.protocol;
    }
}

/// A host with a small fuel budget (random loops end fast) and a small
/// memory cap. Components are compiled fresh, not cached on disk.
fn host() -> &'static Host {
    static HOST: OnceLock<Host> = OnceLock::new();
    HOST.get_or_init(|| {
        let config = HostConfig {
            fuel_per_call: 1_000_000,
            memory_limit: 64 << 20,
            compilation_cache: false,
            ..HostConfig::default()
        };
        Host::new(config, &Cache::from_env()).expect("the fuzzing host starts")
    })
}

/// See the module docs.
pub fn core_guest(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    core_guest_stats(u).map(|_| ())
}

/// [`core_guest`], returning what happened.
pub fn core_guest_stats(u: &mut Unstructured<'_>) -> arbitrary::Result<CoreGuestStats> {
    let mut config = smith::Config::arbitrary(u)?;
    config.max_funcs = config.max_funcs.min(3);
    config.max_params = config.max_params.min(4);
    config.max_named_types = config.max_named_types.min(4);
    config.max_type_size = config.max_type_size.min(24);
    config.max_type_depth = config.max_type_depth.min(4);
    config.max_enum_cases = config.max_enum_cases.min(8);
    let world = smith::smith(&config, u)?;
    let text = wit_text::echo_package(&world);
    let (resolve, world_id) =
        wit_text::resolve_echo(&text).map_err(|_| arbitrary::Error::IncorrectFormat)?;

    let mut smith_config = wasm_smith::Config::arbitrary(u)?;
    smith_config.module_shape = Some(wit_component::dummy_module(
        &resolve,
        world_id,
        ManglingAndAbi::Standard32,
    ));
    // What wit-component and a default wasmtime engine take.
    smith_config.memory64_enabled = false;
    smith_config.threads_enabled = false;
    smith_config.gc_enabled = false;
    smith_config.exceptions_enabled = false;
    smith_config.shared_everything_threads_enabled = false;
    smith_config.custom_descriptors_enabled = false;
    smith_config.max_memory32_bytes = smith_config.max_memory32_bytes.min(16 << 20);
    smith_config.max_instructions = smith_config.max_instructions.min(200);
    smith_config.max_funcs = smith_config.max_funcs.min(16);
    smith_config.max_data_segments = smith_config.max_data_segments.min(8);
    smith_config.max_table_elements = smith_config.max_table_elements.min(1_000);
    let mut module = wasm_smith::Module::new(smith_config, u)?.to_bytes();
    // A module wit-component refuses (a shape it does not support) is no
    // input for this target.
    let component = wrap_core_module(&resolve, world_id, &mut module)
        .map_err(|_| arbitrary::Error::IncorrectFormat)?;
    match check_core_component(&world, &component, u)? {
        Ok(stats) => Ok(stats),
        Err(finding) => panic!("{finding}"),
    }
}

/// The oracle for one component of the echo world `world`: it compiles and
/// links, and every call of random values ends in a classified outcome.
/// Returns what happened; `Err` in the outer result when the bytes ran out.
pub fn check_core_component(
    world: &CaseWorld,
    component: &[u8],
    u: &mut Unstructured<'_>,
) -> arbitrary::Result<Result<CoreGuestStats, FuzzFinding>> {
    const TARGET: &str = "core_guest";
    let text = || wit_text::echo_package(world);
    let mut stats = CoreGuestStats {
        components: 1,
        ..CoreGuestStats::default()
    };
    let host = host();
    let compiled = match host.compile_uncached(component) {
        Ok(c) => c,
        Err(e) => {
            return Ok(Err(FuzzFinding::new(
                TARGET,
                "wasmtime rejects a component wit-component validated",
                format!("{e:#}\n--- world.wit ---\n{}", text()),
            )));
        }
    };
    let guest = match EchoGuest::new(host, &compiled, world) {
        Ok(g) => g,
        Err(e) => {
            return Ok(Err(FuzzFinding::new(
                TARGET,
                "the component does not link against its own echo world",
                format!("{e}\n--- world.wit ---\n{}", text()),
            )));
        }
    };
    let mut instance = match guest.instantiate(0) {
        Ok(i) => i,
        Err(HostError::Instantiate(_)) => {
            stats.instantiation_traps += 1;
            return Ok(Ok(stats));
        }
        Err(e) => {
            return Ok(Err(FuzzFinding::new(
                TARGET,
                "instantiation failed outside the guest",
                e.to_string(),
            )));
        }
    };
    stats.instantiated += 1;
    let values = ValueConfig {
        max_list_len: 8,
        max_string_len: 64,
        max_depth: 4,
        budget: 256,
    };
    let calls = u.int_in_range(1..=MAX_CALLS)?;
    for _ in 0..calls {
        if instance.is_poisoned() {
            break;
        }
        let func = u.choose(&world.funcs)?;
        let args = func
            .params
            .iter()
            .map(|p| value::arbitrary_val(world, &p.ty, &values, u))
            .collect::<arbitrary::Result<Vec<_>>>()?;
        let result = func
            .result
            .as_ref()
            .map(|t| value::arbitrary_val(world, t, &values, u))
            .transpose()?;
        stats.calls += 1;
        match instance.call(&func.name, &args, result.as_ref()) {
            CallOutcome::Passed => stats.passed += 1,
            CallOutcome::Failed(f) => match f.kind {
                FailureKind::Mismatch(_) => stats.mismatches += 1,
                FailureKind::Trap { .. } => stats.traps += 1,
                FailureKind::Limit { .. } => stats.limits += 1,
                FailureKind::Protocol { .. } | FailureKind::Lifetime { .. } => stats.protocol += 1,
                // Only an executor reports one; a fuzz target's host runs in
                // process, where a crash takes the fuzzer down itself.
                FailureKind::Crash(crash) => {
                    return Ok(Err(FuzzFinding::new(
                        TARGET,
                        "the runtime crashed",
                        format!("{}\n--- world.wit ---\n{}", crash.detail(), text()),
                    )));
                }
            },
        }
    }
    Ok(Ok(stats))
}
