//! The reference's account of one case: what every raw guest must report,
//! what the host's `upstream` must receive, and how the call must end,
//! computed with [`crate::abi`] alone. It also makes what the host serves:
//! the guests' `realloc` scripts and the step images.
//!
//! A case is a chain of `n >= 1` raw guests with the same function. The
//! call goes down (the host calls guest 0, guest k calls guest k+1 through
//! wasmtime's adapter, the last guest calls the host) and back up. Each
//! crossing is a [`Phase`]:
//!
//! - `lower-params k`: the arguments are lowered into guest k (by the host
//!   for guest 0, else by the adapter from guest k-1's encoding); guest k
//!   reports what it received.
//! - `lift-args k`: guest k calls `upstream.f` with arguments laid out from
//!   the step image (by the host, or by the adapter into guest k+1).
//! - `lower-result k`: the result is lowered into guest k at its return
//!   pointer (or as a flat value); guest k reports it.
//! - `lift-result k`: guest k returns a result laid out from the image.
//!
//! Allocations come from a [`Placement`] per guest: the guest's `realloc`
//! (mirrored by `Recorder`, which writes the script) and the host's own
//! layout of step images share it, so blocks never overlap. A policy places
//! blocks plainly after the last one, over-aligned, or at the very end of
//! memory (growing it), or a mix of these.

use std::collections::VecDeque;

use wasmtime::component::Val;

use super::sites::{Image, Mutation, Site, collect_sites};
use crate::abi::memory::PAGE_SIZE;
use crate::abi::{
    Abi, AbiError, CoreType, CoreVal, LiftCx, LowerCx, Memory, Realloc, ReallocCall,
    StringEncoding, Trap, lift_flat_values, lower_flat_values,
};
use crate::rawguest::host::{Plan, Step};
use crate::rawguest::{CanonOptions, ScriptEntry, core_types};
use crate::seed::SeedStream;
use crate::ty::{Func, MAX_FLAT_PARAMS, MAX_FLAT_RESULTS, Ty};

/// Where blocks go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlaceKind {
    /// Right after the last block, aligned as asked.
    Bump,
    /// Aligned to more than asked (up to 4 KiB), sometimes one more step.
    OverAligned,
    /// Ending exactly at the end of memory, which grows for it.
    EndOfMemory,
    /// Each block one of the above.
    Mixed,
}

impl PlaceKind {
    pub const ALL: [PlaceKind; 4] = [
        PlaceKind::Bump,
        PlaceKind::OverAligned,
        PlaceKind::EndOfMemory,
        PlaceKind::Mixed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PlaceKind::Bump => "bump",
            PlaceKind::OverAligned => "over-aligned",
            PlaceKind::EndOfMemory => "end-of-memory",
            PlaceKind::Mixed => "mixed",
        }
    }
}

/// End-of-memory blocks per guest before falling back to bump (each one
/// grows memory by at least a page).
const MAX_END_BLOCKS: u32 = 6;

/// The free space of one guest's ABI memory.
#[derive(Debug, Clone)]
pub struct Placement {
    next: u64,
    rng: SeedStream,
    end_blocks: u32,
}

fn align_up(p: u64, align: u64) -> u64 {
    p.div_ceil(align) * align
}

fn grow_to(mem: &mut Memory, end: u64) {
    if end > mem.len() {
        let pages = (end - mem.len()).div_ceil(PAGE_SIZE);
        mem.grow(pages * PAGE_SIZE);
    }
}

impl Placement {
    pub fn new(seed: u64) -> Self {
        Placement {
            next: 0,
            rng: SeedStream::new(seed, &[]),
            end_blocks: 0,
        }
    }

    /// A block of `size` bytes aligned to `align`, after every earlier block.
    pub fn place(&mut self, kind: PlaceKind, mem: &mut Memory, align: u64, size: u64) -> u64 {
        let align = align.max(1);
        let kind = match kind {
            PlaceKind::Mixed => [
                PlaceKind::Bump,
                PlaceKind::OverAligned,
                PlaceKind::EndOfMemory,
            ][(self.rng.next_u64() % 3) as usize],
            k => k,
        };
        let p = match kind {
            PlaceKind::OverAligned => {
                let shift = 3 + self.rng.next_u64() % 10;
                let a = align.max(1 << shift);
                align_up(self.next, a) + if self.coin() { 0 } else { a }
            }
            PlaceKind::EndOfMemory if self.end_blocks < MAX_END_BLOCKS => {
                self.end_blocks += 1;
                let start = align_up(self.next, align);
                grow_to(mem, start + size);
                let p = (mem.len() - size) / align * align;
                debug_assert!(p >= start);
                p
            }
            _ => align_up(self.next, align),
        };
        grow_to(mem, p + size);
        self.next = self.next.max(p + size);
        p
    }

    fn coin(&mut self) -> bool {
        self.rng.next_u64().is_multiple_of(2)
    }
}

/// A `realloc` result that breaks the rules, for the invalid menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BadPtr {
    /// One byte past an aligned block (for an alignment above 1).
    Misaligned,
    /// Aligned, but the block ends one byte or more past the end of memory.
    PastEnd,
    /// So high that `ptr + size` passes 2^32.
    Wrapping,
}

impl BadPtr {
    pub fn as_str(self) -> &'static str {
        match self {
            BadPtr::Misaligned => "misaligned",
            BadPtr::PastEnd => "past the end of memory",
            BadPtr::Wrapping => "wrapping past 2^32",
        }
    }
}

/// The guest's `realloc`, as the script makes it behave: a block from the
/// placement (or the old block, for a shrink now and then), the old
/// contents copied when both blocks are in bounds, and an entry recorded.
/// With `record` off it lays out the host's images instead (same
/// behaviour, no script).
struct Recorder<'p> {
    kind: PlaceKind,
    place: &'p mut Placement,
    script: &'p mut Vec<ScriptEntry>,
    /// Blocks handed out in this phase.
    fresh: &'p mut Vec<(u64, u64)>,
    record: bool,
    /// Guest `realloc` calls so far (over the whole case).
    count: &'p mut usize,
    bad: Option<(usize, BadPtr)>,
}

impl Realloc for Recorder<'_> {
    fn realloc(
        &mut self,
        mem: &mut Memory,
        old_ptr: u32,
        old_size: u32,
        align: u32,
        new_size: u32,
    ) -> Result<u32, Trap> {
        let (align, size) = (u64::from(align.max(1)), u64::from(new_size));
        let index = *self.count;
        if self.record {
            *self.count += 1;
        }
        let bad = self
            .bad
            .filter(|(i, _)| self.record && *i == index)
            .map(|(_, b)| b);
        let ptr = match bad {
            Some(BadPtr::Misaligned) => self.place.place(self.kind, mem, align, size + 1) + 1,
            Some(BadPtr::PastEnd) => align_up(mem.len().saturating_sub(size) + 1, align),
            Some(BadPtr::Wrapping) => (u64::from(u32::MAX) - size.min(0xff)) / align * align,
            None if old_size != 0 && new_size <= old_size && self.place.coin() => {
                u64::from(old_ptr)
            }
            None => self.place.place(self.kind, mem, align, size),
        };
        let ptr = u32::try_from(ptr).unwrap_or(u32::MAX);
        let n = u64::from(old_size.min(new_size));
        let (old, new) = (u64::from(old_ptr), u64::from(ptr));
        if old + n <= mem.len() && new + n <= mem.len() {
            mem.copy(old, new, n)?;
        }
        if self.record {
            self.script
                .push(ScriptEntry::serve((mem.len() / PAGE_SIZE) as u32, ptr));
        }
        self.fresh.push((new, size));
        Ok(ptr)
    }
}

/// One crossing of the call (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    LowerParams(usize),
    LiftArgs(usize),
    LowerResult(usize),
    LiftResult(usize),
    /// The outermost guest's post-return function.
    PostReturn,
}

impl Phase {
    /// `host lower-params raw0`, `adapter lift-args raw1`: who crosses what.
    pub fn describe(self, guests: usize) -> String {
        let (who, what, k) = match self {
            Phase::LowerParams(k) => (k == 0, "lower-params", k),
            Phase::LiftArgs(k) => (k + 1 == guests, "lift-args", k),
            Phase::LowerResult(k) => (k + 1 == guests, "lower-result", k),
            Phase::LiftResult(k) => (k == 0, "lift-result", k),
            Phase::PostReturn => return "post-return raw0".into(),
        };
        let who = if who { "host" } else { "adapter" };
        format!("{who} {what} raw{k}")
    }

    /// Whether wasmtime lowers (writes guest memory) in this phase.
    pub fn is_lowering(self) -> bool {
        matches!(self, Phase::LowerParams(_) | Phase::LowerResult(_))
    }
}

/// How to lift a report's values back with the reference (for diagnosis).
#[derive(Debug, Clone)]
pub enum LiftFrom {
    /// `lift_flat_values` of the reported flat values.
    Flat { max_flat: usize },
    /// A tuple of the types stored at this pointer (a return pointer).
    Pointer(u32),
}

/// The lowering of one phase, kept to replay it with other NaN bits.
#[derive(Debug, Clone)]
pub struct Replay {
    pub pre: Memory,
    pub encoding: StringEncoding,
    pub source: StringEncoding,
    pub allocs: Vec<(u32, u32)>,
    pub max_flat: usize,
    pub out_param: Option<u32>,
}

/// What one guest must report after a lowering phase.
#[derive(Debug, Clone)]
pub struct ExpectedReport {
    pub id: usize,
    pub phase: Phase,
    /// The flat values, typed (the core types of the guest's signature).
    pub flat: Vec<CoreVal>,
    /// The reference's memory after the phase; `was_written` marks what the
    /// phase wrote.
    pub memory: Memory,
    /// Blocks allocated in the phase (unwritten bytes there are free).
    pub fresh: Vec<(u64, u64)>,
    /// Every `realloc` call of this guest so far, in order.
    pub reallocs: Vec<ReallocCall>,
    /// The values lowered, their types, and where they are.
    pub values: Vec<Val>,
    pub tys: Vec<Ty>,
    pub encoding: StringEncoding,
    pub lift_from: LiftFrom,
    pub replay: Replay,
}

/// An event the call must produce, in order.
#[derive(Debug, Clone)]
pub enum ExpectedEvent {
    Report(Box<ExpectedReport>),
    Step(usize),
    /// The host's `upstream.f` receives these.
    Upstream(Vec<Val>),
}

/// How the call must end.
#[derive(Debug, Clone)]
pub enum ExpectedEnd {
    /// `api.f` returns this; then post-return runs `post_calls` times with
    /// `post_arg` (the flat result, widened).
    Value {
        result: Option<Val>,
        post_calls: u32,
        post_arg: Option<u64>,
    },
    /// The spec traps in this phase.
    Trap { phase: Phase, trap: Trap },
}

/// The guests' options and placements, and the values, of a case.
#[derive(Debug, Clone)]
pub struct ChainSpec {
    pub guests: Vec<GuestSpec>,
    /// What the host passes to `api.f`.
    pub args: Vec<Val>,
    /// What each guest passes to `upstream.f`.
    pub calls: Vec<Vec<Val>>,
    /// What the host's `upstream.f` answers.
    pub answer: Option<Val>,
    /// What each guest returns.
    pub results: Vec<Option<Val>>,
}

#[derive(Debug, Clone)]
pub struct GuestSpec {
    pub lift: CanonOptions,
    pub lower: CanonOptions,
    pub abi_pages: u32,
    pub abi_first: bool,
    /// How the guest's `realloc` places blocks.
    pub realloc_place: PlaceKind,
    /// How the host lays out the guest's step images.
    pub image_place: PlaceKind,
    pub place_seed: u64,
}

/// Something deliberately wrong in a case.
#[derive(Debug, Clone)]
pub enum Injection {
    /// The image of `image` is changed by `mutation` before it is served.
    Image { image: Image, mutation: Mutation },
    /// `realloc` call `index` of guest `guest` returns a bad pointer.
    Realloc {
        guest: usize,
        index: usize,
        bad: BadPtr,
    },
}

/// One `realloc` call of the valid run, for choosing a bad one.
#[derive(Debug, Clone, Copy)]
pub struct AllocInfo {
    pub guest: usize,
    pub index: usize,
    pub call: ReallocCall,
    pub phase: Phase,
}

/// Everything the simulation made.
#[derive(Debug, Clone)]
pub struct Simulation {
    pub events: Vec<ExpectedEvent>,
    pub end: ExpectedEnd,
    pub plan: Plan,
    pub scripts: Vec<Vec<ScriptEntry>>,
    /// Mutable places of every step image (when asked for).
    pub sites: Vec<(Image, Site)>,
    pub allocs: Vec<AllocInfo>,
}

/// A reference error that is not a trap: the case itself is malformed (a
/// witness bug or an impossible type), not a finding.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the reference cannot run this case: {0}")]
pub struct SimError(pub String);

struct GuestSim {
    mem: Memory,
    place: Placement,
    script: Vec<ScriptEntry>,
    calls: Vec<ReallocCall>,
    count: usize,
    retptr: Option<u32>,
}

struct Sim<'a> {
    abi: &'a Abi<'a>,
    func: &'a Func,
    spec: &'a ChainSpec,
    params: Vec<Ty>,
    result: Vec<Ty>,
    guests: Vec<GuestSim>,
    events: Vec<ExpectedEvent>,
    steps: Vec<VecDeque<Step>>,
    sites: Vec<(Image, Site)>,
    allocs: Vec<AllocInfo>,
    want_sites: bool,
    injection: Option<&'a Injection>,
}

/// An image without its trailing zeros (the guest's memory holds zeros
/// there already, as the reference's does, unless an earlier report
/// differed).
fn trimmed(bytes: &[u8]) -> Vec<u8> {
    let end = bytes.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
    bytes[..end].to_vec()
}

/// The u64 a probe reports for a core value (and a step carries).
pub fn core_bits(v: CoreVal) -> u64 {
    match v {
        CoreVal::I32(x) => u64::from(x),
        CoreVal::I64(x) => x,
        CoreVal::F32(f) => u64::from(f.to_bits()),
        CoreVal::F64(f) => f.to_bits(),
    }
}

/// The core value of type `t` that a probe's u64 stands for.
pub fn core_from_bits(t: CoreType, bits: u64) -> CoreVal {
    match t {
        CoreType::I32 => CoreVal::I32(bits as u32),
        CoreType::I64 => CoreVal::I64(bits),
        CoreType::F32 => CoreVal::F32(f32::from_bits(bits as u32)),
        CoreType::F64 => CoreVal::F64(f64::from_bits(bits)),
    }
}

/// Runs the reference over the case. `want_sites` collects the mutable
/// places of each image (for choosing an injection).
pub fn simulate(
    abi: &Abi<'_>,
    func: &Func,
    spec: &ChainSpec,
    injection: Option<&Injection>,
    want_sites: bool,
) -> Result<Simulation, SimError> {
    let guests = spec
        .guests
        .iter()
        .map(|g| GuestSim {
            mem: Memory::new((u64::from(g.abi_pages) * PAGE_SIZE) as usize),
            place: Placement::new(g.place_seed),
            script: Vec::new(),
            calls: Vec::new(),
            count: 0,
            retptr: None,
        })
        .collect();
    let mut sim = Sim {
        abi,
        func,
        spec,
        params: func.params.iter().map(|p| p.ty.clone()).collect(),
        result: func.result.iter().cloned().collect(),
        guests,
        events: Vec::new(),
        steps: vec![VecDeque::new(); spec.guests.len()],
        sites: Vec::new(),
        allocs: Vec::new(),
        want_sites,
        injection,
    };
    let end = sim.run()?;
    let scripts = sim
        .guests
        .iter()
        .map(|g| {
            let mut s = g.script.clone();
            s.extend(ScriptEntry::spares());
            s
        })
        .collect();
    Ok(Simulation {
        events: sim.events,
        end,
        plan: Plan {
            steps: sim.steps,
            upstream: VecDeque::from([spec.answer.clone()]),
        },
        scripts,
        sites: sim.sites,
        allocs: sim.allocs,
    })
}

/// A trap, or an error that means the case is broken.
fn split(e: AbiError) -> Result<Trap, SimError> {
    match e {
        AbiError::Trap(t) => Ok(t),
        other => Err(SimError(other.to_string())),
    }
}

/// A value or a spec trap; other reference errors mean the case is broken.
fn outcome<T>(r: Result<T, AbiError>) -> Result<Result<T, Trap>, SimError> {
    match r {
        Ok(v) => Ok(Ok(v)),
        Err(e) => split(e).map(Err),
    }
}

impl Sim<'_> {
    fn n(&self) -> usize {
        self.spec.guests.len()
    }

    fn run(&mut self) -> Result<ExpectedEnd, SimError> {
        let n = self.n();
        let (_, lower_ty) = core_types(self.abi, self.func);
        // Down: lower into each guest, then its call.
        let mut vals = self.spec.args.clone();
        let mut source = StringEncoding::Utf8;
        for k in 0..n {
            let enc = self.spec.guests[k].lift.encoding;
            let params = self.params.clone();
            let phase = Phase::LowerParams(k);
            let lowered =
                self.lower_phase(k, phase, enc, source, &vals, &params, MAX_FLAT_PARAMS, None)?;
            if let Err(trap) = lowered {
                return Ok(ExpectedEnd::Trap { phase, trap });
            }
            self.events.push(ExpectedEvent::Step(k));
            let enc = self.spec.guests[k].lower.encoding;
            let call_vals = self.spec.calls[k].clone();
            let (flat, retptr) = self.call_image(k, enc, &call_vals, &lower_ty.params)?;
            self.guests[k].retptr = retptr;
            let phase = Phase::LiftArgs(k);
            let cx = LiftCx::new(self.abi, enc, &self.guests[k].mem);
            match outcome(lift_flat_values(&cx, MAX_FLAT_PARAMS, &flat, &self.params))? {
                Ok(v) => vals = v,
                Err(trap) => return Ok(ExpectedEnd::Trap { phase, trap }),
            }
            source = enc;
        }
        self.events.push(ExpectedEvent::Upstream(vals));
        // Up: lower the result into each guest, then its return.
        let mut result: Vec<Val> = self.spec.answer.iter().cloned().collect();
        let mut source = StringEncoding::Utf8;
        let mut flat_ret = Vec::new();
        for k in (0..n).rev() {
            let enc = self.spec.guests[k].lower.encoding;
            let tys = self.result.clone();
            let phase = Phase::LowerResult(k);
            let retptr = self.guests[k].retptr;
            let lowered = self.lower_phase(
                k,
                phase,
                enc,
                source,
                &result,
                &tys,
                MAX_FLAT_RESULTS,
                retptr,
            )?;
            if let Err(trap) = lowered {
                return Ok(ExpectedEnd::Trap { phase, trap });
            }
            self.events.push(ExpectedEvent::Step(k));
            let enc = self.spec.guests[k].lift.encoding;
            let ret_vals: Vec<Val> = self.spec.results[k].iter().cloned().collect();
            flat_ret = self.return_image(k, enc, &ret_vals)?;
            let phase = Phase::LiftResult(k);
            let cx = LiftCx::new(self.abi, enc, &self.guests[k].mem);
            match outcome(lift_flat_values(
                &cx,
                MAX_FLAT_RESULTS,
                &flat_ret,
                &self.result,
            ))? {
                Ok(v) => result = v,
                Err(trap) => return Ok(ExpectedEnd::Trap { phase, trap }),
            }
            source = enc;
        }
        let post = self.spec.guests[0].lift.post_return;
        Ok(ExpectedEnd::Value {
            result: result.pop(),
            post_calls: u32::from(post),
            post_arg: if post {
                flat_ret.first().map(|v| core_bits(*v))
            } else {
                None
            },
        })
    }

    /// Lowers `vals` into guest `k` through its `realloc` and records the
    /// report it must make. `Ok(Err(trap))` when the spec traps.
    #[allow(clippy::too_many_arguments)]
    fn lower_phase(
        &mut self,
        k: usize,
        phase: Phase,
        encoding: StringEncoding,
        source: StringEncoding,
        vals: &[Val],
        tys: &[Ty],
        max_flat: usize,
        out_param: Option<u32>,
    ) -> Result<Result<(), Trap>, SimError> {
        let bad = match self.injection {
            Some(Injection::Realloc { guest, index, bad }) if *guest == k => Some((*index, *bad)),
            _ => None,
        };
        let kind = self.spec.guests[k].realloc_place;
        let g = &mut self.guests[k];
        g.mem.clear_written();
        let pre = g.mem.clone();
        let first_call = g.calls.len();
        let mut fresh = Vec::new();
        let mut recorder = Recorder {
            kind,
            place: &mut g.place,
            script: &mut g.script,
            fresh: &mut fresh,
            record: true,
            count: &mut g.count,
            bad,
        };
        let mut cx = LowerCx::new(self.abi, encoding, &mut g.mem, &mut recorder);
        cx.source = source;
        let outcome = lower_flat_values(&mut cx, max_flat, vals, tys, out_param);
        let calls = std::mem::take(&mut cx.reallocs);
        g.calls.extend(calls.iter().copied());
        for (i, call) in calls.iter().enumerate() {
            self.allocs.push(AllocInfo {
                guest: k,
                index: first_call + i,
                call: *call,
                phase,
            });
        }
        let flat = match outcome {
            Ok(flat) => flat,
            Err(e) => return split(e).map(Err),
        };
        let g = &self.guests[k];
        let allocs = g.script[g.script.len() - calls.len()..]
            .iter()
            .map(|e| (e.pages, e.ptr))
            .collect();
        let lift_from = match out_param {
            Some(p) => LiftFrom::Pointer(p),
            None => LiftFrom::Flat { max_flat },
        };
        self.events
            .push(ExpectedEvent::Report(Box::new(ExpectedReport {
                id: k,
                phase,
                flat,
                memory: g.mem.clone(),
                fresh,
                reallocs: g.calls.clone(),
                values: vals.to_vec(),
                tys: tys.to_vec(),
                encoding,
                lift_from,
                replay: Replay {
                    pre,
                    encoding,
                    source,
                    allocs,
                    max_flat,
                    out_param,
                },
            })));
        Ok(Ok(()))
    }

    /// Lays out `vals` (host strings) in guest `k`'s memory with the host's
    /// placement; returns the flat values.
    fn layout(
        &mut self,
        k: usize,
        encoding: StringEncoding,
        vals: &[Val],
        tys: &[Ty],
        max_flat: usize,
    ) -> Result<Vec<CoreVal>, SimError> {
        let kind = self.spec.guests[k].image_place;
        let g = &mut self.guests[k];
        g.mem.clear_written();
        let (mut fresh, mut script, mut count) = (Vec::new(), Vec::new(), 0);
        let mut recorder = Recorder {
            kind,
            place: &mut g.place,
            script: &mut script,
            fresh: &mut fresh,
            record: false,
            count: &mut count,
            bad: None,
        };
        let mut cx = LowerCx::new(self.abi, encoding, &mut g.mem, &mut recorder);
        lower_flat_values(&mut cx, max_flat, vals, tys, None)
            .map_err(|e| SimError(format!("laying out a step image: {e}")))
    }

    /// The call step of guest `k`: its arguments laid out (and, when the
    /// result spills, a return pointer), the injection applied if it aims
    /// here. Returns the flat arguments and the return pointer.
    fn call_image(
        &mut self,
        k: usize,
        encoding: StringEncoding,
        vals: &[Val],
        lower_params: &[CoreType],
    ) -> Result<(Vec<CoreVal>, Option<u32>), SimError> {
        let params = self.params.clone();
        let mut flat = self.layout(k, encoding, vals, &params, MAX_FLAT_PARAMS)?;
        let spilled_result = lower_params.len() > flat.len();
        let mut retptr = None;
        if spilled_result {
            let tuple = Ty::Tuple(self.result.clone());
            let l = self.abi.layout(&tuple);
            let kind = self.spec.guests[k].image_place;
            let g = &mut self.guests[k];
            let p = g
                .place
                .place(kind, &mut g.mem, u64::from(l.align), u64::from(l.size));
            flat.push(CoreVal::I32(p as u32));
        }
        let image = Image {
            guest: k,
            call: true,
        };
        let encoding_tys = (encoding, params, self.result.clone());
        self.finish_image(image, &mut flat, encoding_tys)?;
        if spilled_result {
            retptr = match flat.last() {
                Some(CoreVal::I32(p)) => Some(*p),
                _ => None,
            };
            flat.pop();
        }
        let g = &self.guests[k];
        let mut all = flat.clone();
        if let Some(p) = retptr {
            all.push(CoreVal::I32(p));
        }
        self.steps[k].push_back(Step {
            call: true,
            flat: all.iter().map(|v| core_bits(*v)).collect(),
            pages: (g.mem.len() / PAGE_SIZE) as u32,
            image: trimmed(g.mem.bytes()),
        });
        Ok((flat, retptr))
    }

    /// The return step of guest `k`.
    fn return_image(
        &mut self,
        k: usize,
        encoding: StringEncoding,
        vals: &[Val],
    ) -> Result<Vec<CoreVal>, SimError> {
        let result = self.result.clone();
        let mut flat = self.layout(k, encoding, vals, &result, MAX_FLAT_RESULTS)?;
        let image = Image {
            guest: k,
            call: false,
        };
        self.finish_image(image, &mut flat, (encoding, result, Vec::new()))?;
        let g = &self.guests[k];
        self.steps[k].push_back(Step {
            call: false,
            flat: flat.iter().map(|v| core_bits(*v)).collect(),
            pages: (g.mem.len() / PAGE_SIZE) as u32,
            image: trimmed(g.mem.bytes()),
        });
        Ok(flat)
    }

    /// Collects the image's sites (when asked) and applies the injection
    /// aimed at it. `flat` includes the return pointer of a call step.
    fn finish_image(
        &mut self,
        image: Image,
        flat: &mut [CoreVal],
        (encoding, tys, result): (StringEncoding, Vec<Ty>, Vec<Ty>),
    ) -> Result<(), SimError> {
        let k = image.guest;
        if self.want_sites {
            let max_flat = if image.call {
                MAX_FLAT_PARAMS
            } else {
                MAX_FLAT_RESULTS
            };
            let sites = collect_sites(
                self.abi,
                encoding,
                &self.guests[k].mem,
                flat,
                &tys,
                max_flat,
                image.call.then_some(result.as_slice()),
            );
            self.sites.extend(sites.into_iter().map(|s| (image, s)));
        }
        if let Some(Injection::Image {
            image: at,
            mutation,
        }) = self.injection
            && *at == image
        {
            mutation
                .apply(&mut self.guests[k].mem, flat)
                .map_err(|e| SimError(format!("applying the mutation: {e}")))?;
        }
        Ok(())
    }
}
