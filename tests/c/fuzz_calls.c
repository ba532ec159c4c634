/* fuzz_calls.c: libFuzzer target for calls and the coordinator, as a state
 * machine. The process is the main instance (self 0, the coordinator of NW
 * workers of CAP calls each and a queue of QMAX); the fuzz input plays
 * everything around it through the host stub:
 *  - the workers: they take the CALL frames the coordinator sends and answer
 *    them (DONE with any result, READY, OUT, OUTPORT, data on their ports),
 *    forge frames (a DONE from the wrong worker, a stale or random slot, a
 *    second OUT), make calls of their own, cancel and kill, die and come back;
 *  - the JS side: wm__js_call (plain, deferred output, chains, WM_HERE, with
 *    ports or inline input) and wm__js_cancel, and its ends of the ports;
 *  - fibers of this instance ("actors"): each runs commands from the input,
 *    so that wm_go, wm_chain, wm_wait, wm_cancel, wm_start, wm_halt, topics,
 *    subscribers and nested actors are all made from inside a fiber, where
 *    structured concurrency applies, and a fiber that wakes from wm_wait may
 *    cancel its other calls at once;
 *  - the clock, which only moves when the input says (stub_run_until).
 *
 * The input is a program of operations (see op_names); every argument byte
 * reads as 0 past the end, so any byte string is a program. A small model
 * of what must happen is kept beside the core and checked as it goes:
 *  - every call completes once: a JS token gets exactly one wm__host_done, a
 *    C call's wm_wait gives one result and then EBADF, a worker's own call
 *    gets one DONE and never one after its worker died;
 *  - no result before the call's job on a worker has ended; a call tagged
 *    by its deadline (see tag_deadline) gets exactly what its worker said,
 *    or WM_EDIED, or (never placed) a runtime error;
 *  - results are values someone sent; unique result values (tags) arrive at
 *    most once and a forged one never; forged frames are refused;
 *  - OUT, OUTPORT and READY reach the JS side at most once per call and
 *    never after its result; no frame goes to a dead worker;
 *  - at the end of every input, once everything outstanding is cancelled,
 *    every CALL answered and every port the test holds closed, nothing is
 *    left: no call, pipe, port, busy fiber or queued call (wm_get_stats),
 *    no open stub port, no host misuse. The core's state is global, so this
 *    also makes each input start from a clean instance.
 * ASan and UBSan catch the rest. With WM_FUZZ_SEEDS=DIR set, the target
 * writes seed programs for the scenarios that once crashed the main instance
 * into DIR and exits. Run it with scripts/fuzz.sh. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "host_stub.h"
#include "registry.h"
#include "rt.h"

enum {
  NW = 3,   /* workers */
  CAP = 2,  /* calls each */
  QMAX = 4, /* queued calls */
  MAXOPS = 256,
  MAXJOBS = 64,
  MAXACT = 12,
  MAXDEPTH = 6,
  NCALL = 8, /* calls an actor holds */
  NEND = 8,  /* pipe ends an actor holds */
  QN = 8,    /* commands queued for an actor */
  CMDLEN = 6,
  MAXJS = 32,
  MAXWC = 32,
  MAXTC = 96,
  MAXTAGS = 512,
  MAXSTALE = 32
};

/* A tagged result: a unique value that may reach a caller at most once. */
#define RC_TAG0 0x100000
/* Deadlines from tag_base on name a tagged call (deadline - tag_base): far
 * enough in the future that no input's clock reaches them. */
#define TAG_SPAN (INT64_C(1) << 40)

static void fail_at(int line, const char *expr, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));
static int op_index; /* the operation running, for messages */

#define ORACLE(e, ...)                                                         \
  do {                                                                         \
    if (!(e)) fail_at(__LINE__, #e, __VA_ARGS__);                              \
  } while (0)

/* With WM_FUZZ_TRACE set, trace tells what happens: for reading a
 * reproducer. */
static int tracing;
static void trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void trace(const char *fmt, ...) {
  if (!tracing) return;
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
}

static void dump_core(void) {
  static char buf[1 << 16];
  wm_dump(buf, sizeof buf);
  fprintf(stderr, "---- wm_dump ----\n%s-----------------\n", buf);
}

static void fail_at(int line, const char *expr, const char *fmt, ...) {
  fprintf(stderr, "fuzz_calls: model violation at operation %d\n", op_index);
  fprintf(stderr, "fuzz_calls.c:%d: %s: ", line, expr);
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  dump_core();
  abort();
}

/* ---- the model ---- */

/* A call whose worker's answer the model can tell apart: made with a tagged
 * deadline (C and JS calls of the main instance, a worker's own calls). */
typedef struct tcall {
  int job;    /* the live job running it, or -1 */
  int placed; /* a worker got it */
  int expect; /* what it must end with, once has_expect */
  int has_expect;
  int done;
  int detached; /* nobody will see its result */
} tcall;

/* A CALL a worker holds. */
typedef struct job {
  int live;
  int w;
  uint32_t g;
  int port[2], writer[2], nports; /* the worker's side of each end */
  int deferred, outs, cancelled;
  int tc; /* tagged call it runs, or -1 */
} job;

/* A call made by a worker. */
typedef struct wcall {
  int live;
  int w, inc;
  uint32_t id;
  int tc;
  int port; /* the worker's side of its input port, or -1 */
} wcall;

/* A call made by the JS side. */
typedef struct jscall {
  int live; /* until wm__host_done */
  int token;
  uint32_t id;
  int deferred, outs, readies, cancelled;
  int tc;
} jscall;

enum {
  K_GO,
  K_CHAIN,
  K_ACTOR,
  K_SVC,
  K_SUB
};

/* A call an actor made and holds. */
typedef struct acall {
  int live;
  wm_call c;
  int kind;
  int child; /* the actor it runs, for K_ACTOR */
  int tc;
} acall;

typedef struct actor {
  int used;
  uint32_t call_id;
  int parent, depth; /* parent -1: made by the test */
  int started, returned, ret;
  int busy;     /* in a blocking call */
  int drained;  /* told to finish */
  int detached; /* its maker has let it go: nobody sees its result */
  int collected;
  uint8_t q[QN][CMDLEN];
  int qh, qn;
  wm__waitq mbox;
  acall calls[NCALL];
  wm_pipe ends[NEND];
  int on_wake;
  wm_topic topic;
  int has_topic;
} actor;

/* An actor's call held by the test itself (made outside any fiber). */
typedef struct topcall {
  int live;
  wm_call c;
  int actor;
} topcall;

static struct model {
  int64_t tag_base;
  int alive[NW + 1], inc[NW + 1];
  uint32_t next_wid[NW + 1];
  job jobs[MAXJOBS];
  struct {
    int w;
    uint32_t g;
  } stale[MAXSTALE];
  int nstale;
  wcall wc[MAXWC];
  jscall js[MAXJS];
  int next_token;
  tcall tc[MAXTC];
  int ntc;
  actor act[MAXACT];
  topcall top[MAXACT];
  int ntags;
  uint8_t tag_state[MAXTAGS]; /* 1 issued, 2 seen, 3 forged */
  int kills[8], nkills;
  uint32_t gate_gen;
  int gate_rc;
} M;

static wm__waitq gate_q;

static uint32_t refused(void) {
  wm_stats s;
  wm_get_stats(&s);
  return s.refused;
}

/* ---- result values ---- */

static int runtime_error(int rc) { return rc < 0 && rc > -100; }

static int tag_new(int forged) {
  if (M.ntags >= MAXTAGS) return forged ? RC_TAG0 + MAXTAGS + 1 : 0;
  M.tag_state[M.ntags] = forged ? 3 : 1;
  return RC_TAG0 + M.ntags++;
}

/* seen checks a result that reached a caller: a value anyone may send, or
 * a tag sent once and seen at most once. */
static void seen(int rc, const char *who) {
  if (rc >= RC_TAG0 && rc < RC_TAG0 + MAXTAGS + 2) {
    int k = rc - RC_TAG0;
    ORACLE(k < M.ntags && M.tag_state[k] != 3, "%s got forged result %#x", who,
           rc);
    ORACLE(M.tag_state[k] == 1, "%s got result %#x a second time", who, rc);
    M.tag_state[k] = 2;
    return;
  }
  ORACLE(rc == 0 || rc == -1000 || runtime_error(rc), "%s got result %d", who,
         rc);
}

/* pick_rc reads a result for a worker, the gate or an actor to return. */
static int pick_rc(unsigned v, int tags) {
  static const int rcs[] = {
      0,        0,        -1000,     WM_EINVAL, WM_ECANCELED, WM_ETIMEDOUT,
      WM_EDIED, WM_EPIPE, WM_ENOMEM, WM_EPROTO, WM_EOVERFLOW, 1};
  if (tags && v % 4 == 3) return tag_new(0);
  int rc = rcs[(v / 4) % (sizeof rcs / sizeof *rcs)];
  return rc == 1 ? 0 : rc;
}

/* ---- tagged calls ---- */

static int tc_new(void) {
  if (M.ntc >= MAXTC) return -1;
  tcall *t = &M.tc[M.ntc];
  memset(t, 0, sizeof *t);
  t->job = -1;
  return M.ntc++;
}

static int64_t tag_deadline(int tc) { return M.tag_base + tc; }

static int tc_of_deadline(int64_t d) {
  if (d < M.tag_base || d >= M.tag_base + M.ntc) return -1;
  return (int)(d - M.tag_base);
}

/* tc_result checks the result of tagged call k. */
static void tc_result(int k, int rc, const char *who) {
  if (k < 0) return;
  tcall *t = &M.tc[k];
  ORACLE(!t->done, "%s: tagged call %d ended twice (rc %d)", who, k, rc);
  t->done = 1;
  ORACLE(t->job < 0, "%s: tagged call %d ended (rc %d) while its job %d runs",
         who, k, rc, t->job);
  if (t->has_expect)
    ORACLE(rc == t->expect,
           "%s: tagged call %d ended with %d, its worker said %d", who, k, rc,
           t->expect);
  else
    ORACLE(!t->placed && runtime_error(rc),
           "%s: tagged call %d never answered ended with %d", who, k, rc);
}

/* ---- the workers' side ---- */

static int jobs_on(int w) {
  int k = 0;
  for (int i = 0; i < MAXJOBS; i++) k += M.jobs[i].live && M.jobs[i].w == w;
  return k;
}

static int job_find(int w, uint32_t g) {
  for (int i = 0; i < MAXJOBS; i++)
    if (M.jobs[i].live && M.jobs[i].w == w && M.jobs[i].g == g) return i;
  return -1;
}

static void stale_add(int w, uint32_t g) {
  M.stale[M.nstale % MAXSTALE].w = w;
  M.stale[M.nstale % MAXSTALE].g = g;
  M.nstale++;
}

/* job_end forgets a job; the tagged call it ran must now end with rc. */
static void job_end(int j, int rc) {
  job *b = &M.jobs[j];
  b->live = 0;
  stale_add(b->w, b->g);
  if (b->tc >= 0) {
    tcall *t = &M.tc[b->tc];
    t->job = -1;
    t->has_expect = 1;
    t->expect = rc;
  }
}

/* close_job_ports ends the worker's side of a job's ends: politely (the
 * terminal frame, then the port closes) or as a worker that vanished. */
static void close_job_ports(job *b, int polite, int rc) {
  for (int i = 0; i < b->nports; i++) {
    int p = b->port[i];
    if (!stub_held(p)) continue;
    if (polite && b->writer[i] && rc < 0) {
      uint8_t e[4];
      for (int k = 0; k < 4; k++) e[k] = (uint8_t)((uint32_t)rc >> (8 * k));
      stub_post(p, WM__F_ERR, e, 4);
    } else if (polite) {
      stub_post(p, b->writer[i] ? WM__F_EOF : WM__F_RCLOSE, NULL, 0);
    }
    stub_close(p);
  }
  b->nports = 0;
}

static void got_call(int w, const stub_ctrl *c) {
  wm__callmsg m;
  ORACLE(wm__dec_call(c->p, c->n, (unsigned)c->nports, &m) == 0,
         "worker %d got a CALL it cannot decode", w);
  ORACLE(m.where == WM_ANY || m.where == w, "call for worker %d sent to %d",
         m.where, w);
  ORACLE(job_find(w, m.id) < 0, "slot %#x given twice to worker %d", m.id, w);
  /* Nested calls may run past capacity, at most QMAX of them. */
  ORACLE(jobs_on(w) < CAP + QMAX, "worker %d over capacity", w);
  int j = 0;
  while (j < MAXJOBS && M.jobs[j].live) j++;
  ORACLE(j < MAXJOBS, "more than %d calls on workers", MAXJOBS);
  job *b = &M.jobs[j];
  memset(b, 0, sizeof *b);
  b->live = 1;
  b->w = w;
  b->g = m.id;
  b->deferred = (m.out.flags & WM__D_DEFER) != 0;
  b->tc = tc_of_deadline(m.deadline);
  if (m.in.flags & WM__D_PORT) {
    b->port[b->nports] = c->ports[m.in.port];
    b->writer[b->nports++] = 0;
  }
  if (m.out.flags & WM__D_PORT) {
    b->port[b->nports] = c->ports[m.out.port];
    b->writer[b->nports++] = 1;
  }
  trace("  worker %d gets CALL slot %#x (%u stages, %d ports%s, tag %d)\n", w,
        m.id, m.nmore + 1, b->nports, b->deferred ? ", deferred" : "", b->tc);
  if (b->tc >= 0) {
    tcall *t = &M.tc[b->tc];
    ORACLE(!t->placed && !t->done, "tagged call %d placed twice", b->tc);
    t->placed = 1;
    t->job = j;
  }
}

static int wc_find(int w, uint32_t id) {
  for (int i = 0; i < MAXWC; i++)
    if (M.wc[i].live && M.wc[i].w == w && M.wc[i].inc == M.inc[w] &&
        M.wc[i].id == id)
      return i;
  return -1;
}

static void got_frame(const stub_ctrl *c) {
  int w = c->dest;
  ORACLE(w >= 1 && w <= NW, "control frame to instance %d", w);
  int type = wm__dec_type(c->p, c->n);
  /* The host drops what goes to a dead worker; only a call would be lost. */
  ORACLE(M.alive[w] || type != WM__F_CALL, "CALL to dead worker %d", w);
  if (!M.alive[w]) return;
  uint32_t id;
  int32_t v;
  if (type == WM__F_CALL) {
    got_call(w, c);
  } else if (type == WM__F_DONE) {
    ORACLE(!c->nports && !wm__dec_done(c->p, c->n, &id, &v), "bad DONE");
    int k = wc_find(w, id);
    ORACLE(k >= 0,
           "DONE (rc %d) to worker %d for call %u it is not waiting for", v, w,
           id);
    M.wc[k].live = 0;
    trace("  worker %d gets DONE %d for its call %u\n", w, v, id);
    seen(v, "a worker's call");
    tc_result(M.wc[k].tc, v, "a worker's call");
  } else if (type == WM__F_CANCEL) {
    ORACLE(!c->nports && !wm__dec_cancel(c->p, c->n, &id, &v), "bad CANCEL");
    int j = job_find(w, id);
    ORACLE(j >= 0, "CANCEL to worker %d for slot %#x it does not run", w, id);
    M.jobs[j].cancelled = v;
    trace("  worker %d gets CANCEL %d for slot %#x\n", w, v, id);
  } else if (type == WM__F_READY) {
    ORACLE(!c->nports && !wm__dec_ctl(c->p, c->n, WM__F_READY, &id, &v),
           "bad READY");
    ORACLE(wc_find(w, id) >= 0,
           "READY to worker %d for call %u it is not waiting for", w, id);
  } else {
    ORACLE(0, "worker %d got a frame of type %d", w, type);
  }
}

static jscall *js_by_token(int token) {
  for (int i = 0; i < MAXJS; i++)
    if (M.js[i].token == token && M.js[i].token) return &M.js[i];
  return NULL;
}

static void got_done(int token, int rc) {
  jscall *j = js_by_token(token);
  ORACLE(j, "wm__host_done for token %d never used", token);
  ORACLE(j->live, "wm__host_done twice for token %d (rc %d)", token, rc);
  j->live = 0;
  trace("  JS token %d done: %d\n", token, rc);
  seen(rc, "a JS call");
  tc_result(j->tc, rc, "a JS call");
}

/* observe sees the JS side's reports as the core makes them. */
static void observe(int what, int token, int value) {
  if (what == STUB_KILL) {
    ORACLE(token >= 1 && token <= NW, "kill of worker %d", token);
    if (M.nkills < 8) M.kills[M.nkills++] = token;
    return;
  }
  jscall *j = js_by_token(token);
  ORACLE(j && j->live, "report %d for token %d, which is not running", what,
         token);
  if (what == STUB_READY) {
    ORACLE(!j->readies++, "READY twice for token %d", token);
  } else {
    ORACLE(j->deferred, "output for token %d, which has a port", token);
    ORACLE(!j->outs++, "output twice for token %d", token);
    if (what == STUB_OUT)
      ORACLE(value == 1 || value < 0, "OUT status %d", value);
  }
}

static void worker_exit(int w);

/* consume takes every frame and result the core has sent, and carries out
 * the kills it asked the host for. */
static void consume(void) {
  for (;;) {
    stub_ctrl c;
    int token, rc, any = 0;
    while (stub_ctrl_take(&c)) {
      got_frame(&c);
      free(c.p);
      any = 1;
    }
    while (stub_done_take(&token, &rc)) {
      got_done(token, rc);
      any = 1;
    }
    if (M.nkills) {
      int w = M.kills[--M.nkills];
      if (M.alive[w]) worker_exit(w);
      any = 1;
    }
    if (!any) break;
  }
}

/* settle runs what is due now: kicks, port frames, timers up to now. */
static void settle(void) {
  stub_run_until(wm_now());
  consume();
}

/* deliver hands the core a control frame from a worker and returns how
 * many messages that (and only that: no port frame is delivered meanwhile)
 * refused; then lets whatever follows happen. */
static uint32_t deliver(int from, const uint8_t *p, size_t n, const int *ports,
                        int nports) {
  uint32_t r0 = refused();
  stub_ctrl_deliver(from, p, n, ports, nports);
  uint32_t r = refused() - r0;
  settle();
  return r;
}

static uint32_t deliver_ctl(int from, int type, uint32_t id, int32_t v) {
  uint8_t b[12];
  size_t n = type == WM__F_DONE ? wm__enc_done(b, id, v)
                                : wm__enc_ctl(b, (uint8_t)type, id, v);
  return deliver(from, b, n, NULL, 0);
}

static void answer(int j, int rc, int ports) {
  job *b = &M.jobs[j];
  int w = b->w;
  uint32_t g = b->g;
  if (ports == 0) close_job_ports(b, 1, rc);
  if (ports == 1) close_job_ports(b, 0, rc);
  /* ports == 2: the worker keeps them open; the sweep at the end closes. */
  job_end(j, rc);
  ORACLE(deliver_ctl(w, WM__F_DONE, g, rc) == 0,
         "DONE of a running call refused");
}

static void worker_exit(int w) {
  M.alive[w] = 0;
  M.inc[w]++;
  for (int j = 0; j < MAXJOBS; j++)
    if (M.jobs[j].live && M.jobs[j].w == w) job_end(j, WM_EDIED);
  for (int i = 0; i < MAXWC; i++)
    if (M.wc[i].live && M.wc[i].w == w) {
      /* Its result has nowhere to go now. */
      M.wc[i].live = 0;
      if (M.wc[i].tc >= 0) M.tc[M.wc[i].tc].detached = 1;
    }
  wm__on_worker_exit(w);
  /* Its ports die with it. */
  for (int j = 0; j < MAXJOBS; j++)
    if (!M.jobs[j].live && M.jobs[j].w == w) close_job_ports(&M.jobs[j], 0, 0);
  for (int i = 0; i < MAXWC; i++)
    if (M.wc[i].w == w && M.wc[i].port >= 0) {
      if (stub_held(M.wc[i].port)) stub_close(M.wc[i].port);
      M.wc[i].port = -1;
    }
  settle();
}

static void worker_up(int w) {
  M.alive[w] = 1;
  M.next_wid[w] = 0; /* a replacement numbers its calls afresh */
  wm__on_worker_up(w);
  settle();
}

/* ---- functions that run in this instance ---- */

static int f_ok(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  return 0;
}
WM_EXPORT(f_ok)

static int f_fail(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  return -1000;
}
WM_EXPORT(f_fail)

/* f_gate waits until the test opens the gate, and returns what it says. */
static int f_gate(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  uint32_t gen = M.gate_gen;
  while (M.gate_gen == gen) {
    int rc = wm__wait(&gate_q, -1);
    if (rc) return rc;
  }
  return M.gate_rc;
}
WM_EXPORT(f_gate)

/* f_svc is a service: ready at once, then serves until the gate opens. */
static int f_svc(wm_pipe in, wm_pipe out) {
  int rc = wm_ready();
  return rc ? rc : f_gate(in, out);
}
WM_EXPORT(f_svc)

/* f_cat copies its input to its output; a missing end is an empty input
 * or a sink, so that WM_EBADF can only mean a lost handle. */
static int f_cat(wm_pipe in, wm_pipe out) {
  char b[256];
  for (;;) {
    ssize_t n = in.id ? wm_read(in, b, sizeof b, -1) : 0;
    if (n <= 0) return (int)n;
    int rc = out.id ? wm_write(out, b, (size_t)n, -1) : 0;
    if (rc) return rc;
  }
}
WM_EXPORT(f_cat)

/* f_nest makes a call of its own on a worker and returns its result. */
static int f_nest(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  wm_call c;
  int rc = wm_go(WM_PIPE_NONE, WM_PIPE_NONE, f_ok, NULL, &c);
  return rc ? rc : wm_wait(c, -1);
}
WM_EXPORT(f_nest)

static int f_actor(wm_pipe in, wm_pipe out);
WM_EXPORT(f_actor)

static const wm_fn local_fns[] = {f_ok, f_fail, f_gate, f_cat, f_nest, f_svc};
#define NLOCAL (sizeof local_fns / sizeof *local_fns)

/* ---- the input ---- */

typedef struct prog {
  const uint8_t *p;
  size_t n;
} prog;

static unsigned u8(prog *g) {
  if (!g->n) return 0;
  g->n--;
  return *g->p++;
}

static int pick_where(unsigned v) {
  static const int ws[] = {WM_ANY, WM_ANY, 1, 2, 3, WM_HERE, NW + 1, WM_ANY};
  return ws[v % 8];
}

/* pick_deadline: none, soon, already past, or a tag (if tc is not NULL). */
static int64_t pick_deadline(unsigned v, int *tc) {
  if (tc) *tc = -1;
  switch (v % 8) {
  case 1:
  case 2:
    return wm_now() + 1 + (int64_t)(v / 8) * 10;
  case 3:
    return wm_now() - (int64_t)(v / 8);
  case 4:
  case 5:
    if (tc && (*tc = tc_new()) >= 0) return tag_deadline(*tc);
    return -1;
  default:
    return -1;
  }
}

/* ---- actors: fibers of this instance that run the input's commands ---- */

enum {
  C_GO,
  C_CHAIN,
  C_WAIT,
  C_CANCEL,
  C_CANCEL_ALL,
  C_RETURN,
  C_READY,
  C_SPAWN,
  C_ON_WAKE,
  C_START,
  C_HALT,
  C_TOPIC,
  C_SUBSCRIBE,
  C_PIPE,
  C_START_ALL,
  C_HALT_ALL,
  NCMD,
  C_DRAIN = 255
};

static actor *me(void) {
  const wm__job *j = wm__job_now();
  if (!j || j->reply_to != -1) return NULL;
  for (int i = 0; i < MAXACT; i++)
    if (M.act[i].used && !M.act[i].started && M.act[i].call_id == j->reply_id)
      return &M.act[i];
  return NULL;
}

static int actor_new(int parent) {
  for (int i = 0; i < MAXACT; i++)
    if (!M.act[i].used) {
      memset(&M.act[i], 0, sizeof M.act[i]);
      M.act[i].used = 1;
      M.act[i].parent = parent;
      M.act[i].depth = parent < 0 ? 0 : M.act[parent].depth + 1;
      return i;
    }
  return -1;
}

static int acall_slot(actor *a) {
  for (int i = 0; i < NCALL; i++)
    if (!a->calls[i].live) return i;
  return -1;
}

static int acall_pick(actor *a, unsigned v) {
  int live[NCALL], n = 0;
  for (int i = 0; i < NCALL; i++)
    if (a->calls[i].live) live[n++] = i;
  return n ? live[v % n] : -1;
}

static void keep_end(actor *a, wm_pipe p) {
  for (int i = 0; i < NEND; i++)
    if (!a->ends[i].id) {
      a->ends[i] = p;
      return;
    }
  wm_close(p);
}

static void add_call(actor *a, int slot, wm_call c, int kind, int child,
                     int tc) {
  a->calls[slot] = (acall){1, c, kind, child, tc};
}

/* call_result checks a result the actor got for its call k. */
static void call_result(actor *a, int k, int rc) {
  acall *c = &a->calls[k];
  trace("  actor %d: call %d ended with %d\n", (int)(a - M.act), k, rc);
  c->live = 0;
  ORACLE(rc != WM_EBADF, "actor %d: wm_wait lost the handle of its call",
         (int)(a - M.act));
  if (c->kind == K_ACTOR) {
    actor *ch = &M.act[c->child];
    ORACLE(ch->returned && rc == ch->ret,
           "actor %d ended with %d, its maker got %d", c->child, ch->ret, rc);
    ch->collected = 1;
    if (rc) seen(rc, "an actor's actor");
    return;
  }
  seen(rc, "an actor's call");
  tc_result(c->tc, rc, "an actor's call");
}

/* look takes a look at a call's handle without waiting, which cannot
 * switch fibers: 0 if the handle is gone (an earlier call took the result),
 * 1 if the call is still running, 2 if it had ended and the look took its
 * result into *rc. The value alone cannot tell these apart, since a call
 * may end with WM_ETIMEDOUT or WM_ECANCELED, which a wait also returns when
 * it times out or its fiber is cancelled: a second look settles it. */
static int look(wm_call c, int *rc) {
  int r = wm_wait(c, 0);
  if (r == WM_EBADF) return 0;
  int again = wm_wait(c, 0);
  if (r != WM_ETIMEDOUT && r != WM_ECANCELED)
    ORACLE(again == WM_EBADF, "wm_wait gave %d and kept the handle", r);
  if (again == WM_EBADF) {
    *rc = r;
    return 2;
  }
  return 1;
}

/* settled finds out whether a wait-like call that returned rc took the
 * result of the actor's call k. A wait cut short (the actor cancelled) may
 * find, by the time the actor runs, that the call has ended since: the
 * look then takes the result. */
static void settled(actor *a, int k, int rc) {
  int r, got = look(a->calls[k].c, &r);
  if (!got) {
    call_result(a, k, rc);
    return;
  }
  ORACLE(rc == WM_ETIMEDOUT || rc == WM_ECANCELED,
         "actor %d: a wait gave %d and kept the handle", (int)(a - M.act), rc);
  if (got == 2) call_result(a, k, r);
}

static int actor_go(actor *a, const uint8_t *c, int chain) {
  int slot = acall_slot(a);
  if (slot < 0) return 0;
  int where = pick_where(c[1]);
  int tc = -1;
  wm_opts o = {pick_deadline(c[2], chain || where == WM_HERE ? NULL : &tc),
               where, c[3] & 1 ? 4096 : 0};
  wm_pipe in = WM_PIPE_NONE, out = WM_PIPE_NONE, kin = WM_PIPE_NONE,
          kout = WM_PIPE_NONE;
  if ((c[3] & 2) && wm_pipe_make(&in, &kin)) return 0;
  if ((c[3] & 4) && wm_pipe_make(&kout, &out)) {
    if (in.id) {
      wm_close(in);
      wm_close(kin);
    }
    return 0;
  }
  if (kin.id && (c[3] & 8)) wm_write(kin, "abc", 3, 0);
  wm_call call;
  int rc;
  if (chain) {
    size_t n = 1 + c[4] % 24;
    if (c[4] >= 240) n = 17 + c[4] % 48; /* blocks of up to 16 stages */
    wm_fn fns[64];
    for (size_t i = 0; i < n; i++)
      fns[i] = where == WM_HERE ? local_fns[(c[5] >> (i % 4)) % NLOCAL]
                                : local_fns[(c[5] + i) % NLOCAL];
    rc = wm_chain(in, out, fns, n, &o, &call);
  } else {
    wm_fn fn = local_fns[c[4] % NLOCAL];
    rc = wm_go(in, out, fn, &o, &call);
  }
  if (rc) {
    ORACLE(rc == WM_EINVAL || rc == WM_ENOMEM, "wm_go/wm_chain refused: %d",
           rc);
    wm_pipe all[4] = {in, kin, out, kout};
    for (int i = 0; i < 4; i++)
      if (all[i].id) wm_close(all[i]);
    return 0;
  }
  trace("  actor %d: %s where %d deadline %" PRId64 " -> call %d (tag %d)\n",
        (int)(a - M.act), chain ? "chain" : "go", where, o.deadline, slot, tc);
  if (kin.id) keep_end(a, kin);
  if (kout.id) keep_end(a, kout);
  add_call(a, slot, call, chain ? K_CHAIN : K_GO, -1, tc);
  return 1;
}

static void actor_spawn(actor *a, unsigned dl) {
  int slot = acall_slot(a);
  if (slot < 0 || a->depth >= MAXDEPTH) return;
  int k = actor_new((int)(a - M.act));
  if (k < 0) return;
  wm_opts o = {pick_deadline(dl, NULL), WM_HERE, 0};
  wm_call c;
  int rc = wm_go(WM_PIPE_NONE, WM_PIPE_NONE, f_actor, &o, &c);
  if (rc) {
    M.act[k].used = 0;
    return;
  }
  M.act[k].call_id = c.id;
  add_call(a, slot, c, K_ACTOR, k, -1);
}

static void cancel_all(actor *a, int except) {
  for (int i = 0; i < NCALL; i++) {
    if (!a->calls[i].live || i == except) continue;
    int rc = wm_cancel(a->calls[i].c);
    ORACLE(rc == 0, "actor %d: wm_cancel of its call %d (kind %d) gave %d",
           (int)(a - M.act), i, a->calls[i].kind, rc);
  }
}

static int actor_cmd(actor *a, const uint8_t *c);

/* wait_for waits for call k until the deadline, then does what the actor
 * was told to do on waking (only after a wait that blocked). */
static void wait_for(actor *a, int k, int64_t dl) {
  a->busy = dl != 0;
  int rc = wm_wait(a->calls[k].c, dl);
  a->busy = 0;
  trace("  actor %d: wm_wait of call %d gave %d\n", (int)(a - M.act), k, rc);
  settled(a, k, rc);
  if (!dl) return;
  uint8_t next[CMDLEN] = {0};
  switch (a->on_wake) {
  case 1: /* cancel the others from inside the completion's run */
    cancel_all(a, -1);
    break;
  case 2:
    next[0] = C_GO;
    actor_cmd(a, next);
    break;
  case 3:
    next[0] = C_CHAIN;
    next[4] = 3;
    actor_cmd(a, next);
    break;
  }
}

static void actor_topic(actor *a, const uint8_t *c) {
  char name[8];
  snprintf(name, sizeof name, "t%d", (int)(a - M.act));
  switch (c[1] % 4) {
  case 0:
    if (!a->has_topic && !wm_topic_make(name, &a->topic)) a->has_topic = 1;
    break;
  case 1:
  case 2:
    if (a->has_topic) {
      a->busy = 1;
      int rc = wm_publish(a->topic, "frame", 5, c[2] & 1 ? wm_now() + c[2] : 0);
      a->busy = 0;
      ORACLE(rc == 0 || rc == WM_ETIMEDOUT || rc == WM_ECANCELED,
             "wm_publish: %d", rc);
    }
    break;
  default:
    if (a->has_topic) {
      ORACLE(wm_topic_close(a->topic) == 0, "wm_topic_close");
      a->has_topic = 0;
    }
  }
}

static void actor_subscribe(actor *a, const uint8_t *c) {
  int slot = acall_slot(a);
  if (slot < 0) return;
  char name[8];
  snprintf(name, sizeof name, "t%d", c[1] % MAXACT);
  int where = c[2] & 1 ? WM_HERE : 1 + c[2] / 2 % NW;
  wm_pipe r;
  wm_call call;
  int rc = wm_subscribe(name, where, c[3] % 3, 1 + c[4] % 3, &r, &call);
  if (rc) return;
  keep_end(a, r);
  add_call(a, slot, call, K_SUB, -1, -1);
}

static void actor_pipe(actor *a, const uint8_t *c) {
  int live[NEND], n = 0;
  for (int i = 0; i < NEND; i++)
    if (a->ends[i].id) live[n++] = i;
  if (!n) return;
  int i = live[c[1] % n];
  char b[64];
  switch (c[2] % 3) {
  case 0:
    wm_write(a->ends[i], "data", 4, 0);
    break;
  case 1:
    wm_read(a->ends[i], b, sizeof b, 0);
    break;
  default:
    wm_close(a->ends[i]);
    a->ends[i] = WM_PIPE_NONE;
  }
}

/* actor_start_all starts two or three services as a group. */
static void actor_start_all(actor *a, const uint8_t *c) {
  int n = 2 + c[4] % 2, slots[3], k = 0;
  for (int i = 0; i < NCALL && k < n; i++)
    if (!a->calls[i].live) slots[k++] = i;
  if (k < n) return;
  wm_service svcs[3];
  for (int i = 0; i < n; i++)
    svcs[i] =
        (wm_service){c[2] >> i & 1 ? f_ok : f_svc, WM_PIPE_NONE, WM_PIPE_NONE};
  wm_opts o = {-1, pick_where(c[1]), 0};
  wm_call cs[3] = {{0}, {0}, {0}};
  a->busy = 1;
  int rc = wm_start_all(svcs, (size_t)n, &o, cs, wm_now() + 1 + c[3] * 10);
  a->busy = 0;
  trace("  actor %d: wm_start_all of %d gave %d\n", (int)(a - M.act), n, rc);
  for (int i = 0; i < n; i++) {
    if (!cs[i].id) continue;
    /* Started (or a halt could not end it): held; else over and freed. */
    int r, got = rc ? look(cs[i], &r) : 1;
    if (got == 1) add_call(a, slots[i], cs[i], K_SVC, -1, -1);
    if (got == 2) seen(r, "a service that did not start");
  }
}

/* actor_halt_all halts every service the actor holds, as a group. */
static void actor_halt_all(actor *a, const uint8_t *c) {
  wm_call cs[NCALL];
  int idx[NCALL], n = 0;
  for (int i = 0; i < NCALL; i++)
    if (a->calls[i].live && a->calls[i].kind == K_SVC) {
      idx[n] = i;
      cs[n++] = a->calls[i].c;
    }
  if (!n) return;
  a->busy = 1;
  int rc = wm_halt_all(cs, (size_t)n, wm_now() + c[1] * 10);
  a->busy = 0;
  if (rc) seen(rc, "wm_halt_all");
  for (int i = 0; i < n; i++) {
    /* Each result went into rc, the first that was not WM_ECANCELED; a
     * halt that could not end its call leaves the handle. */
    int r, got = look(cs[i], &r);
    if (got != 1) a->calls[idx[i]].live = 0;
    if (got == 2) seen(r, "a service left by wm_halt_all");
  }
}

/* actor_cmd runs one command; returns 1 when the actor is to return. */
static int actor_cmd(actor *a, const uint8_t *c) {
  int k;
  trace("  actor %d runs command %d\n", (int)(a - M.act), c[0]);
  switch (c[0]) {
  case C_GO:
    actor_go(a, c, 0);
    break;
  case C_CHAIN:
    actor_go(a, c, 1);
    break;
  case C_WAIT:
    if ((k = acall_pick(a, c[1])) < 0) break;
    wait_for(a, k,
             c[2] % 3 == 0   ? 0
             : c[2] % 3 == 1 ? -1
                             : wm_now() + 1 + c[3] * 10);
    break;
  case C_CANCEL:
    if ((k = acall_pick(a, c[1])) >= 0)
      ORACLE(wm_cancel(a->calls[k].c) == 0, "wm_cancel of a live call");
    break;
  case C_CANCEL_ALL:
    cancel_all(a, -1);
    break;
  case C_RETURN:
    a->ret = pick_rc(c[1], 1);
    return 1;
  case C_READY:
    ORACLE(wm_ready() == 0, "wm_ready in a fiber");
    break;
  case C_SPAWN:
    actor_spawn(a, c[1]);
    break;
  case C_ON_WAKE:
    a->on_wake = c[1] % 4;
    break;
  case C_START: {
    int slot = acall_slot(a);
    if (slot < 0) break;
    int where = pick_where(c[1]);
    wm_opts o = {-1, where, 0};
    wm_call call = {0};
    a->busy = 1;
    int rc = wm_start(WM_PIPE_NONE, WM_PIPE_NONE,
                      where == WM_HERE ? (c[2] & 1 ? f_svc : f_ok) : f_svc, &o,
                      &call, wm_now() + 1 + c[3] * 10);
    a->busy = 0;
    /* Started, or refused at once, or over and freed; or, if a halt after
     * its deadline could not end it, still held. */
    int r, got = !rc ? 1 : call.id ? look(call, &r) : 0;
    if (got == 1) add_call(a, slot, call, K_SVC, -1, -1);
    if (got == 2) seen(r, "a service that did not start");
    break;
  }
  case C_HALT: {
    if ((k = acall_pick(a, c[1])) < 0) break;
    a->busy = 1;
    int rc = wm_halt(a->calls[k].c, wm_now() + c[2] * 10);
    a->busy = 0;
    trace("  actor %d: wm_halt of call %d gave %d\n", (int)(a - M.act), k, rc);
    settled(a, k, rc);
    break;
  }
  case C_TOPIC:
    actor_topic(a, c);
    break;
  case C_SUBSCRIBE:
    actor_subscribe(a, c);
    break;
  case C_PIPE:
    actor_pipe(a, c);
    break;
  case C_START_ALL:
    actor_start_all(a, c);
    break;
  case C_HALT_ALL:
    actor_halt_all(a, c);
    break;
  case C_DRAIN:
    /* Cancel everything, then wait for each call: each must end. */
    a->on_wake = 0;
    cancel_all(a, -1);
    for (int i = 0; i < NCALL; i++)
      if (a->calls[i].live) wait_for(a, i, -1);
    a->ret = 0;
    return 1;
  }
  return 0;
}

static int f_actor(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  actor *a = me();
  if (!a) return 0;
  a->started = 1;
  for (;;) {
    if (!a->qn) {
      int rc = wm__wait(&a->mbox, -1);
      if (rc) {
        a->ret = rc; /* cancelled, or out of time */
        break;
      }
      continue;
    }
    uint8_t c[CMDLEN];
    memcpy(c, a->q[a->qh], CMDLEN);
    a->qh = (a->qh + 1) % QN;
    a->qn--;
    if (actor_cmd(a, c)) break;
  }
  if (a->has_topic) wm_topic_close(a->topic);
  a->has_topic = 0;
  /* What it made and leaves behind, the runtime releases: no result of
   * those will be seen here. */
  for (int i = 0; i < NCALL; i++) {
    acall *c = &a->calls[i];
    if (!c->live) continue;
    c->live = 0;
    if (c->kind == K_ACTOR) M.act[c->child].detached = 1;
    if (c->tc >= 0) M.tc[c->tc].detached = 1;
  }
  a->returned = 1;
  return a->ret;
}

static void actor_push(int k, const uint8_t *c) {
  actor *a = &M.act[k];
  if (!a->used || a->returned) return;
  if (a->qn >= QN) {
    if (c[0] != C_DRAIN) return;
    a->qn--; /* the end of the input goes before anything */
  }
  memcpy(a->q[(a->qh + a->qn) % QN], c, CMDLEN);
  a->qn++;
  wm__wake_all(&a->mbox);
}

static int pick_actor(unsigned v) {
  int live[MAXACT], n = 0;
  for (int i = 0; i < MAXACT; i++)
    if (M.act[i].used && !M.act[i].returned) live[n++] = i;
  return n ? live[v % n] : -1;
}

/* top_poll collects the result of actors the test made, once they end. */
static void top_poll(void) {
  for (int i = 0; i < MAXACT; i++) {
    topcall *t = &M.top[i];
    if (!t->live) continue;
    int rc = wm_wait(t->c, 0);
    actor *a = &M.act[t->actor];
    if (!a->returned) {
      ORACLE(rc == WM_ETIMEDOUT, "actor %d still runs, wm_wait gave %d",
             t->actor, rc);
      continue;
    }
    if (rc == WM_ETIMEDOUT && wm_wait(t->c, 0) != WM_EBADF) continue;
    /* Outside a fiber nothing cancels the wait: WM_ETIMEDOUT, then the
     * handle gone, was the result. */
    ORACLE(rc == a->ret, "actor %d ended with %d, the test got %d", t->actor,
           a->ret, rc);
    t->live = 0;
    a->collected = 1;
    if (rc) seen(rc, "the test's actor");
  }
}

/* ---- operations ---- */

enum {
  O_JS_CALL,
  O_JS_CANCEL,
  O_SPAWN,
  O_ACTOR,
  O_DONE,
  O_READY,
  O_OUT,
  O_OUTPORT,
  O_FORGE,
  O_WCALL,
  O_WCANCEL,
  O_TIME,
  O_EXIT,
  O_UP,
  O_GATE,
  O_TOP_CANCEL,
  O_PORT,
  O_DATA,
  O_JS_STOP,
  O_DUMP,
  NOPS
};

static int pick_job(unsigned v) {
  int live[MAXJOBS], n = 0;
  for (int i = 0; i < MAXJOBS; i++)
    if (M.jobs[i].live) live[n++] = i;
  return n ? live[v % n] : -1;
}

static void op_js_call(prog *g) {
  unsigned fsel = u8(g), nsel = u8(g), wsel = u8(g), io = u8(g), dsel = u8(g);
  int j = 0;
  while (j < MAXJS && M.js[j].token) j++;
  if (j == MAXJS) return;
  int n = nsel < 160 ? 1 : 2 + (int)(nsel % 40);
  uint32_t fns[48];
  for (int i = 0; i < n; i++) {
    fns[i] = wm__fn_index(local_fns[(fsel + (unsigned)i) % NLOCAL]);
    if (fsel == 255 && i == n - 1) fns[i] = 0x7fffffff; /* not registered */
  }
  int where = pick_where(wsel);
  if (wsel == 255) where = 0;
  int tin = -1, tout = -1, cin = -1, cout = -1, in_len = -1;
  static const uint8_t bytes[3] = {'a', 'b', 'c'};
  if (io % 3 == 1) {
    cin = stub_channel(&tin);
    stub_give(cin);
  } else if (io % 3 == 2) {
    in_len = 3;
  }
  int defer = (io / 3) % 3 == 2;
  if ((io / 3) % 3 == 1) {
    cout = stub_channel(&tout);
    stub_give(cout);
  }
  int tc = -1;
  double dl =
      (double)pick_deadline(dsel, n == 1 && where != WM_HERE ? &tc : NULL);
  if (dsel == 254) dl = 1.0 / 0.0;
  uint32_t window = io >= 240 ? WM__MAX_WINDOW + 1 : io & 64 ? 65536 : 4096;
  int token = ++M.next_token;
  uint32_t id = 0;
  int rc = stub_js_call(&(wm__js_req){.n = n,
                                      .where = where,
                                      .in_port = cin,
                                      .out_port = defer ? WM__JS_DEFER : cout,
                                      .window = window,
                                      .token = token,
                                      .deadline = dl,
                                      .in_len = in_len},
                        fns, in_len >= 0 ? bytes : NULL, &id);
  if (rc) {
    ORACLE(rc == WM_EINVAL || rc == WM_ENOFN || rc == WM_ENOMEM,
           "wm__js_call: %d", rc);
    if (tc >= 0) M.tc[tc].detached = M.tc[tc].done = 1;
  } else {
    M.js[j] = (jscall){1, token, id, defer, 0, 0, 0, tc};
  }
  settle();
}

static void op_forge(prog *g) {
  unsigned kind = u8(g), from = 1 + u8(g) % NW, tsel = u8(g);
  uint32_t r4 = u8(g) | (uint32_t)u8(g) << 8 | (uint32_t)u8(g) << 16 |
                (uint32_t)u8(g) << 24;
  if (!M.alive[from]) return;
  uint32_t g_id;
  int j;
  switch (tsel % 3) {
  case 0: /* a running call, from a worker that does not run it */
    if ((j = pick_job(tsel / 3)) < 0 || M.jobs[j].w == (int)from) return;
    g_id = M.jobs[j].g;
    break;
  case 1: /* one that ended */
    if (!M.nstale) return;
    g_id = M.stale[(tsel / 3) % (M.nstale < MAXSTALE ? M.nstale : MAXSTALE)].g;
    break;
  default:
    g_id = r4;
  }
  if (job_find((int)from, g_id) >= 0) return; /* that would be no forgery */
  uint32_t r = 1;
  switch (kind % 6) {
  case 0:
    r = deliver_ctl((int)from, WM__F_DONE, g_id, tag_new(1));
    break;
  case 1:
    r = deliver_ctl((int)from, WM__F_READY, g_id, 0);
    break;
  case 2: {
    uint8_t *f;
    size_t n;
    if (wm__enc_out(g_id, 1, "forged", 6, &f, &n)) return;
    r = deliver((int)from, f, n, NULL, 0);
    free(f);
    break;
  }
  case 3: {
    int keep, port = stub_channel(&keep);
    uint8_t b[12];
    size_t n = wm__enc_ctl(b, WM__F_OUTPORT, g_id, 0);
    r = deliver((int)from, b, n, &port, 1);
    ORACLE(stub_peer_gone(keep), "a forged OUTPORT's port was kept");
    stub_close(keep);
    break;
  }
  case 4: { /* bytes of any frame but a CALL, and never DONE's length */
    uint8_t b[16];
    size_t n = 1 + r4 % 16;
    if (n == 12) n = 11;
    for (size_t i = 0; i < n; i++) b[i] = (uint8_t)((r4 >> (i % 4 * 8)) ^ i);
    b[0] = (uint8_t)(WM__F_DONE + kind / 6 % 8);
    deliver((int)from, b, n, NULL, 0);
    return;
  }
  default: /* a CANCEL for a call the worker never made */
    if (wc_find((int)from, r4) >= 0) return;
    deliver_ctl((int)from, WM__F_CANCEL, r4, WM_ECANCELED);
    return;
  }
  ORACLE(r == 1, "a forged frame (kind %u) refused %u times", kind % 6, r);
}

static void op_wcall(prog *g) {
  unsigned w = 1 + u8(g) % NW, wsel = u8(g), dsel = u8(g), io = u8(g);
  if (!M.alive[w]) return;
  int k = 0;
  while (k < MAXWC && (M.wc[k].live || M.wc[k].port >= 0)) k++;
  if (k == MAXWC) return;
  wm__callmsg m;
  memset(&m, 0, sizeof m);
  m.id = ++M.next_wid[w];
  m.fn = wm__fn_index(f_ok);
  m.where = wsel == 255 ? 0 : pick_where(wsel);
  if (m.where == WM_HERE) m.where = WM_ANY;
  int tc = -1;
  m.deadline = pick_deadline(dsel, &tc);
  m.in.port = m.out.port = WM__NOPORT;
  int ports[1], nports = 0, keep = -1;
  static const uint8_t abc[3] = {'a', 'b', 'c'};
  if (io % 3 == 1) {
    m.in = (wm__desc){WM__D_PRESENT, WM__NOPORT, 1, 4096, 0, 3, abc};
  } else if (io % 3 == 2) {
    ports[nports++] = stub_channel(&keep);
    m.in = (wm__desc){WM__D_PRESENT | WM__D_PORT, 0, 0, 4096, 0, 0, NULL};
  }
  uint8_t *f;
  size_t n;
  if (wm__enc_call(&m, &f, &n)) {
    if (keep >= 0) {
      stub_close(keep);
      stub_close(ports[0]);
    }
    return;
  }
  M.wc[k] = (wcall){1, (int)w, M.inc[w], m.id, tc, keep};
  deliver((int)w, f, n, ports, nports);
  free(f);
}

static void op_port(prog *g) {
  unsigned sel = u8(g), what = u8(g);
  int held[256], n = 0, max = stub_port_ids();
  for (int i = 0; i < max && n < 256; i++)
    if (stub_held(i)) held[n++] = i;
  if (!n) return;
  int p = held[sel % n];
  static const uint8_t credit[4] = {3, 0, 0, 0},
                       err[4] = {0xf6, 0xff, 0xff, 0xff};
  switch (what % 6) {
  case 0:
    stub_post(p, WM__F_DATA, "xyz", 3);
    break;
  case 1:
    stub_post(p, WM__F_EOF, NULL, 0);
    break;
  case 2:
    stub_post(p, WM__F_RCLOSE, NULL, 0);
    break;
  case 3:
    stub_post(p, WM__F_CREDIT, credit, 4);
    break;
  case 4:
    stub_post(p, WM__F_ERR, err, 4);
    break;
  default:
    stub_close(p);
  }
  settle();
}

static const char *const op_names[NOPS] = {
    "js_call", "js_cancel",  "spawn", "actor",   "done",    "ready", "out",
    "outport", "forge",      "wcall", "wcancel", "time",    "exit",  "up",
    "gate",    "top_cancel", "port",  "data",    "js_stop", "dump"};

static void run_op(prog *g) {
  unsigned op = u8(g) % NOPS;
  if (tracing) {
    trace("op %d: %s", op_index, op_names[op]);
    for (size_t i = 0; i < g->n && i < 8; i++) trace(" %u", g->p[i]);
    trace("\n");
  }
  uint8_t c[CMDLEN];
  int j, k;
  switch (op) {
  case O_JS_CALL:
    op_js_call(g);
    break;
  case O_JS_CANCEL: {
    unsigned sel = u8(g), why = u8(g);
    int live[MAXJS], n = 0;
    for (int i = 0; i < MAXJS; i++)
      if (M.js[i].live) live[n++] = i;
    if (!n) break;
    jscall *js = &M.js[live[sel % n]];
    int reason = why & 1 ? WM_ECANCELED : -1 - (int)(why / 2 % 16);
    ORACLE(wm__js_cancel(js->id, reason) == 0, "wm__js_cancel of a live call");
    js->cancelled = 1;
    settle();
    break;
  }
  case O_SPAWN: {
    unsigned dl = u8(g);
    for (j = 0; j < MAXACT && M.top[j].live; j++) {
    }
    if (j == MAXACT || (k = actor_new(-1)) < 0) break;
    wm_opts o = {pick_deadline(dl, NULL), WM_HERE, 0};
    ORACLE(wm_go(WM_PIPE_NONE, WM_PIPE_NONE, f_actor, &o, &M.top[j].c) == 0,
           "wm_go of an actor");
    M.act[k].call_id = M.top[j].c.id;
    M.top[j].live = 1;
    M.top[j].actor = k;
    settle();
    break;
  }
  case O_ACTOR:
    k = pick_actor(u8(g));
    for (int i = 0; i < CMDLEN; i++) c[i] = (uint8_t)u8(g);
    c[0] %= NCMD;
    if (k < 0) break;
    actor_push(k, c);
    settle();
    break;
  case O_DONE: {
    unsigned sel = u8(g), rsel = u8(g), ports = u8(g) % 3;
    if ((j = pick_job(sel)) >= 0) answer(j, pick_rc(rsel, 1), (int)ports);
    break;
  }
  case O_READY:
    if ((j = pick_job(u8(g))) >= 0)
      deliver_ctl(M.jobs[j].w, WM__F_READY, M.jobs[j].g, 0);
    break;
  case O_OUT: {
    unsigned sel = u8(g), st = u8(g);
    if ((j = pick_job(sel)) < 0) break;
    static uint8_t big[WM__OUT_MAX + 1];
    size_t len = st % 4 == 0   ? 0
                 : st % 4 == 1 ? 5
                 : st % 4 == 2 ? 300
                               : WM__OUT_MAX;
    if (st >= 250) len = WM__OUT_MAX + 1;
    uint8_t *f;
    size_t n;
    if (wm__enc_out(M.jobs[j].g, st & 16 ? WM_EPIPE : 1, big, len, &f, &n))
      break;
    deliver(M.jobs[j].w, f, n, NULL, 0);
    free(f);
    break;
  }
  case O_OUTPORT: {
    if ((j = pick_job(u8(g))) < 0) break;
    job *b = &M.jobs[j];
    int keep, port = stub_channel(&keep);
    uint8_t buf[12];
    size_t n = wm__enc_ctl(buf, WM__F_OUTPORT, b->g, 0);
    deliver(b->w, buf, n, &port, 1);
    /* The worker's side streams from here on; it closes with the job. */
    if (b->live && b->nports < 2) {
      b->port[b->nports] = keep;
      b->writer[b->nports++] = 1;
    }
    break;
  }
  case O_FORGE:
    op_forge(g);
    break;
  case O_WCALL:
    op_wcall(g);
    break;
  case O_WCANCEL:
  case O_DATA: {
    unsigned sel = u8(g), how = u8(g);
    if (op == O_DATA) {
      if ((j = pick_job(sel)) < 0) break;
      for (int i = 0; i < M.jobs[j].nports; i++)
        if (M.jobs[j].writer[i] && stub_held(M.jobs[j].port[i]))
          stub_post(M.jobs[j].port[i], WM__F_DATA, "job", 3);
      settle();
      break;
    }
    int live[MAXWC], n = 0;
    for (int i = 0; i < MAXWC; i++)
      if (M.wc[i].live) live[n++] = i;
    if (!n) break;
    wcall *w = &M.wc[live[sel % n]];
    /* A CANCEL, or a KILL of the worker that runs it. */
    deliver_ctl(w->w, how & 1 ? WM__F_KILL : WM__F_CANCEL, w->id,
                how & 2 ? WM_ETIMEDOUT : WM_ECANCELED);
    break;
  }
  case O_TIME: {
    static const int64_t steps[] = {0, 1, 9, 10, 100, 999, 1000, 5000};
    stub_run_until(wm_now() + steps[u8(g) % 8]);
    consume();
    break;
  }
  case O_EXIT:
    k = 1 + (int)(u8(g) % NW);
    if (M.alive[k]) worker_exit(k);
    break;
  case O_UP:
    k = 1 + (int)(u8(g) % NW);
    if (!M.alive[k]) worker_up(k);
    break;
  case O_GATE:
    M.gate_rc = pick_rc(u8(g), 0);
    M.gate_gen++;
    wm__wake_all(&gate_q);
    settle();
    break;
  case O_TOP_CANCEL: {
    unsigned sel = u8(g);
    int live[MAXACT], n = 0;
    for (int i = 0; i < MAXACT; i++)
      if (M.top[i].live) live[n++] = i;
    if (!n) break;
    ORACLE(wm_cancel(M.top[live[sel % n]].c) == 0, "wm_cancel of an actor");
    settle();
    break;
  }
  case O_PORT:
    op_port(g);
    break;
  case O_JS_STOP: {
    /* The JS side's grace ran out: it terminates the workers running the
     * call (mesh.js #stop), and they are replaced later. */
    unsigned sel = u8(g);
    int live[MAXJS], n = 0, ws[8];
    for (int i = 0; i < MAXJS; i++)
      if (M.js[i].live) live[n++] = i;
    if (!n) break;
    int nw = wm__js_workers(M.js[live[sel % n]].id, ws, 8);
    ORACLE(nw >= 0 && nw <= 8, "wm__js_workers gave %d", nw);
    for (int i = 0; i < nw; i++) {
      ORACLE(ws[i] >= 1 && ws[i] <= NW, "a call runs on worker %d", ws[i]);
      if (M.alive[ws[i]]) worker_exit(ws[i]);
    }
    break;
  }
  case O_DUMP: {
    /* The report walks every object alive: a stale one shows here. */
    static char buf[4096];
    int n = wm_dump(buf, sizeof buf);
    ORACLE(n >= 0, "wm_dump gave %d", n);
    ORACLE(wm__js_dump() != NULL, "wm__js_dump");
    break;
  }
  }
  top_poll();
  wm_stats s;
  wm_get_stats(&s);
  ORACLE(s.queued <= QMAX, "%u calls queued", s.queued);
}

/* ---- the end of every input ---- */

static int quiet(void) {
  for (int i = 0; i < MAXACT; i++)
    if ((M.act[i].used && M.act[i].started && !M.act[i].returned) ||
        M.top[i].live)
      return 0;
  for (int i = 0; i < MAXJS; i++)
    if (M.js[i].live) return 0;
  for (int i = 0; i < MAXWC; i++)
    if (M.wc[i].live) return 0;
  if (pick_job(0) >= 0) return 0;
  wm_stats s;
  wm_get_stats(&s);
  return !s.calls && !s.running && !s.fibers_busy && !s.queued;
}

static uint64_t progress(void) {
  wm_stats s;
  wm_get_stats(&s);
  uint64_t h = s.calls * 31u + s.running * 37u + s.fibers_busy * 41u +
               s.queued * 43u + s.pipes * 47u + (uint64_t)M.next_token;
  for (int i = 0; i < MAXACT; i++) h = h * 3 + (uint64_t)M.act[i].returned;
  for (int i = 0; i < MAXJS; i++) h = h * 3 + (uint64_t)M.js[i].live;
  for (int i = 0; i < MAXWC; i++) h = h * 3 + (uint64_t)M.wc[i].live;
  return h;
}

static void drain(void) {
  static const uint8_t drain_cmd[CMDLEN] = {C_DRAIN};
  trace("drain\n");
  for (int i = 0; i < MAXJS; i++)
    if (M.js[i].live && !M.js[i].cancelled) {
      ORACLE(wm__js_cancel(M.js[i].id, WM_ECANCELED) == 0,
             "wm__js_cancel of a live call");
      M.js[i].cancelled = 1;
    }
  for (int i = 0; i < MAXWC; i++)
    if (M.wc[i].live && M.alive[M.wc[i].w])
      deliver_ctl(M.wc[i].w, WM__F_CANCEL, M.wc[i].id, WM_ECANCELED);
  int iter, stuck = 0;
  for (iter = 0; iter < 200; iter++) {
    uint64_t before = progress();
    for (int w = 1; w <= NW; w++)
      if (!M.alive[w]) worker_up(w);
    for (int i = 0; i < MAXACT; i++)
      if (M.act[i].used && !M.act[i].returned && !M.act[i].drained) {
        M.act[i].drained = 1;
        actor_push(i, drain_cmd);
      }
    M.gate_rc = 0;
    M.gate_gen++;
    wm__wake_all(&gate_q);
    settle();
    int j;
    while ((j = pick_job(0)) >= 0)
      answer(j, M.jobs[j].cancelled ? M.jobs[j].cancelled : 0, 0);
    settle();
    top_poll();
    if (quiet()) break;
    if (progress() != before) continue;
    if (++stuck == 3) {
      /* Actors can deadlock each other (one waits for a call that reads a
       * pipe it holds itself): cancelling them all breaks that. */
      for (int i = 0; i < MAXACT; i++)
        if (M.top[i].live)
          ORACLE(wm_cancel(M.top[i].c) == 0, "wm_cancel of an actor");
    }
    /* Otherwise only deadlines are left to move things: let time pass. */
    stub_run_until(wm_now() + 1000);
    consume();
  }
  ORACLE(quiet(), "calls still outstanding after %d rounds of draining", iter);
  for (int i = 0; i < MAXACT; i++) {
    actor *a = &M.act[i];
    ORACLE(!a->used || !a->started || a->collected || a->detached,
           "actor %d's result never reached its maker", i);
  }
  for (int i = 0, max = stub_port_ids(); i < max; i++)
    if (stub_held(i)) stub_close(i);
  settle();
  /* Every worker has its whole capacity back: a slot the coordinator never
   * freed would hold part of it for good. */
  uint32_t fn = wm__fn_index(f_ok);
  for (int w = 1; w <= NW; w++)
    if (!M.alive[w]) worker_up(w);
  for (int w = 1; w <= NW; w++)
    for (int k = 0; k < CAP; k++) {
      int token = ++M.next_token;
      jscall *js = &M.js[(w - 1) * CAP + k];
      *js = (jscall){1, token, 0, 0, 0, 0, 0, -1};
      ORACLE(!stub_js_call(&(wm__js_req){.n = 1,
                                         .where = w,
                                         .in_port = -1,
                                         .out_port = -1,
                                         .window = 4096,
                                         .token = token,
                                         .deadline = -1,
                                         .in_len = -1},
                           &fn, NULL, &js->id),
             "a call to idle worker %d refused", w);
      settle();
    }
  for (int w = 1; w <= NW; w++)
    ORACLE(jobs_on(w) == CAP, "worker %d of %d calls runs only %d of %d", w,
           CAP, jobs_on(w), CAP);
  int j;
  while ((j = pick_job(0)) >= 0) answer(j, 0, 0);
  wm_stats s;
  wm_get_stats(&s);
  ORACLE(!s.calls && !s.pipes && !s.running && !s.fibers_busy && !s.queued &&
             !s.ports,
         "left alive: calls %u pipes %u running %u busy %u queued %u ports %u",
         s.calls, s.pipes, s.running, s.fibers_busy, s.queued, s.ports);
  ORACLE(stub_ports_open() == 0, "%d ports left open", stub_ports_open());
  ORACLE(stub_errors() == 0, "the core misused the host");
  ORACLE(stub_unread() == 0, "reports left unread");
  /* The next input numbers its ports as a fresh process would. */
  stub_reset();
}

/* ---- seeds ---- */

/* Each seed is a program: op bytes, then their arguments. */
static void seed(const char *dir, const char *name, const uint8_t *p,
                 size_t n) {
  char path[4096];
  snprintf(path, sizeof path, "%s/calls-%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(p, 1, n, f) != n) exit(1);
  fclose(f);
}

#define SEED(dir, name, ...)                                                   \
  do {                                                                         \
    static const uint8_t s_[] = {__VA_ARGS__};                                 \
    seed(dir, name, s_, sizeof s_);                                            \
  } while (0)

/* Argument bytes for an actor command: op, actor, then CMDLEN bytes. */
#define ACT(k, ...) O_ACTOR, k, __VA_ARGS__
#define JS_PLAIN 0, 0, 0, 0, 0              /* f_ok on any worker */
#define JS_CHAIN(n) 0, 160 + (n)-2, 0, 0, 0 /* a chain of n stages */

static void write_seeds(const char *dir) {
  /* Six calls fill the workers, then chains wait in the queue; a stage
   * that fails cancels the others: mass abort while queued. */
  SEED(dir, "mass-chain-abort", O_SPAWN, 0, ACT(0, C_GO, 0, 0, 0, 0, 0),
       ACT(0, C_GO, 0, 0, 0, 0, 0), ACT(0, C_GO, 0, 0, 0, 0, 0),
       ACT(0, C_GO, 0, 0, 0, 0, 0), O_JS_CALL, JS_PLAIN, O_JS_CALL, JS_PLAIN,
       O_JS_CALL, JS_CHAIN(3), ACT(0, C_CHAIN, 0, 0, 0, 2, 0), O_DONE, 0, 4, 0,
       O_DONE, 0, 8, 0, O_TIME, 6, O_DONE, 0, 8, 0, O_EXIT, 0, O_DONE, 0, 8, 0);
  /* Chains queued with a deadline expire together. */
  SEED(dir, "timer-expiry-queued", O_JS_CALL, JS_PLAIN, O_JS_CALL, JS_PLAIN,
       O_JS_CALL, JS_PLAIN, O_JS_CALL, JS_PLAIN, O_JS_CALL, JS_PLAIN, O_JS_CALL,
       JS_PLAIN, O_JS_CALL, 0, 163, 0, 0, 1, O_JS_CALL, 0, 0, 0, 0, 2, O_SPAWN,
       0, ACT(0, C_CHAIN, 0, 1, 0, 3, 0), O_TIME, 5, O_TIME, 6, O_DONE, 0, 4,
       0);
  /* An actor waits on one call, and on waking cancels all the others. */
  SEED(dir, "cancel-in-completion", O_SPAWN, 0,
       ACT(0, C_ON_WAKE, 1, 0, 0, 0, 0), ACT(0, C_GO, 0, 0, 0, 0, 0),
       ACT(0, C_CHAIN, 0, 0, 0, 3, 0), ACT(0, C_GO, 0, 0, 0, 0, 0),
       ACT(0, C_CHAIN, 2, 0, 0, 1, 0), ACT(0, C_WAIT, 0, 1, 0, 0, 0), O_DONE, 0,
       11, 0, O_DONE, 0, 4, 0, O_DONE, 0, 0, 0);
  /* A worker dies with calls placed on it and bound to it in the queue. */
  SEED(dir, "worker-death", O_SPAWN, 0, ACT(0, C_GO, 2, 0, 0, 0, 0),
       ACT(0, C_GO, 2, 0, 0, 0, 0), ACT(0, C_GO, 2, 0, 0, 0, 0),
       ACT(0, C_CHAIN, 2, 0, 0, 2, 0), O_WCALL, 1, 2, 4, 0, O_JS_CALL, 0, 161,
       2, 0, 0, O_JS_CALL, 0, 0, 2, 6, 0, O_EXIT, 0, O_UP, 0, O_DONE, 0, 0, 0,
       O_EXIT, 1, O_DONE, 0, 0, 0);
  /* DONE from the wrong worker, for an ended slot, and a second OUT. */
  SEED(dir, "forged-done-out", O_JS_CALL, 0, 0, 0, 6, 4, O_JS_CALL, JS_PLAIN,
       O_FORGE, 0, 1, 0, 0, 0, 0, 0, O_OUT, 0, 1, O_OUT, 0, 2, O_FORGE, 2, 0, 0,
       0, 0, 0, 0, O_DONE, 0, 3, 0, O_FORGE, 0, 0, 1, 0, 0, 0, 0, O_FORGE, 2, 1,
       1, 0, 0, 0, 0, O_FORGE, 1, 2, 2, 1, 2, 3, 4, O_OUTPORT, 0, O_FORGE, 3, 0,
       1, 0, 0, 0, 0);
  /* Actors nested six deep, each with a chain, then the top is cancelled. */
  SEED(dir, "deep-nesting", O_SPAWN, 0, ACT(0, C_SPAWN, 0, 0, 0, 0, 0),
       ACT(1, C_SPAWN, 0, 0, 0, 0, 0), ACT(2, C_SPAWN, 0, 0, 0, 0, 0),
       ACT(3, C_SPAWN, 0, 0, 0, 0, 0), ACT(4, C_SPAWN, 0, 0, 0, 0, 0),
       ACT(5, C_CHAIN, 0, 0, 0, 4, 0), ACT(4, C_CHAIN, 5, 0, 0, 3, 0),
       ACT(3, C_GO, 0, 0, 6, 0, 0), ACT(2, C_WAIT, 0, 1, 0, 0, 0), O_DONE, 0, 4,
       0, O_TOP_CANCEL, 0, O_DONE, 0, 0, 0);
  /* Services and subscribers: start, ready, halt; a local topic. */
  SEED(dir, "services", O_SPAWN, 0, ACT(0, C_START, 0, 0, 50, 0, 0), O_READY, 0,
       ACT(0, C_TOPIC, 0, 0, 0, 0, 0), ACT(0, C_SUBSCRIBE, 0, 1, 0, 1, 0),
       ACT(0, C_TOPIC, 1, 0, 0, 0, 0), ACT(0, C_START, 5, 1, 5, 0, 0),
       ACT(0, C_HALT, 0, 20, 0, 0, 0), O_TIME, 6, O_DONE, 0, 0, 0);
}

/* ---- libFuzzer ---- */

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  const char *dir = getenv("WM_FUZZ_SEEDS");
  if (dir) {
    write_seeds(dir);
    exit(0);
  }
  check_abort = 1;
  tracing = getenv("WM_FUZZ_TRACE") != NULL;
  stub_observe = observe;
  if (wm__init(0, NW, CAP, QMAX)) abort();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  memset(&M, 0, sizeof M);
  for (int w = 1; w <= NW; w++) M.alive[w] = 1;
  for (int i = 0; i < MAXWC; i++) M.wc[i].port = -1;
  M.tag_base = wm_now() + TAG_SPAN;
  prog g = {data, size};
  for (op_index = 0; g.n && op_index < MAXOPS; op_index++) run_op(&g);
  drain();
  /* Tags from here on are the next input's: none may arrive late. */
  return 0;
}
