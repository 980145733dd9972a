//! `witness repro <finding>`: replays one finding of any kind (an echo call
//! or build, a resources sequence or leak check, an abi case) under the
//! limits it was found with, through the same library path as the
//! regression corpus test (`witness::reproduce::replay_finding`), so both
//! always agree. `witness resources --replay` is the same replay.

use anyhow::Result;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use witness::disk::Cache;
use witness::host::HostConfig;
use witness::reproduce;

#[derive(clap::Args)]
pub struct ReproArgs {
    /// The finding's directory.
    finding: PathBuf,
    #[command(flatten)]
    runtime: crate::options::RuntimeOptions,
}

pub fn run(args: ReproArgs) -> Result<ExitCode> {
    replay(&args.finding, &Cache::from_env(), args.runtime.host())
}

/// Replays the finding in `dir` and prints the verdict: exit 1 when it
/// fails (as recorded, or differently), 0 when it passes.
pub fn replay(dir: &Path, cache: &Cache, host: HostConfig) -> Result<ExitCode> {
    let replayed = reproduce::replay_finding(dir, cache, host)?;
    Ok(match &replayed.got {
        Some(_) if replayed.reproduced() => {
            println!("reproduced: {}", replayed.what);
            println!("0 passed, 1 failed");
            ExitCode::from(1)
        }
        Some(got) => {
            println!(
                "failed differently from the finding: {}\n(signature `{}`, the finding's is `{}`)",
                replayed.what,
                got.text(),
                replayed.want.text()
            );
            println!("0 passed, 1 failed");
            ExitCode::from(1)
        }
        None => {
            println!("did not reproduce: {}", replayed.what);
            println!("1 passed, 0 failed");
            ExitCode::SUCCESS
        }
    })
}
