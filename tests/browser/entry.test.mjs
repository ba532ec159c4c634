// entry.test.mjs: what a browser build pulls in. Starting from the browser
// entry and the browser worker, no module may import a node:* module (or a
// bare Node builtin): bundlers would stub it and the page would fail late.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOTS = ['../../js/browser.js', '../../js/worker-browser.js'].map((p) => new URL(p, import.meta.url));
// import ... from '...', export ... from '...', import '...', import('...')
const SPECIFIER = /(?:^|[;\s])(?:import|export)\s(?:[^'";]*?\sfrom\s)?\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/**
 * graph walks the static imports from the roots.
 * @param {URL[]} roots
 * @returns {Promise<Map<string, string[]>>} file -> its specifiers
 */
async function graph(roots) {
  /** @type {Map<string, string[]>} */
  const seen = new Map();
  const todo = [...roots];
  while (todo.length) {
    const url = /** @type {URL} */ (todo.pop());
    if (seen.has(url.href)) continue;
    // Comments out: JSDoc's import('...') types load nothing.
    const text = (await readFile(url, 'utf8')).replace(/\/\*[\s\S]*?\*\/|(^|[^:])\/\/.*$/gm, '$1');
    const specs = [...text.matchAll(SPECIFIER)].map((m) => m[1] ?? m[2]);
    seen.set(url.href, specs);
    for (const s of specs) if (s.startsWith('.')) todo.push(new URL(s, url));
  }
  return seen;
}

test('the browser entry and worker import nothing of Node', async () => {
  const files = await graph(ROOTS);
  const builtins = new Set(builtinModules);
  /** @type {string[]} */
  const bad = [];
  for (const [file, specs] of files)
    for (const s of specs)
      if (s.startsWith('node:') || builtins.has(s)) bad.push(`${fileURLToPath(file)} imports ${s}`);
  assert.deepEqual(bad, []);
  // The walk did reach the shared code.
  const names = [...files.keys()].map((f) => f.replace(/^.*\/js\//, ''));
  for (const f of ['mesh.js', 'host.js', 'pipe.js', 'serve.js', 'env/browser.js', 'env/glue.js'])
    assert.ok(names.includes(f), `${f} not reached: ${names.join(', ')}`);
});

test('the Node entry does import Node, so the walk can see it', async () => {
  const files = await graph([new URL('../../js/index.js', import.meta.url)]);
  const all = [...files.values()].flat();
  assert.ok(all.some((s) => s.startsWith('node:')));
});
