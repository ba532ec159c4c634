// relay_worker.mjs: the raw baseline for pipes. Each message from the parent
// hands over one stage, a pair of ports; every ArrayBuffer arriving on `in`
// is transferred on to `out` untouched: no copy, no framing, no flow control,
// which is the most a pipe over MessagePorts can do.
import { parentPort } from 'node:worker_threads';

/** @typedef {import('node:worker_threads').MessagePort} Port */

if (!parentPort) throw new Error('relay_worker.mjs must run as a worker');
parentPort.on('message', (/** @type {{ in: Port, out: Port }} */ m) => {
  const { in: from, out: to } = m;
  from.on('message', (/** @type {ArrayBuffer} */ b) => to.postMessage(b, [b]));
  // Closing either side ends the stage, so that a finished run leaves no
  // port behind to keep this worker's loop busy.
  from.once('close', () => to.close());
  to.once('close', () => from.close());
});
parentPort.postMessage('ready');
