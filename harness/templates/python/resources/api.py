# The resources guest in Python, part 1 of 2: the guest's resource type and
# the guest's state (see wit/resources.wit for the protocol). componentize-py
# finds a guest-defined resource's class in the top-level module named after
# its interface, here `api`. Hand-written against componentize-py's bindings;
# witness fills in FAULT ("none" for real runs).
#
# A thing's destructor is its `__del__`: componentize-py has no destructor
# hook of its own for a guest-defined resource, so `__del__` is where a
# Python author releases what a resource holds.
import tracemalloc

from wit_world import exports

# CPython for WASI is built without pymalloc (sys.getallocatedblocks() is
# always 0), so the leak detector counts live heap bytes with tracemalloc,
# started when the guest is initialised.
tracemalloc.start()

# The deliberate fault this guest is built with (see witness::resources::Fault).
FAULT = "none"


class State:
    def __init__(self):
        self.things = {}
        self.tokens = {}
        self.live = 0
        self.destroyed = []
        # Fault keep-released: tokens kept instead of dropped.
        self.kept = []
        # Fault leak-memory: what every thing leaks.
        self.leaked = []
        # The handle index stash-borrow remembered.
        self.stash = None


state = State()


class Thing(exports.api.Thing):
    def __init__(self, id: int) -> None:
        self._id = id
        state.live += 1
        if FAULT == "leak-memory":
            state.leaked.append(bytearray(256))

    def id(self) -> int:
        if FAULT == "wrong-id":
            return self._id + 1
        return self._id

    @classmethod
    def make(cls, id: int) -> "Thing":
        return cls(id)

    def __del__(self):
        if FAULT == "never-destroy":
            return
        state.live -= 1
        state.destroyed.append(self._id)
        if FAULT == "destroy-twice":
            state.destroyed.append(self._id)
