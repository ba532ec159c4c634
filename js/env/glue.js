// env/glue.js: loading an Emscripten MODULARIZE glue in a browser, on the
// page and in workers alike. Apart from env/browser.js so that a worker's
// bundle does not contain the code that starts workers.
//
// The glue that Emscripten 3.1.6 writes with MODULARIZE is a classic script
// that defines `var wmeshModule` (and sets module.exports only where it
// exists). A module worker cannot importScripts it, and the EXPORT_ES6
// variant of 3.1.6 still carries Node branches (require, __dirname) that
// bundlers try to resolve, besides needing a second link of every module.
// So the one glue serves both platforms: Node requires it, and here it is
// fetched as text and evaluated with `new Function`. Bundlers (Vite) leave a
// fetched file alone; they only have to emit it as an asset, which they do
// for `new URL('...', import.meta.url)`. A page whose CSP forbids
// 'unsafe-eval' cannot load a module this way: cmake/wmesh.cmake also
// writes the glue as an ES module (<module>.mjs), which is imported instead
// when it is the URL given, with no eval at all.

/**
 * absolute resolves a URL against the document (or the worker's script).
 * @param {string | URL} u
 */
export function absolute(u) {
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
    f = /\.mjs([?#]|$)/.test(url)
      ? import(/* @vite-ignore */ url).then((m) => m.default)
      : fetch(url).then(async (r) => {
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

