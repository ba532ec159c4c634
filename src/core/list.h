/* list.h: the core's one intrusive list, doubly linked and circular.
 *
 * A node (wm__list) sits inside the object it links, so that linking and
 * unlinking allocate nothing and cannot fail, and an object that knows it
 * is on a list leaves it in O(1) without a search. A list is a node of its
 * own, the sentinel: an empty list points at itself, so inserting and
 * erasing never test for an end. The price is that a list must be set up
 * (wm__list_init, or WM__LIST_INIT for a static one) and must not move
 * once it is, while a node may move whenever it is on no list.
 *
 * Header only: it adds no symbol and no edge between the core's layers. */
#ifndef WM_LIST_H
#define WM_LIST_H

#include <stddef.h>

typedef struct wm__list {
  struct wm__list *next, *prev;
} wm__list;

/* WM__LIST_INIT is an empty list l, for a static initializer. */
#define WM__LIST_INIT(l)                                                       \
  { &(l), &(l) }

/* wm__cont returns the object of type T whose member m p points at. */
#define wm__cont(p, T, m) ((T *)(void *)((char *)(p)-offsetof(T, m)))

static inline void wm__list_init(wm__list *l) { l->next = l->prev = l; }

static inline int wm__list_empty(const wm__list *l) { return l->next == l; }

/* wm__list_insert_after links n in just after at (a node, or the list
 * itself: then n is the first). */
static inline void wm__list_insert_after(wm__list *at, wm__list *n) {
  n->prev = at;
  n->next = at->next;
  at->next->prev = n;
  at->next = n;
}

/* wm__list_insert_before links n in just before at (a node, or the list
 * itself: then n is the last). */
static inline void wm__list_insert_before(wm__list *at, wm__list *n) {
  wm__list_insert_after(at->prev, n);
}

static inline void wm__list_push_front(wm__list *l, wm__list *n) {
  wm__list_insert_after(l, n);
}

static inline void wm__list_push_back(wm__list *l, wm__list *n) {
  wm__list_insert_before(l, n);
}

/* wm__list_erase unlinks n from whatever list it is on. Its links are
 * cleared, so that a node erased twice faults at once instead of quietly
 * corrupting the list it left. */
static inline void wm__list_erase(wm__list *n) {
  n->prev->next = n->next;
  n->next->prev = n->prev;
  n->next = n->prev = NULL;
}

/* wm__list_first returns l's first node, or NULL if l is empty. */
static inline wm__list *wm__list_first(const wm__list *l) {
  return l->next != l ? l->next : NULL;
}

/* wm__list_next returns the node after n on list l, or NULL after the last. */
static inline wm__list *wm__list_next(const wm__list *l, const wm__list *n) {
  return n->next != l ? n->next : NULL;
}

/* wm__list_foreach runs the statement after it with it (a wm__list *, in
 * scope there only) at each node of l, first to last. The next node is
 * taken before the body runs, so the body may erase it, and only it: a
 * body that may unlink other nodes of l must start over instead. */
#define wm__list_foreach(it, l)                                                \
  for (wm__list *it = (l)->next, *it##_next_ = it->next; it != (l);            \
       it = it##_next_, it##_next_ = it->next)

#endif
