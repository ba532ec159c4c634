/* shout.c: a module of a C user, built with the packaged cmake helper. */
#include "wmesh.h"

/* shout upper-cases its input and ends it with "!". */
static int shout(wm_pipe in, wm_pipe out) {
  char buf[4096];
  for (;;) {
    ssize_t n = wm_read(in, buf, sizeof buf, -1);
    if (n < 0) return (int)n;
    if (n == 0) break;
    for (ssize_t i = 0; i < n; i++)
      if (buf[i] >= 'a' && buf[i] <= 'z') buf[i] -= 32;
    int rc = wm_write(out, buf, (size_t)n, -1);
    if (rc) return rc;
  }
  return wm_write(out, "!", 1, -1);
}
WM_EXPORT(shout)
