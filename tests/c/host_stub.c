/* host_stub.c: src/core/host.h for tests, in memory (see host_stub.h). Ports
 * behave like MessagePorts as js/host.js uses them: frames arrive in order,
 * only once a port is bound, and not at all after it closes; a bound port
 * whose far side closed reports the close after its last frame; ids are
 * reused, most recently freed first, so a stale id hits a live port as it
 * would in JS. Frames are freed right after delivery so that ASan catches a
 * core that keeps a pointer into one. */
#include "host_stub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/core/host.h"
#include "../../src/core/wire.h"
#include "check.h"

typedef struct frame {
  struct frame *next;
  size_t n;
  uint8_t b[];
} frame;

typedef struct port {
  int open;
  int peer; /* -1 once the far side closed */
  int by_test;
  int bound;
  int peer_gone, told_gone;
  frame *head, *tail;
} port;

typedef struct record {
  struct record *next;
  stub_ctrl m;
  int is_done, token, rc;
} record;

static int64_t now = STUB_T0;
static double timer_at = -1;
static int kicked;
static port *ports;
static int nports, *free_ids, nfree;
static record *rec_head, *rec_tail;
static int errors;

static void misuse(const char *what, int id) {
  printf("stub: core misused the host: %s (port %d)\n", what, id);
  errors++;
}

static port *get(int id, int by_test) {
  if (id < 0 || id >= nports || !ports[id].open) return NULL;
  return ports[id].by_test == by_test ? &ports[id] : NULL;
}

static int port_new(int by_test) {
  int id;
  if (nfree) {
    id = free_ids[--nfree];
  } else {
    ports = test_realloc(ports, (size_t)(nports + 1) * sizeof *ports);
    free_ids = test_realloc(free_ids, (size_t)(nports + 1) * sizeof *free_ids);
    id = nports++;
  }
  memset(&ports[id], 0, sizeof ports[id]);
  ports[id].open = 1;
  ports[id].peer = -1;
  ports[id].by_test = by_test;
  return id;
}

static void link_pair(int a, int b) {
  ports[a].peer = b;
  ports[b].peer = a;
}

static void drop_frames(port *p) {
  while (p->head) {
    frame *f = p->head;
    p->head = f->next;
    free(f);
  }
  p->tail = NULL;
}

static void port_close(int id) {
  port *p = &ports[id];
  drop_frames(p);
  if (p->peer >= 0) {
    ports[p->peer].peer = -1;
    ports[p->peer].peer_gone = 1;
  }
  p->open = 0;
  free_ids[nfree++] = id;
}

/* post queues [type][body] (or body alone if type < 0) on the far side. */
static void post(port *from, int type, const void *body, size_t n) {
  if (from->peer < 0) return; /* like postMessage on a lone port */
  size_t hdr = type >= 0 ? 1 : 0;
  frame *f = test_alloc(sizeof *f + hdr + n);
  f->next = NULL;
  f->n = hdr + n;
  if (hdr) f->b[0] = (uint8_t)type;
  if (n) memcpy(f->b + hdr, body, n);
  port *to = &ports[from->peer];
  if (to->tail)
    to->tail->next = f;
  else
    to->head = f;
  to->tail = f;
}

static void remember(record *r) {
  r->next = NULL;
  if (rec_tail)
    rec_tail->next = r;
  else
    rec_head = r;
  rec_tail = r;
}

/* ---- src/core/host.h ---- */

void wm__host_ctrl_send(int dest, const void *p, size_t n, const int *ps,
                        int nps) {
  record *r = test_alloc(sizeof *r);
  memset(r, 0, sizeof *r);
  r->m.dest = dest;
  r->m.p = test_alloc(n);
  memcpy(r->m.p, p, n);
  r->m.n = n;
  if (nps < 0 || nps > 2) {
    misuse("ctrl_send with a bad port count", nps);
    nps = 0;
  }
  for (int i = 0; i < nps; i++) {
    port *q = get(ps[i], 0);
    if (!q) {
      misuse("moving a port it does not hold", ps[i]);
      continue;
    }
    q->by_test = 1;
    q->bound = 0;
    q->told_gone = 0;
    r->m.ports[r->m.nports++] = ps[i];
  }
  remember(r);
}

void wm__host_port_send(int id, int type, const void *body, size_t n) {
  port *p = get(id, 0);
  if (!p) {
    misuse("sending on a port it does not hold", id);
    return;
  }
  post(p, type, body, n);
}

int wm__host_channel(int *other) {
  int a = port_new(0), b = port_new(0);
  link_pair(a, b);
  *other = b;
  return a;
}

void wm__host_port_bind(int id) {
  port *p = get(id, 0);
  if (!p) {
    misuse("binding a port it does not hold", id);
    return;
  }
  p->bound = 1;
}

/* Frames keep queueing on a detached port and go wherever it goes next. */
void wm__host_port_detach(int id) {
  port *p = get(id, 0);
  if (!p) {
    misuse("detaching a port it does not hold", id);
    return;
  }
  p->bound = 0;
}

void wm__host_port_close(int id) {
  if (!get(id, 0)) {
    misuse("closing a port it does not hold", id);
    return;
  }
  port_close(id);
}

void wm__host_timer(double at) { timer_at = at; }
/* in_entry counts the entry points the stub is running. As the JS host
 * does (js/host.js, kick), it drops a kick asked for inside one: the entry
 * runs the scheduler as it returns, so the core must not need the kick. */
static int in_entry;
#define ENTER(call)                                                            \
  do {                                                                         \
    in_entry++;                                                                \
    call;                                                                      \
    in_entry--;                                                                \
  } while (0)

void wm__host_kick(void) {
  if (!in_entry) kicked = 1;
}

void wm__host_done(int token, int rc) {
  record *r = test_alloc(sizeof *r);
  memset(r, 0, sizeof *r);
  r->is_done = 1;
  r->token = token;
  r->rc = rc;
  remember(r);
}

/* Readiness and kills are counted; the tests that need them read these. */
int stub_readies, stub_kills;
int stub_outs, stub_out_token, stub_out_status, stub_out_port = -1;
size_t stub_out_len;
uint8_t stub_out_data[256];
void (*stub_observe)(int what, int token, int value);
void wm__host_out(int token, int status, const void *p, size_t n) {
  if (stub_observe) stub_observe(STUB_OUT, token, status);
  stub_outs++;
  stub_out_token = token;
  stub_out_status = status;
  stub_out_len = n < sizeof stub_out_data ? n : sizeof stub_out_data;
  memcpy(stub_out_data, p, stub_out_len);
}
void wm__host_outport(int token, int port) {
  stub_out_token = token;
  stub_out_port = port;
  stub_take(port); /* the test side reads from it, as the JS host does */
  if (stub_observe) stub_observe(STUB_OUTPORT, token, port);
}
void wm__host_ready(int token) {
  if (stub_observe) stub_observe(STUB_READY, token, 0);
  stub_readies++;
}
void wm__host_kill(int w) {
  if (stub_observe) stub_observe(STUB_KILL, w, 0);
  stub_kills++;
}

double wm__host_now(void) { return (double)now; }

/* ---- event loop ---- */

/* next is where deliver_one looks first, so that no port starves. */
static int next;

/* deliver_one hands the core one port event, if any is due. */
static int deliver_one(void) {
  for (int k = 0; k < nports; k++) {
    int id = (next + k) % nports;
    port *p = &ports[id];
    if (!p->open || p->by_test || !p->bound) continue;
    if (p->head) {
      frame *f = p->head;
      p->head = f->next;
      if (!p->head) p->tail = NULL;
      next = id + 1;
      /* As js/host.js does: DATA straight into the reader's buffer when
       * the core has room for it there, else through wm__on_port. */
      uint8_t *at =
          f->n > 1 && f->b[0] == WM__F_DATA ? wm__port_buf(id, f->n - 1) : NULL;
      if (at) {
        memcpy(at, f->b + 1, f->n - 1);
        ENTER(wm__on_port_data(id, f->n - 1));
      } else {
        ENTER(wm__on_port(id, f->b, f->n));
      }
      free(f);
      return 1;
    }
    if (p->peer_gone && !p->told_gone) {
      p->told_gone = 1;
      next = id + 1;
      ENTER(wm__on_port_close(id));
      return 1;
    }
  }
  return 0;
}

static void loop(int64_t limit) {
  for (long spins = 0;; spins++) {
    if (spins > 10 * 1000 * 1000)
      check_fail(__FILE__, __LINE__, "stub_run", "livelock");
    if (kicked) {
      kicked = 0;
      ENTER(wm__run_entry());
    } else if (!deliver_one()) {
      if (timer_at < 0 || (limit >= 0 && timer_at > (double)limit)) break;
      if (timer_at > (double)now) now = (int64_t)timer_at;
      timer_at = -1;
      ENTER(wm__on_timer());
    }
  }
  if (limit > now) now = limit;
}

void stub_run(void) { loop(-1); }
void stub_run_until(int64_t t) { loop(t); }
double stub_timer(void) { return timer_at; }

/* ---- the test's side ---- */

int stub_channel(int *other) {
  int a = port_new(1), b = port_new(1);
  link_pair(a, b);
  *other = b;
  return a;
}

void stub_give(int id) {
  port *p = get(id, 1);
  CHECK(p != NULL);
  p->by_test = 0;
  p->bound = 0;
  p->told_gone = 0;
}

void stub_take(int id) {
  port *p = get(id, 0);
  CHECK(p != NULL);
  p->by_test = 1;
  p->bound = 0;
  p->told_gone = 0;
}

long stub_recv(int id, uint8_t *buf, size_t cap) {
  port *p = get(id, 1);
  CHECK(p != NULL);
  frame *f = p->head;
  if (!f) return -1;
  CHECK(f->n <= cap);
  p->head = f->next;
  if (!p->head) p->tail = NULL;
  long n = (long)f->n;
  memcpy(buf, f->b, f->n);
  free(f);
  return n;
}

void stub_post(int id, int type, const void *body, size_t n) {
  port *p = get(id, 1);
  CHECK(p != NULL);
  post(p, type, body, n);
}

void stub_close(int id) {
  CHECK(get(id, 1) != NULL);
  port_close(id);
}

int stub_peer_gone(int id) {
  port *p = get(id, 1);
  CHECK(p != NULL);
  return p->peer_gone;
}

int stub_held(int id) { return get(id, 1) != NULL; }

int stub_reset(void) {
  if (stub_ports_open()) return -1;
  nports = nfree = next = 0;
  return 0;
}
int stub_port_ids(void) { return nports; }

int stub_ports_open(void) {
  int k = 0;
  for (int i = 0; i < nports; i++) k += ports[i].open;
  return k;
}

int stub_errors(void) {
  int e = errors;
  errors = 0; /* reported once, by the test that caused it */
  return e;
}

static record *take(int is_done) {
  for (record **pp = &rec_head, *prev = NULL; *pp;
       prev = *pp, pp = &(*pp)->next) {
    record *r = *pp;
    if (r->is_done != is_done) continue;
    *pp = r->next;
    if (rec_tail == r) rec_tail = prev;
    return r;
  }
  return NULL;
}

int stub_ctrl_take(stub_ctrl *m) {
  record *r = take(0);
  if (!r) return 0;
  *m = r->m;
  free(r);
  return 1;
}

int stub_done_take(int *token, int *rc) {
  record *r = take(1);
  if (!r) return 0;
  *token = r->token;
  *rc = r->rc;
  free(r);
  return 1;
}

int stub_unread(void) {
  int k = 0;
  for (record *r = rec_head; r; r = r->next) k++;
  return k;
}

void stub_ctrl_deliver(int from, const uint8_t *p, size_t n, const int *ps,
                       int nps) {
  for (int i = 0; i < nps; i++) stub_give(ps[i]);
  /* A copy that dies right after, as the JS host's scratch buffer is
   * overwritten by the next event. */
  uint8_t *copy = test_alloc(n);
  if (n) memcpy(copy, p, n);
  ENTER(wm__on_ctrl(from, copy, n, ps, nps));
  free(copy);
}

int stub_js_call(const wm__js_req *head, const uint32_t *fns, const void *in,
                 uint32_t *id) {
  size_t n = head->n > 0 ? (size_t)head->n : 0;
  size_t len = head->in_len > 0 ? (size_t)head->in_len : 0;
  wm__js_req *r = test_alloc(sizeof *r + n * sizeof *fns + len);
  *r = *head;
  if (n) memcpy(r->fns, fns, n * sizeof *fns);
  if (len) memcpy(r->fns + n, in, len);
  int rc = wm__js_call(r);
  if (id) *id = r->id;
  free(r);
  return rc;
}
