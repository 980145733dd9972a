// Allocation statistics for the resources guest's leak detector. The C
// driver compiles every file of a resources guest with `-include
// witness_alloc.h`, so that every malloc, calloc, realloc and free, those of
// the generated bindings (cabi_realloc, the *_free helpers, cabi_post_*)
// included, goes through the counting wrappers below. Each allocation
// carries a 16-byte header with its size (16 keeps malloc's alignment).
#ifndef WITNESS_ALLOC_H
#define WITNESS_ALLOC_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// Live bytes (as asked for) and live allocations, defined once, in the
// guest's own file.
extern uint64_t witness_live_bytes;
extern uint64_t witness_live_objects;

#define WITNESS_ALLOC_HEADER 16

static inline void *witness_malloc(size_t size) {
  unsigned char *base = malloc(size + WITNESS_ALLOC_HEADER);
  if (base == NULL) {
    return NULL;
  }
  *(size_t *)base = size;
  witness_live_bytes += size;
  witness_live_objects += 1;
  return base + WITNESS_ALLOC_HEADER;
}

static inline void witness_free(void *ptr) {
  if (ptr == NULL) {
    return;
  }
  unsigned char *base = (unsigned char *)ptr - WITNESS_ALLOC_HEADER;
  witness_live_bytes -= *(size_t *)base;
  witness_live_objects -= 1;
  free(base);
}

static inline void *witness_calloc(size_t count, size_t size) {
  if (size != 0 && count > SIZE_MAX / size) {
    return NULL;
  }
  void *ptr = witness_malloc(count * size);
  if (ptr != NULL) {
    memset(ptr, 0, count * size);
  }
  return ptr;
}

static inline void *witness_realloc(void *ptr, size_t size) {
  if (ptr == NULL) {
    return witness_malloc(size);
  }
  unsigned char *base = (unsigned char *)ptr - WITNESS_ALLOC_HEADER;
  size_t old = *(size_t *)base;
  unsigned char *grown = realloc(base, size + WITNESS_ALLOC_HEADER);
  if (grown == NULL) {
    return NULL;
  }
  *(size_t *)grown = size;
  witness_live_bytes = witness_live_bytes - old + size;
  return grown + WITNESS_ALLOC_HEADER;
}

#define malloc witness_malloc
#define calloc witness_calloc
#define realloc witness_realloc
#define free witness_free

#endif
