// chain.mjs: group 4, chains of t_cat stages over two workers: what each
// stage adds when the bytes go worker to worker directly.
import { startWorker, withMesh, withWorkers } from './module.mjs';
import { KiB, MiB, interleaved, rate, row, sizeName, warmup } from './stats.mjs';
import { rawStream, wmeshStream } from './streams.mjs';

/** @typedef {import('./run.mjs').Ctx} Ctx */

const WORKERS = 2;
const STAGES = [1, 2, 4, 8];
const SIZE = 64 * KiB;
const WINDOW = 512 * KiB;

/** @param {number} n */
const stages = (n) => `${n} stage${n > 1 ? 's' : ''}`;
/** @param {number} n */
const cats = (n) => Array(n).fill('t_cat');

export default {
  id: 'chain',
  title: `4. Chains of t_cat stages, ${WORKERS} workers, ${sizeName(SIZE)} writes`,
  /** @param {Ctx} ctx */
  async run(ctx) {
    const { runs, total, warm, min } = ctx.quick
      ? { runs: 3, total: 8 * MiB, warm: 300, min: 50 }
      : { runs: 5, total: 64 * MiB, warm: 1500, min: 300 };
    // The mesh and the raw workers live side by side, and every case runs
    // once per round: the ratios compare figures taken moments apart.
    const [w, r] = await withMesh(ctx.test, WORKERS, (mesh) =>
      withWorkers(
        () => Array.from({ length: WORKERS }, () => startWorker('relay_worker.mjs')),
        async (ws) => {
          await warmup(warm, () => wmeshStream(mesh, cats(4), SIZE, 8 * MiB));
          await warmup(warm / 4, () => rawStream(ws, 4, SIZE, 8 * MiB, WINDOW));
          const runsOf = await interleaved(runs, [
            ...STAGES.map((n) => () => rate(total, min, () => wmeshStream(mesh, cats(n), SIZE, total))),
            ...STAGES.map((n) => () => rate(total, min, () => rawStream(ws, n, SIZE, total, WINDOW))),
          ]);
          return [runsOf.slice(0, STAGES.length), runsOf.slice(STAGES.length)];
        },
      ),
    );
    const common = {
      group: 'chain',
      title: this.title,
      unit: 'MB/s',
      better: /** @type {const} */ ('higher'),
      note:
        `runs of at least ${min} ms moving ${sizeName(total)} at a time, all cases in turn; wmesh: chain(["t_cat" × n]); raw: n relay stages spread over ` +
        `${WORKERS} workers, ports joined worker to worker, same window`,
    };
    return STAGES.flatMap((n, i) => [
      row({ ...common, case: stages(n), samples: w[i], baseline: 'wmesh, 1 stage', baseSamples: w[0] }),
      row({ ...common, case: stages(n), samples: w[i], baseline: `raw relay, ${stages(n)}`, baseSamples: r[i] }),
    ]);
  },
};
