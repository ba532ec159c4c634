// app.mts: type-checked against the installed package's types (never run).
import { Call, Mesh, WmError, codes, createMesh, strerror, type CallOptions, type MeshStats } from 'wmesh';
import * as browser from 'wmesh/browser';
import type { Mesh as StdMesh } from 'wmesh/dist/wmesh_std.js';

export async function main(): Promise<string> {
  await using mesh: Mesh = await createMesh({ workers: 2, concurrency: 8, queue: 100 });
  const opts: CallOptions = { where: 'main', timeout: 1000, signal: AbortSignal.timeout(1000), grace: 500, window: 65536 };
  const call: Call = mesh.go('upper', 'hello', opts);
  const out: ReadableStream<Uint8Array> = call.output;
  const rc: number = await call.result;
  const bytes: Uint8Array = await mesh.chain(['gen', 'upper'], new Uint8Array([1])).bytes();
  const stats: MeshStats = await mesh.stats();
  const n: number = stats.total.pipes + stats.main.fibers + mesh.size + mesh.restarts;
  const alive: string = await mesh.dump();
  try {
    await mesh.go('upper', (async function* () { yield 'a'; })()).text();
  } catch (e) {
    if (e instanceof WmError && e.code === codes.WM_EDIED) return `${e.fn} ${e.codeName} ${strerror(e.code)}`;
  }
  // The standard module's declaration (dist/wmesh_std.d.ts) takes only its names.
  const std: StdMesh = await createMesh({ workers: 1 });
  const digest: Uint8Array = await std.chain(['upper', 'sha256'], 'x').bytes();
  // @ts-expect-error: not a function of the standard module
  std.go('sha265', 'x');
  await std.close();
  const other: Mesh = await browser.createMesh({ module: new URL('https://example.invalid/m.js') });
  await other.close();
  // @ts-expect-error: functions are called by name
  mesh.go(42);
  // @ts-expect-error: no such option
  mesh.go('upper', 'x', { priority: 1 });
  // @ts-expect-error: codes are read-only
  codes.WM_EDIED = 0;
  return `${out.locked} ${rc} ${bytes.length} ${n} ${alive} ${digest.length}`;
}
