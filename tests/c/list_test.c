/* list_test.c: the intrusive list (src/core/list.h). */
#include "check.h"
#include "list.h"

typedef struct item {
  int v;
  wm__list node;
} item;

/* values writes l's values, first to last, into out and returns how many,
 * checking on the way that each node's prev mirrors the walk. */
static int values(const wm__list *l, int *out, int max) {
  int n = 0;
  const wm__list *prev = l;
  for (wm__list *it = wm__list_first(l); it; it = wm__list_next(l, it)) {
    CHECK(it->prev == prev);
    CHECK(n < max);
    out[n++] = wm__cont(it, item, node)->v;
    prev = it;
  }
  CHECK(l->prev == prev);
  return n;
}

#define CHECK_LIST(l, ...)                                                     \
  do {                                                                         \
    const int want_[] = {__VA_ARGS__};                                         \
    int got_[16];                                                              \
    int n_ = values(l, got_, 16);                                              \
    CHECK_EQ(n_, sizeof want_ / sizeof want_[0]);                              \
    for (int i_ = 0; i_ < n_; i_++) CHECK_EQ(got_[i_], want_[i_]);             \
  } while (0)

static wm__list static_list = WM__LIST_INIT(static_list);

static void empty(void) {
  CHECK(wm__list_empty(&static_list));
  CHECK(wm__list_first(&static_list) == NULL);
  wm__list l;
  wm__list_init(&l);
  CHECK(wm__list_empty(&l));
  CHECK(wm__list_first(&l) == NULL);
  int n = 0;
  wm__list_foreach(it, &l) n++;
  CHECK_EQ(n, 0);
}

static void push_and_insert(void) {
  item it[6];
  for (int i = 0; i < 6; i++) it[i].v = i;
  wm__list l;
  wm__list_init(&l);
  wm__list_push_back(&l, &it[1].node);
  CHECK(!wm__list_empty(&l));
  CHECK(wm__list_first(&l) == &it[1].node);
  CHECK(wm__list_next(&l, &it[1].node) == NULL);
  wm__list_push_back(&l, &it[2].node);
  wm__list_push_front(&l, &it[0].node);
  CHECK_LIST(&l, 0, 1, 2);
  wm__list_insert_after(&it[2].node, &it[4].node);
  wm__list_insert_before(&it[4].node, &it[3].node);
  CHECK_LIST(&l, 0, 1, 2, 3, 4);
  /* The list itself as the place: after it is first, before it is last. */
  wm__list_insert_before(&l, &it[5].node);
  CHECK_LIST(&l, 0, 1, 2, 3, 4, 5);
  wm__list_erase(&it[5].node);
  wm__list_insert_after(&l, &it[5].node);
  CHECK_LIST(&l, 5, 0, 1, 2, 3, 4);
}

static void erase(void) {
  item it[4];
  wm__list l;
  wm__list_init(&l);
  for (int i = 0; i < 4; i++) {
    it[i].v = i;
    wm__list_push_back(&l, &it[i].node);
  }
  wm__list_erase(&it[2].node); /* middle */
  CHECK(it[2].node.next == NULL && it[2].node.prev == NULL);
  CHECK_LIST(&l, 0, 1, 3);
  wm__list_erase(&it[0].node); /* first */
  CHECK_LIST(&l, 1, 3);
  wm__list_erase(&it[3].node); /* last */
  CHECK_LIST(&l, 1);
  wm__list_erase(&it[1].node); /* only */
  CHECK(wm__list_empty(&l));
  /* An erased node goes on any list again. */
  wm__list_push_front(&l, &it[2].node);
  CHECK_LIST(&l, 2);
}

/* fifo_and_lifo: pushing at the back and taking the first is a queue;
 * pushing at the front, a stack. */
static void fifo_and_lifo(void) {
  item it[5];
  wm__list q, s;
  wm__list_init(&q);
  wm__list_init(&s);
  for (int i = 0; i < 5; i++) it[i].v = i;
  for (int i = 0; i < 5; i++) wm__list_push_back(&q, &it[i].node);
  for (int i = 0; wm__list_first(&q); i++) {
    wm__list *n = wm__list_first(&q);
    CHECK_EQ(wm__cont(n, item, node)->v, i);
    wm__list_erase(n);
    wm__list_push_front(&s, n);
  }
  CHECK_LIST(&s, 4, 3, 2, 1, 0);
}

static void foreach_erases(void) {
  item it[6];
  wm__list l, odd;
  wm__list_init(&l);
  wm__list_init(&odd);
  for (int i = 0; i < 6; i++) {
    it[i].v = i;
    wm__list_push_back(&l, &it[i].node);
  }
  /* Erasing the current node, and moving it to another list, leaves the
   * walk on course: every node is seen once, in order. */
  int seen[6], n = 0;
  wm__list_foreach(e, &l) {
    int v = wm__cont(e, item, node)->v;
    seen[n++] = v;
    if (v % 2) {
      wm__list_erase(e);
      wm__list_push_back(&odd, e);
    } else if (v == 4) {
      wm__list_erase(e);
    }
  }
  CHECK_EQ(n, 6);
  for (int i = 0; i < 6; i++) CHECK_EQ(seen[i], i);
  CHECK_LIST(&l, 0, 2);
  CHECK_LIST(&odd, 1, 3, 5);
  /* Erasing every node, the last one too, empties the list. */
  n = 0;
  wm__list_foreach(e, &odd) {
    wm__list_erase(e);
    n++;
  }
  CHECK_EQ(n, 3);
  CHECK(wm__list_empty(&odd));
  /* A walk may stop early; break leaves the list as it was. */
  wm__list_foreach(e, &l) {
    if (wm__cont(e, item, node)->v == 0) break;
    CHECK(0);
  }
  CHECK_LIST(&l, 0, 2);
}

int main(int argc, char **argv) {
  static const test_case t[] = {
      TEST(empty, 0),         TEST(push_and_insert, 0), TEST(erase, 0),
      TEST(fifo_and_lifo, 0), TEST(foreach_erases, 0),
  };
  return test_main(argc, argv, t, sizeof t / sizeof t[0]);
}
