// calls.test.mjs: go, chains, nesting, concurrency, results and errors.
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

test('go without pipes returns the function result', async () => {
  const c = mesh.go('t_noop', undefined, { output: false });
  assert.equal(await c.result, 0);
});

test('go with pipes streams input to output', async () => {
  assert.equal(await mesh.go('t_upper', 'hello, mesh').text(), 'HELLO, MESH');
});

test('go with an empty input and no input at all', async () => {
  assert.equal(await mesh.go('t_upper', '').text(), '');
  assert.equal(await mesh.go('t_upper', new Uint8Array(0)).text(), '');
  assert.equal(await mesh.go('t_noop').text(), '');
});

test('chains of 1, 2 and 8 stages', async () => {
  assert.equal(await mesh.chain(['t_upper'], 'abc').text(), 'ABC');
  assert.equal(await mesh.chain(['t_cat', 't_upper'], 'abc').text(), 'ABC');
  const eight = ['t_cat', 't_cat', 't_cat', 't_upper', 't_cat', 't_cat', 't_cat', 't_cat'];
  const text = 'the quick brown fox '.repeat(5000);
  assert.equal(await mesh.chain(eight, text).text(), text.toUpperCase());
});

test('a chain of more stages than workers runs as one block of neighbours per worker', async () => {
  for (const [n, blocks] of /** @type {const} */ ([[8, ['3', '3']], [5, ['1', '2']]])) {
    // Input that stays open until the dump has been taken, so that every
    // stage is alive when it is.
    /** @type {(v?: unknown) => void} */
    let release = () => {};
    const held = new Promise((r) => (release = r));
    async function* input() {
      yield 'abc';
      await held;
      yield 'def';
    }
    const c = mesh.chain(Array(n).fill('t_upper'), input());
    const reader = c.output.getReader();
    assert.equal(new TextDecoder().decode((await reader.read()).value), 'ABC');
    const dump = await mesh.dump();
    const seen = [...dump.matchAll(/fiber running t_upper and (\d+) more stages/g)].map((m) => m[1]).sort();
    assert.deepEqual(seen, blocks, dump);
    // Inside a block the stages are joined by local pipes: none has a port.
    assert.equal([...dump.matchAll(/pipe \S+ (?:reader|writer) local/g)].length, 2 * (n - 2), dump);
    release();
    assert.equal(new TextDecoder().decode((await reader.read()).value), 'DEF');
    assert.equal((await reader.read()).done, true);
    assert.equal(await c.result, 0);
  }
});

test('an input known whole and small travels inside the call, with no input port', async () => {
  const post = mesh.host.postCtrl;
  /** @type {number[]} */
  const ports = [];
  mesh.host.postCtrl = (dest, msg, transfer) => {
    ports.push(transfer.filter((t) => t instanceof MessagePort).length);
    post(dest, msg, transfer);
  };
  try {
    const cases = [
      // [input, window, input ports expected]
      ['', undefined, 0],
      ['héllo wörld', undefined, 0],
      [new Uint8Array(65536).fill(7), undefined, 0],
      [new Uint8Array(65537).fill(7), undefined, 1], // more than a chunk
      [new Uint8Array(5000).fill(9).buffer, 4096, 1], // more than the window
      [new DataView(new Uint8Array([1, 2, 3]).buffer, 1), undefined, 0],
    ];
    for (const [input, window, inPorts] of cases) {
      ports.length = 0;
      const want = typeof input === 'string' ? new TextEncoder().encode(input) : new Uint8Array(
        /** @type {any} */ (input).buffer ?? input, /** @type {any} */ (input).byteOffset ?? 0, /** @type {any} */ (input).byteLength);
      const got = await mesh.go('t_cat', input, { window }).bytes();
      assert.deepEqual(Buffer.from(got), Buffer.from(want));
      // The CALL moves an input port only if it must; the output needs
      // none (it comes back whole, see the next test).
      assert.deepEqual(ports, [inPorts]);
    }
  } finally {
    mesh.host.postCtrl = post;
  }
});

test('a chain started inside a worker', async () => {
  const text = 'x'.repeat(300000);
  assert.equal(await mesh.go('t_chain8', text).text(), text);
});

test('calls nested three levels deep, each level on a worker', async () => {
  assert.equal(await mesh.go('t_nest', new Uint8Array([3])).text(), '3;2;1;0;');
});

test('the main instance runs C in fibers and calls workers from it', async () => {
  assert.equal(await mesh.go('t_nest', new Uint8Array([2]), { where: 'main' }).text(), '2;1;0;');
  assert.equal(await mesh.go('t_local', undefined, { where: 'main' }).text(), 'ok');
});

test('1,000 concurrent calls on 2 workers', async () => {
  const calls = [];
  for (let i = 0; i < 1000; i++) calls.push(mesh.go('t_upper', `call ${i}`).text());
  const out = await Promise.all(calls);
  out.forEach((s, i) => assert.equal(s, `CALL ${i}`));
});

test('calls made together travel together, and each gets its own result', async () => {
  const post = mesh.host.postCtrl;
  const batches = [];
  mesh.host.postCtrl = (dest, msg, transfer) => {
    if (msg.t === 'fs') batches.push(msg.l.length);
    post(dest, msg, transfer);
  };
  try {
    const calls = Array.from({ length: 40 }, (_, i) => mesh.go('t_upper', `call ${i}`));
    const got = await Promise.all(calls.map((c) => c.text()));
    got.forEach((t, i) => assert.equal(t, `CALL ${i}`));
  } finally {
    mesh.host.postCtrl = post;
  }
  // The first call goes alone; the 39 others follow, one message per worker.
  assert.equal(batches.reduce((a, b) => a + b, 0), 39);
  assert.ok(batches.length <= 2);
});

test('calls can be placed on a chosen worker', async () => {
  for (const where of [1, 2]) assert.equal(await mesh.go('t_upper', 'w', { where }).text(), 'W');
  assert.throws(() => mesh.go('t_noop', undefined, { where: 0 }), WmError);
});

test("a function's own error code reaches the caller", async () => {
  const c = mesh.go('t_fail');
  await assert.rejects(c.result, (e) => e instanceof WmError && e.code === -1000 && e.fn === 't_fail');
  // Its output carries what it wrote, then the same error.
  const reader = c.output.getReader();
  const first = await reader.read();
  assert.equal(new TextDecoder().decode(first.value), 'about to fail');
  await assert.rejects(reader.read(), (e) => e instanceof WmError && e.code === -1000);
});

test('an unknown name is refused before anything is sent', () => {
  assert.throws(() => mesh.go('no_such_fn'), (e) => e instanceof WmError && e.code === codes.WM_ENOFN);
});

test('an unregistered index is refused by the caller and never called', () => {
  for (const idx of [0, 99999, 0xffffffff])
    assert.throws(() => mesh.go(idx), (e) => e instanceof WmError && e.code === codes.WM_ENOFN);
});

test('a call whose deadline has passed fails with WM_ETIMEDOUT', async () => {
  const c = mesh.go('t_noop', undefined, { timeout: 0, output: false });
  await assert.rejects(c.result, (e) => e.code === codes.WM_ETIMEDOUT);
});

test('bad pipe use from C gets the documented error codes', async () => {
  assert.equal(await mesh.go('t_misuse').text(), 'ok');
  assert.equal(await mesh.go('t_misuse', undefined, { where: 'main' }).text(), 'ok');
  assert.equal(await mesh.go('t_remote_misuse').text(), 'ok');
});

test('local pipes and fibers inside one worker', async () => {
  assert.equal(await mesh.go('t_local').text(), 'ok');
});

test('a deadline wakes a parked fiber', async () => {
  assert.equal(await mesh.go('t_sleep', new Uint8Array([3])).text(), 'slept');
});

test('dump lists busy fibers with where they wait, and pipes and calls with where they were made', async () => {
  const hold = new ReadableStream({ start() {} });
  const ac = new AbortController();
  const c = mesh.go('t_parent', hold, { signal: ac.signal });
  let text = '';
  for (let i = 0; i < 200 && !/fiber running t_cat.*blocked at/.test(text); i++) text = await mesh.dump();
  assert.match(text, /fiber running t_parent for call 0x[0-9a-f]+, blocked at .*test_fns\.c:\d+/);
  assert.match(text, /fiber running t_cat for call 0x[0-9a-f]+, blocked at .*test_fns\.c:\d+/);
  assert.match(text, /call 0x[0-9a-f]+ remote, running, made at .*test_fns\.c:\d+/);
  assert.match(text, /pipe 0x[0-9a-f]+ writer on a port, .* made at .*test_fns\.c:\d+/);
  ac.abort();
  await assert.rejects(c.result);
  await c.output.cancel();
});
