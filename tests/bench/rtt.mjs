// rtt.mjs: group 1, the call round trip, one call at a time on one worker:
// what a call costs when nothing else hides its latency. The empty call is
// measured against every baseline; a 1-byte echo, which needs wmesh's
// output pipe, against the raw ping-pong of one byte.
//
// Wall time here is mostly the time a sleeping thread takes to wake (tens
// of µs on a VM), which extra work on the sending side can even hide; user
// CPU summed over every thread counts what the runtime itself does. System
// time is left out: it is mostly those wake-ups.
import { Piscina } from 'piscina';
import workerpool from 'workerpool';
import * as Comlink from 'comlink/dist/esm/comlink.mjs';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';

import { label, startMesh, startWorker } from './module.mjs';
import { row, warmup } from './stats.mjs';

/** @typedef {import('./run.mjs').Ctx} Ctx */
/** @typedef {() => Promise<unknown>} Op one call */
/**
 * @typedef {object} Subject one thing measured, alive for the whole group
 * @property {string} name
 * @property {Op} noop
 * @property {Op} [echo]
 * @property {() => Promise<unknown>} close
 */

/**
 * perCall measures op one call at a time, once: wall and user CPU µs per
 * call, over all threads.
 * @param {number} calls
 * @param {Op} op
 * @returns {Promise<{ wall: number, cpu: number }>}
 */
async function perCall(calls, op) {
  const c = process.cpuUsage();
  const t = performance.now();
  for (let i = 0; i < calls; i++) await op();
  const ms = performance.now() - t;
  return { wall: (ms * 1000) / calls, cpu: process.cpuUsage(c).user / calls };
}

const ONE = new Uint8Array([0x78]);

/** @param {Ctx} ctx @returns {Promise<Subject>} */
async function wmesh(ctx) {
  const mesh = await startMesh(ctx.test, 1);
  return {
    name: 'wmesh',
    noop: () => mesh.go('t_noop', undefined, { output: false }).result,
    echo: () => mesh.go('t_cat', ONE).bytes(),
    close: () => mesh.close(),
  };
}

/** @returns {Promise<Subject>} */
async function raw() {
  const w = await startWorker('echo_worker.mjs');
  /** @param {unknown} m */
  const ping = (m) => {
    const back = new Promise((resolve) => w.once('message', resolve));
    w.postMessage(m);
    return back;
  };
  return {
    name: 'raw postMessage ping-pong',
    noop: () => ping(0),
    // A fresh buffer each time, as a caller with new data would have.
    echo: () => ping(ONE.slice().buffer),
    close: () => w.terminate(),
  };
}

/** @returns {Promise<Subject>} */
async function comlink() {
  const w = await startWorker('comlink_worker.mjs');
  /** @type {Comlink.Remote<{ noop(): void }>} */
  const api = Comlink.wrap(nodeEndpoint(/** @type {any} */ (w)));
  return {
    name: label('comlink'),
    noop: () => api.noop(),
    close: async () => {
      api[Comlink.releaseProxy]();
      await w.terminate();
    },
  };
}

/** @returns {Promise<Subject>} */
async function piscina() {
  const pool = new Piscina({
    filename: new URL('piscina_worker.mjs', import.meta.url).href,
    minThreads: 1,
    maxThreads: 1,
  });
  return { name: label('piscina'), noop: () => pool.run(null), close: () => pool.destroy() };
}

/** @returns {Promise<Subject>} */
async function wpool() {
  const pool = workerpool.pool(new URL('workerpool_worker.mjs', import.meta.url).pathname, {
    minWorkers: 1,
    maxWorkers: 1,
    workerType: 'thread',
  });
  return { name: label('workerpool'), noop: () => pool.exec('noop', []), close: () => pool.terminate() };
}

export default {
  id: 'rtt',
  title: '1. Call round trip, sequential, 1 worker',
  /** @param {Ctx} ctx */
  async run(ctx) {
    const { warm, runs, calls } = ctx.quick
      ? { warm: 200, runs: 3, calls: 1000 }
      : { warm: 1000, runs: 7, calls: 5000 };
    // Every subject is alive for the whole group and each run measures all
    // of them in turn, so that a slow moment of the machine (on a small VM
    // the wake-up of a thread can take 20 or 100 µs for minutes at a time)
    // falls on all of them alike.
    /** @type {Subject[]} */
    const subjects = [];
    try {
      for (const make of [wmesh, raw, comlink, piscina, wpool]) subjects.push(await make(ctx));
      /** @type {{ op: Op, wall: number[], cpu: number[] }[][]} */
      const ms = subjects.map((sub) =>
        [sub.noop, sub.echo].map((op) => (op ? { op, wall: [], cpu: [] } : null)).filter((x) => x !== null),
      );
      for (const m of ms.flat()) await warmup(warm, m.op);
      for (let r = 0; r < runs; r++) {
        for (const m of ms.flat()) {
          const got = await perCall(calls, m.op);
          m.wall.push(got.wall);
          m.cpu.push(got.cpu);
        }
      }
      const [w, ...bases] = ms;
      const common = {
        group: 'rtt',
        title: this.title,
        better: /** @type {const} */ ('lower'),
        note:
          'wall: elapsed µs per call; cpu: user CPU µs per call, all threads (system time, mostly thread ' +
          'wake-ups, left out); all subjects alive together, each run measuring them in turn; echo: ' +
          'go("t_cat", 1 byte).bytes() (the byte travels inside the call; the output has a pipe) vs a 1-byte ' +
          'ArrayBuffer ping-pong',
      };
      const wall = { unit: 'µs/call' };
      const cpu = { unit: 'user CPU µs/call' };
      /** @type {Record<string, import('./stats.mjs').Row[]>} */
      const rows = { noopWall: [], noopCpu: [], echoWall: [], echoCpu: [] };
      bases.forEach((b, i) => {
        const to = { ...common, baseline: subjects[i + 1].name };
        rows.noopWall.push(row({ ...to, ...wall, case: 'no-op, wall', samples: w[0].wall, baseSamples: b[0].wall }));
        rows.noopCpu.push(row({ ...to, ...cpu, case: 'no-op, cpu', samples: w[0].cpu, baseSamples: b[0].cpu }));
        if (!b[1]) return;
        rows.echoWall.push(row({ ...to, ...wall, case: 'echo 1 B, wall', samples: w[1].wall, baseSamples: b[1].wall }));
        rows.echoCpu.push(row({ ...to, ...cpu, case: 'echo 1 B, cpu', samples: w[1].cpu, baseSamples: b[1].cpu }));
      });
      return [...rows.noopWall, ...rows.noopCpu, ...rows.echoWall, ...rows.echoCpu];
    } finally {
      await Promise.all(subjects.map((sub) => sub.close()));
    }
  },
};
