/* topic_test.c: fan-out (src/core/topic.c) in one instance: topics and
 * their names, wm_publish, subscribers of each policy (calls of
 * wm_subscriber running here), the records they read, and the end of a
 * topic. ASan's leak checker proves that every shared frame is freed, and
 * check_clean after each case that no subscriber is left running.
 *
 * The test plays the producer and the consumers from outside any job, so
 * that every handle is usable from anywhere, including the publisher jobs
 * it starts. A subscriber joins only when its call runs, so each join is
 * followed by a scheduler run. A subscriber is made slow either by not
 * running the scheduler between publishes (its fiber cannot copy its queue
 * out) or by not reading its pipe until the pipe is full. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "host_stub.h"
#include "rt.h"

static const wm_opts here = {-1, WM_HERE, 0};

#define FRAME_MAX (1u << 20)

/* ---- frames and records ---- */

/* Frame seq carries a pattern of its own, so that a record delivered out of
 * order, twice, or with another frame's bytes shows. Its default length
 * varies, and is 0 for some. */
static size_t len_of(uint64_t seq) { return (size_t)(seq * 37 % 101); }

static uint8_t byte_of(uint64_t seq, size_t i) {
  return (uint8_t)(seq * 131 + i * 7 + (i >> 9));
}

/* publish_len publishes frame seq of len bytes. The buffer is the
 * caller's own, since a publisher that blocks holds it until it returns. */
static int publish_len(wm_topic t, uint64_t seq, size_t len, int64_t deadline) {
  uint8_t *b = test_alloc(len);
  for (size_t i = 0; i < len; i++) b[i] = byte_of(seq, i);
  int rc = wm_publish(t, b, len, deadline);
  free(b);
  return rc;
}

static int publish(wm_topic t, uint64_t seq) {
  return publish_len(t, seq, len_of(seq), 0);
}

/* publish_range publishes frames from..to, none of which may block. */
static void publish_range(wm_topic t, uint64_t from, uint64_t to) {
  for (uint64_t s = from; s <= to; s++) CHECK_EQ(publish(t, s), 0);
}

/* read_full reads exactly n bytes, running the stub host while the pipe is
 * empty. It returns n, or what the first read found instead of data: 0 at
 * EOF, the pipe's error, or WM_ETIMEDOUT if nothing comes for now. A record
 * cut short fails the test. */
static ssize_t read_full(wm_pipe r, uint8_t *b, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t k = read_soon(r, b + got, n - got);
    if (k <= 0) {
      if (got) check_fail(__FILE__, __LINE__, "read_full", "record cut short");
      return k;
    }
    got += (size_t)k;
  }
  return (ssize_t)n;
}

typedef struct rec {
  uint64_t seq;
  uint32_t dropped, len;
} rec;

static uint8_t rbuf[FRAME_MAX];

/* next_rec reads the next record into *m and its bytes into rbuf, and
 * returns 1, or what read_full found instead. */
static ssize_t next_rec(wm_pipe r, rec *m) {
  uint8_t h[16];
  ssize_t k = read_full(r, h, sizeof h);
  if (k != (ssize_t)sizeof h) return k;
  m->seq = wm__get32(h) | (uint64_t)wm__get32(h + 4) << 32;
  m->dropped = wm__get32(h + 8);
  m->len = wm__get32(h + 12);
  CHECK(m->len <= FRAME_MAX);
  if (m->len) CHECK_EQ(read_full(r, rbuf, m->len), m->len);
  return 1;
}

/* expect_len checks that the next record is frame seq of len bytes, with
 * dropped frames missed just before it. */
static void expect_len(wm_pipe r, uint64_t seq, uint32_t dropped, size_t len) {
  rec m;
  CHECK_EQ(next_rec(r, &m), 1);
  CHECK_EQ(m.seq, seq);
  CHECK_EQ(m.dropped, dropped);
  CHECK_EQ(m.len, len);
  for (size_t i = 0; i < len; i++)
    if (rbuf[i] != byte_of(seq, i)) CHECK(!"frame corrupted");
}

static void expect(wm_pipe r, uint64_t seq, uint32_t dropped) {
  expect_len(r, seq, dropped, len_of(seq));
}

static void expect_range(wm_pipe r, uint64_t from, uint64_t to) {
  for (uint64_t s = from; s <= to; s++) expect(r, s, 0);
}

/* expect_end checks that the records are over for now: end is 0 (EOF) or
 * the error the subscription ended with, or WM_ETIMEDOUT for "none yet". */
static void expect_end(wm_pipe r, ssize_t end) {
  rec m;
  CHECK_EQ(next_rec(r, &m), end);
}

/* ---- subscribers ---- */

typedef struct sub {
  wm_pipe r;
  wm_call c;
} sub;

/* join subscribes here and runs the subscriber's call, which is when it
 * attaches to the topic. */
static sub join(const char *name, int policy, uint32_t queue) {
  sub s;
  CHECK_EQ(wm_subscribe(name, WM_HERE, policy, queue, &s.r, &s.c), 0);
  stub_run();
  return s;
}

/* finish checks how a subscription ended and closes its pipe. */
static void finish(sub s, int rc) {
  CHECK_EQ(wm_wait(s.c, 0), rc);
  CHECK_EQ(wm_close(s.r), 0);
}

static uint32_t running(void) {
  wm_stats s;
  CHECK_EQ(wm_get_stats(&s), 0);
  return s.running;
}

/* A publisher job, so that a publish can block while the test reads. */
static wm_topic g_topic;
static uint64_t g_seq;
static size_t g_len;
static int64_t g_deadline;

static int publisher(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  return publish_len(g_topic, g_seq, g_len, g_deadline);
}
WM_EXPORT(publisher)

static wm_call go_publish(wm_topic t, uint64_t seq, size_t len,
                          int64_t deadline) {
  g_topic = t;
  g_seq = seq;
  g_len = len;
  g_deadline = deadline;
  wm_call c;
  CHECK_EQ(wm_go(WM_PIPE_NONE, WM_PIPE_NONE, publisher, &here, &c), 0);
  stub_run();
  return c;
}

/* ---- without fibers ---- */

static void make_and_close(void) {
  wm_topic t, u, v;
  char name[65];
  memset(name, 'n', 64);
  name[64] = 0;
  CHECK_EQ(wm_topic_make("news", &t), 0);
  CHECK(t.id != 0);
  CHECK_EQ(wm_topic_make("news", &u), WM_EINVAL); /* taken */
  CHECK_EQ(wm_topic_make(NULL, &u), WM_EINVAL);
  CHECK_EQ(wm_topic_make("", &u), WM_EINVAL);
  CHECK_EQ(wm_topic_make("other", NULL), WM_EINVAL);
  CHECK_EQ(wm_topic_make(name, &u), WM_EINVAL); /* 64 bytes: one too many */
  name[63] = 0;
  CHECK_EQ(wm_topic_make(name, &u), 0); /* 63: the longest */
  CHECK(u.id != t.id);
  CHECK_EQ(wm_topic_make("news2", &v), 0); /* a prefix is another name */
  CHECK_EQ(wm_topic_close(t), 0);
  CHECK_EQ(wm_topic_close(t), WM_EBADF);
  CHECK_EQ(wm_publish(t, "x", 1, 0), WM_EBADF);
  /* The name is free again, and the stale handle does not name the new
   * topic. */
  wm_topic t2;
  CHECK_EQ(wm_topic_make("news", &t2), 0);
  CHECK(t2.id != t.id);
  CHECK_EQ(wm_publish(t, "x", 1, 0), WM_EBADF);
  CHECK_EQ(wm_topic_close(t), WM_EBADF);
  CHECK_EQ(wm_topic_close(t2), 0);
  CHECK_EQ(wm_topic_close(u), 0);
  CHECK_EQ(wm_topic_close(v), 0);
  CHECK_EQ(wm_topic_close((wm_topic){0}), WM_EBADF);
  CHECK_EQ(wm_publish((wm_topic){0}, "x", 1, 0), WM_EBADF);
}

/* A topic publishes whether or not anyone listens, and never blocks then;
 * the frames it made are freed at once (the leak checker sees to it). */
static void publish_no_subscribers(void) {
  wm_topic t;
  CHECK_EQ(wm_topic_make("quiet", &t), 0);
  CHECK_EQ(publish(t, 1), 0);
  CHECK_EQ(wm_publish(t, NULL, 0, 0), 0); /* an empty frame */
  CHECK_EQ(publish_len(t, 3, FRAME_MAX, -1), 0);
  CHECK_EQ(publish_len(t, 4, FRAME_MAX + 1, 0), WM_EINVAL);
  CHECK_EQ(wm_publish(t, NULL, 1, 0), WM_EINVAL);
  CHECK_EQ(wm_topic_close(t), 0);
}

/* What wm_subscribe refuses leaves nothing behind (check_clean: no pipe). */
static void subscribe_bad_args(void) {
  char name[65];
  memset(name, 'n', 64);
  name[64] = 0;
  wm_pipe r = {0};
  wm_call c = {0};
  CHECK_EQ(wm_subscribe(NULL, WM_HERE, WM_SUB_DROP, 4, &r, &c), WM_EINVAL);
  CHECK_EQ(wm_subscribe(name, WM_HERE, WM_SUB_DROP, 4, &r, &c), WM_EINVAL);
  CHECK_EQ(wm_subscribe("t", WM_HERE, -1, 4, &r, &c), WM_EINVAL);
  CHECK_EQ(wm_subscribe("t", WM_HERE, 3, 4, &r, &c), WM_EINVAL);
  CHECK_EQ(wm_subscribe("t", WM_HERE, WM_SUB_DROP, 0, &r, &c), WM_EINVAL);
  CHECK_EQ(wm_subscribe("t", WM_HERE, WM_SUB_DROP, 65537, &r, &c), WM_EINVAL);
  CHECK_EQ(wm_subscribe("t", WM_HERE, WM_SUB_DROP, 4, NULL, &c), WM_EINVAL);
  CHECK_EQ(wm_subscribe("t", WM_HERE, WM_SUB_DROP, 4, &r, NULL), WM_EINVAL);
  /* Refused by wm_go, after the pipes were made: they are closed. */
  CHECK_EQ(wm_subscribe("t", -5, WM_SUB_DROP, 4, &r, &c), WM_EINVAL);
  CHECK_EQ(wm_subscribe("t", 0, WM_SUB_DROP, 4, &r, &c), WM_EINVAL);
  CHECK_EQ(r.id, 0);
  CHECK_EQ(c.id, 0);
}

/* ---- subscribers ---- */

static void subscribe_unknown(void) {
  sub s = join("nobody", WM_SUB_BLOCK, 4);
  expect_end(s.r, WM_ENOENT);
  finish(s, WM_ENOENT);
  /* A closed topic is no topic. */
  wm_topic t;
  CHECK_EQ(wm_topic_make("gone", &t), 0);
  CHECK_EQ(wm_topic_close(t), 0);
  s = join("gone", WM_SUB_DROP, 4);
  expect_end(s.r, WM_ENOENT);
  finish(s, WM_ENOENT);
}

/* Subscribers join and leave while the topic publishes; each gets every
 * frame from when it joined, in order, and nothing else. No one is slow
 * here, so the three policies all behave alike. */
static void join_and_leave(void) {
  char longest[64];
  memset(longest, 'f', 63);
  longest[63] = 0;
  wm_topic t;
  CHECK_EQ(wm_topic_make(longest, &t), 0);
  publish_range(t, 1, 2); /* before anyone listens */
  sub a = join(longest, WM_SUB_BLOCK, 8);
  publish_range(t, 3, 5);
  sub b = join(longest, WM_SUB_DROP, 8);
  publish_range(t, 6, 7);
  CHECK_EQ(publish_len(t, 8, 0, 0), 0); /* an empty frame is a record too */
  expect_range(a.r, 3, 7);
  expect_len(a.r, 8, 0, 0);
  expect_end(a.r, WM_ETIMEDOUT);
  expect_range(b.r, 6, 7);
  expect_len(b.r, 8, 0, 0);
  /* a leaves by closing its pipe: the topic notices at the next frame. */
  CHECK_EQ(wm_close(a.r), 0);
  sub c = join(longest, WM_SUB_DISCONNECT, 8);
  CHECK_EQ(running(), 3);
  publish_range(t, 9, 9);
  stub_run();
  CHECK_EQ(running(), 2);
  CHECK_EQ(wm_wait(a.c, 0), 0); /* leaving is not an error */
  publish_range(t, 10, 12);
  expect_range(b.r, 9, 12);
  expect_range(c.r, 9, 12);
  CHECK_EQ(wm_topic_close(t), 0);
  expect_end(b.r, 0);
  expect_end(c.r, 0);
  finish(b, 0);
  finish(c, 0);
}

/* Under WM_SUB_DROP a slow subscriber keeps the newest frames, and the next
 * record it gets says how many it missed, so that every gap in seq is
 * accounted for exactly. Not running the scheduler keeps it slow; all, with
 * room for everything, sees every frame meanwhile. */
static void drop_counts_missed(void) {
  wm_topic t;
  CHECK_EQ(wm_topic_make("lossy", &t), 0);
  sub d = join("lossy", WM_SUB_DROP, 3);
  sub all = join("lossy", WM_SUB_DROP, 64);
  publish_range(t, 1, 10);
  expect(d.r, 8, 7);
  expect_range(d.r, 9, 10);
  expect_end(d.r, WM_ETIMEDOUT);
  publish_range(t, 11, 13); /* exactly a queue: nothing missed */
  expect_range(d.r, 11, 13);
  publish_range(t, 14, 18);
  expect(d.r, 16, 2);
  expect_range(d.r, 17, 18);
  /* Frames missed just before the topic ends are reported too. */
  publish_range(t, 19, 23);
  CHECK_EQ(wm_topic_close(t), 0);
  expect(d.r, 21, 2);
  expect_range(d.r, 22, 23);
  expect_end(d.r, 0);
  expect_range(all.r, 1, 23);
  expect_end(all.r, 0);
  finish(d, 0);
  finish(all, 0);
}

/* Under WM_SUB_DISCONNECT a subscriber whose queue is full when a frame
 * comes is dropped: its pipe ends with WM_EOVERFLOW after what it was sent
 * (what was still queued is lost), and its call ends so too. Joining again
 * is a fresh start. */
static void disconnect_overflow(void) {
  wm_topic t;
  CHECK_EQ(wm_topic_make("strict", &t), 0);
  sub x = join("strict", WM_SUB_DISCONNECT, 2);
  sub all = join("strict", WM_SUB_BLOCK, 16);
  publish_range(t, 1, 1);
  stub_run();
  publish_range(t, 2, 4); /* 2 and 3 fill x's queue; 4 overflows it */
  CHECK_EQ(running(), 2);
  expect(x.r, 1, 0);
  expect_end(x.r, WM_EOVERFLOW);
  finish(x, WM_EOVERFLOW);
  CHECK_EQ(running(), 1);
  publish_range(t, 5, 5);
  x = join("strict", WM_SUB_DISCONNECT, 2);
  publish_range(t, 6, 7);
  expect_range(x.r, 6, 7);
  expect_range(all.r, 1, 7);
  CHECK_EQ(wm_topic_close(t), 0);
  expect_end(x.r, 0);
  expect_end(all.r, 0);
  finish(x, 0);
  finish(all, 0);
}

/* A record of QREC bytes: four fill a pipe's window exactly. */
#define QREC (WM__DEFAULT_WINDOW / 4)
#define QLEN (QREC - 16)

/* fill publishes frames of QLEN bytes from seq 1, running the scheduler
 * between them, until a publish cannot go on even after a run: the BLOCK
 * subscriber (queue 2, its pipe never read) is then as full as it gets:
 * four records fill its pipe's window, a fifth frame is out of its queue
 * waiting for room, and two more are queued. It returns how many were
 * published. */
static uint64_t fill(wm_topic t) {
  uint64_t seq = 1;
  for (int stuck = 0; stuck < 2;) {
    int rc = publish_len(t, seq, QLEN, 0);
    if (rc == 0) {
      seq++;
      stuck = 0;
    } else {
      CHECK_EQ(rc, WM_ETIMEDOUT);
      stuck++;
      stub_run();
    }
  }
  return seq - 1;
}

/* publish_at_deadline runs in a fiber: its publish waits for the slow
 * subscriber until its deadline, and then publishes nothing. */
static void publish_at_deadline(void) {
  int64_t t0 = wm_now();
  CHECK_EQ(publish_len(g_topic, 8, QLEN, t0 + 50), WM_ETIMEDOUT);
  CHECK_EQ(wm_now(), t0 + 50);
}

/* Under WM_SUB_BLOCK the publisher waits for a slow subscriber: until its
 * deadline, until the subscriber reads, or until the topic closes. A DROP
 * subscriber as slow (same queue, pipe never read until the end) is left
 * behind meanwhile, and says by how much. */
static void block_holds_publisher(void) {
  wm_topic t;
  CHECK_EQ(wm_topic_make("steady", &t), 0);
  sub s = join("steady", WM_SUB_BLOCK, 2);
  sub d = join("steady", WM_SUB_DROP, 2);
  CHECK_EQ(fill(t), 4 + 1 + 2);
  g_topic = t;
  in_fiber(publish_at_deadline);
  /* A publish that may wait forever waits until s reads a record... */
  wm_call p = go_publish(t, 8, QLEN, -1);
  CHECK_EQ(wm_wait(p, 0), WM_ETIMEDOUT);
  expect_len(s.r, 1, 0, QLEN);
  stub_run();
  CHECK_EQ(wm_wait(p, 0), 0);
  /* ...or until the topic closes under it. */
  p = go_publish(t, 9, QLEN, -1);
  CHECK_EQ(wm_wait(p, 0), WM_ETIMEDOUT);
  CHECK_EQ(wm_topic_close(t), 0);
  stub_run();
  CHECK_EQ(wm_wait(p, 0), WM_EBADF);
  /* s got everything, and nothing of the publishes that failed; d, its
   * queue full when frame 8 came, lost 6 to it. */
  for (uint64_t seq = 2; seq <= 8; seq++) expect_len(s.r, seq, 0, QLEN);
  expect_end(s.r, 0);
  for (uint64_t seq = 1; seq <= 5; seq++) expect_len(d.r, seq, 0, QLEN);
  expect_len(d.r, 7, 1, QLEN);
  expect_len(d.r, 8, 0, QLEN);
  expect_end(d.r, 0);
  finish(s, 0);
  finish(d, 0);
}

/* A blocked publisher is released when the slow subscriber leaves. */
static void leave_releases_publisher(void) {
  wm_topic t;
  CHECK_EQ(wm_topic_make("steady", &t), 0);
  sub s = join("steady", WM_SUB_BLOCK, 2);
  CHECK_EQ(fill(t), 4 + 1 + 2);
  wm_call p = go_publish(t, 8, QLEN, -1);
  CHECK_EQ(wm_wait(p, 0), WM_ETIMEDOUT);
  CHECK_EQ(wm_close(s.r), 0);
  stub_run();
  CHECK_EQ(wm_wait(p, 0), 0);
  CHECK_EQ(wm_wait(s.c, 0), 0);
  CHECK_EQ(publish_len(t, 9, QLEN, 0), 0); /* to no one */
  CHECK_EQ(wm_topic_close(t), 0);
}

/* Closing a topic ends every subscriber with 0 once it has what was queued
 * for it, whatever its policy. The name is free at once. */
static void close_ends_subscribers(void) {
  wm_topic t, t2;
  CHECK_EQ(wm_topic_make("last", &t), 0);
  sub s[3];
  for (int i = 0; i < 3; i++) s[i] = join("last", i, 4);
  publish_range(t, 1, 1);
  stub_run();
  publish_range(t, 2, 4); /* queued, not yet sent */
  CHECK_EQ(wm_topic_close(t), 0);
  CHECK_EQ(wm_topic_make("last", &t2), 0);
  sub n = join("last", WM_SUB_BLOCK, 4);
  for (int i = 0; i < 3; i++) {
    expect_range(s[i].r, 1, 4);
    expect_end(s[i].r, 0);
    finish(s[i], 0);
  }
  publish_range(t2, 1, 1);
  expect_range(n.r, 1, 1); /* the old topic's frames never reach it */
  CHECK_EQ(wm_topic_close(t2), 0);
  expect_end(n.r, 0);
  finish(n, 0);
}

/* A cancelled subscription leaves the topic and ends with the reason. */
static void subscription_cancelled(void) {
  wm_topic t;
  CHECK_EQ(wm_topic_make("calm", &t), 0);
  sub a = join("calm", WM_SUB_BLOCK, 2);
  sub b = join("calm", WM_SUB_BLOCK, 2);
  publish_range(t, 1, 1);
  expect(a.r, 1, 0);
  CHECK_EQ(wm_cancel(a.c), 0);
  stub_run();
  expect_end(a.r, WM_ECANCELED);
  finish(a, WM_ECANCELED);
  CHECK_EQ(running(), 1);
  /* Only b's queue can hold up a publisher now. */
  publish_range(t, 2, 3);
  CHECK_EQ(publish(t, 4), WM_ETIMEDOUT);
  expect_range(b.r, 1, 3);
  CHECK_EQ(wm_topic_close(t), 0);
  expect_end(b.r, 0);
  finish(b, 0);
}

/* One frame to many subscribers is shared, not copied: each queue holds a
 * reference, given up when the record has been written, when a DROP
 * subscriber drops it, when a DISCONNECT subscriber is dropped, or when a
 * subscriber leaves; the last one frees it. ASan and its leak checker see
 * that each frame is freed, and only once. Nothing runs until the reads,
 * so every queue fills as published. */
static void shared_frames_freed_once(void) {
  wm_topic t;
  CHECK_EQ(wm_topic_make("big", &t), 0);
  sub b = join("big", WM_SUB_BLOCK, 4);
  sub d = join("big", WM_SUB_DROP, 1);
  sub x = join("big", WM_SUB_DISCONNECT, 1);
  sub l = join("big", WM_SUB_DROP, 2);
  CHECK_EQ(publish_len(t, 1, FRAME_MAX, 0), 0);
  CHECK_EQ(publish_len(t, 2, FRAME_MAX, 0), 0); /* d drops 1; x is out */
  CHECK_EQ(wm_close(l.r), 0);                   /* l leaves with 1 and 2 */
  CHECK_EQ(publish_len(t, 3, 5, 0), 0);         /* d drops 2, l drops 1 */
  CHECK_EQ(wm_topic_close(t), 0);
  expect_len(b.r, 1, 0, FRAME_MAX);
  expect_len(b.r, 2, 0, FRAME_MAX);
  expect_len(b.r, 3, 0, 5);
  expect_end(b.r, 0);
  finish(b, 0);
  expect_len(d.r, 3, 2, 5);
  expect_end(d.r, 0);
  finish(d, 0);
  expect_end(x.r, WM_EOVERFLOW);
  finish(x, WM_EOVERFLOW);
  CHECK_EQ(wm_wait(l.c, 0), 0);
}

/* A topic made inside a job is that job's: another job, or code outside
 * any job, gets WM_EBADF from publish and close; subscribing goes by name
 * and is anyone's. */
static wm_topic g_mine;
static wm_pipe gate_r, gate_w;

static int maker(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  CHECK_EQ(wm_topic_make("owned", &g_mine), 0);
  char b;
  CHECK_EQ(wm_read(gate_r, &b, 1, -1), 1);
  CHECK_EQ(publish(g_mine, 1), 0);
  return wm_topic_close(g_mine);
}
WM_EXPORT(maker)

static int other_job(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  CHECK_EQ(wm_publish(g_mine, "x", 1, 0), WM_EBADF);
  CHECK_EQ(wm_topic_close(g_mine), WM_EBADF);
  return 0;
}
WM_EXPORT(other_job)

static void topic_belongs_to_job(void) {
  CHECK_EQ(wm_pipe_make(&gate_r, &gate_w), 0);
  wm_call m, o;
  CHECK_EQ(wm_go(WM_PIPE_NONE, WM_PIPE_NONE, maker, &here, &m), 0);
  stub_run();
  sub s = join("owned", WM_SUB_DROP, 4);
  CHECK_EQ(wm_publish(g_mine, "x", 1, 0), WM_EBADF);
  CHECK_EQ(wm_topic_close(g_mine), WM_EBADF);
  CHECK_EQ(wm_go(WM_PIPE_NONE, WM_PIPE_NONE, other_job, &here, &o), 0);
  stub_run();
  CHECK_EQ(wm_wait(o, 0), 0);
  CHECK_EQ(wm_write(gate_w, "!", 1, 0), 0);
  stub_run();
  CHECK_EQ(wm_wait(m, 0), 0);
  expect_range(s.r, 1, 1);
  expect_end(s.r, 0);
  finish(s, 0);
  CHECK_EQ(wm_close(gate_r), 0);
  CHECK_EQ(wm_close(gate_w), 0);
}

/* ---- out of memory ---- */

/* With 0 to 64 topics held, wm_topic_make meets its table at each point
 * of its growth, so that the growth's allocations fail too, whatever the
 * table's size when this case starts. */
static void make_nomem_with(void (*arm)(long)) {
  wm_topic held[64];
  for (int n = 0; n <= 64; n++) {
    for (long k = 0;; k++) {
      wm_topic t;
      arm(k);
      int rc = wm_topic_make("scarce", &t);
      int hit = failalloc_disarm();
      if (rc) {
        /* Not made, and the name not taken: the loop ends with a make of
         * the same name that succeeds. Making it here to see would grow
         * the table unarmed, and hide the growth's failures. */
        CHECK_EQ(rc, WM_ENOMEM);
        continue;
      }
      CHECK_EQ(wm_topic_close(t), 0);
      if (!hit) break;
    }
    if (n < 64) {
      char name[16];
      name[0] = 'h';
      name[1] = (char)('0' + n / 10);
      name[2] = (char)('0' + n % 10);
      name[3] = 0;
      CHECK_EQ(wm_topic_make(name, &held[n]), 0);
    }
  }
  for (int n = 0; n < 64; n++) CHECK_EQ(wm_topic_close(held[n]), 0);
}

static void topic_make_nomem(void) {
  make_nomem_with(failalloc_arm);
  make_nomem_with(failalloc_arm_one);
}

static void publish_nomem_quiet(void) {
  wm_topic t;
  CHECK_EQ(wm_topic_make("quiet", &t), 0);
  failalloc_arm(0);
  int rc = publish(t, 1);
  CHECK(failalloc_disarm());
  CHECK_EQ(rc, WM_ENOMEM);
  CHECK_EQ(wm_topic_close(t), 0);
}

/* A publish that fails publishes nothing: no seq is spent, no subscriber
 * is dropped or loses a frame, and what was made is freed. */
static void publish_nomem_with(void (*arm)(long)) {
  wm_topic t;
  CHECK_EQ(wm_topic_make("scarce", &t), 0);
  /* The BLOCK subscriber has room for one more frame, the others none:
   * frame 3 must drop one from s[1] and overflow s[2], once. */
  sub s[3];
  for (int i = 0; i < 3; i++) s[i] = join("scarce", i, i == 0 ? 3 : 2);
  publish_range(t, 1, 2);
  for (long k = 0;; k++) {
    arm(k);
    int rc = publish(t, 3);
    int hit = failalloc_disarm();
    if (!rc) break;
    CHECK_EQ(rc, WM_ENOMEM);
    CHECK(hit);
    CHECK_EQ(running(), 3); /* the DISCONNECT one is still there */
  }
  expect_range(s[0].r, 1, 3);
  expect(s[1].r, 2, 1);
  expect(s[1].r, 3, 0);
  expect_end(s[2].r, WM_EOVERFLOW);
  finish(s[2], WM_EOVERFLOW);
  CHECK_EQ(wm_topic_close(t), 0);
  for (int i = 0; i < 2; i++) {
    expect_end(s[i].r, 0);
    finish(s[i], 0);
  }
}

static void publish_nomem(void) {
  publish_nomem_with(failalloc_arm);
  publish_nomem_with(failalloc_arm_one);
}

/* subscribe_nomem_with fails each allocation of wm_subscribe in turn: it
 * returns WM_ENOMEM with nothing made, or the subscription works. */
static void subscribe_nomem_with(void (*arm)(long)) {
  wm_topic t;
  CHECK_EQ(wm_topic_make("scarce", &t), 0);
  /* A spare fiber in the pool, so that wm_go does not need to make one
   * (that failure is call.c's; see service_test.c). */
  sub w = join("scarce", WM_SUB_DROP, 4);
  CHECK_EQ(wm_cancel(w.c), 0);
  stub_run();
  finish(w, WM_ECANCELED);
  uint64_t seq = 1;
  for (long k = 0;; k++) {
    sub s = {{0}, {0}};
    arm(k);
    int rc = wm_subscribe("scarce", WM_HERE, WM_SUB_DROP, 4, &s.r, &s.c);
    int hit = failalloc_disarm();
    if (rc) {
      CHECK_EQ(rc, WM_ENOMEM);
      CHECK_EQ(s.r.id, 0);
    } else {
      stub_run();
      CHECK_EQ(publish(t, seq), 0);
      expect(s.r, seq, 0);
      seq++;
      CHECK_EQ(wm_cancel(s.c), 0);
      stub_run();
      expect_end(s.r, WM_ECANCELED);
      finish(s, WM_ECANCELED);
    }
    if (!hit) break;
  }
  CHECK_EQ(wm_topic_close(t), 0);
}

static void subscribe_nomem(void) { subscribe_nomem_with(failalloc_arm); }

/* ---- regressions ---- */

/* Regression (topic.c, wm_subscribe), fixed: the request was written into
 * a new local pipe with the results ignored ("a new local pipe has room
 * for the request"); it has room, but its buffer is allocated on the first
 * write. If that allocation alone failed, the name still went through, the
 * request was cut, and wm_subscribe returned 0 for a subscription that
 * ended with WM_EINVAL: the caller could not tell "out of memory" from a
 * bad request. (A cascade of failures is caught by wm_go failing next,
 * which is why subscribe_nomem passed.) */
static void subscribe_nomem_one(void) {
  subscribe_nomem_with(failalloc_arm_one);
}

/* Regression (topic.c, with call.c's sweep at a job's end), fixed: a topic
 * made by a function that returned without closing it was left for good.
 * wmesh.h says the handle is that function's alone, so no one could
 * publish to it or close it any more (WM_EBADF); its name stayed taken
 * (wm_topic_make: WM_EINVAL), and its subscribers waited forever. The
 * runtime closes the pipes and cancels the calls a function leaves, and
 * now closes its topics the same way. */
static int leaver(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  wm_topic t;
  CHECK_EQ(wm_topic_make("orphan", &t), 0);
  char b;
  CHECK_EQ(wm_read(gate_r, &b, 1, -1), 1);
  return 0;
}
WM_EXPORT(leaver)

static void topic_left_open_by_job(void) {
  CHECK_EQ(wm_pipe_make(&gate_r, &gate_w), 0);
  wm_call m;
  CHECK_EQ(wm_go(WM_PIPE_NONE, WM_PIPE_NONE, leaver, &here, &m), 0);
  stub_run();
  sub s = join("orphan", WM_SUB_DROP, 4);
  CHECK_EQ(wm_write(gate_w, "!", 1, 0), 0);
  stub_run();
  CHECK_EQ(wm_wait(m, 0), 0);
  CHECK_EQ(wm_close(gate_r), 0);
  CHECK_EQ(wm_close(gate_w), 0);
  wm_topic t;
  CHECK_EQ(wm_topic_make("orphan", &t), 0);
  CHECK_EQ(wm_topic_close(t), 0);
  expect_end(s.r, 0);
  finish(s, 0);
}

int main(int argc, char **argv) {
  static const test_case t[] = {
      TEST(make_and_close, 0),
      TEST(publish_no_subscribers, 0),
      TEST(subscribe_bad_args, 0),
      TEST(subscribe_unknown, T_FIBER),
      TEST(join_and_leave, T_FIBER),
      TEST(drop_counts_missed, T_FIBER),
      TEST(disconnect_overflow, T_FIBER),
      TEST(block_holds_publisher, T_FIBER),
      TEST(leave_releases_publisher, T_FIBER),
      TEST(close_ends_subscribers, T_FIBER),
      TEST(subscription_cancelled, T_FIBER),
      TEST(shared_frames_freed_once, T_FIBER),
      TEST(topic_belongs_to_job, T_FIBER),
      TEST(topic_make_nomem, T_FAILALLOC),
      TEST(publish_nomem_quiet, T_FAILALLOC),
      TEST(publish_nomem, T_FIBER | T_FAILALLOC),
      TEST(subscribe_nomem, T_FIBER | T_FAILALLOC),
      TEST(subscribe_nomem_one, T_FIBER | T_FAILALLOC),
      TEST(topic_left_open_by_job, T_FIBER),
  };
  return test_main(argc, argv, t, sizeof t / sizeof t[0]);
}
