/**
 * Optimizers by name, for Network.learn's and the CLI's `optimizer: 'adam'`. 'momentum' is SGD with
 * momentum 0.9 (overridable). Options use the classes' names (lr, not learningRate) and are checked by
 * the class, so a misspelt option fails the same way here as with `new SGD(...)`.
 */
import { ValueError } from '../tensor/errors.js';
import { Adagrad } from './adagrad.js';
import { Adam, AdamW } from './adam.js';
import { describe, type Optimizer, type Params } from './optimizer.js';
import { RMSProp } from './rmsprop.js';
import { SGD } from './sgd.js';

export const OPTIMIZER_NAMES = ['sgd', 'momentum', 'adam', 'adamw', 'rmsprop', 'adagrad'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/**
 * Makes the named optimizer (case-insensitive) over `params`.
 * @example const opt = optimizerByName('adam', net.parameters(), { lr: 0.01 })
 */
export function optimizerByName(name: string, params: Params, options: Record<string, unknown> = {}): Optimizer {
  const key = typeof name === 'string' ? name.toLowerCase() : name;
  switch (key as OptimizerName) {
    case 'sgd':
      return new SGD(params, options);
    case 'momentum':
      return new SGD(params, { momentum: 0.9, ...options });
    case 'adam':
      return new Adam(params, options);
    case 'adamw':
      return new AdamW(params, options);
    case 'rmsprop':
      return new RMSProp(params, options);
    case 'adagrad':
      return new Adagrad(params, options);
    default:
      throw new ValueError(`optimizerByName: unknown optimizer ${describe(name)} (known: ${OPTIMIZER_NAMES.join(', ')})`);
  }
}
