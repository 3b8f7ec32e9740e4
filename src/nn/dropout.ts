/**
 * Dropout as a layer: the engine's `dropout` op (inverted scaling, counter-based seeded masks) while
 * training, the identity in evaluation (`eval()`), as PyTorch's nn.Dropout. Each call (each
 * compiled replay) draws a fresh mask key from the layer's own generator, so a seed makes the whole
 * sequence of masks reproducible, eager or compiled alike.
 */
import { Tensor } from '../tensor/tensor.js';
import { ValueError } from '../tensor/errors.js';
import { Random } from '../tensor/random.js';
import { dropout } from '../ops/index.js';
import { Module } from './module.js';

export interface DropoutLayerOptions {
  /** Seed of the masks: the same seed gives the same sequence of masks. Omitted: masks come from the default generator (manualSeed). */
  seed?: number;
}

/**
 * Zeroes each value with probability p while training and scales the rest by 1/(1 − p).
 * @example const drop = new Dropout(0.25, { seed: 1 }); drop.forward(x); drop.eval().forward(x) // x itself
 */
export class Dropout extends Module {
  private readonly random: Random | undefined;

  constructor(readonly p: number, readonly options: DropoutLayerOptions = {}) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p < 1)) throw new ValueError(`Dropout: p must be a probability in [0, 1), got ${String(p)}`);
    if (options === null || typeof options !== 'object') throw new ValueError('Dropout: options must be an object like { seed: 1 }');
    for (const k of Object.keys(options)) if (k !== 'seed') throw new ValueError(`Dropout: unknown option '${k}' (known: seed)`);
    if (options.seed !== undefined && !(Number.isInteger(options.seed) && options.seed >= 0 && options.seed <= 4294967295)) {
      throw new ValueError(`Dropout: seed must be a whole number from 0 to 4294967295, got ${String(options.seed)}`);
    }
    this.random = options.seed === undefined ? undefined : new Random(options.seed);
  }

  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    return dropout(x, this.p, this.random === undefined ? {} : { random: this.random });
  }
}
