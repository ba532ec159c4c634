// wasm_worker.mjs: the raw baseline for start-up and memory: a bare
// worker_thread that instantiates the same compiled module the way wmesh
// does (the glue with an instantiateWasm hook), and nothing else. If the
// module exports b_spin_rounds (the bench module), {rounds} messages run it
// directly, as the baseline for the CPU-bound group.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

if (!parentPort) throw new Error('wasm_worker.mjs must run as a worker');
const port = parentPort;
const require = createRequire(import.meta.url);

port.once('message', async (/** @type {{ wasm: WebAssembly.Module }} */ m) => {
  const factory = require(workerData.glue);
  const M = await factory({
    // The runtime's host is never called: no wmesh entry point runs here.
    wmHost: {},
    /**
     * @param {WebAssembly.Imports} imports
     * @param {(i: WebAssembly.Instance, m: WebAssembly.Module) => void} receive
     */
    instantiateWasm(imports, receive) {
      WebAssembly.instantiate(m.wasm, imports).then((i) => receive(i, m.wasm));
      return {};
    },
  });
  port.on('message', (/** @type {{ id: number, rounds: number }} */ t) => {
    port.postMessage({ id: t.id, r: M._b_spin_rounds(t.rounds) >>> 0 });
  });
  port.postMessage('ready');
});
