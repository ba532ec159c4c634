// host.js: the JS half of one instance. It owns the instance's MessagePorts
// (the C core knows them only by small ids), carries frames between ports and
// the core, and implements the host interface of src/core/host.h, which the
// core calls through Module.wmHost (src/em/host_em.c).

import { uninitialized } from './alloc.js';
import { WmError, codes } from './errors.js';
import {
  CHUNK,
  F_CREDIT,
  F_DATA,
  F_OUT,
  MAX_CHUNK,
  MAX_CTRL,
  MAX_SPARES,
  SPARE_SIZE,
  STRING_FRAME_MAX,
  frameBytes,
  frameString,
  unpack,
} from './wire.js';

/** Spare DATA buffers an instance keeps for its writers, at most. */
const SPARES_KEPT = 16;

/**
 * @typedef {object} WmModule the Emscripten module of a wmesh build
 * @property {Uint8Array} HEAPU8
 * @property {Int32Array} HEAP32
 * @property {(...a: number[]) => any} _wm__init
 * @property {(n: number) => number} _wm__scratch
 * @property {() => void} _wm__run_entry
 * @property {(...a: number[]) => void} _wm__on_ctrl
 * @property {(port: number, p: number, n: number) => void} _wm__on_port
 * @property {(port: number, n: number) => number} _wm__port_buf
 * @property {(port: number, n: number) => void} _wm__on_port_data
 * @property {(port: number) => void} _wm__on_port_close
 * @property {() => void} _wm__on_timer
 * @property {(w: number) => void} _wm__on_worker_exit
 * @property {(w: number) => void} _wm__on_worker_up
 * @property {(name: number) => number} _wm__js_lookup
 * @property {(req: number) => number} _wm__js_call
 * @property {(id: number, reason: number) => number} _wm__js_cancel
 * @property {(id: number, ws: number, max: number) => number} _wm__js_workers
 * @property {() => number} _wm__js_dump
 * @property {(p: number) => void} _wm__js_stats
 * @property {(n: number) => number} _malloc
 * @property {(p: number) => void} _free
 */

/**
 * A control message between instances carries control frames (src/core/
 * wire.h) with the ports they move:
 *   "..."                                     one frame that moves no port;
 *   { t: 'f', f: frame, p: ports, e: early }  one frame;
 *   { t: 'fs', l: [x, ...] }                  several, in the order sent,
 *                                             each a string or { f, p, e }.
 * `early[i]` holds the frames that reached port i before it moved.
 *
 * A small frame that moves no port travels as a string of byte values
 * (0-255), the cheapest thing postMessage carries after a number: a DONE or
 * a CALL without pipes then costs no ArrayBuffer to make, transfer and
 * detach. Bigger frames and frames with ports are ArrayBuffers.
 *
 * A burst of frames to one instance travels as one message, so that it
 * costs one postMessage, not one each. A frame alone goes at once: holding
 * it to the end of the turn would add the rest of the turn to a round trip.
 * Frames are held (and then sent together at the end of the turn) while a
 * batch is being delivered, since the core answers each of its frames; while
 * the owner's batchCtrl() says more are coming (the main thread: while other
 * JS calls are in flight); and after any frame held for the same
 * destination, to keep the order.
 * @typedef {{ f: ArrayBuffer | string, p: MessagePort[], e: unknown[][] }} CtrlFrame
 * @typedef {string | ({ t: 'f' } & CtrlFrame) | { t: 'fs', l: (string | CtrlFrame)[] }} CtrlMessage
 *
 * The host sends them through its owner's PostCtrl, which puts them on the
 * link to dest (js/link/link.js): the main thread's supervisor holds one
 * per worker, and a worker its link to the main thread. The MessagePorts a
 * frame moves are pipe ports, which stay MessagePorts whatever the link.
 *
 * @callback PostCtrl
 * @param {number} dest instance number
 * @param {CtrlMessage} msg
 * @param {Transferable[]} transfer what msg moves: frames, ports, early frames
 */

/**
 * A port of the table; bind() remembers its close listener on it, for
 * #quiet to remove, and addPort's listener marks it wmClosed when its far
 * end closes, which may happen while nobody listens (the port waits,
 * unbound, in a queued call).
 * @typedef {MessagePort & { wmOnClose?: (() => void) | null, wmClosed?: boolean }} HostPort
 */

export const STATS_FIELDS = /** @type {const} */ ([
  'fibers',
  'fibersBusy',
  'pipes',
  'calls',
  'running',
  'ports',
  'queued',
  'refused',
]);

/**
 * transferOf lists what control frames move, each once: a forged message
 * may name one buffer twice, and postMessage refuses a list with repeats.
 * @param {CtrlFrame[]} q
 * @returns {Transferable[]}
 */
function transferOf(q) {
  /** @type {Set<Transferable>} */
  const t = new Set();
  for (const x of q) {
    if (typeof x.f !== 'string') t.add(x.f);
    for (const p of x.p) t.add(p);
    for (const f of x.e.flat(2)) if (f instanceof ArrayBuffer) t.add(f);
  }
  return [...t];
}

/**
 * revive returns port, moved into a new MessagePort object if it can still
 * move, or else a stand-in whose peer (pushed on stale, to be closed once
 * the stand-in has moved) is as gone as port's.
 * @param {MessagePort} port
 * @param {MessagePort[]} stale
 * @returns {MessagePort}
 */
function revive(port, stale) {
  try {
    return structuredClone(port, { transfer: [port] });
  } catch {
    const ch = new MessageChannel();
    stale.push(ch.port2);
    return ch.port1;
  }
}

export class Host {
  /**
   * @param {{ self: number, postCtrl: PostCtrl, onDone?: (token: number, rc: number) => void,
   *   onReady?: (token: number) => void, onKill?: (worker: number) => void, batchCtrl?: () => boolean,
   *   onOut?: (token: number, status: number, bytes: Uint8Array) => void,
   *   onOutPort?: (token: number, port: MessagePort) => void }} o
   */
  constructor({ self, postCtrl, onDone, onReady, onKill, batchCtrl, onOut, onOutPort }) {
    this.self = self;
    this.postCtrl = postCtrl;
    this.batchCtrl = batchCtrl ?? (() => false);
    this.onDone = onDone ?? (() => {});
    this.onReady = onReady ?? (() => {});
    this.onKill = onKill ?? (() => {});
    this.onOut = onOut ?? (() => {});
    /** @type {(token: number, port: MessagePort) => void} */
    this.onOutPort = onOutPort ?? ((_, p) => p.close());
    /** @type {(HostPort | undefined)[]} */
    this.ports = [];
    /** @type {number[]} */
    this.freeIds = [];
    /** Frames that reached a detached port, or arrived with a moved one,
     * to deliver before anything newer. @type {Map<number, unknown[]>} */
    this.early = new Map();
    /** Emptied full DATA buffers, per port of a reading end, to hand back
     * to the writer with the next CREDIT. @type {Map<number, ArrayBuffer[]>} */
    this.giveBack = new Map();
    /** Full DATA buffers the readers gave back, for the next full frames
     * that this instance's writers send. @type {ArrayBuffer[]} */
    this.spares = [];
    /** @type {WmModule | null} */
    this.M = null;
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.timerId = null;
    this.kickPending = false;
    /** inside an entry point that ends by running the scheduler */
    this.inEntry = false;
    /** the time the timer is set for, or -1 */
    this.timerAt = -1;
    /** control frames held, per destination @type {Map<number, CtrlFrame[]>} */
    this.ctrlOut = new Map();
    this.ctrlFlushQueued = false;
    /** batches being delivered */
    this.ctrlHold = 0;
    this.closed = false;
    /** pipe frames this instance's core has received */
    this.framesIn = 0;
  }

  /** @param {WmModule} M */
  attach(M) {
    this.M = M;
  }

  get mod() {
    if (!this.M) throw new Error('wmesh: instance not ready');
    return this.M;
  }

  /** @param {MessagePort} port */
  addPort(port) {
    const id = this.freeIds.length ? /** @type {number} */ (this.freeIds.pop()) : this.ports.length;
    this.ports[id] = port;
    const p = /** @type {HostPort} */ (port);
    if (p.wmClosed === undefined) {
      p.wmClosed = false;
      p.addEventListener('close', () => (p.wmClosed = true), { once: true });
    }
    return id;
  }

  /** takePort removes a port from the table, to move or close it.
   * @param {number} id */
  takePort(id) {
    const p = this.ports[id];
    if (!p) return undefined;
    this.ports[id] = undefined;
    this.freeIds.push(id);
    this.early.delete(id);
    this.giveBack.delete(id);
    this.#quiet(p);
    p.onmessage = null;
    return p;
  }

  /** #quiet stops reporting a port's close to the core.
   * @param {HostPort} p */
  #quiet(p) {
    if (p.wmOnClose) p.removeEventListener('close', p.wmOnClose);
    p.wmOnClose = null;
  }

  // ---- host interface (called from C): every argument is a number ----

  /** @param {number} dest @param {number} ptr @param {number} n @param {number} portsPtr @param {number} nports */
  ctrlSend(dest, ptr, n, portsPtr, nports) {
    const heap = this.mod.HEAPU8;
    const frame =
      nports === 0 && n <= STRING_FRAME_MAX
        ? frameString(heap.subarray(ptr, ptr + n))
        : heap.slice(ptr, ptr + n).buffer;
    const ports = [];
    /** @type {unknown[][]} */
    const early = [];
    for (let i = 0; i < nports; i++) {
      const id = this.mod.HEAP32[(portsPtr >> 2) + i];
      early.push(this.early.get(id) ?? []);
      const p = this.takePort(id);
      if (p) ports.push(p);
    }
    if (this.closed) return;
    const q = this.ctrlOut.get(dest);
    // A call's whole output (OUT) is sent as its function ends, just before
    // its DONE: held to the end of the entry point, the two go as one
    // message. (Only OUT: a READY or a CALL must go at once, since the
    // function may compute for long before it returns.)
    const out = n > 0 && heap[ptr] === F_OUT && this.inEntry;
    if (q) {
      q.push({ f: frame, p: ports, e: early });
    } else if (this.ctrlHold || this.batchCtrl() || out) {
      this.ctrlOut.set(dest, [{ f: frame, p: ports, e: early }]);
      if (!this.ctrlFlushQueued) {
        this.ctrlFlushQueued = true;
        queueMicrotask(() => {
          this.ctrlFlushQueued = false;
          this.#flushCtrl();
        });
      }
    } else {
      this.#post(dest, [{ f: frame, p: ports, e: early }]);
    }
  }

  /**
   * #post sends frames to dest as one message.
   * @param {number} dest
   * @param {CtrlFrame[]} q
   */
  #post(dest, q) {
    try {
      this.#postOnce(dest, q);
    } catch (e) {
      if (!(e instanceof DOMException && e.name === 'DataCloneError')) throw e;
      // In Node a MessagePort whose peer was closed in this thread is
      // detached once that close is seen, and moving it throws. This
      // instance makes both ends of its own channels and may close one (a
      // chain's stage refused) before the other moves with a queued stage.
      // Each port moves as itself if it can, or else as a stand-in whose
      // peer is closed: the far side learns the same thing, that nobody is
      // at the other end.
      /** @type {MessagePort[]} */
      const stale = [];
      for (const x of q) x.p = x.p.map((p) => revive(p, stale));
      this.#postOnce(dest, q);
      for (const p of stale) p.close();
    }
  }

  /**
   * #postOnce sends frames to dest as one message.
   * @param {number} dest
   * @param {CtrlFrame[]} q
   */
  #postOnce(dest, q) {
    const one = (/** @type {CtrlFrame} */ x) => (typeof x.f === 'string' ? x.f : x);
    if (q.length > 1) this.postCtrl(dest, { t: 'fs', l: q.map(one) }, transferOf(q));
    else if (typeof q[0].f === 'string') this.postCtrl(dest, q[0].f, []);
    else this.postCtrl(dest, { t: 'f', ...q[0] }, transferOf(q));
  }

  /**
   * #enter runs an entry point of the core, and then sends the control
   * frames held while it ran (see ctrlSend), one message per destination.
   * @param {() => unknown} fn
   */
  #enter(fn) {
    const outer = this.inEntry;
    this.inEntry = true;
    // Time in the core, outermost entries only: the instance's busy time,
    // which stats() reports for utilization (js/usage.js).
    const t = outer ? 0 : performance.now();
    try {
      fn();
    } finally {
      this.inEntry = outer;
      if (!outer) this.busyMs += performance.now() - t;
      if (!outer && !this.ctrlHold && this.ctrlOut.size) this.#flushCtrl();
    }
  }

  /** ms spent running the core (its entries), and when this host began */
  busyMs = 0;
  startedAt = performance.now();

  /** #flushCtrl posts the held control frames, one message per destination. */
  #flushCtrl() {
    if (this.closed) return;
    for (const [dest, q] of this.ctrlOut) this.#post(dest, q);
    this.ctrlOut.clear();
  }

  /** @param {number} id @param {number} type @param {number} ptr @param {number} n */
  portSend(id, type, ptr, n) {
    const p = this.ports[id];
    if (!p) return;
    const heap = this.mod.HEAPU8;
    if (type !== F_DATA) {
      // The short frames (EOF, ERR, CREDIT, RCLOSE) travel as strings.
      const f = String.fromCharCode(type) + frameString(heap.subarray(ptr, ptr + n));
      const back = type === F_CREDIT ? this.giveBack.get(id) : undefined;
      if (back) {
        this.giveBack.delete(id);
        p.postMessage([f, ...back], back);
      } else {
        p.postMessage(f);
      }
      return;
    }
    const spare = n === CHUNK ? this.spares.pop() : undefined;
    // Every byte of the frame is written below: no need to zero it first.
    const b = spare?.byteLength === SPARE_SIZE ? new Uint8Array(spare) : uninitialized(n + 1);
    b[0] = type;
    if (n) b.set(heap.subarray(ptr, ptr + n), 1);
    p.postMessage(b.buffer, [b.buffer]);
  }

  /** @param {number} otherPtr */
  channel(otherPtr) {
    const ch = new MessageChannel();
    const a = this.addPort(ch.port1);
    this.mod.HEAP32[otherPtr >> 2] = this.addPort(ch.port2);
    return a;
  }

  /** @param {number} id */
  bind(id) {
    const p = this.ports[id];
    if (!p) return;
    const listen = () => {
      if (this.ports[id] !== p) return;
      p.onmessage = (e) => this.deliverPort(id, e.data);
      const onClose = () => {
        if (this.ports[id] !== p) return;
        this.#enter(() => this.mod._wm__on_port_close(id));
      };
      // A close that passed while the port was unbound is not heard again:
      // report it now (from the event loop, as the core runs when it binds).
      if (/** @type {HostPort} */ (p).wmClosed) return void queueMicrotask(onClose);
      p.wmOnClose = onClose; // for #quiet
      p.addEventListener('close', onClose);
    };
    const early = this.early.get(id);
    if (!early) return listen();
    // The core is running now and cannot take a frame; deliver the early
    // ones first, from the event loop, and only then the port's own.
    this.early.delete(id);
    queueMicrotask(() => {
      for (const f of early) if (this.ports[id] === p) this.deliverPort(id, f);
      listen();
    });
  }

  /** @param {number} id */
  detach(id) {
    const p = this.ports[id];
    if (!p) return;
    this.#quiet(p);
    if (!p.onmessage) return; // never started: its frames wait in the port
    const early = this.early.get(id) ?? [];
    this.early.set(id, early);
    p.onmessage = (e) => early.push(e.data);
  }

  /** @param {number} id */
  close(id) {
    const p = this.takePort(id);
    if (p) p.close();
  }

  /** @param {number} at */
  timer(at) {
    // The core asks again after every run: keep a timer that is already
    // set for that time rather than make a new one.
    if (at === this.timerAt && this.timerId !== null) return;
    if (this.timerId !== null) clearTimeout(this.timerId);
    this.timerId = null;
    this.timerAt = at;
    if (at < 0 || this.closed) return;
    this.timerId = setTimeout(() => {
      this.timerId = null;
      if (this.closed) return;
      this.#enter(() => this.mod._wm__on_timer());
    }, Math.max(0, at - Date.now()));
  }

  kick() {
    // The entry point that is running will run the scheduler as it returns
    // (src/core/entry.c): a kick would find nothing left to do.
    if (this.kickPending || this.inEntry) return;
    this.kickPending = true;
    queueMicrotask(() => {
      this.kickPending = false;
      if (!this.closed) this.#enter(() => this.mod._wm__run_entry());
    });
  }

  /** @param {number} token @param {number} rc */
  done(token, rc) {
    this.onDone(token, rc);
  }

  /** @param {number} token */
  ready(token) {
    this.onReady(token);
  }

  /** @param {number} token @param {number} status @param {number} ptr @param {number} n */
  out(token, status, ptr, n) {
    this.onOut(token, status, this.mod.HEAPU8.slice(ptr, ptr + n));
  }

  /** @param {number} token @param {number} id */
  outport(token, id) {
    const p = this.takePort(id);
    if (p) this.onOutPort(token, p);
  }

  /** @param {number} w */
  kill(w) {
    this.onKill(w);
  }

  // ---- events into C ----

  /**
   * copyIn puts bytes into the core's scratch buffer and returns its address.
   * @param {Uint8Array} bytes
   * @param {number} extra bytes more to reserve after them (4-aligned)
   */
  copyIn(bytes, extra = 0) {
    const at = (bytes.length + 3) & ~3;
    const ptr = this.mod._wm__scratch(at + extra + 4);
    if (!ptr) throw new WmError(codes.WM_ENOMEM);
    this.mod.HEAPU8.set(bytes, ptr);
    return ptr;
  }

  /** @param {number} id @param {unknown} data a port message, checked here */
  deliverPort(id, data) {
    if (this.closed) return;
    this.framesIn++;
    const { frame, spares } = unpack(data);
    for (const s of spares) if (this.spares.length < SPARES_KEPT) this.spares.push(s);
    // A buffer named twice in a forged early list may have been given back
    // (detached) since its first delivery: empty, it is refused. So is a
    // frame longer than any the protocol has, before it costs the core a
    // copy: the core fails the pipe with WM_EPROTO.
    let bytes = frameBytes(frame);
    if (bytes.length > MAX_CHUNK + 1) bytes = new Uint8Array(0);
    const M = this.mod;
    // DATA goes straight into its reader's buffer when the core has room
    // for it there in one piece; anything else through scratch.
    const at = bytes.length > 1 && bytes[0] === F_DATA ? M._wm__port_buf(id, bytes.length - 1) : 0;
    if (at) M.HEAPU8.set(bytes.subarray(1), at);
    const ptr = at ? 0 : this.copyIn(bytes);
    // Once in the core, a full DATA buffer is empty: it goes back to the
    // writer with the next credit (before the core runs, which may send it).
    if (bytes.length === SPARE_SIZE && bytes[0] === F_DATA) {
      const f = /** @type {ArrayBuffer} */ (frame);
      const back = this.giveBack.get(id);
      if (!back) this.giveBack.set(id, [f]);
      else if (back.length < MAX_SPARES && !back.includes(f)) back.push(f); // early frames may repeat one
    }
    this.#enter(() => (at ? M._wm__on_port_data(id, bytes.length - 1) : M._wm__on_port(id, ptr, bytes.length)));
  }

  /**
   * receiveCtrl hands a control message (CtrlMessage) from instance `from`
   * to the core. Anything malformed reaches the core as an empty frame,
   * which it refuses and counts.
   * @param {number} from
   * @param {any} m
   */
  receiveCtrl(from, m) {
    if (typeof m === 'string') return this.deliverCtrl(from, m, null);
    if (m.t !== 'fs') return this.deliverCtrl(from, m.f, m.p, m.e);
    if (!Array.isArray(m.l)) return this.deliverCtrl(from, null, null);
    this.ctrlHold++;
    try {
      for (const x of m.l) {
        if (typeof x === 'string') this.deliverCtrl(from, x, null);
        else this.deliverCtrl(from, x?.f, x?.p, x?.e);
      }
    } finally {
      if (!--this.ctrlHold) this.#flushCtrl();
    }
  }

  /**
   * deliverCtrl hands a control frame from instance `from` to the core; the
   * ports become this instance's until the core moves or closes them.
   * @param {number} from
   * @param {unknown} frame
   * @param {unknown} ports
   * @param {unknown} [early] per port, frames that arrived before it moved
   */
  deliverCtrl(from, frame, ports, early) {
    if (this.closed) return;
    const list = Array.isArray(ports) ? ports.filter((p) => p instanceof MessagePort) : [];
    let bytes = frameBytes(frame);
    // Longer than any frame of the protocol: refused (as the empty frame)
    // before it is copied into the core's memory, which never shrinks.
    if (bytes.length > MAX_CTRL) bytes = new Uint8Array(0);
    const ids = list.map((p) => this.addPort(p));
    if (Array.isArray(early) && Array.isArray(ports) && list.length === ports.length)
      ids.forEach((id, i) => {
        const e = early[i];
        // Frames, and credits with spares; what is neither is dropped here,
        // since it would be sent on if the port moved again.
        if (Array.isArray(e) && e.length)
          this.early.set(
            id,
            e.filter((f) => typeof f === 'string' || f instanceof ArrayBuffer || (Array.isArray(f) && unpack(f).frame)),
          );
      });
    const ptr = this.copyIn(bytes, ids.length * 4);
    const idsPtr = ptr + ((bytes.length + 3) & ~3);
    ids.forEach((id, i) => (this.mod.HEAP32[(idsPtr >> 2) + i] = id));
    this.#enter(() => this.mod._wm__on_ctrl(from, ptr, bytes.length, idsPtr, ids.length));
  }

  /** stats reads the core's counters. */
  stats() {
    const ptr = this.mod._wm__scratch(4 * STATS_FIELDS.length);
    this.mod._wm__js_stats(ptr);
    /** @type {Record<string, number>} */
    const s = {};
    STATS_FIELDS.forEach((k, i) => (s[k] = this.mod.HEAP32[(ptr >> 2) + i] >>> 0));
    s.jsPorts = this.ports.filter(Boolean).length;
    /** bytes of the instance's wasm memory, which never shrinks */
    s.memory = this.mod.HEAPU8.length;
    s.framesIn = this.framesIn;
    /** chunk buffers kept for reuse (bounded by SPARES_KEPT) */
    s.buffers = this.spares.length;
    /** ms spent in the core, and ms since the instance began (js/usage.js) */
    s.busyMs = Math.round(this.busyMs);
    s.upMs = Math.round(performance.now() - this.startedAt);
    return s;
  }

  /** dump returns the core's report of everything alive (wm_dump). */
  dump() {
    const ptr = this.mod._wm__js_dump();
    if (!ptr) return '';
    const heap = this.mod.HEAPU8;
    const end = heap.indexOf(0, ptr);
    return new TextDecoder().decode(heap.subarray(ptr, end < 0 ? ptr : end));
  }

  /** shutdown closes every port and stops the timer. */
  shutdown() {
    this.closed = true;
    this.giveBack.clear();
    this.spares.length = 0;
    for (const q of this.ctrlOut.values()) for (const x of q) for (const p of x.p) p.close();
    this.ctrlOut.clear();
    if (this.timerId !== null) clearTimeout(this.timerId);
    for (let id = 0; id < this.ports.length; id++) this.takePort(id)?.close();
  }
}

/**
 * instantiate creates the module in this thread from an already compiled
 * WebAssembly.Module: no fetch, no compile.
 * @param {(opts: object) => Promise<WmModule>} factory the glue's factory
 * @param {WebAssembly.Module} wasm
 * @param {Host} host
 * @returns {Promise<WmModule>}
 */
export async function instantiate(factory, wasm, host) {
  const M = await factory({
    wmHost: host,
    /**
     * @param {WebAssembly.Imports} imports
     * @param {(i: WebAssembly.Instance, m: WebAssembly.Module) => void} receive
     */
    instantiateWasm(imports, receive) {
      WebAssembly.instantiate(wasm, imports).then((inst) => receive(inst, wasm));
      return {};
    },
  });
  host.attach(M);
  return M;
}
