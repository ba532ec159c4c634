/* service_test.c: services (src/core/service.c) in one instance: wm_ready,
 * wm_start, wm_halt, wm_start_all and wm_halt_all on a main instance without
 * workers, with every service started WM_HERE in a fiber of this instance.
 * A call running here cannot be stopped by force, so a halt whose grace runs
 * out must report WM_ETIMEDOUT and keep the handle, and no KILL may go out. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "host_stub.h"
#include "rt.h"

static const wm_opts here = {-1, WM_HERE, 0};

/* The services leave a trail: a capital letter when one starts, the small
 * letter when it sees its halt, so that a case can check the order of both
 * across a group. */
static char trail[64];
static size_t ntrail;

static void note(char c) {
  CHECK(ntrail + 1 < sizeof trail);
  trail[ntrail++] = c;
  trail[ntrail] = 0;
}

static void trail_is_at(int line, const char *want) {
  if (strcmp(trail, want) != 0) {
    char why[160];
    snprintf(why, sizeof why, "got \"%s\", want \"%s\"", trail, want);
    check_fail(__FILE__, line, "trail", why);
  }
  ntrail = 0;
  trail[0] = 0;
}
#define trail_is(want) trail_is_at(__LINE__, want)

/* Nothing ever wakes idle: a service parked there waits for its halt. */
static wm__waitq idle;

/* serve is a well-behaved service: ready at once, serving until halted,
 * and then returning result. */
static int serve(char name, int result) {
  note(name);
  CHECK_EQ(wm_ready(), 0);
  CHECK_EQ(wm_ready(), 0); /* later calls do nothing */
  CHECK_EQ(wm__wait(&idle, -1), WM_ECANCELED);
  note((char)(name - 'A' + 'a'));
  return result;
}

static int svc_a(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  return serve('A', WM_ECANCELED);
}
WM_EXPORT(svc_a)

static int svc_b(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  return serve('B', WM_ECANCELED);
}
WM_EXPORT(svc_b)

static int svc_c(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  return serve('C', WM_ECANCELED);
}
WM_EXPORT(svc_c)

/* svc_zero shuts down cleanly when halted; svc_err and svc_seven report a
 * failure of their own then. */
static int svc_zero(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  return serve('Z', 0);
}
WM_EXPORT(svc_zero)

static int svc_err(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  return serve('E', -1000);
}
WM_EXPORT(svc_err)

static int svc_seven(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  return serve('S', 7);
}
WM_EXPORT(svc_seven)

static int g_ret;

/* svc_early ends with g_ret before it is ready. */
static int svc_early(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  note('X');
  return g_ret;
}
WM_EXPORT(svc_early)

/* svc_never never gets ready, but does end when halted. */
static int svc_never(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  note('N');
  int rc = wm__wait(&idle, -1);
  note('n');
  return rc;
}
WM_EXPORT(svc_never)

/* svc_park waits for its halt and leaves no trail: a filler. */
static int svc_park(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  return wm__wait(&idle, -1);
}
WM_EXPORT(svc_park)

/* svc_input serves its input: ready, then reading until halted. It makes
 * nothing, so that under allocation failure only wm_start allocates. */
static int svc_input(wm_pipe in, wm_pipe out) {
  (void)out;
  CHECK_EQ(wm_ready(), 0);
  char b;
  return (int)wm_read(in, &b, 1, -1);
}
WM_EXPORT(svc_input)

/* svc_later is ready, serves for 10 ms, then ends by itself with g_ret. */
static int svc_later(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  CHECK_EQ(wm_ready(), 0);
  CHECK_EQ(wm__wait(&idle, wm_now() + 10), WM_ETIMEDOUT);
  return g_ret;
}
WM_EXPORT(svc_later)

/* svc_ready_end is ready and ends with g_ret in the same turn. */
static int svc_ready_end(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  CHECK_EQ(wm_ready(), 0);
  return g_ret;
}
WM_EXPORT(svc_ready_end)

/* A stubborn service ignores its halt: it waits on gate, which
 * cancellation cannot cut short (wm__wait_hold), until the test releases
 * it. A function that only used the public blocking calls could not do
 * this: once cancelled, each of them returns at once. */
static wm__waitq gate;
static int released;

static int stubborn(int ready) {
  note('T');
  if (ready) CHECK_EQ(wm_ready(), 0);
  while (!released)
    if (wm__wait_hold(&gate) == WM_ECANCELED) note('t');
  return 77;
}

static int svc_stubborn(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  return stubborn(1);
}
WM_EXPORT(svc_stubborn)

static int svc_stubborn_never(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  return stubborn(0);
}
WM_EXPORT(svc_stubborn_never)

static int svc_unexported(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  return 0;
}

static void release_stubborn(void) {
  released = 1;
  wm__wake_all(&gate);
}

/* ---- helpers ---- */

/* ends_work checks that r and w are still open, connected ends. */
static void ends_work(wm_pipe r, wm_pipe w) {
  char b[2];
  CHECK_EQ(wm_write(w, "ok", 2, 0), 0);
  CHECK_EQ(wm_read(r, b, 2, 0), 2);
}

static void close_both(wm_pipe a, wm_pipe b) {
  CHECK_EQ(wm_close(a), 0);
  CHECK_EQ(wm_close(b), 0);
}

static wm_stats stats(void) {
  wm_stats s;
  CHECK_EQ(wm_get_stats(&s), 0);
  return s;
}

/* only_body checks, from a test body run by in_fiber, that nothing but the
 * body's own call is alive: services started and halted left nothing. */
static void only_body(void) {
  wm_stats s = stats();
  CHECK_EQ(s.calls, 1);
  CHECK_EQ(s.running, 1);
  CHECK_EQ(s.fibers_busy, 1);
}

/* ends_closed checks the test's far ends of a service's input (its writer
 * w) and output (its reader r): both were closed on the service's side, the
 * output with err (0 for EOF). Then it closes them. */
static void ends_closed(wm_pipe w, wm_pipe r, int err) {
  char b;
  CHECK_EQ(wm_write(w, "x", 1, 0), WM_EPIPE);
  CHECK_EQ(wm_read(r, &b, 1, 0), err);
  close_both(w, r);
}

/* ---- without fibers ---- */

static void ready_outside_function(void) { CHECK_EQ(wm_ready(), WM_ENOTFIBER); }

/* What wm_go refuses, wm_start refuses: nothing is taken and no call made. */
static void start_refused_takes_nothing(void) {
  wm_pipe r, w, r2, w2;
  CHECK_EQ(wm_pipe_make(&r, &w), 0);
  CHECK_EQ(wm_pipe_make(&r2, &w2), 0);
  wm_call c = {0};
  const wm_opts bad = {-1, -5, 0};
  CHECK_EQ(wm_start(r, w2, svc_unexported, &here, &c, -1), WM_ENOFN);
  CHECK_EQ(wm_start(r, w2, NULL, &here, &c, -1), WM_ENOFN);
  CHECK_EQ(wm_start(r, w2, svc_a, &bad, &c, -1), WM_EINVAL);
  CHECK_EQ(wm_start(w, w2, svc_a, &here, &c, -1), WM_EPERM);
  CHECK_EQ(wm_start(r, (wm_pipe){4242}, svc_a, &here, &c, -1), WM_EBADF);
  CHECK_EQ(wm_start(r, w2, svc_a, &here, NULL, -1), WM_EINVAL);
  CHECK_EQ(c.id, 0);
  ends_work(r, w);
  ends_work(r2, w2);
  close_both(r, w);
  close_both(r2, w2);
}

static void halt_bad_args(void) {
  wm_call cs[2] = {{0}, {4242}};
  CHECK_EQ(wm_halt(cs[0], 0), WM_EBADF);
  CHECK_EQ(wm_halt(cs[1], 0), WM_EBADF);
  CHECK_EQ(wm_halt_all(cs, 0, 0), 0);
  CHECK_EQ(wm_halt_all(cs, 2, 0), WM_EBADF);
  wm_service sv = {svc_a, WM_PIPE_NONE, WM_PIPE_NONE};
  CHECK_EQ(wm_start_all(NULL, 1, &here, cs, -1), WM_EINVAL);
  CHECK_EQ(wm_start_all(&sv, 1, &here, NULL, -1), WM_EINVAL);
}

/* The first service is refused by wm_go: start_all starts none, and closes
 * every service's ends, the refused one's too (it never took them). */
static void start_all_first_refused(void) {
  wm_pipe in[2], in_w[2], out[2], out_r[2];
  for (int i = 0; i < 2; i++) {
    CHECK_EQ(wm_pipe_make(&in[i], &in_w[i]), 0);
    CHECK_EQ(wm_pipe_make(&out_r[i], &out[i]), 0);
  }
  wm_service sv[2] = {{svc_unexported, in[0], out[0]}, {svc_a, in[1], out[1]}};
  wm_call cs[2] = {{0}, {0}};
  CHECK_EQ(wm_start_all(sv, 2, &here, cs, -1), WM_ENOFN);
  for (int i = 0; i < 2; i++) {
    CHECK_EQ(wm_close(in[i]), WM_EBADF);
    CHECK_EQ(wm_close(out[i]), WM_EBADF);
    ends_closed(in_w[i], out_r[i], 0);
  }
  trail_is("");
}

/* ---- wm_start and wm_halt ---- */

static void start_ready_halt_body(void) {
  int64_t t0 = wm_now();
  uint32_t refused = stats().refused;
  wm_call c;
  CHECK_EQ(wm_start(WM_PIPE_NONE, WM_PIPE_NONE, svc_a, &here, &c, t0 + 100), 0);
  CHECK_EQ(wm_now(), t0); /* ready at once: no time passed */
  trail_is("A");
  CHECK_EQ(stats().running, 2);
  CHECK_EQ(wm_wait(c, 0), WM_ETIMEDOUT); /* serving */
  CHECK_EQ(wm_halt(c, t0 + 100), WM_ECANCELED);
  CHECK_EQ(wm_now(), t0); /* it ended as soon as it was cancelled */
  trail_is("a");
  CHECK_EQ(wm_wait(c, 0), WM_EBADF); /* freed with the result */
  CHECK_EQ(wm_halt(c, 0), WM_EBADF);
  /* The second wm_ready sent nothing: a second READY would be refused. */
  CHECK_EQ(stats().refused, refused);
  only_body();
}

static void start_ready_halt(void) {
  int kills = stub_kills;
  in_fiber(start_ready_halt_body);
  CHECK_EQ(stub_kills, kills);
}

/* wm_halt returns what the service returned when it saw the halt. */
static void halt_returns_result_body(void) {
  const wm_fn fns[] = {svc_zero, svc_err, svc_seven};
  const int want[] = {0, -1000, 7};
  for (int i = 0; i < 3; i++) {
    wm_call c;
    CHECK_EQ(wm_start(WM_PIPE_NONE, WM_PIPE_NONE, fns[i], &here, &c, -1), 0);
    CHECK_EQ(wm_halt(c, wm_now() + 100), want[i]);
    CHECK_EQ(wm_wait(c, 0), WM_EBADF);
  }
  trail_is("ZzEeSs");
  only_body();
}

static void halt_returns_result(void) { in_fiber(halt_returns_result_body); }

/* A service that ends before it is ready fails its start with its result,
 * or WM_EEARLY for 0; its call is over and freed, and it took its ends. */
static void start_ends_early_body(void) {
  const int results[] = {0, -1000, 5};
  const int want[] = {WM_EEARLY, -1000, 5};
  for (int i = 0; i < 3; i++) {
    wm_pipe in, in_w, out, out_r;
    CHECK_EQ(wm_pipe_make(&in, &in_w), 0);
    CHECK_EQ(wm_pipe_make(&out_r, &out), 0);
    g_ret = results[i];
    wm_call c;
    CHECK_EQ(wm_start(in, out, svc_early, &here, &c, -1), want[i]);
    trail_is("X");
    CHECK_EQ(wm_wait(c, 0), WM_EBADF);
    CHECK_EQ(wm_close(in), WM_EBADF);
    /* The runtime closed its output with the result, if negative. */
    ends_closed(in_w, out_r, results[i] < 0 ? results[i] : 0);
  }
  only_body();
}

static void start_ends_early(void) { in_fiber(start_ends_early_body); }

/* A service that ends by itself after it was ready started well: wm_wait
 * (or wm_halt, after the end) reports its result. */
static void start_then_ends_by_itself_body(void) {
  for (int i = 0; i < 2; i++) {
    g_ret = 5;
    wm_call c;
    int64_t t0 = wm_now();
    CHECK_EQ(wm_start(WM_PIPE_NONE, WM_PIPE_NONE, svc_later, &here, &c, -1), 0);
    if (i == 0) {
      CHECK_EQ(wm_wait(c, -1), 5);
    } else {
      CHECK_EQ(wm__wait(&idle, t0 + 20), WM_ETIMEDOUT);
      CHECK_EQ(wm_halt(c, wm_now() + 100), 5);
    }
    CHECK_EQ(wm_wait(c, 0), WM_EBADF);
  }
  only_body();
}

static void start_then_ends_by_itself(void) {
  in_fiber(start_then_ends_by_itself_body);
}

/* A service not ready by the deadline is halted and its start fails with
 * WM_ETIMEDOUT. This one honours its halt, so no grace is used. */
static void start_deadline_halts_body(void) {
  int64_t t0 = wm_now();
  wm_call c;
  CHECK_EQ(wm_start(WM_PIPE_NONE, WM_PIPE_NONE, svc_never, &here, &c, t0 + 30),
           WM_ETIMEDOUT);
  CHECK_EQ(wm_now(), t0 + 30);
  trail_is("Nn");
  CHECK_EQ(wm_wait(c, 0), WM_EBADF);
  /* A deadline of 0 does not wait at all: the service has not even run. */
  CHECK_EQ(wm_start(WM_PIPE_NONE, WM_PIPE_NONE, svc_never, &here, &c, 0),
           WM_ETIMEDOUT);
  CHECK_EQ(wm_now(), t0 + 30);
  trail_is("Nn");
  CHECK_EQ(wm_wait(c, 0), WM_EBADF);
  only_body();
}

static void start_deadline_halts(void) { in_fiber(start_deadline_halts_body); }

/* A service in this instance that ignores its halt cannot be stopped by
 * force: wm_halt waits out the grace, returns WM_ETIMEDOUT and keeps the
 * handle, which can be halted again or waited for. */
static void halt_stubborn_body(void) {
  released = 0;
  int64_t t0 = wm_now();
  wm_call c;
  CHECK_EQ(wm_start(WM_PIPE_NONE, WM_PIPE_NONE, svc_stubborn, &here, &c, -1),
           0);
  CHECK_EQ(wm_halt(c, t0 + 50), WM_ETIMEDOUT);
  CHECK_EQ(wm_now(), t0 + 50); /* the whole grace, and not a moment more */
  trail_is("Tt");
  CHECK_EQ(wm_wait(c, 0), WM_ETIMEDOUT); /* the handle is still valid */
  CHECK_EQ(stats().running, 2);
  CHECK_EQ(wm_halt(c, t0 + 80), WM_ETIMEDOUT);
  CHECK_EQ(wm_now(), t0 + 80);
  trail_is(""); /* cancelled once: the second halt did not wake it */
  release_stubborn();
  CHECK_EQ(wm_wait(c, -1), 77);
  CHECK_EQ(wm_now(), t0 + 80);
  only_body();
}

static void halt_stubborn(void) {
  int kills = stub_kills;
  in_fiber(halt_stubborn_body);
  CHECK_EQ(stub_kills, kills); /* no KILL for a call in this instance */
}

/* ---- wm_start_all and wm_halt_all ---- */

static wm_service svc(wm_fn fn) {
  wm_service s = {fn, WM_PIPE_NONE, WM_PIPE_NONE};
  return s;
}

static void start_all_ok_body(void) {
  const wm_service sv[3] = {svc(svc_a), svc(svc_b), svc(svc_c)};
  wm_call cs[3];
  CHECK_EQ(wm_start_all(sv, 3, &here, cs, -1), 0);
  trail_is("ABC");
  CHECK_EQ(stats().running, 4);
  CHECK_EQ(wm_halt_all(cs, 3, wm_now() + 100), 0);
  trail_is("cba");
  for (int i = 0; i < 3; i++) CHECK_EQ(wm_wait(cs[i], 0), WM_EBADF);
  only_body();
}

static void start_all_ok(void) { in_fiber(start_all_ok_body); }

/* Services 2 and 3 of 4 have pipe ends: fail[0..1] and never[0..1] are
 * their input and output, and the *_far arrays the test's other ends. */
static wm_pipe fail_ends[2], fail_far[2], never_ends[2], never_far[2];

static void make_ends(wm_pipe *ends, wm_pipe *far) {
  CHECK_EQ(wm_pipe_make(&ends[0], &far[0]), 0);
  CHECK_EQ(wm_pipe_make(&far[1], &ends[1]), 0);
}

/* start_all_failing starts a, b, then fn (which fails to start with want),
 * then c, which never starts, and checks what is left: a and b halted in
 * reverse order, c's ends closed, fn's taken or closed; fn_out is what the
 * far end of fn's output reads. */
static void start_all_failing(wm_fn fn, int64_t deadline, int want,
                              int fn_out) {
  make_ends(fail_ends, fail_far);
  make_ends(never_ends, never_far);
  const wm_service sv[4] = {svc(svc_a),
                            svc(svc_b),
                            {fn, fail_ends[0], fail_ends[1]},
                            {svc_c, never_ends[0], never_ends[1]}};
  wm_call cs[4];
  CHECK_EQ(wm_start_all(sv, 4, &here, cs, deadline), want);
  for (int i = 0; i < 2; i++) {
    CHECK_EQ(wm_wait(cs[i], 0), WM_EBADF); /* halted and freed */
    CHECK_EQ(wm_close(fail_ends[i]), WM_EBADF);
    CHECK_EQ(wm_close(never_ends[i]), WM_EBADF);
  }
  ends_closed(fail_far[0], fail_far[1], fn_out);
  ends_closed(never_far[0], never_far[1], 0);
  only_body();
}

static void start_all_fails_halfway_body(void) {
  g_ret = -1000;
  start_all_failing(svc_early, -1, -1000, -1000);
  trail_is("ABXba");
}

static void start_all_fails_halfway(void) {
  in_fiber(start_all_fails_halfway_body);
}

/* The third service is refused by wm_go: its ends, never taken, are closed
 * with those of the fourth. */
static void start_all_refused_halfway_body(void) {
  start_all_failing(svc_unexported, -1, WM_ENOFN, 0);
  trail_is("ABba");
}

static void start_all_refused_halfway(void) {
  in_fiber(start_all_refused_halfway_body);
}

/* The third service is not ready by the deadline: it is halted first, then
 * the two before it. */
static void start_all_deadline_body(void) {
  int64_t t0 = wm_now();
  start_all_failing(svc_never, t0 + 30, WM_ETIMEDOUT, WM_ECANCELED);
  CHECK_EQ(wm_now(), t0 + 30);
  trail_is("ABNnba");
}

static void start_all_deadline(void) { in_fiber(start_all_deadline_body); }

/* halt_all halts every service, from the last, and returns the first
 * result, in that order, that is neither 0 nor WM_ECANCELED. */
static int halt_group(const wm_fn *fns, size_t n) {
  wm_service sv[4];
  wm_call cs[4];
  for (size_t i = 0; i < n; i++) sv[i] = svc(fns[i]);
  CHECK_EQ(wm_start_all(sv, n, &here, cs, -1), 0);
  int rc = wm_halt_all(cs, n, wm_now() + 100);
  for (size_t i = 0; i < n; i++) CHECK_EQ(wm_wait(cs[i], 0), WM_EBADF);
  return rc;
}

static void halt_all_result_rule_body(void) {
  const wm_fn two_errors[] = {svc_a, svc_err, svc_b, svc_seven};
  CHECK_EQ(halt_group(two_errors, 4), 7);
  trail_is("AEBSsbea");
  const wm_fn error_last[] = {svc_err, svc_a, svc_b};
  CHECK_EQ(halt_group(error_last, 3), -1000);
  trail_is("EABbae");
  const wm_fn clean[] = {svc_a, svc_zero, svc_b};
  CHECK_EQ(halt_group(clean, 3), 0);
  trail_is("AZBbza");
  /* A handle that cannot be halted is an error too, and the others are
   * still halted. */
  wm_call cs[2];
  CHECK_EQ(wm_start(WM_PIPE_NONE, WM_PIPE_NONE, svc_a, &here, &cs[0], -1), 0);
  cs[1].id = 4242;
  CHECK_EQ(wm_halt_all(cs, 2, wm_now() + 100), WM_EBADF);
  CHECK_EQ(wm_wait(cs[0], 0), WM_EBADF);
  trail_is("Aa");
  only_body();
}

static void halt_all_result_rule(void) { in_fiber(halt_all_result_rule_body); }

/* ---- out of memory ---- */

static void start_nomem_with(void (*arm)(long)) {
  wm_stats base = stats();
  for (long k = 0;; k++) {
    wm_pipe in, in_w;
    CHECK_EQ(wm_pipe_make(&in, &in_w), 0);
    wm_call c;
    arm(k);
    int rc = wm_start(in, WM_PIPE_NONE, svc_input, &here, &c, -1);
    int hit = failalloc_disarm();
    if (rc) {
      /* Refused by wm_go: the input is still the caller's. */
      CHECK_EQ(rc, WM_ENOMEM);
      ends_work(in, in_w);
      close_both(in, in_w);
    } else {
      CHECK_EQ(wm_halt(c, wm_now() + 100), WM_ECANCELED);
      CHECK_EQ(wm_write(in_w, "x", 1, 0), WM_EPIPE);
      CHECK_EQ(wm_close(in_w), 0);
    }
    wm_stats s = stats();
    CHECK_EQ(s.calls, base.calls);
    CHECK_EQ(s.running, base.running);
    CHECK_EQ(s.fibers_busy, base.fibers_busy);
    CHECK_EQ(s.pipes, base.pipes);
    if (!hit) break;
  }
}

/* With a spare fiber in the pool; without one, see
 * start_nomem_no_spare_fiber. */
static void start_nomem_body(void) {
  wm_call c;
  CHECK_EQ(wm_start(WM_PIPE_NONE, WM_PIPE_NONE, svc_a, &here, &c, -1), 0);
  CHECK_EQ(wm_halt(c, wm_now() + 100), WM_ECANCELED);
  trail_is("Aa");
  start_nomem_with(failalloc_arm);
  start_nomem_with(failalloc_arm_one);
  only_body();
}

static void start_nomem(void) { in_fiber(start_nomem_body); }

/* ---- regressions ---- */

/* Regression (wm__wait_ready in call.c), fixed: a service that calls
 * wm_ready() and then returns before its starter has run failed its start
 * as if it had ended before it was ready (WM_EEARLY, the call freed):
 * "done" was looked at before "ready". wmesh.h promises that error only
 * for a function that "ended before it was ready", and the JS side
 * (mesh.start) resolves on READY, which arrives first. Across workers the
 * outcome would have depended on whether READY and DONE reach the caller
 * in one turn. */
static void start_ready_then_end_body(void) {
  g_ret = 0;
  wm_call c;
  CHECK_EQ(wm_start(WM_PIPE_NONE, WM_PIPE_NONE, svc_ready_end, &here, &c, -1),
           0);
  CHECK_EQ(wm_wait(c, 0), 0);
}

static void start_ready_then_end(void) { in_fiber(start_ready_then_end_body); }

/* Regression (service.c, start), fixed: when wm_start's deadline passes
 * and the service, running in this instance, also ignores the halt,
 * wm_halt returns WM_ETIMEDOUT with the handle still valid, and wm_start
 * returned WM_ETIMEDOUT without saying so. wmesh.h says that on failure the
 * call is freed: the caller cannot know it holds a live call, which stayed
 * until the caller's own function returned. Now the start lets go of it:
 * the handle is dead, and the call is freed when the function returns. */
static void start_timeout_stubborn_body(void) {
  released = 0;
  int64_t t0 = wm_now();
  wm_call c;
  CHECK_EQ(wm_start(WM_PIPE_NONE, WM_PIPE_NONE, svc_stubborn_never, &here, &c,
                    t0 + 30),
           WM_ETIMEDOUT);
  CHECK_EQ(wm_now(), t0 + 30 + WM__GRACE_MS);
  release_stubborn();
  CHECK_EQ(wm_wait(c, 0), WM_EBADF);
}

static void start_timeout_stubborn(void) {
  in_fiber(start_timeout_stubborn_body);
}

/* Regression (service.c, start), fixed: outside any function wm_start
 * cannot block, yet it first handed the ends to wm_go and started the
 * call, then returned WM_ENOTFIBER from the wait: the ends were gone and a
 * call was left running that the caller was told failed. wmesh.h: "A call
 * that returns an error leaves every handle it was given as it was". With
 * a deadline of 0 it returns WM_ETIMEDOUT (its halt cannot wait either),
 * and left the cancelled call object alive until someone waited for it,
 * which a caller told that the call is over will not do. */
static void start_outside_fiber(void) {
  wm_pipe in, in_w;
  CHECK_EQ(wm_pipe_make(&in, &in_w), 0);
  wm_call c = {0};
  CHECK_EQ(wm_start(in, WM_PIPE_NONE, svc_input, &here, &c, -1), WM_ENOTFIBER);
  ends_work(in, in_w);
  close_both(in, in_w);
  stub_run();
}

/* Regression (call.c, run_here, reached through wm_start and wm_go),
 * fixed: when no pooled fiber is spare, wm__spawn allocates; when that
 * failed, the call was refused with WM_ENOMEM after its ends had been given
 * new handles, so the caller's handles were dead (WM_EBADF) and the ends
 * were left over for good, owned by a job that never ran. wmesh.h: an
 * error leaves every handle as it was. wm_subscribe, which closes the ends
 * it gave wm_go when wm_go fails, then closed dead handles and left two
 * pipe ends behind. In the wasi test build, where no fiber can be made,
 * every wm_go WM_HERE with ends did this. */
static void start_nomem_no_spare_fiber_body(void) {
  /* Take every pooled fiber, so that the next start must make one. */
  wm_stats s = stats();
  uint32_t spare = s.fibers - s.fibers_busy;
  wm_call held[64];
  CHECK(spare <= 64);
  for (uint32_t i = 0; i < spare; i++)
    CHECK_EQ(wm_go(WM_PIPE_NONE, WM_PIPE_NONE, svc_park, &here, &held[i]), 0);
  start_nomem_with(failalloc_arm_one);
  for (uint32_t i = 0; i < spare; i++)
    CHECK_EQ(wm_halt(held[i], wm_now() + 100), WM_ECANCELED);
}

static void start_nomem_no_spare_fiber(void) {
  in_fiber(start_nomem_no_spare_fiber_body);
}

int main(int argc, char **argv) {
  static const test_case t[] = {
      TEST(ready_outside_function, 0),
      TEST(start_refused_takes_nothing, 0),
      TEST(halt_bad_args, 0),
      TEST(start_all_first_refused, 0),
      TEST(start_ready_halt, T_FIBER),
      TEST(halt_returns_result, T_FIBER),
      TEST(start_ends_early, T_FIBER),
      TEST(start_then_ends_by_itself, T_FIBER),
      TEST(start_deadline_halts, T_FIBER),
      TEST(halt_stubborn, T_FIBER),
      TEST(start_all_ok, T_FIBER),
      TEST(start_all_fails_halfway, T_FIBER),
      TEST(start_all_refused_halfway, T_FIBER),
      TEST(start_all_deadline, T_FIBER),
      TEST(halt_all_result_rule, T_FIBER),
      TEST(start_nomem, T_FIBER | T_FAILALLOC),
      TEST(start_ready_then_end, T_FIBER),
      TEST(start_timeout_stubborn, T_FIBER),
      TEST(start_outside_fiber, T_FIBER),
      TEST(start_nomem_no_spare_fiber, T_FIBER | T_FAILALLOC),
  };
  return test_main(argc, argv, t, sizeof t / sizeof t[0]);
}
