// launch.mjs: Debian's headless Chromium through playwright-core, kept off
// the network, with every console error, page error, failed request or
// request that leaves this machine recorded as a problem.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';

import { chromium } from 'playwright-core';

const CHROMIUM = process.env.WMESH_CHROMIUM ?? '/usr/bin/chromium';

/**
 * launch starts the browser with one page allowed to reach only `origin`.
 * @param {string} origin e.g. http://127.0.0.1:8000
 * @returns {Promise<{ browser: import('playwright-core').Browser, page: import('playwright-core').Page, problems: string[] }>}
 */
export async function launch(origin) {
  assert.ok(existsSync(CHROMIUM), `no browser at ${CHROMIUM}: run scripts/setup.sh`);
  /** @type {string[]} */
  const problems = [];
  const browser = await chromium.launch({
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
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    problems.push(`request off this machine: ${url}`);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.stack ?? e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  page.on('crash', () => problems.push('the page crashed'));
  return { browser, page, problems };
}
