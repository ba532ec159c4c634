/* zlib_fns.c: compression functions of the standard module, over the zlib
 * coders in Debian's stb headers (stb_image_write's compressor, stb_image's
 * decoder). `deflate` and `inflate` use the zlib format (RFC 1950), so their
 * output is what zlib and Node's zlib.deflateSync/inflateSync produce and
 * accept. Both work on whole inputs (at most 256 MiB). */
#include <stdint.h>
#include <stdlib.h>

#include "../../demos/common/demo_io.h"
#include "wmesh.h"

/* From stb (compiled in demos/image/stb_impl.c). */
unsigned char *stbi_zlib_compress(unsigned char *data, int data_len,
                                  int *out_len, int quality);
char *stbi_zlib_decode_malloc_guesssize_headerflag(const char *buffer, int len,
                                                   int initial_size,
                                                   int *outlen,
                                                   int parse_header);

#define MAX_INPUT (256u << 20)

/* whole reads the whole input; on failure nothing is left to free. */
static int whole(wm_pipe in, uint8_t **data, size_t *len) {
  int rc = demo_read_all(in, data, len, MAX_INPUT);
  if (rc) {
    free(*data);
    *data = NULL;
  }
  return rc;
}

/* deflate compresses its whole input (zlib format, stb's level 8). */
static int deflate(wm_pipe in, wm_pipe out) {
  uint8_t *data;
  size_t len;
  int rc = whole(in, &data, &len);
  if (rc) return rc;
  int zlen = 0;
  unsigned char *z = stbi_zlib_compress(data, (int)len, &zlen, 8);
  free(data);
  if (!z) return WM_ENOMEM;
  rc = wm_write(out, z, (size_t)zlen, -1);
  free(z); /* stb allocates with STBIW_MALLOC, which is malloc */
  return rc;
}
WM_EXPORT(deflate)

/* inflate decompresses a zlib stream; DEMO_EFORMAT if it is not one. */
static int inflate(wm_pipe in, wm_pipe out) {
  uint8_t *data;
  size_t len;
  int rc = whole(in, &data, &len);
  if (rc) return rc;
  int outlen = 0;
  char *raw = stbi_zlib_decode_malloc_guesssize_headerflag(
      (const char *)data, (int)len, (int)(len * 4 + 64), &outlen, 1);
  free(data);
  if (!raw) return DEMO_EFORMAT;
  rc = wm_write(out, raw, (size_t)outlen, -1);
  free(raw);
  return rc;
}
WM_EXPORT(inflate)
