// errors.js: the runtime's error codes and their descriptions, mirroring
// WM_ERRNO_MAP in include/wmesh.h (tests/node/contract.test.mjs checks that
// they agree), and the Error subclass that carries them to JS callers.

/** @type {Readonly<Record<string, number>>} */
export const codes = Object.freeze({
  WM_EINVAL: -1,
  WM_EBADF: -2,
  WM_EPERM: -3,
  WM_EPIPE: -4,
  WM_ETIMEDOUT: -5,
  WM_ECANCELED: -6,
  WM_ENOFN: -7,
  WM_ENOMEM: -8,
  WM_EBUSY: -9,
  WM_EDIED: -10,
  WM_EPROTO: -11,
  WM_ENOTFIBER: -12,
  WM_ECLOSED: -13,
  WM_EEARLY: -14,
  WM_EOVERFLOW: -15,
  WM_ENOENT: -16,
  WM_ENOWORKER: -17,
  WM_EINPUT: -18,
  WM_ENOPIPE: -19,
});

const messages = [
  'success',
  'invalid argument',
  'not a live handle',
  'wrong pipe end for this operation',
  'the reading end of the pipe is gone',
  'deadline passed',
  'call cancelled',
  'function not registered as exportable',
  'out of memory',
  'call queue full',
  'worker died',
  'malformed or forged message refused',
  'would block outside a fiber',
  'mesh is shutting down',
  'service ended before it was ready',
  'subscriber fell too far behind',
  'no such topic',
  'no worker is alive to run the call',
  "the call's input failed",
  'no such pipe: the call was made without it',
];

const names = Object.fromEntries(Object.entries(codes).map(([k, v]) => [v, k]));

/**
 * strerror describes a code as include/wmesh.h's wm_strerror does; codes
 * outside the runtime's range are a function's own.
 * @param {number} code
 * @returns {string}
 */
export function strerror(code) {
  if (code < 0 && -code < messages.length) return messages[-code];
  // The runtime's range, as wm_strerror says; outside it, a function's own.
  if (code < 0 && code >= -99) return 'unknown error';
  return `function error ${code}`;
}

/**
 * WmError is how every failure of a call or a pipe reaches JS: `code` is the
 * runtime's code or the function's own result, `fn` names the function.
 */
/**
 * @typedef {(code: number, fn: string | undefined) => ({ name: string, message: string } | undefined)} Describe
 *   names and describes a function's own code (below -100), for a module
 *   that documents its codes (the standard module: js/std.js)
 */

export class WmError extends Error {
  /**
   * @param {number} code
   * @param {string} [fn]
   * @param {Describe | null} [describe] the module's own codes
   */
  constructor(code, fn, describe) {
    const own = code in names ? undefined : describe?.(code, fn);
    const text = own ? own.message : strerror(code);
    super(fn ? `${fn}: ${text} (${code})` : `${text} (${code})`);
    this.name = 'WmError';
    /** @type {number} */
    this.code = code;
    /** @type {string | undefined} */
    this.fn = fn;
    /** @type {string | undefined} the code's name, e.g. "WM_ENOFN" */
    this.codeName = own ? own.name : names[code];
  }
}
