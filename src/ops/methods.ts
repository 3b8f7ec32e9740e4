/**
 * Every op as a method too (x.add(2).relu().sum()), attached to Tensor's prototype here so the
 * tensor layer itself depends on no op. TypeScript learns the methods through module augmentation.
 */
import { backward as backwardImpl } from '../autograd/graph.js';
import { Tensor, type TensorLike } from '../tensor/tensor.js';
import * as ops from './index.js';
import type { ReduceOptions } from './reduce.js';
import type { Conv1dOptions, Conv2dOptions, Pair } from './conv.js';
import type { Pool2dOptions } from './pool.js';

declare module '../tensor/tensor.js' {
  interface Tensor {
    add(b: TensorLike): Tensor;
    sub(b: TensorLike): Tensor;
    mul(b: TensorLike): Tensor;
    div(b: TensorLike): Tensor;
    pow(b: TensorLike): Tensor;
    neg(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    abs(): Tensor;
    sigmoid(): Tensor;
    tanh(): Tensor;
    relu(): Tensor;
    leakyRelu(alpha?: number): Tensor;
    step(): Tensor;
    clamp(min: number, max: number): Tensor;
    softmax(axis?: number): Tensor;
    logSoftmax(axis?: number): Tensor;
    matmul(b: Tensor): Tensor;
    sum(axis?: number | readonly number[], options?: ReduceOptions): Tensor;
    mean(axis?: number | readonly number[], options?: ReduceOptions): Tensor;
    max(axis?: number | readonly number[], options?: ReduceOptions): Tensor;
    transpose(axes?: readonly number[]): Tensor;
    transpose(dim0: number, dim1: number): Tensor;
    reshape(shape: readonly number[]): Tensor;
    broadcastTo(shape: readonly number[]): Tensor;
    // issue 12 ops (beyond the perceptron)
    permute(dims: readonly number[]): Tensor;
    maximum(b: TensorLike): Tensor;
    gelu(options?: { approximate?: 'none' | 'tanh' }): Tensor;
    elu(alpha?: number): Tensor;
    silu(): Tensor;
    softplus(): Tensor;
    dropout(p: number, options?: ops.DropoutOptions): Tensor;
    slice(begin: readonly number[], size?: readonly number[]): Tensor;
    narrow(dim: number, start: number, length: number): Tensor;
    /** Rows of this table ([rows, dim]) picked by indices. */
    embedding(indices: Tensor): Tensor;
    // -- convolution and pooling (issue 12) --
    conv2d(weight: Tensor, bias?: Tensor | null | Conv2dOptions, options?: Conv2dOptions): Tensor;
    conv1d(weight: Tensor, bias?: Tensor | null | Conv1dOptions, options?: Conv1dOptions): Tensor;
    maxPool2d(kernel: Pair, options?: Pool2dOptions): Tensor;
    avgPool2d(kernel: Pair, options?: Pool2dOptions): Tensor;
    globalAvgPool2d(options?: ReduceOptions): Tensor;
    // -- end convolution and pooling --
    /** Back-propagates from this tensor (a scalar, or pass the upstream gradient). */
    backward(gradient?: Tensor): void;
  }
}

const p = Tensor.prototype;
p.add = function (b) { return ops.add(this, b); };
p.sub = function (b) { return ops.sub(this, b); };
p.mul = function (b) { return ops.mul(this, b); };
p.div = function (b) { return ops.div(this, b); };
p.pow = function (b) { return ops.pow(this, b); };
p.neg = function () { return ops.neg(this); };
p.exp = function () { return ops.exp(this); };
p.log = function () { return ops.log(this); };
p.sqrt = function () { return ops.sqrt(this); };
p.abs = function () { return ops.abs(this); };
p.sigmoid = function () { return ops.sigmoid(this); };
p.tanh = function () { return ops.tanh(this); };
p.relu = function () { return ops.relu(this); };
p.leakyRelu = function (alpha) { return ops.leakyRelu(this, alpha); };
p.step = function () { return ops.step(this); };
p.clamp = function (min, max) { return ops.clamp(this, min, max); };
p.softmax = function (axis) { return ops.softmax(this, axis); };
p.logSoftmax = function (axis) { return ops.logSoftmax(this, axis); };
p.matmul = function (b) { return ops.matmul(this, b); };
p.sum = function (axis, options) { return ops.sum(this, axis, options); };
p.mean = function (axis, options) { return ops.mean(this, axis, options); };
p.max = function (axis, options) { return ops.max(this, axis, options); };
p.transpose = function (axes?: readonly number[] | number, dim1?: number) { return ops.transpose(this, axes, dim1); };
p.reshape = function (shape) { return ops.reshape(this, shape); };
p.broadcastTo = function (shape) { return ops.broadcastTo(this, shape); };
// issue 12 ops (beyond the perceptron); where and concat are functions only (no natural receiver)
p.permute = function (dims) { return ops.permute(this, dims); };
p.maximum = function (b) { return ops.maximum(this, b); };
p.gelu = function (options) { return ops.gelu(this, options); };
p.elu = function (alpha) { return ops.elu(this, alpha); };
p.silu = function () { return ops.silu(this); };
p.softplus = function () { return ops.softplus(this); };
p.dropout = function (pr, options) { return ops.dropout(this, pr, options); };
p.slice = function (begin, size) { return ops.slice(this, begin, size); };
p.narrow = function (dim, start, length) { return ops.narrow(this, dim, start, length); };
p.embedding = function (indices) { return ops.embedding(indices, this); };
// -- convolution and pooling (issue 12) --
p.conv2d = function (weight, bias, options) { return ops.conv2d(this, weight, bias, options); };
p.conv1d = function (weight, bias, options) { return ops.conv1d(this, weight, bias, options); };
p.maxPool2d = function (kernel, options) { return ops.maxPool2d(this, kernel, options); };
p.avgPool2d = function (kernel, options) { return ops.avgPool2d(this, kernel, options); };
p.globalAvgPool2d = function (options) { return ops.globalAvgPool2d(this, options); };
// -- end convolution and pooling --
p.backward = function (gradient) { backwardImpl(this, gradient); };
