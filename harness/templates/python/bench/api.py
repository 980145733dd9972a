# The guest side of the `counter` resource of wit/bench.wit's `api`:
# componentize-py looks for exported resources in a top-level module named
# after their interface.
from wit_world.exports import api as types


class Counter(types.Counter):
    def __init__(self, start: int) -> None:
        self.value = start
