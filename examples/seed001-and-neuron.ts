/**
 * Seed 001: one sigmoid neuron learns AND with binary cross-entropy and full-batch gradient descent
 * for 100 iterations. The article does not give its learning rate or starting point; starting from
 * zero weights and bias, learning rate 5 reproduces its table (0.000, 0.040, 0.040, 0.944) to within
 * 0.001, with weights ≈ 6.04 and bias ≈ −9.24 (the article: 6.01 and −9.2; starting from
 * w = (−1, −1), b = 0 gives 6.01 and −9.19).
 * Note the article's formula 1/(1 + exp(−W·x + b)) has a sign slip: its numbers use σ(W·x + b).
 */
import { Network } from '../src/index.js';
import { fmt, runIfMain, type ExampleResult } from './run.js';

export const AND_INPUTS = [[0, 0], [0, 1], [1, 0], [1, 1]];
export const AND_TARGETS = [[0], [0], [0], [1]];
export const ARTICLE_TABLE = [0.0, 0.04, 0.04, 0.944];

export function main(): ExampleResult {
  const net = new Network({
    inputs: 2,
    layers: [{ units: 1, activation: 'sigmoid', weights: [[0, 0]], bias: [0] }],
    loss: 'bce',
    dtype: 'float64',
  });
  const history = net.learn(AND_INPUTS, AND_TARGETS, { epochs: 100, learningRate: 5, optimizer: 'sgd', batchSize: 'full' });
  const outputs = net.predict(AND_INPUTS).map((r) => r[0]);
  const layer = net.toJSON().layers[0];
  const report = [
    'Seed 001 — one neuron learns AND (binary cross-entropy, full batch, 100 iterations, learning rate 5)',
    'x1 x2 | y(x)   | article',
    ...AND_INPUTS.map((x, i) => ` ${x[0]}  ${x[1]} | ${fmt(outputs[i], 3)}  | ${fmt(ARTICLE_TABLE[i], 3)}`),
    `weights ${layer.weights![0].map((w) => fmt(w, 2)).join(', ')}, bias ${fmt(layer.bias![0], 2)}; final loss ${history.epochs.at(-1)!.loss.toFixed(4)}`,
  ];
  const checks: [string, boolean][] = [
    ['table reproduced to within 0.01', outputs.every((v, i) => Math.abs(v - ARTICLE_TABLE[i]) < 0.01)],
    ['100 full-batch updates', history.updates === 100],
  ];
  return { report, checks };
}

runIfMain(import.meta.url, main);
