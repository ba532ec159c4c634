// browser.test.mjs: runs the browser cases (cases.js) in Debian's headless
// Chromium through playwright-core. Every console error, page error, failed
// request or request that leaves this machine fails the run.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';

import { chromium } from 'playwright-core';

import { cases } from './cases.js';
import { serve } from './server.mjs';

const CHROMIUM = process.env.WMESH_CHROMIUM ?? '/usr/bin/chromium';

/** @type {Awaited<ReturnType<typeof serve>>} */
let server;
/** @type {import('playwright-core').Browser} */
let browser;
/** @type {import('playwright-core').Page} */
let page;
/** what went wrong outside the cases themselves @type {string[]} */
const problems = [];

before(async () => {
  assert.ok(existsSync(CHROMIUM), `no browser at ${CHROMIUM}: run scripts/setup.sh`);
  server = await serve();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      // Only the test server resolves; anything else fails at once.
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    ],
  });
  const context = await browser.newContext();
  const origin = new URL(server.url).origin;
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    problems.push(`request off this machine: ${url}`);
    return route.abort();
  });
  page = await context.newPage();
  /** @param {import('playwright-core').ConsoleMessage} msg */
  const onConsole = (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  };
  page.on('console', onConsole);
  page.on('pageerror', (e) => problems.push(`page error: ${e.stack ?? e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  page.on('crash', () => problems.push('the page crashed'));
  // ?manual: the page waits for the cases to be run one by one.
  await page.goto(`${server.url}tests/browser/index.html?manual`);
});

after(async () => {
  await browser?.close();
  await server?.close();
});

for (const name of Object.keys(cases)) {
  test(`browser: ${name}`, async () => {
    const before = problems.length;
    await page.evaluate(async (n) => {
      const m = await import('./cases.js');
      await m.run(n);
    }, name);
    assert.deepEqual(problems.slice(before), [], 'console errors, page errors or failed requests');
  });
}

test('browser: nothing went wrong outside the cases', () => {
  assert.deepEqual(problems, []);
});
