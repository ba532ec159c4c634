// memory.mjs: optional group 7, resident memory per idle worker, each sample
// in a fresh process. Per worker is the slope between 1 and 4 workers, so a
// fixed cost (wmesh's main-thread instance, the compiled module) is left out
// and reported on its own row.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { row } from './stats.mjs';

/** @typedef {import('./run.mjs').Ctx} Ctx */
/** @typedef {import('./module.mjs').ModuleFiles} ModuleFiles */

const run = promisify(execFile);
const child = fileURLToPath(new URL('mem_child.mjs', import.meta.url));
const LOW = 1;
const HIGH = 4;

/**
 * grew starts n idle workers of a kind in a fresh process (or, for parked
 * and pipes, n parked calls or n open pipes on one worker) and returns how
 * many MB its resident set grew by.
 * @param {'wmesh' | 'raw' | 'parked' | 'pipes'} kind
 * @param {number} n
 * @param {ModuleFiles} m
 */
async function grew(kind, n, m) {
  const { stdout } = await run(process.execPath, ['--expose-gc', child, kind, String(n), m.glue, m.wasm]);
  const { before, after } = JSON.parse(stdout);
  return (after - before) / 1e6;
}

export default {
  id: 'memory',
  title: '7. Resident memory of idle workers',
  children: true,
  /** @param {Ctx} ctx */
  async run(ctx) {
    const runs = ctx.quick ? 1 : 3;
    /** @type {Record<string, number[]>} */
    const s = { wLow: [], wHigh: [], rLow: [], rHigh: [] };
    for (let i = 0; i < runs; i++) {
      s.wLow.push(await grew('wmesh', LOW, ctx.test));
      s.rLow.push(await grew('raw', LOW, ctx.test));
      s.wHigh.push(await grew('wmesh', HIGH, ctx.test));
      s.rHigh.push(await grew('raw', HIGH, ctx.test));
    }
    /** @param {number[]} hi @param {number[]} lo */
    const slope = (hi, lo) => hi.map((x, i) => (x - lo[i]) / (HIGH - LOW));
    const common = {
      group: 'memory',
      title: this.title,
      unit: 'MB',
      better: /** @type {const} */ ('lower'),
      note:
        `RSS growth over a fresh process, median of ${runs}; ` +
        `per worker = (growth with ${HIGH} − growth with ${LOW}) ÷ ${HIGH - LOW}; MB = 10^6 bytes`,
    };
    // What one parked call and one open pipe cost, in KB: no baseline has
    // either, so each stands beside the idle worker's cost for scale.
    const PARKED = 64;
    const PIPES = 10000;
    /** @type {number[]} */
    const parked = [];
    /** @type {number[]} */
    const pipes = [];
    for (let i = 0; i < runs; i++) {
      parked.push(((await grew('parked', PARKED, ctx.test)) * 1000) / PARKED);
      pipes.push(((await grew('pipes', PIPES, ctx.test)) * 1e6) / PIPES);
    }
    return [
      row({
        ...common,
        case: `per parked call (of ${PARKED})`,
        unit: 'KB',
        samples: parked,
        baseline: 'per idle worker, KB',
        baseSamples: slope(s.wHigh, s.wLow).map((x) => x * 1000),
      }),
      row({
        ...common,
        case: `per open local pipe (of ${PIPES})`,
        unit: 'bytes',
        samples: pipes,
        baseline: 'per parked call, bytes',
        baseSamples: parked.map((x) => x * 1000),
      }),
      row({
        ...common,
        case: 'per idle worker',
        samples: slope(s.wHigh, s.wLow),
        baseline: 'raw wasm worker',
        baseSamples: slope(s.rHigh, s.rLow),
      }),
      row({ ...common, case: `${LOW} worker`, samples: s.wLow, baseline: 'raw', baseSamples: s.rLow }),
      row({ ...common, case: `${HIGH} workers`, samples: s.wHigh, baseline: 'raw', baseSamples: s.rHigh }),
    ];
  },
};
