//! Guests: turning an echo case into a component in each guest language,
//! with that language's own bindings generator and compiler, and caching the
//! result.
//!
//! A language is one implementation of [`GuestLanguage`] (one file beside
//! this one). [`GuestBuilder`] does the rest for every language: it prepares
//! the toolchain once, keys each build by the world text, the language, the
//! toolchain versions and the driver revision, and reuses a cached component
//! when the key matches.

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

    /// Bumped whenever the driver changes what it generates, so that cached
    /// guests from an older driver are not reused.
    fn revision(&self) -> u32;

    /// Checks the toolchain, installing what witness can install itself, and
    /// reports its versions. Called once per builder.
    fn prepare(&self, cache: &Cache) -> Result<ToolchainInfo, GuestError>;

    /// Writes the guest's sources for `spec` into the empty directory `dir`.
    fn generate(&self, spec: &GuestSpec<'_>, dir: &Path) -> Result<(), GuestError>;

    /// Builds the sources in `dir` and returns the component's bytes.
    fn build(&self, dir: &Path, cache: &Cache) -> Result<Vec<u8>, GuestError>;
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
    Build { lang: &'static str, dir: PathBuf, log: String },
    #[error("I/O error at {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl GuestError {
    pub fn io(path: &Path) -> impl FnOnce(std::io::Error) -> GuestError + '_ {
        move |source| GuestError::Io { path: path.to_path_buf(), source }
    }

    /// Whether this is something the world made the language's tools do
    /// wrong (a finding), rather than a problem with the machine.
    pub fn is_finding(&self) -> bool {
        matches!(self, GuestError::Bindgen { .. } | GuestError::Build { .. })
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
        Ok(GuestBuilder { lang, cache, toolchain })
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
        let key = self.key(spec);
        let root = self.cache.root().join("guests").join(self.lang.name());
        let entry = root.join(&key[..24]);
        let component_path = entry.join("component.wasm");
        let source_dir = entry.join("src");
        if let Ok(component) = std::fs::read(&component_path) {
            return Ok(BuiltGuest { component, key, cached: true, build_time: Duration::ZERO, source_dir });
        }
        let start = Instant::now();
        if source_dir.exists() {
            std::fs::remove_dir_all(&source_dir).map_err(GuestError::io(&source_dir))?;
        }
        std::fs::create_dir_all(&source_dir).map_err(GuestError::io(&source_dir))?;
        self.lang.generate(spec, &source_dir)?;
        let component = self.lang.build(&source_dir, &self.cache)?;
        disk::write_atomic(&component_path, &component).map_err(GuestError::io(&component_path))?;
        Ok(BuiltGuest { component, key, cached: false, build_time: start.elapsed(), source_dir })
    }
}

/// The guest languages witness knows, by name.
pub fn language(name: &str) -> Option<Box<dyn GuestLanguage>> {
    match name {
        "rust" => Some(Box::new(rust::RustGuest)),
        "python" => Some(Box::new(python::PythonGuest::new())),
        _ => None,
    }
}

/// The names [`language`] accepts.
pub const LANGUAGES: &[&str] = &["rust", "python"];
