/* zlib_fns.c: compression functions of the standard module, over zlib
 * itself (1.3.1: the C sources the zlib-sync npm package carries, which
 * set-up installs as a dev dependency; CMakeLists.txt compiles them into
 * libwmesh_std.a). `deflate` and `inflate` use the zlib format (RFC 1950):
 * their output is what Node's zlib.deflateSync/inflateSync produce and
 * accept, and at the same level deflate makes the same stream zlib does.
 *
 * Both stream: they hold zlib's state (about 270 KiB for deflate at the
 * default memory level, 7 KiB plus a 32 KiB window for inflate) and one
 * buffer each way, read a chunk, code it and write what came out before
 * they read the next, so that an input of any size goes through in
 * bounded memory, and the output starts before the input ends. */
#include <stdint.h>
#include <stdlib.h>

#include "wmesh.h"
#include "wmesh_std.h"
#include "zlib.h"

/* 64 KiB a buffer: big enough that zlib's per-call cost is small, small
 * enough to leave a worker's memory to the data. Heap, not the fiber's
 * 128 KiB stack. */
#define ZBUF (64u * 1024)

/* zbufs holds both buffers in one allocation. */
typedef struct zbufs {
  uint8_t in[ZBUF];
  uint8_t out[ZBUF];
} zbufs;

/* zout is the output side: the pipe, and the buffer zlib writes into. */
typedef struct zout {
  wm_pipe pipe;
  uint8_t *buf;
} zout;

/* flush_out writes what zlib put in o->buf since the last flush and hands
 * zlib the buffer again. */
static int flush_out(z_stream *z, zout *o) {
  size_t n = ZBUF - z->avail_out;
  int rc = n ? wm_write(o->pipe, o->buf, n, -1) : 0;
  z->next_out = o->buf;
  z->avail_out = ZBUF;
  return rc;
}

int wmstd_deflate_level(wm_pipe in, wm_pipe out, int level) {
  if (level < -1 || level > 9) return WM_EINVAL;
  zbufs *b = malloc(sizeof *b);
  if (!b) return WM_ENOMEM;
  z_stream z = {0};
  if (deflateInit(&z, level) != Z_OK) {
    free(b);
    return WM_ENOMEM; /* the level is checked above: only memory is left */
  }
  zout o = {out, b->out};
  z.next_out = b->out;
  z.avail_out = ZBUF;
  int rc = 0, flush = Z_NO_FLUSH;
  while (!rc && flush != Z_FINISH) {
    ssize_t n = wm_read(in, b->in, ZBUF, -1);
    if (n < 0) {
      rc = (int)n;
      break;
    }
    if (n == 0) flush = Z_FINISH;
    z.next_in = b->in;
    z.avail_in = (uInt)n;
    /* Until zlib has taken the whole chunk (or, at the end, written the
     * whole stream), writing out whatever it made. */
    for (;;) {
      int zr = deflate(&z, flush);
      if (zr == Z_STREAM_ERROR) {
        rc = WM_EINVAL; /* not reached: the state is ours alone */
        break;
      }
      int done = flush == Z_FINISH ? zr == Z_STREAM_END : z.avail_in == 0;
      if (z.avail_out == 0 || done) rc = flush_out(&z, &o);
      if (rc || done) break;
    }
  }
  deflateEnd(&z);
  free(b);
  return rc;
}

int wmstd_inflate_limit(wm_pipe in, wm_pipe out, uint64_t max_out) {
  zbufs *b = malloc(sizeof *b);
  if (!b) return WM_ENOMEM;
  z_stream z = {0};
  if (inflateInit(&z) != Z_OK) {
    free(b);
    return WM_ENOMEM;
  }
  zout o = {out, b->out};
  z.next_out = b->out;
  z.avail_out = ZBUF;
  uint64_t total = 0;
  int rc = 0, end = 0;
  while (!rc && !end) {
    ssize_t n = wm_read(in, b->in, ZBUF, -1);
    if (n < 0) {
      rc = (int)n;
      break;
    }
    /* The input ended before the stream did: cut short (or empty). */
    if (n == 0) {
      rc = WMSTD_EFORMAT;
      break;
    }
    z.next_in = b->in;
    z.avail_in = (uInt)n;
    for (;;) {
      uInt room = z.avail_out;
      int zr = inflate(&z, Z_NO_FLUSH);
      total += room - z.avail_out;
      if (zr == Z_STREAM_END)
        end = 1;
      else if (zr == Z_MEM_ERROR)
        rc = WM_ENOMEM;
      else if (zr != Z_OK && zr != Z_BUF_ERROR)
        rc = WMSTD_EFORMAT; /* not zlib, corrupt, or a preset dictionary */
      /* Checked as the output grows, so that a bomb stops at the limit
       * rather than after it has written everything. */
      if (!rc && total > max_out) rc = WMSTD_ELIMIT;
      if (rc) break;
      /* A full buffer: zlib may hold more. Otherwise it took the whole
       * chunk (or the stream ended): what came of it goes out now. */
      int more = z.avail_out == 0 && !end;
      rc = flush_out(&z, &o);
      if (rc || !more) break;
    }
    /* Bytes after the end of the stream: not one zlib stream. */
    if (!rc && end && z.avail_in) rc = WMSTD_EFORMAT;
  }
  /* ... nor any in a later chunk. */
  if (!rc && end) {
    ssize_t n = wm_read(in, b->in, 1, -1);
    if (n > 0)
      rc = WMSTD_EFORMAT;
    else if (n < 0)
      rc = (int)n;
  }
  inflateEnd(&z);
  free(b);
  return rc;
}

int wmstd_deflate(wm_pipe in, wm_pipe out) {
  return wmstd_deflate_level(in, out, WMSTD_DEFLATE_LEVEL);
}
WM_EXPORT_AS("deflate", wmstd_deflate)

int wmstd_inflate(wm_pipe in, wm_pipe out) {
  return wmstd_inflate_limit(in, out, WMSTD_MAX_INFLATE);
}
WM_EXPORT_AS("inflate", wmstd_inflate)

/* deflate_1 ... deflate_9: deflate at that level, for callers that cannot
 * pass one (a function takes only its pipes): js/std.js deflateStage(level)
 * names them. */
#define DEFLATE_AT(l)                                                          \
  static int deflate_##l(wm_pipe in, wm_pipe out) {                            \
    return wmstd_deflate_level(in, out, l);                                    \
  }                                                                            \
  WM_EXPORT(deflate_##l)
DEFLATE_AT(1)
DEFLATE_AT(2)
DEFLATE_AT(3)
DEFLATE_AT(4)
DEFLATE_AT(5)
DEFLATE_AT(6)
DEFLATE_AT(7)
DEFLATE_AT(8)
DEFLATE_AT(9)
