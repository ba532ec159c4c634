// link/nats.js: the Link (js/link/link.js) between two hosts of one mesh,
// over a NATS connection: the second transport of the link seam. A host's
// control messages (js/cluster/cluster.js) go to the peer's control
// subject as JSON; what the peer sends arrives on this host's own subject,
// and the cluster hands each message to the link of the host it names.
//
// NATS keeps the order of one connection's messages to one subscriber, and
// delivers each at most once: a control message is lost only with the
// connection or the peer, and then the link is gone. What "gone" means
// here: the peer's heartbeats stopped, it said goodbye, or this host lost
// its connection to NATS (the cluster decides and calls gone(why)).
//
// Unlike a link within one process, a link between hosts cannot move a
// MessagePort or an ArrayBuffer: a message with a transfer list is refused
// (pipe data crosses hosts as streams: js/cluster/stream.js).
import { PortLink } from './port.js';

const encoder = new TextEncoder();

/**
 * natsLink makes the link to one peer host.
 * @param {(bytes: Uint8Array) => void} publish publishes on the peer's
 *   control subject (a no-op once the connection is closed)
 * @param {() => void} [end] what close() does besides (say goodbye)
 * @returns {PortLink & { deliver: (msg: object) => void }}
 */
export function natsLink(publish, end) {
  /** @type {((msg: any) => void)[]} */
  const listeners = [];
  const link = /** @type {PortLink & { deliver: (msg: object) => void }} */ (
    new PortLink({
      post: (m, transfer) => {
        if (transfer?.length) throw new TypeError('wmesh: a link between hosts cannot move ports or buffers');
        publish(encoder.encode(JSON.stringify(m)));
      },
      listen: (f) => listeners.push(f),
      end: () => {
        end?.();
        link.gone('closed');
      },
    })
  );
  // deliver is the cluster's: a message from this peer, already checked.
  link.deliver = (msg) => {
    if (!link.isGone) for (const f of listeners) f(msg);
  };
  return link;
}
