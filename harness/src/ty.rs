//! The witness type model: the WIT value types, named types and function
//! signatures of one echo case.
//!
//! Everything that makes or checks a case speaks this model: the generator
//! ([`crate::smith`]) produces it, [`crate::wit_text`] prints it as an echo
//! package, [`crate::wit_import`] derives it from user WIT, [`crate::value`]
//! makes and compares values of its types, and [`crate::abi`] lays them out.
//! It is deliberately small and independent of wit-parser and wasmtime.

use std::fmt;

/// A WIT value type as it appears in a signature or inside another type.
///
/// Anonymous types (`list<T>`, `tuple<..>`, `option<T>`, `result<..>`) are
/// written inline; records, variants, enums, flags and aliases are
/// [`Ty::Named`] references into [`CaseWorld::types`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Ty {
    Bool,
    S8,
    S16,
    S32,
    S64,
    U8,
    U16,
    U32,
    U64,
    F32,
    F64,
    Char,
    String,
    List(Box<Ty>),
    /// `list<T, N>`: a list of exactly `N` elements (behind a switch).
    FixedList(Box<Ty>, u32),
    /// `map<K, V>` (behind a switch).
    Map(Box<Ty>, Box<Ty>),
    /// `tuple<..>` with at least one element.
    Tuple(Vec<Ty>),
    Option(Box<Ty>),
    /// `result`, `result<T>`, `result<_, E>` or `result<T, E>`.
    Result {
        ok: Option<Box<Ty>>,
        err: Option<Box<Ty>>,
    },
    /// A named type: an index into [`CaseWorld::types`] (never a resource;
    /// a resource is reached through [`Ty::Own`] or [`Ty::Borrow`]).
    Named(TypeIndex),
    /// `own<r>` (written `r` in WIT): an owned handle of the resource at
    /// this index of [`CaseWorld::types`].
    Own(TypeIndex),
    /// `borrow<r>`: a borrowed handle, only in parameters (WIT allows no
    /// borrow in a result).
    Borrow(TypeIndex),
}

/// Index of a named type in [`CaseWorld::types`]. A named type only refers to
/// named types with a smaller index, so the types form a DAG in print order.
pub type TypeIndex = usize;

/// A named type of the case's `types` interface.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TypeDef {
    /// The WIT name, unescaped (`type`, not `%type`).
    pub name: String,
    pub kind: TypeDefKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TypeDefKind {
    /// At least one field.
    Record(Vec<Field>),
    /// At least one case; each case may carry a payload.
    Variant(Vec<Case>),
    /// At least one case.
    Enum(Vec<String>),
    /// 1 to [`MAX_FLAGS`] members.
    Flags(Vec<String>),
    /// `type name = T;`
    Alias(Ty),
    /// `resource name { .. }`, defined by the host in `types`. Each member
    /// is echoed by an `api` function of its own (see [`Member`]).
    Resource(Vec<Member>),
    /// `resource name { .. }`, defined by the guest in `api` (see
    /// [`crate::wit_text`]): the host makes one with its constructor,
    /// calls its members and drops it; the guest implements each member by
    /// forwarding to `upstream` (the member's echo function, with a handle
    /// of a guest resource written as its id, a `u32`) and its destructor
    /// by calling `upstream.<name>-destructor(id)` ([`Member::destructor_name`]).
    /// Its handles only appear in signatures, alone or in anonymous types:
    /// a named type lives in `types`, which cannot see `api`.
    GuestResource(Vec<Member>),
}

impl TypeDefKind {
    /// The members of a resource of either side; `None` for a value type.
    pub fn members(&self) -> Option<&[Member]> {
        match self {
            TypeDefKind::Resource(m) | TypeDefKind::GuestResource(m) => Some(m),
            _ => None,
        }
    }

    pub fn members_mut(&mut self) -> Option<&mut Vec<Member>> {
        match self {
            TypeDefKind::Resource(m) | TypeDefKind::GuestResource(m) => Some(m),
            _ => None,
        }
    }

    /// Whether this is a resource (of either side), not a value type.
    pub fn is_resource(&self) -> bool {
        self.members().is_some()
    }
}

/// A constructor, method or static function of a resource.
///
/// A member has no signature of its own: it is echoed by the `api` function
/// [`Member::echo`] of [`CaseWorld::funcs`], whose signature it takes. The
/// guest implements that function by calling the member (the host's import)
/// with the same arguments, so a member is checked like any echo: the host
/// compares what the member received with what `api` was given, and what
/// `api` returned with what the member answered.
///
/// - a constructor takes the echo's parameters; the echo returns `own<r>`;
/// - a method's echo takes `self: borrow<r>` first, then the method's
///   parameters, and returns the method's result;
/// - a static function has the echo's signature.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Member {
    pub kind: MemberKind,
    /// The member's WIT name (`constructor` for the constructor).
    pub name: String,
    /// The name of the `api` function that echoes it.
    pub echo: String,
}

impl Member {
    /// The name of the `api` function that echoes member `member` (of
    /// `kind`) of resource `resource`: `file-read`, `file-constructor`. The
    /// generator and the importer of user WIT both name echoes so, which is
    /// what lets an echo package's `api` be read back as members.
    pub fn echo_name(resource: &str, kind: MemberKind, member: &str) -> String {
        match kind {
            MemberKind::Constructor => format!("{resource}-constructor"),
            _ => format!("{resource}-{member}"),
        }
    }

    /// The name of a method echo's first parameter, the receiver, given the
    /// names of the method's other parameters: `receiver`, or
    /// `receiver-v2`, ... when a parameter already has that name. (Not
    /// `self`, wit-parser's name for it: a function parameter named `self`
    /// is a keyword in the bindings of some languages.)
    pub fn receiver_name<'a>(others: impl Iterator<Item = &'a str> + Clone) -> String {
        let taken = |n: &str| {
            others
                .clone()
                .any(|o| o.replace('-', "").eq_ignore_ascii_case(&n.replace('-', "")))
        };
        let mut name = "receiver".to_string();
        let mut n = 2;
        while taken(&name) {
            name = format!("receiver-v{n}");
            n += 1;
        }
        name
    }
}

impl Member {
    /// The `upstream` function a guest resource's destructor calls with the
    /// id of the resource it destroys: `<resource>-destructor`. No member
    /// echo has the name: a generated member is never called `destructor`
    /// and an imported one is renamed.
    pub fn destructor_name(resource: &str) -> String {
        format!("{resource}-destructor")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MemberKind {
    Constructor,
    Method,
    Static,
}

impl MemberKind {
    /// The prefix wasmtime and the component model give the member's import
    /// name (`[method]r.m`).
    pub fn import_name(self, resource: &str, member: &str) -> String {
        match self {
            MemberKind::Constructor => format!("[constructor]{resource}"),
            MemberKind::Method => format!("[method]{resource}.{member}"),
            MemberKind::Static => format!("[static]{resource}.{member}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Field {
    pub name: String,
    pub ty: Ty,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Case {
    pub name: String,
    pub ty: Option<Ty>,
}

/// A function of the case: the same signature is exported in `api` and
/// imported in `upstream`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Func {
    pub name: String,
    pub params: Vec<Param>,
    pub result: Option<Ty>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Param {
    pub name: String,
    pub ty: Ty,
}

/// One echo case: the named types and the functions of a world.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct CaseWorld {
    pub types: Vec<TypeDef>,
    pub funcs: Vec<Func>,
}

/// The component model's cap on the number of members of a `flags` type.
pub const MAX_FLAGS: usize = 32;

/// The canonical ABI's limit on flat parameters before they spill to memory.
pub const MAX_FLAT_PARAMS: usize = 16;

/// The canonical ABI's limit on flat results before they spill to memory.
pub const MAX_FLAT_RESULTS: usize = 1;

/// The kind of a type, as used in finding signatures and reports
/// (`record`, `list`, `string`, ...). Aliases are seen through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TypeKind {
    Bool,
    Int,
    Float,
    Char,
    String,
    List,
    FixedList,
    Map,
    Tuple,
    Option,
    Result,
    Record,
    Variant,
    Enum,
    Flags,
    Own,
    Borrow,
}

impl TypeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TypeKind::Bool => "bool",
            TypeKind::Int => "int",
            TypeKind::Float => "float",
            TypeKind::Char => "char",
            TypeKind::String => "string",
            TypeKind::List => "list",
            TypeKind::FixedList => "fixed-list",
            TypeKind::Map => "map",
            TypeKind::Tuple => "tuple",
            TypeKind::Option => "option",
            TypeKind::Result => "result",
            TypeKind::Record => "record",
            TypeKind::Variant => "variant",
            TypeKind::Enum => "enum",
            TypeKind::Flags => "flags",
            TypeKind::Own => "own",
            TypeKind::Borrow => "borrow",
        }
    }
}

impl fmt::Display for TypeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl CaseWorld {
    /// The definition behind a named type.
    pub fn def(&self, index: TypeIndex) -> &TypeDef {
        &self.types[index]
    }

    /// Follows aliases until a type that is not an alias of a named type.
    pub fn resolve<'a>(&'a self, mut ty: &'a Ty) -> &'a Ty {
        while let Ty::Named(i) = ty {
            match &self.types[*i].kind {
                TypeDefKind::Alias(inner) => ty = inner,
                _ => break,
            }
        }
        ty
    }

    /// The kind of `ty`, aliases seen through.
    pub fn kind(&self, ty: &Ty) -> TypeKind {
        match self.resolve(ty) {
            Ty::Bool => TypeKind::Bool,
            Ty::S8 | Ty::S16 | Ty::S32 | Ty::S64 | Ty::U8 | Ty::U16 | Ty::U32 | Ty::U64 => {
                TypeKind::Int
            }
            Ty::F32 | Ty::F64 => TypeKind::Float,
            Ty::Char => TypeKind::Char,
            Ty::String => TypeKind::String,
            Ty::List(_) => TypeKind::List,
            Ty::FixedList(..) => TypeKind::FixedList,
            Ty::Map(..) => TypeKind::Map,
            Ty::Tuple(_) => TypeKind::Tuple,
            Ty::Option(_) => TypeKind::Option,
            Ty::Result { .. } => TypeKind::Result,
            Ty::Own(_) => TypeKind::Own,
            Ty::Borrow(_) => TypeKind::Borrow,
            Ty::Named(i) => match &self.types[*i].kind {
                TypeDefKind::Record(_) => TypeKind::Record,
                TypeDefKind::Variant(_) => TypeKind::Variant,
                TypeDefKind::Enum(_) => TypeKind::Enum,
                TypeDefKind::Flags(_) => TypeKind::Flags,
                TypeDefKind::Alias(_) => unreachable!("resolve sees through aliases"),
                TypeDefKind::Resource(_) | TypeDefKind::GuestResource(_) => {
                    unreachable!("a resource is not a value type")
                }
            },
        }
    }

    /// Number of core wasm values `ty` flattens to (the canonical ABI's
    /// `flatten_type`), used to tell which signatures spill to memory.
    pub fn flat_count(&self, ty: &Ty) -> usize {
        match self.resolve(ty) {
            Ty::Bool
            | Ty::S8
            | Ty::S16
            | Ty::S32
            | Ty::S64
            | Ty::U8
            | Ty::U16
            | Ty::U32
            | Ty::U64
            | Ty::F32
            | Ty::F64
            | Ty::Char
            | Ty::Own(_)
            | Ty::Borrow(_) => 1,
            Ty::String | Ty::List(_) | Ty::Map(..) => 2,
            Ty::FixedList(elem, n) => self.flat_count(elem) * (*n as usize),
            Ty::Tuple(elems) => elems.iter().map(|t| self.flat_count(t)).sum(),
            Ty::Option(inner) => 1 + self.flat_count(inner),
            Ty::Result { ok, err } => {
                let ok = ok.as_deref().map_or(0, |t| self.flat_count(t));
                let err = err.as_deref().map_or(0, |t| self.flat_count(t));
                1 + ok.max(err)
            }
            Ty::Named(i) => match &self.types[*i].kind {
                TypeDefKind::Record(fields) => fields.iter().map(|f| self.flat_count(&f.ty)).sum(),
                TypeDefKind::Variant(cases) => {
                    1 + cases
                        .iter()
                        .map(|c| c.ty.as_ref().map_or(0, |t| self.flat_count(t)))
                        .max()
                        .unwrap_or(0)
                }
                TypeDefKind::Enum(_) => 1,
                TypeDefKind::Flags(names) => names.len().div_ceil(32).max(1),
                TypeDefKind::Alias(_) => unreachable!("resolve sees through aliases"),
                TypeDefKind::Resource(_) | TypeDefKind::GuestResource(_) => {
                    unreachable!("a resource is not a value type")
                }
            },
        }
    }

    /// Named types that `ty` mentions directly (not through other named
    /// types), in first-mention order.
    pub fn direct_names(ty: &Ty, out: &mut Vec<TypeIndex>) {
        match ty {
            Ty::Named(i) | Ty::Own(i) | Ty::Borrow(i) if !out.contains(i) => out.push(*i),
            Ty::Named(_) | Ty::Own(_) | Ty::Borrow(_) => {}
            Ty::List(t) | Ty::FixedList(t, _) | Ty::Option(t) => Self::direct_names(t, out),
            Ty::Map(k, v) => {
                Self::direct_names(k, out);
                Self::direct_names(v, out);
            }
            Ty::Tuple(ts) => ts.iter().for_each(|t| Self::direct_names(t, out)),
            Ty::Result { ok, err } => {
                ok.iter().for_each(|t| Self::direct_names(t, out));
                err.iter().for_each(|t| Self::direct_names(t, out));
            }
            _ => {}
        }
    }

    /// The resource member that `api` function `func` echoes, with the
    /// resource's index; `None` for a function echoed through `upstream`.
    ///
    /// A member is only one while its echo has the member's shape (a
    /// constructor's echo returns `own<r>`, a method's takes `borrow<r>`
    /// first); one whose echo lost that shape (the shrinker changes
    /// signatures) is not a member any more, and its echo goes through
    /// `upstream` like any function.
    pub fn member_of(&self, func: &str) -> Option<(TypeIndex, &Member)> {
        let f = self.funcs.iter().find(|f| f.name == func)?;
        self.types.iter().enumerate().find_map(|(i, def)| {
            def.kind
                .members()?
                .iter()
                .find(|m| m.echo == func && Self::fits(i, m.kind, f))
                .map(|m| (i, m))
        })
    }

    /// [`CaseWorld::member_of`], for members of host resources only: the
    /// functions the guest echoes by calling the member, not `upstream`.
    pub fn host_member_of(&self, func: &str) -> Option<(TypeIndex, &Member)> {
        self.member_of(func)
            .filter(|(r, _)| !self.is_guest_resource(*r))
    }

    /// The name `api` exports the echo `func` under: its own, or the
    /// member's (`[method]r.m`) for a member of a guest resource.
    pub fn api_export_name(&self, func: &str) -> String {
        match self.member_of(func) {
            Some((r, member)) if self.is_guest_resource(r) => {
                member.kind.import_name(&self.def(r).name, &member.name)
            }
            _ => func.to_string(),
        }
    }

    /// Whether named type `i` is a resource the guest defines.
    pub fn is_guest_resource(&self, i: TypeIndex) -> bool {
        matches!(self.types[i].kind, TypeDefKind::GuestResource(_))
    }

    /// The guest resources of the world, by index.
    pub fn guest_resources(&self) -> impl Iterator<Item = TypeIndex> + '_ {
        (0..self.types.len()).filter(|&i| self.is_guest_resource(i))
    }

    /// Whether the world defines a guest resource.
    pub fn has_guest_resources(&self) -> bool {
        self.guest_resources().next().is_some()
    }

    /// The constructor of guest resource `g` with its echo: how the host
    /// makes one.
    pub fn constructor_of(&self, g: TypeIndex) -> Option<&Func> {
        self.members(g)
            .into_iter()
            .find(|(m, _)| m.kind == MemberKind::Constructor)
            .map(|(_, f)| f)
    }

    /// Whether a value of `ty` carries a handle of a guest resource.
    pub fn has_guest_handles(&self, ty: &Ty) -> bool {
        self.has_handle_where(
            ty,
            &|t| matches!(t, Ty::Own(i) | Ty::Borrow(i) if self.is_guest_resource(*i)),
        )
    }

    /// Whether a value of `ty` carries a `borrow` of a host resource.
    pub fn has_host_borrows(&self, ty: &Ty) -> bool {
        self.has_handle_where(
            ty,
            &|t| matches!(t, Ty::Borrow(i) if !self.is_guest_resource(*i)),
        )
    }

    /// Whether a value of `ty` carries an `own` handle of a guest resource.
    pub fn has_guest_owns(&self, ty: &Ty) -> bool {
        self.has_handle_where(
            ty,
            &|t| matches!(t, Ty::Own(i) if self.is_guest_resource(*i)),
        )
    }

    /// Whether a value of `ty` carries a handle of a host resource.
    pub fn has_host_handles(&self, ty: &Ty) -> bool {
        self.has_handle_where(
            ty,
            &|t| matches!(t, Ty::Own(i) | Ty::Borrow(i) if !self.is_guest_resource(*i)),
        )
    }

    /// Whether `echo` has the shape of a member of kind `kind` of resource
    /// `r`.
    fn fits(r: TypeIndex, kind: MemberKind, echo: &Func) -> bool {
        match kind {
            MemberKind::Constructor => echo.result == Some(Ty::Own(r)),
            MemberKind::Method => echo.params.first().is_some_and(|p| p.ty == Ty::Borrow(r)),
            MemberKind::Static => true,
        }
    }

    /// The members of resource `r` that are members (see
    /// [`CaseWorld::member_of`]), with their echo functions.
    pub fn members(&self, r: TypeIndex) -> Vec<(&Member, &Func)> {
        let Some(members) = self.types[r].kind.members() else {
            return Vec::new();
        };
        members
            .iter()
            .filter_map(|m| {
                let f = self.funcs.iter().find(|f| f.name == m.echo)?;
                Self::fits(r, m.kind, f).then_some((m, f))
            })
            .collect()
    }

    /// The functions echoed through `upstream` (every function that does
    /// not echo a member of a host resource), in order. (The destructors
    /// of guest resources are `upstream` functions too, but not echoes.)
    pub fn upstream_funcs(&self) -> impl Iterator<Item = &Func> {
        self.funcs
            .iter()
            .filter(|f| self.host_member_of(&f.name).is_none())
    }

    /// The functions `api` exports as functions: every function that does
    /// not echo a member of a guest resource (those are the resource's
    /// members in `api`), in order.
    pub fn api_funcs(&self) -> impl Iterator<Item = &Func> {
        self.funcs.iter().filter(|f| {
            self.member_of(&f.name)
                .is_none_or(|(r, _)| !self.is_guest_resource(r))
        })
    }

    /// Whether the world defines any resource, of either side.
    pub fn has_resources(&self) -> bool {
        self.types.iter().any(|t| t.kind.is_resource())
    }

    /// Whether a value of `ty` carries a handle (`own` or `borrow`),
    /// through named types too.
    pub fn has_handles(&self, ty: &Ty) -> bool {
        self.has_handle_where(ty, &|_| true)
    }

    /// Whether a parameter or the result of `func` carries a handle.
    pub fn carries_handles(&self, func: &Func) -> bool {
        func.params.iter().any(|p| self.has_handles(&p.ty))
            || func.result.as_ref().is_some_and(|r| self.has_handles(r))
    }

    /// Whether a value of `ty` carries a `borrow` handle.
    pub fn has_borrows(&self, ty: &Ty) -> bool {
        self.has_handle_where(ty, &|t| matches!(t, Ty::Borrow(_)))
    }

    fn has_handle_where(&self, ty: &Ty, pick: &dyn Fn(&Ty) -> bool) -> bool {
        match ty {
            Ty::Own(_) | Ty::Borrow(_) => pick(ty),
            Ty::List(t) | Ty::FixedList(t, _) | Ty::Option(t) => self.has_handle_where(t, pick),
            Ty::Map(k, v) => self.has_handle_where(k, pick) || self.has_handle_where(v, pick),
            Ty::Tuple(ts) => ts.iter().any(|t| self.has_handle_where(t, pick)),
            Ty::Result { ok, err } => ok
                .iter()
                .chain(err.iter())
                .any(|t| self.has_handle_where(t, pick)),
            Ty::Named(i) => match &self.types[*i].kind {
                TypeDefKind::Record(fs) => fs.iter().any(|f| self.has_handle_where(&f.ty, pick)),
                TypeDefKind::Variant(cs) => cs
                    .iter()
                    .filter_map(|c| c.ty.as_ref())
                    .any(|t| self.has_handle_where(t, pick)),
                TypeDefKind::Alias(t) => self.has_handle_where(t, pick),
                TypeDefKind::Enum(_)
                | TypeDefKind::Flags(_)
                | TypeDefKind::Resource(_)
                | TypeDefKind::GuestResource(_) => false,
            },
            _ => false,
        }
    }

    /// A rough size of the case, used to keep the smallest reproducer of a
    /// finding: types, members, functions and parameters counted.
    pub fn weight(&self) -> usize {
        fn ty_weight(ty: &Ty) -> usize {
            match ty {
                Ty::List(t) | Ty::FixedList(t, _) | Ty::Option(t) => 1 + ty_weight(t),
                Ty::Map(k, v) => 1 + ty_weight(k) + ty_weight(v),
                Ty::Tuple(ts) => 1 + ts.iter().map(ty_weight).sum::<usize>(),
                Ty::Result { ok, err } => {
                    1 + ok.as_deref().map_or(0, ty_weight) + err.as_deref().map_or(0, ty_weight)
                }
                _ => 1,
            }
        }
        let types: usize = self
            .types
            .iter()
            .map(|t| {
                1 + match &t.kind {
                    TypeDefKind::Record(fs) => fs.iter().map(|f| ty_weight(&f.ty)).sum(),
                    TypeDefKind::Variant(cs) => cs
                        .iter()
                        .map(|c| 1 + c.ty.as_ref().map_or(0, ty_weight))
                        .sum(),
                    TypeDefKind::Enum(cs) => cs.len(),
                    TypeDefKind::Flags(fs) => fs.len(),
                    TypeDefKind::Alias(t) => ty_weight(t),
                    TypeDefKind::Resource(members) | TypeDefKind::GuestResource(members) => {
                        members.len()
                    }
                }
            })
            .sum();
        let funcs: usize = self
            .funcs
            .iter()
            .map(|f| {
                1 + f.params.iter().map(|p| ty_weight(&p.ty)).sum::<usize>()
                    + f.result.as_ref().map_or(0, ty_weight)
            })
            .sum();
        types + funcs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world() -> CaseWorld {
        CaseWorld {
            types: vec![
                TypeDef {
                    name: "point".into(),
                    kind: TypeDefKind::Record(vec![
                        Field {
                            name: "x".into(),
                            ty: Ty::F64,
                        },
                        Field {
                            name: "y".into(),
                            ty: Ty::F64,
                        },
                    ]),
                },
                TypeDef {
                    name: "pt".into(),
                    kind: TypeDefKind::Alias(Ty::Named(0)),
                },
                TypeDef {
                    name: "big".into(),
                    kind: TypeDefKind::Flags((0..33).map(|i| format!("f{i}")).collect()),
                },
            ],
            funcs: vec![],
        }
    }

    #[test]
    fn flat_counts_follow_the_canonical_abi() {
        let w = world();
        assert_eq!(w.flat_count(&Ty::Named(1)), 2);
        assert_eq!(w.flat_count(&Ty::String), 2);
        assert_eq!(w.flat_count(&Ty::Option(Box::new(Ty::Named(0)))), 3);
        let res = Ty::Result {
            ok: Some(Box::new(Ty::U8)),
            err: Some(Box::new(Ty::String)),
        };
        assert_eq!(w.flat_count(&res), 3);
        assert_eq!(w.flat_count(&Ty::Named(2)), 2);
    }

    #[test]
    fn kinds_see_through_aliases() {
        let w = world();
        assert_eq!(w.kind(&Ty::Named(1)), TypeKind::Record);
        assert_eq!(w.kind(&Ty::U64), TypeKind::Int);
    }
}
