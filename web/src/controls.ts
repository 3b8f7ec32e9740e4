/**
 * The form: fills the selects, shows a state in every control, builds the hidden-layer editor, and
 * turns user input into typed changes for the app. It never holds the state itself: `show(state)`
 * is called after every accepted change, so the controls always display what is running.
 */
import { ACTIVATION_TABLE } from '../../src/index.js';
import {
  DATASET_LABELS, DATASETS, DEFAULT_LEARNING_RATES, FEATURE_LABELS, FEATURES, HIDDEN_ACTIVATIONS, LIMITS, OPTIMIZERS, OUTPUT_ACTIVATIONS,
  PLAYGROUND_LOSSES, PRESET_UNITS, SPEEDS, isGate, isRegression, type BatchMode, type Feature, type LayerState, type PlaygroundState,
} from './state.js';

/** What a change affects: the points, the network (both reset training), or only the learning rate or speed. */
export type ChangeKind = 'data' | 'network' | 'learningRate' | 'speed';

export interface ControlEvents {
  change(patch: Partial<PlaygroundState>, kind: ChangeKind): void;
  /** CSV text and label column to try (from the text box or an uploaded file). */
  csv(text: string, labelColumn: string, source: string): void;
}

/** The activation table's labels (one source for every name the library knows). */
const ACTIVATION_LABELS: Record<string, string> = Object.fromEntries(Object.values(ACTIVATION_TABLE).map((e) => [e.name, e.label]));
const LOSS_LABELS: Record<string, string> = {
  bce: 'binary cross-entropy', mse: 'mean squared error', mae: 'mean absolute error', sse: 'sum of squared errors', crossEntropy: 'cross-entropy (2 softmax outputs)',
};
const OPTIMIZER_LABELS: Record<string, string> = { sgd: 'SGD', momentum: 'SGD + momentum', adam: 'Adam', adamw: 'AdamW', rmsprop: 'RMSProp', adagrad: 'Adagrad' };

function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`playground: the page has no element #${id}`);
  return el as T;
}

function fillSelect(select: HTMLSelectElement, values: readonly string[], labels: Record<string, string>): void {
  select.replaceChildren(...values.map((v) => new Option(labels[v] ?? v, v)));
}

export class Controls {
  private readonly dataset = byId<HTMLSelectElement>('dataset');
  private readonly noise = byId<HTMLInputElement>('noise');
  private readonly noiseValue = byId<HTMLOutputElement>('noise-value');
  private readonly points = byId<HTMLInputElement>('points');
  private readonly trainRatio = byId<HTMLInputElement>('train-ratio');
  private readonly trainRatioValue = byId<HTMLOutputElement>('train-ratio-value');
  private readonly csvText = byId<HTMLTextAreaElement>('csv-text');
  private readonly labelColumn = byId<HTMLInputElement>('label-column');
  private readonly csvFile = byId<HTMLInputElement>('csv-file');
  private readonly layers = byId<HTMLOListElement>('layers');
  private readonly addLayer = byId<HTMLButtonElement>('add-layer');
  private readonly output = byId<HTMLSelectElement>('output-activation');
  private readonly loss = byId<HTMLSelectElement>('loss');
  private readonly optimizer = byId<HTMLSelectElement>('optimizer');
  private readonly learningRate = byId<HTMLInputElement>('learning-rate');
  private readonly batchSize = byId<HTMLInputElement>('batch-size');
  private readonly seed = byId<HTMLInputElement>('seed');
  private readonly batchRadios = [...document.querySelectorAll<HTMLInputElement>('input[name="batch-mode"]')];
  private readonly speed = byId<HTMLInputElement>('speed');
  private readonly speedValue = byId<HTMLOutputElement>('speed-value');
  private readonly l2 = byId<HTMLInputElement>('l2');
  private readonly lrDefault = byId<HTMLElement>('lr-default');
  private readonly featureBoxes: HTMLInputElement[];
  private current: PlaygroundState | null = null;

  constructor(private readonly events: ControlEvents) {
    fillSelect(this.dataset, DATASETS, DATASET_LABELS);
    fillSelect(this.output, OUTPUT_ACTIVATIONS, ACTIVATION_LABELS);
    fillSelect(this.loss, PLAYGROUND_LOSSES, LOSS_LABELS);
    fillSelect(this.optimizer, OPTIMIZERS, OPTIMIZER_LABELS);
    this.speed.max = String(SPEEDS.length - 1);
    const box = byId<HTMLFieldSetElement>('features');
    this.featureBoxes = FEATURES.map((f) => {
      const label = document.createElement('label');
      const input = document.createElement('input');
      input.type = 'checkbox';
      input.id = `feature-${FEATURES.indexOf(f)}`;
      input.value = f;
      label.append(input, ` ${FEATURE_LABELS[f]}`);
      box.append(label);
      return input;
    });
    this.bind();
  }

  private state(): PlaygroundState {
    if (!this.current) throw new Error('playground: controls used before show()');
    return this.current;
  }

  private bind(): void {
    const e = this.events;
    this.dataset.addEventListener('change', () => {
      const v = this.dataset.value as PlaygroundState['dataset'];
      if (v === 'csv') e.csv(this.csvText.value, this.labelColumn.value, 'CSV text');
      else e.change({ dataset: v }, 'data');
    });
    this.noise.addEventListener('input', () => { this.noiseValue.value = `${Math.round(Number(this.noise.value) * 100)}%`; });
    this.noise.addEventListener('change', () => e.change({ noise: Number(this.noise.value) }, 'data'));
    this.trainRatio.addEventListener('input', () => { this.trainRatioValue.value = `${Math.round(Number(this.trainRatio.value) * 100)}%`; });
    this.trainRatio.addEventListener('change', () => e.change({ trainRatio: Number(this.trainRatio.value) }, 'data'));
    this.points.addEventListener('change', () => this.numberChange(this.points, LIMITS.points, true, (n) => e.change({ points: n }, 'data')));
    byId<HTMLButtonElement>('csv-apply').addEventListener('click', () => e.csv(this.csvText.value, this.labelColumn.value, 'CSV text'));
    this.csvFile.addEventListener('change', () => {
      const file = this.csvFile.files?.[0];
      if (!file) return;
      void file.text().then((text) => {
        this.csvText.value = text;
        e.csv(text, this.labelColumn.value, file.name);
        this.csvFile.value = '';
      });
    });
    this.addLayer.addEventListener('click', () => {
      const hidden = this.state().hidden.map((l) => ({ ...l }));
      if (hidden.length >= LIMITS.hiddenLayers) return;
      hidden.push({ units: 2, activation: hidden[hidden.length - 1]?.activation ?? 'tanh' });
      e.change({ hidden }, 'network');
    });
    this.output.addEventListener('change', () => e.change({ output: this.output.value as PlaygroundState['output'] }, 'network'));
    this.loss.addEventListener('change', () => e.change({ loss: this.loss.value as PlaygroundState['loss'] }, 'network'));
    // A new optimizer starts from its own default learning rate (one that trains every preset).
    this.optimizer.addEventListener('change', () => {
      const optimizer = this.optimizer.value as PlaygroundState['optimizer'];
      e.change({ optimizer, learningRate: DEFAULT_LEARNING_RATES[optimizer] }, 'network');
    });
    this.speed.addEventListener('input', () => { this.speedValue.value = SPEEDS[Number(this.speed.value)].label; e.change({ speed: Number(this.speed.value) }, 'speed'); });
    this.l2.addEventListener('change', () => this.numberChange(this.l2, LIMITS.l2, false, (n) => e.change({ l2: n }, 'network')));
    for (const b of this.featureBoxes) {
      b.addEventListener('change', () => {
        const features = this.featureBoxes.filter((x) => x.checked).map((x) => x.value as Feature);
        if (features.length === 0) { b.checked = true; return; } // the network needs at least one input
        e.change({ features }, 'network');
      });
    }
    for (const b of document.querySelectorAll<HTMLButtonElement>('button[data-depth]')) {
      b.addEventListener('click', () => {
        const depth = Number(b.dataset.depth);
        e.change({ hidden: Array.from({ length: depth }, () => ({ units: PRESET_UNITS, activation: 'tanh' as const })) }, 'network');
      });
    }
    this.learningRate.addEventListener('change', () =>
      this.numberChange(this.learningRate, LIMITS.learningRate, false, (n) => e.change({ learningRate: n }, 'learningRate')));
    for (const r of this.batchRadios) r.addEventListener('change', () => { if (r.checked) e.change({ batchMode: r.value as BatchMode }, 'network'); });
    this.batchSize.addEventListener('change', () =>
      this.numberChange(this.batchSize, LIMITS.batchSize, true, (n) => e.change({ batchSize: n, batchMode: 'mini' }, 'network')));
    this.seed.addEventListener('change', () => this.numberChange(this.seed, LIMITS.seed, true, (n) => e.change({ seed: n }, 'data')));
  }

  /** Applies a number input if it is in range; otherwise marks it invalid and shows the running value again. */
  private numberChange(input: HTMLInputElement, [lo, hi]: readonly [number, number], integer: boolean, apply: (n: number) => void): void {
    const n = Number(input.value);
    const ok = input.value.trim() !== '' && Number.isFinite(n) && n >= lo && n <= hi && (!integer || Number.isInteger(n));
    input.setAttribute('aria-invalid', String(!ok));
    if (ok) apply(n);
    else {
      input.title = `Enter ${integer ? 'a whole number' : 'a number'} from ${lo} to ${hi}`;
      this.show(this.state());
    }
  }

  /** Shows a state in every control (the layer editor is rebuilt). */
  show(s: PlaygroundState): void {
    this.current = s;
    this.dataset.value = s.dataset;
    this.noise.value = String(s.noise);
    this.noiseValue.value = `${Math.round(s.noise * 100)}%`;
    this.points.value = String(s.points);
    this.trainRatio.value = String(s.trainRatio);
    this.trainRatioValue.value = `${Math.round(s.trainRatio * 100)}%`;
    for (const el of document.querySelectorAll<HTMLElement>('[data-for="synthetic"]')) el.hidden = isGate(s.dataset) || s.dataset === 'csv';
    for (const el of document.querySelectorAll<HTMLElement>('[data-for="split"]')) el.hidden = isGate(s.dataset);
    if (s.dataset === 'csv' && this.csvText.value !== s.csv) this.csvText.value = s.csv;
    if (document.activeElement !== this.labelColumn) this.labelColumn.value = s.labelColumn;
    const regress = isRegression(s.dataset);
    this.output.value = regress ? 'linear' : s.output;
    this.output.disabled = regress || s.loss === 'crossEntropy';
    this.output.title = regress ? 'a regression set predicts its number with a linear output' : s.loss === 'crossEntropy' ? 'cross-entropy uses two softmax outputs' : '';
    this.loss.value = regress ? 'mse' : s.loss;
    this.loss.disabled = regress;
    this.loss.title = regress ? 'a regression set is fitted by mean squared error' : '';
    this.optimizer.value = s.optimizer;
    this.learningRate.value = String(s.learningRate);
    this.lrDefault.textContent = `(default for ${OPTIMIZER_LABELS[s.optimizer]}: ${DEFAULT_LEARNING_RATES[s.optimizer]})`;
    this.l2.value = String(s.l2);
    this.speed.value = String(s.speed);
    this.speedValue.value = SPEEDS[s.speed].label;
    for (const b of this.featureBoxes) b.checked = s.features.includes(b.value as Feature);
    for (const r of this.batchRadios) r.checked = r.value === s.batchMode;
    this.batchSize.value = String(s.batchSize);
    this.seed.value = String(s.seed);
    for (const input of [this.points, this.learningRate, this.batchSize, this.seed, this.l2]) input.removeAttribute('aria-invalid');
    this.addLayer.disabled = s.hidden.length >= LIMITS.hiddenLayers;
    this.showLayers(s.hidden);
  }

  private showLayers(hidden: readonly LayerState[]): void {
    const focusedId = document.activeElement?.id ?? '';
    const items = hidden.map((layer, k) => {
      const li = document.createElement('li');
      const name = document.createElement('span');
      name.className = 'name';
      name.textContent = `Layer ${k + 1}`;
      const change = (next: LayerState | null) => {
        const all = hidden.map((l) => ({ ...l }));
        if (next) all[k] = next;
        else all.splice(k, 1);
        this.events.change({ hidden: all }, 'network');
      };
      const fewer = button(`layer-${k}-fewer`, '−', `Remove a unit from layer ${k + 1}`, () => { if (layer.units > 1) change({ ...layer, units: layer.units - 1 }); });
      fewer.disabled = layer.units <= 1;
      const unitsLabel = document.createElement('label');
      unitsLabel.htmlFor = `layer-${k}-units`;
      unitsLabel.textContent = 'units';
      const units = document.createElement('input');
      units.type = 'number';
      units.id = `layer-${k}-units`;
      units.min = '1';
      units.max = String(LIMITS.units);
      units.value = String(layer.units);
      units.addEventListener('change', () => this.numberChange(units, [1, LIMITS.units], true, (n) => change({ ...layer, units: n })));
      const more = button(`layer-${k}-more`, '+', `Add a unit to layer ${k + 1}`, () => { if (layer.units < LIMITS.units) change({ ...layer, units: layer.units + 1 }); });
      more.disabled = layer.units >= LIMITS.units;
      const actLabel = document.createElement('label');
      actLabel.htmlFor = `layer-${k}-activation`;
      actLabel.textContent = 'activation';
      const act = document.createElement('select');
      act.id = `layer-${k}-activation`;
      fillSelect(act, HIDDEN_ACTIVATIONS, ACTIVATION_LABELS);
      act.value = layer.activation;
      act.addEventListener('change', () => change({ ...layer, activation: act.value as LayerState['activation'] }));
      const remove = button(`layer-${k}-remove`, 'Remove', `Remove layer ${k + 1}`, () => change(null));
      li.append(name, unitsLabel, fewer, units, more, actLabel, act, remove);
      return li;
    });
    if (items.length === 0) {
      const li = document.createElement('li');
      li.textContent = 'No hidden layer: the inputs feed the output directly (one line can only separate linearly).';
      items.push(li);
    }
    this.layers.replaceChildren(...items);
    // Rebuilding the editor must not lose the keyboard user's place.
    if (focusedId.startsWith('layer-')) (document.getElementById(focusedId) ?? this.addLayer).focus();
  }
}

function button(id: string, text: string, label: string, onClick: () => void): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.id = id;
  b.textContent = text;
  b.setAttribute('aria-label', label);
  b.addEventListener('click', onClick);
  return b;
}

