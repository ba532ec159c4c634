// module.mjs: finds the built wmesh modules the benchmarks load, and starts
// meshes and baseline workers in one place so that every group closes what
// it starts the same way.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import { createMesh } from '../../js/index.js';

const buildDir = fileURLToPath(new URL('../../build/', import.meta.url));

/**
 * @typedef {object} ModuleFiles
 * @property {string} glue the Emscripten glue, loadable with require()
 * @property {string} wasm the binary
 */

/** @type {string | null} */
let tmp = null;

/**
 * moduleFiles takes a snapshot of build/<name>.js and .wasm and returns the
 * copies. A run then measures one build even if the tree is rebuilt under
 * it (a glue cached by require() beside a newer .wasm fails to link), and
 * the glue, which is CommonJS, is named .cjs so that this package's
 * "type": "module" cannot make Node load it as an ES module.
 * @param {string} name e.g. "wmesh_test"
 * @returns {ModuleFiles | null} null if the module is not built
 */
export function moduleFiles(name) {
  const glue = join(buildDir, `${name}.js`);
  const wasm = join(buildDir, `${name}.wasm`);
  if (!existsSync(glue) || !existsSync(wasm)) return null;
  tmp ??= mkdtempSync(join(tmpdir(), 'wmesh-bench-'));
  const copy = { glue: join(tmp, `${name}.cjs`), wasm: join(tmp, `${name}.wasm`) };
  copyFileSync(glue, copy.glue);
  copyFileSync(wasm, copy.wasm);
  return copy;
}

/** cleanup removes the snapshots. */
export function cleanup() {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  tmp = null;
}

/**
 * startMesh starts a mesh of n workers on a module.
 * @param {ModuleFiles} m
 * @param {number} workers
 */
export function startMesh(m, workers) {
  return createMesh({ module: m.glue, wasm: m.wasm, workers });
}

/**
 * withMesh runs fn with a mesh and closes the mesh whatever happens.
 * @template T
 * @param {ModuleFiles} m
 * @param {number} workers
 * @param {(mesh: import('../../js/mesh.js').Mesh) => Promise<T>} fn
 * @returns {Promise<T>}
 */
export async function withMesh(m, workers, fn) {
  const mesh = await startMesh(m, workers);
  try {
    return await fn(mesh);
  } finally {
    await mesh.close();
  }
}

/**
 * startWorker starts one of the baseline workers in this directory and
 * resolves once it has posted 'ready'.
 * @param {string} file e.g. "echo_worker.mjs"
 * @param {unknown} [data] its workerData
 * @param {{ message?: unknown, transfer?: any[] }} [init] posted at once
 * @returns {Promise<Worker>}
 */
export function startWorker(file, data, init) {
  const w = new Worker(new URL(file, import.meta.url), { workerData: data });
  if (init) w.postMessage(init.message, init.transfer ?? []);
  return new Promise((resolve, reject) => {
    /** @param {unknown} m */
    const onMessage = (m) => {
      if (m !== 'ready') return;
      w.off('message', onMessage).off('error', onError);
      resolve(w);
    };
    /** @param {Error} e */
    const onError = (e) => {
      w.off('message', onMessage);
      reject(e);
    };
    w.on('message', onMessage).once('error', onError);
  });
}

/**
 * withWorkers starts workers, runs fn, and terminates them whatever happens.
 * @template T
 * @param {() => Promise<Worker>[]} start
 * @param {(ws: Worker[]) => Promise<T>} fn
 * @returns {Promise<T>}
 */
export async function withWorkers(start, fn) {
  const pending = start();
  const settled = await Promise.allSettled(pending);
  const ws = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  try {
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw /** @type {PromiseRejectedResult} */ (failed).reason;
    return await fn(ws);
  } finally {
    await Promise.all(ws.map((w) => w.terminate()));
  }
}

/**
 * label names a baseline package with the version actually installed, so
 * that the figures say what they were measured against.
 * @param {string} pkg
 */
export function label(pkg) {
  const file = fileURLToPath(new URL(`../../node_modules/${pkg}/package.json`, import.meta.url));
  return `${pkg} ${JSON.parse(readFileSync(file, 'utf8')).version}`;
}
