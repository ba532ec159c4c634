/* pipe.c: pipe ends. An end is local (its peer is in this instance: the
 * writer appends straight into the reader's ring) or port-backed (frames on a
 * MessagePort, with credit-based flow control: the writer may have at most
 * `window` bytes that the reader has not yet consumed and credited back).
 *
 * A port-backed writer gathers small writes into one outgoing chunk, sent
 * when it is full, before the writer blocks, closes or moves, and at the end
 * of each scheduler run (wm__pipe_flush): a write costs a frame only when
 * the writer has nothing better to do, so it adds no latency.
 *
 * Closing a port-backed end is a handshake: each side sends exactly one
 * terminal frame (EOF or ERR from the writer, RCLOSE from the reader) and
 * frees its end, closing the port, once it has both sent its own and
 * received the other's. Until then the end lingers without a handle and is
 * still counted as alive. */
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "rt.h"

struct wm__end {
  uint32_t id; /* handle, 0 once its owner closed or moved it */
  uint8_t writer;
  uint8_t sent_term, got_term;
  uint8_t started;  /* the host delivers the port's frames to us */
  uint32_t owner;   /* the job holding it, see wm__end_own */
  const char *made; /* source line that made it, for wm_dump */
  int port;         /* host port id, or -1 */
  wm__end *peer;    /* local peer, or NULL */
  int status;       /* reader: 0, 1 (EOF) or an error; writer: 0, 1 (gone) */
  wm__bytes buf;    /* reader: received and not yet read */
  uint32_t window;
  uint32_t count; /* writer: bytes in flight; reader: read, not credited */
  /* Zero-copy access: a reader's bytes lent at the head of buf
   * (wm_read_borrow), a writer's bytes reserved at rsvp (wm_write_reserve,
   * in out). 0 when none; any other use of the end cancels it. */
  uint32_t lent, rsv;
  uint8_t *rsvp;
  wm__waitq wq;
  /* Port-backed writer: written, not yet sent (not counted in count, but
   * within the window: count + outlen <= window). */
  uint8_t *out; /* WM__CHUNK bytes, or NULL */
  uint32_t outlen;
  wm__list plink; /* on the pending list while outlen > 0 */
  /* A deferred writer (WM__D_DEFER) has no port yet; its output goes to
   * call defer_id's caller through the main instance. */
  uint8_t deferred;
  uint32_t defer_id;
};

_Static_assert(WM__CHUNK == WM__OUT_MAX, "an OUT frame holds one chunk");

static wm__htab ends;
static wm__end **by_port;
static int by_port_cap;
/* Writers with output to send, newest first. */
static wm__list pending = WM__LIST_INIT(pending);

/* Emptied output chunks are kept for the next writer, a few at most: most
 * ends are idle, and a chunk per idle end would add up. */
#define SPARE_MAX 4
static uint8_t *spare[SPARE_MAX];
static int nspare;

static uint8_t *chunk_get(void) {
  return nspare ? spare[--nspare] : malloc(WM__CHUNK);
}

static void chunk_put(uint8_t *b) {
  if (nspare < SPARE_MAX)
    spare[nspare++] = b;
  else
    free(b);
}

static void unpend(wm__end *e) {
  if (e->outlen) wm__list_erase(&e->plink);
}

static int bind(wm__end *e, int port);
static void start(wm__end *e);

/* materialize gives a deferred writer a port: it makes a channel and sends
 * the caller the other port (OUTPORT, through the main instance), so that
 * what it writes from now on streams. Needed once it has more than a chunk
 * to send, must send before its call ends, or moves. If the channel cannot
 * be made, the end fails as if its reader had gone. */
static void materialize(wm__end *e) {
  e->deferred = 0;
  int other, mine = wm__host_channel(&other);
  if (mine < 0 || bind(e, mine)) {
    if (mine >= 0) {
      wm__host_port_close(mine);
      wm__host_port_close(other);
    }
    e->status = 1;
    return;
  }
  uint8_t b[WM__CTL_LEN];
  size_t n = wm__enc_ctl(b, WM__F_OUTPORT, e->defer_id, 0);
  wm__host_ctrl_send(0, b, n, &other, 1);
  start(e);
}

/* flush sends e's gathered output, or drops it if no one will read it. */
static void flush(wm__end *e) {
  if (!e->out) return;
  if (e->deferred && e->outlen) materialize(e);
  if (e->outlen) {
    unpend(e);
    if (!e->status && e->port >= 0 && !e->sent_term) {
      wm__host_port_send(e->port, WM__F_DATA, e->out, e->outlen);
      e->count += e->outlen;
    }
    e->outlen = 0;
  }
  /* A reservation stays where it is, to be moved to the front of the
   * chunk at its commit: the fiber that holds it blocked in between. */
  if (e->rsv) return;
  chunk_put(e->out);
  e->out = NULL;
}

void wm__pipe_flush(void) {
  /* flush takes each end off the list. */
  wm__list *n;
  while ((n = wm__list_first(&pending))) flush(wm__cont(n, wm__end, plink));
}

static wm__end *end_new(int writer, uint32_t window) {
  wm__end *e = calloc(1, sizeof *e);
  if (!e) return NULL;
  e->made = wm__loc;
  e->writer = (uint8_t)writer;
  e->port = -1;
  e->window = window;
  wm__rt.stats.pipes++;
  return e;
}

static int bind(wm__end *e, int port) {
  if (port >= by_port_cap) {
    int ncap = by_port_cap ? by_port_cap : 64;
    while (ncap <= port) ncap *= 2;
    wm__end **n = realloc(by_port, (size_t)ncap * sizeof *n);
    if (!n) return WM_ENOMEM;
    memset(n + by_port_cap, 0, (size_t)(ncap - by_port_cap) * sizeof *n);
    by_port = n;
    by_port_cap = ncap;
  }
  by_port[port] = e;
  e->port = port;
  e->started = 0;
  wm__rt.stats.ports++;
  return 0;
}

/* start asks the host for the port's frames. It is put off until the end is
 * used, so that an end that only passes through an instance (a chain's
 * caller hands its ends straight on) never has a frame delivered there. */
static void start(wm__end *e) {
  if (e->port < 0 || e->started) return;
  e->started = 1;
  wm__host_port_bind(e->port);
}

/* unbind lets go of the port without closing it (it is moving away). */
static void unbind(wm__end *e) {
  if (e->port < 0) return;
  if (e->started) wm__host_port_detach(e->port);
  by_port[e->port] = NULL;
  e->port = -1;
  wm__rt.stats.ports--;
}

static void end_free(wm__end *e) {
  if (e->port >= 0) {
    int port = e->port;
    by_port[port] = NULL;
    e->port = -1;
    wm__rt.stats.ports--;
    wm__host_port_close(port);
  }
  if (e->id) wm__h_del(&ends, e->id);
  e->rsv = 0;
  flush(e); /* the port is gone: drops it */
  wm__bytes_fini(&e->buf);
  wm__wake_all(&e->wq);
  free(e);
  wm__rt.stats.pipes--;
}

static int add_handle(wm__end *e, wm_pipe *p) {
  e->id = wm__h_add(&ends, e);
  p->id = e->id;
  return e->id ? 0 : WM_ENOMEM;
}

int wm__pipe_new(wm_pipe *r, wm_pipe *w, uint32_t window) {
  if (!r || !w) return WM_EINVAL;
  wm__end *re = end_new(0, window), *we = end_new(1, window);
  if (!re || !we || add_handle(re, r) || add_handle(we, w)) {
    if (re) end_free(re);
    if (we) end_free(we);
    return WM_ENOMEM;
  }
  re->peer = we;
  we->peer = re;
  /* Ends belong to the job that made them, and close when it ends. */
  re->owner = we->owner = wm__job_made();
  return 0;
}

int wm_pipe_make(wm_pipe *r, wm_pipe *w) {
  return wm__pipe_new(r, w, WM__DEFAULT_WINDOW);
}

static wm__end *get(wm_pipe p) { return wm__h_get(&ends, p.id); }

/* mine returns the end p names if the job running now may use it: a
 * function that learns another's handle must not read, write or close that
 * function's pipes. An end no job holds (made by the host's own code, or
 * the tests') is anyone's. */
static wm__end *mine(wm_pipe p) {
  wm__end *e = get(p);
  return e && wm__job_may_use(e->owner) ? e : NULL;
}

/* send_credit returns consumed bytes to a port-backed writer. */
static void send_credit(wm__end *e) {
  if (e->port < 0 || !e->count || e->got_term) {
    e->count = 0;
    return;
  }
  uint8_t b[4] = {(uint8_t)e->count, (uint8_t)(e->count >> 8),
                  (uint8_t)(e->count >> 16), (uint8_t)(e->count >> 24)};
  wm__host_port_send(e->port, WM__F_CREDIT, b, 4);
  e->count = 0;
}

/* consumed lets the writer know that a reader has taken k bytes. */
static void consumed(wm__end *e, size_t k) {
  if (e->peer) {
    wm__wake_all(&e->peer->wq);
  } else if (e->port >= 0) {
    /* A quarter window at a time: a writer that blocks has the whole
     * window in flight, so it is always released, and a reader that keeps
     * up does not answer every chunk with a frame. */
    e->count += (uint32_t)k;
    if (e->count >= e->window / 4) send_credit(e);
  }
}

/* wait_data waits until reader *e has bytes or a final status, and returns
 * 1 then, or an error (the end may have been closed while it waited). */
static int wait_data(wm_pipe p, wm__end **e, int64_t deadline) {
  for (;;) {
    if ((*e)->buf.len || (*e)->status) return 1;
    start(*e);
    int rc = wm__wait(&(*e)->wq, deadline);
    if (rc) return rc;
    if (!(*e = get(p))) return WM_EBADF;
  }
}

static wm__end *reader_of(wm_pipe p, int *err) {
  wm__end *e = mine(p);
  *err = !e ? (p.id ? WM_EBADF : WM_ENOPIPE) : e->writer ? WM_EPERM : 0;
  return *err ? NULL : e;
}

ssize_t wm_read(wm_pipe p, void *buf, size_t n, int64_t deadline) {
  int err;
  wm__end *e = reader_of(p, &err);
  if (!e) return err;
  if (!buf || !n) return WM_EINVAL;
  e->lent = 0;
  int rc = wait_data(p, &e, deadline);
  if (rc < 0) return rc;
  if (!e->buf.len) return e->status == 1 ? 0 : e->status;
  size_t k = wm__bytes_pop(&e->buf, buf, n);
  consumed(e, k);
  return (ssize_t)k;
}

ssize_t wm_read_borrow(wm_pipe p, const void **buf, int64_t deadline) {
  int err;
  wm__end *e = reader_of(p, &err);
  if (!e) return err;
  if (!buf) return WM_EINVAL;
  *buf = NULL;
  e->lent = 0;
  /* Room for the whole window up front: nothing that arrives while the
   * bytes are lent (the writer is bound by the window) then moves them. */
  wm__bytes *b = &e->buf;
  if (b->cap < e->window && b->len < e->window)
    (void)wm__bytes_room(b, e->window - b->len);
  if (b->cap < e->window) return WM_ENOMEM;
  int rc = wait_data(p, &e, deadline);
  if (rc < 0) return rc;
  b = &e->buf;
  if (!b->len) return e->status == 1 ? 0 : e->status;
  size_t k = b->cap - b->head;
  if (k > b->len) k = b->len;
  if (k > UINT32_MAX) k = UINT32_MAX;
  e->lent = (uint32_t)k;
  *buf = b->buf + b->head;
  return (ssize_t)k;
}

int wm_read_commit(wm_pipe p, size_t n) {
  int err;
  wm__end *e = reader_of(p, &err);
  if (!e) return err;
  if (n > e->lent) return WM_EINVAL;
  e->lent = 0;
  if (n) consumed(e, wm__bytes_pop(&e->buf, NULL, n));
  return 0;
}

/* put_out takes up to n bytes for a port-backed writer, as far as the window
 * allows, and returns how many it took (0: the window is full). */
static size_t put_out(wm__end *e, const uint8_t *b, size_t n) {
  /* A deferred writer gathers at most one chunk: that much can still go
   * in one OUT frame. */
  if (e->deferred && e->outlen + n > WM__CHUNK) materialize(e);
  if (e->status) return 0;
  /* A deferred writer may hold a whole chunk (it fills one without a
   * port); it goes first, else the window seems full and the writer waits
   * for a credit that its reader gives only after half a window. */
  if (e->outlen == WM__CHUNK) flush(e);
  size_t k = e->window - e->count - e->outlen;
  if (k > n) k = n;
  if (!k) return 0;
  if (!e->outlen && k >= WM__CHUNK && !e->deferred) {
    /* A whole chunk goes out as it is, without a copy. */
    wm__host_port_send(e->port, WM__F_DATA, b, WM__CHUNK);
    e->count += WM__CHUNK;
    return WM__CHUNK;
  }
  if (!e->out && !(e->out = chunk_get()) && e->deferred) materialize(e);
  if (!e->out) {
    /* No memory to gather in: send the write as it comes. */
    if (k > WM__CHUNK) k = WM__CHUNK;
    wm__host_port_send(e->port, WM__F_DATA, b, k);
    e->count += (uint32_t)k;
    return k;
  }
  if (k > WM__CHUNK - e->outlen) k = WM__CHUNK - e->outlen;
  if (!e->outlen) {
    wm__sched_on_run_end(wm__pipe_flush);
    wm__list_push_front(&pending, &e->plink);
  }
  memcpy(e->out + e->outlen, b, k);
  e->outlen += (uint32_t)k;
  if (e->outlen == WM__CHUNK && !e->deferred) flush(e);
  return k;
}

int wm_write(wm_pipe p, const void *buf, size_t n, int64_t deadline) {
  wm__end *e = mine(p);
  /* Writing nowhere is a mistake of the call's maker, not of the handle:
   * say so (a function made with output: false that writes anyway). */
  if (!e) return p.id ? WM_EBADF : WM_ENOPIPE;
  if (!e->writer) return WM_EPERM;
  if (!buf && n) return WM_EINVAL;
  e->rsv = 0; /* the bytes written go where it was */
  start(e);   /* hear credits and the reader's close from the first write */
  const uint8_t *b = buf;
  while (n) {
    if (e->status) return WM_EPIPE;
    size_t k = 0;
    if (e->peer) {
      wm__end *r = e->peer;
      if (r->buf.len < r->window) {
        k = r->window - r->buf.len;
        if (k > n) k = n;
        if (wm__bytes_push(&r->buf, b, k)) return WM_ENOMEM;
        wm__wake_all(&r->wq);
      }
    } else if (e->port >= 0 || e->deferred) {
      k = put_out(e, b, n);
      if (e->status) continue; /* it could not get a port */
    } else {
      return WM_EPIPE;
    }
    if (k) {
      b += k;
      n -= k;
      continue;
    }
    flush(e); /* the reader must see it all to credit it back */
    start(e); /* the end may have become port-backed while it waited */
    int rc = wm__wait(&e->wq, deadline);
    if (rc) return rc;
    if (!(e = get(p))) return WM_EBADF;
  }
  /* Outside a fiber no scheduler run ends after us to send it. */
  if (!wm__in_fiber()) flush(e);
  return 0;
}

static wm__end *writer_of(wm_pipe p, int *err) {
  wm__end *e = mine(p);
  *err = !e ? (p.id ? WM_EBADF : WM_ENOPIPE) : !e->writer ? WM_EPERM : 0;
  return *err ? NULL : e;
}

/* room says how many bytes writer e may reserve now in one piece, at most
 * a chunk; 0 when it must wait. */
static size_t room(wm__end *e) {
  if (e->peer) {
    const wm__end *r = e->peer;
    size_t k = r->buf.len < r->window ? r->window - r->buf.len : 0;
    return k < WM__CHUNK ? k : WM__CHUNK;
  }
  /* A full chunk goes first (a deferred writer's needs a port for that). */
  if (e->outlen == WM__CHUNK) flush(e);
  if (e->status) return 0;
  size_t k = e->window - e->count - e->outlen;
  return k < WM__CHUNK - e->outlen ? k : WM__CHUNK - e->outlen;
}

ssize_t wm_write_reserve(wm_pipe p, void **buf, int64_t deadline) {
  int err;
  wm__end *e = writer_of(p, &err);
  if (!e) return err;
  if (!buf) return WM_EINVAL;
  *buf = NULL;
  e->rsv = 0;
  start(e);
  for (;;) {
    if (e->status) return WM_EPIPE;
    if (!e->peer && e->port < 0 && !e->deferred) return WM_EPIPE;
    size_t k = room(e);
    if (e->status) continue; /* it could not get a port */
    if (k) {
      /* A local writer fills a chunk of its own that commit copies into
       * the reader's ring: the reader may empty the ring meanwhile, which
       * moves its tail. A port-backed one fills its outgoing chunk. */
      if (!e->out && !(e->out = chunk_get())) return WM_ENOMEM;
      e->rsv = (uint32_t)k;
      e->rsvp = e->out + (e->peer ? 0 : e->outlen);
      *buf = e->rsvp;
      return (ssize_t)k;
    }
    flush(e);
    start(e);
    int rc = wm__wait(&e->wq, deadline);
    if (rc) return rc;
    if (!(e = get(p))) return WM_EBADF;
  }
}

int wm_write_commit(wm_pipe p, size_t n) {
  int err;
  wm__end *e = writer_of(p, &err);
  if (!e) return err;
  if (n > e->rsv) return WM_EINVAL;
  e->rsv = 0;
  if (!n) return 0;
  if (e->status) return WM_EPIPE;
  if (e->peer) {
    wm__end *r = e->peer;
    int rc = wm__bytes_push(&r->buf, e->rsvp, n);
    chunk_put(e->out);
    e->out = NULL;
    if (rc) return rc;
    wm__wake_all(&r->wq);
    return 0;
  }
  if (e->port < 0 && !e->deferred) return WM_EPIPE;
  /* The fiber blocked after it reserved, and what was gathered before has
   * been sent since: the bytes move to where the chunk now ends. */
  if (e->rsvp != e->out + e->outlen) memmove(e->out + e->outlen, e->rsvp, n);
  if (!e->outlen) {
    wm__sched_on_run_end(wm__pipe_flush);
    wm__list_push_front(&pending, &e->plink);
  }
  e->outlen += (uint32_t)n;
  if (e->outlen == WM__CHUNK && !e->deferred) flush(e);
  if (!wm__in_fiber()) flush(e);
  return 0;
}

/* finish_term frees a port-backed end once both terminals have passed, or
 * listens for the far end's. */
static void finish_term(wm__end *e) {
  if (e->sent_term && e->got_term)
    end_free(e);
  else
    start(e);
}

static void release_handle(wm__end *e) {
  wm__h_del(&ends, e->id);
  e->id = 0;
}

/* term_writer closes a writing end with status 1 (EOF) or an error. */
static void term_writer(wm__end *e, int status) {
  release_handle(e);
  e->rsv = 0;
  if (e->deferred) {
    /* The whole output, and how it ended, go in one frame; with no memory
     * for that frame, the output streams instead. */
    uint8_t *f;
    size_t n;
    if (!wm__enc_out(e->defer_id, status, e->out, e->outlen, &f, &n)) {
      wm__host_ctrl_send(0, f, n, NULL, 0);
      free(f);
      unpend(e);
      e->outlen = 0;
      e->deferred = 0;
      end_free(e);
      return;
    }
    materialize(e);
  }
  if (e->peer) {
    wm__end *r = e->peer;
    r->peer = NULL;
    r->status = status;
    wm__wake_all(&r->wq);
    end_free(e);
  } else if (e->port >= 0 && !e->sent_term) {
    flush(e); /* the data goes before the terminal */
    if (status == 1) {
      wm__host_port_send(e->port, WM__F_EOF, NULL, 0);
    } else {
      uint8_t b[4] = {(uint8_t)status, (uint8_t)(status >> 8),
                      (uint8_t)(status >> 16), (uint8_t)(status >> 24)};
      wm__host_port_send(e->port, WM__F_ERR, b, 4);
    }
    e->sent_term = 1;
    finish_term(e);
  } else {
    end_free(e);
  }
}

static void term_reader(wm__end *e) {
  release_handle(e);
  wm__bytes_fini(&e->buf);
  if (e->peer) {
    wm__end *w = e->peer;
    w->peer = NULL;
    w->status = 1;
    wm__wake_all(&w->wq);
    end_free(e);
  } else if (e->port >= 0 && !e->sent_term) {
    wm__host_port_send(e->port, WM__F_RCLOSE, NULL, 0);
    e->sent_term = 1;
    finish_term(e);
  } else {
    end_free(e);
  }
}

int wm_close(wm_pipe p) {
  wm__end *e = mine(p);
  if (!e) return WM_EBADF;
  if (e->writer)
    term_writer(e, 1);
  else
    term_reader(e);
  return 0;
}

int wm_close_error(wm_pipe p, int err) {
  wm__end *e = mine(p);
  if (!e) return WM_EBADF;
  if (!e->writer) return WM_EPERM;
  if (err >= 0) return WM_EINVAL;
  term_writer(e, err);
  return 0;
}

int wm__end_rehandle(wm_pipe *p) {
  wm__end *e = get(*p);
  if (!e) return WM_EBADF;
  uint32_t id = wm__h_add(&ends, e);
  if (!id) return WM_ENOMEM;
  wm__h_del(&ends, e->id);
  e->id = p->id = id;
  return 0;
}

void wm__end_defer_to(wm_pipe p, uint32_t id) {
  wm__end *e = get(p);
  if (e) e->defer_id = id;
}

void wm__end_own(wm_pipe p, uint32_t owner) {
  wm__end *e = get(p);
  if (e) e->owner = owner;
}

void wm__end_close_owned(wm_pipe p, uint32_t owner, int err) {
  wm__end *e = get(p);
  if (!e || e->owner != owner) return;
  if (e->writer && err < 0)
    wm_close_error(p, err);
  else
    wm_close(p);
}

void wm__end_close_job(uint32_t owner) {
  if (!owner) return;
  for (uint32_t i = 0; i < ends.cap; i++) {
    wm__end *e = ends.objs[i];
    if (e && e->owner == owner) wm_close((wm_pipe){e->id});
  }
}

int wm__end_check(wm_pipe p, int want_writer) {
  wm__end *e = mine(p);
  if (!e) return WM_EBADF;
  return e->writer == want_writer ? 0 : WM_EPERM;
}

int wm__end_export(wm_pipe p, wm__desc *d, int *port) {
  wm__end *e = get(p);
  memset(d, 0, sizeof *d);
  d->port = WM__NOPORT;
  *port = -1;
  if (!e) return WM_EBADF;
  if (e->deferred) materialize(e); /* the far instance needs a port */
  uint8_t *copy = NULL;
  if (!e->writer && e->buf.len) {
    copy = malloc(e->buf.len);
    if (!copy) return WM_ENOMEM;
  }
  if (e->peer) {
    /* A local pipe becomes a port-backed one: the end that stays gets one
     * port of a new channel, the moving end carries the other. */
    int other;
    int mine = wm__host_channel(&other);
    if (mine < 0) {
      free(copy);
      return WM_ENOMEM;
    }
    wm__end *peer = e->peer;
    peer->peer = NULL;
    e->peer = NULL;
    if (peer->rsv) {
      /* It was sized for the local ring, not for the window that a port
       * counts: cancelled (wmesh.h). */
      peer->rsv = 0;
      chunk_put(peer->out);
      peer->out = NULL;
    }
    if (bind(peer, mine)) {
      /* Cannot track the port: fail the pipe rather than lose data. */
      wm__host_port_close(mine);
      wm__host_port_close(other);
      free(copy);
      peer->status = e->writer ? WM_ENOMEM : 1;
      e->status = e->writer ? 1 : WM_ENOMEM;
      wm__wake_all(&peer->wq);
      return WM_ENOMEM;
    }
    if (e->writer) {
      d->count = (uint32_t)peer->buf.len; /* unread bytes count as in flight */
      peer->count = 0;
    } else {
      peer->count = (uint32_t)e->buf.len;
    }
    wm__wake_all(&peer->wq);
    *port = other;
  } else if (e->port >= 0) {
    if (!e->writer) send_credit(e);
    flush(e); /* what was written goes from here, and counts as in flight */
    if (e->writer) d->count = e->count;
    *port = e->port;
    unbind(e);
  }
  d->flags = WM__D_PRESENT | (e->writer ? WM__D_WRITER : 0) |
             (*port >= 0 ? WM__D_PORT : 0);
  d->status = e->status;
  if (!e->writer && *port < 0 && !d->status) d->status = 1;
  if (e->writer && *port < 0) d->status = 1;
  d->window = e->window;
  if (copy) {
    d->datalen = (uint32_t)wm__bytes_pop(&e->buf, copy, e->buf.len);
    d->data = copy;
  }
  release_handle(e);
  end_free(e);
  return 0;
}

int wm__end_import(const wm__desc *d, int port, wm_pipe *p) {
  *p = WM_PIPE_NONE;
  if (!(d->flags & WM__D_PRESENT)) return 0;
  wm__end *e = end_new((d->flags & WM__D_WRITER) != 0, d->window);
  if (!e) goto nomem;
  e->made = "(moved in from another instance)";
  e->status = d->status;
  if (e->writer) {
    e->count = d->count;
    e->got_term = d->status == 1;
    e->deferred = (d->flags & WM__D_DEFER) != 0;
  } else {
    e->got_term = d->status != 0;
    if (d->datalen && wm__bytes_push(&e->buf, d->data, d->datalen)) goto nomem;
  }
  if (add_handle(e, p)) goto nomem;
  if (port >= 0 && bind(e, port)) goto nomem;
  return 0;
nomem:
  if (port >= 0) wm__host_port_close(port);
  if (e) {
    e->port = -1;
    end_free(e);
  }
  *p = WM_PIPE_NONE;
  return WM_ENOMEM;
}

void wm__end_abort(const wm__desc *d, int port, int err) {
  wm_pipe p;
  /* A deferred output has nobody to tell but the caller, who learns the
   * error from DONE. */
  if (d->flags & WM__D_DEFER) return;
  if (wm__end_import(d, port, &p) || !p.id) return;
  if (d->flags & WM__D_WRITER)
    wm_close_error(p, err);
  else
    wm_close(p);
}

/* peer_term records the far end's terminal (or its loss) on e. */
static void peer_term(wm__end *e, int status) {
  e->got_term = 1;
  if (e->writer)
    e->status = 1;
  else if (e->status == 0)
    e->status = status;
  wm__wake_all(&e->wq);
  if (e->sent_term) end_free(e);
}

/* data_fits says whether n more bytes of DATA may arrive at reader e:
 * nothing may arrive beyond the window the writer was granted. */
static int data_fits(const wm__end *e, size_t n) {
  return (uint64_t)e->buf.len + e->count + n <= e->window;
}

/* open_reader returns the reading end on port that can take DATA, or NULL. */
static wm__end *open_reader(int port) {
  wm__end *e = port >= 0 && port < by_port_cap ? by_port[port] : NULL;
  return e && !e->writer && e->id && !e->got_term ? e : NULL;
}

uint8_t *wm__port_room(int port, size_t n) {
  wm__end *e = open_reader(port);
  if (!e || n > WM__MAX_CHUNK || !data_fits(e, n)) return NULL;
  return wm__bytes_room(&e->buf, n);
}

void wm__port_data(int port, size_t n) {
  wm__end *e = open_reader(port);
  /* The host wrote the bytes where wm__port_room said, just now: the same
   * checks hold, unless it broke the protocol itself. */
  if (!e || n > WM__MAX_CHUNK || !data_fits(e, n) ||
      wm__bytes_room(&e->buf, n) == NULL) {
    wm__rt.stats.refused++;
    return;
  }
  wm__bytes_commit(&e->buf, n);
  wm__wake_all(&e->wq);
}

void wm__port_frame(int port, const uint8_t *p, size_t n) {
  wm__end *e = port >= 0 && port < by_port_cap ? by_port[port] : NULL;
  if (!e) {
    wm__rt.stats.refused++;
    return;
  }
  wm__pipemsg m;
  int bad = wm__dec_pipe(p, n, &m) != 0 || e->got_term;
  if (!bad && e->writer) {
    if (m.type == WM__F_CREDIT && (uint32_t)m.value <= e->count) {
      e->count -= (uint32_t)m.value;
      wm__wake_all(&e->wq);
      return;
    }
    if (m.type == WM__F_RCLOSE) {
      peer_term(e, 1);
      return;
    }
    bad = 1;
  } else if (!bad) {
    switch (m.type) {
    case WM__F_DATA:
      if (!data_fits(e, m.len)) {
        bad = 1;
        break;
      }
      if (e->id && wm__bytes_push(&e->buf, m.data, m.len)) {
        peer_term(e, WM_ENOMEM);
        return;
      }
      wm__wake_all(&e->wq);
      return;
    case WM__F_EOF:
      peer_term(e, 1);
      return;
    case WM__F_ERR:
      peer_term(e, m.value);
      return;
    default:
      bad = 1;
    }
  }
  /* A frame that breaks the protocol fails the pipe: the reader sees
   * WM_EPROTO after the data it has, the writer sees WM_EPIPE. */
  wm__rt.stats.refused++;
  if (!e->got_term) peer_term(e, WM_EPROTO);
}

void wm__port_closed(int port) {
  wm__end *e = port >= 0 && port < by_port_cap ? by_port[port] : NULL;
  if (e && !e->got_term) peer_term(e, WM_EDIED);
}

int wm__dump_pipes(char *b, size_t n) {
  int len = 0;
  for (uint32_t i = 0; i < ends.cap; i++) {
    const wm__end *e = ends.objs[i];
    if (!e) continue;
    len += wm__dumpf(b, n, len,
                     "pipe %#x %s %s, %zu bytes buffered, %s, made at %s\n",
                     e->id, e->writer ? "writer" : "reader",
                     e->peer        ? "local"
                     : e->port >= 0 ? "on a port"
                     : e->deferred  ? "deferred"
                                    : "detached",
                     e->writer ? (size_t)e->outlen : e->buf.len,
                     e->status == 0   ? "open"
                     : e->status == 1 ? (e->writer ? "reader gone" : "at EOF")
                                      : wm_strerror(e->status),
                     e->made ? e->made : "?");
  }
  /* Ends closing down have no handle: only their port finds them. */
  for (int i = 0; i < by_port_cap; i++) {
    const wm__end *e = by_port[i];
    if (e && !e->id)
      len += wm__dumpf(b, n, len,
                       "pipe (closing) %s on port %d, waiting for the far "
                       "end's %s, made at %s\n",
                       e->writer ? "writer" : "reader", e->port,
                       e->writer ? "RCLOSE" : "EOF", e->made ? e->made : "?");
  }
  return len;
}
