// options.js: checks a call's arguments before anything of the call exists,
// so that a bad one throws at once and leaves nothing behind (no pipe, no
// port, no pending call), as a call that returns an error must.
import { WmError, codes } from './errors.js';
import { MAX_WINDOW } from './wire.js';

/** The smallest window a call accepts (WM_MIN_WINDOW in include/wmesh.h):
 * below it every few bytes cost a round trip, which looks like a hang. */
export const MIN_WINDOW = 1024;

/** The grace a cancelled call has before its worker is stopped, by
 * default (ms): the core's own for C callers (WM__GRACE_MS in
 * src/core/rt.h), so that a call stops the same way from either side. */
export const GRACE_MS = 1000;

const WHERE_ANY = -1;
const WHERE_HERE = -2;

/**
 * fnKey checks one function of a call: a registered name is a string (the
 * exact name: no NUL, which C would cut the name at); a number is a table
 * index as is, which the workers check (tests use it to prove that
 * unregistered indices are refused). Anything else is a TypeError.
 * @param {unknown} fn
 * @returns {string | number}
 */
export function fnKey(fn) {
  if (typeof fn === 'string') {
    if (!fn || fn.includes('\0')) throw new WmError(codes.WM_ENOFN, JSON.stringify(fn));
    return fn;
  }
  if (typeof fn === 'number' && Number.isSafeInteger(fn) && fn >= 0) return fn;
  throw new TypeError(`wmesh: a function is named by a string, not ${describe(fn)}`);
}

/** @param {unknown} v */
function describe(v) {
  if (typeof v === 'symbol') return 'a symbol';
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

/**
 * checkInput refuses an input the call could not read: it must be a
 * string, bytes, a ReadableStream or an (async) iterable of chunks.
 * @param {unknown} input
 * @param {string} name
 */
export function checkInput(input, name) {
  if (input === undefined || typeof input === 'string') return;
  if (input instanceof ArrayBuffer || ArrayBuffer.isView(input)) return;
  if (typeof input === 'object' && input !== null) {
    const o = /** @type {any} */ (input);
    if (input instanceof ReadableStream || typeof o[Symbol.asyncIterator] === 'function') return;
    if (typeof o[Symbol.iterator] === 'function') return;
  }
  throw new TypeError(
    `wmesh: ${name}: input must be a string, bytes, a ReadableStream or an iterable, not ${describe(input)}`,
  );
}

/**
 * @typedef {object} Checked a call's options, as the core takes them
 * @property {number} where WHERE_ANY, WHERE_HERE or a worker from 1
 * @property {number} window
 * @property {number} deadline absolute ms, or -1
 * @property {number} timeout ms, or -1
 * @property {number} grace ms
 * @property {AbortSignal | undefined} signal
 * @property {boolean} output
 */

/** The options every call takes (CallOptions in js/index.d.ts). */
export const CALL_KEYS = Object.freeze(['where', 'timeout', 'signal', 'grace', 'window', 'output']);

/**
 * checkKeys refuses an options object with a key nobody reads: a typo
 * (`timeot`) would otherwise pass in silence and mean nothing.
 * @param {object} opts
 * @param {readonly string[]} keys the keys that mean something here
 * @param {string} what names the call or function, for the message
 */
export function checkKeys(opts, keys, what) {
  for (const k of Object.keys(opts))
    if (!keys.includes(k)) {
      const near = keys.find((x) => x.length > 3 && (x.startsWith(k.slice(0, 3)) || k.startsWith(x.slice(0, 3))));
      throw new TypeError(`wmesh: ${what}: unknown option '${k}'${near ? ` (did you mean '${near}'?)` : ''}`);
    }
}

/**
 * checkOptions checks a call's options and returns them as the core takes
 * them. Unknown keys and values of the wrong type (NaN and Infinity
 * included) are a TypeError; out-of-range values of the right type are a
 * WmError(WM_EINVAL) naming the call.
 * @param {any} opts
 * @param {string} name
 * @param {number} size the mesh's workers
 * @param {readonly string[]} [extra] more keys the caller reads itself
 * @returns {Checked}
 */
export function checkOptions(opts, name, size, extra = []) {
  if (opts === undefined || opts === null) opts = {};
  if (typeof opts !== 'object') throw new TypeError(`wmesh: ${name}: options must be an object`);
  checkKeys(opts, extra.length ? [...CALL_KEYS, ...extra] : CALL_KEYS, name);
  const bad = (/** @type {string} */ what) => new TypeError(`wmesh: ${name}: ${what}`);
  const num = (/** @type {string} */ k) => {
    const v = opts[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(`${k} must be a finite number of ms, not ${describe(v)}`);
    return Math.max(0, v);
  };
  const w = opts.window;
  if (w !== undefined && (typeof w !== 'number' || !Number.isInteger(w)))
    throw bad(`window must be a whole number of bytes, not ${describe(w)}`);
  if (w !== undefined && (w < MIN_WINDOW || w > MAX_WINDOW))
    throw new WmError(codes.WM_EINVAL, `${name} (window must be ${MIN_WINDOW} to ${MAX_WINDOW} bytes)`);
  let where = WHERE_ANY;
  if (opts.where === 'main') where = WHERE_HERE;
  else if (opts.where !== undefined) {
    if (typeof opts.where !== 'number' || !Number.isInteger(opts.where))
      throw bad(`where must be a worker number or 'main', not ${describe(opts.where)}`);
    if (opts.where < 1 || opts.where > size)
      throw new WmError(codes.WM_EINVAL, `${name} (where: no worker ${opts.where} in a mesh of ${size})`);
    where = opts.where;
  }
  const timeout = num('timeout');
  const grace = num('grace');
  const s = opts.signal;
  if (s !== undefined && !(typeof AbortSignal !== 'undefined' && s instanceof AbortSignal))
    throw bad(`signal must be an AbortSignal, not ${describe(s)}`);
  if (opts.output !== undefined && typeof opts.output !== 'boolean')
    throw bad(`output must be true or false, not ${describe(opts.output)}`);
  return {
    where,
    window: w ?? 0,
    deadline: timeout === undefined ? -1 : Date.now() + timeout,
    timeout: timeout ?? -1,
    grace: grace ?? GRACE_MS,
    signal: s,
    output: opts.output !== false,
  };
}

export { WHERE_ANY, WHERE_HERE };
