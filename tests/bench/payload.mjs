// payload.mjs: group "payload", small calls with payload: upper-casing 32 B
// and 4 KiB, one at a time and 256 in flight on two workers, beside raw
// postMessage, Comlink and piscina doing the same work. The empty-call
// groups show the runtime's own cost; this one shows a realistic small
// call's, input in and output out.
import * as Comlink from 'comlink/dist/esm/comlink.mjs';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { Piscina } from 'piscina';

import { label, startWorker, withMesh, withWorkers } from './module.mjs';
import { interleaved, row, warmup } from './stats.mjs';

/** @typedef {import('./run.mjs').Ctx} Ctx */
/** @typedef {(b: Uint8Array) => Promise<unknown>} Op one call on bytes b */
/** @typedef {(ctx: Ctx, run: (op: Op) => Promise<any>) => Promise<any>} Subject keeps its workers alive while run runs */

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
    const { warm, runs, calls } = ctx.quick
      ? { warm: 200, runs: 3, calls: 2000 }
      : { warm: 1000, runs: 5, calls: 20000 };
    /** @type {[string, Subject][]} */
    const subjects = [
      ['wmesh', wmesh],
      ['raw postMessage, round robin', raw],
      [label('comlink'), comlink],
      [label('piscina'), piscina],
    ];
    /**
     * rate keeps depth calls of op on input in flight until `calls` have
     * finished; calls/s.
     * @param {Op} op @param {Uint8Array} input @param {number} depth
     */
    const rate = async (op, input, depth) => {
      let left = calls;
      const lane = async () => {
        while (left-- > 0) await op(input);
      };
      const t = performance.now();
      await Promise.all(Array.from({ length: depth }, lane));
      return calls / ((performance.now() - t) / 1000);
    };
    // Every subject is alive for the whole group, and each case measures
    // them in turn, run after run: the figures compared share the moments
    // of a noisy machine, where measuring one subject after another would
    // charge a busy minute to one of them alone.
    /** @param {Subject[]} rest @param {Op[]} ops @returns {Promise<number[][][]>} per size, per depth, per subject */
    const withAll = (rest, ops) =>
      rest.length
        ? rest[0](ctx, (op) => withAll(rest.slice(1), [...ops, op]))
        : (async () => {
            const out = [];
            for (const n of SIZES) {
              const input = new Uint8Array(n).fill(97);
              for (const op of ops) await warmup(warm, () => rate(op, input, 16));
              const perDepth = [];
              for (const depth of DEPTHS)
                perDepth.push(await interleaved(runs, ops.map((op) => () => rate(op, input, depth))));
              out.push(perDepth);
            }
            return out;
          })();
    const all = await withAll(
      subjects.map(([, f]) => f),
      [],
    );
    const w = all.map((perDepth) => perDepth.map((bySubject) => bySubject[0]));
    const got = subjects.slice(1).map(([name], k) => ({
      name,
      s: all.map((perDepth) => perDepth.map((bySubject) => bySubject[k + 1])),
    }));
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
