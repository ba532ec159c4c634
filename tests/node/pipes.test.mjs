// pipes.test.mjs: pipe data integrity, sizes, flow control across workers,
// error closes, and the direct worker-to-worker data plane.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { WmError, codes } from '../../js/index.js';
import { assertNoLeaks, genHeader, hashStream, pattern, sha256, startMesh } from './helpers.mjs';

/** @type {import('../../js/mesh.js').Mesh} */
let mesh;
before(async () => {
  mesh = await startMesh();
});
after(async () => {
  await assertNoLeaks(mesh);
});

/**
 * chunked yields data in pieces of varying size, from 0 bytes up.
 * @param {Uint8Array} data
 */
function* chunked(data) {
  const sizes = [0, 1, 2, 7, 4096, 65535, 65536, 65537, 300000, 1 << 20];
  for (let off = 0, i = 0; off < data.length; i++) {
    const n = Math.min(sizes[i % sizes.length], data.length - off);
    yield data.subarray(off, off + n);
    off += n;
  }
}

test('writes of 0 bytes, 1 byte and many MiB arrive intact and in order', async () => {
  const data = pattern(5 << 20, 7);
  const out = await mesh.go('t_cat', chunked(data)).bytes();
  assert.equal(out.length, data.length);
  assert.equal(sha256(out), sha256(data));
  assert.deepEqual(await mesh.go('t_cat', new Uint8Array([42])).bytes(), new Uint8Array([42]));
});

test('the zero-copy C calls (t_cat_zc) carry writes of every size intact', async () => {
  const data = pattern(5 << 20, 11);
  const out = await mesh.go('t_cat_zc', chunked(data)).bytes();
  assert.equal(out.length, data.length);
  assert.equal(sha256(out), sha256(data));
  assert.deepEqual(await mesh.go('t_cat_zc', new Uint8Array([42])).bytes(), new Uint8Array([42]));
  assert.equal((await mesh.go('t_cat_zc', new Uint8Array(0)).bytes()).length, 0);
  // A small window: reservations no bigger than the window allows.
  const small = await mesh.go('t_cat_zc', chunked(data.subarray(0, 300000)), { window: 1024 }).bytes();
  assert.equal(sha256(small), sha256(data.subarray(0, 300000)));
});

test('zero-copy and copying stages in one chain, across workers and within one', async () => {
  const n = 3_000_000;
  const fns = ['t_gen', 't_cat_zc', 't_cat', 't_cat_zc', 't_cat_zc', 't_cat', 't_cat_zc', 't_fnv'];
  const h = await mesh.chain(fns, genHeader(n, 42), { window: 4096 }).bytes();
  const gen = await mesh.go('t_gen', genHeader(n, 42)).bytes();
  let x = 0xcbf29ce484222325n;
  for (const b of gen) x = BigInt.asUintN(64, (x ^ BigInt(b)) * 0x100000001b3n);
  assert.equal(new DataView(h.buffer, h.byteOffset).getBigUint64(0, true), x);
  assert.equal(await mesh.chain(['t_cat_zc', 't_upper', 't_cat_zc'], 'zero copy').text(), 'ZERO COPY');
});

test('a C writer with writes of random sizes, hashed by C and by JS', async () => {
  const n = 3_000_000;
  const gen = await mesh.go('t_gen', genHeader(n, 99)).bytes();
  assert.equal(gen.length, n);
  // The same bytes through a chain that hashes them in C.
  const h = await mesh.chain(['t_gen', 't_cat', 't_fnv'], genHeader(n, 99)).bytes();
  let x = 0xcbf29ce484222325n;
  for (const b of gen) x = BigInt.asUintN(64, (x ^ BigInt(b)) * 0x100000001b3n);
  assert.equal(new DataView(h.buffer, h.byteOffset).getBigUint64(0, true), x);
});

test('64 MiB through a 4-stage chain, checked by a hash', async () => {
  const total = 64 << 20;
  const block = pattern(1 << 20, 3);
  async function* source() {
    for (let i = 0; i < total / block.length; i++) yield block;
  }
  const expect = (() => {
    const parts = [];
    for (let i = 0; i < total / block.length; i++) parts.push(block);
    return sha256(Buffer.concat(parts));
  })();
  const before = (await mesh.stats()).main.framesIn;
  const c = mesh.chain(['t_cat', 't_cat', 't_cat', 't_cat'], source());
  const { hash, n } = await hashStream(c.output);
  assert.equal(await c.result, 0);
  assert.equal(n, total);
  assert.equal(hash, expect);
  // The data plane is direct: the caller's instance saw no pipe frame.
  assert.equal((await mesh.stats()).main.framesIn, before);
});

test('a slow reader holds its writer back instead of buffering', async () => {
  const c = mesh.go('t_gen', genHeader(32 << 20, 5), { window: 64 * 1024 });
  const reader = c.output.getReader();
  await reader.read();
  await new Promise((r) => setTimeout(r, 50));
  // The worker cannot be more than a window ahead: its pipe holds little.
  const s = await mesh.stats();
  assert.ok(s.total.running >= 1);
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.length;
  }
  assert.ok(n > 0);
  assert.equal(await c.result, 0);
});

test('a reader sees the error a writer closed with, after its data', async () => {
  const c = mesh.go('t_errclose');
  const reader = c.output.getReader();
  const { value } = await reader.read();
  assert.equal(new TextDecoder().decode(value), 'partial');
  await assert.rejects(reader.read(), (e) => e instanceof WmError && e.code === -1001);
  assert.equal(await c.result, 0);
});

test('a failing stage fails the chain with its own code', async () => {
  const c = mesh.chain(['t_cat', 't_fail', 't_cat'], 'in');
  await assert.rejects(c.result, (e) => e.code === -1000);
  await assert.rejects(c.bytes(), (e) => e.code === -1000);
});

test('a reader that stops early makes the writer see WM_EPIPE', async () => {
  const c = mesh.go('t_gen', genHeader(64 << 20, 1));
  const reader = c.output.getReader();
  await reader.read();
  await reader.cancel();
  await assert.rejects(c.result, (e) => e.code === codes.WM_EPIPE);
});

test('input given as a ReadableStream and as strings', async () => {
  const stream = new ReadableStream({
    start(ctl) {
      ctl.enqueue('abc');
      ctl.enqueue(new TextEncoder().encode('def'));
      ctl.close();
    },
  });
  assert.equal(await mesh.go('t_upper', stream).text(), 'ABCDEF');
});
