//! Guests of the benchmark world (`wit/bench.wit`): what every driver's
//! [`GuestLanguage::bench`](super::GuestLanguage::bench) returns, and the
//! cache those guests live in.
//!
//! A benchmark guest is a fixed template (`templates/<lang>/bench/`) around
//! the bindings the language's own generator makes for the bench world, and
//! optionally a raw core module doing the same work behind
//! pointer-and-length exports (`templates/<lang>/bench-raw/`). Each is
//! cached by a key over the world, the templates, the toolchain versions
//! and [`REVISION`].

use super::{GuestError, ProtocolWorld, ToolchainInfo};
use crate::disk::{self, Cache};
use std::path::{Path, PathBuf};

/// The benchmark world, as WIT text.
pub const BENCH_WIT: &str = include_str!("../../../wit/bench.wit");
/// Its world's name.
pub const BENCH_WORLD: &str = "bench";

/// The benchmark world, for drivers.
pub const BENCH: ProtocolWorld<'static> = ProtocolWorld {
    wit: BENCH_WIT,
    world: BENCH_WORLD,
};

/// Bumped whenever what the drivers generate for the bench world changes.
pub const REVISION: u32 = 1;

/// A language's benchmark guests, built.
#[derive(Debug, Clone)]
pub struct BenchGuests {
    pub lang: String,
    pub component: Vec<u8>,
    /// The raw core module, where the language has one.
    pub raw: Option<Vec<u8>>,
    /// How the raw module was made (or why there is none), for the report.
    pub raw_how: String,
    /// How the component was made, for the report.
    pub component_how: String,
    pub toolchain: ToolchainInfo,
}

/// The cache key of `lang`'s bench guests made from `sources` (templates
/// and generated bindings) with `toolchain`.
pub fn key(lang: &str, toolchain: &ToolchainInfo, sources: &[&str]) -> String {
    let revision = REVISION.to_le_bytes();
    let toolchain = toolchain.key_bytes();
    let mut parts: Vec<&[u8]> = vec![
        b"bench",
        lang.as_bytes(),
        &revision,
        &toolchain,
        BENCH_WIT.as_bytes(),
    ];
    parts.extend(sources.iter().map(|s| s.as_bytes()));
    disk::content_key(&parts)
}

/// The cached file `name` of the entry `key`, or what `make` builds in the
/// entry's empty `src` directory (written to the cache). One build per entry
/// at a time, across processes.
pub fn cached(
    cache: &Cache,
    lang: &str,
    key: &str,
    name: &str,
    make: impl FnOnce(&Path) -> Result<Vec<u8>, GuestError>,
) -> Result<Vec<u8>, GuestError> {
    let entry = cache
        .root()
        .join("guests")
        .join(format!("bench-{lang}"))
        .join(&key[..24]);
    // Sealed with its digest, like every cache entry.
    let path = entry.join(format!("{name}.sealed"));
    let read_cached = || disk::read_verified(&path).map_err(GuestError::io(&path));
    if let Some(bytes) = read_cached()? {
        return Ok(bytes);
    }
    std::fs::create_dir_all(&entry).map_err(GuestError::io(&entry))?;
    let lock_path = entry.join(".lock");
    let lock = std::fs::File::create(&lock_path).map_err(GuestError::io(&lock_path))?;
    lock.lock().map_err(GuestError::io(&lock_path))?;
    if let Some(bytes) = read_cached()? {
        return Ok(bytes);
    }
    let src = entry.join(format!("src-{}", name.trim_end_matches(".wasm")));
    if src.exists() {
        std::fs::remove_dir_all(&src).map_err(GuestError::io(&src))?;
    }
    std::fs::create_dir_all(&src).map_err(GuestError::io(&src))?;
    let bytes = make(&src)?;
    disk::write_verified(&path, &bytes).map_err(GuestError::io(&path))?;
    Ok(bytes)
}

/// Writes `text` to `path`, creating its directory.
pub fn write(path: PathBuf, text: &str) -> Result<(), GuestError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(GuestError::io(parent))?;
    }
    std::fs::write(&path, text).map_err(|source| GuestError::Io { path, source })
}

/// The bench world, resolved, as a bindings error of `lang` when it does
/// not resolve.
pub fn resolve_bench(
    lang: &'static str,
) -> Result<(wit_parser::Resolve, wit_parser::WorldId), GuestError> {
    BENCH
        .resolve()
        .map_err(|message| GuestError::Bindgen { lang, message })
}
