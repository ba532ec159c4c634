// demos.test.mjs: the demo page (web/) in Debian's headless Chromium,
// served by its own command's server (web/serve.mjs). It loads with no
// console error, runs each workload through the page's controls, and checks
// the outputs: the image pipeline's PNG against the same C pipeline built
// natively with gcc (byte for byte, and its decoded pixels too), the
// Mandelbrot image against the JS reference, and the word count and the
// nested sort against plain JS (the page checks those two itself). A screenshot of the page after
// the workloads is saved to build/screenshots/demo-page.png, and one taken
// while the Mandelbrot tiles run to build/screenshots/demo-page-live.png.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { DEFAULT_VIEW, reference, tiles } from '../../demos/mandel/mandel.js';
import { serve } from '../../web/serve.mjs';
import { launch } from './launch.mjs';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const out = `${root}build/demo-page-test/`;
const NATIVE = `${out}native_check`;

/** @type {Awaited<ReturnType<typeof serve>>} */
let server;
/** @type {Awaited<ReturnType<typeof launch>>} */
let b;

/** @param {Uint8Array | Buffer} x */
const sha = (x) => createHash('sha256').update(x).digest('hex');

/**
 * native runs the natively built pipeline; it returns the pixels it wrote.
 * @param {string[]} args
 */
async function native(...args) {
  await run(NATIVE, args);
}

/** @param {string} path @returns {Promise<{ w: number, h: number, px: Buffer }>} */
async function readRgba(path) {
  const f = await readFile(path);
  const nl = f.indexOf(10);
  const [w, h] = f.subarray(0, nl).toString().split(' ').map(Number);
  return { w, h, px: f.subarray(nl + 1) };
}

/** the page's current output image, as bytes @returns {Promise<Buffer>} */
async function pageOutput() {
  const bytes = await b.page.evaluate(async () => {
    const img = /** @type {HTMLImageElement} */ (document.getElementById('img-out'));
    return Array.from(new Uint8Array(await (await fetch(img.src)).arrayBuffer()));
  });
  return Buffer.from(bytes);
}

/** waits until the buttons are enabled again (the page is idle) */
async function idle() {
  await b.page.waitForFunction(() => !(/** @type {HTMLButtonElement} */ (document.getElementById('img-run')).disabled));
}

/**
 * checkImage compares the page's output PNG with the native pipeline run
 * on the same input with the same options: the same PNG bytes, and the same
 * pixels once decoded natively. No tolerance: the pixel work is integer or
 * IEEE double/float arithmetic without fused operations on both sides.
 * @param {Buffer} png
 * @param {string} input
 * @param {{ width: number, gray: boolean, blur: number }} o
 */
async function checkImage(png, input, o) {
  const tag = `${o.width}-${o.gray ? 1 : 0}-${o.blur}`;
  await native('pipeline', input, String(o.width), o.gray ? '1' : '0', String(o.blur), `${out}native-${tag}.rgba`, `${out}native-${tag}.png`);
  await writeFile(`${out}page-${tag}.png`, png);
  await native('decode', `${out}page-${tag}.png`, `${out}page-${tag}.rgba`);
  const want = await readRgba(`${out}native-${tag}.rgba`);
  const got = await readRgba(`${out}page-${tag}.rgba`);
  assert.deepEqual([got.w, got.h], [want.w, want.h]);
  assert.equal(want.w, o.width);
  assert.ok(got.px.equals(want.px), 'decoded pixels differ from the native pipeline');
  assert.equal(sha(png), sha(await readFile(`${out}native-${tag}.png`)), 'PNG differs from the native stb_image_write');
}

before(async () => {
  await mkdir(out, { recursive: true });
  // The native side of the comparison, built now from the same sources.
  await run('gcc', [
    '-std=c11', '-O2', '-Wall', '-Wextra', '-Werror',
    `-I${root}include`, '-I/usr/include/stb',
    `${root}tests/browser/native_check.c`, `${root}demos/image/image_ops.c`, `${root}demos/image/stb_impl.c`,
    '-lm', '-o', NATIVE,
  ]);
  server = await serve({ port: 0 });
  b = await launch(new URL(server.url).origin);
  await b.page.setViewportSize({ width: 1280, height: 1000 });
});

after(async () => {
  await b?.browser.close();
  await server?.close();
});

test('demo page: loads, starts its mesh and runs the sample with no error', async () => {
  await b.page.goto(`${server.url}web/`);
  await b.page.evaluate(async () => {
    const app = await import('/web/app.js');
    await app.started;
  });
  assert.equal(await b.page.getAttribute('#status', 'data-state'), 'ready');
  assert.match(await b.page.textContent('#img-summary') ?? '', /Same PNG both ways: yes/);
  assert.deepEqual(b.problems, []);
});

test('demo page: image pipeline on the bundled sample equals the native build', async () => {
  const o = { width: 320, gray: true, blur: 2 };
  await b.page.click('#img-sample');
  await b.page.fill('#img-width', String(o.width));
  await b.page.setChecked('#img-gray', o.gray);
  await b.page.fill('#img-blur', String(o.blur));
  await b.page.evaluate(() => (document.getElementById('img-summary').textContent = ''));
  await b.page.click('#img-run');
  await b.page.waitForFunction(() => /Same PNG/.test(document.getElementById('img-summary')?.textContent ?? ''));
  await idle();
  assert.match(await b.page.textContent('#img-summary') ?? '', /Same PNG both ways: yes/);
  // One row per stage, each with a time.
  const rows = await b.page.$$eval('#img-timings tr', (trs) => trs.map((t) => t.textContent));
  assert.deepEqual(rows.map((r) => r?.split(/\d/)[0]), ['img_decode', 'img_resize', 'img_grayscale', 'img_blur', 'img_encode']);
  await checkImage(await pageOutput(), `${root}build/sample.jpg`, o);
  assert.deepEqual(b.problems, []);
});

test('demo page: image pipeline on a picked file equals the native build', async () => {
  const o = { width: 200, gray: false, blur: 1 };
  await b.page.fill('#img-width', String(o.width));
  await b.page.setChecked('#img-gray', o.gray);
  await b.page.fill('#img-blur', String(o.blur));
  await b.page.evaluate(() => (document.getElementById('img-summary').textContent = ''));
  // Choosing a file runs the pipeline on it.
  await b.page.setInputFiles('#img-file', `${root}build/sample.png`);
  await b.page.waitForFunction(() => /Same PNG/.test(document.getElementById('img-summary')?.textContent ?? ''));
  await idle();
  assert.match(await b.page.textContent('#img-in-cap') ?? '', /sample\.png/);
  await checkImage(await pageOutput(), `${root}build/sample.png`, o);
  assert.deepEqual(b.problems, []);
});

test('demo page: Mandelbrot fan-out gives the reference image on 1 and on all workers', async () => {
  await b.page.selectOption('#mb-tile', '64');
  await b.page.selectOption('#mb-iter', '500');
  await b.page.click('#mb-run');
  await b.page.waitForFunction(() => /Speedup/.test(document.getElementById('mb-summary')?.textContent ?? ''), null, { timeout: 120000 });
  await idle();
  assert.match(await b.page.textContent('#mb-summary') ?? '', /Same image both ways: yes/);
  const pixels = Buffer.from(
    await b.page.evaluate(() => {
      const c = /** @type {HTMLCanvasElement} */ (document.getElementById('mb-canvas'));
      return Array.from(/** @type {CanvasRenderingContext2D} */ (c.getContext('2d')).getImageData(0, 0, c.width, c.height).data);
    }),
  );
  const view = { ...DEFAULT_VIEW, maxiter: 500 };
  const want = Buffer.alloc(view.width * view.height * 4);
  for (const t of tiles(view, 64)) {
    const px = reference(t.params);
    for (let r = 0; r < t.h; r++) want.set(px.subarray(r * t.w * 4, (r + 1) * t.w * 4), ((t.y + r) * view.width + t.x) * 4);
  }
  assert.equal(sha(pixels), sha(want), 'the canvas differs from the JS reference');
  // The live view saw the pinned tiles complete on every worker.
  const subs = await b.page.$$eval('#graph .sub', (s) => s.map((e) => e.textContent ?? ''));
  assert.ok(subs.length >= 1);
  for (const s of subs) assert.match(s, /[1-9]\d* done/);
  assert.deepEqual(b.problems, []);
});

test('demo page: word count and the nested sort check out', async () => {
  await b.page.selectOption('#wc-mb', '4');
  await b.page.fill('#wc-chunks', '6');
  await b.page.click('#wc-run');
  await b.page.waitForFunction(() => /Same counts/.test(document.getElementById('wc-summary')?.textContent ?? ''), null, { timeout: 120000 });
  await idle();
  assert.match(await b.page.textContent('#wc-summary') ?? '', /Same counts: yes/);
  assert.equal(await b.page.textContent('#wc-top td'), 'the');
  await b.page.selectOption('#ps-count', '250000');
  await b.page.click('#ps-run');
  await b.page.waitForFunction(() => /Sorted correctly/.test(document.getElementById('ps-summary')?.textContent ?? ''), null, { timeout: 120000 });
  await idle();
  assert.match(await b.page.textContent('#ps-summary') ?? '', /Sorted correctly: yes/);
  assert.deepEqual(b.problems, []);
});

test('demo page: another worker count restarts the mesh; screenshot', async () => {
  await b.page.fill('#workers', '3');
  await b.page.click('#restart');
  await b.page.waitForFunction(() => document.getElementById('status')?.textContent === '3 workers ready');
  assert.equal((await b.page.$$('#graph .sub')).length, 3);
  await b.page.selectOption('#mb-iter', '1500');
  await b.page.click('#mb-run');
  // While tiles run, the live view lights the edges of the busy workers.
  await b.page.waitForSelector('#graph .edge.active', { timeout: 60000 });
  await mkdir(`${root}build/screenshots`, { recursive: true });
  await b.page.screenshot({ path: `${root}build/screenshots/demo-page-live.png` });
  await b.page.waitForFunction(() => /on 3 workers/.test(document.getElementById('mb-summary')?.textContent ?? ''), null, { timeout: 120000 });
  await idle();
  await b.page.click('#wc-run');
  await idle();
  await b.page.click('#ps-run');
  await idle();
  await b.page.click('#img-sample');
  await b.page.fill('#img-width', '320');
  await b.page.setChecked('#img-gray', false);
  await b.page.fill('#img-blur', '0');
  await b.page.click('#img-run');
  await idle();
  // A chart interval to take in the last calls.
  await b.page.waitForTimeout(600);
  await mkdir(`${root}build/screenshots`, { recursive: true });
  await b.page.screenshot({ path: `${root}build/screenshots/demo-page.png`, fullPage: true });
  assert.deepEqual(b.problems, []);
});
