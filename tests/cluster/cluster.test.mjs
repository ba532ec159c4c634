// cluster.test.mjs: hosts of one mesh through NATS. A nats-server of the
// tests' own; three hosts in processes of their own (tests/cluster/host.mjs)
// and this process as a fourth, which makes the calls.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { connect } from '@nats-io/transport-node';

import { WmError, codes, createMesh } from '../../js/index.js';
import { LIVE, TEST_MODULE } from '../node/helpers.mjs';
import { encodeFrame, T_DATA } from '../../js/cluster/stream.js';
import { HEARTBEAT, HostProc, idle, until } from './hosts.mjs';
import { NatsServer } from '../../scripts/nats-server.mjs';

const NAME = 'tests';
const BENCH_MODULE = fileURLToPath(new URL('../../build/wmesh_bench.js', import.meta.url));

/** @type {NatsServer} */
let nats;
/** @type {HostProc[]} */
let hosts = [];
/** @type {import('../../js/mesh.js').Mesh} */
let me;

/** @param {string} id @param {object} [o] */
async function startHost(id, o) {
  const h = new HostProc(nats.url, NAME, id, o);
  await h.ready;
  hosts.push(h);
  await until(() => me.cluster?.peers.has(id) ?? false, `host ${id} known`);
  return h;
}

/** everything settled everywhere: no call, segment or stream in flight,
 * and nothing alive in any instance of any host */
async function allIdle() {
  const cl = /** @type {import('../../js/cluster/cluster.js').Cluster} */ (me.cluster);
  await until(async () => {
    const total = (await me.stats()).total;
    if (!idle({ ...cl.stats(), live: Object.fromEntries(LIVE.map((k) => [k, total[k] ?? 0])) })) return false;
    for (const h of hosts) if (h.proc.exitCode === null && h.proc.signalCode === null && !idle(await h.stats())) return false;
    return true;
  }, 'every host idle');
  assert.equal(me.pending.size, 0);
}

/**
 * pattern makes n bytes of a stream that is not all one value, in chunks,
 * and a hash of what it gave.
 * @param {number} n
 */
function pattern(n) {
  const hash = createHash('sha256');
  let sent = 0;
  const stream = new ReadableStream({
    pull(c) {
      if (sent >= n) return c.close();
      const k = Math.min(256 << 10, n - sent);
      const b = new Uint8Array(k);
      for (let i = 0; i < k; i += 4096) b[i] = (sent + i) >> 12;
      hash.update(b);
      sent += k;
      c.enqueue(b);
    },
  });
  return { stream, digest: () => hash.digest('hex') };
}

/** @param {ReadableStream<Uint8Array>} s */
async function hashOf(s) {
  const hash = createHash('sha256');
  let n = 0;
  for await (const b of /** @type {AsyncIterable<Uint8Array>} */ (s)) {
    hash.update(b);
    n += b.length;
  }
  return { digest: hash.digest('hex'), n };
}

describe('a mesh of hosts through NATS', () => {
  before(async () => {
    nats = await new NatsServer().start();
    me = await createMesh({ module: TEST_MODULE, workers: 1, cluster: { servers: nats.url, name: NAME, host: 'me', heartbeat: HEARTBEAT } });
    for (const id of ['h1', 'h2', 'h3']) await startHost(id);
  });

  after(async () => {
    await me?.close();
    await Promise.all(hosts.map((h) => h.close()));
    await nats?.close();
  });

  test('a call runs on the host it names, with its output, errors and unknown names as locally', async () => {
    assert.equal(await me.go('t_upper', 'across hosts', { where: { host: 'h2' } }).text(), 'ACROSS HOSTS');
    // The function's own error code, from the other host.
    await assert.rejects(me.go('t_fail', '', { where: { host: 'h1' } }).result, (e) => e instanceof WmError && e.code === -1000);
    // Names are checked here, at once: every host runs the same module.
    assert.throws(() => me.go('no_such_fn', '', { where: { host: 'h1' } }), (e) => e instanceof WmError && e.code === codes.WM_ENOFN);
    assert.throws(() => me.go('t_cat', '', { where: { host: 'nobody' } }), (e) => e instanceof WmError && e.code === codes.WM_EINVAL);
    assert.throws(() => me.go('t_cat', '', { where: { hosts: 'h1' } }), TypeError);
    assert.throws(() => me.go('t_cat', '', { where: { host: 'h1' }, spil: true }), /unknown option 'spil'/);
    // An index the module does not export is refused by the host that is asked.
    await assert.rejects(me.go(4096, '', { where: { host: 'h3' } }).result, (e) => e instanceof WmError && e.code === codes.WM_ENOFN);
    await allIdle();
  });

  test('a 6-stage chain across the 3 hosts moves 256 MiB, host to host, intact', async () => {
    const before = await Promise.all(hosts.map((h) => h.stats()));
    const meIn0 = me.cluster?.counts.bytesIn ?? 0;
    const input = pattern(256 << 20);
    const call = me.chain(['t_cat', 't_cat', 't_cat', 't_cat', 't_cat', 't_cat'], input.stream, { where: { hosts: ['h1', 'h2', 'h3'] } });
    const [out] = await Promise.all([hashOf(call.output), call.result]);
    assert.equal(out.n, 256 << 20);
    assert.equal(out.digest, input.digest());
    // Each host ran one segment of two stages; this host only fed and read:
    // the bytes between hosts went host to host, not through here.
    const after = await Promise.all(hosts.map((h) => h.stats()));
    after.forEach((s, i) => assert.equal(s.servedTotal - before[i].servedTotal, 1, `host ${s.host}`));
    const moved = after.map((s, i) => s.bytesIn - before[i].bytesIn);
    assert.deepEqual(moved, [256 << 20, 256 << 20, 256 << 20], 'each host received the stream once');
    assert.equal((me.cluster?.counts.bytesIn ?? 0) - meIn0, 256 << 20, 'this host received only the output');
    await allIdle();
  });

  test("'cluster' spreads 10,000 calls over every host, each settled once", async () => {
    const before = await Promise.all(hosts.map((h) => h.stats()));
    let settled = 0;
    const seen = new Set();
    for (let batch = 0; batch < 20; batch++) {
      const calls = [];
      for (let i = 0; i < 500; i++) {
        const n = batch * 500 + i;
        calls.push(
          me
            .go('t_upper', `call ${n}`, { where: 'cluster' })
            .text()
            .then((t) => {
              assert.equal(t, `CALL ${n}`);
              assert.ok(!seen.has(n), `call ${n} settled twice`);
              seen.add(n);
              settled++;
            }),
        );
      }
      await Promise.all(calls);
    }
    assert.equal(settled, 10000);
    const after = await Promise.all(hosts.map((h) => h.stats()));
    for (const [i, s] of after.entries()) assert.ok(s.servedTotal > before[i].servedTotal, `host ${s.host} served none`);
    await allIdle();
  });

  test('spill: calls stay here until this host is full, then go where there is room', async () => {
    const before = await Promise.all(hosts.map((h) => h.stats()));
    const sent0 = me.cluster?.counts.sentTotal ?? 0;
    // 64 run here at once (1 worker, concurrency 64); the rest spill.
    const calls = [];
    for (let i = 0; i < 300; i++) calls.push(me.go('t_sleep', new Uint8Array([5]), { spill: true }).text());
    assert.deepEqual(new Set(await Promise.all(calls)), new Set(['slept']));
    const spilled = (me.cluster?.counts.sentTotal ?? 0) - sent0;
    assert.ok(spilled > 0 && spilled <= 300 - 64, `${spilled} spilled`);
    const after = await Promise.all(hosts.map((h) => h.stats()));
    const served = after.reduce((n, s, i) => n + s.servedTotal - before[i].servedTotal, 0);
    assert.equal(served, spilled);
    // Calls without spill stay here, however busy this host is.
    const local = [];
    for (let i = 0; i < 100; i++) local.push(me.go('t_sleep', new Uint8Array([1])).result);
    await Promise.all(local);
    assert.equal(me.cluster?.counts.sentTotal, sent0 + spilled);
    await allIdle();
  });

  test('a deadline and a cancel reach the host that runs the call', async () => {
    // t_sleep parks for 10 ms per the input byte's value (2.5 s here), and
    // says -4001 if the call's deadline woke it first.
    const t = me.go('t_sleep', new Uint8Array([250]), { where: { host: 'h1' }, timeout: 100 });
    await assert.rejects(t.result, (e) => e instanceof WmError && e.code === -4001);
    const ac = new AbortController();
    const c = me.chain(['t_cat', 't_sleep'], new Uint8Array([250]), { where: { hosts: ['h2', 'h3'] }, signal: ac.signal });
    setTimeout(() => ac.abort(), 100);
    await assert.rejects(c.result, (e) => e instanceof DOMException && e.name === 'AbortError');
    await allIdle();
  });

  test('a host killed mid-chain: the call fails with WM_EDIED, the others go on', async (t) => {
    const victim = await startHost('victim');
    const input = pattern(1 << 30);
    const call = me.chain(['t_cat', 't_cat', 't_cat'], input.stream, { where: { hosts: ['h1', 'victim', 'h2'] } });
    const out = hashOf(call.output).catch((e) => e);
    // Bytes flow through the victim, then it dies.
    await until(async () => (await victim.stats()).segmentsServed === 1, 'victim serving');
    await new Promise((r) => setTimeout(r, 200));
    const killed = Date.now();
    await victim.kill();
    await assert.rejects(call.result, (e) => e instanceof WmError && e.code === codes.WM_EDIED && /victim/.test(e.message));
    const took = Date.now() - killed;
    assert.ok((await out) instanceof Error, 'the output fails too');
    hosts = hosts.filter((h) => h !== victim);
    // Bounded by the heartbeats (3 missed, checked every one): reported,
    // not asserted, as every time is on these shared machines.
    t.diagnostic(`failed ${took} ms after the kill (heartbeat ${HEARTBEAT} ms)`);
    await until(() => !me.cluster?.peers.has('victim'), 'victim gone');
    assert.equal(await me.chain(['t_upper', 't_cat'], 'still here', { where: { hosts: ['h1', 'h2'] } }).text(), 'STILL HERE');
    await allIdle();
  });

  test('a host of another module is refused and reported, never served', async () => {
    const refused = new Promise((r) => me.addEventListener('hostrefused', (e) => r(/** @type {CustomEvent} */ (e).detail), { once: true }));
    const other = new HostProc(nats.url, NAME, 'other', { module: BENCH_MODULE });
    await other.ready;
    const detail = /** @type {any} */ (await refused);
    assert.equal(detail.host, 'other');
    assert.match(detail.reason, /another module/);
    assert.ok(!me.cluster?.peers.has('other'));
    await until(async () => (await other.stats()).refused > 0, 'refused there too');
    assert.equal((await other.stats()).hosts.length, 0);
    await other.close();
  });

  test('forged and malformed messages are refused and counted, never run', async () => {
    const cl = /** @type {import('../../js/cluster/cluster.js').Cluster} */ (me.cluster);
    const nc = await connect({ servers: nats.url });
    const forged0 = cl.counts.forged;
    const served0 = cl.counts.servedTotal;
    const enc = new TextEncoder();
    const hash = createHash('sha256').update(readFileSync(TEST_MODULE.replace(/\.js$/, '.wasm'))).digest('hex');
    const seg = { t: 'seg', v: 1, from: 'evil', hash, call: 'evil:1', seg: 0, fns: ['t_upper'], in: null, inFrom: null, out: null, outTo: null, timeout: -1, window: 1 << 20, grace: 0 };
    const bad = [
      'not json',
      '{"t":"seg"}',
      JSON.stringify({ ...seg, v: 2 }),
      JSON.stringify({ ...seg, from: 'a.b' }),
      JSON.stringify({ ...seg, fns: [] }),
      JSON.stringify({ ...seg, fns: [{}] }),
      JSON.stringify({ ...seg, in: 'x:1' }), // input without a sender
      JSON.stringify({ ...seg, window: 1 }),
      JSON.stringify({ ...seg, call: '../x' }),
    ];
    for (const b of bad) nc.publish(`wmesh.${NAME}.c.me`, enc.encode(b));
    // Frames that are not frames; a frame for no stream is stray.
    nc.publish(`wmesh.${NAME}.d.me`, new Uint8Array([9, 9, 9]));
    nc.publish(`wmesh.${NAME}.d.me`, encodeFrame(T_DATA, 'x:1', 0, new Uint8Array(8)));
    // Another module's hash is refused; an unknown host's message other
    // than hello or seg is stray.
    const refused0 = cl.counts.refused;
    nc.publish(`wmesh.${NAME}.c.me`, enc.encode(JSON.stringify({ ...seg, from: 'stranger', hash: '00'.repeat(32) })));
    nc.publish(`wmesh.${NAME}.c.me`, enc.encode(JSON.stringify({ t: 'done', v: 1, from: 'ghost', call: 'me:1', seg: 0, rc: 0 })));
    await nc.flush();
    await until(() => cl.counts.forged - forged0 >= bad.length + 1, 'forged counted');
    assert.equal(cl.counts.forged - forged0, bad.length + 1);
    await until(() => cl.counts.refused > refused0, 'refused counted');
    assert.equal(cl.counts.servedTotal, served0, 'nothing ran');
    // A well-formed request for an index the module does not export is
    // answered with WM_ENOFN, as a worker answers it.
    const answers = [];
    const sub = nc.subscribe(`wmesh.${NAME}.c.evil`, { callback: (_e, m) => answers.push(JSON.parse(new TextDecoder().decode(m.data))) });
    nc.publish(`wmesh.${NAME}.c.me`, enc.encode(JSON.stringify({ ...seg, call: 'evil:2', fns: [4096] })));
    await until(() => answers.some((a) => a.t === 'done'), 'an answer');
    assert.equal(answers.find((a) => a.t === 'done').rc, codes.WM_ENOFN);
    sub.unsubscribe();
    await nc.close();
    await until(() => !cl.peers.has('evil'), 'the forger forgotten (no heartbeat)');
    await allIdle();
  });

  test('a host that heartbeats but never answers: a call with a timeout still fails, with WM_ETIMEDOUT', async () => {
    const nc = await connect({ servers: nats.url });
    const hash = createHash('sha256').update(readFileSync(TEST_MODULE.replace(/\.js$/, '.wasm'))).digest('hex');
    const hello = () => nc.publish(`wmesh.${NAME}.hello`, JSON.stringify({ t: 'hello', v: 1, from: 'mute', nonce: 'x', hash, cap: 64, load: 0, ask: false }));
    hello();
    const beat = setInterval(hello, HEARTBEAT / 2);
    try {
      await until(() => me.cluster?.peers.has('mute') ?? false, 'mute known');
      const c = me.go('t_noop', undefined, { where: { host: 'mute' }, timeout: 50, grace: 0 });
      await assert.rejects(c.result, (e) => e instanceof WmError && e.code === codes.WM_ETIMEDOUT && /mute did not answer/.test(e.message));
      // With an output, its reader is not left waiting for bytes that never come.
      const out = me.go('t_cat', 'x', { where: { host: 'mute' }, timeout: 50, grace: 0 });
      await assert.rejects(out.bytes(), (e) => e instanceof WmError && e.code === codes.WM_ETIMEDOUT);
      assert.equal(me.cluster?.peers.get('mute')?.inflight, 0);
    } finally {
      clearInterval(beat);
      await nc.close();
    }
    await until(() => !me.cluster?.peers.has('mute'), 'mute gone');
    await allIdle();
  });

  test('two hosts with one id are told of it; a host that changes module is dropped', async () => {
    const refused = [];
    const listen = (/** @type {Event} */ e) => refused.push(/** @type {CustomEvent} */ (e).detail);
    me.addEventListener('hostrefused', listen);
    const nc = await connect({ servers: nats.url });
    nc.publish(`wmesh.${NAME}.hello`, JSON.stringify({ t: 'hello', v: 1, from: 'me', nonce: 'impostor', hash: 'ab'.repeat(32), cap: 1, load: 0 }));
    await until(() => refused.some((d) => d.host === 'me' && /another host uses this id/.test(d.reason)), 'the clash reported');
    // h3 restarted under its id with another module (forged here).
    nc.publish(`wmesh.${NAME}.hello`, JSON.stringify({ t: 'hello', v: 1, from: 'h3', nonce: 'n', hash: 'cd'.repeat(32), cap: 1, load: 0 }));
    await until(() => refused.some((d) => d.host === 'h3'), 'h3 refused');
    me.removeEventListener('hostrefused', listen);
    await nc.close();
    // Its next real heartbeat brings it back.
    await until(() => me.cluster?.peers.has('h3') ?? false, 'h3 back');
  });

  test('createMesh names the NATS server it cannot reach, and leaves nothing running', async () => {
    const dead = "nats://127.0.0.1:1";
    await assert.rejects(
      createMesh({ module: TEST_MODULE, workers: 1, cluster: { servers: dead, name: NAME } }),
      (e) => e instanceof Error && e.message.includes(`cannot join mesh ${NAME} at NATS ${dead}`),
    );
    await assert.rejects(createMesh({ module: TEST_MODULE, workers: 1, cluster: { servers: nats.url, name: 'a.b' } }), TypeError);
    await assert.rejects(createMesh({ module: TEST_MODULE, workers: 1, cluster: { name: NAME } }), /needs servers/);
    await assert.rejects(createMesh({ module: TEST_MODULE, workers: 1, cluster: { servers: nats.url, hartbeat: 5 } }), /unknown option 'hartbeat'/);
  });

  test("NATS's own authentication is passed through (cluster.nats)", async () => {
    const guarded = await new NatsServer({ token: 's3cret' }).start();
    try {
      const ok = await createMesh({ module: TEST_MODULE, workers: 1, cluster: { servers: guarded.url, name: 'auth', nats: { token: 's3cret' } } });
      assert.ok(ok.cluster?.id);
      await ok.close();
      await assert.rejects(
        createMesh({ module: TEST_MODULE, workers: 1, cluster: { servers: guarded.url, name: 'auth', nats: { token: 'wrong' } } }),
        (e) => e instanceof Error && /cannot join mesh auth/.test(e.message) && /auth/i.test(String(/** @type {any} */ (e).cause)),
      );
    } finally {
      await guarded.close();
    }
  });

    test('the NATS server restarted: calls in flight fail cleanly, new ones work after reconnect', async () => {
    const c = me.go('t_sleep', new Uint8Array([200]), { where: { host: 'h1' } });
    await until(async () => (await hosts[0].stats()).segmentsServed === 1, 'h1 serving');
    await nats.stop();
    await assert.rejects(c.result, (e) => e instanceof WmError && e.code === codes.WM_EDIED);
    await nats.start();
    await until(() => ['h1', 'h2', 'h3'].every((h) => me.cluster?.peers.has(h)), 'hosts back after reconnect');
    assert.equal(await me.go('t_upper', 'again', { where: { host: 'h3' } }).text(), 'AGAIN');
    await allIdle();
  });

  test('close() lets calls on other hosts finish, then cuts them off with WM_ECLOSED', async () => {
    const m = await createMesh({ module: TEST_MODULE, workers: 1, cluster: { servers: nats.url, name: NAME, host: 'closer', heartbeat: HEARTBEAT } });
    await until(() => m.cluster?.peers.has('h1') ?? false, 'h1 known');
    const finishes = m.go('t_sleep', new Uint8Array([5]), { where: { host: 'h1' } });
    await m.close();
    assert.equal(await finishes.text(), 'slept', 'finished within the default timeout');
    assert.throws(() => m.go('t_cat', '', { where: { host: 'h1' } }), (e) => e instanceof WmError && e.code === codes.WM_ECLOSED);
    const m2 = await createMesh({ module: TEST_MODULE, workers: 1, cluster: { servers: nats.url, name: NAME, host: 'closer2', heartbeat: HEARTBEAT } });
    await until(() => m2.cluster?.peers.has('h2') ?? false, 'h2 known');
    const cut = m2.go('t_sleep', new Uint8Array([200]), { where: { host: 'h2' } });
    await m2.close({ timeout: 0 });
    await assert.rejects(cut.result, (e) => e instanceof WmError && e.code === codes.WM_ECLOSED);
    // The hosts heard the goodbye: no waiting for heartbeats to stop.
    await until(() => !me.cluster?.peers.has('closer') && !me.cluster?.peers.has('closer2'), 'both gone');
    await allIdle();
  });

  test('stats and dump show the other hosts and what is in flight to them', async () => {
    const c = me.go('t_sleep', new Uint8Array([30]), { where: { host: 'h2' } });
    const s = await me.stats();
    assert.deepEqual(s.cluster?.hosts.map((h) => h.host).sort(), ['h1', 'h2', 'h3']);
    assert.equal(s.cluster?.hosts.find((h) => h.host === 'h2')?.inflightTo, 1);
    assert.equal(s.total.remoteCalls, 1);
    assert.match(await me.dump(), /call me:\d+ to h2\[t_sleep\]/);
    await c.result;
    await allIdle();
  });
});
