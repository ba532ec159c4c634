/* ctx_test.c: native contexts (src/native/ctx_ucontext.c). A context's
 * stack is mmap'd with a guard page below it, and the tests are built with
 * -fstack-clash-protection, so that a frame larger than the stack touches
 * the guard page on its way down and faults, instead of landing in whatever
 * is mapped below and running on. */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "ctx.h"

#ifndef __wasi__
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

/* ctx_ucontext.c's WM_NATIVE_STACK, the stack of every context. */
#define STACK (256 * 1024)

static wm__ctx *ctx;
static int touched;

/* touch_ends writes the two ends of b only, as a large local buffer used in
 * part is; the buffer's address escapes here, so the compiler keeps the
 * caller's frame whole. */
static __attribute__((noinline)) int touch_ends(volatile char *b, size_t n) {
  b[0] = 1;
  b[n - 1] = 2;
  return b[0] + b[n - 1];
}

/* Frames of a fixed size, as a large local array makes. */
static __attribute__((noinline)) int half_stack(void) {
  char buf[STACK / 2];
  return touch_ends(buf, sizeof buf);
}

static int (*frame)(void);

static void entry(void *arg) {
  (void)arg;
  touched = frame();
  for (;;) wm__ctx_yield(ctx);
}

static void large_frame_that_fits(void) {
  frame = half_stack;
  touched = 0;
  ctx = wm__ctx_new(entry, NULL);
  CHECK(ctx);
  wm__ctx_begin();
  wm__ctx_enter(ctx);
  CHECK_EQ(touched, 3);
  wm__ctx_free(ctx);
}

#ifndef __wasi__
static __attribute__((noinline)) int past_stack(void) {
  char buf[STACK + 32 * 1024];
  return touch_ends(buf, sizeof buf);
}

/* The frame is larger than the stack by more than the guard page and less
 * than a second context's stack, which mmap tends to put right below the
 * first: without probes, the frame's bottom lands in that stack, which is
 * writable, and the function returns as if nothing had happened. */
static void frame_past_stack_faults(void) {
  fflush(stdout);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY); /* quiet AddressSanitizer */
    if (null >= 0) dup2(null, 2);
    frame = past_stack;
    ctx = wm__ctx_new(entry, NULL);
    wm__ctx *below = wm__ctx_new(entry, NULL);
    if (!ctx || !below) _exit(2);
    wm__ctx_begin();
    wm__ctx_enter(ctx);
    _exit(touched == 3 ? 0 : 3); /* ran on: not caught */
  }
  int st;
  CHECK_EQ(waitpid(pid, &st, 0), pid);
  CHECK(!WIFEXITED(st) || WEXITSTATUS(st) != 2);
  CHECK(!WIFEXITED(st) || WEXITSTATUS(st) != 0); /* the frame went unseen */
  /* A fault ends the child by SIGSEGV, or under AddressSanitizer by its
   * report and exit status 1. */
  CHECK((WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV) ||
        (WIFEXITED(st) && WEXITSTATUS(st) == 1));
}
#endif

int main(int argc, char **argv) {
  static const test_case t[] = {
      TEST(large_frame_that_fits, T_FIBER),
#ifndef __wasi__
      TEST(frame_past_stack_faults, T_FIBER),
#endif
  };
  return test_main(argc, argv, t, sizeof t / sizeof t[0]);
}
