//! `witness run`: a campaign over random worlds (`--seed`, `--worlds`) or
//! over the functions of a WIT file or directory (`--wit`).

use crate::options::{CampaignOptions, positive};
use anyhow::{Context, Result};
use std::path::PathBuf;
use std::process::ExitCode;
use witness::campaign::{self, CampaignConfig, CaseSource};
use witness::disk::Cache;
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
    #[command(flatten)]
    common: CampaignOptions,
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
    /// Ignore saved progress and start from the first world.
    #[arg(long)]
    fresh: bool,
    /// Generate no resources: by default half the generated worlds have
    /// resources, for the languages whose driver echoes them (each defined
    /// by the host, or by the guest for the languages that implement those).
    #[arg(long)]
    no_resources: bool,
    /// Calls of the leak check on each world, after its calls: one
    /// instance, its linear memory flat over them or a finding (0: no leak
    /// check; languages whose memory is not steady, Go, have none).
    #[arg(long, default_value_t = 20_000, value_name = "N")]
    leak_cycles: u64,
}

pub fn run(args: RunArgs) -> Result<ExitCode> {
    let host = args.common.limits.host()?;
    positive("--calls", args.calls, "calls")?;
    if args.wit.is_none() {
        positive("--worlds", args.worlds, "worlds")?;
    }
    let lang = match (&args.lang, &args.chain) {
        (Some(lang), _) => Some(lang.as_str()),
        (None, Some(_)) => None,
        (None, None) => Some("rust"),
    };
    let mut targets: Vec<Vec<String>> = match lang {
        Some("all") => witness::guest::registry()
            .iter()
            .map(|l| vec![l.name().to_string()])
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
                seed: args.common.seed,
                world: imported.world,
                origin: path.display().to_string(),
            }
        }
        None => CaseSource::Seeded {
            seed: args.common.seed,
            worlds: args.worlds,
            config: None,
            resources: !args.no_resources,
        },
    };
    let config = CampaignConfig {
        source,
        calls: args.calls,
        targets,
        values: ValueConfig::default(),
        host,
        findings_dir: args.common.findings_dir(),
        suppressions: args.common.suppressions()?,
        command_prefix: witness::finding::command_prefix(),
        fresh: args.fresh,
        progress: !args.common.quiet,
        leak_cycles: args.leak_cycles,
    };
    let summary =
        campaign::run(&config, &Cache::from_env()).context("the campaign could not run")?;
    print!("{}", summary.table());
    for lang in &summary.languages {
        if lang.resource_worlds_skipped > 0 {
            eprintln!(
                "witness: {}: {} world(s) with resources skipped: resources run in process \
                 only (no --runtime, no --isolate), with a driver that echoes them",
                lang.language, lang.resource_worlds_skipped
            );
        }
    }
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
