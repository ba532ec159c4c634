// run.mjs: the image pipeline in Node. Real third-party C (stb_image,
// stb_image_resize, stb_image_write from Debian's libstb-dev) runs as a
// chain of wmesh stages, each on its own worker:
//
//   img_decode -> img_resize -> img_grayscale -> img_blur -> img_encode
//
//   node demos/image/run.mjs [IN] [OUT.png] [--width N] [--gray] [--blur R]
//
// IN defaults to the sample the build draws (build/sample.jpg), OUT to
// build/demo-image.png. It runs the pipeline once stage by stage, to time
// each stage, then once as a chain, and checks that both give one PNG.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { createMesh } from '../../js/index.js';
import { runChain, runStages } from './image.js';

const { values: o, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    width: { type: 'string', default: '320' },
    gray: { type: 'boolean', default: false },
    blur: { type: 'string', default: '2' },
    workers: { type: 'string' },
  },
});
const build = (/** @type {string} */ f) => fileURLToPath(new URL(`../../build/${f}`, import.meta.url));
const input = positionals[0] ?? build('sample.jpg');
const output = positionals[1] ?? build('demo-image.png');
const opts = { width: Number(o.width), gray: o.gray, blur: Number(o.blur) };

const file = new Uint8Array(await readFile(input));
const mesh = await createMesh({ module: build('wmesh_demos.js'), workers: o.workers ? Number(o.workers) : undefined });
try {
  console.log(`wmesh: ${mesh.size} workers; image ${input} (${file.length} bytes)`);
  const staged = await runStages(mesh, file, opts);
  for (const t of staged.timings) console.log(`  ${t.stage.padEnd(14)} ${t.ms.toFixed(1).padStart(7)} ms  ${t.bytes} bytes out`);
  const chained = await runChain(mesh, file, opts);
  console.log(`chain ${chained.stages.join(' -> ')}: ${chained.ms.toFixed(1)} ms`);
  if (Buffer.compare(Buffer.from(staged.output), Buffer.from(chained.output)) !== 0)
    throw new Error('the chain and the stage-by-stage run gave different PNGs');
  await writeFile(output, chained.output);
  console.log(`wrote ${output} (${chained.output.length} bytes)`);
} finally {
  await mesh.close();
}
