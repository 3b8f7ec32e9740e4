/**
 * The optimizer base does the bookkeeping (parameter groups, checked options, lazy per-parameter state,
 * zeroGrad, skipping null gradients, the JSON state dict, the learning rate); each optimizer writes only
 * its update rule, a plain function over typed arrays. step() builds no autograd graph and allocates
 * nothing beyond first-step state; stateDict() → JSON → loadStateDict() continues bit-identically.
 */
import type { TypedArray } from '../tensor/dtype.js';
import { ShapeError, ValueError } from '../tensor/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { engine } from '../autograd/trace.js';
import { isTracing, traceUpdate, type InlineUpdate } from '../compile/jit.js';
import { isResident, makeResident, residentCopy, residentZerosLike } from '../tensor/resident.js';

/** Every optimizer's hyper-parameters include a learning rate. */
export type Hyper = { lr: number };
/** Every optimizer's per-parameter state counts its steps; the rest is numbers and typed arrays. */
export type ParamState = { step: number };
/** A group of parameters sharing hyper-parameters (PyTorch's param_groups entries). */
export type ParamGroup<H extends Hyper = Hyper> = H & { params: Tensor[] };
/** What the constructor accepts for a group: its parameters plus any options that differ. */
export type ParamGroupInput<O = object> = O & { params: Iterable<Tensor> };
/** Parameters (model.parameters()) or parameter groups with options of their own. */
export type Params<O = object> = Iterable<Tensor> | Iterable<ParamGroupInput<O>>;

type JSONValue = number | boolean | null | number[];
/** The JSON-able state of an optimizer: numbers and arrays of numbers only. */
export interface OptimizerStateDict {
  /** The class it came from ('SGD', 'Adam', …); loading into another class is an error. */
  optimizer: string;
  /** Each group's hyper-parameters, and its parameters as positions in the flat parameter list. */
  paramGroups: Array<Record<string, JSONValue> & { params: number[] }>;
  /** One entry per parameter, in group order: its state, or null if it has not been stepped yet. */
  state: Array<Record<string, JSONValue> | null>;
}

/**
 * An optimizer's update rule as a table entry, written once and run two ways: by the eager step
 * (runRule: begin, then a formula over every index) and inlined into compiled straight-line code
 * (jit's unrolled replay calls begin, then the formula once per index with constant indices, so a
 * tiny network's whole update runs inside its step instead of as a call to the optimizer per
 * parameter). Each formula is written once; begin chooses which one runs for this step.
 */
export interface UpdateRule<H extends Hyper = Hyper, S extends ParamState = ParamState> {
  /**
   * One parameter's per-step work before its elements: counts the step, creates state made on
   * first use, writes into `c` the numbers the formulas read (options, bias corrections; at most
   * RULE_SCALARS), and returns which formula runs: RULE_ELEMENT (element for every index),
   * RULE_SCALAR (scalar for every index) or RULE_DONE (begin made the whole update itself, on a
   * backend kernel).
   */
  begin(param: TypedArray, grad: ArrayLike<number>, state: S, hyper: H, c: Float64Array): number;
  /** Element i of the update, in place: param[i] and the state's arrays at i, from grad[i] and `c`. */
  element(i: number, param: TypedArray, grad: ArrayLike<number>, state: S, c: Float64Array): void;
  /**
   * The update of one element when it needs no state (plain SGD): the new p from p, g and
   * c[0], c[1], … (as many as it declares after p and g, at most 4). A pure function of numbers,
   * which compiled code inlines with no call left.
   */
  scalar?(p: number, g: number, ...c: number[]): number;
}

/** What an UpdateRule's begin returns: which formula runs. */
export const RULE_ELEMENT = 0, RULE_DONE = 1, RULE_SCALAR = 2;
/** How many numbers an UpdateRule's begin may hand to its formulas. */
export const RULE_SCALARS = 16;
/** The numbers begin hands to the formulas (one update at a time, eager or compiled). */
const ruleScratch = new Float64Array(RULE_SCALARS);

/**
 * One update by a rule: begin, then the formula it chose for every index (what the eager step runs).
 * @example runRule(SGD_RULE, w.data, w.grad!.data, { step: 0, momentumBuffer: null }, { ...SGD_DEFAULTS, lr: 0.1 })
 */
export function runRule<H extends Hyper, S extends ParamState>(rule: UpdateRule<H, S>, param: TypedArray, grad: ArrayLike<number>, state: S, hyper: H): void {
  const c = ruleScratch;
  const form = rule.begin(param, grad, state, hyper, c);
  if (form === RULE_DONE) return;
  const n = param.length;
  if (form === RULE_SCALAR) {
    const f = rule.scalar!;
    const c0 = c[0], c1 = c[1], c2 = c[2], c3 = c[3];
    for (let i = 0; i < n; i++) param[i] = f(param[i], grad[i], c0, c1, c2, c3);
    return;
  }
  const element = rule.element;
  for (let i = 0; i < n; i++) element(i, param, grad, state, c);
}

/**
 * `rule` for an optimizer class's config when the instance's update is that class's own: a
 * subclass that overrides `update` keeps its override on the compiled path too (the host call).
 * @example super(params, options, { name: 'SGD', defaults, validate, rule: inlinable(new.target, SGD, SGD_RULE) })
 */
export function inlinable<R>(target: abstract new (...a: never[]) => unknown, cls: abstract new (...a: never[]) => unknown, rule: R): R | undefined {
  return target === cls || (target.prototype as { update: unknown }).update === (cls.prototype as { update: unknown }).update ? rule : undefined;
}

/** What a subclass hands to the base: its name, its defaults (their keys are the known options), its checks. */
export interface OptimizerConfig<H extends Hyper, S extends ParamState = ParamState> {
  name: string;
  defaults: H;
  /** Throws a ValueError naming `owner` and the offending option. */
  validate(hyper: H, owner: string): void;
  /**
   * The update rule as a table entry (see UpdateRule), when the optimizer has one: compiled tiny
   * steps then inline it. `update` must do what runRule(rule, …) does.
   */
  rule?: UpdateRule<H, S>;
}

/** What a compiled update reads its parameter's state through: re-read after loadStateDict. */
interface StateCell<H extends Hyper, S extends ParamState> {
  readonly owner: Optimizer<H, S>;
  readonly p: Tensor;
  readonly param: TypedArray;
  readonly group: ParamGroup<H>;
  state: S;
  version: number;
}

/** A cell's current state (the one loadStateDict put in place, or a fresh one where it put none). */
function cellState<H extends Hyper, S extends ParamState>(cell: StateCell<H, S>): S {
  return cell.version === cell.owner.stateVersion ? cell.state : refreshCell(cell);
}

/** A cell's state after loadStateDict: the loaded one, or a fresh one where none was loaded. */
function refreshCell<H extends Hyper, S extends ParamState>(cell: StateCell<H, S>): S {
  cell.version = cell.owner.stateVersion;
  cell.state = cell.owner.stateOf(cell.p, cell.param, cell.group);
  return cell.state;
}

export abstract class Optimizer<H extends Hyper = Hyper, S extends ParamState = ParamState> {
  /** The class name used in messages and state dicts ('SGD', 'Adam', …). */
  readonly name: string;
  /** The constructor's options merged over the class defaults; new groups start from these. */
  readonly defaults: Readonly<H>;
  readonly paramGroups: ParamGroup<H>[] = [];
  private readonly states = new Map<Tensor, S>();
  private readonly config: OptimizerConfig<H, S>;

  protected constructor(params: Params<Partial<H>>, options: Partial<H>, config: OptimizerConfig<H, S>) {
    this.name = config.name;
    this.config = config;
    this.defaults = this.resolve(options, config.defaults, `${this.name}`, []);
    if (params === null || typeof params !== 'object' || typeof (params as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw new ValueError(`${this.name}: params must be an iterable of Tensors (model.parameters()) or of parameter groups, got ${describe(params)}`);
    }
    const items = [...(params as Iterable<unknown>)];
    if (items.length === 0) throw new ValueError(`${this.name}: got an empty parameter list; pass the model's parameters, e.g. model.parameters()`);
    if (items[0] instanceof Tensor) {
      this.addGroup({ params: items as Tensor[] } as unknown as ParamGroupInput<Partial<H>>, true);
    } else {
      items.forEach((g, i) => {
        if (g === null || typeof g !== 'object' || !('params' in g)) {
          throw new ValueError(`${this.name}: params[${i}] is ${describe(g)}; pass either Tensors or parameter groups { params, ...options }, not a mix`);
        }
        this.addGroup(g as ParamGroupInput<Partial<H>>, false);
      });
    }
  }

  /** Creates the state of one parameter, the first time it is stepped. */
  protected abstract init(param: TypedArray, hyper: H): S;
  /** The update rule: one in-place step of `param` given `grad`. */
  protected abstract update(param: TypedArray, grad: TypedArray, state: S, hyper: H): void;

  /**
   * Adds parameters with their own options (defaults for the rest), e.g. a smaller rate for a layer.
   * @example opt.addParamGroup({ params: head.parameters(), lr: 1e-4 })
   */
  addParamGroup(group: ParamGroupInput<Partial<H>>): void {
    this.addGroup(group, false);
  }

  /** `flat`: the constructor got plain Tensors, so messages say params[i] as the caller wrote it. */
  private addGroup(group: ParamGroupInput<Partial<H>>, flat: boolean): void {
    const where = `paramGroups[${this.paramGroups.length}]`;
    const { params, ...options } = group;
    const hyper = this.resolve(options as unknown as Partial<H>, this.defaults, `${this.name}: ${where}`, ['params']);
    if (params === null || typeof params !== 'object' || typeof (params as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw new ValueError(`${this.name}: ${where}.params must be an iterable of Tensors, got ${describe(params)}`);
    }
    const list = [...(params as Iterable<unknown>)];
    if (list.length === 0) throw new ValueError(`${this.name}: ${where} has an empty parameter list`);
    const seen = new Map<Tensor, string>();
    this.paramGroups.forEach((g, gi) => g.params.forEach((p, i) => seen.set(p, `paramGroups[${gi}].params[${i}]`)));
    list.forEach((p, i) => {
      const here = flat ? `params[${i}]` : `${where}.params[${i}]`;
      if (!(p instanceof Tensor)) throw new ValueError(`${this.name}: ${here} is ${describe(p)}, expected a Tensor (a model's parameters())`);
      if (p.gradFn !== null) {
        throw new ValueError(`${this.name}: ${here} was computed by '${p.gradFn.op}', not a leaf tensor; optimise the parameters it was computed from`);
      }
      const before = seen.get(p);
      if (before !== undefined) throw new ValueError(`${this.name}: ${here} is the same tensor as ${before}; pass each parameter once`);
      seen.set(p, here);
    });
    this.paramGroups.push(withKeysOf(this.defaults, hyper, { params: list as Tensor[] }) as ParamGroup<H>);
  }

  /** Sets every parameter's gradient to null (PyTorch's zero_grad(set_to_none=True)). @example opt.zeroGrad() */
  zeroGrad(): void {
    for (let g = 0; g < this.paramGroups.length; g++) {
      const ps = this.paramGroups[g].params;
      for (let i = 0; i < ps.length; i++) ps[i].grad = null;
    }
  }

  /**
   * One update of every parameter that has a gradient (those whose grad is null are skipped).
   * @example loss.backward(); opt.step(); opt.zeroGrad();
   */
  step(): void {
    if (isTracing()) engine(() => this.stepAll(true));
    else this.stepAll(false);
  }

  /** @internal Bumped whenever per-parameter state objects are replaced (loadStateDict), so replays re-read them. */
  stateVersion = 0;

  /**
   * The update of every parameter with a gradient. While `jit` traces (`traced`), each update is
   * also recorded for the replay, which runs this optimizer's own rule on its own state (re-read
   * after loadStateDict) and its live group options (a scheduler's changes are seen); a group added
   * later (addParamGroup) makes the next call trace again.
   */
  private stepAll(traced: boolean): void {
    const groups = this.paramGroups.length;
    const sameGroups = traced ? (): boolean => this.paramGroups.length === groups : null;
    for (let g = 0; g < this.paramGroups.length; g++) {
      const group = this.paramGroups[g];
      const ps = group.params;
      for (let i = 0; i < ps.length; i++) {
        const p = ps[i];
        const grad = p.grad;
        if (grad === null) continue;
        if (grad.data.length !== p.data.length) {
          throw new ShapeError(`${this.name}.step: paramGroups[${g}].params[${i}] has ${p.data.length} elements but its grad has ${grad.data.length}; a gradient must match its parameter's shape`);
        }
        let state = this.states.get(p);
        // A compiled step keeps the parameter and its state in the backend's memory, where its
        // kernels update them in place (no copies per step): moved once, here, before it is recorded.
        if (sameGroups !== null && makeResident(p) && state !== undefined) residentState(state, p.data.length);
        if (state === undefined) {
          state = this.init(p.data, group);
          this.states.set(p, state);
        }
        this.update(p.data, grad.data, state, group);
        if (sameGroups !== null) this.recordUpdate(p, grad, group, state, sameGroups);
      }
    }
  }

  private recordUpdate(p: Tensor, grad: Tensor, group: ParamGroup<H>, first: S, valid: () => boolean): void {
    const cell: StateCell<H, S> = { owner: this, p, param: p.data, group, state: first, version: this.stateVersion };
    const rule = this.config.rule;
    const inline: InlineUpdate | undefined = rule === undefined ? undefined : {
      begin: rule.begin as InlineUpdate['begin'], element: rule.element as InlineUpdate['element'], scalar: rule.scalar,
      refresh: refreshCell as InlineUpdate['refresh'], cell, hyper: group, param: cell.param, scratch: ruleScratch,
    };
    traceUpdate({
      grad,
      valid,
      inline,
      apply: (g) => { this.update(cell.param, g, cellState(cell), group); },
    });
  }

  /** @internal A parameter's state, created (as its first step would) when there is none. */
  stateOf(p: Tensor, param: TypedArray, group: ParamGroup<H>): S {
    const known = this.states.get(p);
    if (known !== undefined) return known;
    const state = this.init(param, group);
    this.states.set(p, state);
    return state;
  }

  /** The first group's learning rate. @example opt.learningRate // 0.001 */
  get learningRate(): number {
    return this.paramGroups[0].lr;
  }

  /** Sets every group's learning rate (write paramGroups[i].lr for one group). @example opt.learningRate /= 2 */
  set learningRate(lr: number) {
    checkLr(this.name, lr);
    for (const g of this.paramGroups) g.lr = lr;
  }

  /** Per-parameter state, created on a parameter's first step. @example opt.state.get(w)?.step */
  get state(): ReadonlyMap<Tensor, S> {
    return this.states;
  }

  /**
   * Hyper-parameters and per-parameter state as plain JSON-able data (typed arrays become number
   * arrays; float32 and float64 values survive JSON exactly).
   * @example const saved = JSON.stringify(opt.stateDict())
   */
  stateDict(): OptimizerStateDict {
    let k = 0;
    const paramGroups = this.paramGroups.map((g) => {
      const out: Record<string, JSONValue> = {};
      for (const key of Object.keys(this.defaults)) out[key] = toJSONValue((g as Record<string, unknown>)[key]);
      return { ...out, params: g.params.map(() => k++) };
    });
    const state = this.paramGroups.flatMap((g) =>
      g.params.map((p) => {
        const s = this.states.get(p);
        if (s === undefined) return null;
        const out: Record<string, JSONValue> = {};
        for (const [key, v] of Object.entries(s)) out[key] = toJSONValue(v);
        return out;
      }),
    );
    return { optimizer: this.name, paramGroups, state };
  }

  /**
   * Restores hyper-parameters and state saved by stateDict(), for the same parameters in the same
   * order. Everything is checked before anything changes, so a bad dict leaves the optimizer as it was.
   * @example opt.loadStateDict(JSON.parse(saved))
   */
  loadStateDict(dict: OptimizerStateDict): void {
    const at = `${this.name}.loadStateDict`;
    if (dict === null || typeof dict !== 'object') throw new ValueError(`${at}: expected an object from stateDict(), got ${describe(dict)}`);
    if (dict.optimizer !== this.name) {
      throw new ValueError(`${at}: this state was saved by ${JSON.stringify(dict.optimizer)}, not ${this.name}; load it into a ${String(dict.optimizer)}`);
    }
    if (!Array.isArray(dict.paramGroups) || dict.paramGroups.length !== this.paramGroups.length) {
      const n = Array.isArray(dict.paramGroups) ? dict.paramGroups.length : describe(dict.paramGroups);
      throw new ValueError(`${at}: paramGroups has ${n} groups, this optimizer has ${this.paramGroups.length}`);
    }
    const total = this.paramGroups.reduce((n, g) => n + g.params.length, 0);
    if (!Array.isArray(dict.state) || dict.state.length !== total) {
      const n = Array.isArray(dict.state) ? dict.state.length : describe(dict.state);
      throw new ValueError(`${at}: state has ${n} entries, this optimizer has ${total} parameters`);
    }
    const hypers = dict.paramGroups.map((saved, gi) => {
      const where = `${at}: paramGroups[${gi}]`;
      if (saved === null || typeof saved !== 'object') throw new ValueError(`${where} is ${describe(saved)}, expected an object`);
      const { params, ...options } = saved;
      const mine = this.paramGroups[gi];
      if (!Array.isArray(params) || params.length !== mine.params.length) {
        throw new ValueError(`${where}.params has ${Array.isArray(params) ? params.length : describe(params)} parameters, this group has ${mine.params.length}`);
      }
      const current: Partial<H> = {};
      for (const key of Object.keys(this.defaults)) (current as Record<string, unknown>)[key] = (mine as Record<string, unknown>)[key];
      const copied = Object.fromEntries(Object.entries(options).map(([key, v]) => [key, Array.isArray(v) ? [...v] : v]));
      return this.resolve(copied as Partial<H>, { ...current } as H, where, []);
    });
    const states: Array<[Tensor, S | null]> = [];
    let k = 0;
    this.paramGroups.forEach((g, gi) =>
      g.params.forEach((p) => {
        const saved = dict.state[k];
        const where = `${at}: state[${k}]`;
        k++;
        if (saved === null) return states.push([p, null]);
        if (typeof saved !== 'object' || Array.isArray(saved)) throw new ValueError(`${where} is ${describe(saved)}, expected an object or null`);
        states.push([p, this.restoreState(saved, p.data, hypers[gi], where)]);
      }),
    );
    this.paramGroups.forEach((g, gi) => Object.assign(g, hypers[gi]));
    this.states.clear();
    for (const [p, s] of states) if (s !== null) this.states.set(p, s);
    this.stateVersion++;
  }

  /** Rebuilds one parameter's state from JSON, shaped like a fresh init(): same keys, same sizes. */
  private restoreState(saved: Record<string, unknown>, param: TypedArray, hyper: H, where: string): S {
    const fresh = this.init(param, hyper) as Record<string, unknown>;
    for (const key of Object.keys(saved)) {
      if (!(key in fresh)) throw new ValueError(`${where} has an unknown field '${key}' (known: ${Object.keys(fresh).join(', ')})`);
    }
    for (const key of Object.keys(fresh)) {
      const v = saved[key];
      if (v === undefined) throw new ValueError(`${where} lacks the field '${key}'`);
      if (v === null) {
        fresh[key] = null;
      } else if (typeof v === 'number') {
        if (!Number.isFinite(v)) throw new ValueError(`${where}.${key} is ${v}, expected a finite number`);
        fresh[key] = v;
      } else if (Array.isArray(v)) {
        if (v.length !== param.length) throw new ValueError(`${where}.${key} has ${v.length} values, expected ${param.length} (the parameter's size)`);
        const arr = zerosLike(param);
        for (let i = 0; i < v.length; i++) {
          if (typeof v[i] !== 'number' || !Number.isFinite(v[i])) throw new ValueError(`${where}.${key}[${i}] is ${describe(v[i])}, expected a finite number`);
          arr[i] = v[i];
        }
        fresh[key] = arr;
      } else {
        throw new ValueError(`${where}.${key} is ${describe(v)}, expected a number, an array of numbers or null`);
      }
    }
    if (!Number.isInteger(fresh.step) || (fresh.step as number) < 0) throw new ValueError(`${where}.step is ${describe(fresh.step)}, expected a whole number >= 0`);
    return fresh as S;
  }

  /** Rejects unknown option names, merges options over `base`, and runs the subclass's checks. */
  private resolve(options: Partial<H>, base: H, owner: string, extra: string[]): H {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw new ValueError(`${owner}: options must be an object such as { lr: 0.01 }, got ${describe(options)}`);
    }
    const known = Object.keys(base);
    for (const key of Object.keys(options)) {
      if (known.includes(key) || extra.includes(key)) continue;
      const hint = key === 'learningRate' || key === 'learning_rate' ? "; the optimizer classes call the learning rate 'lr'" : '';
      throw new ValueError(`${owner}: unknown option '${key}' (known: ${[...extra, ...known].join(', ')})${hint}`);
    }
    const merged = withKeysOf(base, base, {}) as H;
    for (const [key, v] of Object.entries(options)) if (v !== undefined) (merged as Record<string, unknown>)[key] = v;
    this.config.validate(merged, owner);
    return merged;
  }
}

/**
 * A fresh object with `keys`' keys in their order, valued from `from`, then `then`'s keys: what
 * `{ ...from, ...then }` made, but built key by key from an empty object. Why: with the spreads,
 * V8's IC log (--log-ic) of a benchmark that trains many fresh networks (a full GC between them)
 * showed a new hidden class for the groups at every network, so the update rules' reads of a
 * group's options (`h.lr` in SGD_RULE.begin, once per parameter per step) went megamorphic after
 * the fourth; built this way they stay monomorphic (measured: XOR ≈ 10% faster).
 */
function withKeysOf(keys: object, from: object, then: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(keys)) out[key] = (from as Record<string, unknown>)[key];
  for (const key of Object.keys(then)) out[key] = (then as Record<string, unknown>)[key];
  return out;
}

function toJSONValue(v: unknown): JSONValue {
  if (v === null || typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v) || v instanceof Float32Array || v instanceof Float64Array) return Array.from(v as ArrayLike<number>);
  throw new ValueError(`stateDict: cannot store a value of type ${typeof v}`);
}

/** How a bad value reads in a message: numbers as written, strings quoted, the rest by kind. */
export function describe(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(describe).join(', ')}]`;
  if (v instanceof Tensor) return `a Tensor of shape [${v.shape.join(', ')}]`;
  return typeof v === 'object' ? 'an object' : typeof v;
}

/** Fresh zeros of the same dtype and length, for state buffers (in the backend's memory when the parameter is). */
export function zerosLike(a: TypedArray): TypedArray {
  return residentZerosLike(a);
}

/** Moves a state's parameter-sized float32 arrays (moments, sums) into the backend's memory beside their parameter. */
function residentState(state: object, length: number): void {
  const s = state as Record<string, unknown>;
  for (const key of Object.keys(s)) {
    const v = s[key];
    if (v instanceof Float32Array && v.length === length && !isResident(v)) s[key] = residentCopy(v);
  }
}

// Checks shared by the optimizers, worded as PyTorch words them so its users recognise them.

/** `Invalid learning rate: -1`. */
export function checkLr(owner: string, lr: unknown): void {
  if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
    throw new ValueError(`${owner}: Invalid learning rate: ${describe(lr)} (lr must be a finite number >= 0, e.g. 0.01)`);
  }
}

/** `Invalid <label>: v` unless v is a finite number in [min, max] (or [min, max) when maxOpen). */
export function checkRange(owner: string, key: string, label: string, v: unknown, min: number, max = Infinity, maxOpen = false): void {
  const ok = typeof v === 'number' && Number.isFinite(v) && v >= min && (maxOpen ? v < max : v <= max);
  if (!ok) {
    const range = max === Infinity ? `>= ${min}` : `in [${min}, ${max}${maxOpen ? ')' : ']'}`;
    throw new ValueError(`${owner}: Invalid ${label}: ${describe(v)} (${key} must be a finite number ${range})`);
  }
}

export function checkBoolean(owner: string, key: string, v: unknown): void {
  if (typeof v !== 'boolean') throw new ValueError(`${owner}: ${key} must be true or false, got ${describe(v)}`);
}
