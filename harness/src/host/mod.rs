//! The host: a wasmtime engine configured for testing guests, the sandbox
//! each guest runs in, and a cache of compiled components.
//!
//! Sandbox: WASI with no preopened directories, no environment, no
//! arguments, no network (TCP, UDP and name lookup all denied), stdin
//! closed, stdout and stderr captured (they end up in findings),
//! deterministic randomness and virtual clocks ([`clock`]). Limits: fuel per
//! call (a runaway guest traps with `all fuel consumed`, deterministically),
//! a wall-clock deadline per call and per instantiation ([`deadline`]), and
//! a cap on linear memory, tables and instances per store.
//!
//! Compiled components are cached sealed (see [`crate::disk::read_verified`]):
//! nothing reaches `Component::deserialize` that does not match the digest
//! it was written with.

pub mod clock;
pub mod deadline;
pub mod echo;
mod function_cache;
mod guest_resources;
pub mod handles;

use crate::disk::{self, Cache};
use crate::runtime::executor::{Executor, LoadRequest, Signatures};
use crate::runtime::{Placement, RuntimeSpec};
use clock::{TimeBudget, VirtualMonotonicClock, VirtualTime, VirtualWallClock};
use function_cache::FunctionCache;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, ResourceLimiter, Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use witness_executor_protocol::{FailedStage, Sandbox};

/// Limits and features of the host.
#[derive(Debug, Clone)]
pub struct HostConfig {
    /// Fuel given to each call (and to instantiation).
    pub fuel_per_call: u64,
    /// Wall-clock time a call may take (computing, or sleeping in virtual
    /// time) before it is stopped as a `limit`.
    pub deadline: Duration,
    /// Likewise for instantiation (a language runtime's start-up).
    pub instantiation_deadline: Duration,
    /// Maximum linear memory per memory, in bytes.
    pub memory_limit: usize,
    /// Accept `list<T, N>` (wasmtime's fixed-length-lists feature).
    pub fixed_length_lists: bool,
    /// Accept `map<K, V>` (wasmtime's map feature).
    pub maps: bool,
    /// wasmtime's concurrency support (`Config::concurrency_support`).
    pub concurrency_support: bool,
    /// Bytes of guest stdout/stderr kept for findings.
    pub captured_output: usize,
    /// Keep Cranelift's incremental compilation cache on disk (off for
    /// components that are compiled once and never again, such as the
    /// random core code of the `core_guest` fuzz target).
    pub compilation_cache: bool,
    /// Where guests run: in this process (wasmtime 48.0.8), or in an
    /// executor of the runtime under test (`--runtime`, `--isolate`).
    pub placement: Placement,
}

impl Default for HostConfig {
    fn default() -> Self {
        HostConfig {
            fuel_per_call: 5_000_000_000,
            deadline: Duration::from_secs(10),
            instantiation_deadline: Duration::from_secs(30),
            memory_limit: 1 << 30,
            fixed_length_lists: true,
            maps: true,
            concurrency_support: true,
            captured_output: 64 * 1024,
            compilation_cache: true,
            placement: Placement::InProcess,
        }
    }
}

/// Errors of the host. The wasmtime error is kept as text with its full
/// context chain (`{:#}`), since `wasmtime::Error` is not a std error.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("wasmtime rejected the engine configuration: {0}")]
    Config(String),
    /// A setting under which no guest could run.
    #[error(transparent)]
    Limits(#[from] crate::limits::LimitError),
    /// The component needs a feature the pinned wasmtime cannot load (or
    /// witness does not enable): the harness's limitation, not a finding.
    #[error("the runtime under test, as witness configures it, cannot load this case: {0}")]
    Unsupported(String),
    #[error("the component is not valid or could not be compiled: {0}")]
    Compile(String),
    #[error("could not link the component: {0}")]
    Link(String),
    #[error("instantiation failed: {0}")]
    Instantiate(String),
    #[error("the component does not export `{0}`")]
    MissingExport(String),
    /// The executor of the runtime under test could not be built or
    /// started, or broke the protocol (witness's problem, not a finding).
    #[error(transparent)]
    Executor(#[from] crate::runtime::executor::ExecutorError),
    /// The runtime under test crashed or hung (in its executor): a finding.
    #[error("the runtime under test died: {}", .0.class())]
    Crash(crate::runtime::executor::Crash),
    #[error("I/O error at {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

pub(crate) fn error_text(e: &wasmtime::Error) -> String {
    format!("{e:#}")
}

/// The guest's output, as a note on an instantiation error (nothing when
/// it wrote nothing).
pub(crate) fn output_note(out: &str) -> String {
    if out.trim().is_empty() {
        String::new()
    } else {
        format!("\nguest output:\n{out}")
    }
}

/// A wasmtime engine set up for witness, with a compiled-component cache.
pub struct Host {
    engine: Engine,
    config: HostConfig,
    compiled_dir: PathBuf,
    engine_key: String,
    /// The executor guests run in, when they do not run in this process
    /// (another wasmtime version, or `--isolate`).
    executor: Option<Arc<Mutex<Executor>>>,
}

impl Host {
    pub fn new(config: HostConfig, cache: &Cache) -> Result<Host, HostError> {
        config.validate()?;
        let mut wasm = wasmtime::Config::new();
        wasm.wasm_component_model(true)
            .consume_fuel(true)
            .epoch_interruption(true)
            .concurrency_support(config.concurrency_support)
            .wasm_component_model_fixed_length_lists(config.fixed_length_lists)
            .wasm_component_model_map(config.maps);
        // Cranelift's incremental cache, on disk: guests of one language share
        // most of their code (a CPython or Go runtime), so a new world's
        // component compiles mostly from cached functions.
        if config.compilation_cache {
            let store = FunctionCache::new(cache.root().join(function_cache::DIR));
            wasm.enable_incremental_compilation(std::sync::Arc::new(store))
                .map_err(|e| HostError::Config(error_text(&e)))?;
        }
        let engine = Engine::new(&wasm).map_err(|e| HostError::Config(error_text(&e)))?;
        deadline::start_ticker(&engine);
        // The compatibility hash covers the wasmtime version and every
        // setting that affects the compiled code.
        let mut hasher = std::hash::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let engine_key = format!("{WASMTIME_VERSION}-{:016x}", hasher.finish());
        let compiled_dir = cache.root().join("compiled");
        // Guests run where the placement says: here, or in an executor of
        // the runtime under test (built if need be, saying so on stderr).
        // witness's own engine still compiles every component, for its
        // types.
        let executor = match &config.placement {
            Placement::InProcess => None,
            Placement::Executor(runtime) => {
                Some(Arc::new(Mutex::new(Executor::start(runtime, true)?)))
            }
            Placement::Binary(runtime, binary) => Some(Arc::new(Mutex::new(
                Executor::start_binary(runtime, binary.clone())?,
            ))),
        };
        Ok(Host {
            engine,
            config,
            compiled_dir,
            engine_key,
            executor,
        })
    }

    /// The executor guests run in, if they do not run in process.
    pub fn executor(&self) -> Option<&Arc<Mutex<Executor>>> {
        self.executor.as_ref()
    }

    /// The runtime under test.
    pub fn runtime(&self) -> RuntimeSpec {
        self.config.placement.runtime()
    }

    /// The sandbox's limits as an executor is told them.
    pub fn sandbox(&self) -> Sandbox {
        let runtime = self.runtime();
        let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        Sandbox {
            fuel_per_call: self.config.fuel_per_call,
            deadline_ms: ms(self.config.deadline),
            instantiation_deadline_ms: ms(self.config.instantiation_deadline),
            memory_bytes: self.config.memory_limit as u64,
            captured_output: self.config.captured_output as u64,
            fixed_length_lists: self.config.fixed_length_lists && runtime.has_fixed_length_lists(),
            maps: self.config.maps && runtime.has_maps(),
        }
    }

    /// `compiled` as the host's executor will run it, answering `imports`
    /// and called at `exports`; `None` when guests run in this process.
    pub fn remote(
        &self,
        compiled: &Compiled,
        imports: Vec<(String, Vec<String>)>,
        exports: &[(Option<String>, String)],
    ) -> Result<Option<Remote>, HostError> {
        let Some(executor) = &self.executor else {
            return Ok(None);
        };
        let signatures =
            Signatures::of(&self.engine, compiled, &imports, exports).map_err(HostError::Link)?;
        let component = executor
            .lock()
            .expect("executor")
            .component_file(&compiled.bytes)?;
        Ok(Some(Remote {
            executor: executor.clone(),
            load: LoadRequest {
                component,
                sandbox: self.sandbox(),
                imports,
                resources: Vec::new(),
                trees: false,
            },
            signatures,
        }))
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn config(&self) -> &HostConfig {
        &self.config
    }

    /// Compiles `bytes`, or loads the compiled form from the cache (keyed by
    /// the component's hash and the engine's compatibility hash, which covers
    /// the wasmtime version and every setting that affects code; sealed with
    /// its digest, checked before it is deserialized).
    pub fn compile(&self, bytes: &[u8]) -> Result<Compiled, HostError> {
        let path = self.compiled_path(bytes);
        let io = |source| HostError::Io {
            path: path.clone(),
            source,
        };
        if let Some(compiled) = disk::read_verified(&path).map_err(io)? {
            // SAFETY: these bytes match the digest they were sealed with by
            // `compile` below, right after `Component::serialize` of an
            // engine with this compatibility hash (the file name says so):
            // they are exactly what this engine serialized. A file that
            // still fails to load is recompiled.
            if let Ok(component) = unsafe { Component::deserialize(&self.engine, &compiled) } {
                return Ok(self::compiled(component, bytes));
            }
        }
        let component = self.compile_uncached(bytes)?;
        if let Ok(serialized) = component.serialize() {
            disk::write_verified(&path, &serialized).map_err(io)?;
        }
        Ok(component)
    }

    /// Compiles `bytes` without the disk cache (for components made once,
    /// such as raw guests and fuzzed core code, which would only fill it).
    pub fn compile_uncached(&self, bytes: &[u8]) -> Result<Compiled, HostError> {
        let component = Component::new(&self.engine, bytes).map_err(|e| {
            let text = error_text(&e);
            if is_feature_gate(&e) {
                HostError::Unsupported(text)
            } else {
                HostError::Compile(text)
            }
        })?;
        Ok(compiled(component, bytes))
    }

    /// Where the compiled form of `bytes` is cached.
    pub fn compiled_path(&self, bytes: &[u8]) -> PathBuf {
        let key = disk::content_key(&[bytes, self.engine_key.as_bytes()]);
        self.compiled_dir
            .join(format!("{}.cwasm.sealed", &key[..32]))
    }

    /// A linker with WASI (p2, synchronous) in it.
    pub fn linker<D: Send + 'static>(&self) -> Result<Linker<GuestState<D>>, HostError> {
        let mut linker = Linker::new(&self.engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)
            .map_err(|e| HostError::Link(error_text(&e)))?;
        clock::add_virtual_sleeps(&mut linker).map_err(|e| HostError::Link(error_text(&e)))?;
        Ok(linker)
    }

    /// A fresh sandboxed store, armed for instantiation (fuel and the
    /// instantiation deadline). `seed` makes the guest's randomness and
    /// clocks reproducible.
    pub fn store<D: Default>(&self, seed: u64) -> Store<GuestState<D>> {
        let time = VirtualTime::new(seed);
        let stdout = MemoryOutputPipe::new(self.config.captured_output);
        let stderr = MemoryOutputPipe::new(self.config.captured_output);
        let random = crate::seed::bytes(seed, &[0x7261_6e64], 4096);
        let wasi = WasiCtx::builder()
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .socket_addr_check(|_, _| Box::pin(async { false }))
            .secure_random(wasmtime_wasi::Deterministic::new(random.clone()))
            .insecure_random(wasmtime_wasi::Deterministic::new(random))
            .insecure_random_seed(u128::from(seed))
            .wall_clock(VirtualWallClock(time.clone()))
            .monotonic_clock(VirtualMonotonicClock(time.clone()))
            .build();
        let limits = StoreLimitsBuilder::new()
            .memory_size(self.config.memory_limit)
            .table_elements(1 << 20)
            .instances(1000)
            .tables(1000)
            .memories(100)
            .build();
        let limits = SandboxLimits {
            limits,
            memory_bytes: 0,
            growing: 0,
            refused_growth: false,
        };
        let state = GuestState {
            wasi,
            table: ResourceTable::new(),
            limits,
            stdout,
            stderr,
            budget: TimeBudget {
                started: time.now(),
                deadline: self.config.instantiation_deadline,
            },
            time,
            data: D::default(),
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        store.epoch_deadline_trap();
        deadline::arm(
            &mut store,
            self.config.fuel_per_call,
            self.config.instantiation_deadline,
        );
        store
    }
}

/// A guest in the host's executor: the executor, what it loads, and the
/// types witness reads its values with.
#[derive(Clone)]
pub struct Remote {
    pub executor: Arc<Mutex<Executor>>,
    pub load: LoadRequest,
    pub signatures: Signatures,
}

impl HostError {
    /// The error of an executor's `Failed` reply at `stage`, with `message`.
    pub fn of_failed(stage: FailedStage, message: String) -> HostError {
        match stage {
            FailedStage::Compile => HostError::Compile(message),
            FailedStage::Unsupported => HostError::Unsupported(message),
            FailedStage::Link => HostError::Link(message),
            FailedStage::Instantiate => HostError::Instantiate(message),
        }
    }
}

/// A component compiled by witness's engine (for its types, and to run in
/// process), with the bytes it was compiled from (what an executor loads).
#[derive(Clone)]
pub struct Compiled {
    pub component: Component,
    pub bytes: Arc<[u8]>,
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Compiled({} bytes)", self.bytes.len())
    }
}

impl std::ops::Deref for Compiled {
    type Target = Component;

    fn deref(&self) -> &Component {
        &self.component
    }
}

fn compiled(component: Component, bytes: &[u8]) -> Compiled {
    Compiled {
        component,
        bytes: Arc::from(bytes),
    }
}

/// What a store holds: the sandbox's WASI state and limits, the captured
/// output, and the protocol's own data `D`.
pub struct GuestState<D = ()> {
    wasi: WasiCtx,
    table: ResourceTable,
    limits: SandboxLimits,
    stdout: MemoryOutputPipe,
    stderr: MemoryOutputPipe,
    /// What the guest's clocks read.
    time: Arc<VirtualTime>,
    /// The virtual time the current call may sleep.
    budget: TimeBudget,
    pub data: D,
}

/// The store's limits, which also keep the total size of the store's
/// linear memories: every memory's creation and growth asks them first.
struct SandboxLimits {
    limits: StoreLimits,
    memory_bytes: usize,
    /// The growth just allowed, taken back if it fails.
    growing: usize,
    /// Whether a memory growth was refused (at the cap) since the call
    /// began: the guest's trap that follows is this limit.
    refused_growth: bool,
}

impl ResourceLimiter for SandboxLimits {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = self.limits.memory_growing(current, desired, maximum)?;
        self.refused_growth |= !allowed;
        self.growing = if allowed {
            desired.saturating_sub(current)
        } else {
            0
        };
        self.memory_bytes += self.growing;
        Ok(allowed)
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.memory_bytes -= std::mem::take(&mut self.growing);
        self.limits.memory_grow_failed(error)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.limits.table_growing(current, desired, maximum)
    }

    fn table_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.limits.table_grow_failed(error)
    }

    fn instances(&self) -> usize {
        self.limits.instances()
    }

    fn tables(&self) -> usize {
        self.limits.tables()
    }

    fn memories(&self) -> usize {
        self.limits.memories()
    }
}

impl<D> GuestState<D> {
    /// The total size of the store's linear memories, in bytes (every core
    /// module's memory of every instance, as created and grown).
    pub fn linear_memory_bytes(&self) -> usize {
        self.limits.memory_bytes
    }

    /// What the guest wrote to stdout and stderr so far (lossy UTF-8).
    pub fn captured_output(&self) -> String {
        let mut text = String::from_utf8_lossy(&self.stdout.contents()).into_owned();
        let err = self.stderr.contents();
        if !err.is_empty() {
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
            text.push_str(&String::from_utf8_lossy(&err));
        }
        text
    }
}

impl<D: Send> WasiView for GuestState<D> {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// Whether `e` (from compiling a component) says the component needs a
/// wasm feature that is not enabled.
fn is_feature_gate(e: &wasmtime::Error) -> bool {
    let text = error_text(e);
    text.contains("feature") && (text.contains("require") || text.contains("not enabled"))
}

/// The wasmtime version witness is built with.
pub const WASMTIME_VERSION: &str = "48.0.8";

#[cfg(test)]
mod tests;
