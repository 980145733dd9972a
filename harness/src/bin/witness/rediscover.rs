//! `witness rediscover`: a differential across two runtime versions. One
//! pair (`--affected A --fixed B [--budget S] -- <campaign command>`) ends
//! with `found in N s (M cases): <signature>` (exit 0) or `not found in N s`
//! (exit 1); a table (`--table corpus/rediscovery.toml`) runs every entry
//! over its seeds and writes `reports/rediscovery.md`.

use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use witness::rediscover::{self, EntryResult, Outcome, Pair, Table};
use witness::runtime::RuntimeSpec;

#[derive(clap::Args)]
pub struct RediscoverArgs {
    /// The version that has the bug.
    #[arg(long, value_name = "wasmtime@X.Y.Z", required_unless_present = "table")]
    affected: Option<RuntimeSpec>,
    /// The version that does not.
    #[arg(long, value_name = "wasmtime@X.Y.Z", required_unless_present = "table")]
    fixed: Option<RuntimeSpec>,
    /// Seconds the campaign may run.
    #[arg(long, default_value_t = 600)]
    budget: u64,
    /// Stop after this many distinct differences, not at the first (a pair
    /// of versions may lie across several fixes).
    #[arg(long, default_value_t = 1)]
    differences: usize,
    /// Run every entry of this table over its seeds and write the report.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["affected", "fixed"])]
    table: Option<PathBuf>,
    /// Where the table's report goes.
    #[arg(long, default_value = "reports/rediscovery.md")]
    report: PathBuf,
    /// Where campaigns keep their findings (each run empties its own
    /// subdirectory).
    #[arg(long, default_value = "target/witness/rediscover")]
    work: PathBuf,
    /// The campaign command (`abi --seed 1 --cases 100000`).
    #[arg(last = true)]
    command: Vec<String>,
}

pub fn run(args: RediscoverArgs) -> Result<ExitCode> {
    let witness = std::env::current_exe().context("cannot find the witness binary")?;
    if let Some(path) = &args.table {
        if !args.command.is_empty() {
            bail!("--table takes its commands from the table, not after `--`");
        }
        return run_table(&witness, path, &args);
    }
    let (Some(affected), Some(fixed)) = (args.affected.clone(), args.fixed.clone()) else {
        bail!("give --affected and --fixed, or --table");
    };
    witness::limits::count("--budget", "seconds", args.budget)?;
    witness::limits::count("--differences", "differences", args.differences as u64)?;
    let pair = Pair {
        work: args
            .work
            .join(format!("{}-vs-{}", affected.version, fixed.version)),
        affected,
        fixed,
        command: args.command.clone(),
        budget: Duration::from_secs(args.budget),
        differences: args.differences,
    };
    let outcome = rediscover::rediscover(&witness, &pair, &mut |line| eprintln!("{line}"))?;
    Ok(report(&outcome))
}

fn report(outcome: &Outcome) -> ExitCode {
    if let Some(why) = &outcome.ended {
        println!("{why}");
    }
    for s in &outcome.shared {
        println!("on both versions, or not reproduced (not a difference): {s}");
    }
    for d in &outcome.detections {
        println!("difference: {}", d.line());
        println!("  finding: {}", d.finding.display());
        println!("  control: {}", d.control);
        if let Some(shrunk) = &d.shrunk {
            println!("  shrunk: {shrunk}");
        }
    }
    println!("{}", outcome.last_line());
    if outcome.found() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn run_table(
    witness: &std::path::Path,
    path: &std::path::Path,
    args: &RediscoverArgs,
) -> Result<ExitCode> {
    let table = Table::load(path)?;
    let mut results = Vec::new();
    for entry in &table.entries {
        let mut runs = Vec::new();
        for &seed in &table.seeds {
            let affected: RuntimeSpec = entry.affected.parse()?;
            let fixed: RuntimeSpec = entry.fixed.parse()?;
            let mut command = entry.command.clone();
            command.extend(["--seed".to_string(), seed.to_string()]);
            eprintln!("{}: {affected} against {fixed}, seed {seed}", entry.bug);
            let pair = Pair {
                work: args.work.join(format!(
                    "{}-vs-{}-seed-{seed}",
                    affected.version, fixed.version
                )),
                affected,
                fixed,
                command,
                budget: Duration::from_secs(entry.budget_s),
                differences: entry.differences,
            };
            let outcome =
                rediscover::rediscover(witness, &pair, &mut |line| eprintln!("  {line}"))?;
            eprintln!("  {}", outcome.last_line());
            runs.push((seed, outcome));
        }
        results.push(EntryResult {
            entry: entry.clone(),
            runs,
        });
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let context = format!(
        "Measured on {} cores; load average at the end: {}. Budget per seed as in the table; \
         executors built before the clock starts.",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    let text = rediscover::render_table(&results, &context);
    witness::disk::write_atomic(&args.report, text.as_bytes())
        .with_context(|| format!("cannot write {}", args.report.display()))?;
    print!("{text}");
    let all = results
        .iter()
        .all(|r| r.rows().iter().any(|row| row.median_time().is_some()));
    Ok(if all {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
