// streams.mjs: moving a known number of bytes main → stage(s) → main, once
// through wmesh and once through raw relay workers, for the pipe and chain
// groups.
import { MessageChannel } from 'node:worker_threads';

/** @typedef {import('node:worker_threads').Worker} Worker */

/**
 * wmeshStream sends total bytes in writes of `size` through fns (one: a
 * plain call; more: a chain) and reads the whole output. The one input
 * buffer is yielded again and again: the runtime copies each write before it
 * asks for the next, so the test does not pay for allocation.
 * @param {import('../../js/mesh.js').Mesh} mesh
 * @param {string[]} fns
 * @param {number} size
 * @param {number} total a multiple of size
 * @param {boolean} [byob] read the output with a BYOB reader into one
 *   reused buffer, as the raw copying loop copies out into its memory:
 *   the frames then go back to the writer (docs/ARCHITECTURE.md, "Pipes in
 *   the browser"); else with a default reader, which keeps every chunk
 * @returns {Promise<number>} ms
 */
export async function wmeshStream(mesh, fns, size, total, byob = false) {
  const chunk = new Uint8Array(size).fill(0x5a);
  function* input() {
    for (let sent = 0; sent < total; sent += size) yield chunk;
  }
  const t = performance.now();
  const call = fns.length === 1 ? mesh.go(fns[0], input()) : mesh.chain(fns, input());
  let got = 0;
  if (byob) {
    const reader = call.output.getReader({ mode: 'byob' });
    let buf = byobBuffer;
    for (;;) {
      const { done, value } = await reader.read(buf);
      if (!value) throw new Error('bench: the BYOB read returned no buffer');
      buf = new Uint8Array(value.buffer);
      if (done) break;
      got += value.length;
    }
    byobBuffer = buf;
  } else {
    const reader = call.output.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      got += value.length;
    }
  }
  await call.result;
  const ms = performance.now() - t;
  if (got !== total) throw new Error(`bench: ${fns.join('|')} returned ${got} of ${total} bytes`);
  return ms;
}

/** The BYOB reads' buffer, reused from one stream to the next (each read
 * transfers it, and the result is a view of it again). */
let byobBuffer = new Uint8Array(1 << 20);

/**
 * rawStream sends total bytes in transferred ArrayBuffers of `size` through
 * `stages` relays spread round robin over the workers (as wmesh spreads a
 * chain's stages) and back. At most `window` bytes are in flight, but always
 * two buffers, so that large writes still overlap. Returned buffers are sent
 * again: no allocation, no copy.
 * @param {Worker[]} workers running relay_worker.mjs
 * @param {number} stages
 * @param {number} size
 * @param {number} total a multiple of size
 * @param {number} window
 * @param {boolean} [copy] copy in and out of linear memory at every end,
 *   as a wasm runtime must (relay_worker.mjs)
 * @returns {Promise<number>} ms
 */
export function rawStream(workers, stages, size, total, window, copy = false) {
  const memory = new Uint8Array(copy ? 4 << 20 : 0);
  const t = performance.now();
  const chans = Array.from({ length: stages + 1 }, () => new MessageChannel());
  for (let i = 0; i < stages; i++) {
    const from = chans[i].port2;
    const to = chans[i + 1].port1;
    workers[i % workers.length].postMessage({ in: from, out: to, copy }, [from, to]);
  }
  const src = chans[0].port1;
  const sink = chans[stages].port2;
  const limit = Math.max(window, 2 * size);
  /** @type {ArrayBuffer[]} */
  const spare = [];
  let sent = 0;
  let got = 0;
  const pump = () => {
    while (sent < total && sent - got + size <= limit) {
      const b = spare.pop() ?? new ArrayBuffer(size);
      if (copy) new Uint8Array(b).set(memory.subarray(0, size));
      src.postMessage(b, [b]);
      sent += size;
    }
  };
  return new Promise((resolve) => {
    sink.on('message', (/** @type {ArrayBuffer} */ b) => {
      got += b.byteLength;
      if (copy) memory.set(new Uint8Array(b));
      spare.push(b);
      if (got < total) return pump();
      src.close();
      sink.close();
      resolve(performance.now() - t);
    });
    pump();
  });
}
