/**
 * synaptic 1.1.4: XOR only. Architect.Perceptron(2, 4, 1) (logistic neurons, its default) trained
 * online by Trainer.train with rate 0.5 and the MSE cost, never stopping early.
 */
import { createRequire } from 'node:module';
import { XOR, XOR_INPUTS, XOR_TARGETS, runXor, type Runner, type Sizes } from '../common.js';

type Synaptic = typeof import('synaptic');
const require = createRequire(import.meta.url);

export async function synapticRunner(): Promise<Runner> {
  const synaptic = require('synaptic') as Synaptic;
  const version = (require('synaptic/package.json') as { version: string }).version;
  const set = XOR_INPUTS.map((input, i) => ({ input, output: [XOR_TARGETS[i]] }));
  const train = (net: InstanceType<Synaptic['Architect']['Perceptron']>, epochs: number) => {
    const trainer = new synaptic.Trainer(net);
    // error -1: a mean squared error is never below it, so all epochs run.
    trainer.train(set, { rate: XOR.learningRate, iterations: epochs, error: -1, shuffle: false, cost: synaptic.Trainer.cost.MSE });
  };
  return {
    detail: () => `synaptic ${version}`,
    xor: (sizes: Sizes) => runXor(sizes, {
      make: () => new synaptic.Architect.Perceptron(2, XOR.hidden, 1),
      train,
      outputs: (net) => XOR_INPUTS.map((x) => net.activate(x)[0]),
    }),
  };
}
