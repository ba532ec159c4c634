/* host_stub.h: the host of src/core/host.h for native and wasi tests. It
 * stands in for the JS side of one instance: a virtual clock that jumps to
 * the next timer when nothing else can happen (so deadlines are exact and
 * cost no real time), an event loop, in-memory MessagePorts, and a record of
 * the control frames and JS results the core sent.
 *
 * Every port belongs either to the core or to the test. The test plays the
 * far side of any port it holds: a port moved out in a control frame becomes
 * the test's, and a test-made port becomes the core's when it is handed in.
 * Misuse that a real host would hide (sending on or closing a port the core
 * does not hold) is counted in stub_errors(). */
#ifndef TEST_HOST_STUB_H
#define TEST_HOST_STUB_H

#include <stddef.h>
#include <stdint.h>

/* STUB_T0 is where the virtual clock starts: a plausible Unix time in ms. */
#define STUB_T0 INT64_C(1700000000000)

/* stub_run runs the core until nothing is left to do, jumping the clock to
 * each armed timer in turn. It fails the test on a livelock. */
void stub_run(void);

/* stub_run_until is stub_run that fires only timers due by t, and leaves the
 * clock at t (if it was earlier). */
void stub_run_until(int64_t t);

/* stub_timer returns the time the core asked to be woken at, or -1. */
double stub_timer(void);

/* stub_channel makes a pair of connected ports held by the test and returns
 * one, storing the other in *other. */
int stub_channel(int *other);

/* stub_give hands a test-held port to the core (before wm__end_import). */
void stub_give(int port);

/* stub_take makes a port the core holds the test's, as if the core had moved
 * it away (after wm__end_export, in place of a control frame). */
void stub_take(int port);

/* stub_recv takes the oldest frame that arrived on a test-held port into
 * buf (cap bytes at most) and returns its length, or -1 if there is none. */
long stub_recv(int port, uint8_t *buf, size_t cap);

/* stub_post sends a pipe frame [type][body] from a test-held port; a negative
 * type sends body alone, as a raw (possibly malformed) frame. */
void stub_post(int port, int type, const void *body, size_t n);

/* stub_close closes a test-held port; the far side sees it close. */
void stub_close(int port);

/* stub_peer_gone says whether the far side of a test-held port closed. */
int stub_peer_gone(int port);

/* stub_ports_open counts ports not yet closed, whoever holds them. */
int stub_ports_open(void);

/* stub_errors counts host-interface misuse by the core. */
int stub_errors(void);

/* stub_ctrl is a control frame the core sent; p is the test's to free. */
typedef struct stub_ctrl {
  int dest;
  uint8_t *p;
  size_t n;
  int ports[2];
  int nports;
} stub_ctrl;

/* stub_ctrl_take takes the oldest control frame sent; 0 if there is none. */
int stub_ctrl_take(stub_ctrl *m);

/* stub_ctrl_deliver hands a control frame from instance `from` to the core,
 * with test-held ports that become the core's, and runs the core. */
void stub_ctrl_deliver(int from, const uint8_t *p, size_t n, const int *ports,
                       int nports);

/* stub_done_take takes the oldest wm__host_done report; 0 if none. */
int stub_done_take(int *token, int *rc);

/* stub_readies and stub_kills count wm__host_ready and wm__host_kill. */
extern int stub_readies, stub_kills;

/* The last wm__host_out (counted in stub_outs; its first 256 bytes kept)
 * or wm__host_outport (the port, now the test's, in stub_out_port). */
extern int stub_outs, stub_out_token, stub_out_status, stub_out_port;
extern size_t stub_out_len;
extern uint8_t stub_out_data[256];

/* stub_unread counts control frames and done reports not yet taken. */
int stub_unread(void);

/* stub_held says whether the test holds port, open; stub_port_ids bounds
 * the ids ever given out, so that a test can sweep its ports without
 * tracking each move (tests/c/fuzz_calls.c closes them all at the end). */
int stub_held(int port);
int stub_port_ids(void);

/* stub_reset, once every port is closed, numbers ports from 0 again and
 * delivers from the first, as in a new process: a fuzz target that starts
 * each input this way sees the same ports whatever ran before. Returns 0,
 * or -1 if a port is open. */
int stub_reset(void);

/* stub_observe, if set, sees every wm__host_out (value: the status),
 * wm__host_outport (value: the port), wm__host_ready and wm__host_kill
 * (token: the worker) as it happens, which the counters above cannot show
 * when several come in one run. It must not call into the core. */
enum {
  STUB_OUT,
  STUB_OUTPORT,
  STUB_READY,
  STUB_KILL
};
extern void (*stub_observe)(int what, int token, int value);

#include "../../src/core/entry.h"

/* stub_js_call calls wm__js_call as js/calls.js does: with one block holding
 * the fixed fields of *head, then head->n function indices from fns, then
 * head->in_len bytes of input from in (when in_len > 0), each exactly sized
 * so that a read past them is caught. The call's id goes to *id (if id). The
 * block comes from test_alloc, so that failalloc reaches only the core. */
int stub_js_call(const wm__js_req *head, const uint32_t *fns, const void *in,
                 uint32_t *id);

#endif
