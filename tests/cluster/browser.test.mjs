// browser.test.mjs: a page in Chromium joins a mesh of hosts through
// nats-server's WebSocket listener, runs a chain on two Node hosts, and
// serves a call of this process's, as any host does.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

import { WmError, createMesh } from '../../js/index.js';
import { launch } from '../browser/launch.mjs';
import { serve } from '../browser/server.mjs';
import { TEST_MODULE } from '../node/helpers.mjs';
import { HEARTBEAT, HostProc, idle, until } from './hosts.mjs';
import { bundleNats } from '../../scripts/bundle-nats.mjs';
import { NatsServer } from '../../scripts/nats-server.mjs';

const NAME = 'web';

/** @type {NatsServer} */
let nats;
/** @type {HostProc[]} */
const hosts = [];
/** @type {import('../../js/mesh.js').Mesh} */
let me;
/** @type {Awaited<ReturnType<typeof serve>>} */
let server;
/** @type {Awaited<ReturnType<typeof launch>>} */
let b;

before(async () => {
  await bundleNats();
  nats = await new NatsServer().start();
  me = await createMesh({ module: TEST_MODULE, workers: 1, cluster: { servers: nats.url, name: NAME, host: 'node', heartbeat: HEARTBEAT } });
  for (const id of ['h1', 'h2']) {
    const h = new HostProc(nats.url, NAME, id);
    await h.ready;
    hosts.push(h);
  }
  server = await serve();
  b = await launch(new URL(server.url).origin);
  await b.page.goto(`${server.url}tests/cluster/page.html?ws=${encodeURIComponent(nats.wsUrl)}&name=${NAME}&heartbeat=${HEARTBEAT}`);
  await b.page
    .waitForFunction(() => document.getElementById('out')?.textContent !== 'starting…', null, { timeout: 20000 })
    .catch(() => {});
  assert.equal(await b.page.textContent('#out'), 'ready', b.problems.join('\n'));
});

after(async () => {
  await b?.page.evaluate(async () => {
    const w = /** @type {any} */ (window).wmesh;
    await w?.mesh.close();
    await w?.nc.close();
  });
  await b?.browser.close();
  await server?.close();
  await me?.close();
  await Promise.all(hosts.map((h) => h.close()));
  await nats?.close();
});

test('a page joins over WebSocket and runs a chain on the Node hosts', async () => {
  const text = await b.page.evaluate(async () => {
    const { mesh } = /** @type {any} */ (window).wmesh;
    for (let i = 0; i < 400 && !(mesh.cluster.peers.has('h1') && mesh.cluster.peers.has('h2')); i++) await new Promise((r) => setTimeout(r, 25));
    const before = mesh.cluster.counts.sentTotal;
    const text = await mesh.chain(['t_upper', 't_cat', 't_cat'], 'from the page', { where: { hosts: ['h1', 'h2'] } }).text();
    return { text, sent: mesh.cluster.counts.sentTotal - before };
  });
  assert.deepEqual(text, { text: 'FROM THE PAGE', sent: 2 });
  assert.deepEqual(b.problems, []);
});

test('a Node host calls the page, which serves it in its own workers', async () => {
  await until(() => me.cluster?.peers.has('page') ?? false, 'the page known');
  assert.equal(await me.go('t_upper', 'served by a page', { where: { host: 'page' } }).text(), 'SERVED BY A PAGE');
  // A chain through the page: node -> h1 -> page -> node.
  const big = new Uint8Array(8 << 20).map((_, i) => i % 251);
  const out = await me.chain(['t_cat', 't_cat'], big, { where: { hosts: ['h1', 'page'] } }).bytes();
  assert.deepEqual(out, big);
  await assert.rejects(me.go('t_fail', '', { where: { host: 'page' } }).result, (e) => e instanceof WmError && e.code === -1000);
  assert.equal(
    await b.page.evaluate(() => /** @type {any} */ (window).wmesh.mesh.cluster.counts.servedTotal),
    3,
  );
  await until(async () => idle(me.cluster?.stats()) && idle(await hosts[0].stats()), 'idle');
  assert.ok(idle(await b.page.evaluate(() => /** @type {any} */ (window).wmesh.mesh.cluster.stats())));
  assert.deepEqual(b.problems, []);
});

test("the demo page given ?nats= joins the hosts and shows them in its mesh view", async () => {
  const demos = fileURLToPath(new URL('../../build/wmesh_demos.js', import.meta.url));
  const d = await Promise.all(['d1', 'd2'].map(async (id) => {
    const h = new HostProc(nats.url, 'webdemo', id, { module: demos });
    await h.ready;
    hosts.push(h);
    return h;
  }));
  const page = await b.page.context().newPage();
  const errors = /** @type {string[]} */ ([]);
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  try {
    await page.goto(`${server.url}web/index.html?nats=${encodeURIComponent(nats.wsUrl)}&mesh=webdemo`);
    await page.waitForFunction(() => /host d1/.test(document.getElementById('graph')?.textContent ?? '') && /host d2/.test(document.getElementById('graph')?.textContent ?? ''), null, { timeout: 20000 });
    assert.match((await page.textContent('#totals')) ?? '', /of mesh webdemo, 2 other hosts/);
    await page.screenshot({ path: fileURLToPath(new URL('../../build/screenshots/demo-page-hosts.png', import.meta.url)) });
  } finally {
    await page.close();
    await Promise.all(d.map((h) => h.close()));
  }
  assert.deepEqual(errors, []);
  assert.deepEqual(b.problems, []);
});
