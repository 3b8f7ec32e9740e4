/**
 * RNN, LSTM and GRU: against PyTorch's torch.nn.RNN/LSTM/GRU(batch_first=True) on the same fixed
 * weights (weight_ih ↔ weight_ih_l0, weight_hh ↔ weight_hh_l0, bias_ih ↔ bias_ih_l0, bias_hh ↔
 * bias_hh_l0), outputs, final states and the gradients of input, initial state and every parameter
 * to 1e-5 in float32; a float64 central-difference check of 2-step cells; compiled training (jit +
 * Adam) equal to eager; PyTorch's init bounds; one-line errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Dense, GRU, LSTM, Module, RNN, Random, ShapeError, Tensor, ValueError, backward, crossEntropy, jit, optim, sum, mul,
} from '../../src/index.js';
import { runPython, skipWithoutTorch } from '../io/torch.js';

type Kind = 'rnn_tanh' | 'rnn_relu' | 'lstm' | 'gru';
const PARAMS = ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'] as const;

function make(kind: Kind, F: number, H: number, options: { returnSequences?: boolean; bias?: boolean; dtype?: 'float32' | 'float64'; seed?: number }) {
  if (kind === 'lstm') return new LSTM(F, H, options);
  if (kind === 'gru') return new GRU(F, H, options);
  return new RNN(F, H, { ...options, nonlinearity: kind === 'rnn_relu' ? 'relu' : 'tanh' });
}

interface Case {
  kind: Kind; B: number; T: number; F: number; H: number; bias: boolean; seq: boolean; state: boolean;
  x: number[]; params: Record<string, number[]>; h0?: number[]; c0?: number[]; gOut: number[]; gH: number[]; gC?: number[];
}

const PY = String.raw`
import json, sys, torch
torch.set_num_threads(1)
out = []
for c in json.load(sys.stdin):
    B, T, F, H = c['B'], c['T'], c['F'], c['H']
    k = c['kind']
    if k == 'lstm': m = torch.nn.LSTM(F, H, batch_first=True, bias=c['bias'])
    elif k == 'gru': m = torch.nn.GRU(F, H, batch_first=True, bias=c['bias'])
    else: m = torch.nn.RNN(F, H, batch_first=True, bias=c['bias'], nonlinearity=k[4:])
    with torch.no_grad():
        for name, v in c['params'].items():
            p = getattr(m, name + '_l0')
            p.copy_(torch.tensor(v, dtype=torch.float32).reshape(p.shape))
    x = torch.tensor(c['x'], dtype=torch.float32).reshape(B, T, F).requires_grad_(True)
    state, leaves = None, []
    if c['state']:
        h0 = torch.tensor(c['h0'], dtype=torch.float32).reshape(1, B, H).requires_grad_(True)
        leaves.append(h0)
        if k == 'lstm':
            c0 = torch.tensor(c['c0'], dtype=torch.float32).reshape(1, B, H).requires_grad_(True)
            leaves.append(c0)
            state = (h0, c0)
        else:
            state = h0
    y, hn = m(x, state)
    if k == 'lstm': hn, cn = hn
    output = y if c['seq'] else hn[0]
    loss = (output * torch.tensor(c['gOut']).reshape(output.shape)).sum() + (hn[0] * torch.tensor(c['gH']).reshape(B, H)).sum()
    if k == 'lstm': loss = loss + (cn[0] * torch.tensor(c['gC']).reshape(B, H)).sum()
    loss.backward()
    r = {'output': output.detach().reshape(-1).tolist(), 'h': hn[0].detach().reshape(-1).tolist(), 'gx': x.grad.reshape(-1).tolist(),
         'grads': {name: getattr(m, name + '_l0').grad.reshape(-1).tolist() for name in c['params']}}
    if k == 'lstm': r['c'] = cn[0].detach().reshape(-1).tolist()
    if c['state']:
        r['gh0'] = leaves[0].grad.reshape(-1).tolist()
        if k == 'lstm': r['gc0'] = leaves[1].grad.reshape(-1).tolist()
    out.append(r)
json.dump(out, sys.stdout)
`;

const values = (n: number, rng: Random) => Array.from({ length: n }, () => Math.fround(rng.range(-1, 1)));

/** |a − b| ≤ tol·(|b| + max|b|): relative, with the tensor's largest magnitude covering values near zero. */
function close(what: string, got: ArrayLike<number>, want: number[], tol = 1e-5): void {
  assert.equal(got.length, want.length, `${what}: ${got.length} values, PyTorch has ${want.length}`);
  const scale = Math.max(...want.map(Math.abs), 1e-30);
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= tol * (Math.abs(want[i]) + scale), `${what}[${i}]: ${got[i]} vs PyTorch ${want[i]}`);
  }
}

test('RNN, LSTM and GRU equal PyTorch (batch_first) on fixed weights: outputs, final states and every gradient, to 1e-5 in float32', { skip: skipWithoutTorch() }, () => {
  const rng = new Random(12);
  const cases: Case[] = [];
  const kinds: Kind[] = ['rnn_tanh', 'rnn_relu', 'lstm', 'gru'];
  for (const kind of kinds) {
    for (const state of [false, true]) {
      for (const seq of [false, true]) {
        cases.push({ kind, B: 3, T: 2 + rng.int(5), F: 2 + rng.int(4), H: 2 + rng.int(4), bias: true, seq, state } as Case);
      }
    }
    cases.push({ kind, B: 2, T: 3, F: 3, H: 4, bias: false, seq: true, state: true } as Case);
    cases.push({ kind, B: 2, T: 3, F: 3, H: 4, bias: false, seq: false, state: false } as Case);
    cases.push({ kind, B: 1, T: 1, F: 2, H: 3, bias: true, seq: false, state: false } as Case);
  }
  const layers = cases.map((c) => {
    const layer = make(c.kind, c.F, c.H, { returnSequences: c.seq, bias: c.bias, seed: rng.int(1000) });
    // Fresh random values rather than the initialiser's, so that a wrong gate order cannot hide.
    for (const [name, p] of layer.namedParameters()) p.data.set(values(p.size, rng));
    c.params = Object.fromEntries(layer.namedParameters().map(([n, p]) => [n, Array.from(p.data)]));
    c.x = values(c.B * c.T * c.F, rng);
    if (c.state) { c.h0 = values(c.B * c.H, rng); if (c.kind === 'lstm') c.c0 = values(c.B * c.H, rng); }
    c.gOut = values(c.seq ? c.B * c.T * c.H : c.B * c.H, rng);
    c.gH = values(c.B * c.H, rng);
    if (c.kind === 'lstm') c.gC = values(c.B * c.H, rng);
    return layer;
  });
  const r = runPython(['-c', PY], { input: JSON.stringify(cases) });
  assert.equal(r.status, 0, r.stderr);
  const torch = JSON.parse(r.stdout) as { output: number[]; h: number[]; c?: number[]; gx: number[]; grads: Record<string, number[]>; gh0?: number[]; gc0?: number[] }[];
  cases.forEach((c, i) => {
    const what = `${c.kind} B${c.B} T${c.T} F${c.F} H${c.H}${c.bias ? '' : ' no bias'}${c.seq ? ' returnSequences' : ''}${c.state ? ' with h0' : ''}`;
    const layer = layers[i];
    const x = new Tensor(Float32Array.from(c.x), [c.B, c.T, c.F], true);
    const h0 = c.h0 ? new Tensor(Float32Array.from(c.h0), [c.B, c.H], true) : undefined;
    const c0 = c.c0 ? new Tensor(Float32Array.from(c.c0), [c.B, c.H], true) : undefined;
    const out = layer.run(x, c.kind === 'lstm' ? { h0, c0 } : { h0 });
    assert.deepEqual(out.output.shape, c.seq ? [c.B, c.T, c.H] : [c.B, c.H], what);
    // forward() is run()'s output, from zeros when no state is given
    if (!c.state) assert.deepEqual(Array.from(layer.forward(x).data), Array.from(out.output.data), `${what}: forward`);
    const t = torch[i];
    close(`${what} output`, out.output.data, t.output);
    close(`${what} h`, out.h.data, t.h);
    if (c.kind === 'lstm') close(`${what} c`, out.c!.data, t.c!);
    else assert.equal(out.c, undefined);
    let loss = sum(mul(out.output, new Tensor(Float32Array.from(c.gOut), out.output.shape)));
    loss = loss.add(sum(mul(out.h, new Tensor(Float32Array.from(c.gH), out.h.shape))));
    if (c.kind === 'lstm') loss = loss.add(sum(mul(out.c!, new Tensor(Float32Array.from(c.gC!), out.c!.shape))));
    backward(loss);
    close(`${what} ∂x`, x.grad!.data, t.gx);
    assert.deepEqual(layer.namedParameters().map(([n]) => n), c.bias ? [...PARAMS] : ['weight_ih', 'weight_hh']);
    for (const [name, p] of layer.namedParameters()) {
      // One step from a zero state never multiplies by weight_hh: no gradient (null), where PyTorch has zeros.
      if (p.grad === null) assert.ok(name === 'weight_hh' && c.T === 1 && !c.state && t.grads[name].every((v) => v === 0), `${what}: no gradient for ${name}`);
      else close(`${what} ∂${name}`, p.grad.data, t.grads[name]);
    }
    if (h0) close(`${what} ∂h0`, h0.grad!.data, t.gh0!);
    if (c0) close(`${what} ∂c0`, c0.grad!.data, t.gc0!);
  });
});

test('2-step cells in float64: the tape\'s gradients equal central differences for input, state and every parameter', () => {
  const rng = new Random(5);
  for (const kind of ['rnn_tanh', 'rnn_relu', 'lstm', 'gru'] as Kind[]) {
    for (const seq of [false, true]) {
      const layer = make(kind, 3, 2, { dtype: 'float64', returnSequences: seq, seed: 9 });
      const x = new Tensor(Float64Array.from(values(2 * 2 * 3, rng)), [2, 2, 3], true);
      const h0 = new Tensor(Float64Array.from(values(4, rng)), [2, 2], true);
      const c0 = new Tensor(Float64Array.from(values(4, rng)), [2, 2], true);
      const state = kind === 'lstm' ? { h0, c0 } : { h0 };
      const weights = (n: number) => Float64Array.from({ length: n }, () => rng.range(0.5, 1.5) * (rng.uniform() < 0.5 ? -1 : 1));
      const probe = layer.run(x, state);
      const wOut = weights(probe.output.size), wC = weights(4);
      const objective = (): Tensor => {
        const r = layer.run(x, state);
        let l = sum(mul(r.output, new Tensor(wOut, r.output.shape)));
        if (r.c) l = l.add(sum(mul(r.c, new Tensor(wC, r.c.shape))));
        return l;
      };
      const leaves: [string, Tensor][] = [['x', x], ['h0', h0], ...(kind === 'lstm' ? [['c0', c0] as [string, Tensor]] : []), ...layer.namedParameters()];
      for (const [, t] of leaves) t.grad = null;
      backward(objective());
      const eps = 1e-6;
      for (const [name, t] of leaves) {
        for (let i = 0; i < t.size; i++) {
          const v = t.data[i];
          t.data[i] = v + eps; const up = objective().item();
          t.data[i] = v - eps; const down = objective().item();
          t.data[i] = v;
          const numerical = (up - down) / (2 * eps);
          const analytic = t.grad!.data[i];
          assert.ok(Math.abs(analytic - numerical) <= 1e-7 + 1e-6 * Math.abs(numerical), `${kind}${seq ? ' returnSequences' : ''} ∂${name}[${i}]: tape ${analytic}, central difference ${numerical}`);
        }
      }
    }
  }
});

class Classifier extends Module {
  readonly rnn: RNN | LSTM | GRU;
  readonly head: Dense;
  constructor(kind: Kind, seq: boolean, dtype: 'float32' | 'float64') {
    super();
    this.rnn = this.registerModule('rnn', make(kind, 3, 5, { returnSequences: seq, dtype, seed: 4 }));
    this.head = this.registerModule('head', new Dense(seq ? 5 * 6 : 5, 3, { dtype, seed: 5 }));
  }
  forward(x: Tensor): Tensor {
    const y = this.rnn.forward(x);
    return this.head.forward(y.rank === 3 ? y.reshape([y.shape[0], -1]) : y);
  }
}

test('compiled training (jit step + Adam, both plan kinds) equals eager: 2e-5 in float32, 1e-12 in float64, for every layer, returnSequences both ways', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    const tol = dtype === 'float32' ? 2e-5 : 1e-12;
    for (const kind of ['rnn_tanh', 'rnn_relu', 'lstm', 'gru'] as Kind[]) {
      for (const seq of [false, true]) {
        const rng = new Random(3);
        const batches = Array.from({ length: 3 }, () => ({
          x: new Tensor(dtype === 'float32' ? Float32Array.from(values(4 * 6 * 3, rng)) : Float64Array.from(values(4 * 6 * 3, rng)), [4, 6, 3]),
          y: Array.from({ length: 4 }, () => rng.int(3)),
        }));
        const run = (compiled: boolean, mode: 'kernels' | 'unrolled' = 'kernels') => {
          const model = new Classifier(kind, seq, dtype);
          const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
          const step = (x: Tensor, y: Tensor) => { opt.zeroGrad(); const loss = crossEntropy(model.forward(x), y); loss.backward(); opt.step(); return loss; };
          const fn = compiled ? jit(step, { mode }) : step;
          const losses: number[] = [];
          for (let epoch = 0; epoch < 4; epoch++) {
            for (const b of batches) losses.push(fn(b.x, new Tensor(Float32Array.from(b.y), [4])).item());
          }
          if (compiled) assert.equal((fn as ReturnType<typeof jit>).traces, 1);
          return { losses, params: model.parameters().map((p) => Array.from(p.data)) };
        };
        const eager = run(false);
        for (const mode of ['kernels', 'unrolled'] as const) {
        const compiled = run(true, mode);
        const what = `${kind} ${dtype}${seq ? ' returnSequences' : ''} ${mode}`;
        eager.losses.forEach((l, i) => assert.ok(Math.abs(l - compiled.losses[i]) <= tol * Math.max(1, Math.abs(l)), `${what}: loss ${i}: eager ${l}, compiled ${compiled.losses[i]}`));
        eager.params.forEach((p, k) => p.forEach((v, i) => assert.ok(Math.abs(v - compiled.params[k][i]) <= tol * Math.max(1, Math.abs(v)), `${what}: parameter ${k}[${i}]: eager ${v}, compiled ${compiled.params[k][i]}`)));
        assert.ok(eager.losses[eager.losses.length - 1] < eager.losses[0], `${what}: the loss falls (${eager.losses[0]} → ${eager.losses[eager.losses.length - 1]})`);
        }
      }
    }
  }
});

test('parameters have PyTorch\'s names, shapes and init U(±1/√hidden), seeded; stateDict keys nest as layers do', () => {
  for (const [layer, gates] of [[new RNN(5, 4, { seed: 2 }), 1], [new LSTM(5, 4, { seed: 2 }), 4], [new GRU(5, 4, { seed: 2 })  , 3]] as const) {
    assert.deepEqual(layer.namedParameters().map(([n, p]) => [n, p.shape]), [['weight_ih', [gates * 4, 5]], ['weight_hh', [gates * 4, 4]], ['bias_ih', [gates * 4]], ['bias_hh', [gates * 4]]]);
    const all = layer.parameters().flatMap((p) => Array.from(p.data));
    assert.ok(all.every((v) => Math.abs(v) <= 0.5) && all.some((v) => v > 0.4) && all.some((v) => v < -0.4), 'U(±1/√4) filling its range');
  }
  assert.deepEqual(Array.from(new LSTM(3, 2, { seed: 7 }).weight_hh.data), Array.from(new LSTM(3, 2, { seed: 7 }).weight_hh.data));
  assert.notDeepEqual(Array.from(new LSTM(3, 2, { seed: 7 }).weight_hh.data), Array.from(new LSTM(3, 2, { seed: 8 }).weight_hh.data));
  assert.equal(new GRU(3, 2, { bias: false }).bias_ih, null);
  assert.deepEqual(Object.keys(new Classifier('lstm', false, 'float32').stateDict()), ['rnn.weight_ih', 'rnn.weight_hh', 'rnn.bias_ih', 'rnn.bias_hh', 'head.weight', 'head.bias']);
});

test('wrong shapes and options are one-line errors naming the layer, both shapes and the fix', () => {
  const lstm = new LSTM(8, 32);
  const err = (fn: () => unknown, type: typeof ShapeError | typeof ValueError, message: RegExp) =>
    assert.throws(fn, (e: unknown) => e instanceof type && message.test((e as Error).message) && !(e as Error).message.includes('\n'), String(message));
  err(() => lstm.forward(new Tensor(new Float32Array(4 * 20 * 7), [4, 20, 7])), ShapeError, /^LSTM\(8 → 32\): expected input of shape \[batch, time, 8\], got \[4, 20, 7\]$/);
  err(() => lstm.forward(new Tensor(new Float32Array(4 * 8), [4, 8])), ShapeError, /^LSTM\(8 → 32\): expected input of shape \[batch, time, 8\], got \[4, 8\]$/);
  err(() => lstm.forward(new Tensor(new Float32Array(0), [4, 0, 8])), ShapeError, /LSTM\(8 → 32\): the sequence has no time steps \(input \[4, 0, 8\]\)/);
  const x = new Tensor(new Float32Array(4 * 3 * 8), [4, 3, 8]);
  err(() => lstm.run(x, { h0: new Tensor(new Float32Array(32), [1, 32]) }), ShapeError, /^LSTM\(8 → 32\): h0 must be \[batch, hidden\] = \[4, 32\], got \[1, 32\]$/);
  err(() => lstm.run(x, { c0: new Tensor(new Float32Array(4 * 16), [4, 16]) }), ShapeError, /c0 must be \[batch, hidden\] = \[4, 32\], got \[4, 16\]/);
  err(() => new GRU(8, 4).run(x, { c0: new Tensor(new Float32Array(16), [4, 4]) }), ValueError, /GRU\(8 → 4\): c0 is an LSTM's cell state; GRU has only h0/);
  err(() => lstm.run(x, { hx: null } as never), ValueError, /LSTM\(8 → 32\): unknown state 'hx' \(known: h0, c0\)/);
  err(() => new LSTM(8, 0), ValueError, /^LSTM: hiddenSize must be a whole number ≥ 1, got 0$/);
  err(() => new GRU(8, 4, { units: 4 } as never), ValueError, /^GRU: unknown option 'units' \(known: returnSequences, bias, seed, random, dtype\)$/);
  err(() => new RNN(8, 4, { nonlinearity: 'sigmoid' } as never), ValueError, /^RNN: nonlinearity must be 'tanh' or 'relu', got 'sigmoid'$/);
  err(() => new LSTM(8, 4, { nonlinearity: 'relu' } as never), ValueError, /^LSTM: unknown option 'nonlinearity'/);
});

test('a batch large enough for the SIMD kernels: the compiled LSTM step (fused loops, SIMD σ and tanh) equals eager to 2e-5', () => {
  const rng = new Random(8);
  const x = new Tensor(Float32Array.from(values(32 * 10 * 8, rng)), [32, 10, 8]);
  const y = new Tensor(Float32Array.from({ length: 32 }, () => rng.int(4)), [32]);
  const run = (compiled: boolean) => {
    const lstm = new LSTM(8, 32, { seed: 1 }), head = new Dense(32, 4, { seed: 2 });
    const params = [...lstm.parameters(), ...head.parameters()];
    const opt = new optim.Adam(params, { lr: 0.01 });
    const step = (xb: Tensor, yb: Tensor) => { opt.zeroGrad(); const loss = crossEntropy(head.forward(lstm.forward(xb)), yb); loss.backward(); opt.step(); return loss; };
    const fn = compiled ? jit(step, { mode: 'kernels' }) : step;
    const losses = Array.from({ length: 5 }, () => fn(x, y).item());
    return { losses, params: params.map((p) => Array.from(p.data)) };
  };
  const eager = run(false), compiled = run(true);
  eager.losses.forEach((l, i) => assert.ok(Math.abs(l - compiled.losses[i]) <= 2e-5 * Math.max(1, Math.abs(l)), `loss ${i}: eager ${l}, compiled ${compiled.losses[i]}`));
  eager.params.forEach((p, k) => p.forEach((v, i) => assert.ok(Math.abs(v - compiled.params[k][i]) <= 2e-5 * Math.max(1, Math.abs(v)), `parameter ${k}[${i}]: eager ${v}, compiled ${compiled.params[k][i]}`)));
});
