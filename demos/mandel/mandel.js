// mandel.js: a Mandelbrot image split into tiles, each rendered by
// mandel_tile (mandel_fns.c) on whichever worker is free. For Node
// (run.mjs), the page (web/) and the tests: no node:* imports here.

/**
 * @typedef {object} View
 * @property {number} cx centre, real part
 * @property {number} cy centre, imaginary part
 * @property {number} scale width of the image in the complex plane
 * @property {number} width pixels
 * @property {number} height pixels
 * @property {number} maxiter iterations before a point counts as inside
 *
 * @typedef {{ x: number, y: number, w: number, h: number, params: Uint8Array }} Tile
 */

/** @type {View} */
export const DEFAULT_VIEW = { cx: -0.743643887, cy: 0.131825904, scale: 0.012, width: 768, height: 512, maxiter: 1500 };

/**
 * tiles cuts the view into tiles of at most size x size pixels, each with
 * the 40-byte parameters mandel_tile reads.
 * @param {View} v
 * @param {number} size
 * @returns {Tile[]}
 */
export function tiles(v, size = 64) {
  const step = v.scale / v.width;
  const x0 = v.cx - (v.width / 2) * step;
  const y0 = v.cy - (v.height / 2) * step;
  /** @type {Tile[]} */
  const out = [];
  for (let y = 0; y < v.height; y += size)
    for (let x = 0; x < v.width; x += size) {
      const w = Math.min(size, v.width - x);
      const h = Math.min(size, v.height - y);
      const params = new Uint8Array(40);
      const d = new DataView(params.buffer);
      d.setFloat64(0, x0 + x * step, true);
      d.setFloat64(8, y0 + y * step, true);
      d.setFloat64(16, step, true);
      d.setUint32(24, w, true);
      d.setUint32(28, h, true);
      d.setUint32(32, v.maxiter, true);
      out.push({ x, y, w, h, params });
    }
  return out;
}

/**
 * reference renders a tile in JS with the same double arithmetic as the C,
 * so a tile from the mesh can be checked byte for byte.
 * @param {Uint8Array} params
 * @returns {Uint8Array}
 */
export function reference(params) {
  const d = new DataView(params.buffer, params.byteOffset, params.byteLength);
  const x0 = d.getFloat64(0, true);
  const y0 = d.getFloat64(8, true);
  const step = d.getFloat64(16, true);
  const w = d.getUint32(24, true);
  const h = d.getUint32(28, true);
  const maxiter = d.getUint32(32, true);
  const out = new Uint8Array(w * h * 4);
  for (let j = 0; j < h; j++) {
    const cy = y0 + j * step;
    for (let i = 0; i < w; i++) {
      const cx = x0 + i * step;
      let x = 0, y = 0, xx = 0, yy = 0, n = 0;
      while (n < maxiter && xx + yy <= 4) {
        y = 2 * x * y + cy;
        x = xx - yy + cx;
        xx = x * x;
        yy = y * y;
        n++;
      }
      const p = 4 * (j * w + i);
      if (n < maxiter) {
        const t = Math.sqrt(n / maxiter);
        const s = 1 - t;
        out[p] = Math.trunc(9 * s * t * t * t * 255);
        out[p + 1] = Math.trunc(15 * s * s * t * t * 255);
        out[p + 2] = Math.trunc(8.5 * s * s * s * t * 255);
      }
      out[p + 3] = 255;
    }
  }
  return out;
}

/**
 * render renders every tile through the mesh, at most `lanes` tiles in
 * flight, and blits each into one RGBA image as it arrives. With `workers`
 * set, lane k keeps to worker (k mod workers) + 1, so that a run can be
 * held to fewer workers than the mesh has, to measure the speedup.
 * @param {import('../../js/mesh.js').Mesh} mesh
 * @param {View} v
 * @param {{ tile?: number, workers?: number, lanes?: number, onTile?: (t: Tile, px: Uint8Array) => void }} [o]
 * @returns {Promise<{ pixels: Uint8Array, ms: number, tiles: number }>}
 */
export async function render(mesh, v, o = {}) {
  const list = tiles(v, o.tile ?? 64);
  const pixels = new Uint8Array(v.width * v.height * 4);
  const workers = o.workers ?? 0;
  // Two calls per worker keep each busy while the other's result travels.
  const lanes = o.lanes ?? 2 * (workers || mesh.size || 1);
  let next = 0;
  const t0 = performance.now();
  /** @param {number} k */
  const lane = async (k) => {
    while (next < list.length) {
      const t = list[next++];
      const px = await mesh.go('mandel_tile', t.params, workers ? { where: (k % workers) + 1 } : {}).bytes();
      for (let row = 0; row < t.h; row++)
        pixels.set(px.subarray(row * t.w * 4, (row + 1) * t.w * 4), ((t.y + row) * v.width + t.x) * 4);
      o.onTile?.(t, px);
    }
  };
  await Promise.all(Array.from({ length: lanes }, (_, k) => lane(k)));
  return { pixels, ms: performance.now() - t0, tiles: list.length };
}
