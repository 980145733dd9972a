//! The options every campaign command shares (`run`, `resources`, `abi`),
//! in one struct flattened into each: the seed, the corpus, the sandbox
//! limits, the runtime under test and `--quiet`. `repro` and `shrink`
//! flatten the runtime options alone (a finding's limits are its own).

use anyhow::Result;
use std::path::PathBuf;
use witness::host::HostConfig;
use witness::runtime::{Placement, RuntimeSpec};
use witness::suppress::Suppressions;

#[derive(clap::Args, Debug, Clone)]
pub struct CampaignOptions {
    /// Campaign seed: case i of seed S is always the same case.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The corpus directory: findings go to <corpus>/findings, known ones
    /// are listed in <corpus>/suppressions.toml.
    #[arg(long, default_value = "corpus")]
    pub corpus: PathBuf,
    #[command(flatten)]
    pub limits: LimitOptions,
    /// No progress bars or messages.
    #[arg(long)]
    pub quiet: bool,
}

/// The sandbox limits of every call.
#[derive(clap::Args, Debug, Clone)]
pub struct LimitOptions {
    /// Fuel per call (roughly, wasm instructions).
    #[arg(long, default_value_t = HostConfig::default().fuel_per_call)]
    pub fuel: u64,
    /// Linear memory limit per memory, in MiB.
    #[arg(long, default_value_t = HostConfig::default().memory_limit >> 20)]
    pub memory_mib: usize,
    /// Wall-clock deadline per call, in milliseconds (a guest that computes
    /// or sleeps past it is stopped, a `limit` finding).
    #[arg(long, default_value_t = HostConfig::default().deadline.as_millis() as u64)]
    pub deadline_ms: u64,
    #[command(flatten)]
    pub runtime: RuntimeOptions,
}

/// The runtime under test.
#[derive(clap::Args, Debug, Clone)]
pub struct RuntimeOptions {
    /// The runtime to test: `wasmtime@X.Y.Z`, 39.0.2 to 48.0.8. 48.0.8 (the
    /// default) runs in process; any other version runs in an executor
    /// that witness builds on demand (once, minutes).
    #[arg(long, value_name = "wasmtime@X.Y.Z")]
    pub runtime: Option<RuntimeSpec>,
    /// Run the default runtime in an executor too, so that a host crash or
    /// hang is a finding rather than the end of the run.
    #[arg(long)]
    pub isolate: bool,
}

impl RuntimeOptions {
    pub fn placement(&self) -> Placement {
        Placement::of(self.runtime.as_ref(), self.isolate)
    }

    /// The default host configuration, on this runtime.
    pub fn host(&self) -> HostConfig {
        HostConfig {
            placement: self.placement(),
            ..HostConfig::default()
        }
    }
}

impl LimitOptions {
    /// The host configuration with these limits; values that make no test
    /// are refused ([`witness::limits`]).
    pub fn host(&self) -> Result<HostConfig> {
        let host = HostConfig {
            fuel_per_call: witness::limits::fuel(self.fuel)?,
            memory_limit: witness::limits::memory_mib(self.memory_mib)?,
            deadline: std::time::Duration::from_millis(self.deadline_ms),
            ..self.runtime.host()
        };
        host.validate()?;
        Ok(host)
    }
}

impl CampaignOptions {
    /// `<corpus>/findings`.
    pub fn findings_dir(&self) -> PathBuf {
        self.corpus.join("findings")
    }

    /// `<corpus>/suppressions.toml` (none when the file is missing).
    pub fn suppressions(&self) -> Result<Suppressions> {
        Ok(Suppressions::load(&self.corpus.join("suppressions.toml"))?)
    }
}

/// Refuses a count of zero for `option` (`--worlds`), which counts `what`:
/// a run that tests nothing must not pass.
pub fn positive(option: &'static str, value: u64, what: &'static str) -> Result<()> {
    witness::limits::count(option, what, value)?;
    Ok(())
}
