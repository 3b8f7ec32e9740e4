/** Networks from the articles, shared by the explainer's tests. */
import type { NetworkSpec } from '../../src/spec/index.js';

/**
 * Seed 004's 2-2-2 network. Its input is (0.5, −0.5): the article's sums print "-0.05" for x₂
 * (a typo), but its numbers (z₁ = 0.16, z₂ = −0.145) are computed with −0.5.
 */
export const SEED004: NetworkSpec = {
  inputs: 2,
  layers: [
    { units: 2, activation: 'sigmoid', weights: [[0.1, -0.2], [0.3, 0.55]], bias: [0.01, -0.02] },
    { units: 2, activation: 'sigmoid', weights: [[0.37, 0.9], [-0.22, -0.12]], bias: [0.31, 0.27] },
  ],
  loss: 'mse',
};
export const SEED004_INPUT = [0.5, -0.5];
export const SEED004_TARGET = [0.9, 0.1];

/** Seed 000's OR neuron at its starting point (−4, −4), bias 0. */
export const SEED000: NetworkSpec = {
  inputs: 2,
  layers: [{ units: 1, activation: 'sigmoid', weights: [[-4, -4]], bias: [0] }],
  loss: 'mse',
};

/** Seed 003's line y = W·x with W = 3 and the sum of squared errors. */
export const SEED003: NetworkSpec = {
  inputs: 1,
  layers: [{ units: 1, activation: 'linear', weights: [[3]], bias: [0] }],
  loss: 'sse',
};

export const OR_DATA = { inputs: [[0, 0], [0, 1], [1, 0], [1, 1]], targets: [[0], [1], [1], [1]] };
