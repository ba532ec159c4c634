// fanout.test.mjs: the demo page's fan-out panel in headless Chromium: a
// synth on worker 1 and five subscribers (four in the page, one in C on
// worker 2), every stream in order with its gaps reported exactly, no
// console error, and a screenshot of the panel (build/screenshots).
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { serve } from '../../web/serve.mjs';
import { launch } from './launch.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
/** @type {Awaited<ReturnType<typeof serve>>} */
let server;
/** @type {Awaited<ReturnType<typeof launch>>} */
let b;

before(async () => {
  server = await serve({ port: 0 });
  b = await launch(new URL(server.url).origin);
  await b.page.setViewportSize({ width: 1280, height: 1000 });
  await b.page.goto(`${server.url}web/`);
  await b.page.evaluate(async () => (await import('/web/app.js')).started);
});

after(async () => {
  await b?.browser.close();
  await server?.close();
});

for (const slow of ['drop', 'block', 'disconnect']) {
  test(`fan-out panel: five subscribers, the slow one under '${slow}'`, async () => {
    const r = await b.page.evaluate(
      async (slow) => (await import('/web/app.js')).runFanout({ frames: 120, slow: /** @type {any} */ (slow) }),
      slow,
    );
    for (const s of r.results) assert.ok(s.ok, `${s.name}: out of order or a gap not reported`);
    const [levelJs, , recorder, slowOne] = r.results;
    assert.equal(recorder.got, 120);
    assert.equal(recorder.missed, 0);
    assert.equal(levelJs.got, 120);
    if (slow === 'block') assert.equal(slowOne.missed, 0);
    if (slow === 'disconnect') assert.equal(slowOne.end, 'WM_EOVERFLOW');
    if (slow === 'drop') assert.ok(slowOne.missed > 0, 'a slow reader under drop missed frames');
    assert.equal(r.cFrames, 120);
    assert.equal(r.halted, -6);
    assert.deepEqual(b.problems, []);
  });
}

test('fan-out panel: screenshot', async () => {
  await b.page.evaluate(() => (document.getElementById('fo-summary').textContent = ''));
  await b.page.click('#fo-run');
  await b.page.waitForFunction(() => /synth halted/.test(document.getElementById('fo-summary')?.textContent ?? ''), null, { timeout: 60000 });
  await mkdir(`${root}build/screenshots`, { recursive: true });
  const panel = await b.page.$('#fanout');
  await panel?.screenshot({ path: `${root}build/screenshots/demo-fanout.png` });
  assert.deepEqual(b.problems, []);
});
