// pipe.mjs: group 3, pipe throughput main → worker → main through t_cat,
// against the platform's practical limit: transferred ArrayBuffers echoed by
// a worker.
import { startWorker, withMesh, withWorkers } from './module.mjs';
import { KiB, MiB, interleaved, rate, row, sizeName, warmup } from './stats.mjs';
import { rawStream, wmeshStream } from './streams.mjs';

/** @typedef {import('./run.mjs').Ctx} Ctx */

/** The default window of a wmesh pipe (js/wire.js), given to the raw loop. */
const WINDOW = 512 * KiB;

/** @param {boolean} quick */
function plan(quick) {
  // Small writes are slow enough per byte that the same total would
  // dominate the suite's run time, so they move less.
  return quick
    ? { runs: 3, warm: 300, min: 50, cases: [[KiB, 2 * MiB], [64 * KiB, 8 * MiB], [MiB, 8 * MiB]] }
    : { runs: 5, warm: 1500, min: 300, cases: [[KiB, 16 * MiB], [64 * KiB, 64 * MiB], [MiB, 64 * MiB]] };
}

export default {
  id: 'pipe',
  title: '3. Pipe throughput main → worker → main',
  /** @param {Ctx} ctx */
  async run(ctx) {
    const { runs, warm, min, cases } = plan(ctx.quick);
    // The mesh and the raw workers live side by side, and every case runs
    // once per round: the ratios compare figures taken moments apart.
    const [w, r, c, b, z] = await withMesh(ctx.test, 1, (mesh) =>
      withWorkers(
        () => [startWorker('relay_worker.mjs')],
        async (ws) => {
          await warmup(warm, () => wmeshStream(mesh, ['t_cat'], 64 * KiB, 8 * MiB));
          await warmup(warm / 4, () => wmeshStream(mesh, ['t_cat'], 64 * KiB, 8 * MiB, true));
          await warmup(warm / 4, () => wmeshStream(mesh, ['t_cat_zc'], 64 * KiB, 8 * MiB, true));
          await warmup(warm / 4, () => rawStream(ws, 1, 64 * KiB, 8 * MiB, WINDOW, true));
          const runsOf = await interleaved(
            runs,
            cases.flatMap(([size, total]) => [
              () => rate(total, min, () => wmeshStream(mesh, ['t_cat'], size, total)),
              () => rate(total, min, () => rawStream(ws, 1, size, total, WINDOW, false)),
              () => rate(total, min, () => rawStream(ws, 1, size, total, WINDOW, true)),
              () => rate(total, min, () => wmeshStream(mesh, ['t_cat'], size, total, true)),
              () => rate(total, min, () => wmeshStream(mesh, ['t_cat_zc'], size, total, true)),
            ]),
          );
          const of = (/** @type {number} */ k) => cases.map((_, i) => runsOf[5 * i + k]);
          return [of(0), of(1), of(2), of(3), of(4)];
        },
      ),
    );
    return cases.flatMap(([size, total], i) => {
      const common = {
        group: 'pipe',
        title: this.title,
        case: `${sizeName(size)} writes, ${sizeName(total)}`,
        unit: 'MB/s',
        better: 'higher',
      };
      const copyLoop = { baseline: 'raw loop copying in and out of memory', baseSamples: c[i] };
      return [
        row({ ...common, samples: w[i], ...copyLoop }),
        row({ ...common, subject: 'wmesh, BYOB reads', samples: b[i], ...copyLoop }),
        row({ ...common, subject: 'wmesh, zero-copy t_cat, BYOB', samples: z[i], ...copyLoop }),
        row({
          ...common,
          samples: w[i],
          baseline: 'raw transfer echo',
          baseSamples: r[i],
          note:
            `runs of at least ${min} ms, all cases in turn; ` +
            'wmesh: go("t_cat", chunks), whole output read with a default reader (it keeps every chunk: ' +
            'the worker makes a new buffer for each); BYOB reads: into one reused buffer, as the copying loop ' +
            'copies out into its memory, so the frames go back to the worker; zero-copy t_cat: t_cat_zc, on ' +
            'wm_read_borrow and wm_write_reserve; raw: ArrayBuffers transferred over MessagePorts ' +
            'to a worker that transfers them back, same 512 KiB window (at least 2 writes in flight); the copying loop also ' +
            'copies each buffer into and out of a memory at every end, as a wasm runtime must (the practical limit); MB = 10^6 bytes',
        }),
      ];
    });
  },
};
