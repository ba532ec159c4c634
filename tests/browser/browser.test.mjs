// browser.test.mjs: runs the browser cases (cases.js) in Debian's headless
// Chromium through playwright-core. Every console error, page error, failed
// request or request that leaves this machine fails the run.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { cases } from './cases.js';
import { launch } from './launch.mjs';
import { serve } from './server.mjs';

/** @type {Awaited<ReturnType<typeof serve>>} */
let server;
/** @type {Awaited<ReturnType<typeof launch>>} */
let b;

before(async () => {
  server = await serve();
  b = await launch(new URL(server.url).origin);
  // ?manual: the page waits for the cases to be run one by one.
  await b.page.goto(`${server.url}tests/browser/index.html?manual`);
});

after(async () => {
  await b?.browser.close();
  await server?.close();
});

for (const name of Object.keys(cases)) {
  test(`browser: ${name}`, async () => {
    const before = b.problems.length;
    await b.page.evaluate(async (n) => {
      const m = await import('./cases.js');
      await m.run(n);
    }, name);
    assert.deepEqual(b.problems.slice(before), [], 'console errors, page errors or failed requests');
  });
}

test('browser: nothing went wrong outside the cases', () => {
  assert.deepEqual(b.problems, []);
});
