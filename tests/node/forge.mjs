// forge.mjs: builds raw control frames (layout in docs/ARCHITECTURE.md), to
// prove that instances refuse what the runtime itself would never send.

/**
 * callFrame encodes a CALL frame; each end, if given, is port-backed.
 * @param {{ id: number, fn: number, where?: number, deadline?: number,
 *   in?: { port: number, window: number }, out?: { port: number, window: number } }} o
 */
export function callFrame(o) {
  const b = new ArrayBuffer(24 + 20 + 20);
  const v = new DataView(b);
  v.setUint8(0, 16);
  v.setUint8(1, (o.in ? 1 : 0) + (o.out ? 1 : 0));
  v.setUint32(4, o.id, true);
  v.setUint32(8, o.fn, true);
  v.setInt32(12, o.where ?? -1, true);
  v.setBigInt64(16, BigInt(o.deadline ?? -1), true);
  /** @param {number} at @param {{ port: number, window: number } | undefined} end @param {number} writer */
  const desc = (at, end, writer) => {
    if (!end) return v.setUint8(at + 1, 0xff);
    v.setUint8(at, 1 | writer | 4);
    v.setUint8(at + 1, end.port);
    v.setUint32(at + 8, end.window, true);
  };
  desc(24, o.in, 0);
  desc(44, o.out, 2);
  return b;
}

/**
 * doneFrame encodes a DONE frame.
 * @param {number} id
 * @param {number} rc
 */
export function doneFrame(id, rc) {
  const b = new ArrayBuffer(12);
  const v = new DataView(b);
  v.setUint8(0, 17);
  v.setUint32(4, id, true);
  v.setInt32(8, rc, true);
  return b;
}
