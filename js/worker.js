// worker.js: the entry of every Node worker (worker_threads); the protocol
// itself is in serve.js. The worker's link to the main thread is its
// parentPort.
import { parentPort, workerData } from 'node:worker_threads';

import { loadFactory } from './env/node.js';
import { PortLink } from './link/port.js';
import { serve } from './serve.js';

if (!parentPort) throw new Error('wmesh: js/worker.js must run as a worker');
const parent = parentPort;
const { self, glue } = workerData;

serve({
  self,
  glue,
  loadFactory,
  link: new PortLink({
    post: (m, t) => parent.postMessage(m, /** @type {import('./env/node.js').NodeTransfer} */ (t)),
    listen: (f) => parent.on('message', f),
  }),
});
