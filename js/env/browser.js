// env/browser.js: what the mesh needs from a browser: loading the module's
// glue (glue.js) and binary, and starting module Web Workers that speak the
// worker protocol. Same interface as env/node.js, so js/mesh.js and
// js/serve.js never know which platform they run on.
import { absolute, loadFactory } from './glue.js';

import { closePorts } from './ports.js';

export { loadFactory };

/** @returns {number} */
export function cores() {
  return globalThis.navigator?.hardwareConcurrency || 4;
}

/**
 * compile fetches and compiles the module's .wasm once, for every instance.
 * @param {string | URL | ArrayBuffer | Uint8Array | WebAssembly.Module} wasm
 * @returns {Promise<WebAssembly.Module>}
 */
export async function compile(wasm) {
  if (wasm instanceof WebAssembly.Module) return wasm;
  if (wasm instanceof ArrayBuffer || ArrayBuffer.isView(wasm)) return WebAssembly.compile(/** @type {BufferSource} */ (wasm));
  const url = absolute(wasm);
  const r = await fetch(url);
  if (!r.ok) throw new Error(`wmesh: cannot load ${url}: HTTP ${r.status}`);
  // compileStreaming insists on the application/wasm type; a server that
  // sends another one still gets the module compiled, only not while it
  // downloads.
  if (typeof WebAssembly.compileStreaming === 'function' && /^application\/wasm\b/.test(r.headers.get('content-type') ?? ''))
    return WebAssembly.compileStreaming(r);
  return WebAssembly.compile(await r.arrayBuffer());
}

/**
 * spawn starts a module worker running js/worker-browser.js. Its init data
 * goes in the first message, since a Web Worker has no workerData.
 * @param {object} data
 * @returns {{ post: (m: any, t?: Transferable[]) => void, onMessage: (f: (m: any) => void) => void, onExit: (f: (why: string) => void) => void, terminate: () => Promise<unknown> }}
 */
export function spawn(data) {
  // Written out in full, in this form, so that bundlers see the worker.
  // Options kept static too: Vite refuses worker options it cannot read.
  const w = new Worker(new URL('../worker-browser.js', import.meta.url), { type: 'module' });
  /** @type {string | null} why it died, once it has */
  let exited = null;
  /** @type {((why: string) => void)[]} */
  const exitFns = [];
  /**
   * A Web Worker has no exit event: an error that escapes it (a trap, an
   * abort, a script that failed to load) is taken as its death, and the
   * worker is ended so that it cannot come back half alive.
   * @param {string} why
   */
  const die = (why) => {
    if (exited !== null) return;
    exited = why;
    w.terminate();
    exitFns.splice(0).forEach((f) => f(why));
  };
  w.addEventListener('error', (e) => {
    e.preventDefault(); // reported through onExit, not as an uncaught error
    die(e.message || `worker script failed: ${e.filename || 'load error'}`);
  });
  w.addEventListener('messageerror', () => die('a message could not be deserialized'));
  w.postMessage({ t: 'boot', data });
  return {
    post: (m, t) => {
      if (exited === null) w.postMessage(m, t ?? []);
      else closePorts(t);
    },
    onMessage: (f) => w.addEventListener('message', (e) => f(e.data)),
    // A late listener still hears of a death that already happened.
    onExit: (f) => (exited === null ? exitFns.push(f) : queueMicrotask(() => f(/** @type {string} */ (exited)))),
    // As a Node worker's exit does, a termination reaches the listeners.
    terminate: async () => die('terminated'),
  };
}

/** @param {string | URL} glue */
export function glueUrl(glue) {
  return absolute(glue);
}
