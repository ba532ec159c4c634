// env/ports.js: what both platforms' worker handles share.

/**
 * closePorts closes the MessagePorts in the transfer list of a message that
 * will never be sent (its worker has exited): their far ends then learn at
 * once that nobody will read or write them, instead of waiting for ever
 * for a frame from a port that nobody holds.
 * @param {Transferable[] | undefined} transfer
 */
export function closePorts(transfer) {
  for (const x of transfer ?? []) if (x instanceof MessagePort) x.close();
}
