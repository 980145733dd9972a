//! Reproducing one case (a world and at most one call) and naming what it
//! does wrong with the [`Signature`] a campaign would give it: what the
//! shrinker checks for every candidate, what the regression replay of
//! committed findings checks, and what the fuzz targets turn into findings.
//!
//! The classification is the campaign's (see [`crate::campaign::classify`]
//! and [`crate::campaign::build_class`]), so a reproduced failure has exactly
//! the signature of the finding it came from.
//!
//! Findings come in three families, told apart by their kind
//! ([`FindingFamily`]): echo findings of campaigns (a world and a call),
//! `resource` findings of `witness resources` (steps, or a leak check), and
//! `abi` findings of `witness abi` (a case of a seed). [`replay_finding`]
//! replays any of them the way its family's own replay does, and
//! [`check_regression`] applies the corpus rule to all three.

use crate::abi_oracle;
use crate::campaign;
use crate::disk::Cache;
use crate::finding::{self, Finding, FindingError, FindingMeta, Signature};
use crate::guest::{GuestError, GuestSpec, Target, TargetError};
use crate::host::echo::{CallFailure, CallOutcome, EchoGuest, EchoInstance};
use crate::host::{Host, HostConfig, HostError, WASMTIME_VERSION};
use crate::resources::runner::{Cycle, Violation};
use crate::resources::{self, Fault, ResourcesError};
use crate::ty::CaseWorld;
use crate::value;
use crate::wit_text;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use wasmtime::component::Val;

/// One call: the function, the arguments (in parameter order) and the
/// result `upstream` answers.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub func: String,
    pub args: Vec<Val>,
    pub result: Option<Val>,
}

/// What a case did wrong: the finding it makes, less the bookkeeping.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub signature: Signature,
    pub hop: String,
    pub summary: String,
    pub path: Option<String>,
    pub observed: Option<String>,
    pub trap: Option<String>,
    pub guest_output: Option<String>,
    pub build_log: Option<String>,
}

impl Failure {
    /// The failure of a call, classified as a campaign classifies it.
    pub fn of_call(
        language: &str,
        world: &CaseWorld,
        call: &Call,
        failure: &CallFailure,
    ) -> Failure {
        let (kind, class) = campaign::classify(failure);
        let (path, trap) = match &failure.kind {
            crate::host::echo::FailureKind::Mismatch(d) => (Some(d.path.clone()), None),
            crate::host::echo::FailureKind::Trap { message, .. }
            | crate::host::echo::FailureKind::Limit { message } => (None, Some(message.clone())),
            crate::host::echo::FailureKind::Protocol { .. } => (None, None),
        };
        let observed = match (&failure.observed_args, &failure.observed_result) {
            (None, None) => None,
            (args, result) => {
                let args = args
                    .as_deref()
                    .map(|a| named_args(world, &call.func, a))
                    .unwrap_or_default();
                Some(value::write_call(&call.func, &args, result.as_ref()))
            }
        };
        Failure {
            signature: Signature {
                language: language.to_string(),
                kind: kind.to_string(),
                hop: failure.hop.as_str().to_string(),
                class,
            },
            hop: failure.hop.as_str().to_string(),
            summary: format!("{}: {}", call.func, failure.summary()),
            path,
            observed,
            trap,
            guest_output: Some(failure.guest_output.clone()).filter(|s| !s.trim().is_empty()),
            build_log: None,
        }
    }

    fn stage(language: &str, kind: &str, hop: &str, class: String, summary: String) -> Failure {
        Failure {
            signature: Signature {
                language: language.into(),
                kind: kind.into(),
                hop: hop.into(),
                class,
            },
            hop: hop.into(),
            summary,
            path: None,
            observed: None,
            trap: None,
            guest_output: None,
            build_log: None,
        }
    }

    /// The finding this failure makes for `world` and `call`, with the
    /// versions given and the replay command of `command_prefix`.
    pub fn to_finding(
        &self,
        world: &CaseWorld,
        call: Option<&Call>,
        versions: BTreeMap<String, String>,
        command_prefix: &str,
    ) -> Finding {
        let id = self.signature.id();
        let value_weight: usize = call.map_or(0, |c| {
            c.args.iter().chain(&c.result).map(value::val_weight).sum()
        });
        Finding {
            meta: FindingMeta {
                id: id.clone(),
                signature: self.signature.text(),
                kind: self.signature.kind.clone(),
                language: self.signature.language.clone(),
                hop: self.hop.clone(),
                path: self.path.clone(),
                function: call.map(|c| c.func.clone()),
                summary: self.summary.clone(),
                link: None,
                count: 1,
                seed: None,
                world: None,
                call: None,
                weight: (world.weight() + value_weight) as u64,
                replay: format!("{command_prefix} repro corpus/findings/{id}"),
                versions,
            },
            world_wit: wit_text::echo_package(world),
            call: call.map(|c| {
                value::write_call(
                    &c.func,
                    &named_args(world, &c.func, &c.args),
                    c.result.as_ref(),
                )
            }),
            observed: self.observed.clone(),
            trap: self.trap.clone(),
            guest_output: self.guest_output.clone(),
            build_log: self.build_log.clone(),
        }
    }
}

/// `(parameter name, value)` pairs for a call file.
fn named_args(world: &CaseWorld, func: &str, args: &[Val]) -> Vec<(String, Val)> {
    let names: Vec<String> = world
        .funcs
        .iter()
        .find(|f| f.name == func)
        .map(|f| f.params.iter().map(|p| p.name.clone()).collect())
        .unwrap_or_default();
    args.iter()
        .enumerate()
        .map(|(i, v)| {
            (
                names.get(i).cloned().unwrap_or_else(|| format!("arg{i}")),
                v.clone(),
            )
        })
        .collect()
}

/// Errors that stop a reproduction (a broken set-up or unreadable input,
/// not a finding).
#[derive(Debug, thiserror::Error)]
pub enum ReproduceError {
    #[error(transparent)]
    Finding(#[from] FindingError),
    #[error(transparent)]
    Target(#[from] TargetError),
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
        "{path}: unknown finding kind `{kind}`: witness replays echo findings ({echo}), `{resource}` \
         findings of `witness resources` and `{abi}` findings of `witness abi`. Restore the file from \
         version control.",
        echo = ECHO_KINDS.join(", "),
        resource = resources::FINDING_KIND,
        abi = ABI_KIND
    )]
    UnknownKind { path: PathBuf, kind: String },
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

/// A finding directory read back as a case.
#[derive(Debug, Clone)]
pub struct LoadedFinding {
    pub dir: PathBuf,
    pub finding: Finding,
    pub signature: Signature,
    pub world: CaseWorld,
    /// The call, when the finding is about one (not about a build).
    pub call: Option<Call>,
}

/// Builds guests of one target (memoising failed builds, which the guest
/// cache does not keep) and reproduces cases on them.
pub struct Reproducer {
    target: Target,
    host: Host,
    /// Echo-body overrides passed to every build (a test hook: see
    /// [`GuestSpec::overrides`]).
    pub overrides: Vec<(String, String)>,
    failed_builds: HashMap<String, Failure>,
    /// Builds that were not cached (real compiler runs) so far.
    pub builds: usize,
    /// Calls made so far.
    pub calls: usize,
}

impl Reproducer {
    /// A reproducer for `language` (`rust`, or a chain `rust>go`).
    pub fn new(
        language: &str,
        cache: &Cache,
        host: HostConfig,
    ) -> Result<Reproducer, ReproduceError> {
        let names: Vec<String> = language.split('>').map(str::to_string).collect();
        let target = Target::new(&names, cache)?;
        let host = Host::new(host, cache)?;
        Ok(Reproducer {
            target,
            host,
            overrides: Vec::new(),
            failed_builds: HashMap::new(),
            builds: 0,
            calls: 0,
        })
    }

    pub fn language(&self) -> String {
        self.target.name()
    }

    /// wasmtime's and the target's toolchain versions, as findings list them.
    pub fn versions(&self) -> BTreeMap<String, String> {
        let mut versions = BTreeMap::from([("wasmtime".to_string(), WASMTIME_VERSION.to_string())]);
        versions.extend(self.target.toolchain().versions);
        versions
    }

    /// Builds, links and instantiates `world`; a failure on the way is the
    /// case's failure.
    fn instance(
        &mut self,
        world: &CaseWorld,
        seed: u64,
    ) -> Result<Result<EchoInstance, Failure>, ReproduceError> {
        let lang = self.target.name();
        let wit = wit_text::echo_package(world);
        if let Some(failure) = self.failed_builds.get(&wit) {
            return Ok(Err(failure.clone()));
        }
        let spec = GuestSpec {
            world,
            wit: &wit,
            overrides: &self.overrides,
        };
        let built = match self.target.build(&spec) {
            Ok(built) => built,
            Err(e) if e.is_finding() => {
                self.builds += 1;
                let log = e.to_string();
                let class = campaign::build_class(&log);
                let mut failure = Failure::stage(
                    &lang,
                    "build",
                    "build",
                    class.clone(),
                    format!("the guest did not build: {class}"),
                );
                failure.build_log = Some(log);
                self.failed_builds.insert(wit, failure.clone());
                return Ok(Err(failure));
            }
            Err(e) => return Err(e.into()),
        };
        if !built.cached {
            self.builds += 1;
        }
        let component = match self.host.compile(&built.component) {
            Ok(c) => c,
            Err(HostError::Compile(m)) => {
                let class = finding::normalise_message(&m);
                let mut failure = Failure::stage(
                    &lang,
                    "build",
                    "compile",
                    class,
                    format!("wasmtime rejected the guest: {m}"),
                );
                failure.trap = Some(m);
                return Ok(Err(failure));
            }
            Err(e) => return Err(e.into()),
        };
        let guest = match EchoGuest::new(&self.host, &component, world) {
            Ok(g) => g,
            Err(HostError::Link(m)) => {
                let class = finding::normalise_message(&m);
                let summary = format!("the guest does not link against the echo world: {m}");
                let mut failure = Failure::stage(&lang, "protocol", "link", class, summary);
                failure.trap = Some(m);
                return Ok(Err(failure));
            }
            Err(e) => return Err(e.into()),
        };
        match guest.instantiate(seed) {
            Ok(instance) => Ok(Ok(instance)),
            Err(HostError::Instantiate(m)) => {
                let class = finding::normalise_message(&m);
                let mut failure = Failure::stage(
                    &lang,
                    "trap",
                    "instantiate",
                    class,
                    format!("instantiation failed: {m}"),
                );
                failure.trap = Some(m);
                Ok(Err(failure))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Runs `world` (and `call`, when there is one) and returns its failure,
    /// `None` when everything passed.
    pub fn run(
        &mut self,
        world: &CaseWorld,
        call: Option<&Call>,
        seed: u64,
    ) -> Result<Option<Failure>, ReproduceError> {
        let mut instance = match self.instance(world, seed)? {
            Ok(instance) => instance,
            Err(failure) => return Ok(Some(failure)),
        };
        let Some(call) = call else { return Ok(None) };
        self.calls += 1;
        Ok(
            match instance.call(&call.func, &call.args, call.result.as_ref()) {
                CallOutcome::Passed => None,
                CallOutcome::Failed(f) => {
                    Some(Failure::of_call(&self.target.name(), world, call, &f))
                }
            },
        )
    }

    /// Reads the finding in `dir`: its world, and its call typed by the
    /// guest built from that world.
    pub fn load(&mut self, dir: &Path) -> Result<LoadedFinding, ReproduceError> {
        let found = finding::load(dir)?;
        let bad = |name: &str, message: String| ReproduceError::BadFile {
            path: dir.join(name),
            message,
        };
        let signature = Signature::parse(&found.meta.signature).ok_or_else(|| {
            bad(
                "finding.toml",
                format!("`{}` is not a signature", found.meta.signature),
            )
        })?;
        let world = crate::wit_import::echo_case(&found.world_wit)
            .map_err(|e| bad("world.wit", e.to_string()))?;
        let call = match (&found.call, &found.meta.function) {
            (Some(text), Some(func)) => {
                let seed = found.meta.seed.unwrap_or(0);
                let instance = match self.instance(&world, seed)? {
                    Ok(instance) => instance,
                    Err(failure) => {
                        return Err(bad(
                            "world.wit",
                            format!(
                                "the call cannot be read: the world no longer builds ({})",
                                failure.summary
                            ),
                        ));
                    }
                };
                let ty = instance.func_type(func).ok_or_else(|| {
                    bad(
                        "finding.toml",
                        format!("the world has no function `{func}`"),
                    )
                })?;
                let params: Vec<(String, wasmtime::component::Type)> =
                    ty.params().map(|(n, t)| (n.to_string(), t)).collect();
                let result_ty = ty.results().next();
                let values = value::read_call(text, &params, result_ty.as_ref())
                    .map_err(|e| bad("call.wave", e.to_string()))?;
                Some(Call {
                    func: func.clone(),
                    args: values.params.into_iter().map(|(_, v)| v).collect(),
                    result: values.result,
                })
            }
            _ => None,
        };
        Ok(LoadedFinding {
            dir: dir.to_path_buf(),
            finding: found,
            signature,
            world,
            call,
        })
    }
}

/// The kinds of echo findings: campaigns, `witness shrink` and the echo fuzz
/// targets write them; `witness repro` replays them.
pub const ECHO_KINDS: &[&str] = &["build", "trap", "mismatch", "protocol", "limit"];

/// The kind of the findings of the byte-level ABI oracle (`witness abi`).
pub const ABI_KIND: &str = "abi";

/// How the class of a finding about a resources guest that does not build
/// starts (kind `build`, written by `witness resources`).
const RESOURCES_BUILD_CLASS: &str = "resources guest: ";

/// Which program wrote a finding, and so how it replays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingFamily {
    /// A world and at most one call (`witness run`; replayed by `witness
    /// repro`).
    Echo,
    /// Steps, or a leak check, on the resources guest of a language
    /// (`witness resources`), or that guest not building.
    Resource,
    /// Case `I` of seed `S` of the byte-level oracle (`witness abi --seed S
    /// --case I`).
    Abi,
}

impl FindingFamily {
    /// The family of a finding, by its kind; `None` for a kind witness does
    /// not write.
    pub fn of(meta: &FindingMeta) -> Option<FindingFamily> {
        let resources_build = || {
            Signature::parse(&meta.signature)
                .is_some_and(|s| s.class.starts_with(RESOURCES_BUILD_CLASS))
        };
        match meta.kind.as_str() {
            resources::FINDING_KIND => Some(FindingFamily::Resource),
            ABI_KIND => Some(FindingFamily::Abi),
            "build" if resources_build() => Some(FindingFamily::Resource),
            kind if ECHO_KINDS.contains(&kind) => Some(FindingFamily::Echo),
            _ => None,
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

/// Replays the finding in `dir`, whatever its family, as its own replay
/// command does: an echo finding's world and call; a resources finding's
/// steps (or its leak check, with the cycles its replay command names) on a
/// rebuilt guest; an abi finding's case, drawn again from its seed and index
/// (an error if the generator no longer draws the world in `world.wit`).
pub fn replay_finding(
    dir: &Path,
    cache: &Cache,
    host: HostConfig,
) -> Result<Replayed, ReproduceError> {
    let found = finding::load(dir)?;
    let want = Signature::parse(&found.meta.signature).ok_or_else(|| ReproduceError::BadFile {
        path: dir.join("finding.toml"),
        message: format!("`{}` is not a signature", found.meta.signature),
    })?;
    let family = FindingFamily::of(&found.meta).ok_or_else(|| ReproduceError::UnknownKind {
        path: dir.join("finding.toml"),
        kind: found.meta.kind.clone(),
    })?;
    let (got, what) = match family {
        FindingFamily::Echo => replay_echo(dir, &found, cache, host)?,
        FindingFamily::Resource => replay_resource(dir, &found, &want, cache, host)?,
        FindingFamily::Abi => replay_abi(dir, &found, cache, host)?,
    };
    Ok(Replayed {
        family,
        want,
        got,
        what,
    })
}

/// Replays the finding in `dir` and returns the signature of what failed
/// (`None` when it passed): the check of the regression corpus.
pub fn replay_signature(
    dir: &Path,
    cache: &Cache,
    host: HostConfig,
) -> Result<Option<Signature>, ReproduceError> {
    Ok(replay_finding(dir, cache, host)?.got)
}

/// The signature of what failed (`None` when nothing did), and what
/// happened in words.
type Outcome = (Option<Signature>, String);

fn replay_echo(
    dir: &Path,
    found: &Finding,
    cache: &Cache,
    host: HostConfig,
) -> Result<Outcome, ReproduceError> {
    let mut reproducer = Reproducer::new(&found.meta.language, cache, host)?;
    let loaded = reproducer.load(dir)?;
    let seed = found.meta.seed.unwrap_or(0);
    Ok(
        match reproducer.run(&loaded.world, loaded.call.as_ref(), seed)? {
            Some(failure) => (Some(failure.signature), failure.summary),
            None if loaded.call.is_some() => (None, "the call passed".into()),
            None => (None, "the guest builds, links and instantiates".into()),
        },
    )
}

/// A resources violation in words, with the last line of wasmtime's error
/// when a call failed (what `witness resources --replay` prints).
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

/// The leak check a resources finding comes from.
struct LeakCheck {
    cycle: Cycle,
    cycles: u32,
    fault: Option<Fault>,
}

/// The leak check of a resources finding, from its signature (`leak check
/// <cycle>`) and its replay command (`--cycles N`, `--fault F`); `None` for
/// a finding about a sequence of steps.
fn leak_check_of(
    dir: &Path,
    found: &Finding,
    want: &Signature,
) -> Result<Option<LeakCheck>, ReproduceError> {
    let Some(rest) = want.class.strip_prefix("leak check ") else {
        return Ok(None);
    };
    let bad = |message: String| ReproduceError::BadFile {
        path: dir.join("finding.toml"),
        message,
    };
    let cycle = Cycle::ALL
        .into_iter()
        .find(|c| {
            rest.strip_prefix(c.name())
                .is_some_and(|r| r.starts_with([':', ',']))
        })
        .ok_or_else(|| {
            let names: Vec<&str> = Cycle::ALL.iter().map(|c| c.name()).collect();
            bad(format!(
                "the signature names a leak check, but none of its cycles ({})",
                names.join(", ")
            ))
        })?;
    let words: Vec<&str> = found.meta.replay.split_whitespace().collect();
    let after = |flag: &str| {
        words
            .iter()
            .position(|w| *w == flag)
            .and_then(|i| words.get(i + 1))
            .copied()
    };
    let cycles = after("--cycles")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| {
            bad(format!(
                "a leak-check finding's replay command names its cycles (`--cycles N`); this one is `{}`",
                found.meta.replay
            ))
        })?;
    let fault = match after("--fault") {
        None => None,
        Some(name) => Some(Fault::parse(name).ok_or_else(|| {
            bad(format!(
                "unknown guest fault `{name}` in the replay command"
            ))
        })?),
    };
    Ok(Some(LeakCheck {
        cycle,
        cycles,
        fault,
    }))
}

fn replay_resource(
    dir: &Path,
    found: &Finding,
    want: &Signature,
    cache: &Cache,
    host_config: HostConfig,
) -> Result<Outcome, ReproduceError> {
    let language = found.meta.language.as_str();
    let seed = found.meta.seed.unwrap_or(1);
    if found.meta.kind != resources::FINDING_KIND {
        // The resources guest did not build: build it again.
        let host = Host::new(host_config, cache)?;
        return Ok(
            match resources::prepare(language, None, &host, cache, seed)? {
                Ok(_) => (None, format!("the {language} resources guest builds")),
                Err(e) => {
                    let log = e.to_string();
                    let signature = Signature {
                        language: language.into(),
                        kind: "build".into(),
                        hop: "build".into(),
                        class: format!(
                            "{RESOURCES_BUILD_CLASS}{}",
                            finding::normalise_message(&log)
                        ),
                    };
                    (
                        Some(signature),
                        format!("the {language} resources guest does not build:\n{log}"),
                    )
                }
            },
        );
    }
    let Some(leak) = leak_check_of(dir, found, want)? else {
        return Ok(match resources::replay(dir, cache, host_config)? {
            resources::ReplayOutcome::Reproduced(v) | resources::ReplayOutcome::Different(v) => (
                Some(resources::signature(language, &v, None)),
                describe_violation(&v),
            ),
            resources::ReplayOutcome::NotReproduced => (None, "the sequence passed".into()),
        });
    };
    let host = Host::new(host_config, cache)?;
    let prepared = resources::prepare(language, leak.fault, &host, cache, seed)??;
    let report = prepared.runner.leak_check(leak.cycle, leak.cycles)?;
    // A leak check reports every violation it saw, and each is a finding:
    // the one of this finding, else the first.
    let seen: Vec<(Signature, &Violation)> = report
        .violations
        .iter()
        .map(|v| (resources::signature(language, v, Some(leak.cycle)), v))
        .collect();
    let pick = seen
        .iter()
        .find(|(s, _)| s == want)
        .or_else(|| seen.first());
    Ok(match pick {
        Some((signature, v)) => (
            Some(signature.clone()),
            format!(
                "{} (leak check `{}`, {} cycles: {})",
                describe_violation(v),
                leak.cycle.name(),
                leak.cycles,
                report.growth_text()
            ),
        ),
        None => (
            None,
            format!(
                "the leak check `{}` passed ({} cycles: {})",
                leak.cycle.name(),
                leak.cycles,
                report.growth_text()
            ),
        ),
    })
}

fn replay_abi(
    dir: &Path,
    found: &Finding,
    cache: &Cache,
    host_config: HostConfig,
) -> Result<Outcome, ReproduceError> {
    let (Some(seed), Some(index)) = (found.meta.seed, found.meta.world) else {
        return Err(ReproduceError::BadFile {
            path: dir.join("finding.toml"),
            message: "an abi finding names its case with `seed` and `world` (the case index)"
                .into(),
        });
    };
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
    let host = Host::new(host_config, cache)?;
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
    let (want, got) = (replayed.want, replayed.got);
    let name = dir.display();
    Ok(match (suppressions.matching(&want), got) {
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
    })
}
