/* image_fns.c: the image functions of the standard module, over Debian's stb
 * headers and the image demo's pixel work (demos/image/image_ops.c). Chained,
 *
 *   img_decode -> img_resize -> img_grayscale -> img_blur -> img_encode
 *
 * takes PNG, JPEG, BMP, GIF, TGA or PNM bytes to a PNG. Between the stages
 * an image travels as a frame (demos/image/image_ops.h): a 32-byte header
 * of little-endian u32s "WMF1" | width | height | 4 | resize_w | resize_h |
 * radius | gray, then width * height RGBA pixels.
 *
 * The job's options go in front of img_decode's input as a 16-byte header
 * of little-endian u32s, "WMJ1" | width | height | blur (js/std.js
 * imageOptions builds it), and ride along in every frame. A stage whose
 * option is missing fails rather than passing the image through (leave the
 * stage out instead, as imageStages does): img_resize with WMSTD_ENOSIZE,
 * img_blur with WMSTD_ENORADIUS. The other errors are WMSTD_EFORMAT (not an
 * image, not a frame), WMSTD_EOPTIONS (a bad options header), WMSTD_EIMAGE
 * (over the size limits) and WMSTD_ETOOBIG (input over 256 MiB). */
#include <stdlib.h>
#include <string.h>

#include "../../demos/common/demo_io.h"
#include "../../demos/image/image_ops.h"
#include "stb_image.h"
#include "stb_image_write.h"
#include "std_errors.h"
#include "std_io.h"
#include "wmesh.h"

_Static_assert(WMSTD_MAX_SIDE == IMG_MAX_SIDE, "wmesh_std.h's limits");
_Static_assert(WMSTD_MAX_PIXELS == IMG_MAX_PIXELS, "wmesh_std.h's limits");
_Static_assert(WMSTD_MAX_RADIUS == IMG_MAX_RADIUS, "wmesh_std.h's limits");
_Static_assert(WMSTD_EFORMAT == DEMO_EFORMAT, "one code for bad input");

/* too_big says whether a w x h image is over the limits. */
static int too_big(uint64_t w, uint64_t h) {
  return w > WMSTD_MAX_SIDE || h > WMSTD_MAX_SIDE || w * h > WMSTD_MAX_PIXELS;
}

/* write_frame sends im as a frame, header then pixels. */
static int write_frame(wm_pipe out, const img *im) {
  uint8_t h[IMG_HEADER];
  img_header(im, h);
  int rc = wm_write(out, h, sizeof h, -1);
  if (!rc) rc = wm_write(out, im->px, (size_t)im->w * im->h * 4, -1);
  return rc;
}

/* read_frame reads one frame into *im (px malloc'd; NULL on failure). A
 * frame whose options are out of range (one made by hand) is refused as an
 * options header would be. */
static int read_frame(wm_pipe in, img *im) {
  uint8_t h[IMG_HEADER];
  int rc = demo_read_full(in, h, sizeof h);
  memset(im, 0, sizeof *im);
  if (rc) return rc;
  if (img_parse_header(h, im)) return WMSTD_EFORMAT;
  if (im->resize_w > WMSTD_MAX_SIDE || im->resize_h > WMSTD_MAX_SIDE ||
      im->radius > WMSTD_MAX_RADIUS)
    return WMSTD_EOPTIONS;
  im->px = malloc((size_t)im->w * im->h * 4);
  if (!im->px) return WM_ENOMEM;
  rc = demo_read_full(in, im->px, (size_t)im->w * im->h * 4);
  if (rc) {
    free(im->px);
    im->px = NULL;
  }
  return rc;
}

/* img_decode: [options header] image file in, a frame out. */
static int img_decode(wm_pipe in, wm_pipe out) {
  uint8_t *buf;
  size_t n;
  int rc = std_read_all(in, &buf, &n);
  if (rc) return rc;
  uint32_t opts[3] = {0, 0, 0};
  size_t skip = 0;
  if (n >= 4 && demo_get32(buf) == IMG_JOB_MAGIC) {
    if (n < IMG_JOB_PREFIX) {
      free(buf);
      return WMSTD_EOPTIONS;
    }
    for (int i = 0; i < 3; i++) opts[i] = demo_get32(buf + 4 + 4 * i);
    skip = IMG_JOB_PREFIX;
    if (opts[0] > WMSTD_MAX_SIDE || opts[1] > WMSTD_MAX_SIDE ||
        opts[2] > WMSTD_MAX_RADIUS) {
      free(buf);
      return WMSTD_EOPTIONS;
    }
  }
  /* The size first, so that a too large image is named as such. */
  int w, h, comp;
  if (!stbi_info_from_memory(buf + skip, (int)(n - skip), &w, &h, &comp))
    rc = WMSTD_EFORMAT;
  else if (w <= 0 || h <= 0)
    rc = WMSTD_EFORMAT;
  else if (too_big((uint64_t)w, (uint64_t)h))
    rc = WMSTD_EIMAGE;
  img im;
  if (!rc) rc = img_decode_mem(buf + skip, n - skip, &im) ? WMSTD_EFORMAT : 0;
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

/* target works out img_resize's size: resize_w x resize_h, a 0 side
 * following the aspect ratio (rounded, at least 1). */
static int target(const img *src, uint32_t *w, uint32_t *h) {
  uint64_t tw = src->resize_w, th = src->resize_h;
  if (!tw && !th) return WMSTD_ENOSIZE;
  if (!th) th = (tw * src->h + src->w / 2) / src->w;
  if (!tw) tw = (th * src->w + src->h / 2) / src->h;
  if (tw < 1) tw = 1;
  if (th < 1) th = 1;
  if (too_big(tw, th)) return WMSTD_EIMAGE;
  *w = (uint32_t)tw;
  *h = (uint32_t)th;
  return 0;
}

/* img_resize: a frame in, the frame resized to its job's size out. */
static int img_resize(wm_pipe in, wm_pipe out) {
  img src, dst;
  int rc = read_frame(in, &src);
  if (rc) return rc;
  uint32_t w, h;
  rc = target(&src, &w, &h);
  if (!rc) rc = img_resize_to(&src, w, h, &dst) ? WM_ENOMEM : 0;
  free(src.px);
  if (rc) return rc;
  rc = write_frame(out, &dst);
  free(dst.px);
  return rc;
}
WM_EXPORT(img_resize)

/* img_grayscale: a frame in, its grayscale (BT.601 luma) out. Registered by
 * hand, since image_ops.h's img_grayscale holds the C name. */
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

/* img_blur: a frame in, box-blurred by its job's radius out. */
static int img_blur_stage(wm_pipe in, wm_pipe out) {
  img im;
  int rc = read_frame(in, &im);
  if (rc) return rc;
  if (!im.radius) rc = WMSTD_ENORADIUS;
  if (!rc) rc = img_blur(&im, im.radius) ? WM_ENOMEM : 0;
  if (!rc) rc = write_frame(out, &im);
  free(im.px);
  return rc;
}

__attribute__((constructor)) static void register_image(void) {
  wm_register("img_grayscale", img_grayscale_stage);
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

/* img_encode: a frame in, a PNG file (RGBA, 8 bits) out. */
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
