/* text_fns.c: the classic text pipeline, generator -> upper-case -> reverse,
 * as three wmesh functions. Each runs on its own worker when chained. */
#include <string.h>

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

/* reverse reverses each line (up to 4 KiB per line). */
static int reverse(wm_pipe in, wm_pipe out) {
  char line[4096], buf[4096];
  size_t len = 0;
  for (;;) {
    ssize_t n = wm_read(in, buf, sizeof buf, -1);
    if (n < 0) return (int)n;
    for (ssize_t i = 0; i < n || (n == 0 && len && i == 0); i++) {
      int eol = n == 0 || buf[i] == '\n';
      if (!eol && len < sizeof line) {
        line[len++] = buf[i];
        continue;
      }
      for (size_t a = 0, b = len ? len - 1 : 0; a < b; a++, b--) {
        char t = line[a];
        line[a] = line[b];
        line[b] = t;
      }
      if (n) line[len++] = '\n';
      int rc = wm_write(out, line, len, -1);
      if (rc) return rc;
      len = 0;
    }
    if (n == 0) return 0;
  }
}
WM_EXPORT(reverse)
