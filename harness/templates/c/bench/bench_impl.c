// The benchmark guest in C (see wit/bench.wit): the exported functions,
// hand-written against the bindings wit-bindgen-c generates into bench.h and
// bench.c. Arguments are the function's own and are freed here, as the
// bindings' ownership rules say (see harness/src/guest/c.rs).
#include "bench.h"
#include <stdlib.h>

struct exports_witness_bench_api_counter_t {
  uint32_t value;
};

void exports_witness_bench_api_nop(void) {}

uint32_t exports_witness_bench_api_add_one(uint32_t x) { return x + 1; }

uint32_t exports_witness_bench_api_string_len(bench_string_t *s) {
  uint32_t n = (uint32_t)s->len;
  bench_string_free(s);
  return n;
}

uint32_t exports_witness_bench_api_bytes_len(bench_list_u8_t *b) {
  uint32_t n = (uint32_t)b->len;
  bench_list_u8_free(b);
  return n;
}

uint32_t exports_witness_bench_api_sum_ids(exports_witness_bench_api_list_reading_t *r) {
  uint32_t sum = 0;
  for (size_t i = 0; i < r->len; i++) {
    sum += r->ptr[i].id;
  }
  exports_witness_bench_api_list_reading_free(r);
  return sum;
}

double exports_witness_bench_api_area(exports_witness_bench_api_shape_t *s) {
  switch (s->tag) {
  case EXPORTS_WITNESS_BENCH_API_SHAPE_DOT:
    return 0;
  case EXPORTS_WITNESS_BENCH_API_SHAPE_CIRCLE:
    return 3.141592653589793 * s->val.circle * s->val.circle;
  case EXPORTS_WITNESS_BENCH_API_SHAPE_RECT:
    return s->val.rect.w * s->val.rect.h;
  }
  __builtin_trap();
}

exports_witness_bench_api_own_counter_t exports_witness_bench_api_constructor_counter(uint32_t start) {
  exports_witness_bench_api_counter_t *rep = malloc(sizeof *rep);
  if (rep == NULL) {
    abort();
  }
  rep->value = start;
  return exports_witness_bench_api_counter_new(rep);
}

uint32_t exports_witness_bench_api_bump(exports_witness_bench_api_borrow_counter_t c) {
  return ++c->value;
}

void exports_witness_bench_api_counter_destructor(exports_witness_bench_api_counter_t *rep) {
  free(rep);
}
