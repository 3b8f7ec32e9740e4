/**
 * The page's controller: owns the one PlaygroundState, the data built from it and the training
 * worker; turns control events into state changes (writing the URL hash each time), sends commands
 * to the worker, and hands each snapshot to the views. All mutable page state lives in this object.
 */
import {
  DataError, listParams, neuronNames, Network, parseModel, resolveSpec, serializeModel, layerType, type DenseNetworkSpec as NetworkSpec, type NetworkSpec as AnyNetworkSpec,
} from '../../src/index.js';
import { Controls, type ChangeKind } from './controls.js';
import { buildData, networkSpec, type ExperimentData } from './experiment.js';
import type { FromWorker, HistoryPoint, LandscapeResult, Snapshot, ToWorker } from './protocol.js';
import {
  batchSizeOf, cloneState, defaultState, FEATURE_LABELS, featurize, HIDDEN_ACTIVATIONS, LIMITS, OUTPUT_ACTIVATIONS, parseHash, PLAYGROUND_LOSSES,
  stateToHash, type PlaygroundState,
} from './state.js';
import { BoundaryView } from './views/boundary.js';
import { LossChartView } from './views/chart.js';
import { short } from './views/colors.js';
import { ExplainView } from './views/explain.js';
import { LandscapeView } from './views/landscape.js';
import { NetworkView } from './views/network.js';

const GRID = 48;
/** While training, the landscape is recomputed this often, coarser (it pauses training while it runs). */
const LANDSCAPE_EVERY_MS = 4000;

function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`playground: the page has no element #${id}`);
  return el as T;
}

const percent = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '–');

/** A parameter of the landscape menus: its name and a label like 'w3 = w(x2→h1)'. */
interface ParamOption {
  name: string;
  label: string;
}

export class App {
  private state: PlaygroundState;
  private data: ExperimentData;
  private generation = 0;
  private readonly worker: Worker;
  private snapshot: Snapshot | null = null;
  private history: HistoryPoint[] = [];
  private landscape: LandscapeResult | null = null;
  private landscapeBusy = false;
  /** A landscape asked for while one was being computed: requested when that one arrives (true = coarse). */
  private landscapeQueued: boolean | null = null;
  private landscapeAt = 0;
  private landscapeTimer: ReturnType<typeof setTimeout> | null = null;
  private params: ParamOption[] = [];
  private picked: number | null = null;
  private explaining = false;
  /** Weights of an imported model, used by resets until the network is edited. */
  private imported: NetworkSpec | null = null;
  private probeId = 0;
  private frame = 0;
  private lastHash = '';

  private readonly controls: Controls;
  private readonly boundary = new BoundaryView(byId('boundary'));
  private readonly network = new NetworkView(byId('network'));
  private readonly chart = new LossChartView(byId('loss-chart'));
  private readonly landscapeView = new LandscapeView(byId('landscape'));
  private readonly explainView = new ExplainView({
    summary: byId('explain-summary'), formula: byId('explain-formula'), output: byId('explain-output'), overlay: byId('network-overlay'),
    stepper: byId('stepper'), stage: byId('explain-stage'), prev: byId('explain-prev'), next: byId('explain-next'), edit: byId('explain-edit'),
    weight: byId('explain-weight'), weightValue: byId('explain-weight-value'), weightLoss: byId('explain-weight-loss'), textToggle: byId('explain-text'),
  }, () => this.schedule());
  private readonly trainButton = byId<HTMLButtonElement>('train');

  constructor() {
    const { state, problems } = parseHash(location.hash);
    this.state = state;
    let data: ExperimentData;
    try {
      data = buildData(state);
    } catch (err) {
      problems.push(`link: ${(err as Error).message}; showing the default data instead`);
      this.state = { ...state, dataset: defaultState().dataset, csv: '' };
      data = buildData(this.state);
    }
    this.data = data;
    this.controls = new Controls({
      change: (patch, kind) => this.change(patch, kind),
      csv: (text, label, source) => this.tryCsv(text, label, source),
    });
    this.worker = new Worker('worker.js');
    this.worker.onmessage = (e: MessageEvent<FromWorker>) => this.receive(e.data);
    this.worker.onerror = (e) => this.status(`The training worker failed: ${e.message}`);
    this.bind();
    this.controls.show(this.state);
    this.writeHash();
    this.status(problems.join(' '));
    this.reset();
  }

  // ---------------------------------------------------------------- state changes

  private change(patch: Partial<PlaygroundState>, kind: ChangeKind): void {
    const next = { ...cloneState(this.state), ...patch };
    if (kind === 'learningRate') {
      this.state = next;
      this.post({ type: 'learningRate', value: next.learningRate });
      this.afterChange();
      return;
    }
    if (kind === 'speed') {
      this.state = next;
      this.post({ type: 'speed', value: next.speed });
      this.afterChange();
      return;
    }
    if (kind === 'data') {
      try {
        this.data = buildData(next);
      } catch (err) {
        this.dataError((err as Error).message);
        this.controls.show(this.state);
        return;
      }
    }
    this.adopt(next);
  }

  /** Makes `next` the experiment: a fresh network (an imported one is dropped) and a cleared data error. */
  private adopt(next: PlaygroundState): void {
    this.imported = null;
    this.state = next;
    this.dataError('');
    this.afterChange();
    this.reset();
  }

  /** A CSV from the text box or a file: used only if it parses and fits; otherwise the data stay. */
  private tryCsv(text: string, labelColumn: string, source: string): void {
    const next = { ...cloneState(this.state), dataset: 'csv' as const, csv: text, labelColumn };
    try {
      this.data = buildData(next);
    } catch (err) {
      const message = (err as Error).message.replace(/^CSV\b/, source);
      this.dataError(`${message}\nThe previous data are still in use.`);
      this.controls.show(this.state);
      return;
    }
    this.adopt(next);
  }

  private afterChange(): void {
    this.controls.show(this.state);
    this.writeHash();
  }

  private writeHash(): void {
    const hash = stateToHash(this.state);
    this.lastHash = hash;
    if (location.hash !== hash) history.replaceState(null, '', hash);
    byId<HTMLInputElement>('share-link').value = location.href;
    byId('data-summary').textContent = this.data.summary + (this.state.dataset === 'csv' && this.state.csv.length > LIMITS.csvInUrl ? ' (too long to put in the link)' : '');
  }

  private dataError(message: string): void {
    byId('data-error').textContent = message;
  }

  private status(message: string): void {
    byId('status').textContent = message;
  }

  // ---------------------------------------------------------------- the worker

  /** Numbers the Train/Pause/Step commands (see Snapshot.seq). */
  private commandSeq = 0;

  private post(msg: ToWorker): void {
    this.worker.postMessage(msg);
  }

  private reset(): void {
    this.generation++;
    this.snapshot = null;
    this.history = [];
    this.landscape = null;
    this.picked = this.picked !== null && this.picked < this.data.train.x.length ? this.picked : null;
    const spec = networkSpec(this.state);
    this.params = paramOptions(this.imported ?? (new Network(spec).toJSON() as NetworkSpec));
    const names = this.params.map((p) => p.name);
    const weights = this.params.filter((p) => p.name.includes('weight')).map((p) => p.name);
    if (!names.includes(this.state.landscapeX) || !names.includes(this.state.landscapeY) || this.state.landscapeX === this.state.landscapeY) {
      this.state.landscapeX = weights[0] ?? names[0];
      this.state.landscapeY = weights.find((n) => n !== this.state.landscapeX) ?? names[1];
      this.writeHash();
    }
    this.showParamMenus();
    // No stale numbers: the readouts stay empty until the new network's first snapshot.
    for (const id of ['loss-train', 'loss-test', 'accuracy-train', 'accuracy-test']) byId(id).textContent = '–';
    byId('epoch').textContent = '0';
    byId('updates').textContent = '';
    byId('hint').textContent = '';
    this.post({
      type: 'reset', generation: this.generation,
      config: {
        spec, weights: this.imported ?? undefined, optimizer: this.state.optimizer, learningRate: this.state.learningRate,
        batchSize: batchSizeOf(this.state), seed: this.state.seed, train: this.data.train, test: this.data.test,
        domain: this.data.domain, gridSize: GRID, landscape: [this.state.landscapeX, this.state.landscapeY],
        features: this.state.features, l2: this.state.l2, speed: this.state.speed, task: this.data.task,
      },
    });
    const point = byId<HTMLInputElement>('explain-point');
    point.max = String(this.data.train.x.length);
    if (this.picked === null) this.explainView.clear('');
  }

  private receive(msg: FromWorker): void {
    switch (msg.type) {
      case 'snapshot': {
        const s = msg.snapshot;
        if (s.generation !== this.generation) return;
        const first = this.snapshot === null;
        this.snapshot = s;
        this.history.push(...s.history);
        // Long runs: keep the chart's history bounded by thinning it 2:1 (the last point stays).
        if (this.history.length > 4000) this.history = this.history.filter((_, i, all) => i % 2 === 0 || i === all.length - 1);
        // A snapshot sent before the worker saw the latest Train/Pause/Step says nothing about the
        // button: it would flip it back (Pause clicked, then a snapshot of the still-running loop).
        if (s.seq >= this.commandSeq) {
          this.trainButton.textContent = s.running ? 'Pause' : 'Train';
          this.trainButton.setAttribute('aria-pressed', String(s.running));
        }
        this.schedule();
        if (first || !s.running) this.requestLandscape(first ? 300 : 150, false);
        else if (performance.now() - this.landscapeAt > LANDSCAPE_EVERY_MS) this.requestLandscape(0, true);
        // a new network (first snapshot) is explained afresh; new weights of the same one keep the stage
        if (!s.running && this.picked !== null && this.explaining) {
          if (first) this.explain(this.picked);
          else this.explainView.refresh(s.spec);
        }
        byId('hint').textContent = s.stalled > 0
          ? `Loss flat for ${s.stalled} epochs: try a smaller learning rate (now ${this.state.learningRate}).`
          : '';
        return;
      }
      case 'landscape':
        this.landscapeDone();
        if (msg.result.generation !== this.generation) return;
        this.landscape = msg.result;
        this.schedule();
        return;
      case 'probe': {
        if (msg.generation !== this.generation || msg.id !== this.probeId) return;
        const out = byId<HTMLOutputElement>('probe-output');
        const o = msg.outputs[0];
        const score = o.length === 2 ? o[1] : o[0];
        out.dataset.outputs = JSON.stringify(msg.outputs);
        out.value = this.data.task === 'regress'
          ? `predicted value ${o[0].toPrecision(6)}`
          : `output ${o.map((v) => v.toPrecision(6)).join(', ')} → class ${score > 0.5 ? this.data.classes[1] : this.data.classes[0]}`;
        return;
      }
      case 'error':
        if (msg.message.startsWith('loss landscape:')) this.landscapeDone();
        if (msg.generation !== this.generation) return;
        this.status(msg.message);
        return;
    }
  }

  private landscapeDone(): void {
    this.landscapeBusy = false;
    if (this.landscapeQueued !== null) {
      const coarse = this.landscapeQueued;
      this.landscapeQueued = null;
      this.requestLandscape(0, coarse);
    }
  }

  /** Asks the worker for the landscape after `delay` ms; `coarse` (while training) uses a smaller grid. */
  private requestLandscape(delay: number, coarse = false): void {
    if (this.landscapeTimer !== null) clearTimeout(this.landscapeTimer);
    this.landscapeTimer = setTimeout(() => {
      this.landscapeTimer = null;
      if (this.landscapeBusy) {
        this.landscapeQueued = coarse && this.landscapeQueued !== false;
        return;
      }
      this.landscapeBusy = true;
      this.landscapeAt = performance.now();
      const size = coarse ? 19 : this.data.train.x.length > 250 ? 25 : 37;
      this.post({ type: 'landscape', params: [this.state.landscapeX, this.state.landscapeY], size });
    }, delay);
  }

  // ---------------------------------------------------------------- rendering

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private render(): void {
    const s = this.snapshot;
    const showTest = byId<HTMLInputElement>('show-test').checked;
    this.boundary.render({ data: this.data, scores: s?.boundary ?? null, gridSize: s?.gridSize ?? GRID, picked: this.picked, showTest });
    byId('boundary').setAttribute('aria-label', this.boundaryDescription());
    byId('boundary-h').textContent = this.data.task === 'regress' ? 'Prediction over the input square' : 'Decision boundary';
    byId('boundary-note').textContent = this.data.task === 'regress'
      ? 'Each point\'s colour is its value, orange −1 to blue 1; the shade is the network\'s prediction. Training points have a white rim, test points a dark one. Click a training point to explain it.'
      : 'Blue is class 1, orange class 0; the shade is the network\'s score. Training points have a white rim, test points a dark one. Click a training point to explain it.';
    if (!s) return;
    byId('epoch').textContent = String(s.epoch);
    byId('loss-train').textContent = short(s.trainLoss, 4);
    byId('loss-test').textContent = short(s.testLoss, 4);
    byId('accuracy-train').textContent = percent(s.trainAccuracy);
    byId('accuracy-test').textContent = percent(s.testAccuracy);
    byId('updates').textContent = `${s.updates} updates (${s.batchesPerEpoch} per epoch) · backend ${s.backend}`;
    this.chart.render(this.history);
    const inputNames = this.state.features.map((f) => (f === 'x1' || f === 'x2' ? this.data.inputNames[f === 'x1' ? 0 : 1] : FEATURE_LABELS[f]));
    byId('network-description').textContent = this.network.render({
      spec: s.spec, neurons: s.neurons, boundary: s.boundary, gridSize: s.gridSize, inputNames, highlight: this.explainView.highlight(), task: this.data.task,
    });
    this.explainView.drawOverlay(this.network.geometry);
    if (this.landscape) {
      const label = (name: string) => this.params.find((p) => p.name === name)?.label.split(' = ')[0] ?? name;
      const tracked = this.landscape.params[0] === this.state.landscapeX && this.landscape.params[1] === this.state.landscapeY;
      const path = tracked && s.path.length > 0 ? s.path : this.landscape.path;
      const text = this.landscapeView.render(this.landscape, path, [label(this.landscape.params[0]), label(this.landscape.params[1])]);
      byId('landscape').setAttribute('aria-label', text);
      byId('landscape-note').textContent = `${text} The surface is a slice through the current weights (the others held fixed)${s.running ? '; it is recomputed every few seconds while training' : ''}.`;
    }
  }

  private boundaryDescription(): string {
    const s = this.snapshot;
    const d = this.data;
    const acc = !s ? '' : d.task === 'regress'
      ? ` Mean squared error ${short(s.trainLoss, 3)} on the training points and ${short(s.testLoss, 3)} on the test points.`
      : ` The network classifies ${percent(s.trainAccuracy)} of the training points and ${percent(s.testAccuracy)} of the test points correctly.`;
    return `Decision boundary over ${d.inputNames[0]} and ${d.inputNames[1]}: ${d.summary}.${acc}`;
  }

  private showParamMenus(): void {
    for (const [id, value] of [['landscape-x', this.state.landscapeX], ['landscape-y', this.state.landscapeY]] as const) {
      const select = byId<HTMLSelectElement>(id);
      select.replaceChildren(...this.params.map((p) => new Option(p.label, p.name)));
      select.value = value;
    }
  }

  // ---------------------------------------------------------------- actions

  private bind(): void {
    this.trainButton.addEventListener('click', () => {
      const running = this.trainButton.textContent === 'Pause';
      this.post({ type: running ? 'pause' : 'train', seq: ++this.commandSeq });
      this.trainButton.textContent = running ? 'Train' : 'Pause';
    });
    byId('step').addEventListener('click', () => {
      this.post({ type: 'step', seq: ++this.commandSeq });
      this.trainButton.textContent = 'Train';
    });
    byId('reset').addEventListener('click', () => {
      this.trainButton.textContent = 'Train';
      this.reset();
    });
    byId('show-test').addEventListener('change', () => this.schedule());
    for (const id of ['landscape-x', 'landscape-y'] as const) {
      byId<HTMLSelectElement>(id).addEventListener('change', (e) => {
        const value = (e.target as HTMLSelectElement).value;
        const other = id === 'landscape-x' ? this.state.landscapeY : this.state.landscapeX;
        if (value === other) {
          this.status('The landscape needs two different parameters.');
          this.showParamMenus();
          return;
        }
        if (id === 'landscape-x') this.state.landscapeX = value;
        else this.state.landscapeY = value;
        this.writeHash();
        this.requestLandscape(0);
      });
    }
    byId('landscape-refresh').addEventListener('click', () => this.requestLandscape(0));
    byId('boundary').addEventListener('click', (e) => {
      const i = this.boundary.pointAt(this.data, e.offsetX, e.offsetY);
      if (i !== null) this.explain(i);
    });
    byId('explain').addEventListener('click', () => {
      const input = byId<HTMLInputElement>('explain-point');
      const n = Number(input.value);
      if (!Number.isInteger(n) || n < 1 || n > this.data.train.x.length) {
        input.setAttribute('aria-invalid', 'true');
        this.explainView.clear(`Pick a training point from 1 to ${this.data.train.x.length}.`);
        return;
      }
      input.removeAttribute('aria-invalid');
      this.explain(n - 1);
    });
    byId('copy-link').addEventListener('click', () => {
      const field = byId<HTMLInputElement>('share-link');
      field.select();
      void navigator.clipboard?.writeText(field.value).then(
        () => this.status('Link copied.'),
        () => this.status('Select the link and copy it (the browser refused clipboard access).'),
      );
    });
    byId('export-model').addEventListener('click', () => this.exportModel());
    const importInput = byId<HTMLInputElement>('import-model');
    importInput.addEventListener('change', () => {
      const file = importInput.files?.[0];
      if (!file) return;
      void file.text().then((text) => {
        this.importModel(text, file.name);
        importInput.value = '';
      });
    });
    byId('probe').addEventListener('click', () => {
      const x1 = Number(byId<HTMLInputElement>('probe-x1').value), x2 = Number(byId<HTMLInputElement>('probe-x2').value);
      if (!Number.isFinite(x1) || !Number.isFinite(x2)) {
        byId<HTMLOutputElement>('probe-output').value = 'Enter two numbers.';
        return;
      }
      this.post({ type: 'probe', id: ++this.probeId, points: [[x1, x2]] });
    });
    window.addEventListener('hashchange', () => {
      if (location.hash === this.lastHash) return;
      const { state, problems } = parseHash(location.hash);
      try {
        this.data = buildData(state);
      } catch (err) {
        this.status(`link: ${(err as Error).message}`);
        this.writeHash();
        return;
      }
      this.state = state;
      this.imported = null;
      this.status(problems.join(' '));
      this.afterChange();
      this.reset();
    });
    window.addEventListener('resize', () => this.schedule());
  }

  private explain(index: number): void {
    const s = this.snapshot;
    if (!s) return;
    this.picked = index;
    this.explaining = true;
    byId<HTMLInputElement>('explain-point').value = String(index + 1);
    try {
      this.explainView.render({
        spec: s.spec, index, input: featurize(this.data.train.x[index], this.state.features), label: this.data.train.label[index],
        className: this.data.classes[this.data.train.label[index]], learningRate: this.state.learningRate, optimizer: this.state.optimizer,
      });
    } catch (err) {
      this.explainView.clear((err as Error).message);
    }
    this.schedule();
  }

  private exportModel(): void {
    const s = this.snapshot;
    if (!s) return;
    const metadata = {
      source: 'backprop playground', dataset: this.state.dataset, link: stateToHash(this.state), epoch: s.epoch, updates: s.updates,
      optimizer: this.state.optimizer, learningRate: this.state.learningRate, batchSize: batchSizeOf(this.state),
      trainLoss: s.trainLoss, testLoss: s.testLoss, trainAccuracy: s.trainAccuracy, testAccuracy: s.testAccuracy,
      inputs: this.data.inputNames, classes: this.data.classes,
    };
    const text = serializeModel({ network: new Network(s.spec), preprocessing: this.data.preprocessing, metadata });
    const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `backprop-${this.state.dataset}-epoch${s.epoch}.json`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    this.status(`Exported ${a.download}: 'backprop predict ${a.download} points.csv' reads it (columns ${this.data.inputNames.join(', ')}).`);
  }

  private importModel(text: string, source: string): void {
    let spec: NetworkSpec;
    try {
      const raw = parseModel(text, source).network.toJSON();
      checkPlayable(raw, source);
      spec = raw;
    } catch (err) {
      this.status((err as Error).message);
      return;
    }
    const out = spec.layers[spec.layers.length - 1];
    this.state = {
      ...cloneState(this.state),
      hidden: spec.layers.slice(0, -1).map((l) => ({ units: l.units, activation: l.activation as PlaygroundState['hidden'][number]['activation'] })),
      features: ['x1', 'x2'],
      output: out.activation === 'softmax' ? this.state.output : (out.activation as PlaygroundState['output']),
      loss: spec.loss as PlaygroundState['loss'],
      seed: spec.seed !== undefined && Number.isInteger(spec.seed) && spec.seed >= 0 ? spec.seed : this.state.seed,
    };
    this.imported = spec;
    this.afterChange();
    this.reset();
    this.status(`Imported ${source}: ${spec.layers.map((l) => `${l.units} ${l.activation}`).join(' → ')}. Its weights are not part of the link; the link rebuilds the network from its seed.`);
  }
}

/** The landscape menus' entries, named the way the library names parameters. */
function paramOptions(spec: NetworkSpec): ParamOption[] {
  const full = resolveSpec('playground', spec);
  const names = neuronNames(full);
  return listParams(full).map((p) => ({
    name: p.name,
    label: p.kind === 'weight' ? `${p.alias} = w(${names[p.layer][p.col]}→${names[p.layer + 1][p.row]})` : `${p.alias} = b(${names[p.layer + 1][p.row]})`,
  }));
}

/** Whether the playground can show a network: dense layers only, 2 inputs, its layer limits, one score output. */
function checkPlayable(spec: AnyNetworkSpec, source: string): asserts spec is NetworkSpec {
  const fail = (why: string): never => { throw new DataError(`${source}: ${why}`); };
  // The playground draws neurons and their weights: other layer types are refused by name.
  spec.layers.forEach((l, k) => {
    if (layerType(l) !== 'dense') fail(`layers[${k}] is a ${layerType(l)} layer; the playground draws dense layers only (train it with backprop train --architecture)`);
  });
  if (spec.inputs !== 2) fail(`the network takes ${spec.inputs} inputs; the playground's data have 2`);
  const hidden = spec.layers.slice(0, -1);
  if (hidden.length > LIMITS.hiddenLayers) fail(`${hidden.length} hidden layers; the playground shows up to ${LIMITS.hiddenLayers}`);
  hidden.forEach((l, k) => {
    if (l.units! > LIMITS.units) fail(`hidden layer ${k + 1} has ${l.units} units; the playground shows up to ${LIMITS.units}`);
    if (!(HIDDEN_ACTIVATIONS as readonly string[]).includes(l.activation ?? 'linear')) fail(`hidden layer ${k + 1} uses ${l.activation}, which the playground does not offer (${HIDDEN_ACTIVATIONS.join(', ')})`);
  });
  const out = spec.layers[spec.layers.length - 1];
  const loss = spec.loss ?? 'mse';
  if (!(PLAYGROUND_LOSSES as readonly string[]).includes(loss)) fail(`loss ${loss} is not one the playground offers (${PLAYGROUND_LOSSES.join(', ')})`);
  const softmaxPair = out.units === 2 && out.activation === 'softmax' && loss === 'crossEntropy';
  const single = out.units === 1 && (OUTPUT_ACTIVATIONS as readonly string[]).includes(out.activation ?? 'linear') && loss !== 'crossEntropy';
  if (!softmaxPair && !single) fail(`the output layer (${out.units} ${out.activation ?? 'linear'}, loss ${loss}) is not one score: the playground takes 1 output (${OUTPUT_ACTIVATIONS.join(', ')}) or 2 softmax outputs with crossEntropy`);
}
