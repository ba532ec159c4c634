// usage.test.mjs: stats().usage, what a pool user reads: per function the
// calls that ended, the failed ones and their latency histogram; per
// instance the share of its life spent running the module.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Histogram } from '../../js/usage.js';
import { assertNoLeaks, startMesh } from './helpers.mjs';

test('per function: calls, failures and a latency summary of the calls made here', async () => {
  const mesh = await startMesh({ workers: 2 });
  await Promise.all(Array.from({ length: 10 }, () => mesh.go('t_upper', 'x').text()));
  await Promise.all(Array.from({ length: 3 }, () => mesh.go('t_fail', '').result.catch(() => {})));
  await mesh.chain(['t_cat', 't_upper'], 'y').text();
  const u = (await mesh.stats()).usage;
  assert.equal(u.functions.t_upper.calls, 10);
  assert.equal(u.functions.t_upper.failed, 0);
  assert.equal(u.functions.t_fail.calls, 3);
  assert.equal(u.functions.t_fail.failed, 3);
  assert.equal(u.functions['t_cat|t_upper'].calls, 1);
  const l = u.functions.t_upper.latency;
  assert.equal(l.count, 10);
  assert.ok(l.min > 0 && l.min <= l.p50 && l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.max, JSON.stringify(l));
  assert.ok(Math.abs(l.mean * l.count - u.functions.t_upper.latency.mean * 10) < 1e-9);
  await assertNoLeaks(mesh);
});

test('utilization: a worker kept busy shows a larger share than one left idle, each within 0 to 1', async () => {
  const mesh = await startMesh({ workers: 2 });
  // Worker 1 hashes 64 MiB (t_fnv reads its input through); worker 2 waits.
  await mesh.go('t_fnv', new Uint8Array(64 << 20), { where: 1 }).bytes();
  const s = await mesh.stats();
  const [busy, idle] = /** @type {number[]} */ (s.usage.utilization.workers);
  assert.ok(busy > 0 && busy <= 1, `busy ${busy}`);
  assert.ok(idle >= 0 && idle < busy, `idle ${idle} vs busy ${busy}`);
  assert.ok(s.usage.utilization.main >= 0 && s.usage.utilization.main <= 1);
  // Not summed into the totals: they mean nothing added up.
  assert.equal(s.total.busyMs, undefined);
  await assertNoLeaks(mesh);
});

test('the histogram: bounded buckets, percentiles never below the true value', () => {
  const h = new Histogram();
  for (const ms of [0.0005, 0.003, 0.1, 1, 1, 2, 50, 1000]) h.record(ms);
  const s = h.summary();
  assert.equal(s.count, 8);
  assert.equal(s.min, 0.0005);
  assert.equal(s.max, 1000);
  assert.ok(s.p50 >= 1 && s.p50 <= 2, `p50 ${s.p50}`);
  assert.equal(s.p99, 1000);
  assert.deepEqual(new Histogram().summary(), { count: 0, min: 0, max: 0, mean: 0, p50: 0, p90: 0, p99: 0 });
  h.record(1e12); // beyond the last bucket: counted in it
  assert.equal(h.summary().max, 1e12);
});
