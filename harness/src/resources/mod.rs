//! Resource lifetimes: drop-order fuzzing and leak detection, in every
//! guest language.
//!
//! The ground wasmtime's own component fuzzer leaves out. A fixed protocol
//! world ([`world`], `wit/resources.wit`) has a guest-defined resource
//! (`thing`: constructor, method, static function) and a host-defined one
//! (`token`), passed as `own` and `borrow` handles alone and nested in
//! records, tuples, lists, options, results and variants. Each language's
//! guest is hand-written against the bindings its real generator makes
//! (`templates/<lang>/resources/`).
//!
//! - [`model`]: the reference state machine, which generates sequences of
//!   steps ([`step`]) from `arbitrary` bytes (sequence `i` of seed `S` is
//!   always the same) and says for every step what must happen, including
//!   the illegal ones (use after drop, double drop, drop while lent, a
//!   borrow kept past its call, a stale index after its slot is reused,
//!   one own handle passed twice) and the error that must stop them
//!   ([`messages`]);
//! - [`session`] and [`runner`]: the host side, on wasmtime's resource
//!   APIs, which runs a sequence on a fresh instance and checks after every
//!   step that the destructors the model expects ran exactly once, the live
//!   counts agree, illegal steps fail with the expected error and legal ones
//!   do not; and the leak detector, which reads the guest's memory and
//!   allocation counts across thousands of create/drop cycles;
//! - [`shrink`]: a failing sequence reduced to the fewest steps that still
//!   fail the same way, written as a finding (kind `resource`) that
//!   `witness resources --replay corpus/findings/<id>` runs again;
//! - [`fault`]: deliberately faulty guests, one per oracle, for tests.

pub mod fault;
pub mod messages;
pub mod model;
pub mod runner;
pub mod session;
pub mod shrink;
pub mod step;
pub mod world;

#[cfg(test)]
mod executor_tests;
#[cfg(test)]
mod machine_tests;
#[cfg(test)]
pub(crate) mod test_support;

pub use fault::Fault;

use crate::disk::Cache;
use crate::finding::{self, Finding, FindingError, FindingMeta, Kind, Limits, Replay, Signature};
use crate::guest::{GuestBuilder, GuestError, ResourcesSpec, ToolchainInfo};
use crate::host::{Host, HostConfig, HostError};
use crate::recorder::{self, Recorder, Tally};
use crate::suppress::Suppressions;
use model::GenConfig;
use runner::{Cycle, LeakReport, Runner, SequenceRun, Violation, ViolationClass};
use session::LinkedGuest;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use step::Step;

/// The languages `witness resources` runs: those of the registry whose
/// driver builds resources guests.
pub fn languages() -> Vec<&'static str> {
    crate::guest::names_supporting(crate::guest::Protocol::Resources)
}

/// What a resources run does.
#[derive(Debug, Clone)]
pub struct ResourcesConfig {
    pub languages: Vec<String>,
    pub seed: u64,
    /// Sequences per language.
    pub sequences: u64,
    pub generation: GenConfig,
    /// Cycles of each leak check (0: no leak check).
    pub cycles: u32,
    pub host: HostConfig,
    pub findings_dir: PathBuf,
    pub suppressions: Suppressions,
    /// How a user runs witness (for the replay commands in findings).
    pub command_prefix: String,
    /// A deliberate fault to build the guests with (for showing the
    /// oracles at work); `None` for real runs.
    pub fault: Option<Fault>,
    /// How many failing sequences of each finding signature to shrink per
    /// language; the rest are recorded as they are.
    pub shrink_per_signature: u32,
    pub progress: bool,
}

impl Default for ResourcesConfig {
    fn default() -> Self {
        ResourcesConfig {
            languages: vec!["rust".into()],
            seed: 1,
            sequences: 200,
            generation: GenConfig::default(),
            cycles: 10_000,
            host: HostConfig::default(),
            findings_dir: PathBuf::from("corpus/findings"),
            suppressions: Suppressions::default(),
            command_prefix: "witness".into(),
            fault: None,
            shrink_per_signature: 2,
            progress: false,
        }
    }
}

/// Errors that stop a run (set-up, not findings).
#[derive(Debug, thiserror::Error)]
pub enum ResourcesError {
    #[error("unknown guest language `{0}` (known: {known})", known = languages().join(", "))]
    UnknownLanguage(String),
    #[error(transparent)]
    Guest(#[from] GuestError),
    #[error(transparent)]
    Host(#[from] HostError),
    #[error(transparent)]
    Finding(#[from] FindingError),
    #[error("{path}: {message}")]
    BadFinding { path: PathBuf, message: String },
}

/// What one language did.
#[derive(Debug, Clone, Default)]
pub struct LanguageResult {
    pub language: String,
    pub sequences: u64,
    /// Steps run, teardowns included.
    pub steps: u64,
    /// Illegal steps run.
    pub illegal: u64,
    /// Illegal steps the language cannot express (its bindings prevent
    /// them), which end their sequence as passed.
    pub skipped: u64,
    /// Sequences and leak checks that passed and failed (a failed leak
    /// check counts once, and as known when every violation it found is),
    /// and the findings they hit.
    pub tally: Tally,
    /// Failures by class (sequences and leak checks).
    pub violations: BTreeMap<ViolationClass, u64>,
    pub leak_checks: Vec<LeakReport>,
    /// When the guest did not build: why (recorded as a finding).
    pub build_failure: Option<String>,
}

impl LanguageResult {
    fn count(&mut self, class: ViolationClass) {
        *self.violations.entry(class).or_default() += 1;
    }

    /// One line: which leak checks grew and which did not.
    pub fn leak_line(&self) -> String {
        if let Some(why) = &self.build_failure {
            return format!(
                "{}: not run, the guest did not build ({})",
                self.language,
                first_line(why)
            );
        }
        if self.leak_checks.is_empty() {
            return format!("{}: no leak check run", self.language);
        }
        let (leaks, clean): (Vec<&LeakReport>, Vec<&LeakReport>) = self
            .leak_checks
            .iter()
            .partition(|r| !r.violations.is_empty());
        let describe = |r: &LeakReport| {
            let mut text = format!("{} ({}", r.cycle.name(), r.growth_text());
            for v in r
                .violations
                .iter()
                .filter(|v| v.class != ViolationClass::MemoryGrowth)
            {
                text.push_str(&format!("; {}: {}", v.class, v.message));
            }
            text.push(')');
            text
        };
        let mut parts = Vec::new();
        if !leaks.is_empty() {
            parts.push(format!(
                "LEAKS in {}",
                leaks
                    .iter()
                    .map(|r| describe(r))
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        }
        if !clean.is_empty() {
            parts.push(format!(
                "no growth in {}",
                clean
                    .iter()
                    .map(|r| describe(r))
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        }
        format!("{}: {}", self.language, parts.join(". "))
    }
}

fn first_line(text: &str) -> &str {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
}

/// The result of a run.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub languages: Vec<LanguageResult>,
    pub new_findings: Vec<PathBuf>,
    pub cycles: u32,
}

impl Summary {
    pub fn passed(&self) -> u64 {
        self.languages.iter().map(|l| l.tally.passed).sum()
    }

    /// Failures that are not suppressed.
    pub fn failed(&self) -> u64 {
        self.languages
            .iter()
            .map(|l| l.tally.unknown_failures())
            .sum()
    }

    pub fn suppressed(&self) -> u64 {
        self.languages.iter().map(|l| l.tally.suppressed).sum()
    }

    /// `N passed, N failed`.
    pub fn last_line(&self) -> String {
        recorder::last_line(self.languages.iter().map(|l| &l.tally))
    }

    /// The table per language, then what leaks and what does not.
    pub fn table(&self) -> String {
        // Crash and hang columns only when the runtime crashed or hung.
        let classes: Vec<ViolationClass> = ViolationClass::ALL
            .into_iter()
            .filter(|c| {
                !c.is_crash()
                    || self
                        .languages
                        .iter()
                        .any(|l| l.violations.get(c).is_some_and(|n| *n > 0))
            })
            .collect();
        let mut header = vec!["language", "sequences", "steps", "illegal"];
        header.extend(classes.iter().map(|c| c.as_str()));
        header.extend(["passed", "failed"]);
        let mut rows: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
        for l in &self.languages {
            let mut row = vec![
                l.language.clone(),
                l.sequences.to_string(),
                l.steps.to_string(),
                l.illegal.to_string(),
            ];
            row.extend(
                classes
                    .iter()
                    .map(|c| l.violations.get(c).copied().unwrap_or(0).to_string()),
            );
            row.push(l.tally.passed.to_string());
            row.push(l.tally.failed_cell());
            rows.push(row);
        }
        let mut out = crate::text_table::render(&rows);
        out.push('\n');
        if self.cycles > 0 {
            out.push_str(&format!(
                "leak check, {} create/drop cycles of each kind (growth of live heap bytes, live allocations, linear memory):\n",
                self.cycles
            ));
        }
        for l in &self.languages {
            out.push_str("  ");
            out.push_str(&l.leak_line());
            out.push('\n');
        }
        for l in self.languages.iter().filter(|l| l.skipped > 0) {
            out.push_str(&format!(
                "{}: {} illegal steps not run: the bindings make them impossible to write\n",
                l.language, l.skipped
            ));
        }
        out
    }
}

/// A guest built, compiled and linked for one language.
pub struct Prepared<'h> {
    pub language: String,
    pub runner: Runner<'h>,
    pub toolchain: ToolchainInfo,
}

/// Builds, compiles and links `language`'s resources guest. A guest that
/// does not build is `Ok(Err(error))` when the error is a finding.
pub fn prepare<'h>(
    language: &str,
    fault: Option<Fault>,
    host: &'h Host,
    cache: &Cache,
    seed: u64,
) -> Result<Result<Prepared<'h>, GuestError>, ResourcesError> {
    Ok(match build_guest(language, fault, cache)? {
        Ok((component, toolchain)) => Ok(link(language, host, &component, toolchain, seed)?),
        Err(e) => Err(e),
    })
}

/// Builds `language`'s resources guest: the component and the toolchain
/// that made it. A guest that does not build is `Ok(Err(error))` when the
/// error is a finding.
pub fn build_guest(
    language: &str,
    fault: Option<Fault>,
    cache: &Cache,
) -> Result<Result<(Vec<u8>, ToolchainInfo), GuestError>, ResourcesError> {
    let lang = crate::guest::language(language)
        .ok_or_else(|| ResourcesError::UnknownLanguage(language.into()))?;
    let builder = GuestBuilder::new(lang, cache.clone())?;
    let spec = ResourcesSpec {
        world: crate::guest::ProtocolWorld {
            wit: world::WIT,
            world: world::WORLD,
        },
        fault: fault::template_value(fault),
    };
    match builder.build_resources(&spec) {
        Ok(built) => Ok(Ok((built.component, builder.toolchain().clone()))),
        Err(e) if e.is_finding() => Ok(Err(e)),
        Err(e) => Err(e.into()),
    }
}

/// Compiles and links a built resources guest (`component`, the bytes of
/// a component of [`world::WIT`]) for running sequences.
pub fn link<'h>(
    language: &str,
    host: &'h Host,
    component: &[u8],
    toolchain: ToolchainInfo,
    seed: u64,
) -> Result<Prepared<'h>, ResourcesError> {
    let component = host.compile(component)?;
    let linked = LinkedGuest::new(host, &component)?;
    Ok(Prepared {
        language: language.into(),
        runner: Runner::new(linked, seed),
        toolchain,
    })
}

/// The steps of a finding's `steps.txt`, with a header that says what they
/// are (the fault, if any, is in the finding's replay record).
pub fn steps_text(steps: &[Step], language: &str) -> String {
    let mut text = format!(
        "# witness resources: a {language} guest, these steps, then the teardown (the host drops what it holds,\n\
         # the guest releases what it holds). Step forms: witness::resources::step.\n"
    );
    text.push_str(&step::write_steps(steps));
    text
}

/// Everything a finding about one violation needs.
struct Report<'a> {
    language: &'a str,
    toolchain: &'a ToolchainInfo,
    seed: u64,
    sequence: Option<u64>,
    steps: &'a [Step],
    violation: &'a Violation,
    fault: Option<Fault>,
    /// Set for a finding of the leak check.
    cycle: Option<(Cycle, u32)>,
    /// The runtime under test.
    runtime: crate::runtime::RuntimeSpec,
}

pub(crate) fn signature(language: &str, violation: &Violation, cycle: Option<Cycle>) -> Signature {
    // A memory-growth violation is about all the cycles, not one step.
    let step_text = if violation.class == ViolationClass::MemoryGrowth {
        ""
    } else {
        violation.step_text.as_str()
    };
    let verb = step_text.split_whitespace().next().unwrap_or("");
    let kind = step_text.split_whitespace().nth(1).map_or("", |w| {
        match w.trim_start_matches(['[', '+']).chars().next() {
            Some('t') => " thing",
            Some('k') => " token",
            _ => "",
        }
    });
    let origin = cycle.map(|c| format!("leak check {}", c.name()));
    let place = match (origin, verb) {
        (Some(origin), "") => origin,
        (Some(origin), verb) => format!("{origin}, {verb}{kind}"),
        (None, verb) => format!("{verb}{kind}"),
    };
    let message = finding::normalise_message(&violation.message);
    // A crash or hang of the runtime is its own kind, with the place as its
    // site, like the echo pipeline's `host-crash` findings.
    let (kind, site, class) = match violation.class {
        ViolationClass::HostCrash => (Kind::HostCrash, format!("resources {place}"), message),
        ViolationClass::Hang => (Kind::Hang, format!("resources {place}"), message),
        other => (
            Kind::Resource,
            other.as_str().into(),
            format!("{place}: {message}"),
        ),
    };
    Signature {
        language: language.into(),
        kind,
        site,
        class,
    }
}

/// The signature of a finding about `language`'s resources guest not
/// building.
pub fn build_signature(language: &str, error: &GuestError) -> Signature {
    Signature {
        language: language.into(),
        kind: Kind::Build,
        site: finding::Stage::Build.as_str().into(),
        class: format!(
            "resources guest: {}",
            finding::normalise_message(&error.to_string())
        ),
    }
}

fn versions(
    toolchain: &ToolchainInfo,
    runtime: &crate::runtime::RuntimeSpec,
) -> BTreeMap<String, String> {
    let mut versions: BTreeMap<String, String> = toolchain.versions.iter().cloned().collect();
    versions.insert("wasmtime".into(), runtime.version.to_string());
    versions
}

fn finding(report: &Report<'_>, limits: Limits) -> Finding {
    let sig = signature(
        report.language,
        report.violation,
        report.cycle.map(|(c, _)| c),
    );
    let v = report.violation;
    let where_ = if v.teardown {
        "in the teardown, at step"
    } else {
        "at step"
    };
    let fault = report.fault.map(|f| f.as_str().to_string());
    let (replay, steps, weight) = match report.cycle {
        None => (
            Replay::ResourceSteps {
                language: report.language.into(),
                seed: report.seed,
                sequence: report.sequence,
                fault,
            },
            steps_text(report.steps, report.language),
            shrink::weight(report.steps),
        ),
        Some((cycle, cycles)) => (
            Replay::LeakCheck {
                language: report.language.into(),
                seed: report.seed,
                cycle: cycle.name().into(),
                cycles,
                fault,
            },
            format!(
                "# witness resources leak check: {cycles} cycles of\n#   {}\n",
                cycle.describe()
            ),
            // Heavier than any sequence: a shrunk sequence with the same
            // signature is the better reproducer.
            u64::from(cycles) * 10,
        ),
    };
    Finding {
        meta: FindingMeta {
            id: sig.id(),
            signature: sig.text(),
            kind: sig.kind,
            language: report.language.into(),
            hop: None,
            violation: Some(v.class.as_str().into()),
            phase: None,
            path: None,
            function: None,
            summary: format!(
                "{}: {where_} {} `{}`: {}",
                v.class,
                v.step + 1,
                v.step_text,
                v.message
            ),
            link: None,
            count: 1,
            weight,
            replay,
            limits,
            versions: versions(report.toolchain, &report.runtime),
        },
        world_wit: world::WIT.to_string(),
        call: None,
        steps: Some(steps),
        observed: Some(format!(
            "{}\n{where_} {} `{}`: {}\n",
            v.class,
            v.step + 1,
            v.step_text,
            v.message
        )),
        trap: v.error.clone(),
        guest_output: Some(v.guest_output.clone()).filter(|s| !s.trim().is_empty()),
        build_log: None,
    }
}

/// Runs every configured language.
pub fn run(config: &ResourcesConfig, cache: &Cache) -> Result<Summary, ResourcesError> {
    let host = Host::new(config.host.clone(), cache)?;
    let mut recorder = Recorder::open(Some(&config.findings_dir), config.suppressions.clone())?
        .with_command_prefix(&config.command_prefix);
    let mut summary = Summary {
        cycles: config.cycles,
        ..Summary::default()
    };
    for language in &config.languages {
        let result = run_language(config, cache, &host, &mut recorder, language)?;
        summary.languages.push(result);
    }
    summary.new_findings = std::mem::take(&mut recorder.new_findings);
    Ok(summary)
}

fn run_language(
    config: &ResourcesConfig,
    cache: &Cache,
    host: &Host,
    recorder: &mut Recorder,
    language: &str,
) -> Result<LanguageResult, ResourcesError> {
    let limits = Limits::of(&config.host);
    let mut result = LanguageResult {
        language: language.into(),
        ..LanguageResult::default()
    };
    if config.progress {
        eprintln!("witness: {language}: building the resources guest");
    }
    let prepared = match prepare(language, config.fault, host, cache, config.seed)? {
        Ok(prepared) => prepared,
        Err(e) => {
            let sig = build_signature(language, &e);
            let f = Finding {
                meta: FindingMeta {
                    id: sig.id(),
                    signature: sig.text(),
                    kind: Kind::Build,
                    language: language.into(),
                    hop: Some(finding::Stage::Build),
                    violation: None,
                    phase: None,
                    path: None,
                    function: None,
                    summary: format!(
                        "the {language} resources guest does not build: {}",
                        first_line(&e.to_string())
                    ),
                    link: None,
                    count: 1,
                    weight: 0,
                    replay: Replay::ResourceBuild {
                        language: language.into(),
                        fault: config.fault.map(|f| f.as_str().to_string()),
                    },
                    limits,
                    versions: versions(&ToolchainInfo::default(), &host.runtime()),
                },
                world_wit: world::WIT.into(),
                call: None,
                steps: None,
                observed: None,
                trap: None,
                guest_output: None,
                build_log: Some(e.to_string()),
            };
            result.build_failure = Some(e.to_string());
            recorder.fail(&mut result.tally, f, 1)?;
            return Ok(result);
        }
    };
    let mut shrunk_per_signature: BTreeMap<String, u32> = BTreeMap::new();
    for index in 0..config.sequences {
        let steps = model::sequence(config.seed, index, &config.generation);
        let run = prepared.runner.run(&steps)?;
        result.sequences += 1;
        result.steps += run.steps as u64;
        result.illegal += run.illegal as u64;
        result.skipped += run.skipped as u64;
        let Some(violation) = run.violation else {
            result.tally.pass(1);
            continue;
        };
        result.count(violation.class);
        let sig = signature(language, &violation, None);
        let shrunk_count = shrunk_per_signature.entry(sig.text()).or_default();
        let (steps, violation) = if *shrunk_count < config.shrink_per_signature {
            *shrunk_count += 1;
            shrink_failure(language, &prepared.runner, &steps, violation)?
        } else {
            (model::renumber(&model::normalise(&steps)), violation)
        };
        let report = Report {
            language,
            toolchain: &prepared.toolchain,
            seed: config.seed,
            sequence: Some(index),
            steps: &steps,
            violation: &violation,
            fault: config.fault,
            cycle: None,
            runtime: host.runtime(),
        };
        recorder.fail(&mut result.tally, finding(&report, limits), 1)?;
        if config.progress && (index + 1) % 50 == 0 {
            eprintln!(
                "witness: {language}: {} of {} sequences, {} failed",
                index + 1,
                config.sequences,
                result.tally.failed
            );
        }
    }
    if config.cycles > 0 {
        for cycle in Cycle::ALL {
            if config.progress {
                eprintln!(
                    "witness: {language}: leak check `{}`, {} cycles",
                    cycle.name(),
                    config.cycles
                );
            }
            let report = prepared.runner.leak_check(cycle, config.cycles)?;
            if report.violations.is_empty() {
                result.tally.pass(1);
            }
            // A failed check is known when every violation it found is.
            let mut all_known = true;
            for v in &report.violations {
                result.count(v.class);
                let r = Report {
                    language,
                    toolchain: &prepared.toolchain,
                    seed: config.seed,
                    sequence: None,
                    steps: &[],
                    violation: v,
                    fault: config.fault,
                    cycle: Some((cycle, report.cycles)),
                    runtime: host.runtime(),
                };
                let written = recorder.record(&mut result.tally, finding(&r, limits), 1)?;
                all_known &= written.known.is_some();
            }
            if !report.violations.is_empty() {
                result.tally.fail(1, all_known);
            }
            result.leak_checks.push(report);
        }
    }
    Ok(result)
}

/// Shrinks a failing sequence, keeping its finding signature; returns the
/// shrunk steps and the violation they show.
fn shrink_failure(
    language: &str,
    runner: &Runner<'_>,
    steps: &[Step],
    violation: Violation,
) -> Result<(Vec<Step>, Violation), ResourcesError> {
    let want = signature(language, &violation, None);
    let mut host_error = None;
    let shrunk = shrink::shrink(steps, |candidate| match runner.run(candidate) {
        Ok(run) => run
            .violation
            .is_some_and(|v| signature(language, &v, None) == want),
        Err(e) => {
            host_error.get_or_insert(e);
            false
        }
    });
    if let Some(e) = host_error {
        return Err(e.into());
    }
    let run: SequenceRun = runner.run(&shrunk.steps)?;
    match run.violation {
        Some(v) if signature(language, &v, None) == want => Ok((shrunk.steps, v)),
        // Not reproducible on its own (a flaky guest): keep the original.
        _ => Ok((model::renumber(&model::normalise(steps)), violation)),
    }
}

/// What replaying a finding found.
#[derive(Debug)]
pub enum ReplayOutcome {
    /// The violation (this one) happened again.
    Reproduced(Violation),
    /// The sequence failed, but not as the finding says (another signature).
    Different(Violation),
    /// The sequence passed.
    NotReproduced,
}

/// Replays the resources finding in `dir`: rebuilds its language's guest,
/// runs its steps and the teardown.
pub fn replay(
    dir: &Path,
    cache: &Cache,
    host_config: HostConfig,
) -> Result<ReplayOutcome, ResourcesError> {
    let found = finding::load(dir)?;
    let steps_path = dir.join("steps.txt");
    let bad = |message: String| ResourcesError::BadFinding {
        path: steps_path.clone(),
        message,
    };
    let Replay::ResourceSteps {
        language,
        seed,
        fault,
        ..
    } = &found.meta.replay
    else {
        return Err(ResourcesError::BadFinding {
            path: dir.join("finding.toml"),
            message: format!(
                "this finding does not replay as steps of the resources protocol; replay it with `witness repro {}`",
                dir.display()
            ),
        });
    };
    let fault = match fault {
        None => None,
        Some(name) => Some(
            Fault::parse(name).ok_or_else(|| ResourcesError::BadFinding {
                path: dir.join("finding.toml"),
                message: format!("unknown guest fault `{name}`"),
            })?,
        ),
    };
    let text = found.steps.ok_or_else(|| {
        bad("the file is missing; a resources finding keeps its steps there".into())
    })?;
    let steps = step::parse_steps(&text)
        .map_err(|e| bad(format!("{e}; restore the file from version control")))?;
    if steps.is_empty() {
        return Err(bad(
            "it holds no steps; restore the file from version control".into(),
        ));
    }
    if model::normalise(&steps).len() != steps.len() {
        return Err(bad(
            "the steps are not a valid sequence (a step names a resource that is not where it needs it); restore \
             the file from version control"
                .into(),
        ));
    }
    let host = Host::new(host_config, cache)?;
    let prepared = prepare(language, fault, &host, cache, *seed)??;
    let run = prepared.runner.run(&steps)?;
    Ok(match run.violation {
        Some(v) if signature(language, &v, None).text() == found.meta.signature => {
            ReplayOutcome::Reproduced(v)
        }
        Some(v) => ReplayOutcome::Different(v),
        None => ReplayOutcome::NotReproduced,
    })
}

#[cfg(test)]
mod tests;
