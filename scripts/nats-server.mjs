// nats-server.mjs: a nats-server of our own (tests, bench, demos/cluster),
// on free loopback ports (client and WebSocket), from a generated config;
// stopped and restarted at will.
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** freePort asks the kernel for a free loopback port. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (s.address());
      s.close(() => resolve(port));
    });
  });
}

/** @param {number} port resolves once something accepts on port */
async function listening(port) {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((r) => {
      const c = tcpConnect(port, '127.0.0.1', () => (c.end(), r(true)));
      c.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nats-server did not listen on ${port}`);
}

/**
 * NatsServer runs nats-server (Debian's, installed by scripts/setup.sh).
 */
export class NatsServer {
  /** @param {{ token?: string }} [o] token: clients must present it */
  constructor(o = {}) {
    this.token = o.token;
  }

  /** @type {import('node:child_process').ChildProcess | null} */
  proc = null;
  dir = mkdtempSync(join(tmpdir(), 'wmesh-nats-'));
  port = 0;
  wsPort = 0;

  /** start starts it (again, on the same ports, after stop). */
  async start() {
    if (!this.port) {
      this.port = await freePort();
      this.wsPort = await freePort();
      writeFileSync(
        join(this.dir, 'nats.conf'),
        `listen: "127.0.0.1:${this.port}"\nwebsocket { listen: "127.0.0.1:${this.wsPort}"\n  no_tls: true }\nmax_payload: 1MB\n` +
          (this.token ? `authorization { token: ${JSON.stringify(this.token)} }\n` : ''),
      );
    }
    const bin = process.env.NATS_SERVER ?? which();
    this.proc = spawn(bin, ['-c', join(this.dir, 'nats.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    this.proc.stderr?.on('data', (d) => (err += d));
    this.proc.on('exit', (c) => c && c !== 0 && process.stderr.write(`nats-server exited ${c}: ${err}\n`));
    await listening(this.port);
    return this;
  }

  get url() {
    return `nats://127.0.0.1:${this.port}`;
  }

  get wsUrl() {
    return `ws://127.0.0.1:${this.wsPort}`;
  }

  /** stop kills it (SIGKILL: as a crash, no goodbye to clients) and waits for its exit. */
  async stop() {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    this.proc = null;
    await new Promise((r) => {
      p.on('exit', r);
      p.kill('SIGKILL');
    });
  }

  /** close stops it for good and removes its files. */
  async close() {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** which finds nats-server: on PATH, or where Debian puts it. */
function which() {
  for (const p of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/bin'])) {
    const f = join(p, 'nats-server');
    try {
      accessSync(f, constants.X_OK);
      return f;
    } catch {
      // not here
    }
  }
  throw new Error('nats-server not found: run bash scripts/setup.sh');
}
