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
    // A resources finding holds steps, not a call: its own replay runs them.
    if witness::finding::load(&args.finding).is_ok_and(|f| f.meta.kind == witness::resources::FINDING_KIND) {
        return crate::resources::replay(&args.finding, &Cache::from_env());
    }
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
