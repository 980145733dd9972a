//! `witness resources`: drop-order fuzzing and leak detection of resource
//! handles in guests of every language (see `witness::resources`), or
//! `--replay` of one resources finding.

use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use std::process::ExitCode;
use witness::disk::Cache;
use witness::host::HostConfig;
use witness::resources::model::GenConfig;
use witness::resources::{self, Fault, ReplayOutcome, ResourcesConfig};
use witness::suppress::Suppressions;

#[derive(clap::Args)]
pub struct ResourcesArgs {
    /// Guest languages: rust, go, python, c, a comma-separated list of them,
    /// or all.
    #[arg(long, default_value = "rust")]
    lang: String,
    /// Seed: sequence i of seed S is always the same sequence.
    #[arg(long, default_value_t = 1)]
    seed: u64,
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
    /// The corpus directory (findings go to <corpus>/findings; known ones
    /// are listed in <corpus>/suppressions.toml).
    #[arg(long, default_value = "corpus")]
    corpus: PathBuf,
    /// Build the guests with a deliberate fault, to see an oracle catch it:
    /// never-destroy, keep-released, destroy-twice, drop-kept-borrow,
    /// panic-on-poke, drop-on-poke, leak-memory, wrong-id.
    #[arg(long, value_name = "FAULT")]
    fault: Option<String>,
    /// Replay the resources finding in this directory instead
    /// (corpus/findings/<id>).
    #[arg(long, value_name = "FINDING")]
    replay: Option<PathBuf>,
    /// No progress messages.
    #[arg(long)]
    quiet: bool,
}

pub fn run(args: ResourcesArgs) -> Result<ExitCode> {
    let cache = Cache::from_env();
    if let Some(dir) = &args.replay {
        return replay(dir, &cache);
    }
    let languages: Vec<String> = match args.lang.as_str() {
        "all" => resources::LANGUAGES.iter().map(|s| s.to_string()).collect(),
        list => list
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
    };
    for lang in &languages {
        if !resources::LANGUAGES.contains(&lang.as_str()) {
            bail!(
                "unknown guest language `{lang}` in --lang: use {}, a comma-separated list, or all",
                resources::LANGUAGES.join(", ")
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
    let suppressions_path = args.corpus.join("suppressions.toml");
    let config = ResourcesConfig {
        languages,
        seed: args.seed,
        sequences: args.sequences,
        generation: GenConfig {
            max_steps: args.max_steps,
            illegal: !args.legal_only,
            ..GenConfig::default()
        },
        cycles: args.cycles,
        host: HostConfig::default(),
        findings_dir: args.corpus.join("findings"),
        suppressions: Suppressions::load(&suppressions_path)?,
        command_prefix: crate::command_prefix(),
        fault,
        shrink_per_signature: 2,
        progress: !args.quiet,
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

/// Replays the resources finding in `dir` (`witness repro` replays one
/// through `witness::reproduce`, with the same words).
pub fn replay(dir: &std::path::Path, cache: &Cache) -> Result<ExitCode> {
    let describe = witness::reproduce::describe_violation;
    match resources::replay(dir, cache, HostConfig::default())? {
        ReplayOutcome::Reproduced(v) => {
            println!("reproduced: {}", describe(&v));
            println!("0 passed, 1 failed");
            Ok(ExitCode::from(1))
        }
        ReplayOutcome::Different(v) => {
            println!("failed differently from the finding: {}", describe(&v));
            println!("0 passed, 1 failed");
            Ok(ExitCode::from(1))
        }
        ReplayOutcome::NotReproduced => {
            println!("did not reproduce: the sequence passed");
            println!("1 passed, 0 failed");
            Ok(ExitCode::SUCCESS)
        }
    }
}
