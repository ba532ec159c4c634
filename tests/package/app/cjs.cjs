// cjs.cjs: the installed package from CommonJS.
const assert = require('node:assert/strict');

const { createMesh, load, deflateStage, stdCodes, stdCodeName, imageOptions, STD_FUNCTIONS } = require('wmesh');

(async () => {
  const mesh = await createMesh({ workers: 1 });
  assert.equal(await mesh.go('upper', 'from commonjs').text(), 'FROM COMMONJS');
  const { WmError, codes } = await load();
  assert.throws(() => mesh.go('no_such_fn'), (e) => e instanceof WmError && e.code === codes.WM_ENOFN);
  // The standard module's helpers, synchronously, as in ESM.
  assert.equal(deflateStage(9), 'deflate_9');
  assert.ok(STD_FUNCTIONS.includes('inflate'));
  assert.equal(stdCodeName(stdCodes.WMSTD_ELIMIT), 'WMSTD_ELIMIT');
  assert.equal(imageOptions({ width: 8 }).length, 16);
  const z = await mesh.chain(['upper', deflateStage(1), 'inflate'], 'round trip').text();
  assert.equal(z, 'ROUND TRIP');
  await mesh.close();
  console.log('cjs ok');
})().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
