// fanout.mjs: group 8, one producer streaming frames to 1, 10 and 100
// subscribers: frames per second each subscriber receives, and the latency
// from publishing to receipt, beside a bare worker posting each frame to
// every subscriber's port.
import { createMesh, records } from '../../js/index.js';
import { startWorker, withWorkers } from './module.mjs';
import { median, row, samples } from './stats.mjs';

/** @typedef {import('./run.mjs').Ctx} Ctx */

const SUBS = [1, 10, 100];
const SIZE = 1024; /* bytes per frame: e.g. 256 float samples */

/** @param {boolean} quick */
const plan = (quick) => (quick ? { runs: 2, frames: 500 } : { runs: 3, frames: 3000 });

const now = () => performance.timeOrigin + performance.now();

/**
 * wmesh: b_fan on worker 1, k subscribers read from the main thread.
 * @param {Ctx} ctx
 * @param {number} k
 * @returns {Promise<{ fps: number[], lat: number[] }>}
 */
async function wmesh(ctx, k) {
  const { runs, frames } = plan(ctx.quick);
  const m = /** @type {import('./module.mjs').ModuleFiles} */ (ctx.bench);
  const mesh = await createMesh({ module: m.glue, wasm: m.wasm, workers: 2, concurrency: 256 });
  const fps = [];
  const lat = [];
  try {
    await samples(runs, async () => {
      /** @type {ReadableStreamDefaultController<Uint8Array>} */
      let ctl;
      const input = new ReadableStream({ start: (c) => void (ctl = c) });
      // @ts-ignore: set by start
      ctl.enqueue(new Uint8Array(new Uint32Array([frames, SIZE]).buffer));
      const svc = await mesh.start('b_fan', input, { where: 1, output: false });
      const subs = Array.from({ length: k }, () =>
        mesh.subscribe('bench', { where: 1, policy: 'block', queue: 64, window: 256 * 1024 }),
      );
      // Every subscription runs (its first credit) before the producer goes.
      while ((await mesh.stats()).workers[0].running < k + 1) await new Promise((r) => setTimeout(r, 1));
      const t = now();
      // @ts-ignore
      ctl.enqueue(new Uint8Array([1]));
      // @ts-ignore
      ctl.close();
      const per = await Promise.all(
        subs.map(async (s) => {
          const ls = [];
          let got = 0;
          for await (const r of records(s.output)) {
            ls.push(now() - new Float64Array(r.data.buffer, r.data.byteOffset, 1)[0]);
            got++;
          }
          return { fps: got / ((now() - t) / 1000), lat: median(ls) };
        }),
      );
      await svc.result;
      fps.push(median(per.map((p) => p.fps)));
      lat.push(median(per.map((p) => p.lat)));
      return 0;
    });
  } finally {
    await mesh.close();
  }
  return { fps, lat };
}

/**
 * raw: a bare worker posts every frame to k ports read on the main thread.
 * @param {Ctx} ctx
 * @param {number} k
 */
function raw(ctx, k) {
  const { runs, frames } = plan(ctx.quick);
  return withWorkers(
    () => [startWorker('fan_worker.mjs')],
    async ([w]) => {
      const fps = [];
      const lat = [];
      await samples(runs, async () => {
        const chans = Array.from({ length: k }, () => new MessageChannel());
        const t = now();
        const per = Promise.all(
          chans.map(
            (ch) =>
              new Promise((resolve) => {
                const ls = [];
                ch.port1.onmessage = (e) => {
                  if (e.data === null) {
                    ch.port1.close();
                    resolve({ fps: ls.length / ((now() - t) / 1000), lat: median(ls) });
                    return;
                  }
                  ls.push(now() - new Float64Array(e.data, 0, 1)[0]);
                };
              }),
          ),
        );
        const ports = chans.map((c) => c.port2);
        w.postMessage({ ports, n: frames, size: SIZE }, ports);
        const r = /** @type {{ fps: number, lat: number }[]} */ (await per);
        fps.push(median(r.map((p) => p.fps)));
        lat.push(median(r.map((p) => p.lat)));
        return 0;
      });
      return { fps, lat };
    },
  );
}

export default {
  id: 'fanout',
  title: `8. Fan-out, one producer, ${SIZE} B frames`,
  /** @param {Ctx} ctx */
  async run(ctx) {
    if (!ctx.bench) return [];
    const rows = [];
    for (const k of SUBS) {
      const w = await wmesh(ctx, k);
      const b = await raw(ctx, k);
      const common = { group: 'fanout', title: this.title, baseline: 'raw postMessage to each port' };
      rows.push(
        row({ ...common, case: `${k} subscribers, frames/s each`, unit: 'frames/s', better: 'higher', samples: w.fps, baseSamples: b.fps }),
        row({ ...common, case: `${k} subscribers, latency`, unit: 'ms', better: 'lower', samples: w.lat, baseSamples: b.lat }),
      );
    }
    return rows;
  },
};
