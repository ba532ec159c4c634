// topic.js: subscribing to a topic from JS. A subscription is a call of the
// runtime's wm_subscriber function in the topic's instance (src/core/topic.c);
// its output is a stream of records, which `records` parses.

const encoder = new TextEncoder();

/** The longest subscriber queue, in frames (QUEUE_MAX in src/core/topic.c). */
const QUEUE_MAX = 65536;

/** @type {Readonly<Record<string, number>>} the policies of wmesh.h */
export const policies = Object.freeze({ block: 0, drop: 1, disconnect: 2 });

/**
 * subscribeRequest encodes what wm_subscriber reads: policy, queue, name.
 * @param {string} name
 * @param {'block' | 'drop' | 'disconnect'} policy
 * @param {number} queue
 */
export function subscribeRequest(name, policy, queue) {
  if (typeof name !== 'string' || !name) throw new TypeError('wmesh: a topic is named by a string');
  const p = Object.hasOwn(policies, policy) ? policies[policy] : undefined;
  if (p === undefined) throw new TypeError(`wmesh: unknown policy ${String(policy)}`);
  if (!Number.isInteger(queue) || queue < 1 || queue > QUEUE_MAX)
    throw new TypeError(`wmesh: a subscriber's queue is 1 to ${QUEUE_MAX} frames, not ${String(queue)}`);
  const n = encoder.encode(name);
  const b = new Uint8Array(8 + n.length);
  const v = new DataView(b.buffer);
  v.setUint32(0, p, true);
  v.setUint32(4, queue, true);
  b.set(n, 8);
  return b;
}

/**
 * records parses a subscription's output into frames: `seq` numbers the
 * topic's frames from 1, and `dropped` says how many this subscriber missed
 * just before this one.
 * @param {ReadableStream<Uint8Array>} stream
 * @returns {AsyncGenerator<{ seq: number, dropped: number, data: Uint8Array }>}
 */
export async function* records(stream) {
  let buf = new Uint8Array(0);
  for await (const chunk of stream) {
    const joined = new Uint8Array(buf.length + chunk.length);
    joined.set(buf);
    joined.set(chunk, buf.length);
    buf = joined;
    for (;;) {
      if (buf.length < 16) break;
      const v = new DataView(buf.buffer, buf.byteOffset, 16);
      const len = v.getUint32(12, true);
      if (buf.length < 16 + len) break;
      const seq = v.getUint32(0, true) + v.getUint32(4, true) * 2 ** 32;
      yield { seq, dropped: v.getUint32(8, true), data: buf.slice(16, 16 + len) };
      buf = buf.subarray(16 + len);
    }
  }
}
