// run.mjs: parallel word count in Node: a generated text is cut into
// chunks, wc_map counts each chunk on some worker, wc_reduce merges. The
// result is checked against a plain JS count of the same text.
//
//   node demos/mapreduce/run.mjs [--mb N] [--chunks N] [--workers N]
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { createMesh } from '../../js/index.js';
import { countJs, makeText, wordCount } from './wordcount.js';

const { values: o } = parseArgs({
  options: { mb: { type: 'string', default: '16' }, chunks: { type: 'string' }, workers: { type: 'string' } },
});
const module = fileURLToPath(new URL('../../build/wmesh_demos.js', import.meta.url));
const text = makeText(Number(o.mb) * 1024 * 1024);

const mesh = await createMesh({ module, workers: o.workers ? Number(o.workers) : undefined });
try {
  const chunks = o.chunks ? Number(o.chunks) : 4 * mesh.size;
  const r = await wordCount(mesh, text, chunks);
  const total = r.counts.reduce((s, [, c]) => s + c, 0);
  console.log(`wmesh: ${mesh.size} workers; ${(text.length / 1048576).toFixed(1)} MiB in ${chunks} chunks`);
  console.log(`${total} words, ${r.counts.length} distinct, in ${r.ms.toFixed(0)} ms; the most frequent:`);
  for (const [w, c] of r.counts.slice(0, 10)) console.log(`  ${w.padEnd(10)} ${c}`);
  const t0 = performance.now();
  const ref = countJs(text);
  const jsMs = performance.now() - t0;
  if (JSON.stringify(ref) !== JSON.stringify(r.counts)) throw new Error('the mesh and the JS count differ');
  console.log(`same as a plain JS count on this thread (${jsMs.toFixed(0)} ms)`);
} finally {
  await mesh.close();
}
