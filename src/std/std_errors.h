/* std_errors.h: the standard module's own result codes, and the limits they
 * name. Codes in [-99, -1] belong to the runtime (include/wmesh.h); the
 * functions of wmesh_std fail with the runtime's codes (a pipe's error,
 * WM_ENOMEM, WM_ECANCELED...) or with one of these. js/std.js mirrors them
 * as stdCodes and stdStrerror (tests/node/std.test.mjs checks that they
 * agree), and the README's "Standard module" section documents them.
 *
 * WMSTD_EFORMAT is the demos' DEMO_EFORMAT (demos/common/demo_io.h): the
 * text and fan-out functions wmesh_std takes from the demos use it. */
#ifndef WMESH_STD_ERRORS_H
#define WMESH_STD_ERRORS_H

/* The input is not in the function's format: not a zlib stream (inflate),
 * not an image stb can decode (img_decode), not a frame (img_resize,
 * img_grayscale, img_blur, img_encode), a short request (level_meter). */
#define WMSTD_EFORMAT (-100)
/* A function that reads its whole input (deflate, inflate, img_decode) got
 * more than WMSTD_MAX_INPUT bytes. */
#define WMSTD_ETOOBIG (-101)
/* img_resize got a frame without a target size: img_decode's input had no
 * image options header, or one with width and height both 0. */
#define WMSTD_ENOSIZE (-102)
/* img_blur got a frame without a blur radius (options header blur 0). */
#define WMSTD_ENORADIUS (-103)
/* img_decode's input starts with "WMJ1" but the header is cut short or a
 * value is out of range (a side above WMSTD_MAX_SIDE, blur above
 * WMSTD_MAX_RADIUS). */
#define WMSTD_EOPTIONS (-104)
/* The image (img_decode's input, or the size img_resize would make) is
 * larger than WMSTD_MAX_SIDE a side or WMSTD_MAX_PIXELS in all. */
#define WMSTD_EIMAGE (-105)

/* 256 MiB: the most deflate, inflate and img_decode read. */
#define WMSTD_MAX_INPUT (256u << 20)
/* The image limits of demos/image/image_ops.h, restated for the docs. */
#define WMSTD_MAX_SIDE 16384u
#define WMSTD_MAX_PIXELS (64u << 20)
#define WMSTD_MAX_RADIUS 64u

#endif
