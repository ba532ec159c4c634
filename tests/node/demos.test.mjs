// demos.test.mjs: the demos (demos/*/) in Node. Each runner runs as a user
// would run it and must exit cleanly having checked its own result; then
// the demos' functions are checked directly against references in JS.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { createMesh } from '../../js/index.js';
import { job, parseFrame, runChain, runStages, stages } from '../../demos/image/image.js';
import { DEFAULT_VIEW, reference, render, tiles } from '../../demos/mandel/mandel.js';
import { countJs, makeText, split, wordCount } from '../../demos/mapreduce/wordcount.js';
import { assertNoLeaks } from './helpers.mjs';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const MODULE = `${root}build/wmesh_demos.js`;

/**
 * runner runs node demos/<name>/run.mjs with args; it must exit with 0.
 * @param {string} name
 * @param {string[]} args
 */
async function runner(name, args) {
  const { stdout } = await run(process.execPath, [`demos/${name}/run.mjs`, ...args], { cwd: root });
  return stdout;
}

test('demo runner: image', async () => {
  const out = await runner('image', ['--workers', '2', '--width', '200', '--gray', '--blur', '1', 'build/sample.png', 'build/test-demo-image.png']);
  assert.match(out, /chain img_decode -> img_resize -> img_grayscale -> img_blur -> img_encode/);
  const png = await readFile(`${root}build/test-demo-image.png`);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
});

test('demo runner: mandel', async () => {
  const out = await runner('mandel', ['--workers', '2', '--maxiter', '300', 'build/test-demo-mandel.png']);
  assert.match(out, /speedup/);
});

test('demo runner: mapreduce', async () => {
  const out = await runner('mapreduce', ['--workers', '2', '--mb', '2', '--chunks', '5']);
  assert.match(out, /same as a plain JS count/);
});

test('demo runner: nested', async () => {
  const out = await runner('nested', ['--workers', '2', '--count', '100000']);
  assert.match(out, /same as TypedArray.sort/);
});

test('image: stages, chain and options agree; bad input fails with the demo code', async () => {
  const mesh = await createMesh({ module: MODULE, workers: 3 });
  const jpg = new Uint8Array(await readFile(`${root}build/sample.jpg`));
  // Decoded as is: the sample's own size.
  const frame = parseFrame(await mesh.go('img_decode', jpg).bytes());
  assert.equal(frame.width, 640);
  assert.equal(frame.height, 427);
  // A width alone keeps the aspect ratio (rounded).
  const o = { width: 160, gray: true, blur: 2, encode: false };
  assert.deepEqual(stages(o), ['img_decode', 'img_resize', 'img_grayscale', 'img_blur']);
  const a = await runChain(mesh, jpg, o);
  const b = await runStages(mesh, jpg, o);
  const fa = parseFrame(a.output);
  assert.equal(fa.width, 160);
  assert.equal(fa.height, 107);
  assert.deepEqual(a.output, b.output);
  for (let i = 0; i < fa.pixels.length; i += 4) {
    assert.equal(fa.pixels[i], fa.pixels[i + 1]);
    assert.equal(fa.pixels[i], fa.pixels[i + 2]);
  }
  // The PNG decodes back to the very frame it was made from.
  const png = await mesh.go('img_encode', a.output).bytes();
  assert.deepEqual(await mesh.go('img_decode', png).bytes(), a.output.slice().fill(0, 16, 32));
  // Not an image: the stage's own error code, in the output and the result.
  // In a chain, the failing stage's code is the chain's result; the later
  // stages are cancelled, so the output may end with WM_ECANCELED instead.
  const bad = mesh.chain(['img_decode', 'img_encode'], job(new Uint8Array(100).fill(7)));
  await assert.rejects(bad.bytes());
  await assert.rejects(bad.result, { code: -100 });
  await assert.rejects(mesh.go('img_resize', 'not a frame').bytes(), { code: -100 });
  await assertNoLeaks(mesh);
});

test('mandel: tiles from the mesh equal the JS reference, whatever the worker', async () => {
  const mesh = await createMesh({ module: MODULE, workers: 2 });
  const view = { ...DEFAULT_VIEW, width: 96, height: 64, maxiter: 400 };
  const list = tiles(view, 32);
  assert.equal(list.length, 6);
  for (const t of list) assert.deepEqual(await mesh.go('mandel_tile', t.params, { where: 2 }).bytes(), reference(t.params));
  const one = await render(mesh, view, { tile: 32, workers: 1 });
  const all = await render(mesh, view, { tile: 32 });
  // (Only the same tiling gives the same bytes: a tile's origin is
  // computed once, so other tilings round the coordinates differently.)
  assert.deepEqual(one.pixels, all.pixels);
  await assert.rejects(mesh.go('mandel_tile', new Uint8Array(40)).bytes(), { code: -100 });
  await assertNoLeaks(mesh);
});

test('mapreduce: counts equal a plain JS count for any number of chunks', async () => {
  const mesh = await createMesh({ module: MODULE, workers: 2 });
  const text = `${makeText(300000, 3)} Supercalifragilistic${'x'.repeat(80)} END`;
  const ref = countJs(text);
  for (const n of [1, 3, 16]) {
    assert.equal(split(text, n).join(''), text);
    const r = await wordCount(mesh, text, n);
    assert.deepEqual(r.counts, ref);
  }
  await assert.rejects(mesh.go('wc_reduce', 'no tab here\n').bytes(), { code: -100 });
  await assertNoLeaks(mesh);
});

test('nested: psort fans out from C and merges; nothing is left behind', async () => {
  const mesh = await createMesh({ module: MODULE, workers: 3 });
  for (const count of [0, 1, 7, 50001]) {
    const nums = Uint32Array.from({ length: count }, (_, i) => (Math.imul(i + 1, 2654435761) >>> 0) % 1000);
    const out = await mesh.go('psort', new Uint8Array(nums.buffer)).bytes();
    assert.deepEqual(new Uint32Array(out.slice().buffer), nums.slice().sort());
  }
  await assert.rejects(mesh.go('psort', 'abc').bytes(), { code: -100 });
  await assertNoLeaks(mesh);
});
