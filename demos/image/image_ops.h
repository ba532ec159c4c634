/* image_ops.h: the image demo's pixel work, free of wmesh so that the same
 * code runs in the wasm stages (image_fns.c) and in the native program the
 * browser test builds to check them (native_check.c).
 *
 * Between stages an image travels as a frame: a 32-byte header of
 * little-endian u32s, then width * height RGBA pixels, row by row.
 *
 *   magic "WMF1" | width | height | channels (4) | resize_w | resize_h |
 *   radius | gray
 *
 * resize_w, resize_h, radius and gray are the job's options, carried along
 * so that every stage of a chain sees them; img_decode takes them from an
 * optional 16-byte prefix of its input ("WMJ1" | resize_w | resize_h |
 * radius), and leaves them 0 otherwise. */
#ifndef IMAGE_OPS_H
#define IMAGE_OPS_H

#include <stddef.h>
#include <stdint.h>

#define IMG_FRAME_MAGIC 0x31464d57u /* "WMF1" */
#define IMG_JOB_MAGIC 0x314a4d57u   /* "WMJ1" */
#define IMG_HEADER 32
#define IMG_JOB_PREFIX 16
/* Frames larger than this are refused: 64 Mpixel is 256 MiB of RGBA. */
#define IMG_MAX_SIDE 16384
#define IMG_MAX_PIXELS (64u * 1024 * 1024)
#define IMG_MAX_RADIUS 64

/* img is an RGBA image and the job options that travel with it. px is
 * malloc'd and owned by whoever holds the img. */
typedef struct img {
  uint32_t w, h;
  uint32_t resize_w, resize_h, radius, gray;
  uint8_t *px;
} img;

/* img_decode_mem decodes PNG, JPEG, BMP, GIF, TGA or PNM bytes (stb_image)
 * to RGBA in *out (options zero). Returns 0, or -1 if stb cannot. */
int img_decode_mem(const uint8_t *data, size_t n, img *out);

/* img_target works out the size img_resize_to makes: resize_w x resize_h,
 * with a 0 side following the aspect ratio, and both 0 meaning unchanged. */
void img_target(const img *src, uint32_t *w, uint32_t *h);

/* img_resize_to resizes src (stb_image_resize, default filters) into a new
 * image *dst of w x h with src's options. Returns 0, or -1 on failure. */
int img_resize_to(const img *src, uint32_t w, uint32_t h, img *dst);

/* img_grayscale replaces each pixel by its luma (BT.601 weights in 8.8
 * fixed point, so every platform computes the same bytes); alpha is kept. */
void img_grayscale(img *im);

/* img_blur applies a box blur of the given radius, horizontally then
 * vertically, with edge pixels repeated, in integer arithmetic. Returns 0,
 * or -1 when out of memory. */
int img_blur(img *im, uint32_t radius);

/* img_header writes the frame header of im into h[IMG_HEADER]. */
void img_header(const img *im, uint8_t *h);

/* img_parse_header fills im's size and options from a frame header, with
 * px NULL. Returns 0, or -1 if the header is not a valid frame's. */
int img_parse_header(const uint8_t *h, img *im);

#endif
