/* test_fns.c: the functions of the test module, driven by tests/node. Each is
 * a plain blocking wm_fn; results that need checking go out through the
 * output pipe or the return code. */
#include <emscripten/stack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wmesh.h"

#define FOREVER (-1)

/* write_all_str writes a C string. */
static int put(wm_pipe out, const char *s) {
  return wm_write(out, s, strlen(s), FOREVER);
}

/* read_full reads exactly n bytes; returns 0, 1 on early EOF, or an error. */
static int read_full(wm_pipe in, void *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t k = wm_read(in, (char *)buf + got, n - got, FOREVER);
    if (k == 0) return 1;
    if (k < 0) return (int)k;
    got += (size_t)k;
  }
  return 0;
}

static int t_noop(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  return 0;
}
WM_EXPORT(t_noop)

static int t_cat(wm_pipe in, wm_pipe out) {
  char buf[16384];
  for (;;) {
    ssize_t n = wm_read(in, buf, sizeof buf, FOREVER);
    if (n <= 0) return (int)n;
    int rc = wm_write(out, buf, (size_t)n, FOREVER);
    if (rc) return rc;
  }
}
WM_EXPORT(t_cat)

/* t_cat_zc is t_cat on the zero-copy calls: each input slice is copied
 * once, from where it lies straight into the chunk that is sent. */
static int t_cat_zc(wm_pipe in, wm_pipe out) {
  for (;;) {
    const void *src;
    ssize_t n = wm_read_borrow(in, &src, FOREVER);
    if (n <= 0) return (int)n;
    void *dst;
    ssize_t k = wm_write_reserve(out, &dst, FOREVER);
    if (k < 0) return (int)k;
    size_t m = (size_t)(n < k ? n : k);
    memcpy(dst, src, m);
    int rc = wm_write_commit(out, m);
    if (!rc) rc = wm_read_commit(in, m);
    if (rc) return rc;
  }
}
WM_EXPORT(t_cat_zc)

static int t_upper(wm_pipe in, wm_pipe out) {
  char buf[4096];
  for (;;) {
    ssize_t n = wm_read(in, buf, sizeof buf, FOREVER);
    if (n <= 0) return (int)n;
    for (ssize_t i = 0; i < n; i++)
      if (buf[i] >= 'a' && buf[i] <= 'z') buf[i] = (char)(buf[i] - 32);
    int rc = wm_write(out, buf, (size_t)n, FOREVER);
    if (rc) return rc;
  }
}
WM_EXPORT(t_upper)

/* t_fail returns an error code of its own after writing a little. */
static int t_fail(wm_pipe in, wm_pipe out) {
  (void)in;
  put(out, "about to fail");
  return -1000;
}
WM_EXPORT(t_fail)

/* t_errclose writes some bytes, then closes its output with an error; the
 * function itself succeeds. */
static int t_errclose(wm_pipe in, wm_pipe out) {
  (void)in;
  put(out, "partial");
  wm_close_error(out, -1001);
  return 0;
}
WM_EXPORT(t_errclose)

static uint32_t xorshift(uint32_t *s) {
  uint32_t x = *s;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return *s = x;
}

/* t_writes reads u32 sizes until its input ends and makes one wm_write of
 * each size (bytes counting up), so that a test can land writes exactly on
 * the boundaries of a chunk. */
static int t_writes(wm_pipe in, wm_pipe out) {
  static char buf[256 * 1024]; /* too big for a fiber's stack; only read */
  for (size_t i = 0; i < sizeof buf; i++) buf[i] = (char)i;
  uint32_t n;
  int rc;
  while (!(rc = read_full(in, &n, sizeof n))) {
    if (n > sizeof buf) return -2001;
    if ((rc = wm_write(out, buf, n, FOREVER))) return rc;
  }
  return rc < 0 ? rc : 0;
}
WM_EXPORT(t_writes)

/* t_gen reads a u32 byte count and a u32 seed, then writes that many
 * pseudo-random bytes in writes of varying size. */
static int t_gen(wm_pipe in, wm_pipe out) {
  uint32_t hdr[2];
  int rc = read_full(in, hdr, sizeof hdr);
  if (rc) return rc < 0 ? rc : -2000;
  uint32_t left = hdr[0], seed = hdr[1] ? hdr[1] : 1;
  char buf[32768]; /* on the fiber's stack: calls run concurrently */
  while (left) {
    uint32_t n = xorshift(&seed) % sizeof buf + 1;
    if (n > left) n = left;
    for (uint32_t i = 0; i < n; i++) buf[i] = (char)xorshift(&seed);
    if ((rc = wm_write(out, buf, n, FOREVER))) return rc;
    left -= n;
  }
  return 0;
}
WM_EXPORT(t_gen)

/* t_fnv writes the 64-bit FNV-1a hash of its whole input. */
static int t_fnv(wm_pipe in, wm_pipe out) {
  uint64_t h = 0xcbf29ce484222325ull;
  char buf[8192];
  for (;;) {
    ssize_t n = wm_read(in, buf, sizeof buf, FOREVER);
    if (n < 0) return (int)n;
    if (n == 0) break;
    for (ssize_t i = 0; i < n; i++) {
      h ^= (uint8_t)buf[i];
      h *= 0x100000001b3ull;
    }
  }
  return wm_write(out, &h, sizeof h, FOREVER);
}
WM_EXPORT(t_fnv)

/* t_nest reads a depth d, writes "d;", and if d > 0 hands its output to a
 * sub-call of itself with depth d - 1 on another worker. */
static int t_nest(wm_pipe in, wm_pipe out) {
  char d;
  int rc = read_full(in, &d, 1);
  if (rc) return rc < 0 ? rc : -2000;
  char s[4] = {(char)('0' + d), ';', 0};
  if ((rc = put(out, s))) return rc;
  if (d == 0) return 0;
  wm_pipe r, w;
  wm_call c;
  if ((rc = wm_pipe_make(&r, &w))) return rc;
  char next = (char)(d - 1);
  wm_write(w, &next, 1, FOREVER);
  wm_close(w);
  if ((rc = wm_go(r, out, t_nest, NULL, &c))) return rc;
  return wm_wait(c, FOREVER);
}
WM_EXPORT(t_nest)

/* t_chain8 runs its input through a chain of eight t_cat stages started from
 * inside this worker, and passes the chain's output on. */
static int t_chain8(wm_pipe in, wm_pipe out) {
  wm_fn fns[8];
  for (int i = 0; i < 8; i++) fns[i] = t_cat;
  wm_call c;
  int rc = wm_chain(in, out, fns, 8, NULL, &c);
  if (rc) return rc;
  return wm_wait(c, FOREVER);
}
WM_EXPORT(t_chain8)

/* t_producer writes 1 MiB of a known pattern and closes. */
static int t_producer(wm_pipe in, wm_pipe out) {
  (void)in;
  char buf[1000];
  for (uint32_t i = 0, left = 1 << 20; left;) {
    uint32_t n = left < sizeof buf ? left : (uint32_t)sizeof buf;
    for (uint32_t k = 0; k < n; k++, i++) buf[k] = (char)(i * 7);
    int rc = wm_write(out, buf, n, FOREVER);
    if (rc) return rc;
    left -= n;
  }
  return 0;
}
WM_EXPORT(t_producer)

/* t_local runs a producer in a fiber of this same instance over a local pipe
 * and checks every byte; it writes "ok" or the failure. */
static int t_local(wm_pipe in, wm_pipe out) {
  (void)in;
  wm_pipe r, w;
  wm_call c;
  wm_opts o = WM_OPTS_INIT;
  o.where = WM_HERE;
  int rc = wm_pipe_make(&r, &w);
  if (rc) return rc;
  if ((rc = wm_go(WM_PIPE_NONE, w, t_producer, &o, &c))) return rc;
  uint32_t i = 0;
  char buf[3000];
  for (;;) {
    ssize_t n = wm_read(r, buf, sizeof buf, FOREVER);
    if (n < 0) return (int)n;
    if (n == 0) break;
    for (ssize_t k = 0; k < n; k++, i++)
      if (buf[k] != (char)(i * 7)) return -3000;
  }
  wm_close(r);
  if (i != 1u << 20) return -3001;
  if ((rc = wm_wait(c, FOREVER))) return rc;
  return put(out, "ok");
}
WM_EXPORT(t_local)

/* t_sleep waits on an empty pipe until a deadline of n ms (first input
 * byte times 10), proving that a deadline wakes a parked fiber. */
static int t_sleep(wm_pipe in, wm_pipe out) {
  unsigned char t;
  int rc = read_full(in, &t, 1);
  if (rc) return rc < 0 ? rc : -2000;
  wm_pipe r, w;
  if ((rc = wm_pipe_make(&r, &w))) return rc;
  char c;
  int64_t start = wm_now();
  ssize_t n = wm_read(r, &c, 1, start + t * 10);
  int64_t took = wm_now() - start;
  wm_close(r);
  wm_close(w);
  if (n != WM_ETIMEDOUT) return -4000;
  if (took < t * 10) return -4001;
  return put(out, "slept");
}
WM_EXPORT(t_sleep)

/* An unregistered function: wm_go must refuse it. */
static int hidden(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  return 0;
}

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      char msg[96];                                                            \
      snprintf(msg, sizeof msg, "line %d: %s", __LINE__, #cond);               \
      put(out, msg);                                                           \
      return -5000;                                                            \
    }                                                                          \
  } while (0)

/* t_misuse checks that bad input gets the documented error codes. */
static int t_misuse(wm_pipe in, wm_pipe out) {
  (void)in;
  char b[8] = {0};
  wm_pipe r, w, bogus = {123456};
  wm_call c, badc = {99999};
  CHECK(wm_pipe_make(NULL, &w) == WM_EINVAL);
  CHECK(wm_read(WM_PIPE_NONE, b, 1, 0) == WM_ENOPIPE);
  CHECK(wm_read(bogus, b, 1, 0) == WM_EBADF);
  CHECK(wm_write(bogus, b, 1, 0) == WM_EBADF);
  CHECK(wm_close(bogus) == WM_EBADF);
  CHECK(wm_pipe_make(&r, &w) == 0);
  CHECK(wm_read(w, b, 1, 0) == WM_EPERM);
  CHECK(wm_write(r, b, 1, 0) == WM_EPERM);
  CHECK(wm_close_error(r, -1) == WM_EPERM);
  CHECK(wm_close_error(w, 5) == WM_EINVAL);
  CHECK(wm_read(r, NULL, 1, 0) == WM_EINVAL);
  CHECK(wm_read(r, b, 1, 0) == WM_ETIMEDOUT);
  CHECK(wm_read(r, b, 1, wm_now() - 1) == WM_ETIMEDOUT);
  CHECK(wm_read(r, b, 1, wm_now() + 5) == WM_ETIMEDOUT);
  CHECK(wm_write(w, b, 0, 0) == 0);
  CHECK(wm_write(w, "xy", 2, 0) == 0);
  CHECK(wm_go(r, w, hidden, NULL, &c) == WM_ENOFN);
  CHECK(wm_go(w, WM_PIPE_NONE, t_noop, NULL, &c) == WM_EPERM);
  CHECK(wm_go(WM_PIPE_NONE, r, t_noop, NULL, &c) == WM_EPERM);
  CHECK(wm_go(bogus, WM_PIPE_NONE, t_noop, NULL, &c) == WM_EBADF);
  CHECK(wm_go(WM_PIPE_NONE, WM_PIPE_NONE, t_noop, NULL, NULL) == WM_EINVAL);
  CHECK(wm_chain(r, w, NULL, 0, NULL, &c) == WM_EINVAL);
  CHECK(wm_wait(badc, 0) == WM_EBADF);
  CHECK(wm_close(w) == 0);
  CHECK(wm_close(w) == WM_EBADF);
  CHECK(wm_write(w, b, 1, 0) == WM_EBADF);
  CHECK(wm_read(r, b, 8, 0) == 2 && b[0] == 'x' && b[1] == 'y');
  CHECK(wm_read(r, b, 8, 0) == 0);
  CHECK(wm_read(r, b, 8, 0) == 0);
  CHECK(wm_close(r) == 0);
  CHECK(wm_read(r, b, 1, 0) == WM_EBADF);
  /* Writes after the reader is gone, and an error close seen after data. */
  CHECK(wm_pipe_make(&r, &w) == 0);
  CHECK(wm_close(r) == 0);
  CHECK(wm_write(w, b, 1, 0) == WM_EPIPE);
  CHECK(wm_close(w) == 0);
  CHECK(wm_pipe_make(&r, &w) == 0);
  CHECK(wm_write(w, "z", 1, 0) == 0);
  CHECK(wm_close_error(w, -1234) == 0);
  CHECK(wm_read(r, b, 8, 0) == 1);
  CHECK(wm_read(r, b, 8, 0) == -1234);
  CHECK(wm_close(r) == 0);
  /* A full local pipe makes a writer time out rather than hang. */
  static char big[1 << 20];
  CHECK(wm_pipe_make(&r, &w) == 0);
  CHECK(wm_write(w, big, sizeof big, wm_now() + 5) == WM_ETIMEDOUT);
  CHECK(wm_close(r) == 0 && wm_close(w) == 0);
  /* wm_wait with an expired deadline leaves the call valid. */
  CHECK(wm_go(WM_PIPE_NONE, WM_PIPE_NONE, t_noop, NULL, &c) == 0);
  CHECK(wm_wait(c, 0) == WM_ETIMEDOUT);
  CHECK(wm_wait(c, -1) == 0);
  CHECK(wm_wait(c, -1) == WM_EBADF);
  CHECK(wm_strerror(WM_ENOFN) && wm_strerror(12345));
  /* One end handed to two calls: the second finds it gone. */
  wm_opts here = WM_OPTS_INIT;
  here.where = WM_HERE;
  for (int i = 0; i < 2; i++) {
    wm_call c2;
    CHECK(wm_pipe_make(&r, &w) == 0);
    CHECK(wm_go(r, WM_PIPE_NONE, t_cat, i ? &here : NULL, &c) == 0);
    CHECK(wm_go(r, WM_PIPE_NONE, t_cat, i ? &here : NULL, &c2) == WM_EBADF);
    CHECK(wm_read(r, b, 1, 0) == WM_EBADF);
    CHECK(wm_close(r) == WM_EBADF);
    CHECK(wm_close(w) == 0);
    CHECK(wm_wait(c, -1) == 0);
  }
  return put(out, "ok");
}
WM_EXPORT(t_misuse)

/* t_remote_misuse hands pipe ends to another worker and checks the errors
 * that come back across the port. */
static int t_remote_misuse(wm_pipe in, wm_pipe out) {
  (void)in;
  wm_pipe r, w;
  wm_call c;
  char b[8];
  /* The remote reader (t_noop) closes at once: our writes fail. */
  CHECK(wm_pipe_make(&r, &w) == 0);
  CHECK(wm_go(r, WM_PIPE_NONE, t_noop, NULL, &c) == 0);
  CHECK(wm_read(r, b, 1, 0) == WM_EBADF); /* it moved */
  CHECK(wm_wait(c, -1) == 0);
  /* Writes are buffered up to the window; past it the writer learns. */
  static char chunk[65536];
  int rc = 0;
  for (int i = 0; i < 100 && !rc; i++)
    rc = wm_write(w, chunk, sizeof chunk, -1);
  CHECK(rc == WM_EPIPE);
  CHECK(wm_close(w) == 0);
  /* A remote writer that fails: we read its error after its data. */
  CHECK(wm_pipe_make(&r, &w) == 0);
  CHECK(wm_go(WM_PIPE_NONE, w, t_fail, NULL, &c) == 0);
  char got[32] = {0};
  size_t n = 0;
  ssize_t k;
  while ((k = wm_read(r, got + n, sizeof got - 1 - n, -1)) > 0) n += (size_t)k;
  CHECK(k == -1000);
  CHECK(strcmp(got, "about to fail") == 0);
  CHECK(wm_wait(c, -1) == -1000);
  CHECK(wm_close(r) == 0);
  /* A remote read that times out: t_cat waits for input we hold back. */
  wm_pipe r2, w2;
  CHECK(wm_pipe_make(&r, &w) == 0);
  CHECK(wm_pipe_make(&r2, &w2) == 0);
  CHECK(wm_go(r2, w, t_cat, NULL, &c) == 0);
  CHECK(wm_read(r, b, 1, wm_now() + 5) == WM_ETIMEDOUT);
  CHECK(wm_write(w2, "q", 1, -1) == 0);
  CHECK(wm_close(w2) == 0);
  CHECK(wm_read(r, b, 8, -1) == 1 && b[0] == 'q');
  CHECK(wm_read(r, b, 8, -1) == 0);
  CHECK(wm_close(r) == 0);
  CHECK(wm_wait(c, -1) == 0);
  return put(out, "ok");
}
WM_EXPORT(t_remote_misuse)

/* t_parent starts a child t_cat on another worker, over a pipe it never
 * writes to, and waits for it: only cancellation can end it. */
static int t_parent(wm_pipe in, wm_pipe out) {
  (void)in;
  wm_pipe r, w;
  wm_call c;
  int rc = wm_pipe_make(&r, &w);
  if (rc) return rc;
  if ((rc = wm_go(r, out, t_cat, NULL, &c))) return rc;
  rc = wm_wait(c, -1);
  wm_close(w);
  return rc;
}
WM_EXPORT(t_parent)

/* t_orphan starts a child that blocks forever and returns without waiting
 * for it: the runtime must cancel and release the child. */
static int t_orphan(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  wm_pipe r, w;
  wm_call c;
  int rc = wm_pipe_make(&r, &w);
  if (rc) return rc;
  if ((rc = wm_go(r, WM_PIPE_NONE, t_cat, NULL, &c))) return rc;
  /* w stays open until we return: the child cannot see EOF before. */
  return 0;
}
WM_EXPORT(t_orphan)

/* t_cancel_c cancels calls from C: a remote one, a local one and a chain. */
static int t_cancel_c(wm_pipe in, wm_pipe out) {
  (void)in;
  wm_pipe r, w;
  wm_call c;
  wm_opts here = WM_OPTS_INIT;
  here.where = WM_HERE;
  for (int i = 0; i < 2; i++) {
    CHECK(wm_pipe_make(&r, &w) == 0);
    CHECK(wm_go(r, WM_PIPE_NONE, t_cat, i ? &here : NULL, &c) == 0);
    CHECK(wm_wait(c, wm_now() + 5) == WM_ETIMEDOUT);
    CHECK(wm_cancel(c) == 0);
    CHECK(wm_cancel(c) == 0);
    CHECK(wm_wait(c, -1) == WM_ECANCELED);
    CHECK(wm_cancel(c) == WM_EBADF);
    CHECK(wm_close(w) == 0);
  }
  wm_fn fns[3] = {t_cat, t_cat, t_cat};
  CHECK(wm_pipe_make(&r, &w) == 0);
  CHECK(wm_chain(r, WM_PIPE_NONE, fns, 3, NULL, &c) == 0);
  CHECK(wm_cancel(c) == 0);
  CHECK(wm_wait(c, -1) == WM_ECANCELED);
  CHECK(wm_close(w) == 0);
  /* A call's own deadline ends its blocking calls. */
  wm_opts soon = WM_OPTS_INIT;
  soon.deadline = wm_now() + 20;
  CHECK(wm_pipe_make(&r, &w) == 0);
  CHECK(wm_go(r, WM_PIPE_NONE, t_cat, &soon, &c) == 0);
  CHECK(wm_wait(c, -1) == WM_ETIMEDOUT);
  CHECK(wm_close(w) == 0);
  return put(out, "ok");
}
WM_EXPORT(t_cancel_c)

/* t_trap executes `unreachable` after writing a little; t_abort calls
 * abort(). Either kills its worker. */
static int t_trap(wm_pipe in, wm_pipe out) {
  (void)in;
  put(out, "before the trap");
  __builtin_trap();
}
WM_EXPORT(t_trap)

static int t_abort(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  abort();
}
WM_EXPORT(t_abort)

/* t_recurse overflows the fiber's stack. */
static int t_recurse_deep(volatile char *p, int n) {
  volatile char buf[1024];
  buf[0] = p ? p[0] : 0;
  return n ? t_recurse_deep(buf, n - 1) + buf[0] : buf[0];
}

static int t_overflow(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  return t_recurse_deep(NULL, 1 << 20);
}
WM_EXPORT(t_overflow)

/* t_deep_frame takes one 200 KiB stack frame in a fiber of 128 KiB and
 * touches only its two ends, as a large local buffer used in part does: the
 * frame's bottom lies 72 KiB below the stack, in the heap, and nothing
 * faults there. It must kill its worker, not write over the heap and return
 * (as it once did). t_wide_frame takes 96 KiB, which fits, and returns. The
 * buffer's address escapes to touch_ends, so the compiler must keep it
 * whole: a local array it can see through shrinks to the bytes used. */
static __attribute__((noinline)) int touch_ends(volatile char *b, size_t n) {
  b[0] = 1;
  b[n - 1] = 2;
  return b[0] + b[n - 1];
}

#define FRAME_FN(name, kib)                                                    \
  static __attribute__((noinline)) int name##_frame(void) {                    \
    char buf[(kib)*1024];                                                      \
    return touch_ends(buf, sizeof buf);                                        \
  }                                                                            \
  static int name(wm_pipe in, wm_pipe out) {                                   \
    (void)in;                                                                  \
    return put(out, name##_frame() == 3 ? "returned" : "?");                   \
  }                                                                            \
  WM_EXPORT(name)

FRAME_FN(t_deep_frame, 200)
FRAME_FN(t_wide_frame, 96)

/* t_canary writes just below its fiber's stack, as an overflow does in a
 * module linked without the stack check, then parks: the canary checked at
 * the switch must kill its worker before the call can complete. */
static int t_canary(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  volatile unsigned char *below =
      (volatile unsigned char *)emscripten_stack_get_end();
  below[-1] = (unsigned char)~below[-1];
  wm_pipe r, w; /* nobody writes: the read parks */
  int rc = wm_pipe_make(&r, &w);
  char b;
  /* A deadline far enough that the read parks whatever the clock does: one
   * already passed would return at once, and the call would complete
   * before the fiber ever switched out. */
  return rc ? rc : (int)wm_read(r, &b, 1, wm_now() + 10000);
}
WM_EXPORT(t_canary)

/* t_spin never blocks and never returns: only stopping its worker ends it. */
static int t_spin(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  for (volatile int forever = 1; forever;) {
  }
  return 0;
}
WM_EXPORT(t_spin)

/* t_oom takes all the memory the instance may grow to, then checks that the
 * runtime answers WM_ENOMEM instead of failing in any other way, and gives
 * the memory back. */
static int t_oom(wm_pipe in, wm_pipe out) {
  (void)in;
  void *blocks[4096];
  int n = 0;
  for (size_t size = 64u << 20; size >= 64 && n < 4096;) {
    void *p = malloc(size);
    if (p)
      blocks[n++] = p;
    else
      size /= 2;
  }
  /* Nothing is left: a pipe cannot be made, or cannot take bytes. */
  wm_pipe r, w;
  int rc = wm_pipe_make(&r, &w);
  int seen = rc == WM_ENOMEM;
  if (!rc) {
    static char big[1 << 16];
    rc = wm_write(w, big, sizeof big, 0);
    seen = rc == WM_ENOMEM;
    wm_close(r);
    wm_close(w);
  }
  while (n) free(blocks[--n]);
  if (!seen) return -6000;
  return put(out, "ENOMEM");
}
WM_EXPORT(t_oom)

/* ---- services ---- */

/* t_service gets ready, then serves: it upper-cases its input until it is
 * halted (or its input ends). With no input it just waits to be halted. */
static int t_service(wm_pipe in, wm_pipe out) {
  if (wm_ready()) return -7001;
  wm_ready(); /* twice is harmless */
  if (in.id) return t_upper(in, out);
  wm_pipe r, w;
  char b;
  int rc = wm_pipe_make(&r, &w);
  return rc ? rc : (int)wm_read(r, &b, 1, -1);
}
WM_EXPORT(t_service)

/* t_service_fails fails before it is ready. */
static int t_service_fails(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  return -7000;
}
WM_EXPORT(t_service_fails)

/* t_service_stubborn gets ready, then ignores cancellation. */
static int t_service_stubborn(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  wm_ready();
  for (volatile int forever = 1; forever;) {
  }
  return 0;
}
WM_EXPORT(t_service_stubborn)

/* t_service_slow never gets ready: it waits on a pipe nobody writes. */
static int t_service_slow(wm_pipe in, wm_pipe out) {
  (void)out;
  char b;
  return (int)wm_read(in, &b, 1, -1);
}
WM_EXPORT(t_service_slow)

/* t_services_c drives services from C: start, serve, early end, timeouts,
 * forced halts, and groups that start and halt together. */
static int t_services_c(wm_pipe in, wm_pipe out) {
  (void)in;
  wm_pipe r, w, r2, w2;
  wm_call c;
  char b[16];
  CHECK(wm_ready() == 0); /* a function may call it even if nobody waits */
  /* Start, use, halt. */
  CHECK(wm_pipe_make(&r, &w) == 0);
  CHECK(wm_pipe_make(&r2, &w2) == 0);
  CHECK(wm_start(r, w2, t_service, NULL, &c, wm_now() + 5000) == 0);
  CHECK(wm_write(w, "abc", 3, -1) == 0);
  CHECK(wm_read(r2, b, sizeof b, -1) == 3 && b[0] == 'A');
  CHECK(wm_wait(c, 0) == WM_ETIMEDOUT); /* still serving */
  CHECK(wm_halt(c, wm_now() + 5000) == WM_ECANCELED);
  CHECK(wm_read(r2, b, sizeof b, -1) == WM_ECANCELED);
  CHECK(wm_close(r2) == 0 && wm_close(w) == 0);
  /* Fails before ready: its own result. */
  CHECK(wm_start(WM_PIPE_NONE, WM_PIPE_NONE, t_service_fails, NULL, &c, -1) ==
        -7000);
  /* Ends with 0 before ready. */
  CHECK(wm_start(WM_PIPE_NONE, WM_PIPE_NONE, t_noop, NULL, &c, -1) ==
        WM_EEARLY);
  /* Never ready: the deadline passes and it is halted. */
  CHECK(wm_pipe_make(&r, &w) == 0);
  CHECK(wm_start(r, WM_PIPE_NONE, t_service_slow, NULL, &c, wm_now() + 20) ==
        WM_ETIMEDOUT);
  CHECK(wm_close(w) == 0);
  /* Ignores cancellation: the halt stops its worker. */
  CHECK(wm_start(WM_PIPE_NONE, WM_PIPE_NONE, t_service_stubborn, NULL, &c,
                 -1) == 0);
  CHECK(wm_halt(c, wm_now() + 20) == WM_EDIED);
  /* A group whose third service fails: the first two are halted. */
  wm_service svcs[4] = {{t_service, WM_PIPE_NONE, WM_PIPE_NONE},
                        {t_service, WM_PIPE_NONE, WM_PIPE_NONE},
                        {t_service_fails, WM_PIPE_NONE, WM_PIPE_NONE},
                        {t_service, WM_PIPE_NONE, WM_PIPE_NONE}};
  CHECK(wm_pipe_make(&r, &w) == 0);
  svcs[3].in = r; /* never started: closed by wm_start_all */
  wm_call cs[4];
  CHECK(wm_start_all(svcs, 4, NULL, cs, wm_now() + 5000) == -7000);
  CHECK(wm_write(w, "x", 1, 0) == WM_EPIPE);
  CHECK(wm_close(w) == 0);
  /* A group that starts and halts together. */
  CHECK(wm_start_all(svcs, 2, NULL, cs, wm_now() + 5000) == 0);
  CHECK(wm_halt_all(cs, 2, wm_now() + 5000) == 0);
  return put(out, "ok");
}
WM_EXPORT(t_services_c)

/* ---- fan-out ---- */

/* t_tone is a producer service: it makes topic "tone", gets ready, and
 * publishes frames of 64 floats (a synthesised tone whose first sample is
 * the frame's number) every millisecond until halted, whether or not
 * anyone listens. */
static int t_tone(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  wm_topic t;
  int rc = wm_topic_make("tone", &t);
  if (rc) return rc;
  wm_pipe r, w; /* a pipe nobody writes: its reads are our clock */
  if ((rc = wm_pipe_make(&r, &w))) return rc;
  wm_ready();
  float frame[64];
  for (uint32_t n = 1;; n++) {
    frame[0] = (float)n;
    for (int i = 1; i < 64; i++) frame[i] = (float)((i * n) % 17) / 17.0f;
    rc = wm_publish(t, frame, sizeof frame, -1);
    if (rc) break;
    char b;
    rc = (int)wm_read(r, &b, 1, wm_now() + 1);
    if (rc != WM_ETIMEDOUT) break; /* cancelled: halted */
  }
  wm_topic_close(t);
  return rc;
}
WM_EXPORT(t_tone)

/* t_listen subscribes from C to "tone" on the worker named by its input
 * (one byte), reads 200 frames under the policy in the second byte, checks
 * that seq rises with every gap reported exactly, and writes "ok". */
static int t_listen(wm_pipe in, wm_pipe out) {
  unsigned char a[2];
  int rc = read_full(in, a, 2);
  if (rc) return rc < 0 ? rc : -2000;
  wm_pipe r;
  wm_call c;
  CHECK(wm_subscribe("tone", a[0], a[1], 16, &r, &c) == 0);
  uint64_t last = 0;
  for (int i = 0; i < 200; i++) {
    uint32_t hdr[4];
    CHECK(read_full(r, hdr, sizeof hdr) == 0);
    uint64_t seq = hdr[0] | (uint64_t)hdr[1] << 32;
    CHECK(hdr[3] == 64 * sizeof(float));
    float f[64];
    CHECK(read_full(r, f, sizeof f) == 0);
    CHECK((uint64_t)f[0] == seq);
    CHECK(last == 0 || seq == last + 1 + hdr[2]);
    if (a[1] == WM_SUB_BLOCK) CHECK(last == 0 || hdr[2] == 0);
    last = seq;
  }
  CHECK(wm_close(r) == 0); /* leave */
  return put(out, "ok");
}
WM_EXPORT(t_listen)

/* t_stackhold fills a buffer on its stack, blocks until its input ends,
 * then checks the buffer: many of these parked at once in one worker prove
 * that fibers' stacks stay apart. */
static int t_stackhold(wm_pipe in, wm_pipe out) {
  unsigned char buf[256];
  for (int i = 0; i < 256; i++) buf[i] = (unsigned char)(i * 7 + 3);
  char b[16];
  while (wm_read(in, b, sizeof b, -1) > 0) {
  }
  for (int i = 0; i < 256; i++)
    if (buf[i] != (unsigned char)(i * 7 + 3)) return -8000 - i;
  return put(out, "ok");
}
WM_EXPORT(t_stackhold)

/* t_deep parks a fiber under thousands of frames: more than its asyncify
 * buffer can save, which traps and kills its worker. */
static __attribute__((noinline)) int deep(wm_pipe r, int n, int a, int b) {
  if (n == 0) {
    char x;
    return (int)wm_read(r, &x, 1, wm_now() + 1);
  }
  int v = deep(r, n - 1, a + 1, b ^ n);
  return v + a + b; /* not a tail call: every frame stays */
}

static int t_deep(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  wm_pipe r, w; /* nobody writes: the read at the bottom parks */
  int rc = wm_pipe_make(&r, &w);
  return rc ? rc : deep(r, 20000, 1, 2);
}
WM_EXPORT(t_deep)

/* t_pipes reads a u32 n, makes n local pipes, writes "ready", then holds
 * them until its input ends: the memory benchmark weighs an open pipe. */
static int t_pipes(wm_pipe in, wm_pipe out) {
  uint32_t n;
  int rc = read_full(in, &n, sizeof n);
  if (rc) return rc < 0 ? rc : -2000;
  wm_pipe *ps = malloc((size_t)n * 2 * sizeof *ps);
  if (!ps) return WM_ENOMEM;
  uint32_t made = 0;
  while (made < n && !(rc = wm_pipe_make(&ps[2 * made], &ps[2 * made + 1])))
    made++;
  if (!rc) rc = put(out, "ready");
  char b[16];
  while (!rc && wm_read(in, b, sizeof b, -1) > 0) {
  }
  for (uint32_t i = 0; i < 2 * made; i++) wm_close(ps[i]);
  free(ps);
  return rc;
}
WM_EXPORT(t_pipes)

/* t_nest_deep reads a u32 depth d; at 0 it writes "bottom", otherwise it
 * calls itself with d - 1, handing on its output, and waits: a chain of
 * parents each waiting on its only child, the shape that once deadlocked
 * when the parents held every slot of the mesh. */
static int t_nest_deep(wm_pipe in, wm_pipe out) {
  uint32_t d;
  int rc = read_full(in, &d, sizeof d);
  if (rc) return rc < 0 ? rc : -2000;
  if (d == 0) return put(out, "bottom");
  wm_pipe r, w;
  wm_call c;
  if ((rc = wm_pipe_make(&r, &w))) return rc;
  d--;
  rc = wm_write(w, &d, sizeof d, FOREVER);
  wm_close(w);
  if (rc) {
    wm_close(r);
    return rc;
  }
  if ((rc = wm_go(r, out, t_nest_deep, NULL, &c))) return rc;
  return wm_wait(c, FOREVER);
}
WM_EXPORT(t_nest_deep)

/* What t_victim holds, for t_thief on the same worker to try to use. */
static uint32_t victim_call, victim_reader, victim_writer;

/* t_victim makes a call and a pipe, publishes their handles, writes
 * "ready;", and waits for its input to end; then it checks that both are
 * still its own: the call's result is still there to be taken. */
static int t_victim(wm_pipe in, wm_pipe out) {
  wm_pipe r, w, pr, pw;
  wm_call c;
  int rc = wm_pipe_make(&r, &w);
  if (rc) return rc;
  if ((rc = wm_go(r, WM_PIPE_NONE, t_cat, NULL, &c))) return rc;
  if ((rc = wm_pipe_make(&pr, &pw))) return rc;
  victim_call = c.id;
  victim_reader = pr.id;
  victim_writer = pw.id;
  if ((rc = put(out, "ready;"))) return rc;
  char b[16];
  while (wm_read(in, b, sizeof b, FOREVER) > 0) {
  }
  victim_call = victim_reader = victim_writer = 0;
  int wrc = wm_write(pw, "v", 1, FOREVER);
  char got = 0;
  ssize_t n = wm_read(pr, &got, 1, FOREVER);
  wm_close(pr);
  wm_close(pw);
  wm_close(w); /* t_cat reads EOF and returns 0 */
  int crc = wm_wait(c, FOREVER);
  char msg[64];
  snprintf(msg, sizeof msg, "victim:%d,%d,%c,%d", wrc, (int)n, got, crc);
  return put(out, msg);
}
WM_EXPORT(t_victim)

/* t_thief tries every handle t_victim published and writes what each
 * attempt returned: all must be WM_EBADF. */
static int t_thief(wm_pipe in, wm_pipe out) {
  (void)in;
  if (!victim_call) return put(out, "nothing to steal");
  wm_call c = {victim_call};
  wm_pipe r = {victim_reader}, w = {victim_writer};
  char b[1];
  int rcs[5];
  rcs[0] = wm_cancel(c);
  rcs[1] = wm_wait(c, 0);
  rcs[2] = (int)wm_read(r, b, 1, 0);
  rcs[3] = wm_write(w, "x", 1, 0);
  rcs[4] = wm_close(r);
  char msg[96];
  snprintf(msg, sizeof msg, "thief:%d,%d,%d,%d,%d", rcs[0], rcs[1], rcs[2],
           rcs[3], rcs[4]);
  return put(out, msg);
}
WM_EXPORT(t_thief)

/* t_overdue calls t_spin with a deadline 100 ms away and returns what
 * wm_wait says: the coordinator stops the spinning call's worker once the
 * grace past its deadline is over, and the call fails with WM_ETIMEDOUT. */
static int t_overdue(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  wm_opts o = WM_OPTS_INIT;
  o.deadline = wm_now() + 100;
  wm_call c;
  int rc = wm_go(WM_PIPE_NONE, WM_PIPE_NONE, t_spin, &o, &c);
  return rc ? rc : wm_wait(c, FOREVER);
}
WM_EXPORT(t_overdue)
