// pipe.js: pipe ends held by JS, speaking the same port protocol as the C
// ends in src/core/pipe.c: credit-based flow control, one terminal frame
// from each side, and the port closed once both terminals have passed.
import { WmError, codes } from './errors.js';
import * as wire from './wire.js';

/**
 * @typedef {Uint8Array | ArrayBuffer | ArrayBufferView | string} Chunk
 * @typedef {Chunk | ReadableStream<Chunk> | AsyncIterable<Chunk> | Iterable<Chunk>} Input
 */

const encoder = new TextEncoder();

/**
 * toBytes turns one chunk into bytes.
 * @param {Chunk} c
 * @returns {Uint8Array}
 */
export function toBytes(c) {
  if (typeof c === 'string') return encoder.encode(c);
  if (c instanceof Uint8Array) return c;
  if (c instanceof ArrayBuffer) return new Uint8Array(c);
  if (ArrayBuffer.isView(c)) return new Uint8Array(c.buffer, c.byteOffset, c.byteLength);
  throw new TypeError('wmesh: input chunks must be bytes or strings');
}

/**
 * chunks iterates an input of any supported shape.
 * @param {Input} input
 * @param {{ stop?: () => void }} hooks gets a way to stop a stream early
 * @returns {AsyncIterable<Chunk>}
 */
async function* chunks(input, hooks) {
  if (typeof input === 'string' || input instanceof ArrayBuffer || ArrayBuffer.isView(input)) {
    yield input;
  } else if (input && typeof (/** @type {any} */ (input).getReader) === 'function') {
    const reader = /** @type {ReadableStream<Chunk>} */ (input).getReader();
    hooks.stop = () => reader.cancel().catch(() => {});
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  } else if (input && (Symbol.asyncIterator in input || Symbol.iterator in input)) {
    yield* /** @type {AsyncIterable<Chunk>} */ (input);
  } else {
    throw new TypeError('wmesh: unsupported input type');
  }
}

/**
 * PortWriter is the writing end of a pipe whose reader is in an instance.
 */
export class PortWriter {
  /**
   * @param {MessagePort} port
   * @param {number} window bytes in flight the reader granted
   */
  constructor(port, window) {
    this.port = port;
    this.window = window;
    this.inflight = 0;
    this.readerGone = false;
    this.sentTerm = false;
    this.protoError = false;
    /** @type {(() => void) | null} */
    this.wake = null;
    /** @type {{ stop?: () => void }} */
    this.hooks = {};
    /** full DATA buffers the reader gave back, to fill again @type {ArrayBuffer[]} */
    this.spares = [];
    port.onmessage = (e) => this.#onFrame(e.data);
    // The reader's instance died: nothing will read what we write.
    port.addEventListener('close', () => {
      this.readerGone = true;
      const w = this.wake;
      this.wake = null;
      if (w) w();
    });
  }

  #onFrame(data) {
    const { frame, spares } = wire.unpack(data);
    for (const s of spares) if (this.spares.length < wire.MAX_SPARES) this.spares.push(s);
    const f = wire.parse(frame);
    if (f && f.type === wire.F_CREDIT && f.value <= this.inflight) {
      this.inflight -= f.value;
    } else if (f && f.type === wire.F_RCLOSE && !this.readerGone) {
      // The reader is gone: answer with our terminal now rather than when
      // the input ends (it may never end), and stop reading the input.
      this.readerGone = true;
      this.close();
      this.hooks.stop?.();
    } else {
      this.protoError = true;
      this.readerGone = true;
    }
    const w = this.wake;
    this.wake = null;
    if (w) w();
  }

  /**
   * write sends bytes, waiting for credit as needed. Resolves false if the
   * reader has gone (the rest is dropped, as a C writer gets WM_EPIPE).
   * @param {Uint8Array} bytes
   * @returns {Promise<boolean>}
   */
  async write(bytes) {
    let off = 0;
    while (off < bytes.length) {
      if (this.readerGone) return false;
      const room = Math.min(this.window - this.inflight, wire.CHUNK, bytes.length - off);
      if (room <= 0) {
        await new Promise((r) => (this.wake = r));
        continue;
      }
      const f = wire.dataFrame(bytes.subarray(off, off + room), room === wire.CHUNK ? this.spares.pop() : undefined);
      this.port.postMessage(f, [f]);
      this.inflight += room;
      off += room;
    }
    return !this.readerGone;
  }

  /**
   * close sends EOF, or an error (a negative code) for the reader to see.
   * @param {number} [err]
   */
  close(err) {
    if (this.sentTerm) return;
    this.sentTerm = true;
    const f = err ? wire.frame(wire.F_ERR, err) : wire.frame(wire.F_EOF);
    this.port.postMessage(f, [f]);
    if (this.readerGone) this.port.close();
  }

  /**
   * pump writes a whole input, then closes: with EOF at its end, or with
   * WM_ECANCELED if reading the input failed (the error is rethrown).
   * @param {Input | undefined} input
   */
  async pump(input) {
    try {
      if (input !== undefined && input !== null) {
        for await (const c of chunks(input, this.hooks)) {
          if (!(await this.write(toBytes(c)))) break;
        }
      }
      this.close();
    } catch (e) {
      this.close(codes.WM_ECANCELED);
      throw e;
    }
  }
}

/**
 * readableFromPort makes the reading end of a pipe whose writer is in an
 * instance into a ReadableStream of Uint8Array chunks. Bytes are credited
 * back as the consumer takes them, so an unread stream holds its writer back.
 * @param {MessagePort} port
 * @param {number} window
 * @param {string} [fn] names the function in errors
 * @returns {ReadableStream<Uint8Array>}
 */
export function readableFromPort(port, window, fn) {
  /** @type {Uint8Array[]} */
  const queue = [];
  let uncredited = 0;
  let sentTerm = false;
  let gotTerm = false;
  /** @type {number} 0: open, 1: EOF, < 0: error */
  let status = 0;
  /** @type {(() => void) | null} */
  let wake = null;
  let buffered = 0;

  const finish = () => {
    if (sentTerm && gotTerm) port.close();
  };
  const term = () => {
    if (!sentTerm) {
      sentTerm = true;
      const f = wire.frame(wire.F_RCLOSE);
      port.postMessage(f, [f]);
    }
    finish();
  };
  port.onmessage = (e) => {
    const f = gotTerm ? null : wire.parse(e.data);
    if (f && f.type === wire.F_DATA && buffered + uncredited + f.bytes.length <= window) {
      if (!sentTerm) {
        // Once we sent RCLOSE (the consumer cancelled), data is dropped.
        queue.push(f.bytes);
        buffered += f.bytes.length;
      }
    } else if (f && f.type === wire.F_EOF) {
      gotTerm = true;
      status = 1;
    } else if (f && f.type === wire.F_ERR) {
      gotTerm = true;
      status = f.value;
    } else {
      gotTerm = true;
      status = codes.WM_EPROTO;
    }
    // Everything the writer will send is here: let it go at once, even if
    // the consumer never reads what is queued.
    if (gotTerm) term();
    const w = wake;
    wake = null;
    if (w) w();
  };

  // The writer's instance died before its terminal: the stream fails.
  port.addEventListener('close', () => {
    if (gotTerm) return;
    gotTerm = true;
    status = codes.WM_EDIED;
    const w = wake;
    wake = null;
    if (w) w();
  });

  return new ReadableStream(
    {
      async pull(controller) {
        while (!queue.length && !status) await new Promise((r) => (wake = r));
        if (queue.length) {
          const b = /** @type {Uint8Array} */ (queue.shift());
          buffered -= b.length;
          uncredited += b.length;
          // A quarter window at a time, as a C reader does: a blocked
          // writer has the whole window in flight, so it is always released.
          if (uncredited >= window / 4) {
            if (!gotTerm) {
              const f = wire.frame(wire.F_CREDIT, uncredited);
              port.postMessage(f, [f]);
            }
            uncredited = 0;
          }
          controller.enqueue(b);
          return;
        }
        term();
        if (status === 1) controller.close();
        else controller.error(new WmError(status, fn));
      },
      cancel() {
        queue.length = 0;
        term();
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * collect reads a whole stream into one Uint8Array.
 * @param {ReadableStream<Uint8Array>} stream
 * @returns {Promise<Uint8Array>}
 */
export async function collect(stream) {
  const parts = [];
  let n = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    n += value.length;
  }
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
