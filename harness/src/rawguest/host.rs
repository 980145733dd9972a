//! The host side of raw guests: the probe and `upstream` implementations,
//! and one call of `api.f` run against a [`Plan`], recorded as an
//! [`Observation`].
//!
//! The host only serves the plan and records; judging what was recorded is
//! the oracle's job ([`crate::abi_oracle`]).

use std::collections::VecDeque;

use wasmtime::component::{InstancePre, Val};
use wasmtime::{Store, Trap};
use witness_executor_protocol::Reply;

use super::layout::*;
use crate::host::{Compiled, GuestState, Host, HostError, Remote, error_text};
use crate::runtime::executor::{Ended, Executor, ImportAnswer, LoadRequest, Signatures};

/// One step a guest is told to take (see the [module documentation](super)).
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Call `upstream.f` with `flat`; else return `flat` from `f`.
    pub call: bool,
    /// Flat values as u64 bits (`i32` and `f32` in the low 32 bits).
    pub flat: Vec<u64>,
    /// Grow the ABI memory to this many pages.
    pub pages: u32,
    /// Bytes copied to address 0 of the ABI memory.
    pub image: Vec<u8>,
}

impl Step {
    /// The bytes `probe.next` returns: the header, the flat values, the image.
    pub fn encode(&self) -> Vec<u8> {
        let image_offset = STEP_FLAT + 8 * self.flat.len() as u32;
        let mut out = Vec::with_capacity(image_offset as usize + self.image.len());
        let op = if self.call {
            STEP_OP_CALL
        } else {
            STEP_OP_RETURN
        };
        for word in [op, self.pages, self.image.len() as u32, image_offset] {
            out.extend_from_slice(&word.to_le_bytes());
        }
        for v in &self.flat {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&self.image);
        out
    }
}

/// What the host answers during one call.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// The steps of each guest (by id), in order.
    pub steps: Vec<VecDeque<Step>>,
    /// What the host's `upstream.f` returns, call after call.
    pub upstream: VecDeque<Option<Val>>,
}

/// What a guest reported at one point: flat values, its control block and
/// its whole ABI memory.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub id: u32,
    pub flat: Vec<u64>,
    pub control: Vec<u8>,
    pub memory: Vec<u8>,
}

/// Something that happened during the call, in order.
#[derive(Debug, Clone)]
pub enum Event {
    Report(Report),
    /// Guest `id` took its next step.
    Step(u32),
    /// The host's `upstream.f` was called with these arguments.
    Upstream(Vec<Val>),
}

/// How the call of `api.f` failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallError {
    /// The error with its context chain.
    pub message: String,
    /// The innermost cause (what the trap table reads).
    pub root_cause: String,
    /// A wasm trap code, when the error is one.
    pub trap: Option<String>,
    /// A limit of the sandbox (fuel, memory), not a verdict on the ABI.
    pub limit: bool,
}

/// Everything one call produced.
#[derive(Debug, Clone)]
pub struct Observation {
    pub events: Vec<Event>,
    /// The result of `api.f` (`None` for a function without one), or how it
    /// failed.
    pub outcome: Result<Option<Val>, CallError>,
    /// The outermost guest's control block after a successful call
    /// (`take-log`), with the post-return record.
    pub control_after: Option<Vec<u8>>,
}

impl Observation {
    pub fn reports(&self) -> impl Iterator<Item = &Report> {
        self.events.iter().filter_map(|e| match e {
            Event::Report(r) => Some(r),
            _ => None,
        })
    }
}

/// The store's data while a raw guest runs.
#[derive(Default)]
pub struct RawState {
    plan: Plan,
    pending: Vec<(u32, Vec<u64>, Option<Vec<u8>>)>,
    events: Vec<Event>,
}

impl RawState {
    fn pending(&mut self, id: u32) -> &mut (u32, Vec<u64>, Option<Vec<u8>>) {
        if let Some(i) = self.pending.iter().position(|p| p.0 == id) {
            return &mut self.pending[i];
        }
        self.pending.push((id, Vec::new(), None));
        self.pending.last_mut().expect("just pushed")
    }

    /// `probe.flat(id, bits)`.
    fn flat(&mut self, id: u32, bits: u64) {
        self.pending(id).1.push(bits);
    }

    /// `probe.control(id, bytes)`.
    fn control(&mut self, id: u32, bytes: Vec<u8>) {
        self.pending(id).2 = Some(bytes);
    }

    /// `probe.memory(id, memory)`: the report is complete.
    fn memory(&mut self, id: u32, memory: Vec<u8>) {
        let (_, flat, control) = std::mem::take(self.pending(id));
        self.pending.retain(|p| p.0 != id);
        self.events.push(Event::Report(Report {
            id,
            flat,
            control: control.unwrap_or_default(),
            memory,
        }));
    }

    /// `probe.next(id)`: the next step's bytes.
    fn next(&mut self, id: u32) -> Result<Vec<u8>, String> {
        self.events.push(Event::Step(id));
        let step = self
            .plan
            .steps
            .get_mut(id as usize)
            .and_then(VecDeque::pop_front);
        match step {
            Some(step) => Ok(step.encode()),
            None => Err(format!(
                "witness: the plan has no step left for raw guest {id}"
            )),
        }
    }

    /// `upstream.f(params)`: the plan's next answer.
    fn upstream(&mut self, params: &[Val]) -> Result<Option<Val>, String> {
        self.events.push(Event::Upstream(params.to_vec()));
        self.plan
            .upstream
            .pop_front()
            .ok_or_else(|| "witness: the plan has no upstream answer left".to_string())
    }

    /// An import call made in an executor, answered by the same methods.
    fn answer(&mut self, iface: &str, func: &str, args: Vec<Val>) -> ImportAnswer {
        let id = || match args.first() {
            Some(Val::U32(id)) => Ok(*id),
            _ => Err(format!("witness: `{iface}#{func}` without a guest id")),
        };
        let bytes = |v: Option<&Val>| {
            v.and_then(log_bytes)
                .ok_or_else(|| format!("witness: `{iface}#{func}` without bytes"))
        };
        match (iface, func) {
            (PROBE, PROBE_FUNC_FLAT) => match args.get(1) {
                Some(Val::U64(bits)) => {
                    self.flat(id()?, *bits);
                    Ok(vec![])
                }
                _ => Err("witness: `probe.flat` without bits".into()),
            },
            (PROBE, PROBE_FUNC_CONTROL) => {
                self.control(id()?, bytes(args.get(1))?);
                Ok(vec![])
            }
            (PROBE, PROBE_FUNC_MEMORY) => {
                self.memory(id()?, bytes(args.get(1))?);
                Ok(vec![])
            }
            (PROBE, PROBE_FUNC_NEXT) => {
                let step = self.next(id()?)?;
                Ok(vec![Val::List(step.into_iter().map(Val::U8).collect())])
            }
            (UPSTREAM, _) => Ok(self.upstream(&args)?.into_iter().collect()),
            _ => Err(format!(
                "witness: no import `{iface}#{func}` in a raw guest"
            )),
        }
    }
}

/// A compiled raw guest (or chain), linked and ready to run calls.
pub struct RawProgram<'h> {
    host: &'h Host,
    backend: Backend,
    func: String,
}

enum Backend {
    InProcess(InstancePre<GuestState<RawState>>),
    Executor(Remote),
}

/// Compiles raw guest bytes without the disk cache (each case makes a new
/// component, which would only fill the cache).
pub fn compile(host: &Host, bytes: &[u8]) -> Result<Compiled, HostError> {
    host.compile_uncached(bytes).map_err(|e| match e {
        HostError::Unsupported(m) => HostError::Compile(m),
        e => e,
    })
}

/// The imports of a raw guest of `func`, which the host answers.
fn raw_imports(func: &str) -> Vec<(String, Vec<String>)> {
    vec![
        (
            PROBE.to_string(),
            [
                PROBE_FUNC_FLAT,
                PROBE_FUNC_CONTROL,
                PROBE_FUNC_MEMORY,
                PROBE_FUNC_NEXT,
            ]
            .map(str::to_string)
            .to_vec(),
        ),
        (UPSTREAM.to_string(), vec![func.to_string()]),
    ]
}

impl<'h> RawProgram<'h> {
    /// Links `component` (whose `api` exports `func`) against the probe and
    /// a dynamic `upstream.func` that serves the plan: in process, or in the
    /// host's executor.
    pub fn new(host: &'h Host, component: &Compiled, func: &str) -> Result<Self, HostError> {
        let exports = [
            (Some(API.to_string()), func.to_string()),
            (Some(CONTROL.to_string()), FUNC_TAKE_LOG.to_string()),
        ];
        if let Some(remote) = host.remote(component, raw_imports(func), &exports)? {
            return Ok(RawProgram {
                host,
                backend: Backend::Executor(remote),
                func: func.to_string(),
            });
        }
        let mut linker = host.linker::<RawState>()?;
        let link_err = |e: wasmtime::Error| HostError::Link(error_text(&e));
        let mut probe = linker.instance(PROBE).map_err(link_err)?;
        probe
            .func_wrap(PROBE_FUNC_FLAT, |mut cx, (id, bits): (u32, u64)| {
                cx.data_mut().data.flat(id, bits);
                Ok(())
            })
            .map_err(link_err)?;
        probe
            .func_wrap(PROBE_FUNC_CONTROL, |mut cx, (id, bytes): (u32, Vec<u8>)| {
                cx.data_mut().data.control(id, bytes);
                Ok(())
            })
            .map_err(link_err)?;
        probe
            .func_wrap(PROBE_FUNC_MEMORY, |mut cx, (id, memory): (u32, Vec<u8>)| {
                cx.data_mut().data.memory(id, memory);
                Ok(())
            })
            .map_err(link_err)?;
        probe
            .func_wrap(PROBE_FUNC_NEXT, |mut cx, (id,): (u32,)| {
                match cx.data_mut().data.next(id) {
                    Ok(bytes) => Ok((bytes,)),
                    Err(message) => Err(wasmtime::Error::msg(message)),
                }
            })
            .map_err(link_err)?;
        let mut upstream = linker.instance(UPSTREAM).map_err(link_err)?;
        upstream
            .func_new(func, |mut cx, _ty, params, results| {
                let answer = cx
                    .data_mut()
                    .data
                    .upstream(params)
                    .map_err(wasmtime::Error::msg)?;
                if let (Some(slot), Some(v)) = (results.first_mut(), answer) {
                    *slot = v;
                }
                Ok(())
            })
            .map_err(link_err)?;
        let pre = linker.instantiate_pre(component).map_err(link_err)?;
        Ok(RawProgram {
            host,
            backend: Backend::InProcess(pre),
            func: func.to_string(),
        })
    }

    /// Instantiates afresh and calls `api.f(args)`, serving `plan`. A crash
    /// or hang of the runtime in its executor is [`HostError::Crash`].
    pub fn run(
        &self,
        plan: Plan,
        args: &[Val],
        has_result: bool,
        seed: u64,
    ) -> Result<Observation, HostError> {
        let pre = match &self.backend {
            Backend::InProcess(pre) => pre,
            Backend::Executor(remote) => {
                let mut executor = remote.executor.lock().expect("executor");
                let (load, signatures) = (&remote.load, &remote.signatures);
                return self.run_in(&mut executor, load, signatures, plan, args, seed);
            }
        };
        let mut store: Store<GuestState<RawState>> = self.host.store(seed);
        store.set_hostcall_fuel(usize::MAX);
        store.data_mut().data.plan = plan;
        let instance = pre
            .instantiate(&mut store)
            .map_err(|e| HostError::Instantiate(error_text(&e)))?;
        let export = |store: &mut Store<GuestState<RawState>>, iface: &str, name: &str| {
            let idx = instance
                .get_export_index(&mut *store, None, iface)
                .and_then(|i| instance.get_export_index(&mut *store, Some(&i), name))
                .ok_or_else(|| HostError::MissingExport(format!("{iface}#{name}")))?;
            instance
                .get_func(&mut *store, idx)
                .ok_or_else(|| HostError::MissingExport(format!("{iface}#{name}")))
        };
        let f = export(&mut store, API, &self.func)?;
        let take_log = export(&mut store, CONTROL, FUNC_TAKE_LOG)?;
        let mut results = vec![Val::Bool(false); usize::from(has_result)];
        let outcome = match f.call(&mut store, args, &mut results) {
            Ok(()) => Ok(results.pop()),
            Err(e) => Err(call_error(&e)),
        };
        let control_after = if outcome.is_ok() {
            let mut out = [Val::Bool(false)];
            take_log
                .call(&mut store, &[], &mut out)
                .ok()
                .and_then(|()| log_bytes(&out[0]))
        } else {
            None
        };
        let events = std::mem::take(&mut store.data_mut().data.events);
        Ok(Observation {
            events,
            outcome,
            control_after,
        })
    }

    /// [`RawProgram::run`] in an executor.
    fn run_in(
        &self,
        executor: &mut Executor,
        load: &LoadRequest,
        signatures: &Signatures,
        plan: Plan,
        args: &[Val],
        seed: u64,
    ) -> Result<Observation, HostError> {
        let mut state = RawState {
            plan,
            ..RawState::default()
        };
        let mut answer = |iface: &str, func: &str, args: Vec<Val>| state.answer(iface, func, args);
        match executor.instantiate(load, seed, signatures, &mut answer)? {
            Ended::Reply(Reply::Instantiated) => {}
            Ended::Reply(Reply::Failed { stage, error, .. }) => {
                return Err(HostError::of_failed(stage, error.message));
            }
            Ended::Died(crash) => return Err(HostError::Crash(crash)),
            Ended::Reply(other) => return Err(executor.unexpected(&other).into()),
        }
        let ended = executor.call(load, Some(API), &self.func, args, signatures, &mut answer)?;
        let outcome = match ended {
            Ended::Reply(Reply::Returned { results, .. }) => {
                let mut values = executor.results(signatures, Some(API), &self.func, &results)?;
                Ok(values.pop())
            }
            Ended::Reply(Reply::Trapped { error, .. }) => Err(CallError {
                message: error.message,
                root_cause: error.root_cause,
                trap: error.trap,
                limit: error.limit.is_some(),
            }),
            Ended::Died(crash) => return Err(HostError::Crash(crash)),
            Ended::Reply(other) => return Err(executor.unexpected(&other).into()),
        };
        let control_after = if outcome.is_ok() {
            match executor.call(
                load,
                Some(CONTROL),
                FUNC_TAKE_LOG,
                &[],
                signatures,
                &mut answer,
            )? {
                Ended::Reply(Reply::Returned { results, .. }) => executor
                    .results(signatures, Some(CONTROL), FUNC_TAKE_LOG, &results)?
                    .first()
                    .and_then(log_bytes),
                Ended::Died(crash) => return Err(HostError::Crash(crash)),
                _ => None,
            }
        } else {
            None
        };
        Ok(Observation {
            events: std::mem::take(&mut state.events),
            outcome,
            control_after,
        })
    }
}

/// The bytes of a `list<u8>` value (`take-log`'s result, a probe's
/// memory).
fn log_bytes(v: &Val) -> Option<Vec<u8>> {
    match v {
        Val::List(bytes) => bytes
            .iter()
            .map(|b| match b {
                Val::U8(b) => Some(*b),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

fn call_error(e: &wasmtime::Error) -> CallError {
    let trap = e.downcast_ref::<Trap>().copied();
    let root_cause = match trap {
        Some(t) => t.to_string(),
        None => e.root_cause().to_string(),
    };
    let limit = matches!(trap, Some(Trap::OutOfFuel))
        || (root_cause.contains("memory") && root_cause.contains("limit"));
    CallError {
        message: error_text(e),
        root_cause,
        trap: trap.map(|t| format!("{t:?}")),
        limit,
    }
}
