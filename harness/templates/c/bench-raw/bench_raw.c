// The raw core module of witness's benchmarks, in C: what a hand-rolled
// plugin system does instead of the component model. The host calls
// `alloc(len)`, writes the payload's bytes at the pointer it gets, and calls
// the function with pointer and length; the function owns the buffer and
// frees it (as a component's function owns its lowered arguments). Records
// arrive in their C layout (`struct reading`, 24 bytes), the variant as its
// discriminant and two doubles, a resource as an index into the module's own
// table. Built like the C component's core module (`zig cc -target
// wasm32-wasi -mexec-model=reactor -O2`), with no bindings.
#include <stdint.h>
#include <stdlib.h>

#define EXPORT(name) __attribute__((__export_name__(#name)))

// Alignment of every buffer the host asks for (enough for `struct reading`).
#define ALIGN 8

// Memory for the host to write a payload into.
EXPORT(alloc) void *witness_alloc(size_t len) {
  if (len == 0) {
    return (void *)ALIGN;
  }
  void *p = malloc(len);
  if (p == NULL) {
    abort();
  }
  return p;
}

// Frees what `alloc` gave, once the payload is used.
static void release(void *ptr, size_t len) {
  if (len != 0) {
    free(ptr);
  }
}

EXPORT(nop) void witness_nop(void) {}

EXPORT(add_one) uint32_t witness_add_one(uint32_t x) { return x + 1; }

// The byte length of a UTF-8 string (not validated again: neither does
// wit-bindgen's C guest code).
EXPORT(string_len) uint32_t witness_string_len(uint8_t *ptr, size_t len) {
  uint32_t n = (uint32_t)len;
  release(ptr, len);
  return n;
}

EXPORT(bytes_len) uint32_t witness_bytes_len(uint8_t *ptr, size_t len) {
  uint32_t n = (uint32_t)len;
  release(ptr, len);
  return n;
}

// wit/bench.wit's `reading`, in the C layout the host writes.
struct reading {
  uint32_t id;
  double value;
  uint8_t ok;
};
_Static_assert(sizeof(struct reading) == 24, "a reading is 24 bytes");

// `count` readings at `ptr` (`count * 24` bytes).
EXPORT(sum_ids) uint32_t witness_sum_ids(struct reading *ptr, size_t count) {
  uint32_t sum = 0;
  for (size_t i = 0; i < count; i++) {
    sum += ptr[i].id;
  }
  release(ptr, count * sizeof(struct reading));
  return sum;
}

// `shape`: 0 dot, 1 circle(a), 2 rect(a, b).
EXPORT(area) double witness_area(uint32_t tag, double a, double b) {
  switch (tag) {
  case 0:
    return 0;
  case 1:
    return 3.141592653589793 * a * a;
  case 2:
    return a * b;
  }
  __builtin_trap();
}

// The counters the host holds handles to: a handle is an index.
static uint32_t *counters;
static size_t counter_count;

EXPORT(counter_new) uint32_t witness_counter_new(uint32_t start) {
  uint32_t *grown = realloc(counters, (counter_count + 1) * sizeof(uint32_t));
  if (grown == NULL) {
    abort();
  }
  counters = grown;
  counters[counter_count] = start;
  return (uint32_t)counter_count++;
}

EXPORT(bump) uint32_t witness_bump(uint32_t handle) {
  if (handle >= counter_count) {
    __builtin_trap();
  }
  return ++counters[handle];
}
