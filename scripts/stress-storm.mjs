// stress-storm.mjs: the storm of tests/node/abuse.test.mjs (calls, chains,
// aborts, timeouts, worker kills at twice the test's rate), round after
// round with new seeds, until a call never settles; it then prints the
// pending calls and every instance's dump and exits 1. Not run by CI: it
// hunts a rare hang (two chains whose stages stay "running" in the main
// instance while the coordinator holds none of them) that took 546 rounds
// (about 9 minutes) to appear once on a 2-core machine.
//
//   node scripts/stress-storm.mjs [seed-block]
import { fileURLToPath } from 'node:url';

import { createMesh } from '../js/index.js';
const M = fileURLToPath(new URL('../build/wmesh_test.js', import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
for (let round = 0; round < 1000; round++) {
  let seed = 1000 + round + Number(process.argv[2] ?? 0) * 100000;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const m = await createMesh({ module: M, workers: 3, concurrency: 4, queue: 64 });
  const calls = [];
  for (let n = 0; n < 600; n++) {
    const input = new Uint8Array(Math.floor(rnd() * 300_000)).fill(97);
    const ac = new AbortController();
    const opts = { signal: ac.signal };
    if (rnd() < 0.2) opts.timeout = 1 + Math.floor(rnd() * 50);
    const fn = () => (rnd() < 0.5 ? 't_cat' : 't_upper');
    const c = rnd() < 0.4 ? m.go(fn(), input, opts) : m.chain(Array.from({ length: 2 + Math.floor(rnd() * 3) }, fn), input, opts);
    calls.push(c);
    const t = rnd();
    if (t < 0.3) ac.abort();
    else if (t < 0.5) setTimeout(() => ac.abort(), Math.floor(rnd() * 20));
    if (rnd() < 0.06) m.workers[1 + Math.floor(rnd() * 3)]?.terminate();
    if (rnd() < 0.2) c.bytes().catch(() => {});
    if (n % 20 === 19) await sleep(1);
  }
  let timer;
  const stuck = new Promise((r) => (timer = setTimeout(() => r('stuck'), 30000)));
  const res = await Promise.race([Promise.allSettled(calls.map((c) => c.result)), stuck]);
  clearTimeout(timer);
  if (res === 'stuck') {
    console.log('STUCK round', round, [...m.calls.pending.values()].map((p) => `${p.token} ${p.name}`));
    console.log(await m.dump({ timeout: 1000 }));
    console.log(JSON.stringify((await m.stats()).total));
    process.exit(1);
  }
  await Promise.allSettled(calls.map((c) => c.bytes()));
  await m.close();
  if (round % 10 === 9) console.log('round', round + 1, 'ok');
}
