/* dump.c: the report of everything alive (wm_dump), for finding what leaks
 * and what hangs. Each part lists its own objects. */
#include "rt.h"

int wm_dump(char *buf, size_t n) {
  if (!buf) n = 0;
  if (n) buf[0] = 0;
  const wm_stats *s = &wm__rt.stats;
  int len = wm__dumpf(buf, n, 0,
                      "instance %d: %u fibers (%u busy), %u pipe ends, %u "
                      "ports, %u calls, %u running, %u queued, %u refused\n",
                      wm__rt.self, s->fibers, s->fibers_busy, s->pipes,
                      s->ports, s->calls, s->running, s->queued, s->refused);
  /* Each part writes at the end of what is there, or only counts. */
  len += wm__dump_fibers(buf && (size_t)len < n ? buf + len : NULL,
                         (size_t)len < n ? n - (size_t)len : 0);
  len += wm__dump_pipes(buf && (size_t)len < n ? buf + len : NULL,
                        (size_t)len < n ? n - (size_t)len : 0);
  len += wm__dump_calls(buf && (size_t)len < n ? buf + len : NULL,
                        (size_t)len < n ? n - (size_t)len : 0);
  return len;
}
