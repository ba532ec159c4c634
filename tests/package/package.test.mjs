// package.test.mjs: the npm package as a user gets it. `npm pack` makes the
// tarball (its prepack script builds and fills dist/), a fresh project in a
// temporary folder installs it offline, and then uses it from Node ESM,
// from CommonJS, from TypeScript (tsc from this repository's dev
// dependencies), from C through the packaged cmake helper, and from a
// Vite app built with this repository's vite and run in headless Chromium.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { launch } from '../browser/launch.mjs';
import { serve } from '../browser/server.mjs';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const VITE = join(ROOT, 'node_modules/vite/bin/vite.js');

/** @type {string} */
let tmp;
/** @type {string} the consumer project */
let app;
/** @type {{ files: { path: string }[], size: number, filename: string }} */
let packed;

/**
 * sh runs a command; its output is kept for the failure message.
 * @param {string} cmd
 * @param {string[]} args
 * @param {string} cwd
 * @param {NodeJS.ProcessEnv} [env]
 */
async function sh(cmd, args, cwd, env) {
  try {
    return await run(cmd, args, { cwd, env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  } catch (e) {
    const err = /** @type {any} */ (e);
    throw new Error(`${cmd} ${args.join(' ')} failed:\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
}

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'wmesh-package-'));
  const { stdout } = await sh('npm', ['pack', '--json', '--pack-destination', tmp], ROOT);
  packed = JSON.parse(stdout)[0];
  app = join(tmp, 'app');
  await cp(fileURLToPath(new URL('./app', import.meta.url)), app, { recursive: true });
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  // A package without dependencies installs from its tarball alone.
  await sh('npm', ['install', '--offline', '--no-audit', '--no-fund', join(tmp, packed.filename)], app);
});

after(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

test('the tarball holds the runtime, its types, the prebuilt module and the C side', () => {
  const files = packed.files.map((f) => f.path).sort();
  for (const f of [
    'js/index.js',
    'js/index.cjs',
    'js/index.d.ts',
    'js/index.d.cts',
    'js/browser.js',
    'js/worker.js',
    'js/worker-browser.js',
    'dist/wmesh_std.js',
    'dist/wmesh_std.wasm',
    'dist/wmesh_std.d.ts',
    'dist/libwmesh.a',
    'dist/libwmesh_std.a',
    'include/wmesh.h',
    'include/wmesh_std.h',
    'cmake/wmesh.cmake',
  ])
    assert.ok(files.includes(f), `${f} missing from ${files.join(', ')}`);
  // Nothing of the repository's tests, sources or build trees.
  assert.deepEqual(
    files.filter((f) => /^(tests|src|build|scripts|node_modules)\//.test(f)),
    [],
  );
});

test('Node ESM: createMesh() runs the packaged module', async () => {
  const { stdout } = await sh(process.execPath, ['esm.mjs'], app);
  assert.equal(stdout.trim(), 'esm ok');
});

test('CommonJS: require("wmesh")', async () => {
  const { stdout } = await sh(process.execPath, ['cjs.cjs'], app);
  assert.equal(stdout.trim(), 'cjs ok');
});

test("TypeScript: tsc --noEmit against the package's types", async () => {
  await sh(process.execPath, [TSC, '-p', 'tsconfig.json', '--noEmit'], app);
});

/**
 * plainEnv is this process's environment without what the README once told
 * C users to export: the cmake helper sets what emcc needs itself.
 * @returns {NodeJS.ProcessEnv}
 */
function plainEnv() {
  const env = { ...process.env };
  delete env.NODE_PATH;
  delete env.EM_CONFIG;
  return env;
}

test('C: a module built with the packaged cmake helper, as the README says, runs and declares its functions', async () => {
  const c = join(app, 'c');
  // Exactly the README's two commands, with NODE_PATH unset.
  const opts = { cwd: c, env: plainEnv(), maxBuffer: 64 << 20 };
  for (const [cmd, args] of /** @type {[string, string[]][]} */ ([
    ['emcmake', ['cmake', '-S', '.', '-B', 'build']],
    ['cmake', ['--build', 'build']],
  ])) {
    try {
      await run(cmd, args, opts);
    } catch (e) {
      const err = /** @type {any} */ (e);
      throw new Error(`${cmd} ${args.join(' ')} failed:\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
    }
  }
  const { stdout } = await sh(process.execPath, ['run.mjs'], c);
  assert.equal(stdout.trim(), 'c ok');
  // build/shout.d.ts lists the module's functions: typed.mts compiles
  // against it, and its @ts-expect-error lines (typos) must be errors.
  const dts = await readFile(join(c, 'build/shout.d.ts'), 'utf8');
  assert.match(dts, /export type FnName =\s*\| 'shout';/);
  // redact.c's module links the standard functions (STD): run.mjs chains
  // its own stage with deflate and inflate, and its .d.ts names them all,
  // those the library registers by hand included.
  const mixed = await readFile(join(c, 'build/redact.d.ts'), 'utf8');
  const names = [...mixed.matchAll(/^ {2}\| '([^']+)';?$/gm)].map((m) => m[1]);
  for (const n of ['redact', 'inflate_small', 'deflate_fast', 'deflate', 'deflate_9', 'inflate', 'sha256', 'fnv1a64', 'img_blur', 'img_grayscale', 'upper'])
    assert.ok(names.includes(n), `${n} missing from redact.d.ts: ${names.join(', ')}`);
  await sh(process.execPath, [TSC, '-p', 'tsconfig.json', '--noEmit'], c);
});

test('C: WM_EXPORT of a wrong signature does not compile; a right one compiles without a warning', async () => {
  const c = join(app, 'c');
  const include = join(app, 'node_modules/wmesh/include');
  const flags = ['-Wall', '-Wextra', '-I', include, '-c', '-o', '/dev/null'];
  // shout.c calls wm_read and wm_write (the location macros) and WM_EXPORT.
  const ok = await sh('emcc', [...flags, 'shout.c'], c);
  assert.equal(ok.stderr, '');
  // No -Werror: the mismatch is an error by itself.
  const bad = await run('emcc', [...flags, 'wrong_sig.c'], { cwd: c }).then(
    () => assert.fail('wrong_sig.c compiled'),
    (/** @type {any} */ e) => e,
  );
  assert.match(bad.stderr, /WM_EXPORT\(one_pipe\): one_pipe must be int one_pipe\(wm_pipe in, wm_pipe out\)/);
});

test('the standard module ships the TypeScript names of its functions', async () => {
  const dts = await readFile(join(app, 'node_modules/wmesh/dist/wmesh_std.d.ts'), 'utf8');
  const names = [...dts.matchAll(/^ {2}\| '([^']+)';?$/gm)].map((m) => m[1]).sort();
  // The list js/index.d.ts documents for the default module, and the
  // fan-out demo's level_meter.
  assert.deepEqual(names, [
    'deflate',
    'deflate_1',
    'deflate_2',
    'deflate_3',
    'deflate_4',
    'deflate_5',
    'deflate_6',
    'deflate_7',
    'deflate_8',
    'deflate_9',
    'fnv1a64',
    'gen',
    'img_blur',
    'img_decode',
    'img_encode',
    'img_grayscale',
    'img_resize',
    'inflate',
    'level_meter',
    'reverse',
    'sha256',
    'synth',
    'upper',
  ]);
});

/**
 * runPage opens the Vite app at url and checks what it shows.
 * @param {string} url the app's index.html
 */
async function runPage(url) {
  const b = await launch(new URL(url).origin);
  try {
    await b.page.goto(url);
    const out = b.page.locator('#out[data-done]');
    await out.waitFor();
    assert.deepEqual(JSON.parse(await out.innerText()), {
      upper: 'HELLO FROM VITE',
      lines: ['HSEM ,OLLEH :2 FO 1 ENIL', 'HSEM ,OLLEH :2 FO 2 ENIL'],
    });
    assert.deepEqual(b.problems, []);
  } finally {
    await b.browser.close();
  }
}

test('Vite: a production build of an app using the package runs in Chromium', async () => {
  const dir = join(app, 'vite');
  await sh(process.execPath, [VITE, 'build', '--logLevel', 'warn'], dir);
  const server = await serve(join(dir, 'dist'));
  try {
    await runPage(`${server.url}index.html`);
  } finally {
    await server.close();
  }
});

test('Vite: the production build runs under a strict Content-Security-Policy header', async () => {
  // Built by the test above. No eval (the package's glue is an ES module),
  // no inline script; WebAssembly itself needs 'wasm-unsafe-eval'.
  const dir = join(app, 'vite');
  const csp = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'";
  const server = await serve(join(dir, 'dist'), csp);
  try {
    await runPage(`${server.url}index.html`);
  } finally {
    await server.close();
  }
});

test("Vite: the same app on Vite's dev server runs in Chromium", async () => {
  const { createServer } = await import('vite');
  const server = await createServer({
    root: join(app, 'vite'),
    logLevel: 'warn',
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, watch: null },
  });
  await server.listen();
  try {
    const url = server.resolvedUrls?.local[0];
    assert.ok(url, 'the dev server has an address');
    await runPage(`${url}index.html`);
  } finally {
    await server.close();
  }
});
