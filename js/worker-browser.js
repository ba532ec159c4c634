// worker-browser.js: the entry of every browser worker (a module Web
// Worker started by env/browser.js); the protocol itself is in serve.js.
// A Web Worker has no workerData: its init data is the first message.
import { loadFactory } from './env/glue.js';
import { PortLink } from './link/port.js';
import { serve } from './serve.js';

/**
 * What this file uses of its DedicatedWorkerGlobalScope (typed here: the
 * webworker lib that declares it conflicts with the dom lib of the rest).
 * @typedef {object} WorkerScope
 * @property {(m: any, transfer: Transferable[]) => void} postMessage
 * @property {(type: 'message', f: (e: MessageEvent) => void) => void} addEventListener
 * @property {(type: 'message', f: (e: MessageEvent) => void) => void} removeEventListener
 */

const scope = /** @type {WorkerScope} */ (/** @type {unknown} */ (globalThis));

/** @param {MessageEvent} e */
function boot(e) {
  const m = e.data;
  if (!m || m.t !== 'boot') return;
  scope.removeEventListener('message', boot);
  serve({
    self: m.data.self,
    glue: m.data.glue,
    loadFactory,
    // The worker's link to the page is its own scope.
    link: new PortLink({
      post: (msg, t) => scope.postMessage(msg, t),
      // Added while the boot message is being handled, so no later message
      // can slip past it.
      listen: (f) => scope.addEventListener('message', (ev) => f(ev.data)),
    }),
  });
}
scope.addEventListener('message', boot);
