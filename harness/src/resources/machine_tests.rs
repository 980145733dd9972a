//! The reference model as a proptest state machine
//! (`proptest-state-machine`): proptest draws sequences from the model's own
//! transitions (the generator's steps in the model's current state), keeps
//! them legal with the model's preconditions, and shrinks a failing one by
//! deleting and simplifying steps while the preconditions still hold (the
//! work `resources::shrink` does by hand for sequences drawn from seed
//! streams). The system under test is a real resources guest run by the
//! runner; the model and the guest must agree on every sequence.

use super::model::{GenConfig, Model, generate_step};
use super::step::Step;
use super::test_support::guest;
use super::{Fault, Prepared};
use arbitrary::Unstructured;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestError, TestRunner};
use proptest_state_machine::{ReferenceStateMachine, StateMachineTest};
use std::cell::Cell;

/// The model, with the generator's steps as its transitions. A transition
/// is a step or nothing (`None`): the generator finds no step in some
/// states (after one that ends the instance, say), and proptest needs a
/// transition in every state.
struct Reference;

impl ReferenceStateMachine for Reference {
    type State = Model;
    type Transition = Option<Step>;

    fn init_state() -> BoxedStrategy<Model> {
        Just(Model::new()).boxed()
    }

    fn transitions(state: &Model) -> BoxedStrategy<Option<Step>> {
        let state = state.clone();
        proptest::collection::vec(any::<u8>(), 64)
            .prop_map(move |bytes| {
                if state.ended() {
                    return None;
                }
                generate_step(
                    &mut Unstructured::new(&bytes),
                    &state,
                    &GenConfig::default(),
                )
                .ok()
                .flatten()
            })
            .boxed()
    }

    fn preconditions(state: &Model, step: &Option<Step>) -> bool {
        step.as_ref()
            .is_none_or(|step| !state.ended() && state.applicable(step))
    }

    fn apply(mut state: Model, step: &Option<Step>) -> Model {
        if let Some(step) = step {
            state.apply(step);
        }
        state
    }
}

thread_local! {
    /// The guest the machine runs on in this thread (set by each test).
    static GUEST: Cell<Option<&'static Prepared<'static>>> = const { Cell::new(None) };
}

/// The steps so far; the whole sequence runs on a fresh instance of the
/// guest at the end of each case (the runner checks every step against the
/// model as it goes).
struct OnTheGuest;

impl StateMachineTest for OnTheGuest {
    type SystemUnderTest = Vec<Step>;
    type Reference = Reference;

    fn init_test(_: &Model) -> Vec<Step> {
        Vec::new()
    }

    fn apply(mut steps: Vec<Step>, _: &Model, step: Option<Step>) -> Vec<Step> {
        steps.extend(step);
        steps
    }

    fn teardown(steps: Vec<Step>) {
        let prepared = GUEST.with(Cell::get).expect("a test sets the guest");
        let run = prepared
            .runner
            .run(&steps)
            .expect("the host runs the sequence");
        if let Some(v) = run.violation {
            panic!(
                "{} at step {} `{}`: {}",
                v.class,
                v.step + 1,
                v.step_text,
                v.message
            );
        }
    }
}

/// Runs `cases` sequences of up to 24 steps on `language`'s guest built
/// with `fault`, from a fixed seed; when one fails, the reason and the
/// sequence proptest shrank it to.
fn run_machine(
    language: &str,
    fault: Option<Fault>,
    cases: u32,
) -> Result<(), (String, Vec<Step>)> {
    GUEST.with(|g| g.set(Some(guest(language, fault))));
    let config = Config {
        cases,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(0x7265_736f),
        max_shrink_iters: 2_000,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config.clone());
    let result = runner.run(
        &Reference::sequential_strategy(1..24),
        |(initial, transitions, seen)| {
            OnTheGuest::test_sequential(config.clone(), initial, transitions, seen);
            Ok(())
        },
    );
    match result {
        Ok(()) => Ok(()),
        Err(TestError::Fail(reason, (_, steps, _))) => {
            Err((reason.to_string(), steps.into_iter().flatten().collect()))
        }
        Err(TestError::Abort(reason)) => Err((reason.to_string(), Vec::new())),
    }
}

#[test]
fn proptest_sequences_agree_on_the_model_and_the_rust_guest() {
    if let Err((reason, steps)) = run_machine("rust", None, 64) {
        panic!(
            "{reason}\nshrunk sequence:\n{}",
            super::step::write_steps(&steps)
        );
    }
}

#[test]
fn a_faulty_guest_fails_the_machine_and_proptest_shrinks_the_sequence() {
    let (reason, steps) = run_machine("rust", Some(Fault::NeverDestroy), 64)
        .expect_err("a guest that never runs its destructors fails");
    assert!(reason.contains("leak"), "{reason}");
    // A thing the host makes and drops is enough to show the leak: the
    // sequence shrinks to one or two steps, as the seed-stream shrinker's
    // do (`resources::tests`).
    assert!(
        !steps.is_empty() && steps.len() <= 2,
        "{reason}\n{}",
        super::step::write_steps(&steps)
    );
}
