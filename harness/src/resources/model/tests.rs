//! Tests of the reference model: its expectations on hand-written
//! sequences, and the generator's sequences.

use super::*;
use crate::resources::step::parse_steps;

fn run(text: &str) -> (Model, Vec<Expect>) {
    let mut model = Model::new();
    let expects = parse_steps(text)
        .unwrap()
        .iter()
        .map(|s| model.apply(s))
        .collect();
    (model, expects)
}

#[test]
fn ownership_moves_and_destructors_run_once_where_the_last_owner_drops() {
    let (model, e) =
        run("new t1\nhold [t1, +k2]\nnew t3\ntake [k2, t3]\nrelease t1\ndrop k2\nrelease t1\n");
    assert_eq!(e[0].outcome, Outcome::Returns(Ret::Handle(Key::thing(1))));
    assert_eq!(
        e[3].outcome,
        Outcome::Returns(Ret::Handles(vec![Some(Key::token(2)), None]))
    );
    assert_eq!(e[4].destroyed, vec![Key::thing(1)]);
    assert_eq!(e[5].destroyed, vec![Key::token(2)]);
    assert_eq!(
        e[6].outcome,
        Outcome::Returns(Ret::Bool(false)),
        "a second release finds nothing"
    );
    assert!(e[6].destroyed.is_empty());
    assert_eq!(model.live_things(), 1);
    assert!(model.live_tokens().is_empty());
    assert_eq!(model.teardown(), vec![Step::Drop { key: Key::thing(3) }]);
}

#[test]
fn the_host_keeps_stale_copies_of_what_it_gave_away() {
    let (model, _) = run("new t1\nhold [t1]\n");
    assert!(model.entity(1).unwrap().stale);
    assert!(model.applicable(&Step::DropStale { key: Key::thing(1) }));
    assert!(!model.applicable(&Step::Drop { key: Key::thing(1) }));
    assert_eq!(model.teardown(), vec![Step::Release { key: Key::thing(1) }]);
}

#[test]
fn illegal_steps_expect_their_errors_and_the_failing_calls_end_the_instance() {
    let (model, e) = run("new t1\ndrop t1\ndrop-stale t1\n");
    assert_eq!(e[2].outcome, Outcome::Fails(ErrorClass::StaleHandle));
    assert!(
        !model.ended(),
        "a failed resource_drop leaves the instance usable"
    );

    let (model, e) = run("create k1\ntake [k1]\ndrop-borrowed k1\n");
    assert_eq!(e[2].probe, Some(ErrorClass::BorrowedDrop));
    assert_eq!(e[2].outcome, Outcome::Returns(Ret::Id(1)));
    assert!(!model.ended());

    for (text, class, destroyed) in [
        (
            "new t1\nhold [t1]\nuse-stale t1",
            ErrorClass::StaleHandle,
            vec![],
        ),
        ("new t1\nhold-twice t1", ErrorClass::StaleHandle, vec![]),
        (
            "create k1\nguest-use-after-drop k1",
            ErrorClass::StaleHandle,
            vec![Key::token(1)],
        ),
        (
            "create k1\nguest-double-drop k1",
            ErrorClass::StaleHandle,
            vec![Key::token(1)],
        ),
        (
            "create k1\ntake [k1]\nguest-keep-borrow k1",
            ErrorClass::BorrowLeft,
            vec![],
        ),
        (
            "create k1\ntake [k1]\nguest-use-stash k1",
            ErrorClass::StaleHandle,
            vec![],
        ),
    ] {
        let (model, e) = run(text);
        let last = e.last().unwrap();
        assert_eq!(last.outcome, Outcome::Traps(class), "{text}");
        assert_eq!(last.destroyed, destroyed, "{text}");
        assert!(model.ended(), "{text}");
        assert!(
            !model.applicable(&Step::New {
                id: 9,
                via: Via::Constructor
            }),
            "nothing runs after: {text}"
        );
    }
}

#[test]
fn a_reused_slot_aliases_the_new_token_without_a_trap() {
    let (model, e) = run("create k1\nguest-reuse-slot k1 k2\n");
    assert_eq!(e[1].outcome, Outcome::Returns(Ret::Reused(2)));
    assert_eq!(e[1].destroyed, vec![Key::token(1)]);
    assert_eq!(e[1].constructed, vec![2]);
    assert_eq!(model.live_tokens(), &BTreeSet::from([2]));
}

#[test]
fn swap_and_bundles_move_every_handle() {
    let (model, e) =
        run("new t1\nnew t2\nswap t1 +k3\nhold-bundle [t2] k3\ntake-bundle [t1, t2] k3\n");
    assert_eq!(
        e[2].outcome,
        Outcome::Returns(Ret::Swapped(Key::token(3), Key::thing(1)))
    );
    assert_eq!(
        e[4].outcome,
        Outcome::Returns(Ret::Bundle(vec![Key::thing(2)], Some(Key::token(3))))
    );
    assert_eq!(model.entity(1).unwrap().owner, Owner::Host);
    assert_eq!(model.entity(2).unwrap().owner, Owner::Host);
    assert!(model.entity(2).unwrap().stale);
}

#[test]
fn normalising_drops_what_no_longer_applies_and_stops_after_an_ending_step() {
    let steps = parse_steps("new t1\nhold [t1]\nrelease t1\nnew t2\nguest-keep-borrow k5\ncreate k3\ntake [k3]\nguest-keep-borrow k3\nnew t4\n").unwrap();
    // Without the first step, the hold and the release of t1 no longer apply
    // (release needs t1 to exist), the keep-borrow of k5 never did.
    let shorter = normalise(&steps[1..]);
    assert_eq!(
        shorter,
        parse_steps("new t2\ncreate k3\ntake [k3]\nguest-keep-borrow k3\n").unwrap()
    );
}

#[test]
fn renumbering_counts_from_one_in_order_of_appearance() {
    let steps = parse_steps("new t7\nhold [t7, +k3]\ntake [k3]\n").unwrap();
    assert_eq!(
        renumber(&steps),
        parse_steps("new t1\nhold [t1, +k2]\ntake [k2]\n").unwrap()
    );
}

#[test]
fn generated_sequences_are_reproducible_valid_and_varied() {
    let config = GenConfig::default();
    let mut verbs = BTreeSet::new();
    let mut ended = 0;
    for i in 0..400 {
        let steps = sequence(1, i, &config);
        assert_eq!(steps, sequence(1, i, &config));
        assert!(!steps.is_empty() && steps.len() <= config.max_steps as usize);
        assert_eq!(
            normalise(&steps),
            steps,
            "sequence {i} has a step the model does not allow"
        );
        let mut model = Model::new();
        for step in &steps {
            verbs.insert(step.verb());
            model.apply(step);
        }
        ended += u32::from(model.ended());
    }
    assert_ne!(sequence(1, 0, &config), sequence(2, 0, &config));
    let all = [
        "new",
        "make",
        "create",
        "hold",
        "hold-bundle",
        "swap",
        "take",
        "take-one",
        "take-bundle",
        "release",
        "drop",
        "method",
        "inspect",
        "inspect-things",
        "inspect-pair",
        "inspect-tuple",
        "poke",
        "use-stale",
        "drop-stale",
        "drop-borrowed",
        "hold-twice",
        "guest-use-after-drop",
        "guest-double-drop",
        "guest-keep-borrow",
        "guest-use-stash",
        "guest-reuse-slot",
    ];
    for verb in all {
        assert!(verbs.contains(verb), "400 sequences never used `{verb}`");
    }
    assert!(
        (40..=240).contains(&ended),
        "{ended} of 400 sequences end on a failing call"
    );
}

#[test]
fn without_illegal_steps_none_are_generated() {
    let config = GenConfig {
        illegal: false,
        ..GenConfig::default()
    };
    for i in 0..100 {
        assert!(sequence(3, i, &config).iter().all(|s| !s.is_illegal()));
    }
}
