//! `witness shrink corpus/findings/<id>`: reduces a finding to its smallest
//! reproducer (see the library's `shrink` module) and writes it back.

use anyhow::Result;
use std::path::PathBuf;
use std::process::ExitCode;
use witness::disk::Cache;
use witness::shrink::{self, ShrinkConfig};

#[derive(clap::Args)]
pub struct ShrinkArgs {
    /// The finding's directory.
    finding: PathBuf,
    /// Most guest rebuilds (candidate worlds not in the guest cache).
    #[arg(long, default_value_t = ShrinkConfig::default().max_builds)]
    max_builds: usize,
    /// Most calls (candidate values).
    #[arg(long, default_value_t = ShrinkConfig::default().max_calls)]
    max_calls: usize,
    #[command(flatten)]
    runtime: crate::options::RuntimeOptions,
}

pub fn run(args: ShrinkArgs) -> Result<ExitCode> {
    let config = ShrinkConfig {
        max_builds: args.max_builds,
        max_calls: args.max_calls,
        // The finding's own limits apply.
        host: args.runtime.host(),
        overrides: Vec::new(),
    };
    let report = shrink::shrink(&args.finding, &Cache::from_env(), &config)?;
    println!("signature: {}", report.signature.text());
    println!(
        "weight {} -> {}, functions {} -> {}, named types {} -> {}",
        report.weight_before,
        report.weight_after,
        report.funcs.0,
        report.funcs.1,
        report.types.0,
        report.types.1
    );
    println!(
        "{} candidates tried, {} kept; {} builds, {} calls{}",
        report.tried,
        report.accepted,
        report.builds,
        report.calls,
        if report.budget_exhausted {
            " (budget spent: raise --max-builds / --max-calls to go on)"
        } else {
            ""
        }
    );
    println!("--- world.wit ---\n{}", report.world_wit);
    if let Some(call) = &report.call {
        println!("--- call.wave ---\n{call}");
    }
    if report.replaced {
        println!("written to {}", report.dir.display());
    } else {
        println!("the stored reproducer was already as small; nothing written");
    }
    Ok(ExitCode::SUCCESS)
}
