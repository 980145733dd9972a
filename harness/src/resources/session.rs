//! The host side of the resources protocol: a guest linked against a host
//! that defines `token`, and a live instance of it that the runner drives
//! call by call, in process (wasmtime 48.0.8) or in an executor of the
//! runtime under test.
//!
//! Either way the runner speaks in the executor protocol's value trees
//! ([`Node`]), whose resource handles are [`Handle`]s: a handle that
//! reached the host is named by its slot in a table of the instance (slots
//! are never reused, so a handle given away or dropped stays nameable, as a
//! stale handle), and a new token the host makes is `Handle::New`. In
//! process the table is the executor's own source
//! ([`crate::runtime::handles`]) run against witness's engine, so both
//! places mean the same by every handle.
//!
//! The host's `token` is host resource type 0 ([`TOKEN`]), whose
//! representation is the token's id. [`HostLog`] answers the `host`
//! interface's functions (`[constructor]token`, `[method]token.id`, `see`)
//! in both places, keeps the table of live tokens and logs every
//! constructor call and every destructor run: a borrow of a token that is
//! not live is a protocol problem, logged for the runner.
//!
//! A runtime that crashes or hangs in its executor ends the call with a
//! [`CallError`] that carries the [`Crash`]; a broken executor (witness's
//! problem, not a finding) is kept for the runner to stop on.

use super::world;
use crate::host::{Compiled, GuestState, Host, HostConfig, HostError, error_text, output_note};
use crate::runtime::executor::{Answered, Crash, Ended, Executor, LoadRequest, Peer};
use crate::runtime::handles::HandleTable;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use wasmtime::component::types::ComponentFunc;
use wasmtime::component::{Func, InstancePre, Val};
use wasmtime::{AsContextMut, Store, StoreContextMut, Trap};
use witness_executor_protocol::{ErrorInfo, Handle, Limit, Node, Reply, Request, Value};

/// The host's resource type number of `token`, its only one.
pub const TOKEN: u32 = 0;

/// The functions of the `host` interface, which the host answers.
pub const HOST_FUNCS: &[&str] = &["[constructor]token", "[method]token.id", "see"];

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
    /// A probe for the drop-while-borrowed step: the next `see` drops this
    /// own handle before it answers and stores what happened in
    /// `probe_result`.
    pub drop_probe: Option<Handle>,
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

    /// The destructor of the token with this id ran.
    fn destroy(&mut self, id: u32) {
        self.destroyed.push(id);
        self.live_tokens.remove(&id);
    }

    /// The id of the borrowed token `arg`. A token that is not live, or an
    /// own handle where the type says borrow, is logged as a problem.
    fn borrowed_token(&mut self, arg: Option<&Node>, what: &str) -> Result<u32, String> {
        let id = match arg {
            Some(Node::Handle(Handle::Slot {
                own: false,
                resource: Some(TOKEN),
                rep: Some(id),
                ..
            })) => *id,
            Some(Node::Handle(Handle::Slot { own: true, .. })) => {
                let problem = format!("{what} received an own handle where the type says borrow");
                self.problems.push(problem.clone());
                return Err(problem);
            }
            other => return Err(format!("{what}: expected a borrowed token, got {other:?}")),
        };
        if !self.live_tokens.contains(&id) {
            self.problems.push(format!(
                "{what} was given a borrow of token {id}, which is not live"
            ));
        }
        Ok(id)
    }

    /// The answer to a call of the `host` interface's `func`: its results
    /// (or the message the call fails with), and a handle to drop inside
    /// the call before it returns (the drop probe, at `see`).
    pub fn answer(&mut self, func: &str, args: &[Node]) -> Answer {
        let mut drop_first = None;
        let results = match func {
            "[constructor]token" => match args.first() {
                Some(Node::U32(id)) => {
                    self.constructed.push(*id);
                    self.make(*id);
                    Ok(vec![Node::Handle(Handle::New {
                        resource: TOKEN,
                        rep: *id,
                    })])
                }
                other => Err(format!(
                    "[constructor]token: expected a u32 parameter, got {other:?}"
                )),
            },
            "[method]token.id" => self
                .borrowed_token(args.first(), func)
                .map(|id| vec![Node::U32(id)]),
            "see" => self.borrowed_token(args.first(), func).map(|id| {
                drop_first = self.drop_probe.take();
                vec![Node::U32(id)]
            }),
            other => Err(format!("the host has no function `{other}`")),
        };
        Answer {
            results,
            drop_first,
        }
    }
}

/// An answer of the host: see [`HostLog::answer`].
pub struct Answer {
    pub results: Result<Vec<Node>, String>,
    pub drop_first: Option<Handle>,
}

/// In an executor, the host's log is the parent's side of every exchange.
impl Peer for HostLog {
    fn import(&mut self, _interface: &str, func: &str, args: Vec<Value>) -> Answered {
        let args: Result<Vec<Node>, String> = args
            .into_iter()
            .map(|v| match v {
                Value::Tree(node) => Ok(node),
                other => Err(format!("witness: a tree was asked for, got {other:?}")),
            })
            .collect();
        let answer = match args {
            Ok(args) => self.answer(func, &args),
            Err(message) => Answer {
                results: Err(message),
                drop_first: None,
            },
        };
        Answered {
            results: answer
                .results
                .map(|nodes| nodes.into_iter().map(Value::Tree).collect()),
            drop_first: match answer.drop_first {
                Some(Handle::Slot { slot, .. }) => Some(slot),
                _ => None,
            },
        }
    }

    fn dropped(&mut self, error: Option<ErrorInfo>) {
        self.probe_result = Some(error.map_or(Ok(()), |e| Err(e.message)));
    }

    fn destructor(&mut self, resource: u32, rep: u32) {
        if resource == TOKEN {
            self.destroy(rep);
        } else {
            self.problems.push(format!(
                "a destructor ran for host resource type {resource}"
            ));
        }
    }
}

/// What an in-process store holds: the log and the table of handles.
pub struct InProcessData {
    log: HostLog,
    table: HandleTable,
}

impl Default for InProcessData {
    fn default() -> Self {
        InProcessData {
            log: HostLog::default(),
            table: HandleTable::new(1, true),
        }
    }
}

pub type SessionState = GuestState<InProcessData>;

/// Why a call or a host-side drop failed.
#[derive(Debug, Clone)]
pub struct CallError {
    /// The full message with its context chain.
    pub message: String,
    /// The innermost cause.
    pub root_cause: String,
    /// Ran out of fuel.
    pub out_of_fuel: bool,
    /// The runtime under test crashed or hung (in its executor).
    pub crash: Option<Crash>,
}

impl CallError {
    fn from_wasmtime(e: &wasmtime::Error) -> CallError {
        CallError {
            message: error_text(e),
            root_cause: e.root_cause().to_string(),
            out_of_fuel: matches!(e.downcast_ref::<Trap>(), Some(Trap::OutOfFuel)),
            crash: None,
        }
    }

    fn from_info(e: ErrorInfo) -> CallError {
        CallError {
            out_of_fuel: e.limit == Some(Limit::Fuel),
            message: e.message,
            root_cause: e.root_cause,
            crash: None,
        }
    }

    fn crashed(crash: Crash) -> CallError {
        CallError {
            message: crash.detail(),
            root_cause: crash.class(),
            out_of_fuel: false,
            crash: Some(crash),
        }
    }

    /// witness's own problem (a broken executor, a handle it lost).
    pub fn witness(message: String) -> CallError {
        CallError {
            root_cause: message.clone(),
            message,
            out_of_fuel: false,
            crash: None,
        }
    }
}

/// A resources guest, compiled and linked, ready to instantiate.
pub enum LinkedGuest<'h> {
    InProcess {
        host: &'h Host,
        pre: InstancePre<SessionState>,
    },
    /// In the host's executor, which loads it with `load`.
    Executor {
        executor: Arc<Mutex<Executor>>,
        load: LoadRequest,
    },
}

/// The host's answer to `func`, in process: the arguments as trees (their
/// handles kept in the store's table), the answer back as values.
fn answer_in_process(
    store: &mut StoreContextMut<'_, SessionState>,
    func: &str,
    ty: &ComponentFunc,
    params: &[Val],
    results: &mut [Val],
) -> wasmtime::Result<()> {
    with_table(store, |table, mut store| {
        let args = params
            .iter()
            .map(|v| table.node_of(&mut store, v))
            .collect::<Result<Vec<_>, _>>()
            .map_err(wasmtime::Error::msg)?;
        let answer = store.data_mut().data.log.answer(func, &args);
        if let Some(Handle::Slot { slot, .. }) = answer.drop_first {
            let dropped = match table.get(slot) {
                Some(handle) => handle.resource_drop(&mut store).map_err(|e| error_text(&e)),
                None => Err(format!("witness: no handle in slot {slot}")),
            };
            store.data_mut().data.log.probe_result = Some(dropped);
        }
        let answer = answer.results.map_err(wasmtime::Error::msg)?;
        let types: Vec<_> = ty.results().collect();
        if answer.len() != results.len() || types.len() != results.len() {
            wasmtime::bail!(
                "witness: {} results for {} of `{func}`",
                answer.len(),
                results.len()
            );
        }
        for ((slot, node), ty) in results.iter_mut().zip(&answer).zip(&types) {
            *slot = table
                .val_of(&mut store, ty, node)
                .map_err(wasmtime::Error::msg)?;
        }
        Ok(())
    })
}

impl<'h> LinkedGuest<'h> {
    /// Links `component` against WASI and the protocol's `host` interface,
    /// where the host runs its guests.
    pub fn new(host: &'h Host, component: &Compiled) -> Result<Self, HostError> {
        if let Some(executor) = host.executor() {
            let file = executor
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .component_file(&component.bytes)?;
            return Ok(LinkedGuest::Executor {
                executor: executor.clone(),
                load: LoadRequest {
                    component: file,
                    sandbox: host.sandbox(),
                    imports: vec![(
                        world::HOST.into(),
                        HOST_FUNCS.iter().map(|f| f.to_string()).collect(),
                    )],
                    resources: vec![(world::HOST.into(), "token".into())],
                    trees: true,
                },
            });
        }
        let mut linker = host.linker::<InProcessData>()?;
        let link_err = |e: wasmtime::Error| HostError::Link(error_text(&e));
        let mut iface = linker.instance(world::HOST).map_err(link_err)?;
        iface
            .resource("token", HandleTable::host_type(TOKEN), |mut store, rep| {
                store.data_mut().data.log.destroy(rep);
                Ok(())
            })
            .map_err(link_err)?;
        for func in HOST_FUNCS {
            iface
                .func_new(func, move |mut store, ty, params, results| {
                    answer_in_process(&mut store, func, &ty, params, results)
                })
                .map_err(link_err)?;
        }
        let pre = linker.instantiate_pre(component).map_err(link_err)?;
        Ok(LinkedGuest::InProcess { host, pre })
    }

    /// A fresh instance in a fresh sandboxed store. A runtime that dies
    /// instantiating it is [`HostError::Crash`].
    pub fn instantiate(&self, seed: u64) -> Result<Session<'_>, HostError> {
        match self {
            LinkedGuest::InProcess { host, pre } => instantiate_in_process(host, pre, seed),
            LinkedGuest::Executor { executor, load } => {
                let mut executor = executor.lock().unwrap_or_else(|e| e.into_inner());
                let mut log = HostLog::default();
                match executor.instantiate_with(load, seed, &mut log)? {
                    Ended::Reply(Reply::Instantiated) => {}
                    Ended::Reply(Reply::Failed {
                        stage,
                        error,
                        output,
                    }) => {
                        return Err(HostError::of_failed(
                            stage,
                            format!("{}{}", error.message, output_note(&output)),
                        ));
                    }
                    Ended::Died(crash) => return Err(HostError::Crash(crash)),
                    Ended::Reply(other) => return Err(executor.unexpected(&other).into()),
                }
                Ok(Session {
                    backend: Backend::Executor {
                        executor,
                        load,
                        log,
                        output: String::new(),
                    },
                    broken: None,
                })
            }
        }
    }
}

fn instantiate_in_process<'a>(
    host: &Host,
    pre: &InstancePre<SessionState>,
    seed: u64,
) -> Result<Session<'a>, HostError> {
    let mut store = host.store::<InProcessData>(seed);
    let instance = pre.instantiate(&mut store).map_err(|e| {
        HostError::Instantiate(format!(
            "{}{}",
            error_text(&e),
            output_note(&store.data().captured_output())
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
        backend: Backend::InProcess {
            store,
            funcs,
            config: host.config().clone(),
        },
        broken: None,
    })
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
pub struct Session<'a> {
    backend: Backend<'a>,
    /// Why the executor cannot go on (witness's problem, not a finding).
    broken: Option<HostError>,
}

enum Backend<'a> {
    InProcess {
        store: Store<SessionState>,
        funcs: Vec<(&'static str, Func)>,
        config: HostConfig,
    },
    Executor {
        /// Held for the whole session: one instance at a time.
        executor: MutexGuard<'a, Executor>,
        load: &'a LoadRequest,
        log: HostLog,
        /// What the guest printed, as of the last reply.
        output: String,
    },
}

impl Session<'_> {
    pub fn log(&mut self) -> &mut HostLog {
        match &mut self.backend {
            Backend::InProcess { store, .. } => &mut store.data_mut().data.log,
            Backend::Executor { log, .. } => log,
        }
    }

    /// What the guest wrote to stdout and stderr so far.
    pub fn guest_output(&self) -> String {
        match &self.backend {
            Backend::InProcess { store, .. } => store.data().captured_output(),
            Backend::Executor { output, .. } => output.clone(),
        }
    }

    /// The executor's failure, if it broke (the run must stop with it).
    pub fn take_broken(&mut self) -> Option<HostError> {
        self.broken.take()
    }

    /// Sends `request` to the executor; an error (and the session broken)
    /// when the executor broke.
    fn exchange(&mut self, request: Request) -> Result<Ended, CallError> {
        let Backend::Executor {
            executor,
            load,
            log,
            ..
        } = &mut self.backend
        else {
            unreachable!("an exchange in process");
        };
        let deadline = Duration::from_millis(load.sandbox.deadline_ms);
        executor
            .exchange_with(load, &request, deadline, log)
            .map_err(|e| {
                let error = CallError::witness(format!("witness: {e}"));
                self.broken = Some(e.into());
                error
            })
    }

    /// An exchange that ended in a way it cannot: the executor broke.
    fn unexpected(&mut self, what: &str, ended: &Ended) -> CallError {
        let message = format!("witness: the executor answered {what} with {ended:?}");
        if let (Backend::Executor { executor, .. }, Ended::Reply(reply)) = (&self.backend, ended) {
            self.broken = Some(executor.unexpected(reply).into());
        }
        CallError::witness(message)
    }

    /// Calls `api.name(args)`; `results` is how many results it has (0 or 1).
    pub fn call(
        &mut self,
        name: &str,
        args: &[Node],
        results: usize,
    ) -> Result<Option<Node>, CallError> {
        if let Backend::InProcess {
            store,
            funcs,
            config,
        } = &mut self.backend
        {
            let func = funcs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, f)| *f)
                .unwrap_or_else(|| panic!("`{name}` is not a function of the resources protocol"));
            return call_in_process(store, func, config, args, results);
        }
        let ended = self.exchange(Request::Call {
            interface: Some(world::API.into()),
            func: name.into(),
            args: args.iter().cloned().map(Value::Tree).collect(),
        })?;
        match ended {
            Ended::Reply(Reply::Returned {
                mut results,
                output,
            }) => {
                self.set_output(output);
                match results.pop() {
                    None => Ok(None),
                    Some(Value::Tree(node)) => Ok(Some(node)),
                    Some(other) => Err(self.unexpected(
                        &format!("`{name}`"),
                        &Ended::Reply(Reply::Returned {
                            results: vec![other],
                            output: String::new(),
                        }),
                    )),
                }
            }
            Ended::Reply(Reply::Trapped { error, output }) => {
                self.set_output(output);
                Err(CallError::from_info(error))
            }
            Ended::Died(crash) => Err(CallError::crashed(crash)),
            other => Err(self.unexpected(&format!("`{name}`"), &other)),
        }
    }

    fn set_output(&mut self, new: String) {
        if let Backend::Executor { output, .. } = &mut self.backend {
            *output = new;
        }
    }

    /// Drops a handle the host holds (running the destructor of an own
    /// handle's resource).
    pub fn drop_handle(&mut self, handle: Handle) -> Result<(), CallError> {
        let Handle::Slot { slot, .. } = handle else {
            return Err(CallError::witness(format!(
                "witness: dropping {handle:?}, which the host never held"
            )));
        };
        if let Backend::InProcess { store, config, .. } = &mut self.backend {
            let Some(any) = store.data().data.table.get(slot) else {
                return Err(CallError::witness(format!(
                    "witness: no handle in slot {slot}"
                )));
            };
            crate::host::deadline::begin_call(store, config);
            return any
                .resource_drop(&mut *store)
                .map_err(|e| CallError::from_wasmtime(&e));
        }
        match self.exchange(Request::DropHandle { slot })? {
            Ended::Reply(Reply::Dropped { error }) => match error {
                None => Ok(()),
                Some(e) => Err(CallError::from_info(e)),
            },
            Ended::Died(crash) => Err(CallError::crashed(crash)),
            other => Err(self.unexpected("a drop", &other)),
        }
    }

    /// The total size of the instance's linear memories.
    pub fn memory_bytes(&mut self) -> Result<u64, CallError> {
        if let Backend::InProcess { store, .. } = &self.backend {
            return Ok(store.data().linear_memory_bytes() as u64);
        }
        match self.exchange(Request::Memory)? {
            Ended::Reply(Reply::Memory { bytes }) => Ok(bytes),
            Ended::Died(crash) => Err(CallError::crashed(crash)),
            other => Err(self.unexpected("a question about memory", &other)),
        }
    }

    /// A new own token made by the host, to pass to the guest.
    pub fn mint_token(&mut self, id: u32) -> Handle {
        self.log().make(id);
        Handle::New {
            resource: TOKEN,
            rep: id,
        }
    }
}

/// A call in process: the arguments made values (their handles from the
/// store's table), the result made a tree (its handles kept there).
fn call_in_process(
    store: &mut Store<SessionState>,
    func: Func,
    config: &HostConfig,
    args: &[Node],
    results: usize,
) -> Result<Option<Node>, CallError> {
    let ty = func.ty(&*store);
    let types: Vec<_> = ty.params().map(|(_, t)| t).collect();
    let values: Vec<Val> = with_table(&mut *store, |table, mut store| {
        types
            .iter()
            .zip(args)
            .map(|(t, n)| table.val_of(&mut store, t, n))
            .collect::<Result<_, _>>()
    })
    .map_err(|m| CallError::witness(format!("witness: {m}")))?;
    crate::host::deadline::begin_call(store, config);
    let mut out = vec![Val::Bool(false); results];
    func.call(&mut *store, &values, &mut out)
        .map_err(|e| CallError::from_wasmtime(&e))?;
    let Some(val) = out.pop() else {
        return Ok(None);
    };
    with_table(store, |table, store| table.node_of(store, &val))
        .map(Some)
        .map_err(|m| CallError::witness(format!("witness: {m}")))
}

/// Runs `f` on the store's table of handles, taken out of the store while
/// `f` needs both, then puts the table back.
fn with_table<R>(
    mut store: impl AsContextMut<Data = SessionState>,
    f: impl FnOnce(&mut HandleTable, StoreContextMut<'_, SessionState>) -> R,
) -> R {
    let mut store = store.as_context_mut();
    let mut table = std::mem::take(&mut store.data_mut().data.table);
    let outcome = f(&mut table, store.as_context_mut());
    store.data_mut().data.table = table;
    outcome
}
