// upper.mjs: the baselines' version of t_upper (tests/c/test_fns.c): ASCII
// a-z upper-cased into a new buffer, the work a small real call does.

/**
 * upper returns b with ASCII a-z upper-cased, in a new Uint8Array.
 * @param {Uint8Array} b
 * @returns {Uint8Array}
 */
export function upper(b) {
  const o = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    o[i] = c >= 97 && c <= 122 ? c - 32 : c;
  }
  return o;
}
