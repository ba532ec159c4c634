// nats_echo.mjs: the raw NATS baseline of the cluster group, in a process
// of its own as a host would be: it answers requests on bench.rtt, and
// publishes every message of bench.pipe back on bench.back.
//   node tests/bench/nats_echo.mjs <nats url>
import { connect } from '@nats-io/transport-node';

const nc = await connect({ servers: process.argv[2] });
nc.subscribe('bench.rtt', { callback: (_e, m) => m.respond(m.data) });
nc.subscribe('bench.pipe', { callback: (_e, m) => nc.publish('bench.back', m.data) });
await nc.flush();
process.stdout.write('ready\n');
process.stdin.on('data', () => {}).on('end', () => nc.close().then(() => process.exit(0)));
