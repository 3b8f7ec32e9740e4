/**
 * Weight initialisers, in place, driven by a seeded Random so the same seed gives the same network.
 * fanIn/fanOut follow PyTorch for a [out, in] weight: fanIn = in, fanOut = out.
 */
import type { Tensor } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import { ValueError } from '../tensor/errors.js';
import type { InitName } from '../spec/index.js';

function fans(t: Tensor): [number, number] {
  if (t.rank < 2) return [t.size, t.size];
  return [t.shape[1], t.shape[0]];
}

/** @example zeros_(layer.bias) */
export function zeros_(t: Tensor): Tensor {
  t.data.fill(0);
  return t;
}

export function constant_(t: Tensor, value: number): Tensor {
  t.data.fill(value);
  return t;
}

/** Uniform in [low, high). */
export function uniform_(t: Tensor, low: number, high: number, random: Random): Tensor {
  for (let i = 0; i < t.size; i++) t.data[i] = random.range(low, high);
  return t;
}

export function normal_(t: Tensor, mean: number, std: number, random: Random): Tensor {
  for (let i = 0; i < t.size; i++) t.data[i] = mean + std * random.normal();
  return t;
}

/** Glorot/Xavier uniform: ±√(6 / (fanIn + fanOut)); keeps sigmoid/tanh activations' variance steady. */
export function xavierUniform_(t: Tensor, random: Random): Tensor {
  const [fanIn, fanOut] = fans(t);
  const a = Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -a, a, random);
}

/** He/Kaiming normal: std √(2 / fanIn); the right scale for ReLU layers. */
export function heNormal_(t: Tensor, random: Random): Tensor {
  const [fanIn] = fans(t);
  return normal_(t, 0, Math.sqrt(2 / fanIn), random);
}

/**
 * Initialises a weight tensor by name. 'uniform' is PyTorch's Linear default, ±1/√fanIn;
 * 'normal' is N(0, 1/fanIn), the same scale as 'uniform'.
 */
export function initWeight(t: Tensor, name: InitName, random: Random, value = 0): Tensor {
  const [fanIn] = fans(t);
  switch (name) {
    case 'zeros': return zeros_(t);
    case 'constant': return constant_(t, value);
    case 'uniform': return uniform_(t, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn), random);
    case 'normal': return normal_(t, 0, 1 / Math.sqrt(fanIn), random);
    case 'xavier':
    case 'glorot': return xavierUniform_(t, random);
    case 'he': return heNormal_(t, random);
    default:
      throw new ValueError(`unknown initialiser '${String(name)}' (known: zeros, constant, uniform, normal, xavier, glorot, he)`);
  }
}
