//! The leak check's create/drop cycles, what one leak check found, and the
//! growth that counts as a leak.

use super::{Report, Violation};
use crate::resources::step::{Arg, Key, Step};

/// One kind of create/drop cycle of the leak check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cycle {
    /// The host constructs a thing and drops it.
    NewDrop,
    /// The guest makes a token (through the host) and releases it.
    CreateRelease,
    /// The host passes a thing and a new token in, takes them back, and
    /// drops both.
    HoldTake,
    /// The host lends a thing and a token in every way.
    Borrows,
}

impl Cycle {
    pub const ALL: [Cycle; 4] = [
        Cycle::NewDrop,
        Cycle::CreateRelease,
        Cycle::HoldTake,
        Cycle::Borrows,
    ];

    /// A short name, as the table prints it.
    pub fn name(self) -> &'static str {
        match self {
            Cycle::NewDrop => "new+drop",
            Cycle::CreateRelease => "create+release",
            Cycle::HoldTake => "hold+take+drop",
            Cycle::Borrows => "borrows",
        }
    }

    /// The cycle as steps (ids from 1).
    pub fn describe(self) -> String {
        self.body(1)
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub(super) fn setup(self) -> Vec<Step> {
        match self {
            Cycle::Borrows => crate::resources::step::parse_steps("new t1\ncreate k2\ntake [k2]")
                .expect("the setup parses"),
            _ => vec![],
        }
    }

    /// One cycle, with new ids from `id`.
    pub(super) fn body(self, id: u32) -> Vec<Step> {
        let (t, k) = (Key::thing(id), Key::token(id + 1));
        match self {
            Cycle::NewDrop => vec![
                Step::New {
                    id,
                    via: crate::resources::step::Via::Constructor,
                },
                Step::Drop { key: t },
            ],
            Cycle::CreateRelease => vec![Step::Create { key: k }, Step::Release { key: k }],
            Cycle::HoldTake => vec![
                Step::New {
                    id,
                    via: crate::resources::step::Via::Constructor,
                },
                Step::Hold {
                    items: vec![Some(Arg::Held(t)), None, Some(Arg::NewToken(k.id))],
                },
                Step::Take { keys: vec![t, k] },
                Step::Drop { key: t },
                Step::Drop { key: k },
            ],
            Cycle::Borrows => vec![
                Step::Method { thing: 1 },
                Step::Inspect { key: Key::token(2) },
                Step::InspectThings {
                    items: vec![Some(1), None, Some(1)],
                },
                Step::InspectPair { thing: 1, token: 2 },
                Step::InspectTuple { thing: 1, token: 2 },
            ],
        }
    }
}

/// What one leak check found.
#[derive(Debug, Clone)]
pub struct LeakReport {
    pub cycle: Cycle,
    pub cycles: u32,
    /// The guest's report after the warm-up, and after the cycles.
    pub before: Report,
    pub after: Report,
    /// What went wrong: the first destructor or live-count violation (after
    /// which the cycles go on), a failed call (after which they cannot), and
    /// memory growth.
    pub violations: Vec<Violation>,
    /// Whether every cycle ran (the measurement is complete).
    pub completed: bool,
}

impl LeakReport {
    /// `+0 B heap, +0 objects, +0 KiB memory`.
    pub fn growth_text(&self) -> String {
        if !self.completed {
            return "not measured".into();
        }
        let delta = |a: Option<u64>, b: Option<u64>| match (a, b) {
            (Some(a), Some(b)) => format!("{:+}", a as i64 - b as i64),
            _ => "?".into(),
        };
        format!(
            "{} B heap, {} objects, {:+} KiB memory",
            delta(self.after.heap_bytes, self.before.heap_bytes),
            delta(self.after.heap_objects, self.before.heap_objects),
            (self.after.memory_bytes as i64 - self.before.memory_bytes as i64) / 1024
        )
    }
}

/// The growth that counts as a leak over `cycles` cycles, if there is one:
/// live heap bytes grown by more than 2 bytes a cycle and 32 KiB in all
/// (a collector's or an allocator's own bookkeeping moves by a few KiB;
/// a leak of one small object a cycle is 16 bytes or more), a live
/// allocation for every fourth cycle, or linear memory grown by more than a
/// 64 KiB page for every thousand cycles.
pub(super) fn growth(before: &Report, after: &Report, cycles: u32) -> Option<String> {
    let cycles = u64::from(cycles.max(1));
    if let (Some(b), Some(a)) = (before.heap_bytes, after.heap_bytes)
        && a > b + (2 * cycles).max(32 * 1024)
    {
        return Some(format!(
            "live heap bytes grew from {b} to {a} over {cycles} cycles ({:.1} bytes per cycle)",
            (a - b) as f64 / cycles as f64
        ));
    }
    if let (Some(b), Some(a)) = (before.heap_objects, after.heap_objects)
        && a > b + cycles / 4
    {
        return Some(format!(
            "live allocations grew from {b} to {a} over {cycles} cycles ({:.2} per cycle)",
            (a - b) as f64 / cycles as f64
        ));
    }
    let pages = (after.memory_bytes.saturating_sub(before.memory_bytes)) / 65536;
    if pages > cycles / 1000 {
        return Some(format!(
            "linear memory grew from {} to {} bytes over {cycles} cycles",
            before.memory_bytes, after.memory_bytes
        ));
    }
    None
}
