// storm.mjs: a fixed sequence of random operations on a mesh: calls and
// chains of t_cat/t_upper with inputs up to 300 KB, aborts (at once or
// soon), timeouts, worker kills, outputs read early or not at all. Shared
// by tests/node/abuse.test.mjs and scripts/stress-storm.mjs.
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * storm makes 600 such calls on m and returns them; what happens is fixed
 * by seed (the timing still varies).
 * @param {import('../../js/mesh.js').Mesh} m a mesh of the test module, 3 workers
 * @param {number} seed
 * @param {number} [kills] the chance, per call, that a worker is killed
 * @returns {Promise<import('../../js/call.js').Call[]>}
 */
export async function storm(m, seed, kills = 0.03) {
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const calls = [];
  for (let n = 0; n < 600; n++) {
    const input = new Uint8Array(Math.floor(rnd() * 300_000)).fill(97);
    const ac = new AbortController();
    /** @type {{ signal: AbortSignal, timeout?: number }} */
    const opts = { signal: ac.signal };
    if (rnd() < 0.2) opts.timeout = 1 + Math.floor(rnd() * 50);
    const fn = () => (rnd() < 0.5 ? 't_cat' : 't_upper');
    const c =
      rnd() < 0.4
        ? m.go(fn(), input, opts)
        : m.chain(Array.from({ length: 2 + Math.floor(rnd() * 3) }, fn), input, opts);
    calls.push(c);
    const t = rnd();
    if (t < 0.3) ac.abort();
    else if (t < 0.5) setTimeout(() => ac.abort(), Math.floor(rnd() * 20));
    if (rnd() < kills) m.workers[1 + Math.floor(rnd() * 3)]?.terminate();
    if (rnd() < 0.2) c.bytes().catch(() => {});
    if (n % 20 === 19) await sleep(1);
  }
  return calls;
}

/**
 * settled waits for every call's result; if one never settles within ms,
 * it rejects with the pending calls and every instance's dump, so that a
 * hang says what it holds instead of holding the suite.
 * @param {import('../../js/mesh.js').Mesh} m
 * @param {import('../../js/call.js').Call[]} calls
 * @param {number} ms
 */
export async function settled(m, calls, ms) {
  let watchdog;
  const stuck = new Promise((_, reject) => {
    watchdog = setTimeout(async () => {
      const pending = [...m.calls.pending.values()].map((p) => `${p.token} ${p.name}`);
      reject(new Error(`calls never settled: ${pending.join(', ')}\n${await m.dump({ timeout: 1000 })}`));
    }, ms);
  });
  try {
    return await Promise.race([Promise.allSettled(calls.map((c) => c.result)), stuck]);
  } finally {
    clearTimeout(watchdog);
  }
}
