// table.mjs: prints result rows as one plain-text table per group, each
// wmesh figure once with every baseline of the same case under it.

/** @typedef {import('./stats.mjs').Row} Row */

/**
 * fmt prints a figure with about three significant digits, since run-to-run
 * noise makes more of them meaningless.
 * @param {number} x
 */
export function fmt(x) {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1e5) return Math.round(x).toLocaleString('en-US');
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

/**
 * @param {string[][]} cells
 * @param {('l' | 'r')[]} align
 */
function grid(cells, align) {
  const widths = align.map((_, c) => Math.max(...cells.map((r) => [...(r[c] ?? '')].length)));
  return cells
    .map((r) =>
      r
        .map((s, c) => {
          const pad = ' '.repeat(widths[c] - [...s].length);
          return align[c] === 'r' ? pad + s : s + pad;
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/**
 * table renders all rows, grouped in the order the groups first appear.
 * @param {Row[]} rows
 * @param {{ group: string, title: string, note: string }[]} [skipped]
 * @param {Map<string, string>} [warnings] by group
 * @returns {string}
 */
export function table(rows, skipped = [], warnings = new Map()) {
  const out = [];
  const groups = [...new Set(rows.map((r) => r.group))];
  for (const g of groups) {
    const rs = rows.filter((r) => r.group === g);
    const first = rs[0];
    const units = [...new Set(rs.map((r) => `${r.unit}, ${r.better} is better`))].join('; ');
    out.push(`${first.title}  (${units}; ratio = subject ÷ baseline)`);
    /** @type {string[][]} */
    const cells = [['  case', 'subject', 'value', 'baseline', 'value', 'ratio']];
    let last = '';
    for (const r of rs) {
      const key = `${r.case}\0${r.subject}`;
      const same = key === last;
      last = key;
      cells.push([
        same ? '' : `  ${r.case}`,
        same ? '' : r.subject,
        same ? '' : fmt(r.value),
        r.baseline,
        fmt(r.base),
        `${r.ratio.toFixed(2)}×`,
      ]);
    }
    out.push(grid(cells, ['l', 'l', 'r', 'l', 'r', 'r']));
    for (const n of new Set(rs.map((r) => r.note).filter(Boolean))) out.push(`  note: ${n}`);
    if (warnings.has(g)) out.push(`  WARNING: ${warnings.get(g)}`);
    out.push('');
  }
  for (const s of skipped) out.push(`${s.title}: skipped (${s.note})`, '');
  return out.join('\n');
}
