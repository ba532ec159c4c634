/* redact.c: a C user's module that links the standard functions (STD in
 * CMakeLists.txt) beside its own, so that one chain mixes them. */
#include <stdint.h>

#include "wmesh.h"
#include "wmesh_std.h"

/* redact writes its input with every decimal digit turned into '#'. */
static int redact(wm_pipe in, wm_pipe out) {
  char buf[4096];
  for (;;) {
    ssize_t n = wm_read(in, buf, sizeof buf, -1);
    if (n < 0) return (int)n;
    if (n == 0) return 0;
    for (ssize_t i = 0; i < n; i++)
      if (buf[i] >= '0' && buf[i] <= '9') buf[i] = '#';
    int rc = wm_write(out, buf, (size_t)n, -1);
    if (rc) return rc;
  }
}
WM_EXPORT(redact)

/* inflate_small is inflate with a 1000-byte output limit: the library's
 * functions with their options, from C. */
static int inflate_small(wm_pipe in, wm_pipe out) {
  return wmstd_inflate_limit(in, out, 1000);
}
WM_EXPORT(inflate_small)

/* deflate_fast deflates at level 1, calling the library directly. */
static int deflate_fast(wm_pipe in, wm_pipe out) {
  return wmstd_deflate_level(in, out, 1);
}
WM_EXPORT(deflate_fast)
