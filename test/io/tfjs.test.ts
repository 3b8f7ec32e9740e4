// The TensorFlow.js Layers format through the real library: exported networks load with
// tf.loadLayersModel and predict what backprop predicts; models built and saved by tfjs import into
// a Network that predicts what tfjs predicts; what has no counterpart fails with a message naming it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Network, ValueError, DataError, parseCsv, fitPreprocessor, type ActivationName } from '../../src/index.js';
import { exportTfjs, importTfjs, type TfjsModelJson } from '../../src/io/tfjs.js';
import { loadTfjsModel, saveTfjsModel } from '../../src/io/tfjs-file.js';

await tf.setBackend('cpu');

function rows(n: number, d: number, seed: number): number[][] {
  let s = seed;
  const r = (): number => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 4 - 2;
  return Array.from({ length: n }, () => Array.from({ length: d }, r));
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

/** Loads model.json and its weight files from a folder the way tfjs's file and HTTP loaders do. */
function folderHandler(dir: string): tf.io.IOHandler {
  return {
    load: () => {
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs = manifest.flatMap((g) => g.weights);
        const buffers = manifest.flatMap((g) => g.paths.map((p) => new Uint8Array(readFileSync(join(dir, p))).slice().buffer));
        return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
      });
    },
  };
}

async function tfjsPredict(model: tf.LayersModel, x: number[][]): Promise<number[]> {
  const out = model.predict(tf.tensor2d(x)) as tf.Tensor;
  const data = Array.from(await out.data());
  out.dispose();
  return data;
}

const ACTS: { act: ActivationName; alpha?: number }[] = [
  { act: 'linear' }, { act: 'sigmoid' }, { act: 'tanh' }, { act: 'relu' }, { act: 'leakyRelu', alpha: 0.15 }, { act: 'softmax' },
  { act: 'softplus' }, { act: 'gelu' }, { act: 'elu' }, { act: 'silu' },
];

for (const { act, alpha } of ACTS) {
  test(`export: a ${act} network loads with tf.loadLayersModel and predicts what backprop predicts`, async () => {
    const net = new Network({ inputs: 4, layers: [{ units: 6, activation: act, alpha }, { units: 3, activation: act, alpha }], init: 'normal', seed: 7 });
    const dir = mkdtempSync(join(tmpdir(), 'bp-tfjs-'));
    await saveTfjsModel(dir, net);
    const model = await tf.loadLayersModel(folderHandler(dir));
    const x = rows(8, 4, 5);
    assertClose(await tfjsPredict(model, x), net.predict(x).flat(), 1e-5, act);
    model.dispose();
  });
}

test('export: model.json is a Sequential of Dense (+ LeakyReLU) layers with [in, out] kernels', () => {
  const net = new Network({ inputs: 2, layers: [{ units: 3, activation: 'leakyRelu', alpha: 0.1 }, { units: 1, activation: 'sigmoid' }], seed: 1 });
  const { modelJson, weights } = exportTfjs(net);
  const topo = modelJson.modelTopology as { class_name: string; config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
  assert.equal(topo.class_name, 'Sequential');
  assert.deepEqual(topo.config.layers.map((l) => [l.class_name, l.config.activation ?? l.config.alpha]), [['Dense', 'linear'], ['LeakyReLU', 0.1], ['Dense', 'sigmoid']]);
  assert.deepEqual(topo.config.layers[0].config.batch_input_shape, [null, 2]);
  assert.deepEqual(modelJson.weightsManifest[0].weights.map((w) => [w.name, w.shape]), [['dense_1/kernel', [2, 3]], ['dense_1/bias', [3]], ['dense_2/kernel', [3, 1]], ['dense_2/bias', [1]]]);
  assert.equal(weights.byteLength, (2 * 3 + 3 + 3 + 1) * 4);
  // kernel[i][j] (little-endian float32) is backprop's weight[j][i]
  const view = new DataView(weights.buffer);
  assert.equal(view.getFloat32(1 * 4, true), net.layers[0].weight.data[1 * 2 + 0]);
});

test('export: a step activation has no TensorFlow.js counterpart and says so', () => {
  const net = new Network({ inputs: 2, layers: [{ units: 2, activation: 'step' }] });
  assert.throws(() => exportTfjs(net), (e: Error) => e instanceof ValueError && /layers\[0\] has activation 'step', which TensorFlow\.js Layers does not have/.test(e.message));
  assert.throws(() => exportTfjs(new Network({ inputs: 1, layers: [{ units: 1 }] }), { name: 'x' } as never), /unknown option 'name'/);
});

/** Saves a tfjs model with tfjs's own save handler and writes the files as tfjs's file/HTTP savers lay them out. */
async function saveWithTfjs(model: tf.LayersModel, dir: string): Promise<string> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const a = artifacts!;
  const json = {
    modelTopology: a.modelTopology, format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy,
    weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: a.weightSpecs }],
    ...(a.trainingConfig ? { trainingConfig: a.trainingConfig } : {}),
  };
  writeFileSync(join(dir, 'group1-shard1of1.bin'), new Uint8Array(tf.io.CompositeArrayBuffer.join(a.weightData!)));
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  return join(dir, 'model.json');
}

test('import: a tfjs Sequential (Dense, LeakyReLU, Activation, Dropout, no-bias Dense) predicts what tfjs predicts', async () => {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 8, inputShape: [5], activation: 'tanh' }));
  model.add(tf.layers.dropout({ rate: 0.3 }));
  model.add(tf.layers.dense({ units: 6 }));
  model.add(tf.layers.leakyReLU({ alpha: 0.2 }));
  model.add(tf.layers.dense({ units: 4, useBias: false }));
  model.add(tf.layers.activation({ activation: 'relu' }));
  model.add(tf.layers.dense({ units: 3, activation: 'softmax' }));
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  const path = await saveWithTfjs(model, mkdtempSync(join(tmpdir(), 'bp-tfjs-in-')));
  const { network, notes } = await loadTfjsModel(path);
  assert.deepEqual(network.layers.map((l) => [l.inFeatures, l.outFeatures, l.activation]), [[5, 8, 'tanh'], [8, 6, 'leakyRelu'], [6, 4, 'relu'], [4, 3, 'softmax']]);
  assert.equal(network.layers[1].alpha, 0.2);
  assert.equal(network.loss, 'crossEntropy');
  assert.equal(notes.length, 3); // dropout dropped, LeakyReLU and Activation folded
  const x = rows(10, 5, 9);
  assertClose(network.predict(x).flat(), await tfjsPredict(model, x), 1e-5, 'imported');
  model.dispose();
});

test('import: a functional tfjs model that is one chain of layers imports too', async () => {
  const input = tf.input({ shape: [3] });
  const h = tf.layers.dense({ units: 4, activation: 'sigmoid' }).apply(input) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 2 }).apply(h) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  const path = await saveWithTfjs(model, mkdtempSync(join(tmpdir(), 'bp-tfjs-fn-')));
  const { network } = await loadTfjsModel(path);
  const x = rows(4, 3, 2);
  assertClose(network.predict(x).flat(), await tfjsPredict(model, x), 1e-5, 'functional');
  model.dispose();
});

test('round trip: backprop → TensorFlow.js files → backprop keeps weights, loss and preprocessing', async () => {
  const pre = fitPreprocessor(parseCsv('a,c,y\n1,u,p\n2,v,q\n3,u,p\n'), { target: 'y' });
  const net = new Network({ inputs: 3, layers: [{ units: 4, activation: 'relu' }, { units: 2, activation: 'softmax' }], loss: 'crossEntropy', seed: 3 });
  const dir = mkdtempSync(join(tmpdir(), 'bp-tfjs-rt-'));
  await saveTfjsModel(dir, net, { preprocessing: pre });
  const back = await loadTfjsModel(join(dir, 'model.json'));
  assert.deepEqual(back.preprocessing, pre);
  assert.deepEqual(back.network.toJSON().layers, net.toJSON().layers);
  assert.equal(back.network.loss, 'crossEntropy');
});

test('import: unsupported layers, activations and weights name themselves and the format', async () => {
  const build = async (add: (m: tf.Sequential) => void): Promise<TfjsModelJson & { weights: Uint8Array }> => {
    const m = tf.sequential();
    add(m);
    let art: tf.io.ModelArtifacts | undefined;
    await m.save(tf.io.withSaveHandler(async (a) => { art = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
    return { modelTopology: art!.modelTopology, weightsManifest: [{ paths: ['w.bin'], weights: art!.weightSpecs! }], format: 'layers-model', weights: new Uint8Array(tf.io.CompositeArrayBuffer.join(art!.weightData!)) };
  };
  const cases: [(m: tf.Sequential) => void, RegExp][] = [
    [(m) => m.add(tf.layers.dense({ units: 2, inputShape: [3], activation: 'selu' })), /layer 'dense_Dense\d+' \(Dense\) has activation 'selu', which backprop does not have/],
    [(m) => { m.add(tf.layers.dense({ units: 2, inputShape: [3] })); m.add(tf.layers.batchNormalization()); }, /layer 'batch_normalization_BatchNormalization\d+' \(BatchNormalization\) is not supported: backprop imports TensorFlow\.js Layers models made of Dense layers/],
    [(m) => { m.add(tf.layers.dense({ units: 2, inputShape: [3], activation: 'tanh' })); m.add(tf.layers.activation({ activation: 'sigmoid' })); }, /\(Activation\) follows a Dense layer that already has activation 'tanh'/],
    [(m) => m.add(tf.layers.conv1d({ filters: 2, kernelSize: 2, inputShape: [4, 1] })), /takes inputs of shape \[null,4,1\]; backprop imports models on flat feature vectors/],
  ];
  for (const [add, pattern] of cases) {
    const { weights, ...json } = await build(add);
    assert.throws(() => importTfjs(json, weights, 'm.json'), (e: Error) => e instanceof DataError && e.message.startsWith('m.json: ') && pattern.test(e.message), String(pattern));
  }
  const { weights, ...json } = await build((m) => m.add(tf.layers.dense({ units: 2, inputShape: [3] })));
  assert.throws(() => importTfjs(json, weights.subarray(4), 'm.json'), /hold 28 bytes but the manifest needs more .*missing or truncated/);
  assert.throws(() => importTfjs({ ...json, format: 'graph-model' }, weights, 'm.json'), /format is 'graph-model'; backprop imports the TensorFlow\.js Layers format/);
  const quantized = structuredClone(json);
  quantized.weightsManifest[0].weights[0].quantization = { dtype: 'uint8', scale: 1, min: 0 };
  assert.throws(() => importTfjs(quantized, weights, 'm.json'), /is quantized; backprop imports float32 weights only/);
  await assert.rejects(loadTfjsModel(join(tmpdir(), 'no-such-dir', 'model.json')), /cannot read the TensorFlow\.js model\.json \(no such file\)/);
});

test('layer types TensorFlow.js export does not write are refused by name, in one line', () => {
  const conv = new Network({ inputs: [1, 4, 4], layers: [{ type: 'conv2d', filters: 2, kernelSize: 3 }, { type: 'flatten' }, { units: 2 }] });
  assert.throws(() => exportTfjs(conv), /TensorFlow\.js Layers export: layers\[0\] is a conv2d layer, which this export does not support: .*channels-last/);
  const drop = new Network({ inputs: 3, layers: [{ units: 4 }, { type: 'dropout', rate: 0.5 }, { units: 1 }] });
  assert.throws(() => exportTfjs(drop), /layers\[1\] is a dropout layer/);
});

test('batchNorm, layerNorm, embedding and attention are refused by name by the TensorFlow.js export, in one line', () => {
  const cases: [import('../../src/index.js').NetworkSpec, RegExp][] = [
    [{ inputs: 3, layers: [{ type: 'batchNorm' }, { units: 1 }] }, /^TensorFlow\.js Layers export: layers\[0\] is a batchNorm layer, which this export does not support: .*export ONNX instead$/],
    [{ inputs: 3, layers: [{ units: 4 }, { type: 'layerNorm' }, { units: 1 }] }, /layers\[1\] is a layerNorm layer/],
    [{ inputs: [4], layers: [{ type: 'embedding', vocabulary: 5, dim: 2 }, { type: 'flatten' }, { units: 1 }] }, /layers\[0\] is an embedding layer, .*integer indices/],
    [{ inputs: [4, 2], layers: [{ type: 'attention', heads: 1, dim: 2 }, { type: 'flatten' }, { units: 1 }] }, /layers\[0\] is an attention layer, .*no MultiHeadAttention/],
  ];
  for (const [spec, re] of cases) assert.throws(() => exportTfjs(new Network(spec)), (e: Error) => re.test(e.message) && !e.message.includes('\n'), re.source);
});
