//! Random echo cases: [`CaseWorld`]s drawn from `arbitrary` bytes under a
//! swarm [`Config`] (modelled on wasm-tools' `wit-smith` and `wasm-smith`).
//!
//! The generator first draws named types (each may only refer to earlier
//! ones), then functions whose parameters and results use them, and finally
//! drops named types that no signature reaches. Every draw comes from the
//! `Unstructured`, so the same bytes and config give the same world, and
//! running out of bytes only makes the world smaller.
//!
//! Sizes are bounded in *expanded* terms (a named type counts with all it
//! contains): per type by [`Config::max_type_size`] and per world by a fixed
//! budget well under the component model validator's type-size limit, so
//! every world encodes as a valid component whatever the config.

mod config;
mod names;

use arbitrary::Unstructured;

pub use config::{Config, ConfigError, caps};
pub use names::keyword_names;

use crate::ty::{
    Case, CaseWorld, Field, Func, MAX_FLAT_PARAMS, Member, MemberKind, Param, Ty, TypeDef,
    TypeDefKind, TypeIndex,
};
use names::Scope;
use std::collections::HashMap;

/// Expanded size of a whole world (named types plus signatures). wasmparser
/// rejects a component whose types add up past 1,000,000; an echo component
/// counts each type a few times (the `types` instance, both function
/// interfaces), so this stays well below that.
const WORLD_SIZE_BUDGET: usize = 120_000;

/// How many parameters a function of ordinary shape has at most; functions
/// of the "wide" shape go up to [`Config::max_params`].
const ORDINARY_PARAMS: usize = 6;

/// A random echo case under `config`, drawn from `u`.
///
/// The same `config` and bytes always give the same world. Returns
/// `arbitrary::Error::IncorrectFormat` if `config` does not pass
/// [`Config::validate`] (validate it first to get a readable reason).
pub fn smith(config: &Config, u: &mut Unstructured<'_>) -> arbitrary::Result<CaseWorld> {
    if config.validate().is_err() {
        return Err(arbitrary::Error::IncorrectFormat);
    }
    let mut generator = Generator {
        config,
        u,
        world: CaseWorld::default(),
        info: Vec::new(),
        used: Vec::new(),
        package: Scope::new(),
        resources: Vec::new(),
        guest_resources: Vec::new(),
        guest_names: Vec::new(),
        member_scopes: HashMap::new(),
        borrows_ok: true,
        guest_mode: false,
    };
    generator.resources()?;
    generator.named_types()?;
    generator.guest_resource_types();
    generator.funcs()?;
    generator.guest_constructors()?;
    Ok(guest_members_last(drop_unused_types(generator.world)))
}

/// A drawn type with its expanded size and its depth.
struct Drawn {
    ty: Ty,
    size: usize,
    depth: usize,
}

/// Expanded size and depth of a named type, and whether it carries a
/// `borrow` (then it may not appear in a result).
#[derive(Clone, Copy)]
struct Info {
    size: usize,
    depth: usize,
    borrows: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Choice {
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
    Named,
    Own,
    Borrow,
    GuestOwn,
    GuestBorrow,
}

#[derive(Clone, Copy)]
enum NamedKind {
    Record,
    Variant,
    Enum,
    Flags,
    Alias,
}

const INTS: [Ty; 8] = [
    Ty::S8,
    Ty::S16,
    Ty::S32,
    Ty::S64,
    Ty::U8,
    Ty::U16,
    Ty::U32,
    Ty::U64,
];

struct Generator<'c, 'u, 'b> {
    config: &'c Config,
    u: &'u mut Unstructured<'b>,
    world: CaseWorld,
    /// Size and depth of each named type so far.
    info: Vec<Info>,
    /// Whether anything refers to each named type yet.
    used: Vec<bool>,
    /// Type and function names: one scope for the whole package.
    package: Scope,
    /// The indices of the host resources (among the first named types).
    resources: Vec<TypeIndex>,
    /// The indices of the guest resources (the last named types).
    guest_resources: Vec<TypeIndex>,
    /// The names of the guest resources, until they are made.
    guest_names: Vec<String>,
    /// Each resource's member names (methods and statics share one scope).
    member_scopes: HashMap<TypeIndex, Scope>,
    /// Whether the type being drawn may carry a `borrow` (not in results).
    borrows_ok: bool,
    /// Whether the type being drawn is one of a signature that carries
    /// handles of guest resources: then it holds no named type and no host
    /// handle (see [`Config::guest_resources`]).
    guest_mode: bool,
}

impl Generator<'_, '_, '_> {
    /// The resources, first of the named types so that every later type
    /// may hold handles to them. Their members come with the functions.
    fn resources(&mut self) -> arbitrary::Result<()> {
        let c = self.config;
        if !c.resources || c.max_resources == 0 {
            return Ok(());
        }
        let count = self.u.int_in_range(1..=c.max_resources)?;
        for _ in 0..count {
            let name = self.package.fresh(self.u, c.keyword_names)?;
            let guest = c.guest_resources
                && self.package.claim(&Member::destructor_name(&name))
                && self.u.arbitrary()?;
            if guest {
                // After the named types, which cannot hold its handles: an
                // echo package defines it in `api`, after `types`.
                self.guest_names.push(name);
                continue;
            }
            self.resources.push(self.world.types.len());
            self.world.types.push(TypeDef {
                name,
                kind: TypeDefKind::Resource(Vec::new()),
            });
            self.info.push(Info {
                size: 1,
                depth: 1,
                borrows: false,
            });
            self.used.push(false);
        }
        Ok(())
    }

    /// The guest resources, after every other named type.
    fn guest_resource_types(&mut self) {
        for name in std::mem::take(&mut self.guest_names) {
            self.guest_resources.push(self.world.types.len());
            self.world.types.push(TypeDef {
                name,
                kind: TypeDefKind::GuestResource(Vec::new()),
            });
            self.info.push(Info {
                size: 1,
                depth: 1,
                borrows: false,
            });
            self.used.push(false);
        }
    }

    fn is_resource(&self, i: TypeIndex) -> bool {
        self.world.types[i].kind.is_resource()
    }

    /// Whether named type `i` may be used for the type being drawn.
    fn named_ok(&self, i: TypeIndex) -> bool {
        !self.guest_mode && !self.is_resource(i) && (self.borrows_ok || !self.info[i].borrows)
    }

    /// A constructor for every guest resource the functions gave none: the
    /// host makes every guest resource through it.
    fn guest_constructors(&mut self) -> arbitrary::Result<()> {
        for g in self.guest_resources.clone() {
            let has = self.world.types[g]
                .kind
                .members()
                .is_some_and(|ms| ms.iter().any(|m| m.kind == MemberKind::Constructor));
            if has {
                continue;
            }
            let echo = Member::echo_name(&self.world.types[g].name, MemberKind::Constructor, "");
            if !self.package.claim(&echo) {
                // Taken by a function: the resource stays without handles
                // and is dropped as unused.
                continue;
            }
            let mut scope = Scope::new();
            let mut params = Vec::new();
            let count = self.u.int_in_range(0..=3usize)?.min(self.config.max_params);
            for _ in 0..count {
                let drawn = self.signature_ty(self.config.max_type_size)?;
                let name = scope.fresh(self.u, self.config.keyword_names)?;
                params.push(Param { name, ty: drawn.ty });
            }
            if let Some(ms) = self.world.types[g].kind.members_mut() {
                ms.push(Member {
                    kind: MemberKind::Constructor,
                    name: "constructor".into(),
                    echo: echo.clone(),
                });
            }
            self.used[g] = true;
            self.world.funcs.push(Func {
                name: echo,
                params,
                result: Some(Ty::Own(g)),
            });
        }
        Ok(())
    }

    /// Whether the next parameter or result of a function of `member`
    /// (its resource and kind) is drawn in guest mode: a third of the
    /// time, when the world has guest resources, except for members of
    /// host resources (their signatures are in `types`) and constructors
    /// of guest resources (the host makes their arguments on its own).
    fn draw_guest_mode(
        &mut self,
        member: Option<(TypeIndex, MemberKind)>,
    ) -> arbitrary::Result<bool> {
        if self.guest_resources.is_empty() {
            return Ok(false);
        }
        match member {
            Some((r, _)) if !self.world.is_guest_resource(r) => return Ok(false),
            Some((_, MemberKind::Constructor)) => return Ok(false),
            _ => {}
        }
        self.u.ratio(1u8, 3u8)
    }

    fn named_types(&mut self) -> arbitrary::Result<()> {
        let c = self.config;
        let mut kinds = Vec::new();
        if c.records && c.max_type_depth >= 2 {
            kinds.push(NamedKind::Record);
        }
        if c.variants {
            kinds.push(NamedKind::Variant);
        }
        if c.enums {
            kinds.push(NamedKind::Enum);
        }
        if c.flags {
            kinds.push(NamedKind::Flags);
        }
        if c.aliases {
            kinds.push(NamedKind::Alias);
        }
        if kinds.is_empty() || c.max_named_types == 0 {
            return Ok(());
        }
        let count = self.u.int_in_range(0..=c.max_named_types)?;
        let mut budget = WORLD_SIZE_BUDGET / 2;
        for _ in 0..count {
            let size_cap = c.max_type_size.min(budget);
            if size_cap == 0 {
                break;
            }
            let name = self.package.fresh(self.u, c.keyword_names)?;
            let kind = *self.u.choose(&kinds)?;
            let (kind, info) = self.named_type(kind, size_cap)?;
            budget -= info.size;
            self.world.types.push(TypeDef { name, kind });
            self.info.push(info);
            self.used.push(false);
        }
        Ok(())
    }

    /// One named type of `kind`, no bigger than `size_cap` (at least 1).
    fn named_type(
        &mut self,
        kind: NamedKind,
        size_cap: usize,
    ) -> arbitrary::Result<(TypeDefKind, Info)> {
        let c = self.config;
        let inner_depth = c.max_type_depth - 1;
        Ok(match kind {
            NamedKind::Record if size_cap >= 2 => {
                let count = self
                    .u
                    .int_in_range(1..=c.max_record_fields.min(size_cap - 1))?;
                let mut scope = Scope::new();
                let mut fields = Vec::with_capacity(count);
                let mut left = size_cap - 1;
                let mut depth = 0;
                for i in 0..count {
                    let name = scope.fresh(self.u, c.keyword_names)?;
                    // Leave one unit for each field still to come.
                    let drawn = self.ty(inner_depth, left - (count - 1 - i))?;
                    left -= drawn.size;
                    depth = depth.max(drawn.depth);
                    fields.push(Field { name, ty: drawn.ty });
                }
                let size = size_cap - left;
                let borrows = fields.iter().any(|f| self.world.has_borrows(&f.ty));
                (
                    TypeDefKind::Record(fields),
                    Info {
                        size,
                        depth: depth + 1,
                        borrows,
                    },
                )
            }
            NamedKind::Variant => {
                let count = self.u.int_in_range(1..=c.max_variant_cases)?;
                let mut scope = Scope::new();
                let mut cases = Vec::with_capacity(count);
                let mut left = size_cap - 1;
                let mut depth = 0;
                for _ in 0..count {
                    let name = scope.fresh(self.u, c.keyword_names)?;
                    let ty = if inner_depth >= 1 && left >= 1 && self.u.arbitrary()? {
                        let drawn = self.ty(inner_depth, left)?;
                        left -= drawn.size;
                        depth = depth.max(drawn.depth);
                        Some(drawn.ty)
                    } else {
                        None
                    };
                    cases.push(Case { name, ty });
                }
                let size = size_cap - left;
                let borrows = cases
                    .iter()
                    .filter_map(|c| c.ty.as_ref())
                    .any(|t| self.world.has_borrows(t));
                (
                    TypeDefKind::Variant(cases),
                    Info {
                        size,
                        depth: depth + 1,
                        borrows,
                    },
                )
            }
            NamedKind::Enum => {
                // Long enums now and then, short ones most of the time.
                let max = if self.u.ratio(1u8, 8u8)? {
                    c.max_enum_cases
                } else {
                    c.max_enum_cases.min(8)
                };
                let count = self.u.int_in_range(1..=max)?;
                let mut scope = Scope::new();
                let cases = (0..count)
                    .map(|_| scope.fresh(self.u, c.keyword_names))
                    .collect::<arbitrary::Result<_>>()?;
                (
                    TypeDefKind::Enum(cases),
                    Info {
                        size: 1,
                        depth: 1,
                        borrows: false,
                    },
                )
            }
            NamedKind::Flags => {
                let count = if self.u.ratio(1u8, 4u8)? {
                    c.max_flags
                } else {
                    self.u.int_in_range(1..=c.max_flags)?
                };
                let mut scope = Scope::new();
                let flags = (0..count)
                    .map(|_| scope.fresh(self.u, c.keyword_names))
                    .collect::<arbitrary::Result<_>>()?;
                (
                    TypeDefKind::Flags(flags),
                    Info {
                        size: 1,
                        depth: 1,
                        borrows: false,
                    },
                )
            }
            // Aliases, and records when there is no room for a field.
            NamedKind::Alias | NamedKind::Record => {
                let mut drawn = self.ty(c.max_type_depth, size_cap)?;
                // `type a = r;` would be another name for the resource
                // itself (WIT reads it so), not a value type: a bare handle
                // is aliased inside a one-element tuple.
                if matches!(drawn.ty, Ty::Own(_) | Ty::Borrow(_)) {
                    drawn = wrap(Ty::Tuple(vec![drawn.ty]), 1, 1);
                }
                let info = Info {
                    size: drawn.size,
                    depth: drawn.depth,
                    borrows: self.world.has_borrows(&drawn.ty),
                };
                (TypeDefKind::Alias(drawn.ty), info)
            }
        })
    }

    fn funcs(&mut self) -> arbitrary::Result<()> {
        let c = self.config;
        let count = self.u.int_in_range(1..=c.max_funcs)?;
        let per_func = (WORLD_SIZE_BUDGET / 2) / count;
        for _ in 0..count {
            let mut scope = Scope::new();
            let mut params = Vec::new();
            // Half the functions echo a member of a resource, when there
            // are resources.
            let member = if !(self.resources.is_empty() && self.guest_resources.is_empty())
                && self.u.arbitrary()?
            {
                self.member()?
            } else {
                None
            };
            let name = match &member {
                Some((_, _, echo)) => echo.clone(),
                None => self.package.fresh(self.u, c.keyword_names)?,
            };
            let member = member.map(|(r, kind, _)| (r, kind));
            if let Some((r, MemberKind::Method)) = member {
                // The receiver (see `Member::receiver_name`), claimed
                // before the method's own parameters are drawn.
                let name = Member::receiver_name(std::iter::empty());
                scope.claim(&name);
                // WIT gives a method a parameter `self` of its own.
                scope.claim("self");
                params.push(Param {
                    name,
                    ty: Ty::Borrow(r),
                });
            }
            // Each function costs one unit; its types share the rest.
            let mut left = per_func - 1;
            let mut flat = 0;
            match self.u.int_in_range(0..=7u8)? {
                // No parameters at all.
                0 => {}
                // Wide: enough parameters to pass MAX_FLAT_PARAMS flat
                // values, so the canonical ABI passes them in memory.
                1 => {
                    while params.len() < c.max_params && flat <= MAX_FLAT_PARAMS && left > 0 {
                        self.guest_mode = self.draw_guest_mode(member)?;
                        let drawn = self.signature_ty(left)?;
                        left -= drawn.size;
                        flat += self.world.flat_count(&drawn.ty);
                        let name = scope.fresh(self.u, c.keyword_names)?;
                        params.push(Param { name, ty: drawn.ty });
                    }
                }
                _ => {
                    let count = self.u.int_in_range(0..=c.max_params.min(ORDINARY_PARAMS))?;
                    for _ in 0..count {
                        if left == 0 {
                            break;
                        }
                        self.guest_mode = self.draw_guest_mode(member)?;
                        let drawn = self.signature_ty(left)?;
                        left -= drawn.size;
                        let name = scope.fresh(self.u, c.keyword_names)?;
                        params.push(Param { name, ty: drawn.ty });
                    }
                }
            }
            self.borrows_ok = false;
            let result = if let Some((r, MemberKind::Constructor)) = member {
                Some(Ty::Own(r))
            } else if left > 0 && !self.u.ratio(1u8, 4u8)? {
                self.guest_mode = self.draw_guest_mode(member)?;
                Some(self.signature_ty(left)?.ty)
            } else {
                None
            };
            self.borrows_ok = true;
            self.guest_mode = false;
            self.world.funcs.push(Func {
                name,
                params,
                result,
            });
        }
        Ok(())
    }

    /// A new member of a random resource: its constructor (if it has none
    /// yet), a method or a static function, with the name of its echo
    /// ([`Member::echo_name`], taken in the package's scope). `None` when
    /// the name the member draws is taken.
    fn member(&mut self) -> arbitrary::Result<Option<(TypeIndex, MemberKind, String)>> {
        let all: Vec<TypeIndex> = self
            .resources
            .iter()
            .chain(&self.guest_resources)
            .copied()
            .collect();
        let r = *self.u.choose(&all)?;
        let Some(members) = self.world.types[r].kind.members() else {
            unreachable!("resources are resources")
        };
        let has_constructor = members.iter().any(|m| m.kind == MemberKind::Constructor);
        let kind = match self.u.int_in_range(0..=3u8)? {
            0 if !has_constructor => MemberKind::Constructor,
            0 | 1 => MemberKind::Static,
            _ => MemberKind::Method,
        };
        let resource_name = self.world.types[r].name.clone();
        let name = match kind {
            MemberKind::Constructor => "constructor".to_string(),
            _ => self
                .member_scopes
                .entry(r)
                .or_insert_with(|| {
                    // A member may not be named like its resource, nor
                    // `destructor` (the name of a guest resource's).
                    let mut scope = Scope::new();
                    scope.claim(&resource_name);
                    scope.claim("destructor");
                    scope
                })
                .fresh(self.u, self.config.keyword_names)?,
        };
        let echo = Member::echo_name(&self.world.types[r].name, kind, &name);
        if !self.package.claim(&echo) {
            return Ok(None);
        }
        self.used[r] = true;
        let Some(members) = self.world.types[r].kind.members_mut() else {
            unreachable!("resources are resources")
        };
        members.push(Member {
            kind,
            name,
            echo: echo.clone(),
        });
        Ok(Some((r, kind, echo)))
    }

    /// A parameter or result type no bigger than `budget` (at least 1).
    /// Half the time it is a named type nothing uses yet, so that few of
    /// the generated types are dropped at the end.
    fn signature_ty(&mut self, budget: usize) -> arbitrary::Result<Drawn> {
        let size_cap = self.config.max_type_size.min(budget);
        let unused: Vec<TypeIndex> = (0..self.world.types.len())
            .filter(|&i| !self.used[i] && self.info[i].size <= size_cap && self.named_ok(i))
            .collect();
        if !unused.is_empty() && self.u.arbitrary()? {
            let i = *self.u.choose(&unused)?;
            return Ok(self.named(i));
        }
        self.ty(self.config.max_type_depth, size_cap)
    }

    fn named(&mut self, i: TypeIndex) -> Drawn {
        self.used[i] = true;
        let Info { size, depth, .. } = self.info[i];
        Drawn {
            ty: Ty::Named(i),
            size,
            depth,
        }
    }

    /// A type at most `depth` deep and `size` big (both at least 1).
    fn ty(&mut self, depth: usize, size: usize) -> arbitrary::Result<Drawn> {
        let c = self.config;
        let mut choices = Vec::with_capacity(16);
        for (on, choice) in [
            (c.bools, Choice::Bool),
            (c.ints, Choice::Int),
            (c.floats, Choice::Float),
            (c.chars, Choice::Char),
            (c.strings, Choice::String),
        ] {
            if on {
                choices.push(choice);
            }
        }
        // `result` without payloads is a leaf; the other kinds need room for
        // at least one part.
        if c.results {
            choices.push(Choice::Result);
        }
        if depth >= 2 && size >= 2 {
            for (on, choice) in [
                (c.lists, Choice::List),
                (c.options, Choice::Option),
                (c.tuples, Choice::Tuple),
                // Handles of guest resources stay out of fixed-length
                // lists and maps (see `Config::guest_resources`).
                (c.fixed_length_lists && !self.guest_mode, Choice::FixedList),
            ] {
                if on {
                    choices.push(choice);
                }
            }
            if c.maps && !self.guest_mode && size >= 3 && self.has_map_key() {
                choices.push(Choice::Map);
            }
        }
        let named: Vec<TypeIndex> = (0..self.world.types.len())
            .filter(|&i| self.info[i].depth <= depth && self.info[i].size <= size)
            .filter(|&i| self.named_ok(i))
            .collect();
        if self.guest_mode {
            choices.push(Choice::GuestOwn);
            if self.borrows_ok {
                choices.push(Choice::GuestBorrow);
            }
        } else if !self.resources.is_empty() {
            choices.push(Choice::Own);
            if self.borrows_ok {
                choices.push(Choice::Borrow);
            }
        }
        if !named.is_empty() {
            // Twice as likely as any one other kind: named types are what
            // records, variants, enums and flags are reached through.
            choices.push(Choice::Named);
            choices.push(Choice::Named);
        }
        if choices.is_empty() {
            // Config::validate guarantees a scalar kind.
            return Err(arbitrary::Error::IncorrectFormat);
        }
        let leaf = |ty| Drawn {
            ty,
            size: 1,
            depth: 1,
        };
        let choice = *self.u.choose(&choices)?;
        Ok(match choice {
            Choice::Bool => leaf(Ty::Bool),
            Choice::Int => leaf(self.u.choose(&INTS)?.clone()),
            Choice::Float => leaf(if self.u.arbitrary()? {
                Ty::F64
            } else {
                Ty::F32
            }),
            Choice::Char => leaf(Ty::Char),
            Choice::String => leaf(Ty::String),
            Choice::Named => {
                let i = *self.u.choose(&named)?;
                self.named(i)
            }
            Choice::Own | Choice::Borrow | Choice::GuestOwn | Choice::GuestBorrow => {
                let from = match choice {
                    Choice::Own | Choice::Borrow => &self.resources,
                    _ => &self.guest_resources,
                };
                let r = *self.u.choose(from)?;
                self.used[r] = true;
                leaf(if matches!(choice, Choice::Own | Choice::GuestOwn) {
                    Ty::Own(r)
                } else {
                    Ty::Borrow(r)
                })
            }
            Choice::List => {
                let elem = self.ty(depth - 1, size - 1)?;
                wrap(Ty::List(Box::new(elem.ty)), elem.size, elem.depth)
            }
            Choice::Option => {
                let inner = self.ty(depth - 1, size - 1)?;
                wrap(Ty::Option(Box::new(inner.ty)), inner.size, inner.depth)
            }
            Choice::FixedList => {
                let len = self
                    .u
                    .int_in_range(1..=c.max_fixed_list_len.min(clamp_u32(size - 1)))?;
                // The element counts `len` times in the expanded size.
                let elem = self.ty(depth - 1, (size - 1) / len as usize)?;
                let elem_size = elem.size * len as usize;
                wrap(Ty::FixedList(Box::new(elem.ty), len), elem_size, elem.depth)
            }
            Choice::Map => {
                let key = self.map_key()?;
                let value = self.ty(depth - 1, size - 2)?;
                wrap(
                    Ty::Map(Box::new(key), Box::new(value.ty)),
                    1 + value.size,
                    value.depth,
                )
            }
            Choice::Tuple => {
                let arity = self.u.int_in_range(1..=c.max_tuple_arity.min(size - 1))?;
                let mut left = size - 1;
                let mut elems = Vec::with_capacity(arity);
                let mut inner_depth = 0;
                for i in 0..arity {
                    let elem = self.ty(depth - 1, left - (arity - 1 - i))?;
                    left -= elem.size;
                    inner_depth = inner_depth.max(elem.depth);
                    elems.push(elem.ty);
                }
                wrap(Ty::Tuple(elems), size - 1 - left, inner_depth)
            }
            Choice::Result => {
                // `result`, `result<T>`, `result<_, E>`, `result<T, E>`.
                let shape = if depth >= 2 && size >= 2 {
                    self.u.int_in_range(0..=3u8)?
                } else {
                    0
                };
                let mut left = size - 1;
                let mut inner_depth = 0;
                let mut part = |g: &mut Self, wanted: bool, left: &mut usize| {
                    if !wanted || *left == 0 {
                        return Ok(None);
                    }
                    let drawn = g.ty(depth - 1, *left)?;
                    *left -= drawn.size;
                    inner_depth = inner_depth.max(drawn.depth);
                    Ok::<_, arbitrary::Error>(Some(Box::new(drawn.ty)))
                };
                let ok = part(self, shape & 1 != 0, &mut left)?;
                let err = part(self, shape & 2 != 0, &mut left)?;
                wrap(Ty::Result { ok, err }, size - 1 - left, inner_depth)
            }
        })
    }

    /// Whether some map key kind (bool, integers, char, string) is on.
    fn has_map_key(&self) -> bool {
        let c = self.config;
        c.bools || c.ints || c.chars || c.strings
    }

    /// A map key: a primitive of an enabled kind (the component model allows
    /// bool, integers, char and string, written directly, not via aliases).
    fn map_key(&mut self) -> arbitrary::Result<Ty> {
        let c = self.config;
        let mut keys = Vec::new();
        if c.bools {
            keys.push(Ty::Bool);
        }
        if c.ints {
            keys.extend(INTS.iter().cloned());
        }
        if c.chars {
            keys.push(Ty::Char);
        }
        if c.strings {
            keys.push(Ty::String);
        }
        Ok(self.u.choose(&keys)?.clone())
    }
}

/// A type node around parts of total size `inner_size` and depth
/// `inner_depth`.
fn wrap(ty: Ty, inner_size: usize, inner_depth: usize) -> Drawn {
    Drawn {
        ty,
        size: 1 + inner_size,
        depth: 1 + inner_depth,
    }
}

fn clamp_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// `world` with the echoes of guest resources' members after every other
/// function, by resource and member: the order an echo package lists them
/// in (inside each resource, in `api`), so that a world reads back from its
/// text as itself.
pub fn guest_members_last(mut world: CaseWorld) -> CaseWorld {
    let guest: Vec<String> = world
        .guest_resources()
        .flat_map(|g| world.members(g).into_iter().map(|(_, f)| f.name.clone()))
        .collect();
    if guest.is_empty() {
        return world;
    }
    let (mut last, mut funcs): (Vec<Func>, Vec<Func>) =
        world.funcs.drain(..).partition(|f| guest.contains(&f.name));
    last.sort_by_key(|f| guest.iter().position(|g| *g == f.name));
    funcs.extend(last);
    world.funcs = funcs;
    world
}

/// `world` without the named types no function reaches, the rest renumbered
/// (order kept, so references still point backwards).
pub fn drop_unused_types(world: CaseWorld) -> CaseWorld {
    let mut reached = vec![false; world.types.len()];
    let mut direct = Vec::new();
    for func in &world.funcs {
        for param in &func.params {
            CaseWorld::direct_names(&param.ty, &mut direct);
        }
        if let Some(result) = &func.result {
            CaseWorld::direct_names(result, &mut direct);
        }
    }
    for &i in &direct {
        reached[i] = true;
    }
    // A resource with members is reached through them (those whose echo is
    // still a function of the member's shape: the shrinker drops functions
    // and changes signatures).
    for (i, reached) in reached.iter_mut().enumerate() {
        if !world.members(i).is_empty() {
            *reached = true;
        }
    }
    // Types only refer to earlier types: one backward pass finds them all.
    for i in (0..world.types.len()).rev() {
        if !reached[i] {
            continue;
        }
        direct.clear();
        match &world.types[i].kind {
            TypeDefKind::Record(fields) => fields
                .iter()
                .for_each(|f| CaseWorld::direct_names(&f.ty, &mut direct)),
            TypeDefKind::Variant(cases) => cases
                .iter()
                .filter_map(|c| c.ty.as_ref())
                .for_each(|t| CaseWorld::direct_names(t, &mut direct)),
            TypeDefKind::Alias(ty) => CaseWorld::direct_names(ty, &mut direct),
            TypeDefKind::Enum(_)
            | TypeDefKind::Flags(_)
            | TypeDefKind::Resource(_)
            | TypeDefKind::GuestResource(_) => {}
        }
        for &j in &direct {
            reached[j] = true;
        }
    }
    let mut new_index = vec![None; world.types.len()];
    let mut next = 0;
    for (i, &r) in reached.iter().enumerate() {
        if r {
            new_index[i] = Some(next);
            next += 1;
        }
    }
    let remap = |ty: &Ty| remap_ty(ty, &new_index);
    let types = world
        .types
        .iter()
        .enumerate()
        .filter(|(i, _)| reached[*i])
        .map(|(_, def)| TypeDef {
            name: def.name.clone(),
            kind: match &def.kind {
                TypeDefKind::Record(fields) => TypeDefKind::Record(
                    fields
                        .iter()
                        .map(|f| Field {
                            name: f.name.clone(),
                            ty: remap(&f.ty),
                        })
                        .collect(),
                ),
                TypeDefKind::Variant(cases) => TypeDefKind::Variant(
                    cases
                        .iter()
                        .map(|c| Case {
                            name: c.name.clone(),
                            ty: c.ty.as_ref().map(remap),
                        })
                        .collect(),
                ),
                TypeDefKind::Alias(ty) => TypeDefKind::Alias(remap(ty)),
                other => other.clone(),
            },
        })
        .collect();
    let funcs = world
        .funcs
        .iter()
        .map(|f| Func {
            name: f.name.clone(),
            params: f
                .params
                .iter()
                .map(|p| Param {
                    name: p.name.clone(),
                    ty: remap(&p.ty),
                })
                .collect(),
            result: f.result.as_ref().map(remap),
        })
        .collect();
    CaseWorld { types, funcs }
}

fn remap_ty(ty: &Ty, new_index: &[Option<TypeIndex>]) -> Ty {
    let r = |t: &Ty| Box::new(remap_ty(t, new_index));
    match ty {
        Ty::Named(i) => Ty::Named(new_index[*i].expect("a reached type refers to reached types")),
        Ty::Own(i) => Ty::Own(new_index[*i].expect("a reached type refers to reached types")),
        Ty::Borrow(i) => Ty::Borrow(new_index[*i].expect("a reached type refers to reached types")),
        Ty::List(t) => Ty::List(r(t)),
        Ty::FixedList(t, n) => Ty::FixedList(r(t), *n),
        Ty::Map(k, v) => Ty::Map(r(k), r(v)),
        Ty::Tuple(ts) => Ty::Tuple(ts.iter().map(|t| remap_ty(t, new_index)).collect()),
        Ty::Option(t) => Ty::Option(r(t)),
        Ty::Result { ok, err } => Ty::Result {
            ok: ok.as_deref().map(r),
            err: err.as_deref().map(r),
        },
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests;
