//! On-disk state: the cache of built guests, compiled components and
//! installed toolchains, content keys for it, atomic file writes, and
//! verified (sealed) cache entries.
//!
//! The cache lives in `$WITNESS_CACHE`, or `target/witness/` of the
//! workspace. Everything in it can be deleted at any time; entries are keyed
//! by a hash of everything that went into them, so a stale entry is never
//! used.
//!
//! Nothing read back from the cache is trusted: every entry is written with
//! [`write_verified`] (a small header holding the SHA-256 of the content)
//! and read with [`read_verified`], which checks the digest before handing
//! the content out. A damaged entry (a bit flip, a truncation, a file from
//! something else) is named in one line on stderr, deleted, and reads as a
//! miss, so that its owner rebuilds it.

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

/// The first bytes of a sealed entry: a name and a format version.
const SEAL_MAGIC: &[u8; 16] = b"witness-sealed\x00\x01";
/// Magic, then the SHA-256 of the content.
const SEAL_HEADER: usize = SEAL_MAGIC.len() + 32;

/// `bytes` with the seal header in front.
pub fn seal(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(SEAL_HEADER + bytes.len());
    out.extend_from_slice(SEAL_MAGIC);
    out.extend_from_slice(&Sha256::digest(bytes));
    out.extend_from_slice(bytes);
    out
}

/// The content of a sealed entry, if its header is intact and its digest
/// matches.
pub fn unseal(sealed: &[u8]) -> Option<&[u8]> {
    let (header, content) = sealed.split_at_checked(SEAL_HEADER)?;
    let (magic, digest) = header.split_at(SEAL_MAGIC.len());
    (magic == SEAL_MAGIC && digest == Sha256::digest(content).as_slice()).then_some(content)
}

/// Writes `bytes` to `path` sealed (see [`seal`]), atomically and flushed
/// to disk (see [`write_atomic`]).
pub fn write_verified(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic(path, &seal(bytes))
}

/// Like [`write_verified`] but without flushing to disk, for entries whose
/// loss is only a cache miss and whose number makes an fsync each too slow
/// (Cranelift's function cache). A reader still never sees half an entry,
/// and a torn one fails its digest.
pub fn write_verified_unsynced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(dir)?;
    tmp.write_all(&seal(bytes))?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// The content of the sealed entry at `path`: `None` when there is none,
/// or when it is damaged, in which case it is named on stderr and deleted
/// (its owner rebuilds it). An I/O error other than a missing file is
/// returned as is.
pub fn read_verified(path: &Path) -> std::io::Result<Option<Vec<u8>>> {
    let mut sealed = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    if unseal(&sealed).is_some() {
        sealed.drain(..SEAL_HEADER);
        return Ok(Some(sealed));
    }
    eprintln!(
        "witness: dropping damaged cache entry {} (its content does not match its SHA-256); it will be rebuilt",
        path.display()
    );
    match std::fs::remove_file(path) {
        Ok(()) => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every way a sealed file can be damaged: each byte's low bit flipped
    /// (header and content), and every truncation.
    fn damaged_copies(sealed: &[u8]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for i in 0..sealed.len() {
            let mut flipped = sealed.to_vec();
            flipped[i] ^= 1;
            out.push(flipped);
            out.push(sealed[..i].to_vec());
        }
        out
    }

    #[test]
    fn sealed_entries_read_back_and_damaged_ones_are_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("entry");
        write_verified(&path, b"compiled code").unwrap();
        assert_eq!(
            read_verified(&path).unwrap().as_deref(),
            Some(&b"compiled code"[..])
        );
        let good = std::fs::read(&path).unwrap();
        for damaged in damaged_copies(&good) {
            std::fs::write(&path, &damaged).unwrap();
            assert_eq!(
                read_verified(&path).unwrap(),
                None,
                "{damaged:?} was accepted"
            );
            assert!(!path.exists(), "the damaged entry is deleted");
        }
        // A file that was never sealed (an entry of an older witness, or
        // anything else) is not trusted either.
        std::fs::write(&path, b"\0asm\x01\0\0\0").unwrap();
        assert_eq!(read_verified(&path).unwrap(), None);
        assert_eq!(read_verified(&dir.path().join("missing")).unwrap(), None);
    }

    #[test]
    fn unsynced_sealed_writes_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a").join("b");
        write_verified_unsynced(&path, b"").unwrap();
        assert_eq!(read_verified(&path).unwrap(), Some(Vec::new()));
    }

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
