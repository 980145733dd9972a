//! Shrinking: reducing a failing sequence to the fewest steps that still
//! fail the same way, by delta debugging over its steps.
//!
//! Chunks of steps are removed, from half the sequence down to single
//! steps; after each removal the sequence is normalised by the model (steps
//! that name a resource the removed steps made, or that no longer apply
//! where they stand, go too) and run again on a fresh instance. A candidate
//! is kept when it fails the same way: the same violation class, at the
//! same kind of step, with the same message (the caller decides, by the
//! finding's signature), so that shrinking does not slide from one bug to
//! another of the same class. Then each step is
//! made simpler where it can be (one list item fewer, no token in a
//! bundle), the same way. The result is renumbered so that its ids count
//! from 1.

use super::model::{normalise, renumber};
use super::step::Step;

/// The most candidate runs one shrink may spend.
pub const MAX_TRIALS: usize = 400;

/// The weight of a sequence: its steps and their list items.
pub fn weight(steps: &[Step]) -> u64 {
    steps.iter().map(Step::weight).sum()
}

/// What shrinking did.
#[derive(Debug, Clone)]
pub struct Shrunk {
    pub steps: Vec<Step>,
    /// Candidate sequences run.
    pub trials: usize,
}

/// Shrinks `steps`; `fails` runs a candidate and says whether it still
/// fails the same way.
pub fn shrink(steps: &[Step], mut fails: impl FnMut(&[Step]) -> bool) -> Shrunk {
    let mut current = normalise(steps);
    let mut trials = 0;
    let mut chunk = current.len().div_ceil(2).max(1);
    loop {
        let mut progressed = false;
        let mut at = 0;
        while at < current.len() && trials < MAX_TRIALS {
            let mut candidate = current[..at].to_vec();
            candidate.extend_from_slice(&current[(at + chunk).min(current.len())..]);
            let candidate = normalise(&candidate);
            if candidate.len() < current.len() {
                trials += 1;
                if fails(&candidate) {
                    current = candidate;
                    progressed = true;
                    continue;
                }
            }
            at += chunk;
        }
        if trials >= MAX_TRIALS || (chunk == 1 && !progressed) {
            break;
        }
        if !progressed {
            chunk = chunk.div_ceil(2).max(1);
            if chunk == 1 && current.len() <= 1 {
                break;
            }
        }
    }
    // Simpler steps, until none of them still fails.
    let mut at = 0;
    while at < current.len() && trials < MAX_TRIALS {
        let mut simplified = false;
        for simpler in current[at].simpler() {
            let mut candidate = current.clone();
            candidate[at] = simpler;
            let candidate = normalise(&candidate);
            if weight(&candidate) >= weight(&current) || trials >= MAX_TRIALS {
                continue;
            }
            trials += 1;
            if fails(&candidate) {
                current = candidate;
                simplified = true;
                break;
            }
        }
        if !simplified {
            at += 1;
        }
    }
    Shrunk {
        steps: renumber(&current),
        trials,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::step::{Kind, parse_steps, write_steps};

    #[test]
    fn a_failure_that_needs_two_steps_shrinks_to_those_two_and_their_dependencies() {
        // "Fails" whenever the guest releases a thing it holds: needs a
        // thing made by the host, given to the guest, and released.
        let steps = parse_steps(
            "create k1\nnew t2\nnew t3\nmethod t3\nhold [t3, +k4]\npoke k4\ndrop t2\ncreate t5\nrelease t3\nrelease k1\nnew t6\n",
        )
        .unwrap();
        let fails = |s: &[Step]| {
            let mut model = crate::resources::model::Model::new();
            // Whether it releases a thing the guest holds.
            s.iter().any(|step| {
                let expect = model.apply(step);
                matches!(step, Step::Release { .. })
                    && expect.destroyed.iter().any(|k| k.kind == Kind::Thing)
            })
        };
        let shrunk = shrink(&steps, fails);
        assert_eq!(
            write_steps(&shrunk.steps),
            "1. new t1\n2. hold [t1]\n3. release t1\n",
            "{shrunk:?}"
        );
        assert!(shrunk.trials < 60, "{} trials", shrunk.trials);
    }

    #[test]
    fn a_candidate_that_fails_differently_is_not_kept() {
        let steps = parse_steps("new t1\ndrop t1\nnew t2\n").unwrap();
        let shrunk = shrink(&steps, |s| s.len() == 3);
        assert_eq!(shrunk.steps.len(), 3);
    }
}
