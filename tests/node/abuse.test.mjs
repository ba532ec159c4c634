// abuse.test.mjs: what a hostile or careless user did to the package, each a
// regression test of a failure it once caused: mass aborts, workers that
// cannot come back, spinning functions, deep nesting, bad options and
// arguments, outputs read twice, double close, forged huge frames.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { WmError, codes, createMesh } from '../../js/index.js';
import { readableFromPort } from '../../js/pipe.js';
import { callFrame } from './forge.mjs';
import { TEST_MODULE, assertNoLeaks, startMesh } from './helpers.mjs';
import { settled, storm } from './storm.mjs';

/** @type {import('../../js/mesh.js').Mesh} */
let mesh;
before(async () => {
  mesh = await startMesh();
});
after(async () => {
  await assertNoLeaks(mesh);
});

/** @param {number} code */
const wmErr = (code) => (/** @type {any} */ e) => e instanceof WmError && e.code === code;

test('aborting thousands of chains at once crashes nothing and settles each once', async () => {
  const input = new Uint8Array(100_000).fill(97);
  const calls = [];
  for (let i = 0; i < 2000; i++) {
    const ac = new AbortController();
    const c = mesh.chain(['t_cat', 't_cat'], input, { signal: ac.signal });
    ac.abort();
    calls.push(c);
    // Let some settle as the next are made, so that freed call slots are
    // reused and a chain's stages no longer sit in the order they were made.
    if (i % 50 === 49) await new Promise((r) => setTimeout(r, 0));
  }
  const results = await Promise.allSettled(calls.map((c) => c.result));
  for (const r of results) {
    if (r.status === 'fulfilled') assert.equal(r.value, 0);
    else assert.ok(r.reason?.name === 'AbortError' && r.reason.cause instanceof WmError, String(r.reason));
  }
  // Every output ends too, one way or the other.
  await Promise.allSettled(calls.map((c) => c.bytes()));
  assert.equal(await mesh.chain(['t_cat', 't_upper'], 'still here').text(), 'STILL HERE');
});

const u32 = (/** @type {number} */ n) => new Uint8Array(new Uint32Array([n]).buffer);
const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

test('workers killed over and over come back, and no call waits for ever meanwhile', async () => {
  const m = await startMesh({ workers: 2 });
  try {
    const calls = [];
    const stop = Date.now() + 600;
    while (Date.now() < stop) {
      for (let i = 1; i <= 2; i++) m.workers[i]?.terminate();
      calls.push(m.go('t_upper', 'x').result.then(
        () => 'ok',
        (e) => e.codeName,
      ));
      await sleep(5);
    }
    // Each settled, with a result or a clear error.
    for (const r of await Promise.all(calls)) assert.ok(['ok', 'WM_EDIED', 'WM_ENOWORKER'].includes(r), r);
    // The mesh restores its workers (with backoff) and serves again.
    for (let i = 0; i < 1000 && m.dead.size; i++) await sleep(5);
    assert.equal(m.dead.size, 0, 'workers were not restored');
    assert.equal(await m.go('t_upper', 'back').text(), 'BACK');
    const s = await m.stats();
    assert.ok(s.total.restarts > 0);
    assert.equal(s.total.workers, 2);
  } finally {
    await assertNoLeaks(m);
  }
});

test('a timeout stops a function that never blocks, and stats() answers meanwhile', async () => {
  const c = mesh.go('t_spin', undefined, { where: 1, timeout: 200, grace: 100 });
  await sleep(50);
  const s = await mesh.stats({ timeout: 100 });
  assert.equal(s.workers[0].unresponsive, 1);
  assert.equal(s.total.unresponsive, 1);
  assert.match(await mesh.dump({ timeout: 100 }), /unresponsive/);
  await assert.rejects(c.result, wmErr(codes.WM_ETIMEDOUT));
  for (let i = 0; i < 1000 && mesh.dead.size; i++) await sleep(5);
  assert.equal(await mesh.go('t_upper', 'after', { where: 1 }).text(), 'AFTER');
});

test('a deadline stops a spinning call made from C, too', async () => {
  // t_overdue waits for a t_spin it started with a 100 ms deadline.
  const c = mesh.go('t_overdue', undefined, { where: 1, output: false });
  await assert.rejects(c.result, wmErr(codes.WM_ETIMEDOUT));
  for (let i = 0; i < 1000 && mesh.dead.size; i++) await sleep(5);
  assert.equal(await mesh.go('t_upper', 'after', { where: 2 }).text(), 'AFTER');
});

test('nesting never deadlocks when parents hold every slot', async () => {
  const m = await startMesh({ workers: 2, concurrency: 4 });
  try {
    assert.equal(await m.go('t_nest_deep', u32(12)).text(), 'bottom');
  } finally {
    await assertNoLeaks(m);
  }
  assert.equal(await mesh.go('t_nest_deep', u32(1000)).text(), 'bottom');
});

test('a bad option throws before the call starts, and leaves nothing behind', async () => {
  const input = () => new ReadableStream({ pull: (c) => c.enqueue(new Uint8Array(10)) });
  const bad = [
    { signal: {} },
    { signal: 'abort' },
    { timeout: NaN },
    { timeout: Infinity },
    { timeout: '100' },
    { grace: -Infinity },
    { where: 1.5 },
    { where: 'everywhere' },
    { window: 4096.5 },
    { output: 'no' },
  ];
  for (const o of bad) assert.throws(() => mesh.go('t_cat', input(), /** @type {any} */ (o)), TypeError, JSON.stringify(o));
  // Out of range but of the right type: a WmError, at once.
  for (const o of [{ window: 1 }, { window: 3 }, { window: 1023 }, { where: 7 }, { where: 0 }])
    assert.throws(() => mesh.go('t_cat', input(), o), wmErr(codes.WM_EINVAL), JSON.stringify(o));
  const s = await mesh.stats();
  assert.equal(s.total.pendingJs, 0);
  // The smallest window works, and moves 200 KB without a round trip a byte.
  const big = new Uint8Array(200_000).fill(120);
  assert.equal((await mesh.go('t_cat', big, { window: 1024 }).bytes()).length, big.length);
});

test('only an exact registered name runs; inputs of a wrong type are a TypeError', () => {
  for (const fn of [1.5, -1, ['t_upper'], { name: 't_upper' }, Symbol('t_upper'), null, true])
    assert.throws(() => mesh.go(/** @type {any} */ (fn), 'x'), TypeError, String(fn?.toString?.() ?? fn));
  for (const fn of ['t_upper\0junk', '', 'T_UPPER', ' t_upper'])
    assert.throws(() => mesh.go(fn, 'x'), wmErr(codes.WM_ENOFN), JSON.stringify(fn));
  assert.throws(() => mesh.chain(['t_cat', 1.5], 'x'), TypeError);
  for (const input of [42, {}, true, null, Symbol('x'), () => 1])
    assert.throws(() => mesh.go('t_cat', /** @type {any} */ (input)), TypeError, String(input?.toString?.()));
});

test('an output is read once: a second read fails at once', async () => {
  for (const make of [() => mesh.go('t_upper', 'once'), () => mesh.chain(['t_cat', 't_upper'], 'once')]) {
    const c = make();
    const [a, b] = await Promise.allSettled([c.bytes(), c.text()]);
    assert.equal(a.status, 'fulfilled');
    assert.equal(new TextDecoder().decode(/** @type {any} */ (a).value), 'ONCE');
    assert.equal(b.status, 'rejected');
    assert.ok(/** @type {any} */ (b).reason instanceof TypeError);
    await assert.rejects(c.text(), TypeError);
    const d = make();
    const s = d.output;
    await assert.rejects(d.bytes(), TypeError);
    assert.equal(await new Response(s).text(), 'ONCE');
  }
});

test('a second close() resolves only when the mesh is closed', async () => {
  const m = await startMesh({ workers: 1 });
  const hold = m.go('t_cat', new ReadableStream({ start() {} }));
  hold.result.catch(() => {});
  const first = m.close({ timeout: 100 });
  const second = m.close();
  await second;
  assert.equal(m.closed, true);
  await first;
  await assert.rejects(hold.result, wmErr(codes.WM_ECLOSED));
});

test('a forged control frame over the protocol limit is refused before it costs memory', async () => {
  const heap = () => mesh.host.mod.HEAPU8.length;
  const before = heap();
  const refusedBefore = (await mesh.stats()).main.refused;
  const huge = new ArrayBuffer(100 << 20);
  new Uint8Array(huge)[0] = 16; // a CALL
  mesh.host.receiveCtrl(1, { t: 'f', f: huge, p: [] });
  assert.equal(heap(), before);
  assert.equal((await mesh.stats()).main.refused, refusedBefore + 1);
});

test('a huge DATA frame on a pipe fails that pipe with WM_EPROTO, not the worker', async () => {
  const input = new MessageChannel();
  const output = new MessageChannel();
  const window = 65536;
  const f = callFrame({ id: 9, fn: mesh.index('t_cat'), in: { port: 0, window }, out: { port: 1, window } });
  const memory = (await mesh.stats()).workers[1].memory;
  mesh.workers[2].send({ t: 'f', f, p: [input.port2, output.port2] }, [f, input.port2, output.port2]);
  const big = new Uint8Array(600 << 20);
  big[0] = 1; // DATA
  input.port1.postMessage(big.buffer, [big.buffer]);
  const out = readableFromPort(output.port1, window, 't_cat');
  await assert.rejects(new Response(out).arrayBuffer(), wmErr(codes.WM_EPROTO));
  input.port1.close();
  const s = await mesh.stats({ timeout: 5000 });
  assert.ok(!s.workers[1].unresponsive && !s.workers[1].dead);
  // Refused before it was copied in: the worker's memory did not grow.
  assert.ok(s.workers[1].memory - memory < 16 << 20, `grew by ${s.workers[1].memory - memory}`);
  assert.equal(await mesh.go('t_upper', 'unharmed', { where: 2 }).text(), 'UNHARMED');
});

test("a call's handles are usable only by the function that made them", async () => {
  /** @type {ReadableStreamDefaultController<Uint8Array>} */
  let ctl;
  const hold = new ReadableStream({ start: (c) => void (ctl = c) });
  const victim = mesh.go('t_victim', hold, { where: 1 });
  const reader = victim.output.getReader();
  assert.equal(new TextDecoder().decode((await reader.read()).value), 'ready;');
  const thief = await mesh.go('t_thief', undefined, { where: 1 }).text();
  const EBADF = codes.WM_EBADF;
  assert.equal(thief, `thief:${EBADF},${EBADF},${EBADF},${EBADF},${EBADF}`);
  // @ts-ignore: set by start
  ctl.close();
  let rest = '';
  for (let r; !(r = await reader.read()).done; ) rest += new TextDecoder().decode(r.value);
  assert.equal(rest, 'victim:0,1,v,0');
  assert.equal(await victim.result, 0);
});

test('createMesh refuses sizes that are not whole numbers in range', async () => {
  for (const o of [{ workers: -1 }, { workers: 1.5 }, { workers: '2' }, { concurrency: 0 }, { queue: -1 }, { workers: 1000 }])
    await assert.rejects(createMesh({ module: TEST_MODULE, ...o }), TypeError, JSON.stringify(o));
});

test('an input that fails reaches the function as WM_EINPUT, with the cause', async () => {
  const boom = new Error('boom');
  const inputs = {
    'a throwing iterator': (function* () {
      yield 'abc';
      throw boom;
    })(),
    'a throwing async iterator': (async function* () {
      yield 'abc';
      throw boom;
    })(),
    'an erroring stream': new ReadableStream({
      start(c) {
        c.enqueue(new Uint8Array(3));
        c.error(boom);
      },
    }),
    'a chunk that is not bytes': [1, 2, 3],
  };
  for (const [what, input] of Object.entries(inputs)) {
    const c = mesh.go('t_cat', /** @type {any} */ (input));
    const e = await c.result.then(
      () => null,
      (x) => x,
    );
    assert.ok(e instanceof WmError && e.code === codes.WM_EINPUT, `${what}: ${e}`);
    if (what !== 'a chunk that is not bytes') assert.equal(e.cause, boom, what);
    else assert.ok(e.cause instanceof TypeError, what);
  }
});

test('a storm of calls, chains, aborts, timeouts and worker kills settles each call and leaves nothing', async () => {
  // A fixed sequence of random operations (tests/node/storm.mjs): the
  // class of the two failures such runs once found, a process killed by a
  // detached port and a reader left waiting for an EOF that never came.
  const m = await startMesh({ workers: 3, concurrency: 4, queue: 64 });
  try {
    const calls = await storm(m, 12345);
    // A call that never settles is the bug this test hunts: after two
    // minutes it fails with what every instance still holds, instead of
    // hanging the suite with nothing to go on (it hung so once, in CI).
    const results = await settled(m, calls, 120000);
    for (const r of results)
      if (r.status === 'rejected') assert.ok(r.reason instanceof WmError || r.reason?.name === 'AbortError', String(r.reason));
    await Promise.allSettled(calls.map((c) => c.bytes()));
    // The killed workers come back (with backoff), and serve.
    for (let i = 0; i < 200 && (await m.stats()).total.workersDead > 0; i++) await sleep(25);
    assert.equal(await m.chain(['t_cat', 't_upper'], 'calm').text(), 'CALM');
  } finally {
    await assertNoLeaks(m);
  }
});

test('an unknown option key is a TypeError naming it, in calls and in createMesh', async () => {
  assert.throws(() => mesh.go('t_upper', 'x', /** @type {any} */ ({ timeot: 5 })), /unknown option 'timeot' \(did you mean 'timeout'\?\)/);
  assert.throws(() => mesh.chain(['t_cat'], 'x', /** @type {any} */ ({ windw: 4096 })), /unknown option 'windw'/);
  await assert.rejects(mesh.start('t_upper', 'x', /** @type {any} */ ({ startTimeot: 5 })), /unknown option 'startTimeot'/);
  await assert.rejects(startMesh(/** @type {any} */ ({ worker: 2 })), /createMesh: unknown option 'worker'/);
  const s = await mesh.stats();
  assert.equal(s.total.pendingJs, 0);
});

test('a module that cannot be loaded is named as the user gave it', async () => {
  await assert.rejects(
    createMesh({ module: '/nowhere/mine.js', workers: 1 }),
    (e) => e instanceof Error && e.message.includes('/nowhere/mine.js') && e.message.includes('/nowhere/mine.wasm'),
  );
});

test('a function made with output: false that writes gets WM_ENOPIPE, a clear error', async () => {
  const c = mesh.go('t_upper', 'x', { output: false });
  await assert.rejects(c.result, (e) => e instanceof WmError && e.code === codes.WM_ENOPIPE && /without it/.test(e.message));
  await assert.rejects(c.text(), (e) => e.code === codes.WM_ENOPIPE);
});
