// wire.js: the pipe frames of src/core/wire.h, for pipe ends held by JS.
// A frame is [u8 type][body], little-endian, in one ArrayBuffer or, if it
// is at most STRING_FRAME_MAX bytes, in a string of byte values: DATA goes
// as ArrayBuffers, the short frames (EOF, ERR, CREDIT, RCLOSE) as strings,
// which postMessage carries for less than a buffer to make, transfer and
// detach. A port message is one frame, or an array [CREDIT frame, spare,
// ...]: a reader
// handing 1 to MAX_SPARES emptied DATA buffers (ArrayBuffers of exactly
// CHUNK + 1 bytes) back to its writer, which reuses them rather than
// allocating a buffer per chunk. Anything else is malformed.
import { uninitialized } from './alloc.js';

export const F_DATA = 1;
export const F_EOF = 2;
export const F_ERR = 3;
export const F_CREDIT = 4;
export const F_RCLOSE = 5;
/** A control frame: a call's whole output (WM__F_OUT in src/core/wire.h). */
export const F_OUT = 21;

/** Largest DATA body we send; matches WM__CHUNK in src/core/rt.h. */
export const CHUNK = 64 * 1024;
/** Default window of bytes in flight; matches WM__DEFAULT_WINDOW. */
export const DEFAULT_WINDOW = 512 * 1024;
/** Largest window the core accepts (WM__MAX_WINDOW). */
export const MAX_WINDOW = 1 << 26;
/** Largest control frame (WM__MAX_CTRL): a CALL whose input carries a full
 * window of bytes. Longer ones are refused before they reach the core. */
export const MAX_CTRL = MAX_WINDOW + 4096;
/** Largest DATA body a pipe accepts (WM__MAX_CHUNK). */
export const MAX_CHUNK = 1 << 20;
/** Most spare buffers with one CREDIT frame (WM__MAX_SPARES). */
export const MAX_SPARES = 8;
/** Size of a spare buffer: a full DATA frame. */
export const SPARE_SIZE = CHUNK + 1;
/** Longest frame that may travel as a string. */
export const STRING_FRAME_MAX = 256;

/**
 * frameBytes reads a frame that arrived as an ArrayBuffer or as a string of
 * byte values. Anything else, or a string longer than STRING_FRAME_MAX or
 * with a character above 255, reads as the empty frame: malformed.
 * @param {unknown} f
 * @returns {Uint8Array}
 */
export function frameBytes(f) {
  // A detached buffer (a forged list may name one twice) is empty; a view
  // of it would throw.
  if (f instanceof ArrayBuffer) return f.byteLength ? new Uint8Array(f) : new Uint8Array(0);
  if (typeof f !== 'string' || f.length > STRING_FRAME_MAX) return new Uint8Array(0);
  const b = new Uint8Array(f.length);
  for (let i = 0; i < f.length; i++) {
    const c = f.charCodeAt(i);
    if (c > 255) return new Uint8Array(0);
    b[i] = c;
  }
  return b;
}

/**
 * frameString writes a short frame as a string of byte values.
 * @param {Uint8Array} bytes at most STRING_FRAME_MAX
 * @returns {string}
 */
export function frameString(bytes) {
  return String.fromCharCode.apply(null, /** @type {any} */ (bytes));
}

/**
 * unpack splits a port message into its frame and the spare buffers that
 * came with it. A message that is an array but not a CREDIT frame with 1 to
 * MAX_SPARES distinct spares of SPARE_SIZE bytes gives frame null:
 * malformed. (A buffer given twice would be filled and sent twice, and the
 * second send would find it gone.)
 * @param {unknown} data
 * @returns {{ frame: unknown, spares: ArrayBuffer[] }}
 */
export function unpack(data) {
  if (!Array.isArray(data)) return { frame: data, spares: [] };
  const bad = { frame: null, spares: [] };
  const [f, ...spares] = data;
  if (!spares.length || spares.length > MAX_SPARES) return bad;
  const c = frameBytes(f);
  if (c.length !== 5 || c[0] !== F_CREDIT) return bad;
  for (const s of spares) if (!(s instanceof ArrayBuffer) || s.byteLength !== SPARE_SIZE) return bad;
  if (new Set(spares).size !== spares.length) return bad;
  return { frame: f, spares };
}

/**
 * frame builds a frame with a 32-bit body, or none, as a string: post it
 * with no transfer list.
 * @param {number} type
 * @param {number} [value]
 * @returns {string}
 */
export function frame(type, value) {
  if (value === undefined) return String.fromCharCode(type);
  return String.fromCharCode(type, value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff, (value >>> 24) & 0xff);
}

/**
 * dataFrame copies bytes into a DATA frame: into spare, a spare buffer, if
 * given and the frame fills it, or else a new buffer (not zeroed: every
 * byte of it is written).
 * @param {Uint8Array} bytes
 * @param {ArrayBuffer} [spare]
 * @returns {ArrayBuffer}
 */
export function dataFrame(bytes, spare) {
  const b = spare && spare.byteLength === bytes.length + 1 ? new Uint8Array(spare) : uninitialized(bytes.length + 1);
  b[0] = F_DATA;
  b.set(bytes, 1);
  return /** @type {ArrayBuffer} */ (b.buffer);
}

/**
 * parse reads a frame; returns null for anything malformed.
 * @param {unknown} data
 * @returns {{type: number, value: number, bytes: Uint8Array} | null}
 */
export function parse(data) {
  const u8 = frameBytes(data);
  if (u8.length < 1) return null;
  const type = u8[0];
  if (type === F_DATA) return { type, value: 0, bytes: u8.subarray(1) };
  if ((type === F_EOF || type === F_RCLOSE) && u8.length === 1)
    return { type, value: 0, bytes: u8.subarray(1) };
  if ((type === F_ERR || type === F_CREDIT) && u8.length === 5) {
    const value = u8[1] | (u8[2] << 8) | (u8[3] << 16) | (u8[4] << 24);
    if (type === F_ERR ? value < 0 : value > 0) return { type, value, bytes: u8.subarray(5) };
  }
  return null;
}
