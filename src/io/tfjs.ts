/**
 * TensorFlow.js Layers format, both ways: a backprop network as `model.json` (a Sequential of Dense
 * layers, plus LeakyReLU layers) with its float32 weights, loadable by `tf.loadLayersModel`; and a
 * Layers model of dense layers and supported activations as a backprop Network. Browser-safe (no
 * files: src/io/tfjs-file.ts reads and writes them). Anything without an exact counterpart is an
 * error naming the layer or activation and the format, never a silent approximation.
 */
import { ACTIVATION_TABLE } from '../nn/activations.js';
import { DataError, ValueError } from '../tensor/errors.js';
import { Network } from '../train/network.js';
import type { ActivationName, LayerSpec, LayerTypeName, LossName, NetworkSpec } from '../spec/index.js';
import { checkFeatureCount, parsePreprocessor, type Preprocessor } from '../data/tabular.js';

export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: unknown;
}

export interface TfjsWeightsGroup {
  paths: string[];
  weights: TfjsWeightSpec[];
}

/** The `model.json` of the Layers format (what `tf.loadLayersModel` reads). */
export interface TfjsModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  modelTopology: unknown;
  weightsManifest: TfjsWeightsGroup[];
  trainingConfig?: unknown;
  /** backprop stores `{ backprop: { preprocessing, featureNames } }` here; tfjs keeps it as userDefinedMetadata. */
  userDefinedMetadata?: Record<string, unknown>;
}

/** A Layers model as written: model.json plus the bytes of its weights file (little-endian float32). */
export interface TfjsArtifacts {
  modelJson: TfjsModelJson;
  weights: Uint8Array;
}

export interface TfjsExportOptions {
  /** The weights file's name inside the model folder (default 'weights.bin'). */
  weightsPath?: string;
  /** The model file's preprocessing, stored in userDefinedMetadata so `backprop import` restores it. */
  preprocessing?: Preprocessor;
}

const FORMAT = 'TensorFlow.js Layers';
/** Activations a Dense layer carries in both libraries (the activation table's tfjs names). */
const DENSE_ACTIVATIONS: readonly ActivationName[] = Object.values(ACTIVATION_TABLE).filter((e) => e.tfjs !== null).map((e) => e.name);
/** Keras/TF.js spellings of the same activations. */
const TFJS_ACTIVATION: Record<string, ActivationName> = Object.fromEntries(Object.values(ACTIVATION_TABLE).filter((e) => e.tfjs !== null).map((e) => [e.tfjs!, e.name]));

function denseConfig(name: string, units: number, activation: string, inputs: number | null): Record<string, unknown> {
  const config: Record<string, unknown> = {
    units,
    activation,
    use_bias: true,
    kernel_initializer: { class_name: 'VarianceScaling', config: { scale: 1, mode: 'fan_avg', distribution: 'normal', seed: null } },
    bias_initializer: { class_name: 'Zeros', config: {} },
    kernel_regularizer: null,
    bias_regularizer: null,
    activity_regularizer: null,
    kernel_constraint: null,
    bias_constraint: null,
    name,
    trainable: true,
  };
  if (inputs !== null) config.batch_input_shape = [null, inputs];
  config.dtype = 'float32';
  return config;
}

/** float32 little-endian bytes, whatever the platform's byte order. */
function writeFloats(view: DataView, offset: number, values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) view.setFloat32(offset + i * 4, values[i], true);
  return offset + values.length * 4;
}

const EXPORT_KEYS = ['weightsPath', 'preprocessing'];

/**
 * Which layer types the TensorFlow.js export writes: true, or the reason it refuses the type. Typed
 * over every layer type, so a new type without an entry fails the build.
 */
export const TFJS_LAYERS: { readonly [T in LayerTypeName]: true | string } = {
  dense: true,
  conv2d: 'TensorFlow.js convolutions are channels-last (NHWC) and backprop is NCHW; the kernel and the flatten order would need transposing, which this export does not do yet (export ONNX instead)',
  conv1d: 'TensorFlow.js convolutions are channels-last and backprop is channels-first; export ONNX instead',
  maxPool2d: 'pooling needs the channels-last layout TensorFlow.js uses; export ONNX instead',
  avgPool2d: 'pooling needs the channels-last layout TensorFlow.js uses; export ONNX instead',
  globalAvgPool2d: 'pooling needs the channels-last layout TensorFlow.js uses; export ONNX instead',
  flatten: 'flatten after a channels-first layer orders values differently in TensorFlow.js; export ONNX instead',
  dropout: 'not written yet (it is the identity at inference: remove the layer from the spec, or export ONNX)',
  // normalisation, embedding, attention: this export writes Dense stacks only
  batchNorm: 'this export writes Dense stacks only (a BatchNormalization layer, its running statistics and channel axis are not written yet); export ONNX instead',
  layerNorm: 'this export writes Dense stacks only (LayerNormalization is not written yet); export ONNX instead',
  embedding: 'this export writes Dense stacks on float inputs only (an Embedding takes integer indices); export ONNX instead',
  attention: "TensorFlow.js Layers has no MultiHeadAttention layer to load; export ONNX instead",
  /* issue 12, recurrent: */
  lstm: 'not written yet (TensorFlow.js keeps one kernel [features, 4·units] and one bias per LSTM; export ONNX or PyTorch instead)',
  gru: 'not written yet (TensorFlow.js would need resetAfter: true and its own kernel layout; export ONNX or PyTorch instead)',
  rnn: 'not written yet (TensorFlow.js SimpleRNN keeps its kernel transposed and one bias; export ONNX or PyTorch instead)',
};

/**
 * A network in the TensorFlow.js Layers format. Dense weights are transposed to TF.js's kernel
 * layout [in, out]; a leakyRelu layer becomes a linear Dense followed by a LeakyReLU layer. A 'step'
 * activation has no Layers counterpart and is an error.
 * @example
 * const { modelJson, weights } = exportTfjs(net);
 * const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest[0].weights, weightData: weights.buffer }));
 */
export function exportTfjs(network: Network, options: TfjsExportOptions = {}): TfjsArtifacts {
  if (!(network instanceof Network)) throw new ValueError('exportTfjs: expected a Network as the first argument');
  for (const k of Object.keys(options)) if (!EXPORT_KEYS.includes(k)) throw new ValueError(`exportTfjs: unknown option '${k}' (known: ${EXPORT_KEYS.join(', ')})`);
  const weightsPath = options.weightsPath ?? 'weights.bin';
  if (weightsPath === '' || /[/\\]/.test(weightsPath)) throw new ValueError(`exportTfjs: weightsPath must be a plain file name, got ${JSON.stringify(weightsPath)}`);
  for (const l of network.architecture) {
    const ok = TFJS_LAYERS[l.type];
    if (ok !== true) throw new ValueError(`${FORMAT} export: layers[${l.index}] is ${/^[aeiou]/.test(l.type) ? 'an' : 'a'} ${l.type} layer, which this export does not support: ${ok}`);
  }
  if (network.inputShape.length > 1) throw new ValueError(`${FORMAT} export: the network takes samples of shape [${network.inputShape.join(', ')}]; this export writes dense networks on a number of inputs (export ONNX instead)`);
  const layers: { class_name: string; config: Record<string, unknown> }[] = [];
  const specs: TfjsWeightSpec[] = [];
  let bytes = 0;
  network.layers.forEach((layer, li) => {
    const act = layer.activation;
    if (act !== 'leakyRelu' && !DENSE_ACTIVATIONS.includes(act)) {
      throw new ValueError(`${FORMAT} export: layers[${li}] has activation '${act}', which TensorFlow.js Layers does not have (supported: ${DENSE_ACTIVATIONS.join(', ')}, leakyRelu)`);
    }
    const name = `dense_${li + 1}`;
    layers.push({ class_name: 'Dense', config: denseConfig(name, layer.outFeatures, act === 'leakyRelu' ? 'linear' : ACTIVATION_TABLE[act].tfjs!, li === 0 ? network.inputs : null) });
    if (act === 'leakyRelu') layers.push({ class_name: 'LeakyReLU', config: { alpha: layer.alpha, name: `leaky_re_lu_${li + 1}`, trainable: true } });
    specs.push({ name: `${name}/kernel`, shape: [layer.inFeatures, layer.outFeatures], dtype: 'float32' }, { name: `${name}/bias`, shape: [layer.outFeatures], dtype: 'float32' });
    bytes += (layer.inFeatures + 1) * layer.outFeatures * 4;
  });
  const weights = new Uint8Array(bytes);
  const view = new DataView(weights.buffer);
  let offset = 0;
  for (const layer of network.layers) {
    const w = layer.weight.data; // [out, in]
    const kernel = new Float64Array(layer.inFeatures * layer.outFeatures); // [in, out]
    for (let j = 0; j < layer.outFeatures; j++) for (let i = 0; i < layer.inFeatures; i++) kernel[i * layer.outFeatures + j] = w[j * layer.inFeatures + i];
    offset = writeFloats(view, offset, kernel);
    offset = writeFloats(view, offset, layer.bias ? layer.bias.data : new Float32Array(layer.outFeatures));
  }
  const modelJson: TfjsModelJson = {
    format: 'layers-model',
    generatedBy: 'backprop',
    convertedBy: null,
    modelTopology: { class_name: 'Sequential', config: { name: 'backprop', layers }, keras_version: 'tfjs-layers 4.22.0', backend: 'tensor_flow.js' },
    weightsManifest: [{ paths: [weightsPath], weights: specs }],
  };
  if (options.preprocessing) modelJson.userDefinedMetadata = { backprop: { preprocessing: options.preprocessing, loss: network.loss } };
  else modelJson.userDefinedMetadata = { backprop: { loss: network.loss } };
  return { modelJson, weights };
}

// ---------------------------------------------------------------------------------------------
// Import

interface LayerJson { class_name: string; config: Record<string, unknown>; inbound_nodes?: unknown }

export interface TfjsImport {
  network: Network;
  /** Restored from userDefinedMetadata when the model was exported by backprop with preprocessing. */
  preprocessing?: Preprocessor;
  /** What was dropped or folded on the way in (Dropout layers, Activation layers merged into a Dense). */
  notes: string[];
}

function fail(source: string, message: string): never {
  throw new DataError(`${source}: ${message}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The layer list of a Sequential model, or of a functional model that is a plain chain. */
function layerList(topology: unknown, source: string): LayerJson[] {
  // model.json may hold the Keras config under model_config (models converted from Keras files).
  const raw = isObject(topology) && isObject(topology.model_config) ? topology.model_config : topology;
  if (!isObject(raw) || typeof raw.class_name !== 'string') fail(source, `modelTopology is not a ${FORMAT} model (expected { class_name, config })`);
  const top = raw as Record<string, unknown>;
  const cls = top.class_name as string;
  const config = top.config;
  const layers = Array.isArray(config) ? config : isObject(config) ? config.layers : undefined;
  if (!Array.isArray(layers) || layers.length === 0) fail(source, `the ${cls} model has no layers`);
  for (const [i, l] of layers.entries()) {
    if (!isObject(l) || typeof l.class_name !== 'string' || !isObject(l.config)) fail(source, `modelTopology layer ${i} is not { class_name, config }`);
  }
  const list = layers as LayerJson[];
  if (cls === 'Sequential') return list;
  if (cls === 'Model' || cls === 'Functional') {
    // A functional model imports only when each layer takes exactly the previous one's output.
    list.forEach((l, i) => {
      if (i === 0) return;
      const prev = String(list[i - 1].config.name);
      const inbound = JSON.stringify(l.inbound_nodes ?? []);
      const names = [...inbound.matchAll(/\["([^"]+)",\s*\d+,\s*\d+/g)].map((m) => m[1]);
      if (names.length !== 1 || names[0] !== prev) {
        fail(source, `layer '${String(l.config.name)}' (${l.class_name}) does not simply follow '${prev}'; backprop imports ${FORMAT} models that are one chain of layers (Sequential)`);
      }
    });
    return list;
  }
  return fail(source, `a ${cls} model is not a ${FORMAT} Sequential model; backprop imports Sequential models (or functional ones that are one chain of layers)`);
}

/** Weights by name, read as float32 little-endian from the concatenated weight files. */
function readWeights(manifest: unknown, data: Uint8Array, source: string): { specs: TfjsWeightSpec[]; values: Map<string, Float32Array> } {
  if (!Array.isArray(manifest)) fail(source, "'weightsManifest' must be an array of { paths, weights }");
  const specs: TfjsWeightSpec[] = [];
  for (const group of manifest as unknown[]) {
    if (!isObject(group) || !Array.isArray(group.weights)) fail(source, "each weightsManifest entry needs a 'weights' list");
    specs.push(...(group.weights as TfjsWeightSpec[]));
  }
  const values = new Map<string, Float32Array>();
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let offset = 0;
  for (const s of specs) {
    if (!isObject(s) || typeof s.name !== 'string' || !Array.isArray(s.shape)) fail(source, 'a weight entry needs a name and a shape');
    if (s.quantization !== undefined) fail(source, `weight '${s.name}' is quantized; backprop imports float32 weights only: save the model without quantization`);
    if (s.dtype !== 'float32') fail(source, `weight '${s.name}' has dtype ${String(s.dtype)}; backprop imports float32 weights only`);
    const n = s.shape.reduce((a: number, b: number) => a * b, 1);
    if (offset + n * 4 > data.byteLength) fail(source, `the weight files hold ${data.byteLength} bytes but the manifest needs more (at '${s.name}'); a weights file is missing or truncated`);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = view.getFloat32(offset + i * 4, true);
    values.set(s.name, out);
    offset += n * 4;
  }
  if (offset !== data.byteLength) fail(source, `the weight files hold ${data.byteLength} bytes but the manifest describes ${offset}; they do not belong together`);
  return { specs, values };
}

const LOSS_BY_TFJS: Record<string, LossName> = {
  meanSquaredError: 'mse', mean_squared_error: 'mse', mse: 'mse',
  meanAbsoluteError: 'mae', mean_absolute_error: 'mae', mae: 'mae',
  binaryCrossentropy: 'bce', binary_crossentropy: 'bce',
  categoricalCrossentropy: 'crossEntropy', categorical_crossentropy: 'crossEntropy',
  sparseCategoricalCrossentropy: 'crossEntropy', sparse_categorical_crossentropy: 'crossEntropy',
};

function lossFor(json: TfjsModelJson, last: ActivationName): LossName {
  const stored = isObject(json.userDefinedMetadata) && isObject(json.userDefinedMetadata.backprop) ? json.userDefinedMetadata.backprop.loss : undefined;
  if (typeof stored === 'string' && ['mse', 'sse', 'mae', 'bce', 'crossEntropy'].includes(stored)) return stored as LossName;
  const tc = json.trainingConfig;
  if (isObject(tc) && typeof tc.loss === 'string' && LOSS_BY_TFJS[tc.loss]) return LOSS_BY_TFJS[tc.loss];
  return last === 'softmax' ? 'crossEntropy' : last === 'sigmoid' ? 'bce' : 'mse';
}

/**
 * A TensorFlow.js Layers model (model.json and its weight bytes, all weight files concatenated in
 * manifest order) as a backprop Network. Dense layers with linear, sigmoid, tanh, relu or softmax
 * activations import directly; Activation, ReLU, LeakyReLU and Softmax layers fold into the Dense
 * before them when it is linear; Dropout (inactive at inference) and InputLayer are skipped. Other
 * layers and activations are errors that name them.
 * @example const { network } = importTfjs(JSON.parse(modelJsonText), weightBytes, 'model.json');
 */
export function importTfjs(modelJson: unknown, weights: Uint8Array | ArrayBuffer, source = 'model.json'): TfjsImport {
  if (!isObject(modelJson)) fail(source, `expected the JSON object of a ${FORMAT} model (model.json)`);
  const json = modelJson as unknown as TfjsModelJson;
  if (json.format !== undefined && json.format !== 'layers-model') {
    fail(source, `format is '${String(json.format)}'; backprop imports the ${FORMAT} format ('layers-model'), not a graph model`);
  }
  if (json.modelTopology === undefined) fail(source, `no 'modelTopology'; is this a ${FORMAT} model.json?`);
  const data = weights instanceof Uint8Array ? weights : new Uint8Array(weights);
  const { specs, values } = readWeights(json.weightsManifest, data, source);
  const used = new Set<string>();
  const notes: string[] = [];
  const layers: LayerSpec[] = [];
  let inputs: number | null = null;
  let width: number | null = null;

  const weightFor = (layerName: string, kind: 'kernel' | 'bias', shape: number[], desc: string): Float32Array => {
    const named = specs.find((s) => !used.has(s.name) && (s.name === `${layerName}/${kind}` || s.name.endsWith(`/${layerName}/${kind}`)));
    // Names can differ from the layer's (a renamed layer); weights are stored in layer order, so take the next one.
    const spec = named ?? specs.find((s) => !used.has(s.name));
    if (!spec) fail(source, `${desc}: no ${kind} weights left in weightsManifest`);
    if (spec.shape.length !== shape.length || spec.shape.some((d, i) => d !== shape[i])) {
      fail(source, `${desc}: ${kind} '${spec.name}' has shape [${spec.shape.join(', ')}], expected [${shape.join(', ')}]`);
    }
    used.add(spec.name);
    return values.get(spec.name)!;
  };

  /** Puts an activation layer's function on the Dense before it, if that Dense is linear. */
  const fold = (act: ActivationName, alpha: number | undefined, desc: string): void => {
    const prev = layers[layers.length - 1];
    if (!prev) fail(source, `${desc} comes before any Dense layer; backprop's layers are Dense layers with an activation`);
    const prevAct = prev.activation ?? 'linear';
    if (prevAct === act && act === 'relu') return; // relu(relu(x)) = relu(x)
    if (prevAct !== 'linear') fail(source, `${desc} follows a Dense layer that already has activation '${prevAct}'; backprop's Dense layers hold one activation (use a linear Dense before it)`);
    prev.activation = act;
    if (alpha !== undefined) prev.alpha = alpha;
    notes.push(`${desc} folded into the Dense layer before it`);
  };

  const list = layerList(json.modelTopology, source);
  list.forEach((l, i) => {
    const c = l.config;
    const name = typeof c.name === 'string' ? c.name : `layer ${i}`;
    const desc = `layer '${name}' (${l.class_name})`;
    const shape = c.batch_input_shape ?? c.batchInputShape ?? (c.input_dim !== undefined ? [null, c.input_dim] : undefined);
    if (shape !== undefined && inputs === null) {
      if (!Array.isArray(shape) || shape.length !== 2 || !Number.isInteger(shape[1])) {
        fail(source, `${desc} takes inputs of shape ${JSON.stringify(shape)}; backprop imports models on flat feature vectors [batch, features]`);
      }
      inputs = shape[1] as number;
      width = inputs;
    }
    switch (l.class_name) {
      case 'InputLayer':
        return;
      case 'Dropout':
        notes.push(`${desc} dropped (it does nothing at inference)`);
        return;
      case 'Dense': {
        const units = c.units;
        if (!Number.isInteger(units) || (units as number) < 1) fail(source, `${desc}: units must be a whole number ≥ 1`);
        const actName = c.activation === undefined || c.activation === null ? 'linear' : String(c.activation);
        const act = TFJS_ACTIVATION[actName];
        if (!act) fail(source, `${desc} has activation '${actName}', which backprop does not have (supported: ${Object.keys(TFJS_ACTIVATION).join(', ')}, and LeakyReLU layers)`);
        if (width === null) {
          const next = specs.find((s) => !used.has(s.name));
          if (!next || next.shape.length !== 2) fail(source, `${desc}: the input width is unknown (no batch_input_shape) and no kernel weights follow`);
          width = next.shape[0];
          inputs = width;
        }
        const u = units as number;
        const kernel = weightFor(name, 'kernel', [width, u], desc); // [in, out]
        const useBias = c.use_bias ?? c.useBias ?? true;
        const bias = useBias ? weightFor(name, 'bias', [u], desc) : new Float32Array(u);
        const w = Array.from({ length: u }, (_, j) => Array.from({ length: width! }, (_, k) => kernel[k * u + j]));
        layers.push({ units: u, activation: act, weights: w, bias: Array.from(bias) });
        width = u;
        return;
      }
      case 'Activation': {
        const actName = String(c.activation);
        const act = TFJS_ACTIVATION[actName];
        if (!act) fail(source, `${desc} has activation '${actName}', which backprop does not have (supported: ${Object.keys(TFJS_ACTIVATION).join(', ')})`);
        fold(act, undefined, desc);
        return;
      }
      case 'ReLU': {
        const extra = ['max_value', 'maxValue'].map((k) => c[k]).find((v) => v !== undefined && v !== null);
        if (extra !== undefined || (c.negative_slope ?? 0) !== 0 || (c.threshold ?? 0) !== 0) fail(source, `${desc} with max_value/negative_slope/threshold is not a plain relu; backprop has no such activation`);
        fold('relu', undefined, desc);
        return;
      }
      case 'LeakyReLU': {
        const alpha = c.alpha ?? c.negative_slope ?? 0.3; // Keras and TF.js default 0.3
        if (typeof alpha !== 'number' || !Number.isFinite(alpha)) fail(source, `${desc}: alpha must be a number`);
        fold('leakyRelu', alpha as number, desc);
        return;
      }
      case 'Softmax': {
        const axis = c.axis ?? -1;
        if (axis !== -1 && axis !== 1) fail(source, `${desc} has axis ${JSON.stringify(axis)}; backprop's softmax runs over the last axis (-1)`);
        fold('softmax', undefined, desc);
        return;
      }
      default:
        fail(source, `${desc} is not supported: backprop imports ${FORMAT} models made of Dense layers (with InputLayer, Activation, ReLU, LeakyReLU, Softmax and Dropout layers)`);
    }
  });
  if (layers.length === 0) fail(source, `the model has no Dense layer; backprop imports ${FORMAT} models made of Dense layers`);
  const left = specs.filter((s) => !used.has(s.name));
  if (left.length > 0) fail(source, `weights ${left.map((s) => `'${s.name}'`).join(', ')} belong to no imported layer; the model has layers backprop does not know`);
  const spec: NetworkSpec = { inputs: inputs!, layers, loss: lossFor(json, layers[layers.length - 1].activation ?? 'linear') };
  const network = new Network(spec);
  let preprocessing: Preprocessor | undefined;
  const meta = isObject(json.userDefinedMetadata) && isObject(json.userDefinedMetadata.backprop) ? json.userDefinedMetadata.backprop : undefined;
  if (meta?.preprocessing !== undefined) {
    preprocessing = parsePreprocessor(meta.preprocessing, source, 'userDefinedMetadata.backprop.preprocessing');
    checkFeatureCount(preprocessing, network.inputs, source);
  }
  return { network, preprocessing, notes };
}
