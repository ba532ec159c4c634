/* bytes.h: a growable ring of bytes, the receive buffer of a pipe's reading
 * end. Portable; no platform code. */
#ifndef WM_BYTES_H
#define WM_BYTES_H

#include <stddef.h>
#include <stdint.h>

typedef struct wm__bytes {
  uint8_t *buf;
  size_t cap; /* a power of two, or 0 */
  size_t head;
  size_t len;
} wm__bytes;

/* wm__bytes_push appends n bytes; returns WM_ENOMEM (and appends nothing) if
 * the ring cannot grow. */
int wm__bytes_push(wm__bytes *b, const void *p, size_t n);

/* wm__bytes_room returns where n more bytes can be written in one piece at
 * the tail of the ring, growing it if it must, or NULL if they would wrap
 * around its end or it cannot grow. Nothing is appended until
 * wm__bytes_commit(b, n). */
uint8_t *wm__bytes_room(wm__bytes *b, size_t n);

/* wm__bytes_commit appends the n bytes written at wm__bytes_room(b, n). */
void wm__bytes_commit(wm__bytes *b, size_t n);

/* wm__bytes_pop copies up to n bytes out and returns how many. A NULL dst
 * discards them. */
size_t wm__bytes_pop(wm__bytes *b, void *dst, size_t n);

/* wm__bytes_fini frees the storage; the ring is empty afterwards. */
void wm__bytes_fini(wm__bytes *b);

#endif
