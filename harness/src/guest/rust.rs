//! The Rust guest driver: bindings from `wit-bindgen-rust` (the generator
//! behind `wit_bindgen::generate!`), built with cargo for `wasm32-wasip2`.
//!
//! The bindings are generated here with the generator's `stubs` option, which
//! writes an `impl Guest for Stub` whose signatures are exactly the ones the
//! generator expects; the driver replaces each stub body with the echo:
//! `upstream::f(a.as_arg(), b.as_arg())`. [`AsArg`](../../templates/rust/as_arg.rs)
//! bridges the owned parameters of an export to the (partly borrowed)
//! parameters wit-bindgen gives imports, so the driver never has to mirror
//! wit-bindgen's type-printing rules. The guest crate depends on the
//! `wit-bindgen` runtime crate of the same version.
//!
//! Resources the guest defines are implemented by [`guest_resources`]: a
//! struct per resource, members forwarding to `upstream`, ids in place of
//! handles.
//!
//! A resources guest ([`crate::resources`]) is the hand-written
//! `templates/rust/resources/lib.rs` (its `FAULT` constant filled in) around
//! bindings generated here without stubs.

mod bench;
mod guest_resources;

use super::{
    GuestError, GuestLanguage, GuestSpec, Protocol, ProtocolWorld, ResourcesSpec, ToolchainInfo,
};
use crate::disk::{self, Cache};
use crate::toolchain::{self, ToolchainError};
use crate::ty::{CaseWorld, MemberKind, Ty, TypeDefKind, TypeIndex};
use guest_resources::{from_ids, guest_member_fn, guest_resource_struct, guest_struct, to_ids};
use heck::ToUpperCamelCase;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use wit_bindgen_core::WorldGenerator;

/// The version of `wit-bindgen-rust` linked into witness and of the
/// `wit-bindgen` runtime crate the guests use (checked against Cargo.lock by
/// a test).
pub const WIT_BINDGEN_VERSION: &str = "0.63.0";

pub(crate) const TARGET: &str = "wasm32-wasip2";
const AS_ARG: &str = include_str!("../../templates/rust/as_arg.rs");
const RESOURCES_LIB: &str = include_str!("../../templates/rust/resources/lib.rs");
/// The line of the resources template that the driver rewrites.
const FAULT_LINE: &str = "const FAULT: &str = \"none\";";

/// Rust keywords, reserved words and prelude names, for the name generator.
#[rustfmt::skip]
const KEYWORDS: &[&str] = &[
    "self", "super", "crate", "dyn", "ref", "move", "unsafe", "where", "impl", "trait", "pub",
    "mod", "fn", "let", "mut", "loop", "while", "for", "if", "else", "in", "match", "return",
    "struct", "const", "true", "false", "break", "continue", "await", "yield", "box", "macro",
    "extern", "abstract", "final", "override", "virtual", "typeof", "try", "gen", "union", "vec",
    "some", "ok", "err", "none", "default", "drop", "clone", "into", "from-str", "to-string",
    "usize", "isize", "i32", "i64", "u128", "i8", "str", "sized", "send", "sync",
];

/// Rust guests.
pub struct RustGuest;

impl GuestLanguage for RustGuest {
    fn name(&self) -> &'static str {
        "rust"
    }

    fn title(&self) -> &'static str {
        "Rust"
    }

    fn protocols(&self) -> &'static [Protocol] {
        &[Protocol::Echo, Protocol::Resources, Protocol::Bench]
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
        5
    }

    fn prepare(&self, _cache: &Cache) -> Result<ToolchainInfo, GuestError> {
        let cargo = cargo()?;
        let rustc = toolchain::require(
            "rustc",
            "install Rust with rustup (https://rustup.rs) so that `rustc` is on PATH",
        )?;
        ensure_wasm_target(&rustc, TARGET)?;
        Ok(ToolchainInfo {
            versions: vec![
                ("rustc".into(), tool_version(&rustc)?),
                ("cargo".into(), tool_version(&cargo)?),
                ("wit-bindgen".into(), WIT_BINDGEN_VERSION.into()),
                ("target".into(), TARGET.into()),
            ],
        })
    }

    fn generate(&self, spec: &GuestSpec<'_>, dir: &Path) -> Result<(), GuestError> {
        // The name must differ for every source (the wit and the overrides):
        // guests share one cargo target directory, where the output file is
        // named after the crate.
        let overrides: Vec<u8> = spec
            .overrides
            .iter()
            .flat_map(|(f, b)| [f.as_bytes(), b"\0", b.as_bytes(), b"\0"].concat())
            .collect();
        let crate_name = format!(
            "witness-guest-{}",
            &disk::content_key(&[spec.wit.as_bytes(), &overrides])[..16]
        );
        let bindings = bindings(spec)?;
        let src = dir.join("src");
        std::fs::create_dir_all(&src).map_err(GuestError::io(&src))?;
        let write = |path: PathBuf, text: String| {
            std::fs::write(&path, text).map_err(|e| GuestError::Io { path, source: e })
        };
        write(dir.join("Cargo.toml"), cargo_toml(&crate_name))?;
        write(src.join("bindings.rs"), bindings)?;
        write(src.join("as_arg.rs"), AS_ARG.to_string())?;
        write(src.join("lib.rs"), lib_rs(spec))?;
        Ok(())
    }

    /// The world is in the bindings the sources embed.
    fn build(
        &self,
        dir: &Path,
        _world: &ProtocolWorld<'_>,
        cache: &Cache,
    ) -> Result<Vec<u8>, GuestError> {
        cargo_build(dir, cache, TARGET)
    }

    fn bench(&self, cache: &Cache) -> Result<super::fixed::BenchGuests, GuestError> {
        bench::build(self, cache)
    }

    fn generate_resources(&self, spec: &ResourcesSpec<'_>, dir: &Path) -> Result<(), GuestError> {
        let fault = spec.fault;
        let key = disk::content_key(&[spec.world.wit.as_bytes(), fault.as_bytes()]);
        let crate_name = format!("witness-resources-{}", &key[..12]);
        let bindgen_err = |message: String| GuestError::Bindgen {
            lang: "rust",
            message,
        };
        let (resolve, world) = spec.world.resolve().map_err(bindgen_err)?;
        let opts = wit_bindgen_rust::Opts {
            generate_all: true,
            ..Default::default()
        };
        let bindings = generate_bindings(resolve, world, opts)?;
        if !RESOURCES_LIB.contains(FAULT_LINE) {
            return Err(bindgen_err(format!(
                "the resources template has no `{FAULT_LINE}` line"
            )));
        }
        let lib = RESOURCES_LIB.replacen(FAULT_LINE, &format!("const FAULT: &str = {fault:?};"), 1);
        let src = dir.join("src");
        std::fs::create_dir_all(&src).map_err(GuestError::io(&src))?;
        let write = |path: PathBuf, bytes: &[u8]| {
            std::fs::write(&path, bytes).map_err(|e| GuestError::Io { path, source: e })
        };
        write(dir.join("Cargo.toml"), cargo_toml(&crate_name).as_bytes())?;
        write(src.join("bindings.rs"), bindings.as_bytes())?;
        write(src.join("lib.rs"), lib.as_bytes())?;
        Ok(())
    }

    fn resources_fingerprint(&self) -> Vec<u8> {
        RESOURCES_LIB.as_bytes().to_vec()
    }
}

/// Builds the guest crate in `dir` (release, for `target`) in the shared
/// guest target directory of the cache, and returns its `.wasm` output. Also
/// used for the benchmark guests (see [`crate::bench`]).
pub(crate) fn cargo_build(dir: &Path, cache: &Cache, target: &str) -> Result<Vec<u8>, GuestError> {
    let target_dir = cache
        .dir("rust-target")
        .map_err(GuestError::io(cache.root()))?;
    // One lock file for every guest, so that cargo does not resolve (and
    // ask the registry) again for each world.
    let lock_template = target_dir.join("Cargo.lock.template");
    let lock = dir.join("Cargo.lock");
    if lock_template.exists() && !lock.exists() {
        std::fs::copy(&lock_template, &lock).map_err(GuestError::io(&lock))?;
    }
    let manifest = dir.join("Cargo.toml");
    // Scrubbed before the target directory is set: an outer
    // `CARGO_TARGET_DIR` would otherwise remove it again.
    let mut cmd = rust_tool(&cargo()?);
    cmd.args(["build", "--release", "--target", target, "--manifest-path"])
        .arg(&manifest)
        .env("CARGO_TARGET_DIR", &target_dir);
    match toolchain::run(&mut cmd) {
        Ok(_) => {}
        Err(ToolchainError::Failed { output, .. }) => {
            return Err(GuestError::Build {
                lang: "rust",
                dir: dir.to_path_buf(),
                log: output,
            });
        }
        Err(e) => return Err(e.into()),
    }
    // Only a lock that has the guests' one dependency makes a useful template.
    let locks_wit_bindgen =
        std::fs::read_to_string(&lock).is_ok_and(|l| l.contains("name = \"wit-bindgen\""));
    if !lock_template.exists() && locks_wit_bindgen {
        let _ = std::fs::copy(&lock, &lock_template);
    }
    let name = crate_name_of(&manifest)?.replace('-', "_");
    let wasm = target_dir
        .join(target)
        .join("release")
        .join(format!("{name}.wasm"));
    std::fs::read(&wasm).map_err(GuestError::io(&wasm))
}

fn cargo() -> Result<PathBuf, ToolchainError> {
    toolchain::which("cargo")
        .or_else(|| std::env::var_os("CARGO").map(PathBuf::from))
        .ok_or_else(|| ToolchainError::Missing {
            what: "the program `cargo`".into(),
            fix: "install Rust with rustup (https://rustup.rs) so that `cargo` is on PATH".into(),
        })
}

/// Makes sure the standard library of `target` is installed, installing it
/// with rustup when it is not.
pub(crate) fn ensure_wasm_target(rustc: &Path, target: &str) -> Result<(), ToolchainError> {
    let installed = |rustc: &Path| -> Result<bool, ToolchainError> {
        let out = toolchain::run(rust_tool(rustc).args([
            "--print",
            "target-libdir",
            "--target",
            target,
        ]))?;
        let dir = String::from_utf8_lossy(&out.stdout).trim().to_string();
        Ok(Path::new(&dir).is_dir())
    };
    if installed(rustc)? {
        return Ok(());
    }
    let fix = format!("run `rustup target add {target}`");
    let rustup = toolchain::which("rustup").ok_or_else(|| ToolchainError::Missing {
        what: format!("the Rust standard library for {target} (and rustup to install it)"),
        fix: fix.clone(),
    })?;
    eprintln!("witness: installing the Rust target {target} with rustup");
    toolchain::run(rust_tool(&rustup).args(["target", "add", target]))?;
    if installed(rustc)? {
        Ok(())
    } else {
        Err(ToolchainError::Missing {
            what: format!("the Rust standard library for {target}"),
            fix,
        })
    }
}

/// A command for a Rust tool, without what an outer cargo leaked into ours.
fn rust_tool(program: &Path) -> Command {
    let mut cmd = Command::new(program);
    scrub_cargo_env(&mut cmd);
    cmd
}

/// `program --version`, the first line, run as [`rust_tool`].
fn tool_version(program: &Path) -> Result<String, ToolchainError> {
    let out = toolchain::run(rust_tool(program).arg("--version"))?;
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .to_string())
}

/// Removes the variables an outer `cargo test`, `cargo run` or `cargo
/// +nightly fuzz` sets, which would otherwise leak into the guest's build:
/// guests are built with the default toolchain whatever toolchain built
/// witness (`RUSTUP_TOOLCHAIN`), and into the guest cache whatever target
/// directory witness itself uses (`CARGO_TARGET_DIR`), with no
/// instrumentation flags (`RUSTFLAGS`).
fn scrub_cargo_env(cmd: &mut Command) {
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        let leaks = (key.starts_with("CARGO_") && key != "CARGO_HOME")
            || matches!(
                &*key,
                "RUSTFLAGS"
                    | "RUSTC_WRAPPER"
                    | "RUSTC_WORKSPACE_WRAPPER"
                    | "RUSTDOCFLAGS"
                    | "MAKEFLAGS"
                    | "MFLAGS"
                    | "RUSTUP_TOOLCHAIN"
                    | "RUSTUP_TOOLCHAIN_SOURCE"
                    | "RUSTC"
                    | "RUSTDOC"
            );
        if leaks {
            cmd.env_remove(&*key);
        }
    }
}

fn crate_name_of(manifest: &Path) -> Result<String, GuestError> {
    let text = std::fs::read_to_string(manifest).map_err(GuestError::io(manifest))?;
    text.lines()
        .find_map(|l| l.strip_prefix("name = \""))
        .map(|l| l.trim_end_matches('"').to_string())
        .ok_or_else(|| GuestError::Io {
            path: manifest.to_path_buf(),
            source: std::io::Error::other("no package name in the guest's Cargo.toml"),
        })
}

fn cargo_toml(crate_name: &str) -> String {
    format!(
        r#"# Echo guest generated by witness. Rebuild: cargo build --release --target {TARGET}
[package]
name = "{crate_name}"
version = "0.0.0"
edition = "2024"
publish = false

[lib]
crate-type = ["cdylib"]

[dependencies]
wit-bindgen = {{ version = "={WIT_BINDGEN_VERSION}", default-features = false, features = ["realloc", "std", "bitflags"] }}

[profile.release]
debug = false

# Not part of any enclosing workspace.
[workspace]
"#
    )
}

/// Runs wit-bindgen-rust with `opts` on `world` and returns the one Rust
/// file it writes.
pub(crate) fn generate_bindings(
    mut resolve: wit_parser::Resolve,
    world: wit_parser::WorldId,
    opts: wit_bindgen_rust::Opts,
) -> Result<String, GuestError> {
    let bindgen_err = |message: String| GuestError::Bindgen {
        lang: "rust",
        message,
    };
    let mut files = wit_bindgen_core::Files::default();
    opts.build()
        .generate(&mut resolve, world, &mut files)
        .map_err(|e| bindgen_err(format!("{e:#}")))?;
    let (_, bytes) = files
        .iter()
        .find(|(name, _)| name.ends_with(".rs"))
        .ok_or_else(|| bindgen_err("it produced no Rust file".into()))?;
    Ok(String::from_utf8_lossy(bytes).into_owned())
}

/// Runs the generator with stubs on and turns the `api` stubs into echoes.
fn bindings(spec: &GuestSpec<'_>) -> Result<String, GuestError> {
    let bindgen_err = |message: String| GuestError::Bindgen {
        lang: "rust",
        message,
    };
    let (resolve, world) =
        crate::wit_text::resolve_echo(spec.wit).map_err(|e| bindgen_err(e.to_string()))?;
    let opts = wit_bindgen_rust::Opts {
        stubs: true,
        generate_all: true,
        ..Default::default()
    };
    let text = generate_bindings(resolve, world, opts)?;
    echo_bodies(&text, spec).map_err(bindgen_err)
}

/// Rewrites the body of every stub in `impl ...::api::Guest for Stub`, and
/// of every member in `impl ...::api::GuestR for Stub` (a guest resource
/// `r`, whose stub becomes a struct of its own holding the resource's id,
/// see [`guest_resource_struct`]).
fn echo_bodies(bindings: &str, spec: &GuestSpec<'_>) -> Result<String, String> {
    let mut out = String::with_capacity(bindings.len() + 4096);
    let world = spec.world;
    let mut in_api = false;
    // The guest resource whose impl block the line is in.
    let mut in_resource: Option<TypeIndex> = None;
    let mut rewritten = 0;
    let imports = ImportSignatures::of(bindings);
    let guest_resources: Vec<(TypeIndex, String)> = world
        .guest_resources()
        // The traits and associated types of exported resources are named
        // `Guest{UpperCamel}` and `{UpperCamel}` (no escape of `guest`).
        .map(|g| (g, world.def(g).name.to_upper_camel_case()))
        .collect();
    for line in bindings.lines() {
        if line.starts_with("impl ") && line.contains("::api::Guest for Stub") {
            in_api = true;
        } else if let Some(&(g, ref name)) = guest_resources.iter().find(|(_, n)| {
            line.starts_with("impl ") && line.ends_with(&format!("::api::Guest{n} for Stub {{"))
        }) {
            in_resource = Some(g);
            out.push_str(&line.replace(" for Stub {", &format!(" for {} {{", guest_struct(name))));
            out.push('\n');
            continue;
        } else if (in_api || in_resource.is_some()) && line.trim() == "}" {
            in_api = false;
            in_resource = None;
        } else if let Some(g) = in_resource
            && line.trim_start().starts_with("fn ")
        {
            out.push_str(&guest_member_fn(line.trim_start(), spec, g, &imports)?);
            out.push('\n');
            rewritten += 1;
            continue;
        } else if in_api
            && let Some((_, name)) = guest_resources
                .iter()
                .find(|(_, n)| line.trim() == format!("type {n} = Stub;"))
        {
            out.push_str(&format!("  type {name} = {};\n", guest_struct(name)));
            continue;
        } else if in_api && line.trim_start().starts_with("fn ") {
            out.push_str(&echo_fn(line.trim_start(), spec, &imports)?);
            out.push('\n');
            rewritten += 1;
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    for (g, name) in &guest_resources {
        out.push_str(&guest_resource_struct(spec, *g, name));
    }
    if rewritten != spec.world.funcs.len() {
        return Err(format!(
            "expected {} stub functions for `api` in the generated bindings, found {rewritten}",
            spec.world.funcs.len()
        ));
    }
    Ok(out)
}

/// The parameter types wit-bindgen gives the imports a guest calls: each
/// `upstream` function and each member of each resource of `types`, as
/// written in the bindings (one `pub fn` per line), paths left out.
#[derive(Debug, Default)]
struct ImportSignatures {
    /// `(owner, function) -> parameter types`; the owner is `upstream` or
    /// the resource's Rust type name (`self` left out of a method's).
    params: HashMap<(String, String), Vec<String>>,
}

impl ImportSignatures {
    fn of(bindings: &str) -> ImportSignatures {
        let mut out = ImportSignatures::default();
        let mut owner: Option<String> = None;
        let mut in_types = false;
        for line in bindings.lines() {
            let t = line.trim();
            if t == "pub mod upstream {" {
                owner = Some("upstream".into());
                in_types = false;
            } else if t == "pub mod types {" {
                in_types = true;
                owner = None;
            } else if t.starts_with("pub mod ") {
                owner = None;
                in_types = false;
            } else if in_types
                && t.starts_with("impl ")
                && t.ends_with(" {")
                && !t.contains(" for ")
            {
                owner = Some(t["impl ".len()..t.len() - 2].trim().to_string());
            } else if let (Some(o), Some(rest)) = (&owner, t.strip_prefix("pub fn ")) {
                let Some(open) = rest.find('(') else { continue };
                let name = rest[..open].to_string();
                let mut types = param_types(&rest[open..]);
                if types.first().is_some_and(|t| t == "&self") {
                    types.remove(0);
                }
                out.params.insert((o.clone(), name), types);
            }
        }
        out
    }
}

/// The parameter types of `(a: T,b: Vec<(u8, u8)>,) -> R`, normalised.
fn param_types(signature: &str) -> Vec<String> {
    split_params(signature)
        .into_iter()
        .map(|p| match p.split_once(':') {
            Some((_, ty)) => normalise_type(ty),
            None => normalise_type(p),
        })
        .filter(|t| !t.is_empty())
        .collect()
}

/// A Rust type as text without module paths, turbofish or spaces, so that
/// the same type printed in an export and in an import compares equal.
fn normalise_type(ty: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    let mut chars = ty.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
            continue;
        }
        if c == ':' && chars.peek() == Some(&':') {
            chars.next();
            // `path::` is dropped; `Vec::<` keeps `Vec`.
            if chars.peek() == Some(&'<') {
                out.push_str(&word);
            }
            word.clear();
            continue;
        }
        out.push_str(&word);
        word.clear();
        if !c.is_whitespace() {
            out.push(c);
        }
    }
    out.push_str(&word);
    out
}

/// `fn f(a: T,b: U,) -> R{ unreachable!() }` becomes the same signature with
/// the echo (or an override) as its body.
fn echo_fn(line: &str, spec: &GuestSpec<'_>, imports: &ImportSignatures) -> Result<String, String> {
    let body_at = line
        .rfind("{ unreachable!() }")
        .ok_or_else(|| format!("unexpected stub line: {line}"))?;
    let signature = &line[..body_at];
    let name_end = signature
        .find('(')
        .ok_or_else(|| format!("unexpected stub line: {line}"))?;
    let name = signature["fn ".len()..name_end].trim();
    let params = param_names(&signature[name_end..]);
    let overridden = spec
        .overrides
        .iter()
        .find(|(f, _)| f.replace('-', "_") == name.trim_end_matches('_'));
    let world = spec.world;
    let func = world
        .funcs
        .iter()
        .find(|f| wit_bindgen_rust::to_rust_ident(&f.name) == name)
        .ok_or_else(|| format!("the stub `{name}` is no function of the world"))?;
    let member = world.member_of(&func.name);
    let export_types = param_types(&signature[name_end..]);
    let import_key = match member {
        None => ("upstream".to_string(), name.to_string()),
        Some((r, m)) => (
            rust_type_name(&world.def(r).name),
            match m.kind {
                MemberKind::Constructor => "new".to_string(),
                _ => wit_bindgen_rust::to_rust_ident(&m.name),
            },
        ),
    };
    let mut import_types = imports.params.get(&import_key).cloned().unwrap_or_default();
    if matches!(member, Some((_, m)) if m.kind == MemberKind::Method) {
        import_types.insert(0, String::new());
    }
    let wit_params: Vec<&crate::ty::Param> = func.params.iter().collect();
    let args = forward_args(world, &params, &wit_params, &export_types, &import_types)?;
    let member = member.filter(|(r, _)| !world.is_guest_resource(*r));
    let body = match (overridden, member) {
        (Some((_, src)), _) => src.clone(),
        (None, None) => from_ids(
            world,
            func.result.as_ref(),
            format!(
                "crate::bindings::witness::case::upstream::{name}({})",
                args.join(", ")
            ),
        )?,
        (None, Some((r, member))) => {
            let ty = format!(
                "crate::bindings::witness::case::types::{}",
                rust_type_name(&world.def(r).name)
            );
            match member.kind {
                MemberKind::Constructor => format!("{ty}::new({})", args.join(", ")),
                MemberKind::Static => format!(
                    "{ty}::{}({})",
                    wit_bindgen_rust::to_rust_ident(&member.name),
                    args.join(", ")
                ),
                MemberKind::Method => format!(
                    "{}.{}({})",
                    params[0],
                    wit_bindgen_rust::to_rust_ident(&member.name),
                    args[1..].join(", ")
                ),
            }
        }
    };
    Ok(format!("{signature}{{ {body} }}"))
}

/// The arguments an echo passes on for its parameters `names` (of WIT
/// types `wit`, Rust types `export` in the export and `import` in the
/// import it calls).
///
/// A value that carries a host handle is not `Clone`: it moves on when the
/// import takes the export's own type, is lent when the import takes a
/// reference, and goes through `AsArg` otherwise (as every other value).
/// A value that carries a guest resource's handle is passed on with the
/// handle's id in its place ([`to_ids`]).
fn forward_args(
    world: &CaseWorld,
    names: &[String],
    wit: &[&crate::ty::Param],
    export: &[String],
    import: &[String],
) -> Result<Vec<String>, String> {
    names
        .iter()
        .zip(wit)
        .enumerate()
        .map(|(i, (p, wit))| {
            if world.has_guest_handles(&wit.ty) {
                return Ok(format!(
                    "crate::as_arg::AsArg::as_arg(&{})",
                    to_ids(world, &wit.ty, &format!("(&{p})"), 0)?
                ));
            }
            Ok(
                match (world.has_handles(&wit.ty), export.get(i), import.get(i)) {
                    (true, Some(e), Some(i)) if e == i => p.clone(),
                    (true, _, Some(i)) if i.starts_with('&') => format!("&{p}"),
                    _ => format!("crate::as_arg::AsArg::as_arg(&{p})"),
                },
            )
        })
        .collect()
}

/// The parameter names of `(a: T,b: Vec<(u8, u8)>,) -> R`: the list ends at
/// the parenthesis that closes the first one.
fn param_names(signature: &str) -> Vec<String> {
    split_params(signature)
        .into_iter()
        .filter_map(|p| p.split_once(':').map(|(n, _)| n.trim().to_string()))
        .filter(|n| !n.is_empty())
        .collect()
}

/// The parameters of `(a: T,b: Vec<(u8, u8)>,) -> R` as written
/// (`a: T`), split at the top level of the first parentheses.
fn split_params(signature: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut depth = 0i32;
    let mut start = 1;
    for (i, c) in signature.char_indices() {
        match c {
            '<' | '(' | '[' => depth += 1,
            '>' if signature[..i].ends_with('-') => {}
            '>' | ')' | ']' => {
                depth -= 1;
                if depth == 0 {
                    names.push(&signature[start..i]);
                    break;
                }
            }
            ',' if depth == 1 => {
                names.push(&signature[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    names.into_iter().filter(|p| !p.trim().is_empty()).collect()
}

fn lib_rs(spec: &GuestSpec<'_>) -> String {
    // Resources, and types that hold handles, are not `Clone`: they are
    // passed on by move or by reference, never cloned.
    let named: Vec<String> = spec
        .world
        .types
        .iter()
        .enumerate()
        .filter(|(i, t)| {
            !matches!(
                t.kind,
                TypeDefKind::Alias(_) | TypeDefKind::Resource(_) | TypeDefKind::GuestResource(_)
            ) && !spec.world.has_handles(&Ty::Named(*i))
        })
        .map(|(_, t)| t)
        .map(|t| {
            format!(
                "    crate::bindings::witness::case::types::{},\n",
                rust_type_name(&t.name)
            )
        })
        .collect();
    format!(
        "//! Echo guest generated by witness: every `api` function returns what\n\
         //! `upstream` answers to the same arguments. The bodies are in\n\
         //! bindings.rs, in the stub `impl` that wit-bindgen generated.\n\n\
         #[rustfmt::skip]\n\
         #[allow(warnings, clippy::all)]\n\
         mod bindings;\n\
         #[macro_use]\n\
         mod as_arg;\n\n\
         impl_named!(\n{}\n);\n",
        named.concat()
    )
}

/// The Rust name wit-bindgen gives a WIT type name.
fn rust_type_name(name: &str) -> String {
    match name {
        "guest" => "Guest_".to_string(),
        s => s.to_upper_camel_case(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn param_names_split_at_the_top_level_only() {
        assert_eq!(
            param_names("(a: u32,b: Vec::<(u8,u16,)>,c: Option<&str>,) -> (u8,u8)"),
            ["a", "b", "c"]
        );
        assert!(param_names("() -> ::core::result::Result<(),f64>").is_empty());
        assert_eq!(param_names("(f: _rt::Vec::<u8>,) -> ()"), ["f"]);
    }

    #[test]
    fn the_pinned_wit_bindgen_version_is_the_linked_one() {
        let lock =
            std::fs::read_to_string(crate::disk::workspace_root().join("Cargo.lock")).unwrap();
        let entry = format!("name = \"wit-bindgen-rust\"\nversion = \"{WIT_BINDGEN_VERSION}\"");
        assert!(
            lock.contains(&entry),
            "Cargo.lock does not pin wit-bindgen-rust {WIT_BINDGEN_VERSION}"
        );
    }
}
