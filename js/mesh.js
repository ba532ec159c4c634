// mesh.js: the main thread's side of a mesh. It compiles the module once,
// instantiates it here too (the main instance is part of the mesh and runs
// the coordinator), and joins the parts: the workers, started and replaced
// by the supervisor (supervisor.js) and reached only through links
// (link/link.js); the main instance's host (host.js); and the calls JS
// makes (calls.js, call.js). Mesh is the API; the work is in those.
import { Call } from './call.js';
import { Calls } from './calls.js';
import { Cluster } from './cluster/cluster.js';
import { WmError, codes } from './errors.js';
import { Host, instantiate } from './host.js';
import { checkInput, checkKeys, checkOptions, fnKey } from './options.js';
import { Supervisor } from './supervisor.js';
import { Usage, utilization } from './usage.js';

export { Call, Service, haltAll } from './call.js';

/**
 * @typedef {import('./pipe.js').Input | undefined} Input
 * @typedef {import('./calls.js').CallOptions} CallOptions
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
 * @property {import('./cluster/cluster.js').ClusterOptions} [cluster] join
 *   a mesh of hosts through NATS (see js/cluster/cluster.js)
 *
 * @typedef {CallOptions & { where?: CallOptions['where'] | Where, spill?: boolean }} AnyCallOptions
 * @typedef {'cluster' | { host: string } | { hosts: string[] }} Where where
 *   a call runs among hosts: 'cluster' (a call: the least-loaded host, this
 *   one included; a chain: its stages spread over every host), one host,
 *   or (a chain) its stages spread over the hosts listed, in order
 */

/** The cluster's defaults: its name, and ms between heartbeats. */
const CLUSTER_NAME = 'default';
const HEARTBEAT_MS = 1000;
const CLUSTER_KEYS = Object.freeze(['servers', 'connection', 'name', 'host', 'heartbeat', 'nats']);

/** The most workers a mesh may have: far above any machine's cores (more
 * workers than cores only add switching), and low enough that a typo such
 * as 10000 fails at once instead of starting thousands of threads. */
const MAX_WORKERS = 255;

/** Mesh is a running mesh: made by createMesh, ended by close. */
export class Mesh extends EventTarget {
  /** @param {MeshOptions} o @param {Env} env @internal use createMesh */
  constructor(o, env) {
    super();
    this.options = o;
    this.env = env;
    /** the workers */
    this.supervisor = new Supervisor(env, o.module, {
      ctrl: (i, m) => this.host.receiveCtrl(i, m),
      // Its calls fail with WM_EDIED (and, with no worker left, queued
      // ones with WM_ENOWORKER); then a replacement takes its place.
      exited: (i) => {
        if (!this.host.M) return false;
        this.host.mod._wm__on_worker_exit(i);
        return true;
      },
      up: (i) => this.host.mod._wm__on_worker_up(i),
      // A worker's lifecycle, for listeners (mesh.addEventListener).
      event: (type, detail) => this.dispatchEvent(new CustomEvent(type, { detail })),
    });
    const links = this.supervisor.links;
    /** the main instance's host */
    this.host = new Host({
      self: 0,
      // The control plane: every frame to worker dest goes on its link.
      postCtrl: (dest, msg, transfer) => links[dest]?.send(msg, transfer),
      // With other JS calls in flight, a call's frame may wait for theirs.
      batchCtrl: () => this.calls.pending.size > 1,
      onDone: (token, rc) => this.calls.done(token, rc),
      onReady: (token) => this.calls.ready(token),
      onOut: (token, status, bytes) => this.calls.out(token, status, bytes),
      onOutPort: (token, port) => this.calls.outPort(token, port),
      // A worker asked (wm_halt's grace is over) to stop another one.
      onKill: (w) => this.supervisor.kill(w),
    });
    /** the calls made here, and those in flight @type {Calls} */
    this.calls = new Calls(this.host, this.supervisor);
    /** the promise of close(), once it has begun @type {Promise<void> | null} */
    this.closePromise = null;
    /** the mesh of hosts this one has joined, if any @type {Cluster | null} */
    this.cluster = null;
    /** per function, the calls made here and their times */
    this.usage = new Usage();
  }

  /**
   * #join connects to NATS (unless given a connection) and joins the mesh
   * of hosts named `name`, as a host running this module.
   * @param {import('./cluster/cluster.js').ClusterOptions} c
   * @param {Uint8Array} bytes the module's binary, whose hash hosts compare
   */
  async #join(c, bytes) {
    const name = c.name ?? CLUSTER_NAME;
    const id = c.host ?? crypto.randomUUID().replace(/-/g, '').slice(0, 16);
    for (const [k, v] of [['name', name], ['host', id]])
      if (typeof v !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(v))
        throw new TypeError(`wmesh: createMesh: cluster.${k} must be 1 to 64 letters, digits, '-' or '_', not ${JSON.stringify(v)}`);
    const heartbeat = c.heartbeat ?? HEARTBEAT_MS;
    if (!Number.isFinite(heartbeat) || heartbeat < 10) throw new TypeError('wmesh: createMesh: cluster.heartbeat must be at least 10 ms');
    const digest = await crypto.subtle.digest('SHA-256', /** @type {BufferSource} */ (bytes));
    const hash = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
    let nc = c.connection;
    if (!nc)
      try {
        nc = await this.env.natsConnect({ ...c.nats, servers: c.servers });
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        throw new Error(`wmesh: createMesh: cannot join mesh ${name} at NATS ${String(c.servers)}: ${why}`, { cause: e });
      }
    const cl = new Cluster({
      nc,
      ownNc: !c.connection,
      name,
      id,
      hash,
      heartbeat,
      local: () => ({ cap: this.capacity, load: this.calls.pending.size }),
      run: (fns, input, opts) => /** @type {Call} */ (this.calls.call(fns, input, opts).call),
      event: (type, detail) => this.dispatchEvent(new CustomEvent(type, { detail })),
    });
    this.cluster = cl;
    await cl.start();
  }

  /** calls this host runs at once: its workers' concurrency */
  get capacity() {
    return Math.max(1, this.size) * (this.options.concurrency ?? 64);
  }

  /**
   * #call makes a call or a chain: here, or on other hosts when `where`
   * names hosts or `spill` lets a busy host send it elsewhere.
   * @param {(string | number)[]} fns @param {Input} input @param {AnyCallOptions} opts
   * @returns {Call}
   */
  #call(fns, input, opts) {
    const call = this.#place(fns, input, opts);
    this.usage.track(call.name, call.result);
    return call;
  }

  /**
   * #place makes the call here or on other hosts (see #call).
   * @param {(string | number)[]} fns @param {Input} input @param {AnyCallOptions} opts
   * @returns {Call}
   */
  #place(fns, input, opts) {
    const cl = this.cluster;
    const o = /** @type {any} */ (opts ?? {});
    const hostly = o.where === 'cluster' || (o.where !== null && typeof o.where === 'object');
    // A call of this process alone, as most are: the options go on as given.
    if (!cl && !hostly && o.spill === undefined) return /** @type {Call} */ (this.calls.call(fns, input, opts).call);
    const { where, spill, ...rest } = o;
    if (spill !== undefined && typeof spill !== 'boolean') throw new TypeError('wmesh: spill must be true or false');
    if (!cl)
      throw new TypeError(`wmesh: ${hostly ? `where ${JSON.stringify(where)}` : 'spill'} needs a mesh of hosts (createMesh({ cluster }))`);
    if (!hostly && !spill) return /** @type {Call} */ (this.calls.call(fns, input, where === undefined ? rest : { ...rest, where }).call);
    if (this.closing || this.closed) throw new WmError(codes.WM_ECLOSED);
    const keys = fns.map(fnKey);
    const name = keys.map(String).join('|');
    // The same checks as a local call's, and the names must be this
    // module's: every host runs the same one.
    const c = checkOptions(rest, name, this.size);
    checkInput(input, name);
    for (const k of keys) this.index(k);
    if (hostly && where !== 'cluster' && !isHostWhere(where))
      throw new TypeError(`wmesh: ${name}: where must be 'cluster', { host } or { hosts: [...] }, not ${JSON.stringify(where)}`);
    /** @type {string[]} */
    let stages;
    if (where && typeof where === 'object' && 'hosts' in where) stages = cl.hostsFor(where, keys.length);
    else if (where === 'cluster' && keys.length > 1) stages = cl.hostsFor('cluster', keys.length);
    else {
      const h = cl.place(where, !!spill);
      stages = keys.map(() => h ?? cl.id);
    }
    // Everything here: a local call, with no NATS between.
    if (stages.every((h) => h === cl.id)) return /** @type {Call} */ (this.calls.call(fns, input, rest).call);
    if (c.signal?.aborted) throw c.signal.reason;
    const { output, result } = cl.call(keys, stages, input, {
      timeout: c.timeout,
      grace: c.grace,
      window: c.window,
      signal: c.signal,
      output: c.output,
    });
    result.catch(() => {});
    return new Call(name, output, result);
  }

  /** @param {MeshOptions} o @internal */
  async launch(o) {
    const env = this.env;
    const glue = o.module;
    const wasmSrc = o.wasm ?? String(glue).replace(/\.m?js$/, '.wasm');
    /** @type {WebAssembly.Module} */
    let wasm;
    try {
      wasm = await env.compile(wasmSrc);
    } catch (e) {
      // Name what the user gave: the .wasm is found next to the module
      // unless `wasm` says where, which a user who passed only the module
      // never heard of.
      const what = o.wasm === undefined ? `${String(glue)} (its binary, ${String(wasmSrc)})` : String(wasmSrc);
      const why = e instanceof Error ? e.message : String(e);
      throw new Error(`wmesh: createMesh: cannot load the module ${what}: ${why}`, { cause: e });
    }
    /** the binary's bytes, which hosts of one mesh compare by hash */
    let bytes = null;
    if (o.cluster) {
      if (o.wasm instanceof WebAssembly.Module)
        throw new TypeError('wmesh: createMesh: cluster needs the module\'s bytes (a path, URL or bytes), not a compiled WebAssembly.Module');
      bytes = o.wasm instanceof ArrayBuffer || ArrayBuffer.isView(o.wasm) ? o.wasm : await env.readBinary(/** @type {string | URL} */ (wasmSrc));
    }
    const n = o.workers ?? env.cores();
    // Whatever fails first, the workers already started are ended and no
    // rejection is left unhandled.
    const all = this.supervisor.start(wasm, n);
    all.catch(() => {});
    try {
      const M = await instantiate(env.loadFactory(glue), wasm, this.host);
      const rc = M._wm__init(0, n, o.concurrency ?? 64, o.queue ?? 65536);
      if (rc) throw new WmError(rc);
      await all;
      if (o.cluster) await this.#join(o.cluster, /** @type {Uint8Array} */ (bytes));
    } catch (e) {
      await this.close();
      throw e;
    }
    return this;
  }

  /** the number of workers */
  get size() {
    return this.supervisor.size;
  }

  /** how many workers have been replaced */
  get restarts() {
    return this.supervisor.restarts;
  }

  /** the links to the workers, index 1..n (tests post to them) */
  get workers() {
    return this.supervisor.links;
  }

  /** workers that have exited and are not yet replaced */
  get dead() {
    return this.supervisor.dead;
  }

  /** the JS calls in flight, by token */
  get pending() {
    return this.calls.pending;
  }

  /** the mesh is closed */
  get closed() {
    return this.calls.closed;
  }

  /** close() has begun: no new calls */
  get closing() {
    return this.calls.closing;
  }

  /**
   * index resolves a function name to its table index.
   * @param {string | number} fn a registered name (a number is passed as is:
   *   tests use it to prove that unregistered indices are refused)
   */
  index(fn) {
    return this.calls.index(fn);
  }

  /**
   * go calls one registered function with input, streaming its output.
   * Unknown names and bad options throw a WmError at once; every later
   * failure rejects call.result (and errors call.output where it applies).
   * @param {string | number} fn
   * @param {Input} [input]
   * @param {AnyCallOptions} [opts]
   * @returns {import('./call.js').Call}
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
   * @param {AnyCallOptions} [opts]
   * @returns {import('./call.js').Call}
   */
  chain(fns, input, opts = {}) {
    if (!Array.isArray(fns) || !fns.length) throw new WmError(codes.WM_EINVAL, 'chain');
    return this.#call(fns, input, opts);
  }

  /**
   * start starts a service: a function that calls wm_ready() once it can
   * serve, then runs until halted. It resolves when the service is ready;
   * it rejects with the function's error if it ends first (WM_EEARLY if it
   * ended with 0), or with WM_ETIMEDOUT after `startTimeout` ms (the
   * service is then halted).
   * @param {string | number} fn
   * @param {Input} [input]
   * @param {CallOptions & { startTimeout?: number }} [opts]
   * @returns {Promise<import('./call.js').Service>}
   */
  start(fn, input, opts = {}) {
    return this.calls.start(fn, input, opts);
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
   * @returns {import('./call.js').Call}
   */
  subscribe(topic, opts) {
    return this.calls.subscribe(topic, opts);
  }

  /**
   * startAll starts services one after another, each until ready. If one
   * fails, the ones already started are halted (in reverse order) and its
   * error is thrown.
   * @param {{ fn: string | number, input?: Input, opts?: CallOptions & { startTimeout?: number } }[]} list
   * @returns {Promise<import('./call.js').Service[]>}
   */
  startAll(list) {
    return this.calls.startAll(list);
  }

  /**
   * stats counts what is alive in every instance. A worker that does not
   * answer within `timeout` ms (a function that computes without blocking
   * holds its thread) counts as `unresponsive: 1`, with nothing else known
   * of it; `total.restarts` counts the workers replaced so far.
   * @param {{ timeout?: number }} [o]
   * `usage` says, per function, how many calls made here ended (and
   * failed) and their latency from the call to its result, and per
   * instance the share of its life it spent running the module.
   * @returns {Promise<{ main: Record<string, number>, workers: Record<string, number>[], total: Record<string, number>,
   *   usage: { functions: ReturnType<Usage['snapshot']>, utilization: { main: number, workers: (number | null)[] } },
   *   cluster?: ReturnType<Cluster['stats']> }>}
   */
  async stats(o = {}) {
    const main = this.host.stats();
    const workers = await this.supervisor.ask('stats', { dead: 1 }, { unresponsive: 1 }, o.timeout);
    /** @type {Record<string, number>} */
    const total = {};
    for (const s of [main, ...workers])
      for (const [k, v] of Object.entries(s)) if (!PER_INSTANCE.has(k)) total[k] = (total[k] ?? 0) + v;
    total.pendingJs = this.calls.pending.size;
    total.workers = this.size - this.supervisor.dead.size;
    total.workersDead = this.supervisor.dead.size;
    total.restarts = this.supervisor.restarts;
    const cluster = this.cluster?.stats();
    if (cluster) total.remoteCalls = cluster.callsOut + cluster.segmentsServed;
    // Utilization: each instance's share of its life spent in the module
    // (a dead or silent worker has none to report: null).
    const usage = {
      functions: this.usage.snapshot(),
      utilization: {
        main: utilization(main),
        workers: workers.map((/** @type {any} */ w) => (w.upMs === undefined ? null : utilization(w))),
      },
    };
    return { main, workers: /** @type {any} */ (workers), total, usage, ...(cluster ? { cluster } : {}) };
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
    const workers = await this.supervisor.ask('dump', 'instance (dead)\n', 'instance (unresponsive: no answer)\n', o.timeout);
    return [this.host.dump(), ...workers, this.cluster?.dump() ?? ''].join('');
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
    const calls = this.calls;
    calls.closing = true;
    const timeout = o.timeout ?? 5000;
    if ((calls.pending.size || this.cluster?.calls.size) && timeout > 0) {
      const all = Promise.all([calls.settled(), this.cluster?.settled()]);
      let timer;
      await Promise.race([all, new Promise((r) => (timer = setTimeout(r, timeout)))]);
      clearTimeout(timer);
    }
    // Calls to and from other hosts end first (cancelled), then the mesh
    // leaves: its peers hear so at once instead of after missed heartbeats.
    await this.cluster?.close();
    calls.closed = true;
    this.supervisor.stop();
    this.host.shutdown();
    await this.supervisor.close();
    calls.failAll();
  }

  async [Symbol.asyncDispose]() {
    await this.close();
  }
}

/**
 * isHostWhere says whether where is { host: id } or { hosts: [id, ...] }.
 * @param {any} where
 */
function isHostWhere(where) {
  if ('host' in where) return typeof where.host === 'string';
  return Array.isArray(where.hosts) && where.hosts.length > 0 && where.hosts.every((/** @type {unknown} */ h) => typeof h === 'string');
}

/** Stats of one instance that mean nothing summed over instances. */
const PER_INSTANCE = new Set(['worker', 'busyMs', 'upMs']);

/** The options createMesh takes (MeshOptions in js/index.d.ts). */
const MESH_KEYS = Object.freeze(['module', 'wasm', 'workers', 'concurrency', 'queue', 'cluster']);

/**
 * createMesh starts a mesh: the module is compiled once, instantiated here
 * and in each worker, and ready when the promise resolves.
 * @param {MeshOptions} o
 * @param {Env} env
 * @param {{ describe?: import('./errors.js').Describe }} [known] what the
 *   entry knows of its default module: how to name its own error codes
 * @returns {Promise<Mesh>}
 */
export async function createMesh(o, env, known = {}) {
  if (!o || !o.module) throw new TypeError('wmesh: createMesh needs { module }');
  checkKeys(o, MESH_KEYS, 'createMesh');
  /** @param {string} k @param {number} min @param {number} max */
  const whole = (k, min, max) => {
    const v = /** @type {any} */ (o)[k];
    if (v !== undefined && !(Number.isInteger(v) && v >= min && v <= max))
      throw new TypeError(`wmesh: createMesh: ${k} must be a whole number from ${min} to ${max}, not ${String(v)}`);
  };
  whole('workers', 0, MAX_WORKERS);
  whole('concurrency', 1, 1 << 20);
  whole('queue', 0, 1 << 30);
  if (o.cluster !== undefined) {
    if (!o.cluster || typeof o.cluster !== 'object') throw new TypeError('wmesh: createMesh: cluster must be an object');
    checkKeys(o.cluster, CLUSTER_KEYS, 'createMesh cluster');
    if (!o.cluster.servers && !o.cluster.connection) throw new TypeError('wmesh: createMesh: cluster needs servers (NATS URLs) or a connection');
  }
  const mesh = new Mesh(o, env);
  mesh.calls.describe = known.describe ?? null;
  return mesh.launch(o);
}
