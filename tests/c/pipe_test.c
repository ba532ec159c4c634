/* pipe_test.c: pipe ends (src/core/pipe.c): local pipes, blocking in
 * fibers, and port-backed pipes with the test playing the far end or the
 * core on both ends of a stub channel. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "host_stub.h"
#include "rt.h"

static uint8_t pattern(size_t i) { return (uint8_t)((i * 2654435761u) >> 13); }

static void mk(wm_pipe *r, wm_pipe *w, uint32_t window) {
  CHECK_EQ(wm__pipe_new(r, w, window), 0);
}

static uint32_t refused(void) {
  wm_stats s;
  CHECK_EQ(wm_get_stats(&s), 0);
  return s.refused;
}

/* ---- local pipes, without fibers ---- */

static void make_bad_args(void) {
  wm_pipe p;
  CHECK_EQ(wm_pipe_make(NULL, &p), WM_EINVAL);
  CHECK_EQ(wm_pipe_make(&p, NULL), WM_EINVAL);
}

static void write_read_eof(void) {
  wm_pipe r, w;
  CHECK_EQ(wm_pipe_make(&r, &w), 0);
  CHECK(r.id && w.id && r.id != w.id);
  CHECK_EQ(wm_write(w, "hello", 5, 0), 0);
  char b[16];
  CHECK_EQ(wm_read(r, b, 2, 0), 2);
  CHECK_EQ(wm_read(r, b + 2, sizeof b, 0), 3);
  CHECK(!memcmp(b, "hello", 5));
  CHECK_EQ(wm_read(r, b, sizeof b, 0), WM_ETIMEDOUT);
  CHECK_EQ(wm_write(w, "!", 1, 0), 0);
  CHECK_EQ(wm_close(w), 0);
  CHECK_EQ(wm_read(r, b, sizeof b, 0), 1); /* data before EOF */
  CHECK_EQ(wm_read(r, b, sizeof b, 0), 0);
  CHECK_EQ(wm_read(r, b, sizeof b, -1), 0); /* EOF stays, never blocks */
  CHECK_EQ(wm_close(r), 0);
}

static void wrong_ends_and_args(void) {
  wm_pipe r, w;
  char b[4];
  CHECK_EQ(wm_pipe_make(&r, &w), 0);
  CHECK_EQ(wm_read(w, b, 1, 0), WM_EPERM);
  CHECK_EQ(wm_write(r, b, 1, 0), WM_EPERM);
  CHECK_EQ(wm_read(r, NULL, 1, 0), WM_EINVAL);
  CHECK_EQ(wm_read(r, b, 0, 0), WM_EINVAL);
  CHECK_EQ(wm_write(w, NULL, 1, 0), WM_EINVAL);
  CHECK_EQ(wm_write(w, NULL, 0, 0), 0);
  CHECK_EQ(wm_close_error(r, WM_EDIED), WM_EPERM);
  CHECK_EQ(wm_close_error(w, 0), WM_EINVAL);
  CHECK_EQ(wm_close_error(w, 7), WM_EINVAL);
  CHECK_EQ(wm_read(WM_PIPE_NONE, b, 1, 0), WM_ENOPIPE);
  CHECK_EQ(wm_write(WM_PIPE_NONE, b, 1, 0), WM_ENOPIPE);
  CHECK_EQ(wm_write((wm_pipe){12345}, b, 1, 0), WM_EBADF);
  CHECK_EQ(wm_close(WM_PIPE_NONE), WM_EBADF);
  /* Every refusal left both ends working. */
  CHECK_EQ(wm_write(w, "z", 1, 0), 0);
  CHECK_EQ(wm_read(r, b, 4, 0), 1);
  CHECK_EQ(wm_close(r), 0);
  CHECK_EQ(wm_close(r), WM_EBADF);
  CHECK_EQ(wm_close(w), 0);
  CHECK_EQ(wm_close_error(w, -1), WM_EBADF);
}

static void close_error_after_data(void) {
  wm_pipe r, w;
  char b[8];
  CHECK_EQ(wm_pipe_make(&r, &w), 0);
  CHECK_EQ(wm_write(w, "abc", 3, 0), 0);
  CHECK_EQ(wm_close_error(w, -1000), 0);
  CHECK_EQ(wm_read(r, b, sizeof b, 0), 3);
  CHECK_EQ(wm_read(r, b, sizeof b, 0), -1000);
  CHECK_EQ(wm_read(r, b, sizeof b, 0), -1000);
  CHECK_EQ(wm_close(r), 0);
}

static void reader_gone(void) {
  wm_pipe r, w;
  CHECK_EQ(wm_pipe_make(&r, &w), 0);
  CHECK_EQ(wm_write(w, "abc", 3, 0), 0);
  CHECK_EQ(wm_close(r), 0);
  CHECK_EQ(wm_write(w, "d", 1, 0), WM_EPIPE);
  CHECK_EQ(wm_write(w, "", 0, 0), 0);
  CHECK_EQ(wm_close(w), 0);
}

/* A write into a full window without time to wait writes a prefix. */
static void window_limits_write(void) {
  wm_pipe r, w;
  mk(&r, &w, 10);
  uint8_t in[25], out[40];
  for (size_t i = 0; i < sizeof in; i++) in[i] = pattern(i);
  CHECK_EQ(wm_write(w, in, sizeof in, 0), WM_ETIMEDOUT);
  CHECK_EQ(wm_read(r, out, sizeof out, 0), 10);
  CHECK(!memcmp(in, out, 10));
  CHECK_EQ(wm_write(w, in, 10, 0), 0);
  CHECK_EQ(wm_write(w, in, 1, 0), WM_ETIMEDOUT);
  CHECK_EQ(wm_close(w), 0);
  CHECK_EQ(wm_close(r), 0);
}

static void stale_handle_refused(void) {
  wm_pipe r, w, r2, w2;
  CHECK_EQ(wm_pipe_make(&r, &w), 0);
  CHECK_EQ(wm_close(r), 0);
  CHECK_EQ(wm_close(w), 0);
  CHECK_EQ(wm_pipe_make(&r2, &w2), 0); /* reuses the slots */
  CHECK(r2.id != r.id && w2.id != w.id);
  char b;
  CHECK_EQ(wm_read(r, &b, 1, 0), WM_EBADF);
  CHECK_EQ(wm_write(w, "x", 1, 0), WM_EBADF);
  CHECK_EQ(wm_close(r), WM_EBADF);
  CHECK_EQ(wm_close(w2), 0);
  CHECK_EQ(wm_close(r2), 0);
}

/* ---- blocking, in fibers ---- */

static wm_pipe g_r, g_w;
static size_t g_total;

static int producer(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  uint8_t *b = test_alloc(70000);
  uint32_t seed = 7;
  for (size_t sent = 0; sent < g_total;) {
    seed = seed * 1103515245u + 12345u;
    size_t n = 1 + (seed >> 8) % 70000;
    if (n > g_total - sent) n = g_total - sent;
    for (size_t i = 0; i < n; i++) b[i] = pattern(sent + i);
    CHECK_EQ(wm_write(g_w, b, n, -1), 0);
    sent += n;
  }
  free(b);
  CHECK_EQ(wm_close(g_w), 0);
  return 0;
}

static void consumer(void) {
  uint8_t *b = test_alloc(50000);
  uint32_t seed = 3;
  size_t got = 0;
  for (;;) {
    seed = seed * 1103515245u + 12345u;
    ssize_t n = wm_read(g_r, b, 1 + (seed >> 8) % 50000, -1);
    CHECK(n >= 0);
    if (!n) break;
    for (ssize_t i = 0; i < n; i++)
      if (b[i] != pattern(got + (size_t)i)) CHECK(!"stream corrupted");
    got += (size_t)n;
  }
  free(b);
  CHECK_EQ(got, g_total);
  CHECK_EQ(wm_close(g_r), 0);
}

static wm_call go_here(wm_fn fn) {
  CHECK_EQ(wm_register("pipe_test", fn), 0);
  wm_opts o = WM_OPTS_INIT;
  o.where = WM_HERE;
  wm_call c;
  CHECK_EQ(wm_go(WM_PIPE_NONE, WM_PIPE_NONE, fn, &o, &c), 0);
  return c;
}

/* stream runs producer into consumer over g_w -> g_r. */
static void stream(size_t total) {
  g_total = total;
  wm_call c = go_here(producer);
  in_fiber(consumer);
  stub_run();
  CHECK_EQ(wm_wait(c, 0), 0);
}

static void local_stream(void) {
  mk(&g_r, &g_w, 1000);
  stream(3 << 20);
}

static int blocked_write(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  uint8_t b[100] = {0};
  return wm_write(g_w, b, sizeof b, -1);
}

static void blocked_writer_sees_reader_close(void) {
  mk(&g_r, &g_w, 10);
  wm_call c = go_here(blocked_write);
  stub_run();
  CHECK_EQ(wm_wait(c, 0), WM_ETIMEDOUT); /* still blocked */
  CHECK_EQ(wm_close(g_r), 0);
  stub_run();
  CHECK_EQ(wm_wait(c, 0), WM_EPIPE);
  CHECK_EQ(wm_close(g_w), 0);
}

static int blocked_read(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  char b[8];
  ssize_t n = wm_read(g_r, b, sizeof b, -1);
  return n > 0 ? 1000 + (int)n : (int)n;
}

static void blocked_reader_sees_error(void) {
  mk(&g_r, &g_w, 10);
  wm_call c = go_here(blocked_read);
  stub_run();
  CHECK_EQ(wm_close_error(g_w, -77), 0);
  stub_run();
  CHECK_EQ(wm_wait(c, 0), -77);
  CHECK_EQ(wm_close(g_r), 0);
}

static void blocked_reader_gets_data(void) {
  mk(&g_r, &g_w, 10);
  wm_call c = go_here(blocked_read);
  stub_run();
  CHECK_EQ(wm_write(g_w, "abc", 3, 0), 0);
  stub_run();
  CHECK_EQ(wm_wait(c, 0), 1003);
  CHECK_EQ(wm_close(g_r), 0);
  CHECK_EQ(wm_close(g_w), 0);
}

/* Closing a handle that a fiber is blocked on wakes it with WM_EBADF. */
static void close_under_blocked_reader(void) {
  mk(&g_r, &g_w, 10);
  wm_call c = go_here(blocked_read);
  stub_run();
  CHECK_EQ(wm_close(g_r), 0);
  stub_run();
  CHECK_EQ(wm_wait(c, 0), WM_EBADF);
  CHECK_EQ(wm_close(g_w), 0);
}

static void read_deadline_body(void) {
  char b[4];
  int64_t t0 = wm_now();
  CHECK_EQ(wm_read(g_r, b, sizeof b, t0 + 50), WM_ETIMEDOUT);
  CHECK_EQ(wm_now(), t0 + 50);
  CHECK_EQ(wm_write(g_w, "ab", 2, 0), 0);
  CHECK_EQ(wm_read(g_r, b, sizeof b, t0 + 100), 2);
}

static void read_deadline(void) {
  mk(&g_r, &g_w, 10);
  in_fiber(read_deadline_body);
  CHECK_EQ(wm_close(g_r), 0);
  CHECK_EQ(wm_close(g_w), 0);
}

/* ---- port-backed: the core on both ends ---- */

/* loopback moves one end of a local pipe out and straight back in, so that
 * both ends stay here but talk over a stub channel. */
static void loopback(wm_pipe *end) {
  wm__desc d;
  int port;
  CHECK_EQ(wm__end_export(*end, &d, &port), 0);
  CHECK(port >= 0);
  CHECK(d.flags & WM__D_PORT);
  CHECK_EQ(wm__end_check(*end, 0), WM_EBADF); /* the old handle is gone */
  CHECK_EQ(wm__end_import(&d, port, end), 0);
  free((void *)d.data);
  wm_stats s;
  CHECK_EQ(wm_get_stats(&s), 0);
  CHECK(s.ports >= 2);
}

static void ported_stream_writer_moved(void) {
  mk(&g_r, &g_w, 4096);
  CHECK_EQ(wm_write(g_w, "xyz", 3, 0), 0); /* unread: in flight after */
  loopback(&g_w);
  char b[3];
  CHECK_EQ(wm_read(g_r, b, 3, 0), 3);
  CHECK(!memcmp(b, "xyz", 3));
  stream(1 << 20);
}

static void ported_stream_reader_moved(void) {
  mk(&g_r, &g_w, 5000);
  CHECK_EQ(wm_write(g_w, "xyz", 3, 0), 0); /* travels in the descriptor */
  loopback(&g_r);
  char b[3];
  CHECK_EQ(wm_read(g_r, b, 3, 0), 3);
  CHECK(!memcmp(b, "xyz", 3));
  stream(1 << 20);
}

static void ported_close_error(void) {
  mk(&g_r, &g_w, 4096);
  loopback(&g_r);
  CHECK_EQ(wm_write(g_w, "abc", 3, 0), 0);
  CHECK_EQ(wm_close_error(g_w, -1234), 0);
  stub_run();
  char b[8];
  CHECK_EQ(read_soon(g_r, b, sizeof b), 3);
  CHECK_EQ(read_soon(g_r, b, sizeof b), -1234);
  CHECK_EQ(wm_close(g_r), 0);
  stub_run(); /* the close handshake ends: both ends and ports freed */
}

static void ported_reader_gone(void) {
  mk(&g_r, &g_w, 4096);
  loopback(&g_w);
  CHECK_EQ(wm_close(g_r), 0);
  stub_run();
  /* The writer hears of it at the latest when its window is full. */
  static const uint8_t big[8192];
  CHECK_EQ(write_soon(g_w, big, sizeof big), WM_EPIPE);
  CHECK_EQ(wm_close(g_w), 0);
  stub_run();
}

/* An end whose peer is already gone moves without a port. */
static void export_after_writer_closed(void) {
  wm_pipe r, w;
  mk(&r, &w, 100);
  CHECK_EQ(wm_write(w, "abc", 3, 0), 0);
  CHECK_EQ(wm_close(w), 0);
  wm__desc d;
  int port;
  CHECK_EQ(wm__end_export(r, &d, &port), 0);
  CHECK_EQ(port, -1);
  CHECK_EQ(d.flags, WM__D_PRESENT);
  CHECK_EQ(d.status, 1);
  CHECK_EQ(d.datalen, 3);
  CHECK_EQ(wm__end_import(&d, -1, &r), 0);
  free((void *)d.data);
  char b[8];
  CHECK_EQ(wm_read(r, b, sizeof b, 0), 3);
  CHECK_EQ(wm_read(r, b, sizeof b, 0), 0);
  CHECK_EQ(wm_close(r), 0);
}

static void export_after_reader_closed(void) {
  wm_pipe r, w;
  mk(&r, &w, 100);
  CHECK_EQ(wm_close(r), 0);
  wm__desc d;
  int port;
  CHECK_EQ(wm__end_export(w, &d, &port), 0);
  CHECK_EQ(port, -1);
  CHECK_EQ(d.flags, WM__D_PRESENT | WM__D_WRITER);
  CHECK_EQ(d.status, 1);
  CHECK_EQ(wm__end_import(&d, -1, &w), 0);
  CHECK_EQ(wm_write(w, "x", 1, 0), WM_EPIPE);
  CHECK_EQ(wm_close(w), 0);
}

static void export_bad_handle(void) {
  wm__desc d;
  int port = 5;
  CHECK_EQ(wm__end_export((wm_pipe){999}, &d, &port), WM_EBADF);
  CHECK_EQ(port, -1);
  CHECK_EQ(d.flags, 0);
  wm_pipe p = {77};
  d.flags = 0; /* absent: nothing to import */
  CHECK_EQ(wm__end_import(&d, -1, &p), 0);
  CHECK_EQ(p.id, 0);
}

/* ---- port-backed: the test plays the far end ---- */

/* far_end exports *end and gives its port to the test. */
static int far_end(wm_pipe end) {
  wm__desc d;
  int port;
  CHECK_EQ(wm__end_export(end, &d, &port), 0);
  free((void *)d.data);
  stub_take(port);
  return port;
}

/* drain_data takes the DATA frames waiting on port, checking that they
 * continue the pattern from offset base, and returns their size. */
static size_t drain_data(int port, size_t base) {
  uint8_t b[WM__CHUNK + 1];
  size_t total = 0;
  long n;
  while ((n = stub_recv(port, b, sizeof b)) > 0) {
    CHECK_EQ(b[0], WM__F_DATA);
    for (long i = 1; i < n; i++)
      CHECK_EQ(b[i], pattern(base + total + (size_t)i - 1));
    total += (size_t)n - 1;
  }
  return total;
}

static void credit(int port, uint32_t n) {
  uint8_t b[4] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16),
                  (uint8_t)(n >> 24)};
  stub_post(port, WM__F_CREDIT, b, 4);
}

static int write_pattern(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  uint8_t *b = test_alloc(g_total);
  for (size_t i = 0; i < g_total; i++) b[i] = pattern(i);
  int rc = wm_write(g_w, b, g_total, -1);
  free(b);
  return rc;
}

/* The writer never has more than a window in flight, resumes on credit,
 * and ends with EOF; the handshake frees its end once RCLOSE is back. */
static void remote_reader_flow_control(void) {
  mk(&g_r, &g_w, 1000);
  int port = far_end(g_r);
  g_total = 2500;
  wm_call c = go_here(write_pattern);
  stub_run();
  size_t got = drain_data(port, 0);
  CHECK_EQ(got, 1000);
  credit(port, 400);
  stub_run();
  got += drain_data(port, got);
  CHECK_EQ(got, 1400);
  credit(port, 600);
  credit(port, 1000);
  stub_run();
  got += drain_data(port, got);
  CHECK_EQ(got, 2500);
  CHECK_EQ(wm_wait(c, 0), 0);
  CHECK_EQ(wm_close(g_w), 0);
  stub_run();
  uint8_t b[8];
  CHECK_EQ(stub_recv(port, b, sizeof b), 1);
  CHECK_EQ(b[0], WM__F_EOF);
  CHECK(!stub_peer_gone(port)); /* lingers until the reader answers */
  wm_stats s;
  CHECK_EQ(wm_get_stats(&s), 0);
  CHECK_EQ(s.pipes, 1);
  stub_post(port, WM__F_RCLOSE, NULL, 0);
  stub_run();
  CHECK(stub_peer_gone(port));
  stub_close(port);
}

/* A writer blocked on a local pipe whose reader then moves away waits for
 * credit on the new port, and resumes when it comes. */
static void writer_blocked_when_reader_moves(void) {
  mk(&g_r, &g_w, 1000);
  g_total = 2500;
  wm_call c = go_here(write_pattern);
  stub_run(); /* a window in the local ring, then blocked */
  wm__desc d;
  int port;
  CHECK_EQ(wm__end_export(g_r, &d, &port), 0);
  CHECK_EQ(d.datalen, 1000); /* the unread window travels with the reader */
  free((void *)d.data);
  stub_take(port);
  stub_run();
  CHECK_EQ(drain_data(port, 1000), 0); /* still no room */
  credit(port, 1000);
  stub_run();
  CHECK_EQ(drain_data(port, 1000), 1000);
  credit(port, 1000);
  stub_run();
  CHECK_EQ(drain_data(port, 2000), 500);
  CHECK_EQ(wm_wait(c, 0), 0);
  CHECK_EQ(wm_close(g_w), 0);
  stub_run();
  uint8_t f[8];
  CHECK_EQ(stub_recv(port, f, sizeof f), 1);
  CHECK_EQ(f[0], WM__F_EOF);
  stub_post(port, WM__F_RCLOSE, NULL, 0);
  stub_run();
  stub_close(port);
}

/* recv_data takes one DATA frame from port, checks that it continues the
 * pattern from base, and returns its size (0 if nothing is waiting). */
static size_t recv_data(int port, size_t base) {
  static uint8_t b[WM__CHUNK + 1];
  long n = stub_recv(port, b, sizeof b);
  if (n < 0) return 0;
  CHECK(n > 1);
  CHECK_EQ(b[0], WM__F_DATA);
  for (long i = 1; i < n; i++) CHECK_EQ(b[i], pattern(base + (size_t)i - 1));
  return (size_t)n - 1;
}

static int g_port;

static void gather_body(void) {
  uint8_t *b = test_alloc(5 * 16384 + 10);
  for (size_t i = 0; i < 5 * 16384 + 10; i++) b[i] = pattern(i);
  for (int i = 0; i < 5; i++)
    CHECK_EQ(wm_write(g_w, b + i * 16384, 16384, -1), 0);
  for (int i = 0; i < 10; i++)
    CHECK_EQ(wm_write(g_w, b + 5 * 16384 + i, 1, -1), 0);
  free(b);
  /* A chunk went out when it was full; the rest waits for the run's end. */
  CHECK_EQ(recv_data(g_port, 0), WM__CHUNK);
  CHECK_EQ(recv_data(g_port, WM__CHUNK), 0);
}

/* Small writes in a fiber are gathered into chunks: a frame goes out when a
 * chunk is full, or once every fiber has parked. Outside a fiber a write
 * goes at once, since no scheduler run ends after it. */
static void writes_gathered(void) {
  mk(&g_r, &g_w, WM__DEFAULT_WINDOW);
  g_port = far_end(g_r);
  in_fiber(gather_body);
  CHECK_EQ(recv_data(g_port, WM__CHUNK), 16384 + 10);
  CHECK_EQ(recv_data(g_port, 0), 0);
  static const uint8_t two[2] = {0x11, 0x22};
  CHECK_EQ(wm_write(g_w, two, 2, 0), 0);
  uint8_t f[8];
  CHECK_EQ(stub_recv(g_port, f, sizeof f), 3);
  CHECK(f[0] == WM__F_DATA && f[1] == 0x11 && f[2] == 0x22);
  CHECK_EQ(wm_close(g_w), 0);
  stub_run();
  CHECK_EQ(stub_recv(g_port, f, sizeof f), 1);
  CHECK_EQ(f[0], WM__F_EOF);
  stub_post(g_port, WM__F_RCLOSE, NULL, 0);
  stub_run();
  CHECK(stub_peer_gone(g_port));
  stub_close(g_port);
}

static void moved_writer_body(void) {
  static const uint8_t xyz[3] = {'x', 'y', 'z'};
  CHECK_EQ(wm_write(g_w, xyz, 3, -1), 0);
  uint8_t f[8];
  CHECK_EQ(stub_recv(g_port, f, sizeof f), -1); /* gathered */
  wm__desc d;
  int port;
  CHECK_EQ(wm__end_export(g_w, &d, &port), 0);
  /* It went out before the port moved, and counts as in flight. */
  CHECK_EQ(stub_recv(g_port, f, sizeof f), 4);
  CHECK(f[0] == WM__F_DATA && !memcmp(f + 1, xyz, 3));
  CHECK_EQ(d.count, 3);
  stub_take(port);
  stub_close(port);
}

/* A writer that moves sends what it has gathered first. */
static void moved_writer_sends_gathered(void) {
  mk(&g_r, &g_w, 1000);
  g_port = far_end(g_r);
  in_fiber(moved_writer_body);
  stub_close(g_port);
}

/* The reader credits what it has consumed, and no more once the writer has
 * closed; it sees EOF after the data. */
static uint32_t credits(int port) {
  uint32_t sum = 0;
  uint8_t f[8];
  long n;
  while ((n = stub_recv(port, f, sizeof f)) > 0) {
    CHECK_EQ(n, 5);
    CHECK_EQ(f[0], WM__F_CREDIT);
    sum += (uint32_t)f[1] | (uint32_t)f[2] << 8 | (uint32_t)f[3] << 16 |
           (uint32_t)f[4] << 24;
  }
  return sum;
}

static void remote_writer_credits(void) {
  mk(&g_r, &g_w, 1000);
  int port = far_end(g_w);
  uint8_t b[1000], out[1000];
  for (size_t i = 0; i < sizeof b; i++) b[i] = pattern(i);
  stub_post(port, WM__F_DATA, b, 600);
  stub_post(port, WM__F_DATA, b + 600, 400);
  stub_run();
  for (size_t got = 0; got < 1000; got += 100) {
    CHECK_EQ(read_soon(g_r, out + got, 100), 100);
    /* Credit goes back in batches of a quarter window, not per read. */
    if (got == 100) CHECK_EQ(credits(port), 0);
  }
  CHECK(!memcmp(b, out, 1000));
  /* The last 100 bytes wait for more: the writer still has 900 of room. */
  CHECK_EQ(credits(port), 900);
  stub_post(port, WM__F_DATA, b, 10);
  stub_post(port, WM__F_EOF, NULL, 0);
  stub_run();
  CHECK_EQ(read_soon(g_r, out, 100), 10);
  CHECK_EQ(credits(port), 0); /* the writer has gone: no credit */
  CHECK_EQ(read_soon(g_r, out, 1), 0);
  CHECK_EQ(wm_close(g_r), 0);
  stub_run();
  uint8_t f[8];
  CHECK_EQ(stub_recv(port, f, sizeof f), 1);
  CHECK_EQ(f[0], WM__F_RCLOSE);
  CHECK(stub_peer_gone(port)); /* both terminals passed: freed at once */
  stub_close(port);
}

/* A writer that sends beyond its window breaks the protocol: the frame is
 * refused and the reader sees WM_EPROTO after the data it has. */
static void data_beyond_window(void) {
  mk(&g_r, &g_w, 1000);
  int port = far_end(g_w);
  uint32_t r0 = refused();
  uint8_t b[1001] = {0};
  stub_post(port, WM__F_DATA, b, 10);
  stub_post(port, WM__F_DATA, b, 991);
  uint8_t out[2000];
  CHECK_EQ(read_soon(g_r, out, sizeof out), 10);
  CHECK_EQ(refused(), r0 + 1);
  CHECK_EQ(read_soon(g_r, out, sizeof out), WM_EPROTO);
  /* Anything after the failure is refused too. */
  stub_post(port, WM__F_EOF, NULL, 0);
  stub_run();
  CHECK_EQ(refused(), r0 + 2);
  CHECK_EQ(wm_close(g_r), 0);
  stub_run();
  CHECK(stub_peer_gone(port));
  stub_close(port);
}

static void malformed_frames_fail_pipe(void) {
  const uint8_t bad[][6] = {{99}, {WM__F_ERR, 1, 0, 0, 0}, {WM__F_EOF, 0}};
  const size_t len[] = {1, 5, 2};
  for (int i = 0; i < 3; i++) {
    mk(&g_r, &g_w, 1000);
    int port = far_end(g_w);
    uint32_t r0 = refused();
    stub_post(port, -1, bad[i], len[i]);
    char c;
    CHECK_EQ(read_soon(g_r, &c, 1), WM_EPROTO);
    CHECK_EQ(refused(), r0 + 1);
    CHECK_EQ(wm_close(g_r), 0);
    stub_run();
    stub_close(port);
  }
}

/* A credit for more than is in flight is forged: the writer stops. */
static void credit_beyond_in_flight(void) {
  mk(&g_r, &g_w, 1000);
  int port = far_end(g_r);
  uint32_t r0 = refused();
  static const uint8_t big[1004];
  credit(port, 2000); /* more than the window: never in flight */
  CHECK_EQ(write_soon(g_w, big, sizeof big), WM_EPIPE);
  CHECK_EQ(refused(), r0 + 1);
  CHECK_EQ(wm_close(g_w), 0);
  stub_run();
  uint8_t f[1100];
  size_t data = 0;
  long n;
  while ((n = stub_recv(port, f, sizeof f)) > 1) {
    CHECK_EQ(f[0], WM__F_DATA);
    data += (size_t)n - 1;
  }
  CHECK_EQ(data, 1000); /* a window, and not a byte more */
  CHECK_EQ(n, 1);
  CHECK_EQ(f[0], WM__F_EOF);
  CHECK(stub_peer_gone(port));
  stub_close(port);
}

/* A port that closes without a terminal frame means the far instance
 * died: the reader gets WM_EDIED after the data that did arrive. */
static void port_lost_under_reader(void) {
  mk(&g_r, &g_w, 1000);
  int port = far_end(g_w);
  stub_post(port, WM__F_DATA, "abc", 3);
  stub_close(port);
  stub_run();
  char b[8];
  CHECK_EQ(read_soon(g_r, b, sizeof b), 3);
  CHECK_EQ(read_soon(g_r, b, sizeof b), WM_EDIED);
  CHECK_EQ(wm_close(g_r), 0);
}

static void port_lost_under_writer(void) {
  mk(&g_r, &g_w, 1000);
  int port = far_end(g_r);
  stub_close(port);
  stub_run();
  static const uint8_t big[1001];
  CHECK_EQ(write_soon(g_w, big, sizeof big), WM_EPIPE);
  CHECK_EQ(wm_close(g_w), 0);
}

static void frame_on_unknown_port(void) {
  uint32_t r0 = refused();
  uint8_t eof = WM__F_EOF;
  wm__on_port(4000, &eof, 1);
  wm__on_port(-1, &eof, 1);
  CHECK_EQ(refused(), r0 + 2);
}

/* ---- zero-copy access ---- */

static void borrow_local(void) {
  wm_pipe r, w;
  mk(&r, &w, 100);
  const void *src = &src;
  CHECK_EQ(wm_read_borrow(r, &src, 0), WM_ETIMEDOUT);
  CHECK(src == NULL);
  CHECK_EQ(wm_write(w, "hello", 5, 0), 0);
  CHECK_EQ(wm_read_borrow(r, &src, 0), 5);
  CHECK(!memcmp(src, "hello", 5));
  CHECK_EQ(wm_read_commit(r, 6), WM_EINVAL); /* more than lent */
  CHECK_EQ(wm_read_commit(r, 2), 0);
  CHECK_EQ(wm_read_commit(r, 1), WM_EINVAL); /* the loan has ended */
  CHECK_EQ(wm_read_commit(r, 0), 0);
  CHECK_EQ(wm_read_borrow(r, &src, 0), 3);
  CHECK(!memcmp(src, "llo", 3));
  /* A read cancels the loan: it took the bytes lent. */
  char b[8];
  CHECK_EQ(wm_read(r, b, 1, 0), 1);
  CHECK_EQ(wm_read_commit(r, 1), WM_EINVAL);
  CHECK_EQ(wm_read_borrow(r, &src, 0), 2);
  CHECK(!memcmp(src, "lo", 2));
  CHECK_EQ(wm_read_commit(r, 2), 0);
  CHECK_EQ(wm_close_error(w, -55), 0);
  CHECK_EQ(wm_read_borrow(r, &src, -1), -55);
  CHECK(src == NULL);
  CHECK_EQ(wm_close(r), 0);

  mk(&r, &w, 100);
  CHECK_EQ(wm_write(w, "x", 1, 0), 0);
  CHECK_EQ(wm_close(w), 0);
  CHECK_EQ(wm_read_borrow(r, &src, 0), 1);
  CHECK_EQ(wm_read_commit(r, 1), 0);
  CHECK_EQ(wm_read_borrow(r, &src, -1), 0); /* EOF */
  CHECK_EQ(wm_close(r), 0);
  CHECK_EQ(wm_read_commit(r, 0), WM_EBADF);
}

static void borrow_reserve_wrong_ends(void) {
  wm_pipe r, w;
  mk(&r, &w, 100);
  const void *src;
  void *dst;
  CHECK_EQ(wm_read_borrow(w, &src, 0), WM_EPERM);
  CHECK_EQ(wm_read_commit(w, 0), WM_EPERM);
  CHECK_EQ(wm_write_reserve(r, &dst, 0), WM_EPERM);
  CHECK_EQ(wm_write_commit(r, 0), WM_EPERM);
  CHECK_EQ(wm_read_borrow(r, NULL, 0), WM_EINVAL);
  CHECK_EQ(wm_write_reserve(w, NULL, 0), WM_EINVAL);
  CHECK_EQ(wm_read_borrow(WM_PIPE_NONE, &src, 0), WM_ENOPIPE);
  CHECK_EQ(wm_write_reserve(WM_PIPE_NONE, &dst, 0), WM_ENOPIPE);
  CHECK_EQ(wm_read_commit(WM_PIPE_NONE, 0), WM_ENOPIPE);
  CHECK_EQ(wm_write_commit(WM_PIPE_NONE, 0), WM_ENOPIPE);
  CHECK_EQ(wm_read_borrow((wm_pipe){12345}, &src, 0), WM_EBADF);
  CHECK_EQ(wm_write_reserve((wm_pipe){12345}, &dst, 0), WM_EBADF);
  CHECK_EQ(wm_close(r), 0);
  CHECK_EQ(wm_write_reserve(w, &dst, 0), WM_EPIPE);
  CHECK_EQ(wm_close(w), 0);
}

static void reserve_local(void) {
  wm_pipe r, w;
  mk(&r, &w, 100);
  void *dst;
  /* The room is what the window leaves. */
  CHECK_EQ(wm_write(w, "abc", 3, 0), 0);
  CHECK_EQ(wm_write_reserve(w, &dst, 0), 97);
  memcpy(dst, "defg", 4);
  CHECK_EQ(wm_write_commit(w, 98), WM_EINVAL);
  CHECK_EQ(wm_write_commit(w, 4), 0);
  CHECK_EQ(wm_write_commit(w, 1), WM_EINVAL); /* nothing reserved now */
  char b[16];
  CHECK_EQ(wm_read(r, b, sizeof b, 0), 7);
  CHECK(!memcmp(b, "abcdefg", 7));
  /* A write cancels the reservation, and goes first. */
  CHECK_EQ(wm_write_reserve(w, &dst, 0), 100);
  memcpy(dst, "zz", 2);
  CHECK_EQ(wm_write(w, "y", 1, 0), 0);
  CHECK_EQ(wm_write_commit(w, 2), WM_EINVAL);
  CHECK_EQ(wm_read(r, b, sizeof b, 0), 1);
  CHECK_EQ(b[0], 'y');
  /* A full window leaves no room. */
  static const uint8_t fill[100];
  CHECK_EQ(wm_write(w, fill, 100, 0), 0);
  CHECK_EQ(wm_write_reserve(w, &dst, 0), WM_ETIMEDOUT);
  CHECK_EQ(wm_read(r, b, 10, 0), 10);
  CHECK_EQ(wm_write_reserve(w, &dst, 0), 10);
  /* The reader goes between reserve and commit: the bytes are lost. */
  CHECK_EQ(wm_close(r), 0);
  CHECK_EQ(wm_write_commit(w, 10), WM_EPIPE);
  CHECK_EQ(wm_close(w), 0);
}

/* A local pipe's reservation is sized for the reader's ring: when the
 * reader moves, the window counts bytes in flight instead, so the
 * reservation is cancelled rather than let it overrun the window. */
static void reserve_cancelled_when_reader_moves(void) {
  wm_pipe r, w;
  mk(&r, &w, 1000);
  void *dst;
  CHECK_EQ(wm_write(w, "abc", 3, 0), 0);
  CHECK_EQ(wm_write_reserve(w, &dst, 0), 997);
  int port = far_end(r);
  CHECK_EQ(wm_write_commit(w, 997), WM_EINVAL);
  CHECK_EQ(wm_close(w), 0);
  stub_run();
  uint8_t f[8];
  CHECK_EQ(stub_recv(port, f, sizeof f), 1);
  CHECK_EQ(f[0], WM__F_EOF);
  stub_post(port, WM__F_RCLOSE, NULL, 0);
  stub_run();
  stub_close(port);
}

/* A lent slice stays where it is while the writer fills the rest of the
 * window: the first borrow sized the ring to hold all of it. */
static void borrow_stable_while_data_arrives(void) {
  mk(&g_r, &g_w, 8192);
  int port = far_end(g_w);
  uint8_t b[8192];
  for (size_t i = 0; i < sizeof b; i++) b[i] = pattern(i);
  stub_post(port, WM__F_DATA, b, 10);
  const void *src;
  CHECK_EQ(wm_read_borrow(g_r, &src, 0), WM_ETIMEDOUT); /* starts the port */
  stub_run();
  CHECK_EQ(wm_read_borrow(g_r, &src, 0), 10);
  for (size_t at = 10; at < sizeof b; at += 1000) {
    size_t n = sizeof b - at < 1000 ? sizeof b - at : 1000;
    stub_post(port, WM__F_DATA, b + at, n);
    stub_run();
  }
  CHECK(!memcmp(src, b, 10));
  CHECK_EQ(wm_read_commit(g_r, 10), 0);
  size_t got = 10;
  while (got < sizeof b) {
    ssize_t n = wm_read_borrow(g_r, &src, 0);
    CHECK(n > 0);
    CHECK(!memcmp(src, b + got, (size_t)n));
    CHECK_EQ(wm_read_commit(g_r, (size_t)n), 0);
    got += (size_t)n;
  }
  CHECK_EQ(credits(port), 8192);
  CHECK_EQ(wm_close(g_r), 0);
  stub_run();
  uint8_t f[8];
  CHECK_EQ(stub_recv(port, f, sizeof f), 1);
  CHECK_EQ(f[0], WM__F_RCLOSE);
  stub_post(port, WM__F_EOF, NULL, 0);
  stub_run();
  stub_close(port);
}

static void reserve_across_flush_body(void) {
  static const uint8_t head[10] = "0123456789";
  CHECK_EQ(wm_write(g_w, head, 10, -1), 0); /* gathered */
  void *dst;
  CHECK_EQ(wm_write_reserve(g_w, &dst, -1), WM__CHUNK - 10);
  memcpy(dst, "abc", 3);
  /* Blocking ends the scheduler's run: what was gathered goes out, and
   * the reservation stays good. */
  wm_call c;
  wm_opts o = WM_OPTS_INIT;
  o.where = WM_HERE;
  o.deadline = wm_now() + 5;
  CHECK_EQ(wm_register("pipe_test_sleep", blocked_read), 0);
  CHECK_EQ(wm_go(WM_PIPE_NONE, WM_PIPE_NONE, blocked_read, &o, &c), 0);
  CHECK_EQ(wm_wait(c, -1), WM_ETIMEDOUT);
  uint8_t f[32];
  CHECK_EQ(stub_recv(g_port, f, sizeof f), 11);
  CHECK(f[0] == WM__F_DATA && !memcmp(f + 1, head, 10));
  CHECK_EQ(wm_write_commit(g_w, 3), 0);
  CHECK_EQ(wm_close(g_w), 0);
}

static void reserve_across_flush(void) {
  wm_pipe r2, w2;
  mk(&g_r, &g_w, WM__DEFAULT_WINDOW);
  mk(&r2, &w2, 100);
  g_port = far_end(g_r);
  g_r = r2; /* blocked_read waits on it */
  in_fiber(reserve_across_flush_body);
  stub_run();
  uint8_t f[32];
  CHECK_EQ(stub_recv(g_port, f, sizeof f), 4);
  CHECK(f[0] == WM__F_DATA && !memcmp(f + 1, "abc", 3));
  CHECK_EQ(stub_recv(g_port, f, sizeof f), 1);
  CHECK_EQ(f[0], WM__F_EOF);
  stub_post(g_port, WM__F_RCLOSE, NULL, 0);
  stub_run();
  stub_close(g_port);
  CHECK_EQ(wm_close(r2), 0);
  CHECK_EQ(wm_close(w2), 0);
}

/* A port-backed writer reserves no more than its window leaves, and sends
 * the reserved chunk without a copy of its own. */
static void reserve_bounded_by_window(void) {
  mk(&g_r, &g_w, 1000);
  int port = far_end(g_r);
  void *dst;
  CHECK_EQ(wm_write_reserve(g_w, &dst, 0), 1000);
  for (size_t i = 0; i < 1000; i++) ((uint8_t *)dst)[i] = pattern(i);
  CHECK_EQ(wm_write_commit(g_w, 1000), 0); /* outside a fiber: sent */
  CHECK_EQ(drain_data(port, 0), 1000);
  CHECK_EQ(wm_write_reserve(g_w, &dst, 0), WM_ETIMEDOUT);
  credit(port, 300);
  stub_run();
  CHECK_EQ(wm_write_reserve(g_w, &dst, 0), 300);
  CHECK_EQ(wm_write_commit(g_w, 0), 0);
  CHECK_EQ(drain_data(port, 1000), 0);
  CHECK_EQ(wm_close(g_w), 0);
  stub_run();
  uint8_t f[8];
  CHECK_EQ(stub_recv(port, f, sizeof f), 1);
  CHECK_EQ(f[0], WM__F_EOF);
  stub_post(port, WM__F_RCLOSE, NULL, 0);
  stub_run();
  stub_close(port);
}

/* zc_producer writes g_total bytes of the pattern through reservations of
 * varying use; zc_consumer reads them through loans, committing less than
 * it was lent at times. */
static int zc_producer(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  uint32_t seed = 11;
  for (size_t sent = 0; sent < g_total;) {
    void *dst;
    ssize_t k = wm_write_reserve(g_w, &dst, -1);
    CHECK(k > 0 && k <= (ssize_t)WM__CHUNK);
    seed = seed * 1103515245u + 12345u;
    size_t n = 1 + (seed >> 8) % (size_t)k;
    if (n > g_total - sent) n = g_total - sent;
    for (size_t i = 0; i < n; i++) ((uint8_t *)dst)[i] = pattern(sent + i);
    CHECK_EQ(wm_write_commit(g_w, n), 0);
    sent += n;
  }
  CHECK_EQ(wm_close(g_w), 0);
  return 0;
}

static void zc_consumer(void) {
  uint32_t seed = 5;
  size_t got = 0;
  for (;;) {
    const void *src;
    ssize_t n = wm_read_borrow(g_r, &src, -1);
    CHECK(n >= 0);
    if (!n) break;
    seed = seed * 1103515245u + 12345u;
    size_t k = 1 + (seed >> 8) % (size_t)n;
    for (size_t i = 0; i < k; i++)
      if (((const uint8_t *)src)[i] != pattern(got + i))
        CHECK(!"stream corrupted");
    CHECK_EQ(wm_read_commit(g_r, k), 0);
    got += k;
  }
  CHECK_EQ(got, g_total);
  CHECK_EQ(wm_close(g_r), 0);
}

static void zc_stream(size_t total) {
  g_total = total;
  wm_call c = go_here(zc_producer);
  in_fiber(zc_consumer);
  stub_run();
  CHECK_EQ(wm_wait(c, 0), 0);
}

static void zc_local_stream(void) {
  mk(&g_r, &g_w, 1000);
  zc_stream(1 << 20);
  mk(&g_r, &g_w, WM__DEFAULT_WINDOW);
  zc_stream(3 << 20);
}

static void zc_ported_stream(void) {
  mk(&g_r, &g_w, 4096);
  loopback(&g_w);
  zc_stream(1 << 20);
  mk(&g_r, &g_w, WM__DEFAULT_WINDOW);
  loopback(&g_r);
  zc_stream(8 << 20);
}

/* The zero-copy ends and the copying ones speak the same stream. */
static void zc_mixed_stream(void) {
  mk(&g_r, &g_w, 3000);
  loopback(&g_r);
  g_total = 1 << 20;
  wm_call c = go_here(producer);
  in_fiber(zc_consumer);
  stub_run();
  CHECK_EQ(wm_wait(c, 0), 0);
  mk(&g_r, &g_w, 3000);
  loopback(&g_w);
  g_total = 1 << 20;
  c = go_here(zc_producer);
  in_fiber(consumer);
  stub_run();
  CHECK_EQ(wm_wait(c, 0), 0);
}

/* ---- out of memory ---- */

static void export_nomem_with(void (*arm)(long)) {
  for (long k = 0;; k++) {
    wm_pipe r, w;
    mk(&r, &w, 100);
    CHECK_EQ(wm_write(w, "abc", 3, 0), 0);
    wm__desc d;
    int port;
    arm(k);
    int rc = wm__end_export(r, &d, &port);
    int hit = failalloc_disarm();
    if (!hit) {
      CHECK_EQ(rc, 0);
      CHECK_EQ(wm__end_import(&d, port, &r), 0);
      free((void *)d.data);
      CHECK_EQ(wm_close(w), 0);
      stub_run();
      CHECK_EQ(wm_close(r), 0);
      stub_run();
      break;
    }
    if (rc) {
      /* Refused: the caller still owns r and can close it. */
      CHECK_EQ(rc, WM_ENOMEM);
      CHECK_EQ(port, -1);
      CHECK_EQ(wm_close(r), 0);
    } else {
      CHECK_EQ(wm__end_import(&d, port, &r), 0);
      free((void *)d.data);
      CHECK_EQ(wm_close(r), 0);
    }
    CHECK_EQ(wm_close(w), 0);
    stub_run();
    check_clean();
  }
}

static void export_nomem(void) {
  export_nomem_with(failalloc_arm);
  export_nomem_with(failalloc_arm_one);
}

/* import_nomem_at fails each allocation of wm__end_import in turn: on
 * WM_ENOMEM the port must be closed, as rt.h promises. With high, the port
 * id is above every id bound so far, so that bind() has to allocate too. */
static void import_nomem_at(int high, void (*arm)(long)) {
  static const uint8_t data[3] = {1, 2, 3};
  int hold[200];
  for (long k = 0;; k++) {
    for (int i = 0; high && i < 100; i++)
      hold[2 * i] = stub_channel(&hold[2 * i + 1]);
    int other, port = stub_channel(&other);
    stub_give(port);
    wm__desc d = {WM__D_PRESENT | WM__D_PORT, 0, 0, 100, 0, 3, data};
    wm_pipe r;
    arm(k);
    int rc = wm__end_import(&d, port, &r);
    int hit = failalloc_disarm();
    if (rc) {
      CHECK_EQ(rc, WM_ENOMEM);
      CHECK_EQ(r.id, 0);
      CHECK(stub_peer_gone(other));
    } else {
      char b[3];
      CHECK_EQ(wm_read(r, b, 3, 0), 3);
      CHECK_EQ(wm_close(r), 0);
      stub_post(other, WM__F_EOF, NULL, 0);
      stub_run();
    }
    stub_close(other);
    for (int i = 0; high && i < 200; i++) stub_close(hold[i]);
    check_clean();
    if (!hit) break;
  }
}

static void import_nomem(void) {
  import_nomem_at(0, failalloc_arm);
  import_nomem_at(0, failalloc_arm_one);
}

/* When binding the port fails (by_port cannot grow), wm__end_import must
 * still close the port, or the far end would wait forever. */
static void import_nomem_closes_port(void) {
  import_nomem_at(1, failalloc_arm);
}

/* When wm__end_export cannot bind the staying end's new port, it fails both
 * ends: the reader it was asked to move must not wait forever for bytes no
 * one can send. Needs a fresh process (bind must allocate), so it runs
 * alone (T_SOLO). */
static void export_nomem_strands_reader(void) {
  wm_pipe r, w;
  mk(&r, &w, 100);
  CHECK_EQ(wm_write(w, "abc", 3, 0), 0);
  wm__desc d;
  int port;
  failalloc_arm(1); /* the data copy succeeds; bind() fails */
  CHECK_EQ(wm__end_export(r, &d, &port), WM_ENOMEM);
  CHECK(failalloc_disarm());
  CHECK_EQ(wm_write(w, "d", 1, 0), WM_EPIPE); /* the writer was failed */
  char b[8];
  CHECK_EQ(wm_read(r, b, sizeof b, 0), 3);
  ssize_t n = wm_read(r, b, sizeof b, 0);
  CHECK(n != WM_ETIMEDOUT); /* EOF or an error, never "wait more" */
  CHECK_EQ(wm_close(r), 0);
  CHECK_EQ(wm_close(w), 0);
}

int main(int argc, char **argv) {
  static const test_case t[] = {
      TEST(make_bad_args, 0),
      TEST(write_read_eof, 0),
      TEST(wrong_ends_and_args, 0),
      TEST(close_error_after_data, 0),
      TEST(reader_gone, 0),
      TEST(window_limits_write, 0),
      TEST(stale_handle_refused, 0),
      TEST(local_stream, T_FIBER),
      TEST(blocked_writer_sees_reader_close, T_FIBER),
      TEST(blocked_reader_sees_error, T_FIBER),
      TEST(blocked_reader_gets_data, T_FIBER),
      TEST(close_under_blocked_reader, T_FIBER),
      TEST(read_deadline, T_FIBER),
      TEST(ported_stream_writer_moved, T_FIBER),
      TEST(ported_stream_reader_moved, T_FIBER),
      TEST(ported_close_error, 0),
      TEST(ported_reader_gone, 0),
      TEST(export_after_writer_closed, 0),
      TEST(export_after_reader_closed, 0),
      TEST(export_bad_handle, 0),
      TEST(remote_reader_flow_control, T_FIBER),
      TEST(remote_writer_credits, 0),
      TEST(writes_gathered, T_FIBER),
      TEST(writer_blocked_when_reader_moves, T_FIBER),
      TEST(moved_writer_sends_gathered, T_FIBER),
      TEST(data_beyond_window, 0),
      TEST(malformed_frames_fail_pipe, 0),
      TEST(credit_beyond_in_flight, 0),
      TEST(port_lost_under_reader, 0),
      TEST(port_lost_under_writer, 0),
      TEST(frame_on_unknown_port, 0),
      TEST(borrow_local, 0),
      TEST(borrow_reserve_wrong_ends, 0),
      TEST(reserve_local, 0),
      TEST(reserve_cancelled_when_reader_moves, 0),
      TEST(borrow_stable_while_data_arrives, 0),
      TEST(reserve_across_flush, T_FIBER),
      TEST(reserve_bounded_by_window, 0),
      TEST(zc_local_stream, T_FIBER),
      TEST(zc_ported_stream, T_FIBER),
      TEST(zc_mixed_stream, T_FIBER),
      TEST(export_nomem, T_FAILALLOC),
      TEST(import_nomem, T_FAILALLOC),
      TEST(import_nomem_closes_port, T_FAILALLOC),
      TEST(export_nomem_strands_reader, T_FAILALLOC | T_SOLO),
  };
  return test_main(argc, argv, t, sizeof t / sizeof t[0]);
}
