// browser.mjs: group 9, the core figures in headless Chromium (Debian's,
// through playwright-core): wmesh on Web Workers beside a bare Worker with
// raw postMessage, measured in the same page (tests/bench/browser/).
import { existsSync } from 'node:fs';

import { serve } from '../../web/serve.mjs';
import { row } from './stats.mjs';

/** @typedef {import('./run.mjs').Ctx} Ctx */

export default {
  id: 'browser',
  title: '9. In headless Chromium, 2 Web Workers',
  /** @param {Ctx} ctx */
  async run(ctx) {
    if (!existsSync('/usr/bin/chromium')) return [];
    // Loaded only now: importing playwright-core turns on async hooks in
    // this process, which slow every promise (the Node pipe figures fell to
    // a third), and the Node groups run before this one.
    const { launch } = await import('../browser/launch.mjs');
    const server = await serve({ port: 0 });
    const b = await launch(new URL(server.url).origin);
    try {
      await b.page.goto(`${server.url}tests/bench/browser/page.html`);
      await b.page.waitForFunction(() => 'wmeshBench' in window);
      const runs = ctx.quick ? 1 : 3;
      /** @type {any[]} */
      const got = [];
      for (let i = 0; i < runs; i++)
        got.push(await b.page.evaluate((quick) => /** @type {any} */ (window).wmeshBench({ quick }), ctx.quick));
      if (b.problems.length) throw new Error(`browser bench: ${b.problems.join('; ')}`);
      const common = { group: 'browser', title: this.title };
      const col = (/** @type {(r: any) => number} */ f) => got.map(f);
      const rows = [
        row({ ...common, case: 'empty call round trip', unit: 'µs', better: 'lower', samples: col((r) => r.rtt.wmesh), baseline: 'raw postMessage ping-pong', baseSamples: col((r) => r.rtt.raw) }),
        ...[1, 16, 256].map((d) =>
          row({ ...common, case: `calls/s, ${d} in flight`, unit: 'calls/s', better: 'higher', samples: col((r) => r.throughput[d].wmesh), baseline: 'raw postMessage, round robin', baseSamples: col((r) => r.throughput[d].raw) }),
        ),
        row({ ...common, case: 'pipe, 64 KiB writes', unit: 'MB/s', better: 'higher', samples: col((r) => r.pipe.wmesh), baseline: 'raw transfer echo', baseSamples: col((r) => r.pipe.raw) }),
        row({ ...common, case: 'pipe, 64 KiB writes', unit: 'MB/s', better: 'higher', samples: col((r) => r.pipe.wmesh), baseline: 'raw copy loop in the same page', baseSamples: col((r) => r.pipe.copy) }),
        row({
          ...common,
          case: 'pipe, 64 KiB writes',
          unit: 'MB/s',
          better: 'higher',
          samples: col((r) => r.pipe.wmesh),
          baseline: 'raw copy loop, a new buffer per chunk read',
          baseSamples: col((r) => r.pipe.fresh),
          note:
            'raw copy loop: each 64 KiB copied from a stand-in for linear memory into a buffer, transferred to a worker that copies it ' +
            'in and out of its own, echoed, copied back; buffers reused, 512 KiB window. A new buffer per chunk read: the same, but each ' +
            'chunk that comes back is copied into new memory, as a stream reader gets it (in Chromium the first touch of new memory is ' +
            'what a chunk costs; see docs/ARCHITECTURE.md)',
        }),
        row({ ...common, case: 'pipe, 64 KiB writes, BYOB reads', unit: 'MB/s', better: 'higher', samples: col((r) => r.pipe.byob), baseline: 'raw copy loop in the same page', baseSamples: col((r) => r.pipe.copy) }),
        ...[32, 4096].flatMap((size) =>
          [1, 256].flatMap((depth) =>
            [
              ['raw', 'raw postMessage, round robin'],
              ['comlink', 'Comlink, round robin'],
            ].map(([k, name]) =>
              row({
                ...common,
                case: `upper ${size < 1024 ? `${size} B` : `${size / 1024} KiB`}, ${depth === 1 ? 'one at a time' : `${depth} in flight`}`,
                unit: 'calls/s',
                better: 'higher',
                samples: col((r) => r.payload[`${size}/${depth}`].wmesh),
                baseline: name,
                baseSamples: col((r) => r.payload[`${size}/${depth}`][k]),
                note: 'go("t_upper", bytes).bytes() on 2 workers vs the same upper-casing on 2 Web Workers (tests/bench/browser/upper_worker.js)',
              }),
            ),
          ),
        ),
        ...[2, 4, 8].map((n) =>
          row({ ...common, case: `chain of ${n}, 64 KiB writes`, unit: 'MB/s', better: 'higher', samples: col((r) => r.chain[n]), baseline: 'wmesh, 1 stage', baseSamples: col((r) => r.chain[1]) }),
        ),
      ];
      const alive = got.at(-1).alive;
      if (alive.pipes || alive.calls || alive.running) throw new Error(`browser bench left ${JSON.stringify(alive)}`);
      return rows;
    } finally {
      await b.browser.close();
      await server.close();
    }
  },
};
