//! Runtimes under test: which one a command runs its guests on, and how.
//!
//! The default is wasmtime 48.0.8 linked into witness itself (fast). Any
//! other version, and the default with `--isolate`, runs in an *executor*:
//! a small program under `runtimes/`, built on demand per version into the
//! cache ([`build`]), driven over the protocol of
//! `witness-executor-protocol` ([`executor`]). The oracles stay in witness:
//! an executor only runs things, so the same case gets the same judgement
//! whatever runs it, and a runtime that crashes or hangs takes down its
//! executor, never witness (that is a finding: `host-crash` or `hang`).

pub mod build;
pub mod executor;
pub mod fake;
/// Values with handles as trees, and the table of handles: the executor's
/// own source (`runtimes/wasmtime/src/handles.rs`), compiled here against
/// wasmtime 48.0.8, so that both hosts mean the same by a handle.
#[path = "../../../runtimes/wasmtime/src/handles.rs"]
pub mod handles;

use std::fmt;
use std::str::FromStr;

use crate::host::WASMTIME_VERSION;

/// The wasmtime versions witness has an executor for, oldest first: every
/// version from 39.0.2 to 48.0.8 that builds with the pinned rustc (1.95).
/// Older ones have the old `func_new` closure shape; 49 and later need a
/// newer rustc.
/// (The newest is [`WASMTIME_VERSION`], the in-process one.)
pub const OLDEST_WASMTIME_MAJOR: u32 = 39;

/// A runtime under test, as given to `--runtime`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuntimeSpec {
    pub version: Version,
}

/// A wasmtime release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl fmt::Display for RuntimeSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "wasmtime@{}", self.version)
    }
}

/// Why a `--runtime` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error(
        "`{0}` is not a runtime: write `wasmtime@X.Y.Z` (for example `wasmtime@42.0.1`); \
         wasmtime is the one runtime witness has an executor for"
    )]
    Syntax(String),
    #[error(
        "wasmtime {0} is not supported: witness runs wasmtime 39.0.0 to 48.0.8 (the versions \
         that build with rustc 1.95 and share the component API its executor is written for)"
    )]
    Unsupported(Version),
}

impl FromStr for RuntimeSpec {
    type Err = SpecError;

    fn from_str(s: &str) -> Result<RuntimeSpec, SpecError> {
        let syntax = || SpecError::Syntax(s.to_string());
        let version = s.strip_prefix("wasmtime@").ok_or_else(syntax)?;
        let mut parts = version.split('.').map(|p| {
            if p.is_empty() || p.len() > 4 || !p.bytes().all(|b| b.is_ascii_digit()) {
                None
            } else {
                p.parse::<u32>().ok()
            }
        });
        let (Some(Some(major)), Some(Some(minor)), Some(Some(patch)), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(syntax());
        };
        let version = Version {
            major,
            minor,
            patch,
        };
        let newest = Version {
            major: 48,
            minor: 0,
            patch: 8,
        };
        if major < OLDEST_WASMTIME_MAJOR || version > newest {
            return Err(SpecError::Unsupported(version));
        }
        Ok(RuntimeSpec { version })
    }
}

impl RuntimeSpec {
    /// The runtime witness links in (wasmtime 48.0.8).
    pub fn in_process() -> RuntimeSpec {
        format!("wasmtime@{WASMTIME_VERSION}")
            .parse()
            .expect("the pinned version parses")
    }

    /// Whether this is the version witness itself is built with.
    pub fn is_in_process_version(&self) -> bool {
        *self == RuntimeSpec::in_process()
    }

    /// The executor's cargo features for this version's API generation.
    pub fn features(&self) -> &'static [&'static str] {
        match self.version.major {
            39 | 40 => &["anyhow-errors"],
            41 => &["anyhow-errors", "hostcall-fuel"],
            42 | 43 => &["hostcall-fuel", "component-model-fixed-length-lists"],
            _ => &[
                "hostcall-fuel",
                "component-model-fixed-length-lists",
                "component-model-map",
            ],
        }
    }

    /// Whether this version can load `map<K, V>` and `list<T, N>`.
    pub fn has_maps(&self) -> bool {
        self.version.major >= 44
    }

    pub fn has_fixed_length_lists(&self) -> bool {
        self.version.major >= 42
    }
}

/// Where a command runs its guests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// wasmtime 48.0.8, linked into witness.
    InProcess,
    /// In an executor process of this runtime, built by witness.
    Executor(RuntimeSpec),
    /// In this executor binary, which says it runs this runtime (a locally
    /// patched runtime; tests use fakes that crash).
    Binary(RuntimeSpec, std::path::PathBuf),
}

impl Placement {
    /// `--runtime` and `--isolate` together: the default runtime stays in
    /// process unless isolated; every other runs in an executor.
    pub fn of(runtime: Option<&RuntimeSpec>, isolate: bool) -> Placement {
        match runtime {
            Some(r) if !r.is_in_process_version() => Placement::Executor(r.clone()),
            _ if isolate => Placement::Executor(RuntimeSpec::in_process()),
            _ => Placement::InProcess,
        }
    }

    /// The runtime, whichever way it runs.
    pub fn runtime(&self) -> RuntimeSpec {
        match self {
            Placement::InProcess => RuntimeSpec::in_process(),
            Placement::Executor(r) | Placement::Binary(r, _) => r.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_runtime_is_wasmtime_at_a_supported_version() {
        let r: RuntimeSpec = "wasmtime@42.0.1".parse().unwrap();
        assert_eq!(r.to_string(), "wasmtime@42.0.1");
        assert_eq!(
            r.features(),
            ["hostcall-fuel", "component-model-fixed-length-lists"]
        );
        for ok in ["wasmtime@39.0.2", "wasmtime@48.0.8", "wasmtime@41.0.4"] {
            assert!(ok.parse::<RuntimeSpec>().is_ok(), "{ok}");
        }
        for bad in [
            "wasmtime",
            "wasmtime@",
            "wasmtime@42",
            "wasmtime@42.0",
            "wasmtime@42.0.1.2",
            "wasmtime@42.0.x",
            "wasmtime@ 42.0.1",
            "wasmer@4.0.0",
            "42.0.1",
        ] {
            assert!(
                matches!(bad.parse::<RuntimeSpec>(), Err(SpecError::Syntax(_))),
                "{bad}"
            );
        }
        for old in ["wasmtime@38.0.0", "wasmtime@49.0.0", "wasmtime@48.0.9"] {
            assert!(
                matches!(old.parse::<RuntimeSpec>(), Err(SpecError::Unsupported(_))),
                "{old}"
            );
        }
    }

    #[test]
    fn the_default_runtime_stays_in_process_unless_isolated() {
        let default = RuntimeSpec::in_process();
        let other: RuntimeSpec = "wasmtime@44.0.0".parse().unwrap();
        assert_eq!(Placement::of(None, false), Placement::InProcess);
        assert_eq!(Placement::of(Some(&default), false), Placement::InProcess);
        assert_eq!(
            Placement::of(None, true),
            Placement::Executor(default.clone())
        );
        assert_eq!(
            Placement::of(Some(&other), false),
            Placement::Executor(other.clone())
        );
        assert_eq!(
            Placement::of(Some(&other), true),
            Placement::Executor(other)
        );
    }
}
