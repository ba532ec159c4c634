// wordcount.js: parallel word count. The driver cuts a text into chunks at
// word boundaries, runs wc_map on every chunk at once (each on whichever
// worker is free), and streams their outputs into one wc_reduce. For Node
// (run.mjs), the page and the tests: no node:* imports here.

const VOCAB = (
  'the of and to in a is that for it as was with be by on not he this are or his from at which but have an they ' +
  'you were her all she there would their we him been has when who will more no if out so said what up its about ' +
  'into than them can only other new some could time these two may then do first any my now such like our over ' +
  'man me even most made after also did many before must through back years where much your way well down should ' +
  'because each just those people how too little state good very make world still own see men work long get here ' +
  'between both life being under never day same another know while last might us great old year off come since ' +
  'against go came right used take three worker mesh pipe fiber wasm stream chain module'
).split(' ');

/**
 * makeText makes about `bytes` of deterministic text whose word
 * frequencies fall off like natural language (Zipf, by squaring a uniform
 * draw), in lines of 12 words with some capitals and punctuation.
 * @param {number} bytes
 * @param {number} [seed]
 * @returns {string}
 */
export function makeText(bytes, seed = 7) {
  let x = seed >>> 0 || 1;
  const rnd = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
  /** @type {string[]} */
  const parts = [];
  let n = 0;
  let k = 0;
  while (n < bytes) {
    const r = rnd();
    let w = VOCAB[Math.floor(r * r * VOCAB.length)];
    if (k % 12 === 0) w = w[0].toUpperCase() + w.slice(1);
    const sep = ++k % 12 === 0 ? '.\n' : rnd() < 0.05 ? ', ' : ' ';
    parts.push(w, sep);
    n += w.length + sep.length;
  }
  return parts.join('');
}

/**
 * split cuts text into n chunks of about equal size, each cut moved
 * forward to the next non-letter so that no word is cut in two.
 * @param {string} text
 * @param {number} n
 * @returns {string[]}
 */
export function split(text, n) {
  /** @type {string[]} */
  const out = [];
  let start = 0;
  for (let i = 1; i <= n; i++) {
    let end = i === n ? text.length : Math.max(start, Math.floor((text.length * i) / n));
    while (end < text.length && /[A-Za-z]/.test(text[end])) end++;
    out.push(text.slice(start, end));
    start = end;
  }
  return out;
}

/**
 * parse reads wc_reduce's output, "word\tcount\n" lines, in its order
 * (most frequent first).
 * @param {string} out
 * @returns {[string, number][]}
 */
export function parse(out) {
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [w, c] = l.split('\t');
      return /** @type {[string, number]} */ ([w, Number(c)]);
    });
}

/**
 * wordCount counts the words of text with n parallel maps and one reduce.
 * The reduce starts at once and reads the maps' outputs one after another
 * as they come, so it merges while later maps still run.
 * @param {import('../../js/mesh.js').Mesh} mesh
 * @param {string} text
 * @param {number} n
 * @returns {Promise<{ counts: [string, number][], ms: number, chunks: number }>}
 */
export async function wordCount(mesh, text, n) {
  const t0 = performance.now();
  const enc = new TextEncoder();
  const maps = split(text, n).map((chunk) => mesh.go('wc_map', enc.encode(chunk)));
  async function* mapped() {
    for (const m of maps) {
      // A reader, not for await: not every browser iterates streams yet.
      const r = m.output.getReader();
      for (;;) {
        const { done, value } = await r.read();
        if (done) break;
        yield value;
      }
      await m.result;
    }
  }
  const out = await mesh.go('wc_reduce', mapped()).text();
  return { counts: parse(out), ms: performance.now() - t0, chunks: n };
}

/**
 * countJs is the reference: the same count in plain JS, in the same order.
 * @param {string} text
 * @returns {[string, number][]}
 */
export function countJs(text) {
  /** @type {Map<string, number>} */
  const m = new Map();
  for (const w of text.toLowerCase().match(/[a-z]+/g) ?? []) {
    const k = w.slice(0, 64);
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
