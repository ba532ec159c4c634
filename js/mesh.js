// mesh.js: the main thread's side of a mesh. It compiles the module once,
// starts the workers, instantiates the module here too (the main instance is
// part of the mesh and runs the coordinator), and offers calls to JS.
import { WmError, codes } from './errors.js';
import { Host, instantiate } from './host.js';
import { WHERE_ANY, WHERE_HERE, checkInput, checkOptions, fnKey } from './options.js';
import { PortWriter, collect, deferredOutput, readableFromPort, toBytes } from './pipe.js';
import { subscribeRequest } from './topic.js';
import { CHUNK, DEFAULT_WINDOW } from './wire.js';

/**
 * wholeInput returns an input that is known whole (bytes or a string) as
 * bytes, or null for a stream or an iterable.
 * @param {unknown} input
 * @returns {Uint8Array | null}
 */
function wholeInput(input) {
  if (typeof input === 'string' || input instanceof ArrayBuffer || ArrayBuffer.isView(input))
    return toBytes(/** @type {any} */ (input));
  return null;
}

/**
 * @typedef {import('./pipe.js').Input} Input
 * @typedef {typeof import('./env/node.js')} Env what a mesh needs from its
 *   platform: js/env/node.js or js/env/browser.js, chosen by the entry point
 *   (js/index.js or js/browser.js) so that a browser build never sees node:*
 * @typedef {object} MeshOptions
 * @property {string | URL} module path or file: URL of the module's glue (.js)
 * @property {string | URL | ArrayBuffer | Uint8Array | WebAssembly.Module} [wasm]
 *   the module's binary; default: the glue's path with .wasm
 * @property {number} [workers] how many workers; default: the number of cores
 * @property {number} [concurrency] calls running at once per worker (64)
 * @property {number} [queue] calls waiting for a worker, at most (65536)
 *
 * @typedef {object} CallOptions
 * @property {number | 'main'} [where] a worker number from 1, or 'main' to
 *   run in a fiber of the main instance; default: the least-loaded worker
 * @property {number} [timeout] ms the whole call may take: one still queued
 *   then fails with WM_ETIMEDOUT, and a running one sees WM_ETIMEDOUT from
 *   every blocking call, as if cancelled; one that computes on without
 *   blocking is stopped with its worker after the grace (WM_ETIMEDOUT)
 * @property {AbortSignal} [signal] cancels the call (and every call it made):
 *   its blocking calls return WM_ECANCELED
 * @property {number} [grace] ms a cancelled call has to end before its
 *   worker is terminated (and replaced); the call then fails with WM_EDIED
 *   (default 1000)
 * @property {number} [window] bytes in flight per pipe (512 KiB; from
 *   1 KiB, MIN_WINDOW in js/options.js, to 64 MiB)
 * @property {boolean} [output] false: the function gets no output pipe
 *
 * @typedef {object} Pending a JS call in flight, by its token
 * @property {(rc: number) => void} resolve
 * @property {(e: Error) => void} reject
 * @property {string} name
 * @property {(() => void) | undefined} ready told when the function calls
 *   wm_ready (start()'s)
 * @property {import('./pipe.js').DeferredOutput | null} out its output, if
 *   deferred
 * @property {Promise<number>} [settled] its result
 * @property {number} [forced] the code it fails with if its worker is
 *   stopped (WM_ETIMEDOUT: its deadline passed)
 * @property {unknown} [inputError] what failed as its input was read
 */

/** wm__js_call's out_port for a deferred output (WM__JS_DEFER). */
const OUT_DEFER = -2;

/** The first and the longest wait before a worker that died while
 * starting is started again (ms). */
const RESTART_MIN = 50;
const RESTART_MAX = 2000;
/** The most workers a mesh may have: far above any machine's cores (more
 * workers than cores only add switching), and low enough that a typo such
 * as 10000 fails at once instead of starting thousands of threads. */
const MAX_WORKERS = 255;
/** How long stats() and dump() wait for a worker's answer (ms). */
const ASK_TIMEOUT = 500;

/** Call is one call in flight. */
export class Call {
  /** @type {ReadableStream<Uint8Array> | null} */
  #output;
  /** @type {import('./pipe.js').DeferredOutput | null} */
  #deferred;

  /**
   * @param {string} name
   * @param {ReadableStream<Uint8Array> | import('./pipe.js').DeferredOutput | null} output
   * @param {Promise<number>} result
   */
  constructor(name, output, result) {
    /** the function's name, or the chain's names joined by '|' */
    this.name = name;
    this.#output = output instanceof ReadableStream ? output : null;
    this.#deferred = output instanceof ReadableStream ? null : output;
    /** resolves with the function's result (0), rejects with a WmError */
    this.result = result;
  }

  /** the output has been handed out (output, bytes() or text()) */
  #taken = false;

  /** the call's output; empty if the call was made with output: false.
   * Made on first use: most such calls never look, and a stream is the
   * largest cost of an empty call. Taking it takes the output: bytes() and
   * text() then reject. @returns {ReadableStream<Uint8Array>} */
  get output() {
    this.#taken = true;
    this.#output ??= this.#deferred
      ? this.#deferred.stream()
      : new ReadableStream({ start: (c) => c.close() });
    return this.#output;
  }

  /** bytes collects the whole output and the result; rejects on either's
   * failure. An output is read once: a second bytes(), text() or one after
   * `output` was taken rejects at once with a TypeError.
   * @returns {Promise<Uint8Array>} */
  async bytes() {
    if (this.#taken) throw new TypeError(`wmesh: ${this.name}: the call's output was already taken`);
    this.#taken = true;
    if (this.#deferred && !this.#output) {
      const [out] = await Promise.all([this.#deferred.all(), this.result]);
      return out;
    }
    if (!this.#output) return this.result.then(() => new Uint8Array(0));
    const [out] = await Promise.all([collect(this.#output), this.result]);
    return out;
  }

  /** text is bytes() decoded as UTF-8. @returns {Promise<string>} */
  async text() {
    return new TextDecoder().decode(await this.bytes());
  }
}

/**
 * Service is a started service: a Call that is ready and runs until halted.
 * `result` settles when it ends, early or not.
 */
export class Service {
  /**
   * @param {Call} call
   * @param {(grace?: number) => void} cancel
   */
  constructor(call, cancel) {
    this.call = call;
    this.name = call.name;
    this.#cancel = cancel;
  }

  #cancel;

  /** the service's output stream */
  get output() {
    return this.call.output;
  }

  /** settles when the service ends: its result, or a WmError */
  get result() {
    return this.call.result;
  }

  /**
   * halt cancels the service and waits for it to end; after `grace` ms it
   * is stopped with its worker. Resolves with its result code (a service
   * halted while serving usually reports WM_ECANCELED; one stopped by force
   * WM_EDIED); never rejects.
   * @param {number} [grace]
   * @returns {Promise<number>}
   */
  async halt(grace = 1000) {
    this.#cancel(grace);
    return this.call.result.then(
      (rc) => rc,
      (e) => (e instanceof WmError ? e.code : codes.WM_EINVAL),
    );
  }
}

/**
 * haltAll halts services in reverse order of their start.
 * @param {Service[]} services
 * @param {number} [grace]
 * @returns {Promise<number[]>} their results, in the order given
 */
export async function haltAll(services, grace) {
  const out = new Array(services.length);
  for (let i = services.length - 1; i >= 0; i--) out[i] = await services[i].halt(grace);
  return out;
}

/** Mesh is a running mesh: made by createMesh, ended by close. */
export class Mesh {
  /** @param {MeshOptions} o @param {Env} env @internal use createMesh */
  constructor(o, env) {
    this.options = o;
    this.env = env;
    /** @type {ReturnType<Env['spawn']>[]} index 1..n */
    this.workers = [];
    /** @type {Map<number, Pending>} */
    this.pending = new Map();
    /** @type {Map<number, {worker: number, resolve: (s: object) => void}>} */
    this.statWaits = new Map();
    /** workers that have exited and are not yet replaced @type {Set<number>} */
    this.dead = new Set();
    /** how many workers have been replaced */
    this.restarts = 0;
    /** per worker, replacements that died before they were ready @type {Map<number, number>} */
    this.failedStarts = new Map();
    /** per worker, the timer of a replacement waiting out its backoff
     * @type {Map<number, ReturnType<typeof setTimeout>>} */
    this.restartTimers = new Map();
    /** the promise of close(), once it has begun @type {Promise<void> | null} */
    this.closePromise = null;
    /** @type {WebAssembly.Module | null} */
    this.wasm = null;
    /** the number of workers asked for, told to each worker */
    this.meshSize = 0;
    this.nextToken = 1;
    this.closed = false;
    /** close() has begun: no new calls */
    this.closing = false;
    this.host = new Host({
      self: 0,
      postCtrl: (dest, msg, transfer) => this.workers[dest]?.post(msg, transfer),
      // With other JS calls in flight, a call's frame may wait for theirs.
      batchCtrl: () => this.pending.size > 1,
      onDone: (token, rc) => this.#done(token, rc),
      onReady: (token) => this.pending.get(token)?.ready?.(),
      onOut: (token, status, bytes) => this.pending.get(token)?.out?.whole(bytes, status),
      onOutPort: (token, port) => {
        const out = this.pending.get(token)?.out;
        if (out) out.port(port);
        else port.close();
      },
      // A worker asked (wm_halt's grace is over) to stop another one.
      onKill: (w) => {
        if (!this.closed && !this.dead.has(w)) this.workers[w]?.terminate();
      },
    });
    /** @type {Map<string, number>} */
    this.indices = new Map();
  }

  /** @param {MeshOptions} o @internal */
  async launch(o) {
    const env = this.env;
    const glue = o.module;
    const wasmSrc = o.wasm ?? String(glue).replace(/\.js$/, '.wasm');
    const wasm = await env.compile(wasmSrc);
    this.wasm = wasm;
    const n = o.workers ?? env.cores();
    this.meshSize = n;
    const ready = [];
    for (let i = 1; i <= n; i++) ready.push(this.#spawn(i));
    // Whatever fails first, the workers already started are ended and no
    // rejection is left unhandled.
    const all = Promise.all(ready);
    all.catch(() => {});
    try {
      const M = await instantiate(env.loadFactory(glue), wasm, this.host);
      const rc = M._wm__init(0, n, o.concurrency ?? 64, o.queue ?? 65536);
      if (rc) throw new WmError(rc);
      await all;
    } catch (e) {
      await this.close();
      throw e;
    }
    return this;
  }

  /** the number of workers */
  get size() {
    return this.workers.length - 1;
  }

  /** @param {number} i @param {any} m a message from worker i, checked here */
  #fromWorker(i, m) {
    if (this.closed || m == null) return;
    // A string (even an empty one) is a control frame (js/host.js); objects say what they are.
    if (typeof m === 'string' || m.t === 'f' || m.t === 'fs') this.host.receiveCtrl(i, m);
    else if (m.t === 'stats' || m.t === 'dump') this.statWaits.get(m.id)?.resolve(m.s);
  }

  /**
   * #spawn starts worker i; the promise settles when it is ready or fails.
   * @param {number} i
   */
  #spawn(i) {
    const env = this.env;
    const w = env.spawn({ self: i, glue: env.glueUrl(this.options.module) });
    this.workers[i] = w;
    return new Promise((resolve, reject) => {
      w.onMessage((m) => {
        if (m?.t === 'ready') resolve(undefined);
        else if (m?.t === 'fatal') {
          reject(new Error(`wmesh: worker ${i} failed to start: ${m.error}`));
          // It exits, so that its exit handler replaces it (after a backoff).
          if (this.workers[i] === w) w.terminate();
        }
        else if (this.workers[i] === w) this.#fromWorker(i, m);
      });
      w.onExit((why) => {
        reject(new Error(`wmesh: worker ${i} exited: ${why}`));
        if (this.workers[i] === w) this.#workerExit(i);
      });
      w.post({ t: 'init', wasm: this.wasm, workers: this.meshSize });
    });
  }

  /** @param {number} i */
  #workerExit(i) {
    this.dead.add(i);
    for (const w of this.statWaits.values()) if (w.worker === i) w.resolve({ dead: 1 });
    if (this.closed || !this.host.M) return;
    // Its calls fail with WM_EDIED (and, with no worker left, queued ones
    // with WM_ENOWORKER); then a replacement takes its place.
    this.host.mod._wm__on_worker_exit(i);
    // Replacements go on for as long as the mesh lives; one that dies
    // before it is ready waits twice as long as the last before the next
    // (from RESTART_MIN to RESTART_MAX ms), so that a module that cannot
    // start costs little.
    const streak = this.failedStarts.get(i) ?? 0;
    this.failedStarts.set(i, streak + 1);
    const delay = streak === 0 ? 0 : Math.min(RESTART_MAX, RESTART_MIN * 2 ** (streak - 1));
    const timer = setTimeout(() => {
      this.restartTimers.delete(i);
      if (this.closed) return;
      this.restarts++;
      this.#spawn(i).then(
        () => {
          if (this.closed) return;
          this.failedStarts.delete(i);
          this.dead.delete(i);
          this.host.mod._wm__on_worker_up(i);
        },
        () => {}, // its own exit handler runs, and replaces it again
      );
    }, delay);
    this.restartTimers.set(i, timer);
  }

  /**
   * #stop terminates the workers still running a call that was cancelled
   * and has not ended; they are replaced, and the call fails with WM_EDIED.
   * @param {number} callId
   * @param {number} token
   */
  #stop(callId, token) {
    if (this.closed || !this.pending.has(token)) return;
    const h = this.host;
    const ws = h.mod._malloc(4 * 64);
    const n = h.mod._wm__js_workers(callId, ws, 64);
    const list = Array.from(h.mod.HEAP32.subarray(ws >> 2, (ws >> 2) + n));
    h.mod._free(ws);
    for (const w of new Set(list)) this.workers[w]?.terminate();
  }

  /** @param {number} token @param {number} rc */
  #done(token, rc) {
    const p = this.pending.get(token);
    if (!p) return;
    this.pending.delete(token);
    // A call stopped with its worker because its deadline passed failed
    // for its deadline, not for the worker's end.
    if (rc === codes.WM_EDIED && p.forced) rc = p.forced;
    p.out?.end(rc);
    if (rc === 0) return p.resolve(0);
    const e = new WmError(rc, p.name);
    if (rc === codes.WM_EINPUT && p.inputError !== undefined) e.cause = p.inputError;
    p.reject(e);
  }

  /**
   * index resolves a function name to its table index.
   * @param {string | number} fn a registered name (a number is passed as is:
   *   tests use it to prove that unregistered indices are refused)
   */
  index(fn) {
    fn = fnKey(fn);
    if (typeof fn === 'number') return fn;
    let idx = this.indices.get(fn);
    if (idx === undefined) {
      const bytes = new TextEncoder().encode(`${fn}\0`);
      idx = this.host.mod._wm__js_lookup(this.host.copyIn(bytes)) >>> 0;
      if (!idx) throw new WmError(codes.WM_ENOFN, String(fn));
      this.indices.set(fn, idx);
    }
    return idx;
  }

  /**
   * go calls one registered function with input, streaming its output.
   * Unknown names and bad options throw a WmError at once; every later
   * failure rejects call.result (and errors call.output where it applies).
   * @param {string | number} fn
   * @param {Input} [input]
   * @param {CallOptions} [opts]
   * @returns {Call}
   */
  go(fn, input, opts = {}) {
    return this.#call([fn], input, opts);
  }

  /**
   * chain runs functions as a pipeline spread over the workers: with no more
   * stages than workers each stage gets its own, with more, neighbouring
   * stages share one on local pipes; pipes between workers join them
   * directly.
   * @param {(string | number)[]} fns
   * @param {Input} [input]
   * @param {CallOptions} [opts]
   * @returns {Call}
   */
  chain(fns, input, opts = {}) {
    if (!Array.isArray(fns) || !fns.length) throw new WmError(codes.WM_EINVAL, 'chain');
    return this.#call(fns, input, opts);
  }

  /**
   * @param {(string | number)[]} fns
   * @param {Input | undefined} input
   * @param {CallOptions & { onReady?: () => void }} opts (onReady: told by
   *   start() when the service is ready)
   */
  #call(fns, input, opts) {
    if (this.closed || this.closing) throw new WmError(codes.WM_ECLOSED);
    // Everything is checked before anything of the call exists.
    const keys = fns.map(fnKey);
    const name = keys.map(String).join('|');
    const o = checkOptions(opts, name, this.size);
    checkInput(input, name);
    const idx = keys.map((f) => this.index(f));
    const window = o.window || DEFAULT_WINDOW;
    const where = o.where;
    const signal = o.signal;
    if (signal?.aborted) throw new WmError(codes.WM_ECANCELED, name);

    // An input known whole, of at most one chunk, travels inside the CALL
    // frame: no input port to make and move, no DATA, EOF or RCLOSE frame.
    const whole = wholeInput(input);
    const inline = whole && whole.length <= Math.min(CHUNK, window) ? whole : null;
    const inCh = input === undefined || inline ? null : new MessageChannel();
    // A plain call on a worker gets its output without a channel unless the
    // output streams: most write a little and return (see deferredOutput).
    const defer = o.output && fns.length === 1 && where !== WHERE_HERE && this.size > 0;
    const out = defer ? deferredOutput(window, name) : null;
    const outCh = !o.output || defer ? null : new MessageChannel();
    const token = this.nextToken++;
    /** @type {Promise<number>} */
    const result = new Promise((resolve, reject) =>
      this.pending.set(token, { resolve, reject, name, ready: opts?.onReady, out }),
    );
    result.catch(() => {}); // a caller who only reads the output must not crash the process
    const p = /** @type {Pending} */ (this.pending.get(token));
    p.settled = result;
    const h = this.host;
    const inId = inCh ? h.addPort(inCh.port2) : -1;
    const outId = outCh ? h.addPort(outCh.port2) : -1;
    // fns, then the call's id written back by wm__js_call, then the input
    // if it goes inline (wm__js_call copies it).
    const fnsPtr = h.mod._malloc(4 * idx.length + 4 + (inline?.length ?? 0));
    idx.forEach((v, i) => (h.mod.HEAP32[(fnsPtr >> 2) + i] = v));
    const idPtr = fnsPtr + 4 * idx.length;
    const inPtr = idPtr + 4;
    if (inline) h.mod.HEAPU8.set(inline, inPtr);
    const rc = h.mod._wm__js_call(
      fnsPtr,
      idx.length,
      where,
      inId,
      defer ? OUT_DEFER : outId,
      window,
      token,
      o.deadline,
      idPtr,
      inPtr,
      inline ? inline.length : -1,
    );
    const callId = h.mod.HEAP32[idPtr >> 2] >>> 0;
    h.mod._free(fnsPtr);
    if (rc) {
      this.pending.delete(token);
      inCh?.port1.close();
      outCh?.port1.close();
      throw new WmError(rc, name);
    }
    /** cancel cancels the call with reason, and stops it by force after
     * the grace: it then fails with WM_EDIED, or with WM_ETIMEDOUT if its
     * deadline was the reason. */
    const cancel = (grace = o.grace, reason = codes.WM_ECANCELED) => {
      if (this.closed || !this.pending.has(token)) return;
      h.mod._wm__js_cancel(callId, reason);
      // A function that ignores cancellation is stopped with its worker.
      const timer = setTimeout(() => {
        if (reason === codes.WM_ETIMEDOUT) p.forced = reason;
        this.#stop(callId, token);
      }, grace);
      result.then(
        () => clearTimeout(timer),
        () => clearTimeout(timer),
      );
    };
    /** @type {(() => void)[]} */
    const cleanup = [];
    if (signal) {
      const onAbort = () => cancel();
      signal.addEventListener('abort', onAbort, { once: true });
      cleanup.push(() => signal.removeEventListener('abort', onAbort));
    }
    if (o.timeout >= 0) {
      // The core ends a call that blocks past its deadline; one that never
      // blocks (a loop that computes) only its worker's end can stop.
      const t = setTimeout(() => cancel(o.grace, codes.WM_ETIMEDOUT), o.timeout);
      cleanup.push(() => clearTimeout(t));
    }
    if (cleanup.length) {
      const done = () => cleanup.forEach((f) => f());
      result.then(done, done);
    }
    if (inCh) {
      // A failing input reaches the function as WM_EINPUT; the caller gets
      // what failed as the cause of the call's error.
      new PortWriter(inCh.port1, window).pump(whole ?? /** @type {any} */ (input)).catch((e) => (p.inputError = e));
    }
    const output = out ?? (outCh ? readableFromPort(outCh.port1, window, name) : null);
    const call = new Call(name, output, result);
    this.#cancels.set(call, cancel);
    return call;
  }

  /** @type {WeakMap<Call, (grace?: number) => void>} */
  #cancels = new WeakMap();

  /**
   * start starts a service: a function that calls wm_ready() once it can
   * serve, then runs until halted. It resolves when the service is ready;
   * it rejects with the function's error if it ends first (WM_EEARLY if it
   * ended with 0), or with WM_ETIMEDOUT after `startTimeout` ms (the
   * service is then halted).
   * @param {string | number} fn
   * @param {Input} [input]
   * @param {CallOptions & { startTimeout?: number }} [opts]
   * @returns {Promise<Service>}
   */
  async start(fn, input, opts = {}) {
    const st = opts?.startTimeout;
    if (st !== undefined && (typeof st !== 'number' || !Number.isFinite(st)))
      throw new TypeError(`wmesh: ${String(fn)}: startTimeout must be a finite number of ms`);
    /** @type {() => void} */
    let onReady = () => {};
    const ready = new Promise((r) => (onReady = () => r(undefined)));
    const call = this.#call([fn], input, { ...opts, onReady });
    const service = new Service(call, /** @type {(grace?: number) => void} */ (this.#cancels.get(call)));
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let timer;
    const timeout = new Promise((_, reject) => {
      if (opts.startTimeout !== undefined)
        timer = setTimeout(() => reject(new WmError(codes.WM_ETIMEDOUT, call.name)), opts.startTimeout);
    });
    const ended = call.result.then((rc) => {
      throw new WmError(rc === 0 ? codes.WM_EEARLY : rc, call.name);
    });
    try {
      await Promise.race([ready, ended, timeout]);
      return service;
    } catch (e) {
      if (/** @type {WmError} */ (e).code === codes.WM_ETIMEDOUT) await service.halt();
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * subscribe joins a topic made with wm_topic_make in instance `where` (a
   * worker number, or 'main'). The call's output carries the frames
   * published from now on, as records (parse them with `records`); cancel
   * the output to leave. Its result is 0 when the topic ends, or rejects
   * with WM_ENOENT (no such topic) or WM_EOVERFLOW (dropped for being slow,
   * under the 'disconnect' policy).
   * @param {string} topic
   * @param {{ where: number | 'main', policy?: 'block' | 'drop' | 'disconnect', queue?: number } & CallOptions} opts
   * @returns {Call}
   */
  subscribe(topic, opts) {
    const req = subscribeRequest(topic, opts.policy ?? 'drop', opts.queue ?? 64);
    // The pipe holds frames too: keep it small by default, so that the
    // subscriber's queue and policy decide what a slow reader gets.
    return this.#call(['wm_subscriber'], req, { window: 16 * 1024, ...opts });
  }

  /**
   * startAll starts services one after another, each until ready. If one
   * fails, the ones already started are halted (in reverse order) and its
   * error is thrown.
   * @param {{ fn: string | number, input?: Input, opts?: CallOptions & { startTimeout?: number } }[]} list
   * @returns {Promise<Service[]>}
   */
  async startAll(list) {
    /** @type {Service[]} */
    const started = [];
    try {
      for (const s of list) started.push(await this.start(s.fn, s.input, s.opts));
      return started;
    } catch (e) {
      await haltAll(started);
      throw e;
    }
  }

  /**
   * stats counts what is alive in every instance. A worker that does not
   * answer within `timeout` ms (a function that computes without blocking
   * holds its thread) counts as `unresponsive: 1`, with nothing else known
   * of it; `total.restarts` counts the workers replaced so far.
   * @param {{ timeout?: number }} [o]
   * @returns {Promise<{ main: Record<string, number>, workers: Record<string, number>[], total: Record<string, number> }>}
   */
  async stats(o = {}) {
    const main = this.host.stats();
    const workers = await this.#ask('stats', { dead: 1 }, { unresponsive: 1 }, o.timeout);
    /** @type {Record<string, number>} */
    const total = {};
    for (const s of [main, ...workers])
      for (const [k, v] of Object.entries(s)) if (k !== 'worker') total[k] = (total[k] ?? 0) + v;
    total.pendingJs = this.pending.size;
    total.workers = this.size - this.dead.size;
    total.workersDead = this.dead.size;
    total.restarts = this.restarts;
    return { main, workers: /** @type {any} */ (workers), total };
  }

  /**
   * #ask sends a question to every worker and collects the answers; a dead
   * worker answers `dead`.
   * @param {'stats' | 'dump'} t
   * @param {any} dead the answer of a dead worker
   * @param {any} mute the answer of one that does not answer in time
   * @param {number} [timeout] ms
   * @returns {Promise<any[]>}
   */
  #ask(t, dead, mute, timeout = ASK_TIMEOUT) {
    return Promise.all(
      this.workers.slice(1).map(
        (w, i) =>
          new Promise((resolve) => {
            if (this.dead.has(i + 1)) return resolve(dead);
            const id = this.nextToken++;
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
            w.post({ t, id });
          }),
      ),
    );
  }

  /**
   * dump reports everything alive in every instance, one line an object:
   * busy fibers with the function they run and the source line they are
   * blocked at, pipe ends and calls with the line that made them.
   * A worker that does not answer within `timeout` ms is reported as
   * unresponsive.
   * @param {{ timeout?: number }} [o]
   * @returns {Promise<string>}
   */
  async dump(o = {}) {
    const workers = await this.#ask('dump', 'instance (dead)\n', 'instance (unresponsive: no answer)\n', o.timeout);
    return [this.host.dump(), ...workers].join('');
  }

  /**
   * close ends the mesh gracefully: new calls are refused at once, calls in
   * flight may finish for up to `timeout` ms (default 5000), then the
   * workers are terminated, every port is closed, and calls still in flight
   * reject with WM_ECLOSED. Every close() resolves once the mesh is
   * closed, the second as the first.
   * @param {{ timeout?: number }} [o]
   * @returns {Promise<void>}
   */
  close(o = {}) {
    this.closePromise ??= this.#close(o);
    return this.closePromise;
  }

  /** @param {{ timeout?: number }} o */
  async #close(o) {
    this.closing = true;
    const timeout = o.timeout ?? 5000;
    if (this.pending.size && timeout > 0) {
      const all = Promise.allSettled([...this.pending.values()].map((p) => p.settled));
      let timer;
      await Promise.race([all, new Promise((r) => (timer = setTimeout(r, timeout)))]);
      clearTimeout(timer);
    }
    this.closed = true;
    for (const t of this.restartTimers.values()) clearTimeout(t);
    this.restartTimers.clear();
    this.host.shutdown();
    await Promise.all(this.workers.slice(1).map((w) => w.terminate()));
    for (const [, p] of this.pending) {
      p.out?.end(codes.WM_ECLOSED);
      p.reject(new WmError(codes.WM_ECLOSED, p.name));
    }
    this.pending.clear();
  }

  async [Symbol.asyncDispose]() {
    await this.close();
  }
}

/**
 * createMesh starts a mesh: the module is compiled once, instantiated here
 * and in each worker, and ready when the promise resolves.
 * @param {MeshOptions} o
 * @param {Env} env
 * @returns {Promise<Mesh>}
 */
export async function createMesh(o, env) {
  if (!o || !o.module) throw new TypeError('wmesh: createMesh needs { module }');
  /** @param {string} k @param {number} min @param {number} max */
  const whole = (k, min, max) => {
    const v = /** @type {any} */ (o)[k];
    if (v !== undefined && !(Number.isInteger(v) && v >= min && v <= max))
      throw new TypeError(`wmesh: createMesh: ${k} must be a whole number from ${min} to ${max}, not ${String(v)}`);
  };
  whole('workers', 0, MAX_WORKERS);
  whole('concurrency', 1, 1 << 20);
  whole('queue', 0, 1 << 30);
  const mesh = new Mesh(o, env);
  return mesh.launch(o);
}
