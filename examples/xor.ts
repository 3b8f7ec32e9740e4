/**
 * XOR (seed 004's perceptron discussion): one neuron draws one straight line and cannot separate
 * XOR — at best 3 of 4 right — while a hidden layer of two or more units solves it.
 */
import { Network } from '../src/index.js';
import { fmt, runIfMain, type ExampleResult } from './run.js';

export const XOR_INPUTS = [[0, 0], [0, 1], [1, 0], [1, 1]];
export const XOR_TARGETS = [[0], [1], [1], [0]];

export function main(): ExampleResult {
  const single = new Network({ inputs: 2, layers: [{ units: 1, activation: 'sigmoid' }], loss: 'bce', seed: 1 });
  single.learn(XOR_INPUTS, XOR_TARGETS, { epochs: 2000, learningRate: 1, batchSize: 'full' });
  const hidden = new Network({ inputs: 2, layers: [{ units: 4, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }], loss: 'bce', seed: 1 });
  hidden.learn(XOR_INPUTS, XOR_TARGETS, { epochs: 2000, learningRate: 1, batchSize: 'full' });
  const one = single.evaluate(XOR_INPUTS, XOR_TARGETS);
  const two = hidden.evaluate(XOR_INPUTS, XOR_TARGETS);
  const outs = hidden.predict(XOR_INPUTS).map((r) => r[0]);
  const report = [
    'XOR — one neuron versus a hidden layer',
    `one sigmoid neuron: accuracy ${fmt(one.accuracy! * 100, 0)}%, loss ${fmt(one.loss)} (no line separates XOR)`,
    `2-4-1 (tanh hidden): accuracy ${fmt(two.accuracy! * 100, 0)}%, loss ${fmt(two.loss)}; outputs ${outs.map((v) => fmt(v, 3)).join(', ')}`,
  ];
  const checks: [string, boolean][] = [
    ['one neuron gets at most 3 of 4 right', one.accuracy! <= 0.75],
    ['the hidden layer gets all 4 right', two.accuracy === 1],
  ];
  return { report, checks };
}

runIfMain(import.meta.url, main);
