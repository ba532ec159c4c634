/* ctx.h: execution contexts (coroutines) for the scheduler. Emscripten builds
 * use emscripten fibers over ASYNCIFY (src/em/ctx_em.c); native builds use
 * ucontext (src/native/ctx_ucontext.c). A context's entry must never return:
 * it yields back to the scheduler instead. */
#ifndef WM_CTX_H
#define WM_CTX_H

#include <stddef.h>

typedef struct wm__ctx wm__ctx;

/* wm__ctx_new makes a context that will run entry(arg) when first entered.
 * Returns NULL when out of memory. */
wm__ctx *wm__ctx_new(void (*entry)(void *), void *arg);

/* wm__ctx_free frees a context that is not running. */
void wm__ctx_free(wm__ctx *c);

/* wm__ctx_begin captures the scheduler's own context; call it at the start
 * of every scheduler run, before the first wm__ctx_enter. */
void wm__ctx_begin(void);

/* wm__ctx_enter switches from the scheduler into c; it returns when c yields.
 */
void wm__ctx_enter(wm__ctx *c);

/* wm__ctx_yield switches from c back to the scheduler. */
void wm__ctx_yield(wm__ctx *c);

#endif
