//! `witness report`: writes `reports/perf.md` and its SVG plots from what
//! `cargo bench -p witness-benches` left in criterion's directory.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use witness::bench::report;
use witness::bench::results::Results;
use witness::bench::run_info::RunInfo;

#[derive(clap::Args)]
pub struct ReportArgs {
    /// criterion's directory [default: $CRITERION_HOME, else
    /// $CARGO_TARGET_DIR/criterion, else target/criterion].
    #[arg(long, value_name = "DIR")]
    pub criterion: Option<PathBuf>,
    /// Where to write perf.md and its plots.
    #[arg(long, value_name = "DIR", default_value = "reports")]
    pub out: PathBuf,
}

pub fn run(args: ReportArgs) -> Result<ExitCode> {
    let dir = args.criterion.unwrap_or_else(witness::bench::criterion_dir);
    let info = RunInfo::read(&dir)?;
    let results = Results::read(&dir)?;
    let report =
        report::render(&results, &info, &shown(&dir)).context("the report could not be drawn")?;
    let written = report::write(&report, &args.out)
        .with_context(|| format!("could not write the report into {}", args.out.display()))?;
    for path in &written {
        println!("wrote {}", path.display());
    }
    if !report.missing.is_empty() {
        eprintln!(
            "witness: {} measurements of a complete run are missing (listed at the end of {}); \
             run `cargo bench -p witness-benches` for all of them",
            report.missing.len(),
            written[0].display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `dir` relative to the workspace when it is inside it, so that the report
/// does not name the machine's paths.
fn shown(dir: &Path) -> String {
    let root = witness::disk::workspace_root();
    let absolute = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    match absolute.strip_prefix(&root) {
        Ok(relative) => relative.display().to_string(),
        Err(_) => dir.display().to_string(),
    }
}
