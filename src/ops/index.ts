/** All ops as functions, and the list of their names (the gradient-check table must cover each). */
import { installGradientHelpers } from '../autograd/graph.js';
import { add } from './elementwise.js';
import { sumToShape } from './reduce.js';

export { add, mul, div, pow, neg, exp, log, abs, sigmoid, tanh, relu, step, clamp } from './elementwise.js';
export { sum, max, broadcastTo, sumToShape, type ReduceOptions } from './reduce.js';
export { reshape, transpose } from './shape.js';
export { matmul, linear } from './matmul.js';
export { logSoftmax, softmax } from './softmax.js';
export { sub, sqrt, mean, leakyRelu } from './compose.js';

installGradientHelpers(sumToShape, add);

/** Primitives: they carry their own derivative. */
export const PRIMITIVE_OPS = [
  'add', 'mul', 'div', 'pow', 'neg', 'exp', 'log', 'abs', 'sigmoid', 'tanh', 'relu', 'step', 'clamp',
  'sum', 'max', 'broadcastTo', 'reshape', 'transpose', 'matmul', 'linear', 'logSoftmax',
] as const;

/** Compositions of primitives: no calculus of their own. */
export const COMPOSED_OPS = ['sub', 'sqrt', 'mean', 'leakyRelu', 'softmax'] as const;

export const OPS = [...PRIMITIVE_OPS, ...COMPOSED_OPS] as const;
export type OpName = (typeof OPS)[number];
