//! Judging one call: what the guests reported and what the host received,
//! against the reference's [`Simulation`].
//!
//! - A report must have the reference's flat values (floats by bits, any
//!   NaN equal to any NaN), the reference's `realloc` calls so far, and the
//!   reference's memory: every byte the phase wrote, and every byte outside
//!   the phase's fresh blocks (so a write past a block is caught). Bytes
//!   that only differ inside NaNs are excused: they are found by replaying
//!   the phase with two different NaN patterns.
//! - Values the host receives (the upstream arguments and the result) must
//!   equal the reference's lift, as [`crate::value::compare`] sees it.
//! - When the spec traps, wasmtime must trap at the same point, with a kind
//!   that [`traps::agrees`] with the spec's; when it does not, wasmtime
//!   must not.
//!
//! Every failure is kept (a report mismatch does not stop the judging), up
//! to the point where the event sequences part.

use std::collections::VecDeque;
use std::fmt::Write as _;

use wasmtime::component::Val;

use super::sim::{
    ExpectedEnd, ExpectedEvent, ExpectedReport, LiftFrom, Phase, Simulation, core_from_bits,
};
use super::traps;
use crate::abi::{
    Abi, CoreVal, LiftCx, LowerCx, Memory, Realloc, ReallocCall, Trap, lift_flat_values, load,
    lower_flat_values,
};
use crate::finding::normalise_message;
use crate::rawguest::host::{Event, Observation, Report};
use crate::rawguest::layout::*;
use crate::ty::Ty;
use crate::value::compare;

/// One way the call disagreed with the reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub phase: Phase,
    /// A short class for the finding signature (no numbers or addresses).
    pub class: String,
    /// What happened, for a person.
    pub detail: String,
}

impl Failure {
    /// The finding kind: `host-crash` or `hang` when the runtime died (in
    /// its executor, or a panic in process), else `abi`.
    pub fn kind(&self) -> crate::finding::Kind {
        crate::runtime::executor::kind_of_class(&self.class).unwrap_or(crate::finding::Kind::Abi)
    }

    fn new(phase: Phase, class: impl Into<String>, detail: impl Into<String>) -> Self {
        Failure {
            phase,
            class: class.into(),
            detail: detail.into(),
        }
    }
}

/// What the judge needs to know besides the simulation.
pub struct Context<'a> {
    pub abi: &'a Abi<'a>,
    pub guests: usize,
    pub param_names: Vec<String>,
}

/// Every disagreement between the call and the reference (empty: it passed).
pub fn judge(cx: &Context<'_>, sim: &Simulation, obs: &Observation) -> Vec<Failure> {
    let mut failures = Vec::new();
    let mut observed = obs.events.iter();
    let mut last_phase = Phase::LowerParams(0);
    for exp in &sim.events {
        let phase = match exp {
            ExpectedEvent::Report(r) => r.phase,
            ExpectedEvent::Step(_) => last_phase,
            ExpectedEvent::Upstream(_) => Phase::LiftArgs(cx.guests - 1),
        };
        last_phase = phase;
        match (exp, observed.next()) {
            (ExpectedEvent::Report(er), Some(Event::Report(r))) if r.id as usize == er.id => {
                failures.extend(compare_report(cx.abi, er, r));
            }
            (ExpectedEvent::Step(k), Some(Event::Step(id))) if *id as usize == *k => {}
            (ExpectedEvent::Upstream(want), Some(Event::Upstream(got))) => {
                failures.extend(compare_vals(phase, &cx.param_names, want, got));
            }
            (_, None) => {
                failures.push(stopped(phase, exp, obs));
                return failures;
            }
            (_, Some(other)) => {
                failures.push(Failure::new(
                    phase,
                    "the call went another way",
                    format!(
                        "expected {}, but the guests did this: {}",
                        describe_expected(exp),
                        describe_event(other)
                    ),
                ));
                return failures;
            }
        }
    }
    let extra = observed.next();
    match &sim.end {
        ExpectedEnd::Value {
            result,
            post_calls,
            post_arg,
        } => {
            let phase = Phase::LiftResult(0);
            if let Some(e) = extra {
                failures.push(Failure::new(
                    phase,
                    "the call went another way",
                    format!(
                        "an unexpected event after the last expected one: {}",
                        describe_event(e)
                    ),
                ));
                return failures;
            }
            match &obs.outcome {
                Ok(got) => {
                    match (result, got) {
                        (Some(want), Some(got)) => {
                            if let Err(d) = compare("result", want, got) {
                                failures.push(Failure::new(
                                    phase,
                                    format!("value differs: {}", d.kind.as_str()),
                                    format!(
                                        "wasmtime lifted a result that is not the reference's: {d}"
                                    ),
                                ));
                            }
                        }
                        (None, None) => {}
                        _ => failures.push(Failure::new(
                            phase,
                            "result presence differs",
                            format!(
                                "expected {}, wasmtime returned {}",
                                result.as_ref().map_or("nothing".into(), brief),
                                got.as_ref().map_or("nothing".into(), brief)
                            ),
                        )),
                    }
                    failures.extend(check_post(obs, *post_calls, *post_arg));
                }
                Err(e) if e.limit => failures.push(Failure::new(
                    phase,
                    "sandbox limit",
                    format!("the call hit a limit of the sandbox: {}", e.message),
                )),
                Err(e) => failures.push(Failure::new(
                    last_phase_of(sim, cx.guests),
                    format!(
                        "wasmtime traps, the spec does not: {}",
                        normalise_message(&e.root_cause)
                    ),
                    format!(
                        "the reference lifts a value here, wasmtime failed: {}",
                        e.message
                    ),
                )),
            }
        }
        ExpectedEnd::Trap { phase, trap } => {
            if let Some(e) = extra {
                failures.push(Failure::new(
                    *phase,
                    format!("the spec traps ({}), wasmtime went on", trap.kind),
                    format!(
                        "the spec traps here ({trap}), but wasmtime went on: {}",
                        describe_event(e)
                    ),
                ));
                return failures;
            }
            match &obs.outcome {
                Ok(v) => failures.push(Failure::new(
                    *phase,
                    format!("the spec traps ({}), wasmtime returned", trap.kind),
                    format!(
                        "the spec traps here ({trap}), but the call returned {}",
                        v.as_ref().map_or("nothing".into(), brief)
                    ),
                )),
                Err(e) if e.limit => failures.push(Failure::new(
                    *phase,
                    "sandbox limit",
                    format!("the call hit a limit of the sandbox: {}", e.message),
                )),
                Err(e) => match traps::classify(&e.root_cause) {
                    Some(k) if traps::agrees(trap.kind, k) => {}
                    Some(k) => failures.push(Failure::new(
                        *phase,
                        format!("trap kind differs: spec {}, wasmtime {k}", trap.kind),
                        format!("the spec traps with {trap}; wasmtime: {}", e.message),
                    )),
                    None => failures.push(Failure::new(
                        *phase,
                        format!(
                            "unclassified wasmtime trap: {}",
                            normalise_message(&e.root_cause)
                        ),
                        format!(
                            "the spec traps with {trap}; wasmtime failed with a message the trap \
                             table does not know: {}",
                            e.message
                        ),
                    )),
                },
            }
        }
    }
    failures
}

/// The phase of the last expected event (where a trap after it happened).
fn last_phase_of(sim: &Simulation, guests: usize) -> Phase {
    match sim.events.last() {
        Some(ExpectedEvent::Report(r)) => r.phase,
        Some(ExpectedEvent::Upstream(_)) => Phase::LowerResult(guests - 1),
        _ => Phase::LiftResult(0),
    }
}

/// The expected event `exp` did not come: the call ended before it.
fn stopped(phase: Phase, exp: &ExpectedEvent, obs: &Observation) -> Failure {
    match &obs.outcome {
        Err(e) if e.limit => Failure::new(
            phase,
            "sandbox limit",
            format!("the call hit a limit of the sandbox: {}", e.message),
        ),
        Err(e) => Failure::new(
            phase,
            format!(
                "wasmtime traps, the spec does not: {}",
                normalise_message(&e.root_cause)
            ),
            format!(
                "the call failed before {} (which the spec leads to): {}",
                describe_expected(exp),
                e.message
            ),
        ),
        Ok(v) => Failure::new(
            phase,
            "the call went another way",
            format!(
                "the call returned {} without {}",
                v.as_ref().map_or("nothing".into(), brief),
                describe_expected(exp)
            ),
        ),
    }
}

fn describe_expected(e: &ExpectedEvent) -> String {
    match e {
        ExpectedEvent::Report(r) => format!("a report of raw{} after {:?}", r.id, r.phase),
        ExpectedEvent::Step(k) => format!("a step of raw{k}"),
        ExpectedEvent::Upstream(_) => "the call of the host's upstream".into(),
    }
}

fn describe_event(e: &Event) -> String {
    match e {
        Event::Report(r) => format!("a report of raw{}", r.id),
        Event::Step(k) => format!("a step of raw{k}"),
        Event::Upstream(args) => format!(
            "the host's upstream called with ({})",
            args.iter().map(brief).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// A value in a few hundred characters at most (values can be huge).
pub fn brief(v: &Val) -> String {
    let mut out = String::new();
    brief_into(v, &mut out, 3);
    out
}

fn brief_into(v: &Val, out: &mut String, depth: usize) {
    let items = |out: &mut String, open: &str, vs: &mut dyn Iterator<Item = &Val>, n: usize| {
        out.push_str(open);
        for (i, v) in vs.take(4).enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            brief_into(v, out, depth.saturating_sub(1));
        }
        if n > 4 {
            let _ = write!(out, ", ... {n} in all");
        }
    };
    if depth == 0 {
        out.push_str("...");
        return;
    }
    match v {
        Val::String(s) if s.len() > 48 => {
            let mut cut = 48;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            let _ = write!(out, "{:?}... ({} bytes)", &s[..cut], s.len());
        }
        Val::List(vs) | Val::FixedLengthList(vs) => {
            items(out, "[", &mut vs.iter(), vs.len());
            out.push(']');
        }
        Val::Tuple(vs) => {
            items(out, "(", &mut vs.iter(), vs.len());
            out.push(')');
        }
        Val::Record(fs) => {
            items(out, "{", &mut fs.iter().map(|(_, v)| v), fs.len());
            out.push('}');
        }
        Val::Variant(n, Some(p)) => {
            let _ = write!(out, "{n}(");
            brief_into(p, out, depth - 1);
            out.push(')');
        }
        Val::Option(Some(p)) | Val::Result(Ok(Some(p)) | Err(Some(p))) => {
            out.push_str(match v {
                Val::Option(_) => "some(",
                Val::Result(Ok(_)) => "ok(",
                _ => "err(",
            });
            brief_into(p, out, depth - 1);
            out.push(')');
        }
        other => {
            let text = format!("{other:?}");
            let mut cut = text.len().min(120);
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            out.push_str(&text[..cut]);
        }
    }
}

fn compare_vals(phase: Phase, names: &[String], want: &[Val], got: &[Val]) -> Vec<Failure> {
    if want.len() != got.len() {
        return vec![Failure::new(
            phase,
            "argument count differs",
            format!("{} arguments expected, {} received", want.len(), got.len()),
        )];
    }
    for (i, (w, g)) in want.iter().zip(got).enumerate() {
        let name = names.get(i).cloned().unwrap_or_else(|| format!("arg{i}"));
        if let Err(d) = compare(&name, w, g) {
            return vec![Failure::new(
                phase,
                format!("value differs: {}", d.kind.as_str()),
                format!("wasmtime lifted an argument that is not the reference's: {d}"),
            )];
        }
    }
    Vec::new()
}

fn check_post(obs: &Observation, calls: u32, arg: Option<u64>) -> Vec<Failure> {
    let phase = Phase::PostReturn;
    let Some(control) = &obs.control_after else {
        return vec![Failure::new(
            phase,
            "no control block",
            "take-log failed after the call",
        )];
    };
    let word = |at: u32| control.get(at as usize..at as usize + 4).map(le32);
    let count = word(STATE_POST_COUNT).unwrap_or(u32::MAX);
    if count != calls {
        return vec![Failure::new(
            phase,
            "post-return call count differs",
            format!("post-return ran {count} times, the spec calls it {calls} times"),
        )];
    }
    if let Some(want) = arg {
        let got = control
            .get(STATE_POST_ARG as usize..STATE_POST_ARG as usize + 8)
            .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")));
        if got != Some(want) {
            return vec![Failure::new(
                phase,
                "post-return argument differs",
                format!("post-return got {got:x?}, the flat result was {want:#x}"),
            )];
        }
    }
    Vec::new()
}

fn le32(b: &[u8]) -> u32 {
    u32::from_le_bytes(b.try_into().expect("4 bytes"))
}

/// The `realloc` calls logged in a control block.
pub fn logged_reallocs(control: &[u8]) -> Vec<ReallocCall> {
    let mut out = Vec::new();
    let mut at = SCRIPT_BASE as usize;
    while at + ENTRY_SIZE as usize <= control.len() {
        let field = |off: u32| le32(&control[at + off as usize..][..4]);
        if field(ENTRY_USED) == 0 {
            break;
        }
        out.push(ReallocCall {
            old_ptr: field(ENTRY_OLD_PTR),
            old_size: field(ENTRY_OLD_SIZE),
            align: field(ENTRY_ALIGN),
            new_size: field(ENTRY_NEW_SIZE),
            result: field(ENTRY_PTR),
        });
        at += ENTRY_SIZE as usize;
    }
    out
}

fn same_bits(want: CoreVal, got: CoreVal) -> bool {
    match (want, got) {
        (CoreVal::F32(a), CoreVal::F32(b)) if a.is_nan() && b.is_nan() => true,
        (CoreVal::F64(a), CoreVal::F64(b)) if a.is_nan() && b.is_nan() => true,
        (a, b) => a == b,
    }
}

fn compare_report(abi: &Abi<'_>, exp: &ExpectedReport, got: &Report) -> Vec<Failure> {
    let phase = exp.phase;
    let mut failures = Vec::new();
    // Flat values.
    let got_flat: Vec<CoreVal> = exp
        .flat
        .iter()
        .zip(&got.flat)
        .map(|(w, bits)| core_from_bits(w.ty(), *bits))
        .collect();
    let mut flat_diffs: Vec<usize> = (0..exp.flat.len())
        .filter(|i| {
            got_flat
                .get(*i)
                .is_none_or(|g| !same_bits(exp.flat[*i], *g))
        })
        .collect();
    let nans = exp.values.iter().any(has_nan);
    let mut mask = None;
    if !flat_diffs.is_empty() && nans && got.flat.len() == exp.flat.len() {
        mask = nan_mask(abi, exp);
        if let Some((_, flat_mask)) = &mask {
            flat_diffs.retain(|i| !(flat_mask[*i] && is_nan_bits(exp.flat[*i], got_flat[*i])));
        }
    }
    if got.flat.len() != exp.flat.len() || !flat_diffs.is_empty() {
        failures.push(Failure::new(
            phase,
            "flat values differ",
            format!(
                "the reference passes {}, wasmtime passed {}",
                crate::abi::text::print_core_vals(&exp.flat),
                crate::abi::text::print_core_vals(&got_flat)
            ),
        ));
    }
    // The realloc calls.
    let logged = logged_reallocs(&got.control);
    let want_calls: Vec<_> = exp.reallocs.iter().map(call_args).collect();
    let got_calls: Vec<_> = logged.iter().map(call_args).collect();
    if want_calls != got_calls {
        let first = want_calls
            .iter()
            .zip(&got_calls)
            .position(|(a, b)| a != b)
            .unwrap_or(want_calls.len().min(got_calls.len()));
        failures.push(Failure::new(
            phase,
            "realloc calls differ",
            format!(
                "realloc call {first} differs (old_ptr, old_size, align, new_size): the spec makes \
                 {:x?}, wasmtime made {:x?}\nall calls, spec: {:x?}\nall calls, wasmtime: {:x?}",
                want_calls.get(first),
                got_calls.get(first),
                want_calls,
                got_calls
            ),
        ));
        return failures;
    }
    // The memory.
    if got.memory.len() as u64 != exp.memory.len() {
        failures.push(Failure::new(
            phase,
            "memory size differs",
            format!(
                "the guest's memory is {} bytes, the reference's {}",
                got.memory.len(),
                exp.memory.len()
            ),
        ));
        return failures;
    }
    let in_fresh = |a: u64| exp.fresh.iter().any(|(p, n)| a >= *p && a < p + n);
    let mut diffs: Vec<u64> = (0..exp.memory.len())
        .filter(|&a| {
            let (w, g) = (exp.memory.bytes()[a as usize], got.memory[a as usize]);
            w != g && (exp.memory.was_written(a) || !in_fresh(a))
        })
        .collect();
    if !diffs.is_empty() && nans {
        if mask.is_none() {
            mask = nan_mask(abi, exp);
        }
        if let Some((mem_mask, _)) = &mask {
            diffs.retain(|a| !mem_mask.get(*a as usize).copied().unwrap_or(false));
        }
    }
    if let Some(&first) = diffs.first() {
        let outside = diffs
            .iter()
            .any(|a| !exp.memory.was_written(*a) && !in_fresh(*a));
        let class = if outside {
            "wrote outside its blocks"
        } else {
            "bytes differ"
        };
        let mut detail = format!(
            "{} byte(s) differ, first at {first:#x} ({}):\n",
            diffs.len(),
            if exp.memory.was_written(first) {
                "written by the spec"
            } else {
                "not written by the spec, outside every block allocated in this phase"
            }
        );
        let from = first.saturating_sub(16) & !15;
        let to = (first + 32).min(exp.memory.len());
        let _ = writeln!(
            detail,
            "  reference: {}",
            hex_window(exp.memory.bytes(), from, to)
        );
        let _ = writeln!(detail, "  wasmtime:  {}", hex_window(&got.memory, from, to));
        let _ = writeln!(detail, "  {}", diagnose(abi, exp, got, &got_flat));
        failures.push(Failure::new(phase, class, detail));
    }
    failures
}

fn call_args(c: &ReallocCall) -> (u32, u32, u32, u32) {
    (c.old_ptr, c.old_size, c.align, c.new_size)
}

fn hex_window(bytes: &[u8], from: u64, to: u64) -> String {
    let mut out = format!("{from:#06x}:");
    for a in from..to {
        let _ = write!(out, " {:02x}", bytes.get(a as usize).copied().unwrap_or(0));
    }
    out
}

/// What the guest's bytes mean to the reference, against what was sent.
fn diagnose(abi: &Abi<'_>, exp: &ExpectedReport, got: &Report, got_flat: &[CoreVal]) -> String {
    let memory = Memory::from_bytes(got.memory.clone());
    let cx = LiftCx::new(abi, exp.encoding, &memory);
    let lifted = match exp.lift_from {
        LiftFrom::Flat { max_flat } => lift_flat_values(&cx, max_flat, got_flat, &exp.tys),
        LiftFrom::Pointer(p) => load(&cx, &Ty::Tuple(exp.tys.clone()), p).map(|v| match v {
            Val::Tuple(vs) => vs,
            other => vec![other],
        }),
    };
    match lifted {
        Err(e) => format!("the reference cannot lift what wasmtime wrote: {e}"),
        Ok(vals) => {
            for (i, (w, g)) in exp.values.iter().zip(&vals).enumerate() {
                if let Err(d) = compare(&format!("value{i}"), w, g) {
                    return format!(
                        "the reference lifts what wasmtime wrote as another value: {d}"
                    );
                }
            }
            "the reference lifts what wasmtime wrote as the same values (the bytes differ where \
             the values do not: a bool byte, flag bits, or padding the spec leaves alone)"
                .into()
        }
    }
}

fn has_nan(v: &Val) -> bool {
    match v {
        Val::Float32(f) => f.is_nan(),
        Val::Float64(f) => f.is_nan(),
        Val::List(vs) | Val::FixedLengthList(vs) | Val::Tuple(vs) => vs.iter().any(has_nan),
        Val::Record(fs) => fs.iter().any(|(_, v)| has_nan(v)),
        Val::Variant(_, p) | Val::Option(p) | Val::Result(Ok(p) | Err(p)) => {
            p.as_deref().is_some_and(has_nan)
        }
        Val::Map(es) => es.iter().any(|(k, v)| has_nan(k) || has_nan(v)),
        _ => false,
    }
}

fn replace_nans(v: &Val, f32_bits: u32, f64_bits: u64) -> Val {
    let r = |v: &Val| replace_nans(v, f32_bits, f64_bits);
    match v {
        Val::Float32(f) if f.is_nan() => Val::Float32(f32::from_bits(f32_bits)),
        Val::Float64(f) if f.is_nan() => Val::Float64(f64::from_bits(f64_bits)),
        Val::List(vs) => Val::List(vs.iter().map(r).collect()),
        Val::FixedLengthList(vs) => Val::FixedLengthList(vs.iter().map(r).collect()),
        Val::Tuple(vs) => Val::Tuple(vs.iter().map(r).collect()),
        Val::Record(fs) => Val::Record(fs.iter().map(|(n, v)| (n.clone(), r(v))).collect()),
        Val::Variant(n, p) => Val::Variant(n.clone(), p.as_deref().map(|v| Box::new(r(v)))),
        Val::Option(p) => Val::Option(p.as_deref().map(|v| Box::new(r(v)))),
        Val::Result(Ok(p)) => Val::Result(Ok(p.as_deref().map(|v| Box::new(r(v))))),
        Val::Result(Err(p)) => Val::Result(Err(p.as_deref().map(|v| Box::new(r(v))))),
        Val::Map(es) => Val::Map(es.iter().map(|(k, v)| (r(k), r(v))).collect()),
        other => other.clone(),
    }
}

/// Replays the guest's allocations of a phase.
struct Replayer(VecDeque<(u32, u32)>);

impl Realloc for Replayer {
    fn realloc(
        &mut self,
        mem: &mut Memory,
        old_ptr: u32,
        old_size: u32,
        _align: u32,
        new_size: u32,
    ) -> Result<u32, Trap> {
        let (pages, ptr) = self
            .0
            .pop_front()
            .ok_or_else(|| Trap::new(crate::abi::TrapKind::Guest, "replay ran out"))?;
        let want = u64::from(pages) * u64::from(PAGE_SIZE);
        if want > mem.len() {
            mem.grow(want - mem.len());
        }
        let n = u64::from(old_size.min(new_size));
        if u64::from(old_ptr) + n <= mem.len() && u64::from(ptr) + n <= mem.len() {
            mem.copy(u64::from(old_ptr), u64::from(ptr), n)?;
        }
        Ok(ptr)
    }
}

/// Whether a flat value holds a NaN (of either width, as a variant payload
/// may hold an `f32` in an `i32` or `i64` and an `f64` in an `i64`).
fn is_nan_bits(want: CoreVal, got: CoreVal) -> bool {
    match (want, got) {
        (CoreVal::I32(_), CoreVal::I32(x)) => f32::from_bits(x).is_nan(),
        (CoreVal::I64(_), CoreVal::I64(x)) => {
            f64::from_bits(x).is_nan() || (x >> 32 == 0 && f32::from_bits(x as u32).is_nan())
        }
        (CoreVal::F32(_), CoreVal::F32(f)) => f.is_nan(),
        (CoreVal::F64(_), CoreVal::F64(f)) => f.is_nan(),
        _ => false,
    }
}

/// The bytes and the flat values that hold NaNs in the phase's lowering:
/// those that differ between two replays with different NaN bits.
fn nan_mask(abi: &Abi<'_>, exp: &ExpectedReport) -> Option<(Vec<bool>, Vec<bool>)> {
    let run = |f32_bits: u32, f64_bits: u64| -> Option<(Memory, Vec<CoreVal>)> {
        let vals: Vec<Val> = exp
            .values
            .iter()
            .map(|v| replace_nans(v, f32_bits, f64_bits))
            .collect();
        let r = &exp.replay;
        let mut mem = r.pre.clone();
        let mut realloc = Replayer(r.allocs.iter().copied().collect());
        let mut cx = LowerCx::new(abi, r.encoding, &mut mem, &mut realloc);
        cx.source = r.source;
        let flat = lower_flat_values(&mut cx, r.max_flat, &vals, &exp.tys, r.out_param).ok()?;
        Some((mem, flat))
    };
    let (a, a_flat) = run(0x7fc0_0000, 0x7ff8_0000_0000_0000)?;
    let (b, b_flat) = run(u32::MAX, u64::MAX)?;
    let bytes = a
        .bytes()
        .iter()
        .zip(b.bytes())
        .map(|(x, y)| x != y)
        .collect();
    let flat = a_flat.iter().zip(&b_flat).map(|(x, y)| x != y).collect();
    Some((bytes, flat))
}
