// index.js: the package's entry for Node. It gives the shared mesh code the
// Node platform (env/node.js); js/browser.js does the same for browsers.
import { existsSync } from 'node:fs';

import * as env from './env/node.js';
import { createMesh as create } from './mesh.js';
import { describeStdError } from './std.js';

export { Mesh, Call, Service, haltAll } from './mesh.js';
export { WmError, codes, strerror } from './errors.js';
export { collect } from './pipe.js';
export { records, policies } from './topic.js';
export * from './std.js';

/**
 * defaultModule is the prebuilt standard module (wmesh_std): dist/ in the installed
 * package, or build/ in a checkout of the repository that has built it.
 */
function defaultModule() {
  const dist = new URL('../dist/wmesh_std.js', import.meta.url);
  return existsSync(dist) ? dist : new URL('../build/wmesh_std.js', import.meta.url);
}

/**
 * createMesh starts a mesh: the module is compiled once, instantiated here
 * and in each worker, and ready when the promise resolves. Without
 * `module`, it runs the package's prebuilt module (wmesh_std: text
 * transforms, sha256, fnv1a64, deflate, inflate, stb image operations).
 * @param {Partial<import('./mesh.js').MeshOptions>} [o]
 * @returns {Promise<import('./mesh.js').Mesh>}
 */
export function createMesh(o = {}) {
  if (o.module) return create({ ...o, module: o.module }, env);
  // The standard module's own error codes get their names and messages.
  return create({ ...o, module: defaultModule() }, env, { describe: describeStdError });
}
