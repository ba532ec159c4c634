// esm.mjs: the installed package from Node ESM, with its prebuilt module.
import assert from 'node:assert/strict';

import { WmError, codes, createMesh, strerror } from 'wmesh';

const mesh = await createMesh({ workers: 2 });
assert.equal(await mesh.go('upper', 'hello').text(), 'HELLO');
const text = await mesh.chain(['gen', 'upper', 'reverse'], '3').text();
assert.equal(text.trim().split('\n').length, 3);
assert.throws(() => mesh.go('no_such_fn'), (e) => e instanceof WmError && e.code === codes.WM_ENOFN);
assert.equal(strerror(codes.WM_EDIED), 'worker died');
const s = await mesh.stats();
assert.equal(s.workers.length, 2);
await mesh.close();
console.log('esm ok');
