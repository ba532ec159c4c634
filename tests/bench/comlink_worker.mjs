// comlink_worker.mjs: the Comlink baseline: one exposed no-op method over
// Comlink's own Node adapter.
import { parentPort } from 'node:worker_threads';

import * as Comlink from 'comlink/dist/esm/comlink.mjs';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';

if (!parentPort) throw new Error('comlink_worker.mjs must run as a worker');
Comlink.expose({ noop() {} }, nodeEndpoint(parentPort));
parentPort.postMessage('ready');
