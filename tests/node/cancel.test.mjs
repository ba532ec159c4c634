// cancel.test.mjs: cancellation, call deadlines and structured concurrency.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { WmError, codes } from '../../js/index.js';
import { assertNoLeaks, startMesh } from './helpers.mjs';

/** @type {import('../../js/mesh.js').Mesh} */
let mesh;
before(async () => {
  mesh = await startMesh();
});
after(async () => {
  await assertNoLeaks(mesh);
});

/** an input that never ends unless the call reads its cancellation */
const never = () => new ReadableStream({ start() {} });

async function running(n) {
  for (let i = 0; i < 200; i++) {
    if ((await mesh.stats()).total.running >= n) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error('call did not start');
}

/** aborted says whether e is what a call aborted by its signal rejects
 * with: the signal's reason, carrying the call's WM_ECANCELED as its cause.
 * @param {AbortSignal} signal */
const aborted = (signal) => (/** @type {any} */ e) =>
  e === signal.reason && e.cause instanceof WmError && e.cause.code === codes.WM_ECANCELED;

test('an AbortSignal cancels a running call, which rejects with the signal\'s reason', async () => {
  const ac = new AbortController();
  const c = mesh.go('t_cat', never(), { signal: ac.signal });
  await running(1);
  ac.abort();
  await assert.rejects(c.result, aborted(ac.signal));
  assert.equal(ac.signal.reason.name, 'AbortError');
  await assert.rejects(c.bytes(), aborted(ac.signal));
});

test('a reason given to abort() is what the call rejects with', async () => {
  const ac = new AbortController();
  const why = new Error('user left');
  const c = mesh.chain(['t_cat', 't_cat'], never(), { signal: ac.signal });
  await running(2);
  ac.abort(why);
  await assert.rejects(c.result, (e) => e === why && e.cause?.code === codes.WM_ECANCELED);
  await c.output.cancel();
});

test('an aborted signal refuses the call at once, with its reason', () => {
  const signal = AbortSignal.abort();
  assert.throws(() => mesh.go('t_noop', undefined, { signal }), aborted(signal));
});

test('a timeout ends a call that blocks', async () => {
  const c = mesh.go('t_cat', never(), { timeout: 30 });
  await assert.rejects(c.result, (e) => e.code === codes.WM_ETIMEDOUT);
});

test('cancelling a call cancels the calls it made', async () => {
  const ac = new AbortController();
  const c = mesh.go('t_parent', undefined, { signal: ac.signal });
  await running(2);
  ac.abort();
  await assert.rejects(c.result, aborted(ac.signal));
  await c.output.cancel();
});

test('a call left behind by its maker is cancelled and released', async () => {
  assert.equal(await mesh.go('t_orphan', undefined, { output: false }).result, 0);
});

test('a failing stage cancels the other stages of its chain', async () => {
  const c = mesh.chain(['t_cat', 't_fail', 't_cat'], never());
  await assert.rejects(c.result, (e) => e.code === -1000);
  await assert.rejects(c.bytes(), (e) => e.code === -1000 || e.code === codes.WM_ECANCELED);
});

test('cancelling a chain cancels every stage', async () => {
  const ac = new AbortController();
  const c = mesh.chain(['t_cat', 't_cat', 't_cat', 't_cat'], never(), { signal: ac.signal });
  await running(4);
  ac.abort();
  await assert.rejects(c.result, aborted(ac.signal));
  await c.output.cancel();
});

test('wm_cancel from C: remote, local, chains, deadlines', async () => {
  assert.equal(await mesh.go('t_cancel_c').text(), 'ok');
  assert.equal(await mesh.go('t_cancel_c', undefined, { where: 'main' }).text(), 'ok');
});

test('a queued call can be cancelled before it starts', async () => {
  const small = await startMesh({ workers: 1, concurrency: 1 });
  const hold = new AbortController();
  const busy = small.go('t_cat', never(), { signal: hold.signal });
  const ac = new AbortController();
  const queued = small.go('t_upper', 'x', { signal: ac.signal });
  assert.equal((await small.stats()).main.queued, 1);
  ac.abort();
  await assert.rejects(queued.result, aborted(ac.signal));
  hold.abort();
  await assert.rejects(busy.result, aborted(hold.signal));
  await busy.output.cancel();
  await queued.output.cancel();
  await assertNoLeaks(small);
});
