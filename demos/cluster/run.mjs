// run.mjs: the cluster demo. Hosts meet through NATS and run one chain
// across them: upper-case, reverse every line, reverse it back, SHA-256,
// each stage on a host of its own, bytes going host to host.
//
//   node demos/cluster/run.mjs [--hosts N] [--mib M]
//       starts a nats-server and N host processes on this machine (default
//       2), joins them, and runs the chain over M MiB (default 64)
//   node demos/cluster/run.mjs --serve --nats nats://A:4222 [--name N]
//       serves as a host (on any machine that reaches A) until Ctrl-C
//   node demos/cluster/run.mjs --nats nats://A:4222 [--mib M] [--name N]
//       joins the hosts already serving there and runs the chain on them
//   node demos/cluster/run.mjs --web [--hosts N]
//       starts a nats-server (with its WebSocket listener), N hosts of the
//       demo page's module, and the page's server; open the URL it prints:
//       the page joins the hosts, and its live view shows them
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { createMesh } from '../../js/index.js';
import { NatsServer } from '../../scripts/nats-server.mjs';

const { values: o } = parseArgs({
  options: {
    hosts: { type: 'string', default: '2' },
    mib: { type: 'string', default: '64' },
    nats: { type: 'string' },
    name: { type: 'string', default: 'demo' },
    serve: { type: 'boolean', default: false },
    web: { type: 'boolean', default: false },
    module: { type: 'string' },
    workers: { type: 'string' },
  },
});
const workers = o.workers ? Number(o.workers) : 1;

if (o.serve) {
  if (!o.nats) throw new Error('--serve needs --nats nats://host:port');
  const mesh = await createMesh({ ...(o.module ? { module: o.module } : {}), workers, cluster: { servers: o.nats, name: o.name } });
  console.log(`host ${mesh.cluster?.id} serving mesh ${o.name} at ${o.nats}; Ctrl-C to stop`);
  mesh.addEventListener('hostjoin', (e) => console.log(`  ${/** @type {CustomEvent} */ (e).detail.host} joined`));
  mesh.addEventListener('hostexit', (e) => console.log(`  ${/** @type {CustomEvent} */ (e).detail.host} left`));
  const stop = async () => {
    await mesh.close();
    process.exit(0);
  };
  process.on('SIGINT', stop).on('SIGTERM', stop);
  // A parent that starts this host ends it by closing its stdin.
  if (!process.stdin.isTTY) process.stdin.on('data', () => {}).on('end', stop);
} else if (o.web) {
  const { bundleNats } = await import('../../scripts/bundle-nats.mjs');
  const { serve } = await import('../../web/serve.mjs');
  await bundleNats();
  const server = await new NatsServer().start();
  const module = fileURLToPath(new URL('../../build/wmesh_demos.js', import.meta.url));
  const me = fileURLToPath(import.meta.url);
  const children = Array.from({ length: Number(o.hosts) }, () =>
    spawn(process.execPath, [me, '--serve', '--nats', server.url, '--name', o.name, '--module', module], { stdio: ['pipe', 'inherit', 'inherit'] }),
  );
  const web = await serve({ port: 0 });
  console.log(`open ${web.url}web/?nats=${encodeURIComponent(server.wsUrl)}&mesh=${o.name}  (Ctrl-C to stop)`);
  const stop = async () => {
    for (const c of children) c.stdin?.end();
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(0) : c.on('exit', r)))));
    await web.close();
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', stop).on('SIGTERM', stop);
} else {
  /** @type {NatsServer | null} */
  let server = null;
  const children = [];
  let url = o.nats;
  if (!url) {
    server = await new NatsServer().start();
    url = server.url;
    console.log(`nats-server on ${url}`);
    const me = fileURLToPath(import.meta.url);
    for (let i = 0; i < Number(o.hosts); i++) {
      const c = spawn(process.execPath, [me, '--serve', '--nats', url, '--name', o.name], { stdio: ['pipe', 'inherit', 'inherit'] });
      children.push(c);
    }
  }
  const mesh = await createMesh({ workers, cluster: { servers: url, name: o.name, host: 'caller' } });
  const want = server ? Number(o.hosts) : 1;
  for (let i = 0; i < 400 && (mesh.cluster?.peers.size ?? 0) < want; i++) await new Promise((r) => setTimeout(r, 50));
  const hosts = [...(mesh.cluster?.peers.keys() ?? [])];
  if (!hosts.length) throw new Error(`no host serves mesh ${o.name} at ${url}`);
  const stages = ['upper', 'reverse', 'reverse', 'sha256'];
  console.log(`chain ${stages.join(' | ')} over ${hosts.length} hosts: ${hosts.join(', ')}`);

  // The input: log-like lines, made as they are sent; its expected hash
  // is computed here as it goes.
  const bytes = Number(o.mib) << 20;
  const expect = createHash('sha256');
  let sent = 0;
  let n = 0;
  const input = new ReadableStream({
    pull(c) {
      if (sent >= bytes) return c.close();
      let s = '';
      while (s.length < 65536) s += `${n++} host demo line ${(n * 2654435761) % 1000003}\n`;
      const b = new TextEncoder().encode(s);
      expect.update(new TextEncoder().encode(s.toUpperCase()));
      sent += b.length;
      c.enqueue(b);
    },
  });
  const t = performance.now();
  const digest = await mesh.chain(stages, input, { where: { hosts } }).bytes();
  const s = (performance.now() - t) / 1000;
  const ok = Buffer.from(digest).toString('hex') === expect.digest('hex');
  console.log(`${(sent / 1e6).toFixed(1)} MB in ${s.toFixed(2)} s (${(sent / 1e6 / s).toFixed(1)} MB/s); sha256 ${ok ? 'matches' : 'DIFFERS'}`);
  const st = (await mesh.stats()).cluster;
  for (const h of st?.hosts ?? []) console.log(`  host ${h.host}: capacity ${h.cap}, load ${h.load}`);
  await mesh.close();
  for (const c of children) c.stdin?.end();
  await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(0) : c.on('exit', r)))));
  await server?.close();
  if (!ok) process.exit(1);
}
