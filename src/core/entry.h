/* entry.h: the core's entry points, which the host calls (in wasm they are
 * the module's exports; js/host.js and js/mesh.js call them). entry.c
 * describes each. */
#ifndef WM_ENTRY_H
#define WM_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include "wmesh.h"

int wm__init(int self, int nworkers, int cap, int qmax);
void *wm__scratch(size_t n);
void wm__run_entry(void);
void wm__on_ctrl(int from, const uint8_t *p, size_t n, const int *ports,
                 int nports);
void wm__on_port(int port, const uint8_t *p, size_t n);
uint8_t *wm__port_buf(int port, size_t n);
void wm__on_port_data(int port, size_t n);
void wm__on_port_close(int port);
void wm__on_timer(void);
void wm__on_worker_exit(int w);
void wm__on_worker_up(int w);
uint32_t wm__js_lookup(const char *name);

/* out_port of wm__js_call for an output that waits for a port (entry.c). */
#define WM__JS_DEFER (-2)

/* wm__js_req is a call the JS side makes (wm__js_call): js/calls.js writes
 * it into linear memory field by field at these offsets (its REQ), so the
 * layout is fixed, little-endian, and holds no pointer, which would be 4
 * bytes in wasm and 8 natively: the function indices and the input follow
 * the fixed fields in the same block instead. tests/node/contract.test.mjs
 * reads the offsets below and checks them against the JS side's.
 *
 *   off size
 *     0  4  n         int32   functions: 1 for a plain call, more a chain
 *     4  4  where     int32   a worker from 1, WM_ANY or WM_HERE
 *     8  4  in_port   int32   the input's port, or -1
 *    12  4  out_port  int32   the output's port, -1, or WM__JS_DEFER
 *    16  4  window    uint32  bytes in flight per pipe
 *    20  4  token     int32   > 0: the result goes to wm__host_done(token)
 *    24  8  deadline  float64 absolute ms, or -1 (a JS number)
 *    32  4  id        uint32  out: the call's id, for wm__js_cancel
 *    36  4  in_len    int32   bytes of input inline, or -1 for none
 *    40 4n  fns       uint32  the functions' table indices, then in_len
 *                             bytes of input (no alignment between)
 */
typedef struct wm__js_req {
  int32_t n;
  int32_t where;
  int32_t in_port;
  int32_t out_port;
  uint32_t window;
  int32_t token;
  double deadline;
  uint32_t id;
  int32_t in_len;
  uint32_t fns[];
} wm__js_req;

_Static_assert(offsetof(wm__js_req, n) == 0, "wm__js_req layout");
_Static_assert(offsetof(wm__js_req, where) == 4, "wm__js_req layout");
_Static_assert(offsetof(wm__js_req, in_port) == 8, "wm__js_req layout");
_Static_assert(offsetof(wm__js_req, out_port) == 12, "wm__js_req layout");
_Static_assert(offsetof(wm__js_req, window) == 16, "wm__js_req layout");
_Static_assert(offsetof(wm__js_req, token) == 20, "wm__js_req layout");
_Static_assert(offsetof(wm__js_req, deadline) == 24, "wm__js_req layout");
_Static_assert(offsetof(wm__js_req, id) == 32, "wm__js_req layout");
_Static_assert(offsetof(wm__js_req, in_len) == 36, "wm__js_req layout");
_Static_assert(offsetof(wm__js_req, fns) == 40, "wm__js_req layout");
_Static_assert(sizeof(wm__js_req) == 40, "wm__js_req layout");

int wm__js_call(wm__js_req *r);
void wm__js_stats(wm_stats *s);
int wm__js_cancel(uint32_t id, int reason);
int wm__js_workers(uint32_t id, int *ws, int max);
const char *wm__js_dump(void);

#endif
