/* demo_io.c: see demo_io.h. */
#include "demo_io.h"

#include <stdlib.h>

int demo_read_all(wm_pipe p, uint8_t **buf, size_t *len, size_t max) {
  size_t cap = 64 * 1024, n = 0;
  uint8_t *b = malloc(cap + 1);
  *buf = b;
  *len = 0;
  if (!b) return WM_ENOMEM;
  for (;;) {
    if (n == cap) {
      if (cap >= max) return WM_ENOMEM;
      size_t ncap = cap * 2 > max ? max : cap * 2;
      uint8_t *nb = realloc(b, ncap + 1);
      if (!nb) return WM_ENOMEM;
      *buf = b = nb;
      cap = ncap;
    }
    ssize_t k = wm_read(p, b + n, cap - n, -1);
    if (k < 0) return (int)k;
    if (k == 0) break;
    n += (size_t)k;
  }
  b[n] = 0;
  *len = n;
  return 0;
}

int demo_read_full(wm_pipe p, void *buf, size_t n) {
  uint8_t *b = buf;
  size_t got = 0;
  while (got < n) {
    ssize_t k = wm_read(p, b + got, n - got, -1);
    if (k < 0) return (int)k;
    if (k == 0) return DEMO_EFORMAT;
    got += (size_t)k;
  }
  return 0;
}
