// throughput.mjs: group 2, empty calls with 1, 16 and 256 in flight on two
// workers: how well each runtime overlaps calls, not how fast one call is.
import { Piscina } from 'piscina';
import workerpool from 'workerpool';

import { label, startWorker, withMesh, withWorkers } from './module.mjs';
import { row, samples, warmup } from './stats.mjs';

/** @typedef {import('./run.mjs').Ctx} Ctx */
/** @typedef {() => Promise<unknown>} Op */
/** @typedef {(ctx: Ctx, depths: number[]) => Promise<number[][]>} Runner calls/s samples per depth */

const WORKERS = 2;
const DEPTHS = [1, 16, 256];

/**
 * callsPerSecond keeps `depth` calls of op in flight until n have finished:
 * each lane starts its next call when its last one ends.
 * @param {Ctx} ctx
 * @param {Op} op
 * @param {number[]} depths
 */
export async function callsPerSecond(ctx, op, depths) {
  const { warm, runs, calls } = ctx.quick
    ? { warm: 200, runs: 3, calls: 2000 }
    : { warm: 1000, runs: 5, calls: 20000 };
  /** @param {number} depth @param {number} n */
  const go = async (depth, n) => {
    let left = n;
    const lane = async () => {
      while (left-- > 0) await op();
    };
    await Promise.all(Array.from({ length: depth }, lane));
  };
  await warmup(warm, () => go(16, 500));
  const out = [];
  for (const depth of depths) {
    out.push(
      await samples(runs, async () => {
        const t = performance.now();
        await go(depth, calls);
        return calls / ((performance.now() - t) / 1000);
      }),
    );
  }
  return out;
}

/** @type {Runner} */
function wmesh(ctx, depths) {
  return withMesh(ctx.test, WORKERS, (mesh) =>
    callsPerSecond(ctx, () => mesh.go('t_noop', undefined, { output: false }).result, depths),
  );
}

/** @type {Runner} */
function raw(ctx, depths) {
  return withWorkers(
    () => Array.from({ length: WORKERS }, () => startWorker('echo_worker.mjs')),
    (ws) => {
      /** @type {Map<number, (v: unknown) => void>} */
      const waiting = new Map();
      for (const w of ws)
        w.on('message', (/** @type {number} */ id) => {
          const r = waiting.get(id);
          waiting.delete(id);
          r?.(id);
        });
      let next = 0;
      return callsPerSecond(
        ctx,
        () => {
          const id = next++;
          return new Promise((resolve) => {
            waiting.set(id, resolve);
            ws[id % ws.length].postMessage(id);
          });
        },
        depths,
      );
    },
  );
}

/** @type {Runner} */
async function piscina(ctx, depths) {
  const pool = new Piscina({
    filename: new URL('piscina_worker.mjs', import.meta.url).href,
    minThreads: WORKERS,
    maxThreads: WORKERS,
  });
  try {
    return await callsPerSecond(ctx, () => pool.run(null), depths);
  } finally {
    await pool.destroy();
  }
}

/** @type {Runner} */
async function wpool(ctx, depths) {
  const pool = workerpool.pool(new URL('workerpool_worker.mjs', import.meta.url).pathname, {
    minWorkers: WORKERS,
    maxWorkers: WORKERS,
    workerType: 'thread',
  });
  try {
    return await callsPerSecond(ctx, () => pool.exec('noop', []), depths);
  } finally {
    await pool.terminate();
  }
}

export default {
  id: 'throughput',
  title: `2. Empty call throughput, ${WORKERS} workers`,
  /** @param {Ctx} ctx */
  async run(ctx) {
    const w = await wmesh(ctx, DEPTHS);
    /** @type {[string, Runner][]} */
    const baselines = [
      [label('piscina'), piscina],
      [label('workerpool'), wpool],
      ['raw postMessage, round robin', raw],
    ];
    const got = [];
    for (const [name, fn] of baselines) got.push({ name, s: await fn(ctx, DEPTHS) });
    return DEPTHS.flatMap((depth, i) =>
      got.map((b) =>
        row({
          group: 'throughput',
          title: this.title,
          case: `${depth} in flight`,
          unit: 'calls/s',
          better: 'higher',
          samples: w[i],
          baseline: b.name,
          baseSamples: b.s[i],
        }),
      ),
    );
  },
};
