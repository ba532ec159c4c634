/* handles.c: id tables (see handles.h for why ids count up). */
#include "handles.h"

#include <stdlib.h>

/* grow doubles the table. Ids keep their values, so each moves to slot
 * (id mod the new cap); two ids that shared no slot before share none now.
 * On failure the table is untouched. */
static int grow(wm__htab *t) {
  uint32_t ncap = t->cap ? t->cap * 2 : 64;
  if (ncap > 2 * WM__H_MAX) return -1;
  void **objs = calloc(ncap, sizeof *objs);
  uint32_t *ids = calloc(ncap, sizeof *ids);
  if (!objs || !ids) {
    free(objs);
    free(ids);
    return -1;
  }
  for (uint32_t i = 0; i < t->cap; i++) {
    if (!t->ids[i]) continue;
    uint32_t j = t->ids[i] & (ncap - 1);
    ids[j] = t->ids[i];
    objs[j] = t->objs[i];
  }
  free(t->objs);
  free(t->ids);
  t->objs = objs;
  t->ids = ids;
  t->cap = ncap;
  return 0;
}

uint32_t wm__h_add(wm__htab *t, void *obj) {
  if (!obj) return 0;
  /* At most half full, so that the search below is short and the counter
   * skips about one value at most for each id it issues. */
  if ((t->live + 1) * 2 > t->cap && grow(t)) return 0;
  for (;;) {
    uint32_t id = ++t->next, i = id & (t->cap - 1);
    if (!id || t->ids[i]) continue; /* 0 means "no handle"; a taken slot */
    t->ids[i] = id;
    t->objs[i] = obj;
    t->live++;
    return id;
  }
}

void *wm__h_get(const wm__htab *t, uint32_t id) {
  if (!id || !t->cap) return NULL;
  uint32_t i = id & (t->cap - 1);
  return t->ids[i] == id ? t->objs[i] : NULL;
}

void wm__h_del(wm__htab *t, uint32_t id) {
  if (!wm__h_get(t, id)) return;
  uint32_t i = id & (t->cap - 1);
  t->ids[i] = 0;
  t->objs[i] = NULL;
  t->live--;
}

void wm__h_fini(wm__htab *t) {
  free(t->objs);
  free(t->ids);
  *t = (wm__htab){0};
}
