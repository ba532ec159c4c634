/* image_ops.c: see image_ops.h. */
#include "image_ops.h"

#include <stdlib.h>
#include <string.h>

#include "../common/demo_io.h"
#include "stb_image.h"
#include "stb_image_resize.h"

int img_decode_mem(const uint8_t *data, size_t n, img *out) {
  memset(out, 0, sizeof *out);
  if (n > INT32_MAX) return -1;
  int w, h, comp;
  uint8_t *px = stbi_load_from_memory(data, (int)n, &w, &h, &comp, 4);
  if (!px) return -1;
  if (w <= 0 || h <= 0 || w > IMG_MAX_SIDE || h > IMG_MAX_SIDE ||
      (uint64_t)w * (uint64_t)h > IMG_MAX_PIXELS) {
    stbi_image_free(px);
    return -1;
  }
  /* stb allocates with malloc unless told otherwise, so free() releases
   * frames whichever code made them. */
  out->w = (uint32_t)w;
  out->h = (uint32_t)h;
  out->px = px;
  return 0;
}

void img_target(const img *src, uint32_t *w, uint32_t *h) {
  uint64_t tw = src->resize_w, th = src->resize_h;
  if (!tw && !th) {
    tw = src->w;
    th = src->h;
  } else if (!th) {
    th = (tw * src->h + src->w / 2) / src->w;
  } else if (!tw) {
    tw = (th * src->w + src->h / 2) / src->h;
  }
  if (tw < 1) tw = 1;
  if (th < 1) th = 1;
  if (tw > IMG_MAX_SIDE) tw = IMG_MAX_SIDE;
  if (th > IMG_MAX_SIDE) th = IMG_MAX_SIDE;
  if (tw * th > IMG_MAX_PIXELS) th = IMG_MAX_PIXELS / tw;
  *w = (uint32_t)tw;
  *h = (uint32_t)th;
}

int img_resize_to(const img *src, uint32_t w, uint32_t h, img *dst) {
  *dst = *src;
  dst->w = w;
  dst->h = h;
  dst->px = malloc((size_t)w * h * 4);
  if (!dst->px) return -1;
  if (w == src->w && h == src->h) {
    memcpy(dst->px, src->px, (size_t)w * h * 4);
    return 0;
  }
  if (!stbir_resize_uint8(src->px, (int)src->w, (int)src->h, 0, dst->px, (int)w,
                          (int)h, 0, 4)) {
    free(dst->px);
    dst->px = NULL;
    return -1;
  }
  return 0;
}

void img_grayscale(img *im) {
  size_t n = (size_t)im->w * im->h;
  for (size_t i = 0; i < n; i++) {
    uint8_t *p = im->px + 4 * i;
    uint32_t y = (77u * p[0] + 150u * p[1] + 29u * p[2] + 128u) >> 8;
    p[0] = p[1] = p[2] = (uint8_t)y;
  }
}

/* blur_line averages a line of n pixels (stride apart, 4 channels) over a
 * window of 2r+1 with the edges repeated, from src into dst. A running sum
 * keeps it O(n) whatever the radius. */
static void blur_line(const uint8_t *src, uint8_t *dst, size_t n, size_t stride,
                      uint32_t r) {
  uint32_t win = 2 * r + 1;
  for (int c = 0; c < 4; c++) {
    uint32_t sum = 0;
    for (int64_t k = -(int64_t)r; k <= (int64_t)r; k++) {
      size_t j = k < 0 ? 0 : (size_t)k >= n ? n - 1 : (size_t)k;
      sum += src[j * stride + (size_t)c];
    }
    for (size_t i = 0; i < n; i++) {
      dst[i * stride + (size_t)c] = (uint8_t)((sum + win / 2) / win);
      size_t out = i < r ? 0 : i - r;
      size_t in = i + r + 1 >= n ? n - 1 : i + r + 1;
      sum += (uint32_t)src[in * stride + (size_t)c] -
             src[out * stride + (size_t)c];
    }
  }
}

int img_blur(img *im, uint32_t radius) {
  if (radius == 0) return 0;
  if (radius > IMG_MAX_RADIUS) radius = IMG_MAX_RADIUS;
  size_t w = im->w, h = im->h;
  uint8_t *tmp = malloc(w * h * 4);
  if (!tmp) return -1;
  for (size_t y = 0; y < h; y++)
    blur_line(im->px + y * w * 4, tmp + y * w * 4, w, 4, radius);
  for (size_t x = 0; x < w; x++)
    blur_line(tmp + x * 4, im->px + x * 4, h, w * 4, radius);
  free(tmp);
  return 0;
}

void img_header(const img *im, uint8_t *h) {
  const uint32_t v[8] = {IMG_FRAME_MAGIC, im->w,        im->h,      4,
                         im->resize_w,    im->resize_h, im->radius, im->gray};
  for (int i = 0; i < 8; i++) demo_put32(h + 4 * i, v[i]);
}

int img_parse_header(const uint8_t *h, img *im) {
  memset(im, 0, sizeof *im);
  if (demo_get32(h) != IMG_FRAME_MAGIC || demo_get32(h + 12) != 4) return -1;
  im->w = demo_get32(h + 4);
  im->h = demo_get32(h + 8);
  im->resize_w = demo_get32(h + 16);
  im->resize_h = demo_get32(h + 20);
  im->radius = demo_get32(h + 24);
  im->gray = demo_get32(h + 28);
  if (!im->w || !im->h || im->w > IMG_MAX_SIDE || im->h > IMG_MAX_SIDE ||
      (uint64_t)im->w * im->h > IMG_MAX_PIXELS)
    return -1;
  return 0;
}
