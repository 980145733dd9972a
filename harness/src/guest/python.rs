//! The Python guest driver: bindings and components from `componentize-py`,
//! installed by witness into a virtual environment in its cache.
//!
//! The echo is written against the bindings componentize-py itself
//! generates (`componentize-py bindings`): the driver reads the exported
//! interface's `Protocol` class from them and implements each of its methods,
//! with the method and parameter names exactly as generated (componentize-py
//! escapes Python keywords: `from` becomes `from_`), as
//! `return _upstream.f(args)`. Python values need no conversion between the
//! export and the import: both sides use the same generated classes, and a
//! `result` returned from `upstream` as a raised `Err` propagates out of the
//! export unchanged, which componentize-py lowers as the same `err`.
//!
//! An override ([`GuestSpec::overrides`]) becomes the body of its method: it
//! sees the parameters under their generated names, `upstream` as
//! `_upstream`, the `types` module as `_types`, and `_Ok`, `_Err`, `_Some`
//! from `componentize_py_types`.
//!
//! A resources guest ([`crate::resources`]) is the hand-written
//! `templates/python/resources/` (`app.py` with the exported functions,
//! `api.py` with the resource class, named after its interface as
//! componentize-py requires; the `FAULT` constant filled in), built against
//! the protocol's `guest` world.
//!
//! Everything the driver runs writes inside the witness cache: the venv
//! (`<cache>/toolchains/python-venv`, pip without its download cache), the
//! guest's sources, and componentize-py's temporary files (`TMPDIR`).

mod bench;
mod guest_resources;

use super::{
    GuestError, GuestLanguage, GuestSpec, Protocol as GuestProtocol, ProtocolWorld, ResourcesSpec,
    ToolchainInfo,
};
use crate::disk::Cache;
use crate::toolchain::{self, ToolchainError};
use crate::ty::MemberKind;
use crate::wit_text;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// The componentize-py release witness installs and builds with.
pub const COMPONENTIZE_PY_VERSION: &str = "0.25.1";

/// The venv's directory name under `<cache>/toolchains`.
const VENV_DIR: &str = "python-venv";
/// Written into the venv once pip has finished, with the installed version,
/// sealed (see [`crate::disk::write_verified`]): a venv without it (or with
/// a damaged one) was interrupted half-way or is not to be trusted, and is
/// rebuilt.
pub(super) const VENV_MARKER: &str = "witness-componentize-py-version.sealed";
/// The Python module holding the echo (componentize-py's `APP_NAME`).
const APP_MODULE: &str = "app";
/// Where the generated bindings are kept in a guest's sources, for readers;
/// componentize-py generates its own copy when it builds.
const BINDINGS_DIR: &str = "bindings";
/// componentize-py's default name for the bindings' top-level module.
const WORLD_MODULE: &str = "wit_world";
const WORLD_FILE: &str = "world.wit";
const OUTPUT_FILE: &str = "component.wasm";

/// The resources guest's modules: `(file, text)`.
const RESOURCES_MODULES: &[(&str, &str)] = &[
    (
        "app.py",
        include_str!("../../templates/python/resources/app.py"),
    ),
    (
        "api.py",
        include_str!("../../templates/python/resources/api.py"),
    ),
];
/// The line of the resources template that the driver rewrites.
const FAULT_LINE: &str = "FAULT = \"none\"";

/// Python keywords and builtins, for the name generator.
#[rustfmt::skip]
const KEYWORDS: &[&str] = &[
    "class", "def", "lambda", "global", "nonlocal", "del", "pass", "raise", "except", "finally",
    "assert", "elif", "is", "not", "and", "or", "dict", "set", "object", "id", "hash", "iter",
    "next", "float", "bytes", "cls", "input", "open", "format", "repr", "sum", "all", "vars", "dir",
    "ord", "chr", "exec", "eval",
];

/// Python guests, built with componentize-py.
pub struct PythonGuest {
    /// The `PATH` to look for `python3` on; `None` for the process's own.
    search_path: Option<OsString>,
    /// Set by `prepare`: where the venv and the temporary directory are.
    prepared: Mutex<Option<Prepared>>,
}

#[derive(Debug, Clone)]
struct Prepared {
    venv: PathBuf,
    tmp: PathBuf,
}

impl Default for PythonGuest {
    fn default() -> Self {
        PythonGuest::new()
    }
}

impl PythonGuest {
    /// A driver that finds `python3` on the process's `PATH`.
    pub fn new() -> PythonGuest {
        PythonGuest {
            search_path: None,
            prepared: Mutex::new(None),
        }
    }

    /// A driver that finds `python3` on `search_path` (a `PATH`-style list of
    /// directories) instead of the process's `PATH`.
    pub fn with_search_path(search_path: impl Into<OsString>) -> PythonGuest {
        PythonGuest {
            search_path: Some(search_path.into()),
            prepared: Mutex::new(None),
        }
    }

    fn prepared(&self) -> Result<Prepared, GuestError> {
        self.prepared.lock().unwrap_or_else(|e| e.into_inner()).clone().ok_or_else(|| {
            GuestError::Toolchain(ToolchainError::Missing {
                what: "the componentize-py venv".into(),
                fix: "call `prepare` (GuestBuilder::new does) before generating or building Python guests".into(),
            })
        })
    }

    /// A componentize-py command, with an environment that does not depend
    /// on the caller's: its own venv, temporary files in the cache.
    fn componentize_py(&self, prepared: &Prepared, dir: &Path) -> Command {
        let mut cmd = Command::new(venv_bin(&prepared.venv, "componentize-py"));
        cmd.current_dir(dir)
            .env("VIRTUAL_ENV", &prepared.venv)
            .env("TMPDIR", &prepared.tmp)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env_remove("PYTHONPATH")
            .env_remove("PYTHONHOME")
            .env_remove("PYTHONSTARTUP")
            .env_remove("PYTHONUSERBASE")
            // componentize-py is written in Rust: a backtrace would bury its
            // error message in the error tail.
            .env_remove("RUST_BACKTRACE")
            .env_remove("RUST_LIB_BACKTRACE");
        cmd
    }
}

impl GuestLanguage for PythonGuest {
    fn name(&self) -> &'static str {
        "python"
    }

    fn title(&self) -> &'static str {
        "Python"
    }

    fn protocols(&self) -> &'static [GuestProtocol] {
        &[
            GuestProtocol::Echo,
            GuestProtocol::Resources,
            GuestProtocol::Bench,
        ]
    }

    fn keywords(&self) -> &'static [&'static str] {
        KEYWORDS
    }

    fn echoes_resources(&self) -> bool {
        true
    }

    fn echoes_guest_resources(&self) -> bool {
        true
    }

    fn revision(&self) -> u32 {
        2
    }

    fn prepare(&self, cache: &Cache) -> Result<ToolchainInfo, GuestError> {
        let toolchains = cache
            .dir("toolchains")
            .map_err(GuestError::io(cache.root()))?;
        let tmp = cache.dir("tmp").map_err(GuestError::io(cache.root()))?;
        let venv = toolchains.join(VENV_DIR);
        {
            let lock_path = toolchains.join(format!("{VENV_DIR}.lock"));
            let lock = std::fs::File::create(&lock_path).map_err(GuestError::io(&lock_path))?;
            // Held until the end of this block: one install at a time, and
            // no one reads a venv that is being installed.
            lock.lock().map_err(GuestError::io(&lock_path))?;
            if !venv_is_ready(&venv) {
                self.install(&venv, &tmp)?;
            }
        }
        let python = toolchain::version_line(&venv_bin(&venv, "python"), &["--version"])?;
        let componentize_py =
            toolchain::version_line(&venv_bin(&venv, "componentize-py"), &["--version"])?;
        *self.prepared.lock().unwrap_or_else(|e| e.into_inner()) = Some(Prepared { venv, tmp });
        Ok(ToolchainInfo {
            versions: vec![
                ("python".into(), python),
                ("componentize-py".into(), componentize_py),
            ],
        })
    }

    fn generate(&self, spec: &GuestSpec<'_>, dir: &Path) -> Result<(), GuestError> {
        let bindings = self.write_bindings(dir, spec.wit, wit_text::WORLD)?;
        let app = app_py(spec, &bindings).map_err(|message| GuestError::Bindgen {
            lang: "python",
            message,
        })?;
        let write = |path: PathBuf, text: &str| {
            std::fs::write(&path, text).map_err(|e| GuestError::Io { path, source: e })
        };
        write(dir.join(format!("{APP_MODULE}.py")), &app)?;
        // componentize-py imports a top-level module named after each
        // exported interface, for its resource classes: the guest
        // resources' (see `guest_resources`), if the world has any.
        for module in &bindings.export_modules {
            let text = if module == guest_resources::MODULE && spec.world.has_guest_resources() {
                guest_resources::module(spec, &bindings.export_classes).map_err(|message| {
                    GuestError::Bindgen {
                        lang: "python",
                        message,
                    }
                })?
            } else {
                "# No resources: the echo's functions are in app.py.\n".to_string()
            };
            write(dir.join(format!("{module}.py")), &text)?;
        }
        Ok(())
    }

    /// `world.wit` in `dir` is `world`'s text (written by `generate`).
    fn build(
        &self,
        dir: &Path,
        world: &ProtocolWorld<'_>,
        _cache: &Cache,
    ) -> Result<Vec<u8>, GuestError> {
        self.componentize_world(dir, WORLD_FILE, world.world)
    }

    fn generate_resources(&self, spec: &ResourcesSpec<'_>, dir: &Path) -> Result<(), GuestError> {
        // The bindings, for whoever reads the guest (componentize-py makes
        // its own when it builds), and to check that the templates' modules
        // are where componentize-py will look for them.
        let bindings = self.write_bindings(dir, spec.world.wit, spec.world.world)?;
        for (file, _) in RESOURCES_MODULES {
            let module = file.trim_end_matches(".py");
            if module != APP_MODULE && !bindings.export_modules.iter().any(|m| m == module) {
                return Err(GuestError::Bindgen {
                    lang: "python",
                    message: format!(
                        "the bindings have no exported interface module `{module}`, which the resources template {file} is for (they have {:?})",
                        bindings.export_modules
                    ),
                });
            }
        }
        let fault = spec.fault;
        for (file, text) in RESOURCES_MODULES {
            let text = if text.contains(FAULT_LINE) {
                text.replacen(FAULT_LINE, &format!("FAULT = {fault:?}"), 1)
            } else {
                text.to_string()
            };
            let path = dir.join(file);
            std::fs::write(&path, text).map_err(GuestError::io(&path))?;
        }
        Ok(())
    }

    fn resources_fingerprint(&self) -> Vec<u8> {
        RESOURCES_MODULES
            .iter()
            .flat_map(|(file, text)| [file.as_bytes(), text.as_bytes()].concat())
            .collect()
    }

    fn bench(&self, cache: &Cache) -> Result<super::fixed::BenchGuests, GuestError> {
        bench::build(self, cache)
    }
}

impl PythonGuest {
    /// Writes `wit` to `dir/world.wit`, runs `componentize-py bindings` for
    /// `world` into `dir/bindings`, and reads what it generated.
    fn write_bindings(&self, dir: &Path, wit: &str, world: &str) -> Result<Bindings, GuestError> {
        let prepared = self.prepared()?;
        let path = dir.join(WORLD_FILE);
        std::fs::write(&path, wit).map_err(GuestError::io(&path))?;
        let mut cmd = self.componentize_py(&prepared, dir);
        cmd.args([
            "-q",
            "-d",
            WORLD_FILE,
            "-w",
            world,
            "bindings",
            BINDINGS_DIR,
        ]);
        match toolchain::run(&mut cmd) {
            Ok(_) => {}
            Err(ToolchainError::Failed { output, .. }) => {
                return Err(GuestError::Bindgen {
                    lang: "python",
                    message: output,
                });
            }
            Err(e) => return Err(e.into()),
        }
        Bindings::read(&dir.join(BINDINGS_DIR).join(WORLD_MODULE))
    }

    /// Runs `componentize-py componentize app` in `dir` for `world` of the
    /// WIT file `wit_file` (relative to `dir`) and returns the component.
    /// Also used for the benchmark guest (see [`crate::bench`]).
    pub(crate) fn componentize_world(
        &self,
        dir: &Path,
        wit_file: &str,
        world: &str,
    ) -> Result<Vec<u8>, GuestError> {
        let prepared = self.prepared()?;
        let mut cmd = self.componentize_py(&prepared, dir);
        cmd.args([
            "-q",
            "-d",
            wit_file,
            "-w",
            world,
            "componentize",
            APP_MODULE,
            "-p",
        ])
        .arg(dir)
        .args(["-o", OUTPUT_FILE]);
        match toolchain::run(&mut cmd) {
            Ok(_) => {}
            Err(ToolchainError::Failed { output, .. }) => {
                return Err(GuestError::Build {
                    lang: "python",
                    dir: dir.to_path_buf(),
                    log: output,
                });
            }
            Err(e) => return Err(e.into()),
        }
        let output = dir.join(OUTPUT_FILE);
        let bytes = std::fs::read(&output).map_err(GuestError::io(&output))?;
        // The caller stores its own copy; do not keep 18 MB twice.
        std::fs::remove_file(&output).map_err(GuestError::io(&output))?;
        Ok(bytes)
    }
}

impl PythonGuest {
    /// Creates the venv at `venv` (replacing whatever is there) and installs
    /// componentize-py into it.
    fn install(&self, venv: &Path, tmp: &Path) -> Result<(), GuestError> {
        let python3 = self.find("python3").ok_or_else(|| ToolchainError::Missing {
            what: "the program `python3` (not found on PATH), which witness needs to install componentize-py".into(),
            fix: "install Python 3 with its venv module (Debian: `apt-get install python3 python3-venv`) \
                  so that `python3` is on PATH"
                .into(),
        })?;
        if venv.exists() {
            std::fs::remove_dir_all(venv).map_err(GuestError::io(venv))?;
        }
        eprintln!(
            "witness: installing componentize-py {COMPONENTIZE_PY_VERSION} into {}",
            venv.display()
        );
        let mut cmd = Command::new(&python3);
        cmd.args(["-m", "venv"]).arg(venv);
        self.installer_env(&mut cmd, tmp);
        if let Err(e) = toolchain::run(&mut cmd) {
            return Err(ToolchainError::Missing {
                what: format!("a working venv module for {}", python3.display()),
                fix: format!(
                    "install Python's venv module (Debian: `apt-get install python3-venv`); \
                     creating {} failed with:\n{e}",
                    venv.display()
                ),
            }
            .into());
        }
        let mut cmd = Command::new(venv_bin(venv, "python"));
        cmd.args([
            "-m",
            "pip",
            "install",
            "--no-cache-dir",
            "--disable-pip-version-check",
            "--no-input",
        ])
        .arg(format!("componentize-py=={COMPONENTIZE_PY_VERSION}"));
        self.installer_env(&mut cmd, tmp);
        if let Err(e) = toolchain::run(&mut cmd) {
            return Err(ToolchainError::Missing {
                what: format!("componentize-py {COMPONENTIZE_PY_VERSION}"),
                fix: format!(
                    "witness installs it from PyPI with pip, which failed (is PyPI reachable?). \
                     Install it yourself with `{} -m pip install componentize-py=={COMPONENTIZE_PY_VERSION}`, \
                     or delete {} to start over. pip reported:\n{e}",
                    venv_bin(venv, "python").display(),
                    venv.display()
                ),
            }
            .into());
        }
        let marker = venv.join(VENV_MARKER);
        crate::disk::write_verified(&marker, COMPONENTIZE_PY_VERSION.as_bytes())
            .map_err(GuestError::io(&marker))?;
        if !venv_is_ready(venv) {
            return Err(ToolchainError::Missing {
                what: format!("componentize-py {COMPONENTIZE_PY_VERSION}"),
                fix: format!(
                    "pip installed it into {}, but `componentize-py --version` does not report \
                     {COMPONENTIZE_PY_VERSION}; delete that directory and try again",
                    venv.display()
                ),
            }
            .into());
        }
        Ok(())
    }

    fn installer_env(&self, cmd: &mut Command, tmp: &Path) {
        cmd.env("TMPDIR", tmp)
            .env_remove("PYTHONPATH")
            .env_remove("PYTHONHOME")
            .env_remove("VIRTUAL_ENV")
            .env_remove("PIP_REQUIRE_VIRTUALENV");
        if let Some(path) = &self.search_path {
            cmd.env("PATH", path);
        }
    }

    /// `name` on this driver's search path.
    fn find(&self, name: &str) -> Option<PathBuf> {
        toolchain::which_in(name, self.search_path.as_deref())
    }
}

/// A program in the venv.
fn venv_bin(venv: &Path, name: &str) -> PathBuf {
    if cfg!(windows) {
        venv.join("Scripts").join(format!("{name}.exe"))
    } else {
        venv.join("bin").join(name)
    }
}

/// Whether `venv`'s install marker is intact and names the pinned version
/// (a damaged marker is dropped, and the venv reinstalled).
pub(super) fn venv_marker_is_current(venv: &Path) -> bool {
    crate::disk::read_verified(&venv.join(VENV_MARKER))
        .ok()
        .flatten()
        .is_some_and(|marker| marker == COMPONENTIZE_PY_VERSION.as_bytes())
}

/// Whether `venv` holds a finished install of the pinned componentize-py.
fn venv_is_ready(venv: &Path) -> bool {
    venv_marker_is_current(venv)
        && toolchain::version_line(&venv_bin(venv, "componentize-py"), &["--version"])
            .is_ok_and(|v| v.split_whitespace().last() == Some(COMPONENTIZE_PY_VERSION))
}

/// What the driver needs from componentize-py's generated bindings.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Bindings {
    /// The `Protocol` classes of the exported interfaces.
    protocols: Vec<Protocol>,
    /// The modules under `exports/` (one per exported interface).
    export_modules: Vec<String>,
    /// The modules under `imports/`.
    import_modules: Vec<String>,
    /// The classes of `imports/types.py` (the host's resources) with the
    /// names of their methods, in order.
    import_classes: Vec<(String, Vec<String>)>,
    /// The resource classes of `exports/api.py` (the guest's resources).
    export_classes: Vec<guest_resources::ExportClass>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Protocol {
    class: String,
    methods: Vec<Method>,
}

/// A method of an export `Protocol`, with its names as generated.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Method {
    name: String,
    /// The parameters after `self`.
    params: Vec<String>,
}

impl Bindings {
    /// Reads the bindings under `world_module` (the `wit_world` directory).
    fn read(world_module: &Path) -> Result<Bindings, GuestError> {
        let exports = world_module.join("exports");
        let init = exports.join("__init__.py");
        let text = std::fs::read_to_string(&init).map_err(GuestError::io(&init))?;
        let protocols = parse_protocols(&text).map_err(|message| GuestError::Bindgen {
            lang: "python",
            message: format!("unexpected bindings in {}: {message}", init.display()),
        })?;
        let types = world_module.join("imports").join("types.py");
        let import_classes = match std::fs::read_to_string(&types) {
            Ok(text) => parse_classes(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => {
                return Err(GuestError::Io {
                    path: types,
                    source: e,
                });
            }
        };
        let api = exports.join(format!("{}.py", guest_resources::MODULE));
        let export_classes = match std::fs::read_to_string(&api) {
            Ok(text) => guest_resources::parse_export_classes(&text).map_err(|message| {
                GuestError::Bindgen {
                    lang: "python",
                    message: format!("unexpected bindings in {}: {message}", api.display()),
                }
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => {
                return Err(GuestError::Io {
                    path: api,
                    source: e,
                });
            }
        };
        Ok(Bindings {
            protocols,
            export_modules: modules_in(&exports)?,
            import_modules: modules_in(&world_module.join("imports"))?,
            import_classes,
            export_classes,
        })
    }

    /// The Python names of resource `resource` of `types` and of its
    /// member `member` (`None` for the constructor): names are matched as
    /// the echo's methods are, ignoring case, `-`/`_` and a trailing `_`.
    fn member_names(&self, resource: &str, member: Option<&str>) -> Option<(String, String)> {
        let key = |s: &str| {
            s.trim_end_matches('_')
                .replace(['-', '_'], "")
                .to_lowercase()
        };
        let (class, methods) = self
            .import_classes
            .iter()
            .find(|(c, _)| key(c) == key(resource))?;
        let method = match member {
            None => String::new(),
            Some(m) => methods.iter().find(|n| key(n) == key(m))?.clone(),
        };
        Some((class.clone(), method))
    }
}

/// The top-level `class X:` blocks of a generated module and the names of
/// the methods defined in them.
fn parse_classes(text: &str) -> Vec<(String, Vec<String>)> {
    let mut classes: Vec<(String, Vec<String>)> = Vec::new();
    let mut in_class = false;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("class ") {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            classes.push((name, Vec::new()));
            in_class = true;
        } else if !line.is_empty() && !line.starts_with(char::is_whitespace) {
            in_class = false;
        } else if in_class && let Some(def) = line.trim_start().strip_prefix("def ") {
            let name: String = def
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            classes.last_mut().expect("in a class").1.push(name);
        }
    }
    classes
}

/// The names of the `.py` modules in `dir` (but `__init__`), sorted.
fn modules_in(dir: &Path) -> Result<Vec<String>, GuestError> {
    let mut modules = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(modules),
        Err(e) => {
            return Err(GuestError::Io {
                path: dir.to_path_buf(),
                source: e,
            });
        }
    };
    for entry in entries {
        let entry = entry.map_err(GuestError::io(dir))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(module) = name.strip_suffix(".py")
            && module != "__init__"
        {
            modules.push(module.to_string());
        }
    }
    modules.sort();
    Ok(modules)
}

/// The `class X(Protocol):` blocks of a generated `exports/__init__.py` and
/// the `def` lines in them.
fn parse_protocols(text: &str) -> Result<Vec<Protocol>, String> {
    let mut protocols: Vec<Protocol> = Vec::new();
    let mut in_class = false;
    for (n, line) in text.lines().enumerate() {
        if let Some(class) = line
            .strip_prefix("class ")
            .and_then(|l| l.strip_suffix("(Protocol):"))
        {
            protocols.push(Protocol {
                class: class.trim().to_string(),
                methods: Vec::new(),
            });
            in_class = true;
        } else if !line.is_empty() && !line.starts_with(char::is_whitespace) {
            in_class = false;
        } else if in_class && let Some(def) = line.trim_start().strip_prefix("def ") {
            let method = parse_def(def).map_err(|e| format!("line {}: {e}: {line}", n + 1))?;
            protocols
                .last_mut()
                .expect("in a class")
                .methods
                .push(method);
        } else if in_class && line.trim_start().starts_with("async def ") {
            return Err(format!(
                "line {}: async methods are not supported: {line}",
                n + 1
            ));
        }
    }
    Ok(protocols)
}

/// `name(self, a: T, b: Tuple[U, V]) -> R:` (after `def `).
fn parse_def(def: &str) -> Result<Method, String> {
    let open = def.find('(').ok_or("no parameter list")?;
    let name = def[..open].trim().to_string();
    let mut depth = 0i32;
    let mut params = Vec::new();
    let mut start = open + 1;
    let mut close = None;
    for (i, c) in def.char_indices().skip_while(|(i, _)| *i <= open) {
        match c {
            '[' | '(' => depth += 1,
            ']' | ')' if depth > 0 => depth -= 1,
            ')' => {
                params.push(&def[start..i]);
                close = Some(i);
                break;
            }
            ',' if depth == 0 => {
                params.push(&def[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    close.ok_or("the parameter list does not end on this line")?;
    let mut names = params
        .into_iter()
        .map(|p| p.split(':').next().unwrap_or("").trim())
        .filter(|p| !p.is_empty())
        .map(str::to_string);
    if names.next().as_deref() != Some("self") {
        return Err("a method without `self`".into());
    }
    let is_identifier = |s: &str| {
        s.chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
            && s.chars().all(|c| c.is_alphanumeric() || c == '_')
    };
    let params: Vec<String> = names.collect();
    if let Some(bad) = std::iter::once(&name)
        .chain(&params)
        .find(|s| !is_identifier(s))
    {
        return Err(format!("`{bad}` is not a Python identifier"));
    }
    Ok(Method { name, params })
}

/// The echo app: a class per exported `Protocol`, each method returning
/// `upstream`'s answer (or running an override).
fn app_py(spec: &GuestSpec<'_>, bindings: &Bindings) -> Result<String, String> {
    // An `api` of guest resources only has no functions, and no class.
    let empty = Protocol {
        class: String::new(),
        methods: Vec::new(),
    };
    let protocol = match bindings.protocols.as_slice() {
        [] if spec.world.api_funcs().next().is_none() => &empty,
        [protocol] => protocol,
        _ => {
            return Err(format!(
                "expected one exported interface (`api`) in the bindings, found classes {:?}",
                bindings
                    .protocols
                    .iter()
                    .map(|p| &p.class)
                    .collect::<Vec<_>>()
            ));
        }
    };
    let world = spec.world;
    let api_funcs: Vec<&crate::ty::Func> = world.api_funcs().collect();
    if protocol.methods.len() != api_funcs.len() {
        return Err(format!(
            "the bindings' `{}` has {} methods, the world has {} functions",
            protocol.class,
            protocol.methods.len(),
            api_funcs.len()
        ));
    }
    let destructors: Vec<String> = world
        .guest_resources()
        .map(|g| crate::ty::Member::destructor_name(&world.def(g).name))
        .collect();
    if let Some((f, _)) = spec
        .overrides
        .iter()
        .find(|(f, _)| !spec.world.funcs.iter().any(|g| &g.name == f) && !destructors.contains(f))
    {
        return Err(format!(
            "an override names the function `{f}`, which the world does not have"
        ));
    }
    let upstream = wit_text::UPSTREAM.rsplit('/').next().unwrap_or("upstream");
    let has_upstream =
        spec.world.upstream_funcs().next().is_some() || spec.world.has_guest_resources();
    if has_upstream && !bindings.import_modules.iter().any(|m| m == upstream) {
        return Err(format!(
            "the bindings have no module for the import `{}`",
            wit_text::UPSTREAM
        ));
    }
    let types = wit_text::TYPES.rsplit('/').next().unwrap_or("types");
    if bindings.export_modules.iter().any(|m| m == APP_MODULE) {
        return Err(format!(
            "an exported interface's module is named `{APP_MODULE}` like the app"
        ));
    }

    let mut out = String::new();
    out.push_str(&format!(
        "# Echo guest generated by witness: every `api` function returns what\n\
         # `upstream` answers to the same arguments. Method and parameter names\n\
         # are those of componentize-py's bindings (see {BINDINGS_DIR}/).\n\
         # Rebuild: componentize-py -d {WORLD_FILE} -w {world} componentize {APP_MODULE} -o out.wasm\n\
         #\n\
         # Every name this module defines starts with `_`, which no WIT name can,\n\
         # so that no parameter hides one.\n\
         import {WORLD_MODULE} as _{WORLD_MODULE}\n\
         from {WORLD_MODULE} import exports as _exports\n",
        world = wit_text::WORLD,
    ));
    if has_upstream {
        out.push_str(&format!(
            "from {WORLD_MODULE}.imports import {upstream} as _upstream\n"
        ));
    }
    if bindings.import_modules.iter().any(|m| m == types) {
        out.push_str(&format!(
            "from {WORLD_MODULE}.imports import {types} as _types\n"
        ));
    }
    out.push_str("from componentize_py_types import Ok as _Ok, Err as _Err, Some as _Some\n");
    if world.has_guest_resources() {
        let _ = writeln!(out, "import {} as _api", guest_resources::MODULE);
        out.push_str("from api import _made\n");
    }
    out.push_str("\n\n");
    out.push_str(&format!(
        "class WitWorld(_{WORLD_MODULE}.WitWorld):\n    pass\n\n\n"
    ));
    if !protocol.class.is_empty() {
        let _ = writeln!(out, "class {0}(_exports.{0}):", protocol.class);
    }
    if protocol.methods.is_empty() && !protocol.class.is_empty() {
        out.push_str("    pass\n");
    }
    for (method, func) in protocol.methods.iter().zip(api_funcs) {
        if method.name.trim_end_matches('_').to_lowercase()
            != func.name.replace('-', "_").to_lowercase()
            || method.params.len() != func.params.len()
        {
            return Err(format!(
                "the bindings' method `{}` with {} parameters does not match the world's function `{}` with {}",
                method.name,
                method.params.len(),
                func.name,
                func.params.len()
            ));
        }
        let _ = writeln!(
            out,
            "    def {}(_self{}):",
            method.name,
            method
                .params
                .iter()
                .map(|p| format!(", {p}"))
                .collect::<String>()
        );
        match spec.overrides.iter().find(|(f, _)| *f == func.name) {
            Some((_, source)) => {
                let _ = writeln!(
                    out,
                    "        # witness: an override replaces the echo of `{}`.",
                    func.name
                );
                for line in source.lines() {
                    let _ = writeln!(out, "        {line}");
                }
            }
            None => match spec.world.host_member_of(&func.name) {
                None => {
                    let args = method
                        .params
                        .iter()
                        .zip(&func.params)
                        .map(|(p, wit)| guest_resources::to_ids(world, &wit.ty, p, 0, "_api."))
                        .collect::<Result<Vec<_>, _>>()?;
                    let call = format!("_upstream.{}({})", method.name, args.join(", "));
                    for line in
                        guest_resources::forward(world, func.result.as_ref(), call, "_api.")?
                    {
                        let _ = writeln!(out, "        {line}");
                    }
                }
                Some((r, member)) => {
                    let resource = &spec.world.def(r).name;
                    let wanted =
                        (member.kind != MemberKind::Constructor).then_some(member.name.as_str());
                    let (class, name) = bindings.member_names(resource, wanted).ok_or_else(|| {
                        format!(
                            "the bindings have no class for resource `{resource}` with a method for `{}`",
                            member.name
                        )
                    })?;
                    let call = match member.kind {
                        MemberKind::Constructor => {
                            format!("_types.{class}({})", method.params.join(", "))
                        }
                        MemberKind::Static => {
                            format!("_types.{class}.{name}({})", method.params.join(", "))
                        }
                        MemberKind::Method => format!(
                            "{}.{name}({})",
                            method.params[0],
                            method.params[1..].join(", ")
                        ),
                    };
                    let _ = writeln!(out, "        return {call}");
                }
            },
        }
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
