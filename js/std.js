// std.js: helpers for the standard module the package ships prebuilt
// (wmesh_std, src/std/): the names of its functions, its own result codes
// and their messages (mirroring include/wmesh_std.h; tests/node/std.test.mjs
// checks that they agree), deflate's level as a function name, and the
// image options header its image functions read. No node:* imports: the browser entry exports it too.
// The README's "Standard module" section documents every function.

import { strerror } from './errors.js';

/**
 * The functions of wmesh_std, in the README's order.
 * @type {readonly ['gen', 'upper', 'reverse', 'sha256', 'fnv1a64', 'deflate', 'deflate_1', 'deflate_2', 'deflate_3', 'deflate_4', 'deflate_5', 'deflate_6', 'deflate_7', 'deflate_8', 'deflate_9', 'inflate', 'img_decode', 'img_resize', 'img_grayscale', 'img_blur', 'img_encode', 'synth', 'level_meter']}
 */
export const STD_FUNCTIONS = Object.freeze(
  /** @type {const} */ ([
    'gen',
    'upper',
    'reverse',
    'sha256',
    'fnv1a64',
    'deflate',
    'deflate_1',
    'deflate_2',
    'deflate_3',
    'deflate_4',
    'deflate_5',
    'deflate_6',
    'deflate_7',
    'deflate_8',
    'deflate_9',
    'inflate',
    'img_decode',
    'img_resize',
    'img_grayscale',
    'img_blur',
    'img_encode',
    'synth',
    'level_meter',
  ]),
);

/** @typedef {typeof STD_FUNCTIONS[number]} StdFunction */

/**
 * isStdFunction says whether name is a function of wmesh_std.
 * @param {unknown} name
 * @returns {name is StdFunction}
 */
export function isStdFunction(name) {
  return typeof name === 'string' && /** @type {readonly string[]} */ (STD_FUNCTIONS).includes(name);
}

/** The most img_decode reads, and the longest line reverse holds: 256 MiB. */
export const STD_MAX_INPUT = 256 * 1024 * 1024;
/** The most inflate writes: 1 GiB (past it, WMSTD_ELIMIT). */
export const STD_MAX_INFLATE = 1024 * 1024 * 1024;
/** deflate's level: zlib's default, as Node's zlib.deflateSync. */
export const STD_DEFLATE_LEVEL = 6;

/**
 * deflateStage names the function that deflates at a level: 'deflate' for
 * the default (6, as node:zlib), else 'deflate_1' to 'deflate_9'. A
 * function takes only its pipes, so the level is in the name; use it as a
 * stage: mesh.chain(['mine', deflateStage(9)], input). Throws a RangeError
 * for a level that is not an integer from 1 to 9.
 * @param {number} [level]
 * @returns {'deflate' | `deflate_${1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9}`}
 */
export function deflateStage(level) {
  if (level === undefined || level === STD_DEFLATE_LEVEL) return 'deflate';
  if (!Number.isInteger(level) || level < 1 || level > 9)
    throw new RangeError(`deflateStage: level must be an integer from 1 to 9, not ${level}`);
  return /** @type {`deflate_${1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9}`} */ (`deflate_${level}`);
}
/** The image limits: a side, all pixels, the blur radius. */
export const STD_MAX_SIDE = 16384;
export const STD_MAX_PIXELS = 64 * 1024 * 1024;
export const STD_MAX_RADIUS = 64;

/**
 * The standard module's own result codes (include/wmesh_std.h), below the
 * runtime's range [-99, -1]. Its functions also fail with the runtime's
 * codes (errors.js `codes`): a pipe's error, WM_ENOMEM, WM_ECANCELED.
 */
export const stdCodes = Object.freeze({
  WMSTD_EFORMAT: -100,
  WMSTD_ETOOBIG: -101,
  WMSTD_ENOSIZE: -102,
  WMSTD_ENORADIUS: -103,
  WMSTD_EOPTIONS: -104,
  WMSTD_EIMAGE: -105,
  WMSTD_ELIMIT: -106,
});

/** @type {Readonly<Record<number, string>>} */
const stdMessages = Object.freeze({
  [-100]: "input is not in the function's format (not zlib, not an image, not a frame)",
  [-101]: 'input too large (limit 256 MiB)',
  [-102]: 'img_resize: no target size (put imageOptions({ width, height }) before img_decode\'s input)',
  [-103]: 'img_blur: no blur radius (put imageOptions({ blur }) before img_decode\'s input)',
  [-104]: `bad image options header (WMJ1): cut short, or a side above ${STD_MAX_SIDE} or blur above ${STD_MAX_RADIUS}`,
  [-105]: `image too large (limit ${STD_MAX_SIDE} pixels a side, 64 Mpixel in all)`,
  [-106]: 'output over its limit (1 GiB): a zip bomb, or more data than allowed',
});

const stdNames = /** @type {Readonly<Record<number, string>>} */ (
  Object.freeze(Object.fromEntries(Object.entries(stdCodes).map(([k, v]) => [v, k])))
);

/** WMSTD_EFORMAT said of the function that returned it. @type {Readonly<Record<string, string>>} */
const formatMessages = Object.freeze({
  inflate: 'input is not one zlib stream (RFC 1950): not zlib, cut short, corrupt, or followed by other bytes',
  img_decode: 'input is not an image stb decodes (PNG, JPEG, BMP, GIF, TGA, PNM)',
  img_resize: 'input is not an image frame (WMF1)',
  img_grayscale: 'input is not an image frame (WMF1)',
  img_blur: 'input is not an image frame (WMF1)',
  img_encode: 'input is not an image frame (WMF1)',
  level_meter: 'input is not an 8-byte request (u32 worker, u32 frames), or a topic frame is not 256 floats',
});

/**
 * stdStrerror describes a code a function of wmesh_std returned: one of
 * stdCodes, or else what errors.js strerror says of it (the runtime's codes).
 * Given the function's name, WMSTD_EFORMAT says which format it wanted.
 * @param {number} code
 * @param {string} [fn] the function (a WmError's fn)
 * @returns {string}
 */
export function stdStrerror(code, fn) {
  if (code === stdCodes.WMSTD_EFORMAT && fn && fn in formatMessages) return formatMessages[fn];
  return stdMessages[code] ?? strerror(code);
}

/**
 * stdCodeName names a code of stdCodes ("WMSTD_ETOOBIG"), or undefined.
 * @param {number} code
 * @returns {string | undefined}
 */
export function stdCodeName(code) {
  return stdNames[code];
}

/**
 * isStdCall says whether a WmError's fn names wmesh_std functions only: one
 * function, or a chain's stages joined by "|".
 * @param {string | undefined} fn
 * @returns {boolean}
 */
export function isStdCall(fn) {
  return typeof fn === 'string' && fn.split('|').every(isStdFunction);
}

/**
 * stdErrorMessage is the message for a failure of wmesh_std functions, in
 * WmError's format ("inflate: ... (-100)") but with the std code described;
 * for any other error (a runtime code, another module's function) it is the
 * error's own message.
 * @param {{ code?: number, fn?: string, message: string }} e a WmError
 * @returns {string}
 */
export function stdErrorMessage(e) {
  if (typeof e.code !== 'number' || !(e.code in stdMessages) || !isStdCall(e.fn)) return e.message;
  return `${e.fn}: ${stdStrerror(e.code, e.fn)} (${e.code})`;
}

/**
 * describeStdError names and describes a std code of a call of wmesh_std
 * functions, for WmError (a mesh of the default module passes it).
 * @type {import('./errors.js').Describe}
 */
export function describeStdError(code, fn) {
  if (!(code in stdMessages) || !isStdCall(fn)) return undefined;
  return { name: /** @type {string} */ (stdNames[code]), message: stdStrerror(code, fn) };
}

/** The image options header: 16 bytes, "WMJ1" then width, height, blur as little-endian u32s. */
export const IMAGE_OPTIONS_BYTES = 16;
const JOB_MAGIC = 0x314a4d57; // "WMJ1" read as a little-endian u32
const FRAME_MAGIC = 0x31464d57; // "WMF1"
const FRAME_HEADER = 32;

/**
 * @typedef {object} ImageOptions
 * @property {number} [width] img_resize's width; 0 or absent: follow the height's aspect ratio
 * @property {number} [height] img_resize's height; 0 or absent: follow the width's aspect ratio
 * @property {number} [blur] img_blur's box blur radius (1 to 64); 0 or absent: no blur stage
 * @property {boolean} [gray] imageStages adds img_grayscale
 * @property {boolean} [encode] imageStages ends with img_encode (PNG) unless false (then a frame)
 */

/**
 * @param {string} what
 * @param {number | undefined} v
 * @param {number} max
 */
function u32(what, v, max) {
  const n = v ?? 0;
  if (!Number.isInteger(n) || n < 0 || n > max) throw new RangeError(`imageOptions: ${what} must be an integer from 0 to ${max}, not ${v}`);
  return n;
}

/**
 * imageOptions builds the 16-byte options header that img_decode reads in
 * front of the image file and hands on, in every frame, to img_resize
 * (width, height) and img_blur (blur): "WMJ1" | width | height | blur, as
 * little-endian u32s. Throws a RangeError for a value out of range.
 * @param {ImageOptions} o
 * @returns {Uint8Array}
 */
export function imageOptions(o = {}) {
  const out = new Uint8Array(IMAGE_OPTIONS_BYTES);
  const v = new DataView(out.buffer);
  v.setUint32(0, JOB_MAGIC, true);
  v.setUint32(4, u32('width', o.width, STD_MAX_SIDE), true);
  v.setUint32(8, u32('height', o.height, STD_MAX_SIDE), true);
  v.setUint32(12, u32('blur', o.blur, STD_MAX_RADIUS), true);
  return out;
}

/**
 * imageJob is img_decode's input: the options header, then the image file.
 * @param {Uint8Array} file PNG, JPEG, BMP, GIF, TGA or PNM bytes
 * @param {ImageOptions} [o]
 * @returns {Uint8Array}
 */
export function imageJob(file, o = {}) {
  const out = new Uint8Array(IMAGE_OPTIONS_BYTES + file.length);
  out.set(imageOptions(o));
  out.set(file, IMAGE_OPTIONS_BYTES);
  return out;
}

/**
 * imageStages lists the chain the options call for: img_decode, then
 * img_resize if a width or height is given, img_grayscale if gray,
 * img_blur if blur, and img_encode unless encode is false.
 * @param {ImageOptions} [o]
 * @returns {StdFunction[]}
 */
export function imageStages(o = {}) {
  /** @type {StdFunction[]} */
  const s = ['img_decode'];
  if (o.width || o.height) s.push('img_resize');
  if (o.gray) s.push('img_grayscale');
  if (o.blur) s.push('img_blur');
  if (o.encode !== false) s.push('img_encode');
  return s;
}

/**
 * thumbnail runs the image chain on a mesh of wmesh_std: the file resized
 * to width and/or height (one of them 0 or absent keeps the aspect ratio),
 * optionally gray and blurred, as a PNG (or a frame with encode: false).
 * Throws a RangeError with neither width nor height.
 * @param {import('./mesh.js').Mesh} mesh
 * @param {Uint8Array} file PNG, JPEG, BMP, GIF, TGA or PNM bytes
 * @param {ImageOptions} o
 * @returns {Promise<Uint8Array>}
 */
export async function thumbnail(mesh, file, o) {
  if (!o?.width && !o?.height) throw new RangeError('thumbnail: give a width, a height or both');
  return mesh.chain(imageStages(o), imageJob(file, o)).bytes();
}

/**
 * parseImageFrame reads a frame (what img_decode, img_resize, img_grayscale
 * and img_blur write): a 32-byte header of little-endian u32s ("WMF1",
 * width, height, 4, the job's width, height and blur, gray), then width *
 * height RGBA pixels.
 * @param {Uint8Array} b
 * @returns {{ width: number, height: number, pixels: Uint8Array }}
 */
export function parseImageFrame(b) {
  if (b.length < FRAME_HEADER) throw new Error('image: not a frame (too short)');
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (v.getUint32(0, true) !== FRAME_MAGIC) throw new Error('image: not a frame (magic)');
  const width = v.getUint32(4, true);
  const height = v.getUint32(8, true);
  const pixels = b.subarray(FRAME_HEADER);
  if (pixels.length !== width * height * 4) throw new Error('image: frame size does not match its header');
  return { width, height, pixels };
}
