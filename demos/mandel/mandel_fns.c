/* mandel_fns.c: a Mandelbrot tile renderer for compute fan-outs. A page or
 * a Node driver splits an image into tiles and runs mandel_tile for each
 * on whichever worker is free. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../common/demo_io.h"
#include "wmesh.h"

/* The parameters, 40 bytes, little-endian:
 *   f64 x0 | f64 y0 | f64 step | u32 width | u32 height | u32 maxiter | u32 0
 * Pixel (i, j) of the tile is the point (x0 + i*step, y0 + j*step). */
#define PARAMS 40
#define MAX_TILE (4096u * 4096u)
#define MAX_ITER 100000u

static double get_f64(const uint8_t *p) {
  uint64_t v = (uint64_t)demo_get32(p) | (uint64_t)demo_get32(p + 4) << 32;
  double d;
  memcpy(&d, &v, sizeof d);
  return d;
}

/* color maps an escape count to RGB with Bernstein polynomials of
 * sqrt(n / maxiter); the JS reference in demos/mandel/mandel.js computes
 * the very same double arithmetic, so tiles can be checked byte for byte. */
static void color(uint32_t n, uint32_t maxiter, uint8_t *p) {
  if (n >= maxiter) {
    p[0] = p[1] = p[2] = 0;
  } else {
    double t = sqrt((double)n / (double)maxiter);
    double s = 1 - t;
    p[0] = (uint8_t)(9 * s * t * t * t * 255);
    p[1] = (uint8_t)(15 * s * s * t * t * 255);
    p[2] = (uint8_t)(8.5 * s * s * s * t * 255);
  }
  p[3] = 255;
}

/* mandel_tile: parameters in, width * height RGBA pixels out. */
static int mandel_tile(wm_pipe in, wm_pipe out) {
  uint8_t prm[PARAMS];
  int rc = demo_read_full(in, prm, sizeof prm);
  if (rc) return rc;
  double x0 = get_f64(prm), y0 = get_f64(prm + 8), step = get_f64(prm + 16);
  uint32_t w = demo_get32(prm + 24), h = demo_get32(prm + 28),
           maxiter = demo_get32(prm + 32);
  if (!w || !h || (uint64_t)w * h > MAX_TILE || !maxiter ||
      maxiter > MAX_ITER || !isfinite(x0) || !isfinite(y0) || !isfinite(step))
    return DEMO_EFORMAT;
  uint8_t *row = malloc((size_t)w * 4);
  if (!row) return WM_ENOMEM;
  for (uint32_t j = 0; j < h && !rc; j++) {
    double cy = y0 + j * step;
    for (uint32_t i = 0; i < w; i++) {
      double cx = x0 + i * step, x = 0, y = 0, xx = 0, yy = 0;
      uint32_t n = 0;
      while (n < maxiter && xx + yy <= 4) {
        y = 2 * x * y + cy;
        x = xx - yy + cx;
        xx = x * x;
        yy = y * y;
        n++;
      }
      color(n, maxiter, row + 4 * i);
    }
    /* A row at a time: the reader starts on the first rows while the
     * rest are computed, and memory stays one row. */
    rc = wm_write(out, row, (size_t)w * 4, -1);
  }
  free(row);
  return rc;
}
WM_EXPORT(mandel_tile)
