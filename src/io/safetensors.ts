/**
 * safetensors (Hugging Face's weight format, read by PyTorch, jax, mlx, Burn, candle): an 8-byte
 * little-endian header length N, N bytes of UTF-8 JSON naming each tensor's `dtype`, `shape` and
 * `data_offsets` (plus an optional `__metadata__` object of strings), then the raw little-endian
 * data. Browser-safe: bytes in, bytes out. Tensor names are stateDict() names, which follow PyTorch
 * (`layers.0.weight`, shape [out, in]).
 *
 * Reading treats the file as hostile: the header length is checked against the file before the
 * header is decoded, every offset against the data, every byte count against dtype × shape (in
 * exact integer arithmetic), and the ranges against each other (no overlap, no gap, as the reference
 * implementation requires), all before any tensor is allocated. Every problem is one DataError line
 * naming the file and the tensor.
 */
import { DataError, ValueError } from '../tensor/errors.js';
import { Tensor } from '../tensor/tensor.js';
import type { StateDict } from '../nn/module.js';

/** Bytes per element of every dtype the specification names (backprop reads and writes F32 and F64). */
export const SAFETENSORS_DTYPES: Readonly<Record<string, number>> = Object.freeze({
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8,
});

/** The largest header read (the reference implementation's limit): a bigger one is not a weight file. */
export const MAX_SAFETENSORS_HEADER = 100_000_000;

export type SafetensorsDtype = 'F32' | 'F64';

export interface SafetensorsEntry {
  dtype: string;
  shape: number[];
  /** Byte range in the data section (after the header), [begin, end). */
  dataOffsets: [number, number];
}

export interface ParsedSafetensors {
  /** Every tensor, by name, in header order; F32 → float32, F64 → float64, I32/I64 → float64 (whole numbers). */
  tensors: StateDict;
  /** `__metadata__` (string → string), {} when the file has none. */
  metadata: Record<string, string>;
  /** Each tensor's header entry (dtype as written). */
  entries: Record<string, SafetensorsEntry>;
}

export interface SafetensorsOptions {
  /** Strings stored in `__metadata__` (e.g. { format: 'pt' }). */
  metadata?: Record<string, string>;
  /** Write every tensor as this dtype; default: each tensor's own (float32 → F32, float64 → F64). */
  dtype?: SafetensorsDtype;
}

/**
 * Anything with named tensors: a Network (namedTensors: parameters and buffers), a Module
 * (stateDict: parameters and buffers), a model file, something with namedParameters, or a plain state dict.
 */
export type TensorSource = StateDict | { namedTensors(): [string, Tensor][] } | { stateDict(): StateDict } | { namedParameters(): [string, Tensor][] }
  | { network: { namedTensors(): [string, Tensor][] } | { namedParameters(): [string, Tensor][] } };

/** The tensors of a source: parameters and buffers (running statistics) where it has both. */
function ownTensors(source: object): [string, Tensor][] | null {
  const s = source as { namedTensors?: () => [string, Tensor][]; stateDict?: () => StateDict; namedParameters?: () => [string, Tensor][] };
  if (typeof s.namedTensors === 'function') return s.namedTensors();
  if (typeof s.stateDict === 'function') return Object.entries(s.stateDict());
  if (typeof s.namedParameters === 'function') return s.namedParameters();
  return null;
}

function namedTensors(source: TensorSource): [string, Tensor][] {
  if (source === null || typeof source !== 'object') throw new ValueError(`toSafetensors: expected a network, a module or a state dict, got ${String(source)}`);
  if ('network' in source && source.network && typeof source.network === 'object') {
    const inner = ownTensors(source.network);
    if (inner) return inner;
  }
  const own = ownTensors(source);
  if (own) return own;
  const out: [string, Tensor][] = [];
  for (const [name, t] of Object.entries(source as StateDict)) {
    if (!(t instanceof Tensor)) throw new ValueError(`toSafetensors: '${name}' is not a Tensor`);
    out.push([name, t]);
  }
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

interface Utf8 {
  encode(s: string): Uint8Array;
  decode(b: Uint8Array): string;
}

/** TextEncoder/TextDecoder exist in every browser and in Node; the core is compiled without their types. */
function utf8(): Utf8 {
  const g = globalThis as unknown as {
    TextEncoder: new () => { encode(s: string): Uint8Array };
    TextDecoder: new (label: string, options: { fatal: boolean }) => { decode(b: Uint8Array): string };
  };
  const enc = new g.TextEncoder(), dec = new g.TextDecoder('utf-8', { fatal: true });
  return { encode: (s) => enc.encode(s), decode: (b) => dec.decode(b) };
}

/**
 * The tensors as a safetensors file: names in namedParameters()/stateDict() order, data packed
 * back to back, the header padded with spaces to a multiple of 8 bytes so every tensor is aligned.
 * @example const bytes = toSafetensors(net, { metadata: { format: 'pt' } });
 */
export function toSafetensors(source: TensorSource, options: SafetensorsOptions = {}): Uint8Array {
  const tensors = namedTensors(source);
  if (tensors.length === 0) throw new ValueError('toSafetensors: no tensors to write');
  const header: Record<string, unknown> = {};
  const metadata = options.metadata;
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new ValueError(`toSafetensors: metadata '${k}' must be a string (safetensors metadata is strings only), got ${typeof v}`);
    }
    header.__metadata__ = metadata;
  }
  if (options.dtype !== undefined && options.dtype !== 'F32' && options.dtype !== 'F64') {
    throw new ValueError(`toSafetensors: dtype must be 'F32' or 'F64', got ${JSON.stringify(options.dtype)}`);
  }
  let offset = 0;
  const plan: { t: Tensor; dtype: SafetensorsDtype; begin: number }[] = [];
  for (const [name, t] of tensors) {
    if (name === '' || name === '__metadata__') throw new ValueError(`toSafetensors: '${name}' cannot be a tensor name`);
    if (Object.prototype.hasOwnProperty.call(header, name)) throw new ValueError(`toSafetensors: two tensors are named '${name}'`);
    const dtype: SafetensorsDtype = options.dtype ?? (t.dtype === 'float64' ? 'F64' : 'F32');
    const bytes = t.size * SAFETENSORS_DTYPES[dtype];
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    plan.push({ t, dtype, begin: offset });
    offset += bytes;
  }
  const { encode } = utf8();
  let json = encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, padded, true);
  view.setUint32(4, Math.floor(padded / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  json = new Uint8Array(0);
  const base = 8 + padded;
  for (const { t, dtype, begin } of plan) {
    const src = t.data;
    const at = base + begin;
    if (LITTLE_ENDIAN && ((dtype === 'F32' && src instanceof Float32Array) || (dtype === 'F64' && src instanceof Float64Array))) {
      out.set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength), at);
    } else if (dtype === 'F32') {
      for (let i = 0; i < src.length; i++) view.setFloat32(at + 4 * i, src[i], true);
    } else {
      for (let i = 0; i < src.length; i++) view.setFloat64(at + 8 * i, src[i], true);
    }
  }
  return out;
}

/**
 * Reads and validates a safetensors file: its tensors (F32 and F64), metadata and header entries.
 * `source` names the file in messages.
 * @example const { tensors, metadata } = parseSafetensors(bytes, 'model.safetensors');
 */
export function parseSafetensors(bytes: Uint8Array, source = 'safetensors'): ParsedSafetensors {
  if (!(bytes instanceof Uint8Array)) throw new ValueError(`${source}: expected the file's bytes (a Uint8Array)`);
  const fail = (what: string): never => { throw new DataError(`${source}: ${what}`); };
  if (bytes.length < 8) fail(`${bytes.length === 0 ? 'the file is empty' : `only ${bytes.length} bytes`}, too short for a safetensors file (an 8-byte header length, then the JSON header); truncated?`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = view.getUint32(0, true), hi = view.getUint32(4, true);
  const headerLength = hi * 2 ** 32 + lo; // exact below 2^53; larger values are rejected below anyway
  if (headerLength > bytes.length - 8) {
    fail(`the header length is ${hi >= 2 ** 21 ? 'over 2^53' : headerLength} bytes, beyond the end of the file (${bytes.length} bytes); truncated, or not a safetensors file?`);
  }
  if (headerLength > MAX_SAFETENSORS_HEADER) fail(`the header length ${headerLength} is over the ${MAX_SAFETENSORS_HEADER}-byte limit; not a safetensors file`);
  if (headerLength < 2) fail(`the header length is ${headerLength} bytes, too short for a JSON header`);
  const headerBytes = bytes.subarray(8, 8 + headerLength);
  if (headerBytes[0] !== 0x7b) fail(`the header does not start with '{' (byte 8 is 0x${headerBytes[0].toString(16).padStart(2, '0')}); not a safetensors file`);
  let text: string;
  try { text = utf8().decode(headerBytes); } catch { return fail('the header is not valid UTF-8'); }
  let header: unknown;
  try { header = JSON.parse(text); } catch (err) {
    return fail(`the header is not valid JSON (${(err as Error).message.replace(/\s+/g, ' ').slice(0, 100)}); truncated or damaged?`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('the header must be a JSON object');
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: Record<string, SafetensorsEntry> = {};
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail("'__metadata__' must be an object of strings");
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__ '${k}' must be a string, got ${JSON.stringify(v)?.slice(0, 40)}`);
        metadata[k] = v as string;
      }
      continue;
    }
    const at = `tensor '${name}'`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail(`${at}: expected an object with dtype, shape and data_offsets`);
    const e = raw as Record<string, unknown>;
    for (const k of Object.keys(e)) if (!['dtype', 'shape', 'data_offsets'].includes(k)) fail(`${at}: unknown field '${k}' (known: dtype, shape, data_offsets)`);
    const dtype = e.dtype;
    if (typeof dtype !== 'string' || !Object.prototype.hasOwnProperty.call(SAFETENSORS_DTYPES, dtype)) {
      fail(`${at}: unknown dtype ${JSON.stringify(dtype)?.slice(0, 40)} (the specification's are ${Object.keys(SAFETENSORS_DTYPES).join(', ')})`);
    }
    if (!Array.isArray(e.shape) || e.shape.some((d) => !Number.isSafeInteger(d) || (d as number) < 0)) fail(`${at}: shape must be an array of whole numbers ≥ 0, got ${JSON.stringify(e.shape)?.slice(0, 60)}`);
    const shape = e.shape as number[];
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || off.some((d) => !Number.isSafeInteger(d) || (d as number) < 0)) {
      fail(`${at}: data_offsets must be two whole numbers [begin, end], got ${JSON.stringify(off)?.slice(0, 60)}`);
    }
    const [begin, end] = off as [number, number];
    if (end < begin) fail(`${at}: data_offsets [${begin}, ${end}] end before they begin`);
    if (end > dataLength) fail(`${at}: data_offsets [${begin}, ${end}] run past the end of the data (${dataLength} bytes after the header); truncated?`);
    // shape × element size must be the range's length; multiplied step by step with a bound, so an
    // absurd shape is an error here and never an allocation.
    let count = 1n;
    for (const d of shape) count *= BigInt(d);
    const expected = count * BigInt(SAFETENSORS_DTYPES[dtype as string]);
    if (expected !== BigInt(end - begin)) {
      fail(`${at}: shape [${shape.join(', ')}] of ${dtype} needs ${expected} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`);
    }
    entries[name] = { dtype: dtype as string, shape: [...shape], dataOffsets: [begin, end] };
  }
  // Ranges in order must tile the data exactly: no overlap, no gap, nothing after the last.
  const ordered = Object.entries(entries).sort((a, b) => a[1].dataOffsets[0] - b[1].dataOffsets[0] || a[1].dataOffsets[1] - b[1].dataOffsets[1]);
  let covered = 0;
  let previous = '';
  for (const [name, e] of ordered) {
    const [begin, end] = e.dataOffsets;
    if (begin < covered) fail(`tensors '${previous}' and '${name}' overlap (bytes ${begin}..${covered} of the data belong to both)`);
    if (begin > covered) fail(`bytes ${covered}..${begin} of the data belong to no tensor (before '${name}'); the file is damaged`);
    covered = end;
    previous = name;
  }
  if (covered !== dataLength) fail(`${dataLength - covered} bytes after the last tensor belong to no tensor (the data is ${dataLength} bytes, the tensors cover ${covered}); the file is damaged`);
  const tensors: StateDict = {};
  for (const [name, e] of Object.entries(entries)) {
    if (e.dtype !== 'F32' && e.dtype !== 'F64' && e.dtype !== 'I32' && e.dtype !== 'I64') {
      fail(`tensor '${name}' is ${e.dtype}; backprop reads F32 and F64 weights, and I32/I64 counts as floats (convert with tensor.float() before saving)`);
    }
    const [begin, end] = e.dataOffsets;
    const n = (end - begin) / SAFETENSORS_DTYPES[e.dtype];
    const at = dataStart + begin;
    let data: Float32Array | Float64Array;
    if (e.dtype === 'I32' || e.dtype === 'I64') {
      // Whole numbers (PyTorch writes num_batches_tracked as I64) become float64, exactly: I64
      // values beyond ±2^53 have no exact float and are refused.
      data = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        if (e.dtype === 'I32') { data[i] = view.getInt32(at + 4 * i, true); continue; }
        const v = view.getBigInt64(at + 8 * i, true);
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) fail(`tensor '${name}' holds the I64 ${v} at element ${i}, beyond ±2^53 (not exact as a float); backprop reads I64 counts and indices only`);
        data[i] = Number(v);
      }
    } else if (e.dtype === 'F32') {
      data = new Float32Array(n);
      if (LITTLE_ENDIAN) new Uint8Array(data.buffer).set(bytes.subarray(at, at + 4 * n));
      else for (let i = 0; i < n; i++) data[i] = view.getFloat32(at + 4 * i, true);
    } else {
      data = new Float64Array(n);
      if (LITTLE_ENDIAN) new Uint8Array(data.buffer).set(bytes.subarray(at, at + 8 * n));
      else for (let i = 0; i < n; i++) data[i] = view.getFloat64(at + 8 * i, true);
    }
    tensors[name] = new Tensor(data, e.shape);
  }
  return { tensors, metadata, entries };
}

/**
 * The tensors of a safetensors file as a state dict (name → Tensor), validated as parseSafetensors does.
 * @example net.model.loadStateDict(fromSafetensors(bytes)) // names without the 'layers.' prefix there
 */
export function fromSafetensors(bytes: Uint8Array, source = 'safetensors'): StateDict {
  return parseSafetensors(bytes, source).tensors;
}
