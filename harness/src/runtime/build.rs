//! Building executors: one per runtime version, on demand, into the cache.
//!
//! The executor's source is `runtimes/wasmtime/` (its own workspace). For a
//! version witness writes a manifest of its own, `wasmtime-X.Y.Z/Cargo.toml`
//! under the runtimes cache: the source's manifest with `wasmtime` and
//! `wasmtime-wasi` pinned to `=X.Y.Z`, the version's API generation as its
//! default features ([`RuntimeSpec::features`]) and the paths made
//! absolute. A lock committed as `runtimes/locks/wasmtime-X.Y.Z.lock` is
//! used with `--locked`, so every machine builds the same dependency tree;
//! without one, cargo resolves afresh (with rustc 1.95's MSRV-aware
//! resolver) and the lock it writes stays in the cache.
//!
//! Cargo is run once per process for each version (a no-op build takes
//! about a second) so that a changed executor source is never run stale. Nothing built is trusted
//! before it answers: the executor names its runtime and version in its
//! first reply, and [`super::executor`] refuses one that names another.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::RuntimeSpec;

/// The executor source (`runtimes/` of the witness checkout), or
/// `$WITNESS_RUNTIMES_SOURCE`.
pub fn source_dir() -> PathBuf {
    std::env::var_os("WITNESS_RUNTIMES_SOURCE")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtimes"))
}

/// Where executors are built: `runtimes/` of `$WITNESS_CACHE`, else of
/// `target/witness` (one place for every campaign and test: a wasmtime
/// build takes minutes).
pub fn cache_dir() -> PathBuf {
    crate::disk::Cache::from_env().root().join("runtimes")
}

/// Why an executor could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(
        "the executor source at {} is missing or unreadable ({source}): run witness from its \
         checkout, or point WITNESS_RUNTIMES_SOURCE at the checkout's runtimes/ directory",
        path.display()
    )]
    Source {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("I/O error at {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "could not run cargo to build the executor for {runtime} ({source}): witness builds \
         executors with the cargo on PATH; install Rust 1.95 or put its cargo on PATH"
    )]
    NoCargo {
        runtime: RuntimeSpec,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "building the executor for {runtime} failed; cargo's output is in {} (its end:\n{tail}\n)\n\
         the crates come from crates.io: check that the registry is reachable, or remove {} \
         to build again from scratch",
        log.display(), dir.display()
    )]
    Cargo {
        runtime: RuntimeSpec,
        log: PathBuf,
        dir: PathBuf,
        tail: String,
    },
}

/// The manifest of `runtime`'s executor, made from the source's manifest.
pub fn manifest(source: &Path, runtime: &RuntimeSpec) -> Result<String, BuildError> {
    let exec = source.join("wasmtime");
    let path = exec.join("Cargo.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| BuildError::Source {
        path: path.clone(),
        source: e,
    })?;
    let version = runtime.version.to_string();
    let features = runtime
        .features()
        .iter()
        .map(|f| format!("\"{f}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let abs = |p: &Path| p.display().to_string().replace('\\', "/");
    let mut out = String::new();
    for line in text.lines() {
        let line = if line.starts_with("wasmtime = ") || line.starts_with("wasmtime-wasi = ") {
            line.replace(
                &format!("={}", super::WASMTIME_VERSION),
                &format!("={version}"),
            )
        } else if line.starts_with("default = [") {
            format!("default = [{features}]")
        } else if line.starts_with("witness-executor-protocol = ") {
            format!(
                "witness-executor-protocol = {{ path = \"{}\" }}",
                abs(&source.join("protocol"))
            )
        } else if line.ends_with(".workspace = true") {
            // The source's workspace is not this manifest's.
            let key = line.trim_end_matches(".workspace = true");
            let value = match key {
                "version" => "\"0.1.0\"",
                "edition" => "\"2024\"",
                "rust-version" => "\"1.95\"",
                _ => "\"Apache-2.0 WITH LLVM-exception\"",
            };
            format!("{key} = {value}")
        } else {
            line.to_string()
        };
        out.push_str(&line);
        out.push('\n');
        if line.starts_with("name = \"witness-executor-wasmtime\"") {
            out.push_str(&format!("build = \"{}\"\n", abs(&exec.join("build.rs"))));
        }
    }
    out.push_str(&format!(
        "\n[[bin]]\nname = \"witness-executor-wasmtime\"\npath = \"{}\"\n\n\
         [workspace]\n\n[profile.release]\ndebug = \"line-tables-only\"\n",
        abs(&exec.join("src/main.rs"))
    ));
    Ok(out)
}

/// Builds (or finds up to date) the executor for `runtime`; its path.
/// `progress` says on stderr that a build is running (minutes, the first
/// time).
pub fn executor(runtime: &RuntimeSpec, progress: bool) -> Result<PathBuf, BuildError> {
    // Once per process: a campaign starts a new executor after every crash,
    // and a rediscovery one per replay.
    static BUILT: std::sync::Mutex<Vec<(RuntimeSpec, PathBuf)>> = std::sync::Mutex::new(Vec::new());
    if let Some((_, path)) = BUILT
        .lock()
        .expect("built executors")
        .iter()
        .find(|(r, _)| r == runtime)
    {
        return Ok(path.clone());
    }
    let binary = build(runtime, progress)?;
    BUILT
        .lock()
        .expect("built executors")
        .push((runtime.clone(), binary.clone()));
    Ok(binary)
}

fn build(runtime: &RuntimeSpec, progress: bool) -> Result<PathBuf, BuildError> {
    let source = source_dir();
    let dir = cache_dir().join(format!("wasmtime-{}", runtime.version));
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| BuildError::Io { path, source }
    };
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let manifest_path = dir.join("Cargo.toml");
    let text = manifest(&source, runtime)?;
    if std::fs::read_to_string(&manifest_path).ok().as_deref() != Some(text.as_str()) {
        crate::disk::write_atomic(&manifest_path, text.as_bytes()).map_err(io(&manifest_path))?;
    }
    let committed = source
        .join("locks")
        .join(format!("wasmtime-{}.lock", runtime.version));
    let locked = committed.is_file();
    if locked {
        let lock = std::fs::read(&committed).map_err(io(&committed))?;
        let lock_path = dir.join("Cargo.lock");
        if std::fs::read(&lock_path).ok().as_deref() != Some(lock.as_slice()) {
            crate::disk::write_atomic(&lock_path, &lock).map_err(io(&lock_path))?;
        }
    }
    let binary = dir.join("target/release").join(format!(
        "witness-executor-wasmtime{}",
        std::env::consts::EXE_SUFFIX
    ));
    if progress && !binary.is_file() {
        eprintln!(
            "witness: building the executor for {runtime} (a wasmtime release build: about ten \
             minutes on two cores, once; log in {})",
            dir.join("build.log").display()
        );
    }
    let log_path = dir.join("build.log");
    let log = std::fs::File::create(&log_path).map_err(io(&log_path))?;
    let log_err = log.try_clone().map_err(io(&log_path))?;
    let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cargo
        .arg("build")
        .arg("--release")
        .arg("--manifest-path")
        .arg(&manifest_path)
        .arg("--target-dir")
        .arg(dir.join("target"));
    if locked {
        cargo.arg("--locked");
    }
    // The harness's own build settings must not leak into the executor's.
    for var in [
        "RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "CARGO_ENCODED_RUSTFLAGS",
    ] {
        cargo.env_remove(var);
    }
    let status = cargo
        .stdout(log)
        .stderr(log_err)
        .status()
        .map_err(|e| BuildError::NoCargo {
            runtime: runtime.clone(),
            source: e,
        })?;
    if !status.success() || !binary.is_file() {
        let text = std::fs::read_to_string(&log_path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(15)..].join("\n");
        return Err(BuildError::Cargo {
            runtime: runtime.clone(),
            log: log_path,
            dir,
            tail,
        });
    }
    Ok(binary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_pins_the_version_and_its_api_generation() {
        let runtime: RuntimeSpec = "wasmtime@41.0.4".parse().unwrap();
        let text = manifest(&source_dir(), &runtime).unwrap();
        assert!(
            text.contains("wasmtime = { version = \"=41.0.4\", features = [\"wave\"] }"),
            "{text}"
        );
        assert!(text.contains("wasmtime-wasi = \"=41.0.4\""), "{text}");
        assert!(!text.contains("48.0.8"), "{text}");
        assert!(
            text.contains("default = [\"anyhow-errors\", \"hostcall-fuel\"]"),
            "{text}"
        );
        assert!(!text.contains(".workspace = true"), "{text}");
        assert!(text.contains("[workspace]"), "{text}");
        let parsed: toml::Table = toml::from_str(&text).unwrap();
        let protocol = &parsed["dependencies"]["witness-executor-protocol"]["path"];
        assert!(
            Path::new(protocol.as_str().unwrap())
                .join("Cargo.toml")
                .is_file(),
            "{protocol}"
        );
        let main = &parsed["bin"].as_array().unwrap()[0]["path"];
        assert!(Path::new(main.as_str().unwrap()).is_file(), "{main}");
        assert!(Path::new(parsed["package"]["build"].as_str().unwrap()).is_file());
    }

    #[test]
    fn every_committed_lock_pins_the_version_it_is_named_for() {
        let locks = source_dir().join("locks");
        let mut seen = 0;
        for entry in std::fs::read_dir(&locks).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let version = name
                .strip_prefix("wasmtime-")
                .and_then(|n| n.strip_suffix(".lock"))
                .unwrap_or_else(|| panic!("{name}: not wasmtime-X.Y.Z.lock"));
            let runtime: RuntimeSpec = format!("wasmtime@{version}").parse().unwrap();
            let lock: toml::Table =
                toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let packages = lock["package"].as_array().unwrap();
            for crate_name in ["wasmtime", "wasmtime-wasi"] {
                let versions: Vec<&str> = packages
                    .iter()
                    .filter(|p| p["name"].as_str() == Some(crate_name))
                    .map(|p| p["version"].as_str().unwrap())
                    .collect();
                assert_eq!(
                    versions,
                    [runtime.version.to_string()],
                    "{name}: {crate_name}"
                );
            }
            seen += 1;
        }
        assert!(seen >= 1);
    }

    #[test]
    fn a_missing_source_is_an_error_naming_it() {
        let runtime: RuntimeSpec = "wasmtime@42.0.1".parse().unwrap();
        let err = manifest(Path::new("/nonexistent/runtimes"), &runtime).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("/nonexistent/runtimes/wasmtime/Cargo.toml"),
            "{text}"
        );
        assert!(text.contains("WITNESS_RUNTIMES_SOURCE"), "{text}");
    }
}
