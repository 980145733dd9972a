//! The options every campaign command shares (`run`, `resources`, `abi`),
//! in one struct flattened into each: the seed, the corpus, the sandbox
//! limits and `--quiet`.

use anyhow::{Result, bail};
use std::path::PathBuf;
use witness::host::HostConfig;
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
    #[arg(long, default_value_t = (HostConfig::default().memory_limit >> 20) as u64)]
    pub memory_mib: u64,
}

impl LimitOptions {
    /// The host configuration with these limits; values that make no test
    /// are refused.
    pub fn host(&self) -> Result<HostConfig> {
        if self.fuel == 0 {
            bail!(
                "--fuel 0 gives every call no fuel at all, so every call would fail before \
                 it starts and nothing would be tested; give a positive amount (the default is {})",
                HostConfig::default().fuel_per_call
            );
        }
        let Some(bytes) = self
            .memory_mib
            .checked_mul(1 << 20)
            .filter(|b| *b > 0)
            .and_then(|b| usize::try_from(b).ok())
        else {
            bail!(
                "--memory-mib {} is not a usable cap on linear memory: it must be at least 1 and \
                 at most {} (the cap in bytes must fit in this machine's address size); the \
                 default is {}",
                self.memory_mib,
                usize::MAX >> 20,
                HostConfig::default().memory_limit >> 20
            );
        };
        Ok(HostConfig {
            fuel_per_call: self.fuel,
            memory_limit: bytes,
            ..HostConfig::default()
        })
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

/// Refuses a count of zero for `option`: a run that tests nothing must not
/// pass.
pub fn positive(option: &str, value: u64, what: &str) -> Result<()> {
    if value == 0 {
        bail!(
            "{option} 0 runs no {what}, so the run would test nothing and still pass; give at \
             least 1"
        );
    }
    Ok(())
}
