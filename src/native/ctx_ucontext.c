/* ctx_ucontext.c: contexts for native builds (unit tests, fuzzing) on
 * ucontext. Stacks are mmap'd with a guard page so that an overflow faults at
 * once instead of corrupting the heap. A frame larger than a page could step
 * over the guard into the mapping below, so the native tests are built with
 * -fstack-clash-protection (tests/c/CMakeLists.txt): every page of a large
 * frame is touched on the way down, and the guard catches it.
 *
 * Every switch is announced to AddressSanitizer: without that it takes the
 * fiber's frames for overflows of the scheduler's stack and reports false
 * errors.
 *
 * wasm32-wasi has no ucontext and no other way to switch stacks, so there
 * wm__ctx_new always fails (the scheduler reports WM_ENOMEM) and the tests
 * that need fibers skip themselves. */
#include "../core/ctx.h"

#include <stdlib.h>

#ifdef __wasi__

wm__ctx *wm__ctx_new(void (*entry)(void *), void *arg) {
  (void)entry;
  (void)arg;
  return NULL;
}

void wm__ctx_free(wm__ctx *c) { (void)c; }
void wm__ctx_begin(void) {}
void wm__ctx_enter(wm__ctx *c) { (void)c; }
void wm__ctx_yield(wm__ctx *c) { (void)c; }

#else

#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define WM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WM_ASAN 1
#endif
#endif

#ifdef WM_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

/* Sanitized frames are several times larger than plain ones, and test
 * functions keep 16 KiB buffers on the stack. */
#ifndef WM_NATIVE_STACK
#define WM_NATIVE_STACK (256 * 1024)
#endif

struct wm__ctx {
  ucontext_t uc;
  void (*entry)(void *);
  void *arg;
  char *map; /* guard page, then the stack */
  size_t maplen;
  void *fake; /* ASan's fake stack of this context while it is switched out */
};

static ucontext_t sched_uc;
static wm__ctx *starting; /* read once by the trampoline of a new context */
#ifdef WM_ASAN
static const void *sched_bottom;
static size_t sched_size;

static void stack_of(const wm__ctx *c, const void **bottom, size_t *size) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  *bottom = c->map + page;
  *size = c->maplen - page;
}
#endif

static void trampoline(void) {
  wm__ctx *c = starting;
#ifdef WM_ASAN
  __sanitizer_finish_switch_fiber(NULL, &sched_bottom, &sched_size);
#endif
  c->entry(c->arg);
  /* An entry that returns has broken ctx.h's contract; with no uc_link the
   * thread would silently exit. */
  abort();
}

/* get_context keeps getcontext, which returns twice like setjmp, away from
 * the caller's locals, which gcc would otherwise warn may be clobbered. */
__attribute__((noinline)) static int get_context(ucontext_t *uc) {
  return getcontext(uc);
}

wm__ctx *wm__ctx_new(void (*entry)(void *), void *arg) {
  wm__ctx *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  c->maplen = page + ((WM_NATIVE_STACK + page - 1) & ~(page - 1));
  c->map = mmap(NULL, c->maplen, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (c->map == MAP_FAILED) {
    free(c);
    return NULL;
  }
  if (mprotect(c->map, page, PROT_NONE) || get_context(&c->uc)) {
    munmap(c->map, c->maplen);
    free(c);
    return NULL;
  }
  c->entry = entry;
  c->arg = arg;
  c->uc.uc_link = NULL;
  c->uc.uc_stack.ss_sp = c->map + page;
  c->uc.uc_stack.ss_size = c->maplen - page;
  makecontext(&c->uc, trampoline, 0);
  return c;
}

void wm__ctx_free(wm__ctx *c) {
  if (!c) return;
#ifdef WM_ASAN
  /* A parked context leaves its frames' redzones poisoned; the pages may
   * come back from a later mmap. */
  const void *bottom;
  size_t size;
  stack_of(c, &bottom, &size);
  ASAN_UNPOISON_MEMORY_REGION(bottom, size);
#endif
  munmap(c->map, c->maplen);
  free(c);
}

void wm__ctx_begin(void) {}

void wm__ctx_enter(wm__ctx *c) {
  starting = c;
#ifdef WM_ASAN
  void *fake = NULL;
  const void *bottom;
  size_t size;
  stack_of(c, &bottom, &size);
  __sanitizer_start_switch_fiber(&fake, bottom, size);
#endif
  if (swapcontext(&sched_uc, &c->uc)) abort();
#ifdef WM_ASAN
  __sanitizer_finish_switch_fiber(fake, NULL, NULL);
#endif
}

void wm__ctx_yield(wm__ctx *c) {
#ifdef WM_ASAN
  __sanitizer_start_switch_fiber(&c->fake, sched_bottom, sched_size);
#endif
  if (swapcontext(&c->uc, &sched_uc)) abort();
#ifdef WM_ASAN
  __sanitizer_finish_switch_fiber(c->fake, &sched_bottom, &sched_size);
#endif
}

#endif
