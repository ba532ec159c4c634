// page.js: the page of page.html joins a mesh of hosts as a host of its
// own, through nats-server's WebSocket listener (?ws=, ?name=): a
// connection made with wsconnect (bundled for the test into
// build/nats-core.mjs), passed to createMesh as cluster.connection. The
// mesh is window.wmesh for the test to drive; #out says "ready" or why not.
import { createMesh } from '../../js/browser.js';
// @ts-ignore: made by the test (tests/cluster/browser.test.mjs)
import { wsconnect } from '../../build/nats-core.mjs';

const out = /** @type {HTMLElement} */ (document.getElementById('out'));
const q = new URLSearchParams(location.search);
try {
  const nc = await wsconnect({ servers: q.get('ws') });
  const mesh = await createMesh({
    module: new URL('../../build/wmesh_test.mjs', import.meta.url),
    workers: 2,
    cluster: { connection: nc, name: q.get('name') ?? 'default', host: 'page', heartbeat: Number(q.get('heartbeat') ?? 1000) },
  });
  /** @type {any} */ (window).wmesh = { mesh, nc };
  out.textContent = 'ready';
} catch (e) {
  out.textContent = `error: ${e instanceof Error ? e.message : String(e)}`;
}
