// run.mjs: a nested fan-out in Node. psort runs on one worker and, from
// C, calls sort_u32 on other workers for parts of its input (those calls
// are its children), then merges their sorted parts.
//
//   node demos/nested/run.mjs [--count N] [--workers N]
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { createMesh } from '../../js/index.js';
import { numbers } from './numbers.js';

const { values: o } = parseArgs({
  options: { count: { type: 'string', default: '2000000' }, workers: { type: 'string' } },
});
const module = fileURLToPath(new URL('../../build/wmesh_demos.js', import.meta.url));
const count = Number(o.count);

const nums = numbers(count);

const mesh = await createMesh({ module, workers: o.workers ? Number(o.workers) : undefined });
try {
  const t0 = performance.now();
  const out = await mesh.go('psort', new Uint8Array(nums.buffer)).bytes();
  const ms = performance.now() - t0;
  // A copy: the output bytes need not start on a 4-byte boundary.
  const sorted = new Uint32Array(out.slice().buffer);
  const ref = nums.slice().sort();
  if (sorted.length !== ref.length || sorted.some((v, i) => v !== ref[i])) throw new Error('psort gave a wrong order');
  console.log(`wmesh: ${mesh.size} workers; psort of ${count} u32s through 4 nested sort_u32 calls: ${ms.toFixed(0)} ms`);
  console.log(`first ${sorted.slice(0, 3).join(', ')} ... last ${sorted[count - 1]}; same as TypedArray.sort`);
} finally {
  await mesh.close();
}
