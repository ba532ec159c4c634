// demo-fanout.test.mjs: the fan-out demo (demos/fanout) runs and every
// subscriber gets what it should.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

test('fan-out demo: a C level meter and JS subscribers of one synth', async () => {
  const script = fileURLToPath(new URL('../../demos/fanout/run.mjs', import.meta.url));
  const { stdout } = await run(process.execPath, [script, '10'], { timeout: 60000 });
  const meter = stdout.split('level meter (C, worker 2):\n')[1].split('\n\n')[0].split('\n');
  assert.equal(meter.length, 10);
  for (const line of meter) assert.match(line, /^\d+[ !]\|#+$/);
  assert.match(stdout, /recorder \(JS, backpressure\): 20 frames in order/);
  assert.match(stdout, /synth halted: -6/);
});
