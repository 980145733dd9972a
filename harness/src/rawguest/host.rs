//! The host side of raw guests: the probe and `upstream` implementations,
//! and one call of `api.f` run against a [`Plan`], recorded as an
//! [`Observation`].
//!
//! The host only serves the plan and records; judging what was recorded is
//! the oracle's job ([`crate::abi_oracle`]).

use std::collections::VecDeque;

use wasmtime::component::{Component, InstancePre, Val};
use wasmtime::{Store, Trap};

use super::layout::*;
use crate::host::{GuestState, Host, HostError, error_text};

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
}

/// A compiled raw guest (or chain), linked and ready to run calls.
pub struct RawProgram<'h> {
    host: &'h Host,
    pre: InstancePre<GuestState<RawState>>,
    func: String,
}

/// Compiles raw guest bytes without the disk cache (each case makes a new
/// component, which would only fill the cache).
pub fn compile(host: &Host, bytes: &[u8]) -> Result<Component, HostError> {
    Component::new(host.engine(), bytes).map_err(|e| HostError::Compile(error_text(&e)))
}

impl<'h> RawProgram<'h> {
    /// Links `component` (whose `api` exports `func`) against the probe and
    /// a dynamic `upstream.func` that serves the plan.
    pub fn new(host: &'h Host, component: &Component, func: &str) -> Result<Self, HostError> {
        let mut linker = host.linker::<RawState>()?;
        let link_err = |e: wasmtime::Error| HostError::Link(error_text(&e));
        let mut probe = linker.instance(PROBE).map_err(link_err)?;
        probe
            .func_wrap(PROBE_FUNC_FLAT, |mut cx, (id, bits): (u32, u64)| {
                cx.data_mut().data.pending(id).1.push(bits);
                Ok(())
            })
            .map_err(link_err)?;
        probe
            .func_wrap(PROBE_FUNC_CONTROL, |mut cx, (id, bytes): (u32, Vec<u8>)| {
                cx.data_mut().data.pending(id).2 = Some(bytes);
                Ok(())
            })
            .map_err(link_err)?;
        probe
            .func_wrap(PROBE_FUNC_MEMORY, |mut cx, (id, memory): (u32, Vec<u8>)| {
                let state = &mut cx.data_mut().data;
                let (_, flat, control) = std::mem::take(state.pending(id));
                state.pending.retain(|p| p.0 != id);
                state.events.push(Event::Report(Report {
                    id,
                    flat,
                    control: control.unwrap_or_default(),
                    memory,
                }));
                Ok(())
            })
            .map_err(link_err)?;
        probe
            .func_wrap(PROBE_FUNC_NEXT, |mut cx, (id,): (u32,)| {
                let state = &mut cx.data_mut().data;
                state.events.push(Event::Step(id));
                let step = state
                    .plan
                    .steps
                    .get_mut(id as usize)
                    .and_then(VecDeque::pop_front);
                match step {
                    Some(step) => Ok((step.encode(),)),
                    None => {
                        wasmtime::bail!("witness: the plan has no step left for raw guest {id}")
                    }
                }
            })
            .map_err(link_err)?;
        let mut upstream = linker.instance(UPSTREAM).map_err(link_err)?;
        upstream
            .func_new(func, |mut cx, _ty, params, results| {
                let state = &mut cx.data_mut().data;
                state.events.push(Event::Upstream(params.to_vec()));
                let Some(answer) = state.plan.upstream.pop_front() else {
                    wasmtime::bail!("witness: the plan has no upstream answer left");
                };
                if let (Some(slot), Some(v)) = (results.first_mut(), answer) {
                    *slot = v;
                }
                Ok(())
            })
            .map_err(link_err)?;
        let pre = linker.instantiate_pre(component).map_err(link_err)?;
        Ok(RawProgram {
            host,
            pre,
            func: func.to_string(),
        })
    }

    /// Instantiates afresh and calls `api.f(args)`, serving `plan`.
    pub fn run(
        &self,
        plan: Plan,
        args: &[Val],
        has_result: bool,
        seed: u64,
    ) -> Result<Observation, HostError> {
        let mut store: Store<GuestState<RawState>> = self.host.store(seed);
        store.set_hostcall_fuel(usize::MAX);
        store.data_mut().data.plan = plan;
        let instance = self
            .pre
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
                .and_then(|()| match &out[0] {
                    Val::List(bytes) => bytes
                        .iter()
                        .map(|b| match b {
                            Val::U8(b) => Some(*b),
                            _ => None,
                        })
                        .collect(),
                    _ => None,
                })
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
