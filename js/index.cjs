// index.cjs: the package's entry for CommonJS (require('wmesh')) in Node.
// The package is ESM, and Node 20 cannot require ESM, so this entry hands
// the ESM one over through dynamic import: createMesh works as in ESM (it
// returns a promise either way), and load() gives everything else.
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

module.exports = { createMesh, load };
