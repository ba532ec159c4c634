// mem_child.mjs: one memory sample in a fresh process, so that no earlier
// benchmark's heap or code is counted. Started by memory.mjs as
//   node --expose-gc mem_child.mjs wmesh|raw N GLUE WASM
// it starts N idle workers, lets them settle, and prints the process's
// resident set size in bytes as JSON. With `parked K` (or `pipes K`) it
// starts one worker first, and what it measures is K parked calls (t_cat
// waiting for input: a fiber and two port-backed pipe ends each), or K
// local pipes held open in one call (t_pipes).
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

import { startMesh, startWorker } from './module.mjs';

const [kind, count, glue, wasmPath] = process.argv.slice(2);
const n = Number(count);
const files = { glue, wasm: wasmPath };

/** settle waits for start-up garbage to be collected in every thread. */
async function settle() {
  for (let i = 0; i < 3; i++) {
    /** @type {any} */ (globalThis).gc?.();
    await sleep(100);
  }
}

await settle();
let before = process.memoryUsage().rss;
/** @type {() => Promise<unknown>} */
let stop;
if (kind === 'parked' || kind === 'pipes') {
  const mesh = await startMesh(files, 1);
  await settle();
  before = process.memoryUsage().rss;
  /** @type {ReadableStreamDefaultController<Uint8Array>[]} */
  const ctls = [];
  const held = () => new ReadableStream({ start: (c) => void ctls.push(c) });
  /** @type {import('../../js/mesh.js').Call[]} */
  const calls = [];
  if (kind === 'parked') {
    for (let i = 0; i < n; i++) calls.push(mesh.go('t_cat', held()));
    while ((await mesh.stats()).total.running < n) await sleep(10);
  } else {
    const input = held();
    ctls[0].enqueue(new Uint8Array(new Uint32Array([n]).buffer));
    const c = mesh.go('t_pipes', input);
    calls.push(c);
    await c.output.getReader().read(); // "ready": the pipes are open
  }
  stop = async () => {
    ctls.forEach((c) => c.close());
    await Promise.all(calls.map((c) => c.result));
    await mesh.close();
  };
} else if (kind === 'wmesh') {
  const mesh = await startMesh(files, n);
  stop = () => mesh.close();
} else {
  const wasm = await WebAssembly.compile(await readFile(wasmPath));
  const ws = await Promise.all(
    Array.from({ length: n }, () => startWorker('wasm_worker.mjs', { glue }, { message: { wasm } })),
  );
  stop = () => Promise.all(ws.map((w) => w.terminate()));
}
await settle();
const after = process.memoryUsage().rss;
await stop();
process.stdout.write(`${JSON.stringify({ before, after })}\n`);
