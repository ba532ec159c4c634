// echo_worker.js: the browser baselines' worker. A number is posted back as
// it is (the call ping-pong); a port handed over echoes every ArrayBuffer it
// receives, transferred (the pipe's limit, with no copy). With `copy`, each
// buffer is first copied into a stand-in for linear memory and back out, as
// a wasm instance must (tests/bench/relay_worker.mjs does the same in Node).

/** This worker's stand-in for a wasm instance's linear memory. */
const memory = new Uint8Array(4 << 20);

self.onmessage = (e) => {
  const m = e.data;
  if (m && m.port) {
    const port = /** @type {MessagePort} */ (m.port);
    const copy = !!m.copy;
    port.onmessage = (ev) => {
      if (copy) {
        const u = new Uint8Array(ev.data);
        memory.set(u);
        u.set(memory.subarray(0, u.length));
      }
      port.postMessage(ev.data, [ev.data]);
    };
    return;
  }
  self.postMessage(m);
};
