/* sched_test.c: the cooperative scheduler (src/core/sched.c) on ucontext
 * fibers and the stub host's virtual clock: parking, waking, deadlines,
 * the fiber pool. */
#include "check.h"
#include "host_stub.h"
#include "rt.h"

static wm_call go_here(const char *name, wm_fn fn) {
  CHECK_EQ(wm_register(name, fn), 0);
  wm_opts o = WM_OPTS_INIT;
  o.where = WM_HERE;
  wm_call c;
  CHECK_EQ(wm_go(WM_PIPE_NONE, WM_PIPE_NONE, fn, &o, &c), 0);
  return c;
}

static void check_in_fiber(void) { CHECK(wm__in_fiber()); }

static void body_runs_in_fiber(void) {
  CHECK(!wm__in_fiber());
  in_fiber(check_in_fiber);
  CHECK(!wm__in_fiber());
}

static void blocking_outside_fiber(void) {
  wm__waitq q = {0};
  CHECK_EQ(wm__wait(&q, -1), WM_ENOTFIBER);
  CHECK_EQ(wm__wait(&q, wm_now() + 1000), WM_ENOTFIBER);
  CHECK_EQ(wm__wait(&q, 0), WM_ETIMEDOUT);
  CHECK(wm__waitq_empty(&q));
  wm_pipe r, w;
  CHECK_EQ(wm_pipe_make(&r, &w), 0);
  char c;
  CHECK_EQ(wm_read(r, &c, 1, -1), WM_ENOTFIBER);
  CHECK_EQ(wm_read(r, &c, 1, 0), WM_ETIMEDOUT);
  CHECK_EQ(wm_close(r), 0);
  CHECK_EQ(wm_close(w), 0);
}

static void timeout_body(void) {
  wm__waitq q = {0};
  int64_t t0 = wm_now();
  CHECK_EQ(wm__wait(&q, t0 + 250), WM_ETIMEDOUT);
  /* The virtual clock jumps exactly to the deadline. */
  CHECK_EQ(wm_now(), t0 + 250);
  CHECK(wm__waitq_empty(&q));
  /* A deadline already passed does not park at all. */
  CHECK_EQ(wm__wait(&q, t0), WM_ETIMEDOUT);
  CHECK_EQ(wm_now(), t0 + 250);
}

static void timeout_is_exact(void) {
  in_fiber(timeout_body);
  CHECK(stub_timer() < 0);
}

/* ---- several sleepers ---- */

static int64_t sleep_for[4];
static int started, woken[256], nwoken;
static int64_t woke_at[4];
static wm__waitq shared;

static int sleeper(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  int i = started++;
  wm__waitq q = {0};
  int rc = wm__wait(sleep_for[i] ? &q : &shared,
                    sleep_for[i] ? wm_now() + sleep_for[i] : -1);
  woken[nwoken++] = i;
  woke_at[i] = wm_now();
  return rc;
}

static void timers_fire_in_order(void) {
  const int64_t d[3] = {300, 100, 200};
  started = nwoken = 0;
  int64_t t0 = wm_now();
  wm_call c[3];
  for (int i = 0; i < 3; i++) {
    sleep_for[i] = d[i];
    c[i] = go_here("sleeper", sleeper);
  }
  stub_run();
  CHECK_EQ(nwoken, 3);
  CHECK_EQ(woken[0], 1);
  CHECK_EQ(woken[1], 2);
  CHECK_EQ(woken[2], 0);
  for (int i = 0; i < 3; i++) {
    CHECK_EQ(woke_at[i], t0 + d[i]);
    CHECK_EQ(wm_wait(c[i], 0), WM_ETIMEDOUT);
  }
  CHECK(stub_timer() < 0);
}

static void wake_all_before_deadline(void) {
  started = nwoken = 0;
  sleep_for[0] = 0; /* forever, on the shared queue */
  sleep_for[1] = 0;
  sleep_for[2] = 1000;
  wm_call c[3];
  for (int i = 0; i < 3; i++) c[i] = go_here("sleeper", sleeper);
  int64_t t0 = wm_now();
  stub_run_until(t0 + 10);
  CHECK_EQ(started, 3);
  CHECK_EQ(nwoken, 0);
  CHECK_EQ(stub_timer(), (double)(t0 + 1000));
  wm__wake_all(&shared);
  CHECK(wm__waitq_empty(&shared));
  stub_run_until(t0 + 20);
  CHECK_EQ(nwoken, 2);
  CHECK_EQ(wm_wait(c[0], 0), 0);
  CHECK_EQ(wm_wait(c[1], 0), 0);
  CHECK_EQ(wm_wait(c[2], 0), WM_ETIMEDOUT); /* not done yet */
  stub_run();
  CHECK_EQ(woke_at[2], t0 + 1000);
  CHECK_EQ(wm_wait(c[2], 0), WM_ETIMEDOUT); /* its own result */
  CHECK(stub_timer() < 0);
}

/* ---- the pool ---- */

static int noop(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  return 0;
}

static void pool_reuses_fibers(void) {
  wm_stats s0, s;
  wm_call c = go_here("noop", noop);
  stub_run();
  CHECK_EQ(wm_wait(c, 0), 0);
  CHECK_EQ(wm_get_stats(&s0), 0);
  for (int i = 0; i < 100; i++) {
    c = go_here("noop", noop);
    stub_run();
    CHECK_EQ(wm_wait(c, 0), 0);
  }
  CHECK_EQ(wm_get_stats(&s), 0);
  CHECK_EQ(s.fibers, s0.fibers);
}

/* More fibers than the pool holds: the extra ones are freed as they end. */
static void beyond_the_pool(void) {
  enum {
    N = 150
  };
  static wm_call c[N];
  started = nwoken = 0;
  for (int i = 0; i < N; i++) {
    sleep_for[0] = 0;
    started = 0; /* every sleeper reads slot 0: forever on the shared queue */
    c[i] = go_here("sleeper", sleeper);
    stub_run();
  }
  wm_stats s;
  CHECK_EQ(wm_get_stats(&s), 0);
  CHECK(s.fibers >= N);
  CHECK_EQ(s.fibers_busy, N);
  CHECK_EQ(s.running, N);
  wm__wake_all(&shared);
  stub_run();
  for (int i = 0; i < N; i++) CHECK_EQ(wm_wait(c[i], 0), 0);
  CHECK_EQ(wm_get_stats(&s), 0);
  CHECK_EQ(s.fibers, 64);
  CHECK_EQ(s.fibers_busy, 0);
}

/* ---- many switches ---- */

static wm_pipe ping_r, ping_w, pong_r, pong_w;

static int ponger(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  uint32_t v;
  for (;;) {
    ssize_t n = wm_read(ping_r, &v, sizeof v, -1);
    if (n == 0) break;
    CHECK_EQ(n, sizeof v);
    v++;
    CHECK_EQ(wm_write(pong_w, &v, sizeof v, -1), 0);
  }
  CHECK_EQ(wm_close(ping_r), 0);
  CHECK_EQ(wm_close(pong_w), 0);
  return 0;
}

static void pinger(void) {
  for (uint32_t i = 0; i < 5000; i++) {
    uint32_t v = i * 2;
    CHECK_EQ(wm_write(ping_w, &v, sizeof v, -1), 0);
    CHECK_EQ(wm_read(pong_r, &v, sizeof v, -1), sizeof v);
    CHECK_EQ(v, i * 2 + 1);
  }
  CHECK_EQ(wm_close(ping_w), 0);
  uint32_t v;
  CHECK_EQ(wm_read(pong_r, &v, sizeof v, -1), 0);
  CHECK_EQ(wm_close(pong_r), 0);
}

static void ping_pong(void) {
  CHECK_EQ(wm__pipe_new(&ping_r, &ping_w, 4), 0);
  CHECK_EQ(wm__pipe_new(&pong_r, &pong_w, 4), 0);
  wm_call c = go_here("ponger", ponger);
  in_fiber(pinger);
  stub_run();
  CHECK_EQ(wm_wait(c, 0), 0);
}

/* Deep recursion must fit the fiber stack that ctx_ucontext.c gives. */
static int depth(int n) {
  volatile char pad[512];
  pad[0] = (char)n;
  return n ? depth(n - 1) + pad[0] - (char)n + 1 : 0;
}

static void deep(void) { CHECK_EQ(depth(200), 200); }

static void deep_stack(void) { in_fiber(deep); }

int main(int argc, char **argv) {
  static const test_case t[] = {
      TEST(body_runs_in_fiber, T_FIBER),
      TEST(blocking_outside_fiber, 0),
      TEST(timeout_is_exact, T_FIBER),
      TEST(timers_fire_in_order, T_FIBER),
      TEST(wake_all_before_deadline, T_FIBER),
      TEST(pool_reuses_fibers, T_FIBER),
      TEST(beyond_the_pool, T_FIBER),
      TEST(ping_pong, T_FIBER),
      TEST(deep_stack, T_FIBER),
  };
  return test_main(argc, argv, t, sizeof t / sizeof t[0]);
}
