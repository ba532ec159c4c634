/* text_fns.c: the classic text pipeline, generator -> upper-case -> reverse,
 * as three wmesh functions. Each runs on its own worker when chained. */
#include <stdlib.h>
#include <string.h>

#include "../../src/std/std_errors.h"
#include "wmesh.h"

/* gen writes N numbered lines "line i of N: hello, mesh\n", where N is read
 * as a decimal number from the input (default 10). */
static int gen(wm_pipe in, wm_pipe out) {
  char num[16] = {0};
  ssize_t k = in.id ? wm_read(in, num, sizeof num - 1, -1) : 0;
  long n = 0;
  for (ssize_t i = 0; i < k && num[i] >= '0' && num[i] <= '9'; i++)
    n = n * 10 + (num[i] - '0');
  if (k <= 0 || n <= 0) n = 10;
  char line[80];
  for (long i = 1; i <= n; i++) {
    int len = 0;
    char digits[24];
    const char *parts[] = {"line ", NULL, " of ", NULL, ": hello, mesh\n"};
    long vals[] = {i, n};
    for (int p = 0, v = 0; p < 5; p++) {
      const char *s = parts[p];
      if (!s) {
        long x = vals[v++];
        int d = 0;
        do {
          digits[d++] = (char)('0' + x % 10);
          x /= 10;
        } while (x);
        while (d) line[len++] = digits[--d];
        continue;
      }
      size_t sl = strlen(s);
      memcpy(line + len, s, sl);
      len += (int)sl;
    }
    int rc = wm_write(out, line, (size_t)len, -1);
    if (rc) return rc;
  }
  return 0;
}
WM_EXPORT(gen)

/* upper upper-cases ASCII letters. */
static int upper(wm_pipe in, wm_pipe out) {
  char buf[4096];
  for (;;) {
    ssize_t n = wm_read(in, buf, sizeof buf, -1);
    if (n <= 0) return (int)n;
    for (ssize_t i = 0; i < n; i++)
      if (buf[i] >= 'a' && buf[i] <= 'z') buf[i] = (char)(buf[i] - 32);
    int rc = wm_write(out, buf, (size_t)n, -1);
    if (rc) return rc;
  }
}
WM_EXPORT(upper)

/* put_reversed writes line (len bytes) reversed, then a newline if eol. */
static int put_reversed(wm_pipe out, char *line, size_t len, int eol) {
  for (size_t a = 0, b = len ? len - 1 : 0; a < b; a++, b--) {
    char t = line[a];
    line[a] = line[b];
    line[b] = t;
  }
  int rc = len ? wm_write(out, line, len, -1) : 0;
  return rc || !eol ? rc : wm_write(out, "\n", 1, -1);
}

/* reverse reverses each line. A line is reversed whole, so it is held
 * whole: the buffer grows with the longest line, up to WMSTD_MAX_INPUT
 * (then WMSTD_ETOOBIG); a last line without a newline comes out without
 * one. */
static int reverse(wm_pipe in, wm_pipe out) {
  char buf[4096];
  char *line = NULL;
  size_t len = 0, cap = 0;
  int rc = 0;
  for (;;) {
    ssize_t n = wm_read(in, buf, sizeof buf, -1);
    if (n <= 0) {
      rc = n < 0 ? (int)n : put_reversed(out, line, len, 0);
      break;
    }
    for (ssize_t i = 0; i < n && !rc; i++) {
      if (buf[i] == '\n') {
        rc = put_reversed(out, line, len, 1);
        len = 0;
        continue;
      }
      if (len == cap) {
        size_t want = cap ? 2 * cap : 4096;
        char *more = want <= WMSTD_MAX_INPUT ? realloc(line, want) : NULL;
        if (!more) {
          rc = want <= WMSTD_MAX_INPUT ? WM_ENOMEM : WMSTD_ETOOBIG;
          break;
        }
        line = more;
        cap = want;
      }
      line[len++] = buf[i];
    }
    if (rc) break;
  }
  free(line);
  return rc;
}
WM_EXPORT(reverse)
