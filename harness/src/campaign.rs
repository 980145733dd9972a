//! Campaigns: many echo cases, each built as a guest in one or more
//! languages and called many times, with every failure written as a finding
//! before the campaign moves on.
//!
//! A case comes from a seed (world `i` of seed `s` is drawn from the byte
//! stream `(s, WORLD, i)`, whatever else was generated) or from user WIT.
//! Calls draw their function round-robin and their values from the stream
//! `(s, CALL, i, j)`, so any call can be replayed from its indices alone.
//! Progress is saved after each world, and journalled before each finding
//! a world records: a campaign that is killed resumes where it stopped when
//! run again with the same arguments, and ends with the counts and findings
//! an uninterrupted run gives (the interrupted world's hits are undone and
//! the world runs again). A progress file that cannot be read back stops the
//! campaign with an error naming it.
//!
//! Every world goes through the one echo pipeline ([`crate::pipeline`]) and
//! every failure through the one recorder ([`crate::recorder`]).

use crate::disk::{self, Cache};
use crate::finding::{self, Limits, Replay};
use crate::guest::{BuiltGuest, Target, TargetError};
use crate::host::echo::EchoInstance;
use crate::host::{Host, HostConfig, HostError};
use crate::pipeline::{EchoPipeline, PipelineError};
use crate::recorder::{self, Recorder, Tally};
use crate::smith;
use crate::suppress::Suppressions;
use crate::ty::{CaseWorld, Func};
use crate::value::{self, ValueConfig};
use crate::verdict::{Call, Failure};
use arbitrary::{Arbitrary, Unstructured};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use wasmtime::component::Val;

/// Stream labels (see [`crate::seed`]).
const WORLD_STREAM: u64 = 1;
const CALL_STREAM: u64 = 2;
const INSTANCE_STREAM: u64 = 3;
/// Whether a world of a campaign with resources has them.
const RESOURCES_STREAM: u64 = 4;
/// The instance of a world's leak check.
const LEAK_STREAM: u64 = 5;

/// Bytes drawn for one world and for one call.
const WORLD_BYTES: usize = 64 * 1024;
const CALL_BYTES: usize = 64 * 1024;

/// Where the cases of a campaign come from.
#[derive(Debug, Clone)]
pub enum CaseSource {
    /// `worlds` random worlds from `seed`; `config` fixes the generator's
    /// configuration (else each world draws its own, swarm style). With
    /// `resources`, half the worlds (drawn from a stream of their own) have
    /// resources, for targets that echo them ([`CaseSource::case_for`]);
    /// without, none has.
    Seeded {
        seed: u64,
        worlds: u64,
        config: Option<smith::Config>,
        resources: bool,
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

    /// The `i`th case for a target that echoes resources of both sides;
    /// `None` when the generator could not make one from its bytes (not a
    /// bug: the bytes ran out).
    pub fn case(&self, i: u64) -> Option<CaseWorld> {
        self.case_for(i, true, true)
    }

    /// The `i`th case for a target that echoes resources or not
    /// (`with_resources`), and resources the guest defines or not
    /// (`with_guest_resources`). A world the source gives resources to is
    /// drawn without them for a target that does not echo them: the same
    /// world as with resources switched off, which is the world it always
    /// was; and with host resources only for a target that echoes no guest
    /// resources.
    pub fn case_for(
        &self,
        i: u64,
        with_resources: bool,
        with_guest_resources: bool,
    ) -> Option<CaseWorld> {
        match self {
            CaseSource::Fixed { world, .. } => Some(world.clone()),
            CaseSource::Seeded {
                seed,
                config,
                resources,
                ..
            } => {
                let bytes = crate::seed::bytes(*seed, &[WORLD_STREAM, i], WORLD_BYTES);
                let mut u = Unstructured::new(&bytes);
                let mut config = match config {
                    Some(c) => c.clone(),
                    None => {
                        let mut c = smith::Config::arbitrary(&mut u).ok()?;
                        c.resources =
                            crate::seed::bytes(*seed, &[RESOURCES_STREAM, i], 1)[0] & 1 == 1;
                        // Swarm worlds with resources have both sides'.
                        c.guest_resources = c.resources;
                        c
                    }
                };
                config.resources &= *resources && with_resources;
                config.guest_resources &= config.resources && with_guest_resources;
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
    /// Calls of the leak check on each world (0: none): one instance,
    /// memory flat or a finding ([`crate::pipeline::leak_check`]). A leak
    /// check counts as one call.
    pub leak_cycles: u64,
}

/// Counts for one target (a language or a chain).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct LanguageSummary {
    pub language: String,
    pub worlds: u64,
    pub calls: u64,
    /// Passed and failed calls, known findings, hits by kind.
    pub tally: Tally,
    /// Worlds the generator could not make (bytes ran out).
    pub skipped_worlds: u64,
    /// Worlds with resources, skipped because the language's driver does
    /// not echo resources yet.
    #[serde(default)]
    pub resource_worlds_skipped: u64,
    /// Functions of the user's WIT set aside because they bring a known
    /// bug into the build (the others are tested).
    #[serde(default)]
    pub set_aside_funcs: u64,
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

/// The result of a campaign.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub languages: Vec<LanguageSummary>,
    /// New finding directories written (first hits of unknown findings).
    pub new_findings: Vec<PathBuf>,
}

impl Summary {
    pub fn passed(&self) -> u64 {
        self.languages.iter().map(|l| l.tally.passed).sum()
    }

    /// Failed calls that are not suppressed.
    pub fn failed(&self) -> u64 {
        self.languages
            .iter()
            .map(|l| l.tally.unknown_failures())
            .sum()
    }

    pub fn suppressed(&self) -> u64 {
        self.languages.iter().map(|l| l.tally.suppressed).sum()
    }

    /// The last line of every run: `N passed, N failed`.
    pub fn last_line(&self) -> String {
        recorder::last_line(self.languages.iter().map(|l| &l.tally))
    }

    /// One line per known (suppressed) finding that fired: how often, out of
    /// how many calls.
    pub fn known_lines(&self) -> Vec<String> {
        self.languages
            .iter()
            .flat_map(|l| l.tally.known_lines(&l.language, l.calls, "calls"))
            .collect()
    }

    /// The per-target table.
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
            rows.push([
                l.language.clone(),
                l.worlds.to_string(),
                l.calls.to_string(),
                l.tally.passed.to_string(),
                l.tally.failed.to_string(),
                l.tally.kinds_cell(),
                l.tally.suppressed.to_string(),
                secs(l.cold_build_ms),
                secs(l.warm_build_ms),
            ]);
        }
        crate::text_table::render(&rows)
    }
}

/// Errors that stop a campaign (bad set-up or damaged state, not findings).
#[derive(Debug, thiserror::Error)]
pub enum CampaignError {
    #[error(transparent)]
    Target(#[from] TargetError),
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    #[error(transparent)]
    Host(#[from] HostError),
    #[error(transparent)]
    Finding(#[from] finding::FindingError),
    #[error(
        "{path} is not a campaign progress file witness can read ({reason}). It holds where \
         an interrupted campaign stopped and what it had counted; resuming from a damaged one \
         would give wrong counts. Run the campaign again with --fresh to start it over (its \
         findings are kept), or delete the file."
    )]
    DamagedProgress { path: PathBuf, reason: String },
    #[error("I/O error at {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Saved progress of one campaign and target.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Progress {
    /// Worlds before this one are done and counted in `summary`.
    next_world: u64,
    summary: LanguageSummary,
    /// The world being run when the progress was last saved, with the hit
    /// count every finding it recorded had before (0: it made the
    /// finding): a resumed campaign puts those counts back and runs the
    /// world again, so no hit is counted twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    in_flight: Option<InFlight>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct InFlight {
    world: u64,
    counts_before: BTreeMap<String, u64>,
}

/// Runs a campaign over every configured target.
pub fn run(config: &CampaignConfig, cache: &Cache) -> Result<Summary, CampaignError> {
    let host = Host::new(config.host.clone(), cache)?;
    let mut recorder = Recorder::open(Some(&config.findings_dir), config.suppressions.clone())?
        .with_command_prefix(&config.command_prefix);
    let mut summary = Summary::default();
    for names in &config.targets {
        let target = Target::new(names, cache)?;
        let lang_summary = run_target(config, cache, &host, &target, &mut recorder)?;
        summary.languages.push(lang_summary);
    }
    summary.new_findings = std::mem::take(&mut recorder.new_findings);
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
        &config.leak_cycles.to_le_bytes(),
        format!("{:?}|{:?}", config.values, config.host).as_bytes(),
    ]);
    cache
        .root()
        .join("campaigns")
        .join(format!("{}.toml", &key[..24]))
}

/// The saved progress in `path` (none: a new campaign), sealed with its
/// digest ([`disk::write_verified`]). A file that cannot be read back, or
/// whose digest does not match, is an error, never a silent restart.
fn load_progress(path: &Path) -> Result<Progress, CampaignError> {
    let damaged = |reason: String| CampaignError::DamagedProgress {
        path: path.to_path_buf(),
        reason,
    };
    let sealed = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Progress::default()),
        Err(e) => return Err(damaged(e.to_string())),
    };
    let text = disk::unseal(&sealed)
        .ok_or_else(|| damaged("its digest does not match its content".into()))?;
    let text = std::str::from_utf8(text).map_err(|e| damaged(e.to_string()))?;
    toml::from_str(text).map_err(|e| damaged(e.message().to_string()))
}

fn save_progress(path: &Path, progress: &Progress) -> Result<(), CampaignError> {
    let text = toml::to_string(progress).expect("progress serialises");
    disk::write_verified(path, text.as_bytes()).map_err(|source| CampaignError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn run_target(
    config: &CampaignConfig,
    cache: &Cache,
    host: &Host,
    target: &Target,
    recorder: &mut Recorder,
) -> Result<LanguageSummary, CampaignError> {
    let name = target.name();
    let lang = name.as_str();
    let progress_file = progress_path(config, cache, lang);
    let mut progress = if config.fresh {
        // Saved at once: a fresh campaign killed before its first world
        // ends resumes from the start, not from older progress.
        let fresh = Progress::default();
        save_progress(&progress_file, &fresh)?;
        fresh
    } else {
        load_progress(&progress_file)?
    };
    progress.summary.language = lang.to_string();
    if let Some(in_flight) = progress.in_flight.take() {
        // Killed in the middle of a world: undo its hits, then run it again.
        if let Some(store) = recorder.store() {
            for (id, before) in &in_flight.counts_before {
                store.restore_count(id, Some(*before).filter(|n| *n > 0))?;
            }
        }
        progress.next_world = in_flight.world;
        save_progress(&progress_file, &progress)?;
    }
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
    let mut versions =
        BTreeMap::from([("wasmtime".to_string(), host.runtime().version.to_string())]);
    versions.extend(target.toolchain().versions);
    let mut runner = WorldRunner {
        config,
        pipeline: EchoPipeline::new(target, host),
        recorder,
        versions: &versions,
        bars: &bars,
        progress_file: &progress_file,
        checkpoint: LanguageSummary::default(),
    };

    // Resources need a driver that echoes them and the in-process host
    // (the executor protocol carries no handles yet).
    let with_resources = target.echoes_resources()
        && matches!(config.host.placement, crate::runtime::Placement::InProcess);
    let with_guest_resources = with_resources && target.echoes_guest_resources();
    while progress.next_world < total {
        let i = progress.next_world;
        bars.start_world(i);
        match config
            .source
            .case_for(i, with_resources, with_guest_resources)
        {
            None => progress.summary.skipped_worlds += 1,
            // A world of the user's WIT with resources, for a driver that
            // does not echo them or an executor.
            Some(world)
                if (world.has_resources() && !with_resources)
                    || (world.has_guest_resources() && !with_guest_resources) =>
            {
                progress.summary.resource_worlds_skipped += 1
            }
            Some(world) => runner.run_world(i, &world, &mut progress)?,
        }
        progress.next_world += 1;
        progress.in_flight = None;
        save_progress(&progress_file, &progress)?;
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

/// Runs the worlds of one target.
struct WorldRunner<'a> {
    config: &'a CampaignConfig,
    pipeline: EchoPipeline<'a, 'a>,
    recorder: &'a mut Recorder,
    versions: &'a BTreeMap<String, String>,
    bars: &'a Bars,
    progress_file: &'a Path,
    /// The summary as it was before the world being run: what the journal
    /// saves, so that a resumed world is counted once.
    checkpoint: LanguageSummary,
}

impl WorldRunner<'_> {
    fn run_world(
        &mut self,
        i: u64,
        world: &CaseWorld,
        progress: &mut Progress,
    ) -> Result<(), CampaignError> {
        progress.in_flight = Some(InFlight {
            world: i,
            counts_before: BTreeMap::new(),
        });
        self.checkpoint = progress.summary.clone();
        let calls = if world.funcs.is_empty() {
            0
        } else {
            self.config.calls
        };
        progress.summary.worlds += 1;
        let seed = self.config.source.seed();
        let mut rest = None;
        let loaded = match self.pipeline.load(world)? {
            Ok(loaded) => loaded,
            // A world of the user's WIT that a known bug stops from
            // building: the functions that bring the bug in are set aside
            // (one finding, one hit) and the others are tested.
            Err(failure) if self.known_build_failure(&failure, world) => {
                let target = self.pipeline.target.name();
                let signature = failure.signature(&target).id();
                let culprits =
                    self.culprits(world, &signature, (0..world.funcs.len()).collect())?;
                let culprit_world = sub_world(world, &culprits);
                let others: Vec<usize> = (0..world.funcs.len())
                    .filter(|f| !culprits.contains(f))
                    .collect();
                let names: Vec<&str> = culprits
                    .iter()
                    .map(|&f| world.funcs[f].name.as_str())
                    .collect();
                self.bars.println(&format!(
                    "witness: {target}: {} function(s) set aside, they hit known finding {signature}: {}; \
                     testing the other {}",
                    culprits.len(),
                    names.join(", "),
                    others.len()
                ));
                progress.summary.calls += 1;
                progress.summary.set_aside_funcs += culprits.len() as u64;
                let failure = match self.pipeline.load(&culprit_world)? {
                    Err(f) => f,
                    Ok(_) => failure,
                };
                self.record(progress, &failure, &culprit_world, i, None, 0, 1, None)?;
                if others.is_empty() {
                    return Ok(());
                }
                let other_world = sub_world(world, &others);
                match self.pipeline.load(&other_world)? {
                    Ok(loaded) => {
                        rest = Some(other_world);
                        loaded
                    }
                    Err(failure) => {
                        progress.summary.calls += calls;
                        return self.record(
                            progress,
                            &failure,
                            &other_world,
                            i,
                            None,
                            0,
                            calls,
                            None,
                        );
                    }
                }
            }
            // A world that cannot be built or linked fails all its calls.
            Err(failure) => {
                progress.summary.calls += calls;
                return self.record(progress, &failure, world, i, None, 0, calls, None);
            }
        };
        let world = rest.as_ref().unwrap_or(world);
        progress.summary.note_build(&loaded.built);
        self.bars.calls.set_message(format!("world {i}"));

        let mut instance: Option<EchoInstance> = None;
        let mut instance_seed = 0;
        for j in 0..calls {
            self.bars.calls.set_position(j);
            if instance.as_ref().is_none_or(|inst| inst.is_poisoned()) {
                instance_seed =
                    crate::seed::SeedStream::new(seed, &[INSTANCE_STREAM, i, j]).next_u64();
                match EchoPipeline::instantiate(&loaded, instance_seed)? {
                    Ok(inst) => instance = Some(inst),
                    Err(failure) => {
                        let left = calls - j;
                        progress.summary.calls += left;
                        return self.record(
                            progress,
                            &failure,
                            world,
                            i,
                            Some((j, None)),
                            instance_seed,
                            left,
                            None,
                        );
                    }
                }
            }
            let inst = instance.as_mut().expect("instantiated above");
            let func = &world.funcs[(j % world.funcs.len() as u64) as usize];
            let Some((mut args, mut result)) =
                call_values(world, func, &self.config.values, seed, i, j)
            else {
                continue;
            };
            crate::host::handles::number_call(world, func, &mut args, result.as_mut());
            progress.summary.calls += 1;
            let call = Call {
                func: func.name.clone(),
                args,
                result,
            };
            match EchoPipeline::call(inst, world, &call) {
                None => progress.summary.tally.pass(1),
                Some(mut failure) => {
                    let target = self.pipeline.target;
                    let id = failure.signature(&target.name()).id();
                    let mut link = None;
                    if target.is_chain() && !progress.summary.tally.findings.contains(&id) {
                        let where_ = self.localize(world, &call, instance_seed);
                        failure.summary = format!("{} [{where_}]", failure.summary);
                        link = Some(where_);
                    }
                    self.record(
                        progress,
                        &failure,
                        world,
                        i,
                        Some((j, Some(&call))),
                        instance_seed,
                        1,
                        link,
                    )?;
                }
            }
        }
        self.bars.calls.set_position(calls);
        // In an executor memory is not reported: no leak check there.
        let in_process = matches!(
            self.config.host.placement,
            crate::runtime::Placement::InProcess
        );
        if self.config.leak_cycles > 0 && self.pipeline.target.steady_memory() && in_process {
            self.leak_check(i, world, &loaded, progress)?;
        }
        Ok(())
    }

    /// The leak check of world `i`, counted as one call.
    fn leak_check(
        &mut self,
        i: u64,
        world: &CaseWorld,
        loaded: &crate::pipeline::LoadedGuest<'_>,
        progress: &mut Progress,
    ) -> Result<(), CampaignError> {
        let cycles = self.config.leak_cycles;
        let seed = self.config.source.seed();
        let instance_seed = crate::seed::SeedStream::new(seed, &[LEAK_STREAM, i]).next_u64();
        self.bars
            .calls
            .set_message(format!("world {i}: leak check, {cycles} calls"));
        let failure =
            crate::pipeline::leak_check(loaded, world, &self.config.values, instance_seed, cycles)?;
        progress.summary.calls += 1;
        match failure {
            None => progress.summary.tally.pass(1),
            Some(failure) => {
                let target = self.pipeline.target;
                let seeded = matches!(self.config.source, CaseSource::Seeded { .. });
                let replay = Replay::EchoLeakCheck {
                    links: target.link_names(),
                    instance_seed,
                    cycles,
                    seed: Some(seed),
                    world: seeded.then_some(i),
                };
                self.record_as(progress, &failure, world, None, replay, 1, None)?;
            }
        }
        Ok(())
    }

    /// Whether `failure` is the build of a world of the user's WIT failing
    /// with a known (suppressed) bug, in a world of more than one function.
    fn known_build_failure(&self, failure: &Failure, world: &CaseWorld) -> bool {
        matches!(self.config.source, CaseSource::Fixed { .. })
            && failure.kind == crate::finding::Kind::Build
            && world.funcs.len() > 1
            && self
                .config
                .suppressions
                .matching(&failure.signature(&self.pipeline.target.name()))
                .is_some()
    }

    /// The functions of `world` among `funcs` without which it builds: the
    /// halves are built alone, down to single functions, and a set that
    /// fails (with the finding `signature`) while neither of its halves
    /// does is kept whole.
    fn culprits(
        &self,
        world: &CaseWorld,
        signature: &str,
        funcs: Vec<usize>,
    ) -> Result<Vec<usize>, CampaignError> {
        let target = self.pipeline.target.name();
        let fails = |set: &[usize]| -> Result<bool, CampaignError> {
            Ok(match self.pipeline.load(&sub_world(world, set))? {
                Ok(_) => false,
                Err(f) => f.signature(&target).id() == signature,
            })
        };
        if funcs.len() <= 1 {
            return Ok(funcs);
        }
        let (a, b) = funcs.split_at(funcs.len() / 2);
        let (fa, fb) = (fails(a)?, fails(b)?);
        let mut out = Vec::new();
        if fa {
            out.extend(self.culprits(world, signature, a.to_vec())?);
        }
        if fb {
            out.extend(self.culprits(world, signature, b.to_vec())?);
        }
        if out.is_empty() {
            // Only the two halves together fail.
            return Ok(funcs);
        }
        Ok(out)
    }

    /// Narrows a chain failure down to a link: replays the call on every
    /// single link, then on every pair of neighbours, and names the smallest
    /// sub-chain that fails.
    fn localize(&self, world: &CaseWorld, call: &Call, instance_seed: u64) -> String {
        let target = self.pipeline.target;
        let n = target.link_count();
        for width in 1..n {
            for start in 0..=n - width {
                let sub = target.sub(start..start + width);
                let pipeline = EchoPipeline {
                    target: &sub,
                    ..self.pipeline
                };
                // A sub-chain that cannot even be set up counts as failing.
                let fails = !matches!(pipeline.run(world, Some(call), instance_seed), Ok(None));
                if fails {
                    return if width == 1 {
                        format!("link {start} ({}) fails alone", sub.name())
                    } else {
                        format!(
                            "links {start}..{} ({}) fail together though each passes alone: the adapter between them",
                            start + width - 1,
                            sub.name()
                        )
                    };
                }
            }
        }
        "every shorter sub-chain passes: only the whole chain fails".to_string()
    }

    /// Writes (or counts) the finding of `hits` failures, journalling the
    /// count it had before in the progress file first (see [`InFlight`]).
    #[allow(clippy::too_many_arguments)]
    fn record(
        &mut self,
        progress: &mut Progress,
        failure: &Failure,
        world: &CaseWorld,
        world_index: u64,
        call: Option<(u64, Option<&Call>)>,
        instance_seed: u64,
        hits: u64,
        link: Option<String>,
    ) -> Result<(), CampaignError> {
        let target = self.pipeline.target;
        let seeded = matches!(self.config.source, CaseSource::Seeded { .. });
        let replay = Replay::Echo {
            links: target.link_names(),
            instance_seed,
            seed: Some(self.config.source.seed()),
            world: seeded.then_some(world_index),
            call: call.map(|(j, _)| j),
        };
        self.record_as(
            progress,
            failure,
            world,
            call.and_then(|(_, c)| c),
            replay,
            hits,
            link,
        )
    }

    /// Records `failure` of `world` (and `call`) as a finding that replays
    /// as `replay`, counted `hits` times.
    #[allow(clippy::too_many_arguments)]
    fn record_as(
        &mut self,
        progress: &mut Progress,
        failure: &Failure,
        world: &CaseWorld,
        call: Option<&Call>,
        replay: Replay,
        hits: u64,
        link: Option<String>,
    ) -> Result<(), CampaignError> {
        let target = self.pipeline.target;
        let mut finding = failure.to_finding(
            &target.name(),
            world,
            call,
            replay,
            Limits::of(&self.config.host),
            self.versions.clone(),
        );
        finding.meta.link = link;
        let id = finding.meta.id.clone();
        if let (Some(in_flight), Some(store)) = (&mut progress.in_flight, self.recorder.store())
            && !in_flight.counts_before.contains_key(&id)
        {
            let before = store.count(&id)?.unwrap_or(0);
            in_flight.counts_before.insert(id.clone(), before);
            let journal = Progress {
                next_world: progress.next_world,
                summary: self.checkpoint.clone(),
                in_flight: Some(in_flight.clone()),
            };
            save_progress(self.progress_file, &journal)?;
        }
        let summary_line = failure.summary.clone();
        let written = self
            .recorder
            .fail(&mut progress.summary.tally, finding, hits)?;
        if written.new {
            let line = match (&written.known, &written.dir) {
                (Some(reason), _) => {
                    format!("known finding {id} (suppressed: {reason}): {summary_line}")
                }
                (None, Some(dir)) => format!("new finding {}: {summary_line}", dir.display()),
                (None, None) => format!("new finding {id}: {summary_line}"),
            };
            self.bars.println(&line);
        }
        Ok(())
    }
}

/// `world` with only the functions at `funcs` (and the types they use).
fn sub_world(world: &CaseWorld, funcs: &[usize]) -> CaseWorld {
    smith::drop_unused_types(CaseWorld {
        types: world.types.clone(),
        funcs: funcs.iter().map(|&f| world.funcs[f].clone()).collect(),
    })
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
