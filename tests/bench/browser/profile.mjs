// profile.mjs: CPU profiles of the browser pipe case, for the page and for
// every worker, through the DevTools protocol (Profiler.start/stop on each
// target, workers reached with Target.setAutoAttach, flatten). Prints each
// target's heaviest functions by self time and writes .cpuprofile files
// (open them in DevTools' Performance panel). Not part of npm run bench.
//
//   node --experimental-websocket tests/bench/browser/profile.mjs [default|byob] [MiB] [OUT_DIR]
//
// (Node 22 has WebSocket without the flag.) The profiler's sampling slows
// everything: read the shares, not the MB/s.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { serve } from '../../../web/serve.mjs';

const mode = process.argv[2] ?? 'default';
const total = Number(process.argv[3] ?? 32) * 1024 * 1024;
const outDir = process.argv[4] ?? tmpdir();
if (typeof WebSocket !== 'function') {
  console.error('profile.mjs: no WebSocket; run node with --experimental-websocket');
  process.exit(2);
}

const server = await serve({ port: 0 });
const port = 9300 + Math.floor(Math.random() * 500);
const profileDir = mkdtempSync(join(tmpdir(), 'wmesh-profile-'));
const chrome = spawn(
  process.env.WMESH_CHROMIUM ?? '/usr/bin/chromium',
  ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', `--remote-debugging-port=${port}`, `--user-data-dir=${profileDir}`, 'about:blank'],
  { stdio: 'ignore' },
);
try {
  /** @type {any} */
  let version;
  for (let i = 0; i < 100 && !version; i++) {
    version = await fetch(`http://127.0.0.1:${port}/json/version`).then((r) => r.json(), () => null);
    if (!version) await sleep(100);
  }
  const ws = new WebSocket(version.webSocketDebuggerUrl);
  await new Promise((r) => (ws.onopen = r));
  let nextId = 1;
  /** @type {Map<number, { res: (v: any) => void, rej: (e: Error) => void }>} */
  const pending = new Map();
  /** @type {{ session: string, name: string }[]} */
  const targets = [];
  /** @type {(method: string, params?: object, sessionId?: string) => Promise<any>} */
  const send = (method, params = {}, sessionId) =>
    new Promise((res, rej) => {
      const id = nextId++;
      pending.set(id, { res, rej });
      ws.send(JSON.stringify({ id, method, params, sessionId }));
    });
  ws.onmessage = async (e) => {
    const m = JSON.parse(String(e.data));
    if (m.id) {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.error) p?.rej(new Error(JSON.stringify(m.error)));
      else p?.res(m.result);
    } else if (m.method === 'Target.attachedToTarget' && m.sessionId) {
      // A worker of the page (the page's own attach comes on the browser's
      // session, with no sessionId), paused until its profiler is set up.
      const s = m.params.sessionId;
      targets.push({ session: s, name: `worker-${targets.length}-${m.params.targetInfo.url.split('/').pop()}` });
      await send('Profiler.enable', {}, s);
      await send('Profiler.setSamplingInterval', { interval: 100 }, s);
      await send('Runtime.runIfWaitingForDebugger', {}, s);
    }
  };
  const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
  const { sessionId: page } = await send('Target.attachToTarget', { targetId, flatten: true });
  targets.push({ session: page, name: 'page' });
  await send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: true }, page);
  await send('Profiler.enable', {}, page);
  await send('Profiler.setSamplingInterval', { interval: 100 }, page);
  await send('Page.enable', {}, page);
  await send('Page.navigate', { url: `${server.url}tests/bench/browser/page.html` }, page);
  /** @param {string} expression */
  const evaluate = async (expression) => {
    const r = await send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true }, page);
    if (r.exceptionDetails) throw new Error(JSON.stringify(r.exceptionDetails));
    return r.result.value;
  };
  for (let i = 0; i < 100 && !(await evaluate(`'wmeshBench' in window`)); i++) await sleep(100);
  await evaluate(`(async () => {
    const { createMesh } = await import('/js/browser.js');
    window.profMesh = await createMesh({ module: new URL('/build/wmesh_test.js', location.href), workers: 2 });
    window.profPipe = async (total, byob) => {
      const size = 65536, block = new Uint8Array(size);
      async function* src() { for (let s = 0; s < total; s += size) yield block; }
      const t = performance.now();
      const c = profMesh.go('t_cat', src());
      let got = 0;
      if (byob) {
        const reader = c.output.getReader({ mode: 'byob' });
        let buf = new Uint8Array(size);
        for (;;) { const { done, value } = await reader.read(buf); if (done) break; got += value.length; buf = new Uint8Array(value.buffer); }
      } else {
        const reader = c.output.getReader();
        for (;;) { const { done, value } = await reader.read(); if (done) break; got += value.length; }
      }
      await c.result;
      if (got !== total) throw new Error('lost bytes');
      return total / 1e6 / ((performance.now() - t) / 1000);
    };
    for (let i = 0; i < 3; i++) await profPipe(4 << 20, ${mode === 'byob'});
  })()`);
  for (const t of targets) await send('Profiler.start', {}, t.session);
  const mbs = await evaluate(`profPipe(${total}, ${mode === 'byob'})`);
  console.log(`pipe, 64 KiB writes, ${mode} reads: ${mbs.toFixed(0)} MB/s under the profiler`);
  for (const t of targets) {
    const { profile } = await send('Profiler.stop', {}, t.session);
    const file = join(outDir, `wmesh-${mode}-${t.name}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    summarize(t.name, file, profile);
  }
  await evaluate('profMesh.close()');
  ws.close();
} finally {
  chrome.kill();
  await server.close();
  rmSync(profileDir, { recursive: true, force: true });
}

/**
 * summarize prints a profile's heaviest functions by self time.
 * @param {string} name
 * @param {string} file
 * @param {any} p a Profiler.Profile
 */
function summarize(name, file, p) {
  const byId = new Map(p.nodes.map((/** @type {any} */ n) => [n.id, n]));
  /** @type {Map<string, number>} */
  const self = new Map();
  let sum = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const d = p.timeDeltas[i + 1] ?? 0;
    const cf = byId.get(p.samples[i]).callFrame;
    const key = `${cf.functionName || '(anonymous)'} ${cf.url.split('/').pop()}:${cf.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + d);
    sum += d;
  }
  console.log(`\n${name}: ${(sum / 1000).toFixed(0)} ms sampled (${file})`);
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 12))
    console.log(`${(v / 1000).toFixed(1).padStart(9)} ms ${((100 * v) / sum).toFixed(1).padStart(5)}%  ${k}`);
}
