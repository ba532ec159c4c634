/* ctx_em.c: contexts on emscripten fibers (ASYNCIFY). Every context switch
 * goes through the scheduler's context, which is the host entry point that is
 * running now; that is why wm__ctx_begin runs at the start of each wm__run. */
#include <emscripten/fiber.h>
#include <stdlib.h>

#include "../core/ctx.h"

#ifndef WM_FIBER_STACK
#define WM_FIBER_STACK (128 * 1024)
#endif
#ifndef WM_ASYNCIFY_STACK
#define WM_ASYNCIFY_STACK (32 * 1024)
#endif

struct wm__ctx {
  emscripten_fiber_t fiber;
  void *stack;
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
  c->stack = aligned_alloc(16, WM_FIBER_STACK);
  c->astack = malloc(WM_ASYNCIFY_STACK);
  if (!c->stack || !c->astack) {
    wm__ctx_free(c);
    return NULL;
  }
  emscripten_fiber_init(&c->fiber, entry, arg, c->stack, WM_FIBER_STACK,
                        c->astack, WM_ASYNCIFY_STACK);
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

void wm__ctx_enter(wm__ctx *c) { emscripten_fiber_swap(&sched, &c->fiber); }

void wm__ctx_yield(wm__ctx *c) { emscripten_fiber_swap(&c->fiber, &sched); }
