/**
 * Learning-rate schedules, stepped once per epoch, with PyTorch's closed forms (epoch e counts the
 * step() calls; e = 0 gives the optimizer's rate at construction). Each writes every parameter group's
 * lr. If something else changes a group's lr between steps (a training loop halving it after a loss
 * spike), the schedule scales its base rate by the same factor rather than overwriting the change.
 */
import { ValueError } from '../tensor/errors.js';
import { describe, Optimizer } from './optimizer.js';

export interface SchedulerStateDict {
  scheduler: string;
  lastEpoch: number;
  baseLrs: number[];
  lastLrs: number[];
}

export abstract class LRScheduler {
  readonly optimizer: Optimizer;
  /** How many times step() has been called. */
  lastEpoch = 0;
  /** Each group's rate at epoch 0 (rescaled if something else changed the rate, see the file header). */
  readonly baseLrs: number[];
  private lrs: number[];

  protected constructor(
    readonly name: string,
    optimizer: Optimizer,
    options: object,
    known: readonly string[],
  ) {
    if (!(optimizer instanceof Optimizer)) throw new ValueError(`${name}: the first argument must be an optimizer (new SGD(...), new Adam(...)), got ${describe(optimizer)}`);
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw new ValueError(`${name}: options must be an object such as { ${known.map((k) => `${k}: …`).join(', ')} }, got ${describe(options)}`);
    }
    for (const key of Object.keys(options)) {
      if (!known.includes(key)) throw new ValueError(`${name}: unknown option '${key}' (known: ${known.join(', ')})`);
    }
    this.optimizer = optimizer;
    this.baseLrs = optimizer.paramGroups.map((g) => g.lr);
    this.lrs = [...this.baseLrs];
  }

  /** The rate for a group whose rate at epoch 0 is baseLr, at `epoch`. */
  protected abstract closedForm(baseLr: number, epoch: number): number;

  /** Each group's rate at the current epoch. @example sched.getLr() // [0.05] */
  getLr(): number[] {
    return this.baseLrs.map((base) => this.closedForm(base, this.lastEpoch));
  }

  /** Advances one epoch and sets each group's learning rate. @example for (...) { train(); sched.step(); } */
  step(): void {
    const groups = this.optimizer.paramGroups;
    for (let i = 0; i < groups.length; i++) {
      if (i >= this.baseLrs.length) {
        // A group added after the schedule was made starts its schedule from its own rate now.
        this.baseLrs.push(groups[i].lr);
        this.lrs.push(groups[i].lr);
      } else if (groups[i].lr !== this.lrs[i]) {
        this.baseLrs[i] = this.lrs[i] !== 0 ? this.baseLrs[i] * (groups[i].lr / this.lrs[i]) : groups[i].lr;
      }
    }
    this.lastEpoch++;
    this.lrs = this.getLr();
    for (let i = 0; i < groups.length; i++) groups[i].lr = this.lrs[i];
  }

  /** The first group's rate as last set. @example sched.lastLr // 0.1 */
  get lastLr(): number {
    return this.lrs[0];
  }

  /** Every group's rate as last set (PyTorch's get_last_lr()). */
  get lastLrs(): readonly number[] {
    return this.lrs;
  }

  /** @example const saved = JSON.stringify(sched.stateDict()) */
  stateDict(): SchedulerStateDict {
    return { scheduler: this.name, lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs], lastLrs: [...this.lrs] };
  }

  /** Restores the epoch and rates (it does not touch the optimizer; load its own state dict for that). */
  loadStateDict(dict: SchedulerStateDict): void {
    const at = `${this.name}.loadStateDict`;
    if (dict === null || typeof dict !== 'object') throw new ValueError(`${at}: expected an object from stateDict(), got ${describe(dict)}`);
    if (dict.scheduler !== this.name) throw new ValueError(`${at}: this state was saved by ${describe(dict.scheduler)}, not ${this.name}`);
    if (!Number.isInteger(dict.lastEpoch) || dict.lastEpoch < 0) throw new ValueError(`${at}: lastEpoch is ${describe(dict.lastEpoch)}, expected a whole number >= 0`);
    for (const key of ['baseLrs', 'lastLrs'] as const) {
      const v = dict[key];
      if (!Array.isArray(v) || v.length !== this.baseLrs.length || !v.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0)) {
        throw new ValueError(`${at}: ${key} must be ${this.baseLrs.length} finite numbers >= 0 (one per parameter group), got ${describe(v)}`);
      }
    }
    this.lastEpoch = dict.lastEpoch;
    this.baseLrs.splice(0, this.baseLrs.length, ...dict.baseLrs);
    this.lrs = [...dict.lastLrs];
  }
}

function checkGamma(owner: string, gamma: unknown): number {
  if (typeof gamma !== 'number' || !Number.isFinite(gamma) || gamma <= 0) {
    throw new ValueError(`${owner}: gamma must be a finite number > 0 (the factor applied to the rate, e.g. 0.1), got ${describe(gamma)}`);
  }
  return gamma;
}

function checkPositiveInteger(owner: string, key: string, v: unknown, example: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ValueError(`${owner}: ${key} must be a whole number >= 1 (epochs, e.g. ${example}), got ${describe(v)}`);
  return v;
}

export interface StepLROptions {
  /** Epochs between decays (required). */
  stepSize: number;
  /** The factor per decay (default 0.1). */
  gamma?: number;
}

/**
 * lr = base · gamma^⌊epoch / stepSize⌋.
 * @example new StepLR(opt, { stepSize: 30, gamma: 0.1 })
 */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: Optimizer, options: StepLROptions) {
    super('StepLR', optimizer, options, ['stepSize', 'gamma']);
    this.stepSize = checkPositiveInteger('StepLR', 'stepSize', options.stepSize, '30');
    this.gamma = checkGamma('StepLR', options.gamma ?? 0.1);
  }

  protected closedForm(base: number, epoch: number): number {
    return base * this.gamma ** Math.floor(epoch / this.stepSize);
  }
}

export interface ExponentialLROptions {
  /** The factor per epoch (required), e.g. 0.95. */
  gamma: number;
}

/**
 * lr = base · gamma^epoch.
 * @example new ExponentialLR(opt, { gamma: 0.95 })
 */
export class ExponentialLR extends LRScheduler {
  readonly gamma: number;

  constructor(optimizer: Optimizer, options: ExponentialLROptions) {
    super('ExponentialLR', optimizer, options, ['gamma']);
    if (options.gamma === undefined) throw new ValueError('ExponentialLR: gamma is required (the factor per epoch, e.g. 0.95)');
    this.gamma = checkGamma('ExponentialLR', options.gamma);
  }

  protected closedForm(base: number, epoch: number): number {
    return base * this.gamma ** epoch;
  }
}

export interface CosineAnnealingLROptions {
  /** Epochs from the base rate down to etaMin (required). */
  tMax: number;
  /** The lowest rate (default 0). */
  etaMin?: number;
}

/**
 * lr = etaMin + (base − etaMin)·(1 + cos(π·epoch/tMax))/2: from base down to etaMin over tMax epochs.
 * Past tMax the cosine climbs back up, as PyTorch's does (SGDR-style); stop stepping to hold etaMin.
 * @example new CosineAnnealingLR(opt, { tMax: 100, etaMin: 1e-5 })
 */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;

  constructor(optimizer: Optimizer, options: CosineAnnealingLROptions) {
    super('CosineAnnealingLR', optimizer, options, ['tMax', 'etaMin']);
    this.tMax = checkPositiveInteger('CosineAnnealingLR', 'tMax', options.tMax, '100');
    const etaMin = options.etaMin ?? 0;
    if (typeof etaMin !== 'number' || !Number.isFinite(etaMin) || etaMin < 0) {
      throw new ValueError(`CosineAnnealingLR: etaMin must be a finite number >= 0 (the lowest rate), got ${describe(etaMin)}`);
    }
    this.etaMin = etaMin;
  }

  protected closedForm(base: number, epoch: number): number {
    return this.etaMin + ((base - this.etaMin) * (1 + Math.cos((Math.PI * epoch) / this.tMax))) / 2;
  }
}
