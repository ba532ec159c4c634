/* handles.h: tables that map typed ids to objects.
 *
 * An id is a 32-bit number that a table issues once and, in practice, never
 * again: each table counts its ids up from 1 and keeps an object in slot
 * (id mod cap). A closed handle therefore stays dead, however often handles
 * of its kind are made and closed after it: a stale id finds its slot empty
 * or holding a different id, and is refused.
 *
 * Ids used to pack a slot index with a 12-bit generation per slot, and the
 * freed slot was reused first: closing and making one pipe end 4,095 times
 * brought a closed end's id back to life as a new, live end. Retiring
 * exhausted slots instead would stop that only until the 20-bit index space
 * ran out (about 2^32 ids, as here), with the table's memory growing by one
 * dead slot per 4,095 ids on the way, and every add failing after it.
 *
 * The limit: an id comes back only after the counter has gone round all
 * 2^32 values. Each add takes one value, plus one for each slot it finds
 * taken; the table is kept at most half full, so at least 2^31 (about two
 * billion) ids are issued by that table before any id is issued again, and
 * even then a stale id aliases only if the new holder of the id is still
 * alive when the stale one is used. At a million handles a second that is
 * over half an hour of making nothing but handles of one kind in one
 * instance; the runtime makes them at a fraction of that rate.
 *
 * Memory follows the most ids live at once (an id and a pointer per slot,
 * at most twice as many slots as the peak), not how many were ever issued. */
#ifndef WM_HANDLES_H
#define WM_HANDLES_H

#include <stdint.h>

/* A live object is objs[id mod cap], with its id in ids[] beside it. Code
 * that walks every object may loop over objs[0..cap) and skip NULLs; it sees
 * each live object once as long as it adds none, since an add may grow the
 * table, which moves objects. */
typedef struct wm__htab {
  void **objs;   /* NULL where free */
  uint32_t *ids; /* 0 where free */
  uint32_t cap;  /* 0 or a power of two */
  uint32_t live;
  uint32_t next; /* the last id issued (or skipped) */
} wm__htab;

/* WM__H_MAX is the most ids one table holds live at once. */
#define WM__H_MAX (1u << 20)

/* wm__h_add stores obj (not NULL) and returns its new id, or 0 when out of
 * memory or when WM__H_MAX ids are live; the table is then unchanged. */
uint32_t wm__h_add(wm__htab *t, void *obj);

/* wm__h_get returns the object of a live id, or NULL. */
void *wm__h_get(const wm__htab *t, uint32_t id);

/* wm__h_del frees the id's slot; a stale id is ignored. */
void wm__h_del(wm__htab *t, uint32_t id);

/* wm__h_fini frees the table's memory; ids still live are forgotten. */
void wm__h_fini(wm__htab *t);

#endif
