// pattern.js: deterministic test data, the same in Node and in a browser.

/**
 * pattern makes n deterministic pseudo-random bytes (xorshift32).
 * @param {number} n
 * @param {number} [seed]
 */
export function pattern(n, seed = 1) {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
