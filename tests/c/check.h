/* check.h: the unit-test runner shared by every tests/c/..._test.c. A failed
 * check prints where and what, and ends the test program at once: the core's
 * state is global, so nothing after a failure could be trusted. Every test ends
 * with check_clean(), which fails if anything is left alive. */
#ifndef TEST_CHECK_H
#define TEST_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "wmesh.h"

typedef struct test_case {
  const char *name;
  void (*fn)(void);
  unsigned flags;
} test_case;

enum {
  T_FIBER = 1,     /* needs fibers: skipped where there are none (wasi) */
  T_FAILALLOC = 2, /* needs allocation-failure injection */
  T_SOLO = 4       /* needs a fresh process: runs only when named with --only */
};

#define TEST(fn, flags)                                                        \
  { #fn, fn, flags }

/* test_main runs every case of t (or only the one named by `--only NAME`)
 * and returns the program's exit status. */
int test_main(int argc, char **argv, const test_case *t, size_t n);

#define CHECK(e)                                                               \
  do {                                                                         \
    if (!(e)) check_fail(__FILE__, __LINE__, #e, NULL);                        \
  } while (0)

/* CHECK_EQ compares two integers and prints both on failure. */
#define CHECK_EQ(a, b)                                                         \
  do {                                                                         \
    long long a_ = (long long)(a), b_ = (long long)(b);                        \
    if (a_ != b_) check_fail_eq(__FILE__, __LINE__, #a, #b, a_, b_);           \
  } while (0)

void check_fail(const char *file, int line, const char *expr, const char *why);

/* check_abort makes a failed check abort() rather than exit: a fuzz target
 * sets it, so that libFuzzer sees the failure and keeps the input. */
extern int check_abort;
void check_fail_eq(const char *file, int line, const char *a, const char *b,
                   long long va, long long vb);

/* check_clean fails unless the runtime and the stub host are back to zero:
 * no pipe, call, port or busy fiber alive, nothing unread, no misuse. */
void check_clean(void);

/* in_fiber runs body in a fiber of this instance and drives the stub host
 * until it has finished; a body that never finishes fails the test. */
void in_fiber(void (*body)(void));

/* read_soon reads without blocking, first giving the stub host's event loop
 * a few turns if nothing is there: over ports, frames arrive
 * asynchronously, and may only start to once the end is first used. */
ssize_t read_soon(wm_pipe p, void *buf, size_t n);

/* write_soon writes without blocking, turning the event loop while the
 * window is full, and returns the last result. A retry writes all of buf
 * again, so it is for tests that do not check the bytes. */
int write_soon(wm_pipe p, const void *buf, size_t n);

/* failalloc_arm makes the allocation n (counting from 0) after this call
 * fail, and every one after it, until failalloc_disarm. */
void failalloc_arm(long n);

/* failalloc_arm_one makes only allocation n after this call fail: cleanup
 * code then runs with memory, and reaches paths a cascade would hide. */
void failalloc_arm_one(long n);

/* failalloc_disarm stops injecting and returns whether any allocation
 * failed while armed. */
int failalloc_disarm(void);

/* test_alloc and test_realloc are for test code: never injected, and they
 * end the program if memory runs out. */
void *test_alloc(size_t n);
void *test_realloc(void *p, size_t n);

#endif
