//! Cases: everything about one case drawn from its seed stream, the
//! injection of an invalid case chosen among the places the valid run
//! offers, and the reference's simulation.

use arbitrary::{Arbitrary, Unstructured};
use wasmtime::component::Val;

use super::sim::{
    BadPtr, ChainSpec, GuestSpec, Injection, PlaceKind, SimError, Simulation, core_from_bits,
    simulate,
};
use super::sites::{Image, InvalidKind};
use crate::abi::memory::PAGE_SIZE;
use crate::abi::{Abi, CoreVal, Memory, StringEncoding};
use crate::rawguest::{CanonOptions, core_types, lift_requires, lower_requires};
use crate::ty::{CaseWorld, Func, Ty, TypeDefKind};
use crate::value::{ValueConfig, arbitrary_val, val_weight};
use crate::{seed, smith};

/// The seed stream label of abi cases (see [`crate::seed`]).
pub const ABI_STREAM: u64 = 4;

/// Bytes drawn for one case.
const CASE_BYTES: usize = 64 * 1024;

/// What a case tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CaseClass {
    /// One guest, valid values: every lowering and lifting byte for byte.
    Layout,
    /// One guest (or two), one invalid thing.
    Invalid(InvalidKind),
    /// Two or three guests with different string encodings.
    Transcode,
}

impl CaseClass {
    pub fn name(self) -> String {
        match self {
            CaseClass::Layout => "layout".into(),
            CaseClass::Invalid(k) => format!("invalid-{}", k.as_str()),
            CaseClass::Transcode => "transcode".into(),
        }
    }
}

/// One case, ready to build and run.
#[derive(Debug, Clone)]
pub struct Case {
    pub seed: u64,
    pub index: u64,
    pub class: CaseClass,
    pub world: CaseWorld,
    pub func: Func,
    pub chain: ChainSpec,
    pub injection: Option<Injection>,
    /// What the injection does, in words.
    pub note: Option<String>,
    pub sim: Simulation,
}

impl Case {
    /// A rough size, to keep the smallest reproducer of a finding.
    pub fn weight(&self) -> usize {
        let values: usize = self.chain.args.iter().map(val_weight).sum::<usize>()
            + self
                .chain
                .calls
                .iter()
                .flatten()
                .map(val_weight)
                .sum::<usize>()
            + self.chain.answer.iter().map(val_weight).sum::<usize>()
            + self
                .chain
                .results
                .iter()
                .flatten()
                .map(val_weight)
                .sum::<usize>();
        self.world.weight() + values
    }
}

/// Why there is no case at an index.
#[derive(Debug, Clone, thiserror::Error)]
pub enum NoCase {
    /// The bytes ran out before a world could be drawn.
    #[error("the generator could not draw a case from its bytes")]
    Exhausted,
    /// The world has two names that the component model counts as the same
    /// (equal without hyphens, ignoring case), which smith does not avoid.
    #[error("the drawn world has names a component may not have: {0}")]
    Names(String),
    /// The reference cannot run the case (a witness bug: it is reported).
    #[error(transparent)]
    Sim(#[from] SimError),
}

/// A name as the component model compares names: without hyphens, in
/// lower case (wasmparser's `KebabStr` equality).
fn canonical(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Two names of one scope that are the same to the component model.
pub(crate) fn name_clash(world: &CaseWorld) -> Option<String> {
    let clash = |what: &str, names: &mut dyn Iterator<Item = &String>| {
        let mut seen = std::collections::HashMap::new();
        for n in names {
            if let Some(prev) = seen.insert(canonical(n), n) {
                return Some(format!("{what} `{prev}` and `{n}`"));
            }
        }
        None
    };
    let scope = world
        .types
        .iter()
        .map(|t| &t.name)
        .chain(world.funcs.iter().map(|f| &f.name));
    if let Some(c) = clash("names", &mut scope.into_iter()) {
        return Some(c);
    }
    for t in &world.types {
        let found = match &t.kind {
            TypeDefKind::Record(fs) => clash("fields", &mut fs.iter().map(|f| &f.name)),
            TypeDefKind::Variant(cs) => clash("cases", &mut cs.iter().map(|c| &c.name)),
            TypeDefKind::Enum(ns) => clash("cases", &mut ns.iter()),
            TypeDefKind::Flags(ns) => clash("flags", &mut ns.iter()),
            TypeDefKind::Resource(ms) | TypeDefKind::GuestResource(ms) => {
                clash("members", &mut ms.iter().map(|m| &m.name))
            }
            TypeDefKind::Alias(_) => None,
        };
        if found.is_some() {
            return found;
        }
    }
    world
        .funcs
        .iter()
        .find_map(|f| clash("parameters", &mut f.params.iter().map(|p| &p.name)))
}

impl From<arbitrary::Error> for NoCase {
    fn from(_: arbitrary::Error) -> Self {
        NoCase::Exhausted
    }
}

fn mentions_string(world: &CaseWorld, ty: &Ty) -> bool {
    match world.resolve(ty) {
        Ty::String => true,
        Ty::List(t) | Ty::FixedList(t, _) | Ty::Option(t) => mentions_string(world, t),
        Ty::Map(k, v) => mentions_string(world, k) || mentions_string(world, v),
        Ty::Tuple(ts) => ts.iter().any(|t| mentions_string(world, t)),
        Ty::Result { ok, err } => ok
            .iter()
            .chain(err.iter())
            .any(|t| mentions_string(world, t)),
        Ty::Named(i) => match &world.types[*i].kind {
            TypeDefKind::Record(fs) => fs.iter().any(|f| mentions_string(world, &f.ty)),
            TypeDefKind::Variant(cs) => cs
                .iter()
                .filter_map(|c| c.ty.as_ref())
                .any(|t| mentions_string(world, t)),
            _ => false,
        },
        _ => false,
    }
}

fn options(
    u: &mut Unstructured<'_>,
    required: crate::rawguest::Required,
    encoding: StringEncoding,
    lift: bool,
) -> arbitrary::Result<CanonOptions> {
    let realloc = required.realloc || u.arbitrary()?;
    Ok(CanonOptions {
        encoding,
        // `realloc` needs `memory` beside it.
        memory: required.memory || realloc || u.arbitrary()?,
        realloc,
        post_return: lift && u.arbitrary()?,
    })
}

/// Values for the case's function, small most of the time.
fn value_config(u: &mut Unstructured<'_>) -> arbitrary::Result<ValueConfig> {
    Ok(if u.ratio(1u8, 8u8)? {
        ValueConfig {
            max_list_len: 64,
            max_string_len: 2048,
            max_depth: 8,
            budget: 8 * 1024,
        }
    } else {
        ValueConfig {
            max_list_len: 6,
            max_string_len: 48,
            max_depth: 5,
            budget: 300,
        }
    })
}

/// Draws case `index` of `seed`; `class` forces the class (for tests).
pub fn make_case(seed: u64, index: u64, class: Option<CaseClass>) -> Result<Case, NoCase> {
    let bytes = seed::bytes(seed, &[ABI_STREAM, index], CASE_BYTES);
    draw_case(&mut Unstructured::new(&bytes), seed, index, class)
}

/// Draws a case from `u` (the `abi_*` fuzz targets' bytes); `seed` and
/// `index` only label it. Running out of bytes is [`NoCase::Exhausted`].
pub fn draw_case(
    u: &mut Unstructured<'_>,
    seed: u64,
    index: u64,
    class: Option<CaseClass>,
) -> Result<Case, NoCase> {
    let roll = u.int_in_range(0..=99u8)?;
    let drawn = if roll < 45 {
        CaseClass::Layout
    } else if roll < 85 {
        CaseClass::Invalid(InvalidKind::Discriminant)
    } else {
        CaseClass::Transcode
    };
    let class = class.unwrap_or(drawn);
    let mut config = smith::Config::arbitrary(u)?;
    if class == CaseClass::Transcode {
        config.strings = true;
    }
    let world = smith::smith(&config, u)?;
    if let Some(clash) = name_clash(&world) {
        return Err(NoCase::Names(clash));
    }
    let abi = Abi::new(&world).map_err(|e| SimError(e.to_string()))?;
    let candidates: Vec<&Func> = match class {
        CaseClass::Transcode => world
            .funcs
            .iter()
            .filter(|f| {
                f.params.iter().any(|p| mentions_string(&world, &p.ty))
                    || f.result.iter().any(|t| mentions_string(&world, t))
            })
            .collect(),
        _ => Vec::new(),
    };
    let func = if candidates.is_empty() {
        u.choose(&world.funcs)?.clone()
    } else {
        (*u.choose(&candidates)?).clone()
    };
    let guests = match class {
        CaseClass::Layout => 1,
        CaseClass::Invalid(_) => {
            if u.ratio(1u8, 4u8)? {
                2
            } else {
                1
            }
        }
        CaseClass::Transcode => u.int_in_range(2..=3usize)?,
    };
    let lift_req = lift_requires(&abi, &func);
    let lower_req = lower_requires(&abi, &func);
    let mut specs: Vec<GuestSpec> = Vec::new();
    for k in 0..guests {
        let mut lift_enc = *u.choose(&StringEncoding::ALL)?;
        if class == CaseClass::Transcode && k > 0 {
            // The encoding this guest receives in differs from the one its
            // caller sends in.
            let caller = specs[k - 1].lower.encoding;
            if lift_enc == caller {
                let others: Vec<_> = StringEncoding::ALL
                    .into_iter()
                    .filter(|e| *e != caller)
                    .collect();
                lift_enc = *u.choose(&others)?;
            }
        }
        let lower_enc = *u.choose(&StringEncoding::ALL)?;
        specs.push(GuestSpec {
            lift: options(u, lift_req, lift_enc, true)?,
            lower: options(u, lower_req, lower_enc, false)?,
            abi_pages: u.int_in_range(1..=2)?,
            abi_first: u.arbitrary()?,
            realloc_place: *u.choose(&PlaceKind::ALL)?,
            image_place: *u.choose(&PlaceKind::ALL)?,
            place_seed: u.arbitrary()?,
        });
    }
    let vc = value_config(u)?;
    let vals = |u: &mut Unstructured<'_>| -> arbitrary::Result<Vec<Val>> {
        func.params
            .iter()
            .map(|p| arbitrary_val(&world, &p.ty, &vc, u))
            .collect()
    };
    let args = vals(u)?;
    let calls = (0..guests)
        .map(|_| vals(u))
        .collect::<arbitrary::Result<_>>()?;
    let result = |u: &mut Unstructured<'_>| -> arbitrary::Result<Option<Val>> {
        func.result
            .as_ref()
            .map(|t| arbitrary_val(&world, t, &vc, u))
            .transpose()
    };
    let answer = result(u)?;
    let results = (0..guests)
        .map(|_| result(u))
        .collect::<arbitrary::Result<_>>()?;
    let chain = ChainSpec {
        guests: specs,
        args,
        calls,
        answer,
        results,
    };

    let valid = simulate(
        &abi,
        &func,
        &chain,
        None,
        matches!(class, CaseClass::Invalid(_)),
    )?;
    let (class, injection, sim) = match class {
        CaseClass::Invalid(_) => match choose_injection(&abi, &func, &chain, &valid, u)? {
            Some((kind, injection)) => {
                let sim = simulate(&abi, &func, &chain, Some(&injection.0), false)?;
                (CaseClass::Invalid(kind), Some(injection), sim)
            }
            None => (CaseClass::Layout, None, valid),
        },
        class => (class, None, valid),
    };
    let (injection, note) = injection.unzip();
    Ok(Case {
        seed,
        index,
        class,
        world,
        func,
        chain,
        injection,
        note,
        sim,
    })
}

/// A case from explicit parts (`injection` with its note), simulated.
pub fn assemble(
    class: CaseClass,
    world: CaseWorld,
    func: Func,
    chain: ChainSpec,
    injection: Option<(Injection, String)>,
) -> Result<Case, NoCase> {
    let abi = Abi::new(&world).map_err(|e| SimError(e.to_string()))?;
    let sim = simulate(&abi, &func, &chain, injection.as_ref().map(|i| &i.0), false)?;
    let (injection, note) = injection.unzip();
    Ok(Case {
        seed: 0,
        index: 0,
        class,
        world,
        func,
        chain,
        injection,
        note,
        sim,
    })
}

/// The memory and flat values of a step image as the simulation serves it
/// (the flat values of a call step include its return pointer).
pub fn image_state(
    abi: &Abi<'_>,
    func: &Func,
    sim: &Simulation,
    image: Image,
) -> (Memory, Vec<CoreVal>) {
    let (lift_ty, lower_ty) = core_types(abi, func);
    let step = &sim.plan.steps[image.guest][usize::from(!image.call)];
    let mut mem = Memory::from_bytes(step.image.clone());
    let want = u64::from(step.pages) * PAGE_SIZE;
    if want > mem.len() {
        mem.grow(want - mem.len());
    }
    let types = if image.call {
        &lower_ty.params
    } else {
        &lift_ty.results
    };
    let flat = types
        .iter()
        .zip(&step.flat)
        .map(|(t, bits)| core_from_bits(*t, *bits))
        .collect();
    (mem, flat)
}

/// An injection with its note, as chosen for a kind.
type Chosen = (InvalidKind, (Injection, String));

/// A place for an injection of some kind.
enum Target {
    Site(usize),
    Alloc(usize),
}

/// Chooses an invalid kind among those the valid run offers a place for,
/// then the place and the details.
fn choose_injection(
    abi: &Abi<'_>,
    func: &Func,
    chain: &ChainSpec,
    valid: &Simulation,
    u: &mut Unstructured<'_>,
) -> Result<Option<Chosen>, NoCase> {
    let n = chain.guests.len();
    let image_of = |image: Image| image_state(abi, func, valid, image);
    let host_lift = |image: Image| {
        if image.call {
            image.guest + 1 == n
        } else {
            image.guest == 0
        }
    };
    let mut targets: Vec<(InvalidKind, Target)> = Vec::new();
    for (i, (image, site)) in valid.sites.iter().enumerate() {
        let step = &valid.plan.steps[image.guest][usize::from(!image.call)];
        let mem_len = u64::from(step.pages) * PAGE_SIZE;
        for kind in InvalidKind::ALL {
            let limit_ok = kind != InvalidKind::LengthLimit || (n == 1 && !image.call);
            if !kind.is_realloc() && limit_ok && kind.fits(site, mem_len, host_lift(*image)) {
                targets.push((kind, Target::Site(i)));
            }
        }
    }
    for (i, a) in valid.allocs.iter().enumerate() {
        let nth_in_phase = valid.allocs[..i]
            .iter()
            .filter(|b| b.guest == a.guest && b.phase == a.phase)
            .count();
        if a.call.align > 1 {
            targets.push((InvalidKind::ReallocAlign, Target::Alloc(i)));
        }
        targets.push((InvalidKind::ReallocBounds, Target::Alloc(i)));
        if nth_in_phase == 1 {
            targets.push((InvalidKind::ReallocSecond, Target::Alloc(i)));
        }
    }
    let mut kinds: Vec<InvalidKind> = targets.iter().map(|(k, _)| *k).collect();
    kinds.sort();
    kinds.dedup();
    // Strings at the length limit take hundreds of MiB: rarely.
    if kinds.len() > 1 && !u.ratio(1u8, 12u8)? {
        kinds.retain(|k| *k != InvalidKind::LengthLimit);
    }
    if kinds.is_empty() {
        return Ok(None);
    }
    let kind = *u.choose(&kinds)?;
    let of_kind: Vec<&Target> = targets
        .iter()
        .filter(|(k, _)| *k == kind)
        .map(|(_, t)| t)
        .collect();
    Ok(Some(match *u.choose(&of_kind)? {
        Target::Site(i) => {
            let (image, site) = &valid.sites[*i];
            let (mem, flat) = image_of(*image);
            let mutation = kind.mutate(site, &mem, &flat, u)?;
            let where_ = format!(
                "raw{}'s {} step",
                image.guest,
                if image.call { "call" } else { "return" }
            );
            let note = format!("{} in {where_}", mutation.note);
            (
                kind,
                (
                    Injection::Image {
                        image: *image,
                        mutation,
                    },
                    note,
                ),
            )
        }
        Target::Alloc(i) => {
            let a = valid.allocs[*i];
            let bad = match kind {
                InvalidKind::ReallocAlign => BadPtr::Misaligned,
                InvalidKind::ReallocBounds => *u.choose(&[BadPtr::PastEnd, BadPtr::Wrapping])?,
                _ if a.call.align > 1 => {
                    *u.choose(&[BadPtr::Misaligned, BadPtr::PastEnd, BadPtr::Wrapping])?
                }
                _ => *u.choose(&[BadPtr::PastEnd, BadPtr::Wrapping])?,
            };
            let note = format!(
                "realloc call {} of raw{} ({} in {:?}) returns a pointer {}",
                a.index,
                a.guest,
                a.call,
                a.phase,
                bad.as_str()
            );
            (
                kind,
                (
                    Injection::Realloc {
                        guest: a.guest,
                        index: a.index,
                        bad,
                    },
                    note,
                ),
            )
        }
    }))
}
