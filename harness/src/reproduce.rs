//! Replaying findings: one case rebuilt from a finding directory and run
//! again, under the host limits it was found with, with the verdict compared
//! to the finding's signature. `witness repro`, `witness resources
//! --replay`, `witness shrink` and the regression corpus test all replay
//! through here, so they give the same answer on every finding.
//!
//! How a finding replays is in its typed record ([`Replay`]): an echo case
//! (a world and at most one call, through [`crate::pipeline`]); steps of the
//! resources protocol or a leak check ([`crate::resources`]); a resources
//! guest that does not build; a case of the byte-level ABI oracle drawn
//! again from its seed and index ([`crate::abi_oracle`]). A finding whose
//! files do not fit its record (a call-stage echo finding without its
//! `call.wave`, a call that does not read against the world's types) is an
//! error, never "passed".

use crate::abi_oracle;
use crate::disk::Cache;
use crate::finding::{self, Finding, FindingError, Kind, Replay, Signature};
use crate::guest::{GuestError, Target, TargetError};
use crate::host::{Host, HostConfig, HostError};
use crate::pipeline::{self, CallFileError, EchoPipeline, LoadedGuest, PipelineError};
use crate::resources::runner::{Cycle, Violation};
use crate::resources::{self, Fault, ResourcesError};
use crate::ty::CaseWorld;
use crate::verdict::{Call, Failure};
use crate::wit_text;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Errors that stop a reproduction (a broken set-up or unreadable input,
/// not a finding).
#[derive(Debug, thiserror::Error)]
pub enum ReproduceError {
    #[error(transparent)]
    Finding(#[from] FindingError),
    #[error(transparent)]
    Target(#[from] TargetError),
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    #[error(transparent)]
    Guest(#[from] GuestError),
    #[error(transparent)]
    Host(#[from] HostError),
    #[error(transparent)]
    Resources(#[from] ResourcesError),
    #[error(transparent)]
    Abi(#[from] abi_oracle::AbiError),
    #[error(
        "{path}: {message}\nA finding directory holds the files witness wrote; restore them from \
         version control, or delete the directory and run the campaign again."
    )]
    BadFile { path: PathBuf, message: String },
    #[error(
        "{dir}: this finding is case {index} of seed {seed}, and the generator no longer draws that \
         case ({why}): an older witness wrote it. Find the bug again with `witness abi --seed {seed}` \
         and replace the finding with the new one, or delete it."
    )]
    AbiCaseChanged {
        dir: PathBuf,
        seed: u64,
        index: u64,
        why: String,
    },
}

/// An echo finding read back as a case.
#[derive(Debug, Clone)]
pub struct LoadedFinding {
    pub dir: PathBuf,
    pub finding: Finding,
    pub signature: Signature,
    pub world: CaseWorld,
    /// The call, when the finding is about one (not about a stage before
    /// the call).
    pub call: Option<Call>,
    /// The seed of the instance's randomness.
    pub instance_seed: u64,
}

/// Reproduces echo cases on one target, memoising failed builds (which the
/// guest cache does not keep): what the shrinker calls for every candidate.
pub struct Reproducer {
    target: Target,
    host: Host,
    /// Echo-body overrides passed to every build (a test hook: see
    /// [`crate::guest::GuestSpec::overrides`]).
    pub overrides: Vec<(String, String)>,
    failed_builds: std::cell::RefCell<HashMap<String, Failure>>,
    /// Builds that were not cached (real compiler runs) so far.
    pub builds: std::cell::Cell<usize>,
    /// Calls made so far (a leak check counts as one).
    pub calls: std::cell::Cell<usize>,
}

impl Reproducer {
    /// A reproducer for `links` (one language, or a chain outermost first).
    pub fn new(
        links: &[String],
        cache: &Cache,
        host: HostConfig,
    ) -> Result<Reproducer, ReproduceError> {
        let target = Target::new(links, cache)?;
        let host = Host::new(host, cache)?;
        Ok(Reproducer {
            target,
            host,
            overrides: Vec::new(),
            failed_builds: Default::default(),
            builds: Default::default(),
            calls: Default::default(),
        })
    }

    /// `rust`, or `rust>go` for a chain.
    pub fn language(&self) -> String {
        self.target.name()
    }

    pub fn host(&self) -> &Host {
        &self.host
    }

    /// The signature `failure` has on this target.
    pub fn signature(&self, failure: &Failure) -> Signature {
        failure.signature(&self.target.name())
    }

    /// wasmtime's and the target's toolchain versions, as findings list them.
    pub fn versions(&self) -> BTreeMap<String, String> {
        let mut versions = BTreeMap::from([(
            "wasmtime".to_string(),
            self.host.runtime().version.to_string(),
        )]);
        versions.extend(self.target.toolchain().versions);
        versions
    }

    /// Runs `world` (and `call`, when there is one) through the echo
    /// pipeline on a fresh instance: its failure, `None` when everything
    /// passed.
    pub fn run(
        &mut self,
        world: &CaseWorld,
        call: Option<&Call>,
        instance_seed: u64,
    ) -> Result<Option<Failure>, ReproduceError> {
        let loaded = match self.load_guest(world)? {
            Ok(loaded) => loaded,
            Err(failure) => return Ok(Some(failure)),
        };
        let mut instance = match EchoPipeline::instantiate(&loaded, instance_seed)? {
            Ok(instance) => instance,
            Err(failure) => return Ok(Some(failure)),
        };
        let Some(call) = call else { return Ok(None) };
        self.calls.set(self.calls.get() + 1);
        Ok(EchoPipeline::call(&mut instance, world, call))
    }

    /// `world`'s guest built, compiled and linked, or the failure on the
    /// way (a failed build is remembered: the guest cache keeps only
    /// guests that built).
    fn load_guest(
        &self,
        world: &CaseWorld,
    ) -> Result<Result<LoadedGuest<'_>, Failure>, ReproduceError> {
        let wit = wit_text::echo_package(world);
        if let Some(failure) = self.failed_builds.borrow().get(&wit) {
            return Ok(Err(failure.clone()));
        }
        let pipeline = EchoPipeline {
            target: &self.target,
            host: &self.host,
            overrides: &self.overrides,
        };
        match pipeline.load(world)? {
            Ok(loaded) => {
                if !loaded.built.cached {
                    self.builds.set(self.builds.get() + 1);
                }
                Ok(Ok(loaded))
            }
            Err(failure) => {
                self.builds.set(self.builds.get() + 1);
                if failure.kind == Kind::Build {
                    self.failed_builds.borrow_mut().insert(wit, failure.clone());
                }
                Ok(Err(failure))
            }
        }
    }

    /// The echo's leak check ([`pipeline::leak_check`]) on `world`: its
    /// failure (a build's too), `None` when memory stayed flat.
    pub fn leak_check(
        &mut self,
        world: &CaseWorld,
        instance_seed: u64,
        cycles: u64,
    ) -> Result<Option<Failure>, ReproduceError> {
        self.calls.set(self.calls.get() + 1);
        let loaded = match self.load_guest(world)? {
            Ok(loaded) => loaded,
            Err(failure) => return Ok(Some(failure)),
        };
        let values = crate::value::ValueConfig::default();
        Ok(pipeline::leak_check(
            &loaded,
            world,
            &values,
            instance_seed,
            cycles,
        )?)
    }

    /// Reads the echo finding in `dir`: its world, and its call read against
    /// the world's own types.
    pub fn load(&self, dir: &Path) -> Result<LoadedFinding, ReproduceError> {
        load_echo(dir, &finding::load(dir)?, &self.host)
    }
}

/// Reads the echo finding `found` (from `dir`), checking that its files fit
/// its record.
fn load_echo(dir: &Path, found: &Finding, host: &Host) -> Result<LoadedFinding, ReproduceError> {
    let bad = |name: &str, message: String| ReproduceError::BadFile {
        path: dir.join(name),
        message,
    };
    let signature = found.meta.parsed_signature().ok_or_else(|| {
        bad(
            "finding.toml",
            format!("`{}` is not a signature", found.meta.signature),
        )
    })?;
    let (Replay::Echo { instance_seed, .. } | Replay::EchoLeakCheck { instance_seed, .. }) =
        &found.meta.replay
    else {
        return Err(bad(
            "finding.toml",
            "this is not an echo finding (its [replay] is of another family)".into(),
        ));
    };
    let world = crate::wit_import::echo_case(&found.world_wit)
        .map_err(|e| bad("world.wit", e.to_string()))?;
    // A leak check's failure is about its whole run, even when a call of
    // it failed: its replay reruns the check, with no call file.
    let about_a_call = found.meta.hop.is_some_and(|h| h.is_call())
        && matches!(found.meta.replay, Replay::Echo { .. });
    let call = match (about_a_call, &found.call, &found.meta.function) {
        (false, _, _) => None,
        (true, None, _) => {
            return Err(bad(
                "call.wave",
                format!(
                    "the file is missing, but the finding is about a call (at `{}`): without \
                     the call it cannot be replayed",
                    found.meta.hop.map_or("", |h| h.as_str())
                ),
            ));
        }
        (true, Some(_), None) => {
            return Err(bad(
                "finding.toml",
                "the finding is about a call but names no `function`".into(),
            ));
        }
        (true, Some(text), Some(func)) => Some(
            pipeline::read_call(host, &world, func, text).map_err(|e| match e {
                CallFileError::NoFunction(_) => bad("finding.toml", e.to_string()),
                CallFileError::Types(_) => bad("world.wit", e.to_string()),
                CallFileError::Wave(_) => bad("call.wave", e.to_string()),
            })?,
        ),
    };
    Ok(LoadedFinding {
        dir: dir.to_path_buf(),
        finding: found.clone(),
        signature,
        world,
        call,
        instance_seed: *instance_seed,
    })
}

/// Which program wrote a finding, and so how it replays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingFamily {
    /// A world and at most one call (`witness run`, `shrink`, the echo fuzz
    /// targets).
    Echo,
    /// Steps, or a leak check, on the resources guest of a language
    /// (`witness resources`), or that guest not building.
    Resource,
    /// A case of the byte-level ABI oracle (`witness abi`).
    Abi,
}

impl FindingFamily {
    /// The family of a replay record.
    pub fn of(replay: &Replay) -> FindingFamily {
        match replay {
            Replay::Echo { .. } | Replay::EchoLeakCheck { .. } => FindingFamily::Echo,
            Replay::ResourceSteps { .. }
            | Replay::LeakCheck { .. }
            | Replay::ResourceBuild { .. } => FindingFamily::Resource,
            Replay::Abi { .. } => FindingFamily::Abi,
        }
    }
}

/// What replaying a finding gave.
#[derive(Debug, Clone)]
pub struct Replayed {
    pub family: FindingFamily,
    /// The finding's signature.
    pub want: Signature,
    /// The signature of what failed this time; `None` when everything
    /// passed.
    pub got: Option<Signature>,
    /// What happened, in words: what failed, or what passed.
    pub what: String,
}

impl Replayed {
    /// Whether the finding's failure happened again, with its signature.
    pub fn reproduced(&self) -> bool {
        self.got.as_ref() == Some(&self.want)
    }
}

/// Replays the finding in `dir`, whatever its family, under the limits it
/// was found with (the rest of the host configuration from `host`).
pub fn replay_finding(
    dir: &Path,
    cache: &Cache,
    host: HostConfig,
) -> Result<Replayed, ReproduceError> {
    let found = finding::load(dir)?;
    let want = found
        .meta
        .parsed_signature()
        .ok_or_else(|| ReproduceError::BadFile {
            path: dir.join("finding.toml"),
            message: format!("`{}` is not a signature", found.meta.signature),
        })?;
    let host = found.meta.limits.apply(host);
    let family = FindingFamily::of(&found.meta.replay);
    let (got, what) = match &found.meta.replay {
        Replay::Echo { links, .. } => replay_echo(dir, &found, links, cache, host)?,
        Replay::EchoLeakCheck {
            links,
            instance_seed,
            cycles,
            ..
        } => {
            let world = crate::wit_import::echo_case(&found.world_wit).map_err(|e| {
                ReproduceError::BadFile {
                    path: dir.join("world.wit"),
                    message: e.to_string(),
                }
            })?;
            let mut reproducer = Reproducer::new(links, cache, host)?;
            match reproducer.leak_check(&world, *instance_seed, *cycles)? {
                Some(failure) => (Some(reproducer.signature(&failure)), failure.summary),
                None => (
                    None,
                    format!("linear memory stayed flat over {cycles} calls"),
                ),
            }
        }
        Replay::ResourceSteps { .. } => replay_steps(dir, &found, cache, host)?,
        Replay::LeakCheck {
            language,
            seed,
            cycle,
            cycles,
            fault,
        } => {
            let check = LeakCheck {
                language,
                seed: *seed,
                cycle: parse_cycle(dir, cycle)?,
                cycles: *cycles,
                fault: parse_fault(dir, fault.as_deref())?,
            };
            replay_leak_check(&check, &want, cache, host)?
        }
        Replay::ResourceBuild { language, fault } => {
            replay_resource_build(language, parse_fault(dir, fault.as_deref())?, cache, host)?
        }
        Replay::Abi { seed, case } => replay_abi(dir, &found, *seed, *case, cache, host)?,
    };
    Ok(Replayed {
        family,
        want,
        got,
        what,
    })
}

/// The signature of what failed (`None` when nothing did), and what
/// happened in words.
type Outcome = (Option<Signature>, String);

fn replay_echo(
    dir: &Path,
    found: &Finding,
    links: &[String],
    cache: &Cache,
    host: HostConfig,
) -> Result<Outcome, ReproduceError> {
    let mut reproducer = Reproducer::new(links, cache, host)?;
    let loaded = load_echo(dir, found, reproducer.host())?;
    Ok(
        match reproducer.run(&loaded.world, loaded.call.as_ref(), loaded.instance_seed)? {
            Some(failure) => (Some(reproducer.signature(&failure)), failure.summary),
            None if loaded.call.is_some() => (None, "the call passed".into()),
            None => (None, "the guest builds, links and instantiates".into()),
        },
    )
}

/// A resources violation in words, with the last line of wasmtime's error
/// when a call failed.
pub fn describe_violation(v: &Violation) -> String {
    let where_ = if v.teardown {
        "in the teardown, at step"
    } else {
        "at step"
    };
    let mut text = format!(
        "{} {where_} {} `{}`: {}",
        v.class,
        v.step + 1,
        v.step_text,
        v.message
    );
    if let Some(error) = &v.error {
        text.push_str(&format!("\nerror: {}", error.lines().last().unwrap_or("")));
    }
    text
}

fn parse_cycle(dir: &Path, name: &str) -> Result<Cycle, ReproduceError> {
    Cycle::ALL
        .into_iter()
        .find(|c| c.name() == name)
        .ok_or_else(|| {
            let names: Vec<&str> = Cycle::ALL.iter().map(|c| c.name()).collect();
            ReproduceError::BadFile {
                path: dir.join("finding.toml"),
                message: format!(
                    "unknown leak-check cycle `{name}` (witness knows {})",
                    names.join(", ")
                ),
            }
        })
}

fn parse_fault(dir: &Path, name: Option<&str>) -> Result<Option<Fault>, ReproduceError> {
    name.map(|name| {
        Fault::parse(name).ok_or_else(|| ReproduceError::BadFile {
            path: dir.join("finding.toml"),
            message: format!("unknown guest fault `{name}`"),
        })
    })
    .transpose()
}

fn replay_steps(
    dir: &Path,
    found: &Finding,
    cache: &Cache,
    host: HostConfig,
) -> Result<Outcome, ReproduceError> {
    let language = found.meta.language.as_str();
    Ok(match resources::replay(dir, cache, host)? {
        resources::ReplayOutcome::Reproduced(v) | resources::ReplayOutcome::Different(v) => (
            Some(resources::signature(language, &v, None)),
            describe_violation(&v),
        ),
        resources::ReplayOutcome::NotReproduced => (None, "the sequence passed".into()),
    })
}

/// A leak check to run again.
struct LeakCheck<'a> {
    language: &'a str,
    seed: u64,
    cycle: Cycle,
    cycles: u32,
    fault: Option<Fault>,
}

fn replay_leak_check(
    check: &LeakCheck<'_>,
    want: &Signature,
    cache: &Cache,
    host: HostConfig,
) -> Result<Outcome, ReproduceError> {
    let host = Host::new(host, cache)?;
    let prepared = resources::prepare(check.language, check.fault, &host, cache, check.seed)??;
    let report = prepared.runner.leak_check(check.cycle, check.cycles)?;
    // A leak check reports every violation it saw, and each is a finding:
    // the one of this finding, else the first.
    let seen: Vec<(Signature, &Violation)> = report
        .violations
        .iter()
        .map(|v| {
            (
                resources::signature(check.language, v, Some(check.cycle)),
                v,
            )
        })
        .collect();
    let pick = seen
        .iter()
        .find(|(s, _)| s == want)
        .or_else(|| seen.first());
    let what = |verdict: String| {
        format!(
            "{verdict} (leak check `{}`, {} cycles: {})",
            check.cycle.name(),
            check.cycles,
            report.growth_text()
        )
    };
    Ok(match pick {
        Some((signature, v)) => (Some(signature.clone()), what(describe_violation(v))),
        None => (None, what("the leak check passed".into())),
    })
}

fn replay_resource_build(
    language: &str,
    fault: Option<Fault>,
    cache: &Cache,
    host: HostConfig,
) -> Result<Outcome, ReproduceError> {
    let host = Host::new(host, cache)?;
    Ok(
        match resources::prepare(language, fault, &host, cache, 1)? {
            Ok(_) => (None, format!("the {language} resources guest builds")),
            Err(e) => (
                Some(resources::build_signature(language, &e)),
                format!("the {language} resources guest does not build:\n{e}"),
            ),
        },
    )
}

fn replay_abi(
    dir: &Path,
    found: &Finding,
    seed: u64,
    index: u64,
    cache: &Cache,
    host: HostConfig,
) -> Result<Outcome, ReproduceError> {
    let changed = |why: String| ReproduceError::AbiCaseChanged {
        dir: dir.to_path_buf(),
        seed,
        index,
        why,
    };
    let case = abi_oracle::make_case(seed, index, None).map_err(|e| changed(e.to_string()))?;
    if wit_text::echo_package(&case.world) != found.world_wit {
        return Err(changed(
            "it draws another world than the one in world.wit".into(),
        ));
    }
    if found.meta.function.as_deref() != Some(case.func.name.as_str()) {
        return Err(changed(format!(
            "it calls `{}`, not the function finding.toml names",
            case.func.name
        )));
    }
    let host = Host::new(host, cache)?;
    let failures = abi_oracle::run_case(&host, &case)?;
    Ok(match failures.first() {
        None => (None, format!("case {index} of seed {seed} passed")),
        Some(f) => (
            Some(abi_oracle::signature(&case, f)),
            format!(
                "{}: {}\n{}{}",
                f.phase.describe(case.chain.guests.len()),
                f.class,
                abi_oracle::describe(&case),
                f.detail
            ),
        ),
    })
}

/// The rule of the regression corpus (`corpus/findings`, replayed by
/// `cargo test`) for the finding in `dir`: a finding whose signature is
/// suppressed as a known bug must still reproduce with that signature (else
/// the suppression is stale), and one that is not suppressed must pass (a
/// bug fixed upstream stays fixed). Findings of every family replay (see
/// [`replay_finding`]). `Ok(Err(message))` is a violation, with what to do
/// about it.
pub fn check_regression(
    dir: &Path,
    suppressions: &crate::suppress::Suppressions,
    cache: &Cache,
    host: HostConfig,
) -> Result<Result<(), String>, ReproduceError> {
    let replayed = replay_finding(dir, cache, host)?;
    Ok(regression_verdict(dir, &replayed, suppressions))
}

/// [`check_regression`]'s rule applied to a replay that was already made.
pub fn regression_verdict(
    dir: &Path,
    replayed: &Replayed,
    suppressions: &crate::suppress::Suppressions,
) -> Result<(), String> {
    let (want, got) = (&replayed.want, &replayed.got);
    let name = dir.display();
    match (suppressions.matching(want), got) {
        (Some(_), Some(got)) if got == want => Ok(()),
        (Some(s), got) => Err(format!(
            "{name} is suppressed as a known bug (`{}`), but it no longer reproduces: replaying it {}. \
             If the bug is fixed, remove the suppression from corpus/suppressions.toml and keep the \
             finding as a regression case.",
            s.signature,
            match got {
                Some(g) => format!("fails differently (`{}`)", g.text()),
                None => "passes".to_string(),
            }
        )),
        (None, None) => Ok(()),
        (None, Some(got)) => Err(format!(
            "{name} fails again (`{}`) and is not suppressed: a bug that was fixed has come back, \
             or a new finding was committed without a suppression. Fix it, or add a suppression \
             with the reason and a link to corpus/suppressions.toml.",
            got.text()
        )),
    }
}
