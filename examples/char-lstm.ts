/**
 * A character-level LSTM learns a short poem shipped with the repository (examples/data/
 * river-song.txt): each character, one-hot, goes into LSTM(vocabulary → 64), whose every hidden
 * state a dense layer turns into scores for the next character. Its check: the training loss
 * (cross-entropy per character, in nats, over the whole text) ends below the text's unigram entropy
 * — the best any model that ignores the preceding characters can do. Seeded, deterministic.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Dense, LSTM, Module, Random, Tensor, crossEntropy, jit, noGrad, optim, softmax } from '../src/index.js';
import { fmt, runIfMain, type ExampleResult } from './run.js';

/** The text, found from this file whether it runs from examples/ or from dist/examples/. */
export function loadText(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const path = join(dir, 'examples', 'data', 'river-song.txt');
    if (existsSync(path)) return readFileSync(path, 'utf8');
    const here = join(dir, 'data', 'river-song.txt');
    if (existsSync(here)) return readFileSync(here, 'utf8');
    const up = dirname(dir);
    if (up === dir) throw new Error('char-lstm: cannot find examples/data/river-song.txt');
    dir = up;
  }
}

/** −Σ p ln p over the characters' frequencies: the loss of the best model that ignores context. */
export function unigramEntropy(ids: readonly number[], vocabulary: number): number {
  const counts = new Array<number>(vocabulary).fill(0);
  for (const id of ids) counts[id]++;
  return -counts.filter((c) => c > 0).reduce((s, c) => s + (c / ids.length) * Math.log(c / ids.length), 0);
}

/** One-hot rows for windows of characters: [windows, length, vocabulary]. */
function oneHot(windows: readonly number[][], vocabulary: number): Tensor {
  const length = windows[0].length;
  const data = new Float32Array(windows.length * length * vocabulary);
  windows.forEach((w, b) => w.forEach((id, t) => { data[(b * length + t) * vocabulary + id] = 1; }));
  return new Tensor(data, [windows.length, length, vocabulary]);
}

class CharModel extends Module {
  readonly lstm: LSTM;
  readonly head: Dense;
  constructor(readonly vocabulary: number, hidden: number) {
    super();
    this.lstm = this.registerModule('lstm', new LSTM(vocabulary, hidden, { returnSequences: true, seed: 1 }));
    this.head = this.registerModule('head', new Dense(hidden, vocabulary, { seed: 2 }));
  }

  /** [batch, time, vocabulary] one-hot → next-character scores [batch·time, vocabulary]. */
  forward(x: Tensor): Tensor {
    const h = this.lstm.forward(x);
    return this.head.forward(h.reshape([-1, h.shape[2]]));
  }
}

export interface CharLstmOptions {
  steps?: number;
  batch?: number;
  length?: number;
  hidden?: number;
}

export function main(options: CharLstmOptions = {}): ExampleResult {
  const { steps = 300, batch = 32, length = 32, hidden = 64 } = options;
  const text = loadText();
  const chars = [...new Set(text)].sort();
  const vocabulary = chars.length;
  const ids = [...text].map((c) => chars.indexOf(c));
  const entropy = unigramEntropy(ids, vocabulary);

  const model = new CharModel(vocabulary, hidden);
  const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
  // One compiled training step: the whole unrolled sequence, forward and backward, traced once.
  const step = jit((x: Tensor, y: Tensor) => {
    opt.zeroGrad();
    const loss = crossEntropy(model.forward(x), y);
    loss.backward();
    opt.step();
    return loss;
  });
  const rng = new Random(7);
  const window = (start: number) => ids.slice(start, start + length + 1);
  let first = NaN;
  for (let s = 0; s < steps; s++) {
    const windows = Array.from({ length: batch }, () => window(rng.int(ids.length - length - 1)));
    const x = oneHot(windows.map((w) => w.slice(0, length)), vocabulary);
    const y = new Tensor(Float32Array.from(windows.flatMap((w) => w.slice(1))), [batch * length]);
    const loss = step(x, y).item();
    if (s === 0) first = loss;
  }

  // The training loss over the whole text: every character predicted from the ones before it in its window.
  const starts = Array.from({ length: Math.floor((ids.length - 1) / length) }, (_, k) => k * length);
  const all = starts.map(window);
  const finalLoss = noGrad(() => crossEntropy(model.forward(oneHot(all.map((w) => w.slice(0, length)), vocabulary)), all.flatMap((w) => w.slice(1))).item());

  // A sample, one character at a time, carrying the LSTM's state with run(x, { h0, c0 }).
  const sample = noGrad(() => {
    const pick = new Random(3);
    let id = chars.indexOf('T');
    let h: Tensor | undefined, c: Tensor | undefined;
    let out = chars[id];
    for (let k = 0; k < 120; k++) {
      const r = model.lstm.run(oneHot([[id]], vocabulary), { h0: h, c0: c });
      h = r.h; c = r.c;
      const p = softmax(model.head.forward(r.h), 1).data;
      let u = pick.uniform(), next = 0;
      while (next < vocabulary - 1 && (u -= p[next]) > 0) next++;
      id = next;
      out += chars[id];
    }
    return out;
  });

  const report = [
    `character-level LSTM on examples/data/river-song.txt: ${ids.length} characters, ${vocabulary} distinct; LSTM(${vocabulary} → ${hidden}) + dense, Adam 0.01, ${steps} steps of ${batch} windows × ${length}`,
    `loss per character (nats): first batch ${fmt(first)}, whole text after training ${fmt(finalLoss)}  |  unigram entropy of the text ${fmt(entropy)}`,
    `sample: ${JSON.stringify(sample)}`,
  ];
  const checks: [string, boolean][] = [
    [`training loss ${fmt(finalLoss)} nats/char is below the unigram entropy ${fmt(entropy)}`, finalLoss < entropy],
  ];
  return { report, checks };
}

runIfMain(import.meta.url, () => main());
