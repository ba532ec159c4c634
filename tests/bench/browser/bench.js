// bench.js: the benchmarks that run inside the page, in Chromium: wmesh on
// Web Workers beside a bare Worker doing the same with raw postMessage.
// Each function returns samples; tests/bench/browser.mjs turns them into
// rows. Nothing here asserts a timing.
import * as Comlink from '../../../node_modules/comlink/dist/esm/comlink.mjs';
import { createMesh } from '../../../js/browser.js';

const MODULE = new URL('../../../build/wmesh_test.js', import.meta.url);
const KiB = 1024;
const MiB = 1024 * KiB;

/** @param {number} n @param {() => Promise<unknown>} f */
async function repeat(n, f) {
  for (let i = 0; i < n; i++) await f();
}

/** @param {number} depth @param {number} n @param {() => Promise<unknown>} op */
async function inFlight(depth, n, op) {
  let left = n;
  const lane = async () => {
    while (left-- > 0) await op();
  };
  const t = performance.now();
  await Promise.all(Array.from({ length: depth }, lane));
  return n / ((performance.now() - t) / 1000);
}

/** a bare worker answering numbers; returns a round-trip function */
function rawCaller(workers) {
  /** @type {Map<number, () => void>} */
  const waiting = new Map();
  for (const w of workers)
    w.onmessage = (e) => {
      waiting.get(e.data)?.();
      waiting.delete(e.data);
    };
  let next = 0;
  return () =>
    new Promise((resolve) => {
      const id = next++;
      waiting.set(id, () => resolve(undefined));
      workers[id % workers.length].postMessage(id);
    });
}

/**
 * upperCaller returns a function that upper-cases bytes on the workers
 * (upper_worker.js), round robin, with raw postMessage: the input cloned,
 * the result transferred back, as the Node payload group's raw baseline.
 * @param {Worker[]} workers
 */
function upperCaller(workers) {
  /** @type {Map<number, (v: unknown) => void>} */
  const waiting = new Map();
  for (const w of workers)
    w.onmessage = (e) => {
      const [id, out] = e.data;
      waiting.get(id)?.(out);
      waiting.delete(id);
    };
  let next = 0;
  return (/** @type {Uint8Array} */ b) =>
    new Promise((resolve) => {
      const id = next++;
      waiting.set(id, resolve);
      workers[id % workers.length].postMessage([id, b]);
    });
}

/**
 * comlinkCaller exposes upper over Comlink on a channel to each worker and
 * returns a function that calls it round robin.
 * @param {Worker[]} workers
 */
function comlinkCaller(workers) {
  const apis = workers.map((w) => {
    const ch = new MessageChannel();
    w.postMessage({ comlink: ch.port2 }, [ch.port2]);
    return Comlink.wrap(ch.port1);
  });
  let next = 0;
  return {
    call: (/** @type {Uint8Array} */ b) => apis[next++ % apis.length].upper(b),
    release: () => apis.forEach((a) => a[Comlink.releaseProxy]()),
  };
}

/**
 * rawPipe streams total bytes in `size` buffers through a worker's echo
 * port; MB/s. Returned buffers are sent again. With `copy`, as a wasm
 * runtime must: each buffer is filled from a stand-in for this page's
 * linear memory, copied in and out of the worker's (echo_worker.js), and
 * copied back into this page's memory (the practical limit, as the Node
 * pipe group's copying loop). With `fresh` as well, what comes back is
 * copied into a new buffer instead, as a stream hands each chunk to its
 * reader in memory of its own: the same loop paying for one new 64 KiB
 * buffer per chunk, which a wmesh output stream also pays (see
 * docs/ARCHITECTURE.md, "Pipes in the browser").
 * @param {Worker} worker
 * @param {number} size
 * @param {number} total
 * @param {number} window
 * @param {{ copy?: boolean, fresh?: boolean }} [o]
 */
function rawPipe(worker, size, total, window, { copy = false, fresh = false } = {}) {
  const memory = new Uint8Array(copy ? 4 << 20 : 0);
  const ch = new MessageChannel();
  worker.postMessage({ port: ch.port2, copy }, [ch.port2]);
  const t = performance.now();
  let sent = 0;
  let got = 0;
  /** @type {ArrayBuffer[]} */
  const spare = [];
  const pump = () => {
    while (sent < total && sent - got + size <= Math.max(window, 2 * size)) {
      const b = spare.pop() ?? new ArrayBuffer(size);
      if (copy) new Uint8Array(b).set(memory.subarray(0, size));
      ch.port1.postMessage(b, [b]);
      sent += size;
    }
  };
  return new Promise((resolve) => {
    /** the last chunk read, kept as a reader would keep it for a while */
    let chunk = null;
    ch.port1.onmessage = (e) => {
      got += e.data.byteLength;
      if (fresh) chunk = new Uint8Array(e.data).slice();
      else if (copy) memory.set(new Uint8Array(e.data));
      spare.push(e.data);
      if (got < total) return pump();
      ch.port1.close();
      if (chunk && chunk.length !== size) throw new Error('raw pipe: short chunk');
      resolve(total / 1e6 / ((performance.now() - t) / 1000));
    };
    pump();
  });
}

/**
 * wmeshPipe streams total bytes through a chain of t_cat stages; MB/s.
 * With byob, the output is read into one buffer of `size`, again and again
 * (its frames then go back to their writer: no new buffer per chunk).
 */
async function wmeshPipe(mesh, stages, size, total, byob = false) {
  const block = new Uint8Array(size);
  async function* src() {
    for (let sent = 0; sent < total; sent += size) yield block;
  }
  const t = performance.now();
  const c = stages === 1 ? mesh.go('t_cat', src()) : mesh.chain(Array(stages).fill('t_cat'), src());
  let got = 0;
  if (byob) {
    const reader = c.output.getReader({ mode: 'byob' });
    let buf = new Uint8Array(size);
    for (;;) {
      const { done, value } = await reader.read(buf);
      if (done) break;
      got += value.length;
      buf = new Uint8Array(value.buffer);
    }
  } else {
    const reader = c.output.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      got += value.length;
    }
  }
  await c.result;
  if (got !== total) throw new Error(`pipe lost bytes: ${got} of ${total}`);
  return total / 1e6 / ((performance.now() - t) / 1000);
}

/**
 * run measures every case; quick makes each small.
 * @param {{ quick: boolean }} o
 */
export async function run({ quick }) {
  const calls = quick ? 300 : 3000;
  const bytes = quick ? 4 * MiB : 32 * MiB;
  const workerUrl = new URL('./echo_worker.js', import.meta.url);
  const raw = [new Worker(workerUrl), new Worker(workerUrl)];
  const mesh = await createMesh({ module: MODULE, workers: 2 });
  const out = {};
  try {
    // Warm both sides up first.
    await repeat(200, () => mesh.go('t_noop', undefined, { output: false }).result);
    const call = rawCaller(raw);
    await repeat(200, call);
    let t = performance.now();
    await repeat(calls, () => mesh.go('t_noop', undefined, { where: 1, output: false }).result);
    const wRtt = ((performance.now() - t) * 1000) / calls;
    const one = rawCaller([raw[0]]);
    t = performance.now();
    await repeat(calls, one);
    out.rtt = { wmesh: wRtt, raw: ((performance.now() - t) * 1000) / calls };
    rawCaller(raw); // both workers answer again
    out.throughput = {};
    for (const depth of [1, 16, 256]) {
      const n = Math.max(calls, depth * 4);
      out.throughput[depth] = {
        wmesh: await inFlight(depth, n, () => mesh.go('t_noop', undefined, { output: false }).result),
        raw: await inFlight(depth, n, rawCaller(raw)),
      };
    }
    out.pipe = {
      wmesh: await wmeshPipe(mesh, 1, 64 * KiB, bytes),
      byob: await wmeshPipe(mesh, 1, 64 * KiB, bytes, true),
      raw: await rawPipe(raw[0], 64 * KiB, bytes, 512 * KiB),
      copy: await rawPipe(raw[0], 64 * KiB, bytes, 512 * KiB, { copy: true }),
      fresh: await rawPipe(raw[0], 64 * KiB, bytes, 512 * KiB, { copy: true, fresh: true }),
    };
    out.chain = {};
    for (const stages of [1, 2, 4, 8]) out.chain[stages] = await wmeshPipe(mesh, stages, 64 * KiB, bytes);
    // Small calls with payload, as the Node group payload: upper-casing
    // 32 B and 4 KiB, one at a time and 256 in flight, on two workers
    // each. After the pipes, whose figures its four extra workers would
    // otherwise share the machine with.
    const upperUrl = new URL('./upper_worker.js', import.meta.url);
    const uw = [new Worker(upperUrl, { type: 'module' }), new Worker(upperUrl, { type: 'module' })];
    const cw = [new Worker(upperUrl, { type: 'module' }), new Worker(upperUrl, { type: 'module' })];
    const rawUpper = upperCaller(uw);
    const com = comlinkCaller(cw);
    try {
      out.payload = {};
      for (const size of [32, 4 * KiB]) {
        const input = new Uint8Array(size).fill(97);
        const subjects = {
          wmesh: () => mesh.go('t_upper', input).bytes(),
          raw: () => rawUpper(input),
          comlink: () => com.call(input),
        };
        for (const f of Object.values(subjects)) await repeat(200, f);
        for (const depth of [1, 256]) {
          const n = Math.max(calls, depth * 8);
          const r = {};
          // In turn, twice, each subject's better run kept: the page's
          // threads share the machine with the driver.
          for (const [k, f] of Object.entries(subjects)) r[k] = await inFlight(depth, n, f);
          for (const [k, f] of Object.entries(subjects)) r[k] = Math.max(r[k], await inFlight(depth, n, f));
          out.payload[`${size}/${depth}`] = r;
        }
      }
    } finally {
      com.release();
      [...uw, ...cw].forEach((w) => w.terminate());
    }
    // Pipe ends finish their close handshake a few turns after the last
    // result: wait for that (a bounded number of turns, not a time).
    let s = (await mesh.stats()).total;
    for (let i = 0; i < 200 && (s.pipes || s.calls || s.running); i++) {
      await new Promise((r) => setTimeout(r, 5));
      s = (await mesh.stats()).total;
    }
    out.alive = { pipes: s.pipes, calls: s.calls, running: s.running };
  } finally {
    await mesh.close();
    raw.forEach((w) => w.terminate());
  }
  return out;
}

// @ts-ignore: the driver calls it through the page
window.wmeshBench = run;
