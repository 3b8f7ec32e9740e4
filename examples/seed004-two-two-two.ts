/**
 * Seed 004: the 2-2-2 sigmoid network worked by hand. Forward pass for input (0.5, −0.5), then one
 * online step of learning rate 1.2 towards (0.9, 0.1) with the mean squared error over the two
 * outputs (whose derivative is y − t, the article's −(0.9 − 0.7164) = −0.1836).
 * The article rounds as it goes and prints 0.7164 and 0.5238; unrounded, the outputs are 0.7165 and
 * 0.5239. Its text also writes x₂ as "−0.05" in the sums, but its numbers use −0.5.
 */
import { Network } from '../src/index.js';
import { fmt, runIfMain, type ExampleResult } from './run.js';

export const SEED004_SPEC = {
  inputs: 2,
  layers: [
    { units: 2, activation: 'sigmoid' as const, weights: [[0.1, -0.2], [0.3, 0.55]], bias: [0.01, -0.02] },
    { units: 2, activation: 'sigmoid' as const, weights: [[0.37, 0.9], [-0.22, -0.12]], bias: [0.31, 0.27] },
  ],
  loss: 'mse' as const,
  dtype: 'float64' as const,
};

export function main(): ExampleResult {
  const net = new Network(SEED004_SPEC);
  const hidden = new Network({ inputs: 2, layers: [SEED004_SPEC.layers[0]], dtype: 'float64' }).predict([[0.5, -0.5]])[0];
  const outputs = net.predict([[0.5, -0.5]])[0];
  net.learn([[0.5, -0.5]], [[0.9, 0.1]], { epochs: 1, learningRate: 1.2, optimizer: 'sgd', batchSize: 1, shuffle: false });
  const after = net.toJSON();
  const w37 = after.layers[1].weights![0][0];
  const w01 = after.layers[0].weights![0][0];
  const report = [
    'Seed 004 — the 2-2-2 network, input (0.5, −0.5), target (0.9, 0.1)',
    `hidden σ₁ = ${fmt(hidden[0])}, σ₂ = ${fmt(hidden[1])}`,
    `outputs σ₃ = ${fmt(outputs[0])}, σ₄ = ${fmt(outputs[1])}   (article, rounding as it goes: 0.7164, 0.5238)`,
    `after one step (learning rate 1.2): w(h₁→o₁) 0.37 → ${fmt(w37)}, w(x₁→h₁) 0.1 → ${fmt(w01)}`,
  ];
  const checks: [string, boolean][] = [
    ['hidden 0.5399 and 0.4638', fmt(hidden[0]) === '0.5399' && fmt(hidden[1]) === '0.4638'],
    ['outputs 0.7165 and 0.5239', fmt(outputs[0]) === '0.7165' && fmt(outputs[1]) === '0.5239'],
    ['0.37 → 0.3941 and 0.1 → 0.1055', fmt(w37) === '0.3941' && fmt(w01) === '0.1055'],
  ];
  return { report, checks };
}

runIfMain(import.meta.url, main);
