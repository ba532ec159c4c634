// soak.test.mjs: a small run of the soak (tests/soak/soak.mjs), so that the
// long one keeps working: load, random cancellations and worker kills, with
// every call settling exactly once and nothing left alive.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { soak } from '../soak/soak.mjs';

test('a small soak: 5,000 calls, 128 MiB, 2 worker kills', async () => {
  const f = await soak({ calls: 5000, bytes: 128 << 20, kills: 2, workers: 2, concurrency: 32 });
  assert.equal(f.settled, 5000);
  assert.equal(f.other, 0);
  assert.ok(f.cancelled > 0);
  assert.equal(f.restarts, 2);
});
