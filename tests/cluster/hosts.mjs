// hosts.mjs: host processes for the cluster tests (tests/cluster/host.mjs
// in a child process each), and waiting on what hosts know of each other.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const HOST = fileURLToPath(new URL('./host.mjs', import.meta.url));

/** The tests' heartbeat (ms): a dead host is noticed within 4 of them.
 * Shorter ones (200 ms) lost live hosts while four processes and the
 * server shared two cores moving 256 MiB. */
export const HEARTBEAT = 500;

/**
 * HostProc is one host in a process of its own.
 */
export class HostProc {
  /** @type {((line: string) => void)[]} */
  #waiting = [];

  /**
   * @param {string} url @param {string} name @param {string} id
   * @param {{ workers?: number, module?: string, wasm?: string }} [o]
   */
  constructor(url, name, id, o = {}) {
    this.id = id;
    const args = [HOST, url, name, id, String(o.workers ?? 1)];
    if (o.module) args.push(o.module);
    if (o.wasm) args.push(o.wasm);
    this.proc = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    this.exited = new Promise((r) => this.proc.on('exit', (code, sig) => r(sig ?? code)));
    createInterface({ input: /** @type {import('node:stream').Readable} */ (this.proc.stdout) }).on('line', (l) =>
      this.#waiting.shift()?.(l),
    );
    // A host that dies while starting fails the wait instead of hanging it.
    this.ready = Promise.race([
      this.#line(),
      this.exited.then((how) => `exited (${String(how)}) before it was ready`),
    ]).then((l) => {
      if (!l.startsWith('ready')) throw new Error(`host ${id}: ${l}`);
    });
  }

  /** @returns {Promise<string>} */
  #line() {
    return new Promise((r) => this.#waiting.push(r));
  }

  /** stats asks the host for its cluster stats. @returns {Promise<any>} */
  async stats() {
    const l = this.#line();
    this.proc.stdin?.write('stats\n');
    return JSON.parse((await l).slice('stats '.length));
  }

  /** close closes the host's mesh and waits for its exit. */
  async close() {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.stdin?.write('close\n');
    return this.exited;
  }

  /** kill kills it with SIGKILL: no goodbye, no cleanup. */
  kill() {
    this.proc.kill('SIGKILL');
    return this.exited;
  }
}

/**
 * until polls cond until it holds (a bounded number of turns, not a
 * time that a test asserts).
 * @param {() => boolean | Promise<boolean>} cond
 * @param {string} what
 */
export async function until(cond, what) {
  for (let i = 0; i < 400; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`never happened: ${what}`);
}

/** idle says a host's cluster stats show nothing in flight, and (from a
 * host process) nothing alive in its instances: no busy fiber, pipe, port,
 * call or queued call. @param {any} s */
export function idle(s) {
  const live = s.live ? Object.values(s.live).every((n) => n === 0) : true;
  return s.callsOut === 0 && s.segmentsServed === 0 && s.streams === 0 && live;
}
