//! `witness resources`: drop-order fuzzing and leak detection of resource
//! handles in guests of every language (see `witness::resources`), or
//! `--replay` of one resources finding.

use crate::options::CampaignOptions;
use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use std::process::ExitCode;
use witness::disk::Cache;
use witness::resources::model::GenConfig;
use witness::resources::{self, Fault, ResourcesConfig};

#[derive(clap::Args)]
pub struct ResourcesArgs {
    /// Guest languages: rust, go, python, c, a comma-separated list of them,
    /// or all.
    #[arg(long, default_value = "rust")]
    lang: String,
    #[command(flatten)]
    common: CampaignOptions,
    /// Sequences per language.
    #[arg(long, default_value_t = 200)]
    sequences: u64,
    /// The most steps in a sequence (before the teardown).
    #[arg(long, default_value_t = GenConfig::default().max_steps)]
    max_steps: u32,
    /// Create/drop cycles of each kind in the leak check; 0 skips it.
    #[arg(long, default_value_t = 10_000)]
    cycles: u32,
    /// Generate legal steps only.
    #[arg(long)]
    legal_only: bool,
    /// Build the guests with a deliberate fault, to see an oracle catch it:
    /// never-destroy, keep-released, destroy-twice, drop-kept-borrow,
    /// panic-on-poke, drop-on-poke, leak-memory, wrong-id.
    #[arg(long, value_name = "FAULT")]
    fault: Option<String>,
    /// Replay the resources finding in this directory instead
    /// (corpus/findings/<id>).
    #[arg(long, value_name = "FINDING")]
    replay: Option<PathBuf>,
}

pub fn run(args: ResourcesArgs) -> Result<ExitCode> {
    let cache = Cache::from_env();
    if let Some(dir) = &args.replay {
        return crate::repro::replay(dir, &cache, args.common.limits.host()?);
    }
    let host = args.common.limits.host()?;
    witness::limits::resources_work(args.sequences, args.cycles)?;
    let languages: Vec<String> = match args.lang.as_str() {
        "all" => resources::languages()
            .iter()
            .map(|s| s.to_string())
            .collect(),
        list => list
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
    };
    for lang in &languages {
        if !resources::languages().contains(&lang.as_str()) {
            bail!(
                "unknown guest language `{lang}` in --lang: use {}, a comma-separated list, or all",
                resources::languages().join(", ")
            );
        }
    }
    let fault = match &args.fault {
        None => None,
        Some(name) => Some(Fault::parse(name).with_context(|| {
            let names: Vec<&str> = Fault::ALL.iter().map(|f| f.as_str()).collect();
            format!(
                "unknown fault `{name}` in --fault: use one of {}",
                names.join(", ")
            )
        })?),
    };
    let config = ResourcesConfig {
        languages,
        seed: args.common.seed,
        sequences: args.sequences,
        generation: GenConfig {
            max_steps: args.max_steps,
            illegal: !args.legal_only,
            ..GenConfig::default()
        },
        cycles: args.cycles,
        host,
        findings_dir: args.common.findings_dir(),
        suppressions: args.common.suppressions()?,
        command_prefix: witness::finding::command_prefix(),
        fault,
        shrink_per_signature: 2,
        progress: !args.common.quiet,
    };
    let summary = resources::run(&config, &cache).context("the resources run could not go on")?;
    println!(
        "resources: seed {}, {} sequences per language",
        config.seed, config.sequences
    );
    print!("{}", summary.table());
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
