/* handles.c: id tables with generations. */
#include "handles.h"

#include <stdlib.h>

#define IDX_BITS 20u
#define IDX_MASK ((1u << IDX_BITS) - 1)
#define GEN_MASK 0xfffu

static int grow(wm__htab *t) {
  uint32_t ncap = t->cap ? t->cap * 2 : 64;
  if (ncap > IDX_MASK) return -1;
  void **o = realloc(t->objs, ncap * sizeof *o);
  if (!o) return -1;
  t->objs = o;
  uint16_t *g = realloc(t->gens, ncap * sizeof *g);
  if (!g) return -1;
  t->gens = g;
  uint32_t *f = realloc(t->free, ncap * sizeof *f);
  if (!f) return -1;
  t->free = f;
  /* Push new slots so that the lowest index comes out first. */
  for (uint32_t i = ncap; i > t->cap; i--) {
    t->objs[i - 1] = NULL;
    t->gens[i - 1] = 1;
    t->free[t->nfree++] = i - 1;
  }
  t->cap = ncap;
  return 0;
}

uint32_t wm__h_add(wm__htab *t, void *obj) {
  if (!t->nfree && grow(t)) return 0;
  uint32_t i = t->free[--t->nfree];
  t->objs[i] = obj;
  t->live++;
  return ((uint32_t)t->gens[i] << IDX_BITS) | (i + 1);
}

void *wm__h_get(const wm__htab *t, uint32_t id) {
  uint32_t i = (id & IDX_MASK);
  if (i == 0 || i > t->cap) return NULL;
  i--;
  if (t->gens[i] != (id >> IDX_BITS) || !t->objs[i]) return NULL;
  return t->objs[i];
}

void wm__h_del(wm__htab *t, uint32_t id) {
  if (!wm__h_get(t, id)) return;
  uint32_t i = (id & IDX_MASK) - 1;
  t->objs[i] = NULL;
  t->gens[i] = (uint16_t)((t->gens[i] + 1) & GEN_MASK);
  if (!t->gens[i]) t->gens[i] = 1;
  t->free[t->nfree++] = i;
  t->live--;
}
