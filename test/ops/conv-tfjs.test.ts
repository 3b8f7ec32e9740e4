/**
 * conv2d forward and both gradients against TensorFlow.js (the devDependency, its CPU backend) on
 * random shapes, strides, paddings (asymmetric ones included), dilations (forward only: tfjs has no
 * dilated conv2d gradient) and groups, float32, to
 * 1e-5 relative (|a − b| ≤ 1e-5·(|b| + max|b|)). TensorFlow.js is NHWC with filters
 * [kh, kw, in, out] and has no groups: groups are a split into per-group convolutions and a concat,
 * and its gradients come from tf.grads of ⟨conv(x, w), G⟩, the same upstream G given to backprop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as ops from '../../src/ops/index.js';
import { Random, Tensor, backward } from '../../src/index.js';
import { CONV2D } from '../../src/ops/conv.js';
import { apply } from '../../src/ops/prim.js';

function rand(shape: number[], rng: Random, requiresGrad = false): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.range(-1, 1);
  return new Tensor(data, shape, requiresGrad);
}

function close(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  assert.equal(got.length, want.length, `${what}: lengths`);
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= 1e-5 * (Math.abs(want[i]) + scale), `${what}[${i}]: ${got[i]} vs TensorFlow.js ${want[i]}`);
  }
}

interface Case { xs: number[]; ws: number[]; stride: [number, number]; padding: [number, number, number, number]; dilation: [number, number]; groups: number }

/** tfjs refuses strides > 1 together with dilations > 1, so a case has one or the other. */
function randomCase(rng: Random): Case {
  for (;;) {
    const groups = 1 + rng.int(3), cg = 1 + rng.int(3), og = 1 + rng.int(3);
    const kh = 1 + rng.int(3), kw = 1 + rng.int(3);
    const strided = rng.int(2) === 0;
    const stride: [number, number] = strided ? [1 + rng.int(3), 1 + rng.int(3)] : [1, 1];
    const dilation: [number, number] = strided ? [1, 1] : [1 + rng.int(2), 1 + rng.int(2)];
    const padding: [number, number, number, number] = [rng.int(3), rng.int(3), rng.int(3), rng.int(3)];
    const xs = [1 + rng.int(3), groups * cg, 2 + rng.int(9), 2 + rng.int(9)];
    const ws = [groups * og, cg, kh, kw];
    const oh = Math.floor((xs[2] + padding[0] + padding[1] - dilation[0] * (kh - 1) - 1) / stride[0]) + 1;
    const ow = Math.floor((xs[3] + padding[2] + padding[3] - dilation[1] * (kw - 1) - 1) / stride[1]) + 1;
    if (oh >= 1 && ow >= 1) return { xs, ws, stride, padding, dilation, groups };
  }
}

/** TensorFlow.js's conv2d of NCHW x by backprop-layout w, groups by split, output NCHW. */
function tfConv(x: tf.Tensor4D, w: tf.Tensor4D, c: Case): tf.Tensor4D {
  const xh = tf.transpose(x, [0, 2, 3, 1]) as tf.Tensor4D; // NHWC
  const f = tf.transpose(w, [2, 3, 1, 0]) as tf.Tensor4D; // [kh, kw, cg, o]
  const pad = [[0, 0], [c.padding[0], c.padding[1]], [c.padding[2], c.padding[3]], [0, 0]] as [[number, number], [number, number], [number, number], [number, number]];
  const xsG = c.groups === 1 ? [xh] : tf.split(xh, c.groups, 3);
  const fsG = c.groups === 1 ? [f] : tf.split(f, c.groups, 3);
  const ys = xsG.map((xg, g) => tf.conv2d(xg as tf.Tensor4D, fsG[g] as tf.Tensor4D, c.stride, pad, 'NHWC', c.dilation));
  const y = ys.length === 1 ? ys[0] : tf.concat(ys, 3);
  return tf.transpose(y, [0, 3, 1, 2]) as tf.Tensor4D;
}

test('conv2d forward and both gradients match TensorFlow.js on 40 random shapes, strides, paddings, dilations (forward) and groups (float32, 1e-5)', async () => {
  await tf.setBackend('cpu');
  const rng = new Random(31);
  let graded = 0;
  for (let t = 0; t < 40; t++) {
    const c = randomCase(rng);
    const x = rand(c.xs, rng, true), w = rand(c.ws, rng, true);
    // the public op for symmetric padding; asymmetric padding (what 'same' makes of even kernels) through the prim's attrs
    const out = c.padding[0] === c.padding[1] && c.padding[2] === c.padding[3]
      ? ops.conv2d(x, w, { stride: c.stride, dilation: c.dilation, groups: c.groups, padding: [c.padding[0], c.padding[2]] })
      : apply(CONV2D, [x, w], { stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups });
    const g = rand([...out.shape], rng);
    backward(out, g);
    const what = JSON.stringify(c);
    // tfjs has no gradient of a dilated conv2d: those cases compare the forward (their gradients are checked against PyTorch and the direct loops)
    const dilated = c.dilation[0] > 1 || c.dilation[1] > 1;
    const kept = tf.tidy((): tf.Tensor[] => {
      const tx = tf.tensor4d(x.data as Float32Array, c.xs as [number, number, number, number]);
      const tw = tf.tensor4d(w.data as Float32Array, c.ws as [number, number, number, number]);
      const tg = tf.tensor4d(g.data as Float32Array, out.shape as [number, number, number, number]);
      const y = tfConv(tx, tw, c);
      assert.deepEqual(out.shape, y.shape, `${what} shape`);
      if (dilated) return [y];
      const f = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tfConv(a as tf.Tensor4D, b as tf.Tensor4D, c), tg));
      const [gx, gw] = tf.grads(f)([tx, tw]);
      return [y, gx, gw];
    });
    const [want, wantGx, wantGw] = kept.map((k) => k.dataSync());
    tf.dispose(kept);
    close(out.data, want!, `${what} forward`);
    if (dilated) continue;
    graded++;
    close(x.grad!.data, wantGx!, `${what} input gradient`);
    close(w.grad!.data, wantGw!, `${what} weight gradient`);
  }
  assert.ok(graded >= 15, `only ${graded} cases compared gradients`);
});
