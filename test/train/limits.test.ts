/**
 * Issue 14 in the library: sizes checked before allocating, numbers that fit float32, what save
 * writes load reads, seeds in their documented range, deep specs refused by a rule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../src/index.js';
import { Network, validateSpec, MAX_SEED } from '../../src/train/network.js';
import { checkNetworkSize, formatBytes, getMemoryLimit, parameterCount, setMemoryLimit, trainingMemory, MAX_LAYERS } from '../../src/train/size.js';
import { parseModel, serializeModel } from '../../src/io/model.js';
import { loadModel, saveModel } from '../../src/io/model-file.js';
import { DataError, ValueError } from '../../src/tensor/errors.js';
import { Tensor } from '../../src/tensor/tensor.js';

const isValue = (pattern: RegExp) => (e: unknown) => e instanceof ValueError && pattern.test((e as Error).message);
const isData = (pattern: RegExp) => (e: unknown) => e instanceof DataError && pattern.test((e as Error).message);

test('parameter count and training-memory estimate come from the spec alone', () => {
  const spec = { inputs: 784, layers: [{ units: 128 }, { units: 10 }] };
  assert.equal(parameterCount(spec), 785 * 128 + 129 * 10);
  // 101,770 params × 4 bytes × 4 + 32 rows × (784 + 128 + 10) units × 4 bytes × 3
  assert.equal(trainingMemory(spec), 101770 * 16 + 32 * 922 * 12);
  assert.equal(trainingMemory({ ...spec, dtype: 'float64' }, { batchSize: 1, rows: 10 }), 101770 * 32 + 922 * 24 + 10 * 784 * 8);
  assert.equal(formatBytes(7.5e9), '7.5 GB');
  assert.equal(formatBytes(999), '999 B');
});

test('new Network refuses a spec whose training would not fit, with the count and the estimate, before allocating', () => {
  const before = getMemoryLimit();
  try {
    setMemoryLimit(4 * 2 ** 30);
    assert.throws(() => new Network({ inputs: 10, layers: [{ units: 1e9 }] }),
      isValue(/^network: 11,000,000,000 parameters; training would need about 560 GB, above the limit of 4\.3 GB \(setMemoryLimit raises it\)/));
    assert.throws(() => checkNetworkSize({ inputs: 100, layers: [{ units: 100 }] }, 'net', { limit: 1000 }), isValue(/net: 10,100 parameters; training would need about 238 kB, above the limit of 1 kB/));
    setMemoryLimit(1e6, 'the test');
    assert.throws(() => new Network({ inputs: 100, layers: [{ units: 1000 }] }), isValue(/above the limit of 1 MB \(the test raises it\)/));
    assert.ok(new Network({ inputs: 10, layers: [{ units: 10 }] }));
    assert.throws(() => setMemoryLimit(-1), isValue(/setMemoryLimit: bytes must be a positive number, got -1/));
  } finally {
    setMemoryLimit(before);
  }
});

test('deep specs are refused by the layer rule, not the call stack', () => {
  const layers = Array.from({ length: MAX_LAYERS + 1 }, () => ({ units: 1 }));
  assert.throws(() => validateSpec({ inputs: 1, layers }), isValue(/network\.layers has 1001 layers; backprop builds at most 1000/));
  assert.throws(() => parseModel(JSON.stringify({ inputs: 1, layers: Array.from({ length: 100000 }, () => ({ units: 1 })) }), 'deep.json'), isData(/deep\.json: network spec\.layers has 100000 layers/));
});

test('weights outside float32 are errors naming the field; float64 networks take them', () => {
  const spec = (w: number, dtype?: 'float64') => ({ inputs: 2, layers: [{ units: 1, weights: [[0.5, w]], bias: [0] }], ...(dtype ? { dtype } : {}) });
  assert.throws(() => new Network(spec(1e39)), isValue(/network\.layers\[0\]\.weights\[0\]\[1\] is 1e\+39, outside float32's range \(±3\.4028235e38\)/));
  assert.throws(() => new Network(spec(-3.5e38)), isValue(/weights\[0\]\[1\] is -3\.5e\+38, outside float32's range/));
  assert.ok(new Network(spec(3.4e38)));
  assert.ok(new Network(spec(1e39, 'float64')));
});

test('API inputs outside float32 are errors naming the row and column; Tensors converted from float64 too', () => {
  const net = new Network({ inputs: 2, layers: [{ units: 1 }], seed: 1 });
  assert.throws(() => net.predict([[1, 2], [3, 1e39]]), isData(/predict: row 1, column 1 is 1e\+39, outside float32's range/));
  assert.throws(() => net.learn([[1, 2]], [[1e40]], { epochs: 1 }), isData(/learn targets: row 0, column 0 is 1e\+40, outside float32's range/));
  assert.throws(() => net.learn([[1, 2]], [2e39], { epochs: 1 }), isData(/learn targets: target 0 is 2e\+39, outside float32's range/));
  const t64 = new Tensor(Float64Array.of(1, 2, 5e38, 0), [2, 2]);
  assert.throws(() => net.predict(t64), isData(/predict: row 1, column 0 is 5e\+38, outside float32's range/));
});

test('save refuses NaN and ±Infinity (never written as null); what save writes, load reads bit for bit', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bp-limits-'));
  try {
    const path = join(dir, 'm.json');
    writeFileSync(path, 'previous');
    const net = new Network({ inputs: 3, layers: [{ units: 4, activation: 'tanh' }, { units: 2 }], seed: 7 });
    net.layers[1].weight.data[5] = NaN;
    await assert.rejects(saveModel(path, { network: net }), isValue(/save: network\.layers\[1\]\.weights\[1\]\[1\] is NaN; a model file holds finite numbers only/));
    net.layers[1].weight.data[5] = 0.25;
    net.layers[0].bias!.data[2] = Infinity;
    assert.throws(() => serializeModel({ network: net }), isValue(/save: network\.layers\[0\]\.bias\[2\] is Infinity/));
    net.layers[0].bias!.data[2] = 0.1;
    assert.throws(() => serializeModel({ network: net, metadata: { loss: NaN } }), isValue(/save: metadata\.loss is NaN; JSON cannot hold it \(it would be written as null\)/));
    assert.equal(readFileSync(path, 'utf8'), 'previous');
    assert.deepEqual(readdirSync(dir), ['m.json']);
    // symmetric: every float32 weight comes back identical, extremes included
    // (-0 is written as 0 by JSON, numerically the same weight; the test uses +0)
    net.layers[0].weight.data.set([3.4028234663852886e38, -1.401298464324817e-45, 1e-38, 0.1, 0, 123456.789]);
    await saveModel(path, { network: net });
    const back = (await loadModel(path)).network;
    for (let i = 0; i < net.layers.length; i++) {
      assert.deepEqual(Array.from(back.layers[i].weight.data), Array.from(net.layers[i].weight.data));
      assert.deepEqual(Array.from(back.layers[i].bias!.data), Array.from(net.layers[i].bias!.data));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('seeds are whole numbers from 0 to 2^32 − 1 in specs and learn options', () => {
  assert.equal(MAX_SEED, 4294967295);
  for (const seed of [-1, 1.5, 4294967296, NaN]) {
    assert.throws(() => new Network({ inputs: 1, layers: [{ units: 1 }], seed }), isValue(/network\.seed must be a whole number from 0 to 4294967295/));
  }
  const net = new Network({ inputs: 1, layers: [{ units: 1 }], seed: MAX_SEED });
  assert.throws(() => net.learn([[1]], [[1]], { epochs: 1, seed: -1 }), isValue(/learn: seed must be a whole number from 0 to 4294967295, got -1/));
  const w = (seed: number) => Array.from(new Network({ inputs: 3, layers: [{ units: 2 }], seed }).layers[0].weight.data);
  assert.notDeepEqual(w(0), w(1));
});
