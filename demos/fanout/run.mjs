// run.mjs: the fan-out demo in Node. A synthesiser publishes frames of
// float samples on topic "audio" from worker 1; a level meter in C
// subscribes from worker 2; a spectrum and a recorder subscribe from JS.
// Each gets every frame in order, or is told exactly how many it missed.
//
//   node demos/fanout/run.mjs [frames]
import { fileURLToPath } from 'node:url';

import { createMesh, records } from '../../js/index.js';

const frames = Number(process.argv[2] ?? 12);
const module = fileURLToPath(new URL('../../build/wmesh_demos.js', import.meta.url));
const mesh = await createMesh({ module, workers: Math.max(2, (await import('node:os')).availableParallelism()) });

/** spectrum: the magnitude of DFT bins 1..8 of a frame (about 190 to 1500
 * Hz at 48 kHz), where the synth's tone sweeps. */
function spectrum(/** @type {Float32Array} */ s) {
  const bands = [];
  for (let b = 1; b <= 8; b++) {
    const k = b;
    let re = 0;
    let im = 0;
    for (let i = 0; i < s.length; i++) {
      re += s[i] * Math.cos((2 * Math.PI * k * i) / s.length);
      im -= s[i] * Math.sin((2 * Math.PI * k * i) / s.length);
    }
    bands.push(Math.hypot(re, im) / s.length);
  }
  return bands;
}

try {
  const synth = await mesh.start('synth', undefined, { where: 1, output: false });
  console.log(`synth publishing on worker 1; subscribers join now\n`);
  const meter = mesh.go('level_meter', new Uint8Array(new Uint32Array([1, frames]).buffer), { where: 2 });
  const spec = mesh.subscribe('audio', { where: 1, policy: 'drop', queue: 8 });
  const rec = mesh.subscribe('audio', { where: 1, policy: 'block', queue: 64 });

  const bars = ' ▁▂▃▄▅▆▇█';
  const spectrumLines = (async () => {
    const lines = [];
    for await (const r of records(spec.output)) {
      const b = spectrum(new Float32Array(r.data.buffer, r.data.byteOffset, r.data.length / 4));
      lines.push(`${r.seq}${r.dropped ? `(+${r.dropped} missed)` : ''} ${b.map((x) => bars[Math.min(8, Math.round(x * 28))]).join('')}`);
      if (lines.length === frames) break;
    }
    return lines;
  })();
  const recorded = (async () => {
    let n = 0;
    let last = 0;
    for await (const r of records(rec.output)) {
      if (last && r.seq !== last + 1) throw new Error('the recorder missed a frame');
      last = r.seq;
      if (++n === frames * 2) break;
    }
    return { n, last };
  })();

  console.log('level meter (C, worker 2):');
  console.log(await meter.text());
  console.log('spectrum (JS):');
  console.log((await spectrumLines).join('\n'));
  const r = await recorded;
  console.log(`\nrecorder (JS, backpressure): ${r.n} frames in order, up to #${r.last}`);
  console.log(`synth halted: ${await synth.halt()} (WM_ECANCELED: it was serving)`);
} finally {
  await mesh.close();
}
