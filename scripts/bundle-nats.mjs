// bundle-nats.mjs: the NATS client for pages (wsconnect of the package
// @nats-io/nats-core, which is CommonJS) as one ES module,
// build/nats-core.mjs, for pages that join a mesh of hosts without a
// bundler of their own: the demo page (?nats=) and tests/cluster.
//
//   node scripts/bundle-nats.mjs
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

export const NATS_BUNDLE = fileURLToPath(new URL('../build/nats-core.mjs', import.meta.url));

/** bundleNats writes build/nats-core.mjs. */
export async function bundleNats() {
  await build({
    // Named exports of a CommonJS package need an ES module entry that
    // imports them.
    stdin: { contents: "export { wsconnect } from '@nats-io/nats-core';", resolveDir: fileURLToPath(new URL('.', import.meta.url)) },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    outfile: NATS_BUNDLE,
    logLevel: 'error',
  });
  return NATS_BUNDLE;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(await bundleNats());
