/* wire.c: frame encoding and validating decoders. Decoders never trust a
 * length, an index or a flag: every frame comes from another instance, and a
 * worker may be compromised by the code it runs. */
#include "wire.h"

#include <stdlib.h>
#include <string.h>

#include "wmesh.h"

#define CALL_HDR 24u /* type, nports, nmore, pad, id, fn, where, deadline */
#define DESC_HDR 20u /* flags, port, pad2, status, window, count, datalen */
_Static_assert(CALL_HDR + 4 * (WM__MAX_BLOCK - 1) + 2 * DESC_HDR <= 4096u,
               "WM__MAX_CTRL holds the longest CALL");

static size_t desc_size(const wm__desc *d) { return DESC_HDR + d->datalen; }

static uint8_t *put_desc(uint8_t *p, const wm__desc *d) {
  p[0] = d->flags;
  p[1] = d->port;
  p[2] = p[3] = 0;
  wm__put32(p + 4, (uint32_t)d->status);
  wm__put32(p + 8, d->window);
  wm__put32(p + 12, d->count);
  wm__put32(p + 16, d->datalen);
  if (d->datalen) memcpy(p + DESC_HDR, d->data, d->datalen);
  return p + DESC_HDR + d->datalen;
}

int wm__enc_call(const wm__callmsg *m, uint8_t **out, size_t *len) {
  *out = NULL;
  if (m->nmore >= WM__MAX_BLOCK) return WM_EINVAL;
  size_t n = CALL_HDR + 4 * m->nmore + desc_size(&m->in) + desc_size(&m->out);
  uint8_t *p = malloc(n);
  *out = p;
  if (!p) return WM_ENOMEM;
  unsigned nports = 0;
  if (m->in.flags & WM__D_PORT) nports++;
  if (m->out.flags & WM__D_PORT) nports++;
  p[0] = WM__F_CALL;
  p[1] = (uint8_t)nports;
  p[2] = (uint8_t)m->nmore;
  p[3] = m->flags & WM__C_MASK;
  wm__put32(p + 4, m->id);
  wm__put32(p + 8, m->fn);
  wm__put32(p + 12, (uint32_t)m->where);
  wm__put32(p + 16, (uint32_t)((uint64_t)m->deadline & 0xffffffffu));
  wm__put32(p + 20, (uint32_t)((uint64_t)m->deadline >> 32));
  for (uint32_t i = 0; i < m->nmore; i++)
    wm__put32(p + CALL_HDR + 4 * i, m->more[i]);
  put_desc(put_desc(p + CALL_HDR + 4 * m->nmore, &m->in), &m->out);
  *len = n;
  return 0;
}

static size_t enc_idrc(uint8_t *buf, uint8_t type, uint32_t id, int32_t v) {
  buf[0] = type;
  buf[1] = buf[2] = buf[3] = 0;
  wm__put32(buf + 4, id);
  wm__put32(buf + 8, (uint32_t)v);
  return 12;
}

static int dec_idrc(const uint8_t *p, size_t n, uint8_t type, uint32_t *id,
                    int32_t *v) {
  if (n != 12 || p[0] != type || p[1] || p[2] || p[3]) return WM_EPROTO;
  *id = wm__get32(p + 4);
  *v = (int32_t)wm__get32(p + 8);
  return 0;
}

size_t wm__enc_ctl(uint8_t *buf, uint8_t type, uint32_t id, int32_t v) {
  return enc_idrc(buf, type, id, v);
}

int wm__dec_ctl(const uint8_t *p, size_t n, uint8_t type, uint32_t *id,
                int32_t *v) {
  return dec_idrc(p, n, type, id, v);
}

size_t wm__enc_done(uint8_t *buf, uint32_t id, int32_t rc) {
  return enc_idrc(buf, WM__F_DONE, id, rc);
}

int wm__enc_out(uint32_t id, int32_t status, const void *data, size_t n,
                uint8_t **out, size_t *len) {
  *out = NULL;
  if (n > WM__OUT_MAX) return WM_EINVAL;
  uint8_t *p = malloc(12 + n);
  if (!p) return WM_ENOMEM;
  enc_idrc(p, WM__F_OUT, id, status);
  if (n) memcpy(p + 12, data, n);
  *out = p;
  *len = 12 + n;
  return 0;
}

int wm__dec_out(const uint8_t *p, size_t n, uint32_t *id, int32_t *status,
                const uint8_t **data, size_t *len) {
  if (n < 12 || n - 12 > WM__OUT_MAX) return WM_EPROTO;
  if (dec_idrc(p, 12, WM__F_OUT, id, status)) return WM_EPROTO;
  if (*status != 1 && *status >= 0) return WM_EPROTO;
  *data = p + 12;
  *len = n - 12;
  return 0;
}

size_t wm__enc_cancel(uint8_t *buf, uint32_t id, int32_t reason) {
  return enc_idrc(buf, WM__F_CANCEL, id, reason);
}

int wm__dec_cancel(const uint8_t *p, size_t n, uint32_t *id, int32_t *reason) {
  if (dec_idrc(p, n, WM__F_CANCEL, id, reason)) return WM_EPROTO;
  return *reason < 0 ? 0 : WM_EPROTO;
}

int wm__dec_type(const uint8_t *p, size_t n) { return n ? p[0] : 0; }

static int valid_status(int32_t s, int writer) {
  if (writer) return s == 0 || s == 1;
  return s <= 1;
}

/* get_desc reads one descriptor at *pos; on success advances *pos. */
static int get_desc(const uint8_t *p, size_t n, size_t *pos, unsigned nports,
                    unsigned *used, wm__desc *d) {
  if (n - *pos < DESC_HDR) return WM_EPROTO;
  const uint8_t *q = p + *pos;
  d->flags = q[0];
  d->port = q[1];
  d->status = (int32_t)wm__get32(q + 4);
  d->window = wm__get32(q + 8);
  d->count = wm__get32(q + 12);
  d->datalen = wm__get32(q + 16);
  if (q[2] || q[3] || (d->flags & ~WM__D_MASK)) return WM_EPROTO;
  if (d->datalen > n - *pos - DESC_HDR) return WM_EPROTO;
  d->data = d->datalen ? q + DESC_HDR : NULL;
  *pos += DESC_HDR + d->datalen;
  if (!(d->flags & WM__D_PRESENT)) {
    /* An absent end carries nothing at all. */
    if (d->flags || d->port != WM__NOPORT || d->status || d->window ||
        d->count || d->datalen)
      return WM_EPROTO;
    return 0;
  }
  int writer = (d->flags & WM__D_WRITER) != 0;
  if (d->flags & WM__D_DEFER) {
    /* Only a fresh writer, with nothing in flight, may wait for a port. */
    if (!writer || (d->flags & WM__D_PORT) || d->port != WM__NOPORT ||
        d->status || d->count || d->datalen)
      return WM_EPROTO;
  }
  if (d->flags & WM__D_PORT) {
    if (d->port >= nports || (*used & (1u << d->port))) return WM_EPROTO;
    *used |= 1u << d->port;
  } else if (d->port != WM__NOPORT) {
    return WM_EPROTO;
  }
  if (d->window == 0 || d->window > WM__MAX_WINDOW) return WM_EPROTO;
  if (!valid_status(d->status, writer)) return WM_EPROTO;
  if (writer && (d->datalen || d->count > d->window)) return WM_EPROTO;
  if (!writer && (d->count || d->datalen > d->window)) return WM_EPROTO;
  /* Without a port nothing more can arrive: the far end must be gone. */
  if (!(d->flags & (WM__D_PORT | WM__D_DEFER)) && d->status == 0)
    return WM_EPROTO;
  return 0;
}

int wm__dec_call(const uint8_t *p, size_t n, unsigned nports, wm__callmsg *m) {
  if (n < CALL_HDR || p[0] != WM__F_CALL || (p[3] & ~WM__C_MASK))
    return WM_EPROTO;
  if (p[1] != nports || nports > WM__MAX_PORTS) return WM_EPROTO;
  if (p[2] >= WM__MAX_BLOCK || n - CALL_HDR < 4u * p[2]) return WM_EPROTO;
  m->id = wm__get32(p + 4);
  m->fn = wm__get32(p + 8);
  m->where = (int32_t)wm__get32(p + 12);
  m->deadline = (int64_t)((uint64_t)wm__get32(p + 16) |
                          (uint64_t)wm__get32(p + 20) << 32);
  if (m->deadline < -1) return WM_EPROTO;
  m->nmore = p[2];
  m->flags = p[3];
  for (uint32_t i = 0; i < m->nmore; i++)
    m->more[i] = wm__get32(p + CALL_HDR + 4 * i);
  size_t pos = CALL_HDR + 4 * m->nmore;
  unsigned used = 0;
  if (get_desc(p, n, &pos, nports, &used, &m->in)) return WM_EPROTO;
  if (get_desc(p, n, &pos, nports, &used, &m->out)) return WM_EPROTO;
  if (pos != n) return WM_EPROTO;
  /* Every port that came with the frame must belong to an end. */
  if (used != (1u << nports) - 1) return WM_EPROTO;
  /* The input must be a reading end and the output a writing end. */
  if ((m->in.flags & WM__D_PRESENT) && (m->in.flags & WM__D_WRITER))
    return WM_EPROTO;
  if ((m->out.flags & WM__D_PRESENT) && !(m->out.flags & WM__D_WRITER))
    return WM_EPROTO;
  return 0;
}

int wm__dec_done(const uint8_t *p, size_t n, uint32_t *id, int32_t *rc) {
  return dec_idrc(p, n, WM__F_DONE, id, rc);
}

int wm__dec_pipe(const uint8_t *p, size_t n, wm__pipemsg *m) {
  if (n == 0) return WM_EPROTO;
  m->type = p[0];
  m->value = 0;
  m->data = NULL;
  m->len = 0;
  switch (p[0]) {
  case WM__F_DATA:
    if (n - 1 > WM__MAX_CHUNK) return WM_EPROTO;
    m->data = p + 1;
    m->len = (uint32_t)(n - 1);
    return 0;
  case WM__F_EOF:
  case WM__F_RCLOSE:
    return n == 1 ? 0 : WM_EPROTO;
  case WM__F_ERR:
    if (n != 5) return WM_EPROTO;
    m->value = (int32_t)wm__get32(p + 1);
    return m->value < 0 ? 0 : WM_EPROTO;
  case WM__F_CREDIT:
    if (n != 5) return WM_EPROTO;
    m->value = (int32_t)wm__get32(p + 1);
    return m->value > 0 && (uint32_t)m->value <= WM__MAX_WINDOW ? 0 : WM_EPROTO;
  default:
    return WM_EPROTO;
  }
}
