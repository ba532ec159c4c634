// deflate.mjs: the standard module's deflate and inflate beside node:zlib
// on the same ~50 MB log-like input, at the same level: compressed size (%
// of the input) and MB/s, one stream each (a zlib stream is sequential).
//
//   node tests/bench/deflate.mjs [--mb 50] [--level 6]
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { deflateSync, inflateSync } from 'node:zlib';

import { createMesh, deflateStage } from '../../js/index.js';

const { values: o } = parseArgs({ options: { mb: { type: 'string' }, level: { type: 'string' } } });
const MB = Number(o.mb ?? 50);
const level = Number(o.level ?? 6);

/** logLike makes about mb MB of lines like a server's log (as tests/node/std.test.mjs). */
function logLike(mb) {
  const levels = ['INFO', 'WARN', 'DEBUG', 'ERROR'];
  const paths = ['/api/users', '/api/orders', '/static/app.js', '/health', '/api/search?q='];
  let x = 12345;
  const rnd = () => (x = (x * 1103515245 + 12345) >>> 0) >>> 8;
  const out = [];
  let n = 0;
  for (let i = 0; n < mb * 1e6; i++) {
    const t = new Date(1700000000000 + i * 137).toISOString();
    const line = `${t} ${levels[rnd() % 4]} [worker-${rnd() % 8}] ${['GET', 'POST'][rnd() % 2]} ${paths[rnd() % 5]}${rnd() % 1000} ${200 + (rnd() % 4) * 100} ${rnd() % 5000}ms user=${rnd() % 100000}\n`;
    out.push(line);
    n += line.length;
  }
  return Buffer.from(out.join(''));
}

/** best runs fn 3 times and keeps the fastest (ms) and its result. */
async function best(fn) {
  let ms = Infinity;
  let r;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    r = await fn();
    ms = Math.min(ms, performance.now() - t);
  }
  return { ms, r };
}

const input = logLike(MB);
const mbs = (/** @type {number} */ ms) => (input.length / 1e6 / (ms / 1000)).toFixed(1);
const pct = (/** @type {number} */ n) => ((n / input.length) * 100).toFixed(2);

// This checkout's build, not a dist/ left by an earlier `npm pack`.
const module = fileURLToPath(new URL('../../build/wmesh_std.js', import.meta.url));
const mesh = await createMesh({ module, workers: 1 });
const fn = deflateStage(level);
const nd = await best(() => deflateSync(input, { level }));
const wd = await best(async () => Buffer.from(await mesh.go(fn, input).bytes()));
const ni = await best(() => inflateSync(nd.r));
const wi = await best(async () => Buffer.from(await mesh.go('inflate', wd.r).bytes()));
if (!wi.r.equals(input) || !inflateSync(wd.r).equals(input)) throw new Error('round trip failed');
await mesh.close();

console.log(`input: ${(input.length / 1e6).toFixed(1)} MB of log lines, level ${level}`);
console.log(`deflate  node:zlib  ${pct(nd.r.length)}%  ${mbs(nd.ms)} MB/s`);
console.log(`deflate  wmesh      ${pct(wd.r.length)}%  ${mbs(wd.ms)} MB/s  (${fn}, one worker, input and output through pipes)`);
console.log(`inflate  node:zlib  ${mbs(ni.ms)} MB/s (of output)`);
console.log(`inflate  wmesh      ${mbs(wi.ms)} MB/s (of output)`);
