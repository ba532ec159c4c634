// limits.test.mjs: what the runtime does at its limits. A fiber's C stack
// is 128 KiB of heap: a frame larger than that must kill its worker (like a
// trap), never run on over the heap below it and return (src/em/ctx_em.c).
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

const died = (e) => e instanceof WmError && e.code === codes.WM_EDIED;

test('a large frame that fits in the fiber stack runs', async () => {
  assert.equal(await mesh.go('t_wide_frame', undefined, { where: 2 }).text(), 'returned');
});

test('a frame larger than the fiber stack kills only its worker', async () => {
  const restarts = mesh.restarts;
  // A call parked on the same worker dies with it; one on the other worker
  // goes on.
  let feed;
  const hold = new ReadableStream({ start: (c) => void (feed = c) });
  const parked = mesh.go('t_cat', hold, { where: 2 });
  let s = await mesh.stats();
  for (let i = 0; i < 100 && s.workers[1].running < 1; i++) s = await mesh.stats();
  const other = mesh.go('t_upper', 'other', { where: 1 });

  const c = mesh.go('t_deep_frame', undefined, { where: 2 });
  await assert.rejects(c.result, died);
  await assert.rejects(c.bytes(), died);
  await assert.rejects(parked.result, died);
  await assert.rejects(parked.bytes(), died);
  feed.close();
  assert.equal(await other.text(), 'OTHER');

  await upAgain(2);
  assert.equal(mesh.restarts, restarts + 1);
  assert.equal(await mesh.go('t_upper', 'again', { where: 2 }).text(), 'AGAIN');
  assert.equal(await mesh.go('t_wide_frame', undefined, { where: 2 }).text(), 'returned');
});

test('a write just below a fiber stack is caught when the fiber switches out', async () => {
  const restarts = mesh.restarts;
  const c = mesh.go('t_canary', undefined, { where: 1 });
  await assert.rejects(c.result, died);
  await assert.rejects(c.bytes(), died);
  await upAgain(1);
  assert.equal(mesh.restarts, restarts + 1);
  assert.equal(await mesh.go('t_upper', 'again', { where: 1 }).text(), 'AGAIN');
});
