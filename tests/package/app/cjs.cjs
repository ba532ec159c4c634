// cjs.cjs: the installed package from CommonJS.
const assert = require('node:assert/strict');

const { createMesh, load } = require('wmesh');

(async () => {
  const mesh = await createMesh({ workers: 1 });
  assert.equal(await mesh.go('upper', 'from commonjs').text(), 'FROM COMMONJS');
  const { WmError, codes } = await load();
  assert.throws(() => mesh.go('no_such_fn'), (e) => e instanceof WmError && e.code === codes.WM_ENOFN);
  await mesh.close();
  console.log('cjs ok');
})().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
