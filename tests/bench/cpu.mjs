// cpu.mjs: optional group 6, CPU-bound parallel speedup: the same batch of
// compute tasks (b_spin, tests/bench/bench_fns.c) on one worker and on two,
// against bare workers calling the same wasm function directly.
import { readFile } from 'node:fs/promises';

import { startWorker, withMesh, withWorkers } from './module.mjs';
import { row, samples } from './stats.mjs';

/** @typedef {import('./run.mjs').Ctx} Ctx */
/** @typedef {import('./module.mjs').ModuleFiles} ModuleFiles */

/** About 10 ms of work per task on the machine this was written on. */
const ROUNDS = 7_000_000;

/** @param {boolean} quick */
const plan = (quick) => (quick ? { runs: 3, tasks: 8 } : { runs: 5, tasks: 32 });

/**
 * wmesh runs every task at once on a mesh of n workers; ms per batch.
 * @param {Ctx} ctx
 * @param {ModuleFiles} m
 * @param {number} n
 */
function wmesh(ctx, m, n) {
  const { runs, tasks } = plan(ctx.quick);
  const input = new Uint8Array(new Uint32Array([ROUNDS]).buffer);
  const batch = (/** @type {any} */ mesh) =>
    Promise.all(Array.from({ length: tasks }, () => mesh.go('b_spin', input).bytes()));
  return withMesh(m, n, async (mesh) => {
    await batch(mesh);
    return samples(runs, async () => {
      const t = performance.now();
      await batch(mesh);
      return performance.now() - t;
    });
  });
}

/**
 * raw hands the tasks round robin to n bare workers that call
 * b_spin_rounds directly; ms per batch.
 * @param {Ctx} ctx
 * @param {ModuleFiles} m
 * @param {number} n
 */
async function raw(ctx, m, n) {
  const { runs, tasks } = plan(ctx.quick);
  const wasm = await WebAssembly.compile(await readFile(m.wasm));
  return withWorkers(
    () =>
      Array.from({ length: n }, () => startWorker('wasm_worker.mjs', { glue: m.glue }, { message: { wasm } })),
    async (ws) => {
      /** @type {Map<number, () => void>} */
      const waiting = new Map();
      for (const w of ws)
        w.on('message', (/** @type {{ id: number }} */ r) => {
          waiting.get(r.id)?.();
          waiting.delete(r.id);
        });
      let next = 0;
      const batch = () =>
        Promise.all(
          Array.from({ length: tasks }, () => {
            const id = next++;
            return new Promise((resolve) => {
              waiting.set(id, () => resolve(undefined));
              ws[id % n].postMessage({ id, rounds: ROUNDS });
            });
          }),
        );
      await batch();
      return samples(runs, async () => {
        const t = performance.now();
        await batch();
        return performance.now() - t;
      });
    },
  );
}

export default {
  id: 'cpu',
  title: '6. CPU-bound batch (b_spin), parallel speedup',
  /** @param {Ctx} ctx */
  skip(ctx) {
    return ctx.bench
      ? null
      : 'build/wmesh_bench.js is missing; the build needs wmesh_add_module(wmesh_bench tests/bench/bench_fns.c)';
  },
  /** @param {Ctx} ctx */
  async run(ctx) {
    const m = /** @type {ModuleFiles} */ (ctx.bench);
    const { tasks } = plan(ctx.quick);
    const w1 = await wmesh(ctx, m, 1);
    const w2 = await wmesh(ctx, m, 2);
    const r1 = await raw(ctx, m, 1);
    const r2 = await raw(ctx, m, 2);
    const common = {
      group: 'cpu',
      title: this.title,
      note:
        `${tasks} tasks of ${ROUNDS / 1e6}M xorshift rounds, all submitted at once; ` +
        'speedup = 1-worker time ÷ 2-worker time, run by run',
    };
    const ms = { unit: 'ms/batch', better: /** @type {const} */ ('lower') };
    /** @param {number[]} a @param {number[]} b */
    const div = (a, b) => a.map((x, i) => x / b[i]);
    return [
      row({ ...common, ...ms, case: '1 worker', samples: w1, baseline: '1 raw wasm worker', baseSamples: r1 }),
      row({ ...common, ...ms, case: '2 workers', samples: w2, baseline: '2 raw wasm workers', baseSamples: r2 }),
      row({
        ...common,
        case: 'speedup 2 vs 1',
        unit: '×',
        better: 'higher',
        samples: div(w1, w2),
        baseline: 'raw speedup',
        baseSamples: div(r1, r2),
      }),
    ];
  },
};
