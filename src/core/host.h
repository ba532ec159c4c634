/* host.h: what the core needs from its host, the JS side of an instance (or
 * a test double in native builds). Ports are small ids that the host assigns
 * and reuses; the core never sees a MessagePort. */
#ifndef WM_HOST_H
#define WM_HOST_H

#include <stddef.h>
#include <stdint.h>

/* wm__host_ctrl_send posts a control frame to instance dest (0 is the main
 * instance), moving the listed ports with it; they leave this instance. */
void wm__host_ctrl_send(int dest, const void *p, size_t n, const int *ports,
                        int nports);

/* wm__host_port_send posts a pipe frame [type][body] on a port. */
void wm__host_port_send(int port, int type, const void *body, size_t n);

/* wm__host_channel makes a MessageChannel; returns one port id and stores
 * the other in *other, or returns -1. */
int wm__host_channel(int *other);

/* wm__host_port_bind starts delivering a port's frames to wm__on_port. */
void wm__host_port_bind(int port);

/* wm__host_port_detach stops delivering a port's frames to the core: the
 * port is about to move. Frames that arrive before it moves are kept by the
 * host and travel with it, so nothing is lost while a call waits in a queue. */
void wm__host_port_detach(int port);

/* wm__host_port_close closes a port and forgets its id. */
void wm__host_port_close(int port);

/* wm__host_timer asks for one wm__on_timer call at absolute time at (ms);
 * at < 0 cancels it. A later request replaces an earlier one. */
void wm__host_timer(double at);

/* wm__host_kick asks for a wm__run soon, from the event loop. */
void wm__host_kick(void);

/* wm__host_done reports a JS-made call's result to the JS side. */
void wm__host_done(int token, int rc);

/* wm__host_out gives a JS-made call its whole output, n bytes at p, and
 * how it ended (1: EOF, or an error); wm__host_outport gives it instead the
 * port its output streams on, which the host takes out of its table. */
void wm__host_out(int token, int status, const void *p, size_t n);
void wm__host_outport(int token, int port);

/* wm__host_ready reports that a JS-made call has signalled it is ready. */
void wm__host_ready(int token);

/* wm__host_kill terminates worker w (the main instance's host only); the
 * host then reports its exit as for any worker that dies. */
void wm__host_kill(int w);

/* wm__host_now returns milliseconds since the Unix epoch. */
double wm__host_now(void);

#endif
