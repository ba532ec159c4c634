// cluster/stream.js: a byte stream from one host to another over NATS, as
// a pipe between two workers is over a MessagePort: in order, with credit
// flow control, and never with a hole. NATS core delivers each message at
// most once, so every frame carries a sequence number: a frame missing
// (seq not the next expected) fails the stream with WM_EPROTO instead of
// delivering what follows it. A sender gone (its host's heartbeats stop)
// fails it with WM_EDIED: js/cluster/cluster.js tells the stream.
//
// Frames travel on the receiving host's data subject; credit and a
// receiver's abort go back as control messages (js/cluster/cluster.js),
// because they are small and rare, and the receiver subscribes before the
// sender may send anything: a sender waits for the receiver's first credit.
import { WmError, codes } from '../errors.js';
import { CHUNK } from '../wire.js';

/** Frame types. */
export const T_DATA = 1;
export const T_END = 2;
export const T_ABORT = 3;

/** A stream's key: the caller's host id, ':' and a number; at most 80 bytes. */
export const KEY_RE = /^[A-Za-z0-9_-]{1,64}:[0-9]{1,15}$/;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * encodeFrame lays out one frame: type (u8), key length (u8), key (ASCII),
 * seq (u32 LE), then the payload (DATA: bytes; ABORT: the code, i32 LE).
 * @param {number} type
 * @param {string} key
 * @param {number} seq
 * @param {Uint8Array} [payload]
 * @returns {Uint8Array}
 */
export function encodeFrame(type, key, seq, payload) {
  const k = encoder.encode(key);
  const n = payload ? payload.length : 0;
  const out = new Uint8Array(2 + k.length + 4 + n);
  out[0] = type;
  out[1] = k.length;
  out.set(k, 2);
  new DataView(out.buffer).setUint32(2 + k.length, seq >>> 0, true);
  if (payload) out.set(payload, 6 + k.length);
  return out;
}

/**
 * decodeFrame reads a frame, or returns null for bytes that are not one
 * (the caller counts them as forged): a frame is refused whole, never
 * half-read.
 * @param {Uint8Array} b
 * @returns {{ type: number, key: string, seq: number, payload: Uint8Array } | null}
 */
export function decodeFrame(b) {
  if (!(b instanceof Uint8Array) || b.length < 6) return null;
  const type = b[0];
  const kl = b[1];
  if (type < T_DATA || type > T_ABORT || b.length < 6 + kl) return null;
  const key = decoder.decode(b.subarray(2, 2 + kl));
  if (!KEY_RE.test(key)) return null;
  const seq = new DataView(b.buffer, b.byteOffset).getUint32(2 + kl, true);
  const payload = b.subarray(6 + kl);
  if (type === T_END && payload.length) return null;
  if (type === T_ABORT && payload.length !== 4) return null;
  return { type, key, seq, payload };
}

/**
 * StreamSender writes a stream to a receiver on another host.
 * `post(bytes)` publishes one frame on the receiver's data subject.
 */
export class StreamSender {
  /** bytes the receiver has room for */
  #credit = 0;
  #seq = 0;
  /** @type {(() => void) | null} wakes a writer waiting for credit */
  #wake = null;
  /** @type {WmError | null} why the stream failed (receiver gone or aborted) */
  #failed = null;
  #ended = false;

  /**
   * @param {string} key
   * @param {(frame: Uint8Array) => void} post
   */
  constructor(key, post) {
    this.key = key;
    this.post = post;
    /** the receiver has granted credit at least once (it is listening) */
    this.open = false;
  }

  /** credit adds bytes the receiver has room for. @param {number} n */
  credit(n) {
    this.open = true;
    this.#credit += n;
    this.#wake?.();
  }

  /** fail ends the stream from the far side: writers reject with code. @param {WmError} e */
  fail(e) {
    this.#failed ??= e;
    this.#wake?.();
  }

  /** why the stream failed, if it did */
  get failed() {
    return this.#failed;
  }

  /** #room waits for credit (or a failure, which it throws). */
  async #room() {
    while (this.#credit <= 0 && !this.#failed) await new Promise((r) => (this.#wake = () => r(undefined)));
    this.#wake = null;
    if (this.#failed) throw this.#failed;
  }

  /**
   * write sends bytes, split into chunks of at most CHUNK, each once the
   * receiver has room (a chunk may overshoot its credit by less than
   * CHUNK, which the receiver allows for).
   * @param {Uint8Array} bytes
   */
  async write(bytes) {
    for (let off = 0; off < bytes.length; off += CHUNK) {
      await this.#room();
      const part = bytes.subarray(off, Math.min(bytes.length, off + CHUNK));
      this.#credit -= part.length;
      this.post(encodeFrame(T_DATA, this.key, this.#seq++, part));
    }
  }

  /** end says that nothing more comes (after the frames already sent). */
  async end() {
    if (this.#ended) return;
    this.#ended = true;
    // The receiver may not be listening yet: END waits for its first credit.
    while (!this.open && !this.#failed) await this.#room();
    if (!this.#failed) this.post(encodeFrame(T_END, this.key, this.#seq++));
  }

  /** abort fails the stream at the receiver with code (a negative WM_* code). @param {number} code */
  abort(code) {
    if (this.#ended) return;
    this.#ended = true;
    const p = new Uint8Array(4);
    new DataView(p.buffer).setInt32(0, code, true);
    if (this.open) this.post(encodeFrame(T_ABORT, this.key, this.#seq++, p));
    this.fail(new WmError(code));
  }

  /**
   * pump writes a whole ReadableStream, then ends; if the stream errors,
   * aborts with its code. Resolves when done; never rejects.
   * @param {ReadableStream<Uint8Array>} source
   */
  async pump(source) {
    const reader = source.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        await this.write(value);
      }
      await this.end();
    } catch (e) {
      reader.cancel(e).catch(() => {});
      this.abort(e instanceof WmError ? e.code : codes.WM_EINPUT);
    }
  }
}

/**
 * StreamReceiver is the reading end: `readable` gives the bytes in order.
 * It grants credit with `grant(n)` as its reader consumes them.
 */
export class StreamReceiver {
  /** @type {Uint8Array[]} */
  #queue = [];
  #queued = 0;
  #next = 0;
  #consumed = 0;
  /** @type {(() => void) | null} */
  #wake = null;
  #done = false;
  /** @type {WmError | null} */
  #error = null;

  /**
   * @param {string} key
   * @param {number} window bytes in flight at most
   * @param {(n: number) => void} grant sends credit to the sender
   * @param {(reason: unknown) => void} cancelled the reader stopped early: tell the sender
   * @param {boolean} [implied] the sender starts with the window as its
   *   credit, without waiting for it: it knows this receiver was made
   *   before it could send (the caller's own output)
   */
  constructor(key, window, grant, cancelled, implied = false) {
    this.key = key;
    this.window = window;
    this.grant = grant;
    /** the stream has ended (whole, or failed): its entry may go */
    this.settled = false;
    this.cancelled = cancelled;
    /** @type {ReadableStream<Uint8Array>} */
    this.readable = new ReadableStream({ pull: (c) => this.#pull(c), cancel: () => this.stop() }, { highWaterMark: 0 });
    if (!implied) grant(window);
  }

  /**
   * stop ends a stream its reader will not read to the end (the reader
   * cancelled, or the call that read it ended): the sender is told, so
   * that it stops instead of waiting for credit for ever.
   */
  stop() {
    if (this.settled) return;
    this.#finish();
    this.#error ??= new WmError(codes.WM_EPIPE, `stream ${this.key}`);
    this.#wake?.();
    this.cancelled(this.#error);
  }

  /** @param {ReadableStreamDefaultController<Uint8Array>} c */
  async #pull(c) {
    while (!this.#queue.length && !this.#done && !this.#error) await new Promise((r) => (this.#wake = () => r(undefined)));
    this.#wake = null;
    const chunk = this.#queue.shift();
    if (chunk) {
      this.#queued -= chunk.length;
      c.enqueue(chunk);
      // Credit goes back in quarters of the window: fewer messages, and the
      // sender never stalls for a round trip while three quarters remain.
      this.#consumed += chunk.length;
      if (this.#consumed >= this.window / 4 && !this.#done && !this.#error) {
        this.grant(this.#consumed);
        this.#consumed = 0;
      }
      return;
    }
    if (this.#error) c.error(this.#error);
    else c.close();
    this.#finish();
  }

  #finish() {
    this.settled = true;
    this.#queue.length = 0;
  }

  /**
   * frame takes one frame of this stream. A frame out of order (one lost,
   * or forged), past the end, or beyond the credit granted fails the
   * stream with WM_EPROTO: what comes after a hole is never delivered.
   * @param {number} type @param {number} seq @param {Uint8Array} payload
   */
  frame(type, seq, payload) {
    if (this.#done || this.#error) return;
    if (seq !== this.#next) return this.fail(new WmError(codes.WM_EPROTO, `stream ${this.key}: frame ${this.#next} lost (got ${seq})`));
    this.#next++;
    if (type === T_DATA) {
      if (this.#queued + payload.length > this.window + CHUNK)
        return this.fail(new WmError(codes.WM_EPROTO, `stream ${this.key}: sender overran its credit`));
      // The frame's bytes are a view of the message NATS received, which
      // nothing else holds: no copy is needed.
      this.#queue.push(payload);
      this.#queued += payload.length;
    } else if (type === T_END) this.#done = true;
    else this.fail(new WmError(new DataView(payload.buffer, payload.byteOffset).getInt32(0, true), `stream ${this.key}`));
    this.#wake?.();
  }

  /** fail errors the stream (its sender died, a frame was lost). @param {WmError} e */
  fail(e) {
    if (this.#done || this.#error) return;
    this.#error = e;
    this.#queue.length = 0;
    this.#wake?.();
  }
}
