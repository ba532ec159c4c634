// schedule.test.mjs: placement on the least-loaded worker, the per-worker
// bound on running calls, and the bounded queue with deadlines.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { WmError, codes } from '../../js/index.js';
import { assertNoLeaks, startMesh } from './helpers.mjs';

/** held returns an input stream that stays open until release() is called. */
function held() {
  /** @type {ReadableStreamDefaultController<string>} */
  let ctl;
  const stream = new ReadableStream({
    start(c) {
      ctl = c;
    },
  });
  return { stream, release: (/** @type {string} */ s) => (ctl.enqueue(s), ctl.close()) };
}

test('calls beyond capacity queue, a full queue refuses, deadlines apply in the queue', async () => {
  const mesh = await startMesh({ workers: 2, concurrency: 1, queue: 2 });
  const a = held();
  const b = held();
  const ca = mesh.go('t_cat', a.stream);
  const cb = mesh.go('t_cat', b.stream);
  // Least-loaded placement: one call on each worker.
  let s = await mesh.stats();
  for (let i = 0; i < 100 && s.total.running < 2; i++) s = await mesh.stats();
  assert.deepEqual(
    s.workers.map((w) => w.running),
    [1, 1],
  );
  const q1 = mesh.go('t_upper', 'queued one');
  const q2 = mesh.go('t_upper', 'queued two', { timeout: 30 });
  const over = mesh.go('t_upper', 'no room');
  await assert.rejects(over.result, (e) => e instanceof WmError && e.code === codes.WM_EBUSY);
  assert.equal((await mesh.stats()).main.queued, 2);
  // The queued call with a deadline fails when it passes, still queued.
  await assert.rejects(q2.result, (e) => e.code === codes.WM_ETIMEDOUT);
  assert.equal((await mesh.stats()).main.queued, 1);
  // Free a worker: the queue drains.
  a.release('first');
  assert.equal(await ca.text(), 'first');
  assert.equal(await q1.text(), 'QUEUED ONE');
  b.release('second');
  assert.equal(await cb.text(), 'second');
  await assertNoLeaks(mesh);
});

test('a mesh with no workers runs calls in the main instance', async () => {
  const mesh = await startMesh({ workers: 0 });
  assert.equal(await mesh.go('t_upper', 'alone').text(), 'ALONE');
  assert.equal(await mesh.chain(['t_cat', 't_upper'], 'chain').text(), 'CHAIN');
  await assertNoLeaks(mesh);
});

test('calls after close are refused', async () => {
  const mesh = await startMesh({ workers: 1 });
  await mesh.close();
  assert.throws(() => mesh.go('t_noop'), (e) => e.code === codes.WM_ECLOSED);
});

test('close lets calls in flight finish, refuses new ones, and ends the rest at its timeout', async () => {
  const mesh = await startMesh({ workers: 1 });
  const a = held();
  const finishing = mesh.go('t_cat', a.stream);
  const stuck = mesh.go('t_cat', new ReadableStream({ start() {} }));
  const closing = mesh.close({ timeout: 100 });
  assert.throws(() => mesh.go('t_noop'), (e) => e.code === codes.WM_ECLOSED);
  a.release('done in time');
  assert.equal(await finishing.text(), 'done in time');
  await assert.rejects(stuck.result, (e) => e.code === codes.WM_ECLOSED);
  await closing;
});
