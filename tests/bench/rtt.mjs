// rtt.mjs: group 1, the call round trip, one call at a time on one worker:
// what a call costs when nothing else hides its latency. The empty call is
// measured against every baseline; a 1-byte echo, which needs wmesh's input
// and output pipes, against the raw ping-pong of one byte.
import { Piscina } from 'piscina';
import workerpool from 'workerpool';
import * as Comlink from 'comlink/dist/esm/comlink.mjs';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';

import { label, startWorker, withMesh, withWorkers } from './module.mjs';
import { row, samples, warmup } from './stats.mjs';

/** @typedef {import('./run.mjs').Ctx} Ctx */
/** @typedef {() => Promise<unknown>} Op one call */
/**
 * @typedef {object} PerCall
 * @property {number[]} wall µs per call, each run
 * @property {number[]} cpu user CPU µs per call summed over every thread
 *   of the process, each run. Wall time here is mostly the time a sleeping
 *   thread takes to wake (tens of µs on a VM), which extra work on the
 *   sending side can even hide; user CPU counts what the runtime itself does.
 *   System time is left out: it is mostly those wake-ups.
 */
/** @typedef {{ noop: PerCall, echo?: PerCall }} Result */

/**
 * perCall measures op one call at a time, after a warm-up that lets the JIT
 * and every pool settle.
 * @param {Ctx} ctx
 * @param {Op} op
 * @returns {Promise<PerCall>}
 */
async function perCall(ctx, op) {
  const { warm, runs, calls } = ctx.quick
    ? { warm: 200, runs: 3, calls: 1000 }
    : { warm: 1000, runs: 7, calls: 5000 };
  await warmup(warm, op);
  /** @type {number[]} */
  const cpu = [];
  const wall = await samples(runs, async () => {
    const c = process.cpuUsage();
    const t = performance.now();
    for (let i = 0; i < calls; i++) await op();
    const ms = performance.now() - t;
    const used = process.cpuUsage(c);
    cpu.push(used.user / calls);
    return (ms * 1000) / calls;
  });
  return { wall, cpu };
}

const ONE = new Uint8Array([0x78]);

/** @param {Ctx} ctx @returns {Promise<Result>} */
function wmesh(ctx) {
  return withMesh(ctx.test, 1, async (mesh) => ({
    noop: await perCall(ctx, () => mesh.go('t_noop', undefined, { output: false }).result),
    echo: await perCall(ctx, () => mesh.go('t_cat', ONE).bytes()),
  }));
}

/** @param {Ctx} ctx @returns {Promise<Result>} */
function raw(ctx) {
  return withWorkers(
    () => [startWorker('echo_worker.mjs')],
    async ([w]) => {
      /** @param {unknown} m */
      const ping = (m) => {
        const back = new Promise((resolve) => w.once('message', resolve));
        w.postMessage(m);
        return back;
      };
      return {
        noop: await perCall(ctx, () => ping(0)),
        // A fresh buffer each time, as a caller with new data would have.
        echo: await perCall(ctx, () => ping(ONE.slice().buffer)),
      };
    },
  );
}

/** @param {Ctx} ctx @returns {Promise<Result>} */
function comlink(ctx) {
  return withWorkers(
    () => [startWorker('comlink_worker.mjs')],
    async ([w]) => {
      /** @type {Comlink.Remote<{ noop(): void }>} */
      const api = Comlink.wrap(nodeEndpoint(/** @type {any} */ (w)));
      try {
        return { noop: await perCall(ctx, () => api.noop()) };
      } finally {
        api[Comlink.releaseProxy]();
      }
    },
  );
}

/** @param {Ctx} ctx @returns {Promise<Result>} */
async function piscina(ctx) {
  const pool = new Piscina({
    filename: new URL('piscina_worker.mjs', import.meta.url).href,
    minThreads: 1,
    maxThreads: 1,
  });
  try {
    return { noop: await perCall(ctx, () => pool.run(null)) };
  } finally {
    await pool.destroy();
  }
}

/** @param {Ctx} ctx @returns {Promise<Result>} */
async function wpool(ctx) {
  const pool = workerpool.pool(new URL('workerpool_worker.mjs', import.meta.url).pathname, {
    minWorkers: 1,
    maxWorkers: 1,
    workerType: 'thread',
  });
  try {
    return { noop: await perCall(ctx, () => pool.exec('noop', [])) };
  } finally {
    await pool.terminate();
  }
}

export default {
  id: 'rtt',
  title: '1. Call round trip, sequential, 1 worker',
  /** @param {Ctx} ctx */
  async run(ctx) {
    const w = await wmesh(ctx);
    /** @type {[string, (c: Ctx) => Promise<Result>][]} */
    const baselines = [
      ['raw postMessage ping-pong', raw],
      [label('comlink'), comlink],
      [label('piscina'), piscina],
      [label('workerpool'), wpool],
    ];
    const common = {
      group: 'rtt',
      title: this.title,
      better: /** @type {const} */ ('lower'),
      note:
        'wall: elapsed µs per call; cpu: user CPU µs per call, all threads (system time, mostly thread ' +
        'wake-ups, left out); echo: go("t_cat", 1 byte).bytes(), which opens an input and an output pipe, ' +
        'vs a 1-byte ArrayBuffer ping-pong',
    };
    const wall = { unit: 'µs/call' };
    const cpu = { unit: 'user CPU µs/call' };
    /** @type {Record<string, import('./stats.mjs').Row[]>} */
    const rows = { noopWall: [], noopCpu: [], echoWall: [], echoCpu: [] };
    for (const [baseline, fn] of baselines) {
      const b = await fn(ctx);
      const to = { ...common, baseline };
      rows.noopWall.push(row({ ...to, ...wall, case: 'no-op, wall', samples: w.noop.wall, baseSamples: b.noop.wall }));
      rows.noopCpu.push(row({ ...to, ...cpu, case: 'no-op, cpu', samples: w.noop.cpu, baseSamples: b.noop.cpu }));
      if (!b.echo || !w.echo) continue;
      rows.echoWall.push(
        row({ ...to, ...wall, case: 'echo 1 B, wall', samples: w.echo.wall, baseSamples: b.echo.wall }),
      );
      rows.echoCpu.push(row({ ...to, ...cpu, case: 'echo 1 B, cpu', samples: w.echo.cpu, baseSamples: b.echo.cpu }));
    }
    return [...rows.noopWall, ...rows.noopCpu, ...rows.echoWall, ...rows.echoCpu];
  },
};
