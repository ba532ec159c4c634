// worker.js: the entry of every worker. It instantiates the module the main
// thread compiled (posted to it, never fetched or compiled here), then relays
// control frames between the main instance and its own core.
import { parentPort, workerData } from 'node:worker_threads';

import { loadFactory } from './env/node.js';
import { Host, instantiate } from './host.js';

if (!parentPort) throw new Error('wmesh: js/worker.js must run as a worker');
const parent = parentPort;
const { self, glue } = workerData;

const host = new Host({
  self,
  postCtrl: (dest, frame, ports, early) => {
    // A worker talks to the main instance only; dest is always 0.
    if (dest === 0) parent.postMessage({ t: 'f', f: frame, p: ports, e: early }, [frame, ...ports, ...early.flat()]);
  },
});

/** @type {any[]} frames that arrived before the module was ready */
let early = [];

parent.on('message', (m) => {
  if (!m || typeof m !== 'object') return;
  if (m.t === 'init') {
    instantiate(loadFactory(glue), m.wasm, host).then(
      (M) => {
        M._wm__init(self, 0, 1, 0);
        parent.postMessage({ t: 'ready' });
        const q = early;
        early = [];
        q.forEach((e) => host.deliverCtrl(0, e.f, e.p, e.e));
      },
      (e) => parent.postMessage({ t: 'fatal', error: String(e && e.stack ? e.stack : e) }),
    );
  } else if (m.t === 'f') {
    if (!host.M) early.push(m);
    else host.deliverCtrl(0, m.f, m.p, m.e);
  } else if (m.t === 'stats') {
    parent.postMessage({ t: 'stats', id: m.id, s: host.stats() });
  }
});
