// echo_worker.js: the browser baselines' worker. A number is posted back as
// it is (the call ping-pong); a port handed over echoes every ArrayBuffer it
// receives, transferred (the pipe's practical limit, with no copy).
self.onmessage = (e) => {
  const m = e.data;
  if (m && m.port) {
    const port = /** @type {MessagePort} */ (m.port);
    port.onmessage = (ev) => port.postMessage(ev.data, [ev.data]);
    return;
  }
  self.postMessage(m);
};
