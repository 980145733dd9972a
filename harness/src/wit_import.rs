//! Echo cases derived from user WIT (`witness run --wit PATH`): every
//! function signature a WIT file or package directory declares, with the
//! named types those signatures reach, as one [`CaseWorld`].
//!
//! Functions come from every interface of the package, and from every
//! interface and freestanding function its worlds import or export (so
//! interfaces of `deps/` packages count when a world brings them in).
//! Functions that need what witness does not model yet (resources, futures,
//! streams, `error-context`, async) are listed in [`ImportedCase::skipped`]
//! with the reason. Names are kept unless two items share one: then each
//! gets its interface's (or world's) name as a prefix, so the result is
//! deterministic and a printed echo package imports back to itself.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use wit_parser::{
    Function, FunctionKind, Handle, InterfaceId, PackageId, Resolve, Type, TypeDef, TypeDefKind,
    TypeId, TypeOwner, WorldItem, WorldKey,
};

use crate::ty::{self, CaseWorld, Func, MAX_FLAGS, Param, Ty, TypeIndex};
use crate::wit_text::{self, WitTextError};

/// The echo case derived from a WIT file or directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedCase {
    pub world: CaseWorld,
    /// Functions left out, in the order they were found.
    pub skipped: Vec<SkippedFunc>,
}

/// A function of the user's WIT that the echo case leaves out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedFunc {
    /// Where it was declared, e.g. `wasi:http/types.[method]request.body`
    /// (interface functions) or `my:pkg/plugin.run` (world functions).
    pub origin: String,
    /// Why, in a few words.
    pub reason: String,
}

/// Why a WIT path gives no echo case.
#[derive(Debug, thiserror::Error)]
pub enum WitImportError {
    #[error(
        "WIT path `{}` does not exist. `--wit` takes a `.wit` file or a WIT package \
         directory (with its dependencies under `deps/`); check the path.",
        path.display()
    )]
    NotFound { path: PathBuf },
    #[error(
        "{message}\n\nwitness could not read the WIT at `{}`: fix the error above (its `-->` \
         line gives the file, line and column) and run again.",
        path.display()
    )]
    Parse { path: PathBuf, message: String },
    #[error(
        "the WIT at `{}` declares no functions. witness derives its echo case from function \
         signatures: add a function to an interface or a world, e.g. \
         `interface api {{ run: func(x: u32) -> string; }}`.",
        path.display()
    )]
    NoFunctions { path: PathBuf },
    #[error(
        "the WIT at `{}` has no function witness can test; every one was skipped:\n{}\
         Add a function whose parameters and result are value types or resource handles \
         (no futures, streams, `error-context` or `async`).",
        path.display(),
        list_skipped(skipped)
    )]
    NoUsableFunction {
        path: PathBuf,
        skipped: Vec<SkippedFunc>,
    },
    /// Text given to [`echo_case`] is not an echo package.
    #[error(transparent)]
    EchoText(#[from] WitTextError),
    #[error(
        "the WIT at `{}` defines flags type `{name}` ({owner}) with {count} members, but the \
         component model allows 1 to {MAX_FLAGS}; split it into several flags types.",
        path.display()
    )]
    FlagsCount {
        path: PathBuf,
        owner: String,
        name: String,
        count: usize,
    },
}

fn list_skipped(skipped: &[SkippedFunc]) -> String {
    let mut out = String::new();
    for s in skipped {
        let _ = writeln!(out, "  - {}: {}", s.origin, s.reason);
    }
    out
}

/// Derives an echo case from the WIT file or package directory at `path`
/// (a directory may hold its dependencies under `deps/`, as wit-parser's
/// `Resolve::push_path` reads them). Items behind `@unstable` feature gates
/// are included.
pub fn import_wit(path: &Path) -> Result<ImportedCase, WitImportError> {
    if !path.exists() {
        return Err(WitImportError::NotFound {
            path: path.to_path_buf(),
        });
    }
    let mut resolve = Resolve {
        all_features: true,
        ..Resolve::default()
    };
    let pushed = resolve.push_path(path);
    let package = match pushed {
        Ok((package, _sources)) => package,
        Err(e) => {
            return Err(WitImportError::Parse {
                path: path.to_path_buf(),
                message: resolve.render_error(&e),
            });
        }
    };
    import_package(&resolve, package, path)
}

/// The case of an echo package (as [`crate::wit_text::echo_package`] prints
/// it, e.g. a finding's `world.wit`): the inverse of printing, for any world
/// whose named types are all used by its functions (generated and imported
/// worlds are). Hand-edited text works too as long as it still resolves as
/// an echo package.
pub fn echo_case(text: &str) -> Result<CaseWorld, WitImportError> {
    let (resolve, world) = wit_text::resolve_echo(text)?;
    let package = resolve.worlds[world]
        .package
        .expect("a world resolved from text belongs to its package");
    let case = import(&resolve, package, Path::new(wit_text::PACKAGE), true)?;
    Ok(case.world)
}

/// [`import_wit`] on an already resolved package; `path` names it in errors.
pub(crate) fn import_package(
    resolve: &Resolve,
    package: PackageId,
    path: &Path,
) -> Result<ImportedCase, WitImportError> {
    import(resolve, package, path, false)
}

/// [`import_package`]; `echo` for an echo package, whose `upstream` is
/// derived from `api` and read not at all, and whose resources defined in
/// `api` are the guest's.
fn import(
    resolve: &Resolve,
    package: PackageId,
    path: &Path,
    echo: bool,
) -> Result<ImportedCase, WitImportError> {
    let mut importer = Importer {
        echo,
        resolve,
        path,
        candidates: Vec::new(),
        skipped: Vec::new(),
        visited: HashSet::new(),
        inline_names: HashMap::new(),
        scanned: HashMap::new(),
    };
    importer.collect(package);
    importer.finish()
}

/// A function that may join the case.
struct Candidate<'a> {
    func: &'a Function,
    /// Prefix for its name should it clash: its interface's or world's name.
    owner: String,
    /// For a member of a resource: the resource, the member's kind and
    /// name. Its echo is named [`ty::Member::echo_name`].
    member: Option<(TypeId, ty::MemberKind, String)>,
}

struct Importer<'a> {
    /// Reading an echo package back (see [`import`]).
    echo: bool,
    resolve: &'a Resolve,
    path: &'a Path,
    candidates: Vec<Candidate<'a>>,
    skipped: Vec<SkippedFunc>,
    visited: HashSet<InterfaceId>,
    /// Names of interfaces declared inline in a world (`import x: interface {..}`).
    inline_names: HashMap<InterfaceId, String>,
    /// Why a type cannot be used, per type (`None`: it can).
    scanned: HashMap<TypeId, Option<String>>,
}

impl<'a> Importer<'a> {
    /// Gathers the functions of every interface of `package`, then those of
    /// every interface and every function its worlds import or export.
    fn collect(&mut self, package: PackageId) {
        let resolve = self.resolve;
        let pkg = &resolve.packages[package];
        for &iface in pkg.interfaces.values() {
            self.interface(iface, None);
        }
        for &world_id in pkg.worlds.values() {
            let world = &resolve.worlds[world_id];
            let world_origin = resolve.id_of_name(package, &world.name);
            for (key, item) in world.imports.iter().chain(&world.exports) {
                match item {
                    WorldItem::Interface { id, .. } => {
                        let inline = match key {
                            WorldKey::Name(name) => Some((name.as_str(), world_origin.as_str())),
                            WorldKey::Interface(_) => None,
                        };
                        self.interface(*id, inline);
                    }
                    WorldItem::Function(func) => {
                        let origin = format!("{world_origin}.{}", func.name);
                        self.function(func, origin, world.name.clone());
                    }
                    WorldItem::Type { .. } => {}
                }
            }
        }
    }

    /// The functions of one interface, once. `inline` is the key and the
    /// world's id for an interface declared inside a world.
    fn interface(&mut self, id: InterfaceId, inline: Option<(&str, &str)>) {
        if !self.visited.insert(id) {
            return;
        }
        let resolve = self.resolve;
        let iface = &resolve.interfaces[id];
        if self.echo && iface.name.as_deref() == Some("upstream") {
            return;
        }
        let (origin, owner) = match (resolve.id_of(id), inline) {
            (Some(origin), _) => (origin, iface.name.clone().unwrap_or_default()),
            (None, Some((key, world))) => {
                self.inline_names.insert(id, key.to_string());
                (format!("{world}/{key}"), key.to_string())
            }
            (None, None) => ("<anonymous interface>".to_string(), "anonymous".to_string()),
        };
        for func in iface.functions.values() {
            self.function(func, format!("{origin}.{}", func.name), owner.clone());
        }
    }

    fn function(&mut self, func: &'a Function, origin: String, owner: String) {
        let member = match &func.kind {
            FunctionKind::Constructor(r) => Some((
                self.canonical(*r),
                ty::MemberKind::Constructor,
                "constructor".to_string(),
            )),
            FunctionKind::Method(r) => Some((
                self.canonical(*r),
                ty::MemberKind::Method,
                func.item_name().to_string(),
            )),
            FunctionKind::Static(r) => Some((
                self.canonical(*r),
                ty::MemberKind::Static,
                func.item_name().to_string(),
            )),
            _ => None,
        };
        match self.unsupported_function(func) {
            Some(reason) => self.skipped.push(SkippedFunc { origin, reason }),
            None => self.candidates.push(Candidate {
                func,
                owner,
                member,
            }),
        }
    }

    /// Why `func` cannot join the case, if it cannot.
    fn unsupported_function(&mut self, func: &Function) -> Option<String> {
        let resource = |id: TypeId| self.type_name(id);
        let kind_reason = match &func.kind {
            FunctionKind::Freestanding
            | FunctionKind::Method(_)
            | FunctionKind::Static(_)
            | FunctionKind::Constructor(_) => None,
            FunctionKind::AsyncFreestanding => {
                Some("an `async` function (async is not supported yet)".to_string())
            }
            FunctionKind::AsyncMethod(r) => Some(format!(
                "an `async` method of resource `{}` (async is not supported yet)",
                resource(*r)
            )),
            FunctionKind::AsyncStatic(r) => Some(format!(
                "an `async` static function of resource `{}` (async is not supported yet)",
                resource(*r)
            )),
            FunctionKind::MethodGetter(r)
            | FunctionKind::MethodSetter(r)
            | FunctionKind::StaticGetter(r)
            | FunctionKind::StaticSetter(r) => Some(format!(
                "a property accessor of resource `{}` (resources are not supported yet)",
                resource(*r)
            )),
            FunctionKind::Getter | FunctionKind::Setter => {
                Some("a property accessor (`get`/`set` is not supported yet)".to_string())
            }
        };
        if kind_reason.is_some() {
            return kind_reason;
        }
        func.params
            .iter()
            .map(|p| &p.ty)
            .chain(&func.result)
            .find_map(|ty| self.unsupported_type(ty))
    }

    /// Why a value of `ty` cannot be part of the case, if it cannot.
    fn unsupported_type(&mut self, ty: &Type) -> Option<String> {
        match ty {
            Type::ErrorContext => Some("uses `error-context` (not supported yet)".to_string()),
            Type::Id(id) => self.unsupported_def(*id),
            _ => None,
        }
    }

    fn unsupported_def(&mut self, id: TypeId) -> Option<String> {
        if let Some(known) = self.scanned.get(&id) {
            return known.clone();
        }
        let resolve = self.resolve;
        let reason = match &resolve.types[id].kind {
            TypeDefKind::Record(r) => r.fields.iter().find_map(|f| self.unsupported_type(&f.ty)),
            TypeDefKind::Variant(v) => v
                .cases
                .iter()
                .filter_map(|c| c.ty.as_ref())
                .find_map(|t| self.unsupported_type(t)),
            TypeDefKind::Tuple(t) if t.types.is_empty() => Some("uses an empty tuple".to_string()),
            TypeDefKind::Tuple(t) => t.types.iter().find_map(|t| self.unsupported_type(t)),
            TypeDefKind::Enum(_) | TypeDefKind::Flags(_) => None,
            TypeDefKind::Option(t) | TypeDefKind::List(t) | TypeDefKind::Type(t) => {
                self.unsupported_type(t)
            }
            TypeDefKind::FixedLengthList(_, 0) => Some(
                "uses `list<T, 0>` (the component model needs at least one element)".to_string(),
            ),
            TypeDefKind::FixedLengthList(t, _) => self.unsupported_type(t),
            TypeDefKind::Map(k, v) => {
                let k = self.unsupported_type(k);
                k.or_else(|| self.unsupported_type(v))
            }
            TypeDefKind::Result(r) => {
                let ok = r.ok.as_ref().and_then(|t| self.unsupported_type(t));
                ok.or_else(|| r.err.as_ref().and_then(|t| self.unsupported_type(t)))
            }
            TypeDefKind::Handle(Handle::Own(r) | Handle::Borrow(r)) => {
                match &resolve.types[self.resource_of(*r)].kind {
                    TypeDefKind::Resource => None,
                    _ => Some(format!(
                        "uses a handle of `{}`, which is not a resource",
                        self.type_name(*r)
                    )),
                }
            }
            TypeDefKind::Resource => None,
            TypeDefKind::Future(_) => Some("uses a `future` (not supported yet)".to_string()),
            TypeDefKind::Stream(_) => Some("uses a `stream` (not supported yet)".to_string()),
            TypeDefKind::Unknown => Some("uses a type wit-parser could not resolve".to_string()),
        };
        self.scanned.insert(id, reason.clone());
        reason
    }

    fn type_name(&self, id: TypeId) -> String {
        self.resolve.types[id]
            .name
            .clone()
            .unwrap_or_else(|| "<anonymous>".to_string())
    }

    /// Sees through `use`: a named alias of a type owned elsewhere is the
    /// `use` of that type (a real `type a = b;` refers to a local name).
    fn canonical(&self, mut id: TypeId) -> TypeId {
        loop {
            let def = &self.resolve.types[id];
            match (&def.name, &def.kind) {
                (Some(_), TypeDefKind::Type(Type::Id(target)))
                    if self.resolve.types[*target].owner != def.owner =>
                {
                    id = *target
                }
                _ => return id,
            }
        }
    }

    /// The resource a handle's target names: through `use` and through
    /// aliases (`type r2 = r;` names the resource `r`).
    fn resource_of(&self, mut id: TypeId) -> TypeId {
        while let TypeDefKind::Type(Type::Id(target)) = &self.resolve.types[id].kind {
            id = *target;
        }
        id
    }

    /// Whether `id` (canonical) is a named type of the case.
    fn is_named(&self, id: TypeId) -> bool {
        self.resolve.types[id].name.is_some()
    }

    /// The named types a value of `ty` mentions directly (through anonymous
    /// types, not through other named types), canonical.
    fn direct_named(&self, ty: &Type, out: &mut Vec<TypeId>) {
        let Type::Id(id) = ty else { return };
        let id = self.canonical(*id);
        if self.is_named(id) {
            if !out.contains(&id) {
                out.push(id);
            }
        } else {
            self.parts_named(&self.resolve.types[id].kind, out);
        }
    }

    /// The named types the parts of a definition mention directly.
    fn parts_named(&self, kind: &TypeDefKind, out: &mut Vec<TypeId>) {
        match kind {
            TypeDefKind::Record(r) => r.fields.iter().for_each(|f| self.direct_named(&f.ty, out)),
            TypeDefKind::Variant(v) => v
                .cases
                .iter()
                .filter_map(|c| c.ty.as_ref())
                .for_each(|t| self.direct_named(t, out)),
            TypeDefKind::Tuple(t) => t.types.iter().for_each(|t| self.direct_named(t, out)),
            TypeDefKind::Option(t)
            | TypeDefKind::List(t)
            | TypeDefKind::Type(t)
            | TypeDefKind::FixedLengthList(t, _) => self.direct_named(t, out),
            TypeDefKind::Map(k, v) => {
                self.direct_named(k, out);
                self.direct_named(v, out);
            }
            TypeDefKind::Result(r) => {
                r.ok.iter()
                    .chain(&r.err)
                    .for_each(|t| self.direct_named(t, out));
            }
            TypeDefKind::Handle(Handle::Own(r) | Handle::Borrow(r)) => {
                let r = self.resource_of(*r);
                if !out.contains(&r) {
                    out.push(r);
                }
            }
            TypeDefKind::Enum(_)
            | TypeDefKind::Flags(_)
            | TypeDefKind::Resource
            | TypeDefKind::Future(_)
            | TypeDefKind::Stream(_)
            | TypeDefKind::Unknown => {}
        }
    }

    /// The name of what owns a type, used as the prefix of a clashing name.
    fn owner_name(&self, def: &TypeDef) -> String {
        match def.owner {
            TypeOwner::Interface(i) => match &self.resolve.interfaces[i].name {
                Some(name) => name.clone(),
                None => self
                    .inline_names
                    .get(&i)
                    .cloned()
                    .unwrap_or_else(|| "anonymous".into()),
            },
            TypeOwner::World(w) => self.resolve.worlds[w].name.clone(),
            TypeOwner::None => "anonymous".to_string(),
        }
    }

    fn finish(self) -> Result<ImportedCase, WitImportError> {
        if self.candidates.is_empty() {
            return Err(if self.skipped.is_empty() {
                WitImportError::NoFunctions {
                    path: self.path.to_path_buf(),
                }
            } else {
                WitImportError::NoUsableFunction {
                    path: self.path.to_path_buf(),
                    skipped: self.skipped,
                }
            });
        }

        // The named types the functions reach, dependencies first; among
        // types ready at the same time, the one wit-parser defined first.
        let mut deps: HashMap<TypeId, Vec<TypeId>> = HashMap::new();
        let mut pending: Vec<TypeId> = Vec::new();
        for c in &self.candidates {
            if let Some((r, _, _)) = &c.member {
                pending.push(*r);
            }
            for ty in c.func.params.iter().map(|p| &p.ty).chain(&c.func.result) {
                self.direct_named(ty, &mut pending);
            }
        }
        while let Some(id) = pending.pop() {
            if deps.contains_key(&id) {
                continue;
            }
            let mut direct = Vec::new();
            self.parts_named(&self.resolve.types[id].kind, &mut direct);
            pending.extend(direct.iter().copied());
            deps.insert(id, direct);
        }
        let order = dependency_order(&deps);
        let index_of: HashMap<TypeId, TypeIndex> =
            order.iter().enumerate().map(|(i, &id)| (id, i)).collect();

        let mut types = Vec::with_capacity(order.len());
        let mut type_owners = Vec::with_capacity(order.len());
        for &id in &order {
            let def = &self.resolve.types[id];
            let name = def.name.clone().unwrap_or_default();
            let kind = self.named_kind(id, &index_of)?;
            types.push(ty::TypeDef { name, kind });
            type_owners.push(self.owner_name(def));
        }

        // Functions, an exact duplicate (same name and signature, e.g. one
        // interface both imported and exported under two names) kept once.
        // A member of a resource is echoed by a function of its own; a
        // freestanding function that is exactly that echo (as in an echo
        // package, whose `api` holds the echoes) is the member's, in its
        // place.
        let mut funcs: Vec<Func> = Vec::new();
        let mut func_owners = Vec::new();
        let mut members: Vec<Option<(TypeIndex, ty::Member)>> = Vec::new();
        let mut pending_members: Vec<(Func, String, TypeIndex, ty::Member)> = Vec::new();
        for c in &self.candidates {
            let name = match &c.member {
                None => c.func.name.clone(),
                Some((r, kind, member)) => ty::Member::echo_name(
                    &self.resolve.types[*r].name.clone().unwrap_or_default(),
                    *kind,
                    member,
                ),
            };
            let func = Func {
                name,
                params: c
                    .func
                    .params
                    .iter()
                    .map(|p| Param {
                        name: p.name.clone(),
                        ty: self.ty(&p.ty, &index_of),
                    })
                    .collect(),
                result: c.func.result.as_ref().map(|t| self.ty(t, &index_of)),
            };
            let mut func = func;
            if let Some((_, ty::MemberKind::Method, _)) = &c.member
                && !func.params.is_empty()
            {
                let others: Vec<&str> = func.params[1..].iter().map(|p| p.name.as_str()).collect();
                func.params[0].name = ty::Member::receiver_name(others.iter().copied());
            }
            if let Some((r, kind, member)) = &c.member {
                let member = ty::Member {
                    kind: *kind,
                    name: member.clone(),
                    echo: func.name.clone(),
                };
                pending_members.push((func, c.owner.clone(), index_of[r], member));
            } else if let Some(at) = pending_members.iter().position(|(f, ..)| *f == func) {
                let (func, owner, r, member) = pending_members.remove(at);
                funcs.push(func);
                func_owners.push(owner);
                members.push(Some((r, member)));
            } else if !funcs.contains(&func) {
                funcs.push(func);
                func_owners.push(c.owner.clone());
                members.push(None);
            }
        }
        for (func, owner, r, member) in pending_members {
            funcs.push(func);
            func_owners.push(owner);
            members.push(Some((r, member)));
        }

        // Types and functions share one namespace in the echo package.
        let mut names: Vec<&mut String> = types.iter_mut().map(|t| &mut t.name).collect();
        names.extend(funcs.iter_mut().map(|f| &mut f.name));
        let owners: Vec<&String> = type_owners.iter().chain(&func_owners).collect();
        disambiguate(names, &owners);
        // Each member, under its echo's final name, in its resource.
        for (func, member) in funcs.iter().zip(members) {
            if let Some((r, mut member)) = member {
                member.echo = func.name.clone();
                if let Some(ms) = types[r].kind.members_mut() {
                    ms.push(member);
                }
            }
        }

        Ok(ImportedCase {
            world: CaseWorld { types, funcs },
            skipped: self.skipped,
        })
    }

    /// The case's definition of the named type `id`.
    fn named_kind(
        &self,
        id: TypeId,
        index_of: &HashMap<TypeId, TypeIndex>,
    ) -> Result<ty::TypeDefKind, WitImportError> {
        let def = &self.resolve.types[id];
        let ty = |t: &Type| self.ty(t, index_of);
        Ok(match &def.kind {
            TypeDefKind::Record(r) => ty::TypeDefKind::Record(
                r.fields
                    .iter()
                    .map(|f| ty::Field {
                        name: f.name.clone(),
                        ty: ty(&f.ty),
                    })
                    .collect(),
            ),
            TypeDefKind::Variant(v) => ty::TypeDefKind::Variant(
                v.cases
                    .iter()
                    .map(|c| ty::Case {
                        name: c.name.clone(),
                        ty: c.ty.as_ref().map(ty),
                    })
                    .collect(),
            ),
            TypeDefKind::Enum(e) => {
                ty::TypeDefKind::Enum(e.cases.iter().map(|c| c.name.clone()).collect())
            }
            TypeDefKind::Flags(f) => {
                if f.flags.is_empty() || f.flags.len() > MAX_FLAGS {
                    return Err(WitImportError::FlagsCount {
                        path: self.path.to_path_buf(),
                        owner: self.owner_name(def),
                        name: def.name.clone().unwrap_or_default(),
                        count: f.flags.len(),
                    });
                }
                ty::TypeDefKind::Flags(f.flags.iter().map(|f| f.name.clone()).collect())
            }
            TypeDefKind::Type(t) => ty::TypeDefKind::Alias(ty(t)),
            // Members are added with the functions.
            TypeDefKind::Resource if self.echo && self.owner_name(def) == "api" => {
                ty::TypeDefKind::GuestResource(Vec::new())
            }
            TypeDefKind::Resource => ty::TypeDefKind::Resource(Vec::new()),
            // `type x = list<u8>;` and the like: aliases of anonymous types.
            other => ty::TypeDefKind::Alias(self.anonymous(other, index_of)),
        })
    }

    /// The case's type for a value of `t`.
    fn ty(&self, t: &Type, index_of: &HashMap<TypeId, TypeIndex>) -> Ty {
        match t {
            Type::Bool => Ty::Bool,
            Type::U8 => Ty::U8,
            Type::U16 => Ty::U16,
            Type::U32 => Ty::U32,
            Type::U64 => Ty::U64,
            Type::S8 => Ty::S8,
            Type::S16 => Ty::S16,
            Type::S32 => Ty::S32,
            Type::S64 => Ty::S64,
            Type::F32 => Ty::F32,
            Type::F64 => Ty::F64,
            Type::Char => Ty::Char,
            Type::String => Ty::String,
            Type::ErrorContext => unreachable!("functions using error-context were skipped"),
            Type::Id(id) => {
                let id = self.canonical(*id);
                if self.is_named(id) {
                    Ty::Named(index_of[&id])
                } else {
                    self.anonymous(&self.resolve.types[id].kind, index_of)
                }
            }
        }
    }

    /// The case's type for an anonymous definition.
    fn anonymous(&self, kind: &TypeDefKind, index_of: &HashMap<TypeId, TypeIndex>) -> Ty {
        let ty = |t: &Type| self.ty(t, index_of);
        let boxed = |t: &Type| Box::new(self.ty(t, index_of));
        match kind {
            TypeDefKind::List(t) => Ty::List(boxed(t)),
            TypeDefKind::FixedLengthList(t, n) => Ty::FixedList(boxed(t), *n),
            TypeDefKind::Map(k, v) => Ty::Map(boxed(k), boxed(v)),
            TypeDefKind::Tuple(t) => Ty::Tuple(t.types.iter().map(ty).collect()),
            TypeDefKind::Option(t) => Ty::Option(boxed(t)),
            TypeDefKind::Result(r) => Ty::Result {
                ok: r.ok.as_ref().map(boxed),
                err: r.err.as_ref().map(boxed),
            },
            TypeDefKind::Type(t) => ty(t),
            TypeDefKind::Handle(Handle::Own(r)) => Ty::Own(index_of[&self.resource_of(*r)]),
            TypeDefKind::Handle(Handle::Borrow(r)) => Ty::Borrow(index_of[&self.resource_of(*r)]),
            TypeDefKind::Record(_)
            | TypeDefKind::Variant(_)
            | TypeDefKind::Enum(_)
            | TypeDefKind::Flags(_)
            | TypeDefKind::Resource
            | TypeDefKind::Future(_)
            | TypeDefKind::Stream(_)
            | TypeDefKind::Unknown => {
                unreachable!("named or unsupported types never reach here: {kind:?}")
            }
        }
    }
}

/// `deps` (each named type and the named types it mentions) in an order
/// where every type comes after the types it mentions; ties go to the type
/// wit-parser created first, so already ordered input keeps its order.
fn dependency_order(deps: &HashMap<TypeId, Vec<TypeId>>) -> Vec<TypeId> {
    let mut waiting_on: HashMap<TypeId, usize> =
        deps.iter().map(|(&id, d)| (id, d.len())).collect();
    let mut users: HashMap<TypeId, Vec<TypeId>> = HashMap::new();
    for (&id, d) in deps {
        for &dep in d {
            users.entry(dep).or_default().push(id);
        }
    }
    let mut ready: BTreeSet<(usize, TypeId)> = waiting_on
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(&id, _)| (id.index(), id))
        .collect();
    let mut order = Vec::with_capacity(deps.len());
    while let Some((_, id)) = ready.pop_first() {
        order.push(id);
        for &user in users.get(&id).map(Vec::as_slice).unwrap_or(&[]) {
            let n = waiting_on.get_mut(&user).expect("every user is a key");
            *n -= 1;
            if *n == 0 {
                ready.insert((user.index(), user));
            }
        }
    }
    // WIT types cannot be recursive, so every type was placed.
    debug_assert_eq!(order.len(), deps.len());
    order
}

/// Makes `names` unique (ignoring case, as the component model does): a name
/// used more than once gets its owner's name as a prefix everywhere it
/// occurs, and any clash left after that a `-v2`, `-v3`, ... suffix.
fn disambiguate(mut names: Vec<&mut String>, owners: &[&String]) {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for name in &names {
        *counts.entry(name.to_lowercase()).or_default() += 1;
    }
    for (name, owner) in names.iter_mut().zip(owners) {
        if counts[&name.to_lowercase()] > 1 && !owner.is_empty() {
            **name = format!("{owner}-{name}");
        }
    }
    let mut taken: HashSet<String> = HashSet::new();
    for name in names {
        if !taken.insert(name.to_lowercase()) {
            let base = name.clone();
            let mut n = 2;
            while !taken.insert(format!("{base}-v{n}").to_lowercase()) {
                n += 1;
            }
            *name = format!("{base}-v{n}");
        }
    }
}

#[cfg(test)]
mod tests;
