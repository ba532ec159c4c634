/* bench_fns.c: the functions of the benchmark module (wmesh_bench), driven
 * by tests/bench/cpu.mjs. They are kept out of the test module so that the
 * benchmarks can grow without changing what the tests load. */
#include <emscripten/emscripten.h>
#include <stdint.h>

#include "wmesh.h"

#define FOREVER (-1)

/* b_spin_rounds runs n rounds of xorshift32 and returns the state: pure
 * compute with no memory traffic, so that a parallel run measures the cores
 * and the runtime's overhead, not the memory bus. Exported as a plain wasm
 * function too, for the baseline that calls it without wmesh. */
EMSCRIPTEN_KEEPALIVE uint32_t b_spin_rounds(uint32_t n) {
  uint32_t x = 2463534242u;
  for (uint32_t i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
  }
  return x;
}

/* b_spin reads a u32 round count and writes the u32 b_spin_rounds returns. */
static int b_spin(wm_pipe in, wm_pipe out) {
  uint32_t n;
  size_t got = 0;
  while (got < sizeof n) {
    ssize_t k = wm_read(in, (char *)&n + got, sizeof n - got, FOREVER);
    if (k < 0) return (int)k;
    if (k == 0) return WM_EINVAL; /* input ended early */
    got += (size_t)k;
  }
  uint32_t r = b_spin_rounds(n);
  return wm_write(out, &r, sizeof r, FOREVER);
}
WM_EXPORT(b_spin)

/* b_now is the time in milliseconds since the epoch, to the microsecond,
 * on a clock every thread of the process shares. */
EM_JS(double, b_now, (void),
      { return performance.timeOrigin + performance.now(); });

/* b_fan is a fan-out producer: it reads a u32 frame count and a u32 frame
 * size, makes topic "bench", gets ready, waits for one more byte (sent once
 * every subscriber has joined), then publishes the frames as fast as its
 * subscribers let it, each stamped with b_now() in its first 8 bytes, and
 * ends the topic. */
static int b_fan(wm_pipe in, wm_pipe out) {
  (void)out;
  uint32_t hdr[2];
  size_t got = 0;
  while (got < sizeof hdr) {
    ssize_t k = wm_read(in, (char *)hdr + got, sizeof hdr - got, FOREVER);
    if (k <= 0) return k ? (int)k : WM_EINVAL;
    got += (size_t)k;
  }
  uint32_t n = hdr[0], size = hdr[1] < 8 ? 8 : hdr[1];
  static char frame[1 << 16];
  if (size > sizeof frame) return WM_EINVAL;
  wm_topic t;
  int rc = wm_topic_make("bench", &t);
  if (rc) return rc;
  wm_ready();
  char go;
  if (wm_read(in, &go, 1, FOREVER) == 1) {
    for (uint32_t i = 0; i < n && !rc; i++) {
      double now = b_now();
      __builtin_memcpy(frame, &now, sizeof now);
      rc = wm_publish(t, frame, size, FOREVER);
    }
  }
  wm_topic_close(t);
  return rc;
}
WM_EXPORT(b_fan)
