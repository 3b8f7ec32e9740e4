/**
 * TensorFlow.js 4.22 on its 'wasm' backend (SIMD, one thread: setThreadsCount(1)) or its 'cpu'
 * backend, through the API a user would use: tf.sequential + model.fit for training, tf.matMul and
 * friends for kernels, tf.train.adam().applyGradients for the optimizer. The .wasm binaries load from
 * bench/node_modules (no network).
 */
import { createRequire } from 'node:module';
import {
  ADAM_SHAPES, FASHION, LSTM_BENCH, XOR, XOR_INPUTS, XOR_TARGETS, accuracy, matmulWarmup, rate, runXor, timeAsync,
  type FashionData, type Runner, type SequenceData, type Sizes,
} from '../common.js';

type Tf = typeof import('@tensorflow/tfjs');
type TfWasm = typeof import('@tensorflow/tfjs-backend-wasm');
type Tensor = import('@tensorflow/tfjs').Tensor;

const require = createRequire(import.meta.url);

export async function tfjsRunner(backendName: 'wasm' | 'cpu'): Promise<Runner> {
  const tf = require('@tensorflow/tfjs') as Tf;
  let threads = '';
  if (backendName === 'wasm') {
    const wasm = require('@tensorflow/tfjs-backend-wasm') as TfWasm;
    // Must precede the backend's initialisation; in Node the threaded build is not used anyway.
    wasm.setThreadsCount(1);
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs: the wasm backend failed to initialise');
    await tf.ready();
    threads = `, ${wasm.getThreadsCount()} thread, SIMD ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'on' : 'off'}`;
  } else {
    await tf.setBackend('cpu');
    await tf.ready();
  }
  if (tf.getBackend() !== backendName) throw new Error(`tfjs: asked for backend '${backendName}', got '${tf.getBackend()}'`);

  const dense = (units: number, activation: 'sigmoid' | 'relu' | 'softmax', seed: number, inputShape?: number[]) =>
    tf.layers.dense({ units, activation, inputShape, kernelInitializer: tf.initializers.glorotUniform({ seed }) });

  return {
    detail: () => `tfjs ${tf.version.tfjs} ${backendName}${threads}`,

    async xor(sizes: Sizes, seed: number) {
      const xs = tf.tensor2d(XOR_INPUTS);
      const ys = tf.tensor2d(XOR_TARGETS.map((t) => [t]));
      const result = await runXor(sizes, {
        make: () => {
          const model = tf.sequential();
          model.add(dense(XOR.hidden, 'sigmoid', seed, [2]));
          model.add(dense(1, 'sigmoid', seed + 1));
          model.compile({ optimizer: tf.train.sgd(XOR.learningRate), loss: 'meanSquaredError' });
          return model;
        },
        train: async (model, epochs) => { await model.fit(xs, ys, { epochs, batchSize: 1, shuffle: false, verbose: 0 }); },
        outputs: (model) => tf.tidy(() => (model.predict(xs) as Tensor).dataSync()),
        dispose: (model) => model.dispose(),
      });
      tf.dispose([xs, ys]);
      return result;
    },

    async fashion(sizes: Sizes, data: FashionData, seed: number) {
      const xs = tf.tensor2d(data.trainImages, [data.trainCount, data.features]);
      const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(data.trainLabels, 'int32'), FASHION.classes));
      const build = () => {
        const model = tf.sequential();
        model.add(dense(FASHION.hidden, 'relu', seed, [data.features]));
        model.add(dense(FASHION.classes, 'softmax', seed + 1));
        model.compile({ optimizer: tf.train.adam(FASHION.learningRate), loss: 'categoricalCrossentropy' });
        return model;
      };
      const fitOptions = { batchSize: FASHION.batchSize, epochs: 1, shuffle: true, verbose: 0 as const };
      const warmCount = Math.min(data.trainCount, sizes.fashionWarmupBatches * FASHION.batchSize);
      const warm = build();
      const warmXs = xs.slice(0, warmCount);
      const warmYs = ys.slice(0, warmCount);
      await warm.fit(warmXs, warmYs, fitOptions);
      tf.dispose([warmXs, warmYs]);
      warm.dispose();
      const model = build();
      const seconds = await timeAsync(async () => {
        await model.fit(xs, ys, fitOptions);
      });
      const testXs = tf.tensor2d(data.testImages, [data.testCount, data.features]);
      const scores = tf.tidy(() => (model.predict(testXs) as Tensor).dataSync());
      model.dispose();
      tf.dispose([xs, ys, testXs]);
      return {
        samplesPerSec: data.trainCount / seconds, seconds, accuracy: accuracy(scores, data.testLabels, FASHION.classes),
        trainSamples: data.trainCount, testSamples: data.testCount, synthetic: data.synthetic,
      };
    },

    async matmul(sizes: Sizes, n: number) {
      const a = tf.randomUniform([n, n], -1, 1, 'float32', 1);
      const b = tf.randomUniform([n, n], -1, 1, 'float32', 2);
      // Both backends compute eagerly inside tf.matMul, so no read-back is needed per repetition.
      const perSec = await rate(() => tf.matMul(a, b).dispose(), sizes.minSeconds, matmulWarmup(n));
      tf.dispose([a, b]);
      return { gflops: (2 * n * n * n * perSec) / 1e9, n };
    },

    async elementwise(sizes: Sizes) {
      const size = sizes.elementwiseSize;
      const a = tf.randomUniform([size], -1, 1, 'float32', 1);
      const b = tf.randomUniform([size], -1, 1, 'float32', 2);
      const add = size * (await rate(() => tf.add(a, b).dispose(), sizes.minSeconds));
      const mul = size * (await rate(() => tf.mul(a, b).dispose(), sizes.minSeconds));
      const exp = size * (await rate(() => tf.exp(a).dispose(), sizes.minSeconds));
      tf.dispose([a, b]);
      return { add, mul, exp, size };
    },

    async adam(sizes: Sizes) {
      const vars = ADAM_SHAPES.map((s, i) => tf.variable(tf.randomNormal([...s], 0, 0.05, 'float32', i + 1), true, `bench_adam_p${i}`));
      const grads = ADAM_SHAPES.map((s, i) => ({ name: `bench_adam_p${i}`, tensor: tf.randomNormal([...s], 0, 0.01, 'float32', i + 11) }));
      const optimizer = tf.train.adam(FASHION.learningRate);
      const perSec = await rate(() => optimizer.applyGradients(grads), sizes.minSeconds);
      const params = vars.reduce((n, v) => n + v.size, 0);
      vars[0].dataSync();
      optimizer.dispose();
      tf.dispose([...vars, ...grads.map((g) => g.tensor)]);
      return { paramsPerSec: params * perSec, params };
    },

    // issue 12: tf.layers.lstm(32) with σ gates (recurrentActivation 'sigmoid', as PyTorch) + dense softmax, model.fit.
    async lstm(sizes: Sizes, data: SequenceData, seed: number) {
      const { steps, features, hidden, classes, learningRate, batchSize } = LSTM_BENCH;
      const build = () => {
        const model = tf.sequential();
        model.add(tf.layers.lstm({
          units: hidden, inputShape: [steps, features], recurrentActivation: 'sigmoid',
          kernelInitializer: tf.initializers.glorotUniform({ seed }), recurrentInitializer: tf.initializers.orthogonal({ seed: seed + 1 }),
        }));
        model.add(dense(classes, 'softmax', seed + 2));
        model.compile({ optimizer: tf.train.adam(learningRate), loss: 'categoricalCrossentropy' });
        return model;
      };
      const xs = tf.tensor3d(data.trainX, [data.trainCount, steps, features]);
      const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(data.trainY, 'int32'), classes));
      const warmCount = Math.min(data.trainCount, sizes.lstmWarmupBatches * batchSize);
      const warm = build();
      const warmXs = xs.slice(0, warmCount), warmYs = ys.slice(0, warmCount);
      await warm.fit(warmXs, warmYs, { batchSize, epochs: 1, shuffle: true, verbose: 0 });
      tf.dispose([warmXs, warmYs]);
      warm.dispose();
      const model = build();
      const seconds = await timeAsync(async () => { await model.fit(xs, ys, { batchSize, epochs: sizes.lstmEpochs, shuffle: true, verbose: 0 }); });
      const testXs = tf.tensor3d(data.testX, [data.testCount, steps, features]);
      const scores = tf.tidy(() => (model.predict(testXs) as Tensor).dataSync());
      model.dispose();
      tf.dispose([xs, ys, testXs]);
      return { samplesPerSec: (data.trainCount * sizes.lstmEpochs) / seconds, seconds, accuracy: accuracy(scores, data.testY, classes), trainSamples: data.trainCount, epochs: sizes.lstmEpochs };
    },
  };
}
