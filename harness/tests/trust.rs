//! Trusting nothing on disk or in the guest's world: real Rust guests
//! (built by the Rust driver, with override bodies) that sleep for an hour,
//! spin forever or read the clocks; and campaigns over a cache whose every
//! entry was damaged.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use wasmtime::component::Val;
use witness::campaign::{self, CampaignConfig, CaseSource, Summary};
use witness::disk::Cache;
use witness::guest::{BuiltGuest, GuestSpec, Target};
use witness::host::echo::{CallFailure, CallOutcome, EchoGuest, EchoInstance, FailureKind};
use witness::host::{Host, HostConfig};
use witness::suppress::Suppressions;
use witness::ty::{CaseWorld, Func, Param, Ty};
use witness::value::ValueConfig;
use witness::wit_text;

fn func(name: &str, ty: Ty) -> Func {
    Func {
        name: name.into(),
        params: vec![Param {
            name: "x".into(),
            ty: ty.clone(),
        }],
        result: Some(ty),
    }
}

fn world() -> CaseWorld {
    CaseWorld {
        types: vec![],
        funcs: vec![
            func("echo", Ty::U32),
            func("sleepy", Ty::U32),
            func("busy", Ty::U32),
            func("wall", Ty::U64),
            func("mono", Ty::U64),
        ],
    }
}

const UPSTREAM: &str = "crate::bindings::witness::case::upstream";

/// The Rust guest of [`world`]: `echo` is faithful, `sleepy` sleeps an hour
/// first, `busy` never returns, `wall` answers the wall clock's nanoseconds
/// and `mono` the monotonic time its upstream call took.
fn build_guest(cache: &Cache) -> BuiltGuest {
    let world = world();
    let wit = wit_text::echo_package(&world);
    let overrides = [
        (
            "sleepy".to_string(),
            format!(
                "std::thread::sleep(std::time::Duration::from_secs(3600)); {UPSTREAM}::sleepy(x)"
            ),
        ),
        (
            "busy".to_string(),
            "loop { std::hint::black_box(x); }".to_string(),
        ),
        (
            "wall".to_string(),
            format!(
                "let _ = {UPSTREAM}::wall(x); std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64"
            ),
        ),
        (
            "mono".to_string(),
            format!(
                "let t = std::time::Instant::now(); let _ = {UPSTREAM}::mono(x); t.elapsed().as_nanos() as u64"
            ),
        ),
    ];
    Target::new(&["rust".to_string()], cache)
        .unwrap()
        .build(&GuestSpec {
            world: &world,
            wit: &wit,
            overrides: &overrides,
        })
        .unwrap()
}

fn instance(host: &Host, built: &BuiltGuest, seed: u64) -> EchoInstance {
    let component = host.compile(&built.component).unwrap();
    let guest = EchoGuest::new(host, &component, &world()).unwrap();
    guest.instantiate(seed).unwrap()
}

fn failed(outcome: CallOutcome) -> CallFailure {
    match outcome {
        CallOutcome::Failed(f) => *f,
        CallOutcome::Passed => panic!("the call passed"),
    }
}

fn limit_message(f: &CallFailure) -> &str {
    match &f.kind {
        FailureKind::Limit { message } => message,
        _ => panic!("not a limit: {}", f.summary()),
    }
}

fn u32_call(inst: &mut EchoInstance, name: &str) -> CallOutcome {
    inst.call(name, &[Val::U32(7)], Some(&Val::U32(8)))
}

#[test]
fn a_guest_sleeping_for_an_hour_is_stopped_by_the_deadline_and_the_next_call_passes() {
    let cache = Cache::from_env();
    let built = build_guest(&cache);
    let host = Host::new(HostConfig::default(), &cache).unwrap();
    let mut inst = instance(&host, &built, 1);
    let started = Instant::now();
    let f = failed(u32_call(&mut inst, "sleepy"));
    assert_eq!(limit_message(&f), "wall-clock deadline of 10 s exceeded");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "the hour was not slept"
    );
    assert!(inst.is_poisoned());
    let mut next = instance(&host, &built, 2);
    let outcome = u32_call(&mut next, "echo");
    assert!(matches!(outcome, CallOutcome::Passed), "{outcome:?}");
}

#[test]
fn a_busy_guest_with_ample_fuel_is_stopped_by_the_deadline_and_the_next_call_passes() {
    let cache = Cache::from_env();
    let built = build_guest(&cache);
    let config = HostConfig {
        fuel_per_call: u64::MAX / 2,
        deadline: Duration::from_secs(2),
        ..HostConfig::default()
    };
    let host = Host::new(config, &cache).unwrap();
    let mut inst = instance(&host, &built, 1);
    let started = Instant::now();
    let f = failed(u32_call(&mut inst, "busy"));
    assert_eq!(limit_message(&f), "wall-clock deadline of 2 s exceeded");
    assert!(started.elapsed() < Duration::from_secs(60));
    let mut next = instance(&host, &built, 2);
    let outcome = u32_call(&mut next, "echo");
    assert!(matches!(outcome, CallOutcome::Passed), "{outcome:?}");
}

/// What `wall` and `mono` return in a fresh instance of seed `seed`: the
/// guest returns a time instead of the echo, so the call is a mismatch
/// that carries it.
fn clock_readings(host: &Host, built: &BuiltGuest, seed: u64) -> Vec<u64> {
    let mut inst = instance(host, built, seed);
    let mut readings = Vec::new();
    for name in ["wall", "mono", "wall"] {
        let f = failed(inst.call(name, &[Val::U64(1)], Some(&Val::U64(2))));
        match &f.observed_result {
            Some(Val::U64(t)) => readings.push(*t),
            other => panic!("{name}: {other:?} ({})", f.summary()),
        }
    }
    readings
}

#[test]
fn guests_see_the_same_virtual_clocks_in_identical_runs() {
    let cache = Cache::from_env();
    let built = build_guest(&cache);
    let host = Host::new(HostConfig::default(), &cache).unwrap();
    let first = clock_readings(&host, &built, 7);
    let again = clock_readings(&host, &built, 7);
    assert_eq!(first, again, "the same seed reads the same times");
    assert!(
        first[2] > first[0],
        "the wall clock moves forward: {first:?}"
    );
    assert!(
        first[1] < 1_000_000_000,
        "an upstream call takes no real time: {first:?}"
    );
    let other = clock_readings(&host, &built, 8);
    assert_ne!(first[0], other[0], "another seed starts at another time");
}

fn campaign(cache: &Cache, findings: &Path) -> Summary {
    let config = CampaignConfig {
        source: CaseSource::Seeded {
            seed: 31,
            worlds: 2,
            config: None,
            resources: false,
        },
        calls: 10,
        targets: vec![vec!["rust".to_string()]],
        values: ValueConfig::default(),
        host: HostConfig::default(),
        findings_dir: findings.to_path_buf(),
        suppressions: Suppressions::default(),
        command_prefix: "witness".into(),
        fresh: true,
        progress: false,
        leak_cycles: 0,
    };
    campaign::run(&config, cache).unwrap()
}

fn files_under(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path, suffix));
        } else if path.to_string_lossy().ends_with(suffix) || suffix.is_empty() {
            out.push(path);
        }
    }
    out
}

/// Flips one bit in the middle of every second file and cuts every other
/// file in half.
fn damage_all(files: &[PathBuf]) {
    for (i, path) in files.iter().enumerate() {
        let mut bytes = std::fs::read(path).unwrap();
        let mid = bytes.len() / 2;
        if i % 2 == 0 {
            bytes[mid] ^= 0x08;
        } else {
            bytes.truncate(mid);
        }
        std::fs::write(path, bytes).unwrap();
    }
}

#[test]
fn a_campaign_over_a_damaged_cache_rebuilds_everything_and_files_no_finding() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::at(dir.path().join("cache"));
    let findings = dir.path().join("findings");
    let first = campaign(&cache, &findings);
    assert_eq!(first.failed(), 0, "{}", first.table());
    let guests = files_under(&dir.path().join("cache/guests/rust"), ".wasm.sealed");
    let compiled = files_under(&dir.path().join("cache/compiled"), ".cwasm.sealed");
    let functions = files_under(&dir.path().join("cache/cranelift-sealed"), "");
    assert!(!guests.is_empty() && !compiled.is_empty() && !functions.is_empty());
    damage_all(&guests);
    damage_all(&compiled);
    damage_all(&functions);
    let again = campaign(&cache, &findings);
    assert_eq!(again.failed(), 0, "{}", again.table());
    assert_eq!(again.passed(), first.passed());
    assert_eq!(
        again.languages[0].cached_builds, 0,
        "every guest was rebuilt"
    );
    assert!(
        std::fs::read_dir(&findings).map_or(true, |d| d.count() == 0),
        "no finding was filed"
    );
    for path in guests.iter().chain(&compiled) {
        assert!(
            witness::disk::read_verified(path).unwrap().is_some(),
            "{} was written again",
            path.display()
        );
    }
}
