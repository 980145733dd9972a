//! The sandbox a component runs in: the engine's configuration, the store's
//! WASI context, clocks, randomness and limits, and the wire to the parent
//! that import calls go over.

use std::io::{BufReader, Stdin, Stdout};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wasmtime::component::ResourceTable;
use wasmtime::{Engine, ResourceLimiter, Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{HostMonotonicClock, HostWallClock, WasiCtx, WasiCtxView, WasiView};
use witness_executor_protocol::{self as protocol, Reply, Request, Sandbox, WireError};

/// How often the epoch moves (the deadline's resolution).
const EPOCH_TICK: Duration = Duration::from_millis(20);

/// The executor's stdin and stdout.
pub struct Wire {
    pub input: BufReader<Stdin>,
    pub output: Stdout,
}

impl Wire {
    pub fn receive(&mut self) -> Result<Request, WireError> {
        protocol::receive(&mut self.input)
    }

    pub fn send(&mut self, reply: &Reply) -> Result<(), WireError> {
        protocol::send(&mut self.output.lock(), reply)
    }
}

/// An engine for `sandbox`'s features, with its epoch ticking; one per set
/// of features, for the life of the process.
pub fn engine(sandbox: &Sandbox) -> wasmtime::Result<Engine> {
    static ENGINES: Mutex<Vec<((bool, bool), Engine)>> = Mutex::new(Vec::new());
    let key = (sandbox.fixed_length_lists, sandbox.maps);
    let mut engines = ENGINES.lock().expect("engines");
    if let Some((_, engine)) = engines.iter().find(|(k, _)| *k == key) {
        return Ok(engine.clone());
    }
    let mut config = wasmtime::Config::new();
    config
        .wasm_component_model(true)
        .consume_fuel(true)
        .epoch_interruption(true);
    #[cfg(feature = "component-model-fixed-length-lists")]
    config.wasm_component_model_fixed_length_lists(sandbox.fixed_length_lists);
    #[cfg(feature = "component-model-map")]
    config.wasm_component_model_map(sandbox.maps);
    let engine = Engine::new(&config)?;
    let ticking = engine.clone();
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(EPOCH_TICK);
            ticking.increment_epoch();
        }
    });
    engines.push((key, engine.clone()));
    Ok(engine)
}

/// What a store holds.
pub struct Guest {
    wasi: WasiCtx,
    table: ResourceTable,
    limits: Limits,
    stdout: MemoryOutputPipe,
    stderr: MemoryOutputPipe,
    pub wire: Arc<Mutex<Wire>>,
    /// The handles that reached the host.
    pub handles: crate::handles::HandleTable,
}

impl Guest {
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

    /// The total size of the store's linear memories.
    pub fn linear_memory_bytes(&self) -> u64 {
        self.limits.memory_bytes as u64
    }

    /// Whether a memory growth was refused at the cap since the call began.
    pub fn refused_growth(&self) -> bool {
        self.limits.refused_growth
    }
}

impl WasiView for Guest {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// A fresh store, armed for instantiation. `seed` makes the guest's
/// randomness and clocks reproducible; `handles` is the instance's (empty)
/// table of handles.
pub fn store(
    engine: &Engine,
    sandbox: &Sandbox,
    seed: u64,
    wire: Arc<Mutex<Wire>>,
    handles: crate::handles::HandleTable,
) -> Store<Guest> {
    let captured = usize::try_from(sandbox.captured_output).unwrap_or(usize::MAX);
    let stdout = MemoryOutputPipe::new(captured);
    let stderr = MemoryOutputPipe::new(captured);
    let time = Arc::new(VirtualTime(AtomicU64::new(
        splitmix(seed ^ 0x0063_6c6f_636b) % 86_400_000_000_000,
    )));
    let mut state = seed ^ 0x7261_6e64;
    let random: Vec<u8> = (0..512)
        .flat_map(|_| {
            state = splitmix(state);
            state.to_le_bytes()
        })
        .collect();
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
        .wall_clock(WallClock(time.clone()))
        .monotonic_clock(MonotonicClock(time))
        .build();
    let memory = usize::try_from(sandbox.memory_bytes).unwrap_or(usize::MAX);
    let limits = Limits {
        limits: StoreLimitsBuilder::new()
            .memory_size(memory)
            .table_elements(1 << 20)
            .instances(1000)
            .tables(1000)
            .memories(100)
            .build(),
        refused_growth: false,
        memory_bytes: 0,
        growing: 0,
    };
    let guest = Guest {
        wasi,
        table: ResourceTable::new(),
        limits,
        stdout,
        stderr,
        wire,
        handles,
    };
    let mut store = Store::new(engine, guest);
    store.limiter(|g| &mut g.limits);
    store.epoch_deadline_trap();
    arm(
        &mut store,
        sandbox.fuel_per_call,
        sandbox.instantiation_deadline_ms,
    );
    store
}

/// Fuel and the deadline for one call.
pub fn begin_call(store: &mut Store<Guest>, sandbox: &Sandbox) {
    store.data_mut().limits.refused_growth = false;
    arm(store, sandbox.fuel_per_call, sandbox.deadline_ms);
}

fn arm(store: &mut Store<Guest>, fuel: u64, deadline_ms: u64) {
    // A store with fuel consumption on always accepts fuel.
    let _ = store.set_fuel(fuel);
    #[cfg(feature = "hostcall-fuel")]
    store.set_hostcall_fuel(usize::MAX);
    let ticks = deadline_ms.div_ceil(EPOCH_TICK.as_millis() as u64).max(1);
    store.set_epoch_deadline(ticks);
}

/// The store's limits, which also keep the total size of its linear
/// memories (every creation and growth asks them first).
struct Limits {
    limits: StoreLimits,
    refused_growth: bool,
    memory_bytes: usize,
    /// The growth just allowed, taken back if it fails.
    growing: usize,
}

impl ResourceLimiter for Limits {
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

/// Nanoseconds of virtual time; each read of a clock moves it by 1 µs.
struct VirtualTime(AtomicU64);

impl VirtualTime {
    fn read(&self) -> u64 {
        self.0.fetch_add(1_000, Ordering::Relaxed) + 1_000
    }
}

struct WallClock(Arc<VirtualTime>);

impl HostWallClock for WallClock {
    fn resolution(&self) -> Duration {
        Duration::from_micros(1)
    }

    fn now(&self) -> Duration {
        // 2026-01-01T00:00:00Z plus virtual time.
        Duration::from_secs(1_767_225_600) + Duration::from_nanos(self.0.read())
    }
}

struct MonotonicClock(Arc<VirtualTime>);

impl HostMonotonicClock for MonotonicClock {
    fn resolution(&self) -> u64 {
        1_000
    }

    fn now(&self) -> u64 {
        self.0.read()
    }
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}
