// serve.mjs: serves the repository for the demo page (web/index.html) on
// the loopback address, with the cross-origin isolation headers (COOP and
// COEP) so that the page runs as isolated as a user may choose to run it.
//
//   node web/serve.mjs [PORT]      then open http://127.0.0.1:PORT/web/
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

/**
 * serve starts the server.
 * @param {{ root?: string, port?: number, host?: string, csp?: string }} [o]
 *   root: the directory served (default: the repository); port 0 picks a
 *   free one; csp: a Content-Security-Policy header for every response
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export async function serve(o = {}) {
  const base = normalize((o.root ?? fileURLToPath(new URL('..', import.meta.url))) + sep);
  const server = createServer(async (req, res) => {
    const headers = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
      // The build changes under a running page; never serve a stale module.
      'Cache-Control': 'no-store',
      ...(o.csp ? { 'Content-Security-Policy': o.csp } : {}),
    };
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = normalize(join(base, path));
    if (!file.startsWith(base) || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(403, headers).end();
      return;
    }
    let st = await stat(file).catch(() => null);
    if (st?.isDirectory()) {
      if (!path.endsWith('/')) {
        res.writeHead(301, { ...headers, Location: `${path}/` }).end();
        return;
      }
      file = join(file, 'index.html');
      st = await stat(file).catch(() => null);
    }
    if (!st?.isFile()) {
      res.writeHead(404, headers).end();
      return;
    }
    res.writeHead(200, {
      ...headers,
      'Content-Type': TYPES[/** @type {keyof TYPES} */ (extname(file))] ?? 'application/octet-stream',
      'Content-Length': st.size,
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  const host = o.host ?? '127.0.0.1';
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => resolve(undefined));
  });
  const addr = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://${host}:${addr.port}/`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { url } = await serve({ port: Number(process.argv[2] ?? 8080) });
  console.log(`wmesh demo page: ${url}web/   (build first: bash scripts/build.sh; Ctrl-C stops)`);
}
