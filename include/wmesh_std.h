/* wmesh_std.h: the standard module's functions for a module of your own.
 *
 * The npm package ships the standard module (wmesh_std) twice: prebuilt
 * (dist/wmesh_std.js, what createMesh() runs), and as a static library,
 * dist/libwmesh_std.a, for C modules that want its functions beside their
 * own, so that one chain can mix them:
 *
 *   wmesh_add_module(mine STD mine.c)          # cmake/wmesh.cmake
 *   mesh.chain(['my_stage', 'deflate'], input)  // in JS
 *
 * With STD, every function of the module is linked in and registered under
 * its usual name (gen, upper, reverse, sha256, fnv1a64, deflate, deflate_1
 * to deflate_9, inflate, img_*, synth, level_meter: the README's "Standard
 * module" table), and listed in the module's .d.ts. From C, wm_lookup()
 * finds any of them by name; the compression functions are declared below
 * as well, with the variants that take a level or a limit, so that a
 * function of your own can compress inside itself.
 *
 * The library holds zlib 1.3.1 (its deflate and inflate, under their own
 * names) and stb's image code: a module linking it must not link another
 * copy of either.
 *
 * This header also holds the module's own result codes and the limits they
 * name. Codes in [-99, -1] belong to the runtime (wmesh.h); the functions
 * of wmesh_std fail with the runtime's codes (a pipe's error, WM_ENOMEM,
 * WM_ECANCELED...) or with one of these. js/std.js mirrors them as
 * stdCodes and stdStrerror (tests/node/std.test.mjs checks that they
 * agree), and the README's "Standard module" section documents them. */
#ifndef WMESH_STD_H
#define WMESH_STD_H

#include <stdint.h>

#include "wmesh.h"

/* The input is not in the function's format: not a zlib stream, or one cut
 * short, corrupt or followed by other bytes (inflate), not an image stb can
 * decode (img_decode), not a frame (img_resize, img_grayscale, img_blur,
 * img_encode), a short request (level_meter). */
#define WMSTD_EFORMAT (-100)
/* A function that holds its whole input (img_decode), or reverse a whole
 * line, got more than WMSTD_MAX_INPUT bytes. */
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
/* inflate's output passed its limit (WMSTD_MAX_INFLATE for the registered
 * `inflate`): a zip bomb, or data larger than the caller allowed. It stops
 * there, having written at most the limit. */
#define WMSTD_ELIMIT (-106)

/* 256 MiB: the most img_decode reads, and the longest line reverse holds. */
#define WMSTD_MAX_INPUT (256u << 20)
/* 1 GiB: the most `inflate` writes. */
#define WMSTD_MAX_INFLATE (1ull << 30)
/* 6: the level of `deflate`, zlib's default (Z_DEFAULT_COMPRESSION), and
 * so Node's zlib.deflateSync's. */
#define WMSTD_DEFLATE_LEVEL 6
/* The image limits of demos/image/image_ops.h, restated for the docs. */
#define WMSTD_MAX_SIDE 16384u
#define WMSTD_MAX_PIXELS (64u << 20)
#define WMSTD_MAX_RADIUS 64u

/* wmstd_deflate is the registered `deflate`: wmstd_deflate_level at
 * WMSTD_DEFLATE_LEVEL. */
int wmstd_deflate(wm_pipe in, wm_pipe out);

/* wmstd_deflate_level compresses in to out as one zlib stream (RFC 1950) at
 * level 0 (stored) to 9 (smallest), or -1 for zlib's default (6), writing
 * as it goes in bounded memory (about 340 KiB). WM_EINVAL for another
 * level, WM_ENOMEM, or a pipe's error. */
int wmstd_deflate_level(wm_pipe in, wm_pipe out, int level);

/* wmstd_inflate is the registered `inflate`: wmstd_inflate_limit with
 * WMSTD_MAX_INFLATE. */
int wmstd_inflate(wm_pipe in, wm_pipe out);

/* wmstd_inflate_limit decompresses one zlib stream from in to out, writing
 * as it goes in bounded memory (about 170 KiB). WMSTD_EFORMAT if in is not
 * exactly one zlib stream (not zlib, cut short, corrupt, a preset
 * dictionary, bytes after its end); WMSTD_ELIMIT once the output passes
 * max_out bytes (UINT64_MAX: no limit); else WM_ENOMEM or a pipe's error.
 * On a failure, out carries the error after what was written so far. */
int wmstd_inflate_limit(wm_pipe in, wm_pipe out, uint64_t max_out);

#endif
