/* entry_test.c: the host's entry points (src/core/entry.c) in a worker
 * instance, and the executing side of calls (wm__exec in src/core/call.c).
 * The test plays the main instance: it sends CALL and DONE frames and
 * checks what comes back. */
#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "host_stub.h"
#include "registry.h"
#include "rt.h"

static int f_cat(wm_pipe in, wm_pipe out) {
  char b[256];
  for (;;) {
    ssize_t n = wm_read(in, b, sizeof b, -1);
    if (n <= 0) return (int)n;
    for (ssize_t i = 0; i < n; i++) b[i] = (char)toupper((unsigned char)b[i]);
    int rc = wm_write(out, b, (size_t)n, -1);
    if (rc) return rc;
  }
}
WM_EXPORT(f_cat)

static int f_six(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  return 6;
}
WM_EXPORT(f_six)

static uint32_t refused(void) {
  wm_stats s;
  CHECK_EQ(wm_get_stats(&s), 0);
  return s.refused;
}

static wm__callmsg call_msg(uint32_t id, uint32_t fn) {
  wm__callmsg m;
  memset(&m, 0, sizeof m);
  m.id = id;
  m.fn = fn;
  m.where = WM_ANY;
  m.deadline = -1;
  m.in.port = m.out.port = WM__NOPORT;
  return m;
}

/* send_call delivers m from instance `from` with the given core ports. */
static void send_call(int from, const wm__callmsg *m, const int *ports,
                      int nports) {
  uint8_t *p;
  size_t n;
  CHECK_EQ(wm__enc_call(m, &p, &n), 0);
  stub_ctrl_deliver(from, p, n, ports, nports);
  free(p);
  stub_run();
}

/* take_ctrl takes the next control frame sent, which must go to the main
 * instance with nports ports. */
static stub_ctrl take_ctrl(int nports) {
  stub_ctrl c;
  CHECK(stub_ctrl_take(&c));
  CHECK_EQ(c.dest, 0);
  CHECK_EQ(c.nports, nports);
  return c;
}

static void expect_done(uint32_t id, int32_t rc) {
  stub_ctrl c = take_ctrl(0);
  uint32_t got_id;
  int32_t got_rc;
  CHECK_EQ(wm__dec_done(c.p, c.n, &got_id, &got_rc), 0);
  free(c.p);
  CHECK_EQ(got_id, id);
  CHECK_EQ(got_rc, rc);
}

static void no_reply(void) {
  stub_ctrl c;
  CHECK(!stub_ctrl_take(&c));
}

/* ends_msg gives m a reader carrying "abc" and a writer, on two channels
 * whose core sides go in ports and test sides in *tin (the test writes)
 * and *tout (the test reads). */
static void ends_msg(wm__callmsg *m, int ports[2], int *tin, int *tout) {
  static const uint8_t abc[3] = {'a', 'b', 'c'};
  ports[0] = stub_channel(tin);
  ports[1] = stub_channel(tout);
  m->in = (wm__desc){WM__D_PRESENT | WM__D_PORT, 0, 0, 1000, 0, 3, abc};
  m->out = (wm__desc){
      WM__D_PRESENT | WM__D_WRITER | WM__D_PORT, 1, 0, 1000, 0, 0, NULL};
}

static void expect_frame(int port, int type, const char *body, size_t len) {
  uint8_t b[64];
  CHECK_EQ(stub_recv(port, b, sizeof b), (long)(1 + len));
  CHECK_EQ(b[0], type);
  CHECK(!len || !memcmp(b + 1, body, len));
}

static void close_test_ports(int tin, int tout) {
  CHECK(stub_peer_gone(tin));
  CHECK(stub_peer_gone(tout));
  stub_close(tin);
  stub_close(tout);
}

static void exec_runs_and_replies(void) {
  wm__callmsg m = call_msg(41, wm__fn_index(f_six));
  send_call(0, &m, NULL, 0);
  expect_done(41, 6);
}

static uint32_t stat_of(size_t off) {
  wm_stats s;
  CHECK_EQ(wm_get_stats(&s), 0);
  return *(const uint32_t *)((const char *)&s + off);
}

/* cat_call runs f_cat (which upper-cases), or a block of 1 + nmore f_cat
 * stages joined by local pipes, on a reader carrying "abc" and a writer:
 * the bytes pass every stage on the call's two ports alone, and DONE comes
 * once every stage has ended. */
static void cat_call(uint32_t id, uint32_t nmore) {
  wm__callmsg m = call_msg(id, wm__fn_index(f_cat));
  m.nmore = nmore;
  for (uint32_t i = 0; i < nmore; i++) m.more[i] = wm__fn_index(f_cat);
  int ports[2], tin, tout;
  ends_msg(&m, ports, &tin, &tout);
  send_call(0, &m, ports, 2);
  expect_frame(tout, WM__F_DATA, "ABC", 3);
  CHECK_EQ(stat_of(offsetof(wm_stats, ports)), 2);
  /* A block runs as a job of its own beside its stages. */
  CHECK_EQ(stat_of(offsetof(wm_stats, running)), nmore ? nmore + 2 : 1);
  stub_post(tin, WM__F_DATA, "de", 2);
  stub_post(tin, WM__F_EOF, NULL, 0);
  stub_run();
  expect_frame(tout, WM__F_DATA, "DE", 2);
  expect_frame(tout, WM__F_EOF, NULL, 0);
  /* Less than a quarter window was read: no credit, only the terminal. */
  expect_frame(tin, WM__F_RCLOSE, NULL, 0);
  expect_done(id, 0);
  stub_post(tout, WM__F_RCLOSE, NULL, 0);
  stub_run();
  close_test_ports(tin, tout);
  CHECK_EQ(stat_of(offsetof(wm_stats, running)), 0);
}

static void exec_with_ends(void) { cat_call(42, 0); }

static void exec_block(void) { cat_call(46, 2); }

/* A deferred output: all of it comes back in one OUT frame if the call
 * ends before the bytes must flow; if the function blocks with output
 * pending, the end makes a channel, sends its port (OUTPORT) and streams. */
static void exec_deferred_output(void) {
  static const uint8_t abc[3] = {'a', 'b', 'c'};
  const wm__desc defer = {WM__D_PRESENT | WM__D_WRITER | WM__D_DEFER,
                          WM__NOPORT,
                          0,
                          1000,
                          0,
                          0,
                          NULL};
  wm__callmsg m = call_msg(50, wm__fn_index(f_cat));
  m.in = (wm__desc){WM__D_PRESENT, WM__NOPORT, 1, 1000, 0, 3, abc};
  m.out = defer;
  send_call(0, &m, NULL, 0);
  stub_ctrl c = take_ctrl(0);
  uint32_t id;
  int32_t st;
  const uint8_t *data;
  size_t len;
  CHECK_EQ(wm__dec_out(c.p, c.n, &id, &st, &data, &len), 0);
  CHECK(id == 50 && st == 1 && len == 3 && !memcmp(data, "ABC", 3));
  free(c.p);
  expect_done(50, 0);

  m = call_msg(51, wm__fn_index(f_cat));
  int tin, port = stub_channel(&tin);
  m.in = (wm__desc){WM__D_PRESENT | WM__D_PORT, 0, 0, 1000, 0, 3, abc};
  m.out = defer;
  send_call(0, &m, &port, 1);
  c = take_ctrl(1);
  CHECK_EQ(wm__dec_ctl(c.p, c.n, WM__F_OUTPORT, &id, &st), 0);
  CHECK(id == 51 && st == 0);
  free(c.p);
  int tout = c.ports[0];
  expect_frame(tout, WM__F_DATA, "ABC", 3);
  stub_post(tin, WM__F_EOF, NULL, 0);
  stub_run();
  expect_frame(tout, WM__F_EOF, NULL, 0);
  expect_frame(tin, WM__F_RCLOSE, NULL, 0);
  expect_done(51, 0);
  stub_post(tout, WM__F_RCLOSE, NULL, 0);
  stub_run();
  close_test_ports(tin, tout);
}

/* A failing stage fails its block with its code; a cancelled block reports
 * only after its stages have ended, and with the reason. */
static void exec_block_fails_and_cancels(void) {
  wm__callmsg m = call_msg(47, wm__fn_index(f_six));
  m.nmore = 1;
  m.more[0] = wm__fn_index(f_cat);
  send_call(0, &m, NULL, 0);
  expect_done(47, 6);

  m = call_msg(48, wm__fn_index(f_cat));
  m.nmore = 3;
  m.more[0] = m.more[1] = m.more[2] = wm__fn_index(f_cat);
  int ports[2], tin, tout;
  ends_msg(&m, ports, &tin, &tout);
  send_call(0, &m, ports, 2);
  expect_frame(tout, WM__F_DATA, "ABC", 3);
  uint8_t c[12];
  size_t n = wm__enc_cancel(c, 48, WM_ECANCELED);
  stub_ctrl_deliver(0, c, n, NULL, 0);
  stub_run();
  expect_done(48, WM_ECANCELED);
  CHECK_EQ(stat_of(offsetof(wm_stats, running)), 0);
  CHECK_EQ(stat_of(offsetof(wm_stats, fibers_busy)), 0);
  expect_frame(tin, WM__F_RCLOSE, NULL, 0);
  stub_post(tin, WM__F_EOF, NULL, 0);
  stub_post(tout, WM__F_RCLOSE, NULL, 0);
  stub_run();
  close_test_ports(tin, tout);
}

/* Refused calls close their ends with the reason and answer DONE. */
static void exec_refused(void) {
  const uint32_t fns[3] = {0x7fffffff, wm__fn_index(f_six),
                           wm__fn_index(f_six)};
  const int64_t deadlines[3] = {-1, STUB_T0, -1};
  const int32_t why[3] = {WM_ENOFN, WM_ETIMEDOUT, WM_ENOFN};
  for (int i = 0; i < 3; i++) {
    uint32_t r0 = refused();
    wm__callmsg m = call_msg(43, fns[i]);
    m.deadline = deadlines[i];
    if (i == 2) { /* a block with one unknown stage is refused whole */
      m.nmore = 2;
      m.more[0] = wm__fn_index(f_cat);
      m.more[1] = 0x7ffffffe;
    }
    int ports[2], tin, tout;
    ends_msg(&m, ports, &tin, &tout);
    send_call(0, &m, ports, 2);
    expect_done(43, why[i]);
    CHECK_EQ(refused(), r0 + (i != 1)); /* a bad index is counted */
    expect_frame(tin, WM__F_RCLOSE, NULL, 0);
    uint8_t err[5] = {(uint8_t)why[i], 0xff, 0xff, 0xff};
    expect_frame(tout, WM__F_ERR, (const char *)err, 4);
    stub_post(tin, WM__F_EOF, NULL, 0);
    stub_post(tout, WM__F_RCLOSE, NULL, 0);
    stub_run();
    close_test_ports(tin, tout);
  }
}

static void refused_frames(void) {
  wm__callmsg m = call_msg(44, wm__fn_index(f_six));
  int ports[2], tin, tout;
  ends_msg(&m, ports, &tin, &tout);
  uint32_t r0 = refused();
  send_call(2, &m, ports, 2); /* only the main instance places calls */
  CHECK_EQ(refused(), r0 + 1);
  close_test_ports(tin, tout);

  const uint8_t junk[] = {WM__F_CALL, 0, 0, 0, 1, 2, 3};
  const uint8_t odd[] = {99, 0, 0, 0};
  int other, port = stub_channel(&other);
  stub_ctrl_deliver(0, junk, sizeof junk, &port, 1);
  CHECK(stub_peer_gone(other));
  stub_close(other);
  stub_ctrl_deliver(0, odd, sizeof odd, NULL, 0);
  stub_ctrl_deliver(0, odd, 0, NULL, 0);
  CHECK_EQ(refused(), r0 + 4);

  /* A port count the host could never send closes every port given. */
  int p3[3], o3[3];
  for (int i = 0; i < 3; i++) p3[i] = stub_channel(&o3[i]);
  stub_ctrl_deliver(0, odd, sizeof odd, p3, 3);
  for (int i = 0; i < 3; i++) {
    CHECK(stub_peer_gone(o3[i]));
    stub_close(o3[i]);
  }
  wm__on_ctrl(0, odd, sizeof odd, NULL, -1);
  CHECK_EQ(refused(), r0 + 6);
  no_reply();
}

/* Regression, fixed: wm__on_ctrl checks for a port count with no port list
 * (nports > 0, ports NULL) and then hands both to wm__refuse, which reads
 * ports[0] to close it: a NULL dereference in the very check meant to
 * refuse the input. */
static void on_ctrl_null_ports(void) {
  const uint8_t odd[] = {99, 0, 0, 0};
  uint32_t r0 = refused();
  wm__on_ctrl(0, odd, sizeof odd, NULL, 1);
  CHECK_EQ(refused(), r0 + 1);
}

/* A worker's own call goes to the main instance, which answers DONE. */
static void call_via_main(void) {
  wm_call c;
  CHECK_EQ(wm_go(WM_PIPE_NONE, WM_PIPE_NONE, f_six, NULL, &c), 0);
  stub_ctrl f;
  CHECK(stub_ctrl_take(&f));
  CHECK_EQ(f.dest, 0);
  wm__callmsg m;
  CHECK_EQ(wm__dec_call(f.p, f.n, 0, &m), 0);
  free(f.p);
  CHECK_EQ(m.fn, wm__fn_index(f_six));
  uint8_t d[12];
  uint32_t r0 = refused();
  wm__enc_done(d, m.id, 0);
  stub_ctrl_deliver(2, d, 12, NULL, 0); /* not from the main instance */
  wm__enc_done(d, m.id + 1, 0);
  stub_ctrl_deliver(0, d, 12, NULL, 0); /* not a call made here */
  CHECK_EQ(refused(), r0 + 2);
  CHECK_EQ(wm_wait(c, 0), WM_ETIMEDOUT);
  wm__enc_done(d, m.id, -66);
  stub_ctrl_deliver(0, d, 12, NULL, 0);
  CHECK_EQ(wm_wait(c, 0), -66);
}

static void js_lookup(void) {
  CHECK_EQ(wm__js_lookup("f_cat"), wm__fn_index(f_cat));
  CHECK(wm__js_lookup("f_cat") != 0);
  CHECK_EQ(wm__js_lookup("nope"), 0);
}

static void scratch_grows(void) {
  uint8_t *a = wm__scratch(16);
  CHECK(a != NULL);
  uint8_t *b = wm__scratch(200000);
  CHECK(b != NULL);
  memset(b, 1, 200000);
  CHECK(wm__scratch(8) == b); /* never shrinks */
}

/* Out of memory while taking a call in: DONE still comes, with the result
 * or WM_ENOMEM, and every end and port is accounted for. */
static void exec_nomem_with(void (*arm)(long), uint32_t nmore) {
  for (long k = 0;; k++) {
    wm__callmsg m = call_msg(45, wm__fn_index(f_cat));
    m.nmore = nmore;
    for (uint32_t i = 0; i < nmore; i++) m.more[i] = wm__fn_index(f_cat);
    int ports[2], tin, tout;
    ends_msg(&m, ports, &tin, &tout);
    uint8_t *p;
    size_t n;
    CHECK_EQ(wm__enc_call(&m, &p, &n), 0);
    arm(k);
    stub_ctrl_deliver(0, p, n, ports, 2);
    int hit = failalloc_disarm();
    free(p);
    stub_post(tin, WM__F_EOF, NULL, 0);
    stub_run();
    stub_post(tout, WM__F_RCLOSE, NULL, 0);
    stub_run();
    stub_ctrl c;
    CHECK(stub_ctrl_take(&c));
    uint32_t id;
    int32_t rc;
    CHECK_EQ(wm__dec_done(c.p, c.n, &id, &rc), 0);
    free(c.p);
    CHECK_EQ(id, 45);
    CHECK(rc == 0 || (hit && rc == WM_ENOMEM));
    close_test_ports(tin, tout);
    check_clean();
    if (!hit) break;
  }
}

/* Out of memory with a deferred output: the output still reaches the
 * caller whole (OUT), or streams on a port (OUTPORT) when there was no
 * memory for the OUT frame, or the call fails with WM_ENOMEM; nothing is
 * left alive. */
static void exec_nomem_deferred_with(void (*arm)(long)) {
  static const uint8_t abc[3] = {'a', 'b', 'c'};
  for (long k = 0;; k++) {
    wm__callmsg m = call_msg(52, wm__fn_index(f_cat));
    m.in = (wm__desc){WM__D_PRESENT, WM__NOPORT, 1, 1000, 0, 3, abc};
    m.out = (wm__desc){WM__D_PRESENT | WM__D_WRITER | WM__D_DEFER,
                       WM__NOPORT,
                       0,
                       1000,
                       0,
                       0,
                       NULL};
    uint8_t *p;
    size_t n;
    CHECK_EQ(wm__enc_call(&m, &p, &n), 0);
    arm(k);
    stub_ctrl_deliver(0, p, n, NULL, 0);
    int hit = failalloc_disarm();
    free(p);
    stub_run();
    int got = 0, tout = -1;
    uint32_t id;
    int32_t rc;
    for (stub_ctrl c; stub_ctrl_take(&c); free(c.p)) {
      const uint8_t *data;
      size_t len;
      if (!wm__dec_out(c.p, c.n, &id, &rc, &data, &len)) {
        CHECK(rc == 1 && len == 3 && !memcmp(data, "ABC", 3));
        got = 1;
      } else if (!wm__dec_ctl(c.p, c.n, WM__F_OUTPORT, &id, &rc)) {
        tout = c.ports[0];
      } else {
        CHECK_EQ(wm__dec_done(c.p, c.n, &id, &rc), 0);
        CHECK_EQ(id, 52);
        CHECK(rc == 0 || (hit && rc == WM_ENOMEM));
        if (rc == 0) CHECK(got || tout >= 0);
      }
    }
    if (tout >= 0) {
      uint8_t b[16];
      long r = stub_recv(tout, b, sizeof b);
      if (r == 4) {
        CHECK(!memcmp(b, "\1ABC", 4));
        expect_frame(tout, WM__F_EOF, NULL, 0);
      } else {
        CHECK(r == 1 && b[0] == WM__F_EOF); /* the data was lost with a
                                                failed allocation before */
      }
      stub_post(tout, WM__F_RCLOSE, NULL, 0);
      stub_run();
      CHECK(stub_peer_gone(tout));
      stub_close(tout);
    }
    check_clean();
    if (!hit) break;
  }
}

static void exec_nomem(void) {
  for (uint32_t nmore = 0; nmore < 3; nmore += 2) {
    exec_nomem_with(failalloc_arm, nmore);
    exec_nomem_with(failalloc_arm_one, nmore);
  }
  exec_nomem_deferred_with(failalloc_arm);
  exec_nomem_deferred_with(failalloc_arm_one);
}

int main(int argc, char **argv) {
  CHECK_EQ(wm__init(1, 0, 0, 0), 0);
  static const test_case t[] = {
      TEST(exec_runs_and_replies, T_FIBER),
      TEST(exec_with_ends, T_FIBER),
      TEST(exec_block, T_FIBER),
      TEST(exec_deferred_output, T_FIBER),
      TEST(exec_block_fails_and_cancels, T_FIBER),
      TEST(exec_refused, 0),
      TEST(refused_frames, 0),
      TEST(call_via_main, 0),
      TEST(js_lookup, 0),
      TEST(scratch_grows, 0),
      TEST(exec_nomem, T_FIBER | T_FAILALLOC),
      TEST(on_ctrl_null_ports, 0),
  };
  return test_main(argc, argv, t, sizeof t / sizeof t[0]);
}
