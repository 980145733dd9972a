//! End to end through real guests: the fixed world and random worlds
//! round-trip in every language and through a chain of all three, a
//! deliberately faulty guest is caught at the right hop and path, and a
//! killed campaign resumes. (Each driver's own tests add faulty Go and
//! Python guests and missing toolchains.)

mod common;

use common::campaign;
use wasmtime::component::Val;
use witness::campaign::{self, CampaignConfig, CaseSource};
use witness::disk::Cache;
use witness::guest::{GuestSpec, Target};
use witness::host::echo::{CallOutcome, EchoGuest, FailureKind, Hop};
use witness::host::{Host, HostConfig};
use witness::suppress::Suppressions;
use witness::value::{MismatchKind, ValueConfig};
use witness::{wit_import, wit_text};

fn every_type() -> witness::ty::CaseWorld {
    let path = witness::disk::workspace_root().join("wit/every-type.wit");
    wit_import::import_wit(&path).unwrap().world
}

fn every_type_round_trip(target: &[&str], calls: u64) {
    let dir = tempfile::tempdir().unwrap();
    let source = CaseSource::Fixed {
        seed: 5,
        world: every_type(),
        origin: "wit/every-type.wit".into(),
    };
    let summary = campaign(target, source, calls, dir.path());
    assert_eq!(
        summary.failed(),
        0,
        "{}{:?}",
        summary.table(),
        summary.known_lines()
    );
    assert_eq!(summary.passed() + summary.suppressed(), calls);
}

fn random_worlds_round_trip(target: &[&str], seed: u64, worlds: u64, calls: u64) {
    let dir = tempfile::tempdir().unwrap();
    let summary = campaign(
        target,
        CaseSource::Seeded {
            seed,
            worlds,
            config: None,
            resources: false,
        },
        calls,
        dir.path(),
    );
    assert_eq!(
        summary.failed(),
        0,
        "{}{:?}",
        summary.table(),
        summary.known_lines()
    );
    // Every call ran; a world that hits a known bug (say, a name a bindings
    // generator cannot escape) is counted apart, but most must pass.
    assert_eq!(
        summary.passed() + summary.suppressed(),
        worlds * calls,
        "{}",
        summary.table()
    );
    assert!(
        summary.passed() >= (worlds - 1) * calls,
        "{}",
        summary.table()
    );
}

#[test]
fn the_every_type_world_round_trips_in_rust() {
    every_type_round_trip(&["rust"], 300);
}

#[test]
fn the_every_type_world_round_trips_in_go() {
    every_type_round_trip(&["go"], 300);
}

#[test]
fn the_every_type_world_round_trips_in_python() {
    every_type_round_trip(&["python"], 150);
}

#[test]
fn random_worlds_round_trip_in_rust() {
    random_worlds_round_trip(&["rust"], 11, 6, 40);
}

#[test]
fn random_worlds_round_trip_in_go() {
    random_worlds_round_trip(&["go"], 12, 4, 40);
}

#[test]
fn random_worlds_round_trip_in_python() {
    random_worlds_round_trip(&["python"], 13, 3, 30);
}

#[test]
fn random_worlds_round_trip_through_a_chain_of_all_three_languages() {
    random_worlds_round_trip(&["rust", "go", "python"], 14, 3, 30);
}

/// Builds the every-type world's Rust guest with one function's echo body
/// replaced, and makes one call.
fn faulty_call(func: &str, body: &str, args: &[Val], result: Option<&Val>) -> CallOutcome {
    let cache = Cache::from_env();
    let world = every_type();
    let wit = wit_text::echo_package(&world);
    let overrides = [(func.to_string(), body.to_string())];
    let target = Target::new(&["rust".to_string()], &cache).unwrap();
    let built = target
        .build(&GuestSpec {
            world: &world,
            wit: &wit,
            overrides: &overrides,
        })
        .unwrap();
    let host = Host::new(HostConfig::default(), &cache).unwrap();
    let component = host.compile(&built.component).unwrap();
    let guest = EchoGuest::new(&host, &component, &world).unwrap();
    guest.instantiate(1).unwrap().call(func, args, result)
}

fn row(index: u32) -> Val {
    Val::Record(vec![
        ("cells".into(), Val::List(vec![])),
        ("index".into(), Val::U32(index)),
    ])
}

#[test]
fn a_guest_that_alters_an_argument_field_is_caught_at_the_import() {
    let body = "let mut t = t; if let Some(r) = t.get_mut(1) { r.index ^= 1; } \
                crate::bindings::witness::case::upstream::grid(&t)";
    let table = Val::List(vec![row(4), row(6)]);
    let outcome = faulty_call("grid", body, std::slice::from_ref(&table), Some(&table));
    let CallOutcome::Failed(f) = outcome else {
        panic!("the faulty guest passed")
    };
    assert_eq!(f.hop, Hop::GuestToHostImport, "{}", f.summary());
    let FailureKind::Mismatch(d) = &f.kind else {
        panic!("{}", f.summary())
    };
    assert_eq!(d.path, "t[1].index");
    assert_eq!(d.kind, MismatchKind::IntValue);
    assert_eq!((d.expected.as_str(), d.actual.as_str()), ("6", "7"));
}

#[test]
fn a_guest_that_alters_a_result_is_caught_at_the_export_result() {
    let body = "let mut r = crate::bindings::witness::case::upstream::scalars(a, b, c, d, e, f, g, h, i, j, k, l); \
                r.6 = r.6.wrapping_add(1); r";
    let args = [
        Val::Bool(true),
        Val::S8(-1),
        Val::U8(2),
        Val::S16(-3),
        Val::U16(4),
        Val::S32(-5),
        Val::U32(6),
        Val::S64(-7),
        Val::U64(8),
        Val::Float32(f32::NAN),
        Val::Float64(-0.0),
        Val::Char('\u{10ffff}'),
    ];
    let result = Val::Tuple(args.to_vec());
    let outcome = faulty_call("scalars", body, &args, Some(&result));
    let CallOutcome::Failed(f) = outcome else {
        panic!("the faulty guest passed")
    };
    assert_eq!(f.hop, Hop::ExportResult, "{}", f.summary());
    let FailureKind::Mismatch(d) = &f.kind else {
        panic!("{}", f.summary())
    };
    assert_eq!(d.path, "result.6");
    assert_eq!(d.kind, MismatchKind::IntValue);
}

#[test]
fn the_faithful_guest_passes_the_same_calls() {
    // The same values as the faulty tests, through the unaltered guest: the
    // failures above come from the alterations, not from the values.
    let table = Val::List(vec![row(4), row(6)]);
    let outcome = faulty_call(
        "on-event",
        "crate::bindings::witness::case::upstream::on_event(&e)",
        &[Val::Variant("key".into(), Some(Box::new(Val::Char('x'))))],
        Some(&Val::Variant("rows".into(), Some(Box::new(table)))),
    );
    assert!(matches!(outcome, CallOutcome::Passed), "{outcome:?}");
}

#[test]
fn a_killed_campaign_resumes_where_it_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::at(dir.path().join("cache"));
    let mut config = CampaignConfig {
        source: CaseSource::Seeded {
            seed: 21,
            worlds: 3,
            config: None,
            resources: false,
        },
        calls: 10,
        targets: vec![vec!["rust".to_string()]],
        values: ValueConfig::default(),
        host: HostConfig::default(),
        findings_dir: dir.path().join("findings"),
        suppressions: Suppressions::default(),
        command_prefix: "witness".into(),
        fresh: true,
        progress: false,
        leak_cycles: 0,
    };
    let first = campaign::run(&config, &cache).unwrap();
    // Run again without --fresh: everything was done, so the saved summary
    // comes back and nothing is counted twice.
    config.fresh = false;
    let again = campaign::run(&config, &cache).unwrap();
    assert_eq!(first.languages, again.languages);
    // Pretend the first run was killed after world 0: rewind the saved
    // progress and check that only worlds 1 and 2 run again.
    let progress_dir = dir.path().join("cache/campaigns");
    let file = std::fs::read_dir(&progress_dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let sealed = std::fs::read(&file).unwrap();
    let text = String::from_utf8(witness::disk::unseal(&sealed).unwrap().to_vec()).unwrap();
    let rewound = text.replacen("next_world = 3", "next_world = 1", 1);
    assert_ne!(text, rewound);
    std::fs::write(&file, witness::disk::seal(rewound.as_bytes())).unwrap();
    let resumed = campaign::run(&config, &cache).unwrap();
    let (a, b) = (&first.languages[0], &resumed.languages[0]);
    assert_eq!(
        b.worlds,
        a.worlds + 2,
        "worlds 1 and 2 ran again, world 0 did not"
    );
}
