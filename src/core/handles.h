/* handles.h: tables that map typed ids to objects. An id packs a slot index
 * (low 20 bits, from 1) and the slot's generation (high 12 bits), so a stale
 * id of a reused slot is refused instead of reaching the new object. */
#ifndef WM_HANDLES_H
#define WM_HANDLES_H

#include <stdint.h>

typedef struct wm__htab {
  void **objs;
  uint16_t *gens;
  uint32_t *free; /* stack of free slot indices */
  uint32_t nfree;
  uint32_t cap;
  uint32_t live;
} wm__htab;

/* wm__h_add stores obj and returns its new id, or 0 when out of memory. */
uint32_t wm__h_add(wm__htab *t, void *obj);

/* wm__h_get returns the object of a live id, or NULL. */
void *wm__h_get(const wm__htab *t, uint32_t id);

/* wm__h_del frees the id's slot; a stale id is ignored. */
void wm__h_del(wm__htab *t, uint32_t id);

#endif
