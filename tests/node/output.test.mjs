// output.test.mjs: a plain call's output comes back whole inside the call's
// end when the function finishes first, and streams on a port the worker
// makes when it must: more than a chunk, output pending while the function
// waits, or an output handed on. Either way the caller reads the same bytes
// and the same ending, and forged output frames are refused.
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

/**
 * portsDuring counts the MessagePorts that control frames move while fn
 * runs: sent with calls to the workers, and back from them. An output that
 * streams brings one back; none is sent for an output.
 * @param {() => Promise<unknown>} fn
 */
async function portsDuring(fn) {
  const receive = mesh.host.receiveCtrl.bind(mesh.host);
  const post = mesh.host.postCtrl;
  const n = { sent: 0, back: 0 };
  /** @param {unknown} m @param {'sent' | 'back'} way */
  const count = (m, way) => {
    if (!m || typeof m !== 'object') return;
    const x = /** @type {any} */ (m);
    for (const f of x.t === 'fs' ? x.l : [x]) if (f && Array.isArray(f.p)) n[way] += f.p.length;
  };
  mesh.host.receiveCtrl = (from, m) => {
    count(m, 'back');
    receive(from, m);
  };
  mesh.host.postCtrl = (dest, m, transfer) => {
    count(m, 'sent');
    post(dest, m, transfer);
  };
  try {
    await fn();
  } finally {
    mesh.host.receiveCtrl = receive;
    mesh.host.postCtrl = post;
  }
  return n;
}

test('a small output comes back whole, with no port at all', async () => {
  const none = { sent: 0, back: 0 };
  assert.deepEqual(await portsDuring(async () => assert.equal(await mesh.go('t_upper', 'abc').text(), 'ABC')), none);
  assert.deepEqual(await portsDuring(async () => assert.equal(await mesh.go('t_noop', 'x').text(), '')), none);
  const chunk = new Uint8Array(65536).fill(0x61);
  const n = await portsDuring(async () => assert.equal((await mesh.go('t_cat', chunk).bytes()).length, 65536));
  assert.deepEqual(n, none);
});

test('more than a chunk of output streams on a port the worker makes', async () => {
  // t_gen writes what its header asks for: here 1 MiB.
  const header = new Uint8Array(8);
  new DataView(header.buffer).setUint32(0, 1 << 20, true);
  new DataView(header.buffer).setUint32(4, 7, true);
  let got = 0;
  const n = await portsDuring(async () => {
    got = (await mesh.go('t_gen', header).bytes()).length;
  });
  assert.equal(got, 1 << 20);
  assert.deepEqual(n, { sent: 0, back: 1 });
});

test('writes that land on the end of the first chunk stream on, whatever comes next', { timeout: 60000 }, async () => {
  // A write after exactly one chunk held back used to wait for ever: the
  // output got its port, the full chunk left no room, and the writer waited
  // for a credit that the reader gives only after half its window.
  const CHUNK = 65536;
  for (const sizes of [[CHUNK, 1], [CHUNK - 1, 1, 1], [CHUNK, CHUNK], [CHUNK / 2, CHUNK / 2, 5], [CHUNK, CHUNK, CHUNK, 1]]) {
    const input = new Uint8Array(new Uint32Array(sizes).buffer);
    const out = await mesh.go('t_writes', input).bytes();
    assert.equal(out.length, sizes.reduce((a, b) => a + b, 0), `writes of ${sizes.join(', ')}`);
  }
});

test('output pending while the function waits for input reaches the caller', async () => {
  /** @type {(v?: unknown) => void} */
  let release = () => {};
  const held = new Promise((r) => (release = r));
  async function* input() {
    yield 'first';
    await held; // only once the caller has read "first"
    yield 'second';
  }
  const c = mesh.go('t_cat', input());
  const reader = c.output.getReader();
  assert.equal(new TextDecoder().decode((await reader.read()).value), 'first');
  release();
  assert.equal(new TextDecoder().decode((await reader.read()).value), 'second');
  assert.equal((await reader.read()).done, true);
  assert.equal(await c.result, 0);
});

test('an output that ends with an error keeps its bytes, then fails with the code', async () => {
  for (const fn of ['t_fail', 't_errclose']) {
    const c = mesh.go(fn, 'x');
    const reader = c.output.getReader();
    const first = await reader.read();
    assert.ok(first.value && first.value.length > 0, fn);
    await assert.rejects(reader.read(), (e) => e instanceof WmError && e.code < 0);
    await c.result.catch(() => {});
  }
});

test('a cancelled reader of a whole output, or of one that streams, loses nothing else', async () => {
  const small = mesh.go('t_upper', 'abc');
  await small.output.cancel();
  assert.equal(await small.result, 0);
  const header = new Uint8Array(8);
  new DataView(header.buffer).setUint32(0, 4 << 20, true);
  const big = mesh.go('t_gen', header);
  const reader = big.output.getReader();
  await reader.read();
  await reader.cancel();
  // The writer sees its reader gone; the call ends either way.
  await big.result.catch((e) => assert.ok(e instanceof WmError));
  assert.equal(await mesh.go('t_upper', 'still').text(), 'STILL');
});

test('a worker that dies fails an output that never came', async () => {
  const c = mesh.go('t_trap', 'x');
  await assert.rejects(c.text(), (e) => e instanceof WmError && e.code === codes.WM_EDIED);
  assert.equal(await mesh.go('t_upper', 'after').text(), 'AFTER');
});

test('forged OUT and OUTPORT frames are refused and counted', async () => {
  const s0 = (await mesh.stats()).main.refused;
  const out = (/** @type {number} */ id) => String.fromCharCode(21, 0, 0, 0, id, 0, 0, 0, 1, 0, 0, 0) + 'forged';
  // No such call; a status of 0; OUTPORT without its port.
  mesh.host.receiveCtrl(1, out(250));
  mesh.host.receiveCtrl(1, String.fromCharCode(21, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0));
  mesh.host.receiveCtrl(1, String.fromCharCode(22, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0));
  // OUTPORT with a port for no call: refused, and its port closed.
  const ch = new MessageChannel();
  const closed = new Promise((r) => ch.port1.addEventListener('close', r));
  ch.port1.start();
  const f = new Uint8Array([22, 0, 0, 0, 251, 0, 0, 0, 0, 0, 0, 0]).buffer;
  mesh.host.receiveCtrl(1, { t: 'f', f, p: [ch.port2], e: [[]] });
  await closed;
  assert.equal((await mesh.stats()).main.refused, s0 + 4);
  assert.equal(await mesh.go('t_upper', 'fine').text(), 'FINE');
});
