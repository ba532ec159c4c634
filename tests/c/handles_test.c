/* handles_test.c: id tables (src/core/handles.c). */
#include <stdlib.h>

#include "check.h"
#include "handles.h"

static int objs[2000];

static void add_get_del(void) {
  wm__htab t = {0};
  uint32_t a = wm__h_add(&t, &objs[0]), b = wm__h_add(&t, &objs[1]);
  CHECK(a && b && a != b);
  CHECK(wm__h_get(&t, a) == &objs[0]);
  CHECK(wm__h_get(&t, b) == &objs[1]);
  CHECK_EQ(t.live, 2);
  wm__h_del(&t, a);
  CHECK(wm__h_get(&t, a) == NULL);
  CHECK(wm__h_get(&t, b) == &objs[1]);
  CHECK_EQ(t.live, 1);
  wm__h_del(&t, b);
  CHECK_EQ(t.live, 0);
  CHECK_EQ(wm__h_add(&t, NULL), 0);
  wm__h_fini(&t);
}

static void bad_ids_refused(void) {
  wm__htab t = {0};
  CHECK(wm__h_get(&t, 0) == NULL);
  CHECK(wm__h_get(&t, 1) == NULL);
  CHECK(wm__h_get(&t, 0xffffffffu) == NULL);
  uint32_t a = wm__h_add(&t, &objs[0]);
  CHECK(wm__h_get(&t, 0) == NULL);
  CHECK(wm__h_get(&t, a + 1) == NULL);          /* not issued yet */
  CHECK(wm__h_get(&t, a + t.cap) == NULL);      /* a's slot, another id */
  CHECK(wm__h_get(&t, a | (1u << 31)) == NULL); /* likewise */
  wm__h_del(&t, 0);
  wm__h_del(&t, a + 1);
  wm__h_del(&t, a + t.cap);
  CHECK_EQ(t.live, 1);
  CHECK(wm__h_get(&t, a) == &objs[0]);
  wm__h_del(&t, a);
  wm__h_del(&t, a); /* a stale id is ignored, not freed twice */
  CHECK_EQ(t.live, 0);
  wm__h_fini(&t);
}

/* The regression of a hostile trial: with 12-bit generations and the freed
 * slot reused first, the 4,095th id made after a close was the closed id
 * again, naming the new object. */
static void stale_id_never_revives(void) {
  wm__htab t = {0};
  uint32_t keep = wm__h_add(&t, &objs[1]); /* lives throughout */
  uint32_t stale = wm__h_add(&t, &objs[0]);
  wm__h_del(&t, stale);
  for (int i = 0; i < 100000; i++) {
    uint32_t id = wm__h_add(&t, &objs[2]);
    CHECK(id != 0 && id != stale && id != keep);
    CHECK(wm__h_get(&t, stale) == NULL);
    CHECK(wm__h_get(&t, id) == &objs[2]);
    wm__h_del(&t, stale); /* must not free the new object */
    CHECK(wm__h_get(&t, id) == &objs[2]);
    wm__h_del(&t, id);
  }
  CHECK(wm__h_get(&t, keep) == &objs[1]);
  CHECK_EQ(t.live, 1);
  CHECK(t.cap <= 64); /* churn does not grow the table */
  wm__h_fini(&t);
}

/* Every id stays dead while the table is nearly at its load limit, with
 * long-lived ids in the slots the counter passes. */
static void stale_ids_stay_dead_when_busy(void) {
  wm__htab t = {0};
  uint32_t live[31], stale[31];
  for (int i = 0; i < 31; i++) live[i] = wm__h_add(&t, &objs[i]);
  for (int i = 0; i < 31; i++) {
    stale[i] = wm__h_add(&t, &objs[100]);
    wm__h_del(&t, stale[i]);
  }
  CHECK_EQ(t.cap, 64); /* half full with the churned id */
  for (int n = 0; n < 100000; n++) {
    uint32_t id = wm__h_add(&t, &objs[200]);
    CHECK(id);
    for (int i = 0; i < 31; i++) CHECK(id != stale[i]);
    wm__h_del(&t, id);
  }
  for (int i = 0; i < 31; i++) CHECK(wm__h_get(&t, live[i]) == &objs[i]);
  for (int i = 0; i < 31; i++) CHECK(wm__h_get(&t, stale[i]) == NULL);
  for (int i = 0; i < 31; i++) wm__h_del(&t, live[i]);
  CHECK_EQ(t.live, 0);
  wm__h_fini(&t);
}

/* The counter wraps past 2^32 without ever issuing 0, and skips the ids
 * still live from its last round. */
static void counter_wraps_without_zero(void) {
  wm__htab t = {0};
  uint32_t low = wm__h_add(&t, &objs[0]); /* id 1, still live at the wrap */
  t.next = 0xfffffff0u;
  uint32_t ids[40];
  for (int i = 0; i < 40; i++) {
    ids[i] = wm__h_add(&t, &objs[i + 1]);
    CHECK(ids[i] != 0 && ids[i] != low);
  }
  for (int i = 0; i < 40; i++) CHECK(wm__h_get(&t, ids[i]) == &objs[i + 1]);
  CHECK(wm__h_get(&t, low) == &objs[0]);
  for (int i = 0; i < 40; i++) wm__h_del(&t, ids[i]);
  wm__h_del(&t, low);
  CHECK_EQ(t.live, 0);
  wm__h_fini(&t);
}

static void grows_and_keeps_objects(void) {
  wm__htab t = {0};
  uint32_t ids[2000], gone[64];
  for (int i = 0; i < 64; i++) {
    gone[i] = wm__h_add(&t, &objs[i]);
    wm__h_del(&t, gone[i]);
  }
  for (int i = 0; i < 2000; i++) {
    ids[i] = wm__h_add(&t, &objs[i]);
    CHECK(ids[i] != 0);
  }
  CHECK(t.cap >= 4000);
  for (int i = 0; i < 2000; i++) CHECK(wm__h_get(&t, ids[i]) == &objs[i]);
  for (int i = 0; i < 64; i++) CHECK(wm__h_get(&t, gone[i]) == NULL);
  for (int i = 0; i < 2000; i += 2) wm__h_del(&t, ids[i]);
  for (int i = 0; i < 2000; i++)
    CHECK(wm__h_get(&t, ids[i]) == (i % 2 ? &objs[i] : NULL));
  CHECK_EQ(t.live, 1000);
  for (int i = 1; i < 2000; i += 2) wm__h_del(&t, ids[i]);
  CHECK_EQ(t.live, 0);
  wm__h_fini(&t);
}

/* A table holds at most WM__H_MAX live ids; past that, adds fail cleanly.
 * Not under node:wasi, where Node 20 itself crashes (SIGSEGV in V8, after
 * the program has exited 0) once a module with a 1 MiB stack grows its
 * memory by a few tens of MiB; a plain calloc loop does the same. */
#ifndef __wasi__
static void full_table_refuses(void) {
  wm__htab t = {0};
  uint32_t first = 0, id = 0;
  for (uint32_t i = 0; i < WM__H_MAX; i++) {
    id = wm__h_add(&t, &objs[0]);
    CHECK(id);
    if (!first) first = id;
  }
  CHECK_EQ(wm__h_add(&t, &objs[1]), 0);
  CHECK_EQ(t.live, WM__H_MAX);
  wm__h_del(&t, first);
  uint32_t again = wm__h_add(&t, &objs[1]);
  CHECK(again && again != first);
  CHECK(wm__h_get(&t, again) == &objs[1]);
  CHECK(wm__h_get(&t, id) == &objs[0]);
  wm__h_fini(&t);
}
#endif

/* Out of memory while growing: 0, and the table keeps working. */
static void add_nomem(void) {
  wm__htab t = {0};
  uint32_t ids[33];
  for (int i = 0; i < 32; i++) ids[i] = wm__h_add(&t, &objs[i]);
  CHECK_EQ(t.cap, 64);
  failalloc_arm(0);
  uint32_t id = wm__h_add(&t, &objs[32]);
  CHECK(failalloc_disarm());
  CHECK_EQ(id, 0);
  CHECK_EQ(t.live, 32);
  CHECK_EQ(t.cap, 64);
  for (int i = 0; i < 32; i++) CHECK(wm__h_get(&t, ids[i]) == &objs[i]);
  ids[32] = wm__h_add(&t, &objs[32]);
  CHECK(wm__h_get(&t, ids[32]) == &objs[32]);
  for (int i = 0; i < 33; i++) CHECK(wm__h_get(&t, ids[i]) == &objs[i]);
  wm__h_fini(&t);
}

/* The same regression through the public API: a closed pipe end stays
 * closed while 100,000 pipes are made and closed after it. */
static void closed_pipe_stays_closed(void) {
  wm_pipe r0, w0, r, w;
  CHECK_EQ(wm_pipe_make(&r0, &w0), 0);
  CHECK_EQ(wm_close(w0), 0);
  CHECK_EQ(wm_close(r0), 0);
  char b[4];
  for (int i = 0; i < 100000; i++) {
    CHECK_EQ(wm_pipe_make(&r, &w), 0);
    CHECK_EQ(wm_read(r0, b, 1, 0), WM_EBADF);
    CHECK_EQ(wm_write(w0, "x", 1, 0), WM_EBADF);
    CHECK_EQ(wm_close(r0), WM_EBADF);
    CHECK_EQ(wm_close(w0), WM_EBADF);
    CHECK_EQ(wm_write(w, "y", 1, 0), 0);
    CHECK_EQ(wm_read(r, b, sizeof b, 0), 1);
    CHECK_EQ(wm_close(w), 0);
    CHECK_EQ(wm_close(r), 0);
  }
}

int main(int argc, char **argv) {
  static const test_case t[] = {
      TEST(add_get_del, 0),
      TEST(bad_ids_refused, 0),
      TEST(stale_id_never_revives, 0),
      TEST(stale_ids_stay_dead_when_busy, 0),
      TEST(counter_wraps_without_zero, 0),
      TEST(grows_and_keeps_objects, 0),
#ifndef __wasi__
      TEST(full_table_refuses, 0),
#endif
      TEST(add_nomem, T_FAILALLOC),
      TEST(closed_pipe_stays_closed, 0),
  };
  return test_main(argc, argv, t, sizeof t / sizeof t[0]);
}
