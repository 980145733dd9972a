//! On-disk state: the cache of built guests, compiled components and
//! installed toolchains, content keys for it, and atomic file writes.
//!
//! The cache lives in `$WITNESS_CACHE`, or `target/witness/` of the
//! workspace. Everything in it can be deleted at any time; entries are keyed
//! by a hash of everything that went into them, so a stale entry is never
//! used.

use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The cache root and its sub-directories.
#[derive(Debug, Clone)]
pub struct Cache {
    root: PathBuf,
}

impl Cache {
    /// `$WITNESS_CACHE`, else `<workspace>/target/witness`.
    pub fn from_env() -> Cache {
        let root = std::env::var_os("WITNESS_CACHE")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace_root().join("target").join("witness"));
        Cache { root }
    }

    pub fn at(root: impl Into<PathBuf>) -> Cache {
        Cache { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `root/name`, created if missing.
    pub fn dir(&self, name: &str) -> std::io::Result<PathBuf> {
        let dir = self.root.join(name);
        std::fs::create_dir_all(&dir)?;
        Ok(dir)
    }
}

/// The witness workspace (the parent of the `harness` crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the harness crate lives inside the workspace")
        .to_path_buf()
}

/// A hex SHA-256 over `parts`, each length-prefixed so that part boundaries
/// matter.
pub fn content_key(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    hex::encode(hasher.finalize())
}

/// How the temporary files of [`write_atomic`] start: a process killed
/// between writing one and renaming it leaves it behind, and whoever owns
/// the directory removes such leftovers ([`remove_temp_files`]).
pub const TEMP_PREFIX: &str = ".witness-tmp-";

/// Removes the leftovers of interrupted [`write_atomic`] calls in `dir`.
pub fn remove_temp_files(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// Writes `bytes` to `path` atomically: a temporary file in the same
/// directory, flushed to disk, then renamed over `path`. A reader (or a
/// campaign killed half-way) sees the old file or the new one, never half.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_depend_on_part_boundaries() {
        assert_ne!(content_key(&[b"ab", b"c"]), content_key(&[b"a", b"bc"]));
        assert_eq!(content_key(&[b"x"]), content_key(&[b"x"]));
    }

    #[test]
    fn atomic_writes_replace_whole_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("f.txt");
        write_atomic(&path, b"first").unwrap();
        write_atomic(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }
}
