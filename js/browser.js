// browser.js: the package's entry for browsers and bundlers. It gives the
// shared mesh code the browser platform (env/browser.js), so that nothing
// here imports a node:* module.
import * as env from './env/browser.js';
import { createMesh as create } from './mesh.js';
import { describeStdError } from './std.js';

export { Mesh, Call, Service, haltAll } from './mesh.js';
export { WmError, codes, strerror } from './errors.js';
export { collect } from './pipe.js';
export { records, policies } from './topic.js';
export * from './std.js';

/**
 * createMesh starts a mesh: the module is compiled once, instantiated on
 * this thread and in each worker, and ready when the promise resolves.
 * Without `module`, it runs the package's prebuilt module (wmesh_std: text
 * transforms, hashing, zlib, stb image operations). Relative URLs are resolved against the page.
 * @param {Partial<import('./mesh.js').MeshOptions>} [o]
 * @returns {Promise<import('./mesh.js').Mesh>}
 */
export function createMesh(o = {}) {
  if (o.module) return create({ ...o, module: o.module }, env);
  // Both URLs written out, so that bundlers emit the files as assets (and
  // may rename them: the .wasm is not derived from the glue's name). The
  // glue is the ES module one: it loads under a strict CSP too.
  return create(
    {
      ...o,
      module: new URL('../dist/wmesh_std.mjs', import.meta.url),
      wasm: o.wasm ?? new URL('../dist/wmesh_std.wasm', import.meta.url),
    },
    env,
    // The standard module's own error codes get their names and messages.
    { describe: describeStdError },
  );
}
