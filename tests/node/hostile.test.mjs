// hostile.test.mjs: forged and malformed messages posted straight to live
// instances are refused, counted, and break nothing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { jsCall } from '../../js/calls.js';
import { WmError, codes } from '../../js/index.js';
import { PortWriter, readableFromPort } from '../../js/pipe.js';
import { frameBytes } from '../../js/wire.js';
import { callFrame, doneFrame } from './forge.mjs';
import { assertNoLeaks, startMesh } from './helpers.mjs';

/** @type {import('../../js/mesh.js').Mesh} */
let mesh;
before(async () => {
  mesh = await startMesh();
});
after(async () => {
  await assertNoLeaks(mesh);
});

async function refused(worker) {
  const s = await mesh.stats();
  return worker === 0 ? s.main.refused : s.workers[worker - 1].refused;
}

test('a worker refuses an unregistered index and never calls it', async () => {
  const before = await refused(1);
  const ch = new MessageChannel();
  const f = callFrame({ id: 7, fn: 99999, out: { port: 0, window: 65536 } });
  mesh.workers[1].send({ t: 'f', f, p: [ch.port2] }, [f, ch.port2]);
  // The function's output end closes with the reason.
  const out = readableFromPort(ch.port1, 65536, 'forged');
  await assert.rejects(
    new Response(out).arrayBuffer(),
    (e) => e instanceof WmError && e.code === codes.WM_ENOFN,
  );
  assert.equal(await refused(1), before + 1);
  // Its DONE names a call the coordinator never placed: refused there too.
  for (let i = 0; i < 100 && (await refused(0)) === 0; i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok((await refused(0)) >= 1);
});

test('malformed control frames are refused and their ports closed', async () => {
  const before = await refused(2);
  const bad = [
    new ArrayBuffer(0),
    new Uint8Array([16]).buffer,
    new Uint8Array([99, 1, 2, 3]).buffer,
    callFrame({ id: 1, fn: 1, out: { port: 5, window: 65536 } }), // port out of range
    callFrame({ id: 1, fn: 1, out: { port: 0, window: 0 } }), // zero window
    callFrame({ id: 1, fn: 1, deadline: -7 }),
    new Uint8Array(callFrame({ id: 1, fn: 1 })).slice(0, 30).buffer, // truncated
    doneFrame(12345, 0), // a DONE a worker never expects from main
  ];
  for (const f of bad) mesh.workers[2].send({ t: 'f', f, p: [] }, [f]);
  mesh.workers[2].send({ t: 'f', f: 'not bytes', p: 'not ports' });
  // A frame whose ports do not match what it says: its port gets closed.
  const ch = new MessageChannel();
  const f = callFrame({ id: 1, fn: 1 });
  mesh.workers[2].send({ t: 'f', f, p: [ch.port2] }, [f, ch.port2]);
  const closed = new Promise((r) => ch.port1.addEventListener('close', r));
  ch.port1.start();
  await closed;
  let n = 0;
  for (let i = 0; i < 100 && n < before + bad.length + 2; i++) {
    n = await refused(2);
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(n, before + bad.length + 2);
  // The worker still works.
  assert.equal(await mesh.go('t_upper', 'still fine', { where: 2 }).text(), 'STILL FINE');
});

test('control frames sent as strings are refused when malformed, and run when good', async () => {
  const before = await refused(2);
  const str = (/** @type {ArrayBuffer} */ b) => String.fromCharCode(...new Uint8Array(b));
  const bad = [
    '',
    String.fromCharCode(16),
    str(doneFrame(12345, 0)), // a DONE a worker never expects from main
    str(callFrame({ id: 1, fn: 1, deadline: -7 })),
    'Ā' + str(callFrame({ id: 1, fn: mesh.index('t_noop') })).slice(1), // a character above 255
    str(callFrame({ id: 1, fn: mesh.index('t_noop') })).padEnd(300, '\0'), // longer than any string frame
  ];
  for (const m of bad) mesh.workers[2].send(m);
  mesh.workers[2].send({ t: 'fs', l: bad });
  let n = 0;
  for (let i = 0; i < 100 && n < before + 2 * bad.length; i++) {
    n = await refused(2);
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(n, before + 2 * bad.length);
  // A good frame as a string runs: a call without pipes, whose DONE comes
  // back to the coordinator, which never placed it and refuses it.
  const main0 = await refused(0);
  mesh.workers[2].send(str(callFrame({ id: 77, fn: mesh.index('t_noop') })));
  for (let i = 0; i < 100 && (await refused(0)) === main0; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(await refused(0), main0 + 1);
  assert.equal(await refused(2), before + 2 * bad.length);
});

test('malformed batches of control frames are refused frame by frame', async () => {
  const before = await refused(2);
  const bad = [
    { t: 'fs', l: 'not a list' }, // refused as one
    { t: 'fs', l: [7, null, { f: 'not bytes' }, { f: doneFrame(12345, 0), p: [] }] }, // four
    { t: 'fs' }, // one
  ];
  for (const m of bad) mesh.workers[2].send(m);
  // A good frame in a batch still runs beside a bad one.
  const ch = new MessageChannel();
  const f = callFrame({ id: 3, fn: mesh.index('t_local'), out: { port: 0, window: 65536 } });
  const g = new Uint8Array([99]).buffer;
  mesh.workers[2].send({ t: 'fs', l: [{ f: g, p: [] }, { f, p: [ch.port2] }] }, [f, g, ch.port2]);
  const out = readableFromPort(ch.port1, 65536, 't_local');
  assert.equal(await new Response(out).text(), 'ok');
  let n = 0;
  for (let i = 0; i < 100 && n < before + 7; i++) {
    n = await refused(2);
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(n, before + 7);
  assert.equal(await mesh.go('t_upper', 'batch', { where: 2 }).text(), 'BATCH');
});

test('a forged DONE for a call never made is refused by the main instance', async () => {
  const before = await refused(0);
  mesh.host.deliverCtrl(1, doneFrame(424242, 0));
  mesh.host.deliverCtrl(1, doneFrame(0, -1));
  assert.equal(await refused(0), before + 2);
});

test('malformed pipe frames fail the pipe with WM_EPROTO, not the worker', async () => {
  const bad = [
    new Uint8Array([4, 1, 0, 0, 0]).buffer, // CREDIT sent to a reader
    new Uint8Array([3, 1, 0, 0, 0]).buffer, // ERR with a positive code
    new Uint8Array([9]).buffer, // unknown type
    new ArrayBuffer(0),
    'not a frame',
    // Short frames may travel as strings of byte values (js/wire.js).
    '\x04\x01\x00\x00\x00', // CREDIT sent to a reader, as a string
    '\x02\u0100', // a character above 255
    '\x01' + 'x'.repeat(300), // longer than any string frame
    '',
    new Uint8Array(1 + 70000).fill(1).buffer, // DATA beyond the window
    [new Uint8Array([4, 1, 0, 0, 0]).buffer, new ArrayBuffer(65537)], // CREDIT and a spare, to a reader
    [new Uint8Array([1, 67]).buffer, new ArrayBuffer(65537)], // spares with DATA
    [], // an empty list
  ];
  for (const frame of bad) {
    const input = new MessageChannel();
    const output = new MessageChannel();
    const window = 65536;
    const f = callFrame({ id: 9, fn: mesh.index('t_cat'), in: { port: 0, window }, out: { port: 1, window } });
    mesh.workers[1].send({ t: 'f', f, p: [input.port2, output.port2] }, [f, input.port2, output.port2]);
    input.port1.postMessage(new Uint8Array([1, 65, 66]).buffer); // DATA "AB"
    input.port1.postMessage(frame);
    const reader = readableFromPort(output.port1, window, 't_cat').getReader();
    const first = await reader.read();
    assert.equal(new TextDecoder().decode(first.value), 'AB');
    await assert.rejects(reader.read(), (e) => e instanceof WmError && e.code === codes.WM_EPROTO);
    input.port1.close();
  }
  assert.equal(await mesh.go('t_upper', 'ok', { where: 1 }).text(), 'OK');
});

/** credit makes a CREDIT frame for n bytes. @param {number} n */
function credit(n) {
  const b = new Uint8Array(5);
  new DataView(b.buffer).setUint32(1, n, true);
  b[0] = 4;
  return b.buffer;
}

test('forged spare buffers fail the pipe at a C writer, not the worker', async () => {
  const spare = () => new ArrayBuffer(65537);
  const bad = [
    [credit(2)], // no spare
    [credit(2), new ArrayBuffer(10)], // a spare of the wrong size
    [credit(2), 'not a buffer'],
    [credit(2), ...Array.from({ length: 9 }, spare)], // too many
    [new Uint8Array([5]).buffer, spare()], // spares with RCLOSE
    ((s) => [credit(2), s, s])(spare()), // one spare twice
  ];
  const before = await refused(1);
  for (const m of bad) {
    const input = new MessageChannel();
    const output = new MessageChannel();
    const window = 65536;
    const f = callFrame({ id: 9, fn: mesh.index('t_cat'), in: { port: 0, window }, out: { port: 1, window } });
    mesh.workers[1].send({ t: 'f', f, p: [input.port2, output.port2] }, [f, input.port2, output.port2]);
    const frames = [];
    /** @type {(v: unknown) => void} */
    let got = () => {};
    output.port1.onmessage = (e) => {
      frames.push(frameBytes(e.data));
      got(undefined);
    };
    const arrived = () => new Promise((r) => (got = r));
    input.port1.postMessage(new Uint8Array([1, 65, 66]).buffer); // DATA "AB"
    await arrived();
    assert.deepEqual([...frames[0]], [1, 65, 66]);
    // The writer has heard from us (its first write started its port), so
    // this reaches it; it must not take the buffers or the credit.
    output.port1.postMessage(m, [...new Set(m.filter((x) => x instanceof ArrayBuffer))]);
    input.port1.postMessage(new Uint8Array([2]).buffer); // EOF
    while (frames.length < 2) await arrived();
    assert.deepEqual([...frames[1]], [2]); // its own EOF, nothing more
    input.port1.close();
    output.port1.close();
  }
  let n = 0;
  for (let i = 0; i < 100 && n < before + bad.length; i++) {
    n = await refused(1);
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(n, before + bad.length);
  assert.equal(await mesh.go('t_upper', 'ok', { where: 1 }).text(), 'OK');
});

test('a JS writer fills the spare buffers its reader gives back, and refuses forged ones', async () => {
  const ch = new MessageChannel();
  const w = new PortWriter(ch.port1, 1 << 20);
  /** @type {ArrayBuffer[]} */
  const frames = [];
  ch.port2.onmessage = (e) => frames.push(e.data);
  // Messages cross the event loop: wait for what must come, for a bounded
  // number of turns (a loaded machine may take more than one).
  const until = async (/** @type {() => boolean} */ ok) => {
    for (let i = 0; i < 400 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
  };
  try {
    assert.ok(await w.write(new Uint8Array(65536).fill(7)));
    const spare = new ArrayBuffer(65537);
    ch.port2.postMessage([credit(65536), spare], [spare]);
    await until(() => w.inflight === 0 && w.spares.length === 1);
    assert.equal(w.inflight, 0);
    assert.equal(w.spares.length, 1);
    assert.ok(await w.write(new Uint8Array(65536).fill(8)));
    assert.equal(w.spares.length, 0); // filled and sent
    await until(() => frames.length === 2);
    assert.equal(frames.length, 2);
    assert.ok(frames.every((f) => f.byteLength === 65537));
    assert.ok(new Uint8Array(frames[1]).subarray(1).every((b) => b === 8));
    ch.port2.postMessage([credit(1), new ArrayBuffer(3)]);
    await until(() => !!w.protoError);
    assert.ok(w.protoError);
    assert.equal(w.spares.length, 0);
  } finally {
    ch.port1.close();
    ch.port2.close();
  }
});

test('a frame named twice in a forged early list is delivered once, then refused', async () => {
  const input = new MessageChannel();
  const output = new MessageChannel();
  const window = 4 * 65536;
  const big = new Uint8Array(65537).fill(0x61);
  big[0] = 1; // DATA, 64 KiB of 'a'
  const f = callFrame({ id: 9, fn: mesh.index('t_cat'), in: { port: 0, window }, out: { port: 1, window } });
  const early = [[big.buffer, big.buffer], []];
  mesh.workers[1].send({ t: 'f', f, p: [input.port2, output.port2], e: early }, [f, input.port2, output.port2]);
  /** @type {unknown[]} */
  const back = [];
  input.port1.onmessage = (e) => back.push(e.data);
  const reader = readableFromPort(output.port1, window, 't_cat').getReader();
  // The buffer went back with the credit for its bytes; the second copy,
  // gone from under the list, is refused and fails the pipe.
  const { value } = await reader.read();
  assert.equal(value.length, 65536);
  assert.ok(value.every((b) => b === 0x61));
  await assert.rejects(reader.read(), (e) => e instanceof WmError && e.code === codes.WM_EPROTO);
  const withSpares = back.filter((m) => Array.isArray(m));
  assert.equal(withSpares.length, 1);
  assert.equal(withSpares[0].length, 2);
  input.port1.close();
  assert.equal(await mesh.go('t_upper', 'ok', { where: 1 }).text(), 'OK');
});

/**
 * catFromPort makes a t_cat call straight through the core, reading from
 * port as its input: the port goes into the CALL as the test left it.
 * @param {import('../../js/mesh.js').Mesh} m
 * @param {MessagePort} port
 * @param {number} where a worker, or -1 for any
 * @returns {{ done: Promise<number>, callId: number }} its result code
 */
function catFromPort(m, port, where) {
  const h = m.host;
  /** @type {Promise<number>} */
  const done = new Promise((resolve) =>
    m.calls.pending.set(99999, /** @type {any} */ ({ finish: resolve, fail: resolve, name: 't_cat' })),
  );
  const req = {
    fns: [m.index('t_cat')],
    where,
    inPort: h.addPort(port),
    outPort: -1,
    window: 65536,
    token: 99999,
    deadline: -1,
    input: null,
    id: 0,
  };
  assert.equal(jsCall(h.mod, req), 0);
  return { done, callId: req.id };
}

test('a port whose far end closed in this thread is moved without killing the process', async () => {
  // In Node, a MessagePort whose peer is closed in the same thread is
  // detached once the close is seen: postMessage then throws DataCloneError
  // for any message that moves it. The main instance makes both ends of a
  // chain's channels, and may close one (a stage refused) before the other
  // moves with a queued stage. Here the port goes into a CALL directly.
  const ch = new MessageChannel();
  ch.port1.close();
  await new Promise((r) => setTimeout(r, 20)); // the close is seen
  const { done } = catFromPort(mesh, ch.port2, 1);
  // The function sees its input's far end gone, as when a writer's worker
  // dies; the call ends, and the worker still serves.
  const result = await done;
  assert.equal(typeof result, 'number');
  assert.equal(await mesh.go('t_upper', 'alive', { where: 1 }).text(), 'ALIVE');
});

test('a queued call whose input port lost its far end is dropped without leaving its reader behind', async () => {
  // The input's far end closes while the call waits in the queue, with its
  // port unbound: the port's close event passes before anyone listens.
  // When the call is then cancelled, the main instance takes the reader
  // back to close it, and must not wait for ever for the writer's EOF.
  const m = await startMesh({ workers: 1, concurrency: 1 });
  try {
    /** @type {ReadableStreamDefaultController<Uint8Array>} */
    let hold;
    const busy = m.go('t_cat', new ReadableStream({ start: (c) => void (hold = c) }));
    let s = await m.stats();
    for (let i = 0; i < 100 && s.total.running < 1; i++) s = await m.stats();
    const ch = new MessageChannel();
    const h = m.host;
    const { done, callId } = catFromPort(m, ch.port2, -1 /* any worker */);
    assert.equal((await m.stats()).main.queued, 1);
    ch.port1.close();
    await new Promise((r) => setTimeout(r, 20)); // the close passes, unheard
    h.mod._wm__js_cancel(callId, codes.WM_ECANCELED);
    assert.equal(await done, codes.WM_ECANCELED);
    /** @type {ReadableStreamDefaultController<Uint8Array>} */ (/** @type {unknown} */ (hold)).close();
    await busy.result;
  } finally {
    await assertNoLeaks(m);
  }
});
