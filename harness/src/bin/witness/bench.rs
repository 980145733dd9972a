//! `witness bench`: runs the benchmarks (`cargo bench -p witness-benches`)
//! and then `witness report`.

use anyhow::{Context, Result, bail};
use std::process::{Command, ExitCode};

#[derive(clap::Args)]
pub struct BenchArgs {
    /// criterion's `--quick` mode: each benchmark only until its estimate is
    /// stable (the whole matrix in a few minutes).
    #[arg(long)]
    quick: bool,
    /// Guest languages, comma-separated [default: all].
    #[arg(long)]
    lang: Option<String>,
    #[command(flatten)]
    report: crate::report::ReportArgs,
}

pub fn run(args: BenchArgs) -> Result<ExitCode> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["bench", "-p", "witness-benches", "--bench", "perf"])
        .current_dir(witness::disk::workspace_root());
    if args.quick {
        cmd.args(["--", "--quick"]);
    }
    if let Some(lang) = &args.lang {
        cmd.env("WITNESS_BENCH_LANGS", lang);
    }
    if let Some(dir) = &args.report.criterion {
        cmd.env("CRITERION_HOME", std::path::absolute(dir)?);
    }
    let status = cmd
        .status()
        .context("could not run `cargo bench`: is cargo on PATH?")?;
    if !status.success() {
        bail!("`cargo bench -p witness-benches` failed ({status}); its output is above");
    }
    crate::report::run(args.report)
}
