//! The reference model: a state machine of the component model's rules for
//! resource handles, which says for every step what must happen (what the
//! guest returns, which destructors run, which error stops an illegal
//! step), and generates sequences of steps from `arbitrary` bytes.
//!
//! The model tracks who owns each resource: the host (a [`ResourceAny`]
//! own handle in wasmtime's host table), the guest (a handle the guest
//! keeps), nobody because its destructor ran, or nobody because an illegal
//! step lost it. It also tracks whether the host still has a *stale* copy
//! of a handle it gave away or dropped, for the illegal steps that use one.
//!
//! Rules it encodes, from the component model's canonical ABI and
//! wasmtime's embedding API:
//! - passing an own handle moves it; the sender's copy is stale after;
//! - a destructor runs exactly once, when the last own handle is dropped,
//!   whoever drops it (a token's destructor is the host's, a thing's the
//!   guest's), and never for a borrow;
//! - a borrow lent for a call must be dropped by the callee before it
//!   returns, and an own handle cannot be dropped while it is lent;
//! - a handle index names whatever occupies its table slot now: a stale
//!   index traps while the slot is free, and silently names the new handle
//!   once the slot is reused (the free list hands out the most recently
//!   freed slot first);
//! - after a call fails, wasmtime refuses the instance (see
//!   [`super::messages`]): a step whose call must fail ends the sequence.
//!
//! [`ResourceAny`]: wasmtime::component::ResourceAny

use super::messages::ErrorClass;
use super::step::{Arg, Key, Kind, Step, Via};
use arbitrary::Unstructured;
use std::collections::{BTreeMap, BTreeSet};

/// Who owns a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// The host holds its own handle.
    Host,
    /// The guest holds it.
    Guest,
    /// Its destructor ran.
    Dead,
    /// An illegal step moved it into the guest's table with no owner.
    Lost,
}

/// What the model knows about one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entity {
    pub kind: Kind,
    pub owner: Owner,
    /// The host has a stale copy of a handle to it.
    pub stale: bool,
}

/// What a call must return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ret {
    Unit,
    /// A new own handle to this resource.
    Handle(Key),
    Id(u32),
    OptId(Option<u32>),
    Ids(Vec<Option<u32>>),
    Pair(u32, u32),
    Bool(bool),
    /// `take`: a handle per key, or none.
    Handles(Vec<Option<Key>>),
    /// `take-one`: a handle, or `err(id)`.
    TakeOne(Result<Key, u32>),
    /// `take-bundle`: the things and the token given back.
    Bundle(Vec<Key>, Option<Key>),
    /// `swap`: the token and the thing, in that order.
    Swapped(Key, Key),
    /// `guest-reuse-slot`: the same index twice, and the new token's id.
    Reused(u32),
}

/// How a step ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Normally, with this result.
    Returns(Ret),
    /// A host-side operation (`resource_drop`) fails with this error; the
    /// instance stays usable.
    Fails(ErrorClass),
    /// The call fails with this error; the instance is unusable after it.
    Traps(ErrorClass),
}

/// Everything the model expects of one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expect {
    pub outcome: Outcome,
    /// The resources whose destructor runs during the step.
    pub destroyed: Vec<Key>,
    /// The token ids the guest constructs (through the host) during it.
    pub constructed: Vec<u32>,
    /// For `drop-borrowed`: the drop the host tries inside the call must
    /// fail with this error.
    pub probe: Option<ErrorClass>,
}

impl Expect {
    fn returns(ret: Ret) -> Expect {
        Expect {
            outcome: Outcome::Returns(ret),
            destroyed: vec![],
            constructed: vec![],
            probe: None,
        }
    }

    fn traps(class: ErrorClass) -> Expect {
        Expect {
            outcome: Outcome::Traps(class),
            destroyed: vec![],
            constructed: vec![],
            probe: None,
        }
    }

    /// Whether the instance is unusable after this step.
    pub fn ends_sequence(&self) -> bool {
        matches!(self.outcome, Outcome::Traps(_))
    }
}

/// The model's state.
#[derive(Debug, Clone, Default)]
pub struct Model {
    entities: BTreeMap<u32, Entity>,
    ended: bool,
    /// Kept as the entities change (the leak check runs tens of thousands
    /// of steps).
    live_things: u32,
    live_tokens: BTreeSet<u32>,
}

impl Model {
    pub fn new() -> Model {
        Model::default()
    }

    pub fn entity(&self, id: u32) -> Option<&Entity> {
        self.entities.get(&id)
    }

    pub fn entities(&self) -> impl Iterator<Item = (Key, &Entity)> {
        self.entities
            .iter()
            .map(|(&id, e)| (Key { kind: e.kind, id }, e))
    }

    /// Whether a step ended the instance.
    pub fn ended(&self) -> bool {
        self.ended
    }

    /// Things constructed and not destroyed (lost ones included: nobody
    /// can destroy them).
    pub fn live_things(&self) -> u32 {
        self.live_things
    }

    /// Tokens made and not destroyed.
    pub fn live_tokens(&self) -> &BTreeSet<u32> {
        &self.live_tokens
    }

    fn is(&self, key: Key, owner: Owner) -> bool {
        self.entities
            .get(&key.id)
            .is_some_and(|e| e.kind == key.kind && e.owner == owner)
    }

    fn known(&self, key: Key) -> bool {
        self.entities
            .get(&key.id)
            .is_some_and(|e| e.kind == key.kind)
    }

    fn fresh(&self, id: u32) -> bool {
        id != 0 && !self.entities.contains_key(&id)
    }

    fn host_thing(&self, id: u32) -> bool {
        self.is(Key::thing(id), Owner::Host)
    }

    fn host_token(&self, id: u32) -> bool {
        self.is(Key::token(id), Owner::Host)
    }

    /// An id for a new resource.
    pub fn next_id(&self) -> u32 {
        self.entities.keys().next_back().map_or(1, |id| id + 1)
    }

    /// Whether `step` can run now: the resources it names exist and are
    /// where it needs them, the ids it creates are new, the instance is
    /// still usable. Shrinking drops the steps that stop being applicable.
    pub fn applicable(&self, step: &Step) -> bool {
        if self.ended {
            return false;
        }
        let distinct = |ids: &[u32]| ids.iter().collect::<BTreeSet<_>>().len() == ids.len();
        let passable = |arg: &Arg| match arg {
            Arg::Held(key) => self.is(*key, Owner::Host),
            Arg::NewToken(id) => self.fresh(*id),
        };
        match step {
            Step::New { id, .. } => self.fresh(*id),
            Step::Create { key } => self.fresh(key.id),
            Step::Hold { items } => {
                let ids: Vec<u32> = items.iter().flatten().map(|a| a.key().id).collect();
                distinct(&ids) && items.iter().flatten().all(passable)
            }
            Step::HoldBundle { things, token } => {
                let ids: Vec<u32> = things
                    .iter()
                    .copied()
                    .chain(token.map(|a| a.key().id))
                    .collect();
                distinct(&ids)
                    && things.iter().all(|&id| self.host_thing(id))
                    && token
                        .as_ref()
                        .is_none_or(|a| a.key().kind == Kind::Token && passable(a))
            }
            Step::Swap { thing, token } => {
                token.key().kind == Kind::Token
                    && token.key().id != *thing
                    && self.host_thing(*thing)
                    && passable(token)
            }
            Step::Take { keys } => {
                distinct(&keys.iter().map(|k| k.id).collect::<Vec<_>>())
                    && keys.iter().all(|k| self.known(*k))
            }
            Step::TakeOne { key } | Step::Release { key } | Step::Poke { key } => self.known(*key),
            Step::TakeBundle { things, token } => {
                distinct(things)
                    && things.iter().all(|&id| self.known(Key::thing(id)))
                    && token.is_none_or(|id| self.known(Key::token(id)))
            }
            Step::Drop { key } | Step::Inspect { key } | Step::HoldTwice { key } => {
                self.is(*key, Owner::Host)
            }
            Step::Method { thing } => self.host_thing(*thing),
            Step::InspectThings { items } => items.iter().flatten().all(|&id| self.host_thing(id)),
            Step::InspectPair { thing, token } | Step::InspectTuple { thing, token } => {
                self.host_thing(*thing) && self.host_token(*token)
            }
            Step::UseStale { key } | Step::DropStale { key } => self
                .entities
                .get(&key.id)
                .is_some_and(|e| e.kind == key.kind && e.stale),
            Step::DropBorrowed { key, token } => {
                self.is(*key, Owner::Host)
                    && self.host_token(*token)
                    && (key.kind == Kind::Thing || key.id == *token)
            }
            Step::GuestUseAfterDrop { token } | Step::GuestDoubleDrop { token } => {
                self.is(Key::token(*token), Owner::Guest)
            }
            Step::GuestKeepBorrow { token } | Step::GuestUseStash { token } => {
                self.host_token(*token)
            }
            Step::GuestReuseSlot { old, new } => {
                self.is(Key::token(*old), Owner::Guest) && self.fresh(*new)
            }
        }
    }

    fn add(&mut self, key: Key, owner: Owner) {
        self.entities.insert(
            key.id,
            Entity {
                kind: key.kind,
                owner,
                stale: false,
            },
        );
        match key.kind {
            Kind::Thing => self.live_things += 1,
            Kind::Token => {
                self.live_tokens.insert(key.id);
            }
        }
    }

    fn set(&mut self, key: Key, owner: Owner) {
        let entity = self
            .entities
            .get_mut(&key.id)
            .expect("the step is applicable");
        if entity.owner == Owner::Host && owner != Owner::Host {
            entity.stale = true;
        }
        if owner == Owner::Dead && entity.owner != Owner::Dead {
            match key.kind {
                Kind::Thing => self.live_things -= 1,
                Kind::Token => {
                    self.live_tokens.remove(&key.id);
                }
            }
        }
        entity.owner = owner;
    }

    /// Passes `arg` to the guest (a minted token is made first).
    fn pass(&mut self, arg: Arg, to: Owner) {
        match arg {
            Arg::Held(key) => self.set(key, to),
            Arg::NewToken(id) => self.add(Key::token(id), to),
        }
    }

    /// Gives back `key` from the guest if it holds it.
    fn give_back(&mut self, key: Key) -> Option<Key> {
        if self.is(key, Owner::Guest) {
            self.set(key, Owner::Host);
            Some(key)
        } else {
            None
        }
    }

    /// Runs `step` on the model and returns what must happen. The step must
    /// be [`applicable`](Model::applicable).
    pub fn apply(&mut self, step: &Step) -> Expect {
        assert!(
            self.applicable(step),
            "the model was asked to run a step that is not applicable: {step}"
        );
        let expect = match step {
            Step::New { id, .. } => {
                self.add(Key::thing(*id), Owner::Host);
                Expect::returns(Ret::Handle(Key::thing(*id)))
            }
            Step::Create { key } => {
                self.add(*key, Owner::Guest);
                let mut e = Expect::returns(Ret::Unit);
                if key.kind == Kind::Token {
                    e.constructed.push(key.id);
                }
                e
            }
            Step::Hold { items } => {
                for arg in items.iter().flatten() {
                    self.pass(*arg, Owner::Guest);
                }
                Expect::returns(Ret::Unit)
            }
            Step::HoldBundle { things, token } => {
                for &id in things {
                    self.set(Key::thing(id), Owner::Guest);
                }
                if let Some(arg) = token {
                    self.pass(*arg, Owner::Guest);
                }
                Expect::returns(Ret::Unit)
            }
            Step::Swap { thing, token } => {
                // Both go in and come straight back as new host handles.
                self.set(Key::thing(*thing), Owner::Guest);
                self.pass(*token, Owner::Guest);
                self.set(Key::thing(*thing), Owner::Host);
                self.set(token.key(), Owner::Host);
                Expect::returns(Ret::Swapped(token.key(), Key::thing(*thing)))
            }
            Step::Take { keys } => Expect::returns(Ret::Handles(
                keys.iter().map(|k| self.give_back(*k)).collect(),
            )),
            Step::TakeOne { key } => {
                Expect::returns(Ret::TakeOne(self.give_back(*key).ok_or(key.id)))
            }
            Step::TakeBundle { things, token } => {
                let things = things
                    .iter()
                    .filter_map(|&id| self.give_back(Key::thing(id)))
                    .collect();
                let token = token.and_then(|id| self.give_back(Key::token(id)));
                Expect::returns(Ret::Bundle(things, token))
            }
            Step::Release { key } => {
                if self.is(*key, Owner::Guest) {
                    self.set(*key, Owner::Dead);
                    let mut e = Expect::returns(Ret::Bool(true));
                    e.destroyed.push(*key);
                    e
                } else {
                    Expect::returns(Ret::Bool(false))
                }
            }
            Step::Drop { key } => {
                self.set(*key, Owner::Dead);
                let mut e = Expect::returns(Ret::Unit);
                e.destroyed.push(*key);
                e
            }
            Step::Method { thing } => Expect::returns(Ret::Id(*thing)),
            Step::Inspect { key } => Expect::returns(Ret::Id(key.id)),
            Step::InspectThings { items } => Expect::returns(Ret::Ids(items.clone())),
            Step::InspectPair { thing, token } | Step::InspectTuple { thing, token } => {
                Expect::returns(Ret::Pair(*thing, *token))
            }
            Step::Poke { key } => {
                Expect::returns(Ret::OptId(self.is(*key, Owner::Guest).then_some(key.id)))
            }
            Step::UseStale { .. } => Expect::traps(ErrorClass::StaleHandle),
            Step::DropStale { .. } => Expect {
                outcome: Outcome::Fails(ErrorClass::StaleHandle),
                destroyed: vec![],
                constructed: vec![],
                probe: None,
            },
            Step::DropBorrowed { key, token } => {
                let mut e = Expect::returns(match key.kind {
                    Kind::Token => Ret::Id(*token),
                    Kind::Thing => Ret::Pair(key.id, *token),
                });
                e.probe = Some(ErrorClass::BorrowedDrop);
                e
            }
            Step::HoldTwice { key } => {
                self.set(*key, Owner::Lost);
                Expect::traps(ErrorClass::StaleHandle)
            }
            Step::GuestUseAfterDrop { token } | Step::GuestDoubleDrop { token } => {
                self.set(Key::token(*token), Owner::Dead);
                let mut e = Expect::traps(ErrorClass::StaleHandle);
                e.destroyed.push(Key::token(*token));
                e
            }
            Step::GuestKeepBorrow { .. } => Expect::traps(ErrorClass::BorrowLeft),
            Step::GuestUseStash { .. } => Expect::traps(ErrorClass::StaleHandle),
            Step::GuestReuseSlot { old, new } => {
                self.set(Key::token(*old), Owner::Dead);
                self.add(Key::token(*new), Owner::Guest);
                let mut e = Expect::returns(Ret::Reused(*new));
                e.destroyed.push(Key::token(*old));
                e.constructed.push(*new);
                e
            }
        };
        if expect.ends_sequence() {
            self.ended = true;
        }
        expect
    }

    /// The steps that release everything still owned: the host drops its
    /// handles, the guest releases its own.
    pub fn teardown(&self) -> Vec<Step> {
        self.entities()
            .filter_map(|(key, e)| match e.owner {
                Owner::Host => Some(Step::Drop { key }),
                Owner::Guest => Some(Step::Release { key }),
                Owner::Dead | Owner::Lost => None,
            })
            .collect()
    }
}

/// `steps` without the ones that are not applicable where they stand, and
/// without anything after a step that ends the instance.
pub fn normalise(steps: &[Step]) -> Vec<Step> {
    let mut model = Model::new();
    let mut out = Vec::new();
    for step in steps {
        if model.applicable(step) {
            model.apply(step);
            out.push(step.clone());
        }
    }
    out
}

/// `steps` with ids renumbered 1, 2, 3... in order of first appearance.
pub fn renumber(steps: &[Step]) -> Vec<Step> {
    let mut map: BTreeMap<u32, u32> = BTreeMap::new();
    let mut out = steps.to_vec();
    for step in &mut out {
        for id in step.ids_mut() {
            let next = map.len() as u32 + 1;
            *id = *map.entry(*id).or_insert(next);
        }
    }
    out
}

/// How sequences are generated.
#[derive(Debug, Clone)]
pub struct GenConfig {
    /// The most steps in a sequence (before the teardown).
    pub max_steps: u32,
    /// Generate illegal steps too.
    pub illegal: bool,
    /// One step in this many is illegal (when they are on and one fits).
    pub illegal_one_in: u32,
    /// The most resources alive at once.
    pub max_live: usize,
}

impl Default for GenConfig {
    fn default() -> Self {
        GenConfig {
            max_steps: 24,
            illegal: true,
            illegal_one_in: 30,
            max_live: 8,
        }
    }
}

/// What kind of step the generator picks before filling in its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verb {
    New,
    Make,
    Create,
    Hold,
    HoldBundle,
    Swap,
    Take,
    TakeOne,
    TakeBundle,
    Release,
    Drop,
    Method,
    Inspect,
    InspectThings,
    InspectPair,
    InspectTuple,
    Poke,
    UseStale,
    DropStale,
    DropBorrowed,
    HoldTwice,
    GuestUseAfterDrop,
    GuestDoubleDrop,
    GuestKeepBorrow,
    GuestUseStash,
    GuestReuseSlot,
}

/// The legal verbs and their weights.
const LEGAL: &[(Verb, u32)] = &[
    (Verb::New, 4),
    (Verb::Make, 2),
    (Verb::Create, 5),
    (Verb::Hold, 6),
    (Verb::HoldBundle, 3),
    (Verb::Swap, 3),
    (Verb::Take, 4),
    (Verb::TakeOne, 3),
    (Verb::TakeBundle, 2),
    (Verb::Release, 5),
    (Verb::Drop, 5),
    (Verb::Method, 3),
    (Verb::Inspect, 3),
    (Verb::InspectThings, 2),
    (Verb::InspectPair, 2),
    (Verb::InspectTuple, 2),
    (Verb::Poke, 3),
];

/// The illegal verbs and their weights.
const ILLEGAL: &[(Verb, u32)] = &[
    (Verb::DropStale, 3),
    (Verb::DropBorrowed, 3),
    (Verb::UseStale, 1),
    (Verb::HoldTwice, 1),
    (Verb::GuestUseAfterDrop, 1),
    (Verb::GuestDoubleDrop, 1),
    (Verb::GuestKeepBorrow, 1),
    (Verb::GuestUseStash, 1),
    (Verb::GuestReuseSlot, 2),
];

/// What the generator can pick from in a state.
struct Pool {
    host: Vec<Key>,
    host_things: Vec<u32>,
    host_tokens: Vec<u32>,
    guest: Vec<Key>,
    guest_tokens: Vec<u32>,
    known: Vec<Key>,
    stale: Vec<Key>,
    live: usize,
}

impl Pool {
    fn of(model: &Model) -> Pool {
        let mut pool = Pool {
            host: vec![],
            host_things: vec![],
            host_tokens: vec![],
            guest: vec![],
            guest_tokens: vec![],
            known: vec![],
            stale: vec![],
            live: 0,
        };
        for (key, e) in model.entities() {
            pool.known.push(key);
            if e.stale {
                pool.stale.push(key);
            }
            match e.owner {
                Owner::Host => {
                    pool.host.push(key);
                    match key.kind {
                        Kind::Thing => pool.host_things.push(key.id),
                        Kind::Token => pool.host_tokens.push(key.id),
                    }
                }
                Owner::Guest => {
                    pool.guest.push(key);
                    if key.kind == Kind::Token {
                        pool.guest_tokens.push(key.id);
                    }
                }
                Owner::Dead | Owner::Lost => {}
            }
            if matches!(e.owner, Owner::Host | Owner::Guest) {
                pool.live += 1;
            }
        }
        pool
    }

    fn enabled(&self, verb: Verb, max_live: usize) -> bool {
        let room = self.live < max_live;
        match verb {
            Verb::New | Verb::Make | Verb::Create => room,
            Verb::Hold | Verb::HoldBundle => room || !self.host.is_empty(),
            Verb::Swap => !self.host_things.is_empty() && (room || !self.host_tokens.is_empty()),
            Verb::Take | Verb::TakeBundle | Verb::Release => !self.guest.is_empty(),
            Verb::TakeOne | Verb::Poke => !self.known.is_empty(),
            Verb::Drop | Verb::Inspect | Verb::HoldTwice => !self.host.is_empty(),
            Verb::Method | Verb::InspectThings => !self.host_things.is_empty(),
            Verb::InspectPair | Verb::InspectTuple => {
                !self.host_things.is_empty() && !self.host_tokens.is_empty()
            }
            Verb::UseStale | Verb::DropStale => !self.stale.is_empty(),
            Verb::DropBorrowed | Verb::GuestKeepBorrow | Verb::GuestUseStash => {
                !self.host_tokens.is_empty()
            }
            Verb::GuestUseAfterDrop | Verb::GuestDoubleDrop | Verb::GuestReuseSlot => {
                !self.guest_tokens.is_empty()
            }
        }
    }
}

fn pick_weighted(u: &mut Unstructured<'_>, options: &[(Verb, u32)]) -> arbitrary::Result<Verb> {
    let total: u32 = options.iter().map(|(_, w)| w).sum();
    let mut at = u.int_in_range(0..=total - 1)?;
    for &(verb, weight) in options {
        if at < weight {
            return Ok(verb);
        }
        at -= weight;
    }
    unreachable!("the weights add up to the total")
}

/// Picks a key from `keys`, sometimes (one in `other_one_in`) any known key
/// instead, so that steps on resources the guest does not hold are tried.
fn pick_key(u: &mut Unstructured<'_>, keys: &[Key], known: &[Key]) -> arbitrary::Result<Key> {
    if keys.is_empty() || u.ratio(1, 8)? {
        Ok(*u.choose(known)?)
    } else {
        Ok(*u.choose(keys)?)
    }
}

/// Generates one step for `model`'s state, or `None` when nothing fits.
pub(crate) fn generate_step(
    u: &mut Unstructured<'_>,
    model: &Model,
    config: &GenConfig,
) -> arbitrary::Result<Option<Step>> {
    let pool = Pool::of(model);
    let enabled = |options: &[(Verb, u32)]| -> Vec<(Verb, u32)> {
        options
            .iter()
            .copied()
            .filter(|(v, _)| pool.enabled(*v, config.max_live))
            .collect()
    };
    let illegal = enabled(ILLEGAL);
    let legal = enabled(LEGAL);
    let verb = if config.illegal
        && !illegal.is_empty()
        && (legal.is_empty() || u.ratio(1, config.illegal_one_in)?)
    {
        pick_weighted(u, &illegal)?
    } else if !legal.is_empty() {
        pick_weighted(u, &legal)?
    } else {
        return Ok(None);
    };
    let mut next = model.next_id();
    let mut fresh = || {
        next += 1;
        next - 1
    };
    let room = pool.live < config.max_live;
    // An own handle for the host to pass: one it holds, or a new token.
    let args_from =
        |u: &mut Unstructured<'_>, available: &mut Vec<Key>, fresh: &mut dyn FnMut() -> u32| {
            if !available.is_empty() && (!room || !u.ratio(1, 3)?) {
                let i = u.choose_index(available.len())?;
                Ok(Some(Arg::Held(available.remove(i))))
            } else if room {
                Ok(Some(Arg::NewToken(fresh())))
            } else {
                Ok(None)
            }
        };
    let step = match verb {
        Verb::New => Step::New {
            id: fresh(),
            via: Via::Constructor,
        },
        Verb::Make => Step::New {
            id: fresh(),
            via: Via::Static,
        },
        Verb::Create => {
            let id = fresh();
            Step::Create {
                key: if u.arbitrary()? {
                    Key::thing(id)
                } else {
                    Key::token(id)
                },
            }
        }
        Verb::Hold => {
            let mut available = pool.host.clone();
            let n = u.int_in_range(1..=4)?;
            let mut items = Vec::new();
            for _ in 0..n {
                if u.ratio(1, 5)? {
                    items.push(None);
                } else if let Some(arg) = args_from(u, &mut available, &mut fresh)? {
                    items.push(Some(arg));
                }
            }
            Step::Hold { items }
        }
        Verb::HoldBundle => {
            let mut things = Vec::new();
            let mut available = pool.host_things.clone();
            while !available.is_empty() && u.ratio(2, 3)? {
                let i = u.choose_index(available.len())?;
                things.push(available.remove(i));
            }
            let mut tokens: Vec<Key> = pool.host_tokens.iter().map(|&id| Key::token(id)).collect();
            let token = if u.ratio(2, 3)? {
                args_from(u, &mut tokens, &mut fresh)?
            } else {
                None
            };
            Step::HoldBundle { things, token }
        }
        Verb::Swap => {
            let thing = *u.choose(&pool.host_things)?;
            let mut tokens: Vec<Key> = pool.host_tokens.iter().map(|&id| Key::token(id)).collect();
            match args_from(u, &mut tokens, &mut fresh)? {
                Some(token) => Step::Swap { thing, token },
                None => return Ok(None),
            }
        }
        Verb::Take => {
            let n = u.int_in_range(1..=3)?;
            let mut keys: Vec<Key> = Vec::new();
            for _ in 0..n {
                let key = pick_key(u, &pool.guest, &pool.known)?;
                if !keys.iter().any(|k| k.id == key.id) {
                    keys.push(key);
                }
            }
            Step::Take { keys }
        }
        Verb::TakeOne => Step::TakeOne {
            key: pick_key(u, &pool.guest, &pool.known)?,
        },
        Verb::TakeBundle => {
            let mut things: Vec<u32> = Vec::new();
            for key in &pool.guest {
                if key.kind == Kind::Thing && u.ratio(2, 3)? {
                    things.push(key.id);
                }
            }
            let token = if pool.guest_tokens.is_empty() || u.ratio(1, 3)? {
                None
            } else {
                Some(*u.choose(&pool.guest_tokens)?)
            };
            Step::TakeBundle { things, token }
        }
        Verb::Release => Step::Release {
            key: pick_key(u, &pool.guest, &pool.known)?,
        },
        Verb::Drop => Step::Drop {
            key: *u.choose(&pool.host)?,
        },
        Verb::Method => Step::Method {
            thing: *u.choose(&pool.host_things)?,
        },
        Verb::Inspect => Step::Inspect {
            key: *u.choose(&pool.host)?,
        },
        Verb::InspectThings => {
            let n = u.int_in_range(1..=4)?;
            let mut items = Vec::new();
            for _ in 0..n {
                items.push(if u.ratio(1, 4)? {
                    None
                } else {
                    Some(*u.choose(&pool.host_things)?)
                });
            }
            Step::InspectThings { items }
        }
        Verb::InspectPair => Step::InspectPair {
            thing: *u.choose(&pool.host_things)?,
            token: *u.choose(&pool.host_tokens)?,
        },
        Verb::InspectTuple => Step::InspectTuple {
            thing: *u.choose(&pool.host_things)?,
            token: *u.choose(&pool.host_tokens)?,
        },
        Verb::Poke => Step::Poke {
            key: pick_key(u, &pool.guest, &pool.known)?,
        },
        Verb::UseStale => Step::UseStale {
            key: *u.choose(&pool.stale)?,
        },
        Verb::DropStale => Step::DropStale {
            key: *u.choose(&pool.stale)?,
        },
        Verb::DropBorrowed => {
            let token = *u.choose(&pool.host_tokens)?;
            if !pool.host_things.is_empty() && u.arbitrary()? {
                Step::DropBorrowed {
                    key: Key::thing(*u.choose(&pool.host_things)?),
                    token,
                }
            } else {
                Step::DropBorrowed {
                    key: Key::token(token),
                    token,
                }
            }
        }
        Verb::HoldTwice => Step::HoldTwice {
            key: *u.choose(&pool.host)?,
        },
        Verb::GuestUseAfterDrop => Step::GuestUseAfterDrop {
            token: *u.choose(&pool.guest_tokens)?,
        },
        Verb::GuestDoubleDrop => Step::GuestDoubleDrop {
            token: *u.choose(&pool.guest_tokens)?,
        },
        Verb::GuestKeepBorrow => Step::GuestKeepBorrow {
            token: *u.choose(&pool.host_tokens)?,
        },
        Verb::GuestUseStash => Step::GuestUseStash {
            token: *u.choose(&pool.host_tokens)?,
        },
        Verb::GuestReuseSlot => Step::GuestReuseSlot {
            old: *u.choose(&pool.guest_tokens)?,
            new: fresh(),
        },
    };
    Ok(model.applicable(&step).then_some(step))
}

/// Generates a sequence: a random number of steps, each picked from what
/// the model allows in its state, ending early after a step that ends the
/// instance. Steps are pushed to `steps` as they are made, so that what was
/// made before an error is kept.
pub fn generate(
    u: &mut Unstructured<'_>,
    config: &GenConfig,
    steps: &mut Vec<Step>,
) -> arbitrary::Result<()> {
    let len = u.int_in_range(1..=config.max_steps.max(1))?;
    let mut model = Model::new();
    let mut misses = 0;
    while (steps.len() as u32) < len && misses < 16 {
        match generate_step(u, &model, config)? {
            Some(step) => {
                let expect = model.apply(&step);
                steps.push(step);
                if expect.ends_sequence() {
                    break;
                }
            }
            None => misses += 1,
        }
    }
    Ok(())
}

/// The label of resources sequences in [`crate::seed`] streams.
pub const SEED_LABEL: u64 = 0x7265_736f_7572_6365;

/// Sequence `index` of campaign `seed`: always the same steps.
pub fn sequence(seed: u64, index: u64, config: &GenConfig) -> Vec<Step> {
    let bytes = crate::seed::bytes(seed, &[SEED_LABEL, index], 4096);
    let mut u = Unstructured::new(&bytes);
    let mut steps = Vec::new();
    // An error (the bytes ran out) ends the sequence where it got to: every
    // prefix the generator made is a valid sequence.
    let _ = generate(&mut u, config, &mut steps);
    steps
}

#[cfg(test)]
mod tests;
