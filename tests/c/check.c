/* check.c: the test runner, per-test leak checks, fibers for test bodies,
 * and allocation-failure injection (SQLite-style: fail the nth allocation and
 * every one after, then check that nothing was lost or half-made). */
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_stub.h"

/* Fibers are pooled by the scheduler (src/core/sched.c POOL_MAX) and never
 * freed, so they are the one count that stays above zero. */
#define POOLED_MAX 64u

static const char *current_test = "?";
int check_abort;

void check_fail(const char *file, int line, const char *expr, const char *why) {
  printf("FAIL %s: %s:%d: %s%s%s\n", current_test, file, line, expr,
         why ? ": " : "", why ? why : "");
  fflush(stdout);
  if (check_abort) abort();
  /* _Exit skips LeakSanitizer, whose report would bury this one. */
  _Exit(1);
}

void check_fail_eq(const char *file, int line, const char *a, const char *b,
                   long long va, long long vb) {
  char why[128];
  snprintf(why, sizeof why, "%lld != %lld (%s)", va, vb, b);
  check_fail(file, line, a, why);
}

void check_clean(void) {
  wm_stats s;
  CHECK_EQ(wm_get_stats(&s), 0);
  CHECK_EQ(s.pipes, 0);
  CHECK_EQ(s.calls, 0);
  CHECK_EQ(s.running, 0);
  CHECK_EQ(s.ports, 0);
  CHECK_EQ(s.queued, 0);
  CHECK_EQ(s.fibers_busy, 0);
  CHECK(s.fibers <= POOLED_MAX);
  CHECK_EQ(stub_ports_open(), 0);
  CHECK_EQ(stub_errors(), 0);
  CHECK_EQ(stub_unread(), 0);
}

/* ---- fibers ---- */

static void (*fiber_body)(void);
static int fiber_done;

static int fiber_entry(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  fiber_body();
  fiber_done = 1;
  return 0;
}

void in_fiber(void (*body)(void)) {
  CHECK_EQ(wm_register("test.in_fiber", fiber_entry), 0);
  fiber_body = body;
  fiber_done = 0;
  wm_opts o = WM_OPTS_INIT;
  o.where = WM_HERE;
  wm_call c;
  CHECK_EQ(wm_go(WM_PIPE_NONE, WM_PIPE_NONE, fiber_entry, &o, &c), 0);
  stub_run();
  if (!fiber_done) check_fail(__FILE__, __LINE__, "in_fiber", "deadlock");
  CHECK_EQ(wm_wait(c, 0), 0);
}

ssize_t read_soon(wm_pipe p, void *buf, size_t n) {
  ssize_t k = wm_read(p, buf, n, 0);
  for (int turn = 0; turn < 4 && k == WM_ETIMEDOUT; turn++) {
    stub_run();
    k = wm_read(p, buf, n, 0);
  }
  return k;
}

int write_soon(wm_pipe p, const void *buf, size_t n) {
  int rc = wm_write(p, buf, n, 0);
  for (int turn = 0; turn < 4 && rc == WM_ETIMEDOUT; turn++) {
    stub_run();
    rc = wm_write(p, buf, n, 0);
  }
  return rc;
}

/* ---- allocation failure ---- */

static long fail_at = -1; /* allocations left before failing, or -1 */
static int failed, fail_once;

#ifdef WM_FAILALLOC
void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);

static int should_fail(void) {
  if (fail_at < 0) return 0;
  if (fail_at > 0) {
    fail_at--;
    return 0;
  }
  failed = 1;
  if (fail_once) fail_at = -1;
  return 1;
}

void *__wrap_malloc(size_t n) {
  return should_fail() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t k, size_t n) {
  return should_fail() ? NULL : __real_calloc(k, n);
}

void *__wrap_realloc(void *p, size_t n) {
  return should_fail() ? NULL : __real_realloc(p, n);
}
#define RAW_MALLOC __real_malloc
#define RAW_REALLOC __real_realloc
#else
#define RAW_MALLOC malloc
#define RAW_REALLOC realloc
#endif

void failalloc_arm(long n) {
  fail_at = n;
  failed = 0;
  fail_once = 0;
}

void failalloc_arm_one(long n) {
  failalloc_arm(n);
  fail_once = 1;
}

int failalloc_disarm(void) {
  fail_at = -1;
  return failed;
}

void *test_alloc(size_t n) {
  void *p = RAW_MALLOC(n ? n : 1);
  if (!p) check_fail(__FILE__, __LINE__, "test_alloc", "out of memory");
  return p;
}

void *test_realloc(void *p, size_t n) {
  void *q = RAW_REALLOC(p, n ? n : 1);
  if (!q) check_fail(__FILE__, __LINE__, "test_realloc", "out of memory");
  return q;
}

/* ---- runner ---- */

static const char *skip_reason(unsigned flags) {
#ifdef __wasi__
  if (flags & T_FIBER) return "no fibers on wasm32-wasi";
#endif
#ifndef WM_FAILALLOC
  if (flags & T_FAILALLOC) return "no allocation-failure injection here";
#endif
  (void)flags;
  return NULL;
}

int test_main(int argc, char **argv, const test_case *t, size_t n) {
  const char *only = NULL;
  if (argc == 3 && !strcmp(argv[1], "--only")) {
    only = argv[2];
  } else if (argc != 1) {
    fprintf(stderr, "usage: %s [--only NAME]\n", argv[0]);
    return 2;
  }
  int ran = 0, skipped = 0;
  for (size_t i = 0; i < n; i++) {
    if (only ? strcmp(only, t[i].name) != 0 : (t[i].flags & T_SOLO) != 0)
      continue;
    current_test = t[i].name;
    const char *why = skip_reason(t[i].flags);
    if (why) {
      printf("SKIP %s (%s)\n", t[i].name, why);
      skipped++;
      continue;
    }
    t[i].fn();
    check_clean();
    printf("ok   %s\n", t[i].name);
    fflush(stdout);
    ran++;
  }
  if (only && !ran && !skipped) {
    fprintf(stderr, "no test named %s\n", only);
    return 2;
  }
  printf("%d passed, %d skipped\n", ran, skipped);
  return 0;
}
