/**
 * The model file: versioned JSON holding the network spec with its weights, plus whatever the CLI
 * adds (preprocessing statistics, label names, a training summary). Browser-safe: this file only
 * turns models into text and back, validating everything on the way in so a truncated or edited
 * file gives one clear error and never a half-built network. Reading and writing files is in
 * src/io/model-file.ts (Node-only).
 */
import { DataError, ValueError } from '../tensor/errors.js';
import { Network, validateSpec } from '../train/network.js';
import { MAX_SAVED_PARAMETERS, parameterCount } from '../train/size.js';
import { inputShape, resolveLayers, sampleSize } from '../nn/layer-types.js';
import type { NetworkSpec } from '../spec/index.js';
import { parsePreprocessor, type Preprocessor } from '../data/tabular.js';

export const MODEL_FORMAT = 'backprop-model';
/**
 * The newest format this backprop reads and writes. Version 2 added layer types (`type`) and shaped
 * `inputs`; a network of Dense layers on a feature count is still written as version 1, which every
 * backprop reads, and version-1 files load unchanged.
 */
export const MODEL_VERSION = 2;

export interface ModelFile {
  format: typeof MODEL_FORMAT;
  version: number;
  network: NetworkSpec;
  /** The CLI's preprocessing (see src/data), applied by `predict` before the network. */
  preprocessing?: Preprocessor;
  /** Free-form facts about training (epochs, final loss, dataset), for people and tools. */
  metadata?: Record<string, unknown>;
}

export interface Model {
  network: Network;
  preprocessing?: Preprocessor;
  metadata?: Record<string, unknown>;
}

/** The model as JSON text. @example const text = serializeModel({ network: net }); */
export function serializeModel(model: Model): string {
  const network = model.network.toJSON();
  checkSavable(network, model);
  const file: ModelFile = { format: MODEL_FORMAT, version: model.network.isDense ? 1 : MODEL_VERSION, network };
  if (model.preprocessing !== undefined) file.preprocessing = model.preprocessing;
  if (model.metadata !== undefined) file.metadata = model.metadata;
  return `${JSON.stringify(file, null, 1)}\n`;
}

/**
 * Refuses, before writing, what a model file could not hold or would not read back the same: more
 * parameters than MAX_SAVED_PARAMETERS, and NaN or ±Infinity anywhere (JSON would write null).
 */
function checkSavable(spec: NetworkSpec, model: Model): void {
  const count = parameterCount(spec);
  if (count > MAX_SAVED_PARAMETERS) {
    throw new ValueError(`save: the network has ${count.toLocaleString('en-US')} parameters, more than a model file holds (${MAX_SAVED_PARAMETERS.toLocaleString('en-US')}); use fewer or smaller layers`);
  }
  resolveLayers(spec).forEach(({ tensors }, li) => {
    const l = spec.layers[li] as Record<string, unknown>;
    for (const { field } of tensors) {
      const value = l[field] as number | (number | number[])[] | undefined;
      if (typeof value === 'number') {
        if (!Number.isFinite(value)) throw new ValueError(`save: network.layers[${li}].${field} is ${value}; a model file holds finite numbers only (did training diverge?)`);
        return;
      }
      value?.forEach((row, j) => (Array.isArray(row) ? row : [row]).forEach((v, i) => {
        const at = Array.isArray(row) ? `${field}[${j}][${i}]` : `${field}[${j}]`;
        if (!Number.isFinite(v)) throw new ValueError(`save: network.layers[${li}].${at} is ${v}; a model file holds finite numbers only (did training diverge?)`);
      }));
    }
  });
  const walk = (v: unknown, path: string): void => {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new ValueError(`save: ${path} is ${v}; JSON cannot hold it (it would be written as null)`);
    if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, Array.isArray(v) ? `${path}[${k}]` : `${path}.${k}`);
  };
  walk(model.preprocessing, 'preprocessing');
  walk(model.metadata, 'metadata');
}

/**
 * Parses and validates model text (or a bare NetworkSpec, which explain/landscape accept too).
 * `source` names the file in messages.
 * @example const { network } = parseModel(text, 'model.json');
 */
export function parseModel(text: string, source = 'model'): Model {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte-order mark is not JSON
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const hint = text.trim().length === 0 ? 'the file is empty' : `not valid JSON (${jsonErrorDetail((err as Error).message, text)}); was it truncated or edited by hand?`;
    throw new DataError(`${source}: ${hint}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new DataError(`${source}: expected a JSON object (a backprop model file or a network spec)`);
  const obj = raw as Record<string, unknown>;
  if (obj.format === undefined && 'layers' in obj) {
    return { network: new Network(checkSize(checkedSpec(obj, source, 'network spec'), source)) };
  }
  if (obj.format !== MODEL_FORMAT) {
    throw new DataError(`${source}: not a backprop model file (format is ${JSON.stringify(obj.format)}, expected "${MODEL_FORMAT}")`);
  }
  if (typeof obj.version !== 'number' || !Number.isInteger(obj.version) || obj.version < 1) {
    throw new DataError(`${source}: missing or invalid format version ${JSON.stringify(obj.version)}`);
  }
  if (obj.version > MODEL_VERSION) {
    throw new DataError(`${source}: written by a newer backprop (model format version ${obj.version}); this version reads up to ${MODEL_VERSION}. Upgrade backprop.`);
  }
  for (const k of Object.keys(obj)) {
    if (!['format', 'version', 'network', 'preprocessing', 'metadata'].includes(k)) throw new DataError(`${source}: unknown field '${k}'`);
  }
  const spec = checkedSpec(obj.network, source, 'network');
  for (const { index, tensors } of resolveLayers(spec)) {
    const l = spec.layers[index] as Record<string, unknown>;
    const missing = tensors.find((t) => l[t.field] === undefined);
    if (missing) throw new DataError(`${source}: network.layers[${index}] has no ${missing.field}; a model file stores every parameter (truncated or edited?)`);
  }
  if (obj.metadata !== undefined && (obj.metadata === null || typeof obj.metadata !== 'object' || Array.isArray(obj.metadata))) {
    throw new DataError(`${source}: 'metadata' must be an object`);
  }
  const preprocessing = obj.preprocessing === undefined ? undefined : parsePreprocessor(obj.preprocessing, source);
  if (preprocessing) checkPreprocessingFits(preprocessing, spec, source);
  return {
    network: new Network(spec),
    preprocessing,
    metadata: obj.metadata as Record<string, unknown> | undefined,
  };
}

/**
 * JSON.parse's complaint on one line, with the position as line and column: V8 quotes a snippet of
 * the text (which can hold line breaks) and counts characters from the start of the file.
 */
function jsonErrorDetail(message: string, text: string): string {
  let detail = message.replace(/^JSON\.parse: /, '').replace(/, "[\s\S]*" is not valid JSON$/, '').replace(/\s+/g, ' ');
  const at = /at position (\d+)/.exec(detail);
  if (at) {
    const pos = Number(at[1]);
    const before = text.slice(0, pos);
    const line = before.split('\n').length, column = pos - before.lastIndexOf('\n');
    detail = detail.replace(/ in JSON at position \d+.*$|at position \d+.*$/, '').trim() + ` at line ${line}, column ${column}`;
  }
  return detail.length > 120 ? `${detail.slice(0, 120)}…` : detail;
}

/** More parameters than any file backprop writes could hold; a bare spec asking for more is a mistake. */
export const MAX_SPEC_PARAMETERS = MAX_SAVED_PARAMETERS;

/** A bare spec sets only sizes, so it could ask for more memory than exists; refuse that with a message. */
function checkSize(spec: NetworkSpec, source: string): NetworkSpec {
  const count = parameterCount(spec);
  if (count > MAX_SPEC_PARAMETERS) {
    throw new DataError(`${source}: the network spec asks for ${count} parameters, more than backprop builds (${MAX_SPEC_PARAMETERS}); use fewer inputs or units`);
  }
  return spec;
}

function checkedSpec(value: unknown, source: string, where: string): NetworkSpec {
  try {
    return validateSpec(value, where);
  } catch (err) {
    if (err instanceof ValueError || err instanceof DataError || (err as Error).name === 'ShapeError') {
      throw new DataError(`${source}: ${(err as Error).message}`);
    }
    throw err;
  }
}

/** The preprocessing's encoded width must be the network's input count (an edited file could break it). */
function checkPreprocessingFits(pre: Preprocessor, spec: NetworkSpec, source: string): void {
  let width = 0;
  for (const f of pre.features) width += f.kind === 'numeric' ? 1 : f.categories.length;
  if (width !== sampleSize(inputShape(spec))) {
    throw new DataError(`${source}: preprocessing encodes ${width} inputs but network.inputs is ${spec.inputs}; the file was edited or is corrupt`);
  }
}
