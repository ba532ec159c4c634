/* wire_test.c: frame encoding and the validating decoders
 * (src/core/wire.c). Every frame a decoder accepts must be canonical:
 * encoding what it decoded gives back the same bytes. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "wire.h"

static const uint8_t pending[3] = {'a', 'b', 'c'};

static wm__desc absent(void) {
  wm__desc d = {0};
  d.port = WM__NOPORT;
  return d;
}

static wm__desc reader_on_port(uint8_t port) {
  wm__desc d = {WM__D_PRESENT | WM__D_PORT, port, 0, 4096, 0, 3, pending};
  return d;
}

static wm__desc writer_on_port(uint8_t port) {
  wm__desc d = {
      WM__D_PRESENT | WM__D_WRITER | WM__D_PORT, port, 0, 4096, 100, 0, NULL};
  return d;
}

static wm__callmsg sample(void) {
  wm__callmsg m;
  memset(&m, 0, sizeof m);
  m.id = 0x100001;
  m.fn = 7;
  m.where = -1;
  m.deadline = INT64_C(1700000000123);
  m.in = reader_on_port(0);
  m.out = writer_on_port(1);
  return m;
}

static void same_desc(const wm__desc *a, const wm__desc *b) {
  CHECK_EQ(a->flags, b->flags);
  CHECK_EQ(a->port, b->port);
  CHECK_EQ(a->status, b->status);
  CHECK_EQ(a->window, b->window);
  CHECK_EQ(a->count, b->count);
  CHECK_EQ(a->datalen, b->datalen);
  CHECK(a->datalen == 0 || !memcmp(a->data, b->data, a->datalen));
}

/* reencodes checks that an accepted frame is canonical. */
static void reencodes(const uint8_t *p, size_t n, const wm__callmsg *m) {
  uint8_t *q;
  size_t k;
  CHECK_EQ(wm__enc_call(m, &q, &k), 0);
  CHECK_EQ(k, n);
  CHECK(!memcmp(p, q, n));
  free(q);
}

static void call_round_trip(void) {
  wm__callmsg shapes[5];
  shapes[0] = sample();
  shapes[1] = sample();
  shapes[1].in = absent();
  shapes[1].out = writer_on_port(0);
  shapes[2] = sample();
  shapes[2].in = reader_on_port(0);
  shapes[2].out = absent();
  shapes[2].deadline = -1;
  shapes[3] = sample();
  shapes[3].in = absent();
  shapes[3].out = absent();
  shapes[3].where = 3;
  shapes[4] = sample(); /* the largest block of stages */
  shapes[4].nmore = WM__MAX_BLOCK - 1;
  for (uint32_t k = 0; k < shapes[4].nmore; k++) shapes[4].more[k] = 100 + k;
  for (int i = 0; i < 5; i++) {
    uint8_t *p;
    size_t n;
    CHECK_EQ(wm__enc_call(&shapes[i], &p, &n), 0);
    CHECK_EQ(wm__dec_type(p, n), WM__F_CALL);
    unsigned nports = (shapes[i].in.flags & WM__D_PORT ? 1 : 0) +
                      (shapes[i].out.flags & WM__D_PORT ? 1 : 0);
    wm__callmsg m;
    CHECK_EQ(wm__dec_call(p, n, nports, &m), 0);
    CHECK_EQ(m.id, shapes[i].id);
    CHECK_EQ(m.fn, shapes[i].fn);
    CHECK_EQ(m.where, shapes[i].where);
    CHECK_EQ(m.deadline, shapes[i].deadline);
    CHECK_EQ(m.nmore, shapes[i].nmore);
    CHECK(!memcmp(m.more, shapes[i].more, m.nmore * sizeof *m.more));
    same_desc(&m.in, &shapes[i].in);
    same_desc(&m.out, &shapes[i].out);
    /* Data points into the frame, never at the encoder's source. */
    CHECK(m.in.datalen == 0 || (m.in.data > p && m.in.data < p + n));
    CHECK_EQ(wm__dec_call(p, n, nports + 1, &m), WM_EPROTO);
    reencodes(p, n, &m);
    free(p);
  }
}

/* A portless end is legal only once its far end is gone. */
static void portless_ends(void) {
  wm__callmsg m = sample();
  m.in = (wm__desc){WM__D_PRESENT, WM__NOPORT, 1, 4096, 0, 3, pending};
  m.out =
      (wm__desc){WM__D_PRESENT | WM__D_WRITER, WM__NOPORT, 1, 64, 0, 0, NULL};
  uint8_t *p;
  size_t n;
  wm__callmsg d;
  CHECK_EQ(wm__enc_call(&m, &p, &n), 0);
  CHECK_EQ(wm__dec_call(p, n, 0, &d), 0);
  free(p);
  m.in.status = WM_EDIED; /* closed with an error: also final */
  CHECK_EQ(wm__enc_call(&m, &p, &n), 0);
  CHECK_EQ(wm__dec_call(p, n, 0, &d), 0);
  CHECK_EQ(d.in.status, WM_EDIED);
  free(p);
  m.in.status = 0;
  CHECK_EQ(wm__enc_call(&m, &p, &n), 0);
  CHECK_EQ(wm__dec_call(p, n, 0, &d), WM_EPROTO);
  free(p);
}

/* EDITED encodes sample() changed by `edit` (statements on m) and checks
 * that it decodes (want 0) or is refused (want WM_EPROTO). */
#define EDITED(want, nports, edit)                                             \
  do {                                                                         \
    wm__callmsg m = sample();                                                  \
    edit;                                                                      \
    decodes_as(&m, nports, want);                                              \
  } while (0)

static void decodes_as(const wm__callmsg *m, unsigned nports, int want) {
  uint8_t *p;
  size_t n;
  wm__callmsg d;
  CHECK_EQ(wm__enc_call(m, &p, &n), 0);
  CHECK_EQ(wm__dec_call(p, n, nports, &d), want);
  free(p);
}

/* The limits themselves are allowed. */
static void call_limits_accepted(void) {
  EDITED(0, 2, m.out.count = m.out.window);
  EDITED(0, 2, m.in.window = 3); /* datalen == window */
  EDITED(0, 2, m.in.window = WM__MAX_WINDOW);
  EDITED(0, 2, m.in.window = 1; m.in.datalen = 1);
  EDITED(0, 2, m.deadline = -1);
  EDITED(0, 2, m.deadline = 0);
  EDITED(0, 2, m.deadline = INT64_MAX);
  EDITED(0, 2, m.out.status = 1); /* reader gone */
  EDITED(0, 2, m.in.status = 1);  /* EOF seen */
  EDITED(0, 2, m.in.status = INT32_MIN);
  EDITED(0, 2, m.in.port = 1; m.out.port = 0);
}

/* defer_desc makes a writer descriptor that waits for a port. */
static wm__desc defer_desc(uint8_t flags, uint8_t port, int32_t status,
                           uint32_t window, uint32_t count) {
  wm__desc d = {flags, port, status, window, count, 0, NULL};
  return d;
}

/* A deferred writer: fresh, without a port, nothing in flight. */
static void deferred_writer(void) {
  const uint8_t d = WM__D_PRESENT | WM__D_WRITER | WM__D_DEFER;
  const int no = WM_EPROTO;
  EDITED(0, 1, m.out = defer_desc(d, WM__NOPORT, 0, 4096, 0));
  EDITED(no, 2, m.out = defer_desc(d | WM__D_PORT, 1, 0, 4096, 0));
  EDITED(no, 1, m.out = defer_desc(d, WM__NOPORT, 1, 4096, 0));
  EDITED(no, 1, m.out = defer_desc(d, WM__NOPORT, 0, 4096, 5));
  EDITED(no, 1, m.out = defer_desc(d, WM__NOPORT, 0, 0, 0));
  /* A reader never defers. */
  EDITED(no, 1, m.in = defer_desc(d & ~WM__D_WRITER, WM__NOPORT, 0, 4096, 0);
         m.out = writer_on_port(0));
}

/* OUT carries a status (EOF or an error) and at most a chunk of bytes. */
static void out_frames(void) {
  static uint8_t big[WM__OUT_MAX + 1];
  uint8_t *p;
  size_t n;
  uint32_t id;
  int32_t st;
  const uint8_t *data;
  size_t len;
  CHECK_EQ(wm__enc_out(7, 1, "abc", 3, &p, &n), 0);
  CHECK_EQ(n, 15);
  CHECK_EQ(wm__dec_type(p, n), WM__F_OUT);
  CHECK_EQ(wm__dec_out(p, n, &id, &st, &data, &len), 0);
  CHECK(id == 7 && st == 1 && len == 3 && data == p + 12);
  CHECK(!memcmp(data, "abc", 3));
  p[8] = 0; /* status 0: neither EOF nor an error */
  CHECK_EQ(wm__dec_out(p, n, &id, &st, &data, &len), WM_EPROTO);
  CHECK_EQ(wm__dec_out(p, 11, &id, &st, &data, &len), WM_EPROTO);
  free(p);
  CHECK_EQ(wm__enc_out(8, WM_EDIED, NULL, 0, &p, &n), 0);
  CHECK_EQ(wm__dec_out(p, n, &id, &st, &data, &len), 0);
  CHECK(id == 8 && st == WM_EDIED && len == 0);
  free(p);
  CHECK_EQ(wm__enc_out(9, 1, big, WM__OUT_MAX, &p, &n), 0);
  CHECK_EQ(wm__dec_out(p, n, &id, &st, &data, &len), 0);
  free(p);
  CHECK_EQ(wm__enc_out(9, 1, big, sizeof big, &p, &n), WM_EINVAL);
  CHECK(p == NULL);
  uint8_t *q = test_alloc(12 + sizeof big);
  memset(q, 0, 12 + sizeof big);
  q[0] = WM__F_OUT;
  q[8] = 1;
  CHECK_EQ(wm__dec_out(q, 12 + sizeof big, &id, &st, &data, &len), WM_EPROTO);
  free(q);
}

static void call_semantics_refused(void) {
  const int no = WM_EPROTO;
  EDITED(no, 2, m.deadline = -2);
  EDITED(no, 2, m.in.window = 0);
  EDITED(no, 2, m.in.window = WM__MAX_WINDOW + 1);
  EDITED(no, 2, m.out.count = 4097);                      /* over the window */
  EDITED(no, 2, m.in.count = 1);                          /* a reader's count */
  EDITED(no, 2, m.out.datalen = 3; m.out.data = pending); /* writer data */
  EDITED(no, 2, m.in.datalen = 3; m.in.window = 2);
  EDITED(no, 2, m.out.status = 2);
  EDITED(no, 2, m.out.status = WM_EPIPE); /* a writer has no error */
  EDITED(no, 2, m.in.status = 2);
  EDITED(no, 2, m.in.port = 1);              /* the same port twice */
  EDITED(no, 2, m.out.port = 2);             /* out of range */
  EDITED(no, 2, m.in.flags |= 8);            /* unknown flag */
  EDITED(no, 2, m.in.flags |= WM__D_WRITER); /* the input writes */
  EDITED(no, 2, m.out.flags &= (uint8_t)~WM__D_WRITER; m.out.count = 0);
  /* A port index without the port flag. */
  EDITED(no, 1, m.in.flags = WM__D_PRESENT; m.in.status = 1; m.out.port = 0);
  /* Absent ends carry nothing at all. */
  EDITED(no, 1, m.in = absent(); m.in.window = 1; m.out.port = 0);
  EDITED(no, 1, m.in = absent(); m.in.port = 0; m.out.port = 0);
}

static void call_framing_refused(void) {
  wm__callmsg m = sample(), d;
  uint8_t *p;
  size_t n;
  CHECK_EQ(wm__enc_call(&m, &p, &n), 0);
  uint8_t *big = test_alloc(n + 1);
  memcpy(big, p, n);
  big[n] = 0;
  CHECK_EQ(wm__dec_call(big, n + 1, 2, &d), WM_EPROTO); /* trailing byte */
  free(big);
  for (size_t k = 0; k < n; k++)
    CHECK_EQ(wm__dec_call(p, k, 2, &d), WM_EPROTO); /* every truncation */
  const size_t pads[] = {3, 26, 27};
  for (size_t i = 0; i < 3; i++) {
    /* Byte 3 holds the call's flags (WM__C_*): only unknown ones fail. */
    p[pads[i]] = i == 0 ? WM__C_MASK + 1 : 1;
    CHECK_EQ(wm__dec_call(p, n, 2, &d), WM_EPROTO);
    p[pads[i]] = 0;
  }
  /* A block count that the frame has no room for, or too large a block. */
  p[2] = 1;
  CHECK_EQ(wm__dec_call(p, n, 2, &d), WM_EPROTO);
  p[2] = 0;
  m.nmore = WM__MAX_BLOCK - 1;
  uint8_t *q;
  size_t qn;
  CHECK_EQ(wm__enc_call(&m, &q, &qn), 0);
  q[2] = WM__MAX_BLOCK;
  CHECK_EQ(wm__dec_call(q, qn, 2, &d), WM_EPROTO);
  free(q);
  m.nmore = WM__MAX_BLOCK;
  CHECK_EQ(wm__enc_call(&m, &q, &qn), WM_EINVAL);
  CHECK(q == NULL);
  p[0] = WM__F_DONE;
  CHECK_EQ(wm__dec_call(p, n, 2, &d), WM_EPROTO);
  p[0] = WM__F_CALL;
  p[1] = 3; /* claims three ports */
  CHECK_EQ(wm__dec_call(p, n, 3, &d), WM_EPROTO);
  p[1] = 2;
  /* A datalen that runs past the end of the frame. */
  p[24 + 16] = 0xff;
  CHECK_EQ(wm__dec_call(p, n, 2, &d), WM_EPROTO);
  p[24 + 16] = 3;
  CHECK_EQ(wm__dec_call(p, n, 2, &d), 0);
  free(p);
}

/* Flipping any bit of a valid frame gives a refusal or another canonical
 * frame, never a crash or an accepted non-canonical one. */
static void every_bit_flip(void) {
  wm__callmsg m = sample(), d;
  uint8_t *p;
  size_t n;
  CHECK_EQ(wm__enc_call(&m, &p, &n), 0);
  for (size_t i = 0; i < n * 8; i++) {
    p[i / 8] ^= (uint8_t)(1u << (i % 8));
    for (unsigned np = 0; np <= 2; np++)
      if (!wm__dec_call(p, n, np, &d)) reencodes(p, n, &d);
    p[i / 8] ^= (uint8_t)(1u << (i % 8));
  }
  free(p);
}

static void done_frames(void) {
  uint8_t b[13];
  CHECK_EQ(wm__enc_done(b, 0xdeadbeef, WM_EDIED), 12);
  uint32_t id;
  int32_t rc;
  CHECK_EQ(wm__dec_done(b, 12, &id, &rc), 0);
  CHECK_EQ(id, 0xdeadbeef);
  CHECK_EQ(rc, WM_EDIED);
  CHECK_EQ(wm__dec_type(b, 12), WM__F_DONE);
  CHECK_EQ(wm__dec_done(b, 11, &id, &rc), WM_EPROTO);
  CHECK_EQ(wm__dec_done(b, 13, &id, &rc), WM_EPROTO);
  for (int i = 1; i < 4; i++) {
    b[i] = 1;
    CHECK_EQ(wm__dec_done(b, 12, &id, &rc), WM_EPROTO);
    b[i] = 0;
  }
  b[0] = WM__F_CALL;
  CHECK_EQ(wm__dec_done(b, 12, &id, &rc), WM_EPROTO);
  CHECK_EQ(wm__dec_type(b, 0), 0);
}

static int pipe_dec(const uint8_t *p, size_t n, wm__pipemsg *m) {
  return wm__dec_pipe(p, n, m);
}

static void pipe_frames(void) {
  wm__pipemsg m;
  uint8_t *big = test_alloc(WM__MAX_CHUNK + 2);
  memset(big, 'x', WM__MAX_CHUNK + 2);
  big[0] = WM__F_DATA;
  CHECK_EQ(pipe_dec(big, 1, &m), 0); /* an empty chunk is harmless */
  CHECK_EQ(m.len, 0);
  CHECK_EQ(pipe_dec(big, WM__MAX_CHUNK + 1, &m), 0);
  CHECK_EQ(m.len, WM__MAX_CHUNK);
  CHECK(m.data == big + 1);
  CHECK_EQ(pipe_dec(big, WM__MAX_CHUNK + 2, &m), WM_EPROTO);
  free(big);

  uint8_t eof[2] = {WM__F_EOF, 0}, rclose[2] = {WM__F_RCLOSE, 0};
  CHECK_EQ(pipe_dec(eof, 1, &m), 0);
  CHECK_EQ(m.type, WM__F_EOF);
  CHECK_EQ(pipe_dec(eof, 2, &m), WM_EPROTO);
  CHECK_EQ(pipe_dec(rclose, 1, &m), 0);
  CHECK_EQ(pipe_dec(rclose, 2, &m), WM_EPROTO);

  uint8_t err[6] = {WM__F_ERR, 0xfb, 0xff, 0xff, 0xff, 0}; /* -5 */
  CHECK_EQ(pipe_dec(err, 5, &m), 0);
  CHECK_EQ(m.value, -5);
  CHECK_EQ(pipe_dec(err, 4, &m), WM_EPROTO);
  CHECK_EQ(pipe_dec(err, 6, &m), WM_EPROTO);
  err[4] = 0; /* positive: not an error */
  CHECK_EQ(pipe_dec(err, 5, &m), WM_EPROTO);
  memset(err + 1, 0, 4);
  CHECK_EQ(pipe_dec(err, 5, &m), WM_EPROTO);

  uint8_t credit[5] = {WM__F_CREDIT, 0, 0, 0, 0};
  CHECK_EQ(pipe_dec(credit, 5, &m), WM_EPROTO); /* zero */
  credit[1] = 1;
  CHECK_EQ(pipe_dec(credit, 5, &m), 0);
  CHECK_EQ(m.value, 1);
  uint32_t max = WM__MAX_WINDOW;
  memcpy(credit + 1, &max, 4); /* both test targets are little-endian */
  CHECK_EQ(pipe_dec(credit, 5, &m), 0);
  max++;
  memcpy(credit + 1, &max, 4);
  CHECK_EQ(pipe_dec(credit, 5, &m), WM_EPROTO);
  memset(credit + 1, 0xff, 4); /* negative as i32 */
  CHECK_EQ(pipe_dec(credit, 5, &m), WM_EPROTO);

  uint8_t junk[1] = {0};
  CHECK_EQ(pipe_dec(junk, 0, &m), WM_EPROTO);
  for (int t = 0; t < 256; t++) {
    junk[0] = (uint8_t)t;
    int known = t == WM__F_EOF || t == WM__F_RCLOSE || t == WM__F_DATA;
    CHECK_EQ(pipe_dec(junk, 1, &m), known ? 0 : WM_EPROTO);
  }
}

int main(int argc, char **argv) {
  static const test_case t[] = {
      TEST(call_round_trip, 0),      TEST(portless_ends, 0),
      TEST(deferred_writer, 0),      TEST(out_frames, 0),
      TEST(call_limits_accepted, 0), TEST(call_semantics_refused, 0),
      TEST(call_framing_refused, 0), TEST(every_bit_flip, 0),
      TEST(done_frames, 0),          TEST(pipe_frames, 0),
  };
  return test_main(argc, argv, t, sizeof t / sizeof t[0]);
}
