//! Shrinking a finding to its smallest reproducer: fewer functions,
//! parameters, fields and cases, simpler types, shorter names, and smaller
//! values, each step kept only when the same signature still reproduces.
//!
//! `witness shrink corpus/findings/<id>` reads the finding, checks that it
//! reproduces, then alternates two kinds of passes until nothing more
//! helps or the budget is spent:
//!
//! - **world passes** (each candidate is a guest rebuild, bounded by
//!   [`ShrinkConfig::max_builds`]; the guest cache makes a repeated
//!   candidate free): keep only the failing function (for a build finding,
//!   drop functions in halves, quarters, ... down to one at a time), drop
//!   parameters and the result, drop record fields, variant, enum and flags
//!   cases, replace a type by one of its parts or by a scalar (`list<T>` by
//!   `T`, a named record by one of its field types, ...), and give names
//!   short neutral spellings;
//! - **value passes** (each candidate is one call on the built guest,
//!   bounded by [`ShrinkConfig::max_calls`]): shorter lists, strings, maps
//!   and flags, numbers towards zero, `none`, the first enum case, variant
//!   cases with the lightest payload.
//!
//! Values follow the world: when a world step removes a field or a
//! parameter, the call keeps the values of everything that is left (matched
//! by name, or by position after a rename), and a value whose type changed
//! becomes the lightest value of the new type, or the matching part of the
//! old value. A candidate is accepted only when it is strictly simpler (by
//! the world's weight, the values' weight, then names and magnitudes), so
//! shrinking always ends. The result is written back as the finding's
//! reproducer ([`FindingStore::replace_reproducer`]: the hit count stays).

use crate::disk::Cache;
use crate::finding::{FindingError, FindingStore, Replay, Signature};
use crate::host::HostConfig;
use crate::reproduce::{ReproduceError, Reproducer};
use crate::smith::drop_unused_types;
use crate::ty::{Case, CaseWorld, Field, Func, Param, Ty, TypeDefKind};
use crate::value::{self, ValueConfig};
use crate::verdict::{Call, Failure};
use arbitrary::Unstructured;
use std::path::{Path, PathBuf};
use wasmtime::component::Val;

/// Budgets and hooks of a shrink.
#[derive(Debug, Clone)]
pub struct ShrinkConfig {
    /// Most guest builds that are not in the cache.
    pub max_builds: usize,
    /// Most calls (each on a fresh instance).
    pub max_calls: usize,
    pub host: HostConfig,
    /// Echo-body overrides for every build: a test hook to shrink a finding
    /// of a deliberately faulty guest (see [`crate::guest::GuestSpec::overrides`]).
    pub overrides: Vec<(String, String)>,
}

impl Default for ShrinkConfig {
    fn default() -> Self {
        ShrinkConfig {
            max_builds: 200,
            max_calls: 2_000,
            host: HostConfig::default(),
            overrides: Vec::new(),
        }
    }
}

/// What a shrink did.
#[derive(Debug, Clone)]
pub struct ShrinkReport {
    pub dir: PathBuf,
    pub signature: Signature,
    /// Weight (world + values) before and after.
    pub weight_before: u64,
    pub weight_after: u64,
    /// Functions and named types before and after.
    pub funcs: (usize, usize),
    pub types: (usize, usize),
    /// Candidates tried and accepted.
    pub tried: usize,
    pub accepted: usize,
    pub builds: usize,
    pub calls: usize,
    /// Whether a budget ran out before the passes stopped helping.
    pub budget_exhausted: bool,
    /// Whether the stored reproducer was replaced.
    pub replaced: bool,
    /// The shrunk world as WIT, and the call as WAVE.
    pub world_wit: String,
    pub call: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ShrinkError {
    #[error(transparent)]
    Reproduce(#[from] ReproduceError),
    #[error(transparent)]
    Finding(#[from] FindingError),
    #[error(
        "{dir} does not reproduce, so there is nothing to shrink: replaying it {got} instead of \
         `{want}`. If the bug was fixed, keep the finding as a regression case (and drop its \
         suppression); if it is flaky, rerun the campaign to get a fresh reproducer."
    )]
    DoesNotReproduce {
        dir: String,
        want: String,
        got: String,
    },
    #[error(
        "{dir} is not an echo finding (it replays as `{family}`): `witness shrink` reduces echo \
         findings; resources findings are shrunk by `witness resources` itself, and abi findings \
         are single cases already."
    )]
    NotEcho { dir: String, family: String },
}

/// Shrinks the finding in `dir` (see the module docs) and writes the result
/// back when it is lighter.
pub fn shrink(
    dir: &Path,
    cache: &Cache,
    config: &ShrinkConfig,
) -> Result<ShrinkReport, ShrinkError> {
    let found = crate::finding::load(dir)?;
    let meta = found.meta.clone();
    let (links, leak_cycles) = match &meta.replay {
        Replay::Echo { links, .. } => (links, None),
        Replay::EchoLeakCheck { links, cycles, .. } => (links, Some(*cycles)),
        _ => {
            return Err(ShrinkError::NotEcho {
                dir: dir.display().to_string(),
                family: format!("{:?}", crate::reproduce::FindingFamily::of(&meta.replay)),
            });
        }
    };
    let host = meta.limits.apply(config.host.clone());
    let mut reproducer = Reproducer::new(links, cache, host)?;
    reproducer.overrides = config.overrides.clone();
    let loaded = reproducer.load(dir)?;
    let seed = loaded.instance_seed;
    let first = match leak_cycles {
        None => reproducer.run(&loaded.world, loaded.call.as_ref(), seed)?,
        Some(cycles) => reproducer.leak_check(&loaded.world, seed, cycles)?,
    };
    let failure = match first {
        Some(f) if reproducer.signature(&f) == loaded.signature => f,
        other => {
            return Err(ShrinkError::DoesNotReproduce {
                dir: dir.display().to_string(),
                want: loaded.signature.text(),
                got: match other {
                    Some(f) => format!("fails differently (`{}`)", reproducer.signature(&f).text()),
                    None => "passes".to_string(),
                },
            });
        }
    };
    let mut shrinker = Shrinker {
        reproducer,
        config,
        leak_cycles,
        seed,
        signature: loaded.signature.clone(),
        world: loaded.world.clone(),
        call: loaded.call.clone(),
        failure,
        tried: 0,
        accepted: 0,
        exhausted: false,
    };
    shrinker.run();

    let versions = shrinker.reproducer.versions();
    let mut finding = shrinker.failure.to_finding(
        &shrinker.reproducer.language(),
        &shrinker.world,
        shrinker.call.as_ref(),
        meta.replay.clone(),
        meta.limits,
        versions,
    );
    finding.meta.link = meta.link.clone();
    // `dir` may be a bare name (`witness shrink c-trap-1234` in the
    // findings directory), whose parent is the empty path.
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let store = FindingStore::open(parent)?;
    let weight_before = meta.weight;
    let weight_after = finding.meta.weight;
    let replaced = if finding.meta.id == meta.id {
        store.replace_reproducer(finding.clone())?
    } else {
        false
    };
    Ok(ShrinkReport {
        dir: dir.to_path_buf(),
        signature: shrinker.signature.clone(),
        weight_before,
        weight_after,
        funcs: (loaded.world.funcs.len(), shrinker.world.funcs.len()),
        types: (loaded.world.types.len(), shrinker.world.types.len()),
        tried: shrinker.tried,
        accepted: shrinker.accepted,
        builds: shrinker.reproducer.builds.get(),
        calls: shrinker.reproducer.calls.get(),
        budget_exhausted: shrinker.exhausted,
        replaced,
        world_wit: finding.world_wit,
        call: finding.call,
    })
}

struct Shrinker<'c> {
    reproducer: Reproducer,
    config: &'c ShrinkConfig,
    /// For a leak-check finding: the check's calls (each candidate is
    /// checked so instead of being called once).
    leak_cycles: Option<u64>,
    seed: u64,
    signature: Signature,
    world: CaseWorld,
    call: Option<Call>,
    failure: Failure,
    tried: usize,
    accepted: usize,
    exhausted: bool,
}

impl Shrinker<'_> {
    fn run(&mut self) {
        loop {
            let before = self.cost();
            self.world_passes();
            self.value_passes();
            if self.exhausted || self.cost() >= before {
                break;
            }
        }
    }

    fn cost(&self) -> Cost {
        cost(&self.world, self.call.as_ref())
    }

    /// Tries one candidate; keeps it when it is simpler and still fails
    /// with the same signature.
    fn attempt(&mut self, world: CaseWorld, call: Option<Call>) -> bool {
        if self.exhausted {
            return false;
        }
        if cost(&world, call.as_ref()) >= self.cost() {
            return false;
        }
        let same_world = world == self.world;
        if !same_world && self.reproducer.builds.get() >= self.config.max_builds {
            self.exhausted = true;
            return false;
        }
        if call.is_some() && self.reproducer.calls.get() >= self.config.max_calls {
            self.exhausted = true;
            return false;
        }
        self.tried += 1;
        let outcome = match self.leak_cycles {
            None => self.reproducer.run(&world, call.as_ref(), self.seed),
            Some(cycles) => self.reproducer.leak_check(&world, self.seed, cycles),
        };
        match outcome {
            Ok(Some(failure)) if self.reproducer.signature(&failure) == self.signature => {
                self.world = world;
                self.call = call;
                self.failure = failure;
                self.accepted += 1;
                true
            }
            _ => false,
        }
    }

    /// Tries world candidates from `make` (recomputed after each success)
    /// until none is accepted.
    fn world_pass(&mut self, make: fn(&CaseWorld, Option<&Call>) -> Vec<CaseWorld>) {
        'again: loop {
            for candidate in make(&self.world, self.call.as_ref()) {
                let candidate = drop_unused_types(candidate);
                let call = self
                    .call
                    .as_ref()
                    .and_then(|c| convert_call(&self.world, &candidate, c));
                if self.call.is_some() && call.is_none() {
                    continue;
                }
                if self.attempt(candidate, call) {
                    continue 'again;
                }
                if self.exhausted {
                    return;
                }
            }
            return;
        }
    }

    fn world_passes(&mut self) {
        self.world_pass(only_the_called_function);
        self.world_pass(fewer_functions);
        self.world_pass(fewer_params);
        self.world_pass(fewer_members);
        self.world_pass(simpler_types);
        self.world_pass(shorter_names);
    }

    fn value_passes(&mut self) {
        'again: loop {
            let Some(call) = self.call.clone() else {
                return;
            };
            let Some(func) = self
                .world
                .funcs
                .iter()
                .find(|f| f.name == call.func)
                .cloned()
            else {
                return;
            };
            let mut candidates = Vec::new();
            for (i, (param, arg)) in func.params.iter().zip(&call.args).enumerate() {
                for v in val_rewrites(&self.world, &param.ty, arg) {
                    let mut c = call.clone();
                    c.args[i] = v;
                    candidates.push(c);
                }
            }
            if let (Some(ty), Some(result)) = (&func.result, &call.result) {
                for v in val_rewrites(&self.world, ty, result) {
                    let mut c = call.clone();
                    c.result = Some(v);
                    candidates.push(c);
                }
            }
            for c in candidates {
                if self.attempt(self.world.clone(), Some(c)) {
                    continue 'again;
                }
                if self.exhausted {
                    return;
                }
            }
            return;
        }
    }
}

/// How complex a candidate is: the world's weight, the values' weight, then
/// the length of all names, then the magnitude of the values. Candidates
/// must be strictly smaller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Cost {
    world: usize,
    values: usize,
    names: usize,
    magnitude: u128,
}

fn cost(world: &CaseWorld, call: Option<&Call>) -> Cost {
    let vals = || {
        call.into_iter()
            .flat_map(|c| c.args.iter().chain(&c.result))
    };
    let mut names = 0;
    for def in &world.types {
        names += def.name.len();
        match &def.kind {
            TypeDefKind::Record(fs) => names += fs.iter().map(|f| f.name.len()).sum::<usize>(),
            TypeDefKind::Variant(cs) => names += cs.iter().map(|c| c.name.len()).sum::<usize>(),
            TypeDefKind::Enum(cs) | TypeDefKind::Flags(cs) => {
                names += cs.iter().map(String::len).sum::<usize>()
            }
            TypeDefKind::Resource(ms) | TypeDefKind::GuestResource(ms) => {
                names += ms.iter().map(|m| m.name.len()).sum::<usize>()
            }
            TypeDefKind::Alias(_) => {}
        }
    }
    for f in &world.funcs {
        names += f.name.len() + f.params.iter().map(|p| p.name.len()).sum::<usize>();
    }
    Cost {
        world: world.weight(),
        values: vals().map(value::val_weight).sum(),
        names,
        magnitude: vals().map(magnitude).fold(0u128, u128::saturating_add),
    }
}

/// How far a value is from the simplest of its shape: numbers by their
/// size, chars by their code, `true` as 1.
fn magnitude(v: &Val) -> u128 {
    let sum =
        |vs: &mut dyn Iterator<Item = &Val>| vs.map(magnitude).fold(0u128, u128::saturating_add);
    match v {
        Val::Bool(b) => u128::from(*b),
        Val::S8(x) => x.unsigned_abs().into(),
        Val::S16(x) => x.unsigned_abs().into(),
        Val::S32(x) => x.unsigned_abs().into(),
        Val::S64(x) => x.unsigned_abs().into(),
        Val::U8(x) => (*x).into(),
        Val::U16(x) => (*x).into(),
        Val::U32(x) => (*x).into(),
        Val::U64(x) => (*x).into(),
        Val::Float32(x) => u128::from(x.to_bits() != 0),
        Val::Float64(x) => u128::from(x.to_bits() != 0),
        Val::Char(c) => u128::from(*c as u32),
        Val::String(s) => s.chars().map(|c| u128::from(c as u32)).sum(),
        Val::List(vs) | Val::FixedLengthList(vs) | Val::Tuple(vs) => sum(&mut vs.iter()),
        Val::Record(fs) => sum(&mut fs.iter().map(|(_, v)| v)),
        Val::Map(es) => sum(&mut es.iter().flat_map(|(k, v)| [k, v])),
        Val::Variant(_, p) | Val::Option(p) | Val::Result(Ok(p) | Err(p)) => {
            p.as_deref().map_or(0, magnitude) + u128::from(matches!(v, Val::Result(Err(_))))
        }
        Val::Enum(_) | Val::Flags(_) => 0,
        _ => 0,
    }
}

// ---------------------------------------------------------------------------
// World candidates
// ---------------------------------------------------------------------------

/// The world with only the called function.
fn only_the_called_function(world: &CaseWorld, call: Option<&Call>) -> Vec<CaseWorld> {
    let Some(call) = call else { return Vec::new() };
    if world.funcs.len() <= 1 {
        return Vec::new();
    }
    let funcs: Vec<Func> = world
        .funcs
        .iter()
        .filter(|f| f.name == call.func)
        .cloned()
        .collect();
    vec![CaseWorld {
        types: world.types.clone(),
        funcs,
    }]
}

/// Chunks of `n` items to drop, largest first: halves, quarters, ... single
/// items (delta debugging's complements).
fn chunks(n: usize) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut size = n / 2;
    while size >= 1 {
        let mut start = 0;
        while start < n {
            out.push(start..(start + size).min(n));
            start += size;
        }
        if size == 1 {
            break;
        }
        size /= 2;
    }
    if n == 1 {
        out.push(0..1);
    }
    out
}

fn without<T: Clone>(items: &[T], range: &std::ops::Range<usize>) -> Vec<T> {
    items
        .iter()
        .enumerate()
        .filter(|(i, _)| !range.contains(i))
        .map(|(_, x)| x.clone())
        .collect()
}

/// Functions dropped in chunks (for findings without a call: builds).
fn fewer_functions(world: &CaseWorld, call: Option<&Call>) -> Vec<CaseWorld> {
    if call.is_some() || world.funcs.len() <= 1 {
        return Vec::new();
    }
    chunks(world.funcs.len())
        .iter()
        .map(|r| CaseWorld {
            types: world.types.clone(),
            funcs: without(&world.funcs, r),
        })
        .filter(|w| !w.funcs.is_empty())
        .collect()
}

/// Each parameter dropped, and each result.
fn fewer_params(world: &CaseWorld, _call: Option<&Call>) -> Vec<CaseWorld> {
    let mut out = Vec::new();
    for (f, func) in world.funcs.iter().enumerate() {
        for r in chunks(func.params.len()) {
            let mut w = world.clone();
            w.funcs[f].params = without(&func.params, &r);
            out.push(w);
        }
        if func.result.is_some() {
            let mut w = world.clone();
            w.funcs[f].result = None;
            out.push(w);
        }
    }
    out
}

/// Record fields, variant cases, enum cases and flags dropped in chunks
/// (at least one stays).
fn fewer_members(world: &CaseWorld, _call: Option<&Call>) -> Vec<CaseWorld> {
    let mut out = Vec::new();
    for (t, def) in world.types.iter().enumerate() {
        let n = match &def.kind {
            TypeDefKind::Record(fs) => fs.len(),
            TypeDefKind::Variant(cs) => cs.len(),
            TypeDefKind::Enum(cs) | TypeDefKind::Flags(cs) => cs.len(),
            TypeDefKind::Resource(ms) | TypeDefKind::GuestResource(ms) => ms.len(),
            TypeDefKind::Alias(_) => 0,
        };
        for r in chunks(n) {
            if r.len() >= n {
                continue;
            }
            let mut w = world.clone();
            w.types[t].kind = match &def.kind {
                TypeDefKind::Record(fs) => TypeDefKind::Record(without(fs, &r)),
                TypeDefKind::Variant(cs) => TypeDefKind::Variant(without(cs, &r)),
                TypeDefKind::Enum(cs) => TypeDefKind::Enum(without(cs, &r)),
                TypeDefKind::Flags(cs) => TypeDefKind::Flags(without(cs, &r)),
                // The echo of a dropped member is echoed through `upstream`.
                TypeDefKind::Resource(ms) => TypeDefKind::Resource(without(ms, &r)),
                // A guest resource keeps its constructor: the host makes
                // every one through it.
                TypeDefKind::GuestResource(ms) => {
                    let kept = without(ms, &r);
                    if !kept
                        .iter()
                        .any(|m| m.kind == crate::ty::MemberKind::Constructor)
                    {
                        continue;
                    }
                    TypeDefKind::GuestResource(kept)
                }
                TypeDefKind::Alias(_) => continue,
            };
            out.push(w);
        }
        if let TypeDefKind::Variant(cases) = &def.kind {
            for (c, case) in cases.iter().enumerate() {
                if case.ty.is_some() {
                    let mut w = world.clone();
                    if let TypeDefKind::Variant(cs) = &mut w.types[t].kind {
                        cs[c].ty = None;
                    }
                    out.push(w);
                }
            }
        }
    }
    out
}

/// Every way to replace one type node by a simpler type: a container by
/// its element, a named type by one of its parts, anything by `bool` or
/// `u8`.
fn ty_rewrites(world: &CaseWorld, ty: &Ty) -> Vec<Ty> {
    let mut out: Vec<Ty> = Vec::new();
    match ty {
        Ty::List(t) | Ty::Option(t) => out.push((**t).clone()),
        Ty::FixedList(t, n) => {
            out.push((**t).clone());
            if *n > 1 {
                out.push(Ty::FixedList(t.clone(), 1));
            }
        }
        Ty::Map(k, v) => {
            out.push((**k).clone());
            out.push((**v).clone());
        }
        Ty::Tuple(ts) => {
            out.extend(ts.iter().cloned());
            if ts.len() > 1 {
                for r in chunks(ts.len()) {
                    let rest = without(ts, &r);
                    if !rest.is_empty() {
                        out.push(Ty::Tuple(rest));
                    }
                }
            }
        }
        Ty::Result { ok, err } => {
            out.extend(ok.iter().map(|t| (**t).clone()));
            out.extend(err.iter().map(|t| (**t).clone()));
            if ok.is_some() {
                out.push(Ty::Result {
                    ok: None,
                    err: err.clone(),
                });
            }
            if err.is_some() {
                out.push(Ty::Result {
                    ok: ok.clone(),
                    err: None,
                });
            }
        }
        Ty::Named(i) => match &world.def(*i).kind {
            TypeDefKind::Alias(t) => out.push(t.clone()),
            TypeDefKind::Record(fs) => out.extend(fs.iter().map(|f| f.ty.clone())),
            TypeDefKind::Variant(cs) => out.extend(cs.iter().filter_map(|c| c.ty.clone())),
            TypeDefKind::Enum(_)
            | TypeDefKind::Flags(_)
            | TypeDefKind::Resource(_)
            | TypeDefKind::GuestResource(_) => {}
        },
        _ => {}
    }
    // Children, rewritten in place.
    match ty {
        Ty::List(t) => out.extend(
            ty_rewrites(world, t)
                .into_iter()
                .map(|t| Ty::List(Box::new(t))),
        ),
        Ty::Option(t) => out.extend(
            ty_rewrites(world, t)
                .into_iter()
                .map(|t| Ty::Option(Box::new(t))),
        ),
        Ty::FixedList(t, n) => out.extend(
            ty_rewrites(world, t)
                .into_iter()
                .map(|t| Ty::FixedList(Box::new(t), *n)),
        ),
        Ty::Map(k, v) => {
            out.extend(
                ty_rewrites(world, v)
                    .into_iter()
                    .map(|v| Ty::Map(k.clone(), Box::new(v))),
            );
        }
        Ty::Tuple(ts) => {
            for (i, t) in ts.iter().enumerate() {
                for r in ty_rewrites(world, t) {
                    let mut ts = ts.clone();
                    ts[i] = r;
                    out.push(Ty::Tuple(ts));
                }
            }
        }
        Ty::Result { ok, err } => {
            if let Some(t) = ok {
                out.extend(ty_rewrites(world, t).into_iter().map(|t| Ty::Result {
                    ok: Some(Box::new(t)),
                    err: err.clone(),
                }));
            }
            if let Some(t) = err {
                out.extend(ty_rewrites(world, t).into_iter().map(|t| Ty::Result {
                    ok: ok.clone(),
                    err: Some(Box::new(t)),
                }));
            }
        }
        _ => {}
    }
    for scalar in [Ty::Bool, Ty::U8] {
        if *ty != scalar {
            out.push(scalar);
        }
    }
    let mut unique = Vec::new();
    for t in out {
        if t != *ty && !unique.contains(&t) {
            unique.push(t);
        }
    }
    unique
}

/// One type position of a world.
#[derive(Clone, Copy)]
enum Slot {
    Param(usize, usize),
    Result(usize),
    Field(usize, usize),
    Payload(usize, usize),
    Alias(usize),
}

fn slots(world: &CaseWorld) -> Vec<(Slot, Ty)> {
    let mut out = Vec::new();
    for (f, func) in world.funcs.iter().enumerate() {
        for (p, param) in func.params.iter().enumerate() {
            out.push((Slot::Param(f, p), param.ty.clone()));
        }
        if let Some(t) = &func.result {
            out.push((Slot::Result(f), t.clone()));
        }
    }
    for (t, def) in world.types.iter().enumerate() {
        match &def.kind {
            TypeDefKind::Record(fs) => {
                out.extend(
                    fs.iter()
                        .enumerate()
                        .map(|(i, f)| (Slot::Field(t, i), f.ty.clone())),
                );
            }
            TypeDefKind::Variant(cs) => {
                out.extend(
                    cs.iter()
                        .enumerate()
                        .filter_map(|(i, c)| Some((Slot::Payload(t, i), c.ty.clone()?))),
                );
            }
            TypeDefKind::Alias(ty) => out.push((Slot::Alias(t), ty.clone())),
            TypeDefKind::Enum(_)
            | TypeDefKind::Flags(_)
            | TypeDefKind::Resource(_)
            | TypeDefKind::GuestResource(_) => {}
        }
    }
    out
}

fn set_slot(world: &mut CaseWorld, slot: Slot, ty: Ty) {
    match slot {
        Slot::Param(f, p) => world.funcs[f].params[p].ty = ty,
        Slot::Result(f) => world.funcs[f].result = Some(ty),
        Slot::Field(t, i) => {
            if let TypeDefKind::Record(fs) = &mut world.types[t].kind {
                fs[i].ty = ty;
            }
        }
        Slot::Payload(t, i) => {
            if let TypeDefKind::Variant(cs) = &mut world.types[t].kind {
                cs[i].ty = Some(ty);
            }
        }
        Slot::Alias(t) => world.types[t].kind = TypeDefKind::Alias(ty),
    }
}

/// Each type position replaced by each of its simpler rewrites. Named types
/// may only refer to earlier ones, so a rewrite that would point a type at
/// itself or a later type is left out.
fn simpler_types(world: &CaseWorld, _call: Option<&Call>) -> Vec<CaseWorld> {
    let mut out = Vec::new();
    for (slot, ty) in slots(world) {
        let limit = match slot {
            Slot::Field(t, _) | Slot::Payload(t, _) | Slot::Alias(t) => t,
            Slot::Param(..) | Slot::Result(_) => world.types.len(),
        };
        for r in ty_rewrites(world, &ty) {
            let mut names = Vec::new();
            CaseWorld::direct_names(&r, &mut names);
            if names.iter().any(|&i| i >= limit) {
                continue;
            }
            let mut w = world.clone();
            set_slot(&mut w, slot, r);
            out.push(w);
        }
    }
    out
}

/// Short neutral names, one kind of name at a time: functions `f1`..,
/// parameters `a1`.., types `t1`.., members `m1`...
fn shorter_names(world: &CaseWorld, _call: Option<&Call>) -> Vec<CaseWorld> {
    let mut out = Vec::new();
    let mut w = world.clone();
    // A member's echo is named after its resource and member (see
    // `Member::echo_name`): renamed with them, below, not here.
    let echoes: Vec<String> = w
        .funcs
        .iter()
        .filter(|f| world.member_of(&f.name).is_some())
        .map(|f| f.name.clone())
        .collect();
    for (i, f) in w.funcs.iter_mut().enumerate() {
        if !echoes.contains(&f.name) {
            f.name = format!("f{}", i + 1);
        }
    }
    out.push(w);
    let mut w = world.clone();
    for f in &mut w.funcs {
        for (i, p) in f.params.iter_mut().enumerate() {
            p.name = format!("a{}", i + 1);
        }
    }
    out.push(w);
    let mut w = world.clone();
    for (i, t) in w.types.iter_mut().enumerate() {
        t.name = format!("t{}", i + 1);
    }
    relink_members(&mut w);
    out.push(w);
    let mut w = world.clone();
    for t in &mut w.types {
        let rename = |i: usize| format!("m{}", i + 1);
        match &mut t.kind {
            TypeDefKind::Record(fs) => fs
                .iter_mut()
                .enumerate()
                .for_each(|(i, f): (usize, &mut Field)| f.name = rename(i)),
            TypeDefKind::Variant(cs) => cs
                .iter_mut()
                .enumerate()
                .for_each(|(i, c): (usize, &mut Case)| c.name = rename(i)),
            TypeDefKind::Enum(cs) | TypeDefKind::Flags(cs) => {
                cs.iter_mut().enumerate().for_each(|(i, c)| *c = rename(i))
            }
            TypeDefKind::Resource(ms) | TypeDefKind::GuestResource(ms) => ms
                .iter_mut()
                .enumerate()
                .filter(|(_, m)| m.kind != crate::ty::MemberKind::Constructor)
                .for_each(|(i, m)| m.name = rename(i)),
            TypeDefKind::Alias(_) => {}
        }
    }
    relink_members(&mut w);
    out.push(w);
    out
}

/// Gives every member's echo the name its resource and member now give it
/// ([`crate::ty::Member::echo_name`]), so that the world's text reads back
/// as the world.
fn relink_members(world: &mut CaseWorld) {
    let mut renames = Vec::new();
    for t in &mut world.types {
        let resource = t.name.clone();
        if let Some(ms) = t.kind.members_mut() {
            for m in ms {
                let echo = crate::ty::Member::echo_name(&resource, m.kind, &m.name);
                renames.push((std::mem::replace(&mut m.echo, echo.clone()), echo));
            }
        }
    }
    for f in &mut world.funcs {
        if let Some((_, new)) = renames.iter().find(|(old, _)| *old == f.name) {
            f.name = new.clone();
        }
    }
}

// ---------------------------------------------------------------------------
// Values following the world
// ---------------------------------------------------------------------------

/// The lightest value of `ty`: what `arbitrary` answers when the bytes run
/// out.
fn lightest(world: &CaseWorld, ty: &Ty) -> Option<Val> {
    value::arbitrary_val(
        world,
        ty,
        &ValueConfig::default(),
        &mut Unstructured::new(&[]),
    )
    .ok()
}

/// The call of `old` carried over to `new`: the function by name (or by
/// position after a rename), the arguments by parameter name (or by
/// position), each value converted to its new type.
fn convert_call(old: &CaseWorld, new: &CaseWorld, call: &Call) -> Option<Call> {
    let old_index = old.funcs.iter().position(|f| f.name == call.func)?;
    let old_func = &old.funcs[old_index];
    let new_func = new
        .funcs
        .iter()
        .find(|f| f.name == call.func)
        .or_else(|| (old.funcs.len() == new.funcs.len()).then(|| &new.funcs[old_index]))?;
    let by_name = new_func
        .params
        .iter()
        .any(|p| old_func.params.iter().any(|q| q.name == p.name));
    let args = new_func
        .params
        .iter()
        .enumerate()
        .map(|(i, p): (usize, &Param)| {
            let old_at = if by_name {
                old_func.params.iter().position(|q| q.name == p.name)
            } else {
                (old_func.params.len() == new_func.params.len()).then_some(i)
            };
            match old_at.and_then(|j| Some((&old_func.params[j].ty, call.args.get(j)?))) {
                Some((old_ty, v)) => convert(old, old_ty, new, &p.ty, v),
                None => lightest(new, &p.ty),
            }
        })
        .collect::<Option<Vec<_>>>()?;
    let mut result = match (&old_func.result, &new_func.result, &call.result) {
        (Some(ot), Some(nt), Some(v)) => Some(convert(old, ot, new, nt, v)?),
        (_, Some(nt), _) => Some(lightest(new, nt)?),
        (_, None, _) => None,
    };
    let mut args = args;
    crate::host::handles::number_call(new, new_func, &mut args, result.as_mut());
    Some(Call {
        func: new_func.name.clone(),
        args,
        result,
    })
}

/// Position of `name` among `names`, or `index` when no name matches at
/// all and both lists are as long (a rename).
fn member_at(old: &[&str], new: &[&str], name: &str) -> Option<usize> {
    let index = old.iter().position(|n| *n == name)?;
    if new.contains(&name) {
        return new.iter().position(|n| *n == name);
    }
    let renamed = old.len() == new.len() && !old.iter().any(|n| new.contains(n));
    renamed.then_some(index)
}

/// `v` (of `old_ty` in `old`) as a value of `new_ty` in `new`: kept where
/// the shapes match, the matching part where a container became its
/// element, else the lightest value.
fn convert(old: &CaseWorld, old_ty: &Ty, new: &CaseWorld, new_ty: &Ty, v: &Val) -> Option<Val> {
    let ot = old.resolve(old_ty);
    let nt = new.resolve(new_ty);
    let same_kind = old.kind(ot) == new.kind(nt);
    let converted = match (ot, nt, v) {
        (Ty::Named(i), Ty::Named(j), v) if same_kind => {
            match (&old.def(*i).kind, &new.def(*j).kind, v) {
                (TypeDefKind::Record(of), TypeDefKind::Record(nf), Val::Record(vals)) => {
                    let old_names: Vec<&str> = of.iter().map(|f| f.name.as_str()).collect();
                    let new_names: Vec<&str> = nf.iter().map(|f| f.name.as_str()).collect();
                    let mut fields = Vec::new();
                    for (k, field) in nf.iter().enumerate() {
                        let from = of
                            .iter()
                            .enumerate()
                            .find(|(_, f)| member_at(&old_names, &new_names, &f.name) == Some(k));
                        let value = match from.and_then(|(o, f)| Some((f, &vals.get(o)?.1))) {
                            Some((f, val)) => convert(old, &f.ty, new, &field.ty, val)?,
                            None => lightest(new, &field.ty)?,
                        };
                        fields.push((field.name.clone(), value));
                    }
                    Some(Val::Record(fields))
                }
                (
                    TypeDefKind::Variant(oc),
                    TypeDefKind::Variant(nc),
                    Val::Variant(name, payload),
                ) => {
                    let old_names: Vec<&str> = oc.iter().map(|c| c.name.as_str()).collect();
                    let new_names: Vec<&str> = nc.iter().map(|c| c.name.as_str()).collect();
                    match member_at(&old_names, &new_names, name) {
                        Some(k) => {
                            let old_case = oc.iter().find(|c| c.name == *name)?;
                            let payload = match (&old_case.ty, &nc[k].ty, payload) {
                                (Some(ot), Some(nt), Some(p)) => {
                                    Some(Box::new(convert(old, ot, new, nt, p)?))
                                }
                                (_, Some(nt), _) => Some(Box::new(lightest(new, nt)?)),
                                (_, None, _) => None,
                            };
                            Some(Val::Variant(nc[k].name.clone(), payload))
                        }
                        None => None,
                    }
                }
                (TypeDefKind::Enum(oc), TypeDefKind::Enum(nc), Val::Enum(name)) => {
                    let old_names: Vec<&str> = oc.iter().map(String::as_str).collect();
                    let new_names: Vec<&str> = nc.iter().map(String::as_str).collect();
                    member_at(&old_names, &new_names, name).map(|k| Val::Enum(nc[k].clone()))
                }
                (TypeDefKind::Flags(of), TypeDefKind::Flags(nf), Val::Flags(set)) => {
                    let old_names: Vec<&str> = of.iter().map(String::as_str).collect();
                    let new_names: Vec<&str> = nf.iter().map(String::as_str).collect();
                    Some(Val::Flags(
                        set.iter()
                            .filter_map(|n| {
                                member_at(&old_names, &new_names, n).map(|k| nf[k].clone())
                            })
                            .collect(),
                    ))
                }
                _ => None,
            }
        }
        (Ty::List(a), Ty::List(b), Val::List(items)) => Some(Val::List(
            items
                .iter()
                .map(|x| convert(old, a, new, b, x))
                .collect::<Option<_>>()?,
        )),
        (Ty::FixedList(a, _), Ty::FixedList(b, n), Val::FixedLengthList(items)) => {
            let mut out: Vec<Val> = items
                .iter()
                .take(*n as usize)
                .map(|x| convert(old, a, new, b, x))
                .collect::<Option<_>>()?;
            while out.len() < *n as usize {
                out.push(lightest(new, b)?);
            }
            Some(Val::FixedLengthList(out))
        }
        (Ty::Map(ka, va), Ty::Map(kb, vb), Val::Map(entries)) => Some(Val::Map(
            entries
                .iter()
                .map(|(k, v)| Some((convert(old, ka, new, kb, k)?, convert(old, va, new, vb, v)?)))
                .collect::<Option<_>>()?,
        )),
        (Ty::Tuple(a), Ty::Tuple(b), Val::Tuple(items)) if a.len() == b.len() => Some(Val::Tuple(
            a.iter()
                .zip(b)
                .zip(items)
                .map(|((a, b), x)| convert(old, a, new, b, x))
                .collect::<Option<_>>()?,
        )),
        (Ty::Option(a), Ty::Option(b), Val::Option(p)) => Some(Val::Option(match p {
            Some(x) => Some(Box::new(convert(old, a, new, b, x)?)),
            None => None,
        })),
        (Ty::Result { ok: oo, err: oe }, Ty::Result { ok: no, err: ne }, Val::Result(r)) => {
            let side = |o: &Option<Box<Ty>>,
                        n: &Option<Box<Ty>>,
                        p: &Option<Box<Val>>|
             -> Option<Option<Box<Val>>> {
                Some(match (o, n, p) {
                    (Some(o), Some(n), Some(p)) => Some(Box::new(convert(old, o, new, n, p)?)),
                    (_, Some(n), _) => Some(Box::new(lightest(new, n)?)),
                    (_, None, _) => None,
                })
            };
            Some(Val::Result(match r {
                Ok(p) => Ok(side(oo, no, p)?),
                Err(p) => Err(side(oe, ne, p)?),
            }))
        }
        (a, b, v) if a == b && is_scalar(a) => Some(v.clone()),
        _ => None,
    };
    converted
        .or_else(|| unwrap_part(old, ot, new, nt, v))
        .or_else(|| lightest(new, new_ty))
}

fn is_scalar(ty: &Ty) -> bool {
    matches!(
        ty,
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
            | Ty::String
    )
}

/// When a type became one of its parts (`list<T>` → `T`, a record → one of
/// its field types), the first part of the old value of that kind.
fn unwrap_part(old: &CaseWorld, ot: &Ty, new: &CaseWorld, nt: &Ty, v: &Val) -> Option<Val> {
    let want = new.kind(nt);
    let parts: Vec<(Ty, &Val)> = match (ot, v) {
        (Ty::List(t) | Ty::FixedList(t, _), Val::List(xs) | Val::FixedLengthList(xs)) => {
            xs.iter().take(1).map(|x| ((**t).clone(), x)).collect()
        }
        (Ty::Option(t), Val::Option(Some(x))) => vec![((**t).clone(), &**x)],
        (Ty::Result { ok: Some(t), .. }, Val::Result(Ok(Some(x)))) => vec![((**t).clone(), &**x)],
        (Ty::Result { err: Some(t), .. }, Val::Result(Err(Some(x)))) => vec![((**t).clone(), &**x)],
        (Ty::Tuple(ts), Val::Tuple(xs)) => ts.iter().cloned().zip(xs).collect(),
        (Ty::Map(k, w), Val::Map(es)) => es
            .iter()
            .take(1)
            .flat_map(|(a, b)| [((**k).clone(), a), ((**w).clone(), b)])
            .collect(),
        (Ty::Named(i), v) => match (&old.def(*i).kind, v) {
            (TypeDefKind::Record(fs), Val::Record(vals)) => fs
                .iter()
                .map(|f| f.ty.clone())
                .zip(vals.iter().map(|(_, v)| v))
                .collect(),
            (TypeDefKind::Variant(cs), Val::Variant(name, Some(p))) => cs
                .iter()
                .find(|c| c.name == *name)
                .and_then(|c| c.ty.clone())
                .map(|t| (t, &**p))
                .into_iter()
                .collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    let (ty, part) = parts.into_iter().find(|(t, _)| old.kind(t) == want)?;
    convert(old, &ty, new, nt, part)
}

// ---------------------------------------------------------------------------
// Value candidates
// ---------------------------------------------------------------------------

/// Every single-step simplification of `v` (of type `ty`), at any depth,
/// the biggest steps first.
fn val_rewrites(world: &CaseWorld, ty: &Ty, v: &Val) -> Vec<Val> {
    let ty = world.resolve(ty);
    // A handle's number is the host's to give (see `host::handles`).
    if matches!(ty, Ty::Own(_) | Ty::Borrow(_)) {
        return Vec::new();
    }
    let mut out = Vec::new();
    // The node itself.
    match v {
        Val::Bool(true) => out.push(Val::Bool(false)),
        Val::S8(x) => out.extend(
            toward_zero(i128::from(*x))
                .into_iter()
                .map(|x| Val::S8(x as i8)),
        ),
        Val::S16(x) => out.extend(
            toward_zero(i128::from(*x))
                .into_iter()
                .map(|x| Val::S16(x as i16)),
        ),
        Val::S32(x) => out.extend(
            toward_zero(i128::from(*x))
                .into_iter()
                .map(|x| Val::S32(x as i32)),
        ),
        Val::S64(x) => out.extend(
            toward_zero(i128::from(*x))
                .into_iter()
                .map(|x| Val::S64(x as i64)),
        ),
        Val::U8(x) => out.extend(
            toward_zero(i128::from(*x))
                .into_iter()
                .map(|x| Val::U8(x as u8)),
        ),
        Val::U16(x) => out.extend(
            toward_zero(i128::from(*x))
                .into_iter()
                .map(|x| Val::U16(x as u16)),
        ),
        Val::U32(x) => out.extend(
            toward_zero(i128::from(*x))
                .into_iter()
                .map(|x| Val::U32(x as u32)),
        ),
        Val::U64(x) => out.extend(
            toward_zero(i128::from(*x))
                .into_iter()
                .map(|x| Val::U64(x as u64)),
        ),
        Val::Float32(x) if x.to_bits() != 0 => out.push(Val::Float32(0.0)),
        Val::Float64(x) if x.to_bits() != 0 => out.push(Val::Float64(0.0)),
        Val::Char(c) if *c != 'a' => out.push(Val::Char('a')),
        Val::String(s) if !s.is_empty() => {
            let chars: Vec<char> = s.chars().collect();
            out.push(Val::String(String::new()));
            let half = chars.len() / 2;
            if half > 0 {
                out.push(Val::String(chars[..half].iter().collect()));
                out.push(Val::String(chars[half..].iter().collect()));
            }
            if chars.len() <= 16 {
                for i in 0..chars.len() {
                    out.push(Val::String(
                        chars
                            .iter()
                            .enumerate()
                            .filter(|(j, _)| *j != i)
                            .map(|(_, c)| *c)
                            .collect(),
                    ));
                }
            }
            if chars.iter().any(|c| *c != 'a') {
                out.push(Val::String("a".repeat(chars.len())));
            }
        }
        Val::List(xs) if !xs.is_empty() => {
            for r in std::iter::once(0..xs.len()).chain(
                chunks(xs.len())
                    .into_iter()
                    .filter(|r| xs.len() <= 64 || r.len() > 1),
            ) {
                out.push(Val::List(without(xs, &r)));
            }
        }
        Val::Map(es) if !es.is_empty() => {
            for r in std::iter::once(0..es.len()).chain(chunks(es.len())) {
                out.push(Val::Map(without(es, &r)));
            }
        }
        Val::Flags(fs) if !fs.is_empty() => {
            for r in std::iter::once(0..fs.len()).chain(chunks(fs.len())) {
                out.push(Val::Flags(without(fs, &r)));
            }
        }
        Val::Option(Some(_)) => out.push(Val::Option(None)),
        _ => {}
    }
    if let Ty::Named(i) = ty {
        match (&world.def(*i).kind, v) {
            (TypeDefKind::Enum(cs), Val::Enum(name)) if cs.first() != Some(name) => {
                out.push(Val::Enum(cs[0].clone()))
            }
            (TypeDefKind::Variant(cs), Val::Variant(name, _)) => {
                for c in cs.iter().take_while(|c| c.name != *name) {
                    let payload = match &c.ty {
                        Some(t) => match lightest(world, t) {
                            Some(p) => Some(Box::new(p)),
                            None => continue,
                        },
                        None => None,
                    };
                    out.push(Val::Variant(c.name.clone(), payload));
                }
            }
            _ => {}
        }
    }
    if let (Ty::Result { ok, err }, Val::Result(Err(_))) = (ty, v) {
        let payload = ok.as_deref().and_then(|t| lightest(world, t)).map(Box::new);
        if ok.is_none() || payload.is_some() {
            out.push(Val::Result(Ok(payload)));
        }
        let _ = err;
    }
    // The children, one at a time.
    let child = |t: &Ty, x: &Val| val_rewrites(world, t, x);
    match (ty, v) {
        (Ty::List(t) | Ty::FixedList(t, _), Val::List(xs) | Val::FixedLengthList(xs)) => {
            for (i, x) in xs.iter().enumerate() {
                for r in child(t, x) {
                    let mut xs = xs.clone();
                    xs[i] = r;
                    out.push(if matches!(v, Val::List(_)) {
                        Val::List(xs)
                    } else {
                        Val::FixedLengthList(xs)
                    });
                }
            }
        }
        (Ty::Map(kt, vt), Val::Map(es)) => {
            for (i, (k, x)) in es.iter().enumerate() {
                for r in child(vt, x) {
                    let mut es = es.clone();
                    es[i] = (k.clone(), r);
                    out.push(Val::Map(es));
                }
                let _ = kt;
            }
        }
        (Ty::Tuple(ts), Val::Tuple(xs)) => {
            for (i, (t, x)) in ts.iter().zip(xs).enumerate() {
                for r in child(t, x) {
                    let mut xs = xs.clone();
                    xs[i] = r;
                    out.push(Val::Tuple(xs));
                }
            }
        }
        (Ty::Option(t), Val::Option(Some(x))) => {
            out.extend(
                child(t, x)
                    .into_iter()
                    .map(|r| Val::Option(Some(Box::new(r)))),
            );
        }
        (Ty::Result { ok, err }, Val::Result(r)) => match r {
            Ok(Some(x)) => {
                if let Some(t) = ok {
                    out.extend(
                        child(t, x)
                            .into_iter()
                            .map(|r| Val::Result(Ok(Some(Box::new(r))))),
                    );
                }
            }
            Err(Some(x)) => {
                if let Some(t) = err {
                    out.extend(
                        child(t, x)
                            .into_iter()
                            .map(|r| Val::Result(Err(Some(Box::new(r))))),
                    );
                }
            }
            _ => {}
        },
        (Ty::Named(i), _) => match (&world.def(*i).kind, v) {
            (TypeDefKind::Record(fs), Val::Record(vals)) => {
                for (k, (f, (name, x))) in fs.iter().zip(vals).enumerate() {
                    for r in child(&f.ty, x) {
                        let mut vals = vals.clone();
                        vals[k] = (name.clone(), r);
                        out.push(Val::Record(vals));
                    }
                }
            }
            (TypeDefKind::Variant(cs), Val::Variant(name, Some(x))) => {
                if let Some(t) = cs
                    .iter()
                    .find(|c| c.name == *name)
                    .and_then(|c| c.ty.as_ref())
                {
                    out.extend(
                        child(t, x)
                            .into_iter()
                            .map(|r| Val::Variant(name.clone(), Some(Box::new(r)))),
                    );
                }
            }
            _ => {}
        },
        _ => {}
    }
    out
}

/// `0`, then half the way, then (for small numbers) one step closer to
/// zero: big numbers shrink by halves, so a shrink never counts down.
fn toward_zero(x: i128) -> Vec<i128> {
    if x == 0 {
        return Vec::new();
    }
    let mut out = vec![0];
    if x / 2 != 0 {
        out.push(x / 2);
    }
    let step = x - x.signum();
    if x.abs() <= 64 && step != 0 && !out.contains(&step) {
        out.push(step);
    }
    out
}

#[cfg(test)]
mod tests;
