/* bytes.c: growable byte ring. Growth doubles so that a steady stream costs
 * no allocation once the ring has reached the pipe's window size. */
#include "bytes.h"

#include <stdlib.h>
#include <string.h>

#include "wmesh.h"

static int grow(wm__bytes *b, size_t need) {
  size_t cap = b->cap ? b->cap : 4096;
  while (cap < need) {
    if (cap > SIZE_MAX / 2) return WM_ENOMEM;
    cap *= 2;
  }
  if (cap == b->cap) return 0;
  uint8_t *nb = malloc(cap);
  if (!nb) return WM_ENOMEM;
  size_t first = b->cap - b->head;
  if (first > b->len) first = b->len;
  if (b->len) {
    memcpy(nb, b->buf + b->head, first);
    memcpy(nb + first, b->buf, b->len - first);
  }
  free(b->buf);
  b->buf = nb;
  b->cap = cap;
  b->head = 0;
  return 0;
}

int wm__bytes_push(wm__bytes *b, const void *p, size_t n) {
  if (n == 0) return 0;
  if (n > SIZE_MAX - b->len) return WM_ENOMEM;
  if (b->len + n > b->cap) {
    int rc = grow(b, b->len + n);
    if (rc) return rc;
  }
  size_t tail = (b->head + b->len) & (b->cap - 1);
  size_t first = b->cap - tail;
  if (first > n) first = n;
  memcpy(b->buf + tail, p, first);
  memcpy(b->buf, (const uint8_t *)p + first, n - first);
  b->len += n;
  return 0;
}

uint8_t *wm__bytes_room(wm__bytes *b, size_t n) {
  if (n == 0 || n > SIZE_MAX - b->len) return NULL;
  if (b->len + n > b->cap && grow(b, b->len + n)) return NULL;
  size_t tail = (b->head + b->len) & (b->cap - 1);
  /* The free space runs from tail to the end, or to head if tail is before
   * it (the data wraps): one piece either way, if it is big enough. */
  size_t piece =
      tail >= b->head && b->len < b->cap ? b->cap - tail : b->head - tail;
  return piece >= n ? b->buf + tail : NULL;
}

void wm__bytes_commit(wm__bytes *b, size_t n) { b->len += n; }

size_t wm__bytes_pop(wm__bytes *b, void *dst, size_t n) {
  if (n > b->len) n = b->len;
  if (n == 0) return 0; /* an unused ring has no buffer to copy from */
  size_t first = b->cap - b->head;
  if (first > n) first = n;
  if (dst) {
    memcpy(dst, b->buf + b->head, first);
    memcpy((uint8_t *)dst + first, b->buf, n - first);
  }
  b->len -= n;
  b->head = b->len ? (b->head + n) & (b->cap - 1) : 0;
  return n;
}

void wm__bytes_fini(wm__bytes *b) {
  free(b->buf);
  b->buf = NULL;
  b->cap = b->head = b->len = 0;
}
