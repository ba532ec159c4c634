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
  type StdFunction = wmesh.StdFunction;
  type StdCodeName = wmesh.StdCodeName;
  type ImageOptions = wmesh.ImageOptions;
}

/**
 * The standard module's helpers (js/std.js), exported as in ESM where Node
 * can require an ES module (20.19 and later); before, load() has them.
 */
type StdHelpers = Pick<
  typeof wmesh,
  | 'STD_FUNCTIONS'
  | 'STD_MAX_INPUT'
  | 'STD_MAX_INFLATE'
  | 'STD_DEFLATE_LEVEL'
  | 'STD_MAX_SIDE'
  | 'STD_MAX_PIXELS'
  | 'STD_MAX_RADIUS'
  | 'IMAGE_OPTIONS_BYTES'
  | 'isStdFunction'
  | 'isStdCall'
  | 'deflateStage'
  | 'stdCodes'
  | 'stdStrerror'
  | 'stdCodeName'
  | 'stdErrorMessage'
  | 'imageOptions'
  | 'imageJob'
  | 'imageStages'
  | 'thumbnail'
  | 'parseImageFrame'
>;

declare const wmeshCjs: StdHelpers & {
  /** Starts a mesh, as the ESM entry's createMesh does. */
  createMesh<F extends string = string>(options?: wmesh.MeshOptions): Promise<wmesh.Mesh<F>>;
  /** Imports the ESM entry, for everything else: `const { WmError, codes } = await load()`. */
  load(): Promise<typeof wmesh>;
};

export = wmeshCjs;
