// run.mjs: the text pipeline demo in Node. Three C functions (text_fns.c)
// run as a chain, gen -> upper -> reverse, spread over the workers, with the
// pipes between workers joining them directly.
//
//   node demos/text/run.mjs [lines]
import { fileURLToPath } from 'node:url';

import { createMesh } from '../../js/index.js';

const lines = process.argv[2] ?? '8';
const module = fileURLToPath(new URL('../../build/wmesh_demo.js', import.meta.url));

const mesh = await createMesh({ module });
try {
  console.log(`wmesh: ${mesh.size} workers; chain gen -> upper -> reverse, ${lines} lines\n`);
  const t0 = performance.now();
  const call = mesh.chain(['gen', 'upper', 'reverse'], lines);
  let bytes = 0;
  for await (const chunk of call.output) {
    bytes += chunk.length;
    process.stdout.write(chunk);
  }
  await call.result;
  const ms = performance.now() - t0;
  console.log(`\n${bytes} bytes through 3 stages in ${ms.toFixed(1)} ms`);
  const { total } = await mesh.stats();
  console.log(`fibers pooled: ${total.fibers}, calls alive: ${total.calls}`);
} finally {
  await mesh.close();
}
