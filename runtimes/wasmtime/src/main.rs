//! The wasmtime executor: runs components on one wasmtime version for
//! witness, over the protocol of `witness-executor-protocol` on stdin and
//! stdout. It only runs things: it loads a component, instantiates it with
//! WASI in a sandbox and the other imports answered by the parent, calls
//! exports and reports what happened. It judges nothing.
//!
//! The sandbox is the in-process host's: WASI with no preopened
//! directories, no environment, no network, stdin closed, stdout and stderr
//! captured, randomness from the seed, virtual clocks, fuel per call, an
//! epoch deadline per call and a cap on linear memory.
//!
//! One source serves every supported wasmtime version; the API generation
//! is picked with cargo features (see `Cargo.toml`).

mod handles;
mod sandbox;

use handles::{HandleTable, has_handles};
use sandbox::{Guest, Wire};
use std::io::BufReader;
use std::sync::{Arc, Mutex};
use wasmtime::component::{Component, Func, Instance, InstancePre, Linker, Val};
use wasmtime::{AsContextMut, Engine, Store, StoreContextMut};
use witness_executor_protocol::{
    self as protocol, ErrorInfo, FailedStage, Limit, PROTOCOL_VERSION, Reply, Request, Sandbox,
    Value,
};

/// The wasmtime version this executor was built with (from its manifest).
const WASMTIME_VERSION: &str = env!("WITNESS_WASMTIME_VERSION");

fn main() {
    let wire = Arc::new(Mutex::new(Wire {
        input: BufReader::new(std::io::stdin()),
        output: std::io::stdout(),
    }));
    let mut session = Session::default();
    loop {
        let request = match wire.lock().expect("wire").receive() {
            Ok(r) => r,
            Err(protocol::WireError::Closed) => return,
            Err(e) => {
                eprintln!("witness executor: {e}");
                std::process::exit(3);
            }
        };
        let reply = session.handle(request, &wire);
        if wire.lock().expect("wire").send(&reply).is_err() {
            return;
        }
    }
}

/// What is loaded and running.
#[derive(Default)]
struct Session {
    loaded: Option<Loaded>,
    running: Option<(Store<Guest>, Instance)>,
}

struct Loaded {
    engine: Engine,
    pre: InstancePre<Guest>,
    sandbox: Sandbox,
    /// How many resource types the parent defines.
    host_types: u32,
    /// Every value goes to the parent as a tree.
    trees: bool,
}

impl Session {
    fn handle(&mut self, request: Request, wire: &Arc<Mutex<Wire>>) -> Reply {
        match request {
            Request::Hello => Reply::Ready {
                protocol: PROTOCOL_VERSION,
                runtime: "wasmtime".into(),
                version: WASMTIME_VERSION.into(),
            },
            Request::Load {
                component,
                sandbox,
                imports,
                resources,
                trees,
            } => {
                self.running = None;
                self.loaded = None;
                match load(&component, sandbox, &imports, &resources) {
                    Ok(mut loaded) => {
                        loaded.trees = trees;
                        self.loaded = Some(loaded);
                        Reply::Loaded
                    }
                    Err((stage, error)) => Reply::Failed {
                        stage,
                        error,
                        output: String::new(),
                    },
                }
            }
            Request::Instantiate { seed } => {
                self.running = None;
                let Some(loaded) = &self.loaded else {
                    return refused("instantiate before load");
                };
                let mut store = sandbox::store(
                    &loaded.engine,
                    &loaded.sandbox,
                    seed,
                    wire.clone(),
                    HandleTable::new(loaded.host_types, loaded.trees),
                );
                match loaded.pre.instantiate(&mut store) {
                    Ok(instance) => {
                        self.running = Some((store, instance));
                        Reply::Instantiated
                    }
                    Err(e) => Reply::Failed {
                        stage: FailedStage::Instantiate,
                        error: error_info(&e, store.data()),
                        output: store.data().captured_output(),
                    },
                }
            }
            Request::Call {
                interface,
                func,
                args,
            } => {
                let Some(loaded) = &self.loaded else {
                    return refused("call before load");
                };
                let Some((store, instance)) = &mut self.running else {
                    return refused("call before instantiate");
                };
                call(
                    store,
                    instance,
                    &loaded.sandbox,
                    interface.as_deref(),
                    &func,
                    &args,
                )
            }
            Request::DropHandle { slot } => {
                let (Some(loaded), Some((store, _))) = (&self.loaded, &mut self.running) else {
                    return refused("drop-handle before instantiate");
                };
                sandbox::begin_call(store, &loaded.sandbox);
                Reply::Dropped {
                    error: drop_handle(store.as_context_mut(), slot),
                }
            }
            Request::Memory => match &self.running {
                Some((store, _)) => Reply::Memory {
                    bytes: store.data().linear_memory_bytes(),
                },
                None => refused("memory before instantiate"),
            },
            Request::Answer { .. } | Request::Refuse { .. } => {
                refused("an answer with no import call in flight")
            }
        }
    }
}

fn refused(message: &str) -> Reply {
    Reply::Refused {
        message: message.into(),
    }
}

/// Drops the handle in `slot`; the error, if it failed.
fn drop_handle(mut store: StoreContextMut<'_, Guest>, slot: u32) -> Option<ErrorInfo> {
    let Some(handle) = store.data().handles.get(slot) else {
        return Some(plain(&wasmtime::Error::msg(format!(
            "witness executor: no handle in slot {slot}"
        ))));
    };
    match handle.resource_drop(&mut store) {
        Ok(()) => None,
        Err(e) => Some(error_info(&e, store.data())),
    }
}

/// Compiles the component and links it: WASI, the parent's resource types
/// (whose destructors report to the parent), and a function answered by the
/// parent for every import the parent named.
fn load(
    path: &std::path::Path,
    sandbox: Sandbox,
    imports: &[(String, Vec<String>)],
    resources: &[(String, String)],
) -> Result<Loaded, (FailedStage, ErrorInfo)> {
    let engine = sandbox::engine(&sandbox).map_err(|e| (FailedStage::Unsupported, plain(&e)))?;
    let bytes = std::fs::read(path).map_err(|e| {
        (
            FailedStage::Compile,
            plain(&wasmtime::Error::msg(format!(
                "cannot read {}: {e}",
                path.display()
            ))),
        )
    })?;
    let component = Component::new(&engine, &bytes).map_err(|e| {
        let text = format!("{e:#}");
        let stage = if text.contains("feature")
            && (text.contains("require") || text.contains("not enabled"))
        {
            FailedStage::Unsupported
        } else {
            FailedStage::Compile
        };
        (stage, plain(&e))
    })?;
    let link = |e: wasmtime::Error| (FailedStage::Link, plain(&e));
    let mut linker: Linker<Guest> = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(link)?;
    let mut interfaces: Vec<&String> = resources.iter().map(|(i, _)| i).collect();
    interfaces.extend(imports.iter().map(|(i, _)| i));
    interfaces.dedup();
    let mut seen = Vec::new();
    for interface in interfaces {
        if seen.contains(&interface) {
            continue;
        }
        seen.push(interface);
        let mut instance = linker.instance(interface).map_err(link)?;
        for (k, (_, name)) in resources
            .iter()
            .enumerate()
            .filter(|(_, (i, _))| i == interface)
        {
            let resource = u32::try_from(k).expect("few resource types");
            instance
                .resource(name, HandleTable::host_type(resource), move |store, rep| {
                    let wire = store.data().wire.clone();
                    if wire
                        .lock()
                        .expect("wire")
                        .send(&Reply::Destructor { resource, rep })
                        .is_err()
                    {
                        std::process::exit(0);
                    }
                    Ok(())
                })
                .map_err(link)?;
        }
        let funcs = imports
            .iter()
            .filter(|(i, _)| i == interface)
            .flat_map(|(_, f)| f);
        for func in funcs {
            let iface = interface.clone();
            let name = func.clone();
            instance
                .func_new(func, move |mut store, ty, params, results| {
                    forward(&mut store, &iface, &name, &ty, params, results)
                })
                .map_err(link)?;
        }
    }
    let pre = linker.instantiate_pre(&component).map_err(link)?;
    Ok(Loaded {
        engine,
        pre,
        sandbox,
        host_types: u32::try_from(resources.len()).expect("few resource types"),
        trees: false,
    })
}

/// An import call: sent to the parent, answered by it. While it answers,
/// the parent may drop handles (`DropHandle`), which happens here, inside
/// the import call.
fn forward(
    store: &mut wasmtime::StoreContextMut<'_, Guest>,
    interface: &str,
    func: &str,
    ty: &wasmtime::component::types::ComponentFunc,
    params: &[Val],
    results: &mut [Val],
) -> wasmtime::Result<()> {
    let args = params
        .iter()
        .map(|v| encode(&mut *store, v))
        .collect::<wasmtime::Result<Vec<_>>>()?;
    let wire = store.data().wire.clone();
    let sent = wire.lock().expect("wire").send(&Reply::Import {
        interface: interface.into(),
        func: func.into(),
        args,
    });
    if sent.is_err() {
        // The parent is gone: nothing more to do.
        std::process::exit(0);
    }
    loop {
        // The lock is not held across a drop: a destructor reports on it.
        let request = wire.lock().expect("wire").receive();
        match request {
            Ok(Request::Answer { results: answer }) => {
                let types: Vec<_> = ty.results().collect();
                if answer.len() != results.len() || types.len() != results.len() {
                    return Err(wasmtime::Error::msg(format!(
                        "witness executor: the parent answered {} results for {} of `{func}`",
                        answer.len(),
                        results.len()
                    )));
                }
                for ((slot, value), ty) in results.iter_mut().zip(&answer).zip(&types) {
                    *slot = decode(&mut *store, ty, value)?;
                }
                return Ok(());
            }
            Ok(Request::Refuse { message }) => return Err(wasmtime::Error::msg(message)),
            Ok(Request::DropHandle { slot }) => {
                let error = drop_handle(store.as_context_mut(), slot);
                if wire
                    .lock()
                    .expect("wire")
                    .send(&Reply::Dropped { error })
                    .is_err()
                {
                    std::process::exit(0);
                }
            }
            Ok(other) => {
                eprintln!("witness executor: expected an answer, got {other:?}");
                std::process::exit(3);
            }
            Err(_) => std::process::exit(0),
        }
    }
}

/// Calls an export.
fn call(
    store: &mut Store<Guest>,
    instance: &Instance,
    sandbox: &Sandbox,
    interface: Option<&str>,
    func: &str,
    args: &[Value],
) -> Reply {
    let Some(f) = export(store, instance, interface, func) else {
        return refused(&format!(
            "no export `{}{func}`",
            interface.map(|i| format!("{i}#")).unwrap_or_default()
        ));
    };
    let ty = f.ty(&*store);
    let param_types: Vec<_> = ty.params().map(|(_, t)| t).collect();
    if param_types.len() != args.len() {
        return refused(&format!(
            "`{func}` takes {} arguments, got {}",
            param_types.len(),
            args.len()
        ));
    }
    let mut values = Vec::with_capacity(args.len());
    for (ty, arg) in param_types.iter().zip(args) {
        match decode(&mut *store, ty, arg) {
            Ok(v) => values.push(v),
            Err(e) => return refused(&format!("argument of `{func}`: {e:#}")),
        }
    }
    let mut results = vec![Val::Bool(false); ty.results().len()];
    sandbox::begin_call(store, sandbox);
    let outcome = f.call(&mut *store, &values, &mut results);
    #[cfg(feature = "anyhow-errors")]
    let outcome = outcome.and_then(|()| f.post_return(&mut *store));
    match outcome.and_then(|()| {
        results
            .iter()
            .map(|v| encode(&mut *store, v))
            .collect::<wasmtime::Result<Vec<_>>>()
    }) {
        Ok(results) => Reply::Returned {
            results,
            output: store.data().captured_output(),
        },
        Err(e) => Reply::Trapped {
            error: error_info(&e, store.data()),
            output: store.data().captured_output(),
        },
    }
}

fn export(
    store: &mut Store<Guest>,
    instance: &Instance,
    interface: Option<&str>,
    func: &str,
) -> Option<Func> {
    let parent = match interface {
        Some(i) => Some(instance.get_export_index(&mut *store, None, i)?),
        None => None,
    };
    let idx = instance.get_export_index(&mut *store, parent.as_ref(), func)?;
    instance.get_func(&mut *store, idx)
}

/// A value for the wire: a tree when it carries handles (kept in the
/// store's table), else WAVE, or hex for bytes.
fn encode(mut store: impl AsContextMut<Data = Guest>, v: &Val) -> wasmtime::Result<Value> {
    if store.as_context().data().handles.trees || has_handles(v) {
        let mut store = store.as_context_mut();
        let mut table = std::mem::take(&mut store.data_mut().handles);
        let node = table.node_of(&mut store, v);
        store.data_mut().handles = table;
        return node.map(Value::Tree).map_err(wasmtime::Error::msg);
    }
    if let Val::List(items) = v
        && !items.is_empty()
        && items.iter().all(|x| matches!(x, Val::U8(_)))
    {
        let bytes: Vec<u8> = items
            .iter()
            .map(|x| if let Val::U8(b) = x { *b } else { 0 })
            .collect();
        return Ok(Value::Bytes(protocol::hex(&bytes)));
    }
    Ok(Value::Wave(v.to_wave()?))
}

/// A value off the wire, of type `ty`.
fn decode(
    mut store: impl AsContextMut<Data = Guest>,
    ty: &wasmtime::component::Type,
    v: &Value,
) -> wasmtime::Result<Val> {
    match v {
        Value::Wave(text) => Val::from_wave(ty, text),
        Value::Bytes(hex) => {
            let bytes = protocol::unhex(hex)
                .ok_or_else(|| wasmtime::Error::msg("witness executor: bytes that are not hex"))?;
            Ok(Val::List(bytes.into_iter().map(Val::U8).collect()))
        }
        Value::Tree(node) => {
            let mut store = store.as_context_mut();
            let mut table = std::mem::take(&mut store.data_mut().handles);
            let val = table.val_of(&mut store, ty, node);
            store.data_mut().handles = table;
            val.map_err(wasmtime::Error::msg)
        }
    }
}

/// An error as facts, with the limit that caused it if one did.
fn error_info(e: &wasmtime::Error, guest: &Guest) -> ErrorInfo {
    let mut info = plain(e);
    info.limit = match e.downcast_ref::<wasmtime::Trap>() {
        Some(wasmtime::Trap::OutOfFuel) => Some(Limit::Fuel),
        Some(wasmtime::Trap::Interrupt) => Some(Limit::Deadline),
        _ if guest.refused_growth() => Some(Limit::Memory),
        _ if info.root_cause.contains("memory") && info.root_cause.contains("limit") => {
            Some(Limit::Memory)
        }
        _ => None,
    };
    info
}

fn plain(e: &wasmtime::Error) -> ErrorInfo {
    let trap = e.downcast_ref::<wasmtime::Trap>().copied();
    ErrorInfo {
        message: format!("{e:#}"),
        root_cause: match trap {
            Some(t) => t.to_string(),
            None => e.root_cause().to_string(),
        },
        trap: trap.map(|t| format!("{t:?}")),
        wasm_frames: e
            .downcast_ref::<wasmtime::WasmBacktrace>()
            .is_some_and(|bt| !bt.frames().is_empty()),
        limit: None,
    }
}
