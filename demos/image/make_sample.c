/* make_sample.c: writes the image demo's bundled sample, a procedural
 * landscape, as sample.jpg (640x427) and sample.png (320x214) into the
 * directory given, so that the repository ships no binary image and
 * nothing is downloaded. The build runs it under Node (see CMakeLists.txt).
 *
 *   make_sample DIR */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stb_image_write.h"

static void to_file(void *ctx, void *data, int size) {
  fwrite(data, 1, (size_t)size, ctx);
}

/* hash2 is a small integer hash, so the texture is the same everywhere. */
static double hash2(int x, int y) {
  unsigned h = (unsigned)x * 374761393u + (unsigned)y * 668265263u;
  h = (h ^ (h >> 13)) * 1274126177u;
  return (double)((h ^ (h >> 16)) & 0xffff) / 65535.0;
}

/* noise is value noise, smoothly interpolated between lattice points. */
static double noise(double x, double y) {
  int xi = (int)floor(x), yi = (int)floor(y);
  double fx = x - xi, fy = y - yi;
  fx = fx * fx * (3 - 2 * fx);
  fy = fy * fy * (3 - 2 * fy);
  double a = hash2(xi, yi), b = hash2(xi + 1, yi), c = hash2(xi, yi + 1),
         d = hash2(xi + 1, yi + 1);
  return a + (b - a) * fx + (c - a) * fy + (a - b - c + d) * fx * fy;
}

static double fbm(double x, double y) {
  double s = 0, amp = 0.5;
  for (int o = 0; o < 5; o++, x *= 2, y *= 2, amp /= 2) s += amp * noise(x, y);
  return s;
}

static unsigned char clamp8(double v) {
  return v < 0 ? 0 : v > 255 ? 255 : (unsigned char)(v + 0.5);
}

/* render draws sky, sun, two ridges of hills and a lake into w x h RGB. */
static unsigned char *render(int w, int h) {
  unsigned char *px = malloc((size_t)w * h * 3);
  if (!px) return NULL;
  for (int y = 0; y < h; y++) {
    for (int x = 0; x < w; x++) {
      double u = (double)x / w, v = (double)y / h;
      double r = 70 + 150 * v, g = 120 + 110 * v, b = 210 + 40 * v; /* sky */
      double sd = hypot(u - 0.72, (v - 0.28) * h / w);
      if (sd < 0.06)
        r = 255, g = 236, b = 170; /* sun */
      else if (sd < 0.16)
        r += (0.16 - sd) * 900, g += (0.16 - sd) * 600;
      double cloud = fbm(u * 6, v * 14) - 0.55;
      if (v < 0.5 && cloud > 0)
        r += cloud * 500, g += cloud * 500, b += cloud * 300;
      double far = 0.52 - 0.12 * fbm(u * 4 + 3, 1.5);
      double near = 0.66 - 0.18 * fbm(u * 3 + 9, 7.5);
      if (v > far) r = 90 + 40 * v, g = 110 + 30 * v, b = 150; /* far ridge */
      if (v > near) {                                          /* near hills */
        double t = fbm(u * 40, v * 40);
        r = 40 + 60 * t, g = 100 + 80 * t, b = 40 + 30 * t;
      }
      if (v > 0.8) { /* lake */
        double ripple = noise(u * 80, v * 400);
        r = 50 + 60 * ripple, g = 90 + 60 * ripple, b = 150 + 60 * ripple;
      }
      unsigned char *p = px + 3 * ((size_t)y * w + x);
      p[0] = clamp8(r);
      p[1] = clamp8(g);
      p[2] = clamp8(b);
    }
  }
  return px;
}

static int write(const char *dir, const char *name, int w, int h, int jpg) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  unsigned char *px = render(w, h);
  FILE *f = fopen(path, "wb");
  int ok = px && f &&
           (jpg ? stbi_write_jpg_to_func(to_file, f, w, h, 3, px, 92)
                : stbi_write_png_to_func(to_file, f, w, h, 3, px, w * 3));
  if (f && fclose(f)) ok = 0;
  free(px);
  if (!ok) fprintf(stderr, "make_sample: cannot write %s\n", path);
  return ok ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: make_sample DIR\n");
    return 2;
  }
  return write(argv[1], "sample.jpg", 640, 427, 1) |
         write(argv[1], "sample.png", 320, 214, 0);
}
