// run.mjs: the C user's module, run through the installed package.
import assert from 'node:assert/strict';

import { createMesh } from 'wmesh';

const mesh = await createMesh({ module: new URL('./build/shout.js', import.meta.url), workers: 2 });
assert.equal(await mesh.go('shout', 'hello from c').text(), 'HELLO FROM C!');
assert.equal(await mesh.chain(['shout', 'shout'], 'twice').text(), 'TWICE!!');
await mesh.close();
console.log('c ok');
