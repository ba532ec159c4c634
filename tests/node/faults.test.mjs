// faults.test.mjs: a worker that dies takes only its own calls with it, and
// a replacement takes its place.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { WmError, codes } from '../../js/index.js';
import { assertNoLeaks, startMesh, workerUp } from './helpers.mjs';

/** @type {import('../../js/mesh.js').Mesh} */
let mesh;
before(async () => {
  mesh = await startMesh({ workers: 2 });
});
after(async () => {
  await assertNoLeaks(mesh);
});

/** @param {number} w */
const upAgain = (w) => workerUp(mesh, w);

test('calls on a worker terminated from outside fail with WM_EDIED', async () => {
  const hold = new ReadableStream({ start() {} });
  const c = mesh.go('t_cat', hold, { where: 1 });
  let s = await mesh.stats();
  for (let i = 0; i < 100 && s.workers[0].running < 1; i++) s = await mesh.stats();
  await mesh.workers[1].terminate();
  await assert.rejects(c.result, (e) => e instanceof WmError && e.code === codes.WM_EDIED);
  await assert.rejects(c.bytes(), (e) => e.code === codes.WM_EDIED);
  // Other calls still run, on the worker that is left.
  assert.equal(await mesh.go('t_upper', 'alive', { where: 2 }).text(), 'ALIVE');
  await upAgain(1);
  assert.equal(await mesh.go('t_upper', 'replaced', { where: 1 }).text(), 'REPLACED');
});

for (const fn of ['t_trap', 't_abort', 't_overflow', 't_deep']) {
  test(`${fn} kills only its worker; a replacement serves later calls`, async () => {
    const restarts = mesh.restarts;
    const c = mesh.go(fn, undefined, { where: 2 });
    await assert.rejects(c.result, (e) => e.code === codes.WM_EDIED);
    await assert.rejects(c.bytes(), (e) => e.code === codes.WM_EDIED);
    assert.equal(await mesh.go('t_upper', 'main goes on', { where: 'main' }).text(), 'MAIN GOES ON');
    await upAgain(2);
    assert.equal(mesh.restarts, restarts + 1);
    assert.equal(await mesh.go('t_upper', 'again', { where: 2 }).text(), 'AGAIN');
  });
}

test('a worker dying mid-chain fails the chain, not the mesh', async () => {
  const c = mesh.chain(['t_cat', 't_trap', 't_cat'], 'data');
  await assert.rejects(c.result, (e) => e.code === codes.WM_EDIED);
  await assert.rejects(c.bytes(), (e) => e instanceof WmError);
  await upAgain(1);
  await upAgain(2);
  assert.equal(await mesh.chain(['t_cat', 't_upper', 't_cat'], 'fine').text(), 'FINE');
});

test('an aborted call that never blocks is stopped with its worker after the grace, and reports the abort', async () => {
  const ac = new AbortController();
  const restarts = mesh.restarts;
  const c = mesh.go('t_spin', undefined, { where: 1, signal: ac.signal, grace: 20 });
  // Placed at once (the worker is idle), so the cancel follows the call to
  // the worker; asking the spinning worker for stats would never return.
  assert.equal(mesh.host.stats().queued, 0);
  ac.abort();
  // The caller asked for a cancel: that is what it sees, not the worker's end.
  await assert.rejects(c.result, (e) => e === ac.signal.reason && e.cause?.code === codes.WM_ECANCELED);
  await c.output.cancel();
  await upAgain(1);
  assert.equal(mesh.restarts, restarts + 1);
});

test('out of memory in a worker is a clear WM_ENOMEM, and the worker recovers', async () => {
  assert.equal(await mesh.go('t_oom', undefined, { where: 1 }).text(), 'ENOMEM');
  assert.equal(await mesh.go('t_upper', 'after', { where: 1 }).text(), 'AFTER');
});

test('a module that cannot be loaded rejects createMesh, leaving no worker behind', async () => {
  const { createMesh } = await import('../../js/index.js');
  const { TEST_MODULE } = await import('./helpers.mjs');
  await assert.rejects(
    createMesh({ module: '/nonexistent/wmesh_missing.js', wasm: TEST_MODULE.replace(/\.js$/, '.wasm'), workers: 2 }),
  );
});

test('stats count live workers and the chunk buffers kept for reuse', async () => {
  const s = await mesh.stats();
  assert.equal(s.total.workers, 2);
  assert.equal(s.total.workersDead, 0);
  assert.equal(typeof s.main.buffers, 'number');
});

test('a worker that dies and is replaced is told to listeners: workerexit, then workerstart', async () => {
  /** @type {string[]} */
  const seen = [];
  /** @type {() => void} */
  let started = () => {};
  const up = new Promise((r) => (started = () => r(undefined)));
  const onExit = (/** @type {any} */ e) => seen.push(`exit ${e.detail.worker}: ${typeof e.detail.reason}`);
  const onStart = (/** @type {any} */ e) => {
    seen.push(`start ${e.detail.worker}`);
    started();
  };
  mesh.addEventListener('workerexit', onExit);
  mesh.addEventListener('workerstart', onStart);
  try {
    mesh.workers[2].terminate();
    await up;
    assert.deepEqual(seen, ['exit 2: string', 'start 2']);
    assert.equal(await mesh.go('t_upper', 'back', { where: 2 }).text(), 'BACK');
  } finally {
    mesh.removeEventListener('workerexit', onExit);
    mesh.removeEventListener('workerstart', onStart);
  }
});
