/* ctx_em.c: contexts on emscripten fibers (ASYNCIFY). Every context switch
 * goes through the scheduler's context, which is the host entry point that is
 * running now; that is why wm__ctx_begin runs at the start of each wm__run.
 *
 * A fiber's C stack is a block of heap with no guard page (linear memory has
 * none), so an overflow would write over whatever lies below it and go on.
 * Two checks stop that, and each kills the instance, which the mesh replaces
 * (its calls fail with WM_EDIED) as it does after a trap:
 *
 * - Modules are linked with -sSTACK_OVERFLOW_CHECK=2 (cmake/wmesh.cmake):
 *   binaryen checks every move of the stack pointer against the limits of
 *   the stack in use, before the frame is written, and emscripten's fibers
 *   (library_async.js, finishContextSwitch) set those limits at every switch.
 *   This catches a frame of any size, even one that never touches most of
 *   its area.
 * - A canary below each fiber's stack, outside the limits that check
 *   enforces, is checked whenever the fiber switches out. It catches what
 *   writes just past the stack in a module linked without that flag, but not
 *   a frame that skips over it. */
#include <emscripten/fiber.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../core/ctx.h"

#ifndef WM_FIBER_STACK
#define WM_FIBER_STACK (128 * 1024)
#endif
#ifndef WM_ASYNCIFY_STACK
#define WM_ASYNCIFY_STACK (32 * 1024)
#endif

/* The canary keeps the stack above it 16-byte aligned. */
#define CANARY_SIZE 16
static const uint32_t canary[CANARY_SIZE / 4] = {0x574d5354u, 0xa5c3e1f7u,
                                                 0x0badf00du, 0x5f4b434fu};

struct wm__ctx {
  emscripten_fiber_t fiber;
  unsigned char *stack; /* the canary, then the fiber's C stack */
  void *astack;
};

static emscripten_fiber_t sched;
static char sched_astack[WM_ASYNCIFY_STACK];

wm__ctx *wm__ctx_new(void (*entry)(void *), void *arg) {
  wm__ctx *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  /* The wasm32 ABI keeps the stack pointer 16-byte aligned, and clang
   * relies on it: it forms addresses in a frame with i32.or instead of
   * i32.add where it knows the low bits are zero. malloc aligns to 8 only,
   * so a fiber whose stack top was 8 mod 16 wrote to the wrong stack slots
   * (seen as stb_image's JPEG decoder calling through a garbage pointer). */
  c->stack = aligned_alloc(16, CANARY_SIZE + WM_FIBER_STACK);
  c->astack = malloc(WM_ASYNCIFY_STACK);
  if (!c->stack || !c->astack) {
    wm__ctx_free(c);
    return NULL;
  }
  memcpy(c->stack, canary, CANARY_SIZE);
  emscripten_fiber_init(&c->fiber, entry, arg, c->stack + CANARY_SIZE,
                        WM_FIBER_STACK, c->astack, WM_ASYNCIFY_STACK);
  return c;
}

void wm__ctx_free(wm__ctx *c) {
  if (!c) return;
  free(c->stack);
  free(c->astack);
  free(c);
}

void wm__ctx_begin(void) {
  emscripten_fiber_init_from_current_context(&sched, sched_astack,
                                             sizeof sched_astack);
}

void wm__ctx_enter(wm__ctx *c) {
  emscripten_fiber_swap(&sched, &c->fiber);
  /* The heap may be damaged already: only ending the instance is safe. */
  if (memcmp(c->stack, canary, CANARY_SIZE)) __builtin_trap();
}

void wm__ctx_yield(wm__ctx *c) { emscripten_fiber_swap(&c->fiber, &sched); }
