// types.test.mjs: the package's types compile on their own: without
// @types/node and without the esnext.disposable lib (Mesh is
// AsyncDisposable), as a browser-only TypeScript project has them.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

const USE = `import { createMesh, type Mesh } from ${JSON.stringify(join(ROOT, 'js/index.js'))};
export async function upper(s: string): Promise<string> {
  const mesh: Mesh = await createMesh({ workers: 2 });
  try {
    return await mesh.go('upper', s, { timeout: 1000 }).text();
  } finally {
    await mesh.close();
  }
}
`;

for (const lib of [['es2022', 'dom'], ['es2022', 'dom', 'esnext.disposable']])
  test(`the types compile with lib ${lib.join(', ')} and no @types`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wmesh-types-'));
    try {
      await writeFile(join(dir, 'use.ts'), USE);
      const compilerOptions = {
        strict: true,
        noEmit: true,
        target: 'es2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        lib,
        types: [],
      };
      await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['use.ts'] }));
      const run = promisify(execFile);
      const r = await run(process.execPath, [TSC, '-p', dir]).catch((e) => e);
      assert.equal(r.code ?? 0, 0, `${r.stdout ?? ''}${r.stderr ?? ''}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
