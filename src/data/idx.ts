/**
 * The IDX format of MNIST and Fashion-MNIST: 2 zero bytes, a type code, the number of dimensions,
 * each dimension as a big-endian uint32, then the values big-endian. readIdx checks every part
 * against the byte length, so a truncated or foreign file is a DataError, never a garbage tensor.
 */
import { DataError, ValueError } from '../tensor/errors.js';

export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  /** Sizes, outermost first: [60000, 28, 28] for MNIST's training images. */
  dims: number[];
  /** The values in row-major order (unsigned bytes share memory with the input). */
  data: IdxData;
}

const TYPES: Record<number, { name: string; size: number }> = {
  0x08: { name: 'unsigned byte', size: 1 },
  0x09: { name: 'signed byte', size: 1 },
  0x0b: { name: 'int16', size: 2 },
  0x0c: { name: 'int32', size: 4 },
  0x0d: { name: 'float32', size: 4 },
  0x0e: { name: 'float64', size: 8 },
};

/**
 * Decodes an IDX file's bytes (already gunzipped).
 *
 * @example
 * // a 1-D file of three unsigned bytes
 * readIdx(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9])) // { dims: [3], data: Uint8Array [7, 8, 9] }
 */
export function readIdx(bytes: Uint8Array, source = 'IDX data'): IdxArray {
  if (!(bytes instanceof Uint8Array)) throw new ValueError(`readIdx: bytes must be a Uint8Array, got ${typeof bytes}`);
  const hint = 'is it an IDX file (MNIST-style), and gunzipped?';
  if (bytes.length < 4) throw new DataError(`${source}: ${bytes.length} bytes, too short for an IDX header (at least 4); ${hint}`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataError(`${source}: bad magic number (first bytes ${hex(bytes[0])} ${hex(bytes[1])}, expected 0x00 0x00); ${hint}`);
  }
  const type = TYPES[bytes[2]];
  if (type === undefined) {
    throw new DataError(`${source}: unknown IDX type code ${hex(bytes[2])} in byte 3; known codes are 0x08 0x09 0x0B 0x0C 0x0D 0x0E; ${hint}`);
  }
  const ndim = bytes[3];
  if (ndim === 0) throw new DataError(`${source}: the header declares 0 dimensions; an IDX file holds at least one`);
  const headerSize = 4 + 4 * ndim;
  if (bytes.length < headerSize) {
    throw new DataError(`${source}: truncated header: ${ndim} dimensions need ${headerSize} bytes, the file has ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndim; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    count *= d;
  }
  const expected = count * type.size;
  const actual = bytes.length - headerSize;
  if (expected !== actual) {
    const shape = dims.join('×');
    throw new DataError(
      expected > actual
        ? `${source}: truncated: the header says ${shape} ${type.name}s = ${expected} bytes of data, but only ${actual} follow; the file is incomplete, download or unpack it again`
        : `${source}: ${actual - expected} unexpected bytes after the ${shape} ${type.name}s the header declares; the file is corrupt or not IDX`,
    );
  }
  const off = headerSize;
  let data: IdxData;
  switch (bytes[2]) {
    case 0x08: data = new Uint8Array(bytes.buffer, bytes.byteOffset + off, count); break;
    case 0x09: data = new Int8Array(bytes.buffer, bytes.byteOffset + off, count); break;
    case 0x0b: data = new Int16Array(count); for (let i = 0; i < count; i++) data[i] = view.getInt16(off + 2 * i, false); break;
    case 0x0c: data = new Int32Array(count); for (let i = 0; i < count; i++) data[i] = view.getInt32(off + 4 * i, false); break;
    case 0x0d: data = new Float32Array(count); for (let i = 0; i < count; i++) data[i] = view.getFloat32(off + 4 * i, false); break;
    default: data = new Float64Array(count); for (let i = 0; i < count; i++) data[i] = view.getFloat64(off + 8 * i, false); break;
  }
  return { dims, data };
}

/**
 * Encodes an array as IDX bytes (for tests and for writing small image sets).
 * @example writeIdx([3], new Uint8Array([7, 8, 9])) // Uint8Array [0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9]
 */
export function writeIdx(dims: readonly number[], data: IdxData): Uint8Array {
  const code =
    data instanceof Uint8Array ? 0x08 : data instanceof Int8Array ? 0x09 : data instanceof Int16Array ? 0x0b :
    data instanceof Int32Array ? 0x0c : data instanceof Float32Array ? 0x0d : 0x0e;
  const size = TYPES[code].size;
  const count = dims.reduce((a, b) => a * b, 1);
  if (dims.length < 1 || dims.length > 255 || count !== data.length) {
    throw new DataError(`writeIdx: dims [${dims.join(', ')}] hold ${count} values but data has ${data.length}`);
  }
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + count * size);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < count; i++) {
    const o = header + i * size;
    switch (code) {
      case 0x08: out[o] = data[i]; break;
      case 0x09: view.setInt8(o, data[i]); break;
      case 0x0b: view.setInt16(o, data[i], false); break;
      case 0x0c: view.setInt32(o, data[i], false); break;
      case 0x0d: view.setFloat32(o, data[i], false); break;
      default: view.setFloat64(o, data[i], false);
    }
  }
  return out;
}

function hex(b: number): string {
  return `0x${b.toString(16).toUpperCase().padStart(2, '0')}`;
}
