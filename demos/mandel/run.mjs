// run.mjs: Mandelbrot tiles fanned out over the workers in Node. It
// renders the same view on one worker, then on all of them, checks that
// the two images are identical, reports the speedup, and writes a PNG
// (encoded by img_encode, the image demo's stb stage).
//
//   node demos/mandel/run.mjs [OUT.png] [--workers N] [--tile N]
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { createMesh } from '../../js/index.js';
import { DEFAULT_VIEW, render } from './mandel.js';

const { values: o, positionals } = parseArgs({
  allowPositionals: true,
  options: { workers: { type: 'string' }, tile: { type: 'string', default: '64' }, maxiter: { type: 'string' } },
});
const build = (/** @type {string} */ f) => fileURLToPath(new URL(`../../build/${f}`, import.meta.url));
const out = positionals[0] ?? build('demo-mandel.png');
const view = { ...DEFAULT_VIEW, maxiter: o.maxiter ? Number(o.maxiter) : DEFAULT_VIEW.maxiter };

const mesh = await createMesh({ module: build('wmesh_demos.js'), workers: o.workers ? Number(o.workers) : undefined });
try {
  const tile = Number(o.tile);
  const one = await render(mesh, view, { tile, workers: 1 });
  const all = await render(mesh, view, { tile });
  console.log(`wmesh: ${view.width}x${view.height}, ${all.tiles} tiles of ${tile}px, maxiter ${view.maxiter}`);
  console.log(`  1 worker:  ${one.ms.toFixed(0)} ms`);
  console.log(`  ${mesh.size} workers: ${all.ms.toFixed(0)} ms  (speedup ${(one.ms / all.ms).toFixed(2)}x)`);
  if (Buffer.compare(Buffer.from(one.pixels), Buffer.from(all.pixels)) !== 0)
    throw new Error('one worker and all workers rendered different images');
  // The image demo's frame format, then its PNG stage.
  const frame = new Uint8Array(32 + all.pixels.length);
  const d = new DataView(frame.buffer);
  [0x31464d57, view.width, view.height, 4].forEach((x, i) => d.setUint32(4 * i, x, true));
  frame.set(all.pixels, 32);
  const png = await mesh.go('img_encode', frame).bytes();
  await writeFile(out, png);
  console.log(`wrote ${out} (${png.length} bytes)`);
} finally {
  await mesh.close();
}
