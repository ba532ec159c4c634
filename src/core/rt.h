/* rt.h: the runtime's internal objects, shared by the scheduler (sched.c),
 * pipes (pipe.c), calls (call.c) and the coordinator (coord.c). */
#ifndef WM_RT_H
#define WM_RT_H

#include <stdint.h>

#include "bytes.h"
#include "ctx.h"
#include "handles.h"
#include "list.h"
#include "wire.h"
#include "wmesh.h"

#define WM__DEFAULT_WINDOW (512u * 1024u)
/* How long a call that should have ended (cancelled, or past its deadline)
 * may go on before its worker is stopped, in ms. */
#define WM__GRACE_MS 1000
#define WM__CHUNK (64u * 1024u)

/* ---- Scheduler (sched.c) ---- */

typedef struct wm__fiber wm__fiber;

/* A wait queue: fibers parked until something changes. It is all zeros
 * whenever no fiber waits on it (sched.c sets its list up for the first
 * and clears it after the last), as queues are made with {0} or calloc,
 * and one may move while it is empty. */
typedef struct wm__waitq {
  wm__list fibers; /* newest first */
} wm__waitq;

static inline int wm__waitq_empty(const wm__waitq *q) {
  return !q->fibers.next;
}

/* A job: what a fiber runs next. */
typedef struct wm__job wm__job;

/* wm__job_ops is what the layer that runs jobs (call.c) does at their
 * events; the scheduler calls these and knows nothing else above it. */
typedef struct wm__job_ops {
  /* finish reports the result of a job whose function returned. */
  void (*finish)(const wm__job *job, int rc);
  /* cancel cancels the calls the job made (it was cancelled, or passed its
   * deadline). */
  void (*cancel)(const wm__job *job, int reason);
  /* ready tells the job's caller that it called wm_ready. */
  void (*ready)(const wm__job *job);
  /* name names the job for wm_dump, or returns NULL. */
  const char *(*name)(const wm__job *job);
} wm__job_ops;

struct wm__job {
  wm_fn fn;
  wm_pipe in, out;
  uint32_t reply_id; /* the id the result is reported under */
  int reply_to;      /* instance to send DONE to, or -1: local call reply_id */
  uint32_t owner;    /* marks the job's ends, so that only those are closed */
  int64_t deadline;  /* the whole call's deadline, or -1 */
  /* A block of a chain's stages (wm__callmsg), which fn runs here joined by
   * local pipes of this window; nblock is 0 for a plain call. */
  uint32_t nblock;
  uint32_t block[WM__MAX_BLOCK];
  uint32_t window;
  const wm__job_ops *ops; /* never NULL once spawned */
};

struct wm__fiber {
  wm__ctx *ctx;
  wm__job job;
  int busy;
  int exiting;
  /* Waiting. */
  wm__waitq *wq;
  wm__list wlink; /* on wq */
  int64_t deadline;
  int wake_rc;
  wm__list rlink; /* on the run queue, or in the pool once idle */
  wm__list tlink; /* on the timer list, if in_timers */
  int in_timers;
  int runnable;
  /* Cancellation: 0, or the error every blocking call now returns. */
  int cancelled;
  const char *waits; /* source line it is blocked at, for wm_dump */
  int readied;       /* the job has called wm_ready */
  int made;          /* pipes and calls the job has made */
  wm__list blink;    /* on the list of busy fibers */
};

typedef struct wm__instance {
  int self;     /* 0: main instance; workers from 1 */
  int nworkers; /* main: its workers; a worker: the size of its mesh */
  wm_stats stats;
} wm__instance;

extern wm__instance wm__rt;

/* wm__wait parks the current fiber on q until woken or the deadline passes.
 * Returns 0, WM_ETIMEDOUT, or WM_ENOTFIBER outside a fiber (where a deadline
 * of 0 gives WM_ETIMEDOUT). */
int wm__wait(wm__waitq *q, int64_t deadline);

/* wm__wait_hold parks the current fiber on q until woken, whether or not
 * its job is cancelled or out of time: for a job that must see the work it
 * started end before it reports. Returns 0, or WM_ENOTFIBER. */
int wm__wait_hold(wm__waitq *q);

/* wm__wake_all makes every fiber on q runnable. */
void wm__wake_all(wm__waitq *q);

/* wm__spawn runs job in a pooled fiber, soon. Returns 0 or WM_ENOMEM. */
int wm__spawn(const wm__job *job);

/* wm__sched_on_idle adds a hook that wm__run calls whenever no fiber is
 * runnable; a hook returns non-zero if it did work, and then the run goes
 * on. Work that must not be done inside the code that asks for it (a
 * result that would re-enter its sender) is queued and done there. Adding
 * a hook twice adds it once. Returns 0, or WM_ENOMEM past WM__IDLE_HOOKS. */
#define WM__IDLE_HOOKS 4
int wm__sched_on_idle(int (*hook)(void));

/* ---- ctl.c: the one path of control frames ---- */

/* wm__ctl_fn takes a control frame from instance from, with its ports. */
typedef void (*wm__ctl_fn)(int from, const uint8_t *p, size_t n,
                           const int *ports, int nports);

/* wm__ctl_on_frame sets the function that takes the frames this instance
 * sends itself (entry.c's dispatcher, the one for every frame). */
void wm__ctl_on_frame(wm__ctl_fn fn);

/* wm__ctl_send sends control frame p (n bytes) to instance dest, moving
 * ports with it. To this instance itself, a request (CALL, CANCEL, KILL)
 * is dispatched at once and an answer (DONE, READY, OUT, OUTPORT) is
 * copied and dispatched from the idle hook (see ctl.c). Returns 0, or
 * WM_ENOMEM if a CALL to self could not reserve room for its answers: its
 * ports are then still the caller's. An answer to self that cannot be
 * queued is counted as refused and its ports closed. */
int wm__ctl_send(int dest, const void *p, size_t n, const int *ports,
                 int nports);

/* wm__ctl_forward is wm__ctl_send of a frame of DONE's layout and no ports
 * (an OUT with its bytes), sent on under id instead of its own: the
 * coordinator passes a worker's answer to its caller with one copy. */
int wm__ctl_forward(int dest, uint32_t id, const void *p, size_t n);

/* wm__ctl_drain dispatches the answers this instance sent itself; the
 * scheduler's idle hook. Returns whether there were any. */
int wm__ctl_drain(void);

/* wm__sched_on_run_end sets the hook that each wm__run calls once every
 * fiber has parked: pipe.c sends what they wrote then (wm__pipe_flush). */
void wm__sched_on_run_end(void (*hook)(void));

/* wm__sched_on_timer sets the hook that each wm__run calls as it ends: it
 * does the work whose time has come (the coordinator fails queued calls
 * past their deadline) and returns its next deadline, or -1; the run arms
 * the host's timer for the earliest of it and the fibers' deadlines. So the
 * scheduler knows the times of the layers above it, not the layers. */
void wm__sched_on_timer(int64_t (*hook)(void));

/* wm__sched_kick asks the host for a wm__run soon, unless one is running
 * (it reaches the idle hooks before it returns) or already asked for. */
void wm__sched_kick(void);

/* wm__run runs runnable fibers until none is left, then arms the timer. */
void wm__run(void);

/* wm__in_fiber says whether the caller runs inside a fiber. */
int wm__in_fiber(void);

/* wm__expire wakes fibers whose deadline has passed. */
void wm__expire(void);

/* wm__cancel_job cancels the running job that reports to (reply_to,
 * reply_id): its blocking calls return reason from now on, and the calls it
 * made are cancelled too. Returns 0, or WM_EBADF if no such job runs. */
int wm__cancel_job(int reply_to, uint32_t reply_id, int reason);

/* wm__job_now returns the job running now, or NULL outside a fiber. */
const wm__job *wm__job_now(void);

/* wm__current_job returns the owner id of the job running now, or 0. */
uint32_t wm__current_job(void);

/* wm__job_may_use says whether the code running now may use a handle held
 * by job owner: the handles a job makes (pipe ends, calls, topics) are its
 * alone; those no job holds (owner 0: made by the host's own code outside
 * any job) are anyone's in the instance. */
int wm__job_may_use(uint32_t owner);

/* wm__job_made counts a pipe, call or topic made by the job running now, and
 * returns that job's owner id (0 outside a job). A job that made nothing
 * ends without sweeping the tables for what it left behind. */
uint32_t wm__job_made(void);

/* wm__job_made_any says whether the job running now has made anything. */
int wm__job_made_any(void);

/* ---- Pipes (pipe.c) ---- */

typedef struct wm__end wm__end;

/* wm__end_check says whether p is an open end that the code running now
 * may hand to a call: 0, WM_EBADF (not open, or another job's), or WM_EPERM
 * (a reader where a writer is wanted, if want_writer, or the reverse). */
int wm__end_check(wm_pipe p, int want_writer);

/* wm__end_export detaches the open end p for a move to another instance and
 * fills d; if the move needs a port, it is stored in *port (else -1). The
 * handle is freed. d->data, if any, is malloc'd and must be freed by the
 * caller. Returns WM_EBADF or WM_ENOMEM, with nothing changed. */
int wm__end_export(wm_pipe p, wm__desc *d, int *port);

/* wm__end_rehandle gives an end a new handle in *p; the old one stops
 * working, as a moved end's does. Returns WM_EBADF or WM_ENOMEM. */
int wm__end_rehandle(wm_pipe *p);

/* wm__end_defer_to names the call whose caller a deferred writer's output
 * goes to (see WM__D_DEFER). */
void wm__end_defer_to(wm_pipe p, uint32_t id);

/* wm__end_own marks an end as held by job owner (non-zero). */
void wm__end_own(wm_pipe p, uint32_t owner);

/* wm__end_close_owned closes p as a finished job's end: only if it is still
 * open and still that job's (its id may have been reused since the job
 * closed it), with EOF, or with err if it is a writing end and err < 0. */
void wm__end_close_owned(wm_pipe p, uint32_t owner, int err);

/* wm__end_close_job closes every end job owner still holds. */
void wm__end_close_job(uint32_t owner);

/* wm__end_import makes an end from a descriptor that arrived with port (or
 * -1) and returns its handle, or WM_PIPE_NONE for an absent descriptor. On
 * WM_ENOMEM the port is closed. */
int wm__end_import(const wm__desc *d, int port, wm_pipe *p);

/* wm__end_abort takes an end from a descriptor that will never be used (the
 * call was refused) and closes it with err, so that its peer learns why. */
void wm__end_abort(const wm__desc *d, int port, int err);

/* wm__port_frame handles a pipe frame that arrived on port. */
void wm__port_frame(int port, const uint8_t *p, size_t n);

/* wm__port_room returns where the body of an n-byte DATA frame arriving on
 * port can be written straight into its reader's buffer, or NULL if it
 * cannot (then the frame goes through wm__port_frame, which also refuses
 * what breaks the protocol). wm__port_data then takes the n bytes in. This
 * saves a copy of every chunk on its way into an instance. */
uint8_t *wm__port_room(int port, size_t n);
void wm__port_data(int port, size_t n);

/* wm__port_closed handles the host seeing a port close under us. */
void wm__port_closed(int port);

/* wm__pipe_new makes a local pipe with a window; returns 0 or WM_ENOMEM. */
int wm__pipe_new(wm_pipe *r, wm_pipe *w, uint32_t window);

/* ---- Calls (call.c) ---- */

/* wm__call_complete delivers the result of call id made in this instance. */
void wm__call_complete(uint32_t id, int rc);

/* wm__req is a call to make: what wm__go, wm__go_deferred and wm__chain take
 * instead of a long list of parameters, so that a new input is one field,
 * set where it matters, rather than an edit of every caller. The caller keeps
 * it (and fns) only for the call: nothing holds on to it. */
typedef struct wm__req {
  wm_pipe in, out;  /* the ends, or WM_PIPE_NONE */
  const wm_fn *fns; /* the stages; wm__go and wm__go_deferred take one */
  size_t n;         /* how many */
  const wm_opts *o; /* or NULL for the defaults */
  int token;        /* > 0: the result goes to the JS side, not a waiter */
  uint32_t group;   /* the chain this call is a stage of, or 0 */
} wm__req;

/* wm__go is wm_go with the two inputs wm_go cannot give: r->token and
 * r->group (the chain's id makes the call one of its stages). It takes one
 * stage: r->n must be 1. The new call's id goes to *id. */
int wm__go(const wm__req *r, uint32_t *id);

/* wm__go_check returns what wm_go would refuse fn, its options and ends
 * with, without making anything: 0, WM_ENOFN, WM_EINVAL, WM_EBADF or
 * WM_EPERM. */
int wm__go_check(wm_pipe in, wm_pipe out, wm_fn fn, const wm_opts *o);

/* wm__go_deferred is wm__go for the JS side (r->token > 0) with an output
 * that needs no port unless it streams (WM__D_DEFER): its bytes come back
 * through wm__host_out, or its port through wm__host_outport. r->out must be
 * WM_PIPE_NONE, and the call must run on a worker: WM_EINVAL otherwise. */
int wm__go_deferred(const wm__req *r, uint32_t *id);

/* wm__call_out delivers the whole output of call id (made here, deferred)
 * and how it ended; wm__call_outport delivers instead the port it streams
 * on. Anything else is refused and counted (the port closed). */
void wm__call_out(uint32_t id, int32_t status, const uint8_t *p, size_t n);
void wm__call_outport(uint32_t id, int port);

/* wm__chain is wm_chain with r->token, as for wm__go: the r->n stages of
 * r->fns from r->in to r->out (r->group is not used: a chain is no stage). */
int wm__chain(const wm__req *r, uint32_t *id);

/* wm__exec handles a CALL frame from the coordinator. */
void wm__exec(const uint8_t *p, size_t n, const int *ports, int nports);

/* wm__call_on_job_end sets a hook that runs as each job that made
 * something ends, after its pipes are closed and before its calls are let
 * go (topic.c closes the job's topics there). */
void wm__call_on_job_end(void (*hook)(uint32_t owner));

/* wm__own_call returns 0 if call id is one the job running now made and
 * waits for with wm_wait, else WM_EBADF. */
int wm__own_call(uint32_t id);

/* wm__cancel is wm_cancel by call id, with a reason. */
int wm__cancel(uint32_t id, int reason);

/* wm__call_ready records that call id (made here) reports ready. */
void wm__call_ready(uint32_t id);

/* wm__wait_ready waits until call id is ready or done, or the deadline.
 * Returns 1 if ready (whether or not it has ended since), 0 if done without
 * being ready, or WM_ETIMEDOUT, WM_EBADF, WM_ENOTFIBER. */
int wm__wait_ready(uint32_t id, int64_t deadline);

/* wm__call_release lets go of call id for its maker, as when the maker
 * returns: one done is freed; one still running is cancelled, freed when
 * it ends, and its handle is dead from now on. */
void wm__call_release(uint32_t id);

/* wm__kill asks for the worker running call id (made here) to be stopped.
 * Returns 0, or WM_ETIMEDOUT if the call runs in this instance. */
int wm__kill(uint32_t id);

/* wm__job_ready sends READY for the job running now. */
int wm__job_ready(void);

/* wm__coord_ready forwards READY from worker from, for slot g. */
void wm__coord_ready(int from, uint32_t g);

/* wm__coord_kill stops the worker running call id made by from. */
void wm__coord_kill(int from, uint32_t id);

/* wm__call_remotes stores in ids up to max ids of the calls on workers
 * that call id is made of (itself, or every stage of a chain) and returns
 * how many it found; the coordinator knows their workers. */
int wm__call_remotes(uint32_t id, uint32_t *ids, int max);

/* ---- Fan-out (topic.c) ---- */

/* wm__topic_close_job closes every topic job owner made and left open, as
 * wm_topic_close would. */
void wm__topic_close_job(uint32_t owner);

/* ---- Coordinator (coord.c, main instance only) ---- */

/* wm__coord_init sets up nworkers workers that run at most cap calls each,
 * with at most qmax calls waiting. */
int wm__coord_init(int nworkers, int cap, int qmax);

/* wm__coord_submit places a CALL frame from instance from (it keeps a copy
 * if it needs one), taking the ports. */
void wm__coord_submit(int from, const uint8_t *p, size_t n, const int *ports,
                      int nports);

/* wm__coord_out forwards an OUT frame (p, n bytes) from worker from to the
 * caller of the call it names; wm__coord_outport forwards OUTPORT's port
 * for slot g. Anything else is refused and counted (the port closed). */
void wm__coord_out(int from, const uint8_t *p, size_t n);
void wm__coord_outport(int from, uint32_t g, int port);

/* wm__coord_done handles DONE from worker from. */
void wm__coord_done(int from, uint32_t g, int32_t rc);

/* wm__coord_worker_exit fails every call of a worker that died. */
void wm__coord_worker_exit(int worker);

/* wm__coord_cancel cancels call id made by instance from, wherever it is. */
void wm__coord_cancel(int from, uint32_t id, int reason);

/* wm__coord_worker_of returns the worker running call id made by instance
 * from, or 0. */
int wm__coord_worker_of(int from, uint32_t id);

/* wm__coord_worker_up puts a (replacement) worker in service. */
void wm__coord_worker_up(int worker);

/* wm__coord_expire fails queued calls whose deadline has passed and returns
 * the earliest deadline left, or -1. */
int64_t wm__coord_expire(void);

/* ---- Dump (dump.c) ---- */

/* wm__dumpf appends to a report: it formats at offset len of b (size n) as
 * far as it fits and returns the length the text needs. */
int wm__dumpf(char *b, size_t n, int len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int wm__dump_fibers(char *b, size_t n);
int wm__dump_pipes(char *b, size_t n);
int wm__dump_calls(char *b, size_t n);

/* wm__refuse counts a refused message and closes the ports that came with
 * it. */
void wm__refuse(const int *ports, int nports);

/* ---- Data plane (pipe.c) ---- */

/* wm__pipe_flush sends the output that port-backed writers have gathered;
 * the scheduler calls it once every fiber has parked. */
void wm__pipe_flush(void);

#endif
