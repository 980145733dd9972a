//! Resources in generated worlds, end to end through real guests: worlds
//! whose host-defined resources have constructors, methods and static
//! functions, with `own` and `borrow` handles alone and nested in every
//! compound type, round-trip in each language that echoes resources; and
//! worlds with resources the guest defines, whose destructors the host
//! checks, in each language that echoes those.

mod common;

use wasmtime::component::Val;
use witness::campaign::CaseSource;
use witness::disk::Cache;
use witness::guest::{GuestSpec, Target};
use witness::host::Host;
use witness::host::HostConfig;
use witness::host::echo::{CallOutcome, EchoGuest, FailureKind, Hop};
use witness::smith;

fn source(seed: u64, worlds: u64, guest_resources: bool) -> CaseSource {
    CaseSource::Seeded {
        seed,
        worlds,
        config: Some(smith::Config {
            resources: true,
            guest_resources,
            ..smith::Config::default()
        }),
        resources: true,
    }
}

fn round_trip(lang: &str, seed: u64, worlds: u64, calls: u64) {
    round_trip_of(lang, source(seed, worlds, false), worlds, calls)
}

fn round_trip_of(lang: &str, source: CaseSource, worlds: u64, calls: u64) {
    let dir = tempfile::tempdir().unwrap();
    let summary = common::campaign(&[lang], source, calls, dir.path());
    eprintln!("{}{:?}", summary.table(), summary.known_lines());
    assert_eq!(
        summary.failed(),
        0,
        "{}{:?}",
        summary.table(),
        summary.known_lines()
    );
    assert_eq!(
        summary.passed() + summary.suppressed(),
        worlds * calls,
        "{}",
        summary.table()
    );
}

#[test]
fn generated_worlds_with_resources_round_trip_in_rust() {
    round_trip("rust", 21, 8, 30);
}

#[test]
fn generated_worlds_with_resources_round_trip_in_c() {
    round_trip("c", 21, 8, 30);
}

#[test]
fn generated_worlds_with_resources_round_trip_in_go() {
    round_trip("go", 21, 8, 30);
}

#[test]
fn generated_worlds_with_resources_round_trip_in_python() {
    round_trip("python", 21, 8, 30);
}

/// One call of `func` on a guest of `lang` for the echo package `wit`,
/// with `overrides` replacing echo bodies.
fn call_once(
    lang: &str,
    wit: &str,
    overrides: &[(String, String)],
    func: &str,
    args: &[Val],
    result: Option<&Val>,
) -> CallOutcome {
    let world = witness::wit_import::echo_case(wit).unwrap();
    let cache = Cache::from_env();
    let target = Target::new(&[lang.to_string()], &cache).unwrap();
    let host = Host::new(HostConfig::default(), &cache).unwrap();
    let wit = witness::wit_text::echo_package(&world);
    let spec = GuestSpec {
        world: &world,
        wit: &wit,
        overrides,
    };
    let built = target.build(&spec).unwrap();
    let component = target.compile_checked(&host, &spec, &built).unwrap();
    let guest = EchoGuest::new(&host, &component, &world).unwrap();
    let mut instance = guest.instantiate(1).unwrap();
    instance.call(func, args, result)
}

const SWAP: &str = "package witness:case;\n\
     interface types { resource file; }\n\
     interface api { use types.{file}; swap: func(a: file, b: file) -> u8; }\n\
     interface upstream { use types.{file}; swap: func(a: file, b: file) -> u8; }\n\
     world echo { import upstream; export api; }\n";

/// The handle oracle on a real guest: a Rust guest that passes its two
/// `own` handles on in swapped order is caught at the import, at the first
/// parameter, with the numbers of the two host resources.
#[test]
fn a_guest_that_passes_on_another_handle_is_caught_at_the_import() {
    let args = [Val::U32(0), Val::U32(0)];
    // The faithful guest passes: the handles come back as they went.
    let outcome = call_once("rust", SWAP, &[], "swap", &args, Some(&Val::U8(7)));
    assert!(matches!(outcome, CallOutcome::Passed), "{outcome:?}");
    let swapped = [(
        "swap".to_string(),
        "crate::bindings::witness::case::upstream::swap(b, a)".to_string(),
    )];
    let CallOutcome::Failed(f) =
        call_once("rust", SWAP, &swapped, "swap", &args, Some(&Val::U8(7)))
    else {
        panic!("the swapping guest passed")
    };
    assert_eq!(f.hop, Hop::GuestToHostImport, "{f:?}");
    let FailureKind::Mismatch(d) = &f.kind else {
        panic!("{f:?}")
    };
    assert_eq!(
        (d.path.as_str(), d.expected.as_str(), d.actual.as_str()),
        ("a", "1", "2"),
        "{d:?}"
    );
}

const LEND: &str = "package witness:case;\n\
     interface types { resource file; }\n\
     interface api { use types.{file}; look: func(f: list<borrow<file>>); }\n\
     interface upstream { use types.{file}; look: func(f: list<borrow<file>>); }\n\
     world echo { import upstream; export api; }\n";

/// The borrow oracle on a real guest: the C echo drops the borrows it was
/// lent (wit-bindgen-c leaves that to the export) and passes; the same
/// echo without the drops keeps them, and wasmtime's end-of-call check
/// traps when the export returns.
#[test]
fn a_guest_that_keeps_a_borrow_is_caught_when_the_export_returns() {
    let args = [Val::List(vec![Val::U32(0), Val::U32(0)])];
    let outcome = call_once("c", LEND, &[], "look", &args, None);
    assert!(matches!(outcome, CallOutcome::Passed), "{outcome:?}");
    let keeping = [(
        "look".to_string(),
        "  witness_case_upstream_look((witness_case_upstream_list_borrow_file_t *) f);\n  \
         exports_witness_case_api_list_borrow_file_free(f);"
            .to_string(),
    )];
    let CallOutcome::Failed(f) = call_once("c", LEND, &keeping, "look", &args, None) else {
        panic!("the guest that keeps its borrows passed")
    };
    assert_eq!(f.hop, Hop::ExportResult, "{f:?}");
    assert!(
        matches!(&f.kind, FailureKind::Trap { root_cause, .. }
            if root_cause.contains("borrow handles still remain")),
        "{f:?}"
    );
}

const PASS_ON: &str = "package witness:case;\n\
     interface types { resource file; }\n\
     interface api { use types.{file}; f: func(a: file) -> file; }\n\
     interface upstream { use types.{file}; f: func(a: file) -> file; }\n\
     world echo { import upstream; export api; }\n";

/// The leak check on a real guest: the Rust echo of a world with a
/// resource keeps its linear memory flat over 3,000 calls on one instance;
/// the same echo leaking 8 KiB a call is a `leak` finding at `cycles`, and
/// replays as one.
#[test]
fn a_guest_that_leaks_memory_is_caught_by_the_leak_check() {
    use witness::finding::Kind;
    use witness::reproduce::Reproducer;
    let world = witness::wit_import::echo_case(PASS_ON).unwrap();
    let cache = Cache::from_env();
    let mut reproducer =
        Reproducer::new(&["rust".to_string()], &cache, HostConfig::default()).unwrap();
    let flat = reproducer.leak_check(&world, 5, 3_000).unwrap();
    assert!(flat.is_none(), "{flat:?}");
    reproducer.overrides = vec![(
        "f".to_string(),
        "std::hint::black_box(Box::leak(vec![1u8; 8192].into_boxed_slice())); \
         crate::bindings::witness::case::upstream::f(a)"
            .to_string(),
    )];
    let leak = reproducer
        .leak_check(&world, 5, 3_000)
        .unwrap()
        .expect("the leak was missed");
    assert_eq!(leak.kind, Kind::Leak, "{leak:?}");
    assert_eq!(
        reproducer.signature(&leak).text(),
        "rust | leak | cycles | linear memory grows with the calls"
    );
}

/// Generated worlds with resources the guest defines (constructors,
/// methods, statics; `own` and `borrow` handles alone and in lists,
/// options, results and tuples, as arguments and results) round-trip in
/// Rust, every destructor run exactly once.
#[test]
fn generated_worlds_with_guest_resources_round_trip_in_rust() {
    guest_round_trip("rust");
}

#[test]
fn generated_worlds_with_guest_resources_round_trip_in_python() {
    guest_round_trip("python");
}

#[test]
fn generated_worlds_with_guest_resources_round_trip_in_c() {
    guest_round_trip("c");
}

/// Each role of a guest resource's handles, once, in every language that
/// echoes guest resources (a language whose known bug stops one is
/// checked by the generated worlds' test, with its suppression).
#[test]
fn each_role_of_a_guest_handle_round_trips_in_rust_and_c() {
    for lang in ["rust", "c"] {
        for (func, args, result) in guest_calls() {
            let outcome = call_once(lang, GUEST, &[], func, &args, result.as_ref());
            assert!(
                matches!(outcome, CallOutcome::Passed),
                "{lang} {func}: {outcome:?}"
            );
        }
    }
}

fn guest_round_trip(lang: &str) {
    let (seed, worlds, calls) = (23, 12, 25);
    let source = source(seed, worlds, true);
    // What the worlds hold, so that the test is known to exercise it.
    let (mut guest_worlds, mut members, mut handle_funcs) = (0, 0, 0);
    for i in 0..worlds {
        let world = source.case(i).unwrap();
        guest_worlds += usize::from(world.has_guest_resources());
        for f in &world.funcs {
            let guest_member = world
                .member_of(&f.name)
                .is_some_and(|(r, _)| world.is_guest_resource(r));
            members += usize::from(guest_member);
            let handles = f
                .params
                .iter()
                .skip(usize::from(guest_member))
                .any(|p| world.has_guest_handles(&p.ty))
                || f.result
                    .as_ref()
                    .is_some_and(|r| world.has_guest_handles(r));
            handle_funcs += usize::from(handles);
        }
    }
    eprintln!(
        "{guest_worlds} worlds with guest resources, {members} members, {handle_funcs} functions with their handles"
    );
    assert!(
        guest_worlds >= 3 && members >= 8 && handle_funcs >= 8,
        "{guest_worlds} {members} {handle_funcs}"
    );
    round_trip_of(lang, source, worlds, calls);
}

/// A world with a guest resource `g`, each of its handles' roles once.
const GUEST: &str = "package witness:case;\n\
     interface types {}\n\
     interface api {\n\
       resource g { constructor(a: u8); }\n\
       take: func(x: g) -> u8;\n\
       twice: func() -> tuple<g, g>;\n\
       look: func(a: borrow<g>, b: borrow<g>) -> u8;\n\
     }\n\
     interface upstream {\n\
       take: func(x: u32) -> u8;\n\
       twice: func() -> tuple<u32, u32>;\n\
       look: func(a: u32, b: u32) -> u8;\n\
       g-constructor: func(a: u8) -> u32;\n\
       g-destructor: func(id: u32);\n\
     }\n\
     world echo { import upstream; export api; }\n";

fn guest_calls() -> [(&'static str, Vec<Val>, Option<Val>); 4] {
    [
        ("take", vec![Val::U32(0)], Some(Val::U8(9))),
        (
            "twice",
            vec![],
            Some(Val::Tuple(vec![Val::U32(0), Val::U32(0)])),
        ),
        ("look", vec![Val::U32(0), Val::U32(0)], Some(Val::U8(4))),
        ("g-constructor", vec![Val::U8(5)], Some(Val::U32(0))),
    ]
}

fn failure(outcome: CallOutcome) -> Box<witness::host::echo::CallFailure> {
    match outcome {
        CallOutcome::Failed(f) => f,
        CallOutcome::Passed => panic!("the faulty guest passed"),
    }
}

/// The destructor oracle on a real guest: the faithful Rust guest of
/// `GUEST` passes every call; one whose destructor never reports is caught
/// at `destructor`, both for a resource it was given to own and for one it
/// returned; one whose destructor reports twice is caught too.
#[test]
fn a_guest_that_never_runs_a_destructor_is_caught() {
    for (func, args, result) in guest_calls() {
        let outcome = call_once("rust", GUEST, &[], func, &args, result.as_ref());
        assert!(
            matches!(outcome, CallOutcome::Passed),
            "{func}: {outcome:?}"
        );
    }
    let silent = [("g-destructor".to_string(), String::new())];
    let lifetime = |f: &witness::host::echo::CallFailure| match &f.kind {
        FailureKind::Lifetime { message } => message.clone(),
        other => panic!("{other:?}"),
    };
    let f = failure(call_once(
        "rust",
        GUEST,
        &silent,
        "take",
        &[Val::U32(0)],
        Some(&Val::U8(9)),
    ));
    assert_eq!(f.hop, Hop::Destructor, "{f:?}");
    assert_eq!(
        lifetime(&f),
        "the guest was given `g` #1 to own and never destroyed it"
    );
    let (func, args, result) = &guest_calls()[3];
    let f = failure(call_once(
        "rust",
        GUEST,
        &silent,
        func,
        args,
        result.as_ref(),
    ));
    assert_eq!(f.hop, Hop::Destructor, "{f:?}");
    assert_eq!(lifetime(&f), "dropping a `g` ran no destructor");
    let twice = [(
        "g-destructor".to_string(),
        "crate::bindings::witness::case::upstream::g_destructor(self.id); \
         crate::bindings::witness::case::upstream::g_destructor(self.id);"
            .to_string(),
    )];
    let f = failure(call_once(
        "rust",
        GUEST,
        &twice,
        "take",
        &[Val::U32(0)],
        Some(&Val::U8(9)),
    ));
    assert_eq!(f.hop, Hop::Destructor, "{f:?}");
    assert!(lifetime(&f).contains("a second destructor run"), "{f:?}");
}

/// The identity oracle for guest resources: a Rust guest that forwards its
/// two borrowed resources' ids swapped is caught at the import; one that
/// returns its two new resources swapped is caught at the result, where
/// the ids their destructors report stand.
#[test]
fn a_guest_that_mixes_up_its_own_resources_is_caught() {
    let look = [(
        "look".to_string(),
        "crate::bindings::witness::case::upstream::look(\
         b.get::<crate::bindings::WitnessG>().id, a.get::<crate::bindings::WitnessG>().id)"
            .to_string(),
    )];
    let f = failure(call_once(
        "rust",
        GUEST,
        &look,
        "look",
        &[Val::U32(0), Val::U32(0)],
        Some(&Val::U8(4)),
    ));
    assert_eq!(f.hop, Hop::GuestToHostImport, "{f:?}");
    let FailureKind::Mismatch(d) = &f.kind else {
        panic!("{f:?}")
    };
    assert_eq!(
        (d.path.as_str(), d.expected.as_str(), d.actual.as_str()),
        ("a", "1", "2"),
        "{d:?}"
    );
    let twice = [(
        "twice".to_string(),
        "{ let (a, b) = crate::bindings::witness::case::upstream::twice(); \
         (exports::witness::case::api::G::new(crate::bindings::WitnessG { id: b }), \
          exports::witness::case::api::G::new(crate::bindings::WitnessG { id: a })) }"
            .to_string(),
    )];
    let result = Val::Tuple(vec![Val::U32(0), Val::U32(0)]);
    let f = failure(call_once(
        "rust",
        GUEST,
        &twice,
        "twice",
        &[],
        Some(&result),
    ));
    assert_eq!(f.hop, Hop::ExportResult, "{f:?}");
    let FailureKind::Mismatch(d) = &f.kind else {
        panic!("{f:?}")
    };
    assert_eq!(
        (d.expected.as_str(), d.actual.as_str()),
        ("1", "2"),
        "{d:?}"
    );
}
