//! Set-up for witness's criterion benchmarks (`benches/perf.rs`) and their
//! smoke test: wasmtime engines (concurrency support and the pooling
//! allocator on or off), the benchmark guests instantiated, the payloads,
//! and each way of calling a payload shape as a closure that makes exactly
//! one call. Everything that is not the call itself (building guests,
//! instantiating, building the arguments, dropping) happens outside those
//! closures.
//!
//! The ways (see [`witness::bench::Way`]):
//! - raw: a core module; the host calls its `alloc(len)`, writes the bytes
//!   into its memory and calls the function with pointer and length;
//! - typed: the component through the typed API that `bindgen!` generates;
//! - dynamic: the component through `Func::call` with `Val`s.

use std::collections::HashMap;
use wasmtime::component::{Component, Func, Linker, ResourceAny, ResourceTable, Val};
use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, Memory, Module, PoolingAllocationConfig, Store,
    TypedFunc,
};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use witness::bench::{RECORD_COUNT, Shape, Way};

wasmtime::component::bindgen!({
    path: "../wit/bench.wit",
    world: "bench",
});

use exports::witness::bench::api::{Reading, Shape as WitShape, Size};

pub type Result<T> = wasmtime::Result<T>;

/// The engine settings a measurement is made under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EngineSettings {
    /// `Config::concurrency_support`.
    pub concurrency: bool,
    /// `InstanceAllocationStrategy::Pooling` instead of on-demand.
    pub pooling: bool,
}

/// The pooling allocator's limits: room for a few instances of the largest
/// guest (Python: dozens of core instances, a big table).
fn pooling_config() -> PoolingAllocationConfig {
    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(16)
        .total_core_instances(512)
        .total_memories(64)
        .total_tables(128)
        .total_stacks(16)
        .max_core_instances_per_component(64)
        .max_memories_per_component(16)
        .max_tables_per_component(32)
        .max_memory_size(1 << 30)
        .table_elements(100_000)
        .max_core_instance_size(4 << 20)
        .max_component_instance_size(4 << 20);
    pool
}

/// The wasmtime `Config` of `settings`: defaults (Cranelift, optimizing for
/// speed, no fuel, no epochs) plus the component model.
pub fn config(settings: EngineSettings) -> Config {
    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .concurrency_support(settings.concurrency);
    if settings.pooling {
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pooling_config()));
    }
    config
}

/// The `Config` in words, for the report.
pub fn describe_config() -> Vec<String> {
    vec![
        "`Config::new()` defaults: Cranelift, `opt_level` speed, no fuel, no epoch interruption, \
         signals-based traps, parallel compilation"
            .into(),
        "`wasm_component_model(true)`".into(),
        "`concurrency_support(on|off)`: both measured, said in every result".into(),
        "allocation: on-demand for calls; instantiation with on-demand and with \
         `InstanceAllocationStrategy::Pooling` (16 component instances, 512 core instances, \
         64 memories of at most 1 GiB, 128 tables of at most 100 000 elements)"
            .into(),
        "WASI: `wasmtime_wasi` p2 (`add_to_linker_sync`) for components, p1 for raw modules; \
         nothing preopened"
            .into(),
    ]
}

pub fn engine(settings: EngineSettings) -> Result<Engine> {
    Engine::new(&config(settings))
}

/// What a component's store holds.
pub struct ComponentState {
    wasi: WasiCtx,
    table: ResourceTable,
}

impl WasiView for ComponentState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl ComponentState {
    pub fn new() -> ComponentState {
        ComponentState {
            wasi: WasiCtx::builder().build(),
            table: ResourceTable::new(),
        }
    }
}

impl Default for ComponentState {
    fn default() -> Self {
        ComponentState::new()
    }
}

/// What a raw module's store holds (WASI preview1, for the Go module).
pub struct RawState {
    wasi: WasiP1Ctx,
}

impl RawState {
    pub fn new() -> RawState {
        RawState {
            wasi: WasiCtx::builder().build_p1(),
        }
    }
}

impl Default for RawState {
    fn default() -> Self {
        RawState::new()
    }
}

/// A component compiled and linked, ready to instantiate.
pub struct ComponentPre {
    pub engine: Engine,
    pub pre: BenchPre<ComponentState>,
}

impl ComponentPre {
    pub fn new(engine: &Engine, bytes: &[u8]) -> Result<ComponentPre> {
        let component = Component::new(engine, bytes)?;
        let mut linker = Linker::new(engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        let pre = BenchPre::new(linker.instantiate_pre(&component)?)?;
        Ok(ComponentPre {
            engine: engine.clone(),
            pre,
        })
    }

    pub fn store(&self) -> Store<ComponentState> {
        Store::new(&self.engine, ComponentState::new())
    }

    /// Instantiates into `store` (what the instantiation benchmark times).
    pub fn instantiate(&self, store: &mut Store<ComponentState>) -> Result<Bench> {
        self.pre.instantiate(store)
    }
}

/// A raw core module compiled and linked, ready to instantiate.
pub struct ModulePre {
    pub engine: Engine,
    pub pre: wasmtime::InstancePre<RawState>,
}

impl ModulePre {
    pub fn new(engine: &Engine, bytes: &[u8]) -> Result<ModulePre> {
        let module = Module::new(engine, bytes)?;
        let mut linker = wasmtime::Linker::new(engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |s: &mut RawState| &mut s.wasi)?;
        let pre = linker.instantiate_pre(&module)?;
        Ok(ModulePre {
            engine: engine.clone(),
            pre,
        })
    }

    pub fn store(&self) -> Store<RawState> {
        Store::new(&self.engine, RawState::new())
    }

    /// Instantiates into `store` and runs the reactor's `_initialize` when
    /// it has one (what a component does as part of its instantiation).
    pub fn instantiate(&self, store: &mut Store<RawState>) -> Result<wasmtime::Instance> {
        let instance = self.pre.instantiate(&mut *store)?;
        if let Some(init) = instance.get_func(&mut *store, "_initialize") {
            init.typed::<(), ()>(&mut *store)?.call(&mut *store, ())?;
        }
        Ok(instance)
    }
}

/// The arguments of every shape, made once.
pub struct Payloads {
    strings: HashMap<usize, String>,
    bytes: HashMap<usize, Vec<u8>>,
    readings: Vec<Reading>,
    /// The readings in the raw modules' C layout.
    raw_readings: Vec<u8>,
}

/// The `rect` every variant call passes.
pub const RECT: (f64, f64) = (3.5, 2.0);
/// The value the counter starts at.
pub const COUNTER_START: u32 = 41;
/// The argument of `add-one`.
pub const SCALAR: u32 = 7;

impl Payloads {
    pub fn new() -> Payloads {
        let mut strings = HashMap::new();
        let mut bytes = HashMap::new();
        for shape in Shape::all() {
            match shape {
                Shape::String(n) => {
                    strings.insert(n, (0..n).map(|i| (b'a' + (i % 26) as u8) as char).collect());
                }
                Shape::Bytes(n) => {
                    bytes.insert(n, (0..n).map(|i| (i * 7 % 251) as u8).collect());
                }
                _ => {}
            }
        }
        let readings: Vec<Reading> = (0..RECORD_COUNT as u32)
            .map(|i| Reading {
                id: i * 3 + 1,
                value: f64::from(i) * 0.5,
                ok: i % 2 == 0,
            })
            .collect();
        let mut raw_readings = Vec::with_capacity(readings.len() * witness::bench::READING_SIZE);
        for r in &readings {
            let mut one = [0u8; witness::bench::READING_SIZE];
            one[0..4].copy_from_slice(&r.id.to_le_bytes());
            one[8..16].copy_from_slice(&r.value.to_le_bytes());
            one[16] = u8::from(r.ok);
            raw_readings.extend_from_slice(&one);
        }
        Payloads {
            strings,
            bytes,
            readings,
            raw_readings,
        }
    }

    pub fn string(&self, n: usize) -> &str {
        &self.strings[&n]
    }

    pub fn bytes(&self, n: usize) -> &[u8] {
        &self.bytes[&n]
    }

    /// What the first call of `shape` must answer (as `u64`; `f64` results
    /// by their bits). The counter's answer grows by one per call.
    pub fn expected(&self, shape: Shape) -> u64 {
        match shape {
            Shape::Empty => 0,
            Shape::U32 => u64::from(SCALAR + 1),
            Shape::String(n) | Shape::Bytes(n) => n as u64,
            Shape::Records(_) => {
                u64::from(self.readings.iter().fold(0u32, |s, r| s.wrapping_add(r.id)))
            }
            Shape::Variant => (RECT.0 * RECT.1).to_bits(),
            Shape::Resource => u64::from(COUNTER_START + 1),
        }
    }
}

impl Default for Payloads {
    fn default() -> Self {
        Payloads::new()
    }
}

/// One call of one shape, ready to be made again and again; answers the
/// result as `u64` (see [`Payloads::expected`]).
pub type Call<'a> = Box<dyn FnMut() -> u64 + 'a>;

/// An instantiated component with what its calls need.
pub struct ComponentGuest {
    pub store: Store<ComponentState>,
    bench: Bench,
    funcs: HashMap<&'static str, Func>,
    counter: ResourceAny,
}

impl ComponentGuest {
    pub fn new(pre: &ComponentPre) -> Result<ComponentGuest> {
        let mut store = pre.store();
        let instance = pre.pre.instance_pre().instantiate(&mut store)?;
        // The typed and the dynamic calls go through the same instance.
        let bench = Bench::new(&mut store, &instance)?;
        let counter = bench
            .witness_bench_api()
            .counter()
            .call_constructor(&mut store, COUNTER_START)?;
        let component = pre.pre.instance_pre().component();
        let missing = |name: &str| wasmtime::format_err!("the component does not export {name}");
        let api = component
            .get_export_index(None, witness::bench::API)
            .ok_or_else(|| missing(witness::bench::API))?;
        let mut funcs = HashMap::new();
        for shape in Shape::all() {
            let name = shape.function();
            let index = component
                .get_export_index(Some(&api), name)
                .ok_or_else(|| missing(name))?;
            let func = instance
                .get_func(&mut store, index)
                .ok_or_else(|| missing(name))?;
            funcs.insert(name, func);
        }
        Ok(ComponentGuest {
            store,
            bench,
            funcs,
            counter,
        })
    }

    /// One call of `shape` through the typed API.
    pub fn typed<'a>(&'a mut self, shape: Shape, payloads: &'a Payloads) -> Call<'a> {
        let store = &mut self.store;
        let api = self.bench.witness_bench_api();
        match shape {
            Shape::Empty => Box::new(move || {
                api.call_nop(&mut *store).unwrap();
                0
            }),
            Shape::U32 => {
                Box::new(move || u64::from(api.call_add_one(&mut *store, SCALAR).unwrap()))
            }
            Shape::String(n) => {
                let s = payloads.string(n);
                Box::new(move || u64::from(api.call_string_len(&mut *store, s).unwrap()))
            }
            Shape::Bytes(n) => {
                let b = payloads.bytes(n);
                Box::new(move || u64::from(api.call_bytes_len(&mut *store, b).unwrap()))
            }
            Shape::Records(_) => {
                let r = &payloads.readings;
                Box::new(move || u64::from(api.call_sum_ids(&mut *store, r).unwrap()))
            }
            Shape::Variant => {
                let s = WitShape::Rect(Size {
                    w: RECT.0,
                    h: RECT.1,
                });
                Box::new(move || api.call_area(&mut *store, s).unwrap().to_bits())
            }
            Shape::Resource => {
                let c = self.counter;
                Box::new(move || u64::from(api.call_bump(&mut *store, c).unwrap()))
            }
        }
    }

    /// One call of `shape` through `Func::call` with `Val`s (the arguments
    /// are made once, outside the call).
    pub fn dynamic<'a>(&'a mut self, shape: Shape, payloads: &Payloads) -> Call<'a> {
        let func = self.funcs[shape.function()];
        let params = dynamic_args(shape, payloads, self.counter);
        let mut results = vec![Val::Bool(false); usize::from(shape != Shape::Empty)];
        let store = &mut self.store;
        Box::new(move || {
            func.call(&mut *store, &params, &mut results).unwrap();
            match results.first() {
                None => 0,
                Some(Val::U32(n)) => u64::from(*n),
                Some(Val::Float64(x)) => x.to_bits(),
                Some(other) => panic!("unexpected result {other:?}"),
            }
        })
    }
}

/// The `Val` arguments of `shape`.
pub fn dynamic_args(shape: Shape, payloads: &Payloads, counter: ResourceAny) -> Vec<Val> {
    match shape {
        Shape::Empty => vec![],
        Shape::U32 => vec![Val::U32(SCALAR)],
        Shape::String(n) => vec![Val::String(payloads.string(n).to_string())],
        Shape::Bytes(n) => vec![Val::List(
            payloads.bytes(n).iter().map(|&b| Val::U8(b)).collect(),
        )],
        Shape::Records(_) => vec![Val::List(
            payloads
                .readings
                .iter()
                .map(|r| {
                    Val::Record(vec![
                        ("id".into(), Val::U32(r.id)),
                        ("value".into(), Val::Float64(r.value)),
                        ("ok".into(), Val::Bool(r.ok)),
                    ])
                })
                .collect(),
        )],
        Shape::Variant => vec![Val::Variant(
            "rect".into(),
            Some(Box::new(Val::Record(vec![
                ("w".into(), Val::Float64(RECT.0)),
                ("h".into(), Val::Float64(RECT.1)),
            ]))),
        )],
        Shape::Resource => vec![Val::Resource(counter)],
    }
}

/// An instantiated raw core module with its exports.
pub struct RawGuest {
    pub store: Store<RawState>,
    memory: Memory,
    alloc: TypedFunc<u32, u32>,
    nop: TypedFunc<(), ()>,
    add_one: TypedFunc<u32, u32>,
    string_len: TypedFunc<(u32, u32), u32>,
    bytes_len: TypedFunc<(u32, u32), u32>,
    sum_ids: TypedFunc<(u32, u32), u32>,
    area: TypedFunc<(u32, f64, f64), f64>,
    bump: TypedFunc<u32, u32>,
    counter: u32,
}

impl RawGuest {
    pub fn new(pre: &ModulePre) -> Result<RawGuest> {
        let mut store = pre.store();
        let instance = pre.instantiate(&mut store)?;
        let memory = instance
            .get_memory(&mut store, "memory")
            .ok_or_else(|| wasmtime::format_err!("the raw module exports no memory"))?;
        let alloc = instance.get_typed_func(&mut store, "alloc")?;
        let counter_new = instance.get_typed_func::<u32, u32>(&mut store, "counter_new")?;
        let counter = counter_new.call(&mut store, COUNTER_START)?;
        Ok(RawGuest {
            memory,
            alloc,
            nop: instance.get_typed_func(&mut store, "nop")?,
            add_one: instance.get_typed_func(&mut store, "add_one")?,
            string_len: instance.get_typed_func(&mut store, "string_len")?,
            bytes_len: instance.get_typed_func(&mut store, "bytes_len")?,
            sum_ids: instance.get_typed_func(&mut store, "sum_ids")?,
            area: instance.get_typed_func(&mut store, "area")?,
            bump: instance.get_typed_func(&mut store, "bump")?,
            counter,
            store,
        })
    }

    /// One call of `shape`: for payloads, `alloc(len)`, a write into the
    /// module's memory, and the call with pointer and length.
    pub fn call<'a>(&'a mut self, shape: Shape, payloads: &'a Payloads) -> Call<'a> {
        let store = &mut self.store;
        let (memory, alloc) = (self.memory, self.alloc.clone());
        // Writes `bytes` into a fresh buffer of the module and calls `f`.
        let with_buffer = move |store: &mut Store<RawState>,
                                f: &TypedFunc<(u32, u32), u32>,
                                bytes: &[u8],
                                len: u32| {
            let ptr = alloc.call(&mut *store, bytes.len() as u32).unwrap();
            memory.write(&mut *store, ptr as usize, bytes).unwrap();
            u64::from(f.call(&mut *store, (ptr, len)).unwrap())
        };
        match shape {
            Shape::Empty => {
                let f = self.nop.clone();
                Box::new(move || {
                    f.call(&mut *store, ()).unwrap();
                    0
                })
            }
            Shape::U32 => {
                let f = self.add_one.clone();
                Box::new(move || u64::from(f.call(&mut *store, SCALAR).unwrap()))
            }
            Shape::String(n) => {
                let (f, s) = (self.string_len.clone(), payloads.string(n).as_bytes());
                Box::new(move || with_buffer(store, &f, s, s.len() as u32))
            }
            Shape::Bytes(n) => {
                let (f, b) = (self.bytes_len.clone(), payloads.bytes(n));
                Box::new(move || with_buffer(store, &f, b, b.len() as u32))
            }
            Shape::Records(_) => {
                let (f, r) = (self.sum_ids.clone(), payloads.raw_readings.as_slice());
                let count = payloads.readings.len() as u32;
                Box::new(move || with_buffer(store, &f, r, count))
            }
            Shape::Variant => {
                let f = self.area.clone();
                Box::new(move || f.call(&mut *store, (2, RECT.0, RECT.1)).unwrap().to_bits())
            }
            Shape::Resource => {
                let (f, c) = (self.bump.clone(), self.counter);
                Box::new(move || u64::from(f.call(&mut *store, c).unwrap()))
            }
        }
    }
}

/// A guest instantiated for one way of calling it.
pub enum Guest {
    Raw(Box<RawGuest>),
    Component(Box<ComponentGuest>),
}

impl Guest {
    /// One call of `shape` the way `way` says (`Raw` needs a raw guest, the
    /// others a component).
    pub fn call<'a>(&'a mut self, way: Way, shape: Shape, payloads: &'a Payloads) -> Call<'a> {
        match (self, way) {
            (Guest::Raw(g), Way::Raw) => g.call(shape, payloads),
            (Guest::Component(g), Way::Typed) => g.typed(shape, payloads),
            (Guest::Component(g), Way::Dynamic) => g.dynamic(shape, payloads),
            (_, way) => panic!("the {way:?} way needs the other kind of guest"),
        }
    }
}

/// A minimal core module with one empty export, `nop`: the floor of any
/// call into wasm. Hand-encoded; the smoke test validates and calls it.
pub const EMPTY_CORE_MODULE: &[u8] = &[
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // header
    0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type section: () -> ()
    0x03, 0x02, 0x01, 0x00, // function section: one of type 0
    0x07, 0x07, 0x01, 0x03, b'n', b'o', b'p', 0x00, 0x00, // export "nop" = func 0
    0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b, // code: empty body
];
