// fanout.test.mjs: one producer, many subscribers of mixed speeds that join
// and leave during the stream, from JS and from C on other workers, one of
// which dies. Each received stream must be in order, with every gap
// reported exactly.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { codes, records } from '../../js/index.js';
import { assertNoLeaks, startMesh } from './helpers.mjs';

/** @type {import('../../js/mesh.js').Mesh} */
let mesh;
before(async () => {
  mesh = await startMesh({ workers: 3 });
});
after(async () => {
  await assertNoLeaks(mesh);
});

const pause = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * listen reads n frames of a subscription at a pace, checking every frame.
 * @returns {Promise<{ frames: number, missed: number }>}
 */
async function listen(sub, n, delay, policy) {
  let last = 0;
  let frames = 0;
  let missed = 0;
  for await (const r of records(sub.output)) {
    const f = new Float32Array(r.data.buffer, r.data.byteOffset, 64);
    assert.equal(f[0], r.seq, 'the frame is the one its seq names');
    if (last) assert.equal(r.seq, last + 1 + r.dropped, 'a gap is exactly what was reported');
    if (policy === 'block' && last) assert.equal(r.dropped, 0);
    missed += last ? r.dropped : 0;
    last = r.seq;
    if (++frames === n) break; // leaving: the loop's end cancels the stream
    if (delay) await pause(delay);
  }
  return { frames, missed };
}

test('a producer runs with no subscriber, and ends when halted', async () => {
  const svc = await mesh.start('t_tone', undefined, { where: 1, output: false });
  await pause(20);
  assert.equal(await svc.halt(), codes.WM_ECANCELED);
});

test('120 subscribers of mixed speeds and policies join and leave during the stream', async () => {
  const svc = await mesh.start('t_tone', undefined, { where: 1, output: false });
  const runs = [];
  for (let i = 0; i < 120; i++) {
    const policy = ['block', 'drop', 'drop'][i % 3];
    const delay = i % 4 === 0 ? 3 : 0; // a quarter of them are slow
    runs.push(
      (async () => {
        await pause(i % 10); // joining at different times
        // A small pipe window, so that a slow reader's queue is what fills.
        const sub = mesh.subscribe('tone', { where: 1, policy, queue: 4, window: 1024 });
        const got = await listen(sub, 20 + (i % 15), delay, policy);
        await sub.result.catch(() => {});
        return { policy, delay, ...got };
      })(),
    );
  }
  const results = await Promise.all(runs);
  for (const r of results) assert.equal(r.frames >= 20, true);
  // Slow subscribers under 'drop' missed frames, and were told so.
  assert.ok(results.some((r) => r.policy === 'drop' && r.delay && r.missed > 0));
  assert.equal(await svc.halt(), codes.WM_ECANCELED);
});

test("a slow subscriber under 'disconnect' is dropped with WM_EOVERFLOW", async () => {
  const svc = await mesh.start('t_tone', undefined, { where: 1, output: false });
  const sub = mesh.subscribe('tone', { where: 1, policy: 'disconnect', queue: 2, window: 1024 });
  const reader = sub.output.getReader();
  await reader.read();
  await pause(30); // it reads nothing: its queue overflows
  await assert.rejects(
    (async () => {
      for (;;) if ((await reader.read()).done) break;
    })(),
    (e) => e.code === codes.WM_EOVERFLOW,
  );
  await assert.rejects(sub.result, (e) => e.code === codes.WM_EOVERFLOW);
  await svc.halt();
});

test('subscribers in C on other workers; one whose worker dies leaves the rest undisturbed', async () => {
  const svc = await mesh.start('t_tone', undefined, { where: 1, output: false });
  const fast = mesh.subscribe('tone', { where: 1, policy: 'block', queue: 8 });
  const listening = listen(fast, 300, 0, 'block');
  const doomed = mesh.go('t_listen', new Uint8Array([1, 0]), { where: 3 });
  await pause(20);
  await mesh.workers[3].terminate();
  await assert.rejects(doomed.result, (e) => e.code === codes.WM_EDIED);
  await doomed.output.cancel();
  // The others carry on, gap-free.
  assert.equal((await listening).frames, 300);
  assert.equal(await mesh.go('t_listen', new Uint8Array([1, 1]), { where: 2 }).text(), 'ok');
  assert.equal(await mesh.go('t_listen', new Uint8Array([1, 0]), { where: 'main' }).text(), 'ok');
  await svc.halt();
});

test('subscribing to a topic that does not exist fails with WM_ENOENT', async () => {
  const sub = mesh.subscribe('nothing', { where: 2 });
  await assert.rejects(sub.result, (e) => e.code === codes.WM_ENOENT);
  await sub.output.cancel();
});
