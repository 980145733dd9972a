//! Real WIT with resources: the WASI 0.2 interfaces wasmtime-wasi 48.0.8
//! ships (`src/p2/wit` of the crate witness links, found through
//! Cargo.lock), and wasi-http 0.2 (`wit/wasi-http`, copied from
//! wasmtime-wasi-http 48.0.8), go through `--wit`'s importer with no
//! function skipped, and their functions (resource constructors, methods
//! and statics among them) round-trip in a Rust guest.

mod common;

use std::path::PathBuf;
use witness::campaign::CaseSource;
use witness::ty::{CaseWorld, TypeDefKind};

/// `wasmtime-wasi`'s WIT directory: the crate's source, which cargo
/// unpacked into its registry to build witness (the version is the one
/// Cargo.lock pins).
fn wasi_wit() -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap();
    let lock = std::fs::read_to_string(witness::disk::workspace_root().join("Cargo.lock")).unwrap();
    let version = lock
        .split("[[package]]")
        .find(|p| p.contains("name = \"wasmtime-wasi\"\n"))
        .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = \"")))
        .map(|v| v.trim_end_matches('"').to_string())
        .unwrap();
    let crate_dir = format!("wasmtime-wasi-{version}");
    std::fs::read_dir(home.join("registry/src"))
        .unwrap()
        .map(|e| e.unwrap().path().join(&crate_dir).join("src/p2/wit"))
        .find(|p| p.is_dir())
        .unwrap_or_else(|| panic!("no {crate_dir} source in cargo's registry"))
}

fn counts(world: &CaseWorld) -> (usize, usize, usize) {
    let resources = world
        .types
        .iter()
        .filter(|t| matches!(t.kind, TypeDefKind::Resource(_)))
        .count();
    let members = world
        .funcs
        .iter()
        .filter(|f| world.member_of(&f.name).is_some())
        .count();
    let with_handles = world
        .funcs
        .iter()
        .filter(|f| world.carries_handles(f))
        .count();
    (resources, members, with_handles)
}

#[test]
fn the_wasi_interfaces_import_whole_and_round_trip_in_rust() {
    let imported = witness::wit_import::import_wit(&wasi_wit()).unwrap();
    assert!(imported.skipped.is_empty(), "{:?}", imported.skipped);
    let world = imported.world;
    let (resources, members, with_handles) = counts(&world);
    eprintln!(
        "wasi 0.2: {} functions, {resources} resources, {members} members, {with_handles} \
         functions with handles",
        world.funcs.len()
    );
    assert!(
        resources >= 10 && members >= 50 && with_handles >= 80,
        "{resources} {members} {with_handles}"
    );

    round_trips_in_rust_but_poll(world, 3, "wasmtime-wasi p2 wit");
}

/// 400 calls of `world` in a Rust guest all pass, but for `wasi:io/poll.poll`
/// (it takes `list<borrow<pollable>>`, wit-bindgen#811), which alone is set
/// aside, with one known hit.
fn round_trips_in_rust_but_poll(world: CaseWorld, seed: u64, origin: &str) {
    let dir = tempfile::tempdir().unwrap();
    let calls = 400;
    let source = CaseSource::Fixed {
        seed,
        world,
        origin: origin.into(),
    };
    let summary = common::campaign(&["rust"], source, calls, dir.path());
    assert_eq!(
        summary.failed(),
        0,
        "{}{:?}",
        summary.table(),
        summary.known_lines()
    );
    assert_eq!(
        summary.languages[0].set_aside_funcs,
        1,
        "{}",
        summary.table()
    );
    assert_eq!(summary.passed(), calls, "{}", summary.table());
}

/// The resources `wasi:http/types` defines (as `grep resource` lists them).
const HTTP_RESOURCES: [&str; 11] = [
    "fields",
    "future-incoming-response",
    "future-trailers",
    "incoming-body",
    "incoming-request",
    "incoming-response",
    "outgoing-body",
    "outgoing-request",
    "outgoing-response",
    "request-options",
    "response-outparam",
];

/// The members of wasi-http's own resources, and how many of those
/// resources have one.
fn http_members(world: &CaseWorld) -> (usize, usize) {
    let mut resources = std::collections::BTreeSet::new();
    let members = world
        .funcs
        .iter()
        .filter_map(|f| world.member_of(&f.name))
        .filter(|(r, _)| HTTP_RESOURCES.contains(&world.types[*r].name.as_str()))
        .inspect(|(r, _)| {
            resources.insert(*r);
        })
        .count();
    (members, resources.len())
}

#[test]
fn wasi_http_imports_whole_and_its_resource_methods_round_trip_in_rust() {
    let dir = witness::disk::workspace_root().join("wit/wasi-http");
    let imported = witness::wit_import::import_wit(&dir).unwrap();
    assert!(imported.skipped.is_empty(), "{:?}", imported.skipped);
    let world = imported.world;
    let (resources, members, with_handles) = counts(&world);
    let (http, http_resources) = http_members(&world);
    eprintln!(
        "wasi-http 0.2: {} functions, {resources} resources, {members} members ({http} of the \
         {http_resources} wasi:http resources), {with_handles} functions with handles",
        world.funcs.len()
    );
    assert_eq!(http_resources, HTTP_RESOURCES.len());
    assert!(http >= 40 && with_handles >= 60, "{http} {with_handles}");

    round_trips_in_rust_but_poll(world, 5, "wit/wasi-http");
}
