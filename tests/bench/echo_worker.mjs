// echo_worker.mjs: the raw baseline for calls: every message comes straight
// back, so a round trip costs only what postMessage itself costs.
import { parentPort } from 'node:worker_threads';

if (!parentPort) throw new Error('echo_worker.mjs must run as a worker');
const port = parentPort;
port.on('message', (m) => port.postMessage(m));
port.postMessage('ready');
