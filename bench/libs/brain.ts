/**
 * brain.js 1.6.1: XOR only (it has no softmax/cross-entropy MLP or Adam of the same shape, and no
 * tensor kernels). NeuralNetwork with hiddenLayers [4], sigmoid, trained online by net.train().
 */
import { createRequire } from 'node:module';
import { XOR, XOR_INPUTS, XOR_TARGETS, runXor, type Runner, type Sizes } from '../common.js';

type Brain = typeof import('brain.js');
const require = createRequire(import.meta.url);

export async function brainRunner(): Promise<Runner> {
  const brain = require('brain.js') as Brain;
  const version = (require('brain.js/package.json') as { version: string }).version;
  const data = XOR_INPUTS.map((input, i) => ({ input, output: [XOR_TARGETS[i]] }));
  const train = (net: InstanceType<Brain['NeuralNetwork']>, epochs: number) => {
    // brain.js validates momentum into (0, 1) although its update works with 0; plain online SGD
    // (the workload) needs 0, so its validator is bypassed for this instance only. The
    // momentum term is computed either way, so the speed is brain.js's own.
    (net as unknown as { validateTrainingOptions: (o: unknown) => void }).validateTrainingOptions = () => {};
    // errorThresh: the smallest positive number, so training never stops early.
    net.train(data, { iterations: epochs, learningRate: XOR.learningRate, momentum: 0, errorThresh: Number.MIN_VALUE, log: false });
  };
  return {
    detail: () => `brain.js ${version}`,
    xor: (sizes: Sizes) => runXor(sizes, {
      make: () => new brain.NeuralNetwork({ hiddenLayers: [XOR.hidden], activation: 'sigmoid' }),
      train,
      outputs: (net) => XOR_INPUTS.map((x) => (net.run(x) as number[])[0]),
    }),
  };
}
