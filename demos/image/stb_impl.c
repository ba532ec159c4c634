/* stb_impl.c: the one translation unit that holds the implementations of
 * Debian's stb headers (libstb-dev) used by the image demo. It is also
 * compiled natively by the browser test, which checks the wasm pipeline
 * against the same code built with gcc.
 *
 * STBI_NO_SIMD: the SSE2 paths of stb_image exist only on x86, so without
 * it the native build would run other code than the wasm build.
 * STBI_NO_THREAD_LOCALS: an instance is one thread, and wasm-ld refuses
 * thread-local storage in a module built with bulk memory but no atomics. */
#define STBI_NO_SIMD
#define STBI_NO_THREAD_LOCALS
#define STBI_NO_STDIO
#define STBI_WRITE_NO_STDIO
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_RESIZE_IMPLEMENTATION
#define STB_IMAGE_WRITE_IMPLEMENTATION

/* Third-party code: its warnings are not ours to fix, and must not break
 * -Werror. Scoped to this file only. */
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wunused-function"
#pragma clang diagnostic ignored "-Wunused-parameter"
#pragma clang diagnostic ignored "-Wsign-compare"
#pragma clang diagnostic ignored "-Wimplicit-fallthrough"
#pragma clang diagnostic ignored "-Wmissing-field-initializers"
#elif defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "stb_image.h"
#include "stb_image_resize.h"
#include "stb_image_write.h"

#if defined(__clang__)
#pragma clang diagnostic pop
#elif defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
