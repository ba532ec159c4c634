// upper_worker.js: the browser baselines for small calls with payload (a
// module worker). A message [id, bytes] comes back as [id, upper(bytes)],
// the result's buffer transferred, as tests/bench/upper_worker.mjs in
// Node; a message { comlink: port } exposes upper over Comlink on port.
import * as Comlink from '../../../node_modules/comlink/dist/esm/comlink.mjs';

import { upper } from '../upper.mjs';

self.onmessage = (e) => {
  const m = e.data;
  if (Array.isArray(m)) {
    const o = upper(m[1]);
    self.postMessage([m[0], o], [o.buffer]);
  } else if (m && m.comlink) {
    Comlink.expose({ upper }, m.comlink);
  }
};
