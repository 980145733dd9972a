// The resources guest in C (see wit/resources.wit for the protocol).
// Hand-written against the bindings wit-bindgen-c generates into guest.h and
// guest.c; witness fills in FAULT ("none" for real runs) and compiles every
// file with `-include witness_alloc.h` (the allocation counters).
//
// It is written the way the bindings' README says: a thing's destructor is
// the `*_thing_destructor` the bindings call when its last handle is
// dropped; own handles are dropped with `*_drop_own`; bindings are
// generated with borrows not dropped automatically, so every borrowed token
// an export receives is dropped with `*_drop_borrow` before it returns
// (except where the protocol asks for the misuse); arguments' memory is
// freed with the generated `*_free` helpers, and results are malloc'd for
// the generated `cabi_post_*` to free.
#include "guest.h"
#include <stdlib.h>
#include <string.h>

// The deliberate fault this guest is built with (see witness::resources::Fault).
#define FAULT "none"

typedef exports_witness_resources_api_thing_t thing_t;
typedef exports_witness_resources_api_own_thing_t own_thing_t;
typedef witness_resources_host_own_token_t own_token_t;
typedef witness_resources_host_borrow_token_t borrow_token_t;
typedef exports_witness_resources_api_key_t key_t_;
typedef exports_witness_resources_api_handle_t handle_t;

#define KIND_THING EXPORTS_WITNESS_RESOURCES_API_KIND_THING
#define HANDLE_THING EXPORTS_WITNESS_RESOURCES_API_HANDLE_THING
#define HANDLE_TOKEN EXPORTS_WITNESS_RESOURCES_API_HANDLE_TOKEN
#define LENS_THING EXPORTS_WITNESS_RESOURCES_API_LENS_THING

// The allocation counters witness_alloc.h declares.
uint64_t witness_live_bytes;
uint64_t witness_live_objects;

static int fault(const char *name) { return strcmp(FAULT, name) == 0; }

struct exports_witness_resources_api_thing_t {
  uint32_t id;
};

// ---- growable arrays ----------------------------------------------------------

// The own handles the guest holds for the host, by id: a handle index each.
struct held {
  uint32_t id;
  int32_t handle;
};

struct table {
  struct held *items;
  size_t len;
  size_t cap;
};

struct u32s {
  uint32_t *items;
  size_t len;
  size_t cap;
};

static void *grow(void *items, size_t *cap, size_t len, size_t size) {
  if (len < *cap) {
    return items;
  }
  *cap = *cap == 0 ? 8 : *cap * 2;
  void *grown = realloc(items, *cap * size);
  if (grown == NULL) {
    abort();
  }
  return grown;
}

static void push_u32(struct u32s *list, uint32_t value) {
  list->items = grow(list->items, &list->cap, list->len, sizeof(uint32_t));
  list->items[list->len++] = value;
}

// Keeps `handle` under `id` (replacing what was there).
static void table_put(struct table *t, uint32_t id, int32_t handle) {
  for (size_t i = 0; i < t->len; i++) {
    if (t->items[i].id == id) {
      t->items[i].handle = handle;
      return;
    }
  }
  t->items = grow(t->items, &t->cap, t->len, sizeof(struct held));
  t->items[t->len++] = (struct held){id, handle};
}

// The handle under `id`, if held (left in the table).
static int table_get(const struct table *t, uint32_t id, int32_t *handle) {
  for (size_t i = 0; i < t->len; i++) {
    if (t->items[i].id == id) {
      *handle = t->items[i].handle;
      return 1;
    }
  }
  return 0;
}

// Takes the handle under `id` out of the table, if held.
static int table_take(struct table *t, uint32_t id, int32_t *handle) {
  for (size_t i = 0; i < t->len; i++) {
    if (t->items[i].id == id) {
      *handle = t->items[i].handle;
      t->items[i] = t->items[--t->len];
      return 1;
    }
  }
  return 0;
}

// ---- the guest's state --------------------------------------------------------

static struct table things;
static struct table tokens;
static uint32_t live;
static struct u32s destroyed;
// Fault keep-released: tokens kept instead of dropped.
static struct u32s kept;
// Fault leak-memory: what every thing leaks.
static void **leaked;
static size_t leaked_len, leaked_cap;
// The handle index stash-borrow remembered.
static int32_t stash;

static own_thing_t new_thing(uint32_t id) {
  thing_t *rep = malloc(sizeof *rep);
  if (rep == NULL) {
    abort();
  }
  rep->id = id;
  live++;
  if (fault("leak-memory")) {
    leaked = grow(leaked, &leaked_cap, leaked_len, sizeof(void *));
    leaked[leaked_len++] = malloc(256);
  }
  return exports_witness_resources_api_thing_new(rep);
}

void exports_witness_resources_api_thing_destructor(thing_t *rep) {
  if (fault("never-destroy")) {
    return;
  }
  live--;
  push_u32(&destroyed, rep->id);
  if (fault("destroy-twice")) {
    push_u32(&destroyed, rep->id);
  }
  free(rep);
}

own_thing_t exports_witness_resources_api_constructor_thing(uint32_t id) { return new_thing(id); }

own_thing_t exports_witness_resources_api_static_thing_make(uint32_t id) { return new_thing(id); }

uint32_t exports_witness_resources_api_method_thing_id(thing_t *self) {
  if (fault("wrong-id")) {
    return self->id + 1;
  }
  return self->id;
}

// `len` elements of `size` bytes for a result list; no allocation for an
// empty one (cabi_post_* frees only lists that have elements).
static void *result_items(size_t len, size_t size) {
  if (len == 0) {
    return NULL;
  }
  void *items = malloc(len * size);
  if (items == NULL) {
    abort();
  }
  return items;
}

void exports_witness_resources_api_status(exports_witness_resources_api_report_t *ret) {
  // Read before the result's own allocation.
  ret->heap_bytes = (guest_option_u64_t){true, witness_live_bytes};
  ret->heap_objects = (guest_option_u64_t){true, witness_live_objects};
  ret->live = live;
  ret->destroyed.len = destroyed.len;
  ret->destroyed.ptr = result_items(destroyed.len, sizeof(uint32_t));
  if (destroyed.len > 0) {
    memcpy(ret->destroyed.ptr, destroyed.items, destroyed.len * sizeof(uint32_t));
  }
  destroyed.len = 0;
}

// ---- holding and giving back --------------------------------------------------

static uint32_t token_id(borrow_token_t t) { return witness_resources_host_method_token_id(t); }

static void keep(const handle_t *h) {
  if (h->tag == HANDLE_THING) {
    thing_t *rep = exports_witness_resources_api_thing_rep(h->val.thing);
    table_put(&things, rep->id, h->val.thing.__handle);
  } else {
    own_token_t t = h->val.token;
    table_put(&tokens, token_id(witness_resources_host_borrow_token(t)), t.__handle);
  }
}

// Takes the handle held under `k` out, if there is one.
static int give(const key_t_ *k, handle_t *out) {
  int32_t index;
  if (k->kind == KIND_THING) {
    if (!table_take(&things, k->id, &index)) {
      return 0;
    }
    out->tag = HANDLE_THING;
    out->val.thing = (own_thing_t){index};
  } else {
    if (!table_take(&tokens, k->id, &index)) {
      return 0;
    }
    out->tag = HANDLE_TOKEN;
    out->val.token = (own_token_t){index};
  }
  return 1;
}

void exports_witness_resources_api_hold(exports_witness_resources_api_list_option_handle_t *items) {
  for (size_t i = 0; i < items->len; i++) {
    if (items->ptr[i].is_some) {
      keep(&items->ptr[i].val);
    }
  }
  // The handles are kept; the list's memory is ours to free.
  exports_witness_resources_api_list_option_handle_free(items);
}

void exports_witness_resources_api_hold_bundle(exports_witness_resources_api_bundle_t *b) {
  for (size_t i = 0; i < b->things.len; i++) {
    handle_t h = {.tag = HANDLE_THING, .val.thing = b->things.ptr[i]};
    keep(&h);
  }
  if (b->token.is_some) {
    handle_t h = {.tag = HANDLE_TOKEN, .val.token = b->token.val};
    keep(&h);
  }
  exports_witness_resources_api_bundle_free(b);
}

void exports_witness_resources_api_take(exports_witness_resources_api_list_key_t *keys,
                                        exports_witness_resources_api_list_option_handle_t *ret) {
  ret->len = keys->len;
  ret->ptr = result_items(keys->len, sizeof(exports_witness_resources_api_option_handle_t));
  for (size_t i = 0; i < keys->len; i++) {
    ret->ptr[i].is_some = give(&keys->ptr[i], &ret->ptr[i].val);
  }
  exports_witness_resources_api_list_key_free(keys);
}

bool exports_witness_resources_api_take_one(key_t_ *k, handle_t *ret, uint32_t *err) {
  if (give(k, ret)) {
    return true;
  }
  *err = k->id;
  return false;
}

void exports_witness_resources_api_take_bundle(guest_list_u32_t *ids, uint32_t *maybe_token,
                                               exports_witness_resources_api_bundle_t *ret) {
  own_thing_t *out = result_items(ids->len, sizeof(own_thing_t));
  size_t n = 0;
  for (size_t i = 0; i < ids->len; i++) {
    int32_t index;
    if (table_take(&things, ids->ptr[i], &index)) {
      out[n++] = (own_thing_t){index};
    }
  }
  if (n == 0) {
    free(out);
    out = NULL;
  }
  ret->things.ptr = out;
  ret->things.len = n;
  ret->token.is_some = false;
  int32_t index;
  if (maybe_token != NULL && table_take(&tokens, *maybe_token, &index)) {
    ret->token.is_some = true;
    ret->token.val = (own_token_t){index};
  }
  guest_list_u32_free(ids);
}

void exports_witness_resources_api_swap(exports_witness_resources_api_tuple2_own_thing_own_token_t *t,
                                        exports_witness_resources_api_tuple2_own_token_own_thing_t *ret) {
  ret->f0 = t->f1;
  ret->f1 = t->f0;
}

// ---- creation and drops -------------------------------------------------------

void exports_witness_resources_api_create(key_t_ *k) {
  if (k->kind == KIND_THING) {
    table_put(&things, k->id, new_thing(k->id).__handle);
  } else {
    table_put(&tokens, k->id, witness_resources_host_constructor_token(k->id).__handle);
  }
}

bool exports_witness_resources_api_release(key_t_ *k) {
  handle_t h;
  if (!give(k, &h)) {
    return false;
  }
  if (h.tag == HANDLE_THING) {
    exports_witness_resources_api_thing_drop_own(h.val.thing);
  } else if (fault("keep-released")) {
    push_u32(&kept, (uint32_t)h.val.token.__handle);
  } else {
    witness_resources_host_token_drop_own(h.val.token);
  }
  return true;
}

// ---- borrows ------------------------------------------------------------------

// The id of a borrowed token, read through its method; the borrow is also
// forwarded to the host.
static uint32_t borrowed_token_id(borrow_token_t t) {
  uint32_t id = token_id(t);
  witness_resources_host_see(t);
  return id;
}

uint32_t exports_witness_resources_api_inspect(exports_witness_resources_api_lens_t *l) {
  if (l->tag == LENS_THING) {
    return exports_witness_resources_api_method_thing_id(l->val.thing);
  }
  uint32_t id = borrowed_token_id(l->val.token);
  witness_resources_host_token_drop_borrow(l->val.token);
  return id;
}

void exports_witness_resources_api_inspect_things(
    exports_witness_resources_api_list_option_borrow_thing_t *items, guest_list_option_u32_t *ret) {
  ret->len = items->len;
  ret->ptr = result_items(items->len, sizeof(guest_option_u32_t));
  for (size_t i = 0; i < items->len; i++) {
    ret->ptr[i].is_some = items->ptr[i].is_some;
    ret->ptr[i].val =
        items->ptr[i].is_some ? exports_witness_resources_api_method_thing_id(items->ptr[i].val) : 0;
  }
  exports_witness_resources_api_list_option_borrow_thing_free(items);
}

void exports_witness_resources_api_inspect_pair(exports_witness_resources_api_pair_t *p,
                                                guest_tuple2_u32_u32_t *ret) {
  ret->f0 = exports_witness_resources_api_method_thing_id(p->thing);
  ret->f1 = borrowed_token_id(p->token);
  witness_resources_host_token_drop_borrow(p->token);
}

void exports_witness_resources_api_inspect_tuple(
    exports_witness_resources_api_tuple2_borrow_thing_borrow_token_t *t, guest_tuple2_u32_u32_t *ret) {
  ret->f0 = exports_witness_resources_api_method_thing_id(t->f0);
  ret->f1 = borrowed_token_id(t->f1);
  witness_resources_host_token_drop_borrow(t->f1);
}

bool exports_witness_resources_api_poke(key_t_ *k, uint32_t *ret) {
  if (fault("panic-on-poke")) {
    abort();
  }
  int32_t index;
  if (k->kind == KIND_THING) {
    if (!table_get(&things, k->id, &index)) {
      return false;
    }
    own_thing_t h = {index};
    *ret = exports_witness_resources_api_method_thing_id(exports_witness_resources_api_thing_rep(h));
    if (fault("drop-on-poke")) {
      // Dropped, while the guest should still hold it.
      exports_witness_resources_api_thing_drop_own(h);
    }
    return true;
  }
  if (!table_get(&tokens, k->id, &index)) {
    return false;
  }
  // A borrow of an own handle: not dropped (the README's rule).
  *ret = borrowed_token_id(witness_resources_host_borrow_token((own_token_t){index}));
  return true;
}

// ---- misuse, on request ---------------------------------------------------------

static own_token_t held_token(uint32_t id) {
  int32_t index;
  if (!table_take(&tokens, id, &index)) {
    // The host asked for a token the guest does not hold.
    abort();
  }
  return (own_token_t){index};
}

uint32_t exports_witness_resources_api_misuse_use_after_drop(uint32_t id) {
  own_token_t t = held_token(id);
  witness_resources_host_token_drop_own(t);
  return token_id((borrow_token_t){t.__handle});
}

void exports_witness_resources_api_misuse_double_drop(uint32_t id) {
  own_token_t t = held_token(id);
  witness_resources_host_token_drop_own(t);
  witness_resources_host_token_drop_own(t);
}

bool exports_witness_resources_api_misuse_keep_borrow(borrow_token_t t) {
  if (fault("drop-kept-borrow")) {
    witness_resources_host_token_drop_borrow(t);
  }
  // Otherwise returns without dropping it: the call must trap.
  return true;
}

void exports_witness_resources_api_stash_borrow(borrow_token_t t) {
  stash = t.__handle;
  witness_resources_host_token_drop_borrow(t);
}

uint32_t exports_witness_resources_api_misuse_use_stash(void) {
  return token_id((borrow_token_t){stash});
}

void exports_witness_resources_api_misuse_reuse_slot(uint32_t old, uint32_t new_,
                                                     guest_tuple3_u32_u32_u32_t *ret) {
  own_token_t t = held_token(old);
  int32_t old_index = t.__handle;
  witness_resources_host_token_drop_own(t);
  own_token_t fresh = witness_resources_host_constructor_token(new_);
  table_put(&tokens, new_, fresh.__handle);
  ret->f0 = (uint32_t)old_index;
  ret->f1 = (uint32_t)fresh.__handle;
  ret->f2 = token_id((borrow_token_t){old_index});
}
