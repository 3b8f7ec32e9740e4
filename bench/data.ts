/**
 * Fashion-MNIST for the bench: Debian's dataset-fashion-mnist files when they are installed, or a
 * seeded random "Fashion-like" stand-in (10 class prototypes plus noise, so it is learnable) for the
 * smoke test on machines without them. Pixels are scaled to [0, 1]. The files are read by the
 * library's own loader (src/io/datasets.ts, from dist/), so the bench has no IDX reader of its own.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { seededRandom, type FashionData } from './common.js';

export const FASHION_DIR = '/usr/share/datasets/fashion-mnist';
export const FASHION_FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];
export const FASHION_INSTALL_HINT = `Fashion-MNIST not found in ${FASHION_DIR}: install it with \`apt-get install dataset-fashion-mnist\` (Debian/Ubuntu), or point FASHION_MNIST_DIR at a folder holding its four .gz files.`;

/** The directory holding all four Fashion-MNIST files, or null. */
export function findFashion(dir = process.env.FASHION_MNIST_DIR ?? FASHION_DIR): string | null {
  return FASHION_FILES.every((f) => existsSync(join(dir, f))) ? dir : null;
}

type Datasets = typeof import('../dist/src/io/datasets.js');

async function loadSplit(build: string, dir: string, prefix: string, limit: number): Promise<{ images: Float32Array; labels: Float32Array; count: number; features: number }> {
  const { loadImageDataset } = (await import(pathToFileURL(join(build, 'dist', 'src', 'io', 'datasets.js')).href)) as Datasets;
  const d = loadImageDataset(join(dir, `${prefix}-images-idx3-ubyte.gz`), join(dir, `${prefix}-labels-idx1-ubyte.gz`));
  const count = Math.min(limit, d.n);
  // Copies, so that a small subset does not keep the whole file's arrays alive.
  if (count === d.n) return { images: d.inputs, labels: d.labels, count, features: d.features };
  return { images: d.inputs.slice(0, count * d.features), labels: d.labels.slice(0, count), count, features: d.features };
}

/** Seeded stand-in data with Fashion-MNIST's shape: each class a random prototype, each sample it plus noise. */
export function syntheticFashion(trainCount: number, testCount: number, seed: number): FashionData {
  const features = 784;
  const random = seededRandom(seed);
  const prototypes = new Float32Array(10 * features);
  for (let i = 0; i < prototypes.length; i++) prototypes[i] = random();
  const make = (count: number) => {
    const images = new Float32Array(count * features);
    const labels = new Float32Array(count);
    for (let s = 0; s < count; s++) {
      const c = Math.floor(random() * 10);
      labels[s] = c;
      for (let f = 0; f < features; f++) {
        const v = prototypes[c * features + f] + (random() - 0.5);
        images[s * features + f] = v < 0 ? 0 : v > 1 ? 1 : v;
      }
    }
    return { images, labels };
  };
  const train = make(trainCount);
  const test = make(testCount);
  return { trainImages: train.images, trainLabels: train.labels, testImages: test.images, testLabels: test.labels, trainCount, testCount, features, synthetic: true };
}

/**
 * The first `trainCount`/`testCount` images of each split from `dir`, read with the loader of the
 * backprop build in `build`, or synthetic data when `dir` is null.
 */
export async function loadFashion(build: string, dir: string | null, trainCount: number, testCount: number, seed: number): Promise<FashionData> {
  if (dir === null) return syntheticFashion(trainCount, testCount, seed);
  const train = await loadSplit(build, dir, 'train', trainCount);
  const test = await loadSplit(build, dir, 't10k', testCount);
  return {
    trainImages: train.images, trainLabels: train.labels, testImages: test.images, testLabels: test.labels,
    trainCount: train.count, testCount: test.count, features: train.features, synthetic: false,
  };
}
