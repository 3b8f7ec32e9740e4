/**
 * Convolutional layers on NCHW tensors, with PyTorch's parameter names (`weight`
 * [outChannels, inChannels/groups, kh, kw], `bias` [outChannels]) and its default initialisation:
 * kaiming_uniform_(a = √5) for the weight and U(±1/√fanIn) for the bias, both of which come to
 * U(±1/√fanIn) with fanIn = inChannels/groups · kh · kw. Each forward is one engine op.
 */
import { Tensor, zeros } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import { ShapeError, ValueError, fmtShape } from '../tensor/errors.js';
import { avgPool2d, conv1d, conv2d, maxPool2d, reshape, type Pair, type Pool2dOptions } from '../ops/index.js';
import { poolArguments } from '../ops/pool.js';
import { Module } from './module.js';
import { uniform_ } from './init.js';

export interface ConvLayerOptions {
  /** Step between windows (default 1). */
  stride?: Pair;
  /** A number, [height, width], 'valid' (0, the default) or 'same'. */
  padding?: Pair | 'same' | 'valid';
  dilation?: Pair;
  /** Channel groups (default 1): inChannels and outChannels must both be multiples. */
  groups?: number;
  /** Include a bias (default true). */
  bias?: boolean;
  /** Seed for the initialiser, or an explicit generator. */
  seed?: number;
  random?: Random;
  dtype?: 'float32' | 'float64';
}

export interface Conv1dLayerOptions extends Omit<ConvLayerOptions, 'stride' | 'padding' | 'dilation'> {
  stride?: number;
  padding?: number | 'same' | 'valid';
  dilation?: number;
}

const OPTION_KEYS = ['stride', 'padding', 'dilation', 'groups', 'bias', 'seed', 'random', 'dtype'];

function wholeAtLeast1(layer: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ValueError(`${layer}: ${name} must be a whole number ≥ 1, got ${String(v)}`);
  return v;
}

/** The weight and bias of a convolution with this kernel, initialised as PyTorch does. */
function convParameters(layer: string, inChannels: number, outChannels: number, kernel: number[], options: ConvLayerOptions): { shape: number[]; fanIn: number; groups: number } {
  for (const k of Object.keys(options)) if (!OPTION_KEYS.includes(k)) throw new ValueError(`${layer}: unknown option '${k}' (known: ${OPTION_KEYS.join(', ')})`);
  wholeAtLeast1(layer, 'inChannels', inChannels);
  wholeAtLeast1(layer, 'outChannels', outChannels);
  kernel.forEach((k) => wholeAtLeast1(layer, 'kernelSize', k));
  const groups = wholeAtLeast1(layer, 'groups', options.groups ?? 1);
  if (inChannels % groups !== 0 || outChannels % groups !== 0) {
    throw new ValueError(`${layer}: groups (${groups}) must divide both inChannels (${inChannels}) and outChannels (${outChannels})`);
  }
  const shape = [outChannels, inChannels / groups, ...kernel];
  return { shape, fanIn: (inChannels / groups) * kernel.reduce((a, b) => a * b, 1), groups };
}

abstract class ConvBase extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(layer: string, readonly inChannels: number, readonly outChannels: number, kernel: number[], options: ConvLayerOptions) {
    super();
    const { shape, fanIn } = convParameters(layer, inChannels, outChannels, kernel, options);
    const random = options.random ?? new Random(options.seed ?? 0);
    const dtype = options.dtype ?? 'float32';
    const bound = 1 / Math.sqrt(fanIn);
    this.weight = this.registerParameter('weight', uniform_(zeros(shape, { dtype }), -bound, bound, random));
    this.bias = options.bias === false ? null : this.registerParameter('bias', uniform_(zeros([outChannels], { dtype }), -bound, bound, random));
  }

  /** The input's channel axis must match: said here with the layer's own description. */
  protected checkInput(x: Tensor, rank: number, layout: string, what: string): void {
    if (x.rank !== rank || x.shape[1] !== this.inChannels) {
      throw new ShapeError(`${what}: expected input of shape ${layout.replace('C', String(this.inChannels))}, got ${fmtShape(x.shape)}`);
    }
  }
}

/**
 * 2-D convolution layer, PyTorch's nn.Conv2d(inChannels, outChannels, kernelSize, stride, padding,
 * dilation, groups, bias).
 * @example new Conv2d(1, 16, 3, { padding: 'same', seed: 1 }).forward(x) // x [64, 1, 28, 28] → [64, 16, 28, 28]
 */
export class Conv2d extends ConvBase {
  readonly kernelSize: [number, number];

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, readonly options: ConvLayerOptions = {}) {
    const k: [number, number] = Array.isArray(kernelSize) ? [kernelSize[0], kernelSize[1]] : [kernelSize as number, kernelSize as number];
    super('Conv2d', inChannels, outChannels, k, options);
    this.kernelSize = k;
  }

  forward(x: Tensor): Tensor {
    this.checkInput(x, 4, '[batch, C, height, width]', `Conv2d(${this.inChannels} → ${this.outChannels}, ${this.kernelSize.join('×')})`);
    const { stride, padding, dilation, groups } = this.options;
    return conv2d(x, this.weight, this.bias, { stride, padding, dilation, groups });
  }
}

/**
 * 1-D convolution layer over [batch, channels, length], PyTorch's nn.Conv1d.
 * @example new Conv1d(8, 4, 5, { stride: 2 }).forward(x) // x [2, 8, 100] → [2, 4, 48]
 */
export class Conv1d extends ConvBase {
  constructor(inChannels: number, outChannels: number, readonly kernelSize: number, readonly options: Conv1dLayerOptions = {}) {
    super('Conv1d', inChannels, outChannels, [kernelSize], options as ConvLayerOptions);
  }

  forward(x: Tensor): Tensor {
    this.checkInput(x, 3, '[batch, C, length]', `Conv1d(${this.inChannels} → ${this.outChannels}, ${this.kernelSize})`);
    const { stride, padding, dilation, groups } = this.options;
    return conv1d(x, this.weight, this.bias, { stride, padding, dilation, groups });
  }
}

/** Max pooling, PyTorch's nn.MaxPool2d(kernelSize, stride = kernelSize, padding = 0). @example new MaxPool2d(2) */
export class MaxPool2d extends Module {
  constructor(readonly kernelSize: Pair, readonly options: Pool2dOptions = {}) {
    super();
    poolArguments('MaxPool2d', kernelSize, options); // checks the arguments now, not mid-training
  }

  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this.options);
  }
}

/** Average pooling with count_include_pad, PyTorch's nn.AvgPool2d defaults. @example new AvgPool2d(2) */
export class AvgPool2d extends Module {
  constructor(readonly kernelSize: Pair, readonly options: Pool2dOptions = {}) {
    super();
    poolArguments('AvgPool2d', kernelSize, options);
  }

  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this.options);
  }
}

/**
 * Flattens every axis from `startDim` (default 1, keeping the batch axis) into one, like
 * PyTorch's nn.Flatten: [batch, c, h, w] → [batch, c·h·w], ready for Dense.
 */
export class Flatten extends Module {
  constructor(readonly startDim = 1) {
    super();
    if (!Number.isInteger(startDim) || startDim < 0) throw new ValueError(`Flatten: startDim must be a whole number ≥ 0, got ${startDim}`);
  }

  forward(x: Tensor): Tensor {
    if (x.rank <= this.startDim) throw new ShapeError(`Flatten(startDim ${this.startDim}): input ${fmtShape(x.shape)} has no axis ${this.startDim} to flatten from`);
    return reshape(x, [...x.shape.slice(0, this.startDim), -1]);
  }
}
