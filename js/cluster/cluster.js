// cluster/cluster.js: hosts of one mesh, meeting through NATS. Each host is
// a whole mesh (its main instance and its workers) that joins a namespace
// and serves calls for the other hosts; a call or a chain placed on other
// hosts is cut into segments, one per host, and each host runs its segment
// as a local chain. Bytes go from segment to segment directly, host to
// host (js/cluster/stream.js), never through the caller.
//
// Subjects, for a mesh named N (docs/ARCHITECTURE.md, "Hosts"):
//   wmesh.N.hello   every host's heartbeat (and a joining host's first word)
//   wmesh.N.c.<id>  control messages to host <id> (JSON, js/link/nats.js)
//   wmesh.N.d.<id>  stream frames to host <id> (binary, js/cluster/stream.js)
//
// Trust: whoever may publish on the mesh's subjects may call the module's
// exported functions, as whoever may post to a worker may. Hosts refuse
// what is malformed (counted as `forged`), hosts whose module differs
// (counted as `refused`, reported as a 'hostrefused' event), and functions
// the module does not export (WM_ENOFN), as a worker does.
import { WmError, codes } from '../errors.js';
import { natsLink } from '../link/nats.js';
import { toBytes } from '../pipe.js';
import { KEY_RE, StreamReceiver, StreamSender, T_DATA, decodeFrame } from './stream.js';

/**
 * @typedef {import('../link/port.js').PortLink & { deliver: (msg: object) => void }} HostLink
 * @typedef {import('../pipe.js').Input | undefined} Input
 *
 * @typedef {object} ClusterOptions what createMesh's `cluster` takes
 * @property {string | string[]} [servers] NATS servers to connect to (Node)
 * @property {any} [connection] a NatsConnection made by the caller (in a
 *   browser: wsconnect of the package nats-core of nats-io); the mesh
 *   closes only a connection it made
 * @property {string} [name] the mesh's name: hosts of one name serve each
 *   other (default 'default')
 * @property {string} [host] this host's id (default: random)
 * @property {number} [heartbeat] ms between heartbeats (default 1000); a
 *   host silent for 3 heartbeats is gone
 * @property {Record<string, unknown>} [nats] further NATS connection options (user, pass,
 *   token, tls, ...), passed through to connect
 *
 * @typedef {object} Peer a host this one knows
 * @property {string} id
 * @property {number} cap calls it runs at once
 * @property {number} load calls it ran at its last heartbeat
 * @property {number} inflight segments this host has sent it, not done
 * @property {number} served segments it sent this host, running here
 * @property {number} seen when its last message came (ms)
 * @property {HostLink} link
 *
 * @typedef {object} Seg a segment of a remote call, as the caller keeps it
 * @property {string} host
 * @property {(string | number)[]} fns
 * @property {WmError | null | undefined} end undefined while it runs;
 *   null if it ended with 0
 */

/** The protocol's version: a host refuses messages of another. */
const V = 1;
/** Host ids and mesh names: what a NATS subject token may hold, safely. */
const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
/** Codes that a segment reports because another failed first. */
const KNOCK_ON = new Set([codes.WM_EPIPE, codes.WM_ECANCELED, codes.WM_EINPUT]);
/** Heartbeats a host may miss before it is gone. */
const MISSES = 3;
/** Early stream entries kept at most (see Cluster.early). */
const EARLY_MAX = 4096;
/** A stream's window between hosts unless the call sets one: a NATS round
 * trip under load is milliseconds, not the microseconds of a MessagePort,
 * and the bytes in flight must cover it (measured: 64 MiB one hop out and
 * back, 512 KiB 35–49 MB/s, 4 MiB 70–74 MB/s, raw NATS 156 MB/s one way). */
const REMOTE_WINDOW = 4 << 20;

const decoder = new TextDecoder();

/**
 * Cluster is this host's membership of a mesh of hosts.
 */
export class Cluster {
  /** @type {Map<string, Peer>} */
  peers = new Map();
  /** the remote calls made here, by key @type {Map<string, { segs: Seg[], settle: () => void, cancel: (grace: number) => void, done: Promise<unknown> }>} */
  calls = new Map();
  /** segments served here, by "call/seg" @type {Map<string, { from: string, ac: AbortController }>} */
  served = new Map();
  /** @type {Map<string, { rx: StreamReceiver, peer: string }>} */
  receivers = new Map();
  /** @type {Map<string, { tx: StreamSender, peer: string }>} */
  senders = new Map();
  /** what was refused, counted */
  counts = { forged: 0, refused: 0, stray: 0, servedTotal: 0, sentTotal: 0, hostsGone: 0, bytesIn: 0, bytesOut: 0 };
  /** credit and aborts for streams whose sender is not made yet: the
   * receiver's first credit may overtake the request that makes the
   * sender, since the two come from different hosts. Bounded, and
   * forgotten after a while. @type {Map<string, { peer: string, n: number, code: number, at: number }>} */
  early = new Map();
  #next = 1;
  closed = false;
  /** @type {ReturnType<typeof setInterval> | undefined} */
  #timer;
  /** this host's subscriptions, ended at close (a connection the caller
   * gave outlives the mesh) @type {{ unsubscribe: () => void }[]} */
  subs = [];

  /**
   * @param {object} o
   * @param {any} o.nc the NATS connection
   * @param {boolean} o.ownNc the mesh made it (and closes it)
   * @param {string} o.name
   * @param {string} o.id
   * @param {string} o.hash the module's SHA-256, hex
   * @param {number} o.heartbeat
   * @param {() => { cap: number, load: number }} o.local this host's capacity and load
   * @param {(fns: (string | number)[], input: Input, opts: object) => import('../call.js').Call} o.run
   *   runs a chain here (the mesh's own calls)
   * @param {(type: string, detail: object) => void} o.event
   */
  constructor(o) {
    this.nc = o.nc;
    this.ownNc = o.ownNc;
    this.name = o.name;
    this.id = o.id;
    this.hash = o.hash;
    this.heartbeat = o.heartbeat;
    this.local = o.local;
    this.run = o.run;
    this.event = o.event;
    this.prefix = `wmesh.${o.name}`;
    /** this process's own, so that another host with the same id is told
     * apart from this one's hellos coming back */
    this.nonce = Math.random().toString(36).slice(2, 12);
  }

  /** start subscribes, says hello, and watches the connection and the peers. */
  async start() {
    const sub = (/** @type {string} */ subject, /** @type {(data: Uint8Array) => void} */ take) =>
      this.nc.subscribe(subject, { callback: (/** @type {any} */ err, /** @type {any} */ m) => err || take(m.data) });
    this.subs = [
      sub(`${this.prefix}.hello`, (d) => this.#control(d)),
      sub(`${this.prefix}.c.${this.id}`, (d) => this.#control(d)),
      sub(`${this.prefix}.d.${this.id}`, (d) => this.#data(d)),
    ];
    await this.nc.flush();
    this.#hello(true);
    this.#timer = setInterval(() => this.#tick(), this.heartbeat);
    this.#watch();
  }

  /** #watch follows the connection: losing NATS loses every peer (their
   * calls fail at once, cleanly); on reconnect this host says hello again. */
  async #watch() {
    try {
      for await (const s of this.nc.status()) {
        if (this.closed) return;
        if (s.type === 'disconnect') for (const id of [...this.peers.keys()]) this.#gone(id, 'connection to NATS lost');
        else if (s.type === 'reconnect') this.#hello(true);
      }
    } catch {
      // The connection is closed: close() has done, or will do, the rest.
    }
  }

  /** when #tick last ran */
  #lastTick = Date.now();

  /** #tick sends the heartbeat and drops peers that missed too many. */
  #tick() {
    this.#hello(false);
    const now = Date.now();
    // A tick that comes late means this host's own event loop was held (a
    // long computation of its own): the peers' messages are still waiting
    // to be read, so their silence proves nothing this time.
    const held = now - this.#lastTick > 1.5 * this.heartbeat;
    this.#lastTick = now;
    if (held) return;
    const late = now - MISSES * this.heartbeat;
    for (const p of [...this.peers.values()]) if (p.seen < late) this.#gone(p.id, `no heartbeat for ${now - p.seen} ms`);
    for (const [k, e] of this.early) if (e.at < late) this.early.delete(k);
  }

  /** @param {boolean} ask ask every host to answer at once (joining) */
  #hello(ask) {
    const { cap, load } = this.local();
    this.#publish(`${this.prefix}.hello`, { t: 'hello', v: V, from: this.id, nonce: this.nonce, hash: this.hash, cap, load, ask });
  }

  /** @param {string} subject @param {object} msg */
  #publish(subject, msg) {
    if (this.closed && /** @type {any} */ (msg).t !== 'bye') return;
    try {
      this.nc.publish(subject, JSON.stringify(msg));
    } catch {
      // Closed or draining: the peers learn of it from the heartbeats.
    }
  }

  /** #send sends a control message to a peer (or drops it if gone). @param {string} id @param {object} msg */
  #send(id, msg) {
    this.peers.get(id)?.link.send({ ...msg, v: V, from: this.id });
  }

  /**
   * #peer returns the peer a message comes from, adding a host that runs
   * the same module; a host of another module is refused (and reported
   * once per host).
   * @param {any} m @returns {Peer | null}
   */
  #peer(m) {
    const known = this.peers.get(m.from);
    if (known) {
      known.seen = Date.now();
      return known;
    }
    if (m.t !== 'hello' && m.t !== 'seg') {
      this.counts.stray++;
      return null;
    }
    if (m.hash !== this.hash) {
      this.#refuse(m.from, this.#otherModule(m.hash));
      return null;
    }
    const id = m.from;
    const link = natsLink(
      (bytes) => {
        try {
          this.nc.publish(`${this.prefix}.c.${id}`, bytes);
        } catch {
          // closed: see #publish
        }
      },
      () => this.#publish(`${this.prefix}.c.${id}`, { t: 'bye', v: V, from: this.id }),
    );
    /** @type {Peer} */
    const p = { id, cap: 0, load: 0, inflight: 0, served: 0, seen: Date.now(), link };
    this.peers.set(id, p);
    link.onMessage((msg) => this.#fromPeer(p, msg));
    this.event('hostjoin', { host: id });
    return p;
  }

  /** @param {unknown} hash */
  #otherModule(hash) {
    return `another module (sha256 ${String(hash).slice(0, 12)}…, this host ${this.hash.slice(0, 12)}…)`;
  }

  /**
   * #refuse counts a host refused, and reports it (once a heartbeat at
   * most, not once a message). @param {string} host @param {string} reason
   */
  #refuse(host, reason) {
    this.counts.refused++;
    const now = Date.now();
    const last = this.#reported.get(host) ?? 0;
    if (now - last < this.heartbeat) return;
    if (this.#reported.size >= EARLY_MAX) this.#reported.clear();
    this.#reported.set(host, now);
    this.event('hostrefused', { host, reason });
  }

  /** when each refused host was last reported @type {Map<string, number>} */
  #reported = new Map();

  /**
   * #control takes a control message: JSON, checked field by field before
   * anything is done with it.
   * @param {Uint8Array} data
   */
  #control(data) {
    let m;
    try {
      m = JSON.parse(decoder.decode(data));
    } catch {
      m = null;
    }
    if (!m || typeof m !== 'object' || m.v !== V || typeof m.t !== 'string' || typeof m.from !== 'string' || !ID_RE.test(m.from)) {
      this.counts.forged++;
      return;
    }
    if (m.from === this.id) {
      // Its own hello comes back; one of another process means two hosts
      // share an id, and would each get half of the other's messages.
      if (m.t === 'hello' && m.nonce !== this.nonce) this.#refuse(m.from, 'another host uses this id');
      return;
    }
    if (this.closed) return;
    const p = this.#peer(m);
    if (!p) return;
    p.link.deliver(m);
  }

  /** #fromPeer acts on a message of a known peer. @param {Peer} p @param {any} m */
  #fromPeer(p, m) {
    const ok = () => this.#check(m);
    switch (m.t) {
      case 'hello':
        if (!Number.isInteger(m.cap) || !Number.isInteger(m.load) || m.cap < 0 || m.load < 0) break;
        // A host restarted under its id with another module is that id gone.
        if (m.hash !== this.hash) {
          this.#gone(p.id, 'now runs another module');
          this.#refuse(p.id, this.#otherModule(m.hash));
          return;
        }
        p.cap = m.cap;
        p.load = m.load;
        // A joining host asks: it hears of this one at once, not a heartbeat later.
        if (m.ask === true) this.#send(p.id, { t: 'hello', hash: this.hash, ...this.local(), ask: false });
        return;
      case 'bye':
        this.#gone(p.id, 'left the mesh');
        return;
      case 'seg':
        if (ok()) return this.#serve(p, m);
        break;
      case 'done':
        if (typeof m.call === 'string' && Number.isInteger(m.seg) && Number.isInteger(m.rc) && m.rc <= 0)
          return this.#segDone(p, m.call, m.seg, m.rc ? new WmError(m.rc, typeof m.fn === 'string' ? m.fn : undefined) : null);
        break;
      case 'cancel':
        if (typeof m.call === 'string') {
          for (const [k, s] of this.served) if (s.from === p.id && k.startsWith(`${m.call}/`)) s.ac.abort(new WmError(codes.WM_ECANCELED));
          return;
        }
        break;
      case 'credit':
        if (typeof m.s === 'string' && Number.isInteger(m.n) && m.n > 0) {
          const s = this.senders.get(m.s);
          if (s && s.peer === p.id) s.tx.credit(m.n);
          else this.#earlyFor(m.s, p.id).n += m.n;
          return;
        }
        break;
      case 'sabort':
        if (typeof m.s === 'string' && Number.isInteger(m.code) && m.code < 0) {
          const s = this.senders.get(m.s);
          if (s && s.peer === p.id) s.tx.fail(new WmError(m.code));
          else this.#earlyFor(m.s, p.id).code = m.code;
          return;
        }
        break;
    }
    this.counts.forged++;
  }

  /**
   * #early_ is the early entry of stream key from peer, made if need be.
   * @param {string} key @param {string} peer
   */
  #earlyFor(key, peer) {
    let e = this.early.get(key);
    if (!e || e.peer !== peer) {
      if (this.early.size >= EARLY_MAX) this.early.delete(/** @type {string} */ (this.early.keys().next().value));
      e = { peer, n: 0, code: 0, at: Date.now() };
      this.early.set(key, e);
    }
    return e;
  }

  /** #check checks a segment request's fields. @param {any} m */
  #check(m) {
    const key = (/** @type {unknown} */ k) => k === null || (typeof k === 'string' && KEY_RE.test(k));
    const host = (/** @type {unknown} */ h) => h === null || (typeof h === 'string' && ID_RE.test(h));
    return (
      typeof m.call === 'string' &&
      KEY_RE.test(m.call) &&
      Number.isInteger(m.seg) &&
      m.seg >= 0 &&
      Array.isArray(m.fns) &&
      m.fns.length > 0 &&
      m.fns.length <= 256 &&
      m.fns.every((/** @type {unknown} */ f) => typeof f === 'string' || (Number.isSafeInteger(f) && /** @type {number} */ (f) >= 0)) &&
      key(m.in) &&
      key(m.out) &&
      host(m.inFrom) &&
      host(m.outTo) &&
      (m.in === null) === (m.inFrom === null) &&
      (m.out === null) === (m.outTo === null) &&
      Number.isFinite(m.timeout) &&
      Number.isInteger(m.window) &&
      m.window >= 1024 &&
      m.window <= 1 << 26 &&
      Number.isFinite(m.grace) &&
      m.grace >= 0
    );
  }

  /**
   * #data takes a stream frame: for a receiver here, or counted (stray:
   * a late frame of a stream already ended; forged: not a frame).
   * @param {Uint8Array} data
   */
  #data(data) {
    const f = decodeFrame(data);
    if (!f) {
      this.counts.forged++;
      return;
    }
    const r = this.receivers.get(f.key);
    if (!r) {
      this.counts.stray++;
      return;
    }
    if (f.type === T_DATA) this.counts.bytesIn += f.payload.length;
    const p = this.peers.get(r.peer);
    if (p) p.seen = Date.now();
    r.rx.frame(f.type, f.seq, f.payload);
  }

  /** #key makes a key unique to this host, for a call or a stream. */
  #key() {
    return `${this.id}:${this.#next++}`;
  }

  /**
   * #receive makes the receiver of stream key, written by host peer.
   * @param {string} key @param {string} peer @param {number} window
   * @param {boolean} [implied] the sender starts with a window's credit
   */
  #receive(key, peer, window, implied = false) {
    const rx = new StreamReceiver(
      key,
      window,
      (n) => this.#send(peer, { t: 'credit', s: key, n }),
      () => this.#send(peer, { t: 'sabort', s: key, code: codes.WM_EPIPE }),
      implied,
    );
    this.receivers.set(key, { rx, peer });
    if (!this.peers.has(peer)) rx.fail(new WmError(codes.WM_EDIED, `host ${peer}`));
    return rx;
  }

  /**
   * #sendStream makes the sender of stream key, read by host peer.
   * @param {string} key @param {string} peer
   */
  #sendStream(key, peer) {
    const subject = `${this.prefix}.d.${peer}`;
    const tx = new StreamSender(key, (f) => {
      this.counts.bytesOut += f.length;
      try {
        this.nc.publish(subject, f);
      } catch {
        tx.fail(new WmError(codes.WM_EDIED, 'connection to NATS lost'));
      }
    });
    this.senders.set(key, { tx, peer });
    const e = this.early.get(key);
    if (e && e.peer === peer) {
      this.early.delete(key);
      if (e.n) tx.credit(e.n);
      if (e.code) tx.fail(new WmError(e.code));
    }
    if (!this.peers.has(peer)) tx.fail(new WmError(codes.WM_EDIED, `host ${peer}`));
    return tx;
  }

  /**
   * #serve runs a segment for a peer (or for this host's own call: p is
   * null, and `direct` gives the caller's input and takes the output).
   * @param {Peer | null} p
   * @param {any} m the checked request
   * @param {{ input?: Input, output?: (s: ReadableStream<Uint8Array>) => void }} [direct]
   */
  async #serve(p, m, direct = {}) {
    const from = p ? p.id : this.id;
    const sk = `${m.call}/${m.seg}`;
    const done = (/** @type {WmError | null} */ e) => {
      if (p) this.#send(from, { t: 'done', call: m.call, seg: m.seg, rc: e ? e.code : 0, fn: e?.fn });
      else this.#segDone(null, m.call, m.seg, e);
    };
    if (this.served.has(sk)) return void this.counts.forged++;
    const ac = new AbortController();
    this.served.set(sk, { from, ac });
    if (p) p.served++;
    this.counts.servedTotal++;
    const rx = m.in ? this.#receive(m.in, m.inFrom, m.window) : null;
    const tx = m.out ? this.#sendStream(m.out, m.outTo) : null;
    // The caller made the receiver of its own output before it sent this
    // request: no need to wait a round trip for its first credit.
    if (tx && p && m.outTo === p.id) tx.credit(m.window);
    /** @type {WmError | null} */
    let err = null;
    try {
      const opts = { signal: ac.signal, grace: m.grace, window: m.window, output: !!(tx || direct.output) };
      if (m.timeout >= 0) Object.assign(opts, { timeout: m.timeout });
      const call = this.run(m.fns, rx ? rx.readable : direct.input, opts);
      const pumped = tx ? tx.pump(call.output) : (direct.output?.(call.output), Promise.resolve());
      err = await call.result.then(
        () => null,
        (e) => (e instanceof WmError ? e : new WmError(codes.WM_ECANCELED)),
      );
      await pumped;
      // An output the next host stopped reading (it failed) fails this
      // segment too, if nothing else did.
      err ??= tx?.failed ?? null;
    } catch (e) {
      // Refused before it ran: an unknown function, a bad option.
      err = e instanceof WmError ? e : new WmError(codes.WM_EINVAL, String(e));
      rx?.fail(err);
      tx?.abort(err.code);
    }
    if (rx) {
      rx.stop();
      this.receivers.delete(/** @type {string} */ (m.in));
    }
    if (tx) this.senders.delete(/** @type {string} */ (m.out));
    this.served.delete(sk);
    if (p) p.served--;
    done(err);
  }

  /**
   * #segDone records a segment's end; the call settles once every
   * segment has.
   * @param {Peer | null} p who says so (null: this host)
   * @param {string} call @param {number} seg @param {WmError | null} e
   */
  #segDone(p, call, seg, e) {
    const c = this.calls.get(call);
    const s = c?.segs[seg];
    if (!c || !s || s.end !== undefined || (p && s.host !== p.id)) {
      this.counts.stray++;
      return;
    }
    s.end = e;
    if (s.host !== this.id) {
      const owner = this.peers.get(s.host);
      if (owner) owner.inflight--;
    }
    // The first real failure cancels the rest: their end is its knock-on.
    if (e && !KNOCK_ON.has(e.code)) c.cancel(0);
    if (c.segs.every((x) => x.end !== undefined)) c.settle();
  }

  /**
   * #gone handles a peer's end: its link goes, the segments it ran for
   * this host fail with WM_EDIED, the segments this host ran for it are
   * cancelled, and the streams to and from it fail.
   * @param {string} id @param {string} why
   */
  #gone(id, why) {
    const p = this.peers.get(id);
    if (!p) return;
    this.peers.delete(id);
    this.counts.hostsGone++;
    p.link.gone(why);
    // Calls cut off by this host's own close fail as every call does then.
    const died = () => new WmError(this.closed ? codes.WM_ECLOSED : codes.WM_EDIED, `host ${id} (${why})`);
    for (const r of this.receivers.values()) if (r.peer === id) r.rx.fail(died());
    for (const s of this.senders.values()) if (s.peer === id) s.tx.fail(died());
    for (const s of this.served.values()) if (s.from === id) s.ac.abort(new WmError(codes.WM_ECANCELED));
    for (const [key, c] of [...this.calls])
      c.segs.forEach((s, i) => {
        if (s.host === id && s.end === undefined) this.#segDone(null, key, i, died());
      });
    this.event('hostexit', { host: id, reason: why });
  }

  /**
   * place picks the host of a call: `where` is { host }, 'cluster' (the
   * least loaded of all, this one included), or spill (this host unless
   * it is full). Returns null for this host.
   * @param {any} where @param {boolean} spill
   * @returns {string | null}
   */
  place(where, spill) {
    if (where && typeof where === 'object' && 'host' in where) {
      if (where.host === this.id) return null;
      if (!this.peers.has(where.host)) throw new WmError(codes.WM_EINVAL, `where: no host ${JSON.stringify(where.host)} in mesh ${this.name}`);
      return where.host;
    }
    const me = this.local();
    const ratio = (/** @type {Peer} */ p) => (p.load + p.inflight) / Math.max(1, p.cap);
    let best = null;
    for (const p of this.peers.values()) if (p.cap > 0 && (!best || ratio(p) < ratio(best))) best = p;
    if (where === 'cluster') return best && ratio(best) < me.load / Math.max(1, me.cap) ? best.id : null;
    // spill: here while there is room; else a host with room, if any.
    if (me.load < me.cap || !best || best.load + best.inflight >= best.cap) return null;
    return best.id;
  }

  /**
   * hostsFor lists the hosts a chain's stages go to, each stage's host.
   * @param {any} where 'cluster' or { hosts: string[] }
   * @param {number} n stages
   * @returns {string[]}
   */
  hostsFor(where, n) {
    let hosts;
    if (where === 'cluster') hosts = [this.id, ...[...this.peers.keys()].sort()];
    else {
      hosts = where.hosts;
      for (const h of hosts)
        if (h !== this.id && !this.peers.has(h)) throw new WmError(codes.WM_EINVAL, `where: no host ${JSON.stringify(h)} in mesh ${this.name}`);
    }
    // Contiguous runs, as a local chain spreads its stages over workers.
    const k = Math.min(n, hosts.length);
    return Array.from({ length: n }, (_, i) => hosts[Math.floor((i * k) / n)]);
  }

  /**
   * call runs fns on other hosts: stage i on host stageHosts[i] (a run of
   * stages on one host is one segment there). Returns what a Call needs.
   * @param {(string | number)[]} fns registered names (an index is passed
   *   as is, for the host to refuse if the module does not export it)
   * @param {string[]} stageHosts
   * @param {Input} input
   * @param {{ timeout: number, grace: number, window: number, signal?: AbortSignal, output: boolean }} o
   * @returns {{ output: ReadableStream<Uint8Array> | null, result: Promise<number> }}
   */
  call(fns, stageHosts, input, o) {
    if (this.closed) throw new WmError(codes.WM_ECLOSED);
    /** @type {Seg[]} */
    const segs = [];
    fns.forEach((f, i) => {
      const h = stageHosts[i];
      if (segs.length && segs[segs.length - 1].host === h) segs[segs.length - 1].fns.push(f);
      else segs.push({ host: h, fns: [f], end: undefined });
    });
    const key = this.#key();
    const window = o.window || REMOTE_WINDOW;
    // Stream keys at each boundary: 0 is the caller's input, segs.length its output.
    const bounds = segs.map(() => this.#key());
    bounds.push(this.#key());
    const hostAt = (/** @type {number} */ i) => (i < 0 || i >= segs.length ? this.id : segs[i].host);
    /** @type {ReadableStream<Uint8Array> | null} */
    let output = null;
    /** @type {(v: number) => void} */
    let settle = () => {};
    const settled = new Promise((r) => (settle = r));
    /** @param {number} grace */
    const cancel = (grace) =>
      segs.forEach((s, i) => {
        if (s.end !== undefined) return;
        if (s.host === this.id) this.served.get(`${key}/${i}`)?.ac.abort(new WmError(codes.WM_ECANCELED));
        else this.#send(s.host, { t: 'cancel', call: key, grace });
      });
    this.calls.set(key, { segs, settle: () => settle(0), cancel, done: settled });
    // The hosts enforce the deadline; this guard settles the call if a
    // host never answers (a host that heartbeats but does not serve, a
    // reply lost with NATS): past the deadline, the grace and two
    // heartbeats, what has not ended fails with WM_ETIMEDOUT.
    const guard =
      o.timeout >= 0
        ? setTimeout(() => {
            cancel(0);
            segs.forEach((s, i) => {
              if (s.end === undefined) this.#segDone(null, key, i, new WmError(codes.WM_ETIMEDOUT, `host ${s.host} did not answer`));
            });
          }, o.timeout + o.grace + 2 * this.heartbeat)
        : undefined;
    const onAbort = () => cancel(o.grace);
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const last = segs.length - 1;
    // The caller's own ends: the output of a last segment elsewhere, and
    // its input to a first segment elsewhere.
    const outRx = o.output && segs[last].host !== this.id ? this.#receive(bounds[segs.length], segs[last].host, window, true) : null;
    if (outRx) output = outRx.readable;
    const feed = segs[0].host !== this.id && input !== undefined ? this.#sendStream(bounds[0], segs[0].host) : null;
    segs.forEach((s, i) => {
      const first = i === 0;
      const end = i === last;
      const hasIn = !(first && (input === undefined || s.host === this.id));
      const hasOut = !(end && (!o.output || s.host === this.id));
      const m = {
        t: 'seg',
        call: key,
        seg: i,
        fns: s.fns,
        in: hasIn ? bounds[i] : null,
        inFrom: hasIn ? hostAt(i - 1) : null,
        out: hasOut ? bounds[i + 1] : null,
        outTo: hasOut ? hostAt(i + 1) : null,
        timeout: o.timeout,
        window,
        grace: o.grace,
        hash: this.hash,
      };
      if (s.host === this.id) {
        /** @type {{ input?: Input, output?: (s: ReadableStream<Uint8Array>) => void }} */
        const direct = {};
        if (first) direct.input = input;
        if (end && o.output) direct.output = (st) => (output = st);
        this.#serve(null, m, direct);
      } else {
        const p = /** @type {Peer} */ (this.peers.get(s.host));
        p.inflight++;
        this.counts.sentTotal++;
        this.#send(s.host, m);
      }
    });
    feed?.pump(toStream(input));
    const result = settled.then(() => {
      clearTimeout(guard);
      // A signal that outlives the call (one for many calls) keeps no
      // listener of it.
      o.signal?.removeEventListener('abort', onAbort);
      this.calls.delete(key);
      // An input the first segment never read to its end is not waited for.
      feed?.fail(new WmError(codes.WM_ECANCELED));
      this.senders.delete(bounds[0]);
      this.receivers.delete(bounds[segs.length]);
      const errs = segs.map((s) => s.end).filter((e) => e);
      const e = errs.find((x) => !KNOCK_ON.has(/** @type {WmError} */ (x).code)) ?? errs[0];
      // An output whose last host never said why it ended (it never
      // answered) must not leave its reader waiting.
      if (e) outRx?.fail(e);
      if (o.signal?.aborted) throw o.signal.reason;
      if (e) throw e;
      return 0;
    });
    return { output, result };
  }

  /** stats: the hosts this one knows, and its counts. */
  stats() {
    const hosts = [...this.peers.values()].map((p) => ({
      host: p.id,
      cap: p.cap,
      load: p.load,
      inflightTo: p.inflight,
      inflightFrom: p.served,
      lastSeenMs: Date.now() - p.seen,
    }));
    return {
      host: this.id,
      name: this.name,
      hosts,
      callsOut: this.calls.size,
      segmentsServed: this.served.size,
      streams: this.senders.size + this.receivers.size,
      ...this.counts,
    };
  }

  /** dump: one line a remote host and a call in flight to or from one. */
  dump() {
    const lines = [`cluster ${this.name} host ${this.id}: ${this.peers.size} other hosts\n`];
    for (const p of this.peers.values())
      lines.push(`  host ${p.id} cap ${p.cap} load ${p.load} inflight to ${p.inflight} from ${p.served}\n`);
    for (const [k, c] of this.calls)
      lines.push(`  call ${k} to ${c.segs.map((s) => `${s.host}[${s.fns.join('|')}]${s.end === undefined ? '' : s.end ? ` ${s.end.code}` : ' 0'}`).join(' > ')}\n`);
    for (const [k, s] of this.served) lines.push(`  serving ${k} for ${s.from}\n`);
    return lines.join('');
  }

  /** settled resolves once every call made here so far has settled. */
  settled() {
    return Promise.all([...this.calls.values()].map((c) => c.done));
  }

  /**
   * close leaves the mesh: calls to other hosts are cancelled, the peers
   * are told (bye), and the connection is closed if the mesh made it.
   */
  async close() {
    if (this.closed) return;
    for (const c of this.calls.values()) c.cancel(0);
    for (const s of this.served.values()) s.ac.abort(new WmError(codes.WM_ECLOSED));
    this.#publish(`${this.prefix}.hello`, { t: 'bye', v: V, from: this.id });
    this.closed = true;
    clearInterval(this.#timer);
    for (const id of [...this.peers.keys()]) this.#gone(id, 'this host left');
    try {
      for (const x of this.subs) x.unsubscribe();
      if (this.ownNc) await this.nc.close();
      else await this.nc.flush();
    } catch {
      // already closed
    }
  }
}

/**
 * toStream makes a ReadableStream of a call's input (js/options.js
 * checkInput has checked its type).
 * @param {Input} input
 * @returns {ReadableStream<Uint8Array>}
 */
function toStream(input) {
  if (input instanceof ReadableStream) return /** @type {ReadableStream<any>} */ (input).pipeThrough(new TransformStream({ transform: (c, ctl) => ctl.enqueue(toBytes(c)) }));
  if (typeof input === 'string' || input instanceof ArrayBuffer || ArrayBuffer.isView(input))
    return new ReadableStream({ start: (c) => (c.enqueue(toBytes(input)), c.close()) });
  const it = /** @type {any} */ (input)[Symbol.asyncIterator]?.() ?? /** @type {any} */ (input)[Symbol.iterator]();
  return new ReadableStream({
    async pull(c) {
      const { done, value } = await it.next();
      if (done) c.close();
      else c.enqueue(toBytes(value));
    },
    async cancel() {
      await it.return?.();
    },
  });
}
