// index.d.cts: the types of the CommonJS entry (js/index.cjs).
import type * as wmesh from './index.js';

declare namespace wmeshCjs {
  type Mesh<F extends string = string> = wmesh.Mesh<F>;
  type Call = wmesh.Call;
  type WmError = wmesh.WmError;
  type MeshOptions = wmesh.MeshOptions;
  type CallOptions = wmesh.CallOptions;
  type MeshStats = wmesh.MeshStats;
  type Input = wmesh.Input;
  type Chunk = wmesh.Chunk;
}

declare const wmeshCjs: {
  /** Starts a mesh, as the ESM entry's createMesh does. */
  createMesh<F extends string = string>(options?: wmesh.MeshOptions): Promise<wmesh.Mesh<F>>;
  /** Imports the ESM entry, for everything else: `const { WmError, codes } = await load()`. */
  load(): Promise<typeof wmesh>;
};

export = wmeshCjs;
