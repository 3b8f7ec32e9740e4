/**
 * End-to-end through the real `backprop` command and the real engines: a model trained by
 * `backprop train` on a CSV with standardised and categorical columns, exported with `backprop
 * export`, gives in onnxruntime-web (from the raw rows) and in TensorFlow.js (from the encoded rows)
 * what `backprop predict` prints; a model built in TensorFlow.js comes in with `backprop import`.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import * as tf from '@tensorflow/tfjs';
import { parseCsv, applyPreprocessor } from '../../src/index.js';
import { loadModel } from '../../src/io/model-file.js';

// The real command: dist/src/cli/main.js under npm test, src/cli/main.ts through tsx from source.
const fromSource = import.meta.url.endsWith('.ts');
const main = fileURLToPath(new URL(`../../src/cli/main.${fromSource ? 'ts' : 'js'}`, import.meta.url));
function backprop(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...(fromSource ? ['--import', 'tsx'] : []), main, ...args], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tempDir(): { dir: string; file: (name: string, data?: string | Uint8Array) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'backprop-export-'));
  return {
    dir,
    file: (name, data) => { const p = join(dir, name); if (data !== undefined) writeFileSync(p, data); return p; },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/** Numeric x (tens), y (thousands) and a categorical colour; the class depends on x and colour. */
function classificationCsv(n: number, seed = 1): string {
  const r = random(seed);
  const lines = ['x,y,colour,kind'];
  for (let i = 0; i < n; i++) {
    const x = r() * 40 + 10, y = r() * 4000 + 1000, c = Math.floor(r() * 3);
    const score = (x - 30) / 10 + [1.5, 0, -1.5][c];
    lines.push(`${x.toFixed(2)},${y.toFixed(0)},${['red', 'green', 'blue'][c]},${score > 0.7 ? 'high' : score < -0.7 ? 'low' : 'mid'}`);
  }
  return `${lines.join('\n')}\n`;
}

/** price (around 100) from numeric a, b and a categorical colour. */
function regressionCsv(n: number, seed = 2): string {
  const r = random(seed);
  const lines = ['a,b,colour,price'];
  for (let i = 0; i < n; i++) {
    const a = r() * 2 - 1, b = r() * 2 - 1, c = Math.floor(r() * 3);
    lines.push(`${a.toFixed(3)},${b.toFixed(3)},${['red', 'green', 'blue'][c]},${(100 + 30 * a - 20 * b + [0, 10, -10][c] + r() - 0.5).toFixed(2)}`);
  }
  return `${lines.join('\n')}\n`;
}

ort.env.wasm.numThreads = 1;
ort.env.wasm.wasmPaths = `${dirname(import.meta.resolve('onnxruntime-web'))}/`;
await tf.setBackend('cpu');

/** The rows of a CSV as onnxruntime feeds: the numeric columns in one float tensor, a string tensor per categorical column. */
function feeds(csv: string, numeric: string[], categorical: string[]): Record<string, ort.Tensor> {
  const table = parseCsv(csv);
  const n = table.rows.length;
  const col = (name: string): number => table.columns.indexOf(name);
  const out: Record<string, ort.Tensor> = {
    input: new ort.Tensor('float32', Float32Array.from(table.rows.flatMap((r) => numeric.map((c) => Number(r[col(c)])))), [n, numeric.length]),
  };
  for (const c of categorical) out[c] = new ort.Tensor('string', table.rows.map((r) => r[col(c)]), [n, 1]);
  return out;
}

function predictCsv(model: string, data: string): Record<string, string>[] {
  const r = backprop(['predict', model, data]);
  assert.equal(r.code, 0, r.stderr);
  const table = parseCsv(r.stdout);
  return table.rows.map((row) => Object.fromEntries(table.columns.map((c, i) => [c, row[i]])));
}

function close(a: number, b: number, tol: number): boolean {
  return Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
}

// One classifier trained by the CLI, and predict's output for new rows, shared by the tests below.
const shared = tempDir();
after(() => shared.cleanup());
const classifier = shared.file('model.json');
const freshRows = shared.file('new.csv', classificationCsv(25, 9));
{
  const trained = backprop(['train', shared.file('train.csv', classificationCsv(200)), '--target', 'kind', '--out', classifier, '--epochs', '25', '--quiet']);
  assert.equal(trained.code, 0, trained.stderr);
}
const predicted = predictCsv(classifier, freshRows);
const LABELS = ['high', 'low', 'mid'];

async function onnx(path: string, f: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(path)));
  try {
    return await session.run(f);
  } finally {
    await session.release();
  }
}

test('classifier: backprop train → export --format onnx → onnxruntime-web gives predict\'s probabilities and labels from raw rows', async () => {
  const r = backprop(['export', classifier, '--format', 'onnx', '--out', shared.file('model.onnx')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /wrote .*model\.onnx \(ONNX, opset 19/);
  assert.match(r.stderr, /colour {2}string \[batch, 1\]/);
  const out = await onnx(shared.file('model.onnx'), feeds(readFileSync(freshRows, 'utf8'), ['x', 'y'], ['colour']));
  const probs = out.probabilities.data as Float32Array;
  assert.equal(predicted.length, 25);
  predicted.forEach((row, i) => {
    assert.equal((out.label.data as string[])[i], row.predicted_kind, `row ${i} label`);
    LABELS.forEach((l, j) => assert.ok(close(probs[i * 3 + j], Number(row[`probability_${l}`]), 1e-5), `row ${i} ${l}: ${probs[i * 3 + j]} vs ${row[`probability_${l}`]}`));
  });
});

test('regressor: the ONNX model\'s value is predict\'s prediction in the target\'s units', async () => {
  const t = tempDir();
  try {
    const data = t.file('train.csv', regressionCsv(200));
    const fresh = t.file('new.csv', regressionCsv(20, 5));
    const model = t.file('model.json');
    assert.equal(backprop(['train', data, '--target', 'price', '--out', model, '--epochs', '25', '--quiet']).code, 0);
    const r = backprop(['export', model, '--out', t.file('price.onnx')]); // format from the extension
    assert.equal(r.code, 0, r.stderr);
    const out = await onnx(t.file('price.onnx'), feeds(readFileSync(fresh, 'utf8'), ['a', 'b'], ['colour']));
    const want = predictCsv(model, fresh);
    const values = out.value.data as Float32Array;
    want.forEach((row, i) => assert.ok(close(values[i], Number(row.predicted_price), 1e-5), `row ${i}: ${values[i]} vs ${row.predicted_price}`));
    assert.ok(values.every((v) => v > 20 && v < 200), 'values are prices in their own units');
  } finally {
    t.cleanup();
  }
});

test('export --format tfjs: tf.loadLayersModel on the encoded rows gives predict\'s probabilities; import brings it back', async () => {
  const web = shared.file('web');
  const r = backprop(['export', classifier, '--format', 'tfjs', '--out', web]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /its 5 inputs are encoded as for training/);

  const json = JSON.parse(readFileSync(join(web, 'model.json'), 'utf8'));
  const tfModel = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: new Uint8Array(readFileSync(join(web, 'weights.bin'))).slice().buffer,
  }));
  const { preprocessing } = await loadModel(classifier);
  const enc = applyPreprocessor(preprocessing!, parseCsv(readFileSync(freshRows, 'utf8')), { requireTarget: false });
  const probs = await (tfModel.predict(tf.tensor2d(enc.inputs, enc.inputShape)) as tf.Tensor).data();
  predicted.forEach((row, i) => {
    LABELS.forEach((l, j) => assert.ok(close(probs[i * 3 + j], Number(row[`probability_${l}`]), 1e-5), `row ${i} ${l}`));
  });
  tfModel.dispose();

  const back = backprop(['import', web, '--out', shared.file('back.json')]);
  assert.equal(back.code, 0, back.stderr);
  assert.match(back.stderr, /dense layers, 5 → .* → 3 softmax, loss crossEntropy/);
  assert.match(back.stderr, /preprocessing restored/);
  assert.deepEqual(predictCsv(shared.file('back.json'), freshRows), predicted);
});

test('backprop import: a model built and saved by TensorFlow.js predicts what TensorFlow.js predicts', async () => {
  const t = tempDir();
  try {
    const m = tf.sequential();
    m.add(tf.layers.dense({ units: 5, inputShape: [3], activation: 'relu' }));
    m.add(tf.layers.dense({ units: 4 }));
    m.add(tf.layers.leakyReLU({ alpha: 0.1 }));
    m.add(tf.layers.dense({ units: 2, activation: 'sigmoid' }));
    await m.save(tf.io.withSaveHandler(async (a) => {
      writeFileSync(t.file('tfjs.bin'), new Uint8Array(tf.io.CompositeArrayBuffer.join(a.weightData!)));
      writeFileSync(t.file('model.json'), JSON.stringify({ modelTopology: a.modelTopology, format: a.format, generatedBy: a.generatedBy, weightsManifest: [{ paths: ['tfjs.bin'], weights: a.weightSpecs }] }));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const r = backprop(['import', t.file('model.json')]); // the model file on stdout
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /3 dense layers, 3 → 5 relu → 4 leakyRelu → 2 sigmoid, loss bce/);
    assert.match(r.stderr, /LeakyReLU\) folded into the Dense layer before it/);
    writeFileSync(t.file('imported.json'), r.stdout);
    const { network } = await loadModel(t.file('imported.json'));
    const x = [[0.5, -1, 2], [0, 0.3, -0.7], [1.5, 1, 1]];
    const want = await (m.predict(tf.tensor2d(x)) as tf.Tensor).data();
    network.predict(x).flat().forEach((v, i) => assert.ok(close(v, want[i], 1e-5), `output ${i}: ${v} vs ${want[i]}`));
    m.dispose();
  } finally {
    t.cleanup();
  }
});

test('what cannot be exported or imported fails with one line naming the activation or layer and the format', () => {
  const t = tempDir();
  try {
    const spec = { inputs: 2, layers: [{ units: 1, activation: 'step', weights: [[1, -1]], bias: [0] }] };
    const net = t.file('step.json', JSON.stringify(spec));
    const tfjs = backprop(['export', net, '--format', 'tfjs', '--out', t.file('out')]);
    assert.equal(tfjs.code, 1);
    assert.equal(tfjs.stderr, "backprop: TensorFlow.js Layers export: layers[0] has activation 'step', which TensorFlow.js Layers does not have (supported: linear, sigmoid, tanh, relu, softmax, softplus, gelu, elu, silu, leakyRelu)\n");
    assert.equal(backprop(['export', net, '--format', 'onnx', '--out', t.file('step.onnx'), '-q']).code, 0); // Greater + Cast in ONNX

    const conv = {
      format: 'layers-model',
      modelTopology: { class_name: 'Sequential', config: { layers: [{ class_name: 'Dense', config: { name: 'd1', units: 2, batch_input_shape: [null, 2] } }, { class_name: 'Conv1D', config: { name: 'c1' } }] } },
      weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'd1/kernel', shape: [2, 2], dtype: 'float32' }, { name: 'd1/bias', shape: [2], dtype: 'float32' }] }],
    };
    t.file('w.bin', new Uint8Array(24));
    const bad = backprop(['import', t.file('conv.json', JSON.stringify(conv))]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^backprop: .*conv\.json: layer 'c1' \(Conv1D\) is not supported: backprop imports TensorFlow\.js Layers models made of Dense layers/);
  } finally {
    t.cleanup();
  }
});
