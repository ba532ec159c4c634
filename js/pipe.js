// pipe.js: pipe ends held by JS, speaking the same port protocol as the C
// ends in src/core/pipe.c: credit-based flow control, one terminal frame
// from each side, and the port closed once both terminals have passed.
import { uninitialized } from './alloc.js';
import { WmError, codes } from './errors.js';
import * as wire from './wire.js';

/**
 * @typedef {Uint8Array | ArrayBuffer | ArrayBufferView | string} Chunk
 * @typedef {Chunk | ReadableStream<Chunk> | AsyncIterable<Chunk> | Iterable<Chunk>} Input
 */

const encoder = new TextEncoder();

/**
 * Microtasks an async input's next chunk may take and still be gathered
 * with the bytes before it. An async generator that only yields answers
 * in two, a ReadableStream with chunks queued in one; one that waits for
 * an event never answers within these.
 */
const SOON = 8;

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
 * @param {unknown} x
 * @returns {x is object}
 */
const isObject = (x) => x !== null && (typeof x === 'object' || typeof x === 'function');

/**
 * PortWriter is the writing end of a pipe whose reader is in an instance.
 *
 * Small writes are gathered into one DATA frame, as a C writer gathers
 * them: a frame costs a message here and a trip into the core at the
 * reader, whatever its size. The frame being gathered is sent when it is
 * full, before the writer waits for an event (credit, or the next chunk of
 * an async input that is not ready), and before the terminal, so that no
 * byte waits for something that may never come. As with a C writer, a
 * sync input that computes for long between small chunks holds them until
 * a frame fills.
 */
export class PortWriter {
  /**
   * @param {MessagePort} port
   * @param {number} window bytes in flight the reader granted
   */
  constructor(port, window) {
    this.port = port;
    this.window = window;
    /** bytes sent and not yet credited; the gathered bytes are not among them */
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
    /** the DATA frame being gathered: the type byte, then `gathered` bytes @type {Uint8Array<ArrayBuffer> | null} */
    this.buf = null;
    this.gathered = 0;
    port.onmessage = (e) => this.#onFrame(e.data);
    // The reader's instance died: nothing will read what we write.
    port.addEventListener('close', () => {
      this.readerGone = true;
      this.#wakeUp();
    });
  }

  /** @param {unknown} data */
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
    this.#wakeUp();
  }

  #wakeUp() {
    const w = this.wake;
    this.wake = null;
    if (w) w();
  }

  /**
   * #put takes bytes from off on, as far as the window allows, without
   * waiting: into frames of their own, or gathered. Returns where it
   * stopped: bytes.length, or short if the window is full or the reader
   * gone.
   * @param {Uint8Array} bytes
   * @param {number} off
   * @param {boolean} alone a flush follows: gathering would only copy the
   *   bytes a second time
   */
  #put(bytes, off, alone) {
    const n = bytes.length;
    while (off < n && !this.readerGone) {
      const room = this.window - this.inflight - this.gathered;
      if (room <= 0) break;
      const left = n - off;
      if (!this.gathered && (alone || left >= room || left >= wire.CHUNK)) {
        // Enough for a whole frame, or no reason to wait for more: the
        // bytes go straight into a frame, copied once.
        const k = Math.min(room, wire.CHUNK, left);
        const f = wire.dataFrame(bytes.subarray(off, off + k), k === wire.CHUNK ? this.spares.pop() : undefined);
        this.port.postMessage(f, [f]);
        this.inflight += k;
        off += k;
        continue;
      }
      // A new frame is as large as the window lets it be now. No credit
      // can arrive before this run of writes waits, so it fills exactly
      // and is sent without a second copy.
      if (!this.gathered && (!this.buf || this.buf.length - 1 !== Math.min(room, wire.CHUNK))) this.#newBuf(room);
      const buf = /** @type {Uint8Array<ArrayBuffer>} */ (this.buf);
      const k = Math.min(buf.length - 1 - this.gathered, room, left);
      buf.set(k === n ? bytes : bytes.subarray(off, off + k), 1 + this.gathered);
      this.gathered += k;
      off += k;
      if (this.gathered === buf.length - 1) this.flush();
    }
    return off;
  }

  /**
   * #newBuf takes a buffer to gather a frame in: a spare if the frame is a
   * whole chunk. Only the bytes gathered are ever sent, so it need not be
   * zeroed.
   * @param {number} room
   */
  #newBuf(room) {
    const old = this.buf;
    if (old && old.length === wire.SPARE_SIZE && this.spares.length < wire.MAX_SPARES) this.spares.push(old.buffer);
    const size = Math.min(room, wire.CHUNK) + 1;
    const spare = size === wire.SPARE_SIZE ? this.spares.pop() : undefined;
    this.buf = spare ? new Uint8Array(spare) : /** @type {Uint8Array<ArrayBuffer>} */ (uninitialized(size));
    this.buf[0] = wire.F_DATA;
  }

  /** flush sends the gathered bytes, if any (they are dropped if the reader is gone). */
  flush() {
    const n = this.gathered;
    if (!n) return;
    this.gathered = 0;
    if (this.readerGone) return;
    const buf = /** @type {Uint8Array<ArrayBuffer>} */ (this.buf);
    let f;
    if (n === buf.length - 1) {
      f = buf.buffer;
      this.buf = null;
    } else {
      f = buf.buffer.slice(0, n + 1);
    }
    this.port.postMessage(f, [f]);
    this.inflight += n;
  }

  /** #credit resolves when credit, a terminal or the port's close arrives. */
  #credit() {
    return new Promise((r) => (this.wake = () => r(undefined)));
  }

  /**
   * #putAll puts all of bytes, waiting for credit as needed. Resolves
   * false if the reader has gone.
   * @param {Uint8Array} bytes
   * @param {number} off where #put stopped
   * @param {boolean} alone
   */
  async #putAll(bytes, off, alone) {
    while (off < bytes.length && !this.readerGone) {
      this.flush();
      await this.#credit();
      off = this.#put(bytes, off, alone);
    }
    return !this.readerGone;
  }

  /**
   * write takes bytes, and waits only if the window is full: it gives true
   * at once if they all fit. Gathered bytes go out when a frame fills, or
   * with flush or close. Gives false if the reader has gone (the rest is
   * dropped, as a C writer gets WM_EPIPE).
   * @param {Uint8Array} bytes
   * @param {boolean} [alone] a flush follows (see #put)
   * @returns {boolean | Promise<boolean>}
   */
  write(bytes, alone = false) {
    const off = this.#put(bytes, 0, alone);
    return off === bytes.length || this.readerGone ? !this.readerGone : this.#putAll(bytes, off, alone);
  }

  /**
   * close sends what is gathered and then EOF, or an error (a negative
   * code) for the reader to see.
   * @param {number} [err]
   */
  close(err) {
    if (this.sentTerm) return;
    this.flush();
    this.sentTerm = true;
    this.buf = null;
    this.port.postMessage(err ? wire.frame(wire.F_ERR, err) : wire.frame(wire.F_EOF));
    if (this.readerGone) this.port.close();
  }

  /**
   * pump writes a whole input, then closes: with EOF at its end, or with
   * WM_EINPUT if reading the input failed (a stream that errored, an
   * iterator that threw, a chunk that is neither bytes nor a string): the
   * function reads that error after the bytes before it. The error is
   * rethrown.
   * @param {Input | undefined} input
   */
  async pump(input) {
    try {
      if (input !== undefined && input !== null) await this.#pumpInput(input);
      this.close();
    } catch (e) {
      this.close(codes.WM_EINPUT);
      throw e;
    }
  }

  /**
   * #pumpInput writes an input of any supported shape. A sync input is
   * iterated without a turn of the event loop per chunk.
   * @param {Input} input
   */
  async #pumpInput(input) {
    if (typeof input === 'string' || input instanceof ArrayBuffer || ArrayBuffer.isView(input)) {
      await this.write(toBytes(input), true);
    } else if (typeof (/** @type {any} */ (input)?.getReader) === 'function') {
      const reader = /** @type {ReadableStream<Chunk>} */ (input).getReader();
      this.hooks.stop = () => reader.cancel().catch(() => {});
      try {
        await this.#pumpAsync(() => reader.read());
      } finally {
        reader.releaseLock();
      }
    } else if (isObject(input) && Symbol.asyncIterator in input) {
      const it = input[Symbol.asyncIterator]();
      await this.#pumpAsync(
        () => it.next(),
        async () => {
          await it.return?.();
        },
      );
    } else if (isObject(input) && Symbol.iterator in input) {
      for (const c of input) {
        const w = this.write(toBytes(c));
        if (w !== true && !(await w)) break;
      }
    } else {
      throw new TypeError('wmesh: unsupported input type');
    }
  }

  /**
   * #pumpAsync writes the chunks of an async input. Gathered bytes wait
   * for its next chunk only while that comes within a few microtasks (the
   * input is producing, not waiting for an event); otherwise they are
   * sent first.
   * @param {() => Promise<IteratorResult<Chunk>>} next
   * @param {() => Promise<void>} [leave] stops the input if the writer
   *   leaves it before its end, as for await does
   */
  async #pumpAsync(next, leave) {
    // Whether the input may have more: false while its next chunk is
    // awaited, since an input that fails or ends is not to be stopped.
    let live = true;
    try {
      for (;;) {
        const p = next();
        if (this.gathered) {
          let ready = false;
          p.then(
            () => (ready = true),
            () => (ready = true),
          );
          for (let i = 0; i < SOON && !ready; i++) await null;
          if (!ready) this.flush();
        }
        live = false;
        const r = await p;
        if (r.done) return;
        live = true;
        const w = this.write(toBytes(r.value));
        if (w !== true && !(await w)) return;
      }
    } finally {
      if (live) await leave?.();
    }
  }
}

/**
 * Ctl is what a reading end needs of a ReadableByteStreamController: a
 * read that waits is answered with enqueue (a default read: the chunk is
 * the consumer's) or, for a BYOB read, by filling byobRequest.
 * @typedef {Pick<ReadableByteStreamController, 'byobRequest' | 'enqueue' | 'close' | 'error'>} Ctl
 *
 * @typedef {object} PortSource the reading end of a pipe, behind a stream
 * @property {(ctl: Ctl) => void} pull answers a read, now or when bytes,
 *   the terminal or the port's close arrive
 * @property {() => void} cancel the consumer leaves: RCLOSE
 */

/**
 * portSource reads a pipe whose writer is in an instance, for a byte
 * stream. Bytes are credited back as the consumer takes them, so an unread
 * stream holds its writer back.
 *
 * A default read gets the DATA frame's own bytes, with no copy: memory the
 * consumer keeps, so the writer makes a new buffer for every frame. A BYOB
 * read gets the bytes copied into the consumer's buffer, and the emptied
 * frame goes back to its writer with the next CREDIT (wire.js), as a C
 * reader does: the writer fills it again. In Chromium that is most of the
 * cost of a chunk: the first touch of a new 64 KiB buffer costs ten to a
 * hundred times its copy (docs/ARCHITECTURE.md, "Pipes in the browser").
 * @param {MessagePort} port
 * @param {number} window
 * @param {string} [fn] names the function in errors
 * @returns {PortSource}
 */
function portSource(port, window, fn) {
  /** bytes received and not yet taken, from queue[head] on; a chunk a BYOB
   * read took part of is the rest of its frame (frames are ArrayBuffers)
   * @type {(Uint8Array<ArrayBuffer> | undefined)[]} */
  let queue = [];
  let head = 0;
  let buffered = 0;
  let uncredited = 0;
  let sentTerm = false;
  let gotTerm = false;
  /** @type {number} 0: open, 1: EOF, < 0: error */
  let status = 0;
  /** while a read waits on an empty queue, its controller: the next chunk goes straight to it @type {Ctl | null} */
  let waiting = null;
  /** emptied full DATA buffers, to give back with the next CREDIT @type {ArrayBuffer[]} */
  let back = [];

  const finish = () => {
    if (sentTerm && gotTerm) port.close();
  };
  const term = () => {
    if (!sentTerm) {
      sentTerm = true;
      back = [];
      port.postMessage(wire.frame(wire.F_RCLOSE));
    }
    finish();
  };
  /** @param {number} n bytes the consumer took */
  const credit = (n) => {
    uncredited += n;
    // A quarter window at a time, as a C reader does: a blocked writer has
    // the whole window in flight, so it is always released.
    if (uncredited < window / 4) return;
    if (!gotTerm) {
      const c = wire.frame(wire.F_CREDIT, uncredited);
      if (back.length) {
        const b = back;
        back = [];
        port.postMessage([c, ...b], b);
      } else {
        port.postMessage(c);
      }
    }
    uncredited = 0;
  };
  /**
   * give answers a read with the chunk at the queue's head.
   * @param {Ctl} ctl
   */
  const give = (ctl) => {
    const b = /** @type {Uint8Array<ArrayBuffer>} */ (queue[head]);
    const req = ctl.byobRequest;
    const view = req?.view;
    let k = b.length;
    if (req && view) {
      k = Math.min(k, view.byteLength);
      new Uint8Array(view.buffer, view.byteOffset, k).set(k === b.length ? b : b.subarray(0, k));
      if (k < b.length) queue[head] = b.subarray(k);
      // The whole of a full frame is read: its writer may fill it again.
      else if (b.buffer.byteLength === wire.SPARE_SIZE && b.byteOffset + k === wire.SPARE_SIZE && back.length < wire.MAX_SPARES)
        back.push(b.buffer);
    }
    if (k === b.length) {
      queue[head++] = undefined;
      if (head === queue.length) {
        queue.length = 0;
        head = 0;
      } else if (head >= 1024 && 2 * head >= queue.length) {
        // A queue that never drains would otherwise grow for ever.
        queue = queue.slice(head);
        head = 0;
      }
    }
    buffered -= k;
    credit(k);
    if (req && view) req.respond(k);
    else ctl.enqueue(b);
  };
  /** @param {Ctl} ctl */
  const end = (ctl) => {
    term();
    if (status === 1) {
      ctl.close();
      // A BYOB read that waits is answered done once the stream is closed.
      ctl.byobRequest?.respond(0);
    } else {
      ctl.error(new WmError(status, fn));
    }
  };
  /** settle ends a read that waits, now that the status is final. */
  const settle = () => {
    const ctl = waiting;
    waiting = null;
    if (ctl) end(ctl);
  };

  port.onmessage = (e) => {
    const f = gotTerm ? null : wire.parse(e.data);
    if (f && f.type === wire.F_DATA && buffered + uncredited + f.bytes.length <= window) {
      // Once we sent RCLOSE (the consumer cancelled), data is dropped; so
      // is an empty frame, which carries nothing (a byte stream has no
      // empty chunks).
      if (sentTerm || !f.bytes.length) return;
      queue.push(/** @type {Uint8Array<ArrayBuffer>} */ (f.bytes));
      buffered += f.bytes.length;
      const ctl = waiting;
      waiting = null;
      if (ctl) give(ctl);
      return;
    }
    gotTerm = true;
    if (f && f.type === wire.F_EOF) status = 1;
    else if (f && f.type === wire.F_ERR) status = f.value;
    else status = codes.WM_EPROTO;
    // Everything the writer will send is here: let it go at once, even if
    // the consumer never reads what is queued.
    term();
    settle();
  };

  // The writer's instance died before its terminal: the stream fails.
  port.addEventListener('close', () => {
    if (gotTerm) return;
    gotTerm = true;
    status = codes.WM_EDIED;
    settle();
  });

  return {
    // Called only when a read is waiting (highWaterMark 0): a queued chunk
    // is handed over at once, without a promise of our own.
    pull(ctl) {
      if (head < queue.length) give(ctl);
      else if (status) end(ctl);
      else waiting = ctl;
    },
    cancel() {
      queue = [];
      head = 0;
      buffered = 0;
      waiting = null;
      term();
    },
  };
}

/**
 * readableFromPort makes the reading end of a pipe whose writer is in an
 * instance into a byte stream of Uint8Array chunks (see portSource): read
 * it with a BYOB reader to spare the writer a new buffer per chunk.
 * @param {MessagePort} port
 * @param {number} window
 * @param {string} [fn] names the function in errors
 * @returns {ReadableStream<Uint8Array>}
 */
export function readableFromPort(port, window, fn) {
  const src = portSource(port, window, fn);
  return new ReadableStream(
    {
      type: 'bytes',
      pull: (ctl) => src.pull(ctl),
      cancel: () => src.cancel(),
    },
    { highWaterMark: 0 },
  );
}

/**
 * @typedef {object} DeferredOutput the output of a call whose writer has no
 *   port yet (WM__D_DEFER in src/core/wire.h)
 * @property {() => ReadableStream<Uint8Array>} stream what the caller reads,
 *   made on first use: a ReadableStream costs more in Node than the rest
 *   of a small call, and bytes() and text() need none
 * @property {() => Promise<Uint8Array>} all reads the whole output, if no
 *   stream was made
 * @property {(bytes: Uint8Array, status: number) => void} whole the whole
 *   output arrived with the call's end: status 1 (EOF) or an error
 * @property {(port: MessagePort) => void} port the output streams on port
 * @property {(rc: number) => void} end the call ended; if neither came, the
 *   output is empty and ends as the call did
 */

/**
 * deferredOutput makes the reading end of a call's output before it is
 * known whether the output comes whole, inside the call's end, or streams
 * on a port the worker makes. Most calls write a little and return: they
 * then cost no channel at all.
 * @param {number} window
 * @param {string} [fn] names the function in errors
 * @returns {DeferredOutput}
 */
export function deferredOutput(window, fn) {
  /** @type {PortSource | null} */
  let source = null;
  /** @type {{ bytes: Uint8Array | null, status: number } | null} */
  let done = null;
  let cancelled = false;
  /** @type {(() => void) | null} */
  let wake = null;
  /** @type {ReadableStream<Uint8Array> | null} */
  let stream = null;
  const poke = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  /**
   * pull answers a read: from the port's source, or with the whole
   * output's bytes (as much as a BYOB read takes) and then how it ended.
   * @param {Ctl} ctl
   */
  const pull = async (ctl) => {
    while (!source && !done) await /** @type {Promise<void>} */ (new Promise((r) => (wake = r)));
    if (!done) return /** @type {PortSource} */ (source).pull(ctl);
    const b = done.bytes;
    if (b?.length) {
      const req = ctl.byobRequest;
      const view = req?.view;
      if (req && view) {
        const k = Math.min(b.length, view.byteLength);
        new Uint8Array(view.buffer, view.byteOffset, k).set(b.subarray(0, k));
        done.bytes = k < b.length ? b.subarray(k) : null;
        return req.respond(k);
      }
      done.bytes = null;
      return ctl.enqueue(/** @type {Uint8Array<ArrayBuffer>} */ (b));
    }
    if (done.status === 1) {
      ctl.close();
      ctl.byobRequest?.respond(0);
    } else {
      ctl.error(new WmError(done.status, fn));
    }
  };
  return {
    stream() {
      stream ??= new ReadableStream(
        {
          type: 'bytes',
          pull,
          cancel() {
            cancelled = true;
            source?.cancel();
          },
        },
        { highWaterMark: 0 },
      );
      return stream;
    },
    async all() {
      if (!source && !done) await /** @type {Promise<void>} */ (new Promise((r) => (wake = r)));
      if (done) {
        // The whole output came with the call's end (most calls): it is
        // the answer as it is, with no read to go through.
        const b = done.bytes;
        done.bytes = null;
        if (done.status !== 1) throw new WmError(done.status, fn);
        return b ?? new Uint8Array(0);
      }
      // It streams: a read at a time, answered as a default read.
      /** @type {Uint8Array[]} */
      const parts = [];
      for (;;) {
        /** @type {Uint8Array | null} */
        const value = await new Promise((resolve, reject) => {
          /** @type {Ctl} */
          const ctl = {
            byobRequest: null,
            enqueue: (b) => resolve(/** @type {Uint8Array} */ (b)),
            close: () => resolve(null),
            error: reject,
          };
          pull(ctl).catch(reject);
        });
        if (!value) return concat(parts);
        parts.push(value);
      }
    },
    whole(bytes, status) {
      if (source || done) return;
      done = { bytes, status };
      poke();
    },
    port(p) {
      if (source || done) return p.close();
      source = portSource(p, window, fn);
      // A reader that left already still lets the writer go.
      if (cancelled) source.cancel();
      poke();
    },
    end(rc) {
      if (source || done) return;
      done = { bytes: null, status: rc < 0 ? rc : 1 };
      poke();
    },
  };
}

/**
 * collect reads a whole stream into one Uint8Array.
 * @param {ReadableStream<Uint8Array>} stream
 * @returns {Promise<Uint8Array>}
 */
export async function collect(stream) {
  const parts = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
  }
  return concat(parts);
}

/**
 * concat joins byte arrays; one alone is returned as it is.
 * @param {Uint8Array[]} parts
 * @returns {Uint8Array}
 */
function concat(parts) {
  if (parts.length === 1) return parts[0];
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
