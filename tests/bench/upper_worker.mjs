// upper_worker.mjs: the raw baseline for small calls with payload: each
// message [id, bytes] comes back as [id, upper(bytes)], the result's buffer
// transferred.
import { parentPort } from 'node:worker_threads';

import { upper } from './upper.mjs';

if (!parentPort) throw new Error('upper_worker.mjs must run as a worker');
const port = parentPort;
port.on('message', ([id, b]) => {
  const o = upper(b);
  port.postMessage([id, o], [o.buffer]);
});
port.postMessage('ready');
