/* ctl.c: the one path of control frames. Every control frame the core sends
 * goes through wm__ctl_send. One addressed to another instance goes to the
 * host; one addressed to this instance itself (the main instance's calls to
 * its own coordinator, and the coordinator's answers) goes to the function
 * that takes frames from other instances (entry.c's dispatcher, set with
 * wm__ctl_on_frame). So the main instance's calls take the path every
 * worker's calls take.
 *
 * Requests to the coordinator (CALL, CANCEL, KILL) are dispatched at once:
 * the coordinator is never on the stack when one is made, since call.c is
 * below it and the coordinator sends only answers (scripts/layers.mjs
 * keeps it so). Answers from it (DONE, READY, OUT, OUTPORT) are queued and
 * dispatched from the scheduler's idle hook, never inside the coordinator:
 * what the caller does on hearing one (a chain's failing stage cancels the
 * others) would re-enter it while it walks its queue.
 *
 * An answer must not be lost for want of memory: the caller would wait for
 * ever. Each CALL sent to self therefore reserves room for the answers it
 * may get (READY, OUT or OUTPORT, DONE), and its DONE gives the room back. */
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "rt.h"

/* Answers a CALL may get: READY, one of OUT and OUTPORT, and DONE. */
#define ANSWERS 3
/* Spare nodes kept beyond what is reserved, so that a steady stream of
 * calls reuses nodes instead of allocating three for each. */
#define SLACK 64

typedef struct msg {
  wm__list link; /* on answers, or spare */
  size_t n;
  int nports;
  int ports[WM__MAX_PORTS];
  uint8_t *big; /* the frame, if longer than small; else NULL */
  uint8_t small[WM__CTL_LEN];
} msg;

static wm__list answers = WM__LIST_INIT(answers); /* oldest first */
static wm__list spare = WM__LIST_INIT(spare);     /* nodes kept for answers */
static int nspare, reserved;
static wm__ctl_fn on_frame;

void wm__ctl_on_frame(wm__ctl_fn fn) {
  on_frame = fn;
  wm__sched_on_idle(wm__ctl_drain);
}

static int is_request(uint8_t type) {
  return type == WM__F_CALL || type == WM__F_CANCEL || type == WM__F_KILL;
}

static void release(msg *m) {
  free(m->big);
  if (nspare < reserved + SLACK) {
    wm__list_push_front(&spare, &m->link);
    nspare++;
  } else {
    free(m);
  }
}

/* take unlinks and returns l's first msg, or NULL. */
static msg *take(wm__list *l) {
  wm__list *n = wm__list_first(l);
  if (!n) return NULL;
  wm__list_erase(n);
  return wm__cont(n, msg, link);
}

/* trim frees the spare nodes beyond what is reserved and the slack. */
static void trim(void) {
  while (nspare > reserved + SLACK) {
    free(take(&spare));
    nspare--;
  }
}

/* reserve keeps ANSWERS more nodes for answers. Returns 0 or WM_ENOMEM. */
static int reserve(void) {
  reserved += ANSWERS;
  while (nspare < reserved) {
    msg *m = malloc(sizeof *m);
    if (!m) {
      reserved -= ANSWERS;
      trim();
      return WM_ENOMEM;
    }
    wm__list_push_front(&spare, &m->link);
    nspare++;
  }
  return 0;
}

static void unreserve(void) {
  if (reserved >= ANSWERS) reserved -= ANSWERS;
  trim();
}

/* send is wm__ctl_send; as, if not NULL, is the id the frame goes under
 * (bytes 4-7, DONE's layout), written as it is copied. */
static int send(int dest, const uint8_t *f, size_t n, const int *ports,
                int nports, const uint32_t *as) {
  if (dest != wm__rt.self) {
    uint8_t *copy = as ? malloc(n) : NULL;
    if (as && !copy) return WM_ENOMEM;
    if (copy) {
      memcpy(copy, f, n);
      wm__put32(copy + 4, *as);
    }
    wm__host_ctrl_send(dest, copy ? copy : f, n, ports, nports);
    free(copy);
    return 0;
  }
  if (n < WM__CTL_LEN || nports < 0 || nports > (int)WM__MAX_PORTS)
    return WM_EINVAL;
  if (is_request(f[0])) {
    if (!on_frame) return WM_EINVAL; /* no coordinator here */
    if (f[0] == WM__F_CALL && reserve()) return WM_ENOMEM;
    on_frame(wm__rt.self, f, n, ports, nports);
    return 0;
  }
  uint32_t id = as ? *as : wm__get32(f + 4);
  msg *m = take(&spare);
  if (m)
    nspare--;
  else
    m = malloc(sizeof *m);
  uint8_t *big = m && n > WM__CTL_LEN ? malloc(n) : NULL;
  if (m && n > WM__CTL_LEN && !big) {
    /* An output that cannot be copied fails as an output: the caller hears
     * why, instead of waiting for bytes that never come. */
    n = wm__enc_ctl(m->small, f[0], id, WM_ENOMEM);
    f = m->small;
  }
  if (!m) {
    /* More answers than calls reserved room for: only a worker that says
     * more than it may gets here. */
    wm__refuse(ports, nports);
    return WM_ENOMEM;
  }
  m->big = big;
  if (f != m->small) {
    memcpy(big ? big : m->small, f, n);
    wm__put32((big ? big : m->small) + 4, id);
  }
  m->n = n;
  m->nports = nports;
  if (nports) memcpy(m->ports, ports, (size_t)nports * sizeof *ports);
  wm__list_push_back(&answers, &m->link);
  wm__sched_kick();
  return 0;
}

int wm__ctl_send(int dest, const void *p, size_t n, const int *ports,
                 int nports) {
  return send(dest, p, n, ports, nports, NULL);
}

int wm__ctl_forward(int dest, uint32_t id, const void *p, size_t n) {
  return send(dest, p, n, NULL, 0, &id);
}

/* deliver hands one frame to self to the dispatcher. */
static void deliver(msg *m) {
  const uint8_t *f = m->big ? m->big : m->small;
  if (f[0] == WM__F_DONE) unreserve();
  if (on_frame)
    on_frame(wm__rt.self, f, m->n, m->ports, m->nports);
  else
    wm__refuse(m->ports, m->nports);
  release(m);
}

int wm__ctl_drain(void) {
  int did = 0;
  msg *m;
  while ((m = take(&answers))) {
    deliver(m);
    did = 1;
  }
  return did;
}
