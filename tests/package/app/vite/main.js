// main.js: a Vite app using the installed package as any app would. The
// bundler picks the "browser" export, emits the worker, the glue and the
// .wasm, and the page runs the package's prebuilt module.
import { createMesh } from 'wmesh';

const out = /** @type {HTMLElement} */ (document.getElementById('out'));
try {
  const mesh = await createMesh({ workers: 2 });
  const upper = await mesh.go('upper', 'hello from vite').text();
  const lines = (await mesh.chain(['gen', 'upper', 'reverse'], '2').text()).trim().split('\n');
  await mesh.close();
  out.textContent = JSON.stringify({ upper, lines });
} catch (e) {
  out.textContent = `error: ${e instanceof Error ? e.stack : e}`;
}
out.dataset.done = '1';
