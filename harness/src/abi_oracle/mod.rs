//! The byte-level oracle: wasmtime's canonical ABI against the reference
//! ([`crate::abi`]), through raw guests ([`crate::rawguest`]).
//!
//! A case is a function type drawn from a random world ([`crate::smith`]),
//! random values ([`crate::value`]), and one to three raw guests with
//! canonical options drawn at random. The reference simulates the whole call
//! ([`sim`]): what each guest must receive, byte for byte, when wasmtime
//! lowers into it (parameters from the host or from the adapter of the
//! guest before it, results into its return pointer), with every `realloc`
//! call and the pointers its script returns; and what the host must receive
//! when wasmtime lifts what the guests lay out. The host runs the call and
//! the [`judge`] compares.
//!
//! Case classes (each case checks every crossing it makes):
//! - `layout`: one guest, valid values. Its checks are counted in two rows:
//!   `layout-lower` (the bytes and flat values wasmtime wrote, the `realloc`
//!   calls) and `layout-lift` (the values wasmtime lifted, post-return).
//! - `invalid-<kind>`: one deliberately invalid thing from the menu of
//!   [`sites::InvalidKind`] (in a step image, or a bad `realloc` result);
//!   the reference says trap or value, and wasmtime must agree, the trap
//!   kind through [`traps`].
//! - `transcode`: a chain of two or three guests where the encoding each
//!   guest sends in differs from the one the next receives in, so values
//!   cross wasmtime's transcoding adapters between two memories.
//!
//! A disagreement is a finding (kind `abi`) with the world, the case, the
//! bytes in hex and the replay command `witness abi --seed S --case I`.

mod case;
pub mod judge;
pub mod sim;
pub mod sites;
pub mod traps;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;

pub use case::{ABI_STREAM, Case, CaseClass, NoCase, assemble, draw_case, image_state, make_case};
pub use judge::Failure;
use sim::{ExpectedEnd, Phase};

use crate::abi::Abi;
use crate::disk::Cache;
use crate::finding::{Finding, FindingError, FindingMeta, Limits, Replay, Signature};
use crate::host::{Host, HostConfig, HostError};
use crate::rawguest::host::{Observation, RawProgram, compile};
use crate::rawguest::{RawError, RawGuest, build, compose};
use crate::recorder::{self, Recorder, Tally};
use crate::runtime::RuntimeSpec;
use crate::suppress::Suppressions;

/// How an abi campaign runs.
#[derive(Debug, Clone)]
pub struct AbiConfig {
    pub seed: u64,
    pub cases: u64,
    /// Run only this case (a replay).
    pub only: Option<u64>,
    pub host: HostConfig,
    /// Where findings go (`None`: nowhere).
    pub findings_dir: Option<PathBuf>,
    /// How a user runs witness, for replay commands.
    pub command_prefix: String,
    pub progress: bool,
    /// Print each case's description and every failure in full.
    pub verbose: bool,
    /// Known findings: a failed case whose signature matches is still
    /// written and counted, but does not fail the campaign.
    pub suppressions: Suppressions,
}

/// Errors that stop a campaign (set-up, not findings).
#[derive(Debug, thiserror::Error)]
pub enum AbiError {
    #[error(transparent)]
    Host(#[from] HostError),
    #[error(transparent)]
    Finding(#[from] FindingError),
}

/// Passed and failed checks of one row of the table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Row {
    pub passed: u64,
    pub failed: u64,
}

/// What a campaign found.
#[derive(Debug, Clone, Default)]
pub struct AbiSummary {
    /// By check class.
    pub rows: BTreeMap<String, Row>,
    /// Cases the generator could not draw.
    pub skipped: u64,
    /// One line per failed case.
    pub failures: Vec<String>,
    /// Passed and failed checks (a failed case's checks are known when its
    /// finding is), and the findings hit.
    pub tally: Tally,
    pub new_findings: Vec<PathBuf>,
}

impl AbiSummary {
    pub fn passed(&self) -> u64 {
        self.rows.values().map(|r| r.passed).sum()
    }

    pub fn failed(&self) -> u64 {
        self.rows.values().map(|r| r.failed).sum()
    }

    /// `N passed, N failed` over the checks, known failures counted apart.
    pub fn last_line(&self) -> String {
        recorder::last_line([&self.tally])
    }

    /// The table of checks by class.
    pub fn table(&self) -> String {
        let width = self
            .rows
            .keys()
            .map(|k| k.len())
            .chain([5])
            .max()
            .unwrap_or(5);
        let mut out = format!("{:<width$}  {:>7}  {:>7}\n", "check", "passed", "failed");
        let _ = writeln!(
            out,
            "{}  {}  {}",
            "-".repeat(width),
            "-".repeat(7),
            "-".repeat(7)
        );
        for (name, row) in &self.rows {
            let _ = writeln!(out, "{name:<width$}  {:>7}  {:>7}", row.passed, row.failed);
        }
        if self.skipped > 0 {
            let _ = writeln!(
                out,
                "({} cases skipped: the generator ran out of bytes, or drew names that a \
                 component may not have)",
                self.skipped
            );
        }
        out
    }

    fn count(&mut self, row: &str, passed: bool) {
        let r = self.rows.entry(row.to_string()).or_default();
        if passed {
            r.passed += 1;
        } else {
            r.failed += 1;
        }
    }
}

/// What running a case gave.
#[derive(Debug, Clone)]
pub struct CaseRun {
    /// Every disagreement with the reference (empty: the case passed).
    pub failures: Vec<Failure>,
    /// What the call did, when it ran.
    pub observation: Option<Observation>,
}

/// Builds the case's guests (one, or a chain), runs the call and judges it.
pub fn run_case(host: &Host, case: &Case) -> Result<Vec<Failure>, AbiError> {
    Ok(run_case_observed(host, case)?.failures)
}

/// [`run_case`], keeping what the call did.
pub fn run_case_observed(host: &Host, case: &Case) -> Result<CaseRun, AbiError> {
    let failed = |failures| {
        Ok(CaseRun {
            failures,
            observation: None,
        })
    };
    let abi = Abi::new(&case.world).expect("a drawn case has valid types");
    let guests: Vec<RawGuest> = case
        .chain
        .guests
        .iter()
        .enumerate()
        .map(|(k, g)| RawGuest {
            id: k as u32,
            func: case.func.clone(),
            lift: g.lift,
            lower: g.lower,
            abi_pages: g.abi_pages,
            abi_first: g.abi_first,
            script: case.sim.scripts[k].clone(),
        })
        .collect();
    let first = Phase::LowerParams(0);
    let built: Result<Vec<Vec<u8>>, RawError> =
        guests.iter().map(|g| build(&case.world, g)).collect();
    let bytes = match built.and_then(|b| {
        if b.len() == 1 {
            Ok(b[0].clone())
        } else {
            compose(&b)
        }
    }) {
        Ok(b) => b,
        Err(e) => {
            return failed(vec![Failure {
                phase: first,
                class: "witness could not build the guests".into(),
                detail: e.to_string(),
            }]);
        }
    };
    let component = match compile(host, &bytes) {
        Ok(c) => c,
        Err(HostError::Compile(m)) => {
            return failed(vec![Failure {
                phase: first,
                class: "wasmtime rejects a valid component".into(),
                detail: m,
            }]);
        }
        Err(e) => return Err(e.into()),
    };
    let program = RawProgram::new(host, &component, &case.func.name)?;
    // Where a dead runtime died is unknown; the phase a finding names is
    // where the reference traps (the case's invalid crossing), else the
    // first crossing.
    let died = |crash: &crate::runtime::executor::Crash| {
        let phase = match &case.sim.end {
            ExpectedEnd::Trap { phase, .. } => *phase,
            ExpectedEnd::Value { .. } => first,
        };
        failed(vec![Failure {
            phase,
            class: crash.class(),
            detail: format!(
                "{}\n(the runtime died during the call; {} is where the reference traps, or the \
                 call's first crossing)",
                crash.detail(),
                phase.describe(case.chain.guests.len())
            ),
        }])
    };
    let has_result = case.func.result.is_some();
    let plan = case.sim.plan.clone();
    let run = std::panic::catch_unwind(AssertUnwindSafe(|| {
        program.run(plan, &case.chain.args, has_result, case.seed)
    }));
    let obs = match run {
        Ok(Err(HostError::Crash(crash))) => return died(&crash),
        Ok(obs) => obs?,
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "a panic without a message".into());
            return failed(vec![Failure {
                phase: first,
                class: crate::runtime::executor::panic_class(&message),
                detail: format!("the host panicked during the call: {message}"),
            }]);
        }
    };
    let cx = judge::Context {
        abi: &abi,
        guests: guests.len(),
        param_names: case.func.params.iter().map(|p| p.name.clone()).collect(),
    };
    Ok(CaseRun {
        failures: judge::judge(&cx, &case.sim, &obs),
        observation: Some(obs),
    })
}

/// The checks a case counts for, by row, given its failures.
pub fn checks(case: &Case, failures: &[Failure]) -> Vec<(String, bool)> {
    match case.class {
        CaseClass::Layout => {
            let stopped = failures.iter().any(stops);
            let lower = failures.iter().any(|f| f.phase.is_lowering());
            let lift = failures.iter().any(|f| !f.phase.is_lowering());
            let mut out = Vec::new();
            if lower || !stopped {
                out.push(("layout-lower".to_string(), !lower));
            }
            if lift || !stopped {
                out.push(("layout-lift".to_string(), !lift));
            }
            out
        }
        class => vec![(class.name(), failures.is_empty())],
    }
}

/// Whether a failure ended the call before the reference's end.
fn stops(f: &Failure) -> bool {
    f.class.starts_with("wasmtime traps")
        || f.class.starts_with("the call went another way")
        || f.class.starts_with("wasmtime panics")
        || f.class == "sandbox limit"
        || f.class.starts_with("witness could not build")
        || f.class.starts_with("wasmtime rejects")
}

/// A few lines about the case: guests, options, placements, injection.
pub fn describe(case: &Case) -> String {
    let mut out = format!(
        "case {} of seed {} ({}), function `{}`\n",
        case.index,
        case.seed,
        case.class.name(),
        case.func.name
    );
    for (k, g) in case.chain.guests.iter().enumerate() {
        let _ = writeln!(
            out,
            "raw{k}: lift {:?}, lower {:?}, {} page(s), ABI memory is memory {}, realloc {}, \
             images {}",
            g.lift,
            g.lower,
            g.abi_pages,
            if g.abi_first { 0 } else { 1 },
            g.realloc_place.as_str(),
            g.image_place.as_str()
        );
    }
    if let Some(note) = &case.note {
        let _ = writeln!(out, "injected: {note}");
    }
    match &case.sim.end {
        ExpectedEnd::Trap { phase, trap } => {
            let _ = writeln!(
                out,
                "the spec traps in {}: {trap}",
                phase.describe(case.chain.guests.len())
            );
        }
        ExpectedEnd::Value { .. } => {
            let _ = writeln!(out, "the spec returns a value");
        }
    }
    out
}

/// The signature of a finding about `failure` in `case`: what
/// suppressions match and findings are bucketed by.
pub fn signature(case: &Case, failure: &Failure) -> Signature {
    let n = case.chain.guests.len();
    let language = if n == 1 {
        "raw".to_string()
    } else {
        format!("raw-chain-{n}")
    };
    let hop = failure
        .phase
        .describe(n)
        .split(" raw")
        .next()
        .unwrap_or_default()
        .to_string();
    Signature {
        language,
        kind: failure.kind(),
        site: hop,
        class: format!("{}: {}", case.class.name(), failure.class),
    }
}

fn finding(case: &Case, failure: &Failure, limits: Limits, runtime: &RuntimeSpec) -> Finding {
    let n = case.chain.guests.len();
    let sig = signature(case, failure);
    let params: Vec<(String, wasmtime::component::Val)> = case
        .func
        .params
        .iter()
        .map(|p| p.name.clone())
        .zip(case.chain.args.iter().cloned())
        .collect();
    let call = crate::value::write_call(
        &format!(
            "api.{} of the raw guest, case {} of seed {}",
            case.func.name, case.index, case.seed
        ),
        &params,
        case.chain.answer.as_ref(),
    );
    Finding {
        meta: FindingMeta {
            id: sig.id(),
            signature: sig.text(),
            kind: sig.kind,
            language: sig.language.clone(),
            hop: None,
            violation: None,
            phase: Some(sig.site.clone()),
            path: None,
            function: Some(case.func.name.clone()),
            summary: format!(
                "{}: {}",
                failure.phase.describe(n),
                failure.detail.lines().next().unwrap_or_default()
            ),
            link: None,
            count: 1,
            weight: case.weight() as u64,
            replay: Replay::Abi {
                seed: case.seed,
                case: case.index,
            },
            limits,
            versions: BTreeMap::from([("wasmtime".to_string(), runtime.version.to_string())]),
        },
        world_wit: crate::wit_text::echo_package(&case.world),
        call: Some(call),
        steps: None,
        observed: Some(format!("{}\n{}\n", describe(case), failure.detail)),
        trap: None,
        guest_output: None,
        build_log: None,
    }
}

/// A line above the progress bar (or on stderr without one).
fn say(bar: &indicatif::ProgressBar, line: impl AsRef<str>) {
    if bar.is_hidden() {
        eprintln!("{}", line.as_ref());
    } else {
        bar.println(line);
    }
}

/// Runs the cases of `config` and records a finding per failed case.
pub fn run(config: &AbiConfig, cache: &Cache) -> Result<AbiSummary, AbiError> {
    let host = Host::new(config.host.clone(), cache)?;
    let runtime = host.runtime();
    let limits = Limits::of(&config.host);
    let mut recorder = Recorder::open(config.findings_dir.as_deref(), config.suppressions.clone())?
        .with_command_prefix(&config.command_prefix);
    let indices = match config.only {
        Some(i) => i..i + 1,
        None => 0..config.cases,
    };
    let bar = if config.progress {
        indicatif::ProgressBar::new(indices.end - indices.start)
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut summary = AbiSummary::default();
    for i in indices {
        bar.inc(1);
        let case = match make_case(config.seed, i, None) {
            Ok(case) => case,
            Err(e @ (NoCase::Exhausted | NoCase::Names(_))) => {
                summary.skipped += 1;
                if config.only.is_some() {
                    say(&bar, format!("case {i}: {e}"));
                }
                continue;
            }
            Err(NoCase::Sim(e)) => {
                summary.count("reference-error", false);
                summary.tally.fail(1, false);
                let line = format!("case {i}: {e}");
                say(&bar, &line);
                summary.failures.push(line);
                continue;
            }
        };
        let failures = match run_case(&host, &case) {
            Ok(failures) => failures,
            // A case this runtime version cannot load (a type it predates).
            Err(AbiError::Host(HostError::Unsupported(message))) => {
                summary.skipped += 1;
                if config.verbose || config.only.is_some() {
                    say(&bar, format!("case {i}: skipped: {message}"));
                }
                continue;
            }
            Err(e) => return Err(e),
        };
        if config.verbose {
            say(&bar, describe(&case));
            for f in &failures {
                say(
                    &bar,
                    format!(
                        "failure in {}: {}\n{}",
                        f.phase.describe(case.chain.guests.len()),
                        f.class,
                        f.detail
                    ),
                );
            }
        }
        let mut failed_checks = 0;
        for (row, passed) in checks(&case, &failures) {
            summary.count(&row, passed);
            if passed {
                summary.tally.pass(1);
            } else {
                failed_checks += 1;
            }
        }
        if let Some(first) = failures.first() {
            let written = recorder.record(
                &mut summary.tally,
                finding(&case, first, limits, &runtime),
                1,
            )?;
            let known = written.known.is_some();
            summary.tally.fail(failed_checks, known);
            let line = format!(
                "case {i} ({}): {}: {}{}",
                case.class.name(),
                first.phase.describe(case.chain.guests.len()),
                first.class,
                if known { " (known, suppressed)" } else { "" }
            );
            say(&bar, &line);
            summary.failures.push(line);
        }
    }
    summary.new_findings = std::mem::take(&mut recorder.new_findings);
    bar.finish_and_clear();
    Ok(summary)
}

#[cfg(test)]
mod tests;
