// cases.js: the browser test cases, run in the page against the test module
// (build/wmesh_test.js, functions in tests/c/test_fns.c) through the
// browser entry of the package. browser.test.mjs runs them one by one with
// run(name); index.html runs them all when opened by hand.
import { WmError, codes, createMesh } from '../../js/browser.js';
import { pattern } from '../common/pattern.js';

const MODULE = new URL('../../build/wmesh_test.js', import.meta.url);

/** @type {import('../../js/mesh.js').Mesh | null} */
let mesh = null;

/**
 * check throws unless ok.
 * @param {unknown} ok
 * @param {string} what
 */
function check(ok, what) {
  if (!ok) throw new Error(`check failed: ${what}`);
}

/**
 * rejects awaits p and returns its error; it throws if p fulfils.
 * @param {Promise<unknown>} p
 * @returns {Promise<any>}
 */
async function rejects(p) {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('check failed: expected a rejection');
}

/** @param {Uint8Array} b */
async function sha256(b) {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', b));
  return Array.from(d, (x) => x.toString(16).padStart(2, '0')).join('');
}

const LIVE = ['fibersBusy', 'pipes', 'calls', 'running', 'ports', 'queued', 'jsPorts', 'pendingJs'];

/**
 * upAgain waits until worker w takes calls again (bounded by turns, not
 * by time).
 * @param {number} w
 */
async function upAgain(w) {
  for (let i = 0; i < 1000; i++) {
    if (!m().dead.has(w)) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`worker ${w} was not replaced`);
}

/** @returns {import('../../js/mesh.js').Mesh} */
function m() {
  if (!mesh) throw new Error('no mesh: run "start" first');
  return mesh;
}

/** The cases, in the order they run. @type {Record<string, () => Promise<unknown>>} */
export const cases = {
  async start() {
    mesh = await createMesh({ module: MODULE, workers: 2 });
    check(mesh.size === 2, 'two workers');
  },

  async go() {
    check((await m().go('t_upper', 'hello, browser').text()) === 'HELLO, BROWSER', 't_upper');
    check((await m().go('t_noop', undefined, { output: false }).result) === 0, 't_noop result');
  },

  async 'chain of 8'() {
    const eight = ['t_cat', 't_cat', 't_cat', 't_upper', 't_cat', 't_cat', 't_cat', 't_cat'];
    const text = 'the quick brown fox '.repeat(5000);
    check((await m().chain(eight, text).text()) === text.toUpperCase(), 'chain of 8 from JS');
    const x = 'x'.repeat(300000);
    check((await m().go('t_chain8', x).text()) === x, 'chain of 8 started in a worker');
  },

  async 'nested 3 deep'() {
    check((await m().go('t_nest', new Uint8Array([3])).text()) === '3;2;1;0;', 'nested from a worker');
    // The page's own thread runs C in fibers and calls workers from them.
    check((await m().go('t_nest', new Uint8Array([2]), { where: 'main' }).text()) === '2;1;0;', 'nested from main');
    check((await m().go('t_local', undefined, { where: 'main' }).text()) === 'ok', 't_local on main');
    check((await m().go('t_local').text()) === 'ok', 't_local on a worker');
  },

  async '1000 concurrent calls'() {
    const calls = [];
    for (let i = 0; i < 1000; i++) calls.push(m().go('t_upper', `call ${i}`).text());
    const out = await Promise.all(calls);
    out.forEach((s, i) => check(s === `CALL ${i}`, `call ${i}`));
  },

  async misuse() {
    check((await m().go('t_misuse').text()) === 'ok', 't_misuse on a worker');
    check((await m().go('t_misuse', undefined, { where: 'main' }).text()) === 'ok', 't_misuse on main');
    check((await m().go('t_remote_misuse').text()) === 'ok', 't_remote_misuse');
  },

  async '16 MiB chain by hash'() {
    const input = pattern(16 << 20, 7);
    const want = await sha256(input);
    // Fed in 1 MiB chunks, as a stream, so that flow control has work.
    let at = 0;
    const stream = new ReadableStream({
      pull(c) {
        if (at >= input.length) return c.close();
        c.enqueue(input.slice(at, at + (1 << 20)));
        at += 1 << 20;
      },
    });
    const out = await m().chain(['t_cat', 't_cat', 't_cat'], stream).bytes();
    check(out.length === input.length, `length ${out.length}`);
    check((await sha256(out)) === want, 'sha-256 of the output');
  },

  async 'error codes'() {
    const c = m().go('t_fail');
    const e = await rejects(c.result);
    check(e instanceof WmError && e.code === -1000 && e.fn === 't_fail', `t_fail: ${e}`);
    const reader = c.output.getReader();
    const first = await reader.read();
    check(new TextDecoder().decode(first.value) === 'about to fail', 'what t_fail wrote');
    const e2 = await rejects(reader.read());
    check(e2 instanceof WmError && e2.code === -1000, 'the output ends with the error');
    let e3;
    try {
      m().go('no_such_fn');
    } catch (err) {
      e3 = err;
    }
    check(e3 instanceof WmError && e3.code === codes.WM_ENOFN, 'unknown name');
  },

  async 'a worker that dies'() {
    // A Web Worker has no exit event: env/browser.js reports its end itself.
    const restarts = m().restarts;
    const hold = new ReadableStream({ start() {} });
    const c = m().go('t_cat', hold, { where: 1 });
    let s = await m().stats();
    for (let i = 0; i < 100 && s.workers[0].running < 1; i++) s = await m().stats();
    await m().workers[1].terminate();
    const e = await rejects(c.result);
    check(e instanceof WmError && e.code === codes.WM_EDIED, `result: ${e}`);
    const e2 = await rejects(c.bytes());
    check(e2 instanceof WmError && e2.code === codes.WM_EDIED, `output: ${e2}`);
    // Other calls still run, and a replacement takes the dead one's place.
    check((await m().go('t_upper', 'alive', { where: 2 }).text()) === 'ALIVE', 'the mesh goes on');
    await upAgain(1);
    check(m().restarts === restarts + 1, 'one replacement');
    check((await m().go('t_upper', 'replaced', { where: 1 }).text()) === 'REPLACED', 'the replacement serves');
  },

  async 'a worker that traps'() {
    // The trap escapes the worker as an error event, its only sign of death,
    // which env/browser.js takes in: no console error may be left of it.
    const restarts = m().restarts;
    const c = m().go('t_trap', undefined, { where: 2 });
    const e = await rejects(c.result);
    check(e instanceof WmError && e.code === codes.WM_EDIED, `result: ${e}`);
    const e2 = await rejects(c.bytes());
    check(e2 instanceof WmError && e2.code === codes.WM_EDIED, `output: ${e2}`);
    check((await m().go('t_upper', 'main goes on', { where: 'main' }).text()) === 'MAIN GOES ON', 'main goes on');
    await upAgain(2);
    check(m().restarts === restarts + 1, 'one replacement');
    check((await m().go('t_upper', 'again', { where: 2 }).text()) === 'AGAIN', 'the replacement serves');
  },

  async 'thousands of chains aborted at once'() {
    // Once crashed the main instance (re-entrant completion in the
    // coordinator); every call must settle, and the mesh go on.
    const input = new Uint8Array(100_000).fill(97);
    const calls = [];
    for (let i = 0; i < 2000; i++) {
      const ac = new AbortController();
      calls.push(m().chain(['t_cat', 't_cat'], input, { signal: ac.signal }));
      ac.abort();
      if (i % 50 === 49) await new Promise((r) => setTimeout(r, 0));
    }
    for (const r of await Promise.allSettled(calls.map((c) => c.result)))
      check(
        r.status === 'fulfilled' || (r.reason?.name === 'AbortError' && r.reason.cause instanceof WmError),
        `settled: ${r.status}`,
      );
    await Promise.allSettled(calls.map((c) => c.bytes()));
    check((await m().chain(['t_cat', 't_upper'], 'still here').text()) === 'STILL HERE', 'mesh goes on');
  },

  async 'workers killed over and over come back'() {
    const calls = [];
    const stop = Date.now() + 500;
    while (Date.now() < stop) {
      for (let i = 1; i <= m().size; i++) m().workers[i]?.terminate();
      calls.push(
        m()
          .go('t_upper', 'x')
          .result.then(
            () => 'ok',
            (e) => e.codeName,
          ),
      );
      await new Promise((r) => setTimeout(r, 5));
    }
    for (const r of await Promise.all(calls)) check(['ok', 'WM_EDIED', 'WM_ENOWORKER'].includes(r), `settled: ${r}`);
    for (let i = 0; i < 1000 && m().dead.size; i++) await new Promise((r) => setTimeout(r, 5));
    check(m().dead.size === 0, 'workers restored');
    check((await m().go('t_upper', 'back').text()) === 'BACK', 'serves again');
  },

  async 'a timeout stops a spinning function'() {
    const c = m().go('t_spin', undefined, { where: 1, timeout: 200, grace: 100 });
    await new Promise((r) => setTimeout(r, 50));
    const s = await m().stats({ timeout: 100 });
    check(s.workers[0].unresponsive === 1, 'the spinning worker is reported unresponsive');
    const e = await rejects(c.result);
    check(e instanceof WmError && e.code === codes.WM_ETIMEDOUT, `WM_ETIMEDOUT, got ${e}`);
    await upAgain(1);
    check((await m().go('t_upper', 'after', { where: 1 }).text()) === 'AFTER', 'replaced');
  },

  async 'no leaks'() {
    let last;
    // Close handshakes cross threads, so "nothing alive" holds a few
    // event-loop turns after the last result: bounded by turns, not time.
    for (let i = 0; i < 200; i++) {
      last = await m().stats();
      if (LIVE.every((k) => last.total[k] === 0)) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const alive = LIVE.filter((k) => last?.total[k] !== 0);
    check(alive.length === 0, `alive: ${JSON.stringify(last)}`);
  },

  async close() {
    await m().close();
    let e;
    try {
      m().go('t_noop');
    } catch (err) {
      e = err;
    }
    check(e instanceof WmError && e.code === codes.WM_ECLOSED, 'calls after close are refused');
    mesh = null;
  },
};

/**
 * run runs one case by name.
 * @param {string} name
 */
export async function run(name) {
  const f = cases[name];
  if (!f) throw new Error(`no case ${name}`);
  await f();
}

/** runAll runs every case in order, yielding a line per case. */
export async function* runAll() {
  for (const name of Object.keys(cases)) {
    try {
      await run(name);
      yield `ok      ${name}`;
    } catch (e) {
      yield `FAILED  ${name}: ${e instanceof Error ? e.stack || e.message : e}`;
      if (name === 'start') return;
    }
  }
}
