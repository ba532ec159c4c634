/*
 * wmesh.h: the one public header of wmesh, a worker-mesh RPC runtime for
 * WebAssembly.
 *
 * The same compiled module runs on the main thread and in every worker. A
 * function registered with WM_EXPORT can be run in any instance of the mesh by
 * handing its table index and its pipe ends to that instance. Functions are
 * plain blocking C; each call runs in its own fiber, and a blocking call parks
 * only that fiber, never the event loop.
 *
 * Conventions, as in libdill and nng:
 *  - Handles are small typed structs holding an id; id 0 is "none". A
 *    closed handle stays closed: its id is not given to another object
 *    until about two billion more handles of its kind have been made in that
 *    instance, so a stale handle gets WM_EBADF, never someone else's object.
 *  - Errors are negative int codes (WM_E*), described by wm_strerror().
 *  - Deadlines are absolute milliseconds on the wm_now() clock, shared by all
 *    instances of a mesh; -1 means forever and 0 means "do not block".
 *  - Ownership of a handle moves only when a call succeeds. A call that
 *    returns an error leaves every handle it was given as it was.
 *  - Blocking functions may only block inside a fiber (a remote function, a
 *    function started with WM_HERE, or anything they call). Outside a fiber
 *    they return WM_ENOTFIBER unless the deadline is 0.
 */
#ifndef WMESH_H
#define WMESH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* WM_ERRNO_MAP lists the runtime's error codes, their values and their
 * descriptions (what wm_strerror returns), once: the enum below, the table
 * in src/core/errors.c and the JS side's table (js/errors.js, checked
 * against this list by tests/node/contract.test.mjs) all come from it. The
 * runtime's own codes lie in [-99, -1]; a registered function may return
 * any other value as its own result code. */
#define WM_ERRNO_MAP(X)                                                        \
  X(EINVAL, -1, "invalid argument")                                            \
  X(EBADF, -2, "not a live handle")                                            \
  X(EPERM, -3, "wrong pipe end for this operation")                            \
  X(EPIPE, -4, "the reading end of the pipe is gone")                          \
  X(ETIMEDOUT, -5, "deadline passed")                                          \
  X(ECANCELED, -6, "call cancelled")                                           \
  X(ENOFN, -7, "function not registered as exportable")                        \
  X(ENOMEM, -8, "out of memory")                                               \
  X(EBUSY, -9, "call queue full")                                              \
  X(EDIED, -10, "worker died")                                                 \
  X(EPROTO, -11, "malformed or forged message refused")                        \
  X(ENOTFIBER, -12, "would block outside a fiber")                             \
  X(ECLOSED, -13, "mesh is shutting down")                                     \
  X(EEARLY, -14, "service ended before it was ready")                          \
  X(EOVERFLOW, -15, "subscriber fell too far behind")                          \
  X(ENOENT, -16, "no such topic")                                              \
  X(ENOWORKER, -17, "no worker is alive to run the call")                      \
  X(EINPUT, -18, "the call's input failed")                                    \
  X(ENOPIPE, -19, "no such pipe: the call was made without it")

/* The error codes: WM_OK, then WM_EINVAL and the rest of WM_ERRNO_MAP, and
 * WM_ERRMAX, one past the last. */
#define WM__ERRNO_ENUM(name, value, text) WM_##name = value,
enum {
  WM_OK = 0,
  WM_ERRNO_MAP(WM__ERRNO_ENUM) WM_ERRMAX = -20
};
#undef WM__ERRNO_ENUM

/* wm_pipe is one end of a pipe: the reading end or the writing end. */
typedef struct wm_pipe {
  uint32_t id;
} wm_pipe;

/* wm_call is a call in flight, made by wm_go or wm_chain. */
typedef struct wm_call {
  uint32_t id;
} wm_call;

/* WM_PIPE_NONE stands for "no pipe" wherever a pipe end is accepted. */
#define WM_PIPE_NONE ((wm_pipe){0})

/* wm_fn is the signature of a function that can run anywhere in the mesh. It
 * owns both pipe ends for the duration of the call. When it returns, the
 * runtime closes what it left open: the output with EOF (or with the result
 * as the error, if the result is negative), the input, every pipe end the
 * function made and still holds, and it cancels the calls it made and did
 * not wait for. It returns 0 on success, or an error code of its own.
 *
 * It runs on a fiber's stack of 128 KiB. A function that needs more (deep
 * recursion, a large local array) kills the instance it runs in, as a trap
 * does: on a worker, every call running there fails with WM_EDIED and the
 * worker is replaced. Put large buffers on the heap. */
typedef int (*wm_fn)(wm_pipe in, wm_pipe out);

/* wm_register makes fn callable from other instances under name. WM_EXPORT
 * calls it before main() runs, so every instance of the same binary has the
 * same registry. It returns WM_EINVAL for a NULL argument, WM_ENOMEM when the
 * registry cannot grow; registering the same function twice is harmless. */
int wm_register(const char *name, wm_fn fn);

/* WM_EXPORT(fn) registers fn under its own name. Only registered functions
 * are ever called on behalf of a message: an index that was not registered is
 * refused with WM_ENOFN and never called. A fn whose type is not wm_fn's
 * is a compile error (in C, a static assertion; in C++, the conversion),
 * with or without -Werror.
 *
 * The name is stored behind the marker "wm:export:", so that tools can list
 * a module's functions from its .wasm alone: cmake/wmesh.cmake writes them
 * as a TypeScript declaration beside the module (<module>.d.ts). */
#ifdef __cplusplus
#define WM__CHECK_FN(fn)
#define WM__AS_FN(fn) fn
#else
#define WM__CHECK_FN(fn)                                                       \
  _Static_assert(__builtin_types_compatible_p(__typeof__(&(fn)), wm_fn),       \
                 "WM_EXPORT(" #fn "): " #fn " must be int " #fn                \
                 "(wm_pipe in, wm_pipe out)");
#define WM__AS_FN(fn) ((wm_fn)(fn)) /* checked just above */
#endif
#define WM_EXPORT(fn) WM_EXPORT_AS(#fn, fn)

/* WM_EXPORT_AS(name, fn) registers fn under name, a string literal: for a
 * function whose C name is not the one callers should use. */
#define WM_EXPORT_AS(name, fn)                                                 \
  WM__CHECK_FN(fn)                                                             \
  __attribute__((constructor)) static void wm__export_##fn(void) {             \
    wm_register(&("wm:export:" name)[10], WM__AS_FN(fn));                      \
  }

/* wm_lookup returns the registered function with that name, or NULL. */
wm_fn wm_lookup(const char *name);

/* wm_now returns the current time in milliseconds. Its origin is the Unix
 * epoch, so deadlines computed in one instance mean the same in another. */
int64_t wm_now(void);

/* wm_strerror returns a static English description of an error code; any
 * other value yields "unknown error". */
const char *wm_strerror(int err);

/* ---- Pipes ---------------------------------------------------------------
 *
 * A pipe is an ordered byte stream with flow control. While both ends are in
 * one instance it is an in-memory buffer. Handing an end to a call moves it to
 * the instance that runs the call, and the two ends then talk over a
 * MessagePort. EOF and errors reach the reader after all the data. */

/* wm_pipe_make creates a pipe and stores its reading end in *r and its
 * writing end in *w. Both are owned by the caller, who must close each or
 * hand it to a call. Returns WM_EINVAL for NULL arguments or WM_ENOMEM.
 *
 * Handles belong to the function that made them (or was handed them): any
 * other function running in the same instance that learns a pipe end's,
 * call's or topic's id gets WM_EBADF from every operation on it. */
int wm_pipe_make(wm_pipe *r, wm_pipe *w);

/* wm_read reads up to n bytes into buf. It blocks until at least one byte is
 * there, then returns how many it copied. It returns 0 at EOF, the writer's
 * error after wm_close_error, WM_ETIMEDOUT when the deadline passes first,
 * WM_ENOPIPE for WM_PIPE_NONE (a call made without input), WM_EBADF for a
 * handle that is not open, WM_EPERM for a writing end. */
ssize_t wm_read(wm_pipe p, void *buf, size_t n, int64_t deadline);

/* wm_write writes all n bytes, blocking while the pipe's window is full. It
 * returns 0 when every byte has been queued, WM_EPIPE when the reader has gone
 * (some bytes may have been lost with it), WM_ETIMEDOUT when the deadline
 * passes (a prefix of buf may have been written), WM_ENOPIPE for
 * WM_PIPE_NONE (a call made without output: JS `output: false`), WM_EBADF or
 * WM_EPERM for a bad or wrong end. A zero-length write returns 0 at once. */
int wm_write(wm_pipe p, const void *buf, size_t n, int64_t deadline);

/* wm_close closes a pipe end and frees its handle. Closing the writing end
 * lets the reader see EOF after the data; closing the reading end makes later
 * writes fail with WM_EPIPE. Returns WM_EBADF if p is not open. */
int wm_close(wm_pipe p);

/* wm_close_error closes the writing end so that the reader, after the data,
 * reads err (a negative code) instead of EOF. Returns WM_EINVAL if err is not
 * negative, WM_EPERM for a reading end, WM_EBADF if p is not open. */
int wm_close_error(wm_pipe p, int err);

/* Zero-copy access. A filter can read a pipe's bytes where they lie and
 * write its output where it will be sent from, instead of copying through
 * a buffer of its own:
 *
 *   const void *src;
 *   ssize_t n = wm_read_borrow(in, &src, deadline);   // n > 0: n bytes
 *   void *dst;
 *   ssize_t k = wm_write_reserve(out, &dst, deadline); // k > 0: room
 *   size_t m = n < k ? n : k;
 *   transform(dst, src, m);
 *   wm_write_commit(out, m);
 *   wm_read_commit(in, m);
 *
 * A slice stays valid until its commit, or until anything else is done
 * with the same end (a read, a write, another borrow or reserve, a close,
 * handing it to a call), which cancels it: its commit then returns
 * WM_EINVAL, or WM_EBADF once the handle is gone. A borrow and a
 * reservation on different ends may be held together, also across
 * blocking calls. */

/* wm_read_borrow lends the next bytes of reading end p where they lie,
 * without copying: it blocks until at least one byte is there, stores
 * their address in *buf and returns how many lie there in one piece (that
 * may be fewer than are buffered; commit and borrow again for the rest).
 * The bytes stay the pipe's: read them, do not write them or free them.
 * Nothing is consumed until wm_read_commit. The first borrow on an end
 * sizes its buffer to the pipe's whole window (512 KiB by default), so
 * that what arrives meanwhile never moves the lent bytes. It returns 0 at
 * EOF and the errors of wm_read (*buf is then NULL), WM_EINVAL for a NULL
 * buf, WM_ENOMEM if the buffer cannot grow. */
ssize_t wm_read_borrow(wm_pipe p, const void **buf, int64_t deadline);

/* wm_read_commit consumes the first n bytes of the slice lent by the last
 * wm_read_borrow on p (n may be less than it lent; the rest will be lent
 * again) and ends the loan; n == 0 ends it consuming nothing. It never
 * blocks. Returns 0, WM_EINVAL if n is more than is lent (nothing is, once
 * the loan is cancelled or committed), WM_EBADF, WM_ENOPIPE or WM_EPERM as
 * wm_read. */
int wm_read_commit(wm_pipe p, size_t n);

/* wm_write_reserve reserves room at the end of writing end p's output,
 * blocking while the window is full: it stores the room's address in *buf
 * and returns its size, at least 1 and at most 64 KiB. Fill a prefix of it
 * and pass its length to wm_write_commit; the room belongs to the pipe,
 * not to the caller (do not free it). When the pipe crosses instances the
 * room is inside the chunk that is sent as it is, so a filter's output is
 * not copied again before it leaves; between two ends in one instance,
 * commit copies it into the reader's buffer once, as wm_write would. A
 * reservation on a local pipe is also cancelled when the reading end is
 * handed to a call. Returns WM_EPIPE, WM_ETIMEDOUT and the other errors of
 * wm_write, WM_EINVAL for a NULL buf (*buf is then NULL), WM_ENOMEM. */
ssize_t wm_write_reserve(wm_pipe p, void **buf, int64_t deadline);

/* wm_write_commit appends the first n bytes of the room reserved by the
 * last wm_write_reserve on p to the pipe, and ends the reservation; n == 0
 * ends it appending nothing. It never blocks: the bytes are queued, and
 * sent as wm_write's are. Returns 0, WM_EINVAL if n is more than is
 * reserved (nothing is, once the reservation is cancelled or committed),
 * WM_EPIPE if the reader has gone (the bytes are lost),
 * WM_ENOMEM (local pipe: its buffer could not grow; nothing appended),
 * WM_EBADF, WM_ENOPIPE or WM_EPERM as wm_write. */
int wm_write_commit(wm_pipe p, size_t n);

/* ---- Calls --------------------------------------------------------------- */

/* Where a call runs (wm_opts.where). */
enum {
  WM_ANY = -1, /* the least-loaded worker (the default) */
  WM_HERE = -2 /* a new fiber in the calling instance */
};

/* wm_opts are the options of one call; zero-initialise with WM_OPTS_INIT or
 * pass NULL for the defaults. */
typedef struct wm_opts {
  int64_t deadline; /* absolute, -1 (the default) for none: the call must
                       finish by then. One still queued fails with
                       WM_ETIMEDOUT; once it runs, its blocking calls return
                       WM_ETIMEDOUT from then on, as if it were cancelled */
  int where;        /* WM_ANY, WM_HERE, or a worker number from 1 */
  uint32_t window;  /* bytes in flight on pipes made by wm_chain; 0: the
                       default (512 KiB); else WM_MIN_WINDOW or more */
} wm_opts;

/* WM_MIN_WINDOW is the smallest window a call accepts (WM_EINVAL below
 * it): a smaller one would cost a round trip every few bytes. */
#define WM_MIN_WINDOW 1024u

#define WM_OPTS_INIT                                                           \
  { -1, WM_ANY, 0 }

/* wm_go runs fn(in, out) on another instance (see wm_opts.where). On success
 * it stores a handle in *c, takes ownership of in and out (either may be
 * WM_PIPE_NONE), and returns 0; the result comes from wm_wait. It fails
 * without taking anything with WM_ENOFN for an unregistered fn, WM_EBADF or
 * WM_EPERM for a bad end (in must be a reading end, out a writing end),
 * WM_EINVAL for NULL arguments. A call that cannot be placed (queue full,
 * deadline passed) still returns 0 and completes with that error.
 * A call made inside a running function never waits in the coordinator's
 * queue: with no room on any worker it runs past capacity on its caller's
 * worker (its parent lends it its slot), so that nesting cannot deadlock;
 * it fails with WM_EBUSY once as many such calls run as the queue holds. */
int wm_go(wm_pipe in, wm_pipe out, wm_fn fn, const wm_opts *o, wm_call *c);

/* wm_chain runs fns[0..n-1] (at most 4,096) as a pipeline: in feeds the first
 * stage, each stage's output feeds the next, and the last stage writes to out.
 * With more stages than workers, neighbouring stages share a worker and a local
 * pipe; pipes between workers join them directly. The chain's result is the
 * first non-zero stage result, or 0; a stage that fails cancels the others.
 * Ownership and errors are as for wm_go, and WM_EINVAL for n == 0. */
int wm_chain(wm_pipe in, wm_pipe out, const wm_fn *fns, size_t n,
             const wm_opts *o, wm_call *c);

/* wm_wait waits for a call to complete and returns its result: the
 * function's own return value, or a runtime error (WM_ENOFN, WM_EBUSY,
 * WM_ETIMEDOUT or WM_ECANCELED for a call that never started, WM_EDIED,
 * WM_ENOWORKER while no worker is alive to place it on).
 * When the function that made a call returns without waiting for it, the
 * call is cancelled and its handle freed. Once it has returned
 * the result, the handle is freed. If the deadline passes first it returns
 * WM_ETIMEDOUT and the handle stays valid. WM_EBADF for a bad handle. */
int wm_wait(wm_call c, int64_t deadline);

/* wm_cancel cancels a call and, through it, every call it made (calls made
 * inside a function are its children). A call still queued completes with
 * WM_ECANCELED; a running one has every blocking call return WM_ECANCELED
 * from then on, so that a well-behaved function returns soon; its result is
 * whatever it returns (usually WM_ECANCELED) and its output closes with that
 * error. Cancelling a chain cancels every stage. The handle stays valid:
 * wm_wait it as usual. Returns 0 (also for a call that has finished), or
 * WM_EBADF for a bad handle. A function that never blocks is not stopped. */
int wm_cancel(wm_call c);

/* ---- Services -------------------------------------------------------------
 *
 * A service is a long-running call: it starts, signals that it is ready,
 * serves until it is halted (or ends early, which wm_wait reports with its
 * result), and is halted with a grace deadline after which it is stopped by
 * force. */

/* wm_ready signals the caller of the running function that it is ready;
 * later calls do nothing. Returns 0, or WM_ENOTFIBER outside a function. */
int wm_ready(void);

/* wm_start starts fn like wm_go and waits until it is ready. On success
 * *c is the running service: halt it with wm_halt (or learn when it ends
 * with wm_wait; one that was ready and then ended has started too).
 * Otherwise the call is over and freed, nothing is taken if wm_go refused
 * it, and the result is the error: the function's own result if it ended
 * before it was ready (WM_EEARLY if that result was 0), or WM_ETIMEDOUT if
 * the deadline passed first (it was then halted, with one more second of
 * grace). A function that outlives that halt (one in this instance that
 * ignores it, which nothing can stop, or any when there is no fiber to
 * wait in) runs on, cancelled, until it returns; its handle is freed all
 * the same, and its result is dropped. */
int wm_start(wm_pipe in, wm_pipe out, wm_fn fn, const wm_opts *o, wm_call *c,
             int64_t deadline);

/* wm_halt cancels a call and waits for it to end until grace (an absolute
 * deadline); a call still running then is stopped by force by terminating
 * its worker (it fails with WM_EDIED; a call running in this instance
 * cannot be, and WM_ETIMEDOUT is returned with the handle still valid).
 * Otherwise it returns the call's result and frees the handle. */
int wm_halt(wm_call c, int64_t grace);

/* wm_service is one service of wm_start_all: a function and its ends. */
typedef struct wm_service {
  wm_fn fn;
  wm_pipe in, out;
} wm_service;

/* wm_start_all starts n services, one after another, each until ready, and
 * stores their calls in cs. If one fails to start, the ones already started
 * are halted (in reverse order, with grace until deadline plus a second)
 * and freed as by wm_start, the pipe ends of those not yet started are
 * closed, and its error is returned. Returns 0 when all are ready. */
int wm_start_all(const wm_service *svcs, size_t n, const wm_opts *o,
                 wm_call *cs, int64_t deadline);

/* wm_halt_all halts n services in reverse order, all with one grace
 * deadline, and returns the first non-zero result other than WM_ECANCELED
 * (a service halted while serving reports that), or 0. */
int wm_halt_all(wm_call *cs, size_t n, int64_t grace);

/* ---- Fan-out -------------------------------------------------------------
 *
 * A topic is a stream of frames that a producer publishes whether or not
 * anyone listens. Subscribers, in this instance or any other, join and leave
 * at any time and receive the frames published after they joined, in order,
 * as records on a pipe:
 *
 *   u64 seq | u32 dropped | u32 len | len bytes        (little-endian)
 *
 * seq counts the topic's frames from 1; dropped is how many frames this
 * subscriber missed just before this one (only under WM_SUB_DROP), so that
 * every gap in seq is reported exactly. */

/* wm_topic is a topic, in the instance that made it. */
typedef struct wm_topic {
  uint32_t id;
} wm_topic;

/* What happens when a subscriber's queue is full (wm_subscribe). */
enum {
  WM_SUB_BLOCK = 0,     /* the producer waits for it (backpressure) */
  WM_SUB_DROP = 1,      /* its oldest queued frame is dropped and counted */
  WM_SUB_DISCONNECT = 2 /* it is dropped: its pipe ends with WM_EOVERFLOW */
};

/* wm_topic_make makes a topic called name (at most 63 bytes) in this
 * instance. Returns WM_EINVAL for a bad or taken name, WM_ENOMEM. */
int wm_topic_make(const char *name, wm_topic *t);

/* wm_publish copies a frame of n bytes (at most 1 MiB) to every
 * subscriber's queue. It blocks only while a WM_SUB_BLOCK subscriber's
 * queue is full. Returns 0, WM_ETIMEDOUT (nothing was published),
 * WM_EBADF, WM_EINVAL, WM_ENOMEM. */
int wm_publish(wm_topic t, const void *frame, size_t n, int64_t deadline);

/* wm_topic_close ends a topic: each subscriber reads what is queued for it,
 * then EOF. The handle is freed. Returns WM_EBADF for a bad handle. */
int wm_topic_close(wm_topic t);

/* wm_subscribe subscribes to topic name in instance where (a worker number,
 * or WM_HERE), keeping at most queue frames (1 to 65536) for it, with a
 * policy for when it falls behind. Records arrive on *r; closing *r leaves
 * the topic (noticed at the next frame). *c is the subscription's call: it
 * ends with 0 at the topic's end, or with the reason it failed (WM_ENOENT
 * for no such topic, WM_EOVERFLOW); wm_wait it, or leave it to end with the
 * function that made it. Errors as for wm_go, and WM_EINVAL. */
int wm_subscribe(const char *name, int where, int policy, uint32_t queue,
                 wm_pipe *r, wm_call *c);

/* ---- Introspection ------------------------------------------------------- */

/* wm_stats counts what is alive in this instance. */
typedef struct wm_stats {
  uint32_t fibers;      /* fibers that exist (running, parked or pooled) */
  uint32_t fibers_busy; /* fibers running a function */
  uint32_t pipes;       /* pipe ends, including ones closing down */
  uint32_t calls;       /* calls made here and not yet waited for */
  uint32_t running;     /* calls executing in this instance */
  uint32_t ports;       /* MessagePorts held by pipe ends */
  uint32_t queued;      /* calls waiting for a worker (main instance) */
  uint32_t refused;     /* malformed messages and bad indices refused */
} wm_stats;

/* wm_get_stats fills *s for this instance. Returns WM_EINVAL for NULL. */
int wm_get_stats(wm_stats *s);

/* wm_dump writes a report of everything alive in this instance into buf
 * (at most n bytes, always NUL-terminated when n > 0): every busy fiber with
 * the function it runs and the source line where it waits, every pipe end
 * and call with the line where it was made. Returns the length the whole
 * report needs, so a caller can grow buf and ask again. */
int wm_dump(char *buf, size_t n);

/* Source locations for wm_dump: these macros record where pipes and calls
 * are made and where fibers block, as libmill does. The functions remain
 * callable by address, e.g. (wm_read)(...). */
extern const char *wm__loc;
#define WM__STR2(x) #x
#define WM__STR(x) WM__STR2(x)
#define WM__HERE __FILE__ ":" WM__STR(__LINE__)
#ifndef WM__CORE
#define wm_pipe_make(...) (wm__loc = WM__HERE, wm_pipe_make(__VA_ARGS__))
#define wm_read(...) (wm__loc = WM__HERE, wm_read(__VA_ARGS__))
#define wm_write(...) (wm__loc = WM__HERE, wm_write(__VA_ARGS__))
#define wm_read_borrow(...) (wm__loc = WM__HERE, wm_read_borrow(__VA_ARGS__))
#define wm_write_reserve(...)                                                  \
  (wm__loc = WM__HERE, wm_write_reserve(__VA_ARGS__))
#define wm_go(...) (wm__loc = WM__HERE, wm_go(__VA_ARGS__))
#define wm_chain(...) (wm__loc = WM__HERE, wm_chain(__VA_ARGS__))
#define wm_wait(...) (wm__loc = WM__HERE, wm_wait(__VA_ARGS__))
#endif

#ifdef __cplusplus
}
#endif

#endif /* WMESH_H */
