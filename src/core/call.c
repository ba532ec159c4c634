/* call.c: calls, from both sides. The caller side keeps a call object until
 * its result has been delivered (wm_wait, or the JS side for JS-made calls);
 * the executing side runs the function in a fiber and reports DONE. A chain
 * is a group call whose stages are internal calls. */
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "registry.h"
#include "rt.h"

enum {
  K_REMOTE,
  K_LOCAL,
  K_GROUP
};

typedef struct callobj {
  uint32_t id;
  int done;
  int rc;
  int token;        /* > 0: the result goes to the JS side */
  uint32_t group;   /* a chain stage: the chain's call id */
  uint32_t pending; /* a chain: stages not yet done */
  uint32_t parent;  /* the job that made it (structured concurrency), or 0 */
  int kind;
  int cancelled;    /* 0, or the reason it was cancelled with */
  int detached;     /* its maker has finished: free it when it completes */
  const char *made; /* source line that made it, for wm_dump */
  int ready;        /* the function has called wm_ready */
  int deferred;     /* its output waits for OUT or OUTPORT (WM__D_DEFER) */
  wm__waitq wq;
} callobj;

static wm__htab calls;

static callobj *call_new(int token, uint32_t group) {
  callobj *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->id = wm__h_add(&calls, c);
  if (!c->id) {
    free(c);
    return NULL;
  }
  c->token = token;
  c->group = group;
  c->parent = wm__job_made();
  c->made = wm__loc;
  wm__rt.stats.calls++;
  return c;
}

int wm__dump_calls(char *b, size_t n) {
  static const char *const kinds[] = {"remote", "local", "chain"};
  int len = 0;
  for (uint32_t i = 0; i < calls.cap; i++) {
    const callobj *c = calls.objs[i];
    if (!c) continue;
    len +=
        wm__dumpf(b, n, len, "call %#x %s%s, %s%s, made at %s\n", c->id,
                  c->group ? "stage of a " : "", kinds[c->kind],
                  c->done ? "done, not waited for" : "running",
                  c->cancelled ? " (cancelled)" : "", c->made ? c->made : "?");
  }
  return len;
}

/* each_call runs f on every call object that matches, by id, so that f may
 * free or complete calls as it goes. */
static void each_call(int (*match)(const callobj *, uint32_t), uint32_t arg,
                      void (*f)(uint32_t id, int v), int v) {
  for (uint32_t i = 0; i < calls.cap; i++) {
    callobj *c = calls.objs[i];
    if (c && match(c, arg)) f(c->id, v);
  }
}

static int child_of(const callobj *c, uint32_t owner) {
  return c->parent == owner && !c->group;
}

static int stage_of(const callobj *c, uint32_t g) { return c->group == g; }

static void cancel_id(uint32_t id, int reason) { wm__cancel(id, reason); }

static void call_free(callobj *c) {
  wm__h_del(&calls, c->id);
  wm__wake_all(&c->wq);
  free(c);
  wm__rt.stats.calls--;
}

void wm__call_complete(uint32_t id, int rc) {
  callobj *c = wm__h_get(&calls, id);
  if (!c || c->done) {
    /* A result for a call we never made, or a second one: forged. */
    wm__rt.stats.refused++;
    return;
  }
  c->done = 1;
  c->rc = rc;
  if (c->group) {
    callobj *g = wm__h_get(&calls, c->group);
    call_free(c);
    if (!g) return;
    if (rc && !g->rc) {
      /* A failing stage fails the chain: the other stages are cancelled,
       * and their pipes close with the error. The chain is held while they
       * are, so that no stage ending meanwhile can finish (and free) it. */
      uint32_t gid = g->id;
      g->rc = rc;
      g->pending++;
      each_call(stage_of, gid, cancel_id, WM_ECANCELED);
      g = wm__h_get(&calls, gid);
      g->pending--;
    }
    if (--g->pending == 0) {
      int grc = g->rc;
      g->rc = 0;
      wm__call_complete(g->id, grc);
    }
  } else if (c->token > 0) {
    int token = c->token;
    call_free(c);
    wm__host_done(token, rc);
  } else if (c->detached) {
    call_free(c);
  } else {
    wm__wake_all(&c->wq);
  }
}

void wm__call_ready(uint32_t id) {
  callobj *c = wm__h_get(&calls, id);
  if (!c || c->done || c->ready) {
    wm__rt.stats.refused++;
    return;
  }
  c->ready = 1;
  if (c->token > 0)
    wm__host_ready(c->token);
  else
    wm__wake_all(&c->wq);
}

/* deferred_call returns call id made here whose output is deferred and
 * not yet delivered, or NULL (and counts the frame refused). */
static callobj *deferred_call(uint32_t id) {
  callobj *c = wm__h_get(&calls, id);
  if (!c || c->done || !c->deferred || c->token <= 0) {
    wm__rt.stats.refused++;
    return NULL;
  }
  c->deferred = 0; /* once: OUT or OUTPORT */
  return c;
}

void wm__call_out(uint32_t id, int32_t status, const uint8_t *p, size_t n) {
  callobj *c = deferred_call(id);
  if (c) wm__host_out(c->token, status, p, n);
}

void wm__call_outport(uint32_t id, int port) {
  callobj *c = deferred_call(id);
  if (c)
    wm__host_outport(c->token, port);
  else
    wm__host_port_close(port);
}

/* own_call returns call id if the job running now may use it (see
 * wm__job_may_use) and it is one a C caller waits for, and has not let go
 * of; else NULL. A function that learns another's call id must not cancel
 * it or take its result. */
static callobj *own_call(uint32_t id) {
  callobj *c = wm__h_get(&calls, id);
  if (!c || c->group || c->token || c->detached || !wm__job_may_use(c->parent))
    return NULL;
  return c;
}

int wm__own_call(uint32_t id) { return own_call(id) ? 0 : WM_EBADF; }

int wm__wait_ready(uint32_t id, int64_t deadline) {
  for (;;) {
    callobj *c = own_call(id);
    if (!c) return WM_EBADF;
    /* Ready first: a function that was ready and then ended started well,
     * even if both are seen in one turn; its result is wm_wait's. */
    if (c->ready) return 1;
    if (c->done) return 0;
    int rc = wm__wait(&c->wq, deadline);
    if (rc) return rc;
  }
}

static void kill_id(uint32_t id, int v) {
  (void)v;
  wm__kill(id);
}

int wm__kill(uint32_t id) {
  callobj *c = wm__h_get(&calls, id);
  if (!c || c->done) return 0;
  if (c->kind == K_LOCAL) return WM_ETIMEDOUT;
  if (c->kind == K_GROUP) {
    each_call(stage_of, id, kill_id, 0);
    return 0;
  }
  uint8_t buf[WM__CTL_LEN];
  size_t n = wm__enc_ctl(buf, WM__F_KILL, id, WM_EDIED);
  return wm__ctl_send(0, buf, n, NULL, 0);
}

int wm__cancel(uint32_t id, int reason) {
  callobj *c = wm__h_get(&calls, id);
  if (!c) return WM_EBADF;
  if (c->done || c->cancelled) return 0;
  c->cancelled = reason;
  if (c->kind == K_GROUP) {
    each_call(stage_of, c->id, cancel_id, reason);
  } else if (c->kind == K_LOCAL) {
    wm__cancel_job(-1, c->id, reason);
  } else {
    uint8_t buf[WM__CTL_LEN];
    size_t n = wm__enc_cancel(buf, c->id, reason);
    int rc = wm__ctl_send(0, buf, n, NULL, 0);
    if (rc) c->cancelled = 0; /* not sent: it may be tried again */
    return rc;
  }
  return 0;
}

int wm_cancel(wm_call call) {
  if (!own_call(call.id)) return WM_EBADF;
  return wm__cancel(call.id, WM_ECANCELED);
}

int wm__call_remotes(uint32_t id, uint32_t *ids, int max) {
  callobj *c = wm__h_get(&calls, id);
  if (!c || c->done || max <= 0) return 0;
  if (c->kind == K_REMOTE) {
    ids[0] = id;
    return 1;
  }
  int n = 0;
  if (c->kind == K_GROUP)
    for (uint32_t i = 0; i < calls.cap && n < max; i++) {
      callobj *s = calls.objs[i];
      if (s && s->group == id) n += wm__call_remotes(s->id, ids + n, max - n);
    }
  return n;
}

static void job_cancel(const wm__job *job, int reason) {
  if (job->owner) each_call(child_of, job->owner, cancel_id, reason);
}

/* release_child lets go of a call whose maker has finished: one already
 * done is freed, one still running is cancelled and freed when it ends. */
static void release_child(uint32_t id, int v) {
  (void)v;
  callobj *c = wm__h_get(&calls, id);
  if (!c) return;
  if (c->done) {
    call_free(c);
    return;
  }
  c->detached = 1;
  wm__cancel(id, WM_ECANCELED);
}

void wm__call_release(uint32_t id) { release_child(id, 0); }

/* check_opts refuses options no call could honour. */
static int check_opts(const wm_opts *o) {
  if (!o) return 0;
  if (o->deadline < -1) return WM_EINVAL;
  if (o->window && (o->window < WM_MIN_WINDOW || o->window > WM__MAX_WINDOW))
    return WM_EINVAL;
  if (o->where != WM_ANY && o->where != WM_HERE && o->where < 1)
    return WM_EINVAL;
  return 0;
}

static int check_ends(wm_pipe in, wm_pipe out) {
  int rc;
  if (in.id && (rc = wm__end_check(in, 0))) return rc;
  if (out.id && (rc = wm__end_check(out, 1))) return rc;
  if (in.id && in.id == out.id) return WM_EPERM;
  return 0;
}

/* start_job runs a job in a fiber, marking its ends as the job's own.
 * They are marked only once it has a fiber: ends marked for a job that
 * never runs would be no one's, and its caller could not close them. */
static const wm__job_ops job_ops;

static int start_job(wm__job *job) {
  static uint32_t jobs;
  job->owner = ++jobs ? jobs : ++jobs;
  job->ops = &job_ops;
  int rc = wm__spawn(job);
  if (rc) return rc;
  wm__end_own(job->in, job->owner);
  wm__end_own(job->out, job->owner);
  wm__rt.stats.running++;
  return 0;
}

/* runs_here says whether a call with these options runs in this instance:
 * asked to, or the main instance of a mesh without workers. */
static int runs_here(const wm_opts *o) {
  int where = o ? o->where : WM_ANY;
  return where == WM_HERE || (wm__rt.self == 0 && wm__rt.nworkers == 0);
}

/* blocks_for says into how many blocks of neighbouring stages a chain of n
 * stages is cut. Stages in one block run in one instance on local pipes;
 * between blocks the bytes cross threads, which costs far more than the
 * stages of a cheap filter. A chain of more stages than there are workers
 * gains no parallelism from more blocks than workers, and contiguous
 * blocks keep every worker busy as round-robin placement would. */
static size_t blocks_for(size_t n, const wm_opts *o) {
  if (runs_here(o)) return n; /* each stage is a local call anyway */
  int where = o ? o->where : WM_ANY;
  size_t w =
      where == WM_ANY && wm__rt.nworkers > 0 ? (size_t)wm__rt.nworkers : 1;
  size_t b = n < w ? n : w;
  size_t least = (n + WM__MAX_BLOCK - 1) / WM__MAX_BLOCK;
  return b < least ? least : b;
}

/* run_here starts fn in a fiber of this instance, keeping the handles. The
 * ends change hands all the same: start_job marks them as the new job's,
 * and then the caller's handles fail with WM_EBADF, as a moved end's do,
 * and one end cannot go to two calls. They keep their ids: new ones
 * (wm__end_rehandle) kill the old ones at once, and wm__spawn, which can
 * fail after that, would leave the caller's handles dead and the ends
 * stranded. Refused, the call must leave every handle as it was. */
static int run_here(const wm__req *r, callobj *c) {
  wm__job job = {
      r->fns[0], r->in, r->out, c->id, -1, 0, r->o ? r->o->deadline : -1,
      0,         {0},   0,      NULL};
  return start_job(&job);
}

/* send_remote moves the ends into a CALL frame for the coordinator. */
static void send_remote(const wm__req *r, const uint32_t *idx, callobj *c,
                        int defer) {
  wm_pipe in = r->in, out = r->out;
  const wm_opts *o = r->o;
  size_t k = r->n;
  wm__callmsg m;
  int ports[2], nports = 0, pin = -1, pout = -1;
  memset(&m, 0, sizeof m);
  m.id = c->id;
  m.fn = idx[0];
  m.nmore = (uint32_t)k - 1;
  memcpy(m.more, idx + 1, (k - 1) * sizeof *idx);
  m.where = o ? o->where : WM_ANY;
  m.flags = wm__in_fiber() ? WM__C_NESTED : 0;
  m.deadline = o ? o->deadline : -1;
  m.in.port = m.out.port = WM__NOPORT;
  int rc = 0;
  if (in.id) rc = wm__end_export(in, &m.in, &pin);
  if (!rc && out.id) rc = wm__end_export(out, &m.out, &pout);
  if (defer) {
    uint32_t window = o && o->window ? o->window : WM__DEFAULT_WINDOW;
    m.out = (wm__desc){WM__D_PRESENT | WM__D_WRITER | WM__D_DEFER,
                       WM__NOPORT,
                       0,
                       window,
                       0,
                       0,
                       NULL};
  }
  if (pin >= 0) {
    m.in.port = (uint8_t)nports;
    ports[nports++] = pin;
  }
  if (pout >= 0) {
    m.out.port = (uint8_t)nports;
    ports[nports++] = pout;
  }
  uint8_t *frame = NULL;
  size_t n = 0;
  if (!rc) rc = wm__enc_call(&m, &frame, &n);
  if (rc) {
    /* Out of memory half-way: fail the call and close what moved. */
    if (m.in.flags) wm__end_abort(&m.in, pin, rc);
    if (m.out.flags) wm__end_abort(&m.out, pout, rc);
    if (in.id && !m.in.flags) wm_close(in);
    if (out.id && !m.out.flags) wm_close_error(out, rc);
    wm__call_complete(c->id, rc);
  } else if ((rc = wm__ctl_send(0, frame, n, ports, nports))) {
    /* Not sent (no memory to queue it for this instance's coordinator):
     * the ports are still here. */
    if (m.in.flags) wm__end_abort(&m.in, pin, rc);
    if (m.out.flags) wm__end_abort(&m.out, pout, rc);
    wm__call_complete(c->id, rc);
  }
  free(frame);
  free((void *)m.in.data);
  free((void *)m.out.data);
}

/* go starts a call of r->n stages (more than one only as a block of a
 * chain that runs elsewhere, at most WM__MAX_BLOCK), as wm__go. */
static int go(const wm__req *r, uint32_t *id, int defer) {
  uint32_t idx[WM__MAX_BLOCK];
  for (size_t i = 0; i < r->n; i++)
    if (!r->fns[i] || !(idx[i] = wm__fn_index(r->fns[i]))) return WM_ENOFN;
  int rc = check_opts(r->o);
  if (!rc) rc = check_ends(r->in, r->out);
  if (!rc && defer && (r->out.id || r->token <= 0 || runs_here(r->o)))
    rc = WM_EINVAL;
  if (rc) return rc;
  callobj *c = call_new(r->token, r->group);
  if (!c) return WM_ENOMEM;
  *id = c->id;
  c->deferred = defer;
  if (runs_here(r->o)) {
    c->kind = K_LOCAL;
    if ((rc = run_here(r, c))) {
      call_free(c);
      return rc;
    }
  } else {
    send_remote(r, idx, c, defer);
  }
  return 0;
}

/* wm__go and wm__go_deferred take one stage: only wm__chain makes blocks,
 * which go's index array bounds. */
int wm__go(const wm__req *r, uint32_t *id) {
  return r->n == 1 ? go(r, id, 0) : WM_EINVAL;
}

int wm__go_deferred(const wm__req *r, uint32_t *id) {
  return r->n == 1 ? go(r, id, 1) : WM_EINVAL;
}

int wm__go_check(wm_pipe in, wm_pipe out, wm_fn fn, const wm_opts *o) {
  if (!fn || !wm__fn_index(fn)) return WM_ENOFN;
  int rc = check_opts(o);
  return rc ? rc : check_ends(in, out);
}

int wm_go(wm_pipe in, wm_pipe out, wm_fn fn, const wm_opts *o, wm_call *c) {
  if (!c) return WM_EINVAL;
  uint32_t id;
  wm__req r = {in, out, &fn, 1, o, 0, 0};
  int rc = wm__go(&r, &id);
  if (!rc) c->id = id;
  return rc;
}

int wm__chain(const wm__req *r, uint32_t *id) {
  const wm_fn *fns = r->fns;
  size_t n = r->n;
  const wm_opts *o = r->o;
  if (!fns || !n || n > 4096) return WM_EINVAL;
  for (size_t i = 0; i < n; i++)
    if (!fns[i] || !wm__fn_index(fns[i])) return WM_ENOFN;
  int rc = check_opts(o);
  if (!rc) rc = check_ends(r->in, r->out);
  if (rc) return rc;
  uint32_t window = o && o->window ? o->window : WM__DEFAULT_WINDOW;
  if (window > WM__MAX_WINDOW) return WM_EINVAL;
  size_t nb = blocks_for(n, o);
  /* Make every pipe first, so that failing leaves nothing taken. */
  wm_pipe *ps = calloc(2 * (nb - 1) + 1, sizeof *ps);
  callobj *g = ps ? call_new(r->token, 0) : NULL;
  for (size_t i = 0; g && i + 1 < nb && !rc; i++)
    rc = wm__pipe_new(&ps[2 * i], &ps[2 * i + 1], window);
  if (!g || rc) {
    for (size_t i = 0; ps && i < 2 * (nb - 1); i++)
      if (ps[i].id) wm_close(ps[i]);
    if (g) call_free(g);
    free(ps);
    return WM_ENOMEM;
  }
  /* One more than the stages, so that stages refused at once cannot finish
   * the chain while it is still being placed. */
  g->pending = (uint32_t)nb + 1;
  g->kind = K_GROUP;
  *id = g->id;
  for (size_t i = 0; i < nb; i++) {
    size_t first = i * n / nb, end = (i + 1) * n / nb;
    wm__req s = {i == 0 ? r->in : ps[2 * (i - 1)],
                 i + 1 == nb ? r->out : ps[2 * i + 1],
                 fns + first,
                 end - first,
                 o,
                 0,
                 g->id};
    uint32_t sid;
    rc = go(&s, &sid, 0);
    if (rc) {
      /* Only allocation can fail here: fail this stage in place. */
      if (s.in.id) wm_close(s.in);
      if (s.out.id) wm_close_error(s.out, rc);
      if (!g->rc) g->rc = rc;
      g->pending--;
    }
  }
  free(ps);
  if (--g->pending == 0) {
    int grc = g->rc;
    g->rc = 0;
    wm__call_complete(g->id, grc);
  }
  return 0;
}

int wm_chain(wm_pipe in, wm_pipe out, const wm_fn *fns, size_t n,
             const wm_opts *o, wm_call *c) {
  if (!c) return WM_EINVAL;
  uint32_t id;
  wm__req r = {in, out, fns, n, o, 0, 0};
  int rc = wm__chain(&r, &id);
  if (!rc) c->id = id;
  return rc;
}

int wm_wait(wm_call call, int64_t deadline) {
  callobj *c = own_call(call.id);
  if (!c) return WM_EBADF;
  while (!c->done) {
    int rc = wm__wait(&c->wq, deadline);
    if (rc) return rc;
    if (!(c = wm__h_get(&calls, call.id))) return WM_EBADF;
  }
  int rc = c->rc;
  call_free(c);
  return rc;
}

/* run_block is the function of a job that runs a block of a chain's stages
 * (wm__job.block): a chain of them here, on local pipes. It reports only
 * once every stage has ended, even if it is cancelled or runs out of time
 * first (its stages are then cancelled with it), as the stages of a chain
 * placed one by one would. */
static int run_block(wm_pipe in, wm_pipe out) {
  const wm__job *j = wm__job_now();
  wm_fn fns[WM__MAX_BLOCK];
  for (uint32_t i = 0; i < j->nblock; i++) fns[i] = wm__registered(j->block[i]);
  wm_opts o = {j->deadline, WM_HERE, j->window};
  wm__req r = {in, out, fns, j->nblock, &o, 0, 0};
  uint32_t id;
  int rc = wm__chain(&r, &id);
  if (rc) return rc;
  callobj *c;
  while ((c = wm__h_get(&calls, id)) && !c->done) wm__wait_hold(&c->wq);
  if (!c) return WM_EBADF;
  rc = c->rc;
  call_free(c);
  return rc;
}

static const char *job_name(const wm__job *job) {
  return wm__registered_name(
      job->fn == run_block ? wm__registered(job->block[0]) : job->fn);
}

static void reply(int to, uint32_t id, int rc) {
  uint8_t buf[WM__CTL_LEN];
  size_t n = wm__enc_done(buf, id, rc);
  wm__ctl_send(to, buf, n, NULL, 0);
}

void wm__exec(const uint8_t *p, size_t n, const int *ports, int nports) {
  wm__callmsg m;
  if (wm__dec_call(p, n, (unsigned)nports, &m)) {
    wm__refuse(ports, nports);
    return;
  }
  int pin = m.in.flags & WM__D_PORT ? ports[m.in.port] : -1;
  int pout = m.out.flags & WM__D_PORT ? ports[m.out.port] : -1;
  wm_fn fn = wm__registered(m.fn);
  for (uint32_t i = 0; fn && i < m.nmore; i++)
    if (!wm__registered(m.more[i])) fn = NULL;
  int rc = fn ? 0 : WM_ENOFN;
  if (!fn) wm__rt.stats.refused++;
  if (!rc && m.deadline >= 0 && m.deadline <= wm_now()) rc = WM_ETIMEDOUT;
  wm_pipe in = WM_PIPE_NONE, out = WM_PIPE_NONE;
  if (rc) {
    /* Refused: close both ends with the reason so their peers learn it. */
    wm__end_abort(&m.in, pin, rc);
    wm__end_abort(&m.out, pout, rc);
  } else if ((rc = wm__end_import(&m.in, pin, &in))) {
    wm__end_abort(&m.out, pout, rc);
  } else if ((rc = wm__end_import(&m.out, pout, &out))) {
    if (in.id) wm_close(in);
  } else {
    if (m.out.flags & WM__D_DEFER) wm__end_defer_to(out, m.id);
    wm__job job = {fn, in, out, m.id, 0, 0, m.deadline, 0, {0}, 0, NULL};
    if (m.nmore) {
      job.fn = run_block;
      job.nblock = m.nmore + 1;
      job.block[0] = m.fn;
      memcpy(job.block + 1, m.more, m.nmore * sizeof *m.more);
      /* The pipes between the stages: as wide as the ones into the block. */
      job.window = m.in.flags ? m.in.window : m.out.flags ? m.out.window : 0;
      if (job.window && job.window < WM_MIN_WINDOW) job.window = WM_MIN_WINDOW;
    }
    if (!(rc = start_job(&job))) return;
    if (in.id) wm_close(in);
    if (out.id) wm_close_error(out, rc);
  }
  reply(0, m.id, rc);
}

static void (*job_end_hook)(uint32_t owner);

void wm__call_on_job_end(void (*hook)(uint32_t owner)) { job_end_hook = hook; }

static void job_finish(const wm__job *job, int rc) {
  wm__rt.stats.running--;
  wm__end_close_owned(job->in, job->owner, 0);
  wm__end_close_owned(job->out, job->owner, rc);
  /* Pipes, topics and calls the job made and left behind end with it; most
   * jobs make none, and skip the sweep of the tables. */
  if (wm__job_made_any()) {
    wm__end_close_job(job->owner);
    if (job_end_hook) job_end_hook(job->owner);
    each_call(child_of, job->owner, release_child, 0);
  }
  if (job->reply_to < 0)
    wm__call_complete(job->reply_id, rc);
  else
    reply(job->reply_to, job->reply_id, rc);
}

static void job_ready(const wm__job *job) {
  if (job->reply_to < 0) {
    wm__call_ready(job->reply_id);
  } else {
    uint8_t buf[WM__CTL_LEN];
    size_t n = wm__enc_ctl(buf, WM__F_READY, job->reply_id, 0);
    wm__ctl_send(job->reply_to, buf, n, NULL, 0);
  }
}

static const wm__job_ops job_ops = {job_finish, job_cancel, job_ready,
                                    job_name};
