// app.js: the demo page. One mesh of the demos' module (build/wmesh_demos.js)
// runs the image pipeline and the Mandelbrot fan-out; every call the page
// makes goes through `meter`, which feeds the live view together with
// polled mesh.stats(). The functions the buttons run are exported too, so
// that the browser test drives exactly what a user does.
import { codes, createMesh, records, strerror } from '../js/browser.js';
import { runChain, runStages } from '../demos/image/image.js';
import { DEFAULT_VIEW, render } from '../demos/mandel/mandel.js';
import { countJs, makeText, wordCount } from '../demos/mapreduce/wordcount.js';
import { numbers } from '../demos/nested/numbers.js';

const MODULE = new URL('../build/wmesh_demos.js', import.meta.url);
/** ?nats=ws://host:port (and &mesh=name): the page joins a mesh of hosts
 * as a host of its own, through nats-server's WebSocket listener, and the
 * live view shows the other hosts (demos/cluster/run.mjs --web). */
const QUERY = new URLSearchParams(location.search);
const NATS = QUERY.get('nats');
const MESH_NAME = QUERY.get('mesh') ?? 'demo';
const HOST_ID = `page-${Math.random().toString(36).slice(2, 8)}`;
/** the page's one NATS connection, kept across restarts of its mesh @type {Promise<unknown> | null} */
let natsConnection = null;

/** clusterOption is createMesh's `cluster` for a page given ?nats=, else undefined. */
async function clusterOption() {
  if (!NATS) return undefined;
  // Made by scripts/bundle-nats.mjs; loaded only by a page that joins hosts.
  const bundle = new URL('../build/nats-core.mjs', import.meta.url).href;
  natsConnection ??= import(bundle).then((m) => m.wsconnect({ servers: NATS }));
  return { connection: await natsConnection, name: MESH_NAME, host: HOST_ID };
}
const SAMPLE = new URL('../build/sample.jpg', import.meta.url);
const SVG = 'http://www.w3.org/2000/svg';
/** samples kept by the chart: 60 of 500 ms, the last 30 seconds */
const SAMPLES = 60;
const TICK_MS = 500;

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** "1 worker", "4 workers" @param {number} n */
export const nWorkers = (n) => `${n} worker${n === 1 ? '' : 's'}`;

/**
 * codeText names a runtime result code as include/wmesh.h does, with its
 * description: "WM_ECANCELED (call cancelled)"; 0 is "0 (success)".
 * @param {number} rc
 */
export function codeText(rc) {
  if (rc === 0) return '0 (success)';
  const name = Object.keys(codes).find((k) => codes[k] === rc);
  return `${name ?? rc} (${strerror(rc)})`;
}

/** @param {string} s */
const esc = (s) => s.replace(/[&<>"]/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot' }[c]};`);

/**
 * versus shows two timings side by side with the same weight: only the
 * faster of the two is green (neither when they are within 5%), and a
 * sentence says which was faster and by how much. Each figure carries its
 * value in data-ms, for the test.
 * @param {{ who: string, ms: number, digits?: number }} a
 * @param {{ who: string, ms: number, digits?: number }} b
 * @returns {{ a: string, b: string, verdict: string }}
 */
function versus(a, b) {
  const ratio = Math.max(a.ms, b.ms) / Math.max(1e-9, Math.min(a.ms, b.ms));
  const tie = ratio < 1.05;
  const fig = (/** @type {{ ms: number, digits?: number }} */ x, /** @type {boolean} */ faster) =>
    `<span class="fig${faster && !tie ? ' faster' : ''}" data-ms="${x.ms}">${x.ms.toFixed(x.digits ?? 0)} ms</span>`;
  const win = a.ms <= b.ms ? a : b;
  return {
    a: fig(a, a.ms <= b.ms),
    b: fig(b, b.ms < a.ms),
    verdict: tie ? 'about the same time' : `faster: ${esc(win.who)}, by ${ratio.toFixed(1)}×`,
  };
}

/**
 * summary fills a result paragraph (leaving its not-run-yet state).
 * @param {string} id
 * @param {string} html
 */
function summary(id, html) {
  const p = $(id);
  p.classList.remove('placeholder');
  p.innerHTML = html;
}

/** @type {import('../js/mesh.js').Mesh | null} */
let mesh = null;
/** @type {Promise<import('../js/mesh.js').Mesh> | null} */
let starting = null;

/**
 * The page's own account of its calls: what is in flight (and, for calls
 * pinned with `where`, on which worker), and what completed in the current
 * chart interval.
 */
const meter = {
  nextId: 1,
  /** @type {Map<number, { name: string, worker: number | null }>} */
  inflight: new Map(),
  done: 0,
  latencySum: 0,
  /** completed calls per worker, for pinned calls @type {number[]} */
  perWorker: [],
  /** @type {{ calls: number, latency: number }[]} */
  samples: [],
};

/**
 * track records a call from start to settlement.
 * @param {import('../js/mesh.js').Call} call
 * @param {number | null} worker
 */
function track(call, worker) {
  const id = meter.nextId++;
  const t0 = performance.now();
  meter.inflight.set(id, { name: call.name, worker });
  scheduleDraw();
  const end = () => {
    meter.inflight.delete(id);
    meter.done++;
    meter.latencySum += performance.now() - t0;
    if (worker) meter.perWorker[worker] = (meter.perWorker[worker] ?? 0) + 1;
    scheduleDraw();
  };
  call.result.then(end, end);
  return call;
}

/**
 * metered is the mesh as the demos' drivers see it: the same calls, each
 * one tracked. The drivers take any object with go, chain and size.
 * @param {import('../js/mesh.js').Mesh} m
 * @returns {import('../js/mesh.js').Mesh}
 */
function metered(m) {
  return /** @type {any} */ ({
    get size() {
      return m.size;
    },
    go: (/** @type {string} */ fn, /** @type {any} */ input, /** @type {any} */ o = {}) =>
      track(m.go(fn, input, o), typeof o.where === 'number' ? o.where : null),
    chain: (/** @type {string[]} */ fns, /** @type {any} */ input, /** @type {any} */ o = {}) => track(m.chain(fns, input, o), null),
  });
}

/** @param {string} state @param {string} text */
function status(state, text) {
  const s = $('status');
  s.dataset.state = state;
  s.textContent = text;
}

/**
 * restart (re)starts the mesh with n workers; calls of the old one fail.
 * @param {number} n
 * @returns {Promise<import('../js/mesh.js').Mesh>}
 */
export async function restart(n) {
  const old = mesh;
  mesh = null;
  setBusy(true);
  status('starting', `starting ${nWorkers(n)}…`);
  if (old) await old.close();
  meter.perWorker = [];
  lastTotals = {};
  starting = clusterOption().then((cluster) => createMesh({ module: MODULE, workers: n, cluster }));
  try {
    mesh = await starting;
  } catch (e) {
    status('error', `mesh failed: ${e}`);
    throw e;
  }
  status('ready', `${nWorkers(mesh.size)} ready`);
  setBusy(false);
  buildGraph(mesh.size);
  return mesh;
}

/** @returns {Promise<import('../js/mesh.js').Mesh>} */
async function ready() {
  if (mesh) return mesh;
  if (!starting) throw new Error('the mesh has not been started');
  return starting;
}

/** @param {boolean} busy */
function setBusy(busy) {
  for (const id of ['img-run', 'mb-run', 'wc-run', 'ps-run', 'fo-run', 'restart']) /** @type {HTMLButtonElement} */ ($(id)).disabled = busy;
}

// ---- Live view ------------------------------------------------------------

/** @type {{ g: SVGGElement, edge: SVGLineElement, ring: SVGCircleElement, label: SVGTextElement, sub: SVGTextElement }[]} */
let nodes = [];
/** per worker, what the last stats() said: running calls, or -1 if dead @type {number[]} */
let statRunning = [];
/** the other hosts, as the last stats() knew them (a page given ?nats=)
 * @type {{ host: string, cap: number, load: number, inflightTo: number }[]} */
let remoteHosts = [];
/** per worker, the share of its life spent running the module (stats().usage) @type {(number | null)[]} */
let statBusy = [];
/** @type {Record<string, number>} */
let lastTotals = {};

/**
 * svg makes an SVG element.
 * @param {string} tag
 * @param {Record<string, string | number>} attrs
 * @param {Element} [parent]
 */
function svg(tag, attrs, parent) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  parent?.appendChild(e);
  return e;
}

/** buildGraph lays out the main instance and n workers on an arc. @param {number} n */
function buildGraph(n) {
  const root = $('graph');
  root.replaceChildren();
  const main = { x: 80, y: 150 };
  const edges = svg('g', {}, root);
  nodes = [];
  for (let i = 1; i <= n; i++) {
    const a = n === 1 ? 0 : -1 + (2 * (i - 1)) / (n - 1);
    // Room on the right for each worker's caption.
    const x = 250 + 70 * Math.cos(a * 0.9);
    const y = 150 + 120 * a;
    const edge = /** @type {SVGLineElement} */ (svg('line', { x1: main.x + 30, y1: main.y, x2: x - 26, y2: y, class: 'edge' }, edges));
    const g = /** @type {SVGGElement} */ (svg('g', { transform: `translate(${x} ${y})` }, root));
    svg('circle', { r: 22, class: 'node' }, g);
    const ring = /** @type {SVGCircleElement} */ (svg('circle', { r: 22, class: 'ring', 'stroke-dasharray': '0 200', transform: 'rotate(-90)' }, g));
    const label = /** @type {SVGTextElement} */ (svg('text', { y: 5, 'text-anchor': 'middle', class: 'label' }, g));
    label.textContent = `w${i}`;
    const sub = /** @type {SVGTextElement} */ (svg('text', { x: 32, y: 4, class: 'sub' }, g));
    nodes.push({ g, edge, ring, label, sub });
  }
  const m = svg('g', { transform: `translate(${main.x} ${main.y})` }, root);
  svg('rect', { x: -30, y: -24, width: 60, height: 48, rx: 8, class: 'main' }, m);
  const t = svg('text', { y: 5, 'text-anchor': 'middle', class: 'label' }, m);
  t.textContent = 'page';
  statRunning = [];
  scheduleDraw();
}

let drawQueued = false;
function scheduleDraw() {
  if (drawQueued) return;
  drawQueued = true;
  requestAnimationFrame(() => {
    drawQueued = false;
    drawGraph();
  });
}

/** drawGraph shows each worker's load and an edge per worker with calls. */
function drawGraph() {
  /** @type {Map<number, string[]>} */
  const pinned = new Map();
  for (const c of meter.inflight.values())
    if (c.worker) pinned.set(c.worker, [...(pinned.get(c.worker) ?? []), c.name]);
  nodes.forEach((n, k) => {
    const w = k + 1;
    const dead = statRunning[w] === -1;
    const running = Math.max(pinned.get(w)?.length ?? 0, statRunning[w] ?? 0);
    // A full ring at four calls: with two lanes per worker, a busy worker
    // shows about half.
    const frac = Math.min(1, running / 4);
    n.ring.setAttribute('stroke-dasharray', `${(frac * 138.2).toFixed(1)} 200`);
    n.edge.setAttribute('class', running ? 'edge active' : 'edge');
    n.edge.setAttribute('stroke-width', String(running ? 1.5 + Math.min(running, 6) : 1));
    n.g.setAttribute('class', dead ? 'dead' : running ? 'busy' : '');
    const names = [...new Set(pinned.get(w) ?? [])].join(', ');
    const busy = statBusy[w];
    const util = typeof busy === 'number' ? ` · ${Math.round(busy * 100)}% busy` : '';
    n.sub.textContent = dead ? 'restarting' : `${running} running${names ? ` (${names})` : ''} · ${meter.perWorker[w] ?? 0} done${util}`;
  });
  drawHosts();
}

/** drawHosts shows the other hosts of a mesh of hosts along the bottom:
 * their id, their load at their last heartbeat and their capacity. */
function drawHosts() {
  const root = $('graph');
  root.querySelector('#hosts')?.remove();
  // A row below the workers' arc, only when there are hosts to show.
  root.setAttribute('viewBox', remoteHosts.length ? '0 0 520 345' : '0 0 520 300');
  if (!remoteHosts.length) return;
  const g = svg('g', { id: 'hosts' }, root);
  remoteHosts.slice(0, 5).forEach((h, i) => {
    const x = 20 + i * 100;
    const box = svg('g', { transform: `translate(${x} 305)`, class: h.load || h.inflightTo ? 'busy' : '' }, g);
    svg('rect', { width: 92, height: 34, rx: 6, class: 'host' }, box);
    const name = svg('text', { x: 46, y: 14, 'text-anchor': 'middle', class: 'label' }, box);
    name.textContent = `host ${h.host.slice(0, 10)}`;
    const load = svg('text', { x: 46, y: 28, 'text-anchor': 'middle', class: 'sub' }, box);
    load.textContent = `${h.load} of ${h.cap} running`;
  });
}

/** poll asks every instance what is alive, one poll at a time. */
async function poll() {
  const m = mesh;
  if (m) {
    try {
      const s = await m.stats();
      if (m === mesh) {
        statRunning = [0, ...s.workers.map((/** @type {any} */ w) => (w.dead ? -1 : w.running ?? 0))];
        remoteHosts = s.cluster?.hosts ?? [];
        statBusy = [null, ...s.usage.utilization.workers];
        lastTotals = s.total;
        showTotals();
        scheduleDraw();
      }
    } catch {
      // A mesh closed under the poll: the next one asks the new mesh.
    }
  }
  setTimeout(poll, 250);
}

/** tick closes a chart interval. */
function tick() {
  const calls = meter.done;
  meter.samples.push({ calls: (calls * 1000) / TICK_MS, latency: calls ? meter.latencySum / calls : NaN });
  if (meter.samples.length > SAMPLES) meter.samples.shift();
  meter.done = 0;
  meter.latencySum = 0;
  drawChart();
  showTotals();
}

/** showTotals prints what the last stats() counted over all instances. */
function showTotals() {
  const t = lastTotals;
  $('totals').textContent = mesh
    ? `${nWorkers(mesh.size)}${mesh.cluster ? ` · host ${mesh.cluster.id} of mesh ${mesh.cluster.name}, ${remoteHosts.length} other host${remoteHosts.length === 1 ? '' : 's'}` : ''} · fibers ${t.fibers ?? 0} (busy ${t.fibersBusy ?? 0}) · pipes ${t.pipes ?? 0} · ports ${t.ports ?? 0} · running ${t.running ?? 0} · in flight from the page ${meter.inflight.size}`
    : 'no mesh';
}

/** drawChart: throughput as bars, mean latency as a line, each on its own scale. */
function drawChart() {
  const c = /** @type {HTMLCanvasElement} */ ($('chart'));
  const ctx = /** @type {CanvasRenderingContext2D} */ (c.getContext('2d'));
  const W = c.width;
  const H = c.height;
  ctx.clearRect(0, 0, W, H);
  const s = meter.samples;
  const maxT = Math.max(10, ...s.map((x) => x.calls));
  const maxL = Math.max(5, ...s.map((x) => (Number.isNaN(x.latency) ? 0 : x.latency)));
  const thrLabel = `${Math.round(maxT)}/s`;
  const latLabel = `${maxL.toFixed(0)} ms`;
  ctx.font = '11px system-ui, sans-serif';
  // The margins hold the scale labels whole, however long they get.
  const pad = {
    l: Math.max(44, Math.ceil(ctx.measureText(thrLabel).width) + 10),
    r: Math.max(44, Math.ceil(ctx.measureText(latLabel).width) + 10),
    t: 12,
    b: 20,
  };
  c.setAttribute('aria-label', `calls completed per second (scale 0 to ${thrLabel}) and mean latency (scale 0 to ${latLabel}), last 30 s`);
  c.dataset.thr = thrLabel;
  c.dataset.lat = latLabel;
  const bw = (W - pad.l - pad.r) / SAMPLES;
  const y = (/** @type {number} */ v, /** @type {number} */ max) => H - pad.b - (v / max) * (H - pad.t - pad.b);
  ctx.strokeStyle = '#2a3550';
  ctx.beginPath();
  for (let i = 0; i <= 4; i++) {
    const yy = pad.t + ((H - pad.t - pad.b) * i) / 4;
    ctx.moveTo(pad.l, yy);
    ctx.lineTo(W - pad.r, yy);
  }
  ctx.stroke();
  const x0 = pad.l + (SAMPLES - s.length) * bw;
  ctx.fillStyle = '#5fb3ff';
  s.forEach((p, i) => ctx.fillRect(x0 + i * bw + 1, y(p.calls, maxT), bw - 2, H - pad.b - y(p.calls, maxT)));
  ctx.strokeStyle = '#ffb347';
  ctx.lineWidth = 2;
  ctx.beginPath();
  let pen = false;
  s.forEach((p, i) => {
    if (Number.isNaN(p.latency)) {
      pen = false;
      return;
    }
    const xx = x0 + i * bw + bw / 2;
    if (pen) ctx.lineTo(xx, y(p.latency, maxL));
    else ctx.moveTo(xx, y(p.latency, maxL));
    pen = true;
  });
  ctx.stroke();
  ctx.lineWidth = 1;
  ctx.fillStyle = '#5fb3ff';
  ctx.textAlign = 'left';
  ctx.fillText(thrLabel, 4, pad.t + 8);
  ctx.fillText('0', 4, H - pad.b);
  ctx.fillStyle = '#ffb347';
  ctx.textAlign = 'right';
  ctx.fillText(latLabel, W - 4, pad.t + 8);
  ctx.fillText('0', W - 4, H - pad.b);
  ctx.fillStyle = '#8c98b3';
  ctx.textAlign = 'center';
  ctx.fillText('last 30 s', W / 2, H - 4);
  if (!s.some((p) => p.calls > 0)) ctx.fillText('no calls in the last 30 s', W / 2, H / 2);
  ctx.textAlign = 'left';
}

// ---- Image pipeline ---------------------------------------------------------

/** the image the pipeline runs on @type {{ bytes: Uint8Array, name: string } | null} */
let input = null;
/**
 * show puts bytes into an <img> through an object URL.
 * @param {string} id
 * @param {Uint8Array} bytes
 * @param {string} type
 */
function show(id, bytes, type) {
  const url = URL.createObjectURL(new Blob([/** @type {BlobPart} */ (bytes)], { type }));
  const img = /** @type {HTMLImageElement} */ ($(id));
  const old = img.dataset.url;
  img.src = url;
  img.dataset.url = url;
  // The image has its own copy once loaded; the old URL only holds memory.
  if (old) URL.revokeObjectURL(old);
}

/**
 * setInput makes bytes the pipeline's input.
 * @param {Uint8Array} bytes
 * @param {string} name
 */
export function setInput(bytes, name) {
  input = { bytes, name };
  const type = bytes[0] === 0x89 ? 'image/png' : bytes[0] === 0xff ? 'image/jpeg' : 'application/octet-stream';
  show('img-in', bytes, type);
  $('img-in-cap').textContent = `${name}, ${(bytes.length / 1024).toFixed(1)} KiB`;
}

/** useSample loads the picture the build drew. */
export async function useSample() {
  const r = await fetch(SAMPLE);
  if (!r.ok) throw new Error(`no sample at ${SAMPLE}: build first`);
  setInput(new Uint8Array(await r.arrayBuffer()), 'sample.jpg');
}

/** @param {Uint8Array} png @returns {[number, number]} width and height from IHDR */
function pngSize(png) {
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return [v.getUint32(16), v.getUint32(20)];
}

/** the options the controls show @returns {import('../demos/image/image.js').ImageOptions} */
function imageOptions() {
  return {
    width: Number(/** @type {HTMLInputElement} */ ($('img-width')).value) || 0,
    gray: /** @type {HTMLInputElement} */ ($('img-gray')).checked,
    blur: Number(/** @type {HTMLInputElement} */ ($('img-blur')).value),
  };
}

/**
 * runImage runs the pipeline on the input twice: one call per stage, to
 * time each stage, then as one chain whose stages stream into each other
 * worker to worker. Both must give the same PNG.
 * @param {import('../demos/image/image.js').ImageOptions} [o] default: the controls
 */
export async function runImage(o = imageOptions()) {
  const m = metered(await ready());
  if (!input) await useSample();
  const file = /** @type {{ bytes: Uint8Array }} */ (input).bytes;
  const staged = await runStages(m, file, o);
  const chained = await runChain(m, file, o);
  const same = staged.output.length === chained.output.length && staged.output.every((b, i) => b === chained.output[i]);
  const [w, h] = pngSize(chained.output);
  show('img-out', chained.output, 'image/png');
  $('img-out-cap').textContent = `${w}×${h} PNG, ${(chained.output.length / 1024).toFixed(1)} KiB`;
  const max = Math.max(...staged.timings.map((t) => t.ms));
  const rows = staged.timings.map((t) => {
    const tr = document.createElement('tr');
    tr.innerHTML = `<td>${t.stage}</td><td>${t.ms.toFixed(1)} ms</td><td class="bar"><div class="fill"></div></td><td>${(t.bytes / 1024).toFixed(0)} KiB out</td>`;
    /** @type {HTMLElement} */ (tr.querySelector('.fill')).style.width = `${(100 * t.ms) / max}%`;
    return tr;
  });
  $('img-timings').querySelector('tbody')?.replaceChildren(...rows);
  const sum = staged.timings.reduce((s, t) => s + t.ms, 0);
  const v = versus({ who: 'stage by stage', ms: sum, digits: 1 }, { who: 'the chain', ms: chained.ms, digits: 1 });
  summary(
    'img-summary',
    `Stage by stage (one call each, the bytes back to the page between stages): ${v.a}. ` +
      `As one chain (${chained.stages.length} stages streaming worker to worker): ${v.b}; ${v.verdict}. ` +
      `Same PNG both ways: ${same ? 'yes' : '<span style="color:var(--bad)">no</span>'}.`,
  );
  return { png: chained.output, timings: staged.timings, chainMs: chained.ms, same, width: w, height: h };
}

// ---- Mandelbrot -------------------------------------------------------------

/**
 * runMandel renders the view twice, first with every tile on worker 1 and
 * then spread over all workers (lanes pinned round-robin, so the live view
 * knows where each tile runs), and reports the speedup.
 * @param {{ tile?: number, maxiter?: number }} [o] default: the controls
 */
export async function runMandel(o = {}) {
  const m = await ready();
  const tile = o.tile ?? Number(/** @type {HTMLSelectElement} */ ($('mb-tile')).value);
  const maxiter = o.maxiter ?? Number(/** @type {HTMLSelectElement} */ ($('mb-iter')).value);
  const view = { ...DEFAULT_VIEW, maxiter };
  const c = /** @type {HTMLCanvasElement} */ ($('mb-canvas'));
  const ctx = /** @type {CanvasRenderingContext2D} */ (c.getContext('2d'));
  /** @param {import('../demos/mandel/mandel.js').Tile} t @param {Uint8Array} px */
  const onTile = (t, px) => ctx.putImageData(new ImageData(new Uint8ClampedArray(/** @type {ArrayBuffer} */ (px.buffer), px.byteOffset, px.length), t.w, t.h), t.x, t.y);
  const rows = /** @type {HTMLElement} */ ($('mb-results').querySelector('tbody'));
  rows.replaceChildren();
  $('mb-placeholder').hidden = true;
  c.dataset.state = 'drawn';
  summary('mb-summary', `rendering on 1 worker, then on ${nWorkers(m.size)}…`);
  /** @param {string} what @param {number} ms @param {number} base */
  const row = (what, ms, base) => {
    const tr = document.createElement('tr');
    tr.innerHTML = `<td>${what}</td><td>${ms.toFixed(0)} ms</td><td class="bar"><div class="fill"></div></td>`;
    /** @type {HTMLElement} */ (tr.querySelector('.fill')).style.width = `${(100 * ms) / base}%`;
    rows.appendChild(tr);
  };
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, c.width, c.height);
  const one = await render(metered(m), view, { tile, workers: 1, onTile });
  ctx.fillRect(0, 0, c.width, c.height);
  const all = await render(metered(m), view, { tile, workers: m.size, onTile });
  // More workers than cores can be slower: scale the bars to the slower.
  const base = Math.max(one.ms, all.ms);
  row('1 worker', one.ms, base);
  row(m.size === 1 ? '1 worker, again' : `${nWorkers(m.size)} (all)`, all.ms, base);
  const same = one.pixels.every((b, i) => b === all.pixels[i]);
  const speedup = one.ms / all.ms;
  const solo = m.size === 1;
  const v = versus({ who: solo ? 'the first run' : '1 worker', ms: one.ms }, { who: solo ? 'the second run' : `all ${nWorkers(m.size)}`, ms: all.ms });
  summary(
    'mb-summary',
    `${one.tiles} tiles of ${tile} px, ${maxiter} iterations: ${v.a} on 1 worker, ${v.b} ` +
      (solo ? 'on it again (this mesh has 1 worker: restart it with more to see a speedup). ' : `on ${nWorkers(m.size)}. `) +
      `Speedup on ${nWorkers(m.size)}: ${speedup.toFixed(2)}× (${v.verdict}; this machine reports ${navigator.hardwareConcurrency} cores). ` +
      `Same image both ways: ${same ? 'yes' : 'no'}.`,
  );
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', /** @type {BufferSource} */ (all.pixels)));
  return {
    oneMs: one.ms,
    allMs: all.ms,
    speedup,
    same,
    workers: m.size,
    tiles: all.tiles,
    sha256: Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join(''),
  };
}

// ---- Word count and nested sort ---------------------------------------------

/**
 * runWordCount counts the words of a generated text with `chunks` parallel
 * wc_map calls and one wc_reduce, and checks the counts against plain JS.
 * @param {{ mb?: number, chunks?: number }} [o] default: the controls
 */
export async function runWordCount(o = {}) {
  const m = metered(await ready());
  const mb = o.mb ?? Number(/** @type {HTMLSelectElement} */ ($('wc-mb')).value);
  const chunks = o.chunks ?? Number(/** @type {HTMLInputElement} */ ($('wc-chunks')).value);
  const text = makeText(mb * 1024 * 1024);
  const r = await wordCount(m, text, chunks);
  const t0 = performance.now();
  const ref = countJs(text);
  const jsMs = performance.now() - t0;
  const same = JSON.stringify(ref) === JSON.stringify(r.counts);
  const total = r.counts.reduce((s, [, c]) => s + c, 0);
  const max = r.counts[0]?.[1] ?? 1;
  const rows = r.counts.slice(0, 8).map(([w, c]) => {
    const tr = document.createElement('tr');
    tr.innerHTML = `<td></td><td>${c}</td><td class="bar"><div class="fill"></div></td>`;
    /** @type {HTMLElement} */ (tr.firstChild).textContent = w;
    /** @type {HTMLElement} */ (tr.querySelector('.fill')).style.width = `${(100 * c) / max}%`;
    return tr;
  });
  $('wc-top').querySelector('tbody')?.replaceChildren(...rows);
  const v = versus({ who: 'the mesh', ms: r.ms }, { who: 'plain JS', ms: jsMs });
  summary(
    'wc-summary',
    `${total} words (${r.counts.length} distinct) in ${mb} MiB, ${chunks} chunks: ${v.a} on the mesh, ` +
      `${v.b} in plain JS on this thread; ${v.verdict}. Same counts: ${same ? 'yes' : 'no'}.`,
  );
  return { ms: r.ms, jsMs, same, total, distinct: r.counts.length, top: r.counts.slice(0, 3) };
}

/**
 * runSort sorts pseudo-random u32s with psort, which fans out to four
 * sort_u32 calls from C and merges; checked against TypedArray.sort.
 * @param {{ count?: number }} [o] default: the controls
 */
export async function runSort(o = {}) {
  const m = metered(await ready());
  const count = o.count ?? Number(/** @type {HTMLSelectElement} */ ($('ps-count')).value);
  const nums = numbers(count);
  const t0 = performance.now();
  const out = await m.go('psort', new Uint8Array(nums.buffer.slice(0))).bytes();
  const ms = performance.now() - t0;
  // A copy: the output need not start on a 4-byte boundary.
  const sorted = new Uint32Array(out.slice().buffer);
  const t1 = performance.now();
  const ref = nums.slice().sort();
  const jsMs = performance.now() - t1;
  const same = sorted.length === ref.length && sorted.every((v, i) => v === ref[i]);
  const v = versus({ who: 'the mesh', ms }, { who: 'TypedArray.sort', ms: jsMs });
  summary(
    'ps-summary',
    `psort of ${count} numbers, split four ways from C with wm_go and merged: ${v.a} on the mesh ` +
      `(the numbers are copied to the workers and back); TypedArray.sort on this thread: ${v.b}; ${v.verdict}. ` +
      `Sorted correctly: ${same ? 'yes' : 'no'}.`,
  );
  return { ms, jsMs, same };
}

// ---- Fan-out ----------------------------------------------------------------

/**
 * runFanout starts the synth on worker 1 and listens with four subscribers
 * at once: a level meter and a spectrum in this page, a recorder that holds
 * the synth back, a deliberately slow listener under the chosen policy, and
 * the C level meter (level_meter) on worker 2. Each stream is checked: seq
 * rises, and every gap is exactly what was reported as dropped.
 * @param {{ frames?: number, slow?: 'drop' | 'block' | 'disconnect' }} [o]
 */
export async function runFanout(o = {}) {
  const m = await ready();
  const frames = o.frames ?? Number(/** @type {HTMLInputElement} */ ($('fo-frames')).value);
  const slow = o.slow ?? /** @type {any} */ (/** @type {HTMLSelectElement} */ ($('fo-slow')).value);
  const synth = await m.start('synth', undefined, { where: 1, output: false });
  const cWorker = m.size >= 2 ? 2 : 1;
  const meterC = m.go('level_meter', new Uint8Array(new Uint32Array([1, frames]).buffer), { where: cWorker });
  const bands = [...Array(8)].map(() => document.createElement('div'));
  $('fo-spectrum').replaceChildren(...bands);
  $('fo-level').dataset.state = 'live';
  const fill = /** @type {HTMLElement} */ ($('fo-level').querySelector('.fill'));
  /**
   * listen reads n frames of one subscription, checking order and gaps.
   * @param {string} name
   * @param {any} policy
   * @param {number} delay ms per frame (a slow reader)
   * @param {(f: Float32Array) => void} [show]
   */
  const listen = async (name, policy, delay, show) => {
    const sub = m.subscribe('audio', { where: 1, policy, queue: 8, window: 4096 });
    // Frames are counted over what this subscriber was sent: from the first
    // frame it was due (the first it got, less any dropped before it) to
    // the last it got. received + missed is that span, never more.
    let got = 0;
    let missed = 0;
    let first = 0;
    let last = 0;
    let ok = true;
    /** 'read all', or the name of the code that ended the stream */
    let end = 'read all';
    let endText = `read ${frames}, as asked`;
    try {
      for await (const r of records(sub.output)) {
        if (last && r.seq !== last + 1 + r.dropped) ok = false;
        if (!last) first = r.seq - r.dropped;
        missed += r.dropped;
        last = r.seq;
        show?.(new Float32Array(r.data.slice().buffer));
        if (++got === frames) break;
        if (delay) await new Promise((res) => setTimeout(res, delay));
      }
    } catch (e) {
      const err = /** @type {any} */ (e);
      end = err?.codeName ?? String(e);
      endText = typeof err?.code === 'number' ? `ended: ${codeText(err.code)}` : `ended: ${String(e)}`;
    }
    await sub.result.catch(() => {});
    return { name, policy, got, missed, sent: last ? last - first + 1 : 0, first, last, ok, end, endText };
  };
  const level = (/** @type {Float32Array} */ f) => {
    let s = 0;
    for (const v of f) s += v * v;
    fill.style.width = `${Math.min(100, Math.sqrt(s / f.length) * 160)}%`;
  };
  const spectrum = (/** @type {Float32Array} */ f) => {
    bands.forEach((el, b) => {
      let re = 0;
      let im = 0;
      for (let i = 0; i < f.length; i++) {
        re += f[i] * Math.cos((2 * Math.PI * (b + 1) * i) / f.length);
        im -= f[i] * Math.sin((2 * Math.PI * (b + 1) * i) / f.length);
      }
      el.style.height = `${Math.min(80, (Math.hypot(re, im) / f.length) * 260)}px`;
    });
  };
  const t0 = performance.now();
  const results = await Promise.all([
    listen('level meter (JS)', 'drop', 0, level),
    listen('spectrum (JS)', 'drop', 0, spectrum),
    listen('recorder (JS)', 'block', 0),
    listen(`slow listener (JS, ${slow})`, slow, 15),
  ]);
  const cText = (await meterC.text()).trim();
  const ms = performance.now() - t0;
  const halted = await synth.halt();
  // The C meter writes a line per frame: its seq, '!' after a gap, a bar.
  const cSeqs = cText ? cText.split('\n').map((l) => /^(\d+)([ !])/.exec(l)) : [];
  let cOk = cSeqs.every((x) => x);
  let cMissed = 0;
  for (let i = 1; cOk && i < cSeqs.length; i++) {
    const [prev, cur] = [Number(cSeqs[i - 1]?.[1]), Number(cSeqs[i]?.[1])];
    const gap = cur - prev - 1;
    if (gap < 0 || (gap > 0) !== (cSeqs[i]?.[2] === '!')) cOk = false;
    cMissed += Math.max(0, gap);
  }
  const cFirst = Number(cSeqs[0]?.[1] ?? 0);
  const cLast = Number(cSeqs.at(-1)?.[1] ?? 0);
  const cRow = {
    name: `level meter (C, worker ${cWorker})`,
    policy: 'drop',
    got: cSeqs.length,
    missed: cMissed,
    sent: cSeqs.length ? cLast - cFirst + 1 : 0,
    first: cFirst,
    last: cLast,
    ok: cOk,
    end: cSeqs.length === frames ? 'read all' : 'ended early',
    endText: cSeqs.length === frames ? `read ${frames}, as asked` : 'ended early',
  };
  const all = [...results, cRow];
  const head = document.createElement('tr');
  for (const h of ['subscriber', 'policy', 'received of sent to it', 'missed', 'order', 'end'])
    head.appendChild(document.createElement('th')).textContent = h;
  const rows = all.map((r) => {
    const tr = document.createElement('tr');
    const cells = [
      r.name,
      r.policy,
      `${r.got} of ${r.sent}`,
      String(r.missed),
      r.ok ? 'in order' : 'WRONG',
      r.endText,
    ];
    for (const c of cells) tr.appendChild(document.createElement('td')).textContent = String(c);
    return tr;
  });
  $('fo-table').querySelector('tbody')?.replaceChildren(head, ...rows);
  const seen = all.filter((r) => r.last);
  const from = Math.min(...seen.map((r) => r.first));
  const to = Math.max(...seen.map((r) => r.last));
  const published = seen.length ? to - from + 1 : 0;
  summary(
    'fo-summary',
    `Each of the 5 subscribers read up to ${frames} frames, in ${ms.toFixed(0)} ms; meanwhile the synth published ` +
      `${published} frames (#${from} to #${to}), every 5 ms. ` +
      { drop: 'The slow listener, its queue of 8 full, missed frames and was told how many. ', block: 'The slow listener held the synth back. ', disconnect: 'The slow listener, its queue of 8 full, was cut off. ' }[/** @type {'drop' | 'block' | 'disconnect'} */ (slow)] +
      `Then the synth halted with ${esc(codeText(halted))}.`,
  );
  return { results, c: cRow, cFrames: cSeqs.length, halted, published };
}

// ---- Wiring -----------------------------------------------------------------

/**
 * guard runs an action from a button, showing failures on the page (and in
 * the console, where the browser test sees them).
 * @param {() => Promise<unknown>} f
 */
function guard(f) {
  return () => {
    setBusy(true);
    f()
      .catch((e) => {
        status('error', String(e?.message ?? e));
        console.error(e);
      })
      .finally(() => setBusy(!mesh));
  };
}

function wire() {
  const workers = /** @type {HTMLInputElement} */ ($('workers'));
  workers.value = String(Math.min(8, Math.max(2, navigator.hardwareConcurrency || 4)));
  $('workers-out').textContent = workers.value;
  workers.addEventListener('input', () => ($('workers-out').textContent = workers.value));
  $('restart').addEventListener('click', guard(() => restart(Number(workers.value))));
  const blur = /** @type {HTMLInputElement} */ ($('img-blur'));
  blur.addEventListener('input', () => ($('img-blur-out').textContent = blur.value));
  $('img-sample').addEventListener('click', guard(useSample));
  $('img-file').addEventListener(
    'change',
    guard(async () => {
      const f = /** @type {HTMLInputElement} */ ($('img-file')).files?.[0];
      if (!f) return;
      setInput(new Uint8Array(await f.arrayBuffer()), f.name);
      await runImage();
    }),
  );
  $('img-run').addEventListener('click', guard(() => runImage()));
  $('mb-run').addEventListener('click', guard(() => runMandel()));
  $('wc-run').addEventListener('click', guard(() => runWordCount()));
  $('ps-run').addEventListener('click', guard(() => runSort()));
  $('fo-run').addEventListener('click', guard(() => runFanout()));
  return Number(workers.value);
}

/** started settles when the page has its mesh and has run the pipeline once. */
export const started = (async () => {
  const n = wire();
  setInterval(tick, TICK_MS);
  poll();
  drawChart();
  try {
    await restart(n);
    await useSample();
    await runImage();
  } catch (e) {
    status('error', String(/** @type {any} */ (e)?.message ?? e));
    console.error(e);
    throw e;
  }
})();
