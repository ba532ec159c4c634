// index.cjs: the package's entry for CommonJS (require('wmesh')) in Node.
// The package is ESM, and Node 20 before 20.19 cannot require ESM, so this
// entry hands the ESM one over through dynamic import: createMesh works as
// in ESM (it returns a promise either way), and load() gives everything
// else. The standard module's helpers (js/std.js: STD_FUNCTIONS, stdCodes,
// deflateStage, imageOptions, thumbnail...) are plain and synchronous, so
// they are exported here as well, as in ESM, where Node can require an ES
// module (20.19 and later); before, load() has them.
'use strict';

/** @type {Promise<typeof import('./index.js')> | null} */
let esm = null;

/**
 * load imports the ESM entry: `const { WmError, codes } = await load()`.
 * @returns {Promise<typeof import('./index.js')>}
 */
function load() {
  esm ??= import('./index.js');
  return esm;
}

/**
 * createMesh starts a mesh, as the ESM entry's createMesh does.
 * @param {Partial<import('./mesh.js').MeshOptions>} [options]
 */
async function createMesh(options) {
  return (await load()).createMesh(options);
}

/** @type {Partial<typeof import('./std.js')>} */
let std = {};
try {
  std = require('./std.js');
} catch {
  // Node before 20.19: no require of ES modules; load() has the helpers.
}

module.exports = { ...std, createMesh, load };
