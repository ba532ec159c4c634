/* coord.c: the coordinator, in the main instance. It decides where each call
 * runs: the least-loaded live worker with room (or the one asked for), or a
 * bounded FIFO queue when every worker is at capacity. It sees only control
 * frames: pipe data flows on ports that it forwards but never reads. */
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "rt.h"

typedef struct slot {
  uint32_t id;
  int caller;
  uint32_t caller_call;
  int worker;
  int lent;         /* placed past the worker's capacity (see place_nested) */
  int64_t deadline; /* the call's, or -1 */
  int overdue;      /* its worker was stopped for running past it */
} slot;

typedef struct qent {
  wm__list link; /* on queue */
  int from;
  uint8_t *frame;
  size_t n;
  int ports[WM__MAX_PORTS];
  int nports;
  wm__callmsg m;
} qent;

typedef struct worker {
  int alive;
  int load;
} worker;

static wm__htab slots;
static worker *workers; /* index 1..nworkers */
static int capacity, qmax, qlen;
static int nalive; /* workers alive */
static int nlent;  /* nested calls running past capacity */
static int ntimed; /* slots with a deadline */
static wm__list queue = WM__LIST_INIT(queue); /* oldest first */

int wm__coord_init(int nworkers, int cap, int qm) {
  if (nworkers < 0 || cap < 1 || qm < 0) return WM_EINVAL;
  workers = calloc((size_t)nworkers + 1, sizeof *workers);
  if (!workers) return WM_ENOMEM;
  for (int i = 1; i <= nworkers; i++) workers[i].alive = 1;
  nalive = nworkers;
  wm__rt.nworkers = nworkers;
  capacity = cap;
  qmax = qm;
  wm__sched_on_timer(wm__coord_expire);
  return 0;
}

/* reply sends a call's result to its caller: a frame, to a worker or to
 * this instance itself alike (ctl.c), so that nothing the caller does on
 * hearing it runs inside the coordinator. */
static void reply(int caller, uint32_t id, int rc) {
  if (caller < 0) return; /* its instance died: nobody waits */
  uint8_t buf[WM__CTL_LEN];
  size_t n = wm__enc_done(buf, id, rc);
  wm__ctl_send(caller, buf, n, NULL, 0);
}

static int port_of(const wm__desc *d, const int *ports) {
  return d->flags & WM__D_PORT ? ports[d->port] : -1;
}

/* fail refuses a decoded call: its ends close with rc and the caller hears. */
static void fail(int from, const wm__callmsg *m, const int *ports, int rc) {
  wm__end_abort(&m->in, port_of(&m->in, ports), rc);
  wm__end_abort(&m->out, port_of(&m->out, ports), rc);
  reply(from, m->id, rc);
}

static int pick(int where) {
  if (where >= 1) {
    return where <= wm__rt.nworkers && workers[where].alive &&
                   workers[where].load < capacity
               ? where
               : 0;
  }
  int best = 0;
  for (int i = 1; i <= wm__rt.nworkers; i++)
    if (workers[i].alive && workers[i].load < capacity &&
        (!best || workers[i].load < workers[best].load))
      best = i;
  return best;
}

/* dispatch sends a call to worker w, past its capacity if lent; it takes
 * the frame. */
static void dispatch(int w, int lent, int from, const wm__callmsg *m,
                     uint8_t *frame, size_t n, const int *ports, int nports) {
  slot *s = malloc(sizeof *s);
  uint32_t g = s ? wm__h_add(&slots, s) : 0;
  if (!g) {
    free(s);
    fail(from, m, ports, WM_ENOMEM); /* m points into frame: free it after */
    free(frame);
    return;
  }
  *s = (slot){g, from, m->id, w, lent, m->deadline, 0};
  ntimed += m->deadline >= 0;
  wm__put32(frame + 4, g); /* the worker answers under the coordinator's id */
  workers[w].load++;
  nlent += lent;
  wm__ctl_send(w, frame, n, ports, nports);
  free(frame);
}

/* nested says whether a call from instance from was made by a running
 * call: one from a worker, or from a fiber of this instance. */
static int nested(int from, const wm__callmsg *m) {
  return from > 0 || (m->flags & WM__C_NESTED);
}

/* place_nested places a call made by a running call when no worker has
 * room. Queued, it could wait for ever: its parent may hold the last slot
 * while it waits for this child, and so may every other slot's. So it runs
 * at once, past capacity, on its caller's worker if that one is alive (the
 * parent lends the child its slot: it mostly waits for it) or else on the
 * least loaded; at most qmax such calls run at a time, as many as could
 * have waited, and beyond that the call fails with WM_EBUSY. */
static void place_nested(int from, const wm__callmsg *m, uint8_t *frame,
                         size_t n, const int *ports, int nports) {
  int w = m->where >= 1 ? m->where : 0;
  if (!w && from > 0 && workers[from].alive) w = from;
  for (int i = 1; !w && i <= wm__rt.nworkers; i++)
    if (workers[i].alive && (!w || workers[i].load < workers[w].load)) w = i;
  if (!w || nlent >= qmax) {
    fail(from, m, ports, w ? WM_EBUSY : WM_ENOWORKER);
    free(frame);
    return;
  }
  dispatch(w, 1, from, m, frame, n, ports, nports);
}

void wm__coord_submit(int from, const uint8_t *p, size_t n, const int *ports,
                      int nports) {
  wm__callmsg m;
  if (wm__dec_call(p, n, (unsigned)nports, &m)) {
    /* The caller waits under the id in the frame, if there is one. */
    if (n >= 8 && from >= 0) reply(from, wm__get32(p + 4), WM_EPROTO);
    wm__refuse(ports, nports);
    return;
  }
  /* The frame goes on to a worker, or waits in the queue: a copy of our
   * own, which m must point into. */
  uint8_t *frame = malloc(n);
  if (!frame) {
    fail(from, &m, ports, WM_ENOMEM);
    return;
  }
  memcpy(frame, p, n);
  wm__dec_call(frame, n, (unsigned)nports, &m);
  int rc = 0;
  if (m.where != WM_ANY && (m.where < 1 || m.where > wm__rt.nworkers))
    rc = WM_EINVAL;
  else if (m.where >= 1 && !workers[m.where].alive)
    rc = WM_EDIED;
  else if (m.where == WM_ANY && !nalive)
    rc = WM_ENOWORKER;
  else if (m.deadline >= 0 && m.deadline <= wm_now())
    rc = WM_ETIMEDOUT;
  if (rc) {
    fail(from, &m, ports, rc);
    free(frame);
    return;
  }
  int w = pick(m.where);
  if (w) {
    dispatch(w, 0, from, &m, frame, n, ports, nports);
    return;
  }
  if (nested(from, &m)) {
    place_nested(from, &m, frame, n, ports, nports);
    return;
  }
  qent *q = qlen < qmax ? malloc(sizeof *q) : NULL;
  if (!q) {
    fail(from, &m, ports, qlen < qmax ? WM_ENOMEM : WM_EBUSY);
    free(frame);
    return;
  }
  q->from = from;
  q->frame = frame;
  q->n = n;
  q->nports = nports;
  memcpy(q->ports, ports, (size_t)nports * sizeof *ports);
  q->m = m; /* its data pointers point into q->frame, which q owns */
  wm__list_push_back(&queue, &q->link);
  qlen++;
  wm__rt.stats.queued = (uint32_t)qlen;
  /* The timer is armed at the end of a scheduler run; make sure one comes. */
  if (m.deadline >= 0) wm__sched_kick();
}

/* pump places queued calls, oldest first, wherever there is room. */
static void pump(void) {
  /* dispatch sends to a worker, and answers to self wait for the idle
   * hook: nothing but this walk changes the queue. */
  wm__list_foreach(it, &queue) {
    qent *q = wm__cont(it, qent, link);
    int w = pick(q->m.where);
    if (!w) continue;
    wm__list_erase(&q->link);
    qlen--;
    dispatch(w, 0, q->from, &q->m, q->frame, q->n, q->ports, q->nports);
    free(q);
  }
  wm__rt.stats.queued = (uint32_t)qlen;
}

void wm__coord_done(int from, uint32_t g, int32_t rc) {
  slot *s = wm__h_get(&slots, g);
  if (!s || s->worker != from) {
    wm__rt.stats.refused++;
    return;
  }
  workers[from].load--;
  nlent -= s->lent;
  ntimed -= s->deadline >= 0;
  int caller = s->caller;
  uint32_t id = s->caller_call;
  wm__h_del(&slots, g);
  free(s);
  reply(caller, id, rc);
  pump();
}

/* A call as its caller knows it. */
typedef struct callkey {
  int from;
  uint32_t id;
} callkey;

/* drop removes queued calls that match arg and fails them with rc. All are
 * taken off the queue before any is failed, so that whatever failing one
 * leads to finds the queue whole. */
static void drop(int (*match)(const qent *, const void *), const void *arg,
                 int rc) {
  wm__list gone = WM__LIST_INIT(gone);
  wm__list_foreach(it, &queue) {
    qent *q = wm__cont(it, qent, link);
    if (!match(q, arg)) continue;
    wm__list_erase(&q->link);
    wm__list_push_back(&gone, &q->link);
    qlen--;
  }
  wm__rt.stats.queued = (uint32_t)qlen;
  wm__list *n;
  while ((n = wm__list_first(&gone))) {
    qent *q = wm__cont(n, qent, link);
    wm__list_erase(n);
    fail(q->from, &q->m, q->ports, rc);
    free(q->frame);
    free(q);
  }
}

static int expired(const qent *q, const void *now) {
  return q->m.deadline >= 0 && q->m.deadline <= *(const int64_t *)now;
}

static int bound_to(const qent *q, const void *w) {
  return q->m.where == *(const int *)w;
}

static int from_worker(const qent *q, const void *w) {
  return q->from == *(const int *)w;
}

static int is_call(const qent *q, const void *key) {
  const callkey *k = key;
  return q->from == k->from && q->m.id == k->id;
}

/* find_slot returns the slot of call id made by instance from, or NULL. */
static slot *find_slot(int from, uint32_t id) {
  for (uint32_t i = 0; i < slots.cap; i++) {
    slot *s = slots.objs[i];
    if (s && s->caller == from && s->caller_call == id) return s;
  }
  return NULL;
}

static int any(const qent *q, const void *unused) {
  (void)q;
  (void)unused;
  return 1;
}

void wm__coord_worker_exit(int w) {
  if (w < 1 || w > wm__rt.nworkers || !workers[w].alive) return;
  workers[w].alive = 0;
  workers[w].load = 0;
  nalive--;
  for (uint32_t i = 0; i < slots.cap; i++) {
    slot *s = slots.objs[i];
    if (!s) continue;
    if (s->worker == w) {
      int caller = s->caller;
      uint32_t id = s->caller_call;
      int rc = s->overdue ? WM_ETIMEDOUT : WM_EDIED;
      nlent -= s->lent;
      ntimed -= s->deadline >= 0;
      wm__h_del(&slots, s->id);
      free(s);
      if (caller != w) reply(caller, id, rc);
    } else if (s->caller == w) {
      /* A replacement starts its call ids afresh: never answer it. */
      s->caller = -1;
    }
  }
  drop(bound_to, &w, WM_EDIED);
  drop(from_worker, &w, WM_EDIED);
  /* With no worker left, a queued call would wait for as long as none can
   * start: it fails now, and so does every new one until one is up. */
  if (!nalive) drop(any, NULL, WM_ENOWORKER);
}

void wm__coord_cancel(int from, uint32_t id, int reason) {
  /* Still queued: it never starts. */
  callkey k = {from, id};
  int before = qlen;
  drop(is_call, &k, reason);
  if (qlen != before) return;
  /* Placed: tell its worker. */
  slot *s = find_slot(from, id);
  if (s) {
    uint8_t buf[WM__CTL_LEN];
    size_t n = wm__enc_cancel(buf, s->id, reason);
    wm__ctl_send(s->worker, buf, n, NULL, 0);
  }
}

/* out_slot returns the slot of a deferred output's call from worker
 * from, or NULL (counted as refused). Only JS calls, made here, defer. */
static slot *out_slot(int from, uint32_t g) {
  slot *s = wm__h_get(&slots, g);
  if (s && s->worker == from && s->caller == 0) return s;
  wm__rt.stats.refused++;
  return NULL;
}

void wm__coord_out(int from, const uint8_t *p, size_t n) {
  uint32_t g;
  int32_t status;
  const uint8_t *data;
  size_t len;
  if (wm__dec_out(p, n, &g, &status, &data, &len)) {
    wm__rt.stats.refused++;
    return;
  }
  slot *s = out_slot(from, g);
  /* The same frame goes on to the caller, under the caller's id. */
  if (s) wm__ctl_forward(s->caller, s->caller_call, p, n);
}

void wm__coord_outport(int from, uint32_t g, int port) {
  slot *s = out_slot(from, g);
  if (s) {
    uint8_t buf[WM__CTL_LEN];
    size_t n = wm__enc_ctl(buf, WM__F_OUTPORT, s->caller_call, 0);
    wm__ctl_send(s->caller, buf, n, &port, 1);
  } else {
    wm__host_port_close(port);
  }
}

void wm__coord_ready(int from, uint32_t g) {
  slot *s = wm__h_get(&slots, g);
  if (!s || s->worker != from) {
    wm__rt.stats.refused++;
    return;
  }
  if (s->caller >= 0) {
    uint8_t buf[WM__CTL_LEN];
    size_t n = wm__enc_ctl(buf, WM__F_READY, s->caller_call, 0);
    wm__ctl_send(s->caller, buf, n, NULL, 0);
  }
}

void wm__coord_kill(int from, uint32_t id) {
  int w = wm__coord_worker_of(from, id);
  /* Never the asking worker itself: it would be killing its own caller. */
  if (w && w != from) wm__host_kill(w);
}

int wm__coord_worker_of(int from, uint32_t id) {
  slot *s = find_slot(from, id);
  return s ? s->worker : 0;
}

void wm__coord_worker_up(int w) {
  if (w < 1 || w > wm__rt.nworkers) return;
  if (!workers[w].alive) nalive++;
  workers[w].alive = 1;
  workers[w].load = 0;
  pump();
}

/* stop_overdue stops the workers of calls still running WM__GRACE_MS past
 * their deadline (such a function computes without blocking, so it never
 * sees its deadline; the call then fails with WM_ETIMEDOUT) and returns
 * the earliest such time still to come, or -1. */
static int64_t stop_overdue(int64_t now) {
  int64_t next = -1;
  for (uint32_t i = 0; ntimed && i < slots.cap; i++) {
    slot *s = slots.objs[i];
    if (!s || s->deadline < 0 || s->overdue) continue;
    int64_t at = s->deadline + WM__GRACE_MS;
    if (at > now) {
      if (next < 0 || at < next) next = at;
      continue;
    }
    s->overdue = 1;
    wm__host_kill(s->worker);
  }
  return next;
}

int64_t wm__coord_expire(void) {
  if (!qlen && !ntimed) return -1;
  int64_t now = wm_now();
  int64_t next = stop_overdue(now);
  if (!qlen) return next;
  drop(expired, &now, WM_ETIMEDOUT);
  wm__list_foreach(it, &queue) {
    const qent *q = wm__cont(it, qent, link);
    if (q->m.deadline >= 0 && (next < 0 || q->m.deadline < next))
      next = q->m.deadline;
  }
  return next;
}
