// link/link.js: the link, the one thing the mesh's control plane travels
// on. A link joins two instances: the main thread's and a worker's. The
// supervisor (js/supervisor.js) and the worker side (js/serve.js) know a
// peer only through a Link; js/link/port.js is the implementation over
// postMessage (a Worker, a MessagePort, a worker's own scope), and
// js/link/nats.js the one between two hosts over NATS (js/cluster, which
// carries the hosts' own protocol on it). Another transport is another
// implementation of the same four methods, with no change to the C core,
// js/host.js or the calls.
//
// What a link carries (docs/ARCHITECTURE.md, "JS modules and links"):
//   - control messages (js/host.js CtrlMessage): a string, { t: 'f' } or
//     { t: 'fs' }, the frames of src/core/wire.h between two cores;
//   - the worker protocol's own messages (js/serve.js): { t: 'init' },
//     'ready', 'fatal', 'stats', 'dump'.
// Pipe data does not: a pipe's frames travel on its own MessagePort, which
// a control frame may move (the transfer list then holds the port).

/**
 * A message on a link: a structured-clonable value (see above).
 * @typedef {unknown} LinkMessage
 */

/**
 * Link is one end of a link between two instances.
 *
 * - `send(msg, transfer)` posts one message. Messages arrive in the order
 *   they were sent, each whole, exactly once, while the peer lives.
 *   `transfer` lists what the message moves (ArrayBuffers, MessagePorts):
 *   they are the receiver's afterwards and the sender must not touch them;
 *   each appears once. send never throws for a gone peer: the message is
 *   dropped and the MessagePorts it moves are closed, so that their far
 *   ends learn at once that nobody holds them.
 * - `onMessage(cb)` gives the peer's messages to cb, from the event loop
 *   (never inside send), in order. Called once per link, before the peer
 *   can have sent anything that matters (messages sent before it is called
 *   may be queued or lost, as a transport allows).
 * - `onGone(cb)` tells cb, once, why the peer is gone (exited, crashed,
 *   terminated, disconnected). A listener added after that is still told,
 *   from a microtask. After it, nothing more arrives and send drops.
 * - `close()` ends the link; for a link to a worker that is the worker's
 *   end (its onGone listeners then hear of it). Resolves once done.
 *
 * @typedef {object} Link
 * @property {(msg: LinkMessage, transfer?: Transferable[]) => void} send
 * @property {(cb: (msg: any) => void) => void} onMessage
 * @property {(cb: (why: string) => void) => void} onGone
 * @property {() => Promise<unknown>} close
 */

/**
 * WorkerLink is the link to a worker the mesh started (an env's spawn()):
 * the worker's only link, so closing it ends the worker. terminate() is
 * close() under the name supervision uses: the worker is ended by force.
 * @typedef {Link & { terminate: () => Promise<unknown> }} WorkerLink
 */

export {};
