/**
 * `backprop train` with layer types: IDX images train the default CNN (saved as a version-2 model
 * whose inputs are [1, rows, cols]); --architecture trains any spec, filling in `inputs` from the
 * data and checking it against the data; predict checks the images' size.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { writeIdx } from '../../src/data/idx.js';
import { trainSettings } from '../../src/cli/commands/train.js';
import { backprop, classificationCsv, rng, tempDir } from './spawn.js';

/** 8×8 pictures of a horizontal (0) or vertical (1) bar, with noise. */
function bars(n: number, seed: number): { images: Uint8Array; labels: Uint8Array } {
  const r = rng(seed);
  const imgs = new Uint8Array(n * 64), labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 2, k = 1 + Math.floor(r() * 6);
    labels[i] = c;
    for (let p = 0; p < 64; p++) imgs[i * 64 + p] = (c === 0 ? Math.floor(p / 8) === k : p % 8 === k) ? 200 + Math.floor(r() * 55) : Math.floor(r() * 60);
  }
  return { images: imgs, labels };
}

test('the image defaults: a CNN with Adam 1e-3, batches of 64, 8 epochs, 10% validation, no refit; --hidden still selects an MLP', () => {
  const cnn = trainSettings({ images: 'x' });
  assert.deepEqual([cnn.network, cnn.optimizer, cnn.learningRate, cnn.weightDecay, cnn.batchSize, cnn.epochs, cnn.validationSplit, cnn.refit], ['cnn', 'adam', 1e-3, 0, 64, 8, 0.1, false]);
  assert.equal(trainSettings({ images: 'x', hidden: '128' }).network, 'mlp');
  assert.equal(trainSettings({ images: 'x', epochs: '3', refit: true }).epochs, 3);
  assert.equal(trainSettings({ images: 'x', refit: true }).refit, true);
  assert.equal(trainSettings({}).network, 'mlp');
  assert.throws(() => trainSettings({ architecture: 'a.json', hidden: '4' }), /--architecture a\.json gives the whole network; drop --hidden/);
});

test('IDX images train the default CNN; the model keeps the image shape and predict checks it', () => {
  const t = tempDir();
  try {
    const tr = bars(120, 1), te = bars(40, 2);
    const img = t.file('img.idx', writeIdx([120, 8, 8], tr.images)), lbl = t.file('lbl.idx', writeIdx([120], tr.labels));
    const model = t.file('cnn.json');
    const r = backprop(['train', '--images', img, '--labels', lbl, '--out', model, '--epochs', '12', '--batch-size', '16', '--learning-rate', '0.005', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.equal(s.inputs, 64);
    assert.deepEqual(s.inputShape, [1, 8, 8]);
    const saved = JSON.parse(readFileSync(model, 'utf8'));
    assert.equal(saved.version, 2);
    assert.deepEqual(saved.network.inputs, [1, 8, 8]);
    assert.deepEqual(saved.network.layers.map((l: { type?: string }) => l.type ?? 'dense'), ['conv2d', 'maxPool2d', 'conv2d', 'maxPool2d', 'flatten', 'dropout', 'dense', 'dense']);
    assert.deepEqual(saved.metadata.images, { shape: [8, 8] });
    const e = backprop(['evaluate', model, '--images', t.file('te.idx', writeIdx([40, 8, 8], te.images)), '--labels', t.file('tl.idx', writeIdx([40], te.labels)), '--json']);
    assert.equal(e.code, 0, e.stderr);
    assert.ok(JSON.parse(e.stdout).accuracy > 0.9, e.stdout);
    const wrong = backprop(['predict', model, '--images', t.file('big.idx', writeIdx([2, 7, 9], new Uint8Array(126)))]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /big\.idx: images are 7×9 = 63 values, but the model was trained on 8×8 = 64; use images of the trained size/);
  } finally {
    t.cleanup();
  }
});

test('--architecture trains any spec (inputs filled in from the data) and checks it against the data', () => {
  const t = tempDir();
  try {
    const data = t.file('d.csv', classificationCsv(120));
    const spec = t.file('net.json', JSON.stringify({ layers: [{ units: 8, activation: 'tanh' }, { type: 'dropout', rate: 0.1 }, { units: 3, activation: 'softmax' }] }));
    const model = t.file('m.json');
    const r = backprop(['train', data, '--target', 'kind', '--architecture', spec, '--out', model, '--epochs', '5', '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    const saved = JSON.parse(readFileSync(model, 'utf8'));
    assert.equal(saved.network.inputs, 5);
    assert.deepEqual(saved.network.layers[1], { type: 'dropout', rate: 0.1 });
    const p = backprop(['predict', model, data]);
    assert.equal(p.code, 0, p.stderr);

    const fails = (file: string, re: RegExp) => {
      const f = backprop(['train', data, '--target', 'kind', '--architecture', file, '--out', t.file('x.json'), '--epochs', '1']);
      assert.equal(f.code, 1, f.stdout);
      assert.match(f.stderr, re);
      assert.equal(f.stderr.trim().split('\n').length, 1, f.stderr);
    };
    fails(t.file('two.json', JSON.stringify({ layers: [{ units: 2, activation: 'softmax' }] })), /the last layer has 2 outputs, but the target needs 3 \(3 classes\)/);
    fails(t.file('wide.json', JSON.stringify({ inputs: 7, layers: [{ units: 3, activation: 'softmax' }] })), /inputs 7 is 7 values per row, but the data has 5/);
    fails(t.file('conv.json', JSON.stringify({ inputs: [1, 5], layers: [{ type: 'conv2d', filters: 2, kernelSize: 3 }, { type: 'flatten' }, { units: 3 }] })), /layers\[0\] \(conv2d\): input shape \[1, 5\] does not fit/);
    fails(t.file('bad.json', '{ "layers": ['), /--architecture .*bad\.json: not valid JSON/);
    fails(t.file('missing.json'), /--architecture .*missing\.json/);
  } finally {
    t.cleanup();
  }
});

test('the default CNN leaves out a pooling the image is too small for', async () => {
  const { imageCnn } = await import('../../src/cli/commands/train.js');
  const types = (shape: number[]) => imageCnn(shape, 3).layers.map((l) => l.type ?? 'dense').join(' ');
  assert.equal(types([28, 28]), 'conv2d maxPool2d conv2d maxPool2d flatten dropout dense dense');
  assert.equal(types([3, 3]), 'conv2d maxPool2d conv2d flatten dropout dense dense');
  assert.equal(types([1, 5]), 'conv2d conv2d flatten dropout dense dense');
});

test('an embedding-first --architecture reads the CSV columns as token ids, unstandardised (it failed on standardised values before)', () => {
  const t = tempDir();
  try {
    const r = rng(5);
    let csv = 't0,t1,t2,t3,label\n';
    for (let i = 0; i < 160; i++) {
      const tokens = [0, 1, 2, 3].map(() => Math.floor(r() * 6));
      csv += `${tokens.join(',')},${tokens[0] >= 3 ? 'high' : 'low'}\n`;
    }
    const data = t.file('seq.csv', csv);
    const spec = t.file('net.json', JSON.stringify({ layers: [{ type: 'embedding', vocabulary: 6, dim: 4 }, { type: 'flatten' }, { units: 2, activation: 'softmax' }] }));
    const model = t.file('m.json');
    const trained = backprop(['train', data, '--target', 'label', '--architecture', spec, '--out', model, '--epochs', '40', '--quiet', '--seed', '1']);
    assert.equal(trained.code, 0, trained.stderr);
    const saved = JSON.parse(readFileSync(model, 'utf8'));
    const features = saved.preprocessing.features as { mean: number; std: number }[];
    assert.deepEqual(features.map((f) => [f.mean, f.std]), [[0, 1], [0, 1], [0, 1], [0, 1]]);
    const e = backprop(['evaluate', model, data, '--json']);
    assert.equal(e.code, 0, e.stderr);
    assert.ok(JSON.parse(e.stdout).accuracy > 0.9, e.stdout);
    const outside = backprop(['predict', model, t.file('p.csv', 't0,t1,t2,t3\n1,2,3,4\n9,1,1,1\n')]);
    assert.equal(outside.code, 1);
    assert.match(outside.stderr, /p\.csv line 3, column "t0": 9 is not a token id; layers\[0\] \(embedding\) takes whole-number indices 0\.\.5/);
    assert.doesNotMatch(outside.stderr, /\n\s+at /);
  } finally {
    t.cleanup();
  }
});

test('a value that is not a token id is named by its file line, in train and past the first prediction chunk (it named a 0-based row of the chunk or split before)', () => {
  const t = tempDir();
  try {
    const r = rng(6);
    let csv = 'a,b,label\n';
    for (let i = 0; i < 40; i++) csv += `${Math.floor(r() * 4)},${Math.floor(r() * 4)},${i % 2 ? 'x' : 'y'}\n`;
    const spec = t.file('net.json', JSON.stringify({ layers: [{ type: 'embedding', vocabulary: 4, dim: 2 }, { type: 'flatten' }, { units: 2, activation: 'softmax' }] }));
    const bad = t.file('bad.csv', csv.replace(/\n([^\n]*)\n$/, '\n2,7,x\n'));
    const model = t.file('m.json');
    const refused = backprop(['train', bad, '--target', 'label', '--architecture', spec, '--out', model, '--epochs', '2', '--quiet']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /bad\.csv line 41, column "b": 7 is not a token id; layers\[0\] \(embedding\) takes whole-number indices 0\.\.3/);
    assert.equal(existsSync(model), false);
    const trained = backprop(['train', t.file('ok.csv', csv), '--target', 'label', '--architecture', spec, '--out', model, '--epochs', '2', '--quiet']);
    assert.equal(trained.code, 0, trained.stderr);
    // predict runs in chunks of 4,096 rows: line 5,002 is row 5,000, in the second chunk.
    let many = 'a,b\n';
    for (let i = 0; i < 6000; i++) many += i === 5000 ? '1,-1\n' : `${i % 4},${(i >> 2) % 4}\n`;
    const p = backprop(['predict', model, t.file('many.csv', many)]);
    assert.equal(p.code, 1);
    assert.match(p.stderr, /many\.csv line 5002, column "b": -1 is not a token id/);
  } finally {
    t.cleanup();
  }
});
