// run.mjs: the benchmark suite's entry (npm run bench). It runs each group
// in turn, each in a process of its own (a group once measured 2.4x slower
// after another in the same process: pools left running, heap state), prints
// one table, and with --json FILE writes every figure with its samples.
// Benchmarks measure; they never assert a timing.
//
//   node tests/bench/run.mjs [--quick] [--json FILE] [--only id,id...]
//
// Groups: rtt, throughput, payload, pipe, chain, startup, cpu (needs the bench
// module, build/wmesh_bench.js, from bench_fns.c), memory, fanout, browser,
// cluster (hosts through a nats-server of its own).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import chain from './chain.mjs';
import browser from './browser.mjs';
import cluster from './cluster.mjs';
import cpu from './cpu.mjs';
import fanout from './fanout.mjs';
import memory from './memory.mjs';
import payload from './payload.mjs';
import pipe from './pipe.mjs';
import rtt from './rtt.mjs';
import startup from './startup.mjs';
import throughput from './throughput.mjs';
import { foreign, mark } from './load.mjs';
import { cleanup, moduleFiles } from './module.mjs';
import { table } from './table.mjs';

/**
 * @typedef {object} Ctx what every group gets
 * @property {boolean} quick small sizes, few runs
 * @property {import('./module.mjs').ModuleFiles} test the test module
 * @property {import('./module.mjs').ModuleFiles | null} bench the bench
 *   module (tests/bench/bench_fns.c), if it is built
 *
 * @typedef {object} Group
 * @property {string} id
 * @property {string} title
 * @property {(ctx: Ctx) => Promise<import('./stats.mjs').Row[]>} run
 * @property {(ctx: Ctx) => string | null} [skip] why the group cannot run
 * @property {boolean} [children] it starts processes, whose CPU time looks
 *   like other processes' to load.mjs
 */

/** Cores' worth of CPU taken by others above which a warning is printed. */
const DISTURBED = 0.1;

/** @type {Group[]} */
const groups = [rtt, throughput, payload, pipe, chain, startup, cpu, memory, fanout, browser, cluster];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
    only: { type: 'string' },
    // Internal: run this one group here and print its result as JSON.
    group: { type: 'string' },
  },
});
const only = values.only ? new Set(values.only.split(',')) : null;
const unknown = [...(only ?? [])].filter((id) => !groups.some((g) => g.id === id));
if (unknown.length) {
  console.error(`bench: no group ${unknown.join(', ')}; groups: ${groups.map((g) => g.id).join(', ')}`);
  process.exit(2);
}

// A crash skips the finally below; the snapshots must not outlive the run.
process.once('exit', cleanup);
const test = moduleFiles('wmesh_test');
if (!test) {
  console.error('bench: build/wmesh_test.js is missing; run npm run build first');
  process.exit(1);
}
/** @type {Ctx} */
const ctx = { quick: !!values.quick, test, bench: moduleFiles('wmesh_bench') };

/**
 * @typedef {object} Outcome one group's run, as its process reports it
 * @property {import('./stats.mjs').Row[]} rows
 * @property {string | null} skipped why it could not run
 * @property {number} seconds
 * @property {number | null} foreignCores
 */

/**
 * runHere runs group g in this process.
 * @param {Group} g
 * @returns {Promise<Outcome>}
 */
async function runHere(g) {
  const why = g.skip?.(ctx) ?? null;
  if (why) return { rows: [], skipped: why, seconds: 0, foreignCores: null };
  const m = mark();
  const rows = await g.run(ctx);
  const seconds = (performance.now() - m.t) / 1000;
  return { rows, skipped: null, seconds, foreignCores: g.children ? null : foreign(m) };
}

if (values.group) {
  const g = groups.find((x) => x.id === values.group);
  if (!g) process.exit(2);
  try {
    process.stdout.write(JSON.stringify(await runHere(g)));
  } finally {
    cleanup();
  }
  process.exit(0);
}

/**
 * runAlone runs group g in a process of its own.
 * @param {Group} g
 * @returns {Outcome}
 */
function runAlone(g) {
  const args = [fileURLToPath(import.meta.url), '--group', g.id, ...(ctx.quick ? ['--quick'] : [])];
  const out = execFileSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 28 });
  return JSON.parse(out.toString());
}

const machine = {
  node: process.version,
  cpus: availableParallelism(),
  cpu: cpus()[0]?.model ?? 'unknown',
  platform: `${process.platform}-${process.arch}`,
  /** cores' worth of CPU other processes used just before the run */
  foreign: await (async () => {
    const m = mark();
    await sleep(300);
    return foreign(m);
  })(),
};
console.log(
  `wmesh benchmarks${ctx.quick ? ' (quick)' : ''}: node ${machine.node}, ${machine.cpus} cores, ${machine.cpu}`,
);
if (machine.foreign > DISTURBED)
  console.log(`warning: other processes were using ${machine.foreign.toFixed(2)} cores before the run`);
console.log('');

/** @type {import('./stats.mjs').Row[]} */
const rows = [];
/** @type {{ group: string, title: string, note: string }[]} */
const skipped = [];
/** @type {{ group: string, seconds: number, foreignCores: number | null }[]} */
const ran = [];
/** @type {Map<string, string>} */
const warnings = new Map();
const started = performance.now();
try {
  for (const g of groups) {
    if (only && !only.has(g.id)) continue;
    process.stderr.write(`running ${g.title} ...`);
    const { rows: got, skipped: why, seconds, foreignCores: others } = runAlone(g);
    if (why) {
      process.stderr.write(` skipped\n`);
      skipped.push({ group: g.id, title: g.title, note: why });
      continue;
    }
    process.stderr.write(` ${seconds.toFixed(1)} s\n`);
    rows.push(...got);
    ran.push({ group: g.id, seconds, foreignCores: others });
    if (others !== null && others > DISTURBED)
      warnings.set(g.id, `other processes used ${others.toFixed(2)} cores meanwhile: these figures are distorted`);
  }
} finally {
  cleanup();
}
console.log(table(rows, skipped, warnings));
console.log(`total ${((performance.now() - started) / 1000).toFixed(1)} s`);
if (values.json) {
  const doc = { date: new Date().toISOString(), quick: ctx.quick, machine, groups: ran, rows, skipped };
  writeFileSync(values.json, `${JSON.stringify(doc, null, 2)}\n`);
}
