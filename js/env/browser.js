// env/browser.js: what the mesh needs from a browser: loading the module's
// glue and binary, and starting module Web Workers that speak the worker
// protocol. Same interface as env/node.js, so js/mesh.js and js/serve.js
// never know which platform they run on.
//
// The glue that Emscripten 3.1.6 writes with MODULARIZE is a classic script
// that defines `var wmeshModule` (and sets module.exports only where it
// exists). A module worker cannot importScripts it, and the EXPORT_ES6
// variant of 3.1.6 still carries Node branches (require, __dirname) that
// bundlers try to resolve, besides needing a second link of every module.
// So the one glue serves both platforms: Node requires it, and here it is
// fetched as text and evaluated with `new Function`. Bundlers (Vite) leave a
// fetched file alone; they only have to emit it as an asset, which they do
// for `new URL('...', import.meta.url)`. The cost: a page whose CSP forbids
// 'unsafe-eval' cannot load a module this way.

/** @returns {number} */
export function cores() {
  return globalThis.navigator?.hardwareConcurrency || 4;
}

/**
 * absolute resolves a URL against the document (or the worker's script).
 * @param {string | URL} u
 */
function absolute(u) {
  return new URL(String(u), globalThis.location?.href).href;
}

/** glue texts by URL, so that a page's meshes fetch each glue once
 * @type {Map<string, Promise<Function>>} */
const glues = new Map();

/**
 * evaluate turns the glue's text into its factory. The glue's CommonJS and
 * AMD tails are shadowed so that a page's own `module` or `define` is left
 * alone.
 * @param {string} text
 * @param {string} url for stack traces
 * @returns {Function}
 */
function evaluate(text, url) {
  const body = `${text}\nreturn wmeshModule;\n//# sourceURL=${url}`;
  // eslint-disable-next-line no-new-func
  return new Function('module', 'exports', 'define', 'require', body)(undefined, undefined, undefined, undefined);
}

/**
 * loadFactory loads an Emscripten MODULARIZE glue file. The fetch starts at
 * once; the factory it returns waits for it, so the caller's code stays the
 * same as with Node's synchronous require.
 * @param {string | URL} glue
 * @returns {(opts: object) => Promise<any>}
 */
export function loadFactory(glue) {
  const url = absolute(glue);
  let f = glues.get(url);
  if (!f) {
    f = fetch(url).then(async (r) => {
      if (!r.ok) throw new Error(`wmesh: cannot load ${url}: HTTP ${r.status}`);
      return evaluate(await r.text(), url);
    });
    glues.set(url, f);
    // A failed fetch is not remembered: the next mesh tries again.
    f.catch(() => glues.delete(url));
  }
  const factory = f;
  return async (opts) => (await factory)(opts);
}

/**
 * compile fetches and compiles the module's .wasm once, for every instance.
 * @param {string | URL | ArrayBuffer | Uint8Array | WebAssembly.Module} wasm
 * @returns {Promise<WebAssembly.Module>}
 */
export async function compile(wasm) {
  if (wasm instanceof WebAssembly.Module) return wasm;
  if (wasm instanceof ArrayBuffer || ArrayBuffer.isView(wasm)) return WebAssembly.compile(/** @type {BufferSource} */ (wasm));
  const url = absolute(wasm);
  const r = await fetch(url);
  if (!r.ok) throw new Error(`wmesh: cannot load ${url}: HTTP ${r.status}`);
  // compileStreaming insists on the application/wasm type; a server that
  // sends another one still gets the module compiled, only not while it
  // downloads.
  if (typeof WebAssembly.compileStreaming === 'function' && /^application\/wasm\b/.test(r.headers.get('content-type') ?? ''))
    return WebAssembly.compileStreaming(r);
  return WebAssembly.compile(await r.arrayBuffer());
}

/**
 * spawn starts a module worker running js/worker-browser.js. Its init data
 * goes in the first message, since a Web Worker has no workerData.
 * @param {object} data
 * @returns {{ post: (m: any, t?: Transferable[]) => void, onMessage: (f: (m: any) => void) => void, onExit: (f: (why: string) => void) => void, terminate: () => Promise<unknown> }}
 */
export function spawn(data) {
  // Written out in full, in this form, so that bundlers see the worker.
  const w = new Worker(new URL('../worker-browser.js', import.meta.url), { type: 'module', name: `wmesh ${/** @type {any} */ (data).self}` });
  /** @type {string | null} why it died, once it has */
  let exited = null;
  /** @type {((why: string) => void)[]} */
  const exitFns = [];
  /**
   * A Web Worker has no exit event: an error that escapes it (a trap, an
   * abort, a script that failed to load) is taken as its death, and the
   * worker is ended so that it cannot come back half alive.
   * @param {string} why
   */
  const die = (why) => {
    if (exited !== null) return;
    exited = why;
    w.terminate();
    exitFns.splice(0).forEach((f) => f(why));
  };
  w.addEventListener('error', (e) => {
    e.preventDefault(); // reported through onExit, not as an uncaught error
    die(e.message || `worker script failed: ${e.filename || 'load error'}`);
  });
  w.addEventListener('messageerror', () => die('a message could not be deserialized'));
  w.postMessage({ t: 'boot', data });
  return {
    post: (m, t) => {
      if (exited === null) w.postMessage(m, t ?? []);
    },
    onMessage: (f) => w.addEventListener('message', (e) => f(e.data)),
    // A late listener still hears of a death that already happened.
    onExit: (f) => (exited === null ? exitFns.push(f) : queueMicrotask(() => f(/** @type {string} */ (exited)))),
    // As a Node worker's exit does, a termination reaches the listeners.
    terminate: async () => die('terminated'),
  };
}

/** @param {string | URL} glue */
export function glueUrl(glue) {
  return absolute(glue);
}
