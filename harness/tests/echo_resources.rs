//! Resources in generated worlds, end to end through real guests: worlds
//! whose host-defined resources have constructors, methods and static
//! functions, with `own` and `borrow` handles alone and nested in every
//! compound type, round-trip in each language that echoes resources.

use witness::campaign::{self, CampaignConfig, CaseSource, Summary};
use witness::disk::Cache;
use witness::host::HostConfig;
use witness::smith;
use witness::suppress::Suppressions;
use witness::value::ValueConfig;

fn campaign(target: &[&str], seed: u64, worlds: u64, calls: u64) -> Summary {
    let dir = tempfile::tempdir().unwrap();
    let dir = std::mem::ManuallyDrop::new(dir);
    let config = CampaignConfig {
        source: CaseSource::Seeded {
            seed,
            worlds,
            config: Some(smith::Config {
                resources: true,
                ..smith::Config::default()
            }),
            resources: true,
        },
        calls,
        targets: vec![target.iter().map(|s| s.to_string()).collect()],
        values: ValueConfig::default(),
        host: HostConfig::default(),
        findings_dir: dir.path().to_path_buf(),
        suppressions: Suppressions::load(
            &witness::disk::workspace_root().join("corpus/suppressions.toml"),
        )
        .unwrap(),
        command_prefix: "witness".into(),
        fresh: true,
        progress: false,
    };
    campaign::run(&config, &Cache::from_env()).unwrap()
}

fn round_trip(lang: &str, seed: u64, worlds: u64, calls: u64) {
    let summary = campaign(&[lang], seed, worlds, calls);
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
fn generated_worlds_with_resources_round_trip_in_python() {
    round_trip("python", 21, 8, 30);
}

/// The handle oracle on a real guest: a Rust guest that passes its two
/// `own` handles on in swapped order is caught at the import, at the first
/// parameter, with the numbers of the two host resources.
#[test]
fn a_guest_that_passes_on_another_handle_is_caught_at_the_import() {
    use wasmtime::component::Val;
    use witness::guest::{GuestSpec, Target};
    use witness::host::Host;
    use witness::host::echo::{CallOutcome, EchoGuest, FailureKind, Hop};
    let world = witness::wit_import::echo_case(
        "package witness:case;\n\
         interface types { resource file; }\n\
         interface api { use types.{file}; swap: func(a: file, b: file) -> u8; }\n\
         interface upstream { use types.{file}; swap: func(a: file, b: file) -> u8; }\n\
         world echo { import upstream; export api; }\n",
    )
    .unwrap();
    let cache = Cache::from_env();
    let target = Target::new(&["rust".to_string()], &cache).unwrap();
    let host = Host::new(HostConfig::default(), &cache).unwrap();
    let wit = witness::wit_text::echo_package(&world);
    let run = |overrides: &[(String, String)]| {
        let spec = GuestSpec {
            world: &world,
            wit: &wit,
            overrides,
        };
        let built = target.build(&spec).unwrap();
        let component = target.compile_checked(&host, &spec, &built).unwrap();
        let guest = EchoGuest::new(&host, &component, &world).unwrap();
        let mut instance = guest.instantiate(1).unwrap();
        instance.call("swap", &[Val::U32(0), Val::U32(0)], Some(&Val::U8(7)))
    };
    // The faithful guest passes: the handles come back as they went.
    let outcome = run(&[]);
    assert!(matches!(outcome, CallOutcome::Passed), "{outcome:?}");
    let swapped = [(
        "swap".to_string(),
        "crate::bindings::witness::case::upstream::swap(b, a)".to_string(),
    )];
    let CallOutcome::Failed(f) = run(&swapped) else {
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
