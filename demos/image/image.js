// image.js: the image pipeline from JS, for Node (run.mjs) and the page
// (web/) alike: no node:* imports here. The stages are C functions in
// image_fns.c; the frame format they pass along is in image_ops.h.

/** The stages in pipeline order; grayscale and blur are optional. */
export const STAGES = /** @type {const} */ (['img_decode', 'img_resize', 'img_grayscale', 'img_blur', 'img_encode']);

const JOB_MAGIC = 0x314a4d57; // "WMJ1"
const FRAME_MAGIC = 0x31464d57; // "WMF1"
const HEADER = 32;

/**
 * @typedef {object} ImageOptions
 * @property {number} [width] resize to this width (0: follow the height's ratio)
 * @property {number} [height] resize to this height (0: follow the width's ratio)
 * @property {boolean} [gray] add the grayscale stage
 * @property {number} [blur] box blur radius; 0 leaves the blur stage out
 * @property {boolean} [encode] end with img_encode (PNG); false ends with a frame
 */

/**
 * job puts the options in front of the image file's bytes, where
 * img_decode finds them and hands them on to every later stage.
 * @param {Uint8Array} file PNG or JPEG bytes
 * @param {ImageOptions} o
 * @returns {Uint8Array}
 */
export function job(file, o = {}) {
  const out = new Uint8Array(16 + file.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, JOB_MAGIC, true);
  v.setUint32(4, o.width ?? 0, true);
  v.setUint32(8, o.height ?? 0, true);
  v.setUint32(12, o.blur ?? 0, true);
  out.set(file, 16);
  return out;
}

/**
 * stages lists the chain for the options.
 * @param {ImageOptions} o
 * @returns {string[]}
 */
export function stages(o = {}) {
  return STAGES.filter(
    (s) => (s !== 'img_grayscale' || o.gray) && (s !== 'img_blur' || (o.blur ?? 0) > 0) && (s !== 'img_encode' || o.encode !== false),
  );
}

/**
 * parseFrame reads a frame (what every stage but img_encode writes).
 * @param {Uint8Array} b
 * @returns {{ width: number, height: number, pixels: Uint8Array }}
 */
export function parseFrame(b) {
  if (b.length < HEADER) throw new Error('image: not a frame (too short)');
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (v.getUint32(0, true) !== FRAME_MAGIC) throw new Error('image: not a frame (magic)');
  const width = v.getUint32(4, true);
  const height = v.getUint32(8, true);
  const pixels = b.subarray(HEADER);
  if (pixels.length !== width * height * 4) throw new Error('image: frame size does not match its header');
  return { width, height, pixels };
}

/**
 * runChain runs the pipeline as one chain spread over the workers, the
 * frames streaming from worker to worker.
 * @param {import('../../js/mesh.js').Mesh} mesh
 * @param {Uint8Array} file
 * @param {ImageOptions} o
 * @returns {Promise<{ output: Uint8Array, ms: number, stages: string[] }>}
 */
export async function runChain(mesh, file, o = {}) {
  const names = stages(o);
  const t0 = performance.now();
  const output = await mesh.chain(names, job(file, o)).bytes();
  return { output, ms: performance.now() - t0, stages: names };
}

/**
 * runStages runs the same pipeline one call per stage, each output handed
 * back to the next call, to time every stage on its own.
 * @param {import('../../js/mesh.js').Mesh} mesh
 * @param {Uint8Array} file
 * @param {ImageOptions} o
 * @returns {Promise<{ output: Uint8Array, timings: { stage: string, ms: number, bytes: number }[] }>}
 */
export async function runStages(mesh, file, o = {}) {
  /** @type {{ stage: string, ms: number, bytes: number }[]} */
  const timings = [];
  let data = job(file, o);
  for (const stage of stages(o)) {
    const t0 = performance.now();
    data = await mesh.go(stage, data).bytes();
    timings.push({ stage, ms: performance.now() - t0, bytes: data.length });
  }
  return { output: data, timings };
}
