/* image_fns.c: the image pipeline's stages as wmesh functions. Chained,
 *
 *   img_decode -> img_resize -> img_grayscale -> img_blur -> img_encode
 *
 * takes PNG or JPEG bytes (optionally behind a "WMJ1" options prefix, see
 * image_ops.h) to a PNG, each stage on its own worker, frames streaming
 * between them. Every stage but the ends reads a frame and writes a frame,
 * so any of them may be left out or repeated. */
#include <stdlib.h>
#include <string.h>

#include "../common/demo_io.h"
#include "image_ops.h"
#include "stb_image_write.h"
#include "wmesh.h"

/* Input files larger than this are refused before decoding. */
#define MAX_INPUT (64u * 1024 * 1024)

/* write_frame sends im as a frame, header then pixels. */
static int write_frame(wm_pipe out, const img *im) {
  uint8_t h[IMG_HEADER];
  img_header(im, h);
  int rc = wm_write(out, h, sizeof h, -1);
  if (!rc) rc = wm_write(out, im->px, (size_t)im->w * im->h * 4, -1);
  return rc;
}

/* read_frame reads one frame into *im (px malloc'd; NULL on failure). */
static int read_frame(wm_pipe in, img *im) {
  uint8_t h[IMG_HEADER];
  int rc = demo_read_full(in, h, sizeof h);
  memset(im, 0, sizeof *im);
  if (rc) return rc;
  if (img_parse_header(h, im)) return DEMO_EFORMAT;
  im->px = malloc((size_t)im->w * im->h * 4);
  if (!im->px) return WM_ENOMEM;
  rc = demo_read_full(in, im->px, (size_t)im->w * im->h * 4);
  if (rc) {
    free(im->px);
    im->px = NULL;
  }
  return rc;
}

/* img_decode: image file bytes in, a frame out. */
static int img_decode(wm_pipe in, wm_pipe out) {
  uint8_t *buf;
  size_t n;
  int rc = demo_read_all(in, &buf, &n, MAX_INPUT);
  if (rc) {
    free(buf);
    return rc;
  }
  uint32_t opts[3] = {0, 0, 0};
  size_t skip = 0;
  if (n >= IMG_JOB_PREFIX && demo_get32(buf) == IMG_JOB_MAGIC) {
    for (int i = 0; i < 3; i++) opts[i] = demo_get32(buf + 4 + 4 * i);
    skip = IMG_JOB_PREFIX;
  }
  img im;
  rc = img_decode_mem(buf + skip, n - skip, &im) ? DEMO_EFORMAT : 0;
  free(buf);
  if (rc) return rc;
  im.resize_w = opts[0];
  im.resize_h = opts[1];
  im.radius = opts[2];
  rc = write_frame(out, &im);
  free(im.px);
  return rc;
}
WM_EXPORT(img_decode)

/* img_resize: a frame in, the frame resized to its job's size out. */
static int img_resize(wm_pipe in, wm_pipe out) {
  img src, dst;
  int rc = read_frame(in, &src);
  if (rc) return rc;
  uint32_t w, h;
  img_target(&src, &w, &h);
  rc = img_resize_to(&src, w, h, &dst) ? WM_ENOMEM : 0;
  free(src.px);
  if (rc) return rc;
  rc = write_frame(out, &dst);
  free(dst.px);
  return rc;
}
WM_EXPORT(img_resize)

/* img_grayscale: a frame in, its grayscale out. The stages named like a
 * pixel operation of image_ops.h are registered by hand, under the
 * operation's name, since WM_EXPORT takes the C symbol's name. */
static int img_grayscale_stage(wm_pipe in, wm_pipe out) {
  img im;
  int rc = read_frame(in, &im);
  if (rc) return rc;
  img_grayscale(&im);
  im.gray = 1;
  rc = write_frame(out, &im);
  free(im.px);
  return rc;
}
__attribute__((constructor)) static void export_img_grayscale(void) {
  wm_register("img_grayscale", img_grayscale_stage);
}

/* img_blur: a frame in, box-blurred by its job's radius out. */
static int img_blur_stage(wm_pipe in, wm_pipe out) {
  img im;
  int rc = read_frame(in, &im);
  if (rc) return rc;
  rc = img_blur(&im, im.radius) ? WM_ENOMEM : 0;
  if (!rc) rc = write_frame(out, &im);
  free(im.px);
  return rc;
}
__attribute__((constructor)) static void export_img_blur(void) {
  wm_register("img_blur", img_blur_stage);
}

/* png_sink is stb_image_write's output callback: it writes into the pipe
 * and keeps the first error, since the callback cannot return one. */
typedef struct png_sink {
  wm_pipe out;
  int rc;
} png_sink;

static void png_write(void *ctx, void *data, int size) {
  png_sink *s = ctx;
  if (!s->rc && size > 0) s->rc = wm_write(s->out, data, (size_t)size, -1);
}

/* img_encode: a frame in, a PNG file out (stb_image_write). */
static int img_encode(wm_pipe in, wm_pipe out) {
  img im;
  int rc = read_frame(in, &im);
  if (rc) return rc;
  png_sink s = {out, 0};
  if (!stbi_write_png_to_func(png_write, &s, (int)im.w, (int)im.h, 4, im.px,
                              (int)im.w * 4))
    rc = s.rc ? s.rc : WM_ENOMEM;
  else
    rc = s.rc;
  free(im.px);
  return rc;
}
WM_EXPORT(img_encode)
