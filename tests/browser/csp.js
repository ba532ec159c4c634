// csp.js: the page of csp.html, whose Content Security Policy forbids eval:
// a mesh of the test module's ES module glue (build/wmesh_test.mjs) runs a
// chain across its workers. The result, or the error, goes in #out.
import { createMesh } from '../../js/browser.js';

const out = /** @type {HTMLElement} */ (document.getElementById('out'));
const glue = new URLSearchParams(location.search).get('glue') ?? 'wmesh_test.mjs';
try {
  const mesh = await createMesh({ module: new URL(`../../build/${glue}`, import.meta.url), workers: 2 });
  const text = await mesh.chain(['t_cat', 't_upper'], 'strict page').text();
  await mesh.close();
  out.textContent = `ok: ${text}`;
} catch (e) {
  out.textContent = `error: ${e instanceof Error ? e.message : String(e)}`;
}
