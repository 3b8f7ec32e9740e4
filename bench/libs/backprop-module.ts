/**
 * backprop with the bench's networks written as a user's own Module: no Dense and no Network, just
 * parameters registered on a Module subclass and a forward of `linear` and activation ops, trained
 * with fit(). It measures what the one-engine compiler promises: a model a user writes is as fast
 * as the built-in one (the `backprop ÷ backprop-module` ratio is the built-in's lead). The weights
 * start as the built-in Network's (same seed), so the quality columns are comparable.
 */
import { readFileSync } from 'node:fs';
import { entryOf, variantOf } from '../common.js';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FASHION, XOR, XOR_INPUTS, XOR_TARGETS, accuracy, runXor, timeAsync, type FashionData, type Runner, type Sizes } from '../common.js';

type Backprop = typeof import('../../dist/src/index.js');
type Tensor = InstanceType<Backprop['Tensor']>;

export async function backpropModuleRunner(build: string): Promise<Runner> {
  const pkg = JSON.parse(readFileSync(join(build, 'package.json'), 'utf8')) as { version: string };
  const bp = (await import(pathToFileURL(entryOf(build)).href)) as Backprop;

  /** Two affine maps with an activation between (and optionally after), parameters copied from a Network. */
  class TwoLayer extends bp.Module {
    readonly w1: Tensor; readonly b1: Tensor; readonly w2: Tensor; readonly b2: Tensor;
    constructor(net: InstanceType<Backprop['Network']>, readonly hidden: (t: Tensor) => Tensor, readonly out: (t: Tensor) => Tensor) {
      super();
      const [w1, b1, w2, b2] = net.parameters().map((p) => p.clone());
      this.w1 = this.registerParameter('w1', w1); this.b1 = this.registerParameter('b1', b1);
      this.w2 = this.registerParameter('w2', w2); this.b2 = this.registerParameter('b2', b2);
    }
    forward(x: Tensor): Tensor {
      return this.out(bp.linear(this.hidden(bp.linear(x, this.w1, this.b1)), this.w2, this.b2));
    }
  }

  return {
    detail: () => `backprop ${pkg.version} (own Module + fit), backend ${bp.backend().name}${variantOf(bp)}`,

    xor(sizes: Sizes, seed: number) {
      const inputs = bp.tensor(XOR_INPUTS);
      const targets = bp.tensor(XOR_TARGETS.map((t) => [t]));
      return runXor(sizes, {
        make: () => {
          const net = new bp.Network({ inputs: 2, layers: [{ units: XOR.hidden, activation: 'sigmoid' }, { units: 1, activation: 'sigmoid' }], loss: 'mse', init: 'xavier', seed });
          const model = new TwoLayer(net, bp.sigmoid, bp.sigmoid);
          return { model, optimizer: new bp.optim.SGD(model.parameters(), { lr: XOR.learningRate }) };
        },
        train: ({ model, optimizer }, epochs) => { bp.fit(model, inputs, targets, { loss: bp.mse, optimizer, epochs, batchSize: 1, shuffle: false, seed }); },
        outputs: ({ model }) => bp.noGrad(() => model.forward(inputs)).data,
      });
    },

    async fashion(sizes: Sizes, data: FashionData, seed: number) {
      const x = bp.tensor(data.trainImages, { shape: [data.trainCount, data.features] });
      const y = bp.tensor(Float32Array.from(data.trainLabels));
      const make = () => {
        const net = new bp.Network({
          inputs: data.features, layers: [{ units: FASHION.hidden, activation: 'relu' }, { units: FASHION.classes, activation: 'softmax' }],
          loss: 'crossEntropy', init: 'xavier', seed,
        });
        // Logits out: crossEntropy applies the softmax itself (what Network does for softmax + crossEntropy).
        const model = new TwoLayer(net, bp.relu, (t) => t);
        return { model, optimizer: new bp.optim.Adam(model.parameters(), { lr: FASHION.learningRate }) };
      };
      const options = { loss: bp.crossEntropy, epochs: 1, batchSize: FASHION.batchSize, shuffle: true, seed };
      const warmCount = Math.min(data.trainCount, sizes.fashionWarmupBatches * FASHION.batchSize);
      const warm = make();
      bp.fit(warm.model, bp.tensor(data.trainImages.subarray(0, warmCount * data.features), { shape: [warmCount, data.features] }),
        bp.tensor(Float32Array.from(data.trainLabels.subarray(0, warmCount))), { ...options, optimizer: warm.optimizer });
      const { model, optimizer } = make();
      const seconds = await timeAsync(() => { bp.fit(model, x, y, { ...options, optimizer }); });
      const testX = bp.tensor(data.testImages, { shape: [data.testCount, data.features] });
      const scores = bp.noGrad(() => model.forward(testX)).data;
      return {
        samplesPerSec: data.trainCount / seconds, seconds, accuracy: accuracy(scores, data.testLabels, FASHION.classes),
        trainSamples: data.trainCount, testSamples: data.testCount, synthetic: data.synthetic,
      };
    },
  };
}
