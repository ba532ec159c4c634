/* zlib_fns.c: compression functions of the standard module, over the zlib
 * coders in Debian's stb headers (stb_image_write's compressor, stb_image's
 * decoder). `deflate` and `inflate` use the zlib format (RFC 1950), so their
 * output is what zlib and Node's zlib.deflateSync/inflateSync produce and
 * accept. Both work on whole inputs: past WMSTD_MAX_INPUT (256 MiB) they
 * fail with WMSTD_ETOOBIG. */
#include <stdint.h>
#include <stdlib.h>

#include "std_errors.h"
#include "std_io.h"
#include "wmesh.h"

/* From stb (compiled in demos/image/stb_impl.c). */
unsigned char *stbi_zlib_compress(unsigned char *data, int data_len,
                                  int *out_len, int quality);
char *stbi_zlib_decode_malloc_guesssize_headerflag(const char *buffer, int len,
                                                   int initial_size,
                                                   int *outlen,
                                                   int parse_header);

/* deflate compresses its whole input (zlib format, stb's level 8). */
static int deflate(wm_pipe in, wm_pipe out) {
  uint8_t *data;
  size_t len;
  int rc = std_read_all(in, &data, &len);
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

/* is_zlib checks the 2-byte zlib header (RFC 1950 2.2): deflate method,
 * a window of at most 32 KiB, no preset dictionary, and the check bits. */
static int is_zlib(const uint8_t *p, size_t n) {
  return n >= 2 && (p[0] & 0x0f) == 8 && (p[0] >> 4) <= 7 && !(p[1] & 0x20) &&
         ((unsigned)p[0] << 8 | p[1]) % 31 == 0;
}

/* inflate decompresses a zlib stream; WMSTD_EFORMAT if it is not one, or if
 * it is cut short or corrupt (stb's decoder does not tell the two apart from
 * running out of memory for the output). */
static int inflate(wm_pipe in, wm_pipe out) {
  uint8_t *data;
  size_t len;
  int rc = std_read_all(in, &data, &len);
  if (rc) return rc;
  if (!is_zlib(data, len)) {
    free(data);
    return WMSTD_EFORMAT;
  }
  /* stb doubles the buffer as it needs: the first guess need not be big. */
  size_t guess = len < (4u << 20) ? len * 4 + 64 : (16u << 20);
  int outlen = 0;
  char *raw = stbi_zlib_decode_malloc_guesssize_headerflag(
      (const char *)data, (int)len, (int)guess, &outlen, 1);
  free(data);
  if (!raw) return WMSTD_EFORMAT;
  rc = wm_write(out, raw, (size_t)outlen, -1);
  free(raw);
  return rc;
}
WM_EXPORT(inflate)
