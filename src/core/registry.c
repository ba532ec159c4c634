/* registry.c: exportable functions. Entries are kept sorted by table index so
 * that checking a received index is a binary search, never a call. */
#include "registry.h"

#include <stdlib.h>
#include <string.h>

typedef struct entry {
  uint32_t idx;
  wm_fn fn;
  const char *name;
} entry;

static entry *tab;
static size_t len, cap;

static size_t lower_bound(uint32_t idx) {
  size_t lo = 0, hi = len;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (tab[mid].idx < idx)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* On wasm32 a function pointer is its table index, the same in every
 * instance. Native builds (tests, fuzzing) have no shared table, so there the
 * index is the registration order. */
static uint32_t index_of(wm_fn fn) {
#if UINTPTR_MAX == 0xffffffffu
  return (uint32_t)(uintptr_t)fn;
#else
  for (size_t i = 0; i < len; i++)
    if (tab[i].fn == fn) return tab[i].idx;
  return (uint32_t)len + 1;
#endif
}

uint32_t wm__fn_index(wm_fn fn) {
  uint32_t idx = index_of(fn);
  return wm__registered(idx) == fn ? idx : 0;
}

int wm_register(const char *name, wm_fn fn) {
  if (!name || !fn) return WM_EINVAL;
  uint32_t idx = index_of(fn);
  size_t at = lower_bound(idx);
  if (at < len && tab[at].idx == idx) return 0;
  if (len == cap) {
    size_t ncap = cap ? cap * 2 : 32;
    entry *n = realloc(tab, ncap * sizeof *n);
    if (!n) return WM_ENOMEM;
    tab = n;
    cap = ncap;
  }
  memmove(tab + at + 1, tab + at, (len - at) * sizeof *tab);
  tab[at] = (entry){idx, fn, name};
  len++;
  return 0;
}

wm_fn wm__registered(uint32_t idx) {
  size_t at = lower_bound(idx);
  return at < len && tab[at].idx == idx ? tab[at].fn : NULL;
}

const char *wm__registered_name(wm_fn fn) {
  size_t at = lower_bound(index_of(fn));
  return at < len && tab[at].fn == fn ? tab[at].name : NULL;
}

wm_fn wm_lookup(const char *name) {
  if (!name) return NULL;
  for (size_t i = 0; i < len; i++)
    if (!strcmp(tab[i].name, name)) return tab[i].fn;
  return NULL;
}
