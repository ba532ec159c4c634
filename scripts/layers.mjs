// layers.mjs: checks that the core's files use each other in one direction
// only, from the symbols their objects define and use (nm). Each file sits
// in a layer; a file may use its own layer's files and those below, never
// one above. The order is the one docs/ARCHITECTURE.md describes.
//
//   node scripts/layers.mjs DIR    DIR holds the core's objects (NAME.c.o)
//
// Exits non-zero, naming file, symbol and layers, on any upward use that is
// not in ALLOWED below.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Bottom first. */
const LAYERS = [
  ['rt', 'errors', 'bytes', 'handles', 'wire', 'registry'],
  ['sched'],
  ['ctl', 'pipe'],
  ['call'],
  ['coord'],
  ['service', 'topic'],
  ['dump'],
  ['entry'],
];

/**
 * Upward uses still allowed, each by name, so that none can be added
 * unseen. None today: keep it that way.
 */
const ALLOWED = new Set([]);

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node scripts/layers.mjs DIR');
  process.exit(2);
}
/** @type {Map<string, number>} */
const layerOf = new Map();
LAYERS.forEach((files, i) => files.forEach((f) => layerOf.set(f, i)));

const objects = readdirSync(dir).filter((f) => f.endsWith('.c.o') || f.endsWith('.c.obj'));
/** @type {Map<string, string>} symbol -> file defining it */
const defined = new Map();
/** @type {Map<string, string[]>} file -> symbols it uses from elsewhere */
const used = new Map();
for (const o of objects) {
  const file = o.replace(/\.c\.o(bj)?$/, '');
  if (!layerOf.has(file)) {
    console.error(`layers: ${file}.c is in no layer: add it to LAYERS in scripts/layers.mjs`);
    process.exit(1);
  }
  const out = execFileSync('nm', [join(dir, o)], { encoding: 'utf8' });
  const u = [];
  for (const line of out.split('\n')) {
    const p = line.trim().split(/\s+/);
    if (p.length === 3 && 'TDBRCV'.includes(p[1])) defined.set(p[2], file);
    else if (p.length === 2 && p[0] === 'U') u.push(p[1]);
  }
  used.set(file, u);
}
for (const f of layerOf.keys())
  if (!used.has(f)) {
    console.error(`layers: no object for ${f}.c in ${dir}`);
    process.exit(1);
  }

const bad = [];
const seen = new Set();
for (const [file, syms] of used)
  for (const s of syms) {
    const to = defined.get(s);
    if (!to || to === file) continue;
    const up = /** @type {number} */ (layerOf.get(to)) > /** @type {number} */ (layerOf.get(file));
    const same = layerOf.get(to) === layerOf.get(file) && layerOf.get(file) !== 0;
    const edge = `${file} -> ${to}: ${s}`;
    if (ALLOWED.has(edge)) {
      seen.add(edge);
      continue;
    }
    // Files of one layer above the bottom are siblings: neither uses the other.
    if (up || same) bad.push(edge);
  }
for (const e of ALLOWED)
  if (!seen.has(e)) bad.push(`${e} (allowed, but no longer used: take it out of ALLOWED)`);
if (bad.length) {
  console.error('layers: uses against the layer order (docs/ARCHITECTURE.md):');
  for (const e of bad.sort()) console.error(`  ${e}`);
  process.exit(1);
}
console.log(`layers: ${objects.length} core files in ${LAYERS.length} layers, ${ALLOWED.size} known upward uses`);
