// calls.js: the calls JS makes into the mesh (go, chain, start, subscribe)
// and the calls in flight, each a Pending kept by its token until the main
// instance's core reports its end (DONE). A call's control frames go
// through the main instance's core and its host (js/host.js), and from
// there over the workers' links; its input and output travel on pipe
// ports (js/pipe.js).
import { Call, Service, haltAll } from './call.js';
import { WmError, codes } from './errors.js';
import { WHERE_HERE, checkInput, checkOptions, fnKey } from './options.js';
import { PortWriter, deferredOutput, readableFromPort, toBytes } from './pipe.js';
import { subscribeRequest } from './topic.js';
import { CHUNK, DEFAULT_WINDOW } from './wire.js';

/**
 * @typedef {import('./pipe.js').Input} Input
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
 *   (default GRACE_MS in js/options.js: 1000)
 * @property {number} [window] bytes in flight per pipe (512 KiB; from
 *   1 KiB, MIN_WINDOW in js/options.js, to 64 MiB)
 * @property {boolean} [output] false: the function gets no output pipe
 *
 * @typedef {object} Workers what the calls need of the workers
 *   (js/supervisor.js)
 * @property {number} size how many there are
 * @property {(i: number) => void} terminate ends worker i by force (it is
 *   replaced; its calls fail with WM_EDIED)
 */

/** wm__js_call's out_port for a deferred output (WM__JS_DEFER). */
const OUT_DEFER = -2;

/**
 * REQ gives the byte offsets of struct wm__js_req (src/core/entry.h), the
 * call wm__js_call reads: fixed little-endian fields, then the function
 * indices (`fns`), then the input if it goes inline.
 * tests/node/contract.test.mjs checks them against the C.
 */
export const REQ = Object.freeze({
  n: 0,
  where: 4,
  inPort: 8,
  outPort: 12,
  window: 16,
  token: 20,
  deadline: 24,
  id: 32,
  inLen: 36,
  fns: 40,
});

// The deadline's 8 bytes, as the two 32-bit words jsCall writes: the module
// exports no Float64Array view of its memory, and a new view per call would
// cost an allocation. Little-endian, as wasm memory is.
const f64 = new Float64Array(1);
const f64Words = new Int32Array(f64.buffer);

/**
 * @typedef {object} JsReq a call for wm__js_call, as jsCall writes it
 * @property {number[]} fns the functions' table indices: one for a plain
 *   call, more for a chain
 * @property {number} where a worker from 1, WHERE_ANY or WHERE_HERE
 * @property {number} inPort the input's port id, or -1
 * @property {number} outPort the output's port id, -1, or OUT_DEFER
 * @property {number} window
 * @property {number} token
 * @property {number} deadline absolute ms, or -1
 * @property {Uint8Array | null} input the whole input, inline, or null
 * @property {number} id set by jsCall: the call's id, for wm__js_cancel
 */

/**
 * jsCall makes a call through wm__js_call: it writes r as a wm__js_req into
 * one block of the module's memory (the core copies what it keeps), sets
 * r.id, and returns the core's result (0, or an error code: then the ports
 * are closed).
 * @param {import('./host.js').WmModule} mod
 * @param {JsReq} r
 * @returns {number}
 */
export function jsCall(mod, r) {
  const n = r.fns.length;
  const len = r.input ? r.input.length : -1;
  const p = mod._malloc(REQ.fns + 4 * n + Math.max(len, 0));
  const i32 = mod.HEAP32;
  const w = p >> 2;
  i32[w + REQ.n / 4] = n;
  i32[w + REQ.where / 4] = r.where;
  i32[w + REQ.inPort / 4] = r.inPort;
  i32[w + REQ.outPort / 4] = r.outPort;
  i32[w + REQ.window / 4] = r.window;
  i32[w + REQ.token / 4] = r.token;
  f64[0] = r.deadline;
  i32[w + REQ.deadline / 4] = f64Words[0];
  i32[w + REQ.deadline / 4 + 1] = f64Words[1];
  i32[w + REQ.id / 4] = 0;
  i32[w + REQ.inLen / 4] = len;
  for (let i = 0; i < n; i++) i32[w + REQ.fns / 4 + i] = r.fns[i];
  if (r.input) mod.HEAPU8.set(r.input, p + REQ.fns + 4 * n);
  const rc = mod._wm__js_call(p);
  // The call may have grown memory: read through the module's views anew.
  r.id = mod.HEAP32[(p + REQ.id) >> 2] >>> 0;
  mod._free(p);
  return rc;
}

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
 * abortError returns what a call aborted by its signal rejects with: the
 * signal's reason, as fetch and Node's own APIs do (an AbortError
 * DOMException unless the caller gave one). The call's WmError stays
 * reachable as the reason's `cause` when the reason is an object that has
 * none of its own.
 * @param {unknown} reason
 * @param {WmError} e
 * @returns {unknown}
 */
export function abortError(reason, e) {
  if (typeof reason === 'object' && reason !== null && !Object.hasOwn(reason, 'cause')) {
    try {
      Object.defineProperty(reason, 'cause', { value: e, configurable: true, writable: true });
    } catch {
      // A frozen reason is thrown as it is.
    }
  }
  return reason;
}

/** Pending is a JS call in flight, by its token. */
export class Pending {
  /**
   * @param {number} token
   * @param {string} name the function's name, or the chain's names joined by '|'
   * @param {(() => void) | undefined} ready told when the function calls
   *   wm_ready (start()'s)
   * @param {import('./pipe.js').DeferredOutput | null} out its output, if
   *   deferred
   * @param {number} grace ms a cancelled call has before its worker is
   *   stopped, unless the cancel says otherwise
   */
  constructor(token, name, ready, out, grace) {
    this.token = token;
    this.name = name;
    this.ready = ready;
    this.out = out;
    this.grace = grace;
    /** @type {(rc: number) => void} */
    let resolve = () => {};
    /** @type {(e: unknown) => void} */
    let reject = () => {};
    /** its result @type {Promise<number>} */
    this.settled = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.resolve = resolve;
    this.reject = reject;
    /** the call's id in the main instance's core, once it is made */
    this.callId = 0;
    /** the code it fails with if its worker is stopped (WM_ETIMEDOUT: its
     * deadline passed); 0: none */
    this.forced = 0;
    /** what failed as its input was read @type {unknown} */
    this.inputError = undefined;
    /** what the caller holds @type {Call | null} */
    this.call = null;
    /** the module's own codes, for its WmError @type {import('./errors.js').Describe | null} */
    this.describe = null;
    /** its signal aborted it: it rejects with the signal's reason */
    this.aborted = false;
    /** the signal's reason, once aborted @type {unknown} */
    this.abortReason = undefined;
  }

  /**
   * finish settles the call with the core's result.
   * @param {number} rc
   */
  finish(rc) {
    // A call stopped with its worker because its deadline passed failed
    // for its deadline, not for the worker's end.
    if (rc === codes.WM_EDIED && this.forced) rc = this.forced;
    // The caller asked for a cancel, and sees one, even if its worker had
    // to be stopped (WM_EDIED) or the function failed as it was cancelled.
    if (rc !== 0 && this.aborted) rc = codes.WM_ECANCELED;
    this.out?.end(rc);
    if (rc === 0) return this.resolve(0);
    const e = new WmError(rc, this.name, this.describe);
    if (rc === codes.WM_EINPUT && this.inputError !== undefined) e.cause = this.inputError;
    this.reject(this.aborted ? abortError(this.abortReason, e) : e);
  }

  /**
   * fail fails the call without the core (the mesh is closed).
   * @param {number} code
   */
  fail(code) {
    this.out?.end(code);
    this.reject(new WmError(code, this.name, this.describe));
  }
}

/** Calls makes JS calls into the main instance and keeps those in flight. */
export class Calls {
  /**
   * @param {import('./host.js').Host} host the main instance's
   * @param {Workers} workers
   */
  constructor(host, workers) {
    this.host = host;
    this.workers = workers;
    /** @type {Map<number, Pending>} */
    this.pending = new Map();
    this.nextToken = 1;
    /** @type {Map<string, number>} */
    this.indices = new Map();
    /** close() has begun: no new calls */
    this.closing = false;
    /** the mesh is closed */
    this.closed = false;
    /** names and describes the module's own codes (the standard module's)
     * @type {import('./errors.js').Describe | null} */
    this.describe = null;
  }

  // ---- from the main instance's host ----

  /** @param {number} token @param {number} rc */
  done(token, rc) {
    const p = this.pending.get(token);
    if (!p) return;
    this.pending.delete(token);
    p.finish(rc);
  }

  /** @param {number} token */
  ready(token) {
    this.pending.get(token)?.ready?.();
  }

  /** @param {number} token @param {number} status @param {Uint8Array} bytes */
  out(token, status, bytes) {
    this.pending.get(token)?.out?.whole(bytes, status);
  }

  /** @param {number} token @param {MessagePort} port */
  outPort(token, port) {
    const out = this.pending.get(token)?.out;
    if (out) out.port(port);
    else port.close();
  }

  // ---- calls ----

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
   * call makes a call of one function (or a chain of them).
   * @param {(string | number)[]} fns
   * @param {Input | undefined} input
   * @param {CallOptions & { onReady?: () => void }} opts (onReady: told by
   *   start() when the service is ready)
   * @param {readonly string[]} [extra] option keys the caller (start,
   *   subscribe) reads itself, beside the call's own
   * @returns {Pending} the call in flight; its `call` is set
   */
  call(fns, input, opts, extra) {
    if (this.closed || this.closing) throw new WmError(codes.WM_ECLOSED);
    // Everything is checked before anything of the call exists.
    const keys = fns.map(fnKey);
    const name = keys.map(String).join('|');
    const o = checkOptions(opts, name, this.workers.size, extra);
    checkInput(input, name);
    const idx = keys.map((f) => this.index(f));
    const window = o.window || DEFAULT_WINDOW;
    const where = o.where;
    const signal = o.signal;
    if (signal?.aborted) throw abortError(signal.reason, new WmError(codes.WM_ECANCELED, name));

    // An input known whole, of at most one chunk, travels inside the CALL
    // frame: no input port to make and move, no DATA, EOF or RCLOSE frame.
    const whole = wholeInput(input);
    const inline = whole && whole.length <= Math.min(CHUNK, window) ? whole : null;
    const inCh = input === undefined || inline ? null : new MessageChannel();
    // A plain call on a worker gets its output without a channel unless the
    // output streams: most write a little and return (see deferredOutput).
    const defer = o.output && fns.length === 1 && where !== WHERE_HERE && this.workers.size > 0;
    const out = defer ? deferredOutput(window, name) : null;
    const outCh = !o.output || defer ? null : new MessageChannel();
    const token = this.nextToken++;
    const p = new Pending(token, name, opts?.onReady, out, o.grace);
    p.describe = this.describe;
    this.pending.set(token, p);
    const result = p.settled;
    result.catch(() => {}); // a caller who only reads the output must not crash the process
    const h = this.host;
    const inId = inCh ? h.addPort(inCh.port2) : -1;
    const outId = outCh ? h.addPort(outCh.port2) : -1;
    /** @type {JsReq} */
    const req = {
      fns: idx,
      where,
      inPort: inId,
      outPort: defer ? OUT_DEFER : outId,
      window,
      token,
      deadline: o.deadline,
      input: inline,
      id: 0,
    };
    const rc = jsCall(h.mod, req);
    p.callId = req.id;
    if (rc) {
      this.pending.delete(token);
      inCh?.port1.close();
      outCh?.port1.close();
      throw new WmError(rc, name);
    }
    /** @type {(() => void)[]} */
    const cleanup = [];
    if (signal) {
      const onAbort = () => {
        p.aborted = true;
        p.abortReason = signal.reason;
        this.cancel(p);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      cleanup.push(() => signal.removeEventListener('abort', onAbort));
    }
    if (o.timeout >= 0) {
      // The core ends a call that blocks past its deadline; one that never
      // blocks (a loop that computes) only its worker's end can stop.
      const t = setTimeout(() => this.cancel(p, o.grace, codes.WM_ETIMEDOUT), o.timeout);
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
    p.call = new Call(name, output, result);
    return p;
  }

  /**
   * cancel cancels a call with reason, and stops it by force after the
   * grace: it then fails with WM_EDIED, or with WM_ETIMEDOUT if its
   * deadline was the reason.
   * @param {Pending} p
   * @param {number} [grace]
   * @param {number} [reason]
   */
  cancel(p, grace = p.grace, reason = codes.WM_ECANCELED) {
    if (this.closed || !this.pending.has(p.token)) return;
    this.host.mod._wm__js_cancel(p.callId, reason);
    // A function that ignores cancellation is stopped with its worker.
    const timer = setTimeout(() => {
      if (reason === codes.WM_ETIMEDOUT) p.forced = reason;
      this.#stop(p);
    }, grace);
    p.settled.then(
      () => clearTimeout(timer),
      () => clearTimeout(timer),
    );
  }

  /**
   * #stop terminates the workers still running a call that was cancelled
   * and has not ended; they are replaced, and the call fails with WM_EDIED.
   * @param {Pending} p
   */
  #stop(p) {
    if (this.closed || !this.pending.has(p.token)) return;
    const h = this.host;
    const ws = h.mod._malloc(4 * 64);
    const n = h.mod._wm__js_workers(p.callId, ws, 64);
    const list = Array.from(h.mod.HEAP32.subarray(ws >> 2, (ws >> 2) + n));
    h.mod._free(ws);
    for (const w of new Set(list)) this.workers.terminate(w);
  }

  /**
   * start starts a service (Mesh.start).
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
    const p = this.call([fn], input, { ...opts, onReady }, ['startTimeout', 'onReady']);
    const call = /** @type {Call} */ (p.call);
    const service = new Service(call, (grace) => this.cancel(p, grace));
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
   * startAll starts services one after another (Mesh.startAll).
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
   * subscribe joins a topic (Mesh.subscribe).
   * @param {string} topic
   * @param {{ where: number | 'main', policy?: 'block' | 'drop' | 'disconnect', queue?: number } & CallOptions} opts
   * @returns {Call}
   */
  subscribe(topic, opts) {
    const req = subscribeRequest(topic, opts.policy ?? 'drop', opts.queue ?? 64);
    // The pipe holds frames too: keep it small by default, so that the
    // subscriber's queue and policy decide what a slow reader gets.
    return /** @type {Call} */ (
      this.call(['wm_subscriber'], req, { window: 16 * 1024, ...opts }, ['policy', 'queue']).call
    );
  }

  /** settled is every call in flight's result, settled. */
  settled() {
    return Promise.allSettled([...this.pending.values()].map((p) => p.settled));
  }

  /** failAll fails every call still in flight with WM_ECLOSED. */
  failAll() {
    for (const [, p] of this.pending) p.fail(codes.WM_ECLOSED);
    this.pending.clear();
  }
}
