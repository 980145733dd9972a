//! Campaigns: many echo cases, each built as a guest in one or more
//! languages and called many times, with every failure written as a finding
//! before the campaign moves on.
//!
//! A case comes from a seed (world `i` of seed `s` is drawn from the byte
//! stream `(s, WORLD, i)`, whatever else was generated) or from user WIT.
//! Calls draw their function round-robin and their values from the stream
//! `(s, CALL, i, j)`, so any call can be replayed from its indices alone.
//! Progress is saved after each world: a campaign that is killed resumes
//! where it stopped when run again with the same arguments.

use crate::disk::{self, Cache};
use crate::finding::{self, Finding, FindingMeta, FindingStore, Signature};
use crate::guest::{BuiltGuest, GuestError, GuestSpec, Target, TargetError};
use crate::host::echo::{CallFailure, CallOutcome, EchoGuest, EchoInstance, FailureKind};
use crate::host::{Host, HostConfig, HostError, WASMTIME_VERSION};
use crate::suppress::Suppressions;
use crate::ty::{CaseWorld, Func};
use crate::value::{self, ValueConfig};
use crate::{smith, wit_text};
use arbitrary::{Arbitrary, Unstructured};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use wasmtime::component::Val;

/// Stream labels (see [`crate::seed`]).
const WORLD_STREAM: u64 = 1;
const CALL_STREAM: u64 = 2;
const INSTANCE_STREAM: u64 = 3;

/// Bytes drawn for one world and for one call.
const WORLD_BYTES: usize = 64 * 1024;
const CALL_BYTES: usize = 64 * 1024;

/// Where the cases of a campaign come from.
#[derive(Debug, Clone)]
pub enum CaseSource {
    /// `worlds` random worlds from `seed`; `config` fixes the generator's
    /// configuration (else each world draws its own, swarm style).
    Seeded {
        seed: u64,
        worlds: u64,
        config: Option<smith::Config>,
    },
    /// One case derived from user WIT (values still come from `seed`).
    Fixed {
        seed: u64,
        world: CaseWorld,
        origin: String,
    },
}

impl CaseSource {
    fn seed(&self) -> u64 {
        match self {
            CaseSource::Seeded { seed, .. } | CaseSource::Fixed { seed, .. } => *seed,
        }
    }

    fn worlds(&self) -> u64 {
        match self {
            CaseSource::Seeded { worlds, .. } => *worlds,
            CaseSource::Fixed { .. } => 1,
        }
    }

    /// The `i`th case; `None` when the generator could not make one from
    /// its bytes (not a bug: the bytes ran out).
    pub fn case(&self, i: u64) -> Option<CaseWorld> {
        match self {
            CaseSource::Fixed { world, .. } => Some(world.clone()),
            CaseSource::Seeded { seed, config, .. } => {
                let bytes = crate::seed::bytes(*seed, &[WORLD_STREAM, i], WORLD_BYTES);
                let mut u = Unstructured::new(&bytes);
                let config = match config {
                    Some(c) => c.clone(),
                    None => smith::Config::arbitrary(&mut u).ok()?,
                };
                smith::smith(&config, &mut u).ok()
            }
        }
    }
}

/// Everything a campaign needs to know.
#[derive(Debug, Clone)]
pub struct CampaignConfig {
    pub source: CaseSource,
    pub calls: u64,
    /// What to run the cases on: each entry is one target, a single
    /// language (`["rust"]`) or a chain (`["rust", "go", "python"]`).
    pub targets: Vec<Vec<String>>,
    pub values: ValueConfig,
    pub host: HostConfig,
    pub findings_dir: PathBuf,
    pub suppressions: Suppressions,
    /// How a user runs witness, for replay commands (`cargo run -p witness --`).
    pub command_prefix: String,
    /// Ignore saved progress and start from the first world.
    pub fresh: bool,
    pub progress: bool,
}

/// Counts for one language.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct LanguageSummary {
    pub language: String,
    pub worlds: u64,
    pub calls: u64,
    pub passed: u64,
    pub failed: u64,
    /// Failed calls whose finding is suppressed as known.
    pub suppressed: u64,
    /// Hits per finding class (`trap`, `mismatch`, `build`, ...), suppressed
    /// ones included.
    pub findings: BTreeMap<String, u64>,
    /// Distinct findings (signatures) hit.
    pub signatures: Vec<String>,
    /// Hits per suppressed finding id, with the suppression's reason: how
    /// often each known bug fires.
    #[serde(default)]
    pub known: BTreeMap<String, KnownHits>,
    /// Worlds the generator could not make (bytes ran out).
    pub skipped_worlds: u64,
    /// First non-cached build, and the median of the later ones.
    pub cold_build_ms: Option<u64>,
    pub warm_build_ms: Option<u64>,
    pub cached_builds: u64,
    #[serde(default)]
    build_times_ms: Vec<u64>,
}

impl LanguageSummary {
    fn note_build(&mut self, built: &BuiltGuest) {
        if built.cached {
            self.cached_builds += 1;
            return;
        }
        let ms = built.build_time.as_millis() as u64;
        if self.cold_build_ms.is_none() {
            self.cold_build_ms = Some(ms);
        } else {
            self.build_times_ms.push(ms);
            let mut sorted = self.build_times_ms.clone();
            sorted.sort_unstable();
            self.warm_build_ms = Some(sorted[sorted.len() / 2]);
        }
    }
}

/// How often a known (suppressed) finding fired.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct KnownHits {
    pub hits: u64,
    pub reason: String,
}

/// The result of a campaign.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub languages: Vec<LanguageSummary>,
    /// New finding directories written (first hits).
    pub new_findings: Vec<PathBuf>,
}

impl Summary {
    pub fn passed(&self) -> u64 {
        self.languages.iter().map(|l| l.passed).sum()
    }

    /// Failed calls that are not suppressed.
    pub fn failed(&self) -> u64 {
        self.languages.iter().map(|l| l.failed - l.suppressed).sum()
    }

    pub fn suppressed(&self) -> u64 {
        self.languages.iter().map(|l| l.suppressed).sum()
    }

    /// The last line of every run: `N passed, N failed`.
    pub fn last_line(&self) -> String {
        let suppressed = self.suppressed();
        if suppressed > 0 {
            format!(
                "{} passed, {} failed ({} suppressed as known)",
                self.passed(),
                self.failed(),
                suppressed
            )
        } else {
            format!("{} passed, {} failed", self.passed(), self.failed())
        }
    }

    /// One line per known (suppressed) finding that fired: how often, out of
    /// how many calls.
    pub fn known_lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for l in &self.languages {
            for (id, k) in &l.known {
                let per_mille = if l.calls > 0 {
                    1000.0 * k.hits as f64 / l.calls as f64
                } else {
                    0.0
                };
                lines.push(format!(
                    "known {id}: {} of {} {} calls ({per_mille:.1}‰): {}",
                    k.hits, l.calls, l.language, k.reason
                ));
            }
        }
        lines
    }

    /// The per-language table.
    pub fn table(&self) -> String {
        let mut rows = vec![[
            "language".to_string(),
            "worlds".into(),
            "calls".into(),
            "passed".into(),
            "failed".into(),
            "findings by class".into(),
            "suppressed".into(),
            "cold build".into(),
            "warm build".into(),
        ]];
        let secs = |ms: Option<u64>| {
            ms.map_or("-".to_string(), |ms| format!("{:.1}s", ms as f64 / 1000.0))
        };
        for l in &self.languages {
            let classes = if l.findings.is_empty() {
                "-".to_string()
            } else {
                l.findings
                    .iter()
                    .map(|(k, v)| format!("{k}: {v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            rows.push([
                l.language.clone(),
                l.worlds.to_string(),
                l.calls.to_string(),
                l.passed.to_string(),
                l.failed.to_string(),
                classes,
                l.suppressed.to_string(),
                secs(l.cold_build_ms),
                secs(l.warm_build_ms),
            ]);
        }
        crate::text_table::render(&rows)
    }
}

/// Errors that stop a campaign (bad set-up, not findings).
#[derive(Debug, thiserror::Error)]
pub enum CampaignError {
    #[error(transparent)]
    Target(#[from] TargetError),
    #[error(transparent)]
    Guest(#[from] GuestError),
    #[error(transparent)]
    Host(#[from] HostError),
    #[error(transparent)]
    Finding(#[from] finding::FindingError),
}

/// Saved progress of one campaign and language.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Progress {
    next_world: u64,
    summary: LanguageSummary,
}

/// Runs a campaign over every configured language.
pub fn run(config: &CampaignConfig, cache: &Cache) -> Result<Summary, CampaignError> {
    let host = Host::new(config.host.clone(), cache)?;
    let store = FindingStore::open(&config.findings_dir)?;
    let mut summary = Summary::default();
    for names in &config.targets {
        let target = Target::new(names, cache)?;
        let lang_summary = run_target(
            config,
            cache,
            &host,
            &target,
            &store,
            &mut summary.new_findings,
        )?;
        summary.languages.push(lang_summary);
    }
    Ok(summary)
}

fn progress_path(config: &CampaignConfig, cache: &Cache, lang: &str) -> PathBuf {
    let findings =
        std::fs::canonicalize(&config.findings_dir).unwrap_or_else(|_| config.findings_dir.clone());
    let key = disk::content_key(&[
        findings.to_string_lossy().as_bytes(),
        lang.as_bytes(),
        format!("{:?}", config.source).as_bytes(),
        &config.calls.to_le_bytes(),
        format!("{:?}|{:?}", config.values, config.host).as_bytes(),
    ]);
    cache
        .root()
        .join("campaigns")
        .join(format!("{}.toml", &key[..24]))
}

fn run_target(
    config: &CampaignConfig,
    cache: &Cache,
    host: &Host,
    target: &Target,
    store: &FindingStore,
    new_findings: &mut Vec<PathBuf>,
) -> Result<LanguageSummary, CampaignError> {
    let name = target.name();
    let lang = name.as_str();
    let progress_file = progress_path(config, cache, lang);
    let mut progress: Progress = match std::fs::read_to_string(&progress_file) {
        Ok(text) if !config.fresh => toml::from_str(&text).unwrap_or_default(),
        _ => Progress::default(),
    };
    progress.summary.language = lang.to_string();
    let total = config.source.worlds();
    if progress.next_world >= total && total > 0 {
        eprintln!(
            "witness: {lang}: this campaign already ran to the end; its saved summary follows (--fresh runs it again)"
        );
    } else if progress.next_world > 0 {
        eprintln!(
            "witness: {lang}: resuming at world {} of {total} (saved progress; --fresh starts over)",
            progress.next_world
        );
    }
    let bars = Bars::new(config.progress, lang, total, config.calls);
    let mut versions = BTreeMap::from([("wasmtime".to_string(), WASMTIME_VERSION.to_string())]);
    versions.extend(target.toolchain().versions);
    let runner = WorldRunner {
        config,
        host,
        target,
        store,
        versions: &versions,
        bars: &bars,
    };

    while progress.next_world < total {
        let i = progress.next_world;
        bars.start_world(i);
        match config.source.case(i) {
            None => progress.summary.skipped_worlds += 1,
            Some(world) => runner.run_world(i, &world, &mut progress.summary, new_findings)?,
        }
        progress.next_world += 1;
        let text = toml::to_string(&progress).expect("progress serialises");
        disk::write_atomic(&progress_file, text.as_bytes()).map_err(|source| HostError::Io {
            path: progress_file.clone(),
            source,
        })?;
    }
    bars.finish();
    Ok(progress.summary)
}

/// Progress bars: one for the worlds, one for the calls of the current world.
struct Bars {
    multi: indicatif::MultiProgress,
    worlds: indicatif::ProgressBar,
    calls: indicatif::ProgressBar,
}

impl Bars {
    fn new(visible: bool, lang: &str, worlds: u64, calls: u64) -> Bars {
        let target = if visible {
            indicatif::ProgressDrawTarget::stderr()
        } else {
            indicatif::ProgressDrawTarget::hidden()
        };
        let multi = indicatif::MultiProgress::with_draw_target(target);
        let style =
            indicatif::ProgressStyle::with_template("{prefix:>8} {bar:30} {pos}/{len} {msg}")
                .expect("valid template");
        let worlds_bar = multi.add(indicatif::ProgressBar::new(worlds).with_style(style.clone()));
        worlds_bar.set_prefix(lang.to_string());
        worlds_bar.set_message("worlds");
        let calls_bar = multi.add(indicatif::ProgressBar::new(calls).with_style(style));
        calls_bar.set_prefix("calls");
        Bars {
            multi,
            worlds: worlds_bar,
            calls: calls_bar,
        }
    }

    fn start_world(&self, i: u64) {
        self.worlds.set_position(i);
        self.calls.set_position(0);
        self.calls.set_message(format!("world {i}: building"));
    }

    fn println(&self, line: &str) {
        if self.multi.println(line).is_err() || self.worlds.is_hidden() {
            eprintln!("{line}");
        }
    }

    fn finish(&self) {
        self.worlds.finish_and_clear();
        self.calls.finish_and_clear();
    }
}

/// Runs the worlds of one language.
struct WorldRunner<'a> {
    config: &'a CampaignConfig,
    host: &'a Host,
    target: &'a Target,
    store: &'a FindingStore,
    versions: &'a BTreeMap<String, String>,
    bars: &'a Bars,
}

/// What a failure is about, before it becomes a finding.
struct Failure<'w> {
    world: &'w CaseWorld,
    wit: &'w str,
    world_index: u64,
    call_index: Option<u64>,
    kind: &'static str,
    hop: String,
    class: String,
    summary: String,
    path: Option<String>,
    function: Option<&'w Func>,
    call: Option<String>,
    observed: Option<String>,
    trap: Option<String>,
    guest_output: Option<String>,
    build_log: Option<String>,
    value_weight: usize,
    link: Option<String>,
    /// The language to blame when it is known to be one link of a chain
    /// (a link that did not build).
    language: Option<&'static str>,
}

impl WorldRunner<'_> {
    fn run_world(
        &self,
        i: u64,
        world: &CaseWorld,
        summary: &mut LanguageSummary,
        new_findings: &mut Vec<PathBuf>,
    ) -> Result<(), CampaignError> {
        let calls = if world.funcs.is_empty() {
            0
        } else {
            self.config.calls
        };
        summary.worlds += 1;
        let wit = wit_text::echo_package(world);
        let base = Failure {
            world,
            wit: &wit,
            world_index: i,
            call_index: None,
            kind: "build",
            hop: "build".into(),
            class: String::new(),
            summary: String::new(),
            path: None,
            function: None,
            call: None,
            observed: None,
            trap: None,
            guest_output: None,
            build_log: None,
            value_weight: 0,
            link: None,
            language: None,
        };
        // A world that cannot be built or instantiated fails all its calls.
        let fail_world = |failure: Failure<'_>,
                          summary: &mut LanguageSummary,
                          new_findings: &mut Vec<PathBuf>| {
            summary.calls += calls;
            summary.failed += calls;
            self.record(failure, calls, summary, new_findings)
        };

        let spec = GuestSpec {
            world,
            wit: &wit,
            overrides: &[],
        };
        let built = match self.target.build(&spec) {
            Ok(built) => built,
            Err(e) if e.is_finding() => {
                let log = e.to_string();
                let class = build_class(&log);
                // In a chain, a link that does not build is that language's
                // bug: bucket it with the language's own findings.
                let language = match &e {
                    GuestError::Build { lang, .. } | GuestError::Bindgen { lang, .. } => {
                        Some(*lang)
                    }
                    _ => None,
                };
                let failure = Failure {
                    summary: format!("the guest did not build: {class}"),
                    class,
                    build_log: Some(log),
                    language,
                    ..base
                };
                return fail_world(failure, summary, new_findings);
            }
            Err(e) => return Err(e.into()),
        };
        summary.note_build(&built);
        self.bars.calls.set_message(format!("world {i}"));

        let component = match self.target.compile_checked(self.host, &spec, &built) {
            Ok(c) => c,
            Err(HostError::Compile(message)) => {
                let failure = Failure {
                    hop: "compile".into(),
                    class: finding::normalise_message(&message),
                    summary: format!("wasmtime rejected the guest: {message}"),
                    trap: Some(message),
                    ..base
                };
                return fail_world(failure, summary, new_findings);
            }
            Err(e) => return Err(e.into()),
        };
        let guest = match EchoGuest::new(self.host, &component, world) {
            Ok(g) => g,
            Err(HostError::Link(message)) => {
                let failure = Failure {
                    kind: "protocol",
                    hop: "link".into(),
                    class: finding::normalise_message(&message),
                    summary: format!("the guest does not link against the echo world: {message}"),
                    trap: Some(message),
                    ..base
                };
                return fail_world(failure, summary, new_findings);
            }
            Err(e) => return Err(e.into()),
        };

        let seed = self.config.source.seed();
        let mut instance: Option<EchoInstance> = None;
        for j in 0..calls {
            self.bars.calls.set_position(j);
            if instance.as_ref().is_none_or(|inst| inst.is_poisoned()) {
                let instance_seed =
                    crate::seed::SeedStream::new(seed, &[INSTANCE_STREAM, i, j]).next_u64();
                match guest.instantiate(instance_seed) {
                    Ok(inst) => instance = Some(inst),
                    Err(HostError::Instantiate(message)) => {
                        let left = calls - j;
                        summary.calls += left;
                        summary.failed += left;
                        let failure = Failure {
                            kind: crate::host::deadline::instantiation_failure_kind(&message),
                            hop: "instantiate".into(),
                            call_index: Some(j),
                            class: finding::normalise_message(&message),
                            summary: format!("instantiation failed: {message}"),
                            trap: Some(message),
                            ..base
                        };
                        return self.record(failure, left, summary, new_findings);
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            let inst = instance.as_mut().expect("instantiated above");
            let func = &world.funcs[(j % world.funcs.len() as u64) as usize];
            let Some((args, result)) = call_values(world, func, &self.config.values, seed, i, j)
            else {
                continue;
            };
            summary.calls += 1;
            match inst.call(&func.name, &args, result.as_ref()) {
                CallOutcome::Passed => summary.passed += 1,
                CallOutcome::Failed(failure) => {
                    summary.failed += 1;
                    let mut failure =
                        call_failure(&base, j, func, &args, result.as_ref(), &failure);
                    if self.target.is_chain()
                        && !summary.signatures.contains(&self.signature(&failure).id())
                    {
                        let link = self.localize(world, &wit, func, &args, result.as_ref(), seed);
                        failure.summary = format!("{} [{link}]", failure.summary);
                        failure.link = Some(link);
                    }
                    self.record(failure, 1, summary, new_findings)?;
                }
            }
        }
        self.bars.calls.set_position(calls);
        Ok(())
    }

    fn signature(&self, failure: &Failure<'_>) -> Signature {
        Signature {
            language: failure
                .language
                .map_or_else(|| self.target.name(), str::to_string),
            kind: failure.kind.to_string(),
            hop: failure.hop.clone(),
            class: failure.class.clone(),
        }
    }

    /// Narrows a chain failure down to a link: replays the call on every
    /// single link, then on every pair of neighbours, and names the smallest
    /// sub-chain that fails.
    fn localize(
        &self,
        world: &CaseWorld,
        wit: &str,
        func: &Func,
        args: &[Val],
        result: Option<&Val>,
        seed: u64,
    ) -> String {
        let n = self.target.link_count();
        let spec = GuestSpec {
            world,
            wit,
            overrides: &[],
        };
        for width in 1..n {
            for start in 0..=n - width {
                let sub = self.target.sub(start..start + width);
                let fails = (|| -> Option<bool> {
                    let built = sub.build(&spec).ok()?;
                    let component = self.host.compile(&built.component).ok()?;
                    let guest = EchoGuest::new(self.host, &component, world).ok()?;
                    let mut instance = guest.instantiate(seed).ok()?;
                    Some(matches!(
                        instance.call(&func.name, args, result),
                        CallOutcome::Failed(_)
                    ))
                })();
                if fails != Some(false) {
                    let what = if width == 1 {
                        format!("link {start} ({}) fails alone", sub.name())
                    } else {
                        format!(
                            "links {start}..{} ({}) fail together though each passes alone: the adapter between them",
                            start + width - 1,
                            sub.name()
                        )
                    };
                    return what;
                }
            }
        }
        "every shorter sub-chain passes: only the whole chain fails".to_string()
    }

    /// Writes (or counts) a finding, then updates the counts.
    fn record(
        &self,
        failure: Failure<'_>,
        hits: u64,
        summary: &mut LanguageSummary,
        new_findings: &mut Vec<PathBuf>,
    ) -> Result<(), CampaignError> {
        let signature = self.signature(&failure);
        let lang = signature.language.clone();
        let id = signature.id();
        let seed = self.config.source.seed();
        let replay = format!("{} repro corpus/findings/{id}", self.config.command_prefix);
        let meta = FindingMeta {
            id: id.clone(),
            signature: signature.text(),
            kind: signature.kind.clone(),
            language: lang,
            hop: failure.hop.clone(),
            path: failure.path.clone(),
            function: failure.function.map(|f| f.name.clone()),
            summary: failure.summary.clone(),
            link: failure.link.clone(),
            count: hits,
            seed: Some(seed),
            world: Some(failure.world_index),
            call: failure.call_index,
            weight: (failure.world.weight() + failure.value_weight) as u64,
            replay,
            versions: self.versions.clone(),
        };
        let recorded = self.store.record(Finding {
            meta,
            world_wit: failure.wit.to_string(),
            call: failure.call,
            observed: failure.observed,
            trap: failure.trap,
            guest_output: failure.guest_output,
            build_log: failure.build_log,
        })?;
        *summary.findings.entry(signature.kind.clone()).or_default() += hits;
        if !summary.signatures.contains(&id) {
            summary.signatures.push(id.clone());
        }
        let suppressed = self.config.suppressions.matching(&signature);
        if let Some(s) = suppressed {
            summary.suppressed += hits;
            let known = summary.known.entry(id.clone()).or_default();
            known.hits += hits;
            known.reason = s
                .reason
                .split(". ")
                .next()
                .unwrap_or("")
                .trim_end_matches('.')
                .to_string();
            if recorded.new {
                self.bars.println(&format!(
                    "known finding {id} (suppressed: {}): {}",
                    s.reason, failure.summary
                ));
            }
        } else if recorded.new {
            new_findings.push(recorded.dir.clone());
            self.bars.println(&format!(
                "new finding {}: {}",
                recorded.dir.display(),
                failure.summary
            ));
        }
        Ok(())
    }
}

/// Arguments and the result `upstream` answers, for call `j` of world `i`.
pub fn call_values(
    world: &CaseWorld,
    func: &Func,
    values: &ValueConfig,
    seed: u64,
    i: u64,
    j: u64,
) -> Option<(Vec<Val>, Option<Val>)> {
    let bytes = crate::seed::bytes(seed, &[CALL_STREAM, i, j], CALL_BYTES);
    let mut u = Unstructured::new(&bytes);
    let args = func
        .params
        .iter()
        .map(|p| value::arbitrary_val(world, &p.ty, values, &mut u))
        .collect::<arbitrary::Result<Vec<_>>>()
        .ok()?;
    let result = match &func.result {
        Some(ty) => Some(value::arbitrary_val(world, ty, values, &mut u).ok()?),
        None => None,
    };
    Some((args, result))
}

/// The class of a build failure: the first compiler error, without its
/// location (`error[E0425]: ...`, `./x.go:3:9: cannot use ...`), normalised.
pub(crate) fn build_class(log: &str) -> String {
    let located = |line: &str| -> Option<String> {
        // `file:line:col: message`
        let mut parts = line.splitn(4, ':');
        let (_file, l, c, message) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        (l.trim().parse::<u32>().is_ok() && c.trim().parse::<u32>().is_ok())
            .then(|| message.trim().to_string())
    };
    let first = log.lines().map(str::trim).find_map(|line| {
        if line.starts_with("error") && !line.starts_with("error: could not compile") {
            Some(line.to_string())
        } else {
            located(line)
        }
    });
    let line = first
        .or_else(|| log.lines().nth(1).map(str::to_string))
        .unwrap_or_else(|| "no output".to_string());
    finding::normalise_message(&line)
}

/// The kind and class of a failed call, as they appear in its signature.
pub fn classify(failure: &CallFailure) -> (&'static str, String) {
    match &failure.kind {
        FailureKind::Mismatch(d) => ("mismatch", d.kind.as_str().to_string()),
        FailureKind::Trap { root_cause, .. } => ("trap", finding::normalise_message(root_cause)),
        FailureKind::Limit { message } => ("limit", finding::normalise_message(message)),
        FailureKind::Protocol { message } => ("protocol", finding::normalise_message(message)),
    }
}

fn call_failure<'w>(
    base: &Failure<'w>,
    j: u64,
    func: &'w Func,
    args: &[Val],
    result: Option<&Val>,
    failure: &CallFailure,
) -> Failure<'w> {
    let named = |vals: &[Val]| -> Vec<(String, Val)> {
        func.params
            .iter()
            .zip(vals)
            .map(|(p, v)| (p.name.clone(), v.clone()))
            .collect()
    };
    let observed = match (&failure.observed_args, &failure.observed_result) {
        (None, None) => None,
        (obs_args, obs_result) => {
            let args = obs_args.as_deref().map(named).unwrap_or_default();
            Some(value::write_call(&func.name, &args, obs_result.as_ref()))
        }
    };
    let (kind, class) = classify(failure);
    let (path, trap) = match &failure.kind {
        FailureKind::Mismatch(d) => (Some(d.path.clone()), None),
        FailureKind::Trap { message, .. } | FailureKind::Limit { message } => {
            (None, Some(message.clone()))
        }
        FailureKind::Protocol { .. } => (None, None),
    };
    let value_weight = args.iter().chain(result).map(value::val_weight).sum();
    Failure {
        world: base.world,
        wit: base.wit,
        world_index: base.world_index,
        call_index: Some(j),
        kind,
        hop: failure.hop.as_str().to_string(),
        class,
        summary: format!("{}: {}", func.name, failure.summary()),
        path,
        function: Some(func),
        call: Some(value::write_call(&func.name, &named(args), result)),
        observed,
        trap,
        guest_output: Some(failure.guest_output.clone()).filter(|s| !s.trim().is_empty()),
        build_log: None,
        value_weight,
        link: None,
        language: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_classes_are_the_first_error_without_its_location() {
        let go = "the go guest in /x did not build:\n# wit_component\n./wit_exports.go:183:98: cannot use uint32(arg2) (value of type uint32) as int32 value\n";
        assert_eq!(
            build_class(go),
            "cannot use uintN(argN) (value of type uintN) as intN value"
        );
        let rust = "the rust guest in /x did not build:\n   Compiling g v0.0.0\nerror[E0425]: cannot find value `x`\n --> src/lib.rs:3:9\nerror: could not compile `g`";
        assert_eq!(build_class(rust), "error[EN]: cannot find value `_`");
    }
}
