// jswriter.test.mjs: the pipe ends held by JS (js/pipe.js). A JS writer
// gathers small writes into few frames, never holds bytes while it waits,
// keeps within its window exactly, and stops reading its input when the
// reader leaves; a JS reader hands chunks over in order and credits only
// what is read.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';

import { WmError, codes } from '../../js/index.js';
import { PortWriter, readableFromPort } from '../../js/pipe.js';
import * as wire from '../../js/wire.js';
import { assertNoLeaks, hashStream, pattern, sha256, startMesh } from './helpers.mjs';

/** @type {import('../../js/mesh.js').Mesh} */
let mesh;
before(async () => {
  mesh = await startMesh();
});
after(async () => {
  await assertNoLeaks(mesh);
});

/** A guard against a hang, should bytes be held: no timing is asserted. */
const GUARD = { timeout: 60_000 };

/** framesIn counts the pipe frames every instance's host has taken in. */
async function framesIn() {
  return (await mesh.stats()).total.framesIn;
}

/**
 * until waits for cond over a bounded number of event-loop turns.
 * @param {() => boolean} cond
 */
async function until(cond) {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  return cond();
}

const turn = () => new Promise((r) => setImmediate(r));
const dec = new TextDecoder();

test('10,000 writes of 10 bytes from a sync generator arrive intact, in few frames', async () => {
  const writes = 10_000;
  // One buffer, changed after every write: each is copied before the next.
  function* counting() {
    const b = new Uint8Array(10);
    for (let i = 0; i < writes; i++) {
      b.fill(i & 0xff);
      yield b;
    }
  }
  const before = await framesIn();
  const out = await mesh.go('t_cat', counting()).bytes();
  const frames = (await framesIn()) - before;
  assert.equal(out.length, 10 * writes);
  assert.ok(out.every((b, j) => b === (Math.floor(j / 10) & 0xff)));
  assert.ok(frames < writes / 10, `${frames} frames for ${writes} writes`);
});

test('small chunks of every shape are gathered, in order', async () => {
  const shapes = [
    'ab',
    'é€😀',
    new Uint8Array([1, 2, 3]),
    new Uint8Array([9, 9, 4, 5, 9]).subarray(2, 4),
    new Uint8Array([6, 7]).buffer,
    new DataView(new Uint8Array([0, 8, 0]).buffer, 1, 1),
    new Uint16Array([0x0a09]),
    Buffer.from('zz'),
  ];
  const chunks = Array.from({ length: 3000 }, (_, i) => shapes[i % shapes.length]);
  const enc = new TextEncoder();
  const expect = Buffer.concat(
    chunks.map((c) =>
      typeof c === 'string'
        ? enc.encode(c)
        : ArrayBuffer.isView(c)
          ? new Uint8Array(c.buffer, c.byteOffset, c.byteLength)
          : new Uint8Array(c),
    ),
  );
  const before = await framesIn();
  const out = await mesh.go('t_cat', chunks).bytes();
  const frames = (await framesIn()) - before;
  assert.equal(sha256(out), sha256(expect));
  assert.ok(frames < chunks.length / 10, `${frames} frames for ${chunks.length} writes`);
});

test('an async input whose chunks come at once is gathered too', async () => {
  const data = pattern(100_000, 21);
  async function* source() {
    for (let off = 0; off < data.length; off += 10) yield data.subarray(off, off + 10);
  }
  const stream = new ReadableStream({
    start(ctl) {
      for (let off = 0; off < data.length; off += 10) ctl.enqueue(data.subarray(off, off + 10));
      ctl.close();
    },
  });
  for (const input of [source(), stream]) {
    const before = await framesIn();
    const out = await mesh.go('t_cat', input).bytes();
    const frames = (await framesIn()) - before;
    assert.equal(sha256(out), sha256(data));
    assert.ok(frames < 10_000 / 10, `${frames} frames for 10,000 writes`);
  }
});

test('bytes written before a slow async input waits arrive before it resumes', GUARD, async () => {
  /** @type {() => void} */
  let open = () => {};
  const gate = new Promise((r) => (open = () => r(undefined)));
  let resumed = false;
  async function* slow() {
    yield 'first ';
    yield new Uint8Array([65, 66]);
    await gate;
    resumed = true;
    yield ' last';
  }
  /** @type {ReadableStreamDefaultController<string> | undefined} */
  let ctl;
  const stream = new ReadableStream({
    start(c) {
      ctl = c;
      c.enqueue('first ');
      c.enqueue('AB');
    },
  });
  const inputs = [
    { input: slow(), resume: open },
    {
      input: stream,
      resume: () => {
        ctl?.enqueue(' last');
        ctl?.close();
      },
    },
  ];
  for (const { input, resume } of inputs) {
    resumed = false;
    const c = mesh.go('t_cat', input);
    const reader = c.output.getReader();
    let got = '';
    while (got.length < 'first AB'.length) {
      const { done, value } = await reader.read();
      assert.ok(!done);
      got += dec.decode(value);
    }
    assert.equal(got, 'first AB');
    assert.equal(resumed, false);
    resume();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      got += dec.decode(value);
    }
    assert.equal(got, 'first AB last');
    assert.equal(await c.result, 0);
  }
});

test('a reader that leaves stops the input, whatever its shape', GUARD, async () => {
  const window = 64 * 1024;
  const chunk = new Uint8Array(100).fill(1);
  let pulled = 0;
  let stopped = false;
  function* syncForever() {
    try {
      for (;;) {
        pulled++;
        yield chunk;
      }
    } finally {
      stopped = true;
    }
  }
  async function* asyncForever() {
    try {
      for (;;) {
        pulled++;
        yield chunk;
        await turn();
      }
    } finally {
      stopped = true;
    }
  }
  const stream = () =>
    new ReadableStream({
      pull(ctl) {
        pulled++;
        ctl.enqueue(chunk);
      },
      cancel() {
        stopped = true;
      },
    });
  for (const input of [syncForever, asyncForever, stream]) {
    pulled = 0;
    stopped = false;
    // t_fail never reads its input: the runtime closes it when it returns.
    const c = mesh.go('t_fail', input(), { window });
    await assert.rejects(c.result, (e) => e.code === -1000);
    assert.ok(await until(() => stopped), `${input.name} was not stopped`);
    const n = pulled;
    await turn();
    await turn();
    assert.equal(pulled, n, `${input.name} was read after it stopped`);
  }
  // A sync input is never read beyond what the window holds.
  pulled = 0;
  const c = mesh.go('t_fail', syncForever(), { window });
  await assert.rejects(c.result, (e) => e.code === -1000);
  assert.ok(await until(() => stopped));
  assert.ok(pulled * chunk.length <= window + chunk.length, `${pulled} chunks read`);
});

/**
 * oddWrites yields `total` bytes of a pattern in writes of sizes that
 * straddle frames and windows.
 * @param {Uint8Array} block
 * @param {number} total
 */
function* oddWrites(block, total) {
  const sizes = [1, 10, 1000, 65535, 65536, 65537, 3, 200_000, 7, 131_071, 4096];
  for (let off = 0, i = 0; off < total; i++) {
    const n = Math.min(sizes[i % sizes.length], total - off);
    const at = off % (block.length - 200_000);
    yield block.subarray(at, at + n);
    off += n;
  }
}

test('window accounting is exact: 64 MiB in writes of odd sizes through t_cat', GUARD, async () => {
  const block = pattern((1 << 20) + 200_000, 5);
  const cases = [
    { total: 64 << 20, window: undefined },
    { total: 8 << 20, window: 100_003 },
    { total: 4 << 20, window: 24 * 1024 },
  ];
  for (const { total, window } of cases) {
    const h = createHash('sha256');
    for (const c of oddWrites(block, total)) h.update(c);
    const expect = h.digest('hex');
    // A DATA frame beyond the window would fail the pipe with WM_EPROTO.
    const c = mesh.go('t_cat', oddWrites(block, total), { window });
    const { hash, n } = await hashStream(c.output);
    assert.equal(await c.result, 0);
    assert.equal(n, total);
    assert.equal(hash, expect);
  }
});

/** credit makes a CREDIT frame for n bytes. @param {number} n */
function credit(n) {
  return wire.frame(wire.F_CREDIT, n);
}

test('a JS writer never has more than its window in flight', GUARD, async () => {
  const window = 100_003;
  const ch = new MessageChannel();
  const w = new PortWriter(ch.port1, window);
  // A strict reader. The writer cannot have seen more credit than was
  // posted, so received - credited bounds what it had in flight. Credit
  // goes in odd amounts, a turn late, with full frames given back.
  let received = 0;
  let credited = 0;
  let owed = 0;
  let most = 0;
  /** @type {string[]} */
  const bad = [];
  let eof = false;
  const h = createHash('sha256');
  ch.port2.onmessage = (e) => {
    const f = wire.parse(e.data);
    if (f?.type === wire.F_EOF) {
      eof = true;
      return;
    }
    if (f?.type !== wire.F_DATA || !f.bytes.length || f.bytes.length > wire.CHUNK) bad.push(`frame ${f?.type}`);
    if (!f) return;
    h.update(f.bytes);
    received += f.bytes.length;
    owed += f.bytes.length;
    most = Math.max(most, received - credited);
    if (received - credited > window) bad.push(`${received - credited} bytes in flight`);
    if (owed >= 7777) {
      const n = owed - (owed % 7777);
      owed -= n;
      const back = /** @type {ArrayBuffer} */ (e.data).byteLength === wire.SPARE_SIZE ? [e.data] : [];
      setImmediate(() => {
        credited += n;
        ch.port2.postMessage(back.length ? [credit(n), ...back] : credit(n), back);
      });
    }
  };
  const block = pattern((1 << 20) + 200_000, 9);
  const total = 6 << 20;
  const expect = createHash('sha256');
  for (const c of oddWrites(block, total)) expect.update(c);
  await w.pump(oddWrites(block, total));
  assert.ok(await until(() => eof));
  assert.deepEqual(bad, []);
  assert.equal(h.digest('hex'), expect.digest('hex'));
  assert.ok(most > window - wire.CHUNK, `the window was used: ${most}`);
  ch.port1.close();
  ch.port2.close();
});

test('a JS writer fills a spare it was given with gathered writes', async () => {
  const ch = new MessageChannel();
  const w = new PortWriter(ch.port1, 1 << 20);
  /** @type {ArrayBuffer[]} */
  const frames = [];
  ch.port2.onmessage = (e) => frames.push(e.data);
  assert.equal(await w.write(new Uint8Array(wire.CHUNK).fill(1)), true);
  const spare = new ArrayBuffer(wire.SPARE_SIZE);
  ch.port2.postMessage([credit(wire.CHUNK), spare], [spare]);
  assert.ok(await until(() => w.spares.length === 1));
  // 64 writes of 1 KiB: no wait, one frame, in the spare.
  for (let i = 0; i < 64; i++) assert.equal(w.write(new Uint8Array(1024).fill(2 + (i & 1))), true);
  assert.equal(w.spares.length, 0);
  assert.equal(w.gathered, 0);
  w.write(new Uint8Array([7]));
  assert.equal(w.gathered, 1);
  w.close();
  assert.ok(await until(() => frames.length === 4));
  assert.deepEqual(
    frames.map((f) => wire.frameBytes(f).length),
    [wire.SPARE_SIZE, wire.SPARE_SIZE, 2, 1],
  );
  const full = new Uint8Array(frames[1]);
  assert.equal(full[0], wire.F_DATA);
  assert.ok(full.subarray(1).every((b, i) => b === 2 + ((i >> 10) & 1)));
  assert.deepEqual([...new Uint8Array(frames[2])], [wire.F_DATA, 7]);
  assert.deepEqual([...wire.frameBytes(frames[3])], [wire.F_EOF]);
  assert.equal(typeof frames[3], 'string'); // short frames travel as strings
  ch.port1.close();
  ch.port2.close();
});

test('a JS reader hands over queued frames in order and credits only what is read', GUARD, async () => {
  const window = 4096;
  const ch = new MessageChannel();
  /** @type {unknown[]} */
  const back = [];
  ch.port2.onmessage = (e) => back.push(e.data);
  const stream = readableFromPort(ch.port1, window, 'fake');
  const n = 3000;
  for (let i = 0; i < n; i++) ch.port2.postMessage(new Uint8Array([wire.F_DATA, i & 0xff]).buffer);
  for (let i = 0; i < 20; i++) await turn();
  // Nothing read, nothing credited: the writer is held back.
  assert.equal(back.length, 0);
  const reader = stream.getReader();
  for (let i = 0; i < n; i++) {
    const { value } = await reader.read();
    assert.deepEqual([...(value ?? [])], [i & 0xff]);
  }
  assert.ok(await until(() => back.length === 2));
  assert.deepEqual(
    back.map((f) => wire.parse(f)?.value),
    [1024, 1024],
  );
  // A read that waits gets the next frame as it arrives, then the end.
  const pending = reader.read();
  ch.port2.postMessage(new Uint8Array([wire.F_DATA, 42]).buffer);
  assert.deepEqual([...((await pending).value ?? [])], [42]);
  const end = reader.read();
  ch.port2.postMessage(wire.frame(wire.F_EOF));
  assert.equal((await end).done, true);
  assert.ok(await until(() => back.length === 3));
  assert.equal(wire.parse(back[2])?.type, wire.F_RCLOSE);
});

test('a JS reader whose queue never drains keeps its order', GUARD, async () => {
  const ch = new MessageChannel();
  const reader = readableFromPort(ch.port1, 1 << 20, 'fake').getReader();
  /** @param {number} i a DATA frame carrying i as a u16 */
  const data = (i) => new Uint8Array([wire.F_DATA, i & 0xff, i >> 8]).buffer;
  let sent = 0;
  for (; sent < 1500; sent++) ch.port2.postMessage(data(sent));
  for (let i = 0; i < 20; i++) await turn();
  for (let i = 0; i < 5000; i++) {
    // One more comes for every one read, and arrives within 50 reads: the
    // queue stays about 1500 long.
    ch.port2.postMessage(data(sent++));
    if (i % 50 === 49) await turn();
    const { value } = await reader.read();
    assert.deepEqual([...(value ?? [])], [i & 0xff, (i >> 8) & 0xff]);
  }
  await reader.cancel();
  ch.port2.close();
});

test('a JS reader fails with WM_EDIED if the writer goes before its terminal, and sends RCLOSE when cancelled', GUARD, async () => {
  for (const waiting of [false, true]) {
    const ch = new MessageChannel();
    const reader = readableFromPort(ch.port1, 65536, 'fake').getReader();
    ch.port2.postMessage(new Uint8Array([wire.F_DATA, 1, 2]).buffer);
    assert.deepEqual([...((await reader.read()).value ?? [])], [1, 2]);
    const next = waiting ? reader.read() : null;
    ch.port2.close();
    await assert.rejects(next ?? reader.read(), (e) => e instanceof WmError && e.code === codes.WM_EDIED);
  }
  const ch = new MessageChannel();
  /** @type {unknown[]} */
  const back = [];
  ch.port2.onmessage = (e) => back.push(e.data);
  const reader = readableFromPort(ch.port1, 65536, 'fake').getReader();
  const pending = reader.read();
  await reader.cancel();
  assert.equal((await pending).done, true);
  assert.ok(await until(() => back.length === 1));
  assert.equal(wire.parse(back[0])?.type, wire.F_RCLOSE);
  // Data after RCLOSE is dropped; the writer's terminal closes the port.
  ch.port2.postMessage(new Uint8Array([wire.F_DATA, 1]).buffer);
  ch.port2.postMessage(wire.frame(wire.F_EOF));
  let closed = false;
  ch.port2.addEventListener('close', () => (closed = true));
  assert.ok(await until(() => closed));
});

test('a JS reader refuses DATA beyond its window with WM_EPROTO, after its data', async () => {
  const ch = new MessageChannel();
  const reader = readableFromPort(ch.port1, 16, 'fake').getReader();
  ch.port2.postMessage(new Uint8Array(11).fill(1).buffer); // DATA, 10 bytes
  ch.port2.postMessage(new Uint8Array(8).fill(1).buffer); // 7 more: 17 uncredited
  for (let i = 0; i < 20; i++) await turn();
  assert.equal((await reader.read()).value?.length, 10);
  await assert.rejects(reader.read(), (e) => e instanceof WmError && e.code === codes.WM_EPROTO);
  ch.port2.close();
});
