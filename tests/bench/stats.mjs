// stats.mjs: the few numbers every benchmark needs, and the shape of a
// result row, so that run.mjs, table.mjs and the JSON agree.

/**
 * @typedef {'lower' | 'higher'} Better which direction of the metric is good
 *
 * @typedef {object} Row one comparison: a wmesh figure beside one baseline
 * @property {string} group benchmark group id
 * @property {string} title the group's heading
 * @property {string} case what was measured, e.g. "64 KiB writes"
 * @property {string} unit e.g. "µs/call"
 * @property {Better} better
 * @property {string} subject usually "wmesh"
 * @property {number} value the subject's median
 * @property {number[]} samples every run of the subject
 * @property {string} baseline the baseline's name
 * @property {number} base the baseline's median
 * @property {number[]} baseSamples every run of the baseline
 * @property {number} ratio value ÷ base
 * @property {string} [note]
 */

/** @param {number[]} xs */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * samples runs fn once per run and returns what each run measured. Between
 * runs the heap is collected if node was started with --expose-gc, so that
 * one run's garbage is not charged to the next.
 * @param {number} runs
 * @param {(i: number) => Promise<number>} fn
 */
export async function samples(runs, fn) {
  const out = [];
  for (let i = 0; i < runs; i++) {
    /** @type {any} */ (globalThis).gc?.();
    out.push(await fn(i));
  }
  return out;
}

/**
 * interleaved measures several subjects round by round: each round runs
 * every fn once, in turn. Figures that are compared with each other then
 * share the same moments of a noisy machine (another tenant, a slow JIT
 * tier-up, a heap that grows), which measuring one subject's runs after
 * another's would charge to one of them alone.
 * @param {number} runs
 * @param {(() => Promise<number>)[]} fns
 * @returns {Promise<number[][]>} per fn, what each run measured
 */
export async function interleaved(runs, fns) {
  /** @type {number[][]} */
  const out = fns.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (let k = 0; k < fns.length; k++) {
      /** @type {any} */ (globalThis).gc?.();
      out[k].push(await fns[k]());
    }
  }
  return out;
}

/**
 * elapsed times one async action in milliseconds.
 * @param {() => Promise<unknown>} fn
 */
export async function elapsed(fn) {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/**
 * row builds a Row from the samples of the subject and of the baseline.
 * @param {Omit<Row, 'value' | 'base' | 'ratio' | 'subject'> & { subject?: string }} r
 * @returns {Row}
 */
export function row(r) {
  const value = median(r.samples);
  const base = median(r.baseSamples);
  return { ...r, subject: r.subject ?? 'wmesh', value, base, ratio: value / base };
}

export const KiB = 1024;
export const MiB = 1024 * 1024;

/** @param {number} n bytes */
export function sizeName(n) {
  return n >= MiB ? `${n / MiB} MiB` : n >= KiB ? `${n / KiB} KiB` : `${n} B`;
}

/**
 * warmup repeats fn for about ms milliseconds (at least once). V8 tiers
 * hot JS and wasm up gradually, and a pipe reaches its steady speed only
 * after about a hundred MB on the machine this was written on, so a fixed
 * small warm-up leaves the first runs measuring the compiler.
 * @param {number} ms
 * @param {() => Promise<unknown>} fn
 */
export async function warmup(ms, fn) {
  const end = performance.now() + ms;
  do await fn();
  while (performance.now() < end);
}

/**
 * rate repeats fn, which moves `bytes` each time, for at least minMs and
 * returns the MB/s of the whole: a raw transfer of tens of MB can take a
 * few milliseconds, where one descheduling of a thread would be most of
 * the figure.
 * @param {number} bytes
 * @param {number} minMs
 * @param {() => Promise<unknown>} fn
 */
export async function rate(bytes, minMs, fn) {
  const t = performance.now();
  let n = 0;
  let ms = 0;
  do {
    await fn();
    n++;
    ms = performance.now() - t;
  } while (ms < minMs);
  return mbps(n * bytes, ms);
}

/**
 * mbps converts bytes moved in ms into MB/s (10^6 bytes per second).
 * @param {number} bytes
 * @param {number} ms
 */
export function mbps(bytes, ms) {
  return bytes / 1e6 / (ms / 1000);
}
