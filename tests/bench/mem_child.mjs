// mem_child.mjs: one memory sample in a fresh process, so that no earlier
// benchmark's heap or code is counted. Started by memory.mjs as
//   node --expose-gc mem_child.mjs wmesh|raw N GLUE WASM
// it starts N idle workers, lets them settle, and prints the process's
// resident set size in bytes as JSON.
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
const before = process.memoryUsage().rss;
/** @type {() => Promise<unknown>} */
let stop;
if (kind === 'wmesh') {
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
