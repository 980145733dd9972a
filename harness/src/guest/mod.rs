//! Guests: turning an echo case into a component in each guest language,
//! with that language's own bindings generator and compiler, and caching the
//! result.
//!
//! A language is one implementation of [`GuestLanguage`] (one file beside
//! this one). [`GuestBuilder`] does the rest for every language: it prepares
//! the toolchain once, keys each build by the world text, the language, the
//! toolchain versions and the driver revision, and reuses a cached component
//! when the key matches.
//!
//! Besides the echo, a language may build guests of the fixed protocol
//! worlds ([`Protocol`]): the resources protocol ([`crate::resources`],
//! [`GuestLanguage::generate_resources`] and
//! [`GuestBuilder::build_resources`]) and the benchmark world
//! ([`crate::bench`], [`GuestLanguage::bench`]); a driver says which it
//! supports ([`GuestLanguage::protocols`]).
//!
//! The [`registry`] is the one list of languages: commands, fuzz targets,
//! tests and benches read it, and the name generator takes every driver's
//! [`GuestLanguage::keywords`]. A new language is one driver file (with its
//! templates) and one line in [`DRIVERS`].

pub mod c;
pub mod chain;
pub mod fixed;
mod fresh;
pub mod go;
pub mod python;
pub mod rust;

use crate::disk::{self, Cache};
use crate::toolchain::ToolchainError;
use crate::ty::CaseWorld;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What a guest driver is given to build one echo guest.
#[derive(Debug, Clone, Copy)]
pub struct GuestSpec<'a> {
    /// The case, for drivers that need the types.
    pub world: &'a CaseWorld,
    /// The echo package as WIT text (see [`crate::wit_text`]); what the
    /// bindings generator reads.
    pub wit: &'a str,
    /// Hand-written replacements for the echo body of some functions, in the
    /// guest's language: `(function name, source)`. Used by tests to build a
    /// deliberately faulty guest; empty for real campaigns.
    pub overrides: &'a [(String, String)],
}

/// The world a guest implements: WIT text and the world's name in it. A
/// driver is told which world to build; it never guesses from the text.
#[derive(Debug, Clone, Copy)]
pub struct ProtocolWorld<'a> {
    pub wit: &'a str,
    pub world: &'a str,
}

impl ProtocolWorld<'_> {
    /// The WIT resolved, with the world selected.
    pub fn resolve(&self) -> Result<(wit_parser::Resolve, wit_parser::WorldId), String> {
        let mut resolve = wit_parser::Resolve::default();
        let package = resolve
            .push_str(format!("{}.wit", self.world), self.wit)
            .map_err(|e| resolve.render_error(&e))?;
        let world = resolve
            .select_world(&[package], Some(self.world))
            .map_err(|e| format!("{e:#}"))?;
        Ok((resolve, world))
    }
}

/// The protocols a guest can implement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// The echo of a generated or user-given world ([`crate::host::echo`]).
    Echo,
    /// The resources protocol ([`crate::resources`]).
    Resources,
    /// The benchmark world ([`crate::bench`]).
    Bench,
}

/// What a guest driver is given to build one resources guest (see
/// [`crate::resources`]).
#[derive(Debug, Clone, Copy)]
pub struct ResourcesSpec<'a> {
    /// The protocol's world ([`crate::resources::world`]).
    pub world: ProtocolWorld<'a>,
    /// The value of the template's `FAULT` constant: `none` for real runs,
    /// else a deliberate fault for tests of the oracles
    /// ([`crate::resources::Fault`]).
    pub fault: &'a str,
}

/// The versions of everything that went into a guest, in the order they
/// are printed in findings: `("rustc", "rustc 1.95.0 (...)")`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToolchainInfo {
    pub versions: Vec<(String, String)>,
}

impl ToolchainInfo {
    pub fn key_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for (k, v) in &self.versions {
            out.extend_from_slice(k.as_bytes());
            out.push(b'=');
            out.extend_from_slice(v.as_bytes());
            out.push(b'\n');
        }
        out
    }
}

/// One guest language: how to check its toolchain, write a guest's sources
/// and build them into a component.
pub trait GuestLanguage: Send + Sync {
    /// Short name used on the command line and in findings (`rust`).
    fn name(&self) -> &'static str;

    /// The language's name in prose and reports (`Rust`).
    fn title(&self) -> &'static str;

    /// The protocols the driver builds guests of (always the echo).
    fn protocols(&self) -> &'static [Protocol] {
        &[Protocol::Echo]
    }

    /// Whether the driver builds guests of `protocol`.
    fn supports(&self, protocol: Protocol) -> bool {
        self.protocols().contains(&protocol)
    }

    /// Whether the driver's echo guests handle worlds with resources (their
    /// members called, handles passed on). A campaign skips, and counts,
    /// the worlds with resources of a language whose driver does not.
    fn echoes_resources(&self) -> bool {
        false
    }

    /// Whether the driver's echo guests also implement resources defined by
    /// the guest ([`crate::ty::TypeDefKind::GuestResource`]): members that
    /// forward to `upstream` and a destructor that reports the id. A
    /// campaign gives the worlds of other languages host resources only.
    fn echoes_guest_resources(&self) -> bool {
        false
    }

    /// Whether a guest's linear memory stays put when it leaks nothing, so
    /// that the echo's leak check ([`crate::pipeline::leak_check`]) means
    /// something. Not for a collector paced by the wall clock (Go's heap
    /// grows and settles at a different call each run).
    fn steady_memory(&self) -> bool {
        true
    }

    /// Words that are keywords, reserved words or common builtins of the
    /// language or its bindings: the name generator mixes them into
    /// generated worlds (`keyword_names`), since escaping them is where
    /// bindings generators go wrong.
    fn keywords(&self) -> &'static [&'static str] {
        &[]
    }

    /// Bumped whenever the driver changes what it generates, so that cached
    /// guests from an older driver are not reused.
    fn revision(&self) -> u32;

    /// Checks the toolchain, installing what witness can install itself, and
    /// reports its versions. Called once per builder.
    fn prepare(&self, cache: &Cache) -> Result<ToolchainInfo, GuestError>;

    /// Writes the guest's sources for `spec` into the empty directory `dir`.
    fn generate(&self, spec: &GuestSpec<'_>, dir: &Path) -> Result<(), GuestError>;

    /// Builds the sources in `dir`, a guest of `world`, and returns the
    /// component's bytes.
    fn build(
        &self,
        dir: &Path,
        world: &ProtocolWorld<'_>,
        cache: &Cache,
    ) -> Result<Vec<u8>, GuestError>;

    /// Writes the sources of a resources guest (hand-written protocol code
    /// around bindings from the language's generator) into the empty
    /// directory `dir`; [`GuestLanguage::build`] builds them.
    fn generate_resources(&self, spec: &ResourcesSpec<'_>, dir: &Path) -> Result<(), GuestError> {
        let _ = (spec, dir);
        Err(GuestError::Unsupported {
            lang: self.name(),
            protocol: "resources",
        })
    }

    /// What identifies the sources `generate_resources` writes besides the
    /// spec (its templates), for the cache key: a changed template is a new
    /// guest.
    fn resources_fingerprint(&self) -> Vec<u8> {
        Vec::new()
    }

    /// The benchmark guests ([`crate::bench`]): a component of the bench
    /// world and, where the language has one, a raw core module doing the
    /// same work; cached (see [`fixed`]).
    fn bench(&self, cache: &Cache) -> Result<fixed::BenchGuests, GuestError> {
        let _ = cache;
        Err(GuestError::Unsupported {
            lang: self.name(),
            protocol: "bench",
        })
    }
}

/// Why a guest could not be built.
#[derive(Debug, thiserror::Error)]
pub enum GuestError {
    /// The toolchain is missing or broken: the harness cannot go on with
    /// this language. Not a finding.
    #[error(transparent)]
    Toolchain(#[from] ToolchainError),
    /// The bindings generator rejected the world. For a valid world this is
    /// a finding (kind `build`).
    #[error("the {lang} bindings generator failed: {message}")]
    Bindgen { lang: &'static str, message: String },
    /// The generated guest did not compile or componentize. For a valid
    /// world this is a finding (kind `build`); `log` is the compiler output.
    #[error("the {lang} guest in {dir} did not build:\n{log}")]
    Build {
        lang: &'static str,
        dir: PathBuf,
        log: String,
    },
    /// Composing a chain of guests failed. For valid guests this is a
    /// finding (kind `build`).
    #[error(transparent)]
    Compose(#[from] chain::ChainError),
    #[error("I/O error at {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The driver does not implement this protocol. Not a finding.
    #[error("the {lang} guest driver does not implement the {protocol} protocol")]
    Unsupported {
        lang: &'static str,
        protocol: &'static str,
    },
}

impl GuestError {
    pub fn io(path: &Path) -> impl FnOnce(std::io::Error) -> GuestError + '_ {
        move |source| GuestError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// Whether this is something the world made the language's tools do
    /// wrong (a finding), rather than a problem with the machine.
    pub fn is_finding(&self) -> bool {
        matches!(
            self,
            GuestError::Bindgen { .. } | GuestError::Build { .. } | GuestError::Compose(_)
        )
    }
}

/// A built guest component.
#[derive(Debug, Clone)]
pub struct BuiltGuest {
    pub component: Vec<u8>,
    /// The key it is cached under.
    pub key: String,
    /// Whether it came from the cache.
    pub cached: bool,
    /// Time spent generating and building (zero when cached).
    pub build_time: Duration,
    /// Where its sources are.
    pub source_dir: PathBuf,
}

/// Builds guests of one language, with a cache.
pub struct GuestBuilder {
    lang: Box<dyn GuestLanguage>,
    cache: Cache,
    toolchain: ToolchainInfo,
}

impl GuestBuilder {
    /// Prepares `lang`'s toolchain (installing what it can).
    pub fn new(lang: Box<dyn GuestLanguage>, cache: Cache) -> Result<GuestBuilder, GuestError> {
        let toolchain = lang.prepare(&cache)?;
        Ok(GuestBuilder {
            lang,
            cache,
            toolchain,
        })
    }

    pub fn language(&self) -> &'static str {
        self.lang.name()
    }

    pub fn toolchain(&self) -> &ToolchainInfo {
        &self.toolchain
    }

    /// The cache key of the guest for `spec`.
    pub fn key(&self, spec: &GuestSpec<'_>) -> String {
        let revision = self.lang.revision().to_le_bytes();
        let mut overrides = Vec::new();
        for (f, src) in spec.overrides {
            overrides.extend_from_slice(f.as_bytes());
            overrides.push(0);
            overrides.extend_from_slice(src.as_bytes());
            overrides.push(0);
        }
        disk::content_key(&[
            self.lang.name().as_bytes(),
            &revision,
            &self.toolchain.key_bytes(),
            spec.wit.as_bytes(),
            &overrides,
        ])
    }

    /// The component for `spec`, from the cache or freshly built.
    pub fn build(&self, spec: &GuestSpec<'_>) -> Result<BuiltGuest, GuestError> {
        if spec.world.has_guest_resources() && !self.lang.echoes_guest_resources() {
            return Err(GuestError::Unsupported {
                lang: self.lang.name(),
                protocol: "echo with guest-defined resources",
            });
        }
        let key = self.key(spec);
        let world = ProtocolWorld {
            wit: spec.wit,
            world: crate::wit_text::WORLD,
        };
        self.build_keyed(key, &self.echo_root(), &world, |dir| {
            self.lang.generate(spec, dir)
        })
    }

    /// The cache key of the resources guest for `spec`.
    pub fn resources_key(&self, spec: &ResourcesSpec<'_>) -> String {
        disk::content_key(&[
            b"resources",
            self.lang.name().as_bytes(),
            &self.lang.revision().to_le_bytes(),
            &self.lang.resources_fingerprint(),
            &self.toolchain.key_bytes(),
            spec.world.wit.as_bytes(),
            spec.world.world.as_bytes(),
            spec.fault.as_bytes(),
        ])
    }

    /// The resources guest for `spec`, from the cache or freshly built.
    pub fn build_resources(&self, spec: &ResourcesSpec<'_>) -> Result<BuiltGuest, GuestError> {
        let key = self.resources_key(spec);
        let root = self
            .cache
            .root()
            .join("guests")
            .join(format!("{}-resources", self.lang.name()));
        self.build_keyed(key, &root, &spec.world, |dir| {
            self.lang.generate_resources(spec, dir)
        })
    }

    /// The cached component under `root/<key>`, or one freshly generated by
    /// `generate` and built.
    fn build_keyed(
        &self,
        key: String,
        root: &Path,
        world: &ProtocolWorld<'_>,
        generate: impl FnOnce(&Path) -> Result<(), GuestError>,
    ) -> Result<BuiltGuest, GuestError> {
        let entry = entry_dir(root, &key);
        let component_path = entry.join(COMPONENT_FILE);
        let source_dir = entry.join("src");
        let read_cached =
            || disk::read_verified(&component_path).map_err(GuestError::io(&component_path));
        if let Some(component) = read_cached()? {
            return Ok(BuiltGuest {
                component,
                key,
                cached: true,
                build_time: Duration::ZERO,
                source_dir,
            });
        }
        // One build per key at a time, across threads and processes; whoever
        // waited finds the component built.
        std::fs::create_dir_all(&entry).map_err(GuestError::io(&entry))?;
        let lock_path = entry.join(".lock");
        let lock = std::fs::File::create(&lock_path).map_err(GuestError::io(&lock_path))?;
        lock.lock().map_err(GuestError::io(&lock_path))?;
        if let Some(component) = read_cached()? {
            return Ok(BuiltGuest {
                component,
                key,
                cached: true,
                build_time: Duration::ZERO,
                source_dir,
            });
        }
        let start = Instant::now();
        if source_dir.exists() {
            std::fs::remove_dir_all(&source_dir).map_err(GuestError::io(&source_dir))?;
        }
        std::fs::create_dir_all(&source_dir).map_err(GuestError::io(&source_dir))?;
        generate(&source_dir)?;
        let component = self.lang.build(&source_dir, world, &self.cache)?;
        disk::write_verified(&component_path, &component)
            .map_err(GuestError::io(&component_path))?;
        Ok(BuiltGuest {
            component,
            key,
            cached: false,
            build_time: start.elapsed(),
            source_dir,
        })
    }
}

/// A built component's file in its cache entry, sealed with its digest
/// (see [`disk::read_verified`]).
const COMPONENT_FILE: &str = "component.wasm.sealed";

/// The cache entry of `key` under `root`.
fn entry_dir(root: &Path, key: &str) -> PathBuf {
    root.join(&key[..24])
}

/// What a campaign calls: one guest, or a chain of guests composed into one
/// component (see [`chain`]).
pub struct Target {
    links: Vec<std::sync::Arc<GuestBuilder>>,
}

impl Target {
    /// `names` has one language for a single guest, several for a chain
    /// (outermost first).
    pub fn new(names: &[String], cache: &Cache) -> Result<Target, TargetError> {
        let mut links = Vec::new();
        for name in names {
            let lang = language(name).ok_or_else(|| TargetError::UnknownLanguage(name.clone()))?;
            links.push(std::sync::Arc::new(GuestBuilder::new(lang, cache.clone())?));
        }
        if links.is_empty() {
            return Err(TargetError::UnknownLanguage(String::new()));
        }
        Ok(Target { links })
    }

    /// `rust`, or `rust>go>python` for a chain.
    pub fn name(&self) -> String {
        self.links
            .iter()
            .map(|l| l.language())
            .collect::<Vec<_>>()
            .join(">")
    }

    /// The language of every link, outermost first.
    pub fn link_names(&self) -> Vec<String> {
        self.links
            .iter()
            .map(|l| l.language().to_string())
            .collect()
    }

    pub fn is_chain(&self) -> bool {
        self.links.len() > 1
    }

    /// Whether every link echoes worlds with resources
    /// ([`GuestLanguage::echoes_resources`]).
    pub fn echoes_resources(&self) -> bool {
        self.links.iter().all(|l| l.lang.echoes_resources())
    }

    /// Whether every link echoes guest resources too
    /// ([`GuestLanguage::echoes_guest_resources`]).
    pub fn echoes_guest_resources(&self) -> bool {
        self.links.iter().all(|l| l.lang.echoes_guest_resources())
    }

    /// Whether every link's memory is steady
    /// ([`GuestLanguage::steady_memory`]).
    pub fn steady_memory(&self) -> bool {
        self.links.iter().all(|l| l.lang.steady_memory())
    }

    /// Number of links (1 for a single guest).
    pub fn link_count(&self) -> usize {
        self.links.len()
    }

    /// The sub-chain of links `range` (sharing the builders).
    pub fn sub(&self, range: std::ops::Range<usize>) -> Target {
        Target {
            links: self.links[range].to_vec(),
        }
    }

    /// Every link's toolchain versions (prefixed by the language in a chain).
    pub fn toolchain(&self) -> ToolchainInfo {
        let mut versions = Vec::new();
        for link in &self.links {
            for (k, v) in &link.toolchain().versions {
                let key = if self.is_chain() {
                    format!("{}.{k}", link.language())
                } else {
                    k.clone()
                };
                if !versions
                    .iter()
                    .any(|(have, _): &(String, String)| *have == key)
                {
                    versions.push((key, v.clone()));
                }
            }
        }
        ToolchainInfo { versions }
    }

    /// Builds every link, and composes them when there are several.
    pub fn build(&self, spec: &GuestSpec<'_>) -> Result<BuiltGuest, GuestError> {
        if let [single] = self.links.as_slice() {
            return single.build(spec);
        }
        let start = Instant::now();
        let mut built = Vec::new();
        for link in &self.links {
            built.push(link.build(spec)?);
        }
        let keys: Vec<&[u8]> = built.iter().map(|b| b.key.as_bytes()).collect();
        let key = disk::content_key(&keys);
        let cache = &self.links[0].cache;
        let entry = entry_dir(&cache.root().join("guests").join("chain"), &key);
        let path = entry.join(COMPONENT_FILE);
        let all_cached = built.iter().all(|b| b.cached);
        if let Some(component) = disk::read_verified(&path).map_err(GuestError::io(&path))? {
            return Ok(BuiltGuest {
                component,
                key,
                cached: all_cached,
                build_time: start.elapsed(),
                source_dir: entry,
            });
        }
        let names: Vec<&str> = self.links.iter().map(|l| l.language()).collect();
        let parts: Vec<(&str, &[u8])> = names
            .iter()
            .copied()
            .zip(built.iter().map(|b| b.component.as_slice()))
            .collect();
        let component = chain::compose(&parts)?;
        disk::write_verified(&path, &component).map_err(GuestError::io(&path))?;
        Ok(BuiltGuest {
            component,
            key,
            cached: false,
            build_time: start.elapsed(),
            source_dir: entry,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("unknown guest language `{0}` (known: {known})", known = names().join(", "))]
    UnknownLanguage(String),
    #[error(transparent)]
    Guest(#[from] GuestError),
}

/// Wraps a core module that already carries its world (embedded, or linked
/// in as a component-type object) into a component, with the WASI preview1
/// reactor adapter: how the Go and C drivers componentize.
pub(crate) fn componentize_reactor(core: &[u8]) -> Result<Vec<u8>, String> {
    let mut encoder = wit_component::ComponentEncoder::default();
    encoder.validate(true);
    encoder.module(core).map_err(|e| format!("{e:#}"))?;
    encoder
        .adapter(
            wasi_preview1_component_adapter_provider::WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME,
            wasi_preview1_component_adapter_provider::WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
        )
        .map_err(|e| format!("the preview1 adapter: {e:#}"))?;
    encoder.encode().map_err(|e| format!("{e:#}"))
}

/// The drivers, in the order commands list them. A new language is its
/// driver (a file beside this one) and one line here.
const DRIVERS: &[fn() -> Box<dyn GuestLanguage>] = &[
    || Box::new(rust::RustGuest),
    || Box::new(go::GoGuest::new()),
    || Box::new(python::PythonGuest::new()),
    || Box::new(c::CGuest::new()),
];

/// Every guest language witness knows, in the order commands list them.
pub fn registry() -> Vec<Box<dyn GuestLanguage>> {
    DRIVERS.iter().map(|make| make()).collect()
}

/// The guest language called `name`.
pub fn language(name: &str) -> Option<Box<dyn GuestLanguage>> {
    registry().into_iter().find(|l| l.name() == name)
}

/// The names of the registry's languages.
pub fn names() -> Vec<&'static str> {
    registry().iter().map(|l| l.name()).collect()
}

/// The names of the languages whose drivers build guests of `protocol`.
pub fn names_supporting(protocol: Protocol) -> Vec<&'static str> {
    registry()
        .iter()
        .filter(|l| l.supports(protocol))
        .map(|l| l.name())
        .collect()
}
