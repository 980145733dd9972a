//! `witness abi`: wasmtime's canonical ABI against the reference, byte for
//! byte, through raw guests (`--seed`, `--cases`, or one `--case`).

use anyhow::{Context, Result};
use std::path::PathBuf;
use std::process::ExitCode;
use witness::abi_oracle::{self, AbiConfig};
use witness::disk::Cache;
use witness::host::HostConfig;
use witness::suppress::Suppressions;

#[derive(clap::Args)]
pub struct AbiArgs {
    /// Campaign seed: case i of seed S is always the same case.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Number of cases (each makes one to four checks: the table counts
    /// checks, a layout case counting in layout-lower and layout-lift).
    #[arg(long, default_value_t = 500)]
    cases: u64,
    /// Run only this case, and print everything about it (what a finding's
    /// replay command does).
    #[arg(long, value_name = "I")]
    case: Option<u64>,
    /// The corpus directory (findings go to <corpus>/findings; known ones are listed in <corpus>/suppressions.toml).
    #[arg(long, default_value = "corpus")]
    corpus: PathBuf,
    /// Write no findings.
    #[arg(long)]
    no_findings: bool,
    /// Fuel per call (roughly, wasm instructions).
    #[arg(long, default_value_t = HostConfig::default().fuel_per_call)]
    fuel: u64,
    /// Linear memory limit per memory, in MiB.
    #[arg(long, default_value_t = 1024)]
    memory_mib: usize,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

pub fn run(args: AbiArgs) -> Result<ExitCode> {
    let config = AbiConfig {
        seed: args.seed,
        cases: if args.case.is_some() {
            args.cases
        } else {
            witness::limits::count("--cases", "cases", args.cases)?
        },
        only: args.case,
        host: HostConfig {
            fuel_per_call: witness::limits::fuel(args.fuel)?,
            memory_limit: witness::limits::memory_mib(args.memory_mib)?,
            ..HostConfig::default()
        },
        findings_dir: (!args.no_findings).then(|| args.corpus.join("findings")),
        command_prefix: crate::command_prefix(),
        progress: !args.quiet && args.case.is_none(),
        verbose: args.case.is_some(),
        suppressions: Suppressions::load(&args.corpus.join("suppressions.toml"))?,
    };
    if let Some(i) = args.case {
        print_case(args.seed, i);
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
    Ok(if summary.unknown_failures > 0 {
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
