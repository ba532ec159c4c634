// csp.test.mjs: a page whose Content Security Policy forbids eval
// (script-src 'self' 'wasm-unsafe-eval') runs a mesh from the ES module
// glue that cmake/wmesh.cmake writes beside each module; the classic glue,
// which must be evaluated, is refused there (the test can fail).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launch } from './launch.mjs';
import { serve } from './server.mjs';

/** @type {Awaited<ReturnType<typeof serve>>} */
let server;
/** @type {Awaited<ReturnType<typeof launch>>} */
let b;

before(async () => {
  server = await serve();
  b = await launch(new URL(server.url).origin);
});

after(async () => {
  await b?.browser.close();
  await server?.close();
});

/** @param {string} glue */
async function run(glue) {
  await b.page.goto(`${server.url}tests/browser/csp.html?glue=${glue}`);
  await b.page.waitForFunction(() => document.getElementById('out')?.textContent !== 'starting…');
  return b.page.textContent('#out');
}

test('under a strict CSP, a mesh of the ES module glue runs a chain', async () => {
  const before = b.problems.length;
  assert.equal(await run('wmesh_test.mjs'), 'ok: STRICT PAGE');
  assert.deepEqual(b.problems.slice(before), []);
});

test('under a strict CSP, the classic glue is refused (it needs eval)', async () => {
  const text = await run('wmesh_test.js');
  assert.match(String(text), /^error: /);
  b.problems.length = 0; // the refusal is reported as a console error
});
