/**
 * backprop itself, through its public API as built by `npm run build` (dist/, so the kernel backend
 * that the build produces is the one measured): Network.learn/predict for training, the ops for
 * kernels, optim.Adam for the optimizer. Runs on whichever backend the library picks by itself.
 * The build is loaded from a folder the parent names (a snapshot of dist/, or an older commit's
 * build for --compare); the types are this checkout's.
 */
import { readFileSync } from 'node:fs';
import { entryOf, variantOf } from '../common.js';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ADAM_SHAPES, CNN, FASHION, LSTM_BENCH, XOR, XOR_INPUTS, XOR_TARGETS, accuracy, bytesInUse, cnnAccuracy, matmulWarmup, memoryResult, rate, runXor, timeAsync,
  type FashionData, type Runner, type SequenceData, type Sizes,
} from '../common.js';

type Backprop = typeof import('../../dist/src/index.js');

export async function backpropRunner(build: string): Promise<Runner> {
  const pkg = JSON.parse(readFileSync(join(build, 'package.json'), 'utf8')) as { version: string };
  const bp = (await import(pathToFileURL(entryOf(build)).href)) as Backprop;
  if (typeof bp.Network !== 'function') throw new Error(`backprop: ${build}/dist/src/index.js exports no Network`);
  const fashionNet = (features: number, seed: number) => new bp.Network({
    inputs: features, layers: [{ units: FASHION.hidden, activation: 'relu' }, { units: FASHION.classes, activation: 'softmax' }],
    loss: 'crossEntropy', init: 'xavier', seed,
  });
  const fashionOptions = (seed: number) => ({ epochs: 1, learningRate: FASHION.learningRate, optimizer: 'adam' as const, batchSize: FASHION.batchSize, shuffle: true, seed });
  return {
    detail: () => `backprop ${pkg.version}, backend ${bp.backend().name}${variantOf(bp)}`,

    xor(sizes: Sizes, seed: number) {
      const inputs = bp.tensor(XOR_INPUTS);
      const targets = bp.tensor(XOR_TARGETS.map((t) => [t]));
      return runXor(sizes, {
        make: () => new bp.Network({
          inputs: 2, layers: [{ units: XOR.hidden, activation: 'sigmoid' }, { units: 1, activation: 'sigmoid' }],
          loss: 'mse', init: 'xavier', seed,
        }),
        train: (net, epochs) => { net.learn(inputs, targets, { epochs, learningRate: XOR.learningRate, optimizer: 'sgd', batchSize: 1, shuffle: false, seed }); },
        outputs: (net) => net.predict(inputs).data,
      });
    },

    async cnn(_sizes: Sizes, data: FashionData, seed: number) {
      if (typeof bp.Conv2d !== 'function') throw new Error('this build has no Conv2d');
      // What a user writes: a Sequential of layers trained by fit() (which compiles the step with jit).
      const [c1, c2] = CNN.channels;
      const make = () => {
        const model = new bp.Sequential(
          new bp.Conv2d(1, c1, CNN.kernel, { padding: 'same', seed }), new bp.ReLU(), new bp.MaxPool2d(2),
          new bp.Conv2d(c1, c2, CNN.kernel, { padding: 'same', seed: seed + 1 }), new bp.ReLU(), new bp.MaxPool2d(2),
          new bp.Flatten(), new bp.Dense(c2 * 7 * 7, CNN.classes, { seed: seed + 2 }),
        );
        return { model, optimizer: new bp.optim.Adam(model.parameters(), { lr: CNN.learningRate }) };
      };
      const images = (arr: Float32Array, n: number) => bp.tensor(arr.subarray(0, n * 784), { shape: [n, 1, 28, 28] });
      const labels = (arr: Float32Array, n: number) => bp.tensor(Float32Array.from(arr.subarray(0, n)));
      const options = { loss: bp.crossEntropy, epochs: 1, batchSize: CNN.batchSize, shuffle: true, seed };
      const warmCount = Math.min(data.trainCount, CNN.warmupBatches * CNN.batchSize);
      const warm = make();
      bp.fit(warm.model, images(data.trainImages, warmCount), labels(data.trainLabels, warmCount), { ...options, optimizer: warm.optimizer });
      const { model, optimizer } = make();
      const x = images(data.trainImages, data.trainCount), y = labels(data.trainLabels, data.trainCount);
      const seconds = await timeAsync(() => { bp.fit(model, x, y, { ...options, optimizer }); });
      return {
        samplesPerSec: data.trainCount / seconds, seconds, accuracy: cnnAccuracy(data, (from, n) => bp.noGrad(() => model.forward(images(data.testImages.subarray(from * 784), n))).data),
        trainSamples: data.trainCount, testSamples: data.testCount, synthetic: data.synthetic,
      };
    },

    async fashion(sizes: Sizes, data: FashionData, seed: number) {
      const x = bp.tensor(data.trainImages, { shape: [data.trainCount, data.features] });
      const y = Array.from(data.trainLabels);
      const make = () => fashionNet(data.features, seed);
      const options = fashionOptions(seed);
      const warmCount = Math.min(data.trainCount, sizes.fashionWarmupBatches * FASHION.batchSize);
      const warmX = bp.tensor(data.trainImages.subarray(0, warmCount * data.features), { shape: [warmCount, data.features] });
      make().learn(warmX, y.slice(0, warmCount), options);
      const net = make();
      const seconds = await timeAsync(() => { net.learn(x, y, options); });
      const testX = bp.tensor(data.testImages, { shape: [data.testCount, data.features] });
      const scores = net.predict(testX).data;
      return {
        samplesPerSec: data.trainCount / seconds, seconds, accuracy: accuracy(scores, data.testLabels, FASHION.classes),
        trainSamples: data.trainCount, testSamples: data.testCount, synthetic: data.synthetic,
      };
    },

    async matmul(sizes: Sizes, n: number) {
      const a = bp.rand([n, n], { seed: 1 });
      const b = bp.rand([n, n], { seed: 2 });
      const perSec = await rate(() => { bp.matmul(a, b); }, sizes.minSeconds, matmulWarmup(n));
      return { gflops: (2 * n * n * n * perSec) / 1e9, n };
    },

    async elementwise(sizes: Sizes) {
      const size = sizes.elementwiseSize;
      const a = bp.rand([size], { seed: 1 });
      const b = bp.rand([size], { seed: 2 });
      const add = size * (await rate(() => { bp.add(a, b); }, sizes.minSeconds));
      const mul = size * (await rate(() => { bp.mul(a, b); }, sizes.minSeconds));
      const exp = size * (await rate(() => { bp.exp(a); }, sizes.minSeconds));
      return { add, mul, exp, size };
    },

    async adam(sizes: Sizes) {
      const params = ADAM_SHAPES.map((s, i) => bp.randn([...s], { seed: i + 1, requiresGrad: true }));
      for (const [i, p] of params.entries()) p.grad = bp.randn([...p.shape], { seed: i + 11 });
      const optimizer = new bp.optim.Adam(params, { lr: FASHION.learningRate });
      const perSec = await rate(() => optimizer.step(), sizes.minSeconds);
      const count = params.reduce((n, p) => n + p.size, 0);
      return { paramsPerSec: count * perSec, params: count };
    },

    async memory(sizes: Sizes, data: FashionData, seed: number) {
      const n = Math.min(sizes.memorySamples, data.trainCount);
      const x = bp.tensor(data.trainImages.slice(0, n * data.features), { shape: [n, data.features] });
      const y = Array.from(data.trainLabels.subarray(0, n));
      const byEpoch: number[] = [];
      fashionNet(data.features, seed).learn(x, y, {
        ...fashionOptions(seed), epochs: sizes.memoryEpochs,
        onEpochEnd: (logs) => { byEpoch[logs.epoch] = bytesInUse(); },
      });
      return memoryResult(byEpoch, sizes.memoryEpochs, n);
    },

    // issue 12: LSTM(32) + dense head as a user's Module, trained by fit() (compiled steps). fit takes
    // rows, so each sequence is one row of 20·8 values and forward() views it as [batch, 20, 8].
    async lstm(sizes: Sizes, data: SequenceData, seed: number) {
      if (typeof bp.LSTM !== 'function') throw new Error('this build of backprop has no LSTM layer');
      const { steps, features, hidden, classes, learningRate, batchSize } = LSTM_BENCH;
      class Classifier extends bp.Module {
        readonly lstm = this.registerModule('lstm', new bp.LSTM(features, hidden, { seed }));
        readonly head = this.registerModule('head', new bp.Dense(hidden, classes, { seed: seed + 1 }));
        forward(x: InstanceType<typeof bp.Tensor>) {
          return this.head.forward(this.lstm.forward(bp.reshape(x, [x.shape[0], steps, features])));
        }
      }
      const rows = (x: Float32Array, n: number) => bp.tensor(x, { shape: [n, steps * features] });
      const train = (count: number, epochs: number) => {
        const model = new Classifier();
        const x = rows(data.trainX.subarray(0, count * steps * features), count);
        const y = bp.tensor(data.trainY.subarray(0, count), { shape: [count] });
        const optimizer = new bp.optim.Adam(model.parameters(), { lr: learningRate });
        return { model, run: () => bp.fit(model, x, y, { loss: bp.crossEntropy, optimizer, epochs, batchSize, shuffle: true, seed }) };
      };
      train(Math.min(data.trainCount, sizes.lstmWarmupBatches * batchSize), 1).run();
      const { model, run } = train(data.trainCount, sizes.lstmEpochs);
      const seconds = await timeAsync(() => { run(); });
      const scores = bp.noGrad(() => model.forward(rows(data.testX, data.testCount))).data;
      return { samplesPerSec: (data.trainCount * sizes.lstmEpochs) / seconds, seconds, accuracy: accuracy(scores, data.testY, classes), trainSamples: data.trainCount, epochs: sizes.lstmEpochs };
    },
  };
}
