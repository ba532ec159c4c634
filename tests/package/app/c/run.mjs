// run.mjs: the C user's module, run through the installed package.
import assert from 'node:assert/strict';

import { createMesh } from 'wmesh';

// A plain relative path, as the README writes it: relative to the working
// directory, which package.test.mjs sets to this folder.
const mesh = await createMesh({ module: 'build/shout.js', workers: 2 });
assert.equal(await mesh.go('shout', 'hello from c').text(), 'HELLO FROM C!');
assert.equal(await mesh.chain(['shout', 'shout'], 'twice').text(), 'TWICE!!');
await mesh.close();
console.log('c ok');
