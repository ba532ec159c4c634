/* call_test.c: calls in one instance (src/core/call.c): wm_go, wm_chain and
 * wm_wait on a main instance without workers, where every call runs in a
 * fiber here, and calls made by the JS side (wm__js_call) over ports. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "host_stub.h"
#include "registry.h"
#include "rt.h"

static int g_ret;

static int f_ret(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  return g_ret;
}
WM_EXPORT(f_ret)

static int f_cat(wm_pipe in, wm_pipe out) {
  char b[4096];
  for (;;) {
    ssize_t n = wm_read(in, b, sizeof b, -1);
    if (n <= 0) return (int)n;
    int rc = wm_write(out, b, (size_t)n, -1);
    if (rc) return rc;
  }
}
WM_EXPORT(f_cat)

static int f_upper(wm_pipe in, wm_pipe out) {
  char b[1000];
  for (;;) {
    ssize_t n = wm_read(in, b, sizeof b, -1);
    if (n <= 0) return (int)n;
    for (ssize_t i = 0; i < n; i++) b[i] = (char)toupper((unsigned char)b[i]);
    int rc = wm_write(out, b, (size_t)n, -1);
    if (rc) return rc;
  }
}
WM_EXPORT(f_upper)

static int f_fail(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  return -1000;
}
WM_EXPORT(f_fail)

/* f_leave_open writes and returns g_ret, leaving both ends to the runtime. */
static int f_leave_open(wm_pipe in, wm_pipe out) {
  (void)in;
  return wm_write(out, "x", 1, -1) ? -1 : g_ret;
}
WM_EXPORT(f_leave_open)

static int f_nested(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  wm_call c;
  int rc = wm_go(WM_PIPE_NONE, WM_PIPE_NONE, f_ret, NULL, &c);
  return rc ? rc : wm_wait(c, -1) + 1;
}
WM_EXPORT(f_nested)

static int f_unexported(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  return 0;
}

static const wm_opts here = {-1, WM_HERE, 0};

/* ends_work checks that r and w are still open, connected ends. */
static void ends_work(wm_pipe r, wm_pipe w) {
  char b[2];
  CHECK_EQ(wm_write(w, "ok", 2, 0), 0);
  CHECK_EQ(wm_read(r, b, 2, 0), 2);
}

static void close_both(wm_pipe r, wm_pipe w) {
  CHECK_EQ(wm_close(r), 0);
  CHECK_EQ(wm_close(w), 0);
}

/* Pipes used as a call's input and output: the test feeds and drains. */
static wm_pipe in_w, out_r;

static void call_pipes(wm_pipe *in, wm_pipe *out) {
  CHECK_EQ(wm_pipe_make(in, &in_w), 0);
  CHECK_EQ(wm_pipe_make(&out_r, out), 0);
}

/* drain reads out_r to the end into b (cap bytes) and returns the final
 * read's result: 0 for EOF or an error. */
static ssize_t drain(char *b, size_t cap, size_t *len) {
  *len = 0;
  for (;;) {
    stub_run();
    ssize_t n = wm_read(out_r, b + *len, cap - *len, 0);
    if (n == WM_ETIMEDOUT) continue;
    if (n <= 0) return n;
    *len += (size_t)n;
    CHECK(*len < cap);
  }
}

/* ---- wm_go ---- */

static void go_errors_take_nothing(void) {
  wm_pipe r, w, r2, w2;
  wm_call c = {0};
  CHECK_EQ(wm_pipe_make(&r, &w), 0);
  CHECK_EQ(wm_pipe_make(&r2, &w2), 0);
  CHECK_EQ(wm_go(r, w2, f_unexported, NULL, &c), WM_ENOFN);
  CHECK_EQ(wm_go(r, w2, NULL, NULL, &c), WM_ENOFN);
  CHECK_EQ(wm_go(r, w2, f_cat, NULL, NULL), WM_EINVAL);
  CHECK_EQ(wm_go(w, w2, f_cat, NULL, &c), WM_EPERM);
  CHECK_EQ(wm_go(r, r2, f_cat, NULL, &c), WM_EPERM);
  CHECK_EQ(wm_go((wm_pipe){4242}, w2, f_cat, NULL, &c), WM_EBADF);
  CHECK_EQ(wm_go(r, (wm_pipe){4242}, f_cat, NULL, &c), WM_EBADF);
  wm_opts o = {-1, -5, 0};
  CHECK_EQ(wm_go(r, w2, f_cat, &o, &c), WM_EINVAL);
  o.where = 0;
  CHECK_EQ(wm_go(r, w2, f_cat, &o, &c), WM_EINVAL);
  CHECK_EQ(c.id, 0);
  ends_work(r, w);
  ends_work(r2, w2);
  close_both(r, w);
  close_both(r2, w2);
}

static void go_result(void) {
  const int results[] = {0, 42, -1000, WM_EDIED};
  for (int i = 0; i < 4; i++) {
    g_ret = results[i];
    wm_call c;
    CHECK_EQ(wm_go(WM_PIPE_NONE, WM_PIPE_NONE, f_ret, NULL, &c), 0);
    stub_run();
    CHECK_EQ(wm_wait(c, 0), results[i]);
  }
}

static void wait_semantics(void) {
  g_ret = 9;
  wm_call c;
  CHECK_EQ(wm_go(WM_PIPE_NONE, WM_PIPE_NONE, f_ret, &here, &c), 0);
  CHECK_EQ(wm_wait(c, 0), WM_ETIMEDOUT); /* not run yet; handle kept */
  CHECK_EQ(wm_wait(c, -1), WM_ENOTFIBER);
  stub_run();
  CHECK_EQ(wm_wait(c, 0), 9);
  CHECK_EQ(wm_wait(c, 0), WM_EBADF); /* freed by the first result */
  CHECK_EQ(wm_wait((wm_call){0}, 0), WM_EBADF);
}

static int f_slow(wm_pipe in, wm_pipe out) {
  (void)out;
  char b;
  return (int)wm_read(in, &b, 1, -1);
}
WM_EXPORT(f_slow)

static void wait_deadline_body(void) {
  wm_pipe r, w;
  CHECK_EQ(wm_pipe_make(&r, &w), 0);
  wm_call c;
  CHECK_EQ(wm_go(r, WM_PIPE_NONE, f_slow, NULL, &c), 0);
  int64_t t0 = wm_now();
  CHECK_EQ(wm_wait(c, t0 + 30), WM_ETIMEDOUT);
  CHECK_EQ(wm_now(), t0 + 30);
  CHECK_EQ(wm_write(w, "!", 1, 0), 0);
  CHECK_EQ(wm_wait(c, -1), 1);
  CHECK_EQ(wm_close(w), 0);
}

static void wait_deadline(void) { in_fiber(wait_deadline_body); }

/* The runtime closes what the function left open: EOF after a result of 0
 * or above, the result itself when it is negative. */
static void runtime_closes_output(void) {
  const int results[] = {0, 5, -1000};
  const ssize_t seen[] = {0, 0, -1000};
  for (int i = 0; i < 3; i++) {
    wm_pipe in, out;
    call_pipes(&in, &out);
    g_ret = results[i];
    wm_call c;
    CHECK_EQ(wm_go(in, out, f_leave_open, NULL, &c), 0);
    char b[8];
    size_t len;
    CHECK_EQ(drain(b, sizeof b, &len), seen[i]);
    CHECK_EQ(len, 1);
    CHECK_EQ(wm_wait(c, 0), results[i]);
    /* The input's reader is gone with the call. */
    CHECK_EQ(wm_write(in_w, "y", 1, 0), WM_EPIPE);
    close_both(out_r, in_w);
  }
}

static void go_with_pipes(void) {
  wm_pipe in, out;
  call_pipes(&in, &out);
  wm_call c;
  CHECK_EQ(wm_go(in, out, f_cat, NULL, &c), 0);
  /* Ownership moved: the caller's handles are the call's now. */
  CHECK_EQ(wm_write(in_w, "hello", 5, 0), 0);
  CHECK_EQ(wm_close(in_w), 0);
  char b[16];
  size_t len;
  CHECK_EQ(drain(b, sizeof b, &len), 0);
  CHECK_EQ(len, 5);
  CHECK(!memcmp(b, "hello", 5));
  CHECK_EQ(wm_wait(c, 0), 0);
  CHECK_EQ(wm_close(out_r), 0);
}

static void nested_call(void) {
  g_ret = 41;
  wm_call c;
  CHECK_EQ(wm_go(WM_PIPE_NONE, WM_PIPE_NONE, f_nested, NULL, &c), 0);
  stub_run();
  CHECK_EQ(wm_wait(c, 0), 42);
}

/* ---- wm_chain ---- */

static void chain_pipeline(void) {
  enum {
    N = 200000
  };
  char *src = test_alloc(N), *dst = test_alloc(N + 1);
  for (size_t i = 0; i < N; i++) src[i] = (char)('a' + i % 26);
  wm_pipe in, out;
  call_pipes(&in, &out);
  const wm_fn fns[] = {f_cat, f_upper, f_cat};
  wm_opts o = {-1, WM_ANY, WM_MIN_WINDOW};
  wm_call c;
  CHECK_EQ(wm_chain(in, out, fns, 3, &o, &c), 0);
  wm_stats s;
  CHECK_EQ(wm_get_stats(&s), 0);
  CHECK_EQ(s.pipes, 4 + 4); /* the test's two pipes and two inner ones */
  size_t fed = 0, len = 0;
  while (fed < N) {
    size_t k = N - fed < 7000 ? N - fed : 7000;
    int rc = wm_write(in_w, src + fed, k, 0);
    CHECK(rc == 0 || rc == WM_ETIMEDOUT);
    if (!rc) fed += k;
    stub_run();
    ssize_t n;
    while ((n = wm_read(out_r, dst + len, N + 1 - len, 0)) > 0)
      len += (size_t)n;
  }
  CHECK_EQ(wm_close(in_w), 0);
  size_t more;
  CHECK_EQ(drain(dst + len, N + 1 - len, &more), 0);
  len += more;
  CHECK_EQ(len, N);
  for (size_t i = 0; i < N; i++) CHECK_EQ(dst[i], toupper(src[i]));
  CHECK_EQ(wm_wait(c, 0), 0);
  CHECK_EQ(wm_close(out_r), 0);
  free(src);
  free(dst);
}

/* A failing stage fails the chain, its error reaches the output, and the
 * other stages are cancelled: the first one ends without further input. */
static void chain_stage_fails(void) {
  wm_pipe in, out;
  call_pipes(&in, &out);
  const wm_fn fns[] = {f_cat, f_fail, f_cat};
  wm_call c;
  CHECK_EQ(wm_chain(in, out, fns, 3, NULL, &c), 0);
  CHECK_EQ(wm_write(in_w, "abc", 3, 0), 0);
  char b[8];
  size_t len;
  CHECK_EQ(drain(b, sizeof b, &len), -1000);
  CHECK_EQ(len, 0);
  stub_run();
  CHECK_EQ(wm_wait(c, 0), -1000);
  CHECK_EQ(wm_write(in_w, "d", 1, 0), WM_EPIPE);
  close_both(out_r, in_w);
}

static void chain_errors_take_nothing(void) {
  wm_pipe in, out;
  call_pipes(&in, &out);
  const wm_fn ok[] = {f_cat, f_cat}, bad[] = {f_cat, f_unexported},
              nul[] = {f_cat, NULL};
  wm_call c = {0};
  CHECK_EQ(wm_chain(in, out, ok, 0, NULL, &c), WM_EINVAL);
  CHECK_EQ(wm_chain(in, out, NULL, 2, NULL, &c), WM_EINVAL);
  CHECK_EQ(wm_chain(in, out, ok, 2, NULL, NULL), WM_EINVAL);
  CHECK_EQ(wm_chain(in, out, bad, 2, NULL, &c), WM_ENOFN);
  CHECK_EQ(wm_chain(in, out, nul, 2, NULL, &c), WM_ENOFN);
  CHECK_EQ(wm_chain(out, in, ok, 2, NULL, &c), WM_EPERM);
  wm_opts o = {-1, WM_ANY, WM__MAX_WINDOW + 1};
  CHECK_EQ(wm_chain(in, out, ok, 2, &o, &c), WM_EINVAL);
  CHECK_EQ(c.id, 0);
  ends_work(in, in_w);
  ends_work(out_r, out);
  close_both(in, in_w);
  close_both(out_r, out);
}

/* Regression, fixed: wm_chain does not check opts.where up front. Its stages'
 * wm__go calls refuse the bad value one by one, so wm_chain returns 0,
 * having consumed in and out, and the chain completes with WM_EINVAL.
 * wmesh.h says "Ownership and errors are as for wm_go", which returns
 * WM_EINVAL and takes nothing. */
static void chain_bad_where(void) {
  wm_pipe in, out;
  call_pipes(&in, &out);
  const wm_fn fns[] = {f_cat, f_cat};
  wm_opts o = {-1, -5, 0};
  wm_call c;
  int rc = wm_chain(in, out, fns, 2, &o, &c);
  if (rc == 0) {
    stub_run();
    wm_wait(c, 0);
  }
  CHECK_EQ(rc, WM_EINVAL);
  ends_work(in, in_w);
  ends_work(out_r, out);
  close_both(in, in_w);
  close_both(out_r, out);
}

/* ---- out of memory: a refused call takes nothing; a placed call that
 * fails completes with the error; nothing is left either way. ---- */

static void go_nomem_with(void (*arm)(long)) {
  for (long k = 0;; k++) {
    wm_pipe in, out;
    call_pipes(&in, &out);
    wm_call c;
    arm(k);
    int rc = wm_go(in, out, f_cat, NULL, &c);
    int hit = failalloc_disarm();
    if (rc) {
      CHECK_EQ(rc, WM_ENOMEM);
      close_both(in, in_w);
      close_both(out_r, out);
    } else {
      CHECK_EQ(wm_close(in_w), 0);
      char b[4];
      size_t len;
      CHECK_EQ(drain(b, sizeof b, &len), 0);
      CHECK_EQ(wm_wait(c, 0), 0);
      CHECK_EQ(wm_close(out_r), 0);
    }
    check_clean();
    if (!hit) break;
  }
}

static void go_nomem(void) {
  go_nomem_with(failalloc_arm);
  go_nomem_with(failalloc_arm_one);
}

static void chain_nomem_with(void (*arm)(long)) {
  const wm_fn fns[] = {f_cat, f_upper, f_cat};
  for (long k = 0;; k++) {
    wm_pipe in, out;
    call_pipes(&in, &out);
    wm_call c;
    arm(k);
    int rc = wm_chain(in, out, fns, 3, NULL, &c);
    int hit = failalloc_disarm();
    if (rc) {
      CHECK_EQ(rc, WM_ENOMEM);
      close_both(in, in_w);
      close_both(out_r, out);
    } else {
      int wrc = wm_write(in_w, "ab", 2, 0);
      CHECK(wrc == 0 || (hit && wrc == WM_EPIPE));
      CHECK_EQ(wm_close(in_w), 0);
      char b[4];
      size_t len;
      ssize_t end = drain(b, sizeof b, &len);
      int crc = wm_wait(c, 0);
      if (hit) {
        CHECK(end == 0 || end == WM_ENOMEM || end == WM_EPIPE);
        CHECK(crc == 0 || crc == WM_ENOMEM || crc == WM_EPIPE);
      } else {
        CHECK_EQ(end, 0);
        CHECK_EQ(len, 2);
        CHECK(!memcmp(b, "AB", 2));
        CHECK_EQ(crc, 0);
      }
      CHECK_EQ(wm_close(out_r), 0);
    }
    check_clean();
    if (!hit) break;
  }
}

static void chain_nomem(void) {
  chain_nomem_with(failalloc_arm);
  chain_nomem_with(failalloc_arm_one);
}

/* Regression (ABA on job ends), fixed: wm__finish closes the ends a function
 * was given by their ids after it returns, even if the function closed them
 * itself. With 12-bit generations, 4095 reuses of the slot later that id
 * belonged to someone else's pipe, and wm__finish closed it. Ids are no
 * longer reused (handles.h), so the pipes made after the close must neither
 * get the closed end's id nor be touched when the job ends. */
static wm_pipe ctl_r, ctl_w;
static uint32_t job_in_id; /* the id the job held its input under */

static int f_close_in_then_wait(wm_pipe in, wm_pipe out) {
  (void)out;
  char b;
  job_in_id = in.id;
  wm_close(in);
  return (int)wm_read(ctl_r, &b, 1, -1);
}
WM_EXPORT(f_close_in_then_wait)

static void finish_closes_reused_handle(void) {
  wm_pipe in, w;
  CHECK_EQ(wm_pipe_make(&in, &w), 0);
  CHECK_EQ(wm_pipe_make(&ctl_r, &ctl_w), 0);
  wm_call c;
  CHECK_EQ(wm_go(in, WM_PIPE_NONE, f_close_in_then_wait, NULL, &c), 0);
  stub_run(); /* closes in, then waits */
  uint32_t stale = job_in_id;
  CHECK_EQ(wm_close(w), 0);
  wm_pipe a = {0}, b = {0};
  for (int i = 0; i < 10000; i++) {
    CHECK_EQ(wm_pipe_make(&a, &b), 0);
    CHECK(a.id != stale && b.id != stale);
    if (i < 9999) close_both(a, b);
  }
  CHECK_EQ(wm_write(ctl_w, "!", 1, 0), 0);
  stub_run();
  CHECK_EQ(wm_wait(c, 0), 1);
  /* The new pipe must be untouched by the old call's end. */
  CHECK_EQ(wm__end_check(a, 0), 0);
  CHECK_EQ(wm__end_check(b, 1), 0);
  close_both(a, b);
  close_both(ctl_r, ctl_w);
}

/* ---- calls made by the JS side ---- */

/* js_ports makes the in and out channels of a JS call: the core's ports go
 * in *cin and *cout, the test keeps *tin (it writes) and *tout (it reads). */
static void js_ports(int *cin, int *tin, int *cout, int *tout) {
  *cin = stub_channel(tin);
  *cout = stub_channel(tout);
  stub_give(*cin);
  stub_give(*cout);
}

static void expect_frame(int port, int type, const char *body, size_t len) {
  uint8_t b[64];
  long n = stub_recv(port, b, sizeof b);
  CHECK_EQ(n, (long)(1 + len));
  CHECK_EQ(b[0], type);
  CHECK(!len || !memcmp(b + 1, body, len));
}

static void js_call_runs(void) {
  const wm_fn chains[2][2] = {{f_cat, NULL}, {f_cat, f_upper}};
  for (int n = 1; n <= 2; n++) {
    int cin, tin, cout, tout;
    js_ports(&cin, &tin, &cout, &tout);
    uint32_t fns[2] = {wm__fn_index(chains[n - 1][0]),
                       n == 2 ? wm__fn_index(chains[1][1]) : 0};
    CHECK_EQ(stub_js_call(&(wm__js_req){.n = n,
                                        .where = WM_HERE,
                                        .in_port = cin,
                                        .out_port = cout,
                                        .window = 4096,
                                        .token = 7 + n,
                                        .deadline = -1,
                                        .in_len = -1},
                          fns, NULL, NULL),
             0);
    stub_post(tin, WM__F_DATA, "hi", 2);
    stub_post(tin, WM__F_EOF, NULL, 0);
    stub_run();
    expect_frame(tout, WM__F_DATA, n == 2 ? "HI" : "hi", 2);
    expect_frame(tout, WM__F_EOF, NULL, 0);
    stub_post(tout, WM__F_CREDIT, "\2\0\0\0", 4);
    stub_post(tout, WM__F_RCLOSE, NULL, 0);
    stub_run();
    /* 2 bytes are less than a quarter window: no credit before RCLOSE. */
    expect_frame(tin, WM__F_RCLOSE, NULL, 0);
    int token, rc;
    CHECK(stub_done_take(&token, &rc));
    CHECK_EQ(token, 7 + n);
    CHECK_EQ(rc, 0);
    CHECK(stub_peer_gone(tin) && stub_peer_gone(tout));
    stub_close(tin);
    stub_close(tout);
  }
}

static void js_call_refused(void) {
  uint32_t cat = wm__fn_index(f_cat), none = 0x7fffffff;
  struct {
    const uint32_t *fns;
    int n, token;
    uint32_t window;
  } bad[] = {{&cat, 0, 1, 4096},
             {&cat, 1, 0, 4096},
             {&cat, 1, 1, 0},
             {&cat, 1, 1, WM__MAX_WINDOW + 1}};
  for (int i = 0; i < 4; i++) {
    int cin, tin, cout, tout;
    js_ports(&cin, &tin, &cout, &tout);
    CHECK_EQ(stub_js_call(&(wm__js_req){.n = bad[i].n,
                                        .where = WM_HERE,
                                        .in_port = cin,
                                        .out_port = cout,
                                        .window = bad[i].window,
                                        .token = bad[i].token,
                                        .deadline = -1,
                                        .in_len = -1},
                          bad[i].fns, NULL, NULL),
             WM_EINVAL);
    CHECK(stub_peer_gone(tin) && stub_peer_gone(tout));
    stub_close(tin);
    stub_close(tout);
  }
  /* An unregistered index: refused, the ends closed with the reason, and
   * no result reported (an error return is the only answer). */
  int cin, tin, cout, tout;
  js_ports(&cin, &tin, &cout, &tout);
  CHECK_EQ(stub_js_call(&(wm__js_req){.n = 1,
                                      .where = WM_HERE,
                                      .in_port = cin,
                                      .out_port = cout,
                                      .window = 4096,
                                      .token = 1,
                                      .deadline = -1,
                                      .in_len = -1},
                        &none, NULL, NULL),
           WM_ENOFN);
  stub_run();
  expect_frame(tin, WM__F_RCLOSE, NULL, 0);
  uint8_t err[5];
  CHECK_EQ(stub_recv(tout, err, sizeof err), 5);
  CHECK_EQ(err[0], WM__F_ERR);
  CHECK_EQ((int8_t)err[1], WM_ENOFN);
  stub_post(tin, WM__F_EOF, NULL, 0);
  stub_post(tout, WM__F_RCLOSE, NULL, 0);
  stub_run();
  CHECK(stub_peer_gone(tin) && stub_peer_gone(tout));
  stub_close(tin);
  stub_close(tout);
}

/* An input known whole comes as bytes: the function reads them and EOF
 * with no input port; an input longer than the window, or bytes beside an
 * input port, is refused with the ports closed. */
static void js_call_inline_input(void) {
  const uint32_t fns[2] = {wm__fn_index(f_cat), wm__fn_index(f_upper)};
  for (int n = 1; n <= 2; n++) {
    int tout, cout = stub_channel(&tout);
    stub_give(cout);
    CHECK_EQ(stub_js_call(&(wm__js_req){.n = n,
                                        .where = WM_HERE,
                                        .in_port = -1,
                                        .out_port = cout,
                                        .window = 4096,
                                        .token = 3,
                                        .deadline = -1,
                                        .in_len = 2},
                          fns, (const uint8_t *)"hi", NULL),
             0);
    stub_run();
    expect_frame(tout, WM__F_DATA, n == 2 ? "HI" : "hi", 2);
    expect_frame(tout, WM__F_EOF, NULL, 0);
    stub_post(tout, WM__F_RCLOSE, NULL, 0);
    stub_run();
    int token, rc;
    CHECK(stub_done_take(&token, &rc));
    CHECK_EQ(token, 3);
    CHECK_EQ(rc, 0);
    CHECK(stub_peer_gone(tout));
    stub_close(tout);
  }
  static uint8_t big[4097];
  int tout, cout = stub_channel(&tout);
  stub_give(cout);
  CHECK_EQ(stub_js_call(&(wm__js_req){.n = 1,
                                      .where = WM_HERE,
                                      .in_port = -1,
                                      .out_port = cout,
                                      .window = 4096,
                                      .token = 4,
                                      .deadline = -1,
                                      .in_len = (int32_t)sizeof big},
                        fns, big, NULL),
           WM_EINVAL);
  CHECK(stub_peer_gone(tout));
  stub_close(tout);
  int cin, tin;
  js_ports(&cin, &tin, &cout, &tout);
  CHECK_EQ(stub_js_call(&(wm__js_req){.n = 1,
                                      .where = WM_HERE,
                                      .in_port = cin,
                                      .out_port = cout,
                                      .window = 4096,
                                      .token = 5,
                                      .deadline = -1,
                                      .in_len = 1},
                        fns, big, NULL),
           WM_EINVAL);
  CHECK(stub_peer_gone(tin) && stub_peer_gone(tout));
  stub_close(tin);
  stub_close(tout);
}

/* Regression, fixed: wm__js_call returns WM_ENOMEM without closing its ports
 * when it cannot allocate the function list, though its comment (and the JS
 * side) rely on "an error, in which case the ports are closed". */
static void js_call_nomem_closes_ports(void) {
  int cin, tin, cout, tout;
  js_ports(&cin, &tin, &cout, &tout);
  uint32_t cat = wm__fn_index(f_cat);
  failalloc_arm(0);
  int rc = stub_js_call(&(wm__js_req){.n = 1,
                                      .where = WM_HERE,
                                      .in_port = cin,
                                      .out_port = cout,
                                      .window = 4096,
                                      .token = 1,
                                      .deadline = -1,
                                      .in_len = -1},
                        &cat, NULL, NULL);
  CHECK(failalloc_disarm());
  CHECK_EQ(rc, WM_ENOMEM);
  CHECK(stub_peer_gone(tin));
  CHECK(stub_peer_gone(tout));
  stub_close(tin);
  stub_close(tout);
}

int main(int argc, char **argv) {
  static const test_case t[] = {
      TEST(go_errors_take_nothing, 0),
      TEST(js_call_inline_input, T_FIBER),
      TEST(go_result, T_FIBER),
      TEST(wait_semantics, T_FIBER),
      TEST(wait_deadline, T_FIBER),
      TEST(runtime_closes_output, T_FIBER),
      TEST(go_with_pipes, T_FIBER),
      TEST(nested_call, T_FIBER),
      TEST(chain_pipeline, T_FIBER),
      TEST(chain_stage_fails, T_FIBER),
      TEST(chain_errors_take_nothing, 0),
      TEST(go_nomem, T_FIBER | T_FAILALLOC),
      TEST(chain_nomem, T_FIBER | T_FAILALLOC),
      TEST(js_call_runs, T_FIBER),
      TEST(js_call_refused, 0),
      TEST(chain_bad_where, T_FIBER),
      TEST(finish_closes_reused_handle, T_FIBER),
      TEST(js_call_nomem_closes_ports, T_FAILALLOC),
  };
  return test_main(argc, argv, t, sizeof t / sizeof t[0]);
}
