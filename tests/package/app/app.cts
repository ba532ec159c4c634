// app.cts: the CommonJS entry, type-checked (never run).
import wmesh = require('wmesh');

export async function main(): Promise<number> {
  const mesh: wmesh.Mesh = await wmesh.createMesh({ workers: 1 });
  const { codes } = await wmesh.load();
  const r = await mesh.go('upper', 'x').result;
  const stage: 'deflate' | `deflate_${number}` = wmesh.deflateStage(9);
  const z = await mesh.chain(['upper', stage, 'inflate'], 'x').bytes();
  const bad: wmesh.StdCodeName | undefined = wmesh.stdCodeName(wmesh.stdCodes.WMSTD_ELIMIT);
  await mesh.close();
  // @ts-expect-error: a level is a number
  wmesh.deflateStage('9');
  // @ts-expect-error: createMesh takes options, not a path
  await wmesh.createMesh('build/x.js');
  return r + codes.WM_EINVAL + z.length + (bad ? 1 : 0);
}
