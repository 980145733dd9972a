//! Resources in generated worlds, end to end through real guests: worlds
//! whose host-defined resources have constructors, methods and static
//! functions, with `own` and `borrow` handles alone and nested in every
//! compound type, round-trip in each language that echoes resources.

mod common;

use wasmtime::component::Val;
use witness::campaign::{CaseSource, Summary};
use witness::disk::Cache;
use witness::guest::{GuestSpec, Target};
use witness::host::Host;
use witness::host::HostConfig;
use witness::host::echo::{CallOutcome, EchoGuest, FailureKind, Hop};
use witness::smith;

fn campaign(target: &[&str], seed: u64, worlds: u64, calls: u64) -> Summary {
    let dir = tempfile::tempdir().unwrap();
    let source = CaseSource::Seeded {
        seed,
        worlds,
        config: Some(smith::Config {
            resources: true,
            ..smith::Config::default()
        }),
        resources: true,
    };
    common::campaign(target, source, calls, dir.path())
}

fn round_trip(lang: &str, seed: u64, worlds: u64, calls: u64) {
    let summary = campaign(&[lang], seed, worlds, calls);
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
