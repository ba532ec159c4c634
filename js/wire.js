// wire.js: the pipe frames of src/core/wire.h, for pipe ends held by JS.
// Every frame is one ArrayBuffer: [u8 type][body], little-endian.

export const F_DATA = 1;
export const F_EOF = 2;
export const F_ERR = 3;
export const F_CREDIT = 4;
export const F_RCLOSE = 5;

/** Largest DATA body we send; matches WM__CHUNK in src/core/rt.h. */
export const CHUNK = 64 * 1024;
/** Default window of bytes in flight; matches WM__DEFAULT_WINDOW. */
export const DEFAULT_WINDOW = 512 * 1024;
/** Largest window the core accepts (WM__MAX_WINDOW). */
export const MAX_WINDOW = 1 << 26;

/**
 * frame builds a frame with a 32-bit body, or none.
 * @param {number} type
 * @param {number} [value]
 * @returns {ArrayBuffer}
 */
export function frame(type, value) {
  if (value === undefined) return new Uint8Array([type]).buffer;
  const b = new ArrayBuffer(5);
  const v = new DataView(b);
  v.setUint8(0, type);
  v.setInt32(1, value, true);
  return b;
}

/**
 * dataFrame copies bytes into a new DATA frame.
 * @param {Uint8Array} bytes
 * @returns {ArrayBuffer}
 */
export function dataFrame(bytes) {
  const b = new Uint8Array(bytes.length + 1);
  b[0] = F_DATA;
  b.set(bytes, 1);
  return b.buffer;
}

/**
 * parse reads a frame; returns null for anything malformed.
 * @param {unknown} data
 * @returns {{type: number, value: number, bytes: Uint8Array} | null}
 */
export function parse(data) {
  if (!(data instanceof ArrayBuffer) || data.byteLength < 1) return null;
  const u8 = new Uint8Array(data);
  const type = u8[0];
  if (type === F_DATA) return { type, value: 0, bytes: u8.subarray(1) };
  if ((type === F_EOF || type === F_RCLOSE) && u8.length === 1)
    return { type, value: 0, bytes: u8.subarray(1) };
  if ((type === F_ERR || type === F_CREDIT) && u8.length === 5) {
    const value = new DataView(data).getInt32(1, true);
    if (type === F_ERR ? value < 0 : value > 0) return { type, value, bytes: u8.subarray(5) };
  }
  return null;
}
