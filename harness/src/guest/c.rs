//! The C guest driver: bindings from `wit-bindgen-c` (the generator behind
//! `wit-bindgen c`, linked in as a library), compiled by `zig cc` for
//! `wasm32-wasi` as a reactor, then turned into a component in-process by
//! `wit-component` with the WASI preview1 reactor adapter.
//!
//! The generator writes `<world>.h`, `<world>.c` and
//! `<world>_component_type.o` (the world's type, which the linker keeps as a
//! custom section and `wit-component` reads back), exactly what `wit-bindgen
//! c` writes. The driver adds one file of its own, `witness_echo.c`, which
//! defines every exported `api` function as the echo. It takes each
//! function's C name from the generator's own naming function
//! ([`wit_bindgen_c::c_func_name`]) and its C prototype from the generated
//! header, so no C naming or signature rule is guessed: the echo forwards
//! the export's C parameters, in order, to the import of the same name. The
//! generator names an anonymous type once per interface (`api`'s
//! `list<chunk>` and `upstream`'s are two typedefs of one layout); where the
//! two sides' types are not the same typedef chain, the echo casts the
//! pointer.
//!
//! # Memory ownership (wit-bindgen-c's rules, and what the echo does)
//!
//! From the crate's README ("Memory Ownership") and its source (0.63.0):
//!
//! - **Export arguments are owned by the export.** The generated wrapper
//!   (`__wasm_export_*`) lifts the arguments into values whose strings and
//!   lists point at memory allocated by the canonical ABI through
//!   `cabi_realloc` (`realloc`), calls the user's function and frees
//!   nothing: the function must free them with the generated `*_free`
//!   helpers (`<type>_free`, defined only for types that hold memory).
//!   A flattened `option<T>` parameter (`T *maybe_x`, `NULL` for `none`)
//!   points at the wrapper's local copy; the payload's memory is still the
//!   function's.
//! - **Import arguments are borrowed.** The import wrapper lowers them
//!   without modifying or freeing them (the callee copies them into its own
//!   memory); the caller frees them when it is done.
//! - **Import results are owned by the caller**, who frees them with the
//!   `*_free` helpers. They are allocated in the caller's memory through
//!   `cabi_realloc`.
//! - **Export results are handed over.** The function allocates them (with
//!   `malloc`/`realloc`, never static data); the generated `cabi_post_*`
//!   (called by the host after the export returns) frees every string and
//!   list in them.
//!
//! So the echo is `r = upstream_f(args..., outs...); free(args); return r;`:
//! the export's arguments are lent to the import and freed right after, and
//! the import's result is written straight into the export's out-parameters
//! (or returned), moving its ownership to the `cabi_post_*` function. Every
//! allocation is freed exactly once, by generated code or by the `*_free`
//! helpers the generator wrote, so a leak or double free in the generated
//! code shows up as a finding, not the echo's own.
//!
//! Functions that carry handles of resources the guest defines, and the
//! members of those resources, are echoed by [`guest_resources`]: values
//! are converted between the export's handles and the import's ids.
//!
//! An override ([`GuestSpec::overrides`]) is the body of the C function, in
//! braces the driver writes: it sees the parameters under their generated
//! names (`p`, `name`, `maybe_x`, out-parameters `ret`, `err`, `ret0`..) and
//! must follow the same rules.
//!
//! A resources guest ([`crate::resources`]) is the hand-written
//! `templates/c/resources/guest_impl.c` (its `FAULT` line filled in) beside
//! the bindings for the protocol's `guest` world. Every C file of a
//! resources guest is compiled with `-include witness_alloc.h`, which routes
//! `malloc`/`free`/`realloc`/`calloc` through counting wrappers, so that the
//! guest can report its live heap bytes and objects, generated code
//! included.
//!
//! Toolchain: `zig` from PyPI's `ziglang` wheel (pinned), installed by
//! witness into a venv under `<cache>/toolchains`, with its caches under
//! `<cache>/zig-cache` (the first compile builds zig's wasi-libc there,
//! about a minute).

mod bench;
mod guest_resources;

use super::{
    GuestError, GuestLanguage, GuestSpec, Protocol, ProtocolWorld, ResourcesSpec, ToolchainInfo,
};
use crate::disk::Cache;
use crate::toolchain::{self, ToolchainError};
use crate::ty::{CaseWorld, Ty, TypeDefKind};
use crate::wit_text;
use guest_resources::GuestCall;
use std::collections::{BTreeMap, HashMap};
use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Mutex;

mod toolchain_zig;
use toolchain_zig::ZigTools;

/// The version of `wit-bindgen-c` linked into witness (checked against
/// Cargo.lock by a test).
pub const WIT_BINDGEN_C_VERSION: &str = "0.63.0";

/// The PyPI `ziglang` release witness installs and compiles with.
pub const ZIGLANG_VERSION: &str = "0.17.0";

/// The zig target triple (zig 0.17 spells WASI preview1 `wasi`).
pub const TARGET: &str = "wasm32-wasi";

/// The flags every C guest is compiled with (`-s`: no debug information
/// and names; the world's custom section stays).
const CFLAGS: &[&str] = &["-target", TARGET, "-mexec-model=reactor", "-O2", "-s"];

/// Where a guest's sources keep the world they were generated from, for
/// whoever reads them (the core module carries its own copy, from the
/// generator's `*_component_type.o`).
const WORLD_FILE: &str = "wit/world.wit";
/// The file the echo is written to.
const ECHO_FILE: &str = "witness_echo.c";
/// The core module `zig cc` writes.
const CORE_WASM: &str = "core.wasm";

/// The resources guest's code.
const RESOURCES_GUEST: &str = include_str!("../../templates/c/resources/guest_impl.c");
const RESOURCES_GUEST_FILE: &str = "guest_impl.c";
/// The counting allocator every resources guest file is compiled with.
const ALLOC_HEADER: &str = include_str!("../../templates/c/resources/witness_alloc.h");
const ALLOC_HEADER_FILE: &str = "witness_alloc.h";
/// The line of the resources template that the driver rewrites.
const FAULT_LINE: &str = "#define FAULT \"none\"";

/// C guests, compiled with zig.
#[derive(Debug, Default)]
pub struct CGuest {
    /// Where to look for `python3`; `None` means the `PATH` of the process.
    search_path: Option<OsString>,
    tools: Mutex<Option<ZigTools>>,
}

impl CGuest {
    pub fn new() -> CGuest {
        CGuest::default()
    }

    /// A driver that looks for `python3` in `search_path` (a `PATH`-style
    /// list) instead of the process's `PATH`.
    pub fn with_search_path(search_path: impl Into<OsString>) -> CGuest {
        CGuest {
            search_path: Some(search_path.into()),
            tools: Mutex::new(None),
        }
    }

    fn tools(&self, cache: &Cache) -> Result<ZigTools, GuestError> {
        let mut tools = self.tools.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(tools) = &*tools {
            return Ok(tools.clone());
        }
        let found = ZigTools::prepare(cache, self.search_path.as_deref())?;
        *tools = Some(found.clone());
        Ok(found)
    }

    /// Compiles every `.c` file in `dir` (and every `.o`) into a reactor
    /// core module, `core.wasm` in `dir`, and returns its bytes. With
    /// `witness_alloc.h` in `dir`, every file is compiled with it included
    /// first. Also used for the benchmark guests (see [`crate::bench`]).
    pub(crate) fn build_core_module(
        &self,
        dir: &Path,
        cache: &Cache,
    ) -> Result<Vec<u8>, GuestError> {
        let tools = self.tools(cache)?;
        let mut inputs: Vec<String> = std::fs::read_dir(dir)
            .map_err(GuestError::io(dir))?
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|name| name.ends_with(".c") || name.ends_with(".o"))
            .collect();
        inputs.sort();
        let mut cmd = tools.zig_command(dir);
        cmd.arg("cc").args(CFLAGS);
        if dir.join(ALLOC_HEADER_FILE).is_file() {
            cmd.args(["-include", ALLOC_HEADER_FILE]);
        }
        cmd.args(["-I", "."]).args(&inputs).args(["-o", CORE_WASM]);
        match toolchain::run(&mut cmd) {
            Ok(_) => {}
            Err(ToolchainError::Failed {
                command, output, ..
            }) => {
                return Err(GuestError::Build {
                    lang: "c",
                    dir: dir.to_path_buf(),
                    log: format!("$ {command}\n{output}"),
                });
            }
            Err(e) => return Err(e.into()),
        }
        let core_path = dir.join(CORE_WASM);
        std::fs::read(&core_path).map_err(GuestError::io(&core_path))
    }
}

/// C keywords (C23 and GNU C included), common library names and typedefs,
/// for the name generator (kebab-case: the bindings spell them snake_case).
#[rustfmt::skip]
const KEYWORDS: &[&str] = &[
    "auto", "double", "long", "register", "restrict", "short", "signed", "sizeof", "typedef",
    "unsigned", "void", "volatile", "inline", "typeof", "alignas", "alignof", "static-assert",
    "thread-local", "nullptr", "constexpr", "noreturn", "errno", "malloc", "free", "size-t",
    "null",
];

impl GuestLanguage for CGuest {
    fn name(&self) -> &'static str {
        "c"
    }

    fn title(&self) -> &'static str {
        "C"
    }

    fn protocols(&self) -> &'static [Protocol] {
        &[Protocol::Echo, Protocol::Resources, Protocol::Bench]
    }

    fn echoes_resources(&self) -> bool {
        true
    }

    fn echoes_guest_resources(&self) -> bool {
        true
    }

    fn keywords(&self) -> &'static [&'static str] {
        KEYWORDS
    }

    fn revision(&self) -> u32 {
        5
    }

    fn prepare(&self, cache: &Cache) -> Result<ToolchainInfo, GuestError> {
        let tools = self.tools(cache)?;
        Ok(ToolchainInfo {
            versions: vec![
                (
                    "zig".into(),
                    format!("zig {} (PyPI ziglang=={ZIGLANG_VERSION})", tools.version),
                ),
                ("wit-bindgen-c".into(), WIT_BINDGEN_C_VERSION.into()),
                (
                    "wit-component".into(),
                    super::go::WIT_COMPONENT_VERSION.into(),
                ),
                (
                    "wasi-preview1 adapter".into(),
                    format!("{} (reactor)", super::go::ADAPTER_VERSION),
                ),
                ("target".into(), format!("{TARGET} reactor, {}", CFLAGS[3])),
            ],
        })
    }

    fn generate(&self, spec: &GuestSpec<'_>, dir: &Path) -> Result<(), GuestError> {
        let bindgen_err = |message: String| GuestError::Bindgen { lang: "c", message };
        let (resolve, world) =
            wit_text::resolve_echo(spec.wit).map_err(|e| bindgen_err(e.to_string()))?;
        let files = generate_bindings(&resolve, world)?;
        let header_name = format!("{}.h", resolve.worlds[world].name.replace('-', "_"));
        let header = files
            .get(&header_name)
            .and_then(|b| std::str::from_utf8(b).ok())
            .ok_or_else(|| bindgen_err(format!("it wrote no UTF-8 {header_name}")))?;
        let echo = echo_source(spec, &resolve, world, header, &header_name).map_err(bindgen_err)?;
        write_files(dir, &files)?;
        write_file(&dir.join(ECHO_FILE), echo.as_bytes())?;
        write_file(&dir.join(WORLD_FILE), spec.wit.as_bytes())
    }

    /// The world is in the bindings' component-type object the module
    /// links.
    fn build(
        &self,
        dir: &Path,
        _world: &ProtocolWorld<'_>,
        cache: &Cache,
    ) -> Result<Vec<u8>, GuestError> {
        let core = self.build_core_module(dir, cache)?;
        let component = super::componentize_reactor(&core).map_err(|e| GuestError::Build {
            lang: "c",
            dir: dir.to_path_buf(),
            log: format!("componentizing {}: {e}", dir.join(CORE_WASM).display()),
        })?;
        // The component is what is kept; the core module stays only when it failed.
        let _ = std::fs::remove_file(dir.join(CORE_WASM));
        Ok(component)
    }

    fn generate_resources(&self, spec: &ResourcesSpec<'_>, dir: &Path) -> Result<(), GuestError> {
        let bindgen_err = |message: String| GuestError::Bindgen { lang: "c", message };
        let (resolve, world) = spec.world.resolve().map_err(bindgen_err)?;
        let files = generate_bindings(&resolve, world)?;
        if !RESOURCES_GUEST.contains(FAULT_LINE) {
            return Err(bindgen_err(format!(
                "the resources template has no `{FAULT_LINE}` line"
            )));
        }
        let guest =
            RESOURCES_GUEST.replacen(FAULT_LINE, &format!("#define FAULT {:?}", spec.fault), 1);
        write_files(dir, &files)?;
        write_file(&dir.join(RESOURCES_GUEST_FILE), guest.as_bytes())?;
        write_file(&dir.join(ALLOC_HEADER_FILE), ALLOC_HEADER.as_bytes())?;
        write_file(&dir.join(WORLD_FILE), spec.world.wit.as_bytes())
    }

    fn resources_fingerprint(&self) -> Vec<u8> {
        [RESOURCES_GUEST, ALLOC_HEADER].concat().into_bytes()
    }

    fn bench(&self, cache: &Cache) -> Result<super::fixed::BenchGuests, GuestError> {
        bench::build(self, cache)
    }
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), GuestError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(GuestError::io(parent))?;
    }
    std::fs::write(path, bytes).map_err(GuestError::io(path))
}

fn write_files(dir: &Path, files: &BTreeMap<String, Vec<u8>>) -> Result<(), GuestError> {
    for (name, bytes) in files {
        write_file(&dir.join(name), bytes)?;
    }
    Ok(())
}

/// Runs wit-bindgen-c on `world` with its default options (what `wit-bindgen
/// c` does) and returns its files by name. A panic of the generator is its
/// bug, reported like any other failure.
pub(crate) fn generate_bindings(
    resolve: &wit_parser::Resolve,
    world: wit_parser::WorldId,
) -> Result<BTreeMap<String, Vec<u8>>, GuestError> {
    let bindgen_err = |message: String| GuestError::Bindgen { lang: "c", message };
    let mut resolve = resolve.clone();
    let mut files = wit_bindgen_core::Files::default();
    let generated = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        wit_bindgen_c::Opts::default()
            .build()
            .generate(&mut resolve, world, &mut files)
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
    Ok(files
        .iter()
        .map(|(name, bytes)| (name.to_string(), bytes.to_vec()))
        .collect())
}

/// One parameter of a generated C prototype.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CParam {
    /// The type without the `*` (`echo_string_t`).
    ty: String,
    pointer: bool,
    name: String,
}

/// A C prototype from the generated header, taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CProto {
    ret: String,
    name: String,
    params: Vec<CParam>,
}

impl CProto {
    /// The prototype of `name` in `header`: the one line declaring
    /// `... name(...);`.
    fn find(header: &str, name: &str) -> Result<CProto, String> {
        let call = format!(" {name}(");
        let line = header
            .lines()
            .map(str::trim)
            .find(|l| l.contains(&call) && l.ends_with(");"))
            .ok_or_else(|| format!("the generated header declares no `{name}`"))?;
        let line = line.strip_prefix("extern ").unwrap_or(line);
        let (ret, rest) = line
            .split_once(&call)
            .ok_or_else(|| format!("cannot read the prototype `{line}`"))?;
        let params_text = rest
            .strip_suffix(");")
            .ok_or_else(|| format!("cannot read the prototype `{line}`"))?;
        let mut params = Vec::new();
        if params_text.trim() != "void" && !params_text.trim().is_empty() {
            for part in params_text.split(',') {
                params
                    .push(CParam::parse(part.trim()).ok_or_else(|| {
                        format!("cannot read the parameter `{part}` of `{line}`")
                    })?);
            }
        }
        Ok(CProto {
            ret: ret.trim().to_string(),
            name: name.to_string(),
            params,
        })
    }

    /// The C definition's first line, without the brace.
    fn signature(&self) -> String {
        let params: Vec<String> = self.params.iter().map(CParam::declaration).collect();
        let params = if params.is_empty() {
            "void".to_string()
        } else {
            params.join(", ")
        };
        format!("{} {}({params})", self.ret, self.name)
    }
}

impl CParam {
    /// `echo_string_t *name`, `uint32_t x`.
    fn parse(text: &str) -> Option<CParam> {
        let name_start = text
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(0, |i| i + 1);
        let name = &text[name_start..];
        let ty = text[..name_start].trim();
        let (ty, pointer) = match ty.strip_suffix('*') {
            Some(ty) => (ty.trim(), true),
            None => (ty, false),
        };
        (!name.is_empty() && !ty.is_empty() && !ty.contains('*')).then(|| CParam {
            ty: ty.to_string(),
            pointer,
            name: name.to_string(),
        })
    }

    fn declaration(&self) -> String {
        if self.pointer {
            format!("{} *{}", self.ty, self.name)
        } else {
            format!("{} {}", self.ty, self.name)
        }
    }
}

/// The name of the generated helper that frees a value of C type `ty`,
/// when the header declares one (types that hold no memory have none).
fn free_function(header: &str, ty: &str) -> Option<String> {
    let prefix = ty.strip_suffix("_t")?;
    let name = format!("{prefix}_free");
    // The helpers' parameter is `ptr` (strings': `ret`).
    header
        .contains(&format!("void {name}({ty} *"))
        .then_some(name)
}

/// The header's `typedef A B;` lines between plain names, as `B -> A` (the
/// generator names a type once per interface that uses it: `api`'s `point`
/// is a typedef of `types`' `point`).
fn typedef_aliases(header: &str) -> HashMap<String, String> {
    let ident = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    header
        .lines()
        .filter_map(|l| l.trim().strip_prefix("typedef ")?.strip_suffix(';'))
        .filter_map(|l| {
            let (target, name) = l.trim().split_once(char::is_whitespace)?;
            let name = name.trim();
            (ident(target) && ident(name) && target != "struct")
                .then(|| (name.to_string(), target.to_string()))
        })
        .collect()
}

/// The `WorldKey`s of the echo world's `api` export, `upstream` import and
/// `types` import (none when nothing uses a named type).
fn echo_interfaces(
    resolve: &wit_parser::Resolve,
    world: wit_parser::WorldId,
) -> Result<
    (
        wit_parser::WorldKey,
        wit_parser::WorldKey,
        Option<wit_parser::WorldKey>,
    ),
    String,
> {
    let w = &resolve.worlds[world];
    let find = |keys: Vec<&wit_parser::WorldKey>, wanted: &str| {
        keys.into_iter()
            .find(|key| resolve.name_world_key(key) == wanted)
            .cloned()
            .ok_or_else(|| format!("the world has no interface `{wanted}`"))
    };
    Ok((
        find(w.exports.keys().collect(), wit_text::API)?,
        find(w.imports.keys().collect(), wit_text::UPSTREAM)?,
        find(w.imports.keys().collect(), wit_text::TYPES).ok(),
    ))
}

/// Statements that drop every `borrow` handle in `expr`, a C value of
/// `ty`: the export owns the borrows of host resources it is lent and must
/// drop them before it returns (wit-bindgen-c's `*_drop_borrow`), after the
/// import it lent them on to has returned. Own handles moved on to the
/// import are not touched.
fn borrow_drops(world: &CaseWorld, ty: &Ty, expr: &str, depth: usize, out: &mut String) {
    // A borrow of a guest resource is its representation: nothing to drop.
    let leaf = |t: &Ty, expr: &str| match t {
        Ty::Borrow(r) if !world.is_guest_resource(*r) => Some(format!(
            "witness_case_types_{}_drop_borrow({expr});",
            wit_bindgen_c::to_c_ident(&world.def(*r).name)
        )),
        _ => None,
    };
    handle_statements(
        world,
        ty,
        expr,
        depth,
        out,
        &|t| world.has_host_borrows(t),
        &leaf,
    );
}

/// One statement (`leaf`) for every handle of `expr`, a C value of `ty`,
/// walking lists, options, results, tuples, records and variants into
/// the parts that `has` handles of the kind wanted.
fn handle_statements(
    world: &CaseWorld,
    ty: &Ty,
    expr: &str,
    depth: usize,
    out: &mut String,
    has: &dyn Fn(&Ty) -> bool,
    leaf: &dyn Fn(&Ty, &str) -> Option<String>,
) {
    if !has(ty) {
        return;
    }
    let indent = "  ".repeat(depth + 1);
    let walk = |t: &Ty, e: String, depth: usize, out: &mut String| {
        handle_statements(world, t, &e, depth, out, has, leaf)
    };
    if let Some(statement) = leaf(ty, expr) {
        let _ = writeln!(out, "{indent}{statement}");
        return;
    }
    match ty {
        Ty::List(t) => {
            let i = format!("witness__i{depth}");
            let _ = writeln!(
                out,
                "{indent}for (size_t {i} = 0; {i} < ({expr}).len; {i}++) {{"
            );
            walk(t, format!("({expr}).ptr[{i}]"), depth + 1, out);
            let _ = writeln!(out, "{indent}}}");
        }
        Ty::Option(t) => {
            let _ = writeln!(out, "{indent}if (({expr}).is_some) {{");
            walk(t, format!("({expr}).val"), depth + 1, out);
            let _ = writeln!(out, "{indent}}}");
        }
        Ty::Result { ok, err } => {
            let _ = writeln!(out, "{indent}if (!({expr}).is_err) {{");
            if let Some(t) = ok {
                walk(t, format!("({expr}).val.ok"), depth + 1, out);
            }
            let _ = writeln!(out, "{indent}}} else {{");
            if let Some(t) = err {
                walk(t, format!("({expr}).val.err"), depth + 1, out);
            }
            let _ = writeln!(out, "{indent}}}");
        }
        Ty::Tuple(ts) => {
            for (i, t) in ts.iter().enumerate() {
                walk(t, format!("({expr}).f{i}"), depth, out);
            }
        }
        Ty::Named(i) => match &world.def(*i).kind {
            TypeDefKind::Alias(t) => walk(t, expr.to_string(), depth, out),
            TypeDefKind::Record(fields) => {
                for f in fields {
                    let field = wit_bindgen_c::to_c_ident(&f.name);
                    walk(&f.ty, format!("({expr}).{field}"), depth, out);
                }
            }
            TypeDefKind::Variant(cases) => {
                let _ = writeln!(out, "{indent}switch (({expr}).tag) {{");
                for (k, c) in cases.iter().enumerate() {
                    let Some(t) = c.ty.as_ref().filter(|t| has(t)) else {
                        continue;
                    };
                    let case = wit_bindgen_c::to_c_ident(&c.name);
                    let _ = writeln!(out, "{indent}  case {k}: {{");
                    walk(t, format!("({expr}).val.{case}"), depth + 2, out);
                    let _ = writeln!(out, "{indent}    break;\n{indent}  }}");
                }
                let _ = writeln!(out, "{indent}  default: break;\n{indent}}}");
            }
            _ => {}
        },
        // Fixed-length lists and maps hold no borrows in generated worlds
        // with the proposals off; with them on a borrow inside is left to
        // wasmtime's end-of-call check.
        _ => {}
    }
}

/// `witness_echo.c`: every `api` function defined as the echo (or its
/// override).
fn echo_source(
    spec: &GuestSpec<'_>,
    resolve: &wit_parser::Resolve,
    world: wit_parser::WorldId,
    header: &str,
    header_name: &str,
) -> Result<String, String> {
    let (api, upstream, types) = echo_interfaces(resolve, world)?;
    let world_name = &resolve.worlds[world].name;
    let interface = |key: &wit_parser::WorldKey| match key {
        wit_parser::WorldKey::Interface(id) => Ok(&resolve.interfaces[*id]),
        wit_parser::WorldKey::Name(n) => Err(format!("`{n}` is not an interface")),
    };
    let api_funcs = &interface(&api)?.functions;
    let upstream_funcs = &interface(&upstream)?.functions;
    let types_funcs = types.as_ref().map(interface).transpose()?;
    let destructors: Vec<String> = spec
        .world
        .guest_resources()
        .map(|g| crate::ty::Member::destructor_name(&spec.world.def(g).name))
        .collect();
    for (name, _) in spec.overrides {
        if !spec.world.funcs.iter().any(|f| &f.name == name) && !destructors.contains(name) {
            return Err(format!(
                "an override names `{name}`, which is not an `api` function"
            ));
        }
    }
    let none = HashMap::new();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "// witness: every `api` function, implemented as the echo: each passes its\n\
         // arguments to the `upstream` function of the same name, frees them (they\n\
         // are the export's, and lent to the import), and returns the import's\n\
         // result (whose memory the generated cabi_post_* function frees), or runs\n\
         // a test's override.\n\
         #include \"{header_name}\"\n#include <stdlib.h>\n#include <string.h>\n"
    );
    out.push_str(&guest_resources::definitions(spec));
    for func in &spec.world.funcs {
        let export_func = api_funcs
            .get(&spec.world.api_export_name(&func.name))
            .ok_or_else(|| format!("`api` has no function `{}`", func.name))?;
        // The import it echoes: its `upstream` function or the member of
        // a resource of `types`.
        let (import_key, import_func) = match spec.world.host_member_of(&func.name) {
            None => (
                &upstream,
                upstream_funcs
                    .get(&func.name)
                    .ok_or_else(|| format!("`upstream` has no function `{}`", func.name))?,
            ),
            Some((r, m)) => {
                let name = m.kind.import_name(&spec.world.def(r).name, &m.name);
                let key = types.as_ref().ok_or("the world imports no `types`")?;
                let f = types_funcs
                    .and_then(|t| t.functions.get(&name))
                    .ok_or_else(|| format!("`types` has no function `{name}`"))?;
                (key, f)
            }
        };
        let export_name =
            wit_bindgen_c::c_func_name(false, resolve, world_name, Some(&api), export_func, &none);
        let import_name = wit_bindgen_c::c_func_name(
            true,
            resolve,
            world_name,
            Some(import_key),
            import_func,
            &none,
        );
        let export = CProto::find(header, &export_name)?;
        let import = CProto::find(header, &import_name)?;
        if export.params.len() != import.params.len()
            || export.params.len() < export_func.params.len()
        {
            return Err(format!(
                "`{export_name}` and `{import_name}` take different parameters:\n{}\n{}",
                export.signature(),
                import.signature()
            ));
        }
        let mut drops = String::new();
        for (param, c) in func.params.iter().zip(&export.params) {
            let expr = match (c.pointer, c.name.starts_with("maybe_")) {
                (true, true) => {
                    // A flattened `option<T>`: NULL for `none`.
                    let Ty::Option(inner) = spec.world.resolve(&param.ty) else {
                        continue;
                    };
                    let mut inner_drops = String::new();
                    borrow_drops(
                        spec.world,
                        inner,
                        &format!("(*{})", c.name),
                        1,
                        &mut inner_drops,
                    );
                    if !inner_drops.is_empty() {
                        let _ = write!(drops, "  if ({} != NULL) {{\n{inner_drops}  }}\n", c.name);
                    }
                    continue;
                }
                (true, false) => format!("(*{})", c.name),
                (false, _) => c.name.clone(),
            };
            borrow_drops(spec.world, &param.ty, &expr, 0, &mut drops);
        }
        let guest_member = spec
            .world
            .member_of(&func.name)
            .filter(|(r, _)| spec.world.is_guest_resource(*r))
            .map(|(_, m)| m.kind);
        let carries_guest = guest_member.is_some()
            || func
                .params
                .iter()
                .any(|p| spec.world.has_guest_handles(&p.ty))
            || func
                .result
                .as_ref()
                .is_some_and(|r| spec.world.has_guest_handles(r));
        let args = export_func.params.len();
        let body = match spec.overrides.iter().find(|(f, _)| *f == func.name) {
            Some((_, source)) => source.clone(),
            None if carries_guest => {
                let call = GuestCall {
                    world: spec.world,
                    func,
                    member: guest_member,
                    export: &export,
                    import: &import,
                    args,
                };
                call.body(header, &drops)?
            }
            None => echo_body(&export, &import, args, header, &drops),
        };
        let _ = writeln!(out, "{} {{\n{body}\n}}\n", export.signature());
    }
    Ok(out)
}

/// The echo's body: call the import with every parameter (arguments and
/// out-parameters), free the first `args` parameters (the export's own
/// arguments), return what the import returned.
fn echo_body(
    export: &CProto,
    import: &CProto,
    args: usize,
    header: &str,
    borrow_drops: &str,
) -> String {
    let aliases = typedef_aliases(header);
    let forwarded: Vec<String> = export
        .params
        .iter()
        .zip(&import.params)
        .map(|(e, i)| forward(&aliases, e, i))
        .collect();
    let call = format!("{}({})", import.name, forwarded.join(", "));
    let mut body = String::new();
    let returns = export.ret != "void";
    if returns {
        let _ = writeln!(body, "  {} witness__result = {call};", export.ret);
    } else {
        let _ = writeln!(body, "  {call};");
    }
    // Borrows first: they live in the arguments' memory, freed next.
    body.push_str(borrow_drops);
    body.push_str(&free_args(export, import, args, header));
    if returns {
        let _ = writeln!(body, "  return witness__result;");
    }
    body.trim_end().to_string()
}

/// The export's parameter `e` passed on as the import's `i`: as it is,
/// or cast where the two sides' typedefs differ.
fn forward(aliases: &HashMap<String, String>, e: &CParam, i: &CParam) -> String {
    let canonical = |ty: &str| {
        let mut ty = ty.to_string();
        while let Some(target) = aliases.get(&ty) {
            ty = target.clone();
        }
        ty
    };
    if canonical(&e.ty) == canonical(&i.ty) {
        e.name.clone()
    } else if i.pointer && i.name.starts_with("maybe_") && !e.name.starts_with("maybe_") {
        // wit-bindgen-c flattens an `option` parameter of an import to a
        // pointer to its payload (NULL for `none`) where the export gets
        // the option itself (an alias of `option<T>`, say).
        format!(
            "(({0})->is_some ? ({1} *) &({0})->val : NULL)",
            e.name, i.ty
        )
    } else if i.pointer {
        format!("({} *) {}", i.ty, e.name)
    } else {
        format!("({}) {}", i.ty, e.name)
    }
}

/// Statements freeing the export's first `args` parameters (its own
/// arguments) with the generated `_free` helpers.
fn free_args(export: &CProto, import: &CProto, args: usize, header: &str) -> String {
    let mut body = String::new();
    for (param, import_param) in export.params.iter().zip(&import.params).take(args) {
        if !param.pointer {
            continue;
        }
        // wit-bindgen-c 0.63 writes no `_free` helper for some export-side
        // types that hold a borrow (`tuple<borrow<r>, tuple<string>>`)
        // while it writes one for the import's type of the same layout: the
        // echo frees with that one then (see `export_free_helper_gap`).
        let (free, cast) = match free_function(header, &param.ty) {
            Some(free) => (free, String::new()),
            None => match free_function(header, &import_param.ty) {
                Some(free) => (free, format!("({} *) ", import_param.ty)),
                None => continue,
            },
        };
        if param.name.starts_with("maybe_") {
            // A flattened `option<T>`: NULL for `none`.
            let _ = writeln!(body, "  if ({0} != NULL) {free}({cast}{0});", param.name);
        } else {
            let _ = writeln!(body, "  {free}({cast}{});", param.name);
        }
    }
    body
}

#[cfg(test)]
mod tests;
