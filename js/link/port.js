// link/port.js: the Link (js/link/link.js) over postMessage, the
// transport within one process (js/link/nats.js joins hosts). Every
// endpoint that has postMessage is one: a Node worker_threads Worker or its
// parentPort, a Web Worker or its scope, a MessagePort. postMessage keeps the order, moves what the transfer list
// names, and carries a MessagePort across, so a link of this kind carries
// every control frame as it is.
//
// The platform decides what "gone" means (env/node.js: the worker's exit
// event; env/browser.js: an error that escapes the worker); it tells the
// link with gone(why), and the link then drops what is sent to it.

/**
 * @typedef {import('./link.js').Link} Link
 * @typedef {import('./link.js').WorkerLink} WorkerLink
 *
 * @typedef {object} Endpoint what a PortLink drives
 * @property {(msg: any, transfer: Transferable[]) => void} post the
 *   endpoint's postMessage
 * @property {(f: (msg: any) => void) => void} listen adds a listener for
 *   its messages (their data, not the events)
 * @property {() => unknown} [end] ends the far side (terminates a worker,
 *   closes a port); may return a promise
 */

/**
 * closePorts closes the MessagePorts in the transfer list of a message that
 * will never be sent (its peer is gone): their far ends then learn at once
 * that nobody will read or write them, instead of waiting for ever for a
 * frame from a port that nobody holds.
 * @param {Transferable[] | undefined} transfer
 */
export function closePorts(transfer) {
  for (const x of transfer ?? []) if (x instanceof MessagePort) x.close();
}

/**
 * PortLink is a link over an endpoint with postMessage.
 * @implements {WorkerLink}
 */
export class PortLink {
  /** @type {Endpoint['post']} */
  #post;
  /** @type {Endpoint['listen']} */
  #listen;
  /** @type {Endpoint['end']} */
  #end;
  /** why the peer is gone, once it is @type {string | null} */
  #gone = null;
  /** @type {((why: string) => void)[]} */
  #goneFns = [];

  /** @param {Endpoint} ep */
  constructor(ep) {
    this.#post = ep.post;
    this.#listen = ep.listen;
    this.#end = ep.end;
  }

  /**
   * send posts msg, moving what transfer names; once the peer is gone it
   * drops msg and closes the MessagePorts it would have moved.
   * @param {unknown} msg
   * @param {Transferable[]} [transfer]
   */
  send(msg, transfer = []) {
    if (this.#gone === null) this.#post(msg, transfer);
    else closePorts(transfer);
  }

  /** @param {(msg: any) => void} cb */
  onMessage(cb) {
    this.#listen(cb);
  }

  /** A late listener still hears of a peer that is already gone.
   * @param {(why: string) => void} cb */
  onGone(cb) {
    const why = this.#gone;
    if (why === null) this.#goneFns.push(cb);
    else queueMicrotask(() => cb(why));
  }

  /** the promise of the first close(), which every later one returns
   * @type {Promise<unknown> | null} */
  #closing = null;

  /** close ends the far side (a worker: terminates it), once: a worker
   * asked to stop again while it stops (by a kill, a timeout and close
   * together) would add a listener to it each time. */
  close() {
    if (!this.#closing)
      try {
        this.#closing = Promise.resolve(this.#end?.());
      } catch (e) {
        this.#closing = Promise.reject(e);
      }
    return this.#closing;
  }

  /** terminate is close(): for a worker's link, the worker's end. */
  terminate() {
    return this.close();
  }

  /** the peer has gone (reported only once) */
  get isGone() {
    return this.#gone !== null;
  }

  /**
   * gone is the platform's report that the peer is gone: the listeners
   * are told (once), and from now on send drops.
   * @param {string} why
   */
  gone(why) {
    if (this.#gone !== null) return;
    this.#gone = why;
    this.#goneFns.splice(0).forEach((f) => f(why));
  }
}

/**
 * portLink makes a link of one end of a MessageChannel. The other end's
 * close (or its thread's end) is the peer's going; close() closes this end.
 * @param {MessagePort} port
 * @returns {PortLink}
 */
export function portLink(port) {
  const link = new PortLink({
    post: (m, t) => port.postMessage(m, t),
    listen: (f) => {
      port.addEventListener('message', (e) => f(/** @type {MessageEvent} */ (e).data));
      port.start();
    },
    end: () => {
      port.close();
      link.gone('closed');
    },
  });
  port.addEventListener('close', () => link.gone('closed'));
  return link;
}
