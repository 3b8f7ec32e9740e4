/**
 * All ops as functions, and the tables the tests and the compiler read: OPS (the public op names,
 * each with a row in the gradient table) and PRIMS (every primitive, helpers of backward included,
 * each of which some gradient row must exercise).
 */
import { installGradientHelpers } from '../autograd/graph.js';
import { add } from './elementwise.js';
import { sumToShape } from './reduce.js';
import { cast } from './select.js';
import * as elementwiseOps from './elementwise.js';
import * as reduceOps from './reduce.js';
import * as shapeOps from './shape.js';
import * as matmulOps from './matmul.js';
import * as softmaxOps from './softmax.js';
import * as selectOps from './select.js';
// issue 12 ops (beyond the perceptron): element-wise, cutting and joining, gathering
import * as pointwiseOps from './pointwise.js';
import * as layoutOps from './layout.js';
import * as gatherOps from './gather.js';
// -- convolution and pooling (issue 12) --
import * as convOps from './conv.js';
import * as poolOps from './pool.js';
// -- end convolution and pooling --
import type { Prim } from './prim.js';

export { add, mul, div, pow, neg, exp, log, abs, sigmoid, tanh, relu, step, clamp } from './elementwise.js';
export { sum, max, broadcastTo, sumToShape, type ReduceOptions } from './reduce.js';
export { reshape, transpose, permute } from './shape.js';
export { matmul, linear } from './matmul.js';
export { logSoftmax, softmax } from './softmax.js';
export { oneHot, cast } from './select.js';
export { sub, sqrt, mean, leakyRelu, softplus } from './compose.js';
// issue 12 ops (beyond the perceptron)
export { maximum, where, gelu, elu, silu, dropout, type DropoutOptions } from './pointwise.js';
export { slice, narrow, concat } from './layout.js';
export { embedding } from './gather.js';
// -- convolution and pooling (issue 12) --
export { conv2d, conv1d, type Conv2dOptions, type Conv1dOptions, type Pair } from './conv.js';
export { maxPool2d, avgPool2d, globalAvgPool2d, type Pool2dOptions } from './pool.js';
// -- end convolution and pooling --

installGradientHelpers(sumToShape, add, cast);

/** Primitives: they carry their own derivative. */
export const PRIMITIVE_OPS = [
  'add', 'mul', 'div', 'pow', 'neg', 'exp', 'log', 'abs', 'sigmoid', 'tanh', 'relu', 'step', 'clamp',
  'sum', 'max', 'broadcastTo', 'reshape', 'transpose', 'matmul', 'linear', 'logSoftmax', 'oneHot', 'cast',
  // issue 12 ops (beyond the perceptron); permute is transpose's prim, dropout a mask prim and mul
  'permute', 'maximum', 'where', 'gelu', 'elu', 'silu', 'dropout', 'slice', 'narrow', 'concat', 'embedding',
  // -- convolution and pooling (issue 12) --
  'conv2d', 'maxPool2d',
  // -- end convolution and pooling --
] as const;

/** Compositions of primitives: no calculus of their own. */
export const COMPOSED_OPS = [
  'sub', 'sqrt', 'mean', 'leakyRelu', 'softmax', 'softplus',
  // -- convolution and pooling (issue 12) --
  'conv1d', 'avgPool2d', 'globalAvgPool2d',
  // -- end convolution and pooling --
] as const;

export const OPS = [...PRIMITIVE_OPS, ...COMPOSED_OPS] as const;
export type OpName = (typeof OPS)[number];

function isPrim(v: unknown): v is Prim<never> {
  return typeof v === 'object' && v !== null && typeof (v as Prim).prepare === 'function' && typeof (v as Prim).name === 'string';
}

/**
 * Every primitive the engine has, by name (derivative helpers such as 'sigmoid′' included), found
 * from the op modules' exports so the list cannot drift: the gradient and replay tables must
 * exercise each.
 */
export const PRIMS: ReadonlyMap<string, Prim<never>> = new Map(
  [elementwiseOps, reduceOps, shapeOps, matmulOps, softmaxOps, selectOps, pointwiseOps, layoutOps, gatherOps, /* issue 12: */ convOps, poolOps]
    .flatMap((m) => Object.values(m))
    .filter(isPrim)
    .map((p) => [p.name, p]),
);
