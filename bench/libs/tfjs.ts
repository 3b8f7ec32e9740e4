/**
 * TensorFlow.js 4.22 on its 'wasm' backend (SIMD, one thread: setThreadsCount(1)) or its 'cpu'
 * backend, through the API a user would use: tf.sequential + model.fit for training, tf.matMul and
 * friends for kernels, tf.train.adam().applyGradients for the optimizer. The .wasm binaries load from
 * bench/node_modules (no network).
 */
import { createRequire } from 'node:module';
import {
  ADAM_SHAPES, CNN, FASHION, LSTM_BENCH, XOR, XOR_INPUTS, XOR_TARGETS, accuracy, cnnAccuracyAsync, matmulWarmup, rate, runXor, timeAsync,
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
  const routed = backendName === 'wasm' ? routeConv2DBackpropFilter(tf) : '';

  const dense = (units: number, activation: 'sigmoid' | 'relu' | 'softmax', seed: number, inputShape?: number[]) =>
    tf.layers.dense({ units, activation, inputShape, kernelInitializer: tf.initializers.glorotUniform({ seed }) });

  return {
    detail: () => `tfjs ${tf.version.tfjs} ${backendName}${threads}${routed}`,

    async cnn(_sizes: Sizes, data: FashionData, seed: number) {
      // NHWC, TensorFlow.js's layout: a [n, 28, 28, 1] image batch is the same memory as NCHW with one channel.
      const [c1, c2] = CNN.channels;
      const build = () => {
        const model = tf.sequential();
        const conv = (filters: number, s: number, inputShape?: number[]) => tf.layers.conv2d({
          filters, kernelSize: CNN.kernel, padding: 'same', activation: 'relu', inputShape,
          kernelInitializer: tf.initializers.glorotUniform({ seed: s }),
        });
        model.add(conv(c1, seed, [28, 28, 1]));
        model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
        model.add(conv(c2, seed + 1));
        model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
        model.add(tf.layers.flatten());
        model.add(dense(CNN.classes, 'softmax', seed + 2));
        model.compile({ optimizer: tf.train.adam(CNN.learningRate), loss: 'categoricalCrossentropy' });
        return model;
      };
      const xs = tf.tensor4d(data.trainImages.subarray(0, data.trainCount * 784), [data.trainCount, 28, 28, 1]);
      const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(data.trainLabels, 'int32'), CNN.classes));
      const fitOptions = { batchSize: CNN.batchSize, epochs: 1, shuffle: true, verbose: 0 as const };
      const warmCount = Math.min(data.trainCount, CNN.warmupBatches * CNN.batchSize);
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
      const acc = await cnnAccuracyAsync(data, (from, n) => tf.tidy(() => {
        const t = tf.tensor4d(data.testImages.subarray(from * 784, (from + n) * 784), [n, 28, 28, 1]);
        return (model.predict(t) as Tensor).dataSync();
      }));
      model.dispose();
      tf.dispose([xs, ys]);
      return { samplesPerSec: data.trainCount / seconds, seconds, accuracy: acc, trainSamples: data.trainCount, testSamples: data.testCount, synthetic: data.synthetic };
    },

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

/**
 * tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter kernel (a conv layer's weight gradient), so
 * training a CNN on it fails. It has Conv3DBackpropFilterV2: a 2-D convolution is a 3-D one of depth
 * 1, and NDHWC with D = 1 is NHWC's memory, so the kernel below hands the same buffers to it with
 * the shapes given a depth axis. Returns the note for the detail line ('' when wasm has its own).
 */
function routeConv2DBackpropFilter(tf: Tf): string {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) return ', native Conv2DBackpropFilter';
  const conv3d = tf.getKernel('Conv3DBackpropFilterV2', 'wasm');
  if (!conv3d) throw new Error('tfjs wasm: neither Conv2DBackpropFilter nor Conv3DBackpropFilterV2 is registered');
  type Info = { dataId: object; shape: number[]; dtype: string };
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter', backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as unknown as { x: Info; dy: Info };
      const a = attrs as unknown as { strides: number | [number, number]; pad: unknown; dataFormat?: string; dimRoundingMode?: string; filterShape: number[] };
      if (a.dataFormat !== undefined && a.dataFormat !== 'NHWC') throw new Error(`Conv2DBackpropFilter via Conv3D: dataFormat ${a.dataFormat} is not supported`);
      if (a.dimRoundingMode !== undefined && a.dimRoundingMode !== null) throw new Error('Conv2DBackpropFilter via Conv3D: dimRoundingMode is not supported');
      if (typeof a.pad !== 'string') throw new Error('Conv2DBackpropFilter via Conv3D: explicit padding is not supported');
      const [sh, sw] = typeof a.strides === 'number' ? [a.strides, a.strides] : a.strides;
      const depth1 = (t: Info): Info => ({ dataId: t.dataId, shape: [t.shape[0], 1, ...t.shape.slice(1)], dtype: t.dtype });
      const out = conv3d.kernelFunc({
        inputs: { x: depth1(x), dy: depth1(dy) } as never, backend,
        attrs: { strides: [1, sh, sw], pad: a.pad, filterShape: [1, ...a.filterShape] } as never,
      }) as unknown as Info;
      return { dataId: out.dataId, shape: a.filterShape, dtype: out.dtype } as never;
    },
  });
  return ', Conv2DBackpropFilter routed to Conv3DBackpropFilterV2 (depth 1)';
}
