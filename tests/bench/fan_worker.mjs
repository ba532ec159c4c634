// fan_worker.mjs: the fan-out baseline: a bare worker that posts every frame
// to each subscriber's MessagePort, stamped like b_fan's, with no queues and
// no flow control (the platform's floor for one producer, many readers).
import { parentPort } from 'node:worker_threads';

if (!parentPort) throw new Error('fan_worker.mjs must run as a worker');
const parent = parentPort;
parent.on('message', (/** @type {{ ports: MessagePort[], n: number, size: number }} */ m) => {
  for (let i = 0; i < m.n; i++) {
    for (const p of m.ports) {
      const b = new ArrayBuffer(m.size);
      new Float64Array(b, 0, 1)[0] = performance.timeOrigin + performance.now();
      p.postMessage(b, [b]);
    }
  }
  for (const p of m.ports) p.postMessage(null);
});
parent.postMessage('ready');
