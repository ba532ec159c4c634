// wasi_run.mjs: runs a wasm32-wasi test program under node:wasi and exits
// with its status, so that ctest can treat it like a native test.
//   node tests/c/wasi_run.mjs PROGRAM.wasm [ARGS...]
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

// node:wasi announces itself as experimental on every run; that line would
// only bury the test's own output.
const emitWarning = process.emitWarning;
process.emitWarning = (w, ...rest) => {
  if (!String(w).includes('WASI')) emitWarning.call(process, w, ...rest);
};
const { WASI } = await import('node:wasi');

const [file, ...args] = process.argv.slice(2);
if (!file) {
  console.error('usage: node wasi_run.mjs PROGRAM.wasm [ARGS...]');
  process.exit(2);
}

const wasi = new WASI({
  version: 'preview1',
  args: [basename(file), ...args],
  env: {},
  returnOnExit: true,
});
const module = await WebAssembly.compile(await readFile(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
try {
  process.exitCode = wasi.start(instance);
} catch (e) {
  // A trap (abort, unreachable, out-of-bounds access) is a failed test.
  console.error(`wasi_run: ${basename(file)} trapped: ${e.message}`);
  process.exitCode = 134;
}
