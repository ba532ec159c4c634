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
