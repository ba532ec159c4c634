// std.test.mjs: the standard module the npm package ships prebuilt
// (wmesh_std): hashes, zlib compression checked against Node's own zlib,
// text transforms and stb image operations.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { deflateSync, inflateSync } from 'node:zlib';

import { createMesh } from '../../js/index.js';
import { pattern } from '../common/pattern.js';
import { assertNoLeaks } from './helpers.mjs';

/** @type {import('../../js/mesh.js').Mesh} */
let mesh;
before(async () => {
  mesh = await createMesh({ module: fileURLToPath(new URL('../../build/wmesh_std.js', import.meta.url)), workers: 2 });
});
after(async () => {
  await assertNoLeaks(mesh);
});

test('sha256 equals node:crypto for empty, short and multi-block inputs', async () => {
  for (const n of [0, 1, 55, 56, 63, 64, 65, 1000, 3 << 20]) {
    const data = pattern(n, n + 1);
    const got = Buffer.from(await mesh.go('sha256', data).bytes()).toString('hex');
    assert.equal(got, createHash('sha256').update(data).digest('hex'), `n=${n}`);
  }
});

test('fnv1a64 hashes the whole input', async () => {
  const h = await mesh.go('fnv1a64', 'a').bytes();
  assert.equal(Buffer.from(h).readBigUInt64LE(0), 0xaf63dc4c8601ec8cn); // FNV-1a 64 of "a"
});

test('deflate output is read by zlib, and inflate reads zlib output', async () => {
  const text = Buffer.from('the quick brown fox jumps over the lazy dog. '.repeat(2000));
  const z = await mesh.go('deflate', text).bytes();
  assert.ok(z.length < text.length / 10);
  assert.deepEqual(inflateSync(z), text);
  const back = await mesh.go('inflate', deflateSync(text)).bytes();
  assert.deepEqual(Buffer.from(back), text);
  assert.deepEqual(Buffer.from(await mesh.chain(['deflate', 'inflate'], text).bytes()), text);
  await assert.rejects(mesh.go('inflate', 'not zlib').result, (e) => e.code === -100);
});

test('text and image functions are there too', async () => {
  assert.equal(await mesh.chain(['upper', 'reverse'], 'abc\n').text(), 'CBA\n');
  for (const f of ['img_decode', 'img_resize', 'img_grayscale', 'img_blur', 'img_encode', 'synth'])
    assert.ok(mesh.index(f) > 0, f);
});
