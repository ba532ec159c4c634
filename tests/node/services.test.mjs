// services.test.mjs: services start until ready, serve, end early, and halt
// with a grace after which they are stopped by force; groups start and halt
// together.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { WmError, codes, haltAll } from '../../js/index.js';
import { assertNoLeaks, startMesh } from './helpers.mjs';

/** @type {import('../../js/mesh.js').Mesh} */
let mesh;
before(async () => {
  mesh = await startMesh({ workers: 3 });
});
after(async () => {
  await assertNoLeaks(mesh);
});

/** a writable input the test feeds by hand */
function feed() {
  /** @type {ReadableStreamDefaultController<string>} */
  let ctl;
  const stream = new ReadableStream({ start: (c) => void (ctl = c) });
  return { stream, write: (/** @type {string} */ s) => ctl.enqueue(s), end: () => ctl.close() };
}

test('a service starts, serves, and halts', async () => {
  const input = feed();
  const svc = await mesh.start('t_service', input.stream);
  const reader = svc.output.getReader();
  input.write('hello');
  assert.equal(new TextDecoder().decode((await reader.read()).value), 'HELLO');
  assert.equal(await svc.halt(), codes.WM_ECANCELED);
  await assert.rejects(reader.read(), (e) => e.code === codes.WM_ECANCELED);
});

test('a service that ends early: its caller learns when and why', async () => {
  const input = feed();
  const svc = await mesh.start('t_service', input.stream);
  input.end(); // its input ends, so it returns 0
  assert.equal(await svc.result, 0);
  await svc.output.cancel();
});

test('a start fails with the error of a service that fails first', async () => {
  await assert.rejects(mesh.start('t_service_fails'), (e) => e instanceof WmError && e.code === -7000);
  await assert.rejects(mesh.start('t_noop'), (e) => e.code === codes.WM_EEARLY);
});

test('a start that times out halts the service', async () => {
  await assert.rejects(
    mesh.start('t_service_slow', new ReadableStream({ start() {} }), { startTimeout: 20 }),
    (e) => e.code === codes.WM_ETIMEDOUT,
  );
});

test('a service that ignores the halt is stopped with its worker', async () => {
  const svc = await mesh.start('t_service_stubborn', undefined, { output: false });
  assert.equal(await svc.halt(20), codes.WM_EDIED);
});

test('services start and halt together; a failed start halts the started ones', async () => {
  const list = [{ fn: 't_service' }, { fn: 't_service' }, { fn: 't_service_fails' }, { fn: 't_service' }];
  await assert.rejects(mesh.startAll(list), (e) => e.code === -7000);
  const ok = await mesh.startAll(list.slice(0, 2));
  assert.deepEqual(await haltAll(ok), [codes.WM_ECANCELED, codes.WM_ECANCELED]);
  for (const s of ok) await s.output.cancel();
});

test('services from C: start, ready, early end, timeouts, forced halts, groups', async () => {
  assert.equal(await mesh.go('t_services_c').text(), 'ok');
});
