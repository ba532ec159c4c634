// index.js: the package's entry for Node.
export { createMesh, Mesh, Call } from './mesh.js';
export { WmError, codes, strerror } from './errors.js';
export { collect } from './pipe.js';
