//! The sandbox's limits at run time: a wall-clock deadline per call and
//! per instantiation (wasmtime's epoch interruption, driven by a ticker
//! thread per engine), and telling which limit stopped a guest.
//!
//! Fuel bounds the wasm instructions a call runs, deterministically; the
//! deadline bounds the time it takes, whatever it does (a huge fuel budget,
//! a slow host call). A guest that sleeps is stopped by the same deadline in
//! virtual time (see [`super::clock`]). Either way the call is a `limit`
//! finding, whose class names the limit, and the next call gets a fresh
//! instance.

use super::clock::{DeadlineExceeded, TimeBudget};
use super::{GuestState, HostConfig};
use std::time::Duration;
use wasmtime::{Engine, Store, Trap};

/// How often the engine's epoch moves: the deadline's granularity.
pub const EPOCH_TICK: Duration = Duration::from_millis(20);

/// Starts the thread that moves `engine`'s epoch every [`EPOCH_TICK`]; it
/// ends soon after the engine is dropped.
pub(crate) fn start_ticker(engine: &Engine) {
    let weak = engine.weak();
    let spawned = std::thread::Builder::new()
        .name("witness-epoch".into())
        .spawn(move || {
            loop {
                std::thread::sleep(EPOCH_TICK);
                match weak.upgrade() {
                    Some(engine) => engine.increment_epoch(),
                    None => break,
                }
            }
        });
    // Without the thread no deadline fires, but fuel still bounds every
    // call: not worth failing the host for.
    if let Err(e) = spawned {
        eprintln!("witness: could not start the wall-clock deadline thread: {e}");
    }
}

/// Epoch ticks in `deadline` (at least one).
fn ticks(deadline: Duration) -> u64 {
    (deadline.as_nanos() / EPOCH_TICK.as_nanos()).clamp(1, u128::from(u64::MAX)) as u64
}

/// `10 s`, `1.5 s`, `250 ms`: a deadline as findings name it.
pub fn describe(deadline: Duration) -> String {
    if deadline.subsec_nanos() == 0 {
        format!("{} s", deadline.as_secs())
    } else if deadline < Duration::from_secs(1) {
        format!("{} ms", deadline.as_millis())
    } else {
        format!("{:.1} s", deadline.as_secs_f64())
    }
}

/// Arms `store` for one call (or instantiation) of at most `deadline`:
/// fresh fuel, the epoch deadline, the virtual-time budget, and no memory
/// growth refused yet.
pub(crate) fn arm<D>(store: &mut Store<GuestState<D>>, fuel: u64, deadline: Duration) {
    store
        .set_fuel(fuel)
        .expect("fuel is enabled on witness engines");
    store.set_epoch_deadline(ticks(deadline));
    let state = store.data_mut();
    state.budget = TimeBudget {
        started: state.time.now(),
        deadline,
    };
    state.limits.refused_growth = false;
}

/// Arms `store` for the next call with the host's per-call limits (see
/// [`HostConfig::fuel_per_call`] and [`HostConfig::deadline`]). Every call
/// into a guest starts with this.
pub fn begin_call<D>(store: &mut Store<GuestState<D>>, config: &HostConfig) {
    arm(store, config.fuel_per_call, config.deadline);
}

/// Which of the sandbox's limits stopped the call that failed with `e`, as
/// a finding's message; `None` when it was not a limit.
pub fn limit_reached<D>(
    e: &wasmtime::Error,
    state: &GuestState<D>,
    config: &HostConfig,
) -> Option<String> {
    let deadline = state.budget.deadline;
    match e.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => {
            return Some("all fuel consumed (the guest ran too long)".into());
        }
        Some(Trap::Interrupt) => return Some(deadline_message(deadline)),
        _ => {}
    }
    if e.downcast_ref::<DeadlineExceeded>().is_some() {
        return Some(deadline_message(deadline));
    }
    // The guest's allocator traps (usually `unreachable`) once memory.grow
    // has failed: the cause is the cap the limiter enforced.
    if state.limits.refused_growth {
        return Some(memory_limit_message(config.memory_limit));
    }
    let root_cause = e.root_cause().to_string();
    (root_cause.contains("memory") && root_cause.contains("limit")).then_some(root_cause)
}

/// What a call stopped by the linear memory cap says.
pub fn memory_limit_message(limit: usize) -> String {
    format!("linear memory limit of {} reached", describe_bytes(limit))
}

/// `64 MiB`, or `1000 bytes` when not a whole number of MiB.
fn describe_bytes(bytes: usize) -> String {
    if bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

/// What an instantiation error's message starts with when a limit
/// stopped it (the rest names the limit).
pub const INSTANTIATION_LIMIT_PREFIX: &str = "limit: ";

/// The finding kind of a failed instantiation with `message` (from
/// [`crate::host::HostError::Instantiate`]): `limit` when a sandbox limit
/// stopped it, else `trap`.
pub fn instantiation_failure_kind(message: &str) -> crate::finding::Kind {
    if message.starts_with(INSTANTIATION_LIMIT_PREFIX) {
        crate::finding::Kind::Limit
    } else {
        crate::finding::Kind::Trap
    }
}

/// The message of a call stopped by its deadline, computing or sleeping.
pub fn deadline_message(deadline: Duration) -> String {
    format!("wall-clock deadline of {} exceeded", describe(deadline))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_are_named_in_readable_units() {
        assert_eq!(describe(Duration::from_secs(10)), "10 s");
        assert_eq!(describe(Duration::from_millis(250)), "250 ms");
        assert_eq!(describe(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(ticks(Duration::ZERO), 1);
        assert_eq!(ticks(Duration::from_secs(1)), 50);
    }
}
