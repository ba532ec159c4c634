// supervisor.js: the main thread's workers. It starts them (through the
// env's spawn, which returns a link), hands their control messages to the
// main instance, replaces one that exits (after a backoff if it died while
// starting), and asks them for stats and dumps. It knows a worker only as a
// link (js/link/link.js): a worker's end is its link's onGone.

/**
 * @typedef {import('./link/link.js').WorkerLink} WorkerLink
 *
 * @typedef {object} SupervisorHooks what the supervisor tells the mesh
 * @property {(i: number, m: any) => void} ctrl a control message (js/host.js
 *   CtrlMessage) from worker i, for the main instance
 * @property {(i: number) => boolean} exited worker i is gone: its calls are
 *   to fail (WM_EDIED); false if the main instance is not running yet (the
 *   worker is then not replaced)
 * @property {(i: number) => void} up worker i's replacement is ready
 * @property {(type: string, detail: object) => void} [event] a worker's
 *   lifecycle, for the mesh's listeners: 'workerexit' { worker, reason },
 *   'workerstart' { worker, restarts } (a replacement is ready),
 *   'workerstartfail' { worker, error, retryIn } (a replacement died
 *   before it was ready; the next tries after retryIn ms)
 */

/** The first and the longest wait before a worker that died while
 * starting is started again (ms). */
const RESTART_MIN = 50;
const RESTART_MAX = 2000;
/** How long stats() and dump() wait for a worker's answer (ms). */
export const ASK_TIMEOUT = 500;

export class Supervisor {
  /**
   * @param {typeof import('./env/node.js')} env the platform (js/mesh.js Env)
   * @param {string | URL} glue the module's glue
   * @param {SupervisorHooks} hooks
   */
  constructor(env, glue, hooks) {
    this.env = env;
    this.glue = glue;
    this.hooks = hooks;
    /** the links to the workers, index 1..n @type {WorkerLink[]} */
    this.links = [];
    /** @type {Map<number, {worker: number, resolve: (s: object) => void}>} */
    this.statWaits = new Map();
    this.nextAsk = 1;
    /** workers that have exited and are not yet replaced @type {Set<number>} */
    this.dead = new Set();
    /** how many workers have been replaced */
    this.restarts = 0;
    /** per worker, replacements that died before they were ready @type {Map<number, number>} */
    this.failedStarts = new Map();
    /** per worker, the timer of a replacement waiting out its backoff
     * @type {Map<number, ReturnType<typeof setTimeout>>} */
    this.restartTimers = new Map();
    /** @type {WebAssembly.Module | null} */
    this.wasm = null;
    /** the number of workers asked for, told to each worker */
    this.meshSize = 0;
    /** the mesh is closed: nothing is replaced, nothing more is heard */
    this.closed = false;
  }

  /** the number of workers */
  get size() {
    return this.links.length - 1;
  }

  /**
   * start starts workers 1..n with the compiled module; the promise
   * settles when all are ready, or rejects with the first failure.
   * @param {WebAssembly.Module} wasm
   * @param {number} n
   */
  start(wasm, n) {
    this.wasm = wasm;
    this.meshSize = n;
    const ready = [];
    for (let i = 1; i <= n; i++) ready.push(this.#spawn(i));
    return Promise.all(ready);
  }

  /** @param {number} i @param {any} m a message from worker i, checked here */
  #fromWorker(i, m) {
    if (this.closed || m == null) return;
    // A string (even an empty one) is a control frame (js/host.js); objects say what they are.
    if (typeof m === 'string' || m.t === 'f' || m.t === 'fs') this.hooks.ctrl(i, m);
    else if (m.t === 'stats' || m.t === 'dump') this.statWaits.get(m.id)?.resolve(m.s);
  }

  /**
   * #spawn starts worker i; the promise settles when it is ready or fails.
   * @param {number} i
   */
  #spawn(i) {
    const env = this.env;
    const w = env.spawn({ self: i, glue: env.glueUrl(this.glue) });
    this.links[i] = w;
    /** why it failed to start, if it said @type {string | null} */
    let fatal = null;
    return new Promise((resolve, reject) => {
      w.onMessage((m) => {
        if (m?.t === 'ready') resolve(undefined);
        else if (m?.t === 'fatal') {
          fatal = `failed to start: ${m.error}`;
          reject(new Error(`wmesh: worker ${i} failed to start: ${m.error}`));
          // It exits, so that its exit handler replaces it (after a backoff).
          if (this.links[i] === w) w.terminate();
        }
        else if (this.links[i] === w) this.#fromWorker(i, m);
      });
      w.onGone((why) => {
        reject(new Error(`wmesh: worker ${i} exited: ${why}`));
        if (this.links[i] === w) this.#gone(i, fatal ?? why);
      });
      w.send({ t: 'init', wasm: this.wasm, workers: this.meshSize });
    });
  }

  /** #gone handles worker i's end. @param {number} i */
  #gone(i, why = '') {
    this.dead.add(i);
    for (const w of this.statWaits.values()) if (w.worker === i) w.resolve({ dead: 1 });
    if (this.closed) return;
    // Its calls fail with WM_EDIED (and, with no worker left, queued ones
    // with WM_ENOWORKER); then a replacement takes its place.
    if (!this.hooks.exited(i)) return;
    // Replacements go on for as long as the mesh lives; one that dies
    // before it is ready waits twice as long as the last before the next
    // (from RESTART_MIN to RESTART_MAX ms), so that a module that cannot
    // start costs little.
    const streak = this.failedStarts.get(i) ?? 0;
    this.failedStarts.set(i, streak + 1);
    const delay = streak === 0 ? 0 : Math.min(RESTART_MAX, RESTART_MIN * 2 ** (streak - 1));
    if (streak === 0) this.hooks.event?.('workerexit', { worker: i, reason: why });
    else this.hooks.event?.('workerstartfail', { worker: i, error: why, retryIn: delay });
    const timer = setTimeout(() => {
      this.restartTimers.delete(i);
      if (this.closed) return;
      this.restarts++;
      this.#spawn(i).then(
        () => {
          if (this.closed) return;
          this.failedStarts.delete(i);
          this.dead.delete(i);
          this.hooks.up(i);
          this.hooks.event?.('workerstart', { worker: i, restarts: this.restarts });
        },
        () => {}, // its own exit handler runs, and replaces it again
      );
    }, delay);
    this.restartTimers.set(i, timer);
  }

  /**
   * terminate ends worker i by force; it is then replaced.
   * @param {number} i
   */
  terminate(i) {
    this.links[i]?.terminate();
  }

  /**
   * kill is terminate, for a worker's request (wm_halt's grace is over):
   * nothing once the mesh is closed, or for a worker already dead.
   * @param {number} i
   */
  kill(i) {
    if (!this.closed && !this.dead.has(i)) this.links[i]?.terminate();
  }

  /**
   * ask sends a question to every worker and collects the answers; a dead
   * worker answers `dead`.
   * @param {'stats' | 'dump'} t
   * @param {any} dead the answer of a dead worker
   * @param {any} mute the answer of one that does not answer in time
   * @param {number} [timeout] ms
   * @returns {Promise<any[]>}
   */
  ask(t, dead, mute, timeout = ASK_TIMEOUT) {
    return Promise.all(
      this.links.slice(1).map(
        (w, i) =>
          new Promise((resolve) => {
            if (this.dead.has(i + 1)) return resolve(dead);
            const id = this.nextAsk++;
            const timer = setTimeout(() => {
              this.statWaits.delete(id);
              resolve(mute);
            }, timeout);
            this.statWaits.set(id, {
              worker: i + 1,
              resolve: (s) => {
                clearTimeout(timer);
                this.statWaits.delete(id);
                resolve(s);
              },
            });
            w.send({ t, id });
          }),
      ),
    );
  }

  /** stop stops supervising: no more messages are heard, and no worker is
   * replaced. The workers still run until close(). */
  stop() {
    this.closed = true;
    for (const t of this.restartTimers.values()) clearTimeout(t);
    this.restartTimers.clear();
  }

  /** close ends every worker. */
  async close() {
    this.stop();
    await Promise.all(this.links.slice(1).map((w) => w.close()));
  }
}
