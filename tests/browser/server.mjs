// server.mjs: the static server of the browser and package tests: the demo
// page's own (web/serve.mjs), on a free loopback port, so that the tests
// load the runtime exactly as the page does, with COOP/COEP.
import { fileURLToPath } from 'node:url';

import { serve as serveDir } from '../../web/serve.mjs';

/**
 * serve starts the server on 127.0.0.1 at a free port.
 * @param {string} [root] the directory served; default: the repository
 * @param {string} [csp] a Content-Security-Policy header for every response
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export function serve(root, csp) {
  return serveDir({ root, port: 0, csp });
}

// Run directly, it serves until stopped: open the printed page by hand.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { url } = await serve();
  console.log(`serving the repository at ${url}tests/browser/index.html`);
}
