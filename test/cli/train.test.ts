/**
 * End-to-end: the real `backprop` command trains, evaluates and predicts on small CSV files (a
 * classification and a regression file, each with a categorical column) and on a generated IDX image
 * pair; --json output is parsed and checked; Ctrl-C stops training and still saves the best model.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { parseModel } from '../../src/io/model.js';
import { writeIdx } from '../../src/data/idx.js';
import { backprop, classificationCsv, regressionCsv, rng, startBackprop, tempDir } from './spawn.js';

test('classification CSV: train → evaluate → predict, with --json, --test-split and an SVG plot', () => {
  const t = tempDir();
  try {
    const data = t.file('flowers.csv', classificationCsv(240));
    const model = t.file('model.json');
    const plot = t.file('loss.svg');
    const r = backprop(['train', data, '--target', 'kind', '--out', model, '--json', '--test-split', '0.2', '--plot', plot, '--epochs', '150']);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.task, 'classify');
    assert.equal(summary.target, 'kind');
    assert.deepEqual(summary.labels, ['high', 'low', 'mid']);
    assert.equal(summary.inputs, 5); // x, y, colour one-hot ×3
    assert.equal(summary.outputs, 3);
    assert.deepEqual(summary.rows, { train: 154, validation: 38, test: 48, dropped: 0 });
    assert.ok(summary.valAccuracy > 0.85, `validation accuracy ${summary.valAccuracy}`);
    assert.ok(summary.test.accuracy > 0.85, `test accuracy ${summary.test.accuracy}`);
    assert.ok(summary.bestEpoch >= 1 && summary.bestEpoch <= summary.epochs);
    assert.equal(summary.network.optimizer, 'adam');

    // The model file: preprocessing (statistics, categories, labels) and a training summary.
    const saved = JSON.parse(readFileSync(model, 'utf8'));
    assert.equal(saved.format, 'backprop-model');
    assert.deepEqual(saved.preprocessing.features.map((f: { name: string; kind: string }) => [f.name, f.kind]), [['x', 'numeric'], ['y', 'numeric'], ['colour', 'categorical']]);
    assert.deepEqual(saved.preprocessing.features[2].categories, ['blue', 'green', 'red']);
    assert.deepEqual(saved.preprocessing.target, { name: 'kind', kind: 'classify', labels: ['high', 'low', 'mid'] });
    assert.equal(saved.metadata.epochs, summary.epochs);
    assert.equal(saved.metadata.history.length, summary.epochs);
    const svg = readFileSync(plot, 'utf8');
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.equal((svg.match(/<polyline/g) ?? []).length, 2); // training and validation loss
    assert.match(svg, /validation loss/);

    const e = backprop(['evaluate', model, data, '--json']);
    assert.equal(e.code, 0, e.stderr);
    const ev = JSON.parse(e.stdout);
    assert.equal(ev.rows, 240);
    assert.ok(ev.accuracy > 0.85, `accuracy ${ev.accuracy}`);
    assert.deepEqual(ev.labels, ['high', 'low', 'mid']);
    assert.equal(ev.confusionMatrix.flat().reduce((a: number, b: number) => a + b, 0), 240);
    const diagonal = ev.confusionMatrix.reduce((s: number, row: number[], i: number) => s + row[i], 0);
    assert.equal(diagonal / 240, ev.accuracy);
    for (const c of ev.classes) assert.ok(c.f1 >= 0 && c.f1 <= 1 && c.precision >= 0 && c.recall <= 1);

    const human = backprop(['evaluate', model, data]);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /accuracy {2}0\.\d{4} \(\d+ of 240\)/);
    assert.match(human.stdout, /confusion matrix/);

    // predict from stdin: the rows unchanged, then the label and one probability per class.
    const rows = 'x,y,colour\n1.9,0,red\n-1.9,0,blue\n';
    const p = backprop(['predict', model, '-'], { input: rows });
    assert.equal(p.code, 0, p.stderr);
    const lines = p.stdout.trim().split('\n');
    assert.equal(lines[0], 'x,y,colour,predicted_kind,probability_high,probability_low,probability_mid');
    assert.match(lines[1], /^1\.9,0,red,high,/);
    assert.match(lines[2], /^-1\.9,0,blue,low,/);
    const probs = lines[1].split(',').slice(4).map(Number);
    assert.ok(Math.abs(probs.reduce((a, b) => a + b, 0) - 1) < 1e-4);
  } finally {
    t.cleanup();
  }
});

test('regression CSV: train → evaluate (original units) → predict --out, with a PNG plot', () => {
  const t = tempDir();
  try {
    const data = t.file('houses.csv', regressionCsv(200));
    const model = t.file('houses.json');
    const plot = t.file('loss.png');
    const r = backprop(['train', data, '--target', 'price', '--out', model, '--plot', plot, '--hidden', '16', '--epochs', '200']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /saved .*houses\.json and .*loss\.png/);
    assert.match(r.stderr, /regression of 'price'/);
    const png = PNG.sync.read(readFileSync(plot));
    assert.equal(png.width, 640);
    assert.equal(png.height, 400);

    const e = backprop(['evaluate', model, data, '--json']);
    assert.equal(e.code, 0, e.stderr);
    const ev = JSON.parse(e.stdout);
    assert.equal(ev.task, 'regress');
    for (const k of ['mse', 'rmse', 'mae', 'r2']) assert.equal(typeof ev[k], 'number');
    assert.ok(Math.abs(ev.rmse - Math.sqrt(ev.mse)) < 1e-9);
    assert.ok(ev.r2 > 0.97, `R² ${ev.r2}`);
    // In price units: the spread of prices is ~20, so a good fit has an MAE of a few units at most.
    assert.ok(ev.mae < 4, `MAE ${ev.mae}`);

    const input = t.file('new.csv', 'a,b,colour\n0,0,green\n0.5,-0.5,red\n');
    const out = t.file('predictions.csv');
    const p = backprop(['predict', model, input, '--out', out]);
    assert.equal(p.code, 0, p.stderr);
    assert.equal(p.stdout, '');
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    assert.equal(lines[0], 'a,b,colour,predicted_price');
    const v1 = Number(lines[1].split(',')[3]), v2 = Number(lines[2].split(',')[3]);
    assert.ok(Math.abs(v1 - 110) < 6, `green at 0,0: ${v1}, expected ~110`); // 100 + 10
    assert.ok(Math.abs(v2 - 125) < 6, `red at .5,-.5: ${v2}, expected ~125`); // 100 + 15 + 10
  } finally {
    t.cleanup();
  }
});

test('missing values: an error naming the line, or --drop-missing (train, evaluate and predict)', () => {
  const t = tempDir();
  try {
    const text = classificationCsv(120).split('\n');
    text[5] = text[5].replace(/^[^,]*/, ''); // line 6: empty x
    const data = t.file('gaps.csv', text.join('\n'));
    const model = t.file('m.json');
    const bad = backprop(['train', data, '--target', 'kind', '--out', model]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /gaps\.csv line 6, column "x": missing value .*--drop-missing/);
    assert.ok(!existsSync(model));
    const ok = backprop(['train', data, '--target', 'kind', '--out', model, '--drop-missing', '--epochs', '20', '--json']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).rows.dropped, 1);
    const p = backprop(['predict', model, data, '--drop-missing']);
    assert.equal(p.code, 0, p.stderr);
    const row = p.stdout.split('\n')[5].split(',');
    assert.deepEqual(row.slice(4), ['', '', '', ''], 'the skipped row keeps its place, without a prediction');
  } finally {
    t.cleanup();
  }
});

/** A small image set: 6×6 pictures of a horizontal bar (0), a vertical bar (1) or a diagonal (2), with noise. */
function images(n: number, seed: number): { images: Uint8Array; labels: Uint8Array } {
  const r = rng(seed);
  const imgs = new Uint8Array(n * 36), labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 3, k = Math.floor(r() * 6);
    labels[i] = c;
    for (let y = 0; y < 6; y++) {
      for (let x = 0; x < 6; x++) {
        const on = c === 0 ? y === k : c === 1 ? x === k : x === y;
        imgs[i * 36 + y * 6 + x] = on ? 200 + Math.floor(r() * 55) : Math.floor(r() * 60);
      }
    }
  }
  return { images: imgs, labels };
}

test('IDX images (gzip and plain): train → evaluate --images/--labels → predict --images', () => {
  const t = tempDir();
  try {
    const tr = images(150, 3), te = images(60, 4);
    const trImages = t.file('train-images.idx.gz', gzipSync(writeIdx([150, 6, 6], tr.images)));
    const trLabels = t.file('train-labels.idx', writeIdx([150], tr.labels));
    const teImages = t.file('test-images.idx', writeIdx([60, 6, 6], te.images));
    const teLabels = t.file('test-labels.idx.gz', gzipSync(writeIdx([60], te.labels)));
    const model = t.file('shapes.json');
    const r = backprop(['train', '--images', trImages, '--labels', trLabels, '--label-names', 'horizontal,vertical,diagonal', '--out', model, '--epochs', '60', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.equal(s.inputs, 36);
    assert.deepEqual(s.labels, ['horizontal', 'vertical', 'diagonal']);
    const saved = parseModel(readFileSync(model, 'utf8'), model);
    assert.equal(saved.preprocessing!.features.length, 36);
    assert.deepEqual(saved.metadata!.images, { shape: [6, 6] });

    const e = backprop(['evaluate', model, '--images', teImages, '--labels', teLabels, '--json']);
    assert.equal(e.code, 0, e.stderr);
    const ev = JSON.parse(e.stdout);
    assert.equal(ev.rows, 60);
    assert.ok(ev.accuracy > 0.9, `accuracy ${ev.accuracy}`);

    const p = backprop(['predict', model, '--images', teImages]);
    assert.equal(p.code, 0, p.stderr);
    const lines = p.stdout.trim().split('\n');
    assert.equal(lines[0], 'index,predicted_label,probability_horizontal,probability_vertical,probability_diagonal');
    assert.equal(lines.length, 61);
    assert.match(lines[3], /^2,diagonal,/); // image 2 is a diagonal (i % 3)

    // A CSV given to an image model, and images of another size, are clear errors.
    const csv = backprop(['evaluate', model, t.file('x.csv', 'a,label\n1,0\n')]);
    assert.equal(csv.code, 1);
    assert.match(csv.stderr, /trained on 6×6 images \(IDX\); give --images <file> --labels <file>/);
    const big = t.file('big.idx', writeIdx([2, 7, 7], new Uint8Array(98)));
    const wrong = backprop(['predict', model, '--images', big]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /big\.idx: images are 7×7 = 49 values, but the model was trained on 6×6 = 36/);
  } finally {
    t.cleanup();
  }
});

test('Ctrl-C (SIGINT) stops training, saves the best model so far atomically, exits 130', async () => {
  const t = tempDir();
  try {
    const data = t.file('d.csv', classificationCsv(200));
    const model = t.file('m.json');
    const child = startBackprop(['train', data, '--target', 'kind', '--out', model, '--epochs', '100000', '--no-early-stopping', '--batch-size', '1']);
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d) => { stdout += d; });
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (d) => {
        stderr += d;
        if (/epoch 1\/100000/.test(stderr) && !child.killed) child.kill('SIGINT');
      });
      child.on('exit', (c) => resolve(c));
    });
    assert.equal(code, 130, stderr);
    assert.match(stderr, /stopping after this batch/);
    assert.match(stderr, /training interrupted; saved the best model so far \(epoch \d+\)/);
    assert.match(stdout, /interrupted at epoch/);
    const saved = parseModel(readFileSync(model, 'utf8'), model);
    assert.equal(saved.metadata!.stopReason, 'aborted');
    assert.ok((saved.metadata!.bestEpoch as number) >= 1);
  } finally {
    t.cleanup();
  }
});
