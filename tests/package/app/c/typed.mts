// typed.mts: the module's build/shout.d.ts types a mesh of it, so that only
// its functions' names compile (type-checked by package.test.mjs, never run).
import { createMesh } from 'wmesh';

import type { FnName, Mesh } from './build/shout.js';

export async function main(): Promise<string> {
  const mesh: Mesh = await createMesh({ module: 'build/shout.js' });
  const name: FnName = 'shout';
  const a = await mesh.go(name, 'x').text();
  const b = await mesh.chain(['shout', 'shout'], 'y', { timeout: 1000 }).text();
  const s = await mesh.start('shout');
  await s.halt();
  // @ts-expect-error: not a function of this module
  mesh.go('shuot', 'x');
  // @ts-expect-error: not a function of this module
  mesh.chain(['shout', 'upper']);
  // @ts-expect-error: not a function of this module
  await mesh.startAll([{ fn: 'gen' }]);
  // @ts-expect-error: not a name of this module
  const wrong: FnName = 'upper';
  await mesh.close();
  return a + b + wrong;
}
