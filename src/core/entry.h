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
int wm__js_call(const uint32_t *fns, int n, int where, int in_port,
                int out_port, uint32_t window, int token, double deadline,
                uint32_t *id_out, const uint8_t *in_data, int32_t in_len);
void wm__js_stats(wm_stats *s);
int wm__js_cancel(uint32_t id, int reason);
int wm__js_workers(uint32_t id, int *ws, int max);
const char *wm__js_dump(void);

#endif
