/* nested_fns.c: a stage that fans out from C. psort sorts an array of
 * little-endian u32s by handing parts of it to sort_u32 calls on other
 * workers (wm_go from inside a running function: those calls are its
 * children) and merging their sorted outputs. */
#include <stdlib.h>
#include <string.h>

#include "../common/demo_io.h"
#include "wmesh.h"

#define MAX_BYTES (256u * 1024 * 1024)
#define PARTS 4

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

/* sort_u32: u32s in, the same sorted out. */
static int sort_u32(wm_pipe in, wm_pipe out) {
  uint8_t *buf;
  size_t n;
  int rc = demo_read_all(in, &buf, &n, MAX_BYTES);
  if (!rc && n % 4) rc = DEMO_EFORMAT;
  if (!rc) {
    qsort(buf, n / 4, 4, cmp_u32);
    rc = wm_write(out, buf, n, -1);
  }
  free(buf);
  return rc;
}
WM_EXPORT(sort_u32)

/* psort: u32s in, sorted out, the sorting done by PARTS sort_u32 calls. */
static int psort(wm_pipe in, wm_pipe out) {
  uint8_t *buf;
  size_t n;
  int rc = demo_read_all(in, &buf, &n, MAX_BYTES);
  if (!rc && n % 4) rc = DEMO_EFORMAT;
  if (rc) {
    free(buf);
    return rc;
  }
  size_t count = n / 4, base[PARTS + 1];
  for (int k = 0; k <= PARTS; k++) base[k] = count * (size_t)k / PARTS;

  /* Start every child first, then feed them, then collect: each child
   * runs on whatever worker is least loaded, all at once. A child that
   * fails fails psort; the runtime cancels the others when psort returns. */
  wm_call calls[PARTS];
  wm_pipe to[PARTS], from[PARTS];
  int started = 0;
  for (int k = 0; k < PARTS && !rc; k++) {
    wm_pipe r1, w1, r2, w2;
    if ((rc = wm_pipe_make(&r1, &w1))) break;
    if ((rc = wm_pipe_make(&r2, &w2))) {
      wm_close(r1);
      wm_close(w1);
      break;
    }
    rc = wm_go(r1, w2, sort_u32, NULL, &calls[k]);
    if (rc) {
      wm_close(r1);
      wm_close(w1);
      wm_close(r2);
      wm_close(w2);
      break;
    }
    to[k] = w1;
    from[k] = r2;
    started++;
  }
  for (int k = 0; k < started && !rc; k++) {
    rc = wm_write(to[k], buf + 4 * base[k], 4 * (base[k + 1] - base[k]), -1);
    wm_close(to[k]);
    to[k] = WM_PIPE_NONE;
  }
  /* Each sorted part comes back where it came from, in place. */
  for (int k = 0; k < started && !rc; k++) {
    size_t want = 4 * (base[k + 1] - base[k]);
    rc = demo_read_full(from[k], buf + 4 * base[k], want);
    if (!rc) {
      uint8_t extra;
      if (wm_read(from[k], &extra, 1, -1) != 0) rc = DEMO_EFORMAT;
    }
    if (!rc) rc = wm_wait(calls[k], -1);
  }

  /* A PARTS-way merge of the sorted runs. */
  uint32_t *src = (uint32_t *)(void *)buf, *dst = NULL;
  if (!rc && !(dst = malloc(n ? n : 1))) rc = WM_ENOMEM;
  if (!rc) {
    size_t pos[PARTS];
    for (int k = 0; k < PARTS; k++) pos[k] = base[k];
    for (size_t i = 0; i < count; i++) {
      int best = -1;
      for (int k = 0; k < PARTS; k++)
        if (pos[k] < base[k + 1] && (best < 0 || src[pos[k]] < src[pos[best]]))
          best = k;
      dst[i] = src[pos[best]++];
    }
    rc = wm_write(out, dst, n, -1);
  }
  free(dst);
  free(buf);
  /* Ends still held are closed by the runtime when psort returns, and
   * children not waited for are cancelled. */
  return rc;
}
WM_EXPORT(psort)
