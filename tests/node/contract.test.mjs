// contract.test.mjs: the C/JS contract has one source, the C headers, and
// the JS side mirrors it: error codes and their descriptions, frame types,
// limits, stats fields, and the list of entry points the module exports.
// Each check reads the C source as text, so that a change on one side that
// the other misses fails here rather than as a wrong code at run time.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { REQ } from '../../js/calls.js';
import { codes, strerror } from '../../js/errors.js';
import { STATS_FIELDS } from '../../js/host.js';
import { GRACE_MS, MIN_WINDOW } from '../../js/options.js';
import * as wire from '../../js/wire.js';

const read = (/** @type {string} */ p) => readFileSync(new URL(`../../${p}`, import.meta.url), 'utf8');
const header = read('include/wmesh.h');
const wireH = read('src/core/wire.h');
const rtH = read('src/core/rt.h');

/** @param {string} s @param {string} name a #define's value, evaluated */
function define(s, name) {
  const m = s.match(new RegExp(`#define ${name} (.+?)(?:\\s*/\\*.*)?$`, 'm'));
  assert.ok(m, `no #define ${name}`);
  const expr = m[1].replace(/\b(\d+)u\b/g, '$1').replace(/\b(WM__?[A-Z_]+)\b/g, (x) => String(define(s + rtH + wireH, x)));
  return Function(`return (${expr})`)();
}

test('error codes and descriptions: js/errors.js matches WM_ERRNO_MAP', () => {
  const map = [...header.matchAll(/X\((\w+), (-\d+), "([^"]+)"\)/g)].map(([, n, v, t]) => ({ n, v: +v, t }));
  assert.ok(map.length >= 17);
  assert.deepEqual(
    Object.entries(codes).sort((a, b) => b[1] - a[1]),
    map.map((e) => [`WM_${e.n}`, e.v]),
  );
  for (const e of map) assert.equal(strerror(e.v), e.t, `WM_${e.n}`);
  const errmax = Number(header.match(/WM_ERRMAX = (-\d+)/)?.[1]);
  assert.equal(errmax, Math.min(...map.map((e) => e.v)) - 1);
});

test('frame types: js/wire.js matches src/core/wire.h', () => {
  const types = Object.fromEntries([...wireH.matchAll(/WM__F_(\w+) = (\d+)/g)].map(([, n, v]) => [n, +v]));
  let n = 0;
  for (const [k, v] of Object.entries(wire)) {
    if (!/^F_[A-Z]+$/.test(k)) continue;
    assert.equal(v, types[k.slice(2)], k);
    n++;
  }
  assert.ok(n >= 6);
});

test('limits: the JS side checks what the core checks', () => {
  assert.equal(wire.CHUNK, define(rtH, 'WM__CHUNK'));
  assert.equal(wire.DEFAULT_WINDOW, define(rtH, 'WM__DEFAULT_WINDOW'));
  assert.equal(wire.MAX_WINDOW, define(wireH, 'WM__MAX_WINDOW'));
  assert.equal(wire.MAX_CHUNK, define(wireH, 'WM__MAX_CHUNK'));
  assert.equal(wire.MAX_CTRL, define(wireH, 'WM__MAX_CTRL'));
  assert.equal(wire.MAX_SPARES, define(wireH, 'WM__MAX_SPARES'));
  assert.equal(MIN_WINDOW, define(header, 'WM_MIN_WINDOW'));
  assert.equal(GRACE_MS, define(rtH, 'WM__GRACE_MS'));
});

test('stats fields: js/host.js reads wm_stats in its order', () => {
  const body = header.match(/typedef struct wm_stats \{([^}]*)\} wm_stats;/)?.[1] ?? '';
  const fields = [...body.matchAll(/uint32_t (\w+);/g)].map(([, f]) => f.replace(/_(\w)/g, (_, c) => c.toUpperCase()));
  assert.deepEqual([...STATS_FIELDS], fields);
});

test('entry points: the module exports every WM__ENTRY, and js/host.js types each', () => {
  const entries = [...read('src/core/entry.c').matchAll(/WM__ENTRY [\w *]+?\b(wm__\w+)\(/g)].map(([, f]) => `_${f}`);
  const cmake = read('cmake/wmesh.cmake');
  const exported = (cmake.match(/-sEXPORTED_FUNCTIONS=(\S+)/)?.[1] ?? '').split(',');
  assert.deepEqual(exported.filter((f) => f.startsWith('_wm__')).sort(), [...entries].sort());
  const typed = [...read('js/host.js').matchAll(/@property \{[^}]*\} (_wm__\w+)/g)].map(([, f]) => f);
  assert.deepEqual([...typed].sort(), [...entries].sort());
});

test('wm__js_req: js/calls.js writes each field at the offset the core reads', () => {
  const entryH = read('src/core/entry.h');
  const body = entryH.match(/typedef struct wm__js_req \{([^}]*)\} wm__js_req;/)?.[1] ?? '';
  const camel = (/** @type {string} */ f) => f.replace(/_(\w)/g, (_, c) => c.toUpperCase());
  const decls = [...body.matchAll(/(\w+) (\w+)(?:\[\])?;/g)].map(([, t, f]) => ({ t, f: camel(f) }));
  const fields = decls.map((d) => d.f);
  const offsets = Object.fromEntries(
    [...entryH.matchAll(/_Static_assert\(offsetof\(wm__js_req, (\w+)\) == (\d+)/g)].map(([, f, v]) => [camel(f), +v]),
  );
  // Every field of the struct has its offset asserted, in order, and the JS
  // side knows each at the same offset.
  assert.deepEqual(Object.keys(offsets), fields);
  assert.ok(fields.length >= 10);
  assert.deepEqual({ ...REQ }, offsets);
  // The fixed part ends where the indices begin: nothing of the struct past them.
  assert.equal(Number(entryH.match(/_Static_assert\(sizeof\(wm__js_req\) == (\d+)/)?.[1]), REQ.fns);
  // jsCall writes the deadline as a double's two words, all else as one.
  for (const d of decls) assert.match(d.t, d.f === 'deadline' ? /^double$/ : /^u?int32_t$/, d.f);
  assert.equal(REQ.deadline % 8, 0);
});
