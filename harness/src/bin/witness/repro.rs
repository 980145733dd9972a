//! `witness repro corpus/findings/<id>`: replays one finding of any kind
//! (an echo call or build, a resources sequence or leak check, an abi case).

use anyhow::Result;
use std::path::PathBuf;
use std::process::ExitCode;
use witness::disk::Cache;
use witness::host::HostConfig;
use witness::replay::{self, ReplayOutcome};
use witness::reproduce::{self, FindingFamily, ReproduceError};

#[derive(clap::Args)]
pub struct ReproArgs {
    /// The finding's directory.
    finding: PathBuf,
}

/// What a replay showed, in words.
enum Verdict {
    Reproduced(String),
    Different(String),
    Passed(String),
}

pub fn run(args: ReproArgs) -> Result<ExitCode> {
    let cache = Cache::from_env();
    let found = witness::finding::load(&args.finding)?;
    let verdict = match FindingFamily::of(&found.meta) {
        None => {
            return Err(ReproduceError::UnknownKind {
                path: args.finding.join("finding.toml"),
                kind: found.meta.kind,
            }
            .into());
        }
        Some(FindingFamily::Echo) => {
            match replay::replay(&args.finding, &cache, HostConfig::default())? {
                ReplayOutcome::Reproduced(what) => Verdict::Reproduced(what),
                ReplayOutcome::Different(what) => Verdict::Different(what),
                ReplayOutcome::NotReproduced => Verdict::Passed("the call passed".into()),
            }
        }
        // Resources steps or leak checks, abi cases: replayed as their own
        // commands replay them.
        Some(FindingFamily::Resource | FindingFamily::Abi) => {
            let replayed = reproduce::replay_finding(&args.finding, &cache, HostConfig::default())?;
            match &replayed.got {
                None => Verdict::Passed(replayed.what),
                Some(_) if replayed.reproduced() => Verdict::Reproduced(replayed.what),
                Some(got) => {
                    Verdict::Different(format!("{}\n(signature `{}`)", replayed.what, got.text()))
                }
            }
        }
    };
    Ok(match verdict {
        Verdict::Reproduced(what) => {
            println!("reproduced: {what}");
            println!("0 passed, 1 failed");
            ExitCode::from(1)
        }
        Verdict::Different(what) => {
            println!("failed differently from the finding: {what}");
            println!("0 passed, 1 failed");
            ExitCode::from(1)
        }
        Verdict::Passed(what) => {
            println!("did not reproduce: {what}");
            println!("1 passed, 0 failed");
            ExitCode::SUCCESS
        }
    })
}
