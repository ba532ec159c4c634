// serve.js: the worker side of the worker protocol, shared by the Node
// worker (js/worker.js) and the browser worker (js/worker-browser.js). It
// instantiates the module the main thread compiled (posted to it, never
// fetched or compiled here), then relays control frames between the main
// instance and its own core. It knows the main thread only as a link
// (js/link/link.js).
import { Host, instantiate } from './host.js';

/**
 * serve runs one worker instance.
 * @param {object} o
 * @param {number} o.self this worker's instance number
 * @param {string} o.glue URL of the module's glue
 * @param {(glue: string) => (opts: object) => Promise<any>} o.loadFactory
 * @param {import('./link/link.js').Link} o.link to the main thread
 */
export function serve({ self, glue, loadFactory, link }) {
  const host = new Host({
    self,
    postCtrl: (dest, msg, transfer) => {
      // A worker talks to the main instance only; dest is always 0.
      if (dest === 0) link.send(msg, transfer);
    },
  });
  /** @param {object} m @param {Transferable[]} t */
  const post = (m, t) => link.send(m, t);

  /** @type {any[]} frames that arrived before the module was ready */
  let early = [];

  link.onMessage((m) => {
    if (m == null) return;
    // A string (even an empty one) is a control frame (js/host.js); objects say what they are.
    if (typeof m === 'string' || m.t === 'f' || m.t === 'fs') {
      if (!host.M) early.push(m);
      else host.receiveCtrl(0, m);
      return;
    }
    if (typeof m !== 'object') return;
    if (m.t === 'init') {
      // An async function, so that a glue that cannot be loaded (Node's
      // require throws at once) is reported as fatal, not as a crash.
      const start = async () => instantiate(loadFactory(glue), m.wasm, host);
      start().then(
        (M) => {
          // The mesh's size lets the core split a chain made here into as many
          // blocks of stages as there are workers.
          M._wm__init(self, Number.isInteger(m.workers) && m.workers > 0 ? m.workers : 0, 1, 0);
          post({ t: 'ready' }, []);
          const q = early;
          early = [];
          q.forEach((e) => host.receiveCtrl(0, e));
        },
        (e) => post({ t: 'fatal', error: String(e && e.stack ? e.stack : e) }, []),
      );
    } else if (m.t === 'stats') {
      post({ t: 'stats', id: m.id, s: host.stats() }, []);
    } else if (m.t === 'dump') {
      post({ t: 'dump', id: m.id, s: host.M ? host.dump() : '' }, []);
    }
  });
}
