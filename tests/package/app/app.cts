// app.cts: the CommonJS entry, type-checked (never run).
import wmesh = require('wmesh');

export async function main(): Promise<number> {
  const mesh: wmesh.Mesh = await wmesh.createMesh({ workers: 1 });
  const { codes } = await wmesh.load();
  const r = await mesh.go('upper', 'x').result;
  await mesh.close();
  // @ts-expect-error: createMesh takes options, not a path
  await wmesh.createMesh('build/x.js');
  return r + codes.WM_EINVAL;
}
