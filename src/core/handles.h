/* handles.h: tables that map typed ids to objects.
 *
 * An id is a 32-bit number that a table issues once, and not again until it
 * has issued some two billion others: each table counts its ids up from 1
 * and keeps an object in slot (id mod cap). A closed handle therefore stays
 * dead while handles of its kind are made and closed after it: a stale id
 * finds its slot empty or holding a different id, and is refused.
 *
 * Ids used to pack a slot index with a 12-bit generation per slot, and the
 * freed slot was reused first: closing and making one pipe end 4,095 times
 * brought a closed end's id back to life as a new, live end. Reusing free
 * slots in FIFO order only spreads that over the free slots. Retiring a
 * slot whose generation is spent keeps ids unique only until the 20-bit
 * index space is spent too, after about 2^32 ids as here; the table grows
 * by one dead slot per 4,095 ids on the way, and then every add fails, so
 * the instance can make no more handles of that kind.
 *
 * The limit: 32 bits. An id comes back only once the counter has gone round
 * all 2^32 values. Each add takes one value, plus one for each slot it finds
 * taken, and the table is kept at most half full, so about 2^31 ids at
 * least (two billion) are issued by one table before any id is issued
 * again; and even then a stale id names an object only if it is used while
 * the new holder of its id is alive. A loop that does nothing but make and
 * close pipes makes some 30 million ends a second natively (gcc -O2), and
 * gets there in about a minute; a call across the mesh takes tens of
 * microseconds, so the ids of calls and slots come round after hours.
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
