// demo-text.test.mjs: what the demo page (web/) says, in Debian's headless
// Chromium. The introduction is there; before anything runs, each panel shows
// a neutral not-run-yet state (no black Mandelbrot box, no white level bar);
// then, at 1 worker and at 4 (the page's worker control and its restart
// button), every workload runs through its buttons and the texts are
// checked: "1 worker" singular, codes by name (WM_ECANCELED, not -6), no
// subscriber missing more frames than were sent to it, and in every timing
// beside another only the faster one green. Screenshots of the whole page:
// build/screenshots/demo-page-1-worker.png and demo-page-4-workers.png.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { serve } from '../../web/serve.mjs';
import { launch } from './launch.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const shots = `${root}build/screenshots/`;
/** @type {Awaited<ReturnType<typeof serve>>} */
let server;
/** @type {Awaited<ReturnType<typeof launch>>} */
let b;

/** an element's text, its runs of white space as one space @param {string} sel */
const text = async (sel) => ((await b.page.textContent(sel)) ?? '').replace(/\s+/g, ' ').trim();

/** waits until the buttons are enabled again (the page is idle) */
async function idle() {
  await b.page.waitForFunction(() => !(/** @type {HTMLButtonElement} */ (document.getElementById('img-run')).disabled), null, {
    timeout: 180000,
  });
}

/** @param {string} sel */
async function click(sel) {
  await b.page.click(sel);
  await idle();
}

/**
 * checkFigures: a summary with two timings shows both with the same weight;
 * at most one is green, and that one is the faster.
 * @param {string} id
 */
async function checkFigures(id) {
  const figs = await b.page.$$eval(`#${id} .fig`, (es) =>
    es.map((e) => ({ ms: Number(/** @type {HTMLElement} */ (e).dataset.ms), faster: e.classList.contains('faster'), color: getComputedStyle(e).color, weight: getComputedStyle(e).fontWeight })),
  );
  assert.equal(figs.length, 2, `${id}: two timings side by side`);
  assert.equal(figs[0].weight, figs[1].weight, `${id}: the same weight for both figures`);
  const green = figs.filter((f) => f.faster);
  assert.ok(green.length <= 1, `${id}: at most one figure is green`);
  if (green.length) {
    assert.equal(green[0].ms, Math.min(figs[0].ms, figs[1].ms), `${id}: the green figure is the faster one`);
    const slow = figs.find((f) => !f.faster);
    assert.notEqual(slow?.color, green[0].color, `${id}: the slower figure is not green`);
  }
  const s = await text(`#${id}`);
  assert.match(s, /faster: |about the same time/, `${id}: says which was faster`);
}

/**
 * checkPage checks the texts every run must satisfy at n workers.
 * @param {number} n
 */
async function checkPage(n) {
  const body = await text('body');
  assert.doesNotMatch(body, /\b1 workers\b/, '"1 workers"');
  assert.doesNotMatch(body, /after a gap/);
  assert.doesNotMatch(body, /with -\d+\b/, 'a raw code where a name belongs');
  assert.equal(await text('#status'), n === 1 ? '1 worker ready' : `${n} workers ready`);
  assert.match(await text('#totals'), new RegExp(`^${n} worker${n === 1 ? '' : 's'} · `));
  for (const id of ['img-summary', 'mb-summary', 'wc-summary', 'ps-summary']) await checkFigures(id);
  assert.match(await text('#mb-summary'), n === 1 ? /on it again \(this mesh has 1 worker/ : new RegExp(`on ${n} workers\\. Speedup`));
  // Nothing sticks out of the page sideways.
  const [scroll, width] = await b.page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(scroll <= width, `the page is ${scroll} px wide in a ${width} px window`);
  // Fan-out: the synth's end by name, and every row within what was sent.
  const fo = await text('#fo-summary');
  assert.match(fo, /synth halted with WM_ECANCELED \(call cancelled\)/);
  const published = Number(/published (\d+) frames/.exec(fo)?.[1]);
  assert.ok(published > 0, fo);
  const rows = await b.page.$$eval('#fo-table tr', (trs) => trs.map((t) => [...t.children].map((c) => c.textContent ?? '')));
  assert.deepEqual(rows[0], ['subscriber', 'policy', 'received of sent to it', 'missed', 'order', 'end']);
  assert.equal(rows.length, 6, 'five subscribers');
  for (const [name, , received, missed, order] of rows.slice(1)) {
    const [, got, sent] = /^(\d+) of (\d+)$/.exec(received) ?? [];
    const [, lost] = /^(\d+)$/.exec(missed) ?? [];
    assert.ok(got && sent && lost, `${name}: ${received} / ${missed}`);
    assert.ok(Number(lost) <= Number(sent), `${name}: ${lost} missed of ${sent} sent`);
    assert.equal(Number(got) + Number(lost), Number(sent), `${name}: received + missed = sent`);
    assert.ok(Number(sent) <= published, `${name}: ${sent} sent, but the synth published ${published}`);
    assert.equal(order, 'in order', name);
  }
  // The chart's scale labels are whole (the canvas reserves room for them).
  assert.match((await b.page.getAttribute('#chart', 'data-lat')) ?? '', /^\d+ ms$/);
  assert.deepEqual(b.problems, []);
}

/**
 * runAll runs every workload through its buttons, at the mesh's size n.
 * @param {number} n
 * @param {'drop' | 'block' | 'disconnect'} slow
 */
async function runAll(n, slow) {
  await b.page.fill('#workers', String(n));
  await b.page.click('#restart');
  await b.page.waitForFunction((n) => document.getElementById('status')?.dataset.state === 'ready' && document.getElementById('totals')?.textContent?.startsWith(`${n} `), n);
  await idle();
  await click('#img-run');
  await b.page.selectOption('#mb-tile', '64');
  await b.page.selectOption('#mb-iter', '500');
  await click('#mb-run');
  await b.page.selectOption('#wc-mb', '4');
  await b.page.fill('#wc-chunks', '6');
  await click('#wc-run');
  await b.page.selectOption('#ps-count', '250000');
  await click('#ps-run');
  await b.page.fill('#fo-frames', '200');
  await b.page.selectOption('#fo-slow', slow);
  await click('#fo-run');
  // A chart interval to take in the last calls.
  await b.page.waitForTimeout(600);
}

before(async () => {
  server = await serve({ port: 0 });
  b = await launch(new URL(server.url).origin);
  await b.page.setViewportSize({ width: 1280, height: 1000 });
  await mkdir(shots, { recursive: true });
});

after(async () => {
  await b?.browser.close();
  await server?.close();
});

test('demo page: an introduction, and a neutral state before anything runs', async () => {
  await b.page.goto(`${server.url}web/`);
  await b.page.evaluate(async () => (await import('/web/app.js')).started);
  const intro = await text('#intro');
  assert.match(intro, /worker-mesh RPC runtime for WebAssembly/);
  assert.match(intro, /C functions/);
  assert.match(intro, /every core of a browser page or a Node process/);
  assert.match(intro, /pipes/);
  assert.match(intro, /chained into stages/);
  assert.match(intro, /Why:/);
  assert.match(intro, /npm package is wmesh/);
  const href = await b.page.getAttribute('#intro a', 'href');
  assert.equal(href, '../README.md');
  const readme = await b.page.evaluate(async (h) => (await fetch(new URL(h, location.href))).status, href);
  assert.equal(readme, 200, 'the README link resolves');
  // Nothing but the image pipeline (run at start) has run yet.
  assert.equal(await b.page.isVisible('#mb-placeholder'), true);
  assert.match(await text('#mb-placeholder'), /Not rendered yet/);
  assert.notEqual(await b.page.getAttribute('#mb-canvas', 'data-state'), 'drawn');
  for (const id of ['mb-summary', 'wc-summary', 'ps-summary', 'fo-summary']) {
    assert.match(await text(`#${id}`), /^Not run yet/, id);
    assert.equal(await b.page.$eval(`#${id}`, (e) => e.classList.contains('placeholder')), true, id);
  }
  assert.match(await text('#fo-spectrum'), /not listening yet/);
  // Neither box is a block of black or white: their backgrounds are the
  // page's dark panel tones.
  const lum = (/** @type {string} */ c) => {
    const [r, g, bl] = (c.match(/\d+(\.\d+)?/g) ?? []).map(Number);
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const level = await b.page.$eval('#fo-level', (e) => getComputedStyle(e).backgroundColor);
  assert.ok(lum(level) < 60, `the empty level bar is not white: ${level}`);
  const canvas = await b.page.$eval('#mb-canvas', (e) => getComputedStyle(e).backgroundColor);
  assert.ok(lum(canvas) > 5 && lum(canvas) < 60, `the empty Mandelbrot box is neither black nor white: ${canvas}`);
  const blank = await b.page.$eval('#mb-canvas', (c) => {
    const d = /** @type {CanvasRenderingContext2D} */ (/** @type {HTMLCanvasElement} */ (c).getContext('2d')).getImageData(0, 0, 8, 8).data;
    return d.every((v) => v === 0);
  });
  assert.ok(blank, 'nothing drawn on the Mandelbrot canvas yet');
  assert.deepEqual(b.problems, []);
});

test('demo page at 1 worker: singular, names not codes, honest timings; screenshot', async () => {
  await runAll(1, 'drop');
  await checkPage(1);
  assert.equal(await b.page.isVisible('#mb-placeholder'), false);
  assert.match(await text('#mb-results'), /^1 worker\d+ ms1 worker, again\d+ ms$/);
  await b.page.screenshot({ path: `${shots}demo-page-1-worker.png`, fullPage: true });
});

test('demo page at 4 workers: the same checks, a disconnected listener by name; screenshot', async () => {
  await runAll(4, 'disconnect');
  await checkPage(4);
  // The live view shows each worker's utilization (stats().usage).
  await b.page.waitForFunction(() => (document.getElementById('graph')?.textContent?.match(/\d+% busy/g) ?? []).length === 4);
  const slow = (await b.page.$$eval('#fo-table tr', (trs) => trs.map((t) => t.textContent ?? ''))).find((r) => r.startsWith('slow listener'));
  assert.match(slow ?? '', /ended: WM_EOVERFLOW \(subscriber fell too far behind\)/);
  assert.match(await text('#mb-results'), /4 workers \(all\)/);
  await b.page.screenshot({ path: `${shots}demo-page-4-workers.png`, fullPage: true });
});
