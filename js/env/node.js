// env/node.js: what the mesh needs from Node.js: loading the module's glue
// and binary, and starting worker_threads that speak the worker protocol,
// each reached through a link (js/link/port.js).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

import { PortLink } from '../link/port.js';

const require = createRequire(import.meta.url);

/**
 * The shared code's transfer lists hold only ArrayBuffers and MessagePorts
 * (the DOM's types), which in Node are worker_threads' own.
 * @typedef {import('node:worker_threads').Transferable[]} NodeTransfer
 */

/** @returns {number} */
export function cores() {
  return availableParallelism();
}

/**
 * toPath accepts a path or a file: URL.
 * @param {string | URL} p
 */
function toPath(p) {
  return p instanceof URL || String(p).startsWith('file:') ? fileURLToPath(p) : String(p);
}

/**
 * loadFactory loads an Emscripten MODULARIZE glue file.
 * @param {string | URL} glue
 */
export function loadFactory(glue) {
  // Resolved first: require would take 'build/m.js' for a package name.
  // Node runs the CommonJS glue, also when given the ES module one (for
  // browsers with a strict CSP) beside it: that one's Node branches would
  // need require.
  return require(resolve(toPath(glue).replace(/\.mjs$/, '.js')));
}

/**
 * compile reads and compiles the module's .wasm once, for every instance.
 * @param {string | URL | ArrayBuffer | Uint8Array | WebAssembly.Module} wasm
 * @returns {Promise<WebAssembly.Module>}
 */
export async function compile(wasm) {
  if (wasm instanceof WebAssembly.Module) return wasm;
  const bytes = wasm instanceof ArrayBuffer || ArrayBuffer.isView(wasm) ? wasm : await readFile(toPath(wasm));
  return WebAssembly.compile(/** @type {BufferSource} */ (bytes));
}

/**
 * readBinary reads the module's .wasm (for a cluster, whose hosts compare
 * its hash).
 * @param {string | URL} wasm
 * @returns {Promise<Uint8Array>}
 */
export async function readBinary(wasm) {
  return readFile(toPath(wasm));
}

/**
 * natsConnect connects to NATS for a mesh of hosts, with the client
 * package @nats-io/transport-node, which only such meshes need: it is
 * loaded here, on first use, and its absence named.
 * @param {object} opts NATS connection options (servers, auth, tls, ...)
 * @returns {Promise<any>} a NatsConnection
 */
export async function natsConnect(opts) {
  /** @type {any} */
  let nats;
  try {
    nats = await import('@nats-io/transport-node');
  } catch (e) {
    throw new Error("wmesh: createMesh: cluster needs the package @nats-io/transport-node (npm install @nats-io/transport-node)", { cause: e });
  }
  return nats.connect(opts);
}

/**
 * spawn starts a worker running js/worker.js with the given init data, and
 * returns the link to it. The worker's exit is the link's onGone.
 * @param {object} data
 * @returns {import('../link/link.js').WorkerLink}
 */
export function spawn(data) {
  // A worker inherits the process's execArgv, but --input-type (node
  // --input-type=module -e ...) is refused for a worker's file entry. Only
  // then is a list given: an explicit one is checked more strictly than the
  // inherited one (it refuses process-wide flags such as --expose-gc).
  const kept = process.execArgv.filter((a) => !a.startsWith('--input-type'));
  const execArgv = kept.length === process.execArgv.length ? undefined : kept;
  const w = new Worker(new URL('../worker.js', import.meta.url), { workerData: data, execArgv });
  const link = new PortLink({
    post: (m, t) => w.postMessage(m, /** @type {NodeTransfer} */ (t)),
    listen: (f) => w.on('message', f),
    end: () => w.terminate(),
  });
  let lastError = '';
  w.on('error', (e) => (lastError = String(e && e.stack ? e.stack : e)));
  w.on('exit', (code) => link.gone(lastError || `exit code ${code}`));
  return link;
}

/** @param {string | URL} glue */
export function glueUrl(glue) {
  return String(glue).startsWith('file:') ? String(glue) : pathToFileURL(toPath(glue)).href;
}
