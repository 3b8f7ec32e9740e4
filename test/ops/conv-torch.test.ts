/**
 * conv2d, conv1d, maxPool2d and avgPool2d against PyTorch (Debian's python3-torch, float32, one
 * thread) on random shapes, strides, paddings ('same' included), dilations and groups: the forward
 * and the gradients of input, weight and bias agree to 1e-5 relative in float32 (|a − b| ≤
 * 1e-5·(|b| + max|b|), the tensor's largest magnitude covering cancellation near zero). Skips with
 * the reason when no Python with torch is found.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ops from '../../src/ops/index.js';
import { Random, Tensor, backward } from '../../src/index.js';
import { runPython, skipWithoutTorch } from '../io/torch.js';

interface Case {
  kind: 'conv2d' | 'conv1d' | 'maxPool2d' | 'avgPool2d';
  xs: number[];
  x: number[];
  ws?: number[];
  w?: number[];
  b?: number[];
  /** conv: stride, padding, dilation, groups; pools: kernel, stride, padding */
  opts: Record<string, unknown>;
  g?: number[];
}

const PY = String.raw`
import json, sys, torch
import torch.nn.functional as F
torch.set_num_threads(1)
out = []
for c in json.load(sys.stdin):
    x = torch.tensor(c['x'], dtype=torch.float32).reshape(c['xs']).requires_grad_(True)
    o = c['opts']
    w = b = None
    if c['kind'] in ('conv2d', 'conv1d'):
        w = torch.tensor(c['w'], dtype=torch.float32).reshape(c['ws']).requires_grad_(True)
        if c.get('b') is not None:
            b = torch.tensor(c['b'], dtype=torch.float32).requires_grad_(True)
        f = F.conv2d if c['kind'] == 'conv2d' else F.conv1d
        pad = o['padding']
        if isinstance(pad, list): pad = tuple(pad)
        st = tuple(o['stride']) if isinstance(o['stride'], list) else o['stride']
        di = tuple(o['dilation']) if isinstance(o['dilation'], list) else o['dilation']
        y = f(x, w, b, stride=st, padding=pad, dilation=di, groups=o['groups'])
    elif c['kind'] == 'maxPool2d':
        y = F.max_pool2d(x, tuple(o['kernel']), stride=tuple(o['stride']), padding=tuple(o['padding']))
    else:
        y = F.avg_pool2d(x, tuple(o['kernel']), stride=tuple(o['stride']), padding=tuple(o['padding']))
    g = torch.tensor(c['g'], dtype=torch.float32).reshape(y.shape)
    y.backward(g)
    r = {'ys': list(y.shape), 'y': y.detach().reshape(-1).tolist(), 'gx': x.grad.reshape(-1).tolist()}
    if w is not None: r['gw'] = w.grad.reshape(-1).tolist()
    if b is not None: r['gb'] = b.grad.reshape(-1).tolist()
    out.append(r)
json.dump(out, sys.stdout)
`;

function values(n: number, rng: Random, distinct = false): number[] {
  if (!distinct) return Array.from({ length: n }, () => Math.fround(rng.range(-1, 1)));
  // distinct values, so the maximum of every window is unique (ties would be an arbitrary choice)
  const v = Array.from({ length: n }, (_, i) => (i - n / 2) / 8);
  rng.shuffle(v);
  return v;
}

const size = (s: number[]) => s.reduce((p, d) => p * d, 1);

/** Random cases; each output's shape comes from running backprop's op, so PyTorch must agree on it too. */
function cases(): { c: Case; run: () => { y: Tensor; grads: Tensor[] } }[] {
  const rng = new Random(2024);
  const all: { c: Case; run: () => { y: Tensor; grads: Tensor[] } }[] = [];
  const add = (c: Case, f: (xs: Tensor[]) => Tensor) => {
    const tensors = [[c.x, c.xs], [c.w, c.ws], [c.b, c.b ? [c.b.length] : undefined]]
      .filter(([d]) => d !== undefined)
      .map(([d, s]) => new Tensor(Float32Array.from(d as number[]), s as number[], true));
    const y = f(tensors);
    c.g = values(y.size, rng);
    all.push({ c, run: () => { backward(y, new Tensor(Float32Array.from(c.g!), y.shape)); return { y, grads: tensors.map((t) => t.grad!) }; } });
  };
  while (all.length < 24) {
    const groups = 1 + rng.int(3), cg = 1 + rng.int(3), og = 1 + rng.int(3);
    const kh = 1 + rng.int(4), kw = 1 + rng.int(4);
    const xs = [1 + rng.int(3), groups * cg, 3 + rng.int(8), 3 + rng.int(8)];
    const ws = [groups * og, cg, kh, kw];
    const same = rng.uniform() < 0.25;
    const stride = same ? [1, 1] : [1 + rng.int(3), 1 + rng.int(3)];
    const padding = same ? 'same' : [rng.int(3), rng.int(3)];
    const dilation = [1 + rng.int(2), 1 + rng.int(2)];
    const bias = rng.uniform() < 0.5;
    const effH = dilation[0] * (kh - 1) + 1, effW = dilation[1] * (kw - 1) + 1;
    const padH = same ? effH - 1 : 2 * (padding as number[])[0], padW = same ? effW - 1 : 2 * (padding as number[])[1];
    if (effH > xs[2] + padH || effW > xs[3] + padW) continue;
    const c: Case = { kind: 'conv2d', xs, x: values(size(xs), rng), ws, w: values(size(ws), rng), b: bias ? values(ws[0], rng) : undefined, opts: { stride, padding, dilation, groups } };
    add(c, ([x, w, b]) => ops.conv2d(x, w, b ?? null, { stride: stride as [number, number], padding: padding as [number, number] | 'same', dilation: dilation as [number, number], groups }));
  }
  for (let t = 0; t < 6; t++) {
    const groups = 1 + rng.int(2), xs = [2, groups * (1 + rng.int(3)), 8 + rng.int(10)], ws = [groups * (1 + rng.int(3)), xs[1] / groups, 1 + rng.int(4)];
    const same = t % 3 === 0;
    const opts = { stride: same ? 1 : 1 + rng.int(2), padding: same ? 'same' : rng.int(3), dilation: 1 + rng.int(2), groups };
    const c: Case = { kind: 'conv1d', xs, x: values(size(xs), rng), ws, w: values(size(ws), rng), b: values(ws[0], rng), opts };
    add(c, ([x, w, b]) => ops.conv1d(x, w, b, opts as never));
  }
  for (const kind of ['maxPool2d', 'avgPool2d'] as const) {
    for (const [k, s, p] of [[[2, 2], [2, 2], [0, 0]], [[3, 3], [2, 2], [1, 1]], [[3, 2], [1, 2], [1, 0]], [[2, 3], [3, 1], [0, 1]]]) {
      const xs = [2, 3, 5 + rng.int(6), 5 + rng.int(6)];
      const c: Case = { kind, xs, x: values(size(xs), rng, kind === 'maxPool2d'), opts: { kernel: k, stride: s, padding: p } };
      add(c, ([x]) => ops[kind](x, k as [number, number], { stride: s as [number, number], padding: p as [number, number] }));
    }
  }
  return all;
}

function close(got: ArrayLike<number>, want: readonly number[], what: string): void {
  assert.equal(got.length, want.length, `${what}: lengths`);
  const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= 1e-5 * (Math.abs(want[i]) + scale), `${what}[${i}]: backprop ${got[i]} vs PyTorch ${want[i]}`);
  }
}

test('conv2d, conv1d, maxPool2d, avgPool2d: forward and input/weight/bias gradients equal PyTorch\'s (float32, 1e-5 relative) on random geometries', { skip: skipWithoutTorch() }, () => {
  const list = cases();
  const r = runPython(['-c', PY], { input: JSON.stringify(list.map((e) => e.c)) });
  assert.equal(r.status, 0, `python failed: ${r.stderr}`);
  const torch = JSON.parse(r.stdout) as { ys: number[]; y: number[]; gx: number[]; gw?: number[]; gb?: number[] }[];
  assert.equal(torch.length, list.length);
  list.forEach(({ c, run }, i) => {
    const what = `${c.kind} x ${JSON.stringify(c.xs)} w ${JSON.stringify(c.ws ?? null)} ${JSON.stringify(c.opts)}${c.b ? ' bias' : ''}`;
    const { y, grads } = run();
    assert.deepEqual(y.shape, torch[i].ys, `${what}: output shape`);
    close(y.data, torch[i].y, `${what} forward`);
    close(grads[0].data, torch[i].gx, `${what} input gradient`);
    if (c.w) close(grads[1].data, torch[i].gw!, `${what} weight gradient`);
    if (c.b) close(grads[2].data, torch[i].gb!, `${what} bias gradient`);
  });
});
