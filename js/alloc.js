// alloc.js: buffers for frames that are filled completely before they are
// sent, so that what they held before never shows.

/**
 * @typedef {(n: number) => Uint8Array} Alloc
 */

/** @type {{ allocUnsafeSlow?: (n: number) => Uint8Array } | undefined} */
const NodeBuffer = /** @type {any} */ (globalThis).Buffer;

/**
 * uninitialized returns a Uint8Array of n bytes over an ArrayBuffer of its
 * own, exactly n bytes long, that can be transferred. In Node it skips the
 * zeroing that `new Uint8Array(n)` does (a third of the cost of a 64 KiB
 * chunk's buffer); elsewhere it is `new Uint8Array(n)`. The caller must
 * write every byte before anything reads it.
 * @type {Alloc}
 */
export const uninitialized =
  typeof NodeBuffer?.allocUnsafeSlow === 'function'
    ? (n) => {
        // allocUnsafeSlow never takes from the shared pool: the buffer is
        // the Uint8Array's alone, and transferable.
        const b = /** @type {Uint8Array} */ (/** @type {any} */ (NodeBuffer).allocUnsafeSlow(n));
        return new Uint8Array(b.buffer, 0, n);
      }
    : (n) => new Uint8Array(n);
