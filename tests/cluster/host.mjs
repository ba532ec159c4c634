// host.mjs: one host of a test cluster, in a process of its own: joins the
// mesh given on the command line, says "ready <id>" on stdout, answers
// "stats" on stdin with its cluster stats as JSON, and closes on "close"
// (or dies by SIGKILL, as the tests please).
//   node tests/cluster/host.mjs <nats url> <mesh name> <host id> [workers] [module [wasm]]
import { createInterface } from 'node:readline';

import { createMesh } from '../../js/index.js';
import { LIVE, TEST_MODULE } from '../node/helpers.mjs';
import { HEARTBEAT } from './hosts.mjs';

const [url, name, host, workers = '1', module = TEST_MODULE, wasm] = process.argv.slice(2);
const mesh = await createMesh({
  module,
  wasm,
  workers: Number(workers),
  cluster: { servers: url, name, host, heartbeat: HEARTBEAT },
});
process.stdout.write(`ready ${mesh.cluster?.id}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'stats') {
    // The cluster's counts, and what is alive in this host's instances.
    const s = await mesh.stats();
    const live = Object.fromEntries(LIVE.map((k) => [k, s.total[k] ?? 0]));
    process.stdout.write(`stats ${JSON.stringify({ ...s.cluster, live })}\n`);
  }
  else if (line === 'close') break;
}
await mesh.close();
process.exit(0);
