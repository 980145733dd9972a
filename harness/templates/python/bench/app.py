# The Python benchmark guest: wit/bench.wit's `api`, written against the
# bindings componentize-py generates (`wit_world`). Every function does the
# same work as the other languages' guests.
import math

from wit_world import exports
from wit_world.exports import api as types

import api


class Api(exports.Api):
    def nop(self) -> None:
        pass

    def add_one(self, x: int) -> int:
        return (x + 1) & 0xFFFFFFFF

    def string_len(self, s: str) -> int:
        # The payloads are ASCII: code points are bytes. Encoding the string
        # again to count bytes would be work no other guest does.
        return len(s)

    def bytes_len(self, b: bytes) -> int:
        return len(b)

    def sum_ids(self, r: list[types.Reading]) -> int:
        total = 0
        for reading in r:
            total += reading.id
        return total & 0xFFFFFFFF

    def area(self, s: types.Shape) -> float:
        if isinstance(s, types.Shape_Circle):
            return math.pi * s.value * s.value
        if isinstance(s, types.Shape_Rect):
            return s.value.w * s.value.h
        return 0.0

    def bump(self, c: "api.Counter") -> int:
        c.value = (c.value + 1) & 0xFFFFFFFF
        return c.value
