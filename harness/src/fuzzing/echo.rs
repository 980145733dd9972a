//! The echo targets: values through prebuilt guests of the corpus worlds.
//!
//! A process builds its guests once (an [`EchoFixture`] per language, kept
//! in a `OnceLock`): the fixed worlds `wit/every-type.wit` and `wit/plugin`
//! (compiled in) and a few generated worlds ([`FIXTURE_SEED`]). Building
//! uses the guest cache, so only the first process on a machine pays for
//! the compilers; on a machine without the toolchains (a ClusterFuzzLite
//! runner) the guests come prebuilt from `witness-guests/` next to the
//! binary or `$WITNESS_FUZZ_GUESTS` (written by a run with
//! `$WITNESS_FUZZ_EXPORT_GUESTS`). A world whose guest does not build (a
//! known bindings bug, say) is left out with a note on stderr. Each input then picks a world and makes up to
//! [`MAX_CALLS`] echo calls with values drawn from the bytes, on a fresh
//! instance (so every input reproduces alone).
//!
//! A failed call whose signature is in `corpus/suppressions.toml` (compiled
//! in) is a known bug, not a crash: the instance is replaced and the input
//! goes on (the Go garbage-collector trap is one). Any other failure is
//! written as a finding (to `$WITNESS_FINDINGS`, else the workspace's
//! `corpus/findings` when it exists, ready for `witness shrink`) and panics.

use super::FuzzFinding;
use crate::campaign::CaseSource;
use crate::disk::{self, Cache};
use crate::finding::{FindingStore, Limits, Replay, Signature};
use crate::guest::Target;
use crate::host::echo::{EchoGuest, EchoInstance};
use crate::host::{Host, HostConfig, WASMTIME_VERSION};
use crate::pipeline::EchoPipeline;
use crate::suppress::Suppressions;
use crate::ty::CaseWorld;
use crate::value::{self, ValueConfig};
use crate::verdict::{Call, Failure};
use crate::{smith, wit_import, wit_text};
use arbitrary::Unstructured;
use std::collections::BTreeMap;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// Most calls one input makes.
pub const MAX_CALLS: u32 = 8;

/// The seed of the generated worlds of the fixture.
pub const FIXTURE_SEED: u64 = 0xF022;

/// How many generated worlds the fixture adds to the fixed ones.
const GENERATED_WORLDS: u64 = 3;

/// Values small enough that a call never nears the fuzzer's timeout.
fn fuzz_values() -> ValueConfig {
    ValueConfig {
        max_list_len: 32,
        max_string_len: 512,
        max_depth: 8,
        budget: 4096,
    }
}

/// Fuel and memory per call, well under what any honest echo needs, so a
/// hang stops in well under a second.
fn fuzz_host() -> HostConfig {
    HostConfig {
        fuel_per_call: 200_000_000,
        memory_limit: 256 << 20,
        ..HostConfig::default()
    }
}

/// The suppression list, compiled in so that a fuzz binary needs no files.
const SUPPRESSIONS: &str = include_str!("../../../corpus/suppressions.toml");

/// The suppression list the echo targets use.
pub fn suppressions() -> &'static Suppressions {
    static LIST: OnceLock<Suppressions> = OnceLock::new();
    LIST.get_or_init(|| {
        toml::from_str(SUPPRESSIONS).expect("corpus/suppressions.toml is valid (a test checks it)")
    })
}

fn host() -> &'static Host {
    static HOST: OnceLock<Host> = OnceLock::new();
    HOST.get_or_init(|| {
        Host::new(fuzz_host(), &Cache::from_env()).expect("the fuzzing host starts")
    })
}

/// A built guest of one corpus world.
struct FixtureWorld {
    name: String,
    world: CaseWorld,
    guest: EchoGuest<'static>,
}

/// The prebuilt guests of one language.
pub struct EchoFixture {
    language: String,
    worlds: Vec<FixtureWorld>,
    versions: BTreeMap<String, String>,
    /// Worlds left out: the name, the reason, and the signature of the
    /// finding when the guest did not build.
    pub skipped: Vec<(String, String, Option<Signature>)>,
}

/// The fixed corpus worlds, compiled in so that a fuzz binary needs no
/// source tree: `(name, WIT text)`.
const FIXED_WORLDS: [(&str, &str); 2] = [
    (
        "wit/every-type.wit",
        include_str!("../../../wit/every-type.wit"),
    ),
    (
        "wit/plugin/plugin.wit",
        include_str!("../../../wit/plugin/plugin.wit"),
    ),
];

/// The corpus worlds: `(name, world)`.
pub fn corpus_worlds() -> Vec<(String, CaseWorld)> {
    let mut out = Vec::new();
    for (name, text) in FIXED_WORLDS {
        let mut resolve = wit_parser::Resolve {
            all_features: true,
            ..wit_parser::Resolve::default()
        };
        let case = resolve
            .push_str(name, text)
            .map_err(|e| resolve.render_error(&e))
            .and_then(|pkg| {
                wit_import::import_package(&resolve, pkg, Path::new(name))
                    .map_err(|e| e.to_string())
            });
        match case {
            Ok(case) => out.push((name.to_string(), case.world)),
            Err(e) => eprintln!("witness fuzz: leaving out {name}: {e}"),
        }
    }
    let source = CaseSource::Seeded {
        seed: FIXTURE_SEED,
        worlds: GENERATED_WORLDS,
        config: Some(smith::Config::default()),
        resources: false,
    };
    for i in 0..GENERATED_WORLDS {
        if let Some(world) = source.case(i) {
            out.push((format!("seed {FIXTURE_SEED:#x} world {i}"), world));
        }
    }
    out
}

/// Where prebuilt guests are (for machines without the guest toolchains,
/// such as ClusterFuzzLite runners): `$WITNESS_FUZZ_GUESTS/<language>`, else
/// `witness-guests/<language>` next to the fuzz binary.
pub(super) fn prebuilt_dir(language: &str) -> Option<PathBuf> {
    let root = std::env::var_os("WITNESS_FUZZ_GUESTS")
        .map(PathBuf::from)
        .or_else(|| {
            Some(
                std::env::current_exe()
                    .ok()?
                    .parent()?
                    .join("witness-guests"),
            )
        })?;
    let dir = root.join(language);
    dir.is_dir().then_some(dir)
}

/// Where to write the guests built here for [`prebuilt_dir`] to read on
/// another machine: `$WITNESS_FUZZ_EXPORT_GUESTS/<language>` when set.
pub(super) fn export_dir(language: &str) -> Option<PathBuf> {
    std::env::var_os("WITNESS_FUZZ_EXPORT_GUESTS").map(|d| PathBuf::from(d).join(language))
}

/// The file name of a world's prebuilt guest: a hash of its echo package.
fn prebuilt_name(wit: &str) -> String {
    format!("{}.wasm", &disk::content_key(&[wit.as_bytes()])[..24])
}

impl EchoFixture {
    /// The fixture of `language`, built on first use.
    pub fn get(language: &str) -> &'static EchoFixture {
        type Fixtures = Mutex<HashMap<String, &'static OnceLock<EchoFixture>>>;
        static FIXTURES: OnceLock<Fixtures> = OnceLock::new();
        let cell: &'static OnceLock<EchoFixture> = FIXTURES
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(language.to_string())
            .or_insert_with(|| {
                // Checked once per language, not on every input.
                if crate::guest::language(language).is_none() {
                    panic!(
                        "no echo fixture for language `{language}` (known: {})",
                        crate::guest::names().join(", ")
                    );
                }
                Box::leak(Box::new(OnceLock::new()))
            });
        cell.get_or_init(|| EchoFixture::build(language))
    }

    fn build(language: &str) -> EchoFixture {
        match prebuilt_dir(language) {
            Some(dir) => EchoFixture::load(language, &dir),
            None => EchoFixture::build_here(language),
        }
    }

    /// Loads the prebuilt guests in `dir` (see [`prebuilt_dir`]).
    fn load(language: &str, dir: &Path) -> EchoFixture {
        let versions = BTreeMap::from([
            ("wasmtime".to_string(), WASMTIME_VERSION.to_string()),
            (
                "guests".to_string(),
                format!("prebuilt in {}", dir.display()),
            ),
        ]);
        let mut fixture = EchoFixture {
            language: language.to_string(),
            worlds: Vec::new(),
            versions,
            skipped: Vec::new(),
        };
        for (name, world) in corpus_worlds() {
            let path = dir.join(prebuilt_name(&wit_text::echo_package(&world)));
            let guest = (|| {
                let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                let component = host().compile_uncached(&bytes).map_err(|e| e.to_string())?;
                let guest =
                    EchoGuest::new(host(), &component, &world).map_err(|e| e.to_string())?;
                guest.instantiate(0).map_err(|e| e.to_string())?;
                Ok::<_, String>(guest)
            })();
            match guest {
                Ok(guest) => fixture.worlds.push(FixtureWorld { name, world, guest }),
                Err(e) => {
                    eprintln!("witness fuzz: {language}: leaving out {name}: {e}");
                    fixture.skipped.push((name, e, None));
                }
            }
        }
        fixture
    }

    /// Builds the guests with this machine's toolchains (and the guest
    /// cache). With `$WITNESS_FUZZ_EXPORT_GUESTS` set, also writes each one
    /// there, as [`prebuilt_dir`] reads them.
    fn build_here(language: &str) -> EchoFixture {
        let cache = Cache::from_env();
        let target = Target::new(&[language.to_string()], &cache).unwrap_or_else(|e| {
            panic!("witness fuzz: the {language} toolchain is not usable: {e}")
        });
        let export = export_dir(language);
        let mut versions = BTreeMap::from([("wasmtime".to_string(), WASMTIME_VERSION.to_string())]);
        versions.extend(target.toolchain().versions);
        let mut fixture = EchoFixture {
            language: language.to_string(),
            worlds: Vec::new(),
            versions,
            skipped: Vec::new(),
        };
        let pipeline = EchoPipeline::new(&target, host());
        for (name, world) in corpus_worlds() {
            if (world.has_resources() && !target.echoes_resources())
                || (world.has_guest_resources() && !target.echoes_guest_resources())
            {
                let why = format!("the {language} driver does not echo resources yet");
                eprintln!("witness fuzz: {language}: leaving out {name}: {why}");
                fixture.skipped.push((name, why, None));
                continue;
            }
            let wit = wit_text::echo_package(&world);
            let loaded = (|| {
                let loaded = match pipeline.load(&world) {
                    Ok(Ok(loaded)) => loaded,
                    Ok(Err(failure)) => {
                        let signature = failure.signature(language);
                        return Err((failure.summary, Some(signature)));
                    }
                    Err(e) => return Err((e.to_string(), None)),
                };
                if let Some(dir) = &export {
                    let path = dir.join(prebuilt_name(&wit));
                    disk::write_atomic(&path, &loaded.built.component)
                        .map_err(|e| (format!("{}: {e}", path.display()), None))?;
                }
                match EchoPipeline::instantiate(&loaded, 0) {
                    Ok(Ok(_)) => Ok(loaded.guest),
                    Ok(Err(failure)) => Err((failure.summary, None)),
                    Err(e) => Err((e.to_string(), None)),
                }
            })();
            match loaded {
                Ok(guest) => fixture.worlds.push(FixtureWorld { name, world, guest }),
                Err((e, signature)) => {
                    let what = match &signature {
                        Some(s) => format!("the guest does not build ({})", s.text()),
                        None => e.lines().take(3).collect::<Vec<_>>().join(" / "),
                    };
                    eprintln!("witness fuzz: {language}: leaving out {name}: {what}");
                    fixture.skipped.push((name, e, signature));
                }
            }
        }
        fixture
    }

    /// Names of the worlds with a built guest.
    pub fn world_names(&self) -> Vec<&str> {
        self.worlds.iter().map(|w| w.name.as_str()).collect()
    }
}

/// Where fuzz findings are written: `$WITNESS_FINDINGS`, else the
/// workspace's `corpus/findings` when the workspace is there.
fn findings_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("WITNESS_FINDINGS") {
        return Some(PathBuf::from(dir));
    }
    let corpus = disk::workspace_root().join("corpus");
    corpus.is_dir().then(|| corpus.join("findings"))
}

/// Values of `language` through the prebuilt guests (see the module docs).
pub fn echo_values(language: &str, u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let fixture = EchoFixture::get(language);
    if fixture.worlds.is_empty() {
        return Ok(());
    }
    let fw = u.choose(&fixture.worlds)?;
    let calls = u.int_in_range(1..=MAX_CALLS)?;
    let mut instance: Option<EchoInstance> = None;
    for _ in 0..calls {
        let func = u.choose(&fw.world.funcs)?;
        let config = fuzz_values();
        let mut args = func
            .params
            .iter()
            .map(|p| value::arbitrary_val(&fw.world, &p.ty, &config, u))
            .collect::<arbitrary::Result<Vec<_>>>()?;
        let mut result = func
            .result
            .as_ref()
            .map(|t| value::arbitrary_val(&fw.world, t, &config, u))
            .transpose()?;
        crate::host::handles::number_call(&fw.world, func, &mut args, result.as_mut());
        let call = Call {
            func: func.name.clone(),
            args,
            result,
        };
        let inst = match &mut instance {
            Some(inst) => inst,
            None => instance.insert(fw.guest.instantiate(0).unwrap_or_else(|e| {
                panic!(
                    "witness fuzz: the {language} guest of {} instantiated before but not now: {e}",
                    fw.name
                )
            })),
        };
        if let Some(failure) = EchoPipeline::call(inst, &fw.world, &call) {
            if suppressions()
                .matching(&failure.signature(&fixture.language))
                .is_some()
            {
                // A known bug: start a fresh instance and go on.
                instance = None;
                continue;
            }
            panic!("{}", report(fixture, fw, &call, &failure));
        }
    }
    Ok(())
}

/// Writes the finding (when there is somewhere to write it) and says what
/// the panic message says.
fn report(fixture: &EchoFixture, fw: &FixtureWorld, call: &Call, failure: &Failure) -> FuzzFinding {
    let finding = failure.to_finding(
        &fixture.language,
        &fw.world,
        Some(call),
        Replay::echo(vec![fixture.language.clone()], 0),
        Limits::of(&fuzz_host()),
        fixture.versions.clone(),
    );
    let written =
        findings_dir().and_then(|dir| FindingStore::open(dir).ok()?.record(finding.clone()).ok());
    let mut detail = String::new();
    if let Some(rec) = written {
        detail.push_str(&format!(
            "written to {} (shrink it with `witness shrink {}`)\n",
            rec.dir.display(),
            rec.dir.display()
        ));
    }
    detail.push_str(&format!(
        "signature: {}\n--- call.wave ---\n{}",
        failure.signature(&fixture.language).text(),
        finding.call.unwrap_or_default()
    ));
    if let Some(observed) = &finding.observed {
        detail.push_str(&format!("--- observed.wave ---\n{observed}"));
    }
    if let Some(trap) = &finding.trap {
        detail.push_str(&format!("--- trap ---\n{trap}\n"));
    }
    detail.push_str(&format!(
        "--- world.wit ({}) ---\n{}",
        fw.name, finding.world_wit
    ));
    FuzzFinding::new(
        format!("echo_{}", fixture.language),
        failure.summary.clone(),
        detail,
    )
}

/// The variable that names the language of the `echo` target (a name of
/// the registry; `rust` when unset).
pub const LANGUAGE_VAR: &str = "WITNESS_FUZZ_ECHO_LANG";

/// `echo_values` for the language `$WITNESS_FUZZ_ECHO_LANG` names: every
/// language of the registry is fuzzable through this one target.
pub fn echo(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    static LANGUAGE: OnceLock<String> = OnceLock::new();
    let language =
        LANGUAGE.get_or_init(|| std::env::var(LANGUAGE_VAR).unwrap_or_else(|_| "rust".into()));
    echo_values(language, u)
}

/// `echo_values("rust", u)`.
pub fn echo_rust(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    echo_values("rust", u)
}

/// `echo_values("go", u)`.
pub fn echo_go(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    echo_values("go", u)
}

/// `echo_values("python", u)`.
pub fn echo_python(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    echo_values("python", u)
}
