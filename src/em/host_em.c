/* host_em.c: the host interface as calls into the JS side of the instance,
 * the object js/host.js passes in as Module.wmHost. */
#include <emscripten/emscripten.h>

#include "../core/host.h"

EM_JS(void, wm__js_ctrl_send,
      (int dest, const void *p, size_t n, const int *ports, int nports),
      { Module.wmHost.ctrlSend(dest, p, n, ports, nports); });

EM_JS(void, wm__js_port_send, (int port, int type, const void *p, size_t n),
      { Module.wmHost.portSend(port, type, p, n); });

EM_JS(int, wm__js_channel, (int *other),
      { return Module.wmHost.channel(other); });

EM_JS(void, wm__js_port_bind, (int port), { Module.wmHost.bind(port); });

EM_JS(void, wm__js_port_detach, (int port), { Module.wmHost.detach(port); });

EM_JS(void, wm__js_port_close, (int port), { Module.wmHost.close(port); });

EM_JS(void, wm__js_timer, (double at), { Module.wmHost.timer(at); });

EM_JS(void, wm__js_kick, (void), { Module.wmHost.kick(); });

EM_JS(void, wm__js_done, (int token, int rc),
      { Module.wmHost.done(token, rc); });

EM_JS(void, wm__js_ready, (int token), { Module.wmHost.ready(token); });

EM_JS(void, wm__js_out, (int token, int status, const void *p, size_t n),
      { Module.wmHost.out(token, status, p, n); });

EM_JS(void, wm__js_outport, (int token, int port),
      { Module.wmHost.outport(token, port); });

EM_JS(void, wm__js_kill, (int w), { Module.wmHost.kill(w); });

EM_JS(double, wm__js_now, (void), { return Date.now(); });

void wm__host_ctrl_send(int dest, const void *p, size_t n, const int *ports,
                        int nports) {
  wm__js_ctrl_send(dest, p, n, ports, nports);
}

void wm__host_port_send(int port, int type, const void *body, size_t n) {
  wm__js_port_send(port, type, body, n);
}

int wm__host_channel(int *other) { return wm__js_channel(other); }
void wm__host_port_bind(int port) { wm__js_port_bind(port); }
void wm__host_port_detach(int port) { wm__js_port_detach(port); }
void wm__host_port_close(int port) { wm__js_port_close(port); }
void wm__host_timer(double at) { wm__js_timer(at); }
void wm__host_kick(void) { wm__js_kick(); }
void wm__host_done(int token, int rc) { wm__js_done(token, rc); }
double wm__host_now(void) { return wm__js_now(); }
void wm__host_ready(int token) { wm__js_ready(token); }
void wm__host_out(int token, int status, const void *p, size_t n) {
  wm__js_out(token, status, p, n);
}
void wm__host_outport(int token, int port) { wm__js_outport(token, port); }
void wm__host_kill(int w) { wm__js_kill(w); }
