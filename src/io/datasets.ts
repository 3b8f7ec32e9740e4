/**
 * Node-only dataset files: CSV files (or stdin as '-') read into tables, IDX files gunzipped when
 * they start with the gzip magic, and an MNIST-style images + labels pair as network-ready arrays.
 * Unreadable, corrupt or mismatched files are DataErrors naming the path and the fix.
 */
import { readFileSync, statSync } from 'node:fs';
import { decodeText, type TextEncoding } from '../data/text.js';
import { ioCause } from './safe-write.js';
import { gunzipSync } from 'node:zlib';
import { DataError } from '../tensor/errors.js';
import { parseCsv, type CsvOptions, type CsvTable } from '../data/csv.js';
import { readIdx, type IdxArray } from '../data/idx.js';

function readBytes(path: string, what: string): Buffer {
  try {
    if (path !== '-') {
      // A device (/dev/zero, /dev/urandom) never ends; pipes and FIFOs (<(cat d.csv)) do.
      const st = statSync(path);
      if (st.isCharacterDevice() || st.isBlockDevice()) throw new DataError(`${path}: cannot read the ${what} (it is a device, not a file); check the path`);
    }
    return readFileSync(path === '-' ? 0 : path);
  } catch (err) {
    if (err instanceof DataError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : ioCause(err);
    throw new DataError(`${path}: cannot read the ${what} (${why}); check the path`);
  }
}

/**
 * Reads a CSV file ('-' reads standard input) and parses it; messages name the path.
 * @example const table = loadCsvFile('data.csv'); // then fitPreprocessor(table, { target: 'label' })
 */
export function loadCsvFile(path: string, options: Omit<CsvOptions, 'source'> & { encoding?: TextEncoding } = {}): CsvTable {
  const bytes = readBytes(path, 'CSV file');
  const source = path === '-' ? 'stdin' : path;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) throw new DataError(`${path}: this is a gzip file, not CSV text; unpack it first (gunzip)`);
  const { encoding, ...csv } = options;
  return parseCsv(decodeText(bytes, source, { encoding }), { ...csv, source });
}

/**
 * Reads an IDX file, gunzipping it first when it starts with the gzip magic bytes 1F 8B.
 * @example loadIdxFile('/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz').dims // [10000]
 */
export function loadIdxFile(path: string): IdxArray {
  let bytes: Uint8Array = readBytes(path, 'IDX file');
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (err) {
      throw new DataError(`${path}: starts like a gzip file but does not unpack (${(err as Error).message}); the download is probably incomplete`);
    }
  }
  return readIdx(bytes, path);
}

export interface ImageDataset {
  /** Row-major n × features, pixel values scaled to [0, 1] (unsigned bytes / 255). */
  inputs: Float32Array;
  /** Class index per image. */
  labels: Float32Array;
  n: number;
  /** Values per image: rows · cols. */
  features: number;
  /** One image's dims: [rows, cols] for MNIST. */
  imageShape: number[];
  /** max label + 1. */
  classes: number;
}

/**
 * Loads an MNIST-style pair: an images IDX file (unsigned bytes, n × rows × cols, or floats
 * already scaled) and a labels IDX file (n whole numbers ≥ 0). gzip or not.
 * @example
 * const d = loadImageDataset('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz');
 * d.n // 60000, d.features // 784
 */
export function loadImageDataset(imagesPath: string, labelsPath: string): ImageDataset {
  const images = loadIdxFile(imagesPath);
  const labels = loadIdxFile(labelsPath);
  if (images.dims.length < 2) {
    throw new DataError(`${imagesPath}: images must have at least 2 dimensions (count × pixels), the file has dims [${images.dims.join(', ')}]; did you swap --images and --labels?`);
  }
  if (labels.dims.length !== 1) {
    throw new DataError(`${labelsPath}: labels must be 1-dimensional (one per image), the file has dims [${labels.dims.join(', ')}]; did you swap --images and --labels?`);
  }
  const n = images.dims[0];
  if (labels.dims[0] !== n) {
    throw new DataError(`${labelsPath}: ${labels.dims[0]} labels but ${imagesPath} has ${n} images; use the labels file that belongs to these images`);
  }
  const features = images.dims.slice(1).reduce((a, b) => a * b, 1);
  const src = images.data;
  const inputs = new Float32Array(src.length);
  if (src instanceof Uint8Array) {
    for (let i = 0; i < src.length; i++) inputs[i] = src[i] / 255;
  } else if (src instanceof Float32Array || src instanceof Float64Array) {
    for (let i = 0; i < src.length; i++) {
      if (!Number.isFinite(src[i]) || Math.abs(src[i]) > 3.4028234663852886e38) throw new DataError(`${imagesPath}: image ${Math.floor(i / features) + 1}, value ${(i % features) + 1} is ${src[i]}; image values must be finite numbers within float32's range`);
      inputs[i] = src[i];
    }
  } else {
    throw new DataError(`${imagesPath}: images must be unsigned bytes (IDX type 0x08) or floats (0x0D, 0x0E); convert the file`);
  }
  const out = new Float32Array(n);
  let max = -1;
  for (let i = 0; i < n; i++) {
    const v = labels.data[i];
    if (!Number.isInteger(v) || v < 0 || v > 65535) {
      throw new DataError(`${labelsPath}: label ${i} is ${v}; labels must be class numbers 0, 1, 2, …`);
    }
    out[i] = v;
    if (v > max) max = v;
  }
  return { inputs, labels: out, n, features, imageShape: images.dims.slice(1), classes: max + 1 };
}
