/* sched.c: the cooperative scheduler. Host events (a frame, a timer) call
 * into the core, which makes fibers runnable; wm__run then enters each
 * runnable fiber until it parks again, and returns to the event loop when
 * none is left. Fibers are pooled: a finished one parks in the pool and runs
 * the next job, so a call costs no stack allocation once the pool is warm. */
#include <stdlib.h>

#include "host.h"
#include "registry.h"
#include "rt.h"

#define POOL_MAX 64

static wm__fiber *current;
static wm__list runq = WM__LIST_INIT(runq); /* first come, first run */
static wm__list pool = WM__LIST_INIT(pool); /* the last parked runs next */
static int pool_len;
static wm__list timers = WM__LIST_INIT(timers); /* newest first */
/* Fibers running a job, for cancellation; newest first. */
static wm__list busy = WM__LIST_INIT(busy);
static int running;
static int kicked;
static int again; /* a kick came while running: look at the hooks again */
static int (*idle_hooks[WM__IDLE_HOOKS])(void);
static int64_t (*timer_hook)(void);
static void (*run_end_hook)(void);

int wm__sched_on_idle(int (*hook)(void)) {
  for (int i = 0; i < WM__IDLE_HOOKS; i++) {
    if (idle_hooks[i] == hook) return 0;
    if (!idle_hooks[i]) {
      idle_hooks[i] = hook;
      return 0;
    }
  }
  return WM_ENOMEM;
}

void wm__sched_on_timer(int64_t (*hook)(void)) { timer_hook = hook; }

void wm__sched_on_run_end(void (*hook)(void)) { run_end_hook = hook; }

void wm__sched_kick(void) {
  if (running) {
    again = 1;
  } else if (!kicked) {
    kicked = 1;
    wm__host_kick();
  }
}

/* idle runs the idle hooks once each and says whether any did work (and so
 * may have made fibers runnable, or posted more work). */
static int idle(void) {
  int did = 0;
  for (int i = 0; i < WM__IDLE_HOOKS && idle_hooks[i]; i++)
    did |= idle_hooks[i]() != 0;
  return did;
}

int wm__in_fiber(void) { return current != NULL; }

static void make_runnable(wm__fiber *f, int rc) {
  if (f->runnable) return;
  f->runnable = 1;
  f->wake_rc = rc;
  wm__list_push_back(&runq, &f->rlink);
  wm__sched_kick();
}

static void unwait(wm__fiber *f) {
  if (f->wq) {
    wm__list_erase(&f->wlink);
    if (wm__list_empty(&f->wq->fibers)) f->wq->fibers = (wm__list){NULL, NULL};
    f->wq = NULL;
  }
  if (f->in_timers) {
    wm__list_erase(&f->tlink);
    f->in_timers = 0;
  }
}

/* job_expired records that the job's own deadline has passed: from now on
 * it is cancelled, with WM_ETIMEDOUT as the reason. */
static int job_expired(wm__fiber *f) {
  f->cancelled = WM_ETIMEDOUT;
  f->job.ops->cancel(&f->job, WM_ETIMEDOUT);
  return WM_ETIMEDOUT;
}

int wm__wait(wm__waitq *q, int64_t deadline) {
  if (current && current->cancelled) return current->cancelled;
  if (deadline == 0) return WM_ETIMEDOUT;
  if (!current) return WM_ENOTFIBER;
  wm__fiber *f = current;
  /* The call's own deadline bounds every wait inside it. */
  int64_t jd = f->job.deadline;
  int job_bound = jd >= 0 && (deadline < 0 || jd <= deadline);
  if (job_bound) deadline = jd > 0 ? jd : 1;
  if (deadline > 0 && deadline <= wm_now())
    return job_bound ? job_expired(f) : WM_ETIMEDOUT;
  /* The line the location macros left, taken now: later calls set their
   * own, and a wait inside the runtime finds none. */
  f->waits = wm__loc;
  wm__loc = NULL;
  f->wq = q;
  if (wm__waitq_empty(q)) wm__list_init(&q->fibers);
  wm__list_push_front(&q->fibers, &f->wlink);
  f->deadline = deadline;
  if (deadline > 0) {
    f->in_timers = 1;
    wm__list_push_front(&timers, &f->tlink);
  }
  wm__ctx_yield(f->ctx);
  if (f->wake_rc == WM_ETIMEDOUT && job_bound && !f->cancelled)
    return job_expired(f);
  return f->wake_rc;
}

int wm__wait_hold(wm__waitq *q) {
  if (!current) return WM_ENOTFIBER;
  wm__fiber *f = current;
  int cancelled = f->cancelled;
  int64_t jd = f->job.deadline;
  /* Neither the cancellation nor the job's deadline may cut this wait short;
   * both are restored for whatever the job does next. */
  f->cancelled = 0;
  f->job.deadline = -1;
  int rc = wm__wait(q, -1);
  f->cancelled = f->cancelled ? f->cancelled : cancelled;
  f->job.deadline = jd;
  return rc;
}

const wm__job *wm__job_now(void) { return current ? &current->job : NULL; }

uint32_t wm__current_job(void) { return current ? current->job.owner : 0; }

int wm__job_may_use(uint32_t owner) {
  return !owner || owner == wm__current_job();
}

uint32_t wm__job_made(void) {
  if (!current) return 0;
  current->made++;
  return current->job.owner;
}

int wm__job_made_any(void) { return current && current->made; }

int wm__job_ready(void) {
  if (!current) return WM_ENOTFIBER;
  if (current->readied) return 0;
  current->readied = 1;
  current->job.ops->ready(&current->job);
  return 0;
}

int wm__cancel_job(int reply_to, uint32_t reply_id, int reason) {
  wm__list_foreach(it, &busy) {
    wm__fiber *f = wm__cont(it, wm__fiber, blink);
    if (f->job.reply_to != reply_to || f->job.reply_id != reply_id) continue;
    if (!f->cancelled) {
      f->cancelled = reason;
      if (f->wq) {
        unwait(f);
        make_runnable(f, reason);
      }
      f->job.ops->cancel(&f->job, reason);
    }
    return 0;
  }
  return WM_EBADF;
}

void wm__wake_all(wm__waitq *q) {
  /* The last fiber's unwait clears q. */
  while (!wm__waitq_empty(q)) {
    wm__fiber *f = wm__cont(q->fibers.next, wm__fiber, wlink);
    unwait(f);
    make_runnable(f, 0);
  }
}

void wm__expire(void) {
  /* The common case: no need to ask the host the time. */
  if (wm__list_empty(&timers)) return;
  int64_t now = wm_now();
  wm__list_foreach(it, &timers) {
    wm__fiber *f = wm__cont(it, wm__fiber, tlink);
    if (f->deadline <= now) {
      unwait(f);
      make_runnable(f, WM_ETIMEDOUT);
    }
  }
}

static void fiber_main(void *arg) {
  wm__fiber *f = arg;
  for (;;) {
    wm__job job = f->job;
    int rc = job.fn(job.in, job.out);
    f->busy = 0;
    wm__rt.stats.fibers_busy--;
    wm__list_erase(&f->blink);
    f->cancelled = 0;
    job.ops->finish(&job, rc);
    if (pool_len < POOL_MAX) {
      /* Not on the run queue while it runs: rlink is free. */
      wm__list_push_front(&pool, &f->rlink);
      pool_len++;
    } else {
      f->exiting = 1;
    }
    wm__ctx_yield(f->ctx);
  }
}

int wm__spawn(const wm__job *job) {
  wm__list *pooled = wm__list_first(&pool);
  wm__fiber *f;
  if (pooled) {
    wm__list_erase(pooled);
    f = wm__cont(pooled, wm__fiber, rlink);
    pool_len--;
  } else {
    f = calloc(1, sizeof *f);
    if (!f) return WM_ENOMEM;
    f->ctx = wm__ctx_new(fiber_main, f);
    if (!f->ctx) {
      free(f);
      return WM_ENOMEM;
    }
    wm__rt.stats.fibers++;
  }
  f->job = *job;
  f->busy = 1;
  f->cancelled = 0;
  f->readied = 0;
  f->made = 0;
  wm__list_push_front(&busy, &f->blink);
  wm__rt.stats.fibers_busy++;
  make_runnable(f, 0);
  return 0;
}

/* next_deadline runs the timer hook (which may post results, and so kick)
 * and returns the earliest deadline of a fiber or of the hook, or -1. */
static int64_t next_deadline(void) {
  int64_t next = -1;
  wm__list_foreach(it, &timers) {
    const wm__fiber *f = wm__cont(it, wm__fiber, tlink);
    if (next < 0 || f->deadline < next) next = f->deadline;
  }
  if (timer_hook) {
    int64_t h = timer_hook();
    if (h >= 0 && (next < 0 || h < next)) next = h;
  }
  return next;
}

void wm__run(void) {
  if (running) return;
  running = 1;
  kicked = 0;
  wm__ctx_begin();
  int64_t next;
  /* The timer hook runs last, as its deadline is the one to arm; what it
   * posts then is work for this run, since a kick asked for inside an
   * entry point goes unheard (the host expects the entry's own run to do
   * it). */
  do {
    wm__expire();
    while (!wm__list_empty(&runq) || idle()) {
      wm__list *first = wm__list_first(&runq);
      if (!first) continue;
      wm__list_erase(first);
      wm__fiber *f = wm__cont(first, wm__fiber, rlink);
      f->runnable = 0;
      current = f;
      wm__loc = NULL; /* each fiber's calls set their own */
      wm__ctx_enter(f->ctx);
      current = NULL;
      if (f->exiting) {
        wm__ctx_free(f->ctx);
        free(f);
        wm__rt.stats.fibers--;
      }
    }
    /* Every fiber has parked: what they wrote can go now. */
    if (run_end_hook) run_end_hook();
    again = 0;
    next = next_deadline();
  } while (again || !wm__list_empty(&runq));
  running = 0;
  wm__host_timer((double)next);
}

int wm__dump_fibers(char *b, size_t n) {
  int len = 0;
  wm__list_foreach(it, &busy) {
    const wm__fiber *f = wm__cont(it, wm__fiber, blink);
    const char *name = f->job.ops->name(&f->job);
    len += wm__dumpf(b, n, len, "fiber running %s", name ? name : "?");
    if (f->job.nblock)
      len += wm__dumpf(b, n, len, " and %u more stages", f->job.nblock - 1);
    len += wm__dumpf(b, n, len, " for %s %#x%s",
                     f->job.reply_to < 0 ? "local call" : "call",
                     f->job.reply_id, f->cancelled ? " (cancelled)" : "");
    if (f->wq)
      len += wm__dumpf(b, n, len, ", blocked at %s%s\n",
                       f->waits ? f->waits : "(inside the runtime)",
                       f->in_timers ? " with a deadline" : "");
    else
      len +=
          wm__dumpf(b, n, len, ", %s\n", f == current ? "running" : "runnable");
  }
  return len;
}
