/* std_io.c: see std_io.h. */
#include "std_io.h"

#include <stdlib.h>

#include "std_errors.h"

int std_read_all(wm_pipe p, uint8_t **buf, size_t *len) {
  size_t cap = 64 * 1024, n = 0;
  uint8_t *b = malloc(cap);
  int rc = 0;
  *buf = NULL;
  *len = 0;
  if (!b) return WM_ENOMEM;
  for (;;) {
    if (n == cap) {
      /* One byte past the cap is enough to know the input is too large. */
      size_t ncap =
          cap * 2 > WMSTD_MAX_INPUT + 1 ? WMSTD_MAX_INPUT + 1 : cap * 2;
      if (ncap == cap) {
        rc = WMSTD_ETOOBIG;
        break;
      }
      uint8_t *nb = realloc(b, ncap);
      if (!nb) {
        rc = WM_ENOMEM;
        break;
      }
      b = nb;
      cap = ncap;
    }
    ssize_t k = wm_read(p, b + n, cap - n, -1);
    if (k < 0) {
      rc = (int)k;
      break;
    }
    if (k == 0) break;
    n += (size_t)k;
    if (n > WMSTD_MAX_INPUT) {
      rc = WMSTD_ETOOBIG;
      break;
    }
  }
  if (rc) {
    free(b);
    return rc;
  }
  *buf = b;
  *len = n;
  return 0;
}
