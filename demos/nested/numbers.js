// numbers.js: the nested sort demo's input, the same in Node and in the
// page: deterministic pseudo-random u32s (xorshift32), little-endian as
// psort reads them.

/**
 * numbers makes count pseudo-random u32s from a seed.
 * @param {number} count
 * @param {number} [seed]
 */
export function numbers(count, seed = 12345) {
  const nums = new Uint32Array(count);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    nums[i] = x;
  }
  return nums;
}
