/* topic.c: fan-out. A topic keeps, for each subscriber, a bounded queue of
 * shared, reference-counted frames. Each subscriber is a call of the
 * registered function wm_subscriber running in the topic's instance: it
 * attaches itself to the topic and copies its queue into its output pipe, so
 * a subscriber anywhere in the mesh is just a pipe reader, and leaving,
 * cancellation and dead workers all work as they do for any call. */
#include <stdlib.h>
#include <string.h>

#include "rt.h"

#define NAME_MAX_LEN 63
#define FRAME_MAX (1u << 20)
#define QUEUE_MAX 65536u

typedef struct frame {
  uint32_t refs;
  uint32_t len;
  uint64_t seq;
  uint8_t data[];
} frame;

typedef struct topic topic;

typedef struct sub {
  wm__list link; /* on t->subs while attached */
  topic *t;
  int policy;
  uint32_t cap, head, len;
  frame **q;
  uint32_t missed; /* frames dropped since the last one delivered */
  int err;         /* set when the topic drops it (WM_EOVERFLOW) */
  wm__waitq wq;    /* its fiber waits here for frames */
} sub;

struct topic {
  uint32_t id;
  char name[NAME_MAX_LEN + 1];
  uint64_t seq;
  wm__list subs; /* newest first */
  int closed;
  int refs;       /* the handle, plus one per attached subscriber */
  uint32_t owner; /* the job that made it: only it may publish or close */
  wm__waitq wq;   /* a publisher waits here for room */
  wm__list nlink; /* on by_name until freed */
};

static wm__htab topics;
/* Every topic not yet freed, closed ones too, newest first. */
static wm__list by_name = WM__LIST_INIT(by_name);

static topic *find(const char *name) {
  wm__list_foreach(it, &by_name) {
    topic *t = wm__cont(it, topic, nlink);
    if (!t->closed && !strcmp(t->name, name)) return t;
  }
  return NULL;
}

static void unref_frame(frame *f) {
  if (--f->refs == 0) free(f);
}

/* topic_rele frees a closed topic once nothing refers to it. */
static void topic_rele(topic *t) {
  if (--t->refs) return;
  wm__list_erase(&t->nlink);
  free(t);
}

int wm_topic_make(const char *name, wm_topic *out) {
  if (!name || !out || !*name || strlen(name) > NAME_MAX_LEN || find(name))
    return WM_EINVAL;
  topic *t = calloc(1, sizeof *t);
  if (!t) return WM_ENOMEM;
  t->id = wm__h_add(&topics, t);
  if (!t->id) {
    free(t);
    return WM_ENOMEM;
  }
  strcpy(t->name, name);
  t->refs = 1;
  /* Counted as made, so that the job's end closes it if the job does not
   * (wm__topic_close_job): no one else could. */
  t->owner = wm__job_made();
  if (t->owner) wm__call_on_job_end(wm__topic_close_job);
  wm__list_init(&t->subs);
  wm__list_push_front(&by_name, &t->nlink);
  out->id = t->id;
  return 0;
}

static sub *first_full_blocker(topic *t) {
  wm__list_foreach(it, &t->subs) {
    sub *s = wm__cont(it, sub, link);
    if (s->policy == WM_SUB_BLOCK && s->len == s->cap) return s;
  }
  return NULL;
}

static void detach(sub *s, int err) {
  topic *t = s->t;
  if (!t) return;
  wm__list_erase(&s->link);
  s->t = NULL;
  s->err = err;
  while (s->len) {
    unref_frame(s->q[s->head]);
    s->head = (s->head + 1) % s->cap;
    s->len--;
  }
  wm__wake_all(&s->wq);
  wm__wake_all(&t->wq); /* a publisher may have waited for this one */
  topic_rele(t);
}

/* mine returns the topic h names if the job running now may use it. */
static topic *mine(wm_topic h) {
  topic *t = wm__h_get(&topics, h.id);
  return t && wm__job_may_use(t->owner) ? t : NULL;
}

int wm_publish(wm_topic h, const void *p, size_t n, int64_t deadline) {
  topic *t = mine(h);
  if (!t) return WM_EBADF;
  if ((!p && n) || n > FRAME_MAX) return WM_EINVAL;
  /* Backpressure: wait until every blocking subscriber has room. */
  while (first_full_blocker(t)) {
    int rc = wm__wait(&t->wq, deadline);
    if (rc) return rc;
    if (!(t = wm__h_get(&topics, h.id))) return WM_EBADF;
  }
  frame *f = malloc(sizeof *f + n);
  if (!f) return WM_ENOMEM;
  f->refs = 1; /* ours, until every queue has it */
  f->len = (uint32_t)n;
  f->seq = ++t->seq;
  if (n) memcpy(f->data, p, n);
  /* Only detach unlinks a subscriber here, and only the current one. */
  wm__list_foreach(it, &t->subs) {
    sub *s = wm__cont(it, sub, link);
    if (s->len == s->cap) {
      if (s->policy == WM_SUB_DISCONNECT) {
        detach(s, WM_EOVERFLOW);
        continue;
      }
      /* WM_SUB_DROP: the oldest frame makes room, and is counted. */
      unref_frame(s->q[s->head]);
      s->head = (s->head + 1) % s->cap;
      s->len--;
      s->missed++;
    }
    s->q[(s->head + s->len) % s->cap] = f;
    s->len++;
    f->refs++;
    wm__wake_all(&s->wq);
  }
  unref_frame(f);
  return 0;
}

/* topic_close ends topic t and frees its handle. */
static void topic_close(topic *t) {
  wm__h_del(&topics, t->id);
  t->closed = 1;
  wm__list_foreach(it, &t->subs) wm__wake_all(&wm__cont(it, sub, link)->wq);
  wm__wake_all(&t->wq);
  topic_rele(t);
}

int wm_topic_close(wm_topic h) {
  topic *t = mine(h);
  if (!t) return WM_EBADF;
  topic_close(t);
  return 0;
}

void wm__topic_close_job(uint32_t owner) {
  if (!owner) return;
  /* Closing adds nothing to the table, so the walk sees each topic once. */
  for (uint32_t i = 0; i < topics.cap; i++) {
    topic *t = topics.objs[i];
    if (t && t->owner == owner) topic_close(t);
  }
}

/* serve copies a subscriber's queue into its pipe until the topic ends,
 * the subscriber leaves (its pipe breaks) or the topic drops it. */
static int serve(sub *s, wm_pipe out) {
  for (;;) {
    while (s->t && !s->len && !s->t->closed) {
      int rc = wm__wait(&s->wq, -1);
      if (rc) return rc; /* cancelled */
    }
    if (!s->t) return s->err;
    if (!s->len) return 0; /* the topic closed and everything was sent */
    frame *f = s->q[s->head];
    s->head = (s->head + 1) % s->cap;
    s->len--;
    wm__wake_all(&s->t->wq);
    uint8_t hdr[16];
    wm__put32(hdr, (uint32_t)f->seq);
    wm__put32(hdr + 4, (uint32_t)(f->seq >> 32));
    wm__put32(hdr + 8, s->missed);
    wm__put32(hdr + 12, f->len);
    s->missed = 0;
    int rc = wm_write(out, hdr, sizeof hdr, -1);
    if (!rc) rc = wm_write(out, f->data, f->len, -1);
    unref_frame(f);
    if (rc) return rc == WM_EPIPE ? 0 : rc; /* EPIPE: it left */
  }
}

/* wm_subscriber is the subscription call: input [u32 policy][u32 queue]
 * [name], output the records. */
static int wm_subscriber(wm_pipe in, wm_pipe out) {
  uint8_t req[8 + NAME_MAX_LEN + 1];
  size_t got = 0;
  for (;;) {
    ssize_t k = wm_read(in, req + got, sizeof req - 1 - got, -1);
    if (k < 0) return (int)k;
    if (k == 0) break;
    got += (size_t)k;
    if (got == sizeof req - 1) break;
  }
  if (got < 9) return WM_EINVAL;
  uint32_t policy = wm__get32(req);
  uint32_t cap = wm__get32(req + 4);
  req[got] = 0;
  const char *name = (const char *)req + 8;
  if (policy > WM_SUB_DISCONNECT || !cap || cap > QUEUE_MAX ||
      strlen(name) != got - 8)
    return WM_EINVAL;
  topic *t = find(name);
  if (!t) return WM_ENOENT;
  sub s;
  memset(&s, 0, sizeof s);
  s.q = malloc(cap * sizeof *s.q);
  if (!s.q) return WM_ENOMEM;
  s.t = t;
  s.policy = (int)policy;
  s.cap = cap;
  wm__list_push_front(&t->subs, &s.link);
  t->refs++;
  int rc = serve(&s, out);
  detach(&s, 0);
  free(s.q);
  return rc;
}
WM_EXPORT(wm_subscriber)

int wm_subscribe(const char *name, int where, int policy, uint32_t queue,
                 wm_pipe *r, wm_call *c) {
  if (!name || !r || !c || strlen(name) > NAME_MAX_LEN || policy < 0 ||
      policy > WM_SUB_DISCONNECT || !queue || queue > QUEUE_MAX)
    return WM_EINVAL;
  wm_pipe qr, qw, w;
  int rc = wm_pipe_make(&qr, &qw);
  if (rc) return rc;
  if ((rc = wm_pipe_make(r, &w))) {
    wm_close(qr);
    wm_close(qw);
    return rc;
  }
  uint8_t req[8];
  wm__put32(req, (uint32_t)policy);
  wm__put32(req + 4, queue);
  /* A new local pipe has room for the request, but makes its buffer on
   * the first write, which can fail: a request cut short would be a
   * subscription that fails with WM_EINVAL instead of WM_ENOMEM here. */
  rc = wm_write(qw, req, 8, 0);
  if (!rc) rc = wm_write(qw, name, strlen(name), 0);
  wm_close(qw);
  wm_opts o = WM_OPTS_INIT;
  o.where = where;
  if (rc || (rc = wm_go(qr, w, wm_subscriber, &o, c))) {
    wm_close(qr);
    wm_close(w);
    wm_close(*r);
    *r = WM_PIPE_NONE;
  }
  return rc;
}
