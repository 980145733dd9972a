//! Fake executors: shell scripts that speak just enough of the protocol to
//! start, load and instantiate, then do what they are told on a call (crash
//! with a signal, panic, hang). They test the parent's machinery (crash and
//! hang findings, restarts, rediscovery) without building a wasmtime, and
//! are what `WITNESS_EXECUTOR_<MAJOR>_<MINOR>_<PATCH>` can point at.

use std::path::{Path, PathBuf};
use witness_executor_protocol::PROTOCOL_VERSION;

/// Writes, in `dir`, a fake executor that names itself wasmtime `version`
/// and runs the shell command `on_call` when asked to call an export (for
/// example `kill -SEGV $$`); its path.
pub fn executor(dir: &Path, version: &str, on_call: &str) -> std::io::Result<PathBuf> {
    let key = crate::disk::content_key(&[version.as_bytes(), on_call.as_bytes()]);
    let path = dir.join(format!("fake-executor-{}.sh", &key[..16]));
    let script = format!(
        "#!/bin/sh\n\
         while read -r line; do\n\
           case \"$line\" in\n\
             *'\"hello\"'*) echo '{{\"ready\":{{\"protocol\":{PROTOCOL_VERSION},\"runtime\":\"wasmtime\",\"version\":\"{version}\"}}}}' ;;\n\
             *'\"load\"'*) echo '\"loaded\"' ;;\n\
             *'\"instantiate\"'*) echo '\"instantiated\"' ;;\n\
             *'\"call\"'*) {on_call} ;;\n\
           esac\n\
         done\n"
    );
    std::fs::write(&path, script)?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
    Ok(path)
}
