// env/browser.js: what the mesh needs from a browser: loading the module's
// glue (glue.js) and binary, and starting module Web Workers that speak the
// worker protocol, each reached through a link (js/link/port.js). Same
// interface as env/node.js, so the rest of js/ never knows which platform
// it runs on.
import { PortLink } from '../link/port.js';
import { absolute, loadFactory } from './glue.js';

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
 * readBinary fetches the module's .wasm (for a cluster, whose hosts compare
 * its hash).
 * @param {string | URL} wasm
 * @returns {Promise<Uint8Array>}
 */
export async function readBinary(wasm) {
  const url = absolute(wasm);
  const r = await fetch(url);
  if (!r.ok) throw new Error(`wmesh: cannot load ${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

/**
 * natsConnect: a page connects itself, so that a page without a cluster
 * never loads (nor a bundler looks for) a NATS client.
 * @returns {Promise<any>}
 */
export async function natsConnect() {
  throw new TypeError(
    'wmesh: createMesh: in a browser, pass cluster.connection: a connection made with wsconnect of @nats-io/nats-core',
  );
}

/**
 * spawn starts a module worker running js/worker-browser.js, and returns the
 * link to it. Its init data goes in the first message, since a Web Worker
 * has no workerData.
 * @param {object} data
 * @returns {import('../link/link.js').WorkerLink}
 */
export function spawn(data) {
  // Written out in full, in this form, so that bundlers see the worker.
  // Options kept static too: Vite refuses worker options it cannot read.
  const w = new Worker(new URL('../worker-browser.js', import.meta.url), { type: 'module' });
  /**
   * A Web Worker has no exit event: an error that escapes it (a trap, an
   * abort, a script that failed to load) is taken as its death, and the
   * worker is ended so that it cannot come back half alive. As a Node
   * worker's exit does, a termination reaches the onGone listeners.
   * @param {string} why
   */
  const die = (why) => {
    if (link.isGone) return;
    w.terminate();
    link.gone(why);
  };
  const link = new PortLink({
    post: (m, t) => w.postMessage(m, t),
    listen: (f) => w.addEventListener('message', (e) => f(e.data)),
    end: () => die('terminated'),
  });
  w.addEventListener('error', (e) => {
    e.preventDefault(); // reported through onGone, not as an uncaught error
    die(e.message || `worker script failed: ${e.filename || 'load error'}`);
  });
  w.addEventListener('messageerror', () => die('a message could not be deserialized'));
  w.postMessage({ t: 'boot', data });
  return link;
}

/** @param {string | URL} glue */
export function glueUrl(glue) {
  return absolute(glue);
}
