// usage.js: what the mesh's calls and workers did, as a pool user reads it
// (piscina's runTime, waitTime and utilization are the model): per
// function, how many calls ended and how long each took from go() or
// chain() until its result (a histogram, so that a slow tail shows); per
// instance, the share of its life it spent running the module (measured
// by js/host.js around every entry into the core).
//
// What is not measured yet: how a call's time splits between waiting in
// the coordinator's queue and running; the core does not report when a
// call starts. `latency` is the sum of both.

/** Bucket k holds durations from 2^(k-1) to 2^k µs; 40 buckets reach 6 days. */
const BUCKETS = 40;

/**
 * Histogram counts durations in power-of-two buckets of microseconds:
 * bounded memory whatever the number of calls, percentiles within a factor
 * of two (the bucket's upper bound is reported, never an underestimate).
 */
export class Histogram {
  counts = new Array(BUCKETS).fill(0);
  count = 0;
  sum = 0;
  min = Infinity;
  max = 0;

  /** @param {number} ms */
  record(ms) {
    const us = Math.max(0, ms * 1000);
    const k = us < 1 ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log2(us)));
    this.counts[k]++;
    this.count++;
    this.sum += ms;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
  }

  /** @param {number} q a quantile, 0 to 1 @returns {number} ms */
  #quantile(q) {
    let seen = 0;
    const want = q * this.count;
    for (let k = 0; k < BUCKETS; k++) {
      seen += this.counts[k];
      if (seen >= want) return Math.min(this.max, 2 ** k / 1000);
    }
    return this.max;
  }

  /** summary: count, min, max, mean and percentiles, in ms. */
  summary() {
    if (!this.count) return { count: 0, min: 0, max: 0, mean: 0, p50: 0, p90: 0, p99: 0 };
    return {
      count: this.count,
      min: this.min,
      max: this.max,
      mean: this.sum / this.count,
      p50: this.#quantile(0.5),
      p90: this.#quantile(0.9),
      p99: this.#quantile(0.99),
    };
  }
}

/**
 * Usage keeps the per-function figures of the calls made here.
 */
export class Usage {
  /** @type {Map<string, { calls: number, failed: number, latency: Histogram }>} */
  fns = new Map();

  /**
   * track records the call's time and outcome when its result settles.
   * @param {string} name the function, or the chain's names joined by '|'
   * @param {Promise<unknown>} result
   */
  track(name, result) {
    const t = performance.now();
    const done = (/** @type {boolean} */ ok) => {
      let f = this.fns.get(name);
      if (!f) this.fns.set(name, (f = { calls: 0, failed: 0, latency: new Histogram() }));
      f.calls++;
      if (!ok) f.failed++;
      f.latency.record(performance.now() - t);
    };
    result.then(
      () => done(true),
      () => done(false),
    );
  }

  /** snapshot: per function, calls, failures and the latency summary. */
  snapshot() {
    /** @type {Record<string, { calls: number, failed: number, latency: ReturnType<Histogram['summary']> }>} */
    const out = {};
    for (const [k, f] of this.fns) out[k] = { calls: f.calls, failed: f.failed, latency: f.latency.summary() };
    return out;
  }
}

/**
 * utilization is the share of an instance's life spent running the module.
 * @param {Record<string, number>} s an instance's stats (busyMs, upMs)
 */
export function utilization(s) {
  return s.upMs > 0 ? Math.min(1, (s.busyMs ?? 0) / s.upMs) : 0;
}
