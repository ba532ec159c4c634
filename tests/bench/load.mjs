// load.mjs: how much CPU other processes take while the benchmarks run. On
// a small machine a busy neighbour moves every figure by more than the
// differences measured, so the suite reports it rather than print quietly
// wrong numbers.
import { cpus } from 'node:os';

/** @typedef {{ t: number, busy: number, own: number }} Mark */

/**
 * busyMs sums the user and system time of every CPU, in ms. Interrupt time
 * is left out: message passing itself causes it, and it is never charged to
 * this process, so it would look like someone else's load.
 */
function busyMs() {
  let ms = 0;
  for (const { times: t } of cpus()) ms += t.user + t.nice + t.sys;
  return ms;
}

/** @returns {Mark} */
export function mark() {
  const u = process.cpuUsage();
  return { t: performance.now(), busy: busyMs(), own: (u.user + u.system) / 1000 };
}

/**
 * foreign returns how many cores' worth of CPU went to other processes
 * since m. Child processes count as other: groups that start them must not
 * be judged by it.
 * @param {Mark} m
 */
export function foreign(m) {
  const n = mark();
  const wall = n.t - m.t;
  return wall > 0 ? Math.max(0, n.busy - m.busy - (n.own - m.own)) / wall : 0;
}
