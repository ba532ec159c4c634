// startup.mjs: group 5, the time from asking for a mesh to being able to
// call it, against starting as many bare worker_threads that instantiate the
// same compiled module.
import { readFile } from 'node:fs/promises';

import { startMesh, startWorker } from './module.mjs';
import { row } from './stats.mjs';

/** @typedef {import('./run.mjs').Ctx} Ctx */
/** @typedef {import('./module.mjs').ModuleFiles} ModuleFiles */

const SIZES = [1, 2, 4];

/**
 * wmesh times createMesh, which compiles the module, starts the workers and
 * instantiates it in each and in the main thread.
 * @param {ModuleFiles} m
 * @param {number} n
 */
async function wmesh(m, n) {
  const t = performance.now();
  const mesh = await startMesh(m, n);
  const ms = performance.now() - t;
  await mesh.close();
  return ms;
}

/**
 * raw does the least the same job needs: read and compile the module once,
 * start n workers, post each the compiled module, wait until each has
 * instantiated it.
 * @param {ModuleFiles} m
 * @param {number} n
 */
async function raw(m, n) {
  const t = performance.now();
  const wasm = await WebAssembly.compile(await readFile(m.wasm));
  const ws = await Promise.all(
    Array.from({ length: n }, () =>
      startWorker('wasm_worker.mjs', { glue: m.glue }, { message: { wasm } }),
    ),
  );
  const ms = performance.now() - t;
  await Promise.all(ws.map((w) => w.terminate()));
  return ms;
}

export default {
  id: 'startup',
  title: '5. Start-up until ready',
  /** @param {Ctx} ctx */
  async run(ctx) {
    const runs = ctx.quick ? 3 : 9;
    // The first start in a process pays for loading code that later starts
    // reuse; both sides get one start that is not counted.
    await wmesh(ctx.test, 1);
    await raw(ctx.test, 1);
    const rows = [];
    for (const n of SIZES) {
      /** @type {number[]} */
      const w = [];
      /** @type {number[]} */
      const r = [];
      // Alternating keeps slow drift (other load, heap growth) from favouring
      // whichever side would run second.
      for (let i = 0; i < runs; i++) {
        if (i % 2) {
          w.push(await wmesh(ctx.test, n));
          r.push(await raw(ctx.test, n));
        } else {
          r.push(await raw(ctx.test, n));
          w.push(await wmesh(ctx.test, n));
        }
      }
      rows.push(
        row({
          group: 'startup',
          title: this.title,
          case: `${n} worker${n > 1 ? 's' : ''}`,
          unit: 'ms',
          better: 'lower',
          samples: w,
          baseline: `${n} raw wasm worker${n > 1 ? 's' : ''}`,
          baseSamples: r,
          note:
            'both compile the module in the main thread and post it to each worker; ' +
            'wmesh also instantiates it in the main thread',
        }),
      );
    }
    return rows;
  },
};
