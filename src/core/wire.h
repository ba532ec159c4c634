/* wire.h: the binary frames that instances exchange, and their validation.
 *
 * Two kinds of frame travel, each in its own ArrayBuffer, little-endian:
 *  - pipe frames, on the MessagePort that joins the two ends of a pipe;
 *  - control frames, between a worker and the main instance, with the
 *    MessagePorts they move carried beside them as a list.
 * A reader's CREDIT frame may carry spare buffers for its writer: on the
 * port, the message is then an array [CREDIT frame, spare, ...] of 1 to
 * WM__MAX_SPARES spares, each an empty ArrayBuffer of exactly WM__CHUNK + 1
 * bytes (a DATA frame the reader has copied out), which the writer may fill
 * with its next full DATA frame instead of allocating one. The hosts
 * (js/host.js, js/pipe.js) give and take the spares; the core sees only the
 * CREDIT frame. A host refuses any other array, as a malformed frame.
 * docs/ARCHITECTURE.md gives the layouts. Everything here is portable C so
 * that the decoder can run under sanitizers and a fuzzer. */
#ifndef WM_WIRE_H
#define WM_WIRE_H

#include <stddef.h>
#include <stdint.h>

enum {
  /* Pipe frames: [u8 type][body]. */
  WM__F_DATA = 1,   /* body: the bytes */
  WM__F_EOF = 2,    /* writer closed */
  WM__F_ERR = 3,    /* body: i32 error; writer closed with an error */
  WM__F_CREDIT = 4, /* body: u32 bytes the reader has consumed */
  WM__F_RCLOSE = 5, /* reader closed */
  /* Control frames. */
  WM__F_CALL = 16,
  WM__F_DONE = 17,
  WM__F_CANCEL = 18, /* same layout as DONE: the call's id and a reason */
  WM__F_READY = 19,  /* same layout: the call's id; the service is ready */
  WM__F_KILL = 20,   /* same layout: stop the worker running call id */
  WM__F_OUT = 21,    /* DONE's layout, then the bytes: a deferred output */
  WM__F_OUTPORT = 22 /* same layout as DONE, with one port: see WM__D_DEFER */
};

/* Flags of an end descriptor. */
enum {
  WM__D_PRESENT = 1,
  WM__D_WRITER = 2,
  WM__D_PORT = 4,
  /* A writer whose reader has no port yet: what it writes is gathered, and
   * if the call ends with at most a chunk of output it goes to the caller
   * in one OUT frame; otherwise the end makes a channel and sends the
   * caller its reader's port in an OUTPORT frame first. */
  WM__D_DEFER = 8,
  WM__D_MASK = 15
};

#define WM__NOPORT 0xffu
#define WM__MAX_PORTS 2u
#define WM__MAX_CHUNK (1u << 20)  /* largest DATA body accepted */
#define WM__MAX_WINDOW (1u << 26) /* largest window accepted */
#define WM__MAX_SPARES 8u         /* spare buffers with one CREDIT, at most */
#define WM__MAX_BLOCK 16u         /* stages one CALL may carry, at most */
#define WM__OUT_MAX (64u * 1024u) /* bytes one OUT frame may carry */
/* The largest control frame: a CALL of a whole block whose input reader
 * carries a full window of buffered bytes. Anything longer is refused
 * before it is copied into an instance's memory. */
#define WM__MAX_CTRL (WM__MAX_WINDOW + 4096u)

/* wm__desc describes a pipe end moving to another instance. */
typedef struct wm__desc {
  uint8_t flags;
  uint8_t port;   /* index into the frame's port list, or WM__NOPORT */
  int32_t status; /* reader: 0, 1 (EOF) or an error; writer: 0 or 1 (gone) */
  uint32_t window;
  uint32_t count; /* writer: bytes in flight; reader: must be 0 */
  uint32_t datalen;
  const uint8_t *data; /* reader: bytes received and not yet read */
} wm__desc;

/* wm__callmsg is a CALL frame: run fn with these ends. A frame may carry a
 * block of stages, fn and then `more`: neighbouring stages of a chain that
 * run in one instance joined by local pipes, so that their bytes never
 * cross a thread. */
typedef struct wm__callmsg {
  uint32_t id;    /* the sender's id for the call */
  uint32_t fn;    /* table index */
  uint32_t nmore; /* further stages, at most WM__MAX_BLOCK - 1 */
  uint32_t more[WM__MAX_BLOCK - 1];
  int32_t where;    /* WM_ANY or a worker number */
  int64_t deadline; /* absolute ms, or -1 */
  uint8_t flags;    /* WM__C_* */
  wm__desc in, out;
} wm__callmsg;

/* Flags of a CALL frame (its byte 3). */
enum {
  /* Made by a running call (a fiber), which may be waiting for it: the
   * coordinator never queues it (see place_nested in coord.c). A call from
   * a worker is always one; this says it of the main instance's own. */
  WM__C_NESTED = 1,
  WM__C_MASK = 1
};

/* wm__pipemsg is a decoded pipe frame. */
typedef struct wm__pipemsg {
  uint8_t type;
  int32_t value; /* ERR: the error; CREDIT: the byte count */
  const uint8_t *data;
  uint32_t len;
} wm__pipemsg;

/* WM__CTL_LEN is the size of every frame of DONE's layout (DONE, CANCEL,
 * READY, KILL, OUTPORT): type, three bytes of padding, u32 id, i32 value. */
#define WM__CTL_LEN 12u

/* wm__put32 and wm__get32 write and read a little-endian u32: every number
 * on the wire is one, whatever the host's byte order. */
static inline void wm__put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

static inline uint32_t wm__get32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

/* wm__enc_call encodes m into a new malloc'd buffer. Returns 0, WM_ENOMEM or
 * WM_EINVAL for a block too long (and *out is NULL). */
int wm__enc_call(const wm__callmsg *m, uint8_t **out, size_t *len);

/* wm__enc_done writes a DONE frame into buf (WM__CTL_LEN bytes) and returns
 * its size. */
size_t wm__enc_done(uint8_t *buf, uint32_t id, int32_t rc);

/* wm__dec_type returns the type byte of a frame, or 0 if it is empty. */
int wm__dec_type(const uint8_t *p, size_t n);

/* wm__dec_call decodes and validates a CALL frame that arrived with nports
 * ports. On success m's data pointers point into p. Returns WM_EPROTO for
 * anything malformed: short or long frames, unknown flags, a block of more
 * than WM__MAX_BLOCK stages, a port index out
 * of range or used twice, a reader with a count, a writer with data, a
 * window out of range, a status that is not 0, 1 or a runtime error. */
int wm__dec_call(const uint8_t *p, size_t n, unsigned nports, wm__callmsg *m);

/* wm__dec_done decodes a DONE frame. Returns WM_EPROTO if malformed. */
int wm__dec_done(const uint8_t *p, size_t n, uint32_t *id, int32_t *rc);

/* wm__enc_ctl writes a WM__CTL_LEN-byte frame of DONE's layout of any type, and
 * wm__dec_ctl reads one of the given type; WM_EPROTO if malformed. */
size_t wm__enc_ctl(uint8_t *buf, uint8_t type, uint32_t id, int32_t v);
int wm__dec_ctl(const uint8_t *p, size_t n, uint8_t type, uint32_t *id,
                int32_t *v);

/* wm__enc_out encodes an OUT frame (a deferred output that ended with
 * status 1, EOF, or an error, and these n <= WM__OUT_MAX bytes) into a new
 * malloc'd buffer. Returns 0 or WM_ENOMEM (and *out is NULL). */
int wm__enc_out(uint32_t id, int32_t status, const void *data, size_t n,
                uint8_t **out, size_t *len);

/* wm__dec_out decodes an OUT frame; *data points into p. Returns WM_EPROTO
 * if malformed: a status that is neither 1 nor an error, or more than a
 * chunk of bytes. */
int wm__dec_out(const uint8_t *p, size_t n, uint32_t *id, int32_t *status,
                const uint8_t **data, size_t *len);

/* wm__enc_cancel writes a CANCEL frame (WM__CTL_LEN bytes) and returns its
 * size. */
size_t wm__enc_cancel(uint8_t *buf, uint32_t id, int32_t reason);

/* wm__dec_cancel decodes a CANCEL frame; the reason must be an error.
 * Returns WM_EPROTO if malformed. */
int wm__dec_cancel(const uint8_t *p, size_t n, uint32_t *id, int32_t *reason);

/* wm__dec_pipe decodes and validates a pipe frame. Returns WM_EPROTO. */
int wm__dec_pipe(const uint8_t *p, size_t n, wm__pipemsg *m);

#endif
