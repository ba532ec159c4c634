// link.test.mjs: the link contract (js/link/link.js) as the postMessage
// link (js/link/port.js) keeps it: order, transfer, a peer's going, and
// what send does after it. A new transport should pass the same checks.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import test from 'node:test';

import { PortLink, portLink } from '../../js/link/port.js';

/** @returns {[PortLink, PortLink]} two links joined by a MessageChannel */
function pair() {
  const ch = new MessageChannel();
  return [portLink(ch.port1), portLink(ch.port2)];
}

test('messages arrive in order, each once, with what they move', async () => {
  const [a, b] = pair();
  /** @type {any[]} */
  const got = [];
  const all = new Promise((resolve) =>
    b.onMessage((m) => {
      got.push(m);
      if (got.length === 100) resolve(undefined);
    }),
  );
  const buf = new Uint8Array([1, 2, 3]).buffer;
  const ch = new MessageChannel();
  a.send({ t: 'f', f: buf, p: [ch.port2] }, [buf, ch.port2]);
  assert.equal(buf.byteLength, 0, 'a transferred buffer is the receiver\'s');
  for (let i = 1; i < 100; i++) a.send(String.fromCharCode(i));
  await all;
  assert.deepEqual(new Uint8Array(got[0].f), new Uint8Array([1, 2, 3]));
  assert.ok(got[0].p[0] instanceof MessagePort);
  assert.deepEqual(got.slice(1), Array.from({ length: 99 }, (_, i) => String.fromCharCode(i + 1)));
  got[0].p[0].close();
  ch.port1.close();
  await a.close();
});

test('close is the peer\'s going; a late listener still hears of it', async () => {
  const [a, b] = pair();
  b.onMessage(() => {});
  const gone = new Promise((resolve) => b.onGone(resolve));
  /** @type {string[]} */
  const mine = [];
  a.onGone((why) => mine.push(why));
  await a.close();
  assert.equal(await gone, 'closed');
  assert.deepEqual(mine, ['closed']);
  assert.ok(a.isGone && b.isGone);
  const late = await new Promise((resolve) => a.onGone(resolve));
  assert.equal(late, 'closed');
});

test('send after the peer is gone drops the message and closes the ports it moves', async () => {
  /** @type {any[]} */
  const posted = [];
  const link = new PortLink({ post: (m) => posted.push(m), listen: () => {} });
  link.send('before');
  link.gone('exit code 1');
  link.gone('reported once');
  const ch = new MessageChannel();
  ch.port1.onmessage = () => {}; // started, and holding the event loop
  const closed = once(ch.port1, 'close');
  assert.doesNotThrow(() => link.send({ t: 'f', p: [ch.port2] }, [ch.port2]));
  await closed; // the far end learns at once that nobody holds the port
  assert.deepEqual(posted, ['before']);
  const why = await new Promise((resolve) => link.onGone(resolve));
  assert.equal(why, 'exit code 1');
});

test('a worker link: terminate is close, and the worker\'s exit is onGone', async () => {
  const env = await import('../../js/env/node.js');
  const w = env.spawn({ self: 1, glue: 'file:///nonexistent.js' });
  const gone = new Promise((resolve) => w.onGone(resolve));
  await w.terminate();
  assert.match(String(await gone), /exit code/);
});

test('a link closed again and again ends its peer once (a worker gets one exit listener, not one a call)', async () => {
  let ends = 0;
  const link = new PortLink({ post: () => {}, listen: () => {}, end: () => (ends++, 'ended') });
  const all = await Promise.all(Array.from({ length: 20 }, () => link.close()));
  assert.equal(ends, 1);
  assert.deepEqual(new Set(all), new Set(['ended']));
  assert.equal(await link.terminate(), 'ended');
  // A real worker, stopped 20 times at once: no MaxListenersExceededWarning.
  const { startMesh } = await import('./helpers.mjs');
  const mesh = await startMesh({ workers: 1 });
  const warnings = [];
  const onWarning = (/** @type {Error} */ w) => warnings.push(w.name);
  process.on('warning', onWarning);
  try {
    for (let i = 0; i < 20; i++) mesh.workers[1].terminate();
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    process.off('warning', onWarning);
    await mesh.close();
  }
  assert.deepEqual(warnings, []);
});
