// stress-storm.mjs: the storm of tests/node/abuse.test.mjs
// (tests/node/storm.mjs), with worker kills at twice the test's rate, round
// after round with new seeds, until a call never settles; it then prints
// the pending calls and every instance's dump and exits 1. Not run by CI:
// it hunts a rare hang (two chains whose stages stay "running" in the main
// instance while the coordinator holds none of them) that took 546 rounds
// (about 9 minutes) to appear once on a 2-core machine.
//
//   node scripts/stress-storm.mjs [seed-block]
import { fileURLToPath } from 'node:url';

import { createMesh } from '../js/index.js';
import { settled, storm } from '../tests/node/storm.mjs';

const module = fileURLToPath(new URL('../build/wmesh_test.js', import.meta.url));
const block = Number(process.argv[2] ?? 0);
for (let round = 0; round < 1000; round++) {
  const m = await createMesh({ module, workers: 3, concurrency: 4, queue: 64 });
  const calls = await storm(m, 1000 + round + block * 100000, 0.06);
  try {
    await settled(m, calls, 30000);
  } catch (e) {
    console.log(`round ${round}: ${e instanceof Error ? e.message : String(e)}`);
    console.log(JSON.stringify((await m.stats()).total));
    process.exit(1);
  }
  await Promise.allSettled(calls.map((c) => c.bytes()));
  await m.close();
  if (round % 10 === 9) console.log('round', round + 1, 'ok');
}
