// abuse.test.mjs: what a hostile or careless user did to the package, each a
// regression test of a failure it once caused: mass aborts, workers that
// cannot come back, spinning functions, deep nesting, bad options and
// arguments, outputs read twice, double close, forged huge frames.
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

/** @param {(e: any) => boolean} [pred] */
const wmErr = (code) => (/** @type {any} */ e) => e instanceof WmError && e.code === code;

test('aborting thousands of chains at once crashes nothing and settles each once', async () => {
  const input = new Uint8Array(100_000).fill(97);
  const calls = [];
  for (let i = 0; i < 2000; i++) {
    const ac = new AbortController();
    const c = mesh.chain(['t_cat', 't_cat'], input, { signal: ac.signal });
    ac.abort();
    calls.push(c);
    // Let some settle as the next are made, so that freed call slots are
    // reused and a chain's stages no longer sit in the order they were made.
    if (i % 50 === 49) await new Promise((r) => setTimeout(r, 0));
  }
  const results = await Promise.allSettled(calls.map((c) => c.result));
  for (const r of results) {
    if (r.status === 'fulfilled') assert.equal(r.value, 0);
    else assert.ok(r.reason instanceof WmError, String(r.reason));
  }
  // Every output ends too, one way or the other.
  await Promise.allSettled(calls.map((c) => c.bytes()));
  assert.equal(await mesh.chain(['t_cat', 't_upper'], 'still here').text(), 'STILL HERE');
});
