// helpers.mjs: shared fixtures for the Node tests.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import { createMesh } from '../../js/index.js';

export const TEST_MODULE = fileURLToPath(new URL('../../build/wmesh_test.js', import.meta.url));

/**
 * startMesh starts a mesh of the test module.
 * @param {Partial<import('../../js/mesh.js').MeshOptions>} [o]
 */
export function startMesh(o = {}) {
  return createMesh({ module: TEST_MODULE, workers: 2, ...o });
}

/**
 * settle polls until cond() holds. Pipe close handshakes and DONE frames
 * cross threads, so "nothing alive" becomes true a few event-loop turns
 * after the last result; the bound is a count of turns, not a time.
 * @param {() => Promise<boolean>} cond
 */
async function settle(cond) {
  for (let i = 0; i < 200; i++) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 5));
  }
  return false;
}

export const LIVE = ['fibersBusy', 'pipes', 'calls', 'running', 'ports', 'queued', 'jsPorts', 'pendingJs'];

/**
 * assertNoLeaks checks that no busy fiber, pipe end, port, call or queued
 * call is left in any instance, then closes the mesh.
 * @param {import('../../js/mesh.js').Mesh} mesh
 */
export async function assertNoLeaks(mesh) {
  let last;
  try {
    await settle(async () => {
      last = await mesh.stats();
      return LIVE.every((k) => last.total[k] === 0);
    });
    const alive = Object.fromEntries(LIVE.map((k) => [k, last.total[k]]));
    assert.deepEqual(alive, Object.fromEntries(LIVE.map((k) => [k, 0])), `alive: ${JSON.stringify(last)}`);
  } finally {
    await mesh.close();
  }
}

/**
 * workerUp waits until worker w of mesh takes calls again, after it died
 * (bounded by a count of turns, not timed).
 * @param {import('../../js/mesh.js').Mesh} mesh
 * @param {number} w
 */
export async function workerUp(mesh, w) {
  for (let i = 0; i < 500; i++) {
    if (!mesh.dead.has(w)) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`worker ${w} was not replaced`);
}

export { pattern } from '../common/pattern.js';

/** @param {Uint8Array} b */
export function sha256(b) {
  return createHash('sha256').update(b).digest('hex');
}

/**
 * hashStream hashes a stream as it goes, without keeping it.
 * @param {ReadableStream<Uint8Array>} s
 */
export async function hashStream(s) {
  const h = createHash('sha256');
  let n = 0;
  for await (const c of s) {
    h.update(c);
    n += c.length;
  }
  return { hash: h.digest('hex'), n };
}

/** @param {number} n @returns {Uint8Array} u32 count, u32 seed for t_gen */
export function genHeader(n, seed) {
  return new Uint8Array(new Uint32Array([n, seed]).buffer);
}
