// run.mjs: the C user's module, run through the installed package.
import assert from 'node:assert/strict';

import { deflateSync, inflateSync } from 'node:zlib';

import { createMesh, stdCodes } from 'wmesh';

// A plain relative path, as the README writes it: relative to the working
// directory, which package.test.mjs sets to this folder.
const mesh = await createMesh({ module: 'build/shout.js', workers: 2 });
assert.equal(await mesh.go('shout', 'hello from c').text(), 'HELLO FROM C!');
assert.equal(await mesh.chain(['shout', 'shout'], 'twice').text(), 'TWICE!!');
await mesh.close();

// The user's module with the standard functions linked in (STD): its own
// stage and deflate in one chain, then inflate for the round trip.
const mixed = await createMesh({ module: 'build/redact.js', workers: 2 });
const log = 'GET /api/users/12345 200 17ms\n'.repeat(10000);
const redacted = log.replaceAll(/[0-9]/g, '#');
const z = await mixed.chain(['redact', 'deflate'], log).bytes();
assert.equal(inflateSync(z).toString(), redacted);
assert.equal(await mixed.go('inflate', z).text(), redacted);
assert.equal(await mixed.chain(['redact', 'deflate_9', 'inflate'], log).text(), redacted);
assert.equal(inflateSync(await mixed.go('deflate_fast', log).bytes()).toString(), log);
// The library's functions with their options: a 1000-byte limit.
await assert.rejects(mixed.go('inflate_small', deflateSync(log)).result, (e) => e.code === stdCodes.WMSTD_ELIMIT);
assert.equal(await mixed.go('inflate_small', deflateSync('short')).text(), 'short');
// The rest of the standard module is there too.
assert.equal(Buffer.from(await mixed.go('sha256', 'abc').bytes()).toString('hex').slice(0, 8), 'ba7816bf');
await mixed.close();
console.log('c ok');
