/**
 * The playground's whole experiment as one typed, plain table (TensorFlow Playground's idea): the
 * data, the network, the training settings and the seed. It round-trips through the URL hash, so a
 * link reproduces an experiment; parsing checks every field and reports, rather than ignores,
 * unknown keys and bad values (which fall back to their defaults).
 */
import { HIDDEN_ACTIVATIONS as TRAINS_HIDDEN, type ActivationName, type LossName } from '../../src/index.js';

export const DATASETS = ['gate-or', 'gate-and', 'gate-xor', 'circle', 'spirals', 'gaussian', 'xor', 'reg-plane', 'reg-bumps', 'csv'] as const;
export type DatasetName = (typeof DATASETS)[number];
export const DATASET_LABELS: Record<DatasetName, string> = {
  'gate-or': 'OR gate', 'gate-and': 'AND gate', 'gate-xor': 'XOR gate', circle: 'Circle', spirals: 'Two spirals',
  gaussian: 'Gaussian clusters', xor: 'XOR quadrants', 'reg-plane': 'Plane (regression)', 'reg-bumps': 'Gaussian bumps (regression)',
  csv: 'CSV (paste or upload)',
};

/** The regression sets: a number to predict at each point (from −1 to 1) instead of a class. */
export function isRegression(d: DatasetName): d is 'reg-plane' | 'reg-bumps' {
  return d.startsWith('reg-');
}

/** Every activation the table marks as training hidden layers (tanh, the default, first): a row added there appears here. */
export const HIDDEN_ACTIVATIONS: readonly ActivationName[] = ['tanh', ...TRAINS_HIDDEN.filter((a) => a !== 'tanh')];
export type HiddenActivation = ActivationName;
/** The output layer has one unit with one of these, except with crossEntropy: two softmax units. */
export const OUTPUT_ACTIVATIONS = ['sigmoid', 'tanh', 'linear'] as const;
export type OutputActivation = (typeof OUTPUT_ACTIVATIONS)[number];
export const PLAYGROUND_LOSSES = ['bce', 'mse', 'mae', 'sse', 'crossEntropy'] as const satisfies readonly LossName[];
export type PlaygroundLoss = (typeof PLAYGROUND_LOSSES)[number];
export const OPTIMIZERS = ['sgd', 'momentum', 'adam', 'adamw', 'rmsprop', 'adagrad'] as const;
export type OptimizerChoice = (typeof OPTIMIZERS)[number];
export const BATCH_MODES = ['full', 'mini', 'online'] as const;

/**
 * Each optimizer's starting learning rate in the playground: chosen so that every built-in dataset
 * trains with every depth preset (test/web/presets.test.ts checks it). Choosing an optimizer sets it.
 */
export const DEFAULT_LEARNING_RATES: Record<OptimizerChoice, number> = {
  sgd: 0.1, momentum: 0.03, adam: 0.01, adamw: 0.01, rmsprop: 0.003, adagrad: 0.3,
};

/** The speed control, slowest first: one update at a time up to as fast as the worker can go. */
export const SPEEDS = [
  { label: '2 updates/s', unit: 'update', perSecond: 2 },
  { label: '1 epoch/s', unit: 'epoch', perSecond: 1 },
  { label: '3 epochs/s', unit: 'epoch', perSecond: 3 },
  { label: '10 epochs/s', unit: 'epoch', perSecond: 10 },
  { label: '30 epochs/s', unit: 'epoch', perSecond: 30 },
  { label: '100 epochs/s', unit: 'epoch', perSecond: 100 },
  { label: 'as fast as possible', unit: 'max', perSecond: Infinity },
] as const;
export type Speed = (typeof SPEEDS)[number];

/**
 * Extra inputs computed from (x1, x2), as TensorFlow Playground offers them: the network sees the
 * checked ones instead of (or besides) the raw coordinates.
 */
export const FEATURES = ['x1', 'x2', 'x1^2', 'x2^2', 'x1*x2', 'sin(x1)', 'sin(x2)'] as const;
export type Feature = (typeof FEATURES)[number];
export const FEATURE_LABELS: Record<Feature, string> = {
  x1: 'x₁', x2: 'x₂', 'x1^2': 'x₁²', 'x2^2': 'x₂²', 'x1*x2': 'x₁·x₂', 'sin(x1)': 'sin x₁', 'sin(x2)': 'sin x₂',
};

/** One point's features. @example featurize([2, 3], ['x1*x2', 'x2^2']) // [6, 9] */
export function featurize(p: readonly number[], features: readonly Feature[]): number[] {
  const [a, b] = p;
  return features.map((f) => {
    switch (f) {
      case 'x1': return a;
      case 'x2': return b;
      case 'x1^2': return a * a;
      case 'x2^2': return b * b;
      case 'x1*x2': return a * b;
      case 'sin(x1)': return Math.sin(a);
      case 'sin(x2)': return Math.sin(b);
    }
  });
}

/** The depth presets' hidden layer: this many tanh units per layer. */
export const PRESET_UNITS = 8;
/** The depth presets the Network panel offers (hidden layers of PRESET_UNITS tanh units). */
export const DEPTH_PRESETS = [1, 2, 3, 4] as const;
export type BatchMode = (typeof BATCH_MODES)[number];

export const LIMITS = {
  hiddenLayers: 6,
  units: 8,
  points: [20, 1000],
  batchSize: [1, 1000],
  learningRate: [1e-5, 10],
  l2: [0, 1],
  seed: [0, 2 ** 31 - 1],
  trainRatio: [0.1, 0.9],
  /** CSV text longer than this is not put in the URL (browsers cap URL length). */
  csvInUrl: 20000,
} as const;

export interface LayerState {
  units: number;
  activation: HiddenActivation;
}

export interface PlaygroundState {
  dataset: DatasetName;
  /** 0..1, for the 2-D sets. */
  noise: number;
  /** Fraction of the points used for training (the rest is the test set); gates use all 4 for both. */
  trainRatio: number;
  /** Number of generated points (2-D sets). */
  points: number;
  /** The CSV text (dataset 'csv'). */
  csv: string;
  /** The CSV's label column ('' = the last column). */
  labelColumn: string;
  hidden: LayerState[];
  output: OutputActivation;
  loss: PlaygroundLoss;
  optimizer: OptimizerChoice;
  learningRate: number;
  batchMode: BatchMode;
  /** Rows per update in 'mini' mode. */
  batchSize: number;
  /** Seeds the data, the split, the initial weights and the shuffling. */
  seed: number;
  /** The two parameters of the loss landscape ('layers.0.weight[0][0]' style names). */
  landscapeX: string;
  landscapeY: string;
  /** L2 regularisation λ: every optimizer's weightDecay (AdamW's is decoupled). */
  l2: number;
  /** Index into SPEEDS. */
  speed: number;
  /** The inputs the network sees, computed from (x1, x2). */
  features: Feature[];
}

/** The experiment a plain visit starts with. @example defaultState().dataset // 'circle' */
export function defaultState(): PlaygroundState {
  return {
    dataset: 'circle', noise: 0, trainRatio: 0.5, points: 200, csv: '', labelColumn: '',
    hidden: [{ units: 4, activation: 'tanh' }, { units: 4, activation: 'tanh' }],
    output: 'sigmoid', loss: 'bce', optimizer: 'adam', learningRate: DEFAULT_LEARNING_RATES.adam, batchMode: 'mini', batchSize: 10, seed: 1,
    landscapeX: 'layers.0.weight[0][0]', landscapeY: 'layers.0.weight[0][1]', l2: 0, speed: SPEEDS.length - 1, features: ['x1', 'x2'],
  };
}

/** A copy that shares nothing with the original. @example const next = { ...cloneState(s), seed: 2 } */
export function cloneState(s: PlaygroundState): PlaygroundState {
  return { ...s, hidden: s.hidden.map((l) => ({ ...l })), features: [...s.features] };
}

/** The batch size Network.learn takes for a state. @example batchSizeOf({ ...s, batchMode: 'online' }) // 1 */
export function batchSizeOf(s: PlaygroundState): number | 'full' {
  return s.batchMode === 'full' ? 'full' : s.batchMode === 'online' ? 1 : s.batchSize;
}

/** Whether a dataset is one of the 4-row logic gates. @example isGate('gate-or') // true */
export function isGate(d: DatasetName): d is 'gate-or' | 'gate-and' | 'gate-xor' {
  return d.startsWith('gate-');
}

const KEYS = ['data', 'noise', 'train', 'n', 'csv', 'label', 'layers', 'out', 'loss', 'opt', 'lr', 'batch', 'seed', 'lx', 'ly', 'l2', 'speed', 'in'] as const;

function oneOf<T extends string>(list: readonly T[], v: string): T | null {
  return (list as readonly string[]).includes(v) ? (v as T) : null;
}

function numberIn(v: string, lo: number, hi: number, integer = false): number | null {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < lo || n > hi || (integer && !Number.isInteger(n))) return null;
  return n;
}

/** 'layers=4:tanh,2:relu' ↔ LayerState[] ('' = no hidden layer). */
function parseLayers(v: string): LayerState[] | null {
  if (v === '' || v === 'none') return [];
  const parts = v.split(',');
  if (parts.length > LIMITS.hiddenLayers) return null;
  const out: LayerState[] = [];
  for (const p of parts) {
    const [u, a = 'tanh'] = p.split(':');
    const units = numberIn(u, 1, LIMITS.units, true);
    const activation = oneOf(HIDDEN_ACTIVATIONS, a);
    if (units === null || activation === null) return null;
    out.push({ units, activation });
  }
  return out;
}

/**
 * The state as a URL hash ('#data=xor&noise=0.1&…'); every field is written so a link does not
 * depend on this version's defaults.
 * @example location.hash = stateToHash(state)
 */
export function stateToHash(s: PlaygroundState): string {
  const p = new URLSearchParams();
  p.set('data', s.dataset);
  p.set('noise', String(s.noise));
  p.set('train', String(s.trainRatio));
  p.set('n', String(s.points));
  if (s.dataset === 'csv' && s.csv.length <= LIMITS.csvInUrl) p.set('csv', s.csv);
  if (s.dataset === 'csv') p.set('label', s.labelColumn);
  p.set('layers', s.hidden.length === 0 ? 'none' : s.hidden.map((l) => `${l.units}:${l.activation}`).join(','));
  p.set('out', s.output);
  p.set('loss', s.loss);
  p.set('opt', s.optimizer);
  p.set('lr', String(s.learningRate));
  p.set('batch', s.batchMode === 'mini' ? `mini:${s.batchSize}` : s.batchMode);
  p.set('seed', String(s.seed));
  p.set('lx', s.landscapeX);
  p.set('ly', s.landscapeY);
  p.set('l2', String(s.l2));
  p.set('speed', String(s.speed));
  p.set('in', s.features.join(','));
  return `#${p.toString()}`;
}

export interface ParsedHash {
  state: PlaygroundState;
  /** One message per key that was unknown or held a bad value (that field kept its default). */
  problems: string[];
}

/**
 * Reads a URL hash back into a state, starting from the defaults.
 * @example parseHash('#data=xor&seed=7').state.seed // 7
 */
export function parseHash(hash: string): ParsedHash {
  const s = defaultState();
  const problems: string[] = [];
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  if (text.trim() === '') return { state: s, problems };
  const p = new URLSearchParams(text);
  const bad = (key: string, value: string, want: string) => problems.push(`link: ${key}=${JSON.stringify(value)} is not ${want}; using the default`);
  for (const [key, value] of p) {
    switch (key as (typeof KEYS)[number]) {
      case 'data': { const d = oneOf(DATASETS, value); if (d) s.dataset = d; else bad(key, value, `one of ${DATASETS.join(', ')}`); break; }
      case 'noise': { const n = numberIn(value, 0, 1); if (n !== null) s.noise = n; else bad(key, value, 'a number from 0 to 1'); break; }
      case 'train': { const n = numberIn(value, LIMITS.trainRatio[0], LIMITS.trainRatio[1]); if (n !== null) s.trainRatio = n; else bad(key, value, `a fraction from ${LIMITS.trainRatio[0]} to ${LIMITS.trainRatio[1]}`); break; }
      case 'n': { const n = numberIn(value, LIMITS.points[0], LIMITS.points[1], true); if (n !== null) s.points = n; else bad(key, value, `a whole number from ${LIMITS.points[0]} to ${LIMITS.points[1]}`); break; }
      case 'csv': s.csv = value; break;
      case 'label': s.labelColumn = value; break;
      case 'layers': { const l = parseLayers(value); if (l) s.hidden = l; else bad(key, value, `up to ${LIMITS.hiddenLayers} layers like 4:tanh,2:relu (1–${LIMITS.units} units; ${HIDDEN_ACTIVATIONS.join(', ')})`); break; }
      case 'out': { const o = oneOf(OUTPUT_ACTIVATIONS, value); if (o) s.output = o; else bad(key, value, `one of ${OUTPUT_ACTIVATIONS.join(', ')}`); break; }
      case 'loss': { const l = oneOf(PLAYGROUND_LOSSES, value); if (l) s.loss = l; else bad(key, value, `one of ${PLAYGROUND_LOSSES.join(', ')}`); break; }
      case 'opt': { const o = oneOf(OPTIMIZERS, value); if (o) s.optimizer = o; else bad(key, value, `one of ${OPTIMIZERS.join(', ')}`); break; }
      case 'lr': { const n = numberIn(value, LIMITS.learningRate[0], LIMITS.learningRate[1]); if (n !== null) s.learningRate = n; else bad(key, value, `a learning rate from ${LIMITS.learningRate[0]} to ${LIMITS.learningRate[1]}`); break; }
      case 'batch': {
        const [mode, size] = value.split(':');
        const m = oneOf(BATCH_MODES, mode);
        const n = size === undefined ? null : numberIn(size, LIMITS.batchSize[0], LIMITS.batchSize[1], true);
        if (m && (m !== 'mini' || n !== null) && (m === 'mini' || size === undefined)) {
          s.batchMode = m;
          if (n !== null) s.batchSize = n;
        } else bad(key, value, `full, online or mini:N (N from ${LIMITS.batchSize[0]} to ${LIMITS.batchSize[1]})`);
        break;
      }
      case 'seed': { const n = numberIn(value, LIMITS.seed[0], LIMITS.seed[1], true); if (n !== null) s.seed = n; else bad(key, value, `a whole number from ${LIMITS.seed[0]} to ${LIMITS.seed[1]}`); break; }
      case 'lx': s.landscapeX = value; break;
      case 'ly': s.landscapeY = value; break;
      case 'l2': { const n = numberIn(value, LIMITS.l2[0], LIMITS.l2[1]); if (n !== null) s.l2 = n; else bad(key, value, `an L2 strength from ${LIMITS.l2[0]} to ${LIMITS.l2[1]}`); break; }
      case 'speed': { const n = numberIn(value, 0, SPEEDS.length - 1, true); if (n !== null) s.speed = n; else bad(key, value, `a speed from 0 (slowest) to ${SPEEDS.length - 1} (as fast as possible)`); break; }
      case 'in': {
        const list = value.split(',').filter((v) => v !== '');
        const ok = list.length > 0 && list.every((f) => (FEATURES as readonly string[]).includes(f)) && new Set(list).size === list.length;
        if (ok) s.features = FEATURES.filter((f) => list.includes(f));
        else bad(key, value, `a comma-separated list of inputs from ${FEATURES.join(', ')}`);
        break;
      }
      default: problems.push(`link: unknown setting '${key}' ignored (known: ${KEYS.join(', ')})`);
    }
  }
  return { state: s, problems };
}
