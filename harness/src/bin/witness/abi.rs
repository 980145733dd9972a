//! `witness abi`: wasmtime's canonical ABI against the reference, byte for
//! byte, through raw guests (`--seed`, `--cases`, or one `--case`).

use crate::options::{CampaignOptions, positive};
use anyhow::{Context, Result};
use std::process::ExitCode;
use witness::abi_oracle::{self, AbiConfig};
use witness::disk::Cache;

#[derive(clap::Args)]
pub struct AbiArgs {
    #[command(flatten)]
    common: CampaignOptions,
    /// Number of cases (each makes one to four checks: the table counts
    /// checks, a layout case counting in layout-lower and layout-lift).
    #[arg(long, default_value_t = 500)]
    cases: u64,
    /// Run only this case, and print everything about it (what a finding's
    /// replay command does).
    #[arg(long, value_name = "I")]
    case: Option<u64>,
    /// Write no findings.
    #[arg(long)]
    no_findings: bool,
}

pub fn run(args: AbiArgs) -> Result<ExitCode> {
    let common = &args.common;
    if args.case.is_none() {
        positive("--cases", args.cases, "cases")?;
    }
    let config = AbiConfig {
        seed: common.seed,
        cases: args.cases,
        only: args.case,
        host: common.limits.host()?,
        findings_dir: (!args.no_findings).then(|| common.findings_dir()),
        command_prefix: witness::finding::command_prefix(),
        progress: !common.quiet && args.case.is_none(),
        verbose: args.case.is_some(),
        suppressions: common.suppressions()?,
    };
    if let Some(i) = args.case {
        print_case(common.seed, i);
    }
    let summary =
        abi_oracle::run(&config, &Cache::from_env()).context("the abi cases could not run")?;
    print!("{}", summary.table());
    if !summary.failures.is_empty() {
        println!("failed cases:");
        for line in &summary.failures {
            println!("  {line}");
        }
    }
    if !summary.new_findings.is_empty() {
        println!("new findings:");
        for dir in &summary.new_findings {
            println!("  {}", dir.display());
        }
    }
    println!("{}", summary.last_line());
    Ok(if summary.tally.unknown_failures() > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The world of one case (the rest is printed as it runs).
fn print_case(seed: u64, index: u64) {
    match abi_oracle::make_case(seed, index, None) {
        Err(e) => println!("case {index} of seed {seed}: {e}"),
        Ok(case) => println!("world:\n{}", witness::wit_text::echo_package(&case.world)),
    }
}
