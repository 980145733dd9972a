//! The echo protocol, host side.
//!
//! A guest implements every `api.f(args)` as `return upstream.f(args)`. The
//! host calls `api.f` with random arguments A; its `upstream.f` checks that
//! it received exactly A and answers a random result R; the host checks that
//! `api.f` returned exactly R. Every value crosses the boundary in all four
//! directions: host to guest (lowering A into the guest), guest to host
//! (lifting A out of the guest's import call), import result (lowering R into
//! the guest) and export result (lifting R out of the guest's return).
//!
//! A failure is reported at the [`Hop`] where it was first observed. A
//! divergence in the arguments is observed at the import, so it names
//! `guest->host import` (the two argument crossings cannot be told apart by
//! an echo alone); one in the result is observed at `export result`. A trap
//! is placed by when it happened: before the guest called `upstream`
//! (`host->guest`), after `upstream` returned while the guest was still on
//! the stack (`import result`), or after the guest returned, while its result
//! was lifted (`export result`).
//!
//! Resources of the world are the host's ([`super::handles`]): a handle in
//! a value is a host resource made for the call, the guest must pass on
//! exactly the handle it got (the value comparison sees any other) and
//! must have released every borrow by the end of the call (wasmtime traps
//! if not). A resource member is echoed like a function: the guest calls the
//! member, the host's import, instead of `upstream` (see
//! [`crate::ty::Member`]).
//!
//! Resources the guest defines ([`crate::ty::TypeDefKind::GuestResource`])
//! are made by the host for each call: a handle numbered `n` in the
//! arguments is a resource the host constructs with the resource's
//! constructor just before the call (its `upstream` echo answers the id
//! `n`), then moves into the guest (`own`) or lends it (`borrow`). The guest
//! forwards ids to `upstream`, so the value comparison checks that it
//! passed on the resource it got. Every destructor reports its id to
//! `upstream.<r>-destructor`, and the host checks at the [`Hop::Destructor`]
//! step that each resource was destroyed exactly once: those the guest was
//! given to own during the call, those it returned when the host drops
//! them (in order: their ids stand in the returned value, so one the guest
//! mixed up is a mismatch of the result), and those it was lent when the
//! host drops them after the call.

use super::{
    Compiled, GuestState, Host, HostConfig, HostError, Remote, deadline, error_text, output_note,
};
use super::{guest_resources, handles};
use crate::runtime::executor::{Crash, Ended, ImportAnswer};
use crate::ty::{CaseWorld, Member, TypeDefKind, TypeIndex};
use crate::value::{Divergence, compare};
use crate::wit_text;
use std::collections::HashMap;
use std::sync::Arc;
use wasmtime::component::types::ComponentFunc;
use wasmtime::component::{Func, InstancePre, Val};
use wasmtime::{Store, WasmBacktrace};
use witness_executor_protocol::{FailedStage, Limit, Reply};

/// Where in the round trip a failure was observed: one of the call
/// crossings of the pipeline's [`Stage`]s ([`Stage::is_call`]).
pub use crate::finding::Stage as Hop;

/// What went wrong in a call.
#[derive(Debug, Clone)]
pub enum FailureKind {
    /// A value arrived different from what was sent.
    Mismatch(Divergence),
    /// The call trapped (in the guest or in wasmtime's lifting/lowering).
    Trap { message: String, root_cause: String },
    /// The call ran out of fuel, time or memory: a limit of the sandbox,
    /// usually a hang or a leak in the guest. The message names the limit.
    Limit { message: String },
    /// The guest broke the echo protocol (did not call `upstream`, called it
    /// twice, or called another function).
    Protocol { message: String },
    /// A resource of the guest was destroyed twice, never, or when it
    /// should not have been, or could not be made.
    Lifetime { message: String },
    /// The runtime under test crashed or hung in its executor.
    Crash(Crash),
}

/// A failed call, with everything a finding needs.
#[derive(Debug, Clone)]
pub struct CallFailure {
    pub hop: Hop,
    pub kind: FailureKind,
    /// The arguments `upstream` received, if it was called.
    pub observed_args: Option<Vec<Val>>,
    /// What `api` returned, if it returned.
    pub observed_result: Option<Val>,
    /// The guest's stdout and stderr up to the failure.
    pub guest_output: String,
}

impl CallFailure {
    /// A one-line description.
    pub fn summary(&self) -> String {
        match &self.kind {
            FailureKind::Mismatch(d) => {
                format!(
                    "{}: {} at {}: sent {}, got {}",
                    self.hop,
                    d.kind.as_str(),
                    d.path,
                    d.expected,
                    d.actual
                )
            }
            FailureKind::Trap { root_cause, .. } => format!("{}: trap: {root_cause}", self.hop),
            FailureKind::Limit { message } => format!("{}: limit: {message}", self.hop),
            FailureKind::Protocol { message } => format!("{}: protocol: {message}", self.hop),
            FailureKind::Lifetime { message } => format!("{}: resource: {message}", self.hop),
            FailureKind::Crash(crash) => format!("{}: {}", self.hop, crash.class()),
        }
    }
}

/// The outcome of one echo call.
#[derive(Debug, Clone)]
pub enum CallOutcome {
    Passed,
    Failed(Box<CallFailure>),
}

/// A call of `upstream` the guest made.
#[derive(Debug, Clone)]
pub(super) struct UpstreamCall {
    pub(super) func: String,
    pub(super) args: Vec<Val>,
}

/// The host's side of the call in flight.
#[derive(Debug, Default)]
pub struct EchoState {
    /// The function being called and the result `upstream` must answer.
    pub(super) expected: Option<(String, Option<Val>)>,
    pub(super) seen: Vec<UpstreamCall>,
    /// The guest resources whose destructor ran (resource, id), in order.
    pub(super) destroyed: Vec<(TypeIndex, u32)>,
}

impl EchoState {
    /// `upstream.name(params)`: recorded, and answered with the result the
    /// host expects `api.name` to return (an error when the guest called
    /// another function than the one the host called).
    fn answer(&mut self, name: &str, params: &[Val]) -> Result<Option<Val>, String> {
        self.seen.push(UpstreamCall {
            func: name.to_string(),
            args: params.to_vec(),
        });
        let (expected, result) = self.expected.clone().unwrap_or_default();
        if expected != name {
            return Err(format!(
                "the guest called upstream `{name}` while the host called api `{expected}`"
            ));
        }
        Ok(result)
    }
}

/// A dynamic host function of an echo guest's linker.
trait HostImport:
    Fn(
        wasmtime::StoreContextMut<'_, GuestState<EchoState>>,
        ComponentFunc,
        &[Val],
        &mut [Val],
    ) -> wasmtime::Result<()>
    + Send
    + Sync
    + 'static
{
}

impl<F> HostImport for F where
    F: Fn(
            wasmtime::StoreContextMut<'_, GuestState<EchoState>>,
            ComponentFunc,
            &[Val],
            &mut [Val],
        ) -> wasmtime::Result<()>
        + Send
        + Sync
        + 'static
{
}

/// The host's import that echoes `api` function `echo` (its `upstream`
/// function, or the resource member it echoes): records the arguments with
/// their handles as numbers and answers the expected result, its handles
/// made into new host resources.
fn import(world: &Arc<CaseWorld>, echo: &str) -> impl HostImport {
    let world = Arc::clone(world);
    let name = echo.to_string();
    let func = world.funcs.iter().find(|f| f.name == echo).cloned();
    let resources = world.has_resources();
    move |mut store, _ty, params, results| {
        let func = func.as_ref().expect("an echo of the world");
        if !resources {
            let result = store
                .data_mut()
                .data
                .answer(&name, params)
                .map_err(wasmtime::Error::msg)?;
            if let (Some(slot), Some(result)) = (results.first_mut(), result) {
                *slot = result;
            }
            return Ok(());
        }
        let numbers = params
            .iter()
            .zip(&func.params)
            .map(|(v, p)| handles::to_numbers(&world, &p.ty, v, &mut store))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| wasmtime::Error::msg(format!("witness: the guest passed {e}")))?;
        let result = store
            .data_mut()
            .data
            .answer(&name, &numbers)
            .map_err(wasmtime::Error::msg)?;
        if let (Some(slot), Some(result), Some(ty)) =
            (results.first_mut(), result, func.result.as_ref())
        {
            let mut lent = Vec::new();
            *slot = handles::to_resources(&world, ty, &result, &mut store, &mut lent)
                .map_err(wasmtime::Error::msg)?;
        }
        Ok(())
    }
}

/// A compiled echo guest, linked and ready to instantiate.
pub struct EchoGuest<'h> {
    host: &'h Host,
    backend: GuestBackend,
    funcs: Vec<String>,
    world: Arc<CaseWorld>,
}

/// Where an echo guest runs.
enum GuestBackend {
    InProcess(InstancePre<GuestState<EchoState>>),
    Executor(Remote),
}

impl<'h> EchoGuest<'h> {
    /// Links `component` against WASI and a dynamic `upstream` with every
    /// function of `world`.
    pub fn new(host: &'h Host, component: &Compiled, world: &CaseWorld) -> Result<Self, HostError> {
        let funcs: Vec<String> = world.funcs.iter().map(|f| f.name.clone()).collect();
        let world = Arc::new(world.clone());
        let upstream_funcs: Vec<String> = world.upstream_funcs().map(|f| f.name.clone()).collect();
        let imports = vec![(wit_text::UPSTREAM.to_string(), upstream_funcs)];
        let exports: Vec<_> = funcs
            .iter()
            .map(|f| (Some(wit_text::API.to_string()), f.clone()))
            .collect();
        if !matches!(host.config().placement, super::Placement::InProcess) && world.has_resources()
        {
            return Err(HostError::Unsupported(
                "worlds with resources run in process only (wasmtime 48.0.8, no --isolate): \
                 the executor protocol carries no resource handles yet"
                    .into(),
            ));
        }
        if let Some(remote) = host.remote(component, imports, &exports)? {
            return Ok(EchoGuest {
                host,
                backend: GuestBackend::Executor(remote),
                funcs,
                world,
            });
        }
        let mut linker = host.linker::<EchoState>()?;
        let link_err = |e: wasmtime::Error| HostError::Link(error_text(&e));
        {
            let mut upstream = linker.instance(wit_text::UPSTREAM).map_err(link_err)?;
            for func in world.upstream_funcs() {
                upstream
                    .func_new(&func.name, import(&world, &func.name))
                    .map_err(link_err)?;
            }
            for g in world.guest_resources() {
                upstream
                    .func_new(
                        &Member::destructor_name(&world.def(g).name),
                        move |mut store, _ty, params, _results| {
                            let Some(Val::U32(id)) = params.first() else {
                                return Err(wasmtime::Error::msg(
                                    "witness: a destructor reported no id",
                                ));
                            };
                            store.data_mut().data.destroyed.push((g, *id));
                            Ok(())
                        },
                    )
                    .map_err(link_err)?;
            }
        }
        if world.has_resources() {
            let mut types = linker.instance(wit_text::TYPES).map_err(link_err)?;
            for (r, def) in world.types.iter().enumerate() {
                if !matches!(def.kind, TypeDefKind::Resource(_)) {
                    continue;
                }
                types
                    // A host resource holds nothing: its destructor has
                    // nothing to free.
                    .resource(&def.name, handles::resource_type(r), |_, _| Ok(()))
                    .map_err(link_err)?;
                for (member, echo) in world.members(r) {
                    types
                        .func_new(
                            &member.kind.import_name(&def.name, &member.name),
                            import(&world, &echo.name),
                        )
                        .map_err(link_err)?;
                }
            }
        }
        let pre = linker.instantiate_pre(component).map_err(link_err)?;
        Ok(EchoGuest {
            host,
            backend: GuestBackend::InProcess(pre),
            funcs,
            world,
        })
    }

    /// A fresh instance in a fresh sandboxed store.
    pub fn instantiate(&self, seed: u64) -> Result<EchoInstance, HostError> {
        let pre = match &self.backend {
            GuestBackend::InProcess(pre) => pre,
            GuestBackend::Executor(remote) => return self.instantiate_remote(remote, seed),
        };
        let mut store = self.host.store::<EchoState>(seed);
        let instance = pre.instantiate(&mut store).map_err(|e| {
            let limit = deadline::limit_reached(&e, store.data(), self.host.config())
                .map_or_else(String::new, |limit| {
                    format!("{}{limit}: ", deadline::INSTANTIATION_LIMIT_PREFIX)
                });
            HostError::Instantiate(format!(
                "{limit}{}{}",
                error_text(&e),
                output_note(&store.data().captured_output())
            ))
        })?;
        let api = instance
            .get_export_index(&mut store, None, wit_text::API)
            .ok_or_else(|| HostError::MissingExport(wit_text::API.into()))?;
        let mut funcs = HashMap::new();
        for name in &self.funcs {
            let export = self.world.api_export_name(name);
            let func = instance
                .get_export_index(&mut store, Some(&api), &export)
                .and_then(|idx| instance.get_func(&mut store, idx))
                .ok_or_else(|| HostError::MissingExport(format!("{}#{name}", wit_text::API)))?;
            funcs.insert(name.clone(), func);
        }
        let types = funcs
            .iter()
            .map(|(n, f)| (n.clone(), f.ty(&store)))
            .collect();
        Ok(EchoInstance {
            backend: InstanceBackend::InProcess { store, funcs },
            types,
            poisoned: false,
            config: self.host.config().clone(),
            resources: self.world.has_resources().then(|| Arc::clone(&self.world)),
        })
    }

    /// A fresh instance in the executor (the executor holds one at a time:
    /// instantiating another guest there ends this one's instance).
    fn instantiate_remote(&self, remote: &Remote, seed: u64) -> Result<EchoInstance, HostError> {
        let mut executor = remote.executor.lock().expect("executor");
        let mut unexpected = |iface: &str, func: &str, _: Vec<Val>| -> ImportAnswer {
            Err(format!(
                "the guest called `{iface}#{func}` while it was instantiated"
            ))
        };
        match executor.instantiate(&remote.load, seed, &remote.signatures, &mut unexpected)? {
            Ended::Reply(Reply::Instantiated) => {}
            Ended::Reply(Reply::Failed {
                stage,
                error,
                output,
            }) => {
                // An instantiation stopped by a limit says so first, as the
                // in-process host words it.
                let message = match (stage, error.limit) {
                    (FailedStage::Instantiate, limit) => format!(
                        "{}{}{}",
                        limit.map_or_else(String::new, |l| format!(
                            "{}{}: ",
                            deadline::INSTANTIATION_LIMIT_PREFIX,
                            limit_message(l, self.host.config(), true)
                        )),
                        error.message,
                        output_note(&output)
                    ),
                    _ => error.message,
                };
                return Err(HostError::of_failed(stage, message));
            }
            Ended::Died(crash) => return Err(HostError::Crash(crash)),
            Ended::Reply(other) => return Err(executor.unexpected(&other).into()),
        }
        let types = self
            .funcs
            .iter()
            .filter_map(|f| {
                remote
                    .signatures
                    .export(Some(wit_text::API), f)
                    .map(|t| (f.clone(), t.clone()))
            })
            .collect();
        Ok(EchoInstance {
            backend: InstanceBackend::Executor {
                remote: remote.clone(),
                output: String::new(),
            },
            types,
            poisoned: false,
            config: self.host.config().clone(),
            resources: self.world.has_resources().then(|| Arc::clone(&self.world)),
        })
    }
}

/// The message of a limit reported by an executor, as the in-process host
/// words it ([`deadline::limit_reached`]).
fn limit_message(limit: Limit, config: &HostConfig, instantiation: bool) -> String {
    match limit {
        Limit::Fuel => "all fuel consumed (the guest ran too long)".into(),
        Limit::Deadline => deadline::deadline_message(if instantiation {
            config.instantiation_deadline
        } else {
            config.deadline
        }),
        Limit::Memory => deadline::memory_limit_message(config.memory_limit),
    }
}

/// A live echo guest.
pub struct EchoInstance {
    backend: InstanceBackend,
    /// The type of each `api` function.
    types: HashMap<String, ComponentFunc>,
    poisoned: bool,
    config: HostConfig,
    /// The world when it has resources (its calls' handles are
    /// numbered and made into host resources); `None` when it has none.
    resources: Option<Arc<CaseWorld>>,
}

enum InstanceBackend {
    InProcess {
        store: Store<GuestState<EchoState>>,
        funcs: HashMap<String, Func>,
    },
    Executor {
        remote: Remote,
        /// The guest's output as of the last call.
        output: String,
    },
}

/// How a call ended, before the echo is judged.
enum CallEnd {
    Returned(Option<Val>),
    Failed {
        kind: FailureKind,
        wasm_frames: bool,
    },
}

impl EchoInstance {
    /// Whether a call failed in a way that leaves the instance unusable (any
    /// trap): the caller should instantiate a new one.
    pub fn is_poisoned(&self) -> bool {
        self.poisoned
    }

    /// Calls `api.func(args)` with `upstream.func` answering `result`, and
    /// checks both crossings.
    pub fn call(&mut self, func: &str, args: &[Val], result: Option<&Val>) -> CallOutcome {
        if !self.types.contains_key(func) {
            return self.fail(
                Hop::HostToGuest,
                FailureKind::Protocol {
                    message: format!("no api function `{func}`"),
                },
                None,
            );
        }
        // In a world with resources, handles get their numbers here,
        // whatever the caller wrote; other worlds' values are used as given.
        let resources = self.resources.clone();
        // The world and the echo being called, in a world with resources.
        let echo = resources
            .as_deref()
            .and_then(|w| w.funcs.iter().find(|f| f.name == func).map(|f| (w, f)));
        let numbered = echo.map(|(world, echo)| {
            let mut args = args.to_vec();
            let mut result = result.cloned();
            handles::number_call(world, echo, &mut args, result.as_mut());
            (args, result)
        });
        let (args, result) = match &numbered {
            Some((args, result)) => (&args[..], result.as_ref()),
            None => (args, result),
        };
        // What went wrong with the guest's resources, once the call returned.
        let mut lifetime = None;
        let (end, seen) = match &mut self.backend {
            InstanceBackend::InProcess { store, funcs } => {
                let f = funcs[func];
                let mut lent = Vec::new();
                let real_args = match echo {
                    Some((world, echo)) => args
                        .iter()
                        .zip(&echo.params)
                        .map(|(v, p)| {
                            handles::to_resources(world, &p.ty, v, &mut *store, &mut lent)
                        })
                        .collect::<Result<Vec<_>, _>>()
                        .map(std::borrow::Cow::Owned),
                    None => Ok(std::borrow::Cow::Borrowed(args)),
                };
                let mut real_args = match real_args {
                    Ok(a) => a,
                    Err(message) => {
                        return self.fail(
                            Hop::HostToGuest,
                            FailureKind::Protocol {
                                message: format!(
                                    "witness could not make the host resources: {message}"
                                ),
                            },
                            None,
                        );
                    }
                };
                deadline::begin_call(store, &self.config);
                // The guest's own resources for the arguments, made now.
                let guest = echo.filter(|(w, _)| w.has_guest_resources());
                let objects = match guest {
                    Some((world, echo)) => {
                        match guest_resources::place(store, funcs, world, echo, real_args.to_mut())
                        {
                            Ok(objects) => Some(objects),
                            Err(trouble) => {
                                for any in lent {
                                    let _ = any.resource_drop(&mut *store);
                                }
                                self.poisoned |= trouble.trapped;
                                return self.fail(
                                    Hop::HostToGuest,
                                    FailureKind::Lifetime {
                                        message: trouble.message,
                                    },
                                    None,
                                );
                            }
                        }
                    }
                    None => None,
                };
                {
                    let state = &mut store.data_mut().data;
                    state.expected = Some((func.to_string(), result.cloned()));
                    state.seen.clear();
                    state.destroyed.clear();
                }
                let mut results = vec![Val::Bool(false); usize::from(result.is_some())];
                let outcome = f.call(&mut *store, &real_args, &mut results);
                let seen = std::mem::take(&mut store.data_mut().data.seen);
                let mut end = match outcome {
                    Ok(()) => match (
                        results.into_iter().next(),
                        echo.and_then(|(w, e)| Some((w, e.result.as_ref()?))),
                    ) {
                        (Some(v), Some((world, ty))) => {
                            match handles::to_numbers(world, ty, &v, &mut *store) {
                                Ok(v) => CallEnd::Returned(Some(v)),
                                Err(e) => CallEnd::Failed {
                                    kind: FailureKind::Protocol {
                                        message: format!("the guest returned {e}"),
                                    },
                                    wasm_frames: false,
                                },
                            }
                        }
                        (v, _) => CallEnd::Returned(v),
                    },
                    Err(e) => CallEnd::Failed {
                        kind: classify_error(&e, store.data(), &self.config),
                        wasm_frames: e
                            .downcast_ref::<WasmBacktrace>()
                            .is_some_and(|bt| !bt.frames().is_empty()),
                    },
                };
                // The host takes back what it lent.
                for any in lent {
                    let _ = any.resource_drop(&mut *store);
                }
                // The destructors of the guest's resources, once the call
                // returned (after a trap the instance is gone).
                if let (Some((world, echo)), Some(objects), CallEnd::Returned(value)) =
                    (guest, objects, &mut end)
                {
                    let planned = result;
                    let result = echo.result.as_ref().zip(value.as_mut());
                    if let Some(trouble) =
                        guest_resources::settle(store, world, objects, result, planned)
                    {
                        self.poisoned |= trouble.trapped;
                        lifetime = Some(trouble.message);
                    }
                }
                (end, seen)
            }
            InstanceBackend::Executor { remote, output } => {
                let mut state = EchoState {
                    expected: Some((func.to_string(), result.cloned())),
                    ..EchoState::default()
                };
                let end = call_remote(remote, output, &mut state, func, args, &self.config);
                (end, state.seen)
            }
        };
        // The values first: a value that went wrong is the finding, and a
        // destructor problem after it may be its consequence.
        match (self.judge(func, args, result, end, seen), lifetime) {
            (CallOutcome::Passed, Some(message)) => {
                self.fail(Hop::Destructor, FailureKind::Lifetime { message }, None)
            }
            (outcome, _) => outcome,
        }
    }

    /// The echo's verdict on a call that ended with `end`, `upstream`
    /// having seen `seen`.
    fn judge(
        &mut self,
        func: &str,
        args: &[Val],
        result: Option<&Val>,
        end: CallEnd,
        seen: Vec<UpstreamCall>,
    ) -> CallOutcome {
        let observed_args = seen.first().map(|c| c.args.clone());
        // The arguments, as far as `upstream` saw them.
        let arg_divergence = seen.first().and_then(|call| {
            if call.func != func {
                return None;
            }
            args.iter()
                .zip(&call.args)
                .zip(self.param_names(func, args.len()))
                .find_map(|((sent, got), name)| compare(&name, sent, got).err())
        });

        match end {
            CallEnd::Failed { kind, wasm_frames } => {
                self.poisoned = true;
                let hop = if seen.is_empty() {
                    Hop::HostToGuest
                } else if let Some(d) = arg_divergence {
                    // The divergence came first; the trap is its consequence.
                    return self.fail(
                        Hop::GuestToHostImport,
                        FailureKind::Mismatch(d),
                        observed_args,
                    );
                } else if wasm_frames {
                    Hop::ImportResult
                } else {
                    Hop::ExportResult
                };
                self.fail(hop, kind, observed_args)
            }
            CallEnd::Returned(observed_result) => {
                let failure = if seen.is_empty() {
                    Some((
                        Hop::HostToGuest,
                        FailureKind::Protocol {
                            message: format!(
                                "api `{func}` returned without calling upstream `{func}`"
                            ),
                        },
                    ))
                } else if seen.len() > 1 {
                    Some((
                        Hop::GuestToHostImport,
                        FailureKind::Protocol {
                            message: format!("api `{func}` called upstream {} times", seen.len()),
                        },
                    ))
                } else if let Some(d) = arg_divergence {
                    Some((Hop::GuestToHostImport, FailureKind::Mismatch(d)))
                } else if let (Some(sent), Some(got)) = (result, observed_result.as_ref()) {
                    compare("result", sent, got)
                        .err()
                        .map(|d| (Hop::ExportResult, FailureKind::Mismatch(d)))
                } else {
                    None
                };
                match failure {
                    None => CallOutcome::Passed,
                    Some((hop, kind)) => {
                        let mut out = self.fail(hop, kind, observed_args);
                        if let CallOutcome::Failed(f) = &mut out {
                            f.observed_result = observed_result;
                        }
                        out
                    }
                }
            }
        }
    }

    fn param_names(&self, func: &str, n: usize) -> Vec<String> {
        let names: Vec<String> = self
            .types
            .get(func)
            .map(|ty| ty.params().map(|(name, _)| name.to_string()).collect())
            .unwrap_or_default();
        if names.len() == n {
            names
        } else {
            (0..n).map(|i| format!("arg{i}")).collect()
        }
    }

    /// What the guest wrote to stdout and stderr so far.
    fn output(&self) -> String {
        match &self.backend {
            InstanceBackend::InProcess { store, .. } => store.data().captured_output(),
            InstanceBackend::Executor { output, .. } => output.clone(),
        }
    }

    fn fail(
        &mut self,
        hop: Hop,
        kind: FailureKind,
        observed_args: Option<Vec<Val>>,
    ) -> CallOutcome {
        CallOutcome::Failed(Box::new(CallFailure {
            hop,
            kind,
            observed_args,
            observed_result: None,
            guest_output: self.output(),
        }))
    }

    /// The size of the instance's linear memories, in bytes; `None` in an
    /// executor (which does not report it).
    pub fn linear_memory_bytes(&self) -> Option<u64> {
        match &self.backend {
            InstanceBackend::InProcess { store, .. } => {
                Some(store.data().linear_memory_bytes() as u64)
            }
            InstanceBackend::Executor { .. } => None,
        }
    }

    /// The wasmtime function type of an `api` function (for reading WAVE).
    pub fn func_type(&self, func: &str) -> Option<ComponentFunc> {
        self.types.get(func).cloned()
    }
}

/// One call in the executor: `upstream` answered by `state`.
fn call_remote(
    remote: &Remote,
    output: &mut String,
    state: &mut EchoState,
    func: &str,
    args: &[Val],
    config: &HostConfig,
) -> CallEnd {
    let mut executor = remote.executor.lock().expect("executor");
    let mut answer = |_: &str, name: &str, params: Vec<Val>| -> ImportAnswer {
        state.answer(name, &params).map(|r| r.into_iter().collect())
    };
    let broken = |message: String| CallEnd::Failed {
        kind: FailureKind::Protocol {
            message: format!("the executor: {message}"),
        },
        wasm_frames: false,
    };
    let ended = executor.call(
        &remote.load,
        Some(wit_text::API),
        func,
        args,
        &remote.signatures,
        &mut answer,
    );
    match ended {
        Err(e) => broken(e.to_string()),
        Ok(Ended::Reply(Reply::Returned { results, output: o })) => {
            *output = o;
            match executor.results(&remote.signatures, Some(wit_text::API), func, &results) {
                Ok(mut values) => CallEnd::Returned(values.pop()),
                Err(e) => broken(e.to_string()),
            }
        }
        Ok(Ended::Reply(Reply::Trapped { error, output: o })) => {
            *output = o;
            let kind = match error.limit {
                Some(limit) => FailureKind::Limit {
                    message: limit_message(limit, config, false),
                },
                None => FailureKind::Trap {
                    message: error.message,
                    root_cause: error.root_cause,
                },
            };
            CallEnd::Failed {
                kind,
                wasm_frames: error.wasm_frames,
            }
        }
        Ok(Ended::Died(crash)) => CallEnd::Failed {
            kind: FailureKind::Crash(crash),
            wasm_frames: false,
        },
        Ok(Ended::Reply(other)) => broken(format!("an unexpected reply to a call: {other:?}")),
    }
}

/// Splits an error into a trap or a limit (see [`deadline::limit_reached`]).
fn classify_error<D>(
    e: &wasmtime::Error,
    state: &GuestState<D>,
    config: &HostConfig,
) -> FailureKind {
    match deadline::limit_reached(e, state, config) {
        Some(message) => FailureKind::Limit { message },
        None => FailureKind::Trap {
            message: error_text(e),
            root_cause: e.root_cause().to_string(),
        },
    }
}

#[cfg(test)]
pub(crate) mod tests {
    //! Hand-written WAT guests that break the echo in each possible way: the
    //! oracle must report each at the right hop.

    use super::*;
    use crate::disk::Cache;
    use crate::host::HostConfig;
    use crate::ty::{Func, Param, Ty};

    /// `f: func(x: u32) -> u32` with the given core body for the export (it
    /// can call `$up` = the lowered `upstream.f`).
    pub(crate) fn u32_guest(body: &str) -> String {
        format!(
            r#"(component
              (import "witness:case/upstream" (instance $up
                (export "f" (func (param "x" u32) (result u32)))))
              (core func $up_f (canon lower (func $up "f")))
              (core module $m
                (import "up" "f" (func $up (param i32) (result i32)))
                (func (export "f") (param i32) (result i32) {body}))
              (core instance $i (instantiate $m (with "up" (instance (export "f" (func $up_f))))))
              (func $api_f (param "x" u32) (result u32) (canon lift (core func $i "f")))
              (instance $api (export "f" (func $api_f)))
              (export "witness:case/api" (instance $api)))"#
        )
    }

    pub(crate) fn u32_world() -> CaseWorld {
        CaseWorld {
            types: vec![],
            funcs: vec![Func {
                name: "f".into(),
                params: vec![Param {
                    name: "x".into(),
                    ty: Ty::U32,
                }],
                result: Some(Ty::U32),
            }],
        }
    }

    fn call(
        wat: &str,
        world: &CaseWorld,
        args: &[Val],
        result: Option<&Val>,
    ) -> (CallOutcome, bool) {
        let cache = Cache::at(tempfile::tempdir().unwrap().keep());
        let host = Host::new(HostConfig::default(), &cache).unwrap();
        let component = host.compile(wat.as_bytes()).unwrap();
        let guest = EchoGuest::new(&host, &component, world).unwrap();
        let mut instance = guest.instantiate(7).unwrap();
        let outcome = instance.call(&world.funcs[0].name, args, result);
        (outcome, instance.is_poisoned())
    }

    fn failure(outcome: CallOutcome) -> CallFailure {
        match outcome {
            CallOutcome::Failed(f) => *f,
            CallOutcome::Passed => panic!("the broken guest passed"),
        }
    }

    #[test]
    fn a_faithful_guest_passes() {
        let (outcome, _) = call(
            &u32_guest("local.get 0 call $up"),
            &u32_world(),
            &[Val::U32(5)],
            Some(&Val::U32(9)),
        );
        assert!(matches!(outcome, CallOutcome::Passed), "{outcome:?}");
    }

    #[test]
    fn an_altered_argument_is_seen_at_the_import() {
        let wat = u32_guest("local.get 0 i32.const 1 i32.xor call $up");
        let f = failure(call(&wat, &u32_world(), &[Val::U32(5)], Some(&Val::U32(9))).0);
        assert_eq!(f.hop, Hop::GuestToHostImport);
        let FailureKind::Mismatch(d) = &f.kind else {
            panic!("{f:?}")
        };
        assert!(d.path.starts_with('x'), "{}", d.path);
        assert_eq!(f.observed_args, Some(vec![Val::U32(4)]));
    }

    #[test]
    fn an_altered_result_is_seen_at_the_export_result() {
        let wat = u32_guest("local.get 0 call $up i32.const 1 i32.add");
        let f = failure(call(&wat, &u32_world(), &[Val::U32(5)], Some(&Val::U32(9))).0);
        assert_eq!(f.hop, Hop::ExportResult);
        let FailureKind::Mismatch(d) = &f.kind else {
            panic!("{f:?}")
        };
        assert!(d.path.starts_with("result"), "{}", d.path);
        assert_eq!(f.observed_result, Some(Val::U32(10)));
    }

    #[test]
    fn a_trap_before_the_import_is_host_to_guest_and_poisons_the_instance() {
        let (outcome, poisoned) = call(
            &u32_guest("unreachable"),
            &u32_world(),
            &[Val::U32(5)],
            Some(&Val::U32(9)),
        );
        let f = failure(outcome);
        assert_eq!(f.hop, Hop::HostToGuest);
        assert!(
            matches!(&f.kind, FailureKind::Trap { root_cause, .. } if root_cause.contains("unreachable")),
            "{f:?}"
        );
        assert!(poisoned);
    }

    #[test]
    fn a_trap_after_the_import_returned_is_the_import_result() {
        let wat = u32_guest("local.get 0 call $up drop unreachable");
        let f = failure(call(&wat, &u32_world(), &[Val::U32(5)], Some(&Val::U32(9))).0);
        assert_eq!(f.hop, Hop::ImportResult, "{f:?}");
    }

    #[test]
    fn a_guest_that_skips_the_import_breaks_the_protocol() {
        let f = failure(
            call(
                &u32_guest("i32.const 9"),
                &u32_world(),
                &[Val::U32(5)],
                Some(&Val::U32(9)),
            )
            .0,
        );
        assert_eq!(f.hop, Hop::HostToGuest);
        assert!(matches!(f.kind, FailureKind::Protocol { .. }), "{f:?}");
    }

    #[test]
    fn an_invalid_result_is_a_trap_at_the_export_result() {
        // `g: func() -> string` returning a string that runs past the end of
        // memory: wasmtime must refuse to lift it after the guest returned.
        let wat = r#"(component
              (import "witness:case/upstream" (instance $up
                (export "g" (func (result string)))))
              (core module $mem (memory (export "memory") 1)
                (func (export "realloc") (param i32 i32 i32 i32) (result i32) i32.const 64))
              (core instance $mi (instantiate $mem))
              (core func $up_g (canon lower (func $up "g") (memory (core memory $mi "memory")) (realloc (core func $mi "realloc"))))
              (core module $m
                (import "up" "g" (func $up (param i32)))
                (import "mem" "memory" (memory 1))
                (func (export "g") (result i32)
                  i32.const 16 call $up
                  i32.const 16 i32.const 65000 i32.store
                  i32.const 20 i32.const 4096 i32.store
                  i32.const 16))
              (core instance $i (instantiate $m (with "up" (instance (export "g" (func $up_g))))
                                              (with "mem" (instance $mi))))
              (func $api_g (result string) (canon lift (core func $i "g") (memory (core memory $mi "memory"))))
              (instance $api (export "g" (func $api_g)))
              (export "witness:case/api" (instance $api)))"#;
        let world = CaseWorld {
            types: vec![],
            funcs: vec![Func {
                name: "g".into(),
                params: vec![],
                result: Some(Ty::String),
            }],
        };
        let f = failure(call(wat, &world, &[], Some(&Val::String("hi".into()))).0);
        assert_eq!(f.hop, Hop::ExportResult, "{f:?}");
        let FailureKind::Trap { root_cause, .. } = &f.kind else {
            panic!("{f:?}")
        };
        assert!(root_cause.contains("out of bounds"), "{root_cause}");
    }

    #[test]
    fn fuel_stops_a_runaway_guest() {
        let wat = u32_guest("(loop $l br $l) i32.const 0");
        let cache = Cache::at(tempfile::tempdir().unwrap().keep());
        let host = Host::new(
            HostConfig {
                fuel_per_call: 1_000_000,
                ..HostConfig::default()
            },
            &cache,
        )
        .unwrap();
        let component = host.compile(wat.as_bytes()).unwrap();
        let world = u32_world();
        let guest = EchoGuest::new(&host, &component, &world).unwrap();
        let mut instance = guest.instantiate(1).unwrap();
        let f = failure(instance.call("f", &[Val::U32(1)], Some(&Val::U32(2))));
        assert!(
            matches!(&f.kind, FailureKind::Limit { message } if message.contains("fuel")),
            "{f:?}"
        );
    }

    /// A host with a huge fuel budget and a short deadline, so that only
    /// the deadline can stop a runaway guest.
    fn deadline_host(deadline: std::time::Duration) -> Host {
        let cache = Cache::at(tempfile::tempdir().unwrap().keep());
        let config = HostConfig {
            fuel_per_call: u64::MAX / 2,
            deadline,
            ..HostConfig::default()
        };
        Host::new(config, &cache).unwrap()
    }

    #[test]
    fn the_wall_clock_deadline_stops_a_busy_loop_and_the_next_instance_passes() {
        let host = deadline_host(std::time::Duration::from_millis(500));
        let world = u32_world();
        let looping = host
            .compile(u32_guest("(loop $l br $l) i32.const 0").as_bytes())
            .unwrap();
        let guest = EchoGuest::new(&host, &looping, &world).unwrap();
        let mut instance = guest.instantiate(1).unwrap();
        let started = std::time::Instant::now();
        let f = failure(instance.call("f", &[Val::U32(1)], Some(&Val::U32(2))));
        let FailureKind::Limit { message } = &f.kind else {
            panic!("{f:?}")
        };
        assert_eq!(message, "wall-clock deadline of 500 ms exceeded");
        assert!(instance.is_poisoned());
        assert!(started.elapsed() < std::time::Duration::from_secs(60));
        // The next call, on a fresh instance of a faithful guest, passes:
        // the deadline is per call.
        let faithful = host
            .compile(u32_guest("local.get 0 call $up").as_bytes())
            .unwrap();
        let guest = EchoGuest::new(&host, &faithful, &world).unwrap();
        let mut instance = guest.instantiate(2).unwrap();
        for _ in 0..3 {
            let outcome = instance.call("f", &[Val::U32(1)], Some(&Val::U32(2)));
            assert!(matches!(outcome, CallOutcome::Passed), "{outcome:?}");
        }
    }

    /// `f` that grows its memory by `pages` before the echo, and traps
    /// with `unreachable` (as a guest's allocator does) if that fails.
    fn growing_guest(pages: u32) -> String {
        format!(
            r#"(component
              (import "witness:case/upstream" (instance $up
                (export "f" (func (param "x" u32) (result u32)))))
              (core func $up_f (canon lower (func $up "f")))
              (core module $m
                (import "up" "f" (func $up (param i32) (result i32)))
                (memory 1)
                (func (export "f") (param i32) (result i32)
                  i32.const {pages} memory.grow i32.const -1 i32.eq
                  if unreachable end
                  local.get 0 call $up))
              (core instance $i (instantiate $m (with "up" (instance (export "f" (func $up_f))))))
              (func $api_f (param "x" u32) (result u32) (canon lift (core func $i "f")))
              (instance $api (export "f" (func $api_f)))
              (export "witness:case/api" (instance $api)))"#
        )
    }

    #[test]
    fn memory_growth_past_the_cap_is_a_limit_naming_it_not_an_unreachable_trap() {
        let cache = Cache::at(tempfile::tempdir().unwrap().keep());
        let config = HostConfig {
            memory_limit: 2 << 20,
            ..HostConfig::default()
        };
        let host = Host::new(config, &cache).unwrap();
        let world = u32_world();
        // 1 + 100 pages is past 2 MiB (32 pages): the growth is refused.
        let greedy = host.compile(growing_guest(100).as_bytes()).unwrap();
        let guest = EchoGuest::new(&host, &greedy, &world).unwrap();
        let f = failure(guest.instantiate(1).unwrap().call(
            "f",
            &[Val::U32(1)],
            Some(&Val::U32(2)),
        ));
        let FailureKind::Limit { message } = &f.kind else {
            panic!("{f:?}")
        };
        assert_eq!(message, "linear memory limit of 2 MiB reached");
        // Growth within the cap passes, and an `unreachable` with no refused
        // growth before it is still a trap.
        let modest = host.compile(growing_guest(10).as_bytes()).unwrap();
        let guest = EchoGuest::new(&host, &modest, &world).unwrap();
        let outcome = guest
            .instantiate(1)
            .unwrap()
            .call("f", &[Val::U32(1)], Some(&Val::U32(2)));
        assert!(matches!(outcome, CallOutcome::Passed), "{outcome:?}");
        let (outcome, _) = call(
            &u32_guest("unreachable"),
            &world,
            &[Val::U32(5)],
            Some(&Val::U32(9)),
        );
        assert!(matches!(failure(outcome).kind, FailureKind::Trap { .. }));
    }

    #[test]
    fn an_instantiation_that_never_ends_is_stopped_by_its_deadline_as_a_limit() {
        let cache = Cache::at(tempfile::tempdir().unwrap().keep());
        let config = HostConfig {
            fuel_per_call: u64::MAX / 2,
            instantiation_deadline: std::time::Duration::from_millis(300),
            ..HostConfig::default()
        };
        let host = Host::new(config, &cache).unwrap();
        // The echo guest, plus a core start function that never returns.
        let wat = u32_guest("local.get 0 call $up").replace(
            "(func (export \"f\")",
            "(func $spin (loop $l br $l)) (start $spin) (func (export \"f\")",
        );
        let component = host.compile(wat.as_bytes()).unwrap();
        let guest = EchoGuest::new(&host, &component, &u32_world()).unwrap();
        let Err(HostError::Instantiate(message)) = guest.instantiate(1) else {
            panic!("the instantiation ended")
        };
        assert!(
            message.starts_with("limit: wall-clock deadline of 300 ms exceeded"),
            "{message}"
        );
        assert_eq!(
            deadline::instantiation_failure_kind(&message),
            crate::finding::Kind::Limit
        );
        assert_eq!(
            deadline::instantiation_failure_kind("wasm trap: unreachable"),
            crate::finding::Kind::Trap
        );
    }
}
