// demo.test.mjs: the text pipeline demo's module gives the expected text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { createMesh } from '../../js/index.js';
import { assertNoLeaks } from './helpers.mjs';

test('gen -> upper -> reverse over three workers', async () => {
  const module = fileURLToPath(new URL('../../build/wmesh_demo.js', import.meta.url));
  const mesh = await createMesh({ module, workers: 3 });
  const out = await mesh.chain(['gen', 'upper', 'reverse'], '1000').text();
  const lines = out.split('\n');
  assert.equal(lines.length, 1001);
  assert.equal(lines[0], 'HSEM ,OLLEH :0001 FO 1 ENIL');
  assert.equal(lines[999], 'HSEM ,OLLEH :0001 FO 0001 ENIL');
  await assertNoLeaks(mesh);
});
