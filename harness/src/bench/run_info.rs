//! What a benchmark run records beside criterion's estimates, for the
//! report's header and size tables: the machine, wasmtime and its `Config`,
//! each language's toolchain, how each guest was made, binary sizes, and the
//! languages that could not be benchmarked (and why). Written by the
//! benchmarks as `witness-run.json` in criterion's directory.

use super::guests::BenchGuests;
use super::sizes::{self, SizeError};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The file name, in criterion's directory.
pub const FILE: &str = "witness-run.json";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// When the run started, `YYYY-MM-DD HH:MM UTC`.
    pub started: String,
    /// Whether criterion ran in `--quick` mode.
    pub quick: bool,
    pub witness_version: String,
    pub wasmtime_version: String,
    /// The engine's `Config`, in words.
    pub engine_config: Vec<String>,
    pub machine: Machine,
    pub languages: Vec<LanguageInfo>,
    /// Languages that were asked for but could not be built: `(lang, why)`.
    pub unavailable: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub memory_gib: f64,
    pub os: String,
    /// `/proc/loadavg`'s 1, 5 and 15 minute averages when the run started:
    /// other work on the machine skews the times.
    #[serde(default)]
    pub load_average: String,
}

impl Machine {
    /// This machine, from `/proc` where there is one.
    pub fn this() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| {
                l.strip_prefix("model name")
                    .and_then(|r| r.split_once(':'))
                    .map(|(_, v)| v.trim().to_string())
            })
            .unwrap_or_else(|| std::env::consts::ARCH.to_string());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory_kib: f64 = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0);
        let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
        Machine {
            cpu,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            memory_gib: (memory_kib / (1024.0 * 1024.0) * 10.0).round() / 10.0,
            os: format!("{} {}", std::env::consts::OS, release.trim())
                .trim()
                .to_string(),
            load_average: std::fs::read_to_string("/proc/loadavg")
                .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
                .unwrap_or_default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LanguageInfo {
    pub lang: String,
    /// `(tool, version)`, as the guest driver reports them.
    pub toolchain: Vec<(String, String)>,
    pub component_how: String,
    pub raw_how: String,
    pub sizes: Sizes,
}

/// Bytes of each artifact, as built and with every custom section stripped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sizes {
    pub component: u64,
    pub component_stripped: u64,
    /// The main core module inside the component.
    pub core: u64,
    pub core_stripped: u64,
    /// Every core module inside the component together (with the main one:
    /// adapters, shims, and for Python the libraries it links).
    #[serde(default)]
    pub all_core: u64,
    #[serde(default)]
    pub all_core_stripped: u64,
    /// The hand-written raw module, where there is one.
    pub raw: Option<u64>,
    pub raw_stripped: Option<u64>,
}

impl Sizes {
    pub fn of(component: &[u8], raw: Option<&[u8]>) -> Result<Sizes, SizeError> {
        let len = |b: &[u8]| b.len() as u64;
        let core = sizes::main_core_module(component)?;
        let raw_stripped = raw.map(sizes::strip_custom_sections).transpose()?;
        let all = sizes::core_modules(component)?;
        Ok(Sizes {
            component: len(component),
            component_stripped: len(&sizes::strip_custom_sections(component)?),
            core: len(core),
            core_stripped: len(&sizes::strip_custom_sections(core)?),
            all_core: all.iter().map(|m| len(m)).sum(),
            all_core_stripped: all
                .iter()
                .map(|m| sizes::strip_custom_sections(m).map(|s| len(&s)))
                .sum::<Result<u64, _>>()?,
            raw: raw.map(len),
            raw_stripped: raw_stripped.as_deref().map(len),
        })
    }
}

impl LanguageInfo {
    pub fn of(guests: &BenchGuests) -> Result<LanguageInfo, SizeError> {
        Ok(LanguageInfo {
            lang: guests.lang.clone(),
            toolchain: guests.toolchain.versions.clone(),
            component_how: guests.component_how.clone(),
            raw_how: guests.raw_how.clone(),
            sizes: Sizes::of(&guests.component, guests.raw.as_deref())?,
        })
    }
}

/// Reading or writing the run's record failed.
#[derive(Debug, thiserror::Error)]
pub enum RunInfoError {
    #[error(
        "{path} is missing: no benchmark run left its results there. Run `cargo bench -p witness-benches` \
         (or `cargo bench -p witness-benches -- --quick`) first, or point --criterion at the directory it wrote"
    )]
    Missing { path: PathBuf },
    #[error(
        "{path} is not a benchmark run's record ({message}); delete it and run the benchmarks again"
    )]
    Malformed { path: PathBuf, message: String },
    #[error("I/O error at {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl RunInfo {
    pub fn path(criterion_dir: &Path) -> PathBuf {
        criterion_dir.join(FILE)
    }

    pub fn read(criterion_dir: &Path) -> Result<RunInfo, RunInfoError> {
        let path = RunInfo::path(criterion_dir);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(RunInfoError::Missing { path });
            }
            Err(source) => return Err(RunInfoError::Io { path, source }),
        };
        serde_json::from_str(&text).map_err(|e| RunInfoError::Malformed {
            path,
            message: e.to_string(),
        })
    }

    pub fn write(&self, criterion_dir: &Path) -> Result<(), RunInfoError> {
        let path = RunInfo::path(criterion_dir);
        let text = serde_json::to_string_pretty(self).expect("a RunInfo serializes");
        crate::disk::write_atomic(&path, text.as_bytes())
            .map_err(|source| RunInfoError::Io { path, source })
    }

    /// The languages that have a raw module.
    pub fn raw_languages(&self) -> Vec<&str> {
        self.languages
            .iter()
            .filter(|l| l.sizes.raw.is_some())
            .map(|l| l.lang.as_str())
            .collect()
    }
}

/// `now` as `YYYY-MM-DD HH:MM UTC`.
pub fn utc_timestamp(now: std::time::SystemTime) -> String {
    let secs = now
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rest / 3600,
        rest % 3600 / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn timestamps_are_civil_dates() {
        assert_eq!(utc_timestamp(UNIX_EPOCH), "1970-01-01 00:00 UTC");
        // 2024-02-29 12:34:56 UTC, a leap day.
        assert_eq!(
            utc_timestamp(UNIX_EPOCH + Duration::from_secs(1_709_210_096)),
            "2024-02-29 12:34 UTC"
        );
    }

    #[test]
    fn a_missing_or_broken_record_says_what_to_run() {
        let dir = tempfile::tempdir().unwrap();
        let err = RunInfo::read(dir.path()).unwrap_err();
        assert!(
            err.to_string().contains("cargo bench -p witness-benches"),
            "{err}"
        );
        std::fs::write(dir.path().join(FILE), "{ not json").unwrap();
        let err = RunInfo::read(dir.path()).unwrap_err();
        assert!(matches!(err, RunInfoError::Malformed { .. }), "{err}");
        assert!(err.to_string().contains(FILE), "{err}");
    }
}
