/* coord_test.c: the coordinator (src/core/coord.c) of a main instance with
 * two workers of one call each and a queue of two. The test plays the
 * workers: it takes the CALL frames the core sends and answers with DONE. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "host_stub.h"
#include "registry.h"
#include "rt.h"

static int f_remote(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  return 0;
}
WM_EXPORT(f_remote)

/* A call as a worker received it. */
typedef struct got {
  int dest;
  wm__callmsg m;
  uint8_t *frame;
  int ports[2], nports;
} got;

static int take_call(got *g) {
  stub_ctrl c;
  if (!stub_ctrl_take(&c)) return 0;
  g->dest = c.dest;
  g->frame = c.p;
  g->nports = c.nports;
  memcpy(g->ports, c.ports, sizeof g->ports);
  CHECK_EQ(wm__dec_call(c.p, c.n, (unsigned)c.nports, &g->m), 0);
  return 1;
}

static got expect_call(int dest) {
  got g;
  CHECK(take_call(&g));
  CHECK_EQ(g.dest, dest);
  CHECK_EQ(g.m.fn, wm__fn_index(f_remote));
  return g;
}

static void done_from(int worker, uint32_t id, int rc) {
  uint8_t b[12];
  wm__enc_done(b, id, rc);
  stub_ctrl_deliver(worker, b, sizeof b, NULL, 0);
}

/* finish answers a received call: its ends close (the worker side of each
 * handshake) and DONE goes back. */
static void finish(got *g, int rc) {
  if (g->m.in.flags & WM__D_PORT)
    stub_post(g->ports[g->m.in.port], WM__F_RCLOSE, NULL, 0);
  if (g->m.out.flags & WM__D_PORT)
    stub_post(g->ports[g->m.out.port], WM__F_EOF, NULL, 0);
  done_from(g->dest, g->m.id, rc);
  stub_run();
  free(g->frame);
}

/* close_ports closes the test's ports of a call once the core's side is
 * done with them. */
static void close_ports(got *g) {
  for (int i = 0; i < g->nports; i++) {
    CHECK(stub_peer_gone(g->ports[i]));
    stub_close(g->ports[i]);
  }
}

static wm_call go(int where, int64_t deadline) {
  wm_opts o = {deadline, where, 0};
  wm_call c;
  CHECK_EQ(wm_go(WM_PIPE_NONE, WM_PIPE_NONE, f_remote, &o, &c), 0);
  /* As an entry point does: a call refused at once is answered from the
   * scheduler's run, never inside wm_go. */
  wm__run_entry();
  return c;
}

static uint32_t stat_queued(void) {
  wm_stats s;
  CHECK_EQ(wm_get_stats(&s), 0);
  return s.queued;
}

static uint32_t refused(void) {
  wm_stats s;
  CHECK_EQ(wm_get_stats(&s), 0);
  return s.refused;
}

static void dispatch_and_done(void) {
  wm_call c = go(WM_ANY, -1);
  got g = expect_call(1);
  CHECK_EQ(g.m.where, WM_ANY);
  CHECK_EQ(g.m.deadline, -1);
  CHECK_EQ(g.nports, 0);
  CHECK_EQ(wm_wait(c, 0), WM_ETIMEDOUT);
  finish(&g, 7);
  CHECK_EQ(wm_wait(c, 0), 7);
}

static void least_loaded_then_queue(void) {
  wm_call a = go(WM_ANY, -1), b = go(WM_ANY, -1);
  got ga = expect_call(1), gb = expect_call(2);
  wm_call c = go(WM_ANY, -1), d = go(WM_ANY, -1);
  got none;
  CHECK(!take_call(&none));
  CHECK_EQ(stat_queued(), 2);
  wm_call e = go(WM_ANY, -1); /* the queue is full */
  CHECK_EQ(wm_wait(e, 0), WM_EBUSY);
  finish(&ga, 1);
  got gc = expect_call(1); /* oldest first, where there is room */
  CHECK_EQ(stat_queued(), 1);
  finish(&gb, 2);
  got gd = expect_call(2);
  CHECK_EQ(stat_queued(), 0);
  finish(&gc, 3);
  finish(&gd, 4);
  CHECK_EQ(wm_wait(a, 0), 1);
  CHECK_EQ(wm_wait(b, 0), 2);
  CHECK_EQ(wm_wait(c, 0), 3);
  CHECK_EQ(wm_wait(d, 0), 4);
}

static void pinned_calls(void) {
  wm_call a = go(2, -1);
  got ga = expect_call(2);
  CHECK_EQ(ga.m.where, 2);
  wm_call b = go(2, -1); /* worker 2 is full: waits for it */
  got none;
  CHECK(!take_call(&none));
  finish(&ga, 0);
  got gb = expect_call(2);
  finish(&gb, 0);
  CHECK_EQ(wm_wait(a, 0), 0);
  CHECK_EQ(wm_wait(b, 0), 0);
}

static void where_out_of_range(void) {
  wm_call c = go(3, -1);
  CHECK_EQ(wm_wait(c, 0), WM_EINVAL);
  got none;
  CHECK(!take_call(&none));
}

static void deadline_passed(void) {
  wm_call c = go(WM_ANY, wm_now());
  CHECK_EQ(wm_wait(c, 0), WM_ETIMEDOUT);
  c = go(WM_ANY, wm_now() - 5000);
  CHECK_EQ(wm_wait(c, 0), WM_ETIMEDOUT);
}

static void queued_call_expires(void) {
  wm_call a = go(WM_ANY, -1), b = go(WM_ANY, -1);
  got ga = expect_call(1), gb = expect_call(2);
  int64_t t0 = wm_now();
  wm_call c = go(WM_ANY, t0 + 100);
  CHECK_EQ(stat_queued(), 1);
  wm__run_entry(); /* any event arms the timer (see queued_deadline_armed) */
  stub_run_until(t0 + 99);
  CHECK_EQ(wm_wait(c, 0), WM_ETIMEDOUT); /* still queued: no result yet */
  CHECK_EQ(stat_queued(), 1);
  stub_run();
  CHECK_EQ(wm_now(), t0 + 100);
  CHECK_EQ(stat_queued(), 0);
  CHECK_EQ(wm_wait(c, 0), WM_ETIMEDOUT);
  finish(&ga, 0);
  finish(&gb, 0);
  CHECK_EQ(wm_wait(a, 0), 0);
  CHECK_EQ(wm_wait(b, 0), 0);
  CHECK(stub_timer() < 0);
}

static void worker_exit_fails_its_calls(void) {
  wm_call a = go(WM_ANY, -1), b = go(WM_ANY, -1);
  got ga = expect_call(1), gb = expect_call(2);
  wm_call c = go(1, -1), d = go(WM_ANY, -1);
  CHECK_EQ(stat_queued(), 2);
  wm__on_worker_exit(1);
  CHECK_EQ(wm_wait(a, 0), WM_EDIED);
  CHECK_EQ(wm_wait(c, 0), WM_EDIED); /* bound to the dead worker */
  CHECK_EQ(stat_queued(), 1);
  /* The dead worker's last words are refused. */
  uint32_t r0 = refused();
  done_from(1, ga.m.id, 0);
  CHECK_EQ(refused(), r0 + 1);
  free(ga.frame);
  finish(&gb, 0);
  got gd = expect_call(2); /* not to the dead worker */
  wm__on_worker_up(1);
  wm_call e = go(WM_ANY, -1);
  got ge = expect_call(1);
  finish(&gd, 0);
  finish(&ge, 0);
  CHECK_EQ(wm_wait(b, 0), 0);
  CHECK_EQ(wm_wait(d, 0), 0);
  CHECK_EQ(wm_wait(e, 0), 0);
}

static void forged_done_refused(void) {
  wm_call a = go(WM_ANY, -1);
  got ga = expect_call(1);
  uint32_t r0 = refused();
  done_from(2, ga.m.id, 0);       /* from the wrong worker */
  done_from(1, ga.m.id ^ 0x7, 0); /* an id never handed out */
  uint8_t b[12];
  wm__enc_done(b, ga.m.id, 0);
  stub_ctrl_deliver(1, b, 11, NULL, 0); /* short */
  int other, port = stub_channel(&other);
  stub_ctrl_deliver(1, b, 12, &port, 1); /* DONE carries no ports */
  CHECK_EQ(refused(), r0 + 4);
  CHECK(stub_peer_gone(other));
  stub_close(other);
  CHECK_EQ(wm_wait(a, 0), WM_ETIMEDOUT);
  finish(&ga, 0);
  CHECK_EQ(wm_wait(a, 0), 0);
  /* A second DONE for the same call is refused too. */
  done_from(1, ga.m.id, 0);
  CHECK_EQ(refused(), r0 + 5);
}

/* Ends move with the call; data flows between the caller's ends and the
 * worker's ports, never through the coordinator. */
static void call_moves_its_ends(void) {
  wm_pipe in, feed, drain, out;
  CHECK_EQ(wm_pipe_make(&in, &feed), 0);
  CHECK_EQ(wm_pipe_make(&drain, &out), 0);
  CHECK_EQ(wm_write(feed, "hello", 5, 0), 0);
  wm_call c;
  CHECK_EQ(wm_go(in, out, f_remote, NULL, &c), 0);
  got g = expect_call(1);
  CHECK_EQ(g.nports, 2);
  CHECK_EQ(g.m.in.flags, WM__D_PRESENT | WM__D_PORT);
  CHECK_EQ(g.m.out.flags, WM__D_PRESENT | WM__D_WRITER | WM__D_PORT);
  CHECK_EQ(g.m.in.datalen, 5); /* unread bytes travel with the reader */
  CHECK(!memcmp(g.m.in.data, "hello", 5));
  int pin = g.ports[g.m.in.port], pout = g.ports[g.m.out.port];
  CHECK_EQ(wm_write(feed, "!", 1, 0), 0);
  CHECK_EQ(wm_close(feed), 0);
  uint8_t f[8];
  CHECK_EQ(stub_recv(pin, f, sizeof f), 2);
  CHECK(f[0] == WM__F_DATA && f[1] == '!');
  CHECK_EQ(stub_recv(pin, f, sizeof f), 1);
  CHECK_EQ(f[0], WM__F_EOF);
  stub_post(pout, WM__F_DATA, "HI", 2);
  stub_run();
  char b[4];
  CHECK_EQ(read_soon(drain, b, sizeof b), 2);
  CHECK(!memcmp(b, "HI", 2));
  finish(&g, 0);
  CHECK_EQ(read_soon(drain, b, sizeof b), 0);
  CHECK_EQ(wm_close(drain), 0);
  stub_run();
  /* "HI" is less than a quarter window: no credit, only the terminal. */
  CHECK_EQ(stub_recv(pout, f, sizeof f), 1);
  CHECK_EQ(f[0], WM__F_RCLOSE);
  CHECK_EQ(wm_wait(c, 0), 0);
  close_ports(&g);
}

/* A call the coordinator refuses closes its ends with the reason. */
static void refused_call_closes_ends(void) {
  wm_pipe in, feed, drain, out;
  CHECK_EQ(wm_pipe_make(&in, &feed), 0);
  CHECK_EQ(wm_pipe_make(&drain, &out), 0);
  wm_opts o = {-1, 3, 0};
  wm_call c;
  CHECK_EQ(wm_go(in, out, f_remote, &o, &c), 0);
  stub_run();
  CHECK_EQ(wm_wait(c, 0), WM_EINVAL);
  char b[4];
  CHECK_EQ(read_soon(drain, b, sizeof b), WM_EINVAL);
  static const char big[WM__DEFAULT_WINDOW + 1];
  CHECK_EQ(write_soon(feed, big, sizeof big), WM_EPIPE);
  CHECK_EQ(wm_close(drain), 0);
  CHECK_EQ(wm_close(feed), 0);
  stub_run();
}

/* A worker's own call goes through the coordinator like any other, and its
 * result goes back to that worker under the worker's id. */
static void call_from_worker(void) {
  wm__callmsg m;
  memset(&m, 0, sizeof m);
  m.id = 77;
  m.fn = wm__fn_index(f_remote);
  m.where = 2;
  m.deadline = -1;
  m.in.port = m.out.port = WM__NOPORT;
  uint8_t *p;
  size_t n;
  CHECK_EQ(wm__enc_call(&m, &p, &n), 0);
  stub_ctrl_deliver(1, p, n, NULL, 0);
  free(p);
  got g = expect_call(2);
  CHECK(g.m.id != 77); /* renamed to the coordinator's slot */
  finish(&g, -55);
  stub_ctrl c;
  CHECK(stub_ctrl_take(&c));
  CHECK_EQ(c.dest, 1);
  uint32_t id;
  int32_t rc;
  CHECK_EQ(wm__dec_done(c.p, c.n, &id, &rc), 0);
  CHECK_EQ(id, 77);
  CHECK_EQ(rc, -55);
  free(c.p);
}

static void malformed_call_from_worker(void) {
  uint8_t junk[30] = {WM__F_CALL, 1, 0, 0, 9, 0, 0, 0};
  int other, port = stub_channel(&other);
  uint32_t r0 = refused();
  stub_ctrl_deliver(1, junk, sizeof junk, &port, 1);
  CHECK_EQ(refused(), r0 + 1);
  CHECK(stub_peer_gone(other));
  stub_close(other);
  stub_ctrl c;
  CHECK(stub_ctrl_take(&c));
  uint32_t id;
  int32_t rc;
  CHECK_EQ(c.dest, 1);
  CHECK_EQ(wm__dec_done(c.p, c.n, &id, &rc), 0);
  CHECK_EQ(id, 9);
  CHECK_EQ(rc, WM_EPROTO);
  free(c.p);
}

/* Out of memory anywhere on the way to a worker: wm_go refuses and takes
 * nothing, or the call completes with WM_ENOMEM and its ends close (with
 * that error, or as lost when even that fails); nothing is left behind. */
static void submit_nomem_with(const char *pending, void (*arm)(long)) {
  for (long k = 0;; k++) {
    wm_pipe in, feed, drain, out;
    CHECK_EQ(wm_pipe_make(&in, &feed), 0);
    CHECK_EQ(wm_pipe_make(&drain, &out), 0);
    if (pending) CHECK_EQ(wm_write(feed, pending, strlen(pending), 0), 0);
    wm_call c;
    arm(k);
    int rc = wm_go(in, out, f_remote, NULL, &c);
    int hit = failalloc_disarm();
    got g = {0};
    int placed = 0;
    if (rc) {
      CHECK_EQ(rc, WM_ENOMEM);
      CHECK_EQ(wm_close(in), 0);
      CHECK_EQ(wm_close(out), 0);
    } else {
      placed = take_call(&g);
      CHECK(placed || hit);
      if (placed) finish(&g, 0);
      stub_run();
      CHECK_EQ(wm_wait(c, 0), placed ? 0 : WM_ENOMEM);
    }
    char b[4];
    ssize_t n = read_soon(drain, b, sizeof b);
    CHECK(n == 0 || n == WM_ENOMEM || n == WM_EDIED);
    CHECK_EQ(wm_close(drain), 0);
    CHECK_EQ(wm_close(feed), 0);
    stub_run();
    if (placed) close_ports(&g);
    check_clean();
    if (!hit) break;
  }
}

static void submit_nomem(void) {
  submit_nomem_with(NULL, failalloc_arm);
  submit_nomem_with(NULL, failalloc_arm_one);
}

/* Regression, fixed: when dispatch() cannot allocate the call's slot it frees
 * the frame and then fails the call, whose descriptors point into that frame:
 * closing an input that carries unread bytes reads them from freed memory
 * (ASan: heap-use-after-free under wm__end_import, from fail()). */
static void dispatch_nomem_reads_freed_frame(void) {
  submit_nomem_with("unread bytes", failalloc_arm_one);
}

/* Regression, fixed: a result that arrives for a call a dead worker made is
 * sent to the worker's replacement, which has a fresh call table where the same
 * id may be a different call of its own. wm__coord_worker_exit drops the
 * dead worker's queued calls but not its slots running elsewhere. */
static void stale_done_to_replacement(void) {
  wm__callmsg m;
  memset(&m, 0, sizeof m);
  m.id = 0x100001; /* the first call id of any instance */
  m.fn = wm__fn_index(f_remote);
  m.where = 2;
  m.deadline = -1;
  m.in.port = m.out.port = WM__NOPORT;
  uint8_t *p;
  size_t n;
  CHECK_EQ(wm__enc_call(&m, &p, &n), 0);
  stub_ctrl_deliver(1, p, n, NULL, 0);
  free(p);
  got g = expect_call(2);
  wm__on_worker_exit(1);
  wm__on_worker_up(1);
  finish(&g, 0);
  stub_ctrl c;
  int sent = stub_ctrl_take(&c);
  if (sent) free(c.p);
  CHECK(!sent);
}

/* Regression, fixed: while any call is queued, a new call is queued too, even
 * when a worker it could run on is idle, and the queue moves only when some
 * call ends. One call waiting for a busy pinned worker thus holds back calls
 * that any idle worker could run, for as long as that worker stays busy. */
static void queue_blocks_idle_worker(void) {
  wm_call a = go(2, -1);
  got ga = expect_call(2);
  wm_call b = go(2, -1); /* waits for worker 2 */
  wm_call c = go(WM_ANY, -1);
  got gc;
  int placed = take_call(&gc);
  if (placed) CHECK_EQ(gc.dest, 1);
  CHECK(placed); /* worker 1 is idle */
  finish(&gc, 0);
  finish(&ga, 0);
  got gb = expect_call(2);
  finish(&gb, 0);
  CHECK_EQ(wm_wait(a, 0), 0);
  CHECK_EQ(wm_wait(b, 0), 0);
  CHECK_EQ(wm_wait(c, 0), 0);
}

/* Regression, fixed: a call queued from outside the scheduler (wm__js_call,
 * which is how every JS call is made, or C outside a fiber) arms no timer, so
 * its deadline passes unnoticed until some unrelated event runs the scheduler;
 * if none comes (every worker busy with long calls) it never times out. */
static void queued_deadline_armed(void) {
  wm_call a = go(WM_ANY, -1), b = go(WM_ANY, -1);
  got ga = expect_call(1), gb = expect_call(2);
  int64_t t0 = wm_now();
  wm_call c = go(WM_ANY, t0 + 100);
  stub_run();
  CHECK_EQ(wm_now(), t0 + 100);
  CHECK_EQ(stat_queued(), 0);
  CHECK_EQ(wm_wait(c, 0), WM_ETIMEDOUT);
  finish(&ga, 0);
  finish(&gb, 0);
  CHECK_EQ(wm_wait(a, 0), 0);
  CHECK_EQ(wm_wait(b, 0), 0);
}

/* Regression, fixed: when every stage of a chain completes while wm__chain is
 * still placing them (here the coordinator refuses each at once), the last
 * stage completes the chain inside the loop, and wm__chain then completes
 * it a second time after the loop: the second result is counted as a
 * forged message. */
static void chain_refused_completes_once(void) {
  const wm_fn fns[] = {f_remote, f_remote};
  wm_opts o = {-1, 3, 0};
  wm_call c;
  uint32_t r0 = refused();
  CHECK_EQ(wm_chain(WM_PIPE_NONE, WM_PIPE_NONE, fns, 2, &o, &c), 0);
  wm__run_entry(); /* the refusals are answered from the scheduler's run */
  CHECK_EQ(wm_wait(c, 0), WM_EINVAL);
  CHECK_EQ(refused(), r0);
  stub_run(); /* the refused stages' pipe ends finish their handshakes */
}

/* Regression, fixed: the same for a chain made by the JS side: the first
 * completion reports the result and frees the chain's call object, and
 * wm__chain then reads g->pending from freed memory (ASan:
 * heap-use-after-free in wm__chain). */
static void js_chain_refused_use_after_free(void) {
  uint32_t fns[2] = {wm__fn_index(f_remote), wm__fn_index(f_remote)};
  CHECK_EQ(stub_js_call(&(wm__js_req){.n = 2,
                                      .where = 3,
                                      .in_port = -1,
                                      .out_port = -1,
                                      .window = 4096,
                                      .token = 5,
                                      .deadline = -1,
                                      .in_len = -1},
                        fns, NULL, NULL),
           0);
  wm__run_entry();
  int token, rc;
  CHECK(stub_done_take(&token, &rc));
  CHECK_EQ(token, 5);
  CHECK_EQ(rc, WM_EINVAL);
  stub_run();
}

/* Regression, fixed: a deadline below -1 passes wm_go (which checks only
 * `where`), and the coordinator's decoder then refuses the frame as malformed;
 * for a call made in the main instance nobody is told (coord.c replies only
 * when from > 0), so the call never completes and wm_wait never returns. */
static void bad_deadline_never_completes(void) {
  wm_call c;
  wm_opts o = {-5, WM_ANY, 0};
  int rc = wm_go(WM_PIPE_NONE, WM_PIPE_NONE, f_remote, &o, &c);
  if (rc == 0) {
    stub_run();
    rc = wm_wait(c, 0);
    CHECK(rc != WM_ETIMEDOUT); /* it must have completed, with an error */
  }
  CHECK(rc < 0);
}

/* Regression, fixed: wm__js_call converts the JS deadline (a double) with a
 * plain cast; `timeout: Infinity` (or NaN, or anything past 2^63) is undefined
 * behaviour in C (UBSan: float-cast-overflow) and, in wasm, becomes
 * INT64_MIN, which then meets bad_deadline_never_completes above. */
static void js_deadline_infinite(void) {
  uint32_t fn = wm__fn_index(f_remote);
  CHECK_EQ(stub_js_call(&(wm__js_req){.n = 1,
                                      .where = WM_ANY,
                                      .in_port = -1,
                                      .out_port = -1,
                                      .window = 4096,
                                      .token = 9,
                                      .deadline = 1.0 / 0.0,
                                      .in_len = -1},
                        &fn, NULL, NULL),
           0);
  got g = expect_call(1);
  CHECK_EQ(g.m.deadline, -1);
  finish(&g, 0);
  int token, rc;
  CHECK(stub_done_take(&token, &rc));
  CHECK_EQ(token, 9);
}

/* A small input made by the JS side travels inside the CALL frame: no
 * port, the bytes and EOF in the reader's descriptor. */
static void js_inline_input_moves_in_the_frame(void) {
  uint32_t fn = wm__fn_index(f_remote);
  CHECK_EQ(stub_js_call(&(wm__js_req){.n = 1,
                                      .where = WM_ANY,
                                      .in_port = -1,
                                      .out_port = -1,
                                      .window = 4096,
                                      .token = 11,
                                      .deadline = -1,
                                      .in_len = 3},
                        &fn, (const uint8_t *)"abc", NULL),
           0);
  got g = expect_call(1);
  CHECK_EQ(g.nports, 0);
  CHECK_EQ(g.m.in.flags, WM__D_PRESENT);
  CHECK_EQ(g.m.in.status, 1);
  CHECK_EQ(g.m.in.datalen, 3);
  CHECK(!memcmp(g.m.in.data, "abc", 3));
  finish(&g, 0);
  int token, rc;
  CHECK(stub_done_take(&token, &rc));
  CHECK_EQ(token, 11);
  CHECK_EQ(rc, 0);
}

static void deliver_out(int worker, uint32_t id, int32_t status, const char *s,
                        size_t n) {
  uint8_t *f;
  size_t len;
  CHECK_EQ(wm__enc_out(id, status, s, n, &f, &len), 0);
  stub_ctrl_deliver(worker, f, len, NULL, 0);
  free(f);
}

static uint32_t refused_count(void) {
  wm_stats s;
  CHECK_EQ(wm_get_stats(&s), 0);
  return s.refused;
}

/* A JS call with a deferred output: the worker's OUT reaches the JS side
 * once; a second OUT, one from another worker, and OUTPORT for a call whose
 * output was not deferred are refused (the port closed). */
static void js_deferred_output(void) {
  uint32_t fn = wm__fn_index(f_remote);
  CHECK_EQ(stub_js_call(&(wm__js_req){.n = 1,
                                      .where = WM_ANY,
                                      .in_port = -1,
                                      .out_port = WM__JS_DEFER,
                                      .window = 4096,
                                      .token = 12,
                                      .deadline = -1,
                                      .in_len = -1},
                        &fn, NULL, NULL),
           0);
  got g = expect_call(1);
  CHECK_EQ(g.nports, 0);
  CHECK_EQ(g.m.out.flags, WM__D_PRESENT | WM__D_WRITER | WM__D_DEFER);
  uint32_t r0 = refused_count();
  int outs = stub_outs;
  deliver_out(2, g.m.id, 1, "xy", 2); /* not the worker running it */
  CHECK_EQ(refused_count(), r0 + 1);
  deliver_out(1, g.m.id, 1, "xy", 2);
  CHECK_EQ(stub_outs, outs + 1);
  CHECK(stub_out_token == 12 && stub_out_status == 1 && stub_out_len == 2);
  CHECK(!memcmp(stub_out_data, "xy", 2));
  deliver_out(1, g.m.id, 1, "zz", 2); /* once only */
  CHECK_EQ(stub_outs, outs + 1);
  CHECK_EQ(refused_count(), r0 + 2);
  finish(&g, 0);
  int token, rc;
  CHECK(stub_done_take(&token, &rc));
  CHECK(token == 12 && rc == 0);

  /* OUTPORT: the port goes to the JS side. */
  CHECK_EQ(stub_js_call(&(wm__js_req){.n = 1,
                                      .where = WM_ANY,
                                      .in_port = -1,
                                      .out_port = WM__JS_DEFER,
                                      .window = 4096,
                                      .token = 13,
                                      .deadline = -1,
                                      .in_len = -1},
                        &fn, NULL, NULL),
           0);
  g = expect_call(1);
  int other, port = stub_channel(&other);
  uint8_t b[12];
  wm__enc_ctl(b, WM__F_OUTPORT, g.m.id, 0);
  stub_ctrl_deliver(1, b, sizeof b, &port, 1);
  CHECK(stub_out_token == 13 && stub_out_port == port);
  stub_close(port);
  stub_close(other);
  finish(&g, 0);
  CHECK(stub_done_take(&token, &rc));

  /* OUTPORT for a call whose output has a port of its own. */
  CHECK_EQ(stub_js_call(&(wm__js_req){.n = 1,
                                      .where = WM_ANY,
                                      .in_port = -1,
                                      .out_port = -1,
                                      .window = 4096,
                                      .token = 14,
                                      .deadline = -1,
                                      .in_len = -1},
                        &fn, NULL, NULL),
           0);
  g = expect_call(1);
  port = stub_channel(&other);
  wm__enc_ctl(b, WM__F_OUTPORT, g.m.id, 0);
  stub_ctrl_deliver(1, b, sizeof b, &port, 1);
  CHECK(stub_peer_gone(other));
  stub_close(other);
  finish(&g, 0);
  CHECK(stub_done_take(&token, &rc));
  /* A deferred output on a call that runs here cannot be. */
  CHECK_EQ(stub_js_call(&(wm__js_req){.n = 1,
                                      .where = WM_HERE,
                                      .in_port = -1,
                                      .out_port = WM__JS_DEFER,
                                      .window = 4096,
                                      .token = 15,
                                      .deadline = -1,
                                      .in_len = -1},
                        &fn, NULL, NULL),
           WM_EINVAL);
}

/* worker_call delivers a CALL of f_remote from worker `from`, as a call
 * made by a function running there. */
static void worker_call(int from, uint32_t id, int where) {
  wm__callmsg m;
  memset(&m, 0, sizeof m);
  m.id = id;
  m.fn = wm__fn_index(f_remote);
  m.where = where;
  m.deadline = -1;
  m.in.port = m.out.port = WM__NOPORT;
  uint8_t *p;
  size_t n;
  CHECK_EQ(wm__enc_call(&m, &p, &n), 0);
  stub_ctrl_deliver(from, p, n, NULL, 0);
  free(p);
}

/* expect_done_to takes the DONE the coordinator sent to worker `to`. */
static void expect_done_to(int to, uint32_t id, int32_t want) {
  stub_ctrl c;
  CHECK(stub_ctrl_take(&c));
  CHECK_EQ(c.dest, to);
  uint32_t got_id;
  int32_t rc;
  CHECK_EQ(wm__dec_done(c.p, c.n, &got_id, &rc), 0);
  CHECK_EQ(got_id, id);
  CHECK_EQ(rc, want);
  free(c.p);
}

/* Regression, fixed: a call made by a running call waited in the queue
 * when every slot was taken; when the slots' holders were its own parents,
 * waiting on it, nothing ever moved (a function nesting 12 deep on two
 * workers of four). A nested call now runs at once past capacity, on its
 * caller's worker, which lends it its slot; at most as many as the queue
 * holds, and then WM_EBUSY. */
static void nested_call_lent_a_slot(void) {
  wm_call a = go(WM_ANY, -1), b = go(WM_ANY, -1);
  got ga = expect_call(1), gb = expect_call(2);
  worker_call(1, 501, WM_ANY); /* both full: runs on worker 1 anyway */
  got g1 = expect_call(1);
  CHECK_EQ(stat_queued(), 0);
  worker_call(2, 502, WM_ANY);
  got g2 = expect_call(2);
  worker_call(2, 503, WM_ANY); /* the queue's bound of two is reached */
  expect_done_to(2, 503, WM_EBUSY);
  wm_call c = go(WM_ANY, -1); /* a call from outside still queues */
  CHECK_EQ(stat_queued(), 1);
  finish(&g1, 0);
  expect_done_to(1, 501, 0);
  got none;
  CHECK(!take_call(&none)); /* a lent slot gives no room back */
  finish(&g2, 0);
  expect_done_to(2, 502, 0);
  finish(&ga, 0);
  got gc = expect_call(1);
  finish(&gb, 0);
  finish(&gc, 0);
  CHECK_EQ(wm_wait(a, 0), 0);
  CHECK_EQ(wm_wait(b, 0), 0);
  CHECK_EQ(wm_wait(c, 0), 0);
}

/* Regression, fixed: with every worker dead (and none coming back), a call
 * waited in the queue for ever. Queued calls now fail with WM_ENOWORKER
 * when the last worker dies, and so do new ones until a worker is up. */
static void no_worker_alive(void) {
  wm_call a = go(WM_ANY, -1), b = go(WM_ANY, -1);
  got ga = expect_call(1), gb = expect_call(2);
  wm_call c = go(WM_ANY, -1);
  CHECK_EQ(stat_queued(), 1);
  wm__on_worker_exit(1);
  wm_call d = go(WM_ANY, -1);
  CHECK_EQ(stat_queued(), 2); /* for worker 2, which is alive */
  wm__on_worker_exit(2);
  CHECK_EQ(stat_queued(), 0);
  CHECK_EQ(wm_wait(a, 0), WM_EDIED);
  CHECK_EQ(wm_wait(b, 0), WM_EDIED);
  CHECK_EQ(wm_wait(c, 0), WM_ENOWORKER);
  CHECK_EQ(wm_wait(d, 0), WM_ENOWORKER);
  wm_call e = go(WM_ANY, -1);
  CHECK_EQ(wm_wait(e, 0), WM_ENOWORKER);
  free(ga.frame);
  free(gb.frame);
  wm__on_worker_up(2);
  wm_call f = go(WM_ANY, -1);
  got gf = expect_call(2);
  finish(&gf, 0);
  CHECK_EQ(wm_wait(f, 0), 0);
  wm__on_worker_up(1);
  stub_run();
  for (int i = 0; i < 8; i++) { /* ports of the dead workers' calls */
    stub_ctrl x;
    if (stub_ctrl_take(&x)) free(x.p);
  }
}

/* Regression, fixed: a call whose function computes without blocking
 * never sees its deadline, and held its worker for ever. The coordinator
 * now stops that worker WM__GRACE_MS past the deadline, and the call fails
 * with WM_ETIMEDOUT, not WM_EDIED. */
static void overdue_call_stopped(void) {
  int64_t t0 = wm_now();
  wm_call a = go(WM_ANY, t0 + 100);
  got ga = expect_call(1);
  int kills = stub_kills;
  stub_run_until(t0 + 100 + WM__GRACE_MS - 1);
  CHECK_EQ(stub_kills, kills);
  stub_run_until(t0 + 100 + WM__GRACE_MS);
  CHECK_EQ(stub_kills, kills + 1);
  wm__on_worker_exit(1); /* the host stopped it */
  CHECK_EQ(wm_wait(a, 0), WM_ETIMEDOUT);
  free(ga.frame);
  wm__on_worker_up(1);
  CHECK(stub_timer() < 0);
}

int main(int argc, char **argv) {
  CHECK_EQ(wm__init(0, 2, 1, 2), 0);
  static const test_case t[] = {
      TEST(dispatch_and_done, 0),
      TEST(js_inline_input_moves_in_the_frame, 0),
      TEST(js_deferred_output, 0),
      TEST(least_loaded_then_queue, 0),
      TEST(pinned_calls, 0),
      TEST(where_out_of_range, 0),
      TEST(deadline_passed, 0),
      TEST(queued_call_expires, 0),
      TEST(worker_exit_fails_its_calls, 0),
      TEST(forged_done_refused, 0),
      TEST(call_moves_its_ends, 0),
      TEST(refused_call_closes_ends, 0),
      TEST(call_from_worker, 0),
      TEST(malformed_call_from_worker, 0),
      TEST(submit_nomem, T_FAILALLOC),
      TEST(stale_done_to_replacement, 0),
      TEST(queue_blocks_idle_worker, 0),
      TEST(queued_deadline_armed, 0),
      TEST(chain_refused_completes_once, 0),
      TEST(bad_deadline_never_completes, 0),
      TEST(js_deadline_infinite, 0),
      TEST(dispatch_nomem_reads_freed_frame, T_FAILALLOC),
      TEST(js_chain_refused_use_after_free, 0),
      TEST(nested_call_lent_a_slot, 0),
      TEST(no_worker_alive, 0),
      TEST(overdue_call_stopped, 0),
  };
  return test_main(argc, argv, t, sizeof t / sizeof t[0]);
}
