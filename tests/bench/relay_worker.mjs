// relay_worker.mjs: the raw baseline for pipes. Each message from the parent
// hands over one stage, a pair of ports; every ArrayBuffer arriving on `in`
// is transferred on to `out` untouched: no copy, no framing, no flow control,
// which is the most a pipe over MessagePorts can do. With `copy`, each
// buffer is first copied into a stand-in for linear memory and back out,
// the least any wasm runtime must do: the practical limit.
import { parentPort } from 'node:worker_threads';

/** @typedef {import('node:worker_threads').MessagePort} Port */

if (!parentPort) throw new Error('relay_worker.mjs must run as a worker');
/** This worker's stand-in for a wasm instance's linear memory. */
const memory = new Uint8Array(4 << 20);

parentPort.on('message', (/** @type {{ in: Port, out: Port, copy?: boolean }} */ m) => {
  const { in: from, out: to, copy } = m;
  from.on('message', (/** @type {ArrayBuffer} */ b) => {
    if (copy) {
      // As a wasm runtime must: copy in to its memory, then out again.
      const u = new Uint8Array(b);
      memory.set(u);
      u.set(memory.subarray(0, u.length));
    }
    to.postMessage(b, [b]);
  });
  // Closing either side ends the stage, so that a finished run leaves no
  // port behind to keep this worker's loop busy.
  from.once('close', () => to.close());
  to.once('close', () => from.close());
});
parentPort.postMessage('ready');
