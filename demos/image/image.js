// image.js: the image pipeline from JS, for Node (run.mjs) and the page
// (web/) alike: no node:* imports here. The stages are the standard
// module's (src/std/image_fns.c, which the demos' module links); the frame
// format they pass along is in image_ops.h. The options header in front of
// the input and the list of stages are the package's (js/std.js).

import { imageJob, imageStages, parseImageFrame } from '../../js/std.js';

/** The stages in pipeline order; resize, grayscale and blur are optional. */
export const STAGES = /** @type {const} */ (['img_decode', 'img_resize', 'img_grayscale', 'img_blur', 'img_encode']);

/**
 * The package's image options (js/std.js): width, height, gray, blur, encode.
 * @typedef {import('../../js/std.js').ImageOptions} ImageOptions
 */

/**
 * job puts the options in front of the image file's bytes, where
 * img_decode finds them and hands them on to every later stage: the
 * package's imageJob (js/std.js), whose header format the README documents.
 * @param {Uint8Array} file PNG or JPEG bytes
 * @param {ImageOptions} o
 * @returns {Uint8Array}
 */
export function job(file, o = {}) {
  return imageJob(file, o);
}

/**
 * stages lists the chain for the options: the package's imageStages
 * (img_resize only with a width or height, img_grayscale if gray, img_blur
 * if blur, img_encode unless encode is false), since a stage without its
 * option fails rather than pass the picture through.
 * @param {ImageOptions} o
 * @returns {string[]}
 */
export function stages(o = {}) {
  return imageStages(o);
}

/** parseFrame reads a frame (what every stage but img_encode writes): the
 * package's parseImageFrame. */
export const parseFrame = parseImageFrame;

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
