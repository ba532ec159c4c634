/* handles_test.c: id tables with generations (src/core/handles.c). */
#include <stdlib.h>

#include "check.h"
#include "handles.h"

#define IDX(id) ((id)&0xfffffu)
#define GEN(id) ((id) >> 20)

static void tab_fini(wm__htab *t) {
  free(t->objs);
  free(t->gens);
  free(t->free);
}

static int objs[2000];

static void add_get_del(void) {
  wm__htab t = {0};
  uint32_t a = wm__h_add(&t, &objs[0]), b = wm__h_add(&t, &objs[1]);
  CHECK(a && b && a != b);
  /* Slots come out lowest first, so ids stay small. */
  CHECK_EQ(IDX(a), 1);
  CHECK_EQ(IDX(b), 2);
  CHECK(wm__h_get(&t, a) == &objs[0]);
  CHECK(wm__h_get(&t, b) == &objs[1]);
  CHECK_EQ(t.live, 2);
  wm__h_del(&t, a);
  CHECK(wm__h_get(&t, a) == NULL);
  CHECK(wm__h_get(&t, b) == &objs[1]);
  CHECK_EQ(t.live, 1);
  wm__h_del(&t, b);
  CHECK_EQ(t.live, 0);
  tab_fini(&t);
}

static void bad_ids_refused(void) {
  wm__htab t = {0};
  CHECK(wm__h_get(&t, 0) == NULL);
  CHECK(wm__h_get(&t, 1) == NULL);
  CHECK(wm__h_get(&t, 0xffffffffu) == NULL);
  uint32_t a = wm__h_add(&t, &objs[0]);
  CHECK(wm__h_get(&t, 0) == NULL);
  CHECK(wm__h_get(&t, a + 1) == NULL);               /* a free slot */
  CHECK(wm__h_get(&t, a ^ (1u << 20)) == NULL);      /* wrong generation */
  CHECK(wm__h_get(&t, IDX(a)) == NULL);              /* generation 0 */
  CHECK(wm__h_get(&t, (1u << 20) | 100000) == NULL); /* beyond cap */
  wm__h_del(&t, 0);
  wm__h_del(&t, a + 1);
  CHECK_EQ(t.live, 1);
  wm__h_del(&t, a);
  wm__h_del(&t, a); /* a stale id is ignored, not freed twice */
  CHECK_EQ(t.live, 0);
  CHECK_EQ(t.nfree, t.cap);
  tab_fini(&t);
}

static void stale_id_of_reused_slot(void) {
  wm__htab t = {0};
  uint32_t a = wm__h_add(&t, &objs[0]);
  wm__h_del(&t, a);
  uint32_t b = wm__h_add(&t, &objs[1]);
  CHECK_EQ(IDX(a), IDX(b)); /* the freed slot is reused first */
  CHECK(a != b);
  CHECK(wm__h_get(&t, a) == NULL);
  CHECK(wm__h_get(&t, b) == &objs[1]);
  wm__h_del(&t, a); /* must not free b's slot */
  CHECK(wm__h_get(&t, b) == &objs[1]);
  wm__h_del(&t, b);
  tab_fini(&t);
}

/* Generations cycle through 1..4095 and never reach 0, so no id is 0; an id
 * comes back after 4095 reuses of its slot (the ABA limit of 12 bits). */
static void generation_wraps_without_zero(void) {
  wm__htab t = {0};
  uint32_t first = wm__h_add(&t, &objs[0]);
  uint32_t id = first;
  for (int i = 1; i < 4095; i++) {
    wm__h_del(&t, id);
    id = wm__h_add(&t, &objs[0]);
    CHECK(id != 0 && GEN(id) != 0);
    CHECK(id != first);
  }
  wm__h_del(&t, id);
  id = wm__h_add(&t, &objs[0]);
  CHECK_EQ(id, first);
  wm__h_del(&t, id);
  tab_fini(&t);
}

static void grows_and_keeps_objects(void) {
  wm__htab t = {0};
  uint32_t ids[2000];
  for (int i = 0; i < 2000; i++) {
    ids[i] = wm__h_add(&t, &objs[i]);
    CHECK(ids[i] != 0);
  }
  CHECK(t.cap >= 2000);
  for (int i = 0; i < 2000; i++) CHECK(wm__h_get(&t, ids[i]) == &objs[i]);
  for (int i = 0; i < 2000; i += 2) wm__h_del(&t, ids[i]);
  for (int i = 0; i < 2000; i++)
    CHECK(wm__h_get(&t, ids[i]) == (i % 2 ? &objs[i] : NULL));
  CHECK_EQ(t.live, 1000);
  for (int i = 1; i < 2000; i += 2) wm__h_del(&t, ids[i]);
  CHECK_EQ(t.live, 0);
  tab_fini(&t);
}

/* Out of memory while growing: 0, and the table keeps working. */
static void add_nomem(void) {
  for (long k = 0; k < 3; k++) {
    wm__htab t = {0};
    uint32_t ids[64];
    for (int i = 0; i < 64; i++) ids[i] = wm__h_add(&t, &objs[i]);
    failalloc_arm(k);
    uint32_t id = wm__h_add(&t, &objs[64]);
    CHECK(failalloc_disarm());
    CHECK_EQ(id, 0);
    CHECK_EQ(t.live, 64);
    for (int i = 0; i < 64; i++) CHECK(wm__h_get(&t, ids[i]) == &objs[i]);
    id = wm__h_add(&t, &objs[64]);
    CHECK(wm__h_get(&t, id) == &objs[64]);
    tab_fini(&t);
  }
}

int main(int argc, char **argv) {
  static const test_case t[] = {
      TEST(add_get_del, 0),
      TEST(bad_ids_refused, 0),
      TEST(stale_id_of_reused_slot, 0),
      TEST(generation_wraps_without_zero, 0),
      TEST(grows_and_keeps_objects, 0),
      TEST(add_nomem, T_FAILALLOC),
  };
  return test_main(argc, argv, t, sizeof t / sizeof t[0]);
}
