// payload.mjs: group "payload", small calls with payload: upper-casing 32 B
// and 4 KiB, one at a time and 256 in flight on two workers, beside raw
// postMessage, Comlink and piscina doing the same work. The empty-call
// groups show the runtime's own cost; this one shows a realistic small
// call's, input in and output out.
import * as Comlink from 'comlink/dist/esm/comlink.mjs';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { Piscina } from 'piscina';

import { label, startWorker, withMesh, withWorkers } from './module.mjs';
import { row } from './stats.mjs';
import { callsPerSecond } from './throughput.mjs';

/** @typedef {import('./run.mjs').Ctx} Ctx */
/** @typedef {(b: Uint8Array) => Promise<unknown>} Op one call on bytes b */
/** @typedef {(ctx: Ctx, run: (op: Op) => Promise<number[][]>) => Promise<number[][]>} Subject */

const WORKERS = 2;
const DEPTHS = [1, 256];
const SIZES = [32, 4096];

/** @type {Subject} */
function wmesh(ctx, run) {
  return withMesh(ctx.test, WORKERS, (mesh) => run((b) => mesh.go('t_upper', b).bytes()));
}

/** @type {Subject} */
function raw(ctx, run) {
  return withWorkers(
    () => Array.from({ length: WORKERS }, () => startWorker('upper_worker.mjs')),
    (ws) => {
      /** @type {Map<number, (v: unknown) => void>} */
      const waiting = new Map();
      for (const w of ws)
        w.on('message', (/** @type {[number, Uint8Array]} */ [id, out]) => {
          const r = waiting.get(id);
          waiting.delete(id);
          r?.(out);
        });
      let next = 0;
      return run((b) => {
        const id = next++;
        return new Promise((resolve) => {
          waiting.set(id, resolve);
          ws[id % ws.length].postMessage([id, b]);
        });
      });
    },
  );
}

/** @type {Subject} */
function comlink(ctx, run) {
  return withWorkers(
    () => Array.from({ length: WORKERS }, () => startWorker('comlink_worker.mjs')),
    async (ws) => {
      /** @type {Comlink.Remote<{ upper(b: Uint8Array): Uint8Array }>[]} */
      const apis = ws.map((w) => Comlink.wrap(nodeEndpoint(/** @type {any} */ (w))));
      let next = 0;
      try {
        return await run((b) => apis[next++ % apis.length].upper(b));
      } finally {
        for (const a of apis) a[Comlink.releaseProxy]();
      }
    },
  );
}

/** @type {Subject} */
async function piscina(ctx, run) {
  const pool = new Piscina({
    filename: new URL('piscina_worker.mjs', import.meta.url).href,
    minThreads: WORKERS,
    maxThreads: WORKERS,
  });
  try {
    return await run((b) => pool.run(b, { name: 'upper' }));
  } finally {
    await pool.destroy();
  }
}

export default {
  id: 'payload',
  title: `2b. Small calls with payload (upper-case), ${WORKERS} workers`,
  /** @param {Ctx} ctx */
  async run(ctx) {
    /** @param {Subject} subject @returns {Promise<number[][][]>} calls/s samples per size, per depth */
    const measure = async (subject) => {
      const out = [];
      for (const n of SIZES) {
        const input = new Uint8Array(n).fill(97);
        out.push(await subject(ctx, (op) => callsPerSecond(ctx, () => op(input), DEPTHS)));
      }
      return out;
    };
    const w = await measure(wmesh);
    /** @type {[string, Subject][]} */
    const baselines = [
      ['raw postMessage, round robin', raw],
      [label('comlink'), comlink],
      [label('piscina'), piscina],
    ];
    const got = [];
    for (const [name, fn] of baselines) got.push({ name, s: await measure(fn) });
    return SIZES.flatMap((n, i) =>
      DEPTHS.flatMap((depth, j) =>
        got.map((b) =>
          row({
            group: 'payload',
            title: this.title,
            case: `${n < 1024 ? `${n} B` : `${n / 1024} KiB`}, ${depth === 1 ? 'one at a time' : `${depth} in flight`}`,
            unit: 'calls/s',
            better: 'higher',
            samples: w[i][j],
            baseline: b.name,
            baseSamples: b.s[i][j],
          }),
        ),
      ),
    );
  },
};
