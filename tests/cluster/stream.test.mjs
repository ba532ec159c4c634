// stream.test.mjs: a stream between hosts (js/cluster/stream.js), without
// NATS: frames in order make the bytes, and a hole, an overrun or a frame
// that is not one never becomes bytes.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { StreamReceiver, StreamSender, T_ABORT, T_DATA, T_END, decodeFrame, encodeFrame } from '../../js/cluster/stream.js';
import { WmError, codes } from '../../js/errors.js';
import { CHUNK } from '../../js/wire.js';

/** a receiver whose credit and stop are recorded */
function receiver(window = 4096) {
  const grants = [];
  const stops = [];
  const rx = new StreamReceiver('h:1', window, (n) => grants.push(n), (r) => stops.push(r));
  return { rx, grants, stops };
}

/** @param {ReadableStream<Uint8Array>} s */
async function read(s) {
  const parts = [];
  for await (const b of /** @type {AsyncIterable<Uint8Array>} */ (s)) parts.push(...b);
  return parts;
}

test('frames in order are the bytes; END ends them; credit goes back as they are read', async () => {
  const { rx, grants } = receiver(4096);
  assert.deepEqual(grants, [4096], 'the whole window at once: the sender may start');
  rx.frame(T_DATA, 0, new Uint8Array(2048).fill(1));
  const reader = rx.readable.getReader();
  assert.equal((await reader.read()).value?.length, 2048);
  assert.deepEqual(grants, [4096, 2048], 'credit for what was read');
  rx.frame(T_DATA, 1, new Uint8Array([2, 3]));
  rx.frame(T_END, 2, new Uint8Array(0));
  assert.deepEqual((await reader.read()).value, new Uint8Array([2, 3]));
  assert.equal((await reader.read()).done, true);
});

test('a frame lost fails the stream with WM_EPROTO; nothing after the hole is delivered', async () => {
  const { rx } = receiver();
  rx.frame(T_DATA, 0, new Uint8Array([1]));
  rx.frame(T_DATA, 2, new Uint8Array([3])); // 1 never came
  rx.frame(T_DATA, 3, new Uint8Array([4]));
  rx.frame(T_END, 4, new Uint8Array(0));
  const got = [];
  await assert.rejects(
    (async () => {
      for await (const b of /** @type {AsyncIterable<Uint8Array>} */ (rx.readable)) got.push(...b);
    })(),
    (e) => e instanceof WmError && e.code === codes.WM_EPROTO && /frame 1 lost/.test(e.message),
  );
  assert.deepEqual(got, [], 'not even the bytes before the hole: the stream failed before they were read');
});

test('a sender past its credit fails the stream with WM_EPROTO', async () => {
  const { rx } = receiver(1024);
  rx.frame(T_DATA, 0, new Uint8Array(1024 + CHUNK + 1));
  await assert.rejects(read(rx.readable), (e) => e instanceof WmError && e.code === codes.WM_EPROTO);
});

test("an ABORT frame fails the stream with the sender's code", async () => {
  const { rx } = receiver();
  const code = new Uint8Array(4);
  new DataView(code.buffer).setInt32(0, codes.WM_EDIED, true);
  rx.frame(T_ABORT, 0, code);
  await assert.rejects(read(rx.readable), (e) => e instanceof WmError && e.code === codes.WM_EDIED);
});

test('a reader that stops early tells the sender once', async () => {
  const { rx, stops } = receiver();
  rx.frame(T_DATA, 0, new Uint8Array([1]));
  await rx.readable.cancel();
  rx.stop();
  assert.equal(stops.length, 1);
});

test('what is not a frame is refused whole', () => {
  const ok = encodeFrame(T_DATA, 'abc:12', 7, new Uint8Array([9]));
  assert.deepEqual(decodeFrame(ok)?.payload, new Uint8Array([9]));
  assert.equal(decodeFrame(ok)?.seq, 7);
  const bad = [
    new Uint8Array(0),
    new Uint8Array([1, 0, 0, 0, 0, 0]), // empty key
    encodeFrame(9, 'abc:1', 0),
    encodeFrame(T_DATA, 'a.b:1', 0),
    encodeFrame(T_DATA, 'abc', 0),
    encodeFrame(T_END, 'abc:1', 0, new Uint8Array([1])),
    encodeFrame(T_ABORT, 'abc:1', 0, new Uint8Array([1])),
    ok.subarray(0, 5),
  ];
  for (const b of bad) assert.equal(decodeFrame(b), null, `refused: ${[...b.subarray(0, 12)]}`);
  // Random bytes never throw, and are rarely a frame.
  let seed = 1;
  for (let i = 0; i < 20000; i++) {
    const b = new Uint8Array(1 + (i % 40));
    for (let k = 0; k < b.length; k++) b[k] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    decodeFrame(b);
  }
});

test('a sender sends nothing before credit, and no more than its credit and a chunk', async () => {
  const sent = [];
  const tx = new StreamSender('h:2', (f) => sent.push(decodeFrame(f)));
  const w = tx.write(new Uint8Array(3 * CHUNK));
  const end = w.then(() => tx.end());
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(sent.length, 0, 'waits for the receiver');
  tx.credit(1);
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(sent.length, 1, 'one chunk on a byte of credit');
  tx.credit(3 * CHUNK);
  await end;
  assert.deepEqual(sent.map((f) => f?.seq), [0, 1, 2, 3]);
  assert.equal(sent[3]?.type, T_END);
  const failing = new StreamSender('h:3', () => {});
  const stuck = failing.write(new Uint8Array(10));
  failing.fail(new WmError(codes.WM_EDIED));
  await assert.rejects(stuck, (e) => e instanceof WmError && e.code === codes.WM_EDIED);
});
