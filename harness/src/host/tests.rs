//! The host's trust in its caches and its features: damaged compiled
//! components and Cranelift entries are never used, and the proposals a
//! case needs are enabled (or the case refused, never made a finding).

use super::echo::tests::{u32_guest, u32_world};
use super::echo::{CallOutcome, EchoGuest};
use super::*;
use wasmtime::component::Val;

fn host_in(cache: &Cache) -> Host {
    Host::new(HostConfig::default(), cache).unwrap()
}

/// Whether `component` is the faithful echo (it passes a call).
fn passes(host: &Host, component: &super::Compiled) -> bool {
    let guest = EchoGuest::new(host, component, &u32_world()).unwrap();
    let outcome = guest
        .instantiate(1)
        .unwrap()
        .call("f", &[Val::U32(3)], Some(&Val::U32(4)));
    matches!(outcome, CallOutcome::Passed)
}

/// The ways a cached file gets damaged: a bit flip at `at`, a truncation,
/// a run of 0xCC (int3) over the middle.
fn damage(bytes: &[u8], how: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let mid = bytes.len() / 2;
    match how {
        0 => out[mid] ^= 0x40,
        1 => out[bytes.len() - 1] ^= 1,
        2 => out.truncate(mid),
        3 => out[mid.saturating_sub(512)..(mid + 512).min(bytes.len())].fill(0xCC),
        _ => out[3] ^= 0x80,
    }
    out
}

#[test]
fn a_damaged_compiled_component_is_never_deserialized_and_is_compiled_again() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::at(dir.path());
    let host = host_in(&cache);
    let faithful = u32_guest("local.get 0 call $up");
    assert!(passes(&host, &host.compile(faithful.as_bytes()).unwrap()));
    let path = host.compiled_path(faithful.as_bytes());
    let good = std::fs::read(&path).unwrap();
    for how in 0..5 {
        std::fs::write(&path, damage(&good, how)).unwrap();
        let component = host.compile(faithful.as_bytes()).unwrap();
        assert!(passes(&host, &component), "damage {how}");
        assert!(
            disk::read_verified(&path).unwrap().is_some(),
            "damage {how}: the entry was written again, sealed"
        );
    }
    // An unsealed file is not deserialized even when it is a valid
    // serialization of this engine: here of a guest that traps. Loading it
    // would make the faithful guest fail.
    let trapping = u32_guest("unreachable");
    let other = host.compile(trapping.as_bytes()).unwrap();
    std::fs::write(&path, other.serialize().unwrap()).unwrap();
    assert!(passes(&host, &host.compile(faithful.as_bytes()).unwrap()));
}

#[test]
fn damaged_cranelift_entries_are_compiled_again_without_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::at(dir.path());
    let faithful = u32_guest("local.get 0 call $up");
    {
        let host = host_in(&cache);
        assert!(passes(&host, &host.compile(faithful.as_bytes()).unwrap()));
    }
    let entries: Vec<PathBuf> = walk(&dir.path().join(function_cache::DIR));
    assert!(
        !entries.is_empty(),
        "the compilation filled the function cache"
    );
    for how in 0..5 {
        for entry in &entries {
            if let Some(good) = disk::read_verified(entry).unwrap() {
                std::fs::write(entry, damage(&disk::seal(&good), how)).unwrap();
            }
        }
        // Compile from scratch (no compiled component), through the damaged
        // function cache.
        std::fs::remove_dir_all(dir.path().join("compiled")).unwrap();
        let host = host_in(&cache);
        assert!(
            passes(&host, &host.compile(faithful.as_bytes()).unwrap()),
            "damage {how}"
        );
        for entry in &entries {
            assert!(
                disk::read_verified(entry).unwrap().is_some(),
                "damage {how}: {} was compiled again",
                entry.display()
            );
        }
    }
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// A dummy component of `wit` (world `w` of package `t:t`).
fn dummy(wit: &str) -> Vec<u8> {
    let mut resolve = wit_parser::Resolve::default();
    let package = resolve.push_str("t.wit", wit).unwrap();
    let world = resolve.select_world(&[package], Some("w")).unwrap();
    crate::wit_text::test_support::dummy_component(&resolve, world).unwrap()
}

#[test]
fn maps_and_fixed_length_lists_load_and_a_disabled_feature_is_refused_not_rejected() {
    let wit = "package t:t;\nworld w {\n  export m: func(a: map<string, u32>) -> list<u8, 4>;\n}\n";
    let component = dummy(wit);
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::at(dir.path());
    host_in(&cache).compile(&component).unwrap();
    // With the feature off (as witness had it), the case is refused as the
    // harness's limitation: not a `Compile` error, which would be a finding.
    let off = Host::new(
        HostConfig {
            maps: false,
            ..HostConfig::default()
        },
        &cache,
    )
    .unwrap();
    match off.compile(&component) {
        Err(HostError::Unsupported(reason)) => assert!(reason.contains("map"), "{reason}"),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("the map feature was on"),
    }
}

#[test]
fn a_host_with_no_memory_or_fuel_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::at(dir.path());
    for config in [
        HostConfig {
            memory_limit: 0,
            ..HostConfig::default()
        },
        HostConfig {
            fuel_per_call: 0,
            ..HostConfig::default()
        },
    ] {
        assert!(matches!(
            Host::new(config, &cache),
            Err(HostError::Limits(_))
        ));
    }
}
