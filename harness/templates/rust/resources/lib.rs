//! The resources guest in Rust (see `wit/resources.wit` for the protocol).
//! Hand-written against the bindings wit-bindgen generates into
//! `bindings.rs`; witness fills in `FAULT` (`none` for real runs).

#[rustfmt::skip]
#[allow(warnings, clippy::all)]
mod bindings;

use bindings::exports::witness::resources::api::{
    Bundle, Guest, GuestThing, Handle, Key, Kind, Lens, Pair, Report, Thing, ThingBorrow,
};
use bindings::witness::resources::host::{self, Token};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// The deliberate fault this guest is built with (see `witness::resources::Fault`).
const FAULT: &str = "none";

struct Component;

bindings::export!(Component with_types_in bindings);

// ---- allocation statistics, for the leak detector -----------------------

struct Counting;

static LIVE_BYTES: AtomicU64 = AtomicU64::new(0);
static LIVE_OBJECTS: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE_BYTES.fetch_add(layout.size() as u64, Relaxed);
            LIVE_OBJECTS.fetch_add(1, Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE_BYTES.fetch_sub(layout.size() as u64, Relaxed);
        LIVE_OBJECTS.fetch_sub(1, Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE_BYTES.fetch_add(new_size as u64, Relaxed);
            LIVE_BYTES.fetch_sub(layout.size() as u64, Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

// ---- the guest's state ----------------------------------------------------

#[derive(Default)]
struct State {
    things: BTreeMap<u32, Thing>,
    tokens: BTreeMap<u32, Token>,
    live: u32,
    destroyed: Vec<u32>,
    /// Fault `keep-released`: tokens kept instead of dropped.
    kept: Vec<Token>,
    /// The handle index `stash-borrow` remembered.
    stash: Option<u32>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

/// Runs `f` on the state. Never drop a handle inside: its destructor
/// reaches the state too.
fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    STATE.with(|s| f(&mut s.borrow_mut()))
}

// ---- the guest's resource ---------------------------------------------------

struct MyThing {
    id: u32,
}

impl MyThing {
    fn create(id: u32) -> MyThing {
        with(|s| s.live += 1);
        if FAULT == "leak-memory" {
            std::mem::forget(vec![0u8; 256]);
        }
        MyThing { id }
    }
}

impl Drop for MyThing {
    fn drop(&mut self) {
        if FAULT == "never-destroy" {
            return;
        }
        with(|s| {
            s.live -= 1;
            s.destroyed.push(self.id);
            if FAULT == "destroy-twice" {
                s.destroyed.push(self.id);
            }
        });
    }
}

impl GuestThing for MyThing {
    fn new(id: u32) -> Self {
        MyThing::create(id)
    }

    fn id(&self) -> u32 {
        if FAULT == "wrong-id" {
            self.id + 1
        } else {
            self.id
        }
    }

    fn make(id: u32) -> Thing {
        Thing::new(MyThing::create(id))
    }
}

fn thing_id(thing: &Thing) -> u32 {
    thing.get::<MyThing>().id()
}

fn borrowed_thing_id(thing: &ThingBorrow<'_>) -> u32 {
    thing.get::<MyThing>().id()
}

/// Reads a borrowed token's id through its method and forwards the borrow
/// to the host.
fn borrowed_token_id(token: &Token) -> u32 {
    let id = token.id();
    host::see(token);
    id
}

fn keep(handle: Handle) {
    match handle {
        Handle::Thing(thing) => {
            let id = thing_id(&thing);
            let old = with(|s| s.things.insert(id, thing));
            drop(old);
        }
        Handle::Token(token) => {
            let id = token.id();
            let old = with(|s| s.tokens.insert(id, token));
            drop(old);
        }
    }
}

fn held_token(id: u32) -> Token {
    with(|s| s.tokens.remove(&id)).expect("the host asked for a token the guest does not hold")
}

fn give(key: Key) -> Option<Handle> {
    match key.kind {
        Kind::Thing => with(|s| s.things.remove(&key.id)).map(Handle::Thing),
        Kind::Token => with(|s| s.tokens.remove(&key.id)).map(Handle::Token),
    }
}

impl Guest for Component {
    type Thing = MyThing;

    fn status() -> Report {
        let (live, destroyed) = with(|s| (s.live, std::mem::take(&mut s.destroyed)));
        Report {
            live,
            destroyed,
            heap_bytes: Some(LIVE_BYTES.load(Relaxed)),
            heap_objects: Some(LIVE_OBJECTS.load(Relaxed)),
        }
    }

    fn hold(items: Vec<Option<Handle>>) {
        for handle in items.into_iter().flatten() {
            keep(handle);
        }
    }

    fn hold_bundle(b: Bundle) {
        for thing in b.things {
            keep(Handle::Thing(thing));
        }
        if let Some(token) = b.token {
            keep(Handle::Token(token));
        }
    }

    fn take(keys: Vec<Key>) -> Vec<Option<Handle>> {
        keys.into_iter().map(give).collect()
    }

    fn take_one(k: Key) -> Result<Handle, u32> {
        give(k).ok_or(k.id)
    }

    fn take_bundle(things: Vec<u32>, token: Option<u32>) -> Bundle {
        let things = things
            .into_iter()
            .filter_map(|id| with(|s| s.things.remove(&id)))
            .collect();
        let token = token.and_then(|id| with(|s| s.tokens.remove(&id)));
        Bundle { things, token }
    }

    fn swap(t: (Thing, Token)) -> (Token, Thing) {
        (t.1, t.0)
    }

    fn create(k: Key) {
        match k.kind {
            Kind::Thing => keep(Handle::Thing(Thing::new(MyThing::create(k.id)))),
            Kind::Token => keep(Handle::Token(Token::new(k.id))),
        }
    }

    fn release(k: Key) -> bool {
        match give(k) {
            None => false,
            Some(Handle::Token(token)) if FAULT == "keep-released" => {
                with(|s| s.kept.push(token));
                true
            }
            Some(handle) => {
                drop(handle);
                true
            }
        }
    }

    fn inspect(l: Lens<'_>) -> u32 {
        match l {
            Lens::Thing(thing) => borrowed_thing_id(&thing),
            Lens::Token(token) => borrowed_token_id(token),
        }
    }

    fn inspect_things(items: Vec<Option<ThingBorrow<'_>>>) -> Vec<Option<u32>> {
        items
            .iter()
            .map(|item| item.as_ref().map(borrowed_thing_id))
            .collect()
    }

    fn inspect_pair(p: Pair<'_>) -> (u32, u32) {
        (borrowed_thing_id(&p.thing), borrowed_token_id(p.token))
    }

    fn inspect_tuple(t: (ThingBorrow<'_>, &Token)) -> (u32, u32) {
        (borrowed_thing_id(&t.0), borrowed_token_id(t.1))
    }

    fn poke(k: Key) -> Option<u32> {
        if FAULT == "panic-on-poke" {
            panic!("deliberate fault: poke panics");
        }
        // Taken out and put back, so that no state borrow is held while the
        // host is called.
        match give(k)? {
            Handle::Thing(thing) => {
                let id = thing_id(&thing);
                if FAULT == "drop-on-poke" {
                    // Dropped, while the guest should still hold it.
                    drop(thing);
                    return Some(id);
                }
                keep(Handle::Thing(thing));
                Some(id)
            }
            Handle::Token(token) => {
                let id = borrowed_token_id(&token);
                with(|s| s.tokens.insert(k.id, token));
                Some(id)
            }
        }
    }

    fn misuse_use_after_drop(id: u32) -> u32 {
        let token = held_token(id);
        let index = token.handle();
        drop(token);
        // SAFETY: none; this is the misuse the host asked for.
        let stale = unsafe { Token::from_handle(index) };
        let id = stale.id();
        std::mem::forget(stale);
        id
    }

    fn misuse_double_drop(id: u32) {
        let token = held_token(id);
        let index = token.handle();
        drop(token);
        // SAFETY: none; this is the misuse the host asked for.
        drop(unsafe { Token::from_handle(index) });
    }

    fn misuse_keep_borrow(t: &Token) -> bool {
        if FAULT != "drop-kept-borrow" {
            // Takes the index out of the binding's handle, so the binding
            // does not drop the borrow when the call returns.
            let _ = t.take_handle();
        }
        true
    }

    fn stash_borrow(t: &Token) {
        let index = t.handle();
        with(|s| s.stash = Some(index));
    }

    fn misuse_use_stash() -> u32 {
        let index = with(|s| s.stash.take()).expect("stash-borrow was not called first");
        // SAFETY: none; this is the misuse the host asked for.
        let stale = unsafe { Token::from_handle(index) };
        let id = stale.id();
        std::mem::forget(stale);
        id
    }

    fn misuse_reuse_slot(old: u32, new: u32) -> (u32, u32, u32) {
        let token = held_token(old);
        let old_index = token.handle();
        drop(token);
        let fresh = Token::new(new);
        let new_index = fresh.handle();
        with(|s| s.tokens.insert(new, fresh));
        // SAFETY: none; this is the misuse the host asked for.
        let stale = unsafe { Token::from_handle(old_index) };
        let read = stale.id();
        std::mem::forget(stale);
        (old_index, new_index, read)
    }
}
