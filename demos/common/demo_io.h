/* demo_io.h: whole-message reads and writes over wm pipes, shared by the
 * demos. The demos' stages work on whole frames (an image, a list of
 * counts), so they read their input to the end before they compute. */
#ifndef DEMO_IO_H
#define DEMO_IO_H

#include <stddef.h>
#include <stdint.h>

#include "wmesh.h"

/* DEMO_EFORMAT is the demos' own result code for input they cannot parse.
 * Codes in [-99, -1] belong to the runtime; this one is outside them. */
#define DEMO_EFORMAT (-100)

/* demo_read_all reads p to EOF into a malloc'd buffer (*buf, *len; the
 * caller frees *buf, also on failure). It fails with WM_ENOMEM past max
 * bytes, or with the pipe's error. A NUL is kept after the data so text
 * parsers may stop on it. */
int demo_read_all(wm_pipe p, uint8_t **buf, size_t *len, size_t max);

/* demo_read_full reads exactly n bytes, or fails with DEMO_EFORMAT at an
 * early EOF, or with the pipe's error. */
int demo_read_full(wm_pipe p, void *buf, size_t n);

/* demo_get32 and demo_put32 read and write little-endian u32s: wasm is
 * little-endian, but the native check program need not be. */
static inline uint32_t demo_get32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

static inline void demo_put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

#endif
