//! The host: a wasmtime engine configured for testing guests, the sandbox
//! each guest runs in, and a cache of compiled components.
//!
//! Sandbox: WASI with no preopened directories, no environment, no
//! arguments, no network (TCP, UDP and name lookup all denied), stdin
//! closed, stdout and stderr captured (they end up in findings), and
//! deterministic randomness. Limits: fuel per call (a runaway guest traps
//! with `all fuel consumed`, deterministically) and a cap on linear memory,
//! tables and instances per store.

pub mod echo;

use crate::disk::{self, Cache};
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, ResourceLimiter, Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

/// Limits and features of the host.
#[derive(Debug, Clone)]
pub struct HostConfig {
    /// Fuel given to each call (and to instantiation).
    pub fuel_per_call: u64,
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
}

impl Default for HostConfig {
    fn default() -> Self {
        HostConfig {
            fuel_per_call: 5_000_000_000,
            memory_limit: 1 << 30,
            fixed_length_lists: false,
            maps: false,
            concurrency_support: true,
            captured_output: 64 * 1024,
            compilation_cache: true,
        }
    }
}

/// Errors of the host. The wasmtime error is kept as text with its full
/// context chain (`{:#}`), since `wasmtime::Error` is not a std error.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("wasmtime rejected the engine configuration: {0}")]
    Config(String),
    #[error("the component is not valid or could not be compiled: {0}")]
    Compile(String),
    #[error("could not link the component: {0}")]
    Link(String),
    #[error("instantiation failed: {0}")]
    Instantiate(String),
    #[error("the component does not export `{0}`")]
    MissingExport(String),
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

/// A wasmtime engine set up for witness, with a compiled-component cache.
pub struct Host {
    engine: Engine,
    config: HostConfig,
    compiled_dir: PathBuf,
    engine_key: String,
}

impl Host {
    pub fn new(config: HostConfig, cache: &Cache) -> Result<Host, HostError> {
        let mut wasm = wasmtime::Config::new();
        wasm.wasm_component_model(true)
            .consume_fuel(true)
            .concurrency_support(config.concurrency_support)
            .wasm_component_model_fixed_length_lists(config.fixed_length_lists)
            .wasm_component_model_map(config.maps);
        // Cranelift's incremental cache, on disk: guests of one language share
        // most of their code (a CPython or Go runtime), so a new world's
        // component compiles mostly from cached functions.
        if config.compilation_cache {
            let store = FunctionCache::new(cache.root().join("cranelift"));
            wasm.enable_incremental_compilation(std::sync::Arc::new(store))
                .map_err(|e| HostError::Config(error_text(&e)))?;
        }
        let engine = Engine::new(&wasm).map_err(|e| HostError::Config(error_text(&e)))?;
        let mut hasher = std::hash::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let engine_key = format!("{:016x}", hasher.finish());
        let compiled_dir = cache.root().join("compiled");
        Ok(Host {
            engine,
            config,
            compiled_dir,
            engine_key,
        })
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn config(&self) -> &HostConfig {
        &self.config
    }

    /// Compiles `bytes`, or loads the compiled form from the cache (keyed by
    /// the component's hash and the engine's compatibility hash, which covers
    /// the wasmtime version and every setting that affects code).
    pub fn compile(&self, bytes: &[u8]) -> Result<Component, HostError> {
        let key = disk::content_key(&[bytes, self.engine_key.as_bytes()]);
        let path = self.compiled_dir.join(format!("{}.cwasm", &key[..32]));
        if path.exists() {
            // SAFETY: the file was written by `Component::serialize` of this
            // same engine configuration (the key says so) and replaced only
            // atomically; a file that fails to load is recompiled.
            if let Ok(component) = unsafe { Component::deserialize_file(&self.engine, &path) } {
                return Ok(component);
            }
        }
        let component =
            Component::new(&self.engine, bytes).map_err(|e| HostError::Compile(error_text(&e)))?;
        if let Ok(serialized) = component.serialize() {
            disk::write_atomic(&path, &serialized)
                .map_err(|source| HostError::Io { path, source })?;
        }
        Ok(component)
    }

    /// A linker with WASI (p2, synchronous) in it.
    pub fn linker<D: Send + 'static>(&self) -> Result<Linker<GuestState<D>>, HostError> {
        let mut linker = Linker::new(&self.engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)
            .map_err(|e| HostError::Link(error_text(&e)))?;
        Ok(linker)
    }

    /// A fresh sandboxed store. `seed` makes the guest's randomness
    /// reproducible.
    pub fn store<D: Default>(&self, seed: u64) -> Store<GuestState<D>> {
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
        };
        let state = GuestState {
            wasi,
            table: ResourceTable::new(),
            limits,
            stdout,
            stderr,
            data: D::default(),
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        store
            .set_fuel(self.config.fuel_per_call)
            .expect("fuel is enabled on this engine");
        store
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
    pub data: D,
}

/// The store's limits, which also keep the total size of the store's
/// linear memories: every memory's creation and growth asks them first.
struct SandboxLimits {
    limits: StoreLimits,
    memory_bytes: usize,
    /// The growth just allowed, taken back if it fails.
    growing: usize,
}

impl ResourceLimiter for SandboxLimits {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = self.limits.memory_growing(current, desired, maximum)?;
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

/// Cranelift's incremental compilation cache on disk: one file per compiled
/// function, named by a hash of its key, in 256 fan-out directories.
#[derive(Debug)]
struct FunctionCache {
    dir: PathBuf,
}

impl FunctionCache {
    fn new(dir: PathBuf) -> FunctionCache {
        FunctionCache { dir }
    }

    fn path(&self, key: &[u8]) -> PathBuf {
        let name = disk::content_key(&[key]);
        self.dir.join(&name[..2]).join(&name[2..40])
    }
}

impl wasmtime::CacheStore for FunctionCache {
    fn get(&self, key: &[u8]) -> Option<std::borrow::Cow<'_, [u8]>> {
        std::fs::read(self.path(key))
            .ok()
            .map(std::borrow::Cow::Owned)
    }

    fn insert(&self, key: &[u8], value: Vec<u8>) -> bool {
        // A plain write then rename (no fsync: a lost entry is only a cache
        // miss), so that a reader never sees half an entry.
        let path = self.path(key);
        let Some(dir) = path.parent() else {
            return false;
        };
        if std::fs::create_dir_all(dir).is_err() {
            return false;
        }
        static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = dir.join(format!(".tmp-{}-{n}", std::process::id()));
        std::fs::write(&tmp, value).is_ok() && std::fs::rename(&tmp, &path).is_ok()
    }
}

/// The wasmtime version witness is built with.
pub const WASMTIME_VERSION: &str = "48.0.8";
