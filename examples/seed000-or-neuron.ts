/**
 * Seed 000: one sigmoid neuron with a bias learns OR, starting on the hill top at weights (−4, −4),
 * bias 0, with online updates (one row at a time); then the same with Adam, which reaches the same
 * loss in far fewer epochs.
 *
 * The article's update is w += η·(t − y)·σ'·x, i.e. gradient descent on ½(t − y)². Our 'mse' for one
 * output is (y − t)², whose gradient is twice that, so the article's η = 0.5 is our learningRate 0.25.
 * The article gives neither η nor the epoch count; η = 0.5 for 1544 epochs reproduces its printed
 * outputs (0.080855, 0.950012, 0.949906, 0.999756) to within 2·10⁻⁵.
 */
import { Network } from '../src/index.js';
import { fmt, runIfMain, type ExampleResult } from './run.js';

export const OR_INPUTS = [[0, 0], [0, 1], [1, 0], [1, 1]];
export const OR_TARGETS = [[0], [1], [1], [1]];
export const ARTICLE_OUTPUTS = [0.080855, 0.950012, 0.949906, 0.999756];

export function orNeuron(): Network {
  return new Network({
    inputs: 2,
    layers: [{ units: 1, activation: 'sigmoid', weights: [[-4, -4]], bias: [0] }],
    loss: 'mse',
    dtype: 'float64',
  });
}

export function main(): ExampleResult {
  const sgd = orNeuron();
  const before = sgd.predict(OR_INPUTS).map((r) => r[0]);
  const sgdHistory = sgd.learn(OR_INPUTS, OR_TARGETS, { epochs: 1544, learningRate: 0.25, optimizer: 'sgd', batchSize: 1, shuffle: false });
  const outputs = sgd.predict(OR_INPUTS).map((r) => r[0]);
  const target = sgd.evaluate(OR_INPUTS, OR_TARGETS).loss;

  // Adam from the same start, stopping as soon as its epoch loss is at SGD's final loss.
  const adam = orNeuron();
  const adamHistory = adam.learn(OR_INPUTS, OR_TARGETS, { epochs: 1544, learningRate: 0.1, optimizer: 'adam', batchSize: 1, shuffle: false, tolerance: target });
  const adamLoss = adam.evaluate(OR_INPUTS, OR_TARGETS).loss;

  const report = [
    'Seed 000 — one neuron learns OR (online updates from w = (−4, −4), b = 0)',
    `before training: ${before.map((v) => fmt(v, 6)).join(', ')}   (1 OR 0 ≈ ${fmt(before[2], 6)}: almost exactly wrong)`,
    ...OR_INPUTS.map((x, i) => `Input: [${x.join(', ')}], Output: ${fmt(outputs[i], 6)}, Expected: ${OR_TARGETS[i][0]}   (article: ${ARTICLE_OUTPUTS[i]})`),
    `SGD: ${sgdHistory.epochs.length} epochs to a loss of ${target.toExponential(3)}`,
    `Adam (lr 0.1): ${adamHistory.epochs.length} epochs to a loss of ${adamLoss.toExponential(3)}`,
  ];
  const checks: [string, boolean][] = [
    ['outputs match the article to within 1e-4', outputs.every((v, i) => Math.abs(v - ARTICLE_OUTPUTS[i]) < 1e-4)],
    ['Adam reaches the same loss in fewer epochs than SGD', adamHistory.stopReason === 'tolerance' && adamHistory.epochs.length < sgdHistory.epochs.length],
  ];
  return { report, checks };
}

runIfMain(import.meta.url, main);
