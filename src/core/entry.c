/* entry.c: the core's entry points, called by the host (the JS side of an
 * instance) when something happens: a control frame, a pipe frame, a timer, a
 * worker coming or going, or a call made from JS. Each entry point that can
 * run fibers returns void: after a fiber switch under ASYNCIFY a return value
 * would not reach JS. Results go through memory or host callbacks instead. */
#include <stdlib.h>
#include <string.h>

#include "entry.h"
#include "host.h"
#include "registry.h"
#include "rt.h"

#ifdef __EMSCRIPTEN__
#include <emscripten/emscripten.h>
#define WM__ENTRY EMSCRIPTEN_KEEPALIVE
#else
#define WM__ENTRY
#endif

/* main_frame takes a control frame at the main instance: one from a worker,
 * for the coordinator, or one this instance sent itself (ctl.c): a request
 * for its coordinator, or the coordinator's answer for its caller side. */
static void main_frame(int from, const uint8_t *p, size_t n, const int *ports,
                       int nports) {
  int self = from == 0;
  int type = wm__dec_type(p, n);
  uint32_t id;
  int32_t rc;
  const uint8_t *data;
  size_t len;
  if (type == WM__F_CALL) {
    wm__coord_submit(from, p, n, ports, nports);
  } else if (type == WM__F_CANCEL && !nports &&
             !wm__dec_cancel(p, n, &id, &rc)) {
    wm__coord_cancel(from, id, rc);
  } else if (type == WM__F_KILL && !nports &&
             !wm__dec_ctl(p, n, WM__F_KILL, &id, &rc)) {
    wm__coord_kill(from, id);
  } else if (type == WM__F_READY && !nports &&
             !wm__dec_ctl(p, n, WM__F_READY, &id, &rc) && !rc) {
    if (self)
      wm__call_ready(id);
    else
      wm__coord_ready(from, id);
  } else if (type == WM__F_OUT && !nports && !self) {
    wm__coord_out(from, p, n);
  } else if (type == WM__F_OUT && !nports &&
             !wm__dec_out(p, n, &id, &rc, &data, &len)) {
    wm__call_out(id, rc, data, len);
  } else if (type == WM__F_OUTPORT && nports == 1 &&
             !wm__dec_ctl(p, n, WM__F_OUTPORT, &id, &rc) && !rc) {
    if (self)
      wm__call_outport(id, ports[0]);
    else
      wm__coord_outport(from, id, ports[0]);
  } else if (type == WM__F_DONE && !nports && !wm__dec_done(p, n, &id, &rc)) {
    if (self)
      wm__call_complete(id, rc);
    else
      wm__coord_done(from, id, rc);
  } else {
    wm__refuse(ports, nports);
  }
}

/* worker_frame takes a control frame at a worker: only the main instance
 * (the coordinator) talks to it. */
static void worker_frame(int from, const uint8_t *p, size_t n, const int *ports,
                         int nports) {
  int type = from == 0 ? wm__dec_type(p, n) : -1;
  uint32_t id;
  int32_t rc;
  if (type == WM__F_CALL) {
    wm__exec(p, n, ports, nports);
  } else if (type == WM__F_CANCEL && !nports &&
             !wm__dec_cancel(p, n, &id, &rc)) {
    wm__cancel_job(0, id, rc);
  } else if (type == WM__F_READY && !nports &&
             !wm__dec_ctl(p, n, WM__F_READY, &id, &rc) && !rc) {
    wm__call_ready(id);
  } else if (type == WM__F_DONE && !nports && !wm__dec_done(p, n, &id, &rc)) {
    wm__call_complete(id, rc);
  } else {
    wm__refuse(ports, nports);
  }
}

/* The role of this instance, decided once by wm__init: the main instance
 * until then, as every native test that makes no mesh expects. */
static wm__ctl_fn on_frame = main_frame;

/* wm__init makes this instance number self; the main instance (0) also
 * coordinates nworkers workers of cap calls each, with qmax queued. */
WM__ENTRY int wm__init(int self, int nworkers, int cap, int qmax) {
  wm__rt.self = self;
  on_frame = self == 0 ? main_frame : worker_frame;
  wm__ctl_on_frame(on_frame);
  if (self == 0) return wm__coord_init(nworkers, cap, qmax);
  /* A worker only learns the mesh's size, to split the chains it makes. */
  wm__rt.nworkers = nworkers > 0 ? nworkers : 0;
  return 0;
}

/* wm__scratch returns a buffer of at least n bytes that the host fills
 * before an entry call; it stays valid until the next wm__scratch. */
WM__ENTRY void *wm__scratch(size_t n) {
  static void *buf;
  static size_t cap;
  /* One big frame must not keep its size for good: past 1 MiB, a buffer
   * four times bigger than asked for is given back. */
  if (cap > (1u << 20) && n < cap / 4) {
    free(buf);
    buf = NULL;
    cap = 0;
  }
  if (n > cap) {
    void *nb = realloc(buf, n);
    if (!nb) return NULL;
    buf = nb;
    cap = n;
  }
  return buf;
}

WM__ENTRY void wm__run_entry(void) { wm__run(); }

WM__ENTRY void wm__on_ctrl(int from, const uint8_t *p, size_t n,
                           const int *ports, int nports) {
  if (nports < 0 || nports > (int)WM__MAX_PORTS || (nports && !ports) ||
      n > WM__MAX_CTRL) {
    wm__refuse(ports, ports && nports > 0 ? nports : 0);
    wm__run();
    return;
  }
  on_frame(from, p, n, ports, nports);
  wm__run();
}

WM__ENTRY void wm__on_port(int port, const uint8_t *p, size_t n) {
  wm__port_frame(port, p, n);
  wm__run();
}

/* wm__port_buf returns where the host may write the n-byte body of a DATA
 * frame for port, so that it lands in the reader's buffer with no copy
 * through scratch, or 0: then it delivers the frame with wm__on_port. */
WM__ENTRY uint8_t *wm__port_buf(int port, size_t n) {
  return wm__port_room(port, n);
}

/* wm__on_port_data takes in the n bytes written at wm__port_buf(port, n). */
WM__ENTRY void wm__on_port_data(int port, size_t n) {
  wm__port_data(port, n);
  wm__run();
}

WM__ENTRY void wm__on_port_close(int port) {
  wm__port_closed(port);
  wm__run();
}

WM__ENTRY void wm__on_timer(void) { wm__run(); }

WM__ENTRY void wm__on_worker_exit(int w) {
  wm__coord_worker_exit(w);
  wm__run();
}

WM__ENTRY void wm__on_worker_up(int w) {
  wm__coord_worker_up(w);
  wm__run();
}

WM__ENTRY uint32_t wm__js_lookup(const char *name) {
  wm_fn fn = wm_lookup(name);
  return fn ? wm__fn_index(fn) : 0;
}

/* js_input makes a reader that holds all of a small input and its EOF: a
 * local pipe whose writer wrote it and closed. Handed to a call, it moves
 * in the CALL frame itself, with no port (see wm__end_export). */
static int js_input(const uint8_t *data, uint32_t len, uint32_t window,
                    wm_pipe *in) {
  wm_pipe w;
  if (len > window) return WM_EINVAL;
  int rc = wm__pipe_new(in, &w, window);
  /* Within the window a local write never waits, even outside a fiber. */
  if (!rc && len) rc = wm_write(w, data, len, 0);
  if (w.id) wm_close(w);
  if (rc && in->id) wm_close(*in);
  return rc;
}

/* js_ends turns the ports of a JS-made call (or its input's bytes) into
 * ends in this instance. */
static int js_ends(int in_port, const uint8_t *in_data, int32_t in_len,
                   int out_port, uint32_t window, wm_pipe *in, wm_pipe *out) {
  wm__desc d = {WM__D_PRESENT | WM__D_PORT, 0, 0, window, 0, 0, NULL};
  *in = *out = WM_PIPE_NONE;
  int rc = 0;
  if (in_port >= 0)
    rc = wm__end_import(&d, in_port, in);
  else if (in_len >= 0)
    rc = js_input(in_data, (uint32_t)in_len, window, in);
  d.flags |= WM__D_WRITER;
  if (!rc && out_port >= 0) rc = wm__end_import(&d, out_port, out);
  if (rc && in->id) wm_close(*in);
  return rc;
}

/* js_refuse closes the ports of a call refused before they became ends. */
static int js_refuse(const wm__js_req *r, int rc) {
  if (r->in_port >= 0) wm__host_port_close(r->in_port);
  if (r->out_port >= 0) wm__host_port_close(r->out_port);
  return rc;
}

/* wm__js_call starts a call for the JS side, as r describes it (entry.h):
 * r->n functions (1: a plain call) by table index in r->fns, reading from
 * r->in_port and writing to r->out_port (or -1; or WM__JS_DEFER, for a plain
 * call on a worker, whose output then needs no port unless it streams: see
 * wm__go_deferred). An input known whole and small may come instead as
 * r->in_len bytes after the indices (in_port -1; in_len -1 for none): it then
 * travels inside the CALL frame, and the call needs no input port at all.
 * The result goes to wm__host_done(token); the call's id, for wm__js_cancel,
 * to r->id. Returns 0 or an error, in which case the ports are closed. Runs no
 * fiber, so its result is safe. */
WM__ENTRY int wm__js_call(wm__js_req *r) {
  int n = r->n;
  r->id = 0;
  if (n < 1 || r->token <= 0 || r->window < WM_MIN_WINDOW ||
      r->window > WM__MAX_WINDOW ||
      (r->in_len >= 0 && (r->in_port >= 0 || (uint32_t)r->in_len > r->window)))
    return js_refuse(r, WM_EINVAL);
  wm_fn *list = malloc((size_t)n * sizeof *list);
  if (!list) return js_refuse(r, WM_ENOMEM);
  for (int i = 0; i < n; i++) list[i] = wm__registered(r->fns[i]);
  wm__req q = {WM_PIPE_NONE, WM_PIPE_NONE, list, (size_t)n, NULL, r->token, 0};
  wm__loc = n == 1 ? "(JS: mesh.go)" : "(JS: mesh.chain)";
  const uint8_t *in_data = (const uint8_t *)(r->fns + n);
  int rc = js_ends(r->in_port, in_data, r->in_len, r->out_port, r->window,
                   &q.in, &q.out);
  if (rc) {
    free(list);
    return rc;
  }
  /* A JS number may be anything: only a finite, non-negative one is a
   * deadline. */
  double d = r->deadline;
  wm_opts o = {d >= 0 && d < 9.2e18 ? (int64_t)d : -1, r->where, r->window};
  q.o = &o;
  uint32_t id = 0;
  if (r->out_port == WM__JS_DEFER && n == 1)
    rc = wm__go_deferred(&q, &id);
  else if (r->out_port == WM__JS_DEFER)
    rc = WM_EINVAL;
  else if (n == 1)
    rc = wm__go(&q, &id);
  else
    rc = wm__chain(&q, &id);
  r->id = id;
  free(list);
  if (rc) {
    if (q.in.id) wm_close(q.in);
    if (q.out.id) wm_close_error(q.out, rc);
  }
  return rc;
}

WM__ENTRY void wm__js_stats(wm_stats *s) { wm_get_stats(s); }

/* wm__js_dump writes wm_dump's report into a buffer it returns (NUL
 * terminated, valid until the next call), or NULL. */
WM__ENTRY const char *wm__js_dump(void) {
  static char *buf;
  static size_t cap;
  size_t need = (size_t)wm_dump(NULL, 0) + 1;
  if (need > cap) {
    char *nb = realloc(buf, need);
    if (!nb) return NULL;
    buf = nb;
    cap = need;
  }
  wm_dump(buf, cap);
  return buf;
}

/* wm__js_workers stores the workers that run a JS-made call in ws (at most
 * max) and returns how many: the ones to stop if it ignores cancellation. */
WM__ENTRY int wm__js_workers(uint32_t id, int *ws, int max) {
  enum {
    MAX = 64
  };
  if (wm__rt.self != 0 || max <= 0) return 0;
  uint32_t ids[MAX];
  int k = wm__call_remotes(id, ids, max < MAX ? max : MAX);
  int n = 0;
  for (int i = 0; i < k; i++) {
    int w = wm__coord_worker_of(0, ids[i]);
    if (w) ws[n++] = w;
  }
  return n;
}

/* wm__js_cancel cancels a JS-made call (reason < 0); one that has finished
 * is left alone. Runs no fiber. */
WM__ENTRY int wm__js_cancel(uint32_t id, int reason) {
  return reason < 0 ? wm__cancel(id, reason) : WM_EINVAL;
}
