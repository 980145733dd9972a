//! Cranelift's incremental compilation cache on disk: one sealed file per
//! compiled function (see [`crate::disk::write_verified`]), named by a hash
//! of its key, in 256 fan-out directories.
//!
//! Cranelift trusts what the cache hands it: a damaged entry made it panic,
//! or produce different machine code that was then cached and run. So every
//! entry is checked against its digest before Cranelift sees it; a damaged
//! one is dropped (named on stderr) and the function compiled again.

use crate::disk;
use std::path::PathBuf;

/// The cache's directory under the cache root (the `-sealed` suffix keeps
/// the unsealed entries of older witness versions out of it).
pub(crate) const DIR: &str = "cranelift-sealed";

#[derive(Debug)]
pub(crate) struct FunctionCache {
    dir: PathBuf,
}

impl FunctionCache {
    pub(crate) fn new(dir: PathBuf) -> FunctionCache {
        FunctionCache { dir }
    }

    /// The file of the entry for `key`.
    pub(crate) fn path(&self, key: &[u8]) -> PathBuf {
        let name = disk::content_key(&[key]);
        self.dir.join(&name[..2]).join(&name[2..40])
    }
}

impl wasmtime::CacheStore for FunctionCache {
    fn get(&self, key: &[u8]) -> Option<std::borrow::Cow<'_, [u8]>> {
        disk::read_verified(&self.path(key))
            .ok()
            .flatten()
            .map(std::borrow::Cow::Owned)
    }

    fn insert(&self, key: &[u8], value: Vec<u8>) -> bool {
        // No fsync: a lost entry is only a cache miss, and a torn one fails
        // its digest.
        disk::write_verified_unsynced(&self.path(key), &value).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime::CacheStore;

    #[test]
    fn damaged_entries_are_misses_and_are_written_again() {
        let dir = tempfile::tempdir().unwrap();
        let cache = FunctionCache::new(dir.path().to_path_buf());
        assert!(cache.insert(b"fn 1", b"machine code".to_vec()));
        assert_eq!(cache.get(b"fn 1").as_deref(), Some(&b"machine code"[..]));
        let path = cache.path(b"fn 1");
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0x10;
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(cache.get(b"fn 1"), None, "a flipped bit is a miss");
        assert!(!path.exists(), "and the entry is dropped");
        assert!(cache.insert(b"fn 1", b"machine code".to_vec()));
        std::fs::write(&path, &bytes[..10]).unwrap();
        assert_eq!(cache.get(b"fn 1"), None, "a truncated entry is a miss");
    }
}
