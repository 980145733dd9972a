//! The host side of the resources protocol: a guest linked against a host
//! that defines `token` with wasmtime's resource APIs, and a live instance
//! of it that the runner drives call by call.
//!
//! The host's `token` is a host resource type (`ResourceType::host`) whose
//! representation is the token's id. The host keeps its own table of live
//! tokens, logs every constructor call and every run of the destructor
//! (which wasmtime calls when the last own handle is dropped, by the guest
//! or by the host), and answers `[method]token.id` and `see` from that
//! table: a borrow of a token that is not live is a protocol problem, logged
//! for the runner. Guest resources (`thing`) reach the host as
//! [`ResourceAny`] handles, which the runner keeps, passes back and drops
//! with [`ResourceAny::resource_drop`].

use super::world;
use crate::host::{GuestState, Host, HostError, error_text};
use std::collections::BTreeSet;
use wasmtime::component::{Component, Func, InstancePre, Resource, ResourceAny, ResourceType, Val};
use wasmtime::{Store, StoreContextMut, Trap};

/// The host's token representation type (the rep is the token's id).
pub struct TokenRep;

/// What the host records while a guest runs.
#[derive(Default)]
pub struct HostLog {
    /// Tokens made and not yet destroyed, by id.
    pub live_tokens: BTreeSet<u32>,
    /// Every token made, by id (for telling a double destructor from an
    /// unknown one).
    pub made_tokens: BTreeSet<u32>,
    /// Ids of the tokens whose destructor ran since the log was last taken.
    pub destroyed: Vec<u32>,
    /// Ids the guest's `[constructor]token` calls asked for, since last taken.
    pub constructed: Vec<u32>,
    /// Protocol problems seen in host functions, since last taken.
    pub problems: Vec<String>,
    /// A probe for the drop-while-borrowed step: the next `see` tries to
    /// drop this own handle and stores what happened in `probe_result`.
    pub drop_probe: Option<ResourceAny>,
    pub probe_result: Option<Result<(), String>>,
}

impl HostLog {
    /// Records a new token; a second token with a live id is a problem.
    fn make(&mut self, id: u32) {
        if !self.live_tokens.insert(id) {
            self.problems
                .push(format!("a second live token with id {id} was made"));
        }
        self.made_tokens.insert(id);
    }
}

pub type SessionState = GuestState<HostLog>;

/// Why a call or a host-side drop failed.
#[derive(Debug, Clone)]
pub struct CallError {
    /// The full message with its context chain.
    pub message: String,
    /// The innermost cause.
    pub root_cause: String,
    /// Whether the store is poisoned (a trap in wasm); later calls fail.
    pub trapped: bool,
    /// Ran out of fuel.
    pub out_of_fuel: bool,
}

impl CallError {
    fn from_wasmtime(e: &wasmtime::Error, trapped: bool) -> CallError {
        CallError {
            message: error_text(e),
            root_cause: e.root_cause().to_string(),
            trapped,
            out_of_fuel: matches!(e.downcast_ref::<Trap>(), Some(Trap::OutOfFuel)),
        }
    }
}

/// A resources guest, compiled and linked, ready to instantiate.
pub struct LinkedGuest<'h> {
    host: &'h Host,
    pre: InstancePre<SessionState>,
}

fn u32_param(params: &[Val], what: &str) -> wasmtime::Result<u32> {
    match params.first() {
        Some(Val::U32(v)) => Ok(*v),
        other => wasmtime::bail!("{what}: expected a u32 parameter, got {other:?}"),
    }
}

/// The id of the borrowed token in `params[0]`, after releasing the host's
/// entry for the borrow. A token that is not live is logged as a problem.
fn borrowed_token(
    store: &mut StoreContextMut<'_, SessionState>,
    params: &[Val],
    what: &str,
) -> wasmtime::Result<u32> {
    let Some(Val::Resource(any)) = params.first() else {
        wasmtime::bail!(
            "{what}: expected a borrowed token, got {:?}",
            params.first()
        );
    };
    if any.owned() {
        store.data_mut().data.problems.push(format!(
            "{what} received an own handle where the type says borrow"
        ));
    }
    let token: Resource<TokenRep> = any.try_into_resource(&mut *store)?;
    let id = token.rep();
    let log = &mut store.data_mut().data;
    if !log.live_tokens.contains(&id) {
        log.problems.push(format!(
            "{what} was given a borrow of token {id}, which is not live"
        ));
    }
    Ok(id)
}

impl<'h> LinkedGuest<'h> {
    /// Links `component` against WASI and the protocol's `host` interface.
    pub fn new(host: &'h Host, component: &Component) -> Result<Self, HostError> {
        let mut linker = host.linker::<HostLog>()?;
        let link_err = |e: wasmtime::Error| HostError::Link(error_text(&e));
        let mut iface = linker.instance(world::HOST).map_err(link_err)?;
        iface
            .resource(
                "token",
                ResourceType::host::<TokenRep>(),
                |mut store, rep| {
                    let log = &mut store.data_mut().data;
                    log.destroyed.push(rep);
                    log.live_tokens.remove(&rep);
                    Ok(())
                },
            )
            .map_err(link_err)?;
        iface
            .func_new("[constructor]token", |mut store, _ty, params, results| {
                let id = u32_param(params, "[constructor]token")?;
                let log = &mut store.data_mut().data;
                log.constructed.push(id);
                log.make(id);
                let own = Resource::<TokenRep>::new_own(id);
                results[0] = Val::Resource(ResourceAny::try_from_resource(own, &mut store)?);
                Ok(())
            })
            .map_err(link_err)?;
        iface
            .func_new("[method]token.id", |mut store, _ty, params, results| {
                results[0] = Val::U32(borrowed_token(&mut store, params, "[method]token.id")?);
                Ok(())
            })
            .map_err(link_err)?;
        iface
            .func_new("see", |mut store, _ty, params, results| {
                let id = borrowed_token(&mut store, params, "see")?;
                if let Some(own) = store.data_mut().data.drop_probe.take() {
                    let result = own.resource_drop(&mut store).map_err(|e| error_text(&e));
                    store.data_mut().data.probe_result = Some(result);
                }
                results[0] = Val::U32(id);
                Ok(())
            })
            .map_err(link_err)?;
        let pre = linker.instantiate_pre(component).map_err(link_err)?;
        Ok(LinkedGuest { host, pre })
    }

    /// A fresh instance in a fresh sandboxed store.
    pub fn instantiate(&self, seed: u64) -> Result<Session, HostError> {
        let mut store = self.host.store::<HostLog>(seed);
        let instance = self.pre.instantiate(&mut store).map_err(|e| {
            let out = store.data().captured_output();
            HostError::Instantiate(format!(
                "{}{}",
                error_text(&e),
                if out.trim().is_empty() {
                    String::new()
                } else {
                    format!("\nguest output:\n{out}")
                }
            ))
        })?;
        let api = instance
            .get_export_index(&mut store, None, world::API)
            .ok_or_else(|| HostError::MissingExport(world::API.into()))?;
        let mut funcs = Vec::new();
        for name in API_FUNCS {
            let func = instance
                .get_export_index(&mut store, Some(&api), name)
                .and_then(|idx| instance.get_func(&mut store, idx))
                .ok_or_else(|| HostError::MissingExport(format!("{}#{name}", world::API)))?;
            funcs.push((*name, func));
        }
        Ok(Session {
            store,
            funcs,
            config: self.host.config().clone(),
            trapped: false,
        })
    }
}

/// Every function of the `api` interface, by its export name.
pub const API_FUNCS: &[&str] = &[
    "[constructor]thing",
    "[method]thing.id",
    "[static]thing.make",
    "status",
    "hold",
    "hold-bundle",
    "take",
    "take-one",
    "take-bundle",
    "swap",
    "create",
    "release",
    "inspect",
    "inspect-things",
    "inspect-pair",
    "inspect-tuple",
    "poke",
    "misuse-use-after-drop",
    "misuse-double-drop",
    "misuse-keep-borrow",
    "stash-borrow",
    "misuse-use-stash",
    "misuse-reuse-slot",
];

/// A live guest instance.
pub struct Session {
    store: Store<SessionState>,
    funcs: Vec<(&'static str, Func)>,
    config: crate::host::HostConfig,
    trapped: bool,
}

impl Session {
    pub fn store(&mut self) -> &mut Store<SessionState> {
        &mut self.store
    }

    pub fn log(&mut self) -> &mut HostLog {
        &mut self.store.data_mut().data
    }

    /// Whether a trap poisoned the store.
    pub fn trapped(&self) -> bool {
        self.trapped
    }

    /// What the guest wrote to stdout and stderr so far.
    pub fn guest_output(&self) -> String {
        self.store.data().captured_output()
    }

    /// Calls `api.name(args)`; `results` is how many results it has (0 or 1).
    pub fn call(
        &mut self,
        name: &str,
        args: &[Val],
        results: usize,
    ) -> Result<Option<Val>, CallError> {
        let func = self
            .funcs
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, f)| *f)
            .unwrap_or_else(|| panic!("`{name}` is not a function of the resources protocol"));
        crate::host::deadline::begin_call(&mut self.store, &self.config);
        let mut out = vec![Val::Bool(false); results];
        match func.call(&mut self.store, args, &mut out) {
            Ok(()) => Ok(out.pop()),
            Err(e) => {
                // A trap in wasm poisons the whole store; an error raised
                // before the guest ran (lowering the arguments) does not.
                let trapped = e.downcast_ref::<Trap>().is_some()
                    || e.downcast_ref::<wasmtime::WasmBacktrace>().is_some();
                self.trapped |= trapped;
                Err(CallError::from_wasmtime(&e, trapped))
            }
        }
    }

    /// Drops a handle the host holds (running the destructor of an own
    /// handle's resource).
    pub fn drop_handle(&mut self, handle: ResourceAny) -> Result<(), CallError> {
        crate::host::deadline::begin_call(&mut self.store, &self.config);
        handle.resource_drop(&mut self.store).map_err(|e| {
            let trapped = e.downcast_ref::<Trap>().is_some()
                || e.downcast_ref::<wasmtime::WasmBacktrace>().is_some();
            self.trapped |= trapped;
            CallError::from_wasmtime(&e, trapped)
        })
    }

    /// A new own token made by the host, to pass to the guest.
    pub fn mint_token(&mut self, id: u32) -> ResourceAny {
        self.log().make(id);
        ResourceAny::try_from_resource(Resource::<TokenRep>::new_own(id), &mut self.store)
            .expect("a fresh host resource converts to ResourceAny")
    }
}
