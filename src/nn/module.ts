/**
 * Module: the base of every layer. It keeps named parameters, named buffers (non-trainable state
 * such as BatchNorm's running statistics) and named child modules, and derives from them
 * parameters(), namedParameters() (dotted keys, like PyTorch's `layers.0.weight`), namedBuffers(),
 * stateDict()/loadStateDict() (parameters and buffers, in PyTorch's order) and the train()/eval()
 * mode. Subclasses write only forward().
 */
import { Tensor } from '../tensor/tensor.js';
import { ShapeError, ValueError, fmtShape } from '../tensor/errors.js';
import { sameShape } from '../tensor/shape.js';

export type StateDict = Record<string, Tensor>;

export abstract class Module {
  /** True while training (the default); eval() sets it false. */
  training = true;
  private readonly params = new Map<string, Tensor>();
  private readonly buffers = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  abstract forward(x: Tensor): Tensor;

  protected registerParameter(name: string, t: Tensor): Tensor {
    t.requiresGrad = true;
    t.name = name;
    this.params.set(name, t);
    return t;
  }

  /**
   * Registers non-trainable state (no gradient, not in parameters()) that stateDict() and
   * loadStateDict() carry under its dotted name, as PyTorch's register_buffer. The layer updates it
   * in place (loadStateDict copies into the same storage), so compiled replays see it.
   * @example this.runningMean = this.registerBuffer('running_mean', zeros([numFeatures]));
   */
  protected registerBuffer(name: string, t: Tensor): Tensor {
    if (this.params.has(name) || this.buffers.has(name) || this.children.has(name)) {
      throw new ValueError(`registerBuffer: '${name}' is already the name of a parameter, buffer or child module of this module; pick another name`);
    }
    t.requiresGrad = false;
    t.name = name;
    this.buffers.set(name, t);
    return t;
  }

  protected registerModule<M extends Module>(name: string, m: M): M {
    this.children.set(name, m);
    return m;
  }

  /** [dotted name, tensor] for every parameter, this module's first, then each child's. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, t] of this.params) out.push([prefix + n, t]);
    for (const [n, m] of this.children) out.push(...m.namedParameters(`${prefix}${n}.`));
    return out;
  }

  /**
   * [dotted name, tensor] for every buffer, this module's first, then each child's.
   * @example new BatchNorm1d(4).namedBuffers().map(([n]) => n) // ['running_mean', 'running_var', 'num_batches_tracked']
   */
  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, t] of this.buffers) out.push([prefix + n, t]);
    for (const [n, m] of this.children) out.push(...m.namedBuffers(`${prefix}${n}.`));
    return out;
  }

  /**
   * Parameters and buffers by dotted name, in PyTorch's state_dict order: each module's own
   * parameters, then its own buffers, then each child's in turn.
   */
  private namedState(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, t] of this.params) out.push([prefix + n, t]);
    for (const [n, t] of this.buffers) out.push([prefix + n, t]);
    for (const [n, m] of this.children) out.push(...m.namedState(`${prefix}${n}.`));
    return out;
  }

  /** @example new optim.SGD(model.parameters(), { lr: 0.1 }) */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix.replace(/\.$/, ''), this]];
    for (const [n, m] of this.children) out.push(...m.namedModules(`${prefix}${n}.`));
    return out;
  }

  /**
   * Copies of every parameter and buffer, by dotted name (`0.weight`, `1.running_mean`).
   * @example const saved = model.stateDict(); model.loadStateDict(saved);
   */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [n, t] of this.namedState()) out[n] = t.clone();
    return out;
  }

  /**
   * Copies values in (parameters and buffers) by dotted name; names and shapes must match exactly
   * (strict, like PyTorch's default). The tensors keep their storage, so compiled steps see the values.
   */
  loadStateDict(state: StateDict): void {
    const own = new Map(this.namedState());
    for (const key of Object.keys(state)) {
      if (!own.has(key)) throw new ValueError(`loadStateDict: unexpected key '${key}' (expected: ${[...own.keys()].join(', ')})`);
    }
    for (const [key, t] of own) {
      const src = state[key];
      if (!src) throw new ValueError(`loadStateDict: missing key '${key}'`);
      if (!sameShape(src.shape, t.shape)) {
        throw new ShapeError(`loadStateDict: '${key}' has shape ${fmtShape(src.shape)}, expected ${fmtShape(t.shape)}`);
      }
      t.data.set(src.data);
    }
  }

  /** Sets training mode on this module and every child. */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Clears every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }
}
