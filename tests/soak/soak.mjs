// soak.mjs: a long run under load with faults injected. It makes many calls
// (small ones, and chains that stream data checked by hash), cancels some
// at random, kills workers now and then, and checks that every call settles
// exactly once, that memory stays flat, and that nothing is left alive.
//
//   node tests/soak/soak.mjs [--calls N] [--gib G] [--kills K] [--workers W]
//
// The defaults are the full soak (1,000,000 calls, 10 GiB). Not part of CI;
// tests/node/soak.test.mjs runs a small one to keep it working.
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { createMesh } from '../../js/index.js';

const { values: args } = parseArgs({
  options: {
    calls: { type: 'string', default: '1000000' },
    gib: { type: 'string', default: '10' },
    kills: { type: 'string', default: '20' },
    workers: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '64' },
    quiet: { type: 'boolean', default: false },
  },
});

/**
 * soak runs the load and returns its figures; it throws if a call settled
 * twice or never, if a stream came back wrong, or if anything leaked.
 * @param {{ calls: number, bytes: number, kills: number, workers: number, concurrency: number, log?: (s: string) => void }} o
 */
export async function soak(o) {
  const module = fileURLToPath(new URL('../../build/wmesh_test.js', import.meta.url));
  const mesh = await createMesh({ module, workers: o.workers });
  const log = o.log ?? (() => {});
  const block = new Uint8Array(1 << 20).map((_, i) => (i * 31 + 7) & 0xff);
  const blockHash = createHash('sha256').update(block).digest('hex');
  const streamBytes = 64 << 20;
  const nStreams = Math.max(1, Math.round(o.bytes / streamBytes));
  const killEvery = o.kills ? Math.floor(o.calls / (o.kills + 1)) : Infinity;

  let settled = 0, ok = 0, cancelled = 0, died = 0, other = 0, kills = 0, bytes = 0;
  const seen = new Set();
  let peakRss = 0;
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();

  /** settle records one result per call id, and refuses a second. */
  const settle = (id, kind) => {
    if (seen.has(id)) throw new Error(`call ${id} settled twice`);
    seen.add(id);
    settled++;
    if (kind === 'ok') ok++;
    else if (kind === -6) cancelled++;
    else if (kind === -10) died++;
    else other++;
  };

  // Streams: chains of t_cat whose output is hashed block by block.
  const streams = (async () => {
    for (let s = 0; s < nStreams; s++) {
      async function* src() {
        for (let i = 0; i < streamBytes / block.length; i++) yield block;
      }
      const c = mesh.chain(['t_cat', 't_cat'], src(), { window: 1 << 20 });
      let off = 0;
      let good = true;
      let h = createHash('sha256');
      try {
        for await (const chunk of c.output) {
          let p = 0;
          while (p < chunk.length) {
            const n = Math.min(block.length - off, chunk.length - p);
            h.update(chunk.subarray(p, p + n));
            off += n;
            p += n;
            if (off === block.length) {
              good &&= h.digest('hex') === blockHash;
              h = createHash('sha256');
              off = 0;
            }
          }
          bytes += chunk.length;
        }
        await c.result;
        if (!good) throw new Error('a stream came back corrupted');
      } catch (e) {
        // A killed worker may take a stream with it: that is a clean failure.
        if (!(e && (e.code === -10 || e.code === -4))) throw e;
      }
    }
  })();

  // Calls: a bounded number in flight; some cancelled, some on killed workers.
  let next = 0;
  async function lane() {
    while (next < o.calls) {
      const id = next++;
      if (id > 0 && id % killEvery === 0 && kills < o.kills) {
        kills++;
        const w = 1 + (kills % o.workers);
        if (!mesh.dead.has(w)) mesh.workers[w]?.terminate();
      }
      const ac = new AbortController();
      // A call to be cancelled waits for more input until it is: a whole
      // small input would let it finish before the cancel arrives.
      const cancel = id % 97 === 0;
      async function* held() {
        yield `call ${id}`;
        await new Promise((r) => ac.signal.addEventListener('abort', r, { once: true }));
      }
      const input = cancel ? held() : `call ${id}`;
      const c = mesh.go(id % 10 === 0 ? 't_cat' : 't_upper', input, { signal: ac.signal });
      if (cancel) queueMicrotask(() => ac.abort());
      try {
        const text = await c.text();
        if (text !== (id % 10 === 0 ? `call ${id}` : `CALL ${id}`)) throw new Error(`call ${id}: wrong output ${text}`);
        settle(id, 'ok');
      } catch (e) {
        // An aborted call rejects with its signal's reason (an AbortError),
        // its WmError as the cause.
        const err = e?.name === 'AbortError' ? e.cause : e;
        if (!(err && typeof err.code === 'number')) throw e;
        settle(id, err.code);
      }
      if (id % 10000 === 0) {
        const rss = process.memoryUsage().rss;
        peakRss = Math.max(peakRss, rss);
        log(`${id} calls, ${(bytes / 2 ** 30).toFixed(2)} GiB, rss ${(rss / 2 ** 20).toFixed(0)} MiB, kills ${kills}`);
      }
    }
  }
  await Promise.all([...Array(o.concurrency)].map(lane));
  await streams;

  // Nothing alive once the mesh has settled (bounded polling, no timing).
  let live;
  for (let i = 0; i < 400; i++) {
    live = (await mesh.stats()).total;
    if (!live.fibersBusy && !live.pipes && !live.calls && !live.running && !live.ports && !live.queued && !live.pendingJs) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const restarts = mesh.restarts;
  await mesh.close();
  const figures = {
    calls: o.calls, settled, ok, cancelled, died, other, kills, restarts,
    bytes, seconds: (performance.now() - t0) / 1000,
    rssStartMiB: rss0 / 2 ** 20, rssPeakMiB: Math.max(peakRss, process.memoryUsage().rss) / 2 ** 20,
    leaks: { pipes: live.pipes, calls: live.calls, running: live.running, ports: live.ports, queued: live.queued, pendingJs: live.pendingJs },
  };
  if (settled !== o.calls) throw new Error(`${o.calls - settled} calls never settled`);
  if (Object.values(figures.leaks).some((v) => v)) throw new Error(`leaks: ${JSON.stringify(figures.leaks)}`);
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = await soak({
    calls: Number(args.calls),
    bytes: Number(args.gib) * 2 ** 30,
    kills: Number(args.kills),
    workers: Number(args.workers),
    concurrency: Number(args.concurrency),
    log: args.quiet ? undefined : (s) => console.log(s),
  });
  console.log(JSON.stringify(figures, null, 2));
}
