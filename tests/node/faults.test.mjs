// faults.test.mjs: a worker that dies takes only its own calls with it.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { WmError, codes } from '../../js/index.js';
import { assertNoLeaks, startMesh } from './helpers.mjs';

test('calls on a worker that dies fail with WM_EDIED; the mesh goes on', async () => {
  const mesh = await startMesh({ workers: 2 });
  const hold = new ReadableStream({ start() {} });
  const c = mesh.go('t_cat', hold, { where: 1 });
  let s = await mesh.stats();
  for (let i = 0; i < 100 && s.workers[0].running < 1; i++) s = await mesh.stats();
  await mesh.workers[1].terminate();
  await assert.rejects(c.result, (e) => e instanceof WmError && e.code === codes.WM_EDIED);
  await assert.rejects(c.bytes(), (e) => e.code === codes.WM_EDIED);
  // Other calls still run, on the worker that is left.
  assert.equal(await mesh.go('t_upper', 'alive').text(), 'ALIVE');
  await assert.rejects(mesh.go('t_noop', undefined, { where: 1 }).result, (e) => e.code === codes.WM_EDIED);
  await assertNoLeaks(mesh);
});
