// comlink_worker.mjs: the Comlink baseline: an exposed no-op method, and
// upper (the small calls with payload), over Comlink's own Node adapter.
import { parentPort } from 'node:worker_threads';

import * as Comlink from 'comlink/dist/esm/comlink.mjs';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';

import { upper } from './upper.mjs';

if (!parentPort) throw new Error('comlink_worker.mjs must run as a worker');
Comlink.expose({ noop() {}, upper }, nodeEndpoint(parentPort));
parentPort.postMessage('ready');
