# The resources guest in Python, part 2 of 2: the exported functions (see
# wit/resources.wit for the protocol, api.py for the resource and the state).
# Hand-written against componentize-py's bindings.
#
# Handles are released the way the bindings offer: a token with `__exit__`
# (its context-manager exit), a thing by letting go of the last reference.
# Borrowed parameters are used and left alone: the bindings drop them when
# the call returns.
import gc
import tracemalloc

import wit_world
from wit_world import exports
from wit_world.exports import api as types
from wit_world.imports import host
from componentize_py_types import Err

import api
from api import FAULT, Thing, state


class WitWorld(wit_world.WitWorld):
    pass


def keep(handle):
    if isinstance(handle, types.Handle_Thing):
        state.things[handle.value.id()] = handle.value
    else:
        state.tokens[handle.value.id()] = handle.value


def give(key):
    if key.kind == types.Kind.THING:
        thing = state.things.pop(key.id, None)
        return None if thing is None else types.Handle_Thing(thing)
    token = state.tokens.pop(key.id, None)
    return None if token is None else types.Handle_Token(token)


def borrowed_token_id(token):
    """A borrowed token's id, read through its method; the borrow is also
    forwarded to the host."""
    id = token.id()
    host.see(token)
    return id


def held_token(id):
    token = state.tokens.pop(id, None)
    if token is None:
        raise RuntimeError("the host asked for a token the guest does not hold")
    return token


def release_token(token):
    token.__exit__(None, None, None)


class Api(exports.Api):
    def status(self) -> types.Report:
        # Collect first, so that a destructor a collection runs is logged at
        # the step that made its resource garbage.
        gc.collect()
        destroyed, state.destroyed = state.destroyed, []
        return types.Report(
            live=state.live,
            destroyed=destroyed,
            heap_bytes=tracemalloc.get_traced_memory()[0],
            heap_objects=None,
        )

    def hold(self, items):
        for item in items:
            if item is not None:
                keep(item)

    def hold_bundle(self, b):
        for thing in b.things:
            keep(types.Handle_Thing(thing))
        if b.token is not None:
            keep(types.Handle_Token(b.token))

    def take(self, keys):
        return [give(key) for key in keys]

    def take_one(self, k):
        handle = give(k)
        if handle is None:
            raise Err(k.id)
        return handle

    def take_bundle(self, things, token):
        out = []
        for id in things:
            thing = state.things.pop(id, None)
            if thing is not None:
                out.append(thing)
        kept_token = None if token is None else state.tokens.pop(token, None)
        return types.Bundle(things=out, token=kept_token)

    def swap(self, t):
        return (t[1], t[0])

    def create(self, k):
        if k.kind == types.Kind.THING:
            state.things[k.id] = Thing(k.id)
        else:
            state.tokens[k.id] = host.Token(k.id)

    def release(self, k):
        handle = give(k)
        if handle is None:
            return False
        if isinstance(handle, types.Handle_Token):
            if FAULT == "keep-released":
                state.kept.append(handle.value)
            else:
                release_token(handle.value)
        # A thing goes with its last reference.
        return True

    def inspect(self, l):
        if isinstance(l, types.Lens_Thing):
            return l.value.id()
        return borrowed_token_id(l.value)

    def inspect_things(self, items):
        return [None if item is None else item.id() for item in items]

    def inspect_pair(self, p):
        return (p.thing.id(), borrowed_token_id(p.token))

    def inspect_tuple(self, t):
        return (t[0].id(), borrowed_token_id(t[1]))

    def poke(self, k):
        if FAULT == "panic-on-poke":
            raise RuntimeError("deliberate fault: poke panics")
        if k.kind == types.Kind.THING:
            thing = state.things.get(k.id)
            if thing is None:
                return None
            id = thing.id()
            if FAULT == "drop-on-poke":
                # Let go of, while the guest should still hold it.
                del state.things[k.id]
            return id
        token = state.tokens.get(k.id)
        return None if token is None else borrowed_token_id(token)

    def misuse_use_after_drop(self, id):
        token = held_token(id)
        index = token.handle
        release_token(token)
        stale = host.Token.__new__(host.Token)
        stale.handle = index
        return stale.id()

    def misuse_double_drop(self, id):
        token = held_token(id)
        index = token.handle
        # The bindings drop a token through the function its finalizer holds.
        (_, drop, args, _) = token.finalizer.peek()
        release_token(token)
        drop(args[0], index)

    def misuse_keep_borrow(self, t):
        # componentize-py drops every borrow it lent to a call when the call
        # returns, whatever the code did: the misuse cannot be written.
        return False

    def stash_borrow(self, t):
        state.stash = t.handle

    def misuse_use_stash(self):
        stale = host.Token.__new__(host.Token)
        stale.handle = state.stash
        return stale.id()

    def misuse_reuse_slot(self, old, new):
        token = held_token(old)
        old_index = token.handle
        release_token(token)
        fresh = host.Token(new)
        state.tokens[new] = fresh
        stale = host.Token.__new__(host.Token)
        stale.handle = old_index
        read = stale.id()
        return (old_index, fresh.handle, read)
