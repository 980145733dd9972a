//! Virtual time: the clocks a guest sees, and its sleeps.
//!
//! A guest never sees the host's clocks. Each store has one [`VirtualTime`],
//! a count of nanoseconds that starts at a value drawn from the store's
//! seed and moves forward only when the guest looks at it (by
//! [`READ_TICK`] per read of either clock) or sleeps (by the time it asked
//! to sleep). The wall clock is a fixed date plus that count, the
//! monotonic clock the count itself. So the same (seed, world, call) sees
//! the same times, and a language runtime that reads the clock (Go's
//! garbage collector paces itself by it) behaves the same in every run.
//!
//! Sleeping (`wasi:clocks/monotonic-clock`'s `subscribe-duration` and
//! `subscribe-instant`, which every language's `sleep` ends up in) returns
//! at once, having advanced virtual time. A sleep that takes the call past
//! its wall-clock deadline stops the call with [`DeadlineExceeded`] instead,
//! just as a guest that computes past it is stopped by epoch interruption
//! (see [`super::deadline`]): either way the call is a `limit`.

use super::GuestState;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use wasmtime::component::{Linker, Resource};
use wasmtime_wasi::p2::{DynPollable, Pollable};
use wasmtime_wasi::{HostMonotonicClock, HostWallClock};

/// How far virtual time moves each time a guest reads a clock.
pub const READ_TICK: Duration = Duration::from_micros(1);

/// The wall clock's reading at virtual time zero: 2026-01-01T00:00:00Z.
const WALL_EPOCH: Duration = Duration::from_secs(1_767_225_600);

/// The `wasi:clocks` version whose sleeps are replaced (the one
/// wasmtime-wasi 48 defines; guests importing older 0.2 versions are linked
/// to it).
pub(crate) const MONOTONIC_CLOCK: &str = "wasi:clocks/monotonic-clock@0.2.12";

/// A store's virtual time, shared by its two clocks and its sleeps.
#[derive(Debug)]
pub struct VirtualTime {
    nanos: AtomicU64,
}

impl VirtualTime {
    /// Time starting at a point drawn from `seed` (within the first day, so
    /// that nothing is near an overflow).
    pub fn new(seed: u64) -> Arc<VirtualTime> {
        let start =
            crate::seed::SeedStream::new(seed, &[0x0063_6c6f_636b]).next_u64() % 86_400_000_000_000;
        Arc::new(VirtualTime {
            nanos: AtomicU64::new(start),
        })
    }

    /// The current virtual time, in nanoseconds, without moving it.
    pub fn now(&self) -> u64 {
        self.nanos.load(Ordering::Relaxed)
    }

    /// Moves time forward by `nanos` and returns the new time.
    pub fn advance(&self, nanos: u64) -> u64 {
        let mut now = self.now();
        loop {
            let next = now.saturating_add(nanos);
            match self
                .nanos
                .compare_exchange(now, next, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return next,
                Err(seen) => now = seen,
            }
        }
    }

    fn read(&self) -> u64 {
        self.advance(READ_TICK.as_nanos() as u64)
    }
}

/// `wasi:clocks/wall-clock` over virtual time.
pub struct VirtualWallClock(pub Arc<VirtualTime>);

impl HostWallClock for VirtualWallClock {
    fn resolution(&self) -> Duration {
        READ_TICK
    }

    fn now(&self) -> Duration {
        WALL_EPOCH + Duration::from_nanos(self.0.read())
    }
}

/// `wasi:clocks/monotonic-clock`'s readings over virtual time.
pub struct VirtualMonotonicClock(pub Arc<VirtualTime>);

impl HostMonotonicClock for VirtualMonotonicClock {
    fn resolution(&self) -> u64 {
        READ_TICK.as_nanos() as u64
    }

    fn now(&self) -> u64 {
        self.0.read()
    }
}

/// The virtual time a store may spend in the current call (or
/// instantiation) before it is stopped.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TimeBudget {
    /// Virtual time when the call began.
    pub started: u64,
    pub deadline: Duration,
}

/// A guest slept past its call's wall-clock deadline.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the guest slept past the wall-clock deadline of {}", super::deadline::describe(*.deadline))]
pub struct DeadlineExceeded {
    pub deadline: Duration,
}

/// A pollable that is ready at once: a sleep that already happened.
struct Elapsed;

#[wasmtime_wasi::async_trait]
impl Pollable for Elapsed {
    async fn ready(&mut self) {}
}

/// Replaces `subscribe-duration` and `subscribe-instant` in `linker` (which
/// already has WASI in it) with virtual sleeps.
pub(crate) fn add_virtual_sleeps<D: Send + 'static>(
    linker: &mut Linker<GuestState<D>>,
) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    let mut clock = linker.instance(MONOTONIC_CLOCK)?;
    clock.func_wrap("subscribe-duration", |mut store, (nanos,): (u64,)| {
        sleep(store.data_mut(), |_| nanos).map(|p| (p,))
    })?;
    clock.func_wrap("subscribe-instant", |mut store, (when,): (u64,)| {
        sleep(store.data_mut(), |now| when.saturating_sub(now)).map(|p| (p,))
    })?;
    linker.allow_shadowing(false);
    Ok(())
}

/// Advances virtual time by `how_long(now)`, or fails when that passes the
/// budget's deadline; returns a pollable that is ready.
fn sleep<D>(
    state: &mut GuestState<D>,
    how_long: impl FnOnce(u64) -> u64,
) -> wasmtime::Result<Resource<DynPollable>> {
    let now = state.time.now();
    let then = state.time.advance(how_long(now));
    let budget = state.budget;
    let spent = then.saturating_sub(budget.started);
    if u128::from(spent) > budget.deadline.as_nanos() {
        return Err(wasmtime::Error::new(DeadlineExceeded {
            deadline: budget.deadline,
        }));
    }
    let elapsed = state.table.push(Elapsed)?;
    wasmtime_wasi::p2::subscribe(&mut state.table, elapsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_times_and_reads_move_forward() {
        let a = VirtualTime::new(3);
        let b = VirtualTime::new(3);
        let (wall_a, wall_b) = (VirtualWallClock(a.clone()), VirtualWallClock(b.clone()));
        let (mono_a, mono_b) = (VirtualMonotonicClock(a), VirtualMonotonicClock(b));
        let seq = |w: &VirtualWallClock, m: &VirtualMonotonicClock| {
            vec![
                w.now().as_nanos() as u64,
                m.now(),
                m.now(),
                w.now().as_nanos() as u64,
            ]
        };
        let (sa, sb) = (seq(&wall_a, &mono_a), seq(&wall_b, &mono_b));
        assert_eq!(sa, sb);
        assert!(mono_a.now() > sa[2], "time only moves forward");
        assert_ne!(VirtualTime::new(4).now(), VirtualTime::new(3).now());
    }
}
