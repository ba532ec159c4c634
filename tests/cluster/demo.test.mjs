// demo.test.mjs: demos/cluster/run.mjs, as the README runs it: a
// nats-server and two host processes of its own, one chain across them.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const DEMO = fileURLToPath(new URL('../../demos/cluster/run.mjs', import.meta.url));

test('the cluster demo runs a chain over its hosts and checks the hash', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [DEMO, '--hosts', '2', '--mib', '4'], { timeout: 120000 });
  assert.match(stdout, /chain upper \| reverse \| reverse \| sha256 over 2 hosts/);
  assert.match(stdout, /sha256 matches/);
});
