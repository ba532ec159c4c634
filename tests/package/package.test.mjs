// package.test.mjs: the npm package as a user gets it. `npm pack` makes the
// tarball (its prepack script builds and fills dist/), a fresh project in a
// temporary folder installs it offline, and then uses it from Node ESM,
// from CommonJS, from TypeScript (tsc from this repository's dev
// dependencies), and from C through the packaged cmake helper.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

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
    'dist/wmesh_demo.js',
    'dist/wmesh_demo.wasm',
    'dist/libwmesh.a',
    'include/wmesh.h',
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

test('C: a module built with the packaged cmake helper runs', async () => {
  const c = join(app, 'c');
  // emcc's optimizer needs Debian's acorn; emcmake's emulator flag is one
  // Node 20 refuses.
  const env = { NODE_PATH: '/usr/share/nodejs' };
  await sh(
    'emcmake',
    ['cmake', '-S', '.', '-B', 'build', '-DCMAKE_BUILD_TYPE=Release', '-DCMAKE_CROSSCOMPILING_EMULATOR=/usr/bin/node'],
    c,
    env,
  );
  await sh('cmake', ['--build', 'build'], c, env);
  const { stdout } = await sh(process.execPath, ['run.mjs'], c);
  assert.equal(stdout.trim(), 'c ok');
});
