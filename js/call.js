// call.js: what a caller holds: a Call in flight, and a Service (a call
// that is ready and runs until halted). The bookkeeping behind them is in
// calls.js.
import { WmError, codes } from './errors.js';
import { GRACE_MS } from './options.js';
import { collect } from './pipe.js';

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
    const output = this.#output;
    const deferred = this.#deferred;
    if (!output && !deferred) return this.result.then(() => new Uint8Array(0));
    const bytes = output ? collect(output) : /** @type {import('./pipe.js').DeferredOutput} */ (deferred).all();
    // The result says why a call failed (its signal's reason, say), where
    // the output only says that its pipe broke: its error comes first.
    let out;
    try {
      out = await bytes;
    } catch (e) {
      await this.result;
      throw e;
    }
    await this.result;
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
  async halt(grace = GRACE_MS) {
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
