/* native_check.c: the image demo's pipeline built natively (gcc) from the
 * same C (demos/image/image_ops.c, stb_impl.c over Debian's stb headers), so
 * that demos.test.mjs can compare what the page computed in wasm with it.
 *
 *   native_check pipeline IN WIDTH GRAY BLUR OUT.rgba OUT.png
 *       decode IN, resize to WIDTH (height by the aspect ratio), grayscale
 *       if GRAY is 1, box blur of BLUR; write the pixels and the PNG
 *   native_check decode IN OUT.rgba
 *       decode IN (for instance the page's PNG) and write its pixels
 *
 * OUT.rgba is "width height\n" and then the RGBA bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../demos/image/image_ops.h"
#include "stb_image_write.h"

static unsigned char *slurp(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 20, len = 0;
  unsigned char *b = malloc(cap);
  for (size_t k; b && (k = fread(b + len, 1, cap - len, f)) > 0;) {
    len += k;
    if (len == cap) b = realloc(b, cap *= 2);
  }
  fclose(f);
  *n = len;
  return b;
}

static int write_rgba(const char *path, const img *im) {
  FILE *f = fopen(path, "wb");
  if (!f) return 1;
  fprintf(f, "%u %u\n", im->w, im->h);
  fwrite(im->px, 4, (size_t)im->w * im->h, f);
  return fclose(f) ? 1 : 0;
}

static void to_file(void *ctx, void *data, int size) {
  fwrite(data, 1, (size_t)size, ctx);
}

int main(int argc, char **argv) {
  size_t n;
  unsigned char *in = argc > 2 ? slurp(argv[2], &n) : NULL;
  img im;
  if (!in || img_decode_mem(in, n, &im)) {
    fprintf(stderr, "native_check: cannot read or decode %s\n",
            argc > 2 ? argv[2] : "(nothing)");
    return 1;
  }
  free(in);
  if (argc == 4 && !strcmp(argv[1], "decode")) return write_rgba(argv[3], &im);
  if (argc != 8 || strcmp(argv[1], "pipeline")) {
    fprintf(stderr, "usage: see the comment at the top of native_check.c\n");
    return 2;
  }
  img out;
  uint32_t w, h;
  im.resize_w = (uint32_t)atoi(argv[3]);
  img_target(&im, &w, &h);
  if (img_resize_to(&im, w, h, &out)) return 1;
  if (atoi(argv[4])) img_grayscale(&out);
  if (img_blur(&out, (uint32_t)atoi(argv[5]))) return 1;
  if (write_rgba(argv[6], &out)) return 1;
  FILE *f = fopen(argv[7], "wb");
  int ok = f && stbi_write_png_to_func(to_file, f, (int)out.w, (int)out.h, 4,
                                       out.px, (int)out.w * 4);
  if (!f || fclose(f) || !ok) return 1;
  free(im.px);
  free(out.px);
  return 0;
}
