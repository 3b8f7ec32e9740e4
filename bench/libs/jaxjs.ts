/**
 * jax-js (npm @jax-js/jax) on its 'wasm' device, written the way its README teaches: the network's
 * loss as a function of a parameter tree, `grad` for the gradients, and the whole training step
 * (gradients and the Adam or SGD update) as one `jit` function, so jax-js fuses and compiles it once
 * per batch shape. jax-js has no layers or optimizers of its own (its optax package is not on npm),
 * so the 784-128-10 MLP, softmax cross-entropy and Adam (PyTorch's formula, ε = 1e-8) are written
 * with its numpy/nn ops. Init: Glorot/Xavier uniform weights from jax.random, zero biases.
 * Threads: jax-js's wasm device splits kernels over Web Workers only where `Worker` and
 * SharedArrayBuffer exist; Node has no global Worker, so here it runs on one thread.
 * Arrays are reference-counted: every use but the last takes `.ref` (see its README).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  FASHION, XOR, XOR_INPUTS, XOR_TARGETS, accuracy, matmulWarmup, rate, runXor, seededRandom, timeAsync,
  type FashionData, type Runner, type Sizes,
} from '../common.js';

type Jax = typeof import('@jax-js/jax');
type JArray = import('@jax-js/jax').Array;

const require = createRequire(import.meta.url);

type Mlp = { w1: JArray; b1: JArray; w2: JArray; b2: JArray };

export async function jaxjsRunner(): Promise<Runner> {
  const jax = (await import('@jax-js/jax')) as Jax;
  const { numpy: np, nn, random, tree } = jax;
  const version = (JSON.parse(readFileSync(join(dirname(require.resolve('@jax-js/jax')), '..', 'package.json'), 'utf8')) as { version: string }).version;
  const available = await jax.init('wasm');
  if (!available.includes('wasm')) throw new Error(`jax-js: the wasm device did not initialise (available: ${available.join(', ') || 'none'})`);
  jax.defaultDevice('wasm');
  const threads = typeof (globalThis as { Worker?: unknown }).Worker === 'function' && typeof SharedArrayBuffer === 'function'
    ? 'Web Workers' : '1 thread (no Web Worker in Node)';

  /** Glorot/Xavier uniform [fanIn × fanOut] from jax.random, like backprop's 'xavier' and tfjs's glorotUniform. */
  const glorot = (seed: number, fanIn: number, fanOut: number): JArray => {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    return random.uniform(random.key(seed), [fanIn, fanOut], { minval: -limit, maxval: limit });
  };
  const mlp = (seed: number, inputs: number, hidden: number, outputs: number): Mlp => ({
    w1: glorot(seed, inputs, hidden), b1: np.zeros([hidden]), w2: glorot(seed + 1, hidden, outputs), b2: np.zeros([outputs]),
  });
  const zerosLike = (p: Mlp): Mlp => tree.map((a: JArray) => np.zeros(a.shape), tree.ref(p)) as Mlp;

  return {
    detail: () => `jax-js ${version} wasm, ${threads}`,

    async xor(sizes: Sizes, seed: number) {
      const forward = (p: Mlp, x: JArray) => nn.sigmoid(np.matmul(nn.sigmoid(np.matmul(x, p.w1).add(p.b1)), p.w2).add(p.b2));
      const loss = (p: Mlp, x: JArray, y: JArray) => np.square(forward(p, x).sub(y)).mean();
      // One online SGD update (batch 1), gradients and update fused by jit.
      const step = jax.jit((p: Mlp, x: JArray, y: JArray) => {
        const g = jax.grad(loss)(tree.ref(p), x, y) as Mlp;
        return tree.map((w: JArray, gw: JArray) => w.sub(gw.mul(XOR.learningRate)), p, g) as Mlp;
      });
      const predict = jax.jit((p: Mlp, x: JArray) => forward(p, x));
      const rows = XOR_INPUTS.map((x, i) => ({ x: np.array(x).reshape([1, 2]), y: np.array([XOR_TARGETS[i]]).reshape([1, 1]) }));
      const all = np.array(XOR_INPUTS);
      const result = await runXor(sizes, {
        make: () => ({ p: mlp(seed, 2, XOR.hidden, 1) }),
        train: async (net, epochs) => {
          for (let e = 0; e < epochs; e++) {
            for (const r of rows) net.p = step(net.p, r.x.ref, r.y.ref);
            await jax.blockUntilReady(net.p); // once per epoch (see fashion below)
          }
        },
        outputs: (net) => predict(tree.ref(net.p), all.ref).dataSync(),
        dispose: (net) => tree.dispose(net.p),
      });
      for (const r of rows) { r.x.dispose(); r.y.dispose(); }
      all.dispose();
      step.dispose();
      predict.dispose();
      return result;
    },

    async fashion(sizes: Sizes, data: FashionData, seed: number) {
      const { features, trainCount } = data;
      const { batchSize, classes, hidden, learningRate: lr } = FASHION;
      const [beta1, beta2, eps] = [0.9, 0.999, 1e-8];
      const logits = (p: Mlp, x: JArray) => np.matmul(nn.relu(np.matmul(x, p.w1).add(p.b1)), p.w2).add(p.b2);
      // Softmax + categorical cross-entropy on one-hot labels, the mean over the batch.
      const loss = (p: Mlp, x: JArray, y: JArray) => nn.logSoftmax(logits(p, x), -1).mul(y).sum(-1).mean().mul(-1);
      // c1 = lr / (1 − β1^t), c2 = 1 / (1 − β2^t): Adam's bias corrections, as arrays so one compiled step serves every t.
      const step = jax.jit((p: Mlp, m: Mlp, v: Mlp, x: JArray, y: JArray, c1: JArray, c2: JArray) => {
        const g = jax.grad(loss)(tree.ref(p), x, y) as Mlp;
        const m2 = tree.map((mi: JArray, gi: JArray) => mi.mul(beta1).add(gi.mul(1 - beta1)), m, tree.ref(g)) as Mlp;
        const v2 = tree.map((vi: JArray, gi: JArray) => vi.mul(beta2).add(gi.ref.mul(gi).mul(1 - beta2)), v, g) as Mlp;
        const p2 = tree.map((pi: JArray, mi: JArray, vi: JArray) => pi.sub(mi.mul(c1.ref).div(np.sqrt(vi.mul(c2.ref)).add(eps))), p, tree.ref(m2), tree.ref(v2)) as Mlp;
        c1.dispose();
        c2.dispose();
        return [p2, m2, v2] as [Mlp, Mlp, Mlp];
      });
      const random01 = seededRandom(seed);
      const batchX = (rows: Int32Array | number[], from: number, to: number) => {
        const x = new Float32Array((to - from) * features);
        const y = new Float32Array((to - from) * classes);
        for (let i = from; i < to; i++) {
          const r = rows[i];
          x.set(data.trainImages.subarray(r * features, (r + 1) * features), (i - from) * features);
          y[(i - from) * classes + data.trainLabels[r]] = 1;
        }
        return { x: np.array(x).reshape([to - from, features]), y: np.array(y).reshape([to - from, classes]) };
      };
      /** One reshuffled epoch over the first `count` images, batches of 64 (the last one partial). */
      const epoch = async (count: number) => {
        let p = mlp(seed, features, hidden, classes);
        let m = zerosLike(p);
        let v = zerosLike(p);
        const order = Int32Array.from({ length: count }, (_, i) => i);
        for (let i = count - 1; i > 0; i--) {
          const j = Math.floor(random01() * (i + 1));
          [order[i], order[j]] = [order[j], order[i]];
        }
        let t = 0;
        for (let from = 0; from < count; from += batchSize) {
          t++;
          const { x, y } = batchX(order, from, Math.min(count, from + batchSize));
          [p, m, v] = step(p, m, v, x, y, np.array(lr / (1 - beta1 ** t)), np.array(1 / (1 - beta2 ** t)));
          // Each step is waited for, as a training loop that reads its loss would: left to queue
          // lazily with a fresh batch each time, jax-js ran ~9× slower per step (2.5 → 21.6 ms here).
          await jax.blockUntilReady(p);
        }
        tree.dispose([m, v]);
        return p;
      };
      // The warm-up compiles the step for both batch shapes the timed epoch has (full and the last, partial one).
      const warmCount = Math.min(trainCount, sizes.fashionWarmupBatches * batchSize + (trainCount % batchSize));
      tree.dispose(await epoch(warmCount));
      let trained: Mlp | undefined;
      const seconds = await timeAsync(async () => { trained = await epoch(trainCount); });
      const testX = np.array(data.testImages).reshape([data.testCount, features]);
      const scores = logits(trained!, testX).dataSync();
      step.dispose();
      return {
        samplesPerSec: trainCount / seconds, seconds, accuracy: accuracy(scores, data.testLabels, classes),
        trainSamples: trainCount, testSamples: data.testCount, synthetic: data.synthetic,
      };
    },

    async matmul(sizes: Sizes, n: number) {
      const a = random.uniform(random.key(1), [n, n], { minval: -1, maxval: 1 });
      const b = random.uniform(random.key(2), [n, n], { minval: -1, maxval: 1 });
      // jax-js is lazy: each product is forced with blockUntilReady (no read-back), then freed.
      const perSec = await rate(async () => {
        const c = np.matmul(a.ref, b.ref);
        await c.blockUntilReady();
        c.dispose();
      }, sizes.minSeconds, matmulWarmup(n));
      a.dispose();
      b.dispose();
      return { gflops: (2 * n * n * n * perSec) / 1e9, n };
    },
  };
}
