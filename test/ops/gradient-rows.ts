/**
 * The gradient table's rows: every op, with inputs drawn where central differences are meaningful.
 * Shared by the gradient checks (test/ops/gradients.test.ts) and the compiled-replay checks
 * (test/compile/jit.test.ts), so a row added here is checked both ways.
 */
import * as ops from '../../src/ops/index.js';
import { Random, Tensor } from '../../src/index.js';

/**
 * Where an input's values are drawn from. Kinks (relu, abs, step, clamp at its bounds) and ties (max)
 * make central differences meaningless, so those rows keep their inputs away from them.
 */
export type Domain =
  | 'any' // uniform in [-2, 2]
  | 'positive' // uniform in [0.5, 2]: log, sqrt, the base of pow with a tensor exponent, a divisor
  | 'awayFromZero' // ±[0.2, 2]: relu, abs, step, leakyRelu
  | 'distinct'; // a shuffled grid with spacing 0.25: max (no ties within ε)

export interface Row {
  op: string;
  /** What the row exercises, shown in the test name. */
  note: string;
  shapes: number[][];
  domain?: Domain | Domain[];
  fn: (...xs: Tensor[]) => Tensor;
  /** gradcheck options where the defaults do not fit (cast rounds through float32). */
  options?: { eps?: number; atol?: number; rtol?: number };
}

export const rows: Row[] = [
  // Element-wise binary ops: same shape, scalar either side, and NumPy broadcasting both ways.
  { op: 'add', note: 'same shape', shapes: [[2, 3], [2, 3]], fn: (a, b) => ops.add(a, b) },
  { op: 'add', note: 'row vector broadcast', shapes: [[2, 3], [3]], fn: (a, b) => ops.add(a, b) },
  { op: 'add', note: '[2,1] + [1,3] broadcast both', shapes: [[2, 1], [1, 3]], fn: (a, b) => ops.add(a, b) },
  { op: 'add', note: '[4,1,3] + [2,1] rank mismatch', shapes: [[4, 1, 3], [2, 1]], fn: (a, b) => ops.add(a, b) },
  { op: 'add', note: 'scalar tensor + matrix', shapes: [[], [2, 3]], fn: (a, b) => ops.add(a, b) },
  { op: 'add', note: 'number operand', shapes: [[3]], fn: (a) => ops.add(a, 1.5) },
  { op: 'sub', note: 'same shape', shapes: [[2, 3], [2, 3]], fn: (a, b) => ops.sub(a, b) },
  { op: 'sub', note: '[3,1] - [4] broadcast', shapes: [[3, 1], [4]], fn: (a, b) => ops.sub(a, b) },
  { op: 'sub', note: 'number minus tensor', shapes: [[2, 2]], fn: (a) => ops.sub(1, a) },
  { op: 'mul', note: 'same shape', shapes: [[2, 3], [2, 3]], fn: (a, b) => ops.mul(a, b) },
  { op: 'mul', note: '[2,3,1] * [3,4] broadcast', shapes: [[2, 3, 1], [3, 4]], fn: (a, b) => ops.mul(a, b) },
  { op: 'mul', note: 'column [3,1] * [1]', shapes: [[3, 1], [1]], fn: (a, b) => ops.mul(a, b) },
  { op: 'mul', note: 'fan-out a*a', shapes: [[4]], fn: (a) => ops.mul(a, a) },
  { op: 'div', note: 'same shape', shapes: [[2, 3], [2, 3]], domain: ['any', 'positive'], fn: (a, b) => ops.div(a, b) },
  { op: 'div', note: '[2,3] / [2,1] broadcast', shapes: [[2, 3], [2, 1]], domain: ['any', 'positive'], fn: (a, b) => ops.div(a, b) },
  { op: 'div', note: 'number / tensor', shapes: [[3]], domain: 'positive', fn: (a) => ops.div(2, a) },
  { op: 'pow', note: 'tensor ** 3', shapes: [[2, 3]], fn: (a) => ops.pow(a, 3) },
  { op: 'pow', note: 'tensor ** tensor', shapes: [[2, 3], [2, 3]], domain: ['positive', 'any'], fn: (a, b) => ops.pow(a, b) },
  { op: 'pow', note: '[2,3] ** [3] broadcast exponent', shapes: [[2, 3], [3]], domain: ['positive', 'any'], fn: (a, b) => ops.pow(a, b) },
  { op: 'pow', note: 'number ** tensor', shapes: [[4]], fn: (a) => ops.pow(1.7, a) },

  // Element-wise unary ops.
  { op: 'neg', note: 'matrix', shapes: [[2, 3]], fn: (a) => ops.neg(a) },
  { op: 'exp', note: 'matrix', shapes: [[2, 3]], fn: (a) => ops.exp(a) },
  { op: 'log', note: 'positive inputs', shapes: [[2, 3]], domain: 'positive', fn: (a) => ops.log(a) },
  { op: 'sqrt', note: 'positive inputs', shapes: [[2, 3]], domain: 'positive', fn: (a) => ops.sqrt(a) },
  { op: 'abs', note: 'both signs', shapes: [[2, 3]], domain: 'awayFromZero', fn: (a) => ops.abs(a) },
  { op: 'sigmoid', note: 'matrix', shapes: [[2, 3]], fn: (a) => ops.sigmoid(a) },
  { op: 'sigmoid', note: 'large |x| (the stable branches)', shapes: [[4]], fn: (a) => ops.sigmoid(ops.mul(a, 6)) },
  { op: 'tanh', note: 'matrix', shapes: [[2, 3]], fn: (a) => ops.tanh(a) },
  { op: 'relu', note: 'both signs', shapes: [[2, 3]], domain: 'awayFromZero', fn: (a) => ops.relu(a) },
  { op: 'leakyRelu', note: 'default alpha', shapes: [[2, 3]], domain: 'awayFromZero', fn: (a) => ops.leakyRelu(a) },
  { op: 'leakyRelu', note: 'alpha 0.3', shapes: [[2, 3]], domain: 'awayFromZero', fn: (a) => ops.leakyRelu(a, 0.3) },
  { op: 'step', note: 'zero gradient away from 0', shapes: [[2, 3]], domain: 'awayFromZero', fn: (a) => ops.step(a) },
  // Values in ±[0.2, 2] land both inside ±1.1 and beyond it; the seeded draws stay clear of the bounds.
  { op: 'clamp', note: 'inside and clipped', shapes: [[2, 4]], domain: 'awayFromZero', fn: (a) => ops.clamp(a, -1.1, 1.1) },

  // Reductions over each axis, several axes and all, with and without keepDims.
  { op: 'sum', note: 'all', shapes: [[2, 3, 4]], fn: (a) => ops.sum(a) },
  { op: 'sum', note: 'axis 0', shapes: [[2, 3, 4]], fn: (a) => ops.sum(a, 0) },
  { op: 'sum', note: 'axis 1', shapes: [[2, 3, 4]], fn: (a) => ops.sum(a, 1) },
  { op: 'sum', note: 'axis 2', shapes: [[2, 3, 4]], fn: (a) => ops.sum(a, 2) },
  { op: 'sum', note: 'axis -1 keepDims', shapes: [[2, 3, 4]], fn: (a) => ops.sum(a, -1, { keepDims: true }) },
  { op: 'sum', note: 'axes [0, 2]', shapes: [[2, 3, 4]], fn: (a) => ops.sum(a, [0, 2]) },
  { op: 'sum', note: 'axes [0, 1] keepDims', shapes: [[2, 3, 4]], fn: (a) => ops.sum(a, [0, 1], { keepDims: true }) },
  { op: 'mean', note: 'all', shapes: [[3, 4]], fn: (a) => ops.mean(a) },
  { op: 'mean', note: 'axis 0', shapes: [[2, 3, 4]], fn: (a) => ops.mean(a, 0) },
  { op: 'mean', note: 'axis 1', shapes: [[2, 3, 4]], fn: (a) => ops.mean(a, 1) },
  { op: 'mean', note: 'axis 2 keepDims', shapes: [[2, 3, 4]], fn: (a) => ops.mean(a, 2, { keepDims: true }) },
  { op: 'max', note: 'all', shapes: [[3, 4]], domain: 'distinct', fn: (a) => ops.max(a) },
  { op: 'max', note: 'axis 0', shapes: [[2, 3, 4]], domain: 'distinct', fn: (a) => ops.max(a, 0) },
  { op: 'max', note: 'axis 1', shapes: [[2, 3, 4]], domain: 'distinct', fn: (a) => ops.max(a, 1) },
  { op: 'max', note: 'axis 2 keepDims', shapes: [[2, 3, 4]], domain: 'distinct', fn: (a) => ops.max(a, 2, { keepDims: true }) },
  { op: 'max', note: 'axes [0, 2]', shapes: [[2, 3, 4]], domain: 'distinct', fn: (a) => ops.max(a, [0, 2]) },
  { op: 'broadcastTo', note: '[3] to [2,3]', shapes: [[3]], fn: (a) => ops.broadcastTo(a, [2, 3]) },
  { op: 'broadcastTo', note: '[2,1,3] to [4,2,5,3]', shapes: [[2, 1, 3]], fn: (a) => ops.broadcastTo(a, [4, 2, 5, 3]) },
  // Regression: sumToShape used to drop its result off the graph (an unrecorded reshape).
  { op: 'sumToShape', note: '[4,2,3] down to [2,1]', shapes: [[4, 2, 3]], fn: (a) => ops.sumToShape(a, [2, 1]) },

  // Softmax family along every axis.
  { op: 'softmax', note: 'last axis', shapes: [[3, 4]], fn: (a) => ops.softmax(a) },
  { op: 'softmax', note: 'axis 0', shapes: [[3, 4]], fn: (a) => ops.softmax(a, 0) },
  { op: 'softmax', note: 'middle axis of 3-D', shapes: [[2, 3, 4]], fn: (a) => ops.softmax(a, 1) },
  { op: 'logSoftmax', note: 'last axis', shapes: [[3, 4]], fn: (a) => ops.logSoftmax(a) },
  { op: 'logSoftmax', note: 'axis 0', shapes: [[3, 4]], fn: (a) => ops.logSoftmax(a, 0) },
  { op: 'logSoftmax', note: 'middle axis of 3-D', shapes: [[2, 3, 4]], fn: (a) => ops.logSoftmax(a, 1) },
  { op: 'logSoftmax', note: 'vector', shapes: [[5]], fn: (a) => ops.logSoftmax(a) },

  // Shape ops and matrix products.
  { op: 'reshape', note: '[2,3] to [3,2]', shapes: [[2, 3]], fn: (a) => ops.reshape(a, [3, 2]) },
  { op: 'reshape', note: '[2,3,4] to [-1, 4] then scaled', shapes: [[2, 3, 4]], fn: (a) => ops.mul(ops.reshape(a, [-1, 4]), ops.reshape(a, [6, 4])) },
  { op: 'transpose', note: '2-D', shapes: [[2, 3]], fn: (a) => ops.transpose(a) },
  { op: 'transpose', note: '3-D reversed', shapes: [[2, 3, 4]], fn: (a) => ops.transpose(a) },
  { op: 'transpose', note: '3-D [1, 0, 2]', shapes: [[2, 3, 4]], fn: (a) => ops.transpose(a, [1, 0, 2]) },
  { op: 'transpose', note: '3-D [2, 0, 1]', shapes: [[2, 3, 4]], fn: (a) => ops.transpose(a, [2, 0, 1]) },
  { op: 'matmul', note: '[3,4]·[4,5]', shapes: [[3, 4], [4, 5]], fn: (a, b) => ops.matmul(a, b) },
  { op: 'matmul', note: 'row · column', shapes: [[1, 7], [7, 1]], fn: (a, b) => ops.matmul(a, b) },
  { op: 'matmul', note: 'outer product [5,1]·[1,3]', shapes: [[5, 1], [1, 3]], fn: (a, b) => ops.matmul(a, b) },
  { op: 'matmul', note: 'a·a fan-out into both operands', shapes: [[3, 3]], fn: (a) => ops.matmul(a, a) },
  { op: 'linear', note: 'x·Wᵀ + b', shapes: [[3, 4], [5, 4], [5]], fn: (x, w, b) => ops.linear(x, w, b) },
  { op: 'linear', note: 'no bias', shapes: [[2, 3], [4, 3]], fn: (x, w) => ops.linear(x, w) },

  // Conversions: one-hot rows from class indices (no gradient into the indices), and dtype casts
  // (a float32 round trip: a wide finite-difference step, since float32 rounds every 1e-7).
  { op: 'oneHot', note: 'class indices as rows, times a matrix', shapes: [[3, 3]], fn: (a) => ops.mul(ops.oneHot(new Tensor(new Float64Array([2, 0, 1]), [3]), 3), a) },
  { op: 'cast', note: 'float64 → float32 → float64', shapes: [[2, 3]], options: { eps: 1e-2, atol: 1e-4, rtol: 1e-3 }, fn: (a) => ops.mul(a, ops.cast(ops.cast(a, 'float32'), 'float64')) },

  // ---- issue 12 ops (beyond the perceptron) ----
  // Batched matmul: equal batches, broadcast batch axes (the gradient summed over them), a 2-D
  // operand against a batch on either side, and one operand feeding both sides.
  { op: 'matmul', note: 'batch [2]: [2,3,4]·[2,4,5]', shapes: [[2, 3, 4], [2, 4, 5]], fn: (a, b) => ops.matmul(a, b) },
  { op: 'matmul', note: 'broadcast batch [2,1]·[3]: [2,1,3,4]·[3,4,2]', shapes: [[2, 1, 3, 4], [3, 4, 2]], fn: (a, b) => ops.matmul(a, b) },
  { op: 'matmul', note: '2-D · batch: [3,4]·[2,4,5]', shapes: [[3, 4], [2, 4, 5]], fn: (a, b) => ops.matmul(a, b) },
  { op: 'matmul', note: 'batch · 2-D: [2,3,4]·[4,2]', shapes: [[2, 3, 4], [4, 2]], fn: (a, b) => ops.matmul(a, b) },
  { op: 'matmul', note: 'batched a·a fan-out [2,3,3]', shapes: [[2, 3, 3]], fn: (a) => ops.matmul(a, a) },
  { op: 'matmul', note: 'batched a·aᵀ via transpose(-1, -2)', shapes: [[2, 3, 4]], fn: (a) => ops.matmul(a, ops.transpose(a, -1, -2)) },
  // Two-axis transpose and permute.
  { op: 'transpose', note: 'swap axes 0 and 2 of 3-D', shapes: [[2, 3, 4]], fn: (a) => ops.transpose(a, 0, 2) },
  { op: 'transpose', note: 'swap axes 1 and -1 of 4-D', shapes: [[2, 3, 2, 4]], fn: (a) => ops.transpose(a, 1, -1) },
  { op: 'permute', note: '3-D [2, 0, 1]', shapes: [[2, 3, 4]], fn: (a) => ops.permute(a, [2, 0, 1]) },
  { op: 'permute', note: '4-D [0, 2, -1, 1]', shapes: [[2, 3, 2, 4]], fn: (a) => ops.permute(a, [0, 2, -1, 1]) },
  // Slices along every axis, size -1 (to the end), axes left out (taken whole); narrow with a negative start.
  { op: 'slice', note: 'axis 0 of 3-D', shapes: [[4, 3, 2]], fn: (a) => ops.slice(a, [1], [2]) },
  { op: 'slice', note: 'axis 1 to the end', shapes: [[4, 3, 2]], fn: (a) => ops.slice(a, [0, 1], [-1, -1]) },
  { op: 'slice', note: 'axis 2, a box of all three axes', shapes: [[4, 3, 5]], fn: (a) => ops.slice(a, [1, 0, 2], [2, 2, 3]) },
  { op: 'slice', note: 'overlapping slices of one tensor multiplied', shapes: [[5, 2]], fn: (a) => ops.mul(ops.slice(a, [0], [3]), ops.slice(a, [2], [3])) },
  { op: 'narrow', note: 'axis 0', shapes: [[4, 3]], fn: (a) => ops.narrow(a, 0, 1, 2) },
  { op: 'narrow', note: 'axis 1 of 3-D', shapes: [[2, 5, 3]], fn: (a) => ops.narrow(a, 1, 2, 3) },
  { op: 'narrow', note: 'last axis, negative start', shapes: [[2, 3, 4]], fn: (a) => ops.narrow(a, -1, -3, 2) },
  // Concat along every axis, negative axis, three tensors, an input used twice.
  { op: 'concat', note: 'axis 0, sizes 2 and 3', shapes: [[2, 3], [3, 3]], fn: (a, b) => ops.concat([a, b], 0) },
  { op: 'concat', note: 'axis 1 of 3-D', shapes: [[2, 1, 3], [2, 2, 3]], fn: (a, b) => ops.concat([a, b], 1) },
  { op: 'concat', note: 'axis -1, three tensors', shapes: [[2, 2], [2, 1], [2, 3]], fn: (a, b, c) => ops.concat([a, b, c], -1) },
  { op: 'concat', note: 'axis 2 of 3-D, one tensor twice', shapes: [[2, 3, 2]], fn: (a) => ops.concat([a, ops.exp(a)], 2) },
  // where with broadcasting among all three operands, and numbers for a branch.
  { op: 'where', note: 'same shapes', shapes: [[2, 3], [2, 3]], fn: (a, b) => ops.where(new Tensor(new Float64Array([1, 0, 1, 0, 0, 1]), [2, 3]), a, b) },
  { op: 'where', note: 'cond [2,1], a [2,3], b [3] broadcast', shapes: [[2, 3], [3]], fn: (a, b) => ops.where(new Tensor(new Float64Array([1, 0]), [2, 1]), a, b) },
  { op: 'where', note: 'cond [3] against a [2,3], number b', shapes: [[2, 3]], fn: (a) => ops.where(new Tensor(new Float64Array([0, 1, 1]), [3]), a, -1) },
  { op: 'where', note: 'cond from a comparison (step)', shapes: [[2, 4], [2, 4]], domain: ['awayFromZero', 'any'], fn: (a, b) => ops.where(ops.step(a), ops.mul(a, b), b) },
  // maximum: broadcasting both ways, and an exact tie (a with itself: ½ + ½ of the gradient).
  { op: 'maximum', note: 'same shape', shapes: [[2, 3], [2, 3]], fn: (a, b) => ops.maximum(a, b) },
  { op: 'maximum', note: '[3,1] and [1,4] broadcast', shapes: [[3, 1], [1, 4]], fn: (a, b) => ops.maximum(a, ops.mul(b, 0.5)) },
  { op: 'maximum', note: 'number operand', shapes: [[2, 3]], fn: (a) => ops.maximum(a, 0.3) },
  { op: 'maximum', note: 'ties: maximum(a, a) splits the gradient', shapes: [[2, 3]], fn: (a) => ops.maximum(a, a) },
  // The new activations.
  { op: 'gelu', note: 'exact (erf)', shapes: [[2, 4]], fn: (a) => ops.gelu(ops.mul(a, 2)) },
  { op: 'gelu', note: 'tanh approximation', shapes: [[2, 4]], fn: (a) => ops.gelu(ops.mul(a, 2), { approximate: 'tanh' }) },
  { op: 'elu', note: 'alpha 1', shapes: [[2, 3]], domain: 'awayFromZero', fn: (a) => ops.elu(a) },
  { op: 'elu', note: 'alpha 0.5', shapes: [[2, 3]], domain: 'awayFromZero', fn: (a) => ops.elu(a, 0.5) },
  { op: 'softplus', note: 'both signs, large |x| (no overflow)', shapes: [[2, 4]], fn: (a) => ops.softplus(ops.mul(a, 20)) },
  { op: 'silu', note: 'matrix, large |x| too', shapes: [[2, 4]], fn: (a) => ops.silu(ops.mul(a, 5)) },
  // Dropout: seeded masks (the same every call), and the identity when not training.
  { op: 'dropout', note: 'p 0.5 seeded', shapes: [[4, 5]], fn: (a) => ops.dropout(a, 0.5, { seed: 3 }) },
  { op: 'dropout', note: 'p 0.2 seeded, 3-D', shapes: [[2, 3, 4]], fn: (a) => ops.dropout(a, 0.2, { seed: 12345678901 }) },
  { op: 'dropout', note: 'not training: identity', shapes: [[2, 3]], fn: (a) => ops.mul(ops.dropout(a, 0.5, { training: false }), 2) },
  // Embedding: repeated indices (gradients summed into a row), indices of rank 2.
  { op: 'embedding', note: 'indices [5] with repeats', shapes: [[4, 3]], fn: (t) => ops.embedding(new Tensor(new Float64Array([2, 0, 2, 3, 2]), [5]), t) },
  { op: 'embedding', note: 'indices [2,3] into a [4,2] table', shapes: [[4, 2]], fn: (t) => ops.embedding(new Tensor(new Float64Array([1, 0, 3, 3, 2, 0]), [2, 3]), t) },
  { op: 'embedding', note: 'twice: the gradient of the gradient path (table used by both)', shapes: [[3, 2]], fn: (t) => ops.mul(ops.embedding(new Tensor(new Float64Array([0, 2]), [2]), t), ops.embedding(new Tensor(new Float64Array([2, 1]), [2]), t)) },
  // -- convolution and pooling (issue 12): input and weight gradients (conv2dInputGrad and
  // conv2dWeightGrad run in every conv row's backward), strides, paddings, dilation, groups, odd sizes.
  { op: 'conv2d', note: 'valid 3×3', shapes: [[2, 3, 5, 5], [4, 3, 3, 3]], fn: (x, w) => ops.conv2d(x, w) },
  { op: 'conv2d', note: 'stride 2, padding 1, odd sizes, 3×2 kernel', shapes: [[1, 2, 5, 7], [3, 2, 3, 2]], fn: (x, w) => ops.conv2d(x, w, { stride: 2, padding: 1 }) },
  { op: 'conv2d', note: 'dilation 2, stride [1, 2], padding [2, 0]', shapes: [[1, 2, 7, 6], [2, 2, 2, 3]], fn: (x, w) => ops.conv2d(x, w, { dilation: 2, stride: [1, 2], padding: [2, 0] }) },
  { op: 'conv2d', note: 'groups 2 with bias', shapes: [[2, 4, 5, 4], [6, 2, 3, 3], [6]], fn: (x, w, b) => ops.conv2d(x, w, b, { groups: 2, padding: [1, 0] }) },
  { op: 'conv2d', note: "depthwise (groups = channels), 'same' with an even kernel", shapes: [[1, 3, 4, 5], [3, 1, 2, 2]], fn: (x, w) => ops.conv2d(x, w, { groups: 3, padding: 'same' }) },
  { op: 'conv2d', note: 'stride 3 past the edge, dilation [2, 1], groups 2, 1×1 rows', shapes: [[2, 2, 8, 7], [4, 1, 2, 1]], fn: (x, w) => ops.conv2d(x, w, { stride: 3, dilation: [2, 1], groups: 2, padding: 1 }) },
  { op: 'conv2d', note: 'x feeds both operands (fan-out)', shapes: [[1, 1, 3, 3]], fn: (x) => ops.conv2d(x, x, { padding: 1 }) },
  { op: 'conv1d', note: 'stride 2, padding 1, dilation 2, groups 2, bias', shapes: [[2, 4, 9], [6, 2, 3], [6]], fn: (x, w, b) => ops.conv1d(x, w, b, { stride: 2, padding: 1, dilation: 2, groups: 2 }) },
  { op: 'conv1d', note: "'same', even kernel", shapes: [[1, 2, 6], [3, 2, 4]], fn: (x, w) => ops.conv1d(x, w, { padding: 'same' }) },
  { op: 'maxPool2d', note: '2×2, odd size', shapes: [[2, 2, 5, 5]], domain: 'distinct', fn: (x) => ops.maxPool2d(x, 2) },
  { op: 'maxPool2d', note: '3×3 stride 2 padding 1', shapes: [[1, 2, 7, 6]], domain: 'distinct', fn: (x) => ops.maxPool2d(x, 3, { stride: 2, padding: 1 }) },
  { op: 'maxPool2d', note: '[2, 3] kernel, stride [1, 2], overlapping windows', shapes: [[1, 1, 4, 7]], domain: 'distinct', fn: (x) => ops.maxPool2d(x, [2, 3], { stride: [1, 2] }) },
  { op: 'avgPool2d', note: '2×2, odd size', shapes: [[2, 2, 5, 5]], fn: (x) => ops.avgPool2d(x, 2) },
  { op: 'avgPool2d', note: '3×3 stride 2 padding 1 (count_include_pad)', shapes: [[1, 2, 7, 6]], fn: (x) => ops.avgPool2d(x, 3, { stride: 2, padding: 1 }) },
  { op: 'globalAvgPool2d', note: 'per-channel mean', shapes: [[2, 3, 4, 5]], fn: (x) => ops.globalAvgPool2d(x) },
  { op: 'globalAvgPool2d', note: 'keepDims', shapes: [[1, 2, 3, 3]], fn: (x) => ops.globalAvgPool2d(x, { keepDims: true }) },
  // -- end convolution and pooling --
];

export function sample(shape: number[], domain: Domain, rng: Random): Tensor {
  const size = shape.reduce((p, d) => p * d, 1);
  const data = new Float64Array(size);
  if (domain === 'distinct') {
    for (let i = 0; i < size; i++) data[i] = (i - size / 2) * 0.25;
    rng.shuffle(data);
    return new Tensor(data, shape);
  }
  for (let i = 0; i < size; i++) {
    if (domain === 'any') data[i] = rng.range(-2, 2);
    else if (domain === 'positive') data[i] = rng.range(0.5, 2);
    else data[i] = rng.range(0.2, 2) * (rng.uniform() < 0.5 ? -1 : 1);
  }
  return new Tensor(data, shape);
}

