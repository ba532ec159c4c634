/* rt.c: what every layer of the core shares: the instance's state and
 * counters (wm__rt), the clock, refusals, and the report helpers. It sits
 * below every other core file and knows none of them (see the layer order
 * in docs/ARCHITECTURE.md). */
#include <stdarg.h>
#include <stdio.h>

#include "host.h"
#include "rt.h"

wm__instance wm__rt;

/* wm__loc is set by the location macros of wmesh.h just before each call,
 * and read at once by the call: one thread, and no switch in between. */
const char *wm__loc;

int wm__dumpf(char *b, size_t n, int len, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  size_t at = (size_t)len < n ? (size_t)len : n;
  int k = vsnprintf(b ? b + at : NULL, b ? n - at : 0, fmt, ap);
  va_end(ap);
  return k < 0 ? 0 : k;
}

int64_t wm_now(void) { return (int64_t)wm__host_now(); }

int wm_get_stats(wm_stats *s) {
  if (!s) return WM_EINVAL;
  *s = wm__rt.stats;
  return 0;
}

void wm__refuse(const int *ports, int nports) {
  wm__rt.stats.refused++;
  for (int i = 0; i < nports; i++) wm__host_port_close(ports[i]);
}
