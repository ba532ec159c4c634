/* fuzz_wire.c: libFuzzer target for the frame decoders (src/core/wire.c),
 * whose input comes from other instances and must never be trusted.
 *
 * The first input byte picks what the rest is: a CALL frame (with 0 to 3
 * ports, and a block of stages or none), a pipe frame, a DONE or OUT frame, or
 * the fields of a CALL message to encode. Besides ASan and UBSan, three
 * oracles:
 *  - anything a decoder accepts is canonical: encoding it again gives back
 *    the very bytes, and its data pointers lie inside the frame;
 *  - a CALL frame is accepted exactly when an independent reading of the
 *    rules in wire.h (ref_call below) accepts it;
 *  - an encoded message decodes to the same fields when those rules allow
 *    it, and is refused otherwise.
 * Run it with scripts/fuzz.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"
#include "wmesh.h"

#define CHECK(e)                                                               \
  do {                                                                         \
    if (!(e)) {                                                                \
      fprintf(stderr, "fuzz_wire.c:%d: oracle failed: %s\n", __LINE__, #e);    \
      abort();                                                                 \
    }                                                                          \
  } while (0)

static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

/* ---- the rules of wire.h, read independently of the decoder ---- */

static int ref_desc_ok(const wm__desc *d, unsigned nports, unsigned *used) {
  if (d->flags & ~WM__D_MASK) return 0;
  if (!(d->flags & WM__D_PRESENT))
    return d->flags == 0 && d->port == WM__NOPORT && d->status == 0 &&
           d->window == 0 && d->count == 0 && d->datalen == 0;
  int writer = (d->flags & WM__D_WRITER) != 0;
  int ported = (d->flags & WM__D_PORT) != 0;
  int deferred = (d->flags & WM__D_DEFER) != 0;
  if (deferred && (!writer || ported || d->port != WM__NOPORT || d->status ||
                   d->count || d->datalen))
    return 0;
  if (ported) {
    if (d->port >= nports || (*used >> d->port) & 1) return 0;
    *used |= 1u << d->port;
  } else if (d->port != WM__NOPORT) {
    return 0;
  }
  if (d->window < 1 || d->window > WM__MAX_WINDOW) return 0;
  if (writer) {
    if (d->status != 0 && d->status != 1) return 0;
    if (d->datalen != 0 || d->count > d->window) return 0;
  } else {
    if (d->status > 1) return 0;
    if (d->count != 0 || d->datalen > d->window) return 0;
  }
  return ported || deferred || d->status != 0;
}

static int ref_msg_ok(const wm__callmsg *m, unsigned nports) {
  unsigned used = 0;
  if (nports > WM__MAX_PORTS || m->deadline < -1) return 0;
  if (!ref_desc_ok(&m->in, nports, &used)) return 0;
  if (!ref_desc_ok(&m->out, nports, &used)) return 0;
  if (used != (1u << nports) - 1) return 0;
  if ((m->in.flags & WM__D_PRESENT) && (m->in.flags & WM__D_WRITER)) return 0;
  if ((m->out.flags & WM__D_PRESENT) && !(m->out.flags & WM__D_WRITER))
    return 0;
  return 1;
}

/* ref_raw_desc reads a descriptor's layout; 0 if it does not fit. */
static int ref_raw_desc(const uint8_t *p, size_t n, size_t *pos, wm__desc *d) {
  if (n < *pos || n - *pos < 20) return 0;
  const uint8_t *q = p + *pos;
  if (q[2] || q[3]) return 0;
  d->flags = q[0];
  d->port = q[1];
  d->status = (int32_t)rd32(q + 4);
  d->window = rd32(q + 8);
  d->count = rd32(q + 12);
  d->datalen = rd32(q + 16);
  if (d->datalen > n - *pos - 20) return 0;
  d->data = q + 20;
  *pos += 20 + (size_t)d->datalen;
  return 1;
}

static int ref_call(const uint8_t *p, size_t n, unsigned nports) {
  if (n < 24 || p[0] != WM__F_CALL || p[1] != nports || p[3] > 1) return 0;
  /* p[2] stages more, each a 4-byte index after the header. */
  if (p[2] > WM__MAX_BLOCK - 1 || n - 24 < 4u * p[2]) return 0;
  wm__callmsg m;
  m.deadline = (int64_t)((uint64_t)rd32(p + 16) | (uint64_t)rd32(p + 20) << 32);
  size_t pos = 24 + 4u * p[2];
  if (!ref_raw_desc(p, n, &pos, &m.in) || !ref_raw_desc(p, n, &pos, &m.out))
    return 0;
  return pos == n && ref_msg_ok(&m, nports);
}

/* ---- the modes ---- */

static void same_bytes(const uint8_t *a, size_t an, const uint8_t *b,
                       size_t bn) {
  CHECK(an == bn);
  CHECK(an == 0 || memcmp(a, b, an) == 0);
}

static void in_frame(const wm__desc *d, const uint8_t *p, size_t n) {
  if (!d->datalen) return;
  CHECK(d->data >= p && d->data + d->datalen <= p + n);
}

static void call_frame(const uint8_t *p, size_t n, unsigned nports) {
  wm__callmsg m;
  int ok = wm__dec_call(p, n, nports, &m) == 0;
  CHECK(ok == ref_call(p, n, nports));
  if (!ok) return;
  in_frame(&m.in, p, n);
  in_frame(&m.out, p, n);
  uint8_t *q;
  size_t k;
  CHECK(wm__enc_call(&m, &q, &k) == 0);
  same_bytes(p, n, q, k);
  free(q);
}

static void pipe_frame(const uint8_t *p, size_t n) {
  wm__pipemsg m;
  if (wm__dec_pipe(p, n, &m)) return;
  CHECK(m.type == p[0]);
  uint8_t re[5];
  switch (m.type) {
  case WM__F_DATA:
    CHECK(m.len == n - 1 && m.len <= WM__MAX_CHUNK);
    CHECK(m.data == p + 1);
    break;
  case WM__F_ERR:
  case WM__F_CREDIT:
    CHECK(m.type == WM__F_ERR
              ? m.value < 0
              : m.value > 0 && (uint32_t)m.value <= WM__MAX_WINDOW);
    re[0] = m.type;
    for (int i = 0; i < 4; i++)
      re[1 + i] = (uint8_t)((uint32_t)m.value >> 8 * i);
    same_bytes(p, n, re, 5);
    break;
  default:
    CHECK(m.type == WM__F_EOF || m.type == WM__F_RCLOSE);
    CHECK(n == 1);
  }
}

/* out_frame: an accepted OUT frame is canonical, and its bytes lie inside
 * it. */
static void out_frame(const uint8_t *p, size_t n) {
  uint32_t id;
  int32_t status;
  const uint8_t *data;
  size_t len;
  if (wm__dec_out(p, n, &id, &status, &data, &len)) return;
  CHECK(status == 1 || status < 0);
  CHECK(data == p + 12 && len == n - 12 && len <= WM__OUT_MAX);
  uint8_t *q;
  size_t k;
  CHECK(wm__enc_out(id, status, data, len, &q, &k) == 0);
  same_bytes(p, n, q, k);
  free(q);
}

static void done_frame(const uint8_t *p, size_t n) {
  uint32_t id;
  int32_t rc;
  out_frame(p, n);
  if (wm__dec_done(p, n, &id, &rc)) return;
  uint8_t re[12];
  same_bytes(p, n, re, wm__enc_done(re, id, rc));
}

/* take reads fields for encode_decode from the input, zero when it ends. */
static uint32_t take(const uint8_t **p, size_t *n, size_t k) {
  uint32_t v = 0;
  for (size_t i = 0; i < k && *n; i++, ++*p, --*n)
    v |= (uint32_t) * *p << 8 * i;
  return v;
}

/* near returns base moved by a small signed step, or any value: limits are
 * where decoders go wrong, and random 32-bit values almost never hit them. */
static uint32_t near(const uint8_t **p, size_t *n, uint32_t base) {
  uint32_t how = take(p, n, 1);
  if (how & 0x80) return take(p, n, 4);
  return base + (uint32_t)((int32_t)how - 64);
}

/* take_desc builds an end: absent, a valid shape for its role, or raw
 * flags, each with fields near their limits. */
static void take_desc(const uint8_t **p, size_t *n, wm__desc *d, int writer,
                      uint8_t port) {
  memset(d, 0, sizeof *d);
  d->port = WM__NOPORT;
  uint8_t shape = (uint8_t)take(p, n, 1);
  switch (shape & 3) {
  case 0:
    return;
  case 1:
    d->flags = WM__D_PRESENT | WM__D_PORT | (writer ? WM__D_WRITER : 0);
    d->port = port;
    break;
  case 2:
    d->flags = WM__D_PRESENT | (writer ? WM__D_WRITER : 0);
    d->status = 1;
    break;
  default:
    d->flags = (uint8_t)take(p, n, 1);
    d->port = (uint8_t)take(p, n, 1);
  }
  if (shape & 4) d->status = (int32_t)near(p, n, shape & 8 ? 1 : 0);
  d->window = shape & 16 ? near(p, n, WM__MAX_WINDOW) : near(p, n, 64);
  if (shape & 32) d->count = near(p, n, d->window);
  if (shape & 64) {
    d->datalen = near(p, n, d->window);
    if (d->datalen > *n) d->datalen = (uint32_t)*n;
  }
  d->data = *p;
  *p += d->datalen;
  *n -= d->datalen;
}

static void encode_decode(const uint8_t *p, size_t n) {
  wm__callmsg m;
  memset(&m, 0, sizeof m);
  m.id = take(&p, &n, 4);
  m.fn = take(&p, &n, 4);
  m.where = (int32_t)take(&p, &n, 4);
  m.deadline = (int64_t)(int32_t)near(&p, &n, 0);
  m.nmore = take(&p, &n, 1) % WM__MAX_BLOCK;
  for (uint32_t i = 0; i < m.nmore; i++) m.more[i] = take(&p, &n, 4);
  uint8_t swap = (uint8_t)take(&p, &n, 1) & 1;
  take_desc(&p, &n, &m.in, 0, swap);
  take_desc(&p, &n, &m.out, 1, (m.in.flags & WM__D_PORT) ? !swap : 0);
  unsigned nports = !!(m.in.flags & WM__D_PORT) + !!(m.out.flags & WM__D_PORT);
  uint8_t *q;
  size_t k;
  CHECK(wm__enc_call(&m, &q, &k) == 0);
  wm__callmsg d;
  int ok = wm__dec_call(q, k, nports, &d) == 0;
  /* The encoder writes flags and ports as given, so the frame is valid
   * exactly when the message is. */
  CHECK(ok == ref_msg_ok(&m, nports));
  if (ok) {
    CHECK(d.id == m.id && d.fn == m.fn && d.where == m.where);
    CHECK(d.deadline == m.deadline && d.nmore == m.nmore);
    CHECK(!memcmp(d.more, m.more, m.nmore * sizeof *m.more));
    const wm__desc *a[2] = {&m.in, &m.out}, *b[2] = {&d.in, &d.out};
    for (int i = 0; i < 2; i++) {
      CHECK(a[i]->flags == b[i]->flags && a[i]->port == b[i]->port);
      CHECK(a[i]->status == b[i]->status && a[i]->window == b[i]->window);
      CHECK(a[i]->count == b[i]->count && a[i]->datalen == b[i]->datalen);
      same_bytes(a[i]->data, a[i]->datalen, b[i]->data, b[i]->datalen);
    }
  }
  free(q);
}

/* ---- seeds ---- */

static void seed(const char *dir, int *k, uint8_t mode, const uint8_t *p,
                 size_t n) {
  char path[4096];
  snprintf(path, sizeof path, "%s/seed-%02d", dir, (*k)++);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(&mode, 1, 1, f) != 1 || fwrite(p, 1, n, f) != n) exit(1);
  fclose(f);
}

static void seed_call(const char *dir, int *k, const wm__callmsg *m) {
  uint8_t *p;
  size_t n;
  if (wm__enc_call(m, &p, &n)) exit(1);
  seed(dir, k, p[1], p, n); /* the mode is the port count */
  free(p);
}

/* With WM_FUZZ_SEEDS=DIR set, the target writes frames of every kind that
 * the decoders accept into DIR and exits: a run that starts from them
 * reaches the deep checks at once (scripts/fuzz.sh uses this). */
int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  const char *dir = getenv("WM_FUZZ_SEEDS");
  if (!dir) return 0;
  static const uint8_t abc[3] = {'a', 'b', 'c'};
  int k = 0;
  wm__callmsg m;
  memset(&m, 0, sizeof m);
  m.id = 1;
  m.fn = 2;
  m.where = -1;
  m.deadline = -1;
  m.in = (wm__desc){0, WM__NOPORT, 0, 0, 0, 0, NULL};
  m.out = m.in;
  seed_call(dir, &k, &m);
  m.in = (wm__desc){WM__D_PRESENT | WM__D_PORT, 0, 0, 4096, 0, 3, abc};
  seed_call(dir, &k, &m);
  m.out = (wm__desc){
      WM__D_PRESENT | WM__D_WRITER | WM__D_PORT, 1, 0, 4096, 4096, 0, NULL};
  seed_call(dir, &k, &m);
  m.in = (wm__desc){WM__D_PRESENT, WM__NOPORT, WM_EDIED, 3, 0, 3, abc};
  m.out.port = 0;
  seed_call(dir, &k, &m);
  m.out = (wm__desc){WM__D_PRESENT | WM__D_WRITER | WM__D_DEFER,
                     WM__NOPORT,
                     0,
                     4096,
                     0,
                     0,
                     NULL};
  seed_call(dir, &k, &m);
  m.nmore = 3; /* a block of four stages */
  m.more[0] = m.more[1] = m.more[2] = 2;
  seed_call(dir, &k, &m);
  uint8_t b[12];
  seed(dir, &k, 5, b, wm__enc_done(b, 7, -3));
  uint8_t *o;
  size_t on;
  if (wm__enc_out(7, 1, abc, 3, &o, &on)) exit(1);
  seed(dir, &k, 5, o, on);
  free(o);
  const uint8_t pipes[][5] = {{WM__F_DATA, 'x', 'y'},
                              {WM__F_EOF},
                              {WM__F_RCLOSE},
                              {WM__F_ERR, 0xfb, 0xff, 0xff, 0xff},
                              {WM__F_CREDIT, 0, 4, 0, 0}};
  const size_t plen[] = {3, 1, 1, 5, 5};
  for (int i = 0; i < 5; i++) seed(dir, &k, 4, pipes[i], plen[i]);
  const uint8_t fields[24] = {1, 0,    0,    0,    2,    0,    0,
                              0, 0xff, 0xff, 0xff, 0xff, 0x40, 0,
                              1, 0x40, 0x40, 0x40, 0x61, 0x40, 0x40};
  seed(dir, &k, 6, fields, sizeof fields);
  exit(0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  uint8_t mode = data[0];
  /* An exact-size copy, so that ASan sees any read past the frame. */
  size_t n = size - 1;
  uint8_t *p = malloc(n ? n : 1);
  if (!p) return 0;
  memcpy(p, data + 1, n);
  switch (mode & 7) {
  case 0:
  case 1:
  case 2:
  case 3:
    call_frame(p, n, mode & 3);
    break;
  case 4:
    pipe_frame(p, n);
    break;
  case 5:
    done_frame(p, n);
    break;
  default:
    encode_decode(p, n);
  }
  free(p);
  return 0;
}
