// cluster.mjs: the mesh of hosts through NATS (js/cluster), against raw
// NATS doing the same trips, with a nats-server of the group's own and the
// other hosts in processes of their own:
//   - a round trip: an empty call on another host, beside a raw NATS
//     request/reply to a responder in another process;
//   - a pipe: bytes to t_cat on another host and back, beside a raw publish
//     loop of the same chunk size through a process that publishes them back;
//   - a CPU-bound batch (b_spin) on this host alone, and spread over it and
//     two more host processes. Every process shares the machine's cores, so
//     on 2 cores the spread cannot gain: it shows what the hops cost.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { connect } from '@nats-io/transport-node';

import { createMesh } from '../../js/index.js';
import { HostProc, until } from '../cluster/hosts.mjs';
import { NatsServer } from '../../scripts/nats-server.mjs';
import { MiB, interleaved, row, warmup } from './stats.mjs';

/** @typedef {import('./run.mjs').Ctx} Ctx */

/** @param {boolean} quick */
const plan = (quick) => (quick ? { runs: 3, calls: 100, bytes: 8 * MiB, tasks: 6 } : { runs: 7, calls: 1000, bytes: 64 * MiB, tasks: 24 });
const CHUNK = 64 * 1024;
const ROUNDS = 7_000_000;

/** a host of the group's mesh in this process @param {string} url @param {import('./module.mjs').ModuleFiles} m @param {number} workers */
function host(url, m, workers) {
  return createMesh({ module: m.glue, wasm: m.wasm, workers, cluster: { servers: url, name: 'bench', host: 'me' } });
}

/** @param {string} url */
async function rawEcho(url) {
  const p = spawn(process.execPath, [fileURLToPath(new URL('./nats_echo.mjs', import.meta.url)), url], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise((r) => p.stdout?.once('data', r));
  return { close: () => new Promise((r) => (p.on('exit', r), p.stdin?.end())) };
}

/** @type {import('./run.mjs').Group} */
export default {
  id: 'cluster',
  title: 'Hosts through NATS (one machine, loopback)',
  children: true,
  skip: (ctx) => (ctx.bench ? null : 'needs the bench module (build/wmesh_bench.js)'),
  async run(ctx) {
    const { runs, calls, bytes, tasks } = plan(ctx.quick);
    const nats = await new NatsServer().start();
    const rows = [];
    const base = { group: 'cluster', title: 'Hosts through NATS (one machine, loopback)' };
    try {
      // Round trip and pipe: this host and h1 (the test module), raw NATS.
      const me = await host(nats.url, ctx.test, 1);
      const h1 = new HostProc(nats.url, 'bench', 'h1', { module: ctx.test.glue, wasm: ctx.test.wasm });
      const echo = await rawEcho(nats.url);
      const nc = await connect({ servers: nats.url });
      try {
        await h1.ready;
        await until(() => me.cluster?.peers.has('h1') ?? false, 'h1 known');
        const where = { host: 'h1' };
        const call = () => me.go('t_noop', undefined, { where, output: false }).result;
        const req = () => nc.request('bench.rtt', new Uint8Array(0));
        // A full run's first samples still fell from 1,060 to 430 µs after
        // 300 ms of warm-up (JIT tiers of both hosts): warm up longer.
        await warmup(ctx.quick ? 300 : 2000, call);
        await warmup(ctx.quick ? 300 : 1000, req);
        const perCall = (/** @type {() => Promise<unknown>} */ op) => async () => {
          const t = performance.now();
          for (let i = 0; i < calls; i++) await op();
          return ((performance.now() - t) * 1000) / calls;
        };
        const [w, r] = await interleaved(runs, [perCall(call), perCall(req)]);
        rows.push(row({ ...base, case: 'empty call on another host', unit: 'µs/call', better: 'lower', samples: w, baseline: 'NATS request/reply', baseSamples: r }));

        const data = new Uint8Array(bytes).map((_, i) => i);
        const pipe = async () => {
          const t = performance.now();
          const out = await me.go('t_cat', data, { where }).bytes();
          if (out.length !== bytes) throw new Error('short pipe');
          return bytes / 1e6 / ((performance.now() - t) / 1000);
        };
        let got = 0;
        /** @type {() => void} */
        let wake = () => {};
        nc.subscribe('bench.back', { callback: (_e, m) => ((got += m.data.length), got >= bytes && wake()) });
        await nc.flush();
        const raw = async () => {
          got = 0;
          const done = new Promise((r) => (wake = () => r(undefined)));
          const t = performance.now();
          // Flushed every 4 MiB: as much in flight as a stream's window.
          for (let off = 0; off < bytes; off += CHUNK) {
            nc.publish('bench.pipe', data.subarray(off, off + CHUNK));
            if ((off / CHUNK) % 64 === 63) await nc.flush();
          }
          await done;
          return bytes / 1e6 / ((performance.now() - t) / 1000);
        };
        await pipe();
        await raw();
        const [wp, rp] = await interleaved(runs, [pipe, raw]);
        rows.push(row({ ...base, case: '64 KiB chunks to another host and back', unit: 'MB/s', better: 'higher', samples: wp, baseline: 'NATS publish loop, same trips', baseSamples: rp }));
      } finally {
        await nc.close();
        await echo.close();
        await h1.close();
        await me.close();
      }

      // CPU-bound batch: this host alone (2 workers), and spread over it
      // and two host processes (1 worker each) with where: 'cluster'.
      const bench = /** @type {import('./module.mjs').ModuleFiles} */ (ctx.bench);
      const me2 = await host(nats.url, bench, 2);
      const others = ['c1', 'c2'].map((id) => new HostProc(nats.url, 'bench', id, { module: bench.glue, wasm: bench.wasm }));
      try {
        await Promise.all(others.map((h) => h.ready));
        await until(() => ['c1', 'c2'].every((id) => me2.cluster?.peers.has(id)), 'hosts known');
        const input = new Uint8Array(new Uint32Array([ROUNDS]).buffer);
        const batch = (/** @type {object} */ opts) => async () => {
          const t = performance.now();
          await Promise.all(Array.from({ length: tasks }, () => me2.go('b_spin', input, opts).bytes()));
          return performance.now() - t;
        };
        await batch({})();
        await batch({ where: 'cluster' })();
        const [spread, alone] = await interleaved(runs, [batch({ where: 'cluster' }), batch({})]);
        rows.push(row({ ...base, case: `${tasks} b_spin tasks spread over 3 hosts`, unit: 'ms/batch', better: 'lower', samples: spread, baseline: '1 host, 2 workers', baseSamples: alone }));
      } finally {
        await Promise.all(others.map((h) => h.close()));
        await me2.close();
      }
    } finally {
      await nats.close();
    }
    return rows;
  },
};
