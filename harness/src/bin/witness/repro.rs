//! `witness repro corpus/findings/<id>`: replays one finding.

use anyhow::Result;
use std::path::PathBuf;
use std::process::ExitCode;
use witness::disk::Cache;
use witness::host::HostConfig;
use witness::replay::{self, ReplayOutcome};

#[derive(clap::Args)]
pub struct ReproArgs {
    /// The finding's directory.
    finding: PathBuf,
}

pub fn run(args: ReproArgs) -> Result<ExitCode> {
    match replay::replay(&args.finding, &Cache::from_env(), HostConfig::default())? {
        ReplayOutcome::Reproduced(what) => {
            println!("reproduced: {what}");
            println!("0 passed, 1 failed");
            Ok(ExitCode::from(1))
        }
        ReplayOutcome::Different(what) => {
            println!("failed differently from the finding: {what}");
            println!("0 passed, 1 failed");
            Ok(ExitCode::from(1))
        }
        ReplayOutcome::NotReproduced => {
            println!("did not reproduce: the call passed");
            println!("1 passed, 0 failed");
            Ok(ExitCode::SUCCESS)
        }
    }
}
