//! `witness run`: a campaign over random worlds (`--seed`, `--worlds`) or
//! over the functions of a WIT file or directory (`--wit`).

use anyhow::{Context, Result};
use std::path::PathBuf;
use std::process::ExitCode;
use witness::campaign::{self, CampaignConfig, CaseSource};
use witness::disk::Cache;
use witness::host::HostConfig;
use witness::suppress::Suppressions;
use witness::value::ValueConfig;

#[derive(clap::Args)]
pub struct RunArgs {
    /// Guest languages, comma-separated, or `all` [default: rust, unless
    /// --chain is given].
    #[arg(long)]
    lang: Option<String>,
    /// A chain of guests composed into one component, outermost first:
    /// `rust,go,python`. The host calls the first; each link's upstream is
    /// the next link's api; the last link's upstream is the host. Runs alone
    /// unless --lang is also given.
    #[arg(long, value_name = "LANGS")]
    chain: Option<String>,
    /// Campaign seed: world i of seed S is always the same world.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Number of random worlds.
    #[arg(long, default_value_t = 20)]
    worlds: u64,
    /// Calls per world.
    #[arg(long, default_value_t = 200)]
    calls: u64,
    /// Derive one echo case from every function type in this WIT file or
    /// directory instead of generating worlds.
    #[arg(long, value_name = "PATH")]
    wit: Option<PathBuf>,
    /// The corpus directory (findings go to <corpus>/findings).
    #[arg(long, default_value = "corpus")]
    corpus: PathBuf,
    /// Fuel per call (roughly, wasm instructions).
    #[arg(long, default_value_t = HostConfig::default().fuel_per_call)]
    fuel: u64,
    /// Linear memory limit per memory, in MiB.
    #[arg(long, default_value_t = 1024)]
    memory_mib: usize,
    /// Ignore saved progress and start from the first world.
    #[arg(long)]
    fresh: bool,
    /// No progress bars.
    #[arg(long)]
    quiet: bool,
}

pub fn run(args: RunArgs) -> Result<ExitCode> {
    let lang = match (&args.lang, &args.chain) {
        (Some(lang), _) => Some(lang.as_str()),
        (None, Some(_)) => None,
        (None, None) => Some("rust"),
    };
    let mut targets: Vec<Vec<String>> = match lang {
        Some("all") => witness::guest::LANGUAGES
            .iter()
            .map(|s| vec![s.to_string()])
            .collect(),
        Some(list) => list
            .split(',')
            .map(|s| vec![s.trim().to_string()])
            .collect(),
        None => Vec::new(),
    };
    if let Some(chain) = &args.chain {
        targets.push(chain.split(',').map(|s| s.trim().to_string()).collect());
    }
    let source = match &args.wit {
        Some(path) => {
            let imported = witness::wit_import::import_wit(path)?;
            for skipped in &imported.skipped {
                eprintln!("witness: skipping {}: {}", skipped.origin, skipped.reason);
            }
            CaseSource::Fixed {
                seed: args.seed,
                world: imported.world,
                origin: path.display().to_string(),
            }
        }
        None => CaseSource::Seeded {
            seed: args.seed,
            worlds: witness::limits::count("--worlds", "worlds", args.worlds)?,
            config: None,
        },
    };
    let suppressions_path = args.corpus.join("suppressions.toml");
    let config = CampaignConfig {
        source,
        calls: witness::limits::count("--calls", "calls", args.calls)?,
        targets,
        values: ValueConfig::default(),
        host: HostConfig {
            fuel_per_call: witness::limits::fuel(args.fuel)?,
            memory_limit: witness::limits::memory_mib(args.memory_mib)?,
            ..HostConfig::default()
        },
        findings_dir: args.corpus.join("findings"),
        suppressions: Suppressions::load(&suppressions_path)?,
        command_prefix: crate::command_prefix(),
        fresh: args.fresh,
        progress: !args.quiet,
    };
    let summary =
        campaign::run(&config, &Cache::from_env()).context("the campaign could not run")?;
    print!("{}", summary.table());
    for line in summary.known_lines() {
        println!("{line}");
    }
    if !summary.new_findings.is_empty() {
        println!("new findings:");
        for dir in &summary.new_findings {
            println!("  {}", dir.display());
        }
    }
    println!("{}", summary.last_line());
    Ok(if summary.failed() > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
