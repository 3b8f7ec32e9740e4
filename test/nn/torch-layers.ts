/**
 * Running a backprop layer and the same torch.nn module (Debian's python3-torch, float32, one
 * thread) side by side: the layer's state dict is loaded into the torch module by name (so the
 * names must be PyTorch's), both run the same steps (train or eval mode, the same inputs, the same
 * output gradient), and the outputs, input and parameter gradients and final state come back to compare.
 */
import assert from 'node:assert/strict';
import { Tensor, backward, type Module } from '../../src/index.js';
import { runPython } from '../io/torch.js';

export interface TorchStep {
  train: boolean;
  inputs: Tensor[];
  /** The gradient of the output (a random weighting, so transposition bugs show). */
  g: Tensor;
  /** MultiheadAttention only: the causal mask, or a float mask added to the scores. */
  causal?: boolean;
  mask?: Tensor;
}

export interface TorchCase {
  /** A Python expression building the module, with `torch` and `nn` in scope. */
  module: string;
  layer: Module;
  steps: TorchStep[];
  /** 'mha': called as m(q, k, v, attn_mask, need_weights=True); 'indices': inputs are long. */
  kind?: 'mha' | 'indices';
}

export interface StepResult { y: number[]; gx: number[][]; grads: Record<string, number[]>; w?: number[] }
export interface CaseResult { keys: string[]; steps: StepResult[]; state: Record<string, number[]> }

const PY = String.raw`
import json, sys, torch
torch.set_num_threads(1)
def T(d): return torch.tensor(d['data'], dtype=torch.float32).reshape(d['shape'])
def flat(t): return t.detach().reshape(-1).tolist()
out = []
for c in json.load(sys.stdin):
    m = eval(c['module'], {'torch': torch, 'nn': torch.nn})
    sd = m.state_dict()
    keys = list(sd.keys())
    m.load_state_dict({k: T(c['state'][k]).to(sd[k].dtype) for k in keys})
    steps = []
    for s in c['steps']:
        m.train(s['train'])
        xs = [T(x) for x in s['inputs']]
        if c.get('kind') == 'indices': xs = [x.long() for x in xs]
        else: xs = [x.requires_grad_(True) for x in xs]
        w = None
        if c.get('kind') == 'mha':
            q, k, v = xs if len(xs) == 3 else (xs[0], xs[0], xs[0])
            mask = None
            if s.get('causal'): mask = torch.ones(q.shape[1], k.shape[1]).triu(1).bool()
            if s.get('mask'): mask = T(s['mask'])
            y, w = m(q, k, v, attn_mask=mask, need_weights=True)
        else:
            y = m(*xs)
        m.zero_grad()
        y.backward(T(s['g']))
        r = {'y': flat(y), 'gx': [flat(x.grad) for x in xs if x.grad is not None], 'grads': {n: flat(p.grad) for n, p in m.named_parameters()}}
        if w is not None: r['w'] = flat(w)
        steps.append(r)
    out.append({'keys': keys, 'steps': steps, 'state': {k: flat(v.float()) for k, v in m.state_dict().items()}})
json.dump(out, sys.stdout)
`;

const wire = (t: Tensor) => ({ shape: [...t.shape], data: Array.from(t.data) });

/** Runs every case in torch (one Python process); the cases' layers are left untouched. */
export function runTorch(cases: readonly TorchCase[]): CaseResult[] {
  const payload = cases.map((c) => ({
    module: c.module, kind: c.kind,
    state: Object.fromEntries(Object.entries(c.layer.stateDict()).map(([k, t]) => [k, wire(t)])),
    steps: c.steps.map((s) => ({ train: s.train, inputs: s.inputs.map(wire), g: wire(s.g), causal: s.causal, mask: s.mask && wire(s.mask) })),
  }));
  const r = runPython(['-c', PY], { input: JSON.stringify(payload) });
  assert.equal(r.status, 0, `python failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as CaseResult[];
}

/**
 * The same steps in backprop: forward, backward with g, and the gradients of the inputs and of
 * every parameter (by name); `run` computes the output (the layer's forward by default).
 */
export function runBackprop(c: TorchCase, run: (layer: Module, inputs: Tensor[], step: TorchStep) => { y: Tensor; w?: Tensor } = (l, xs) => ({ y: l.forward(xs[0]) })): StepResult[] {
  return c.steps.map((s) => {
    c.layer.train(s.train);
    const inputs = s.inputs.map((t) => new Tensor(t.data.slice(), t.shape, c.kind !== 'indices'));
    c.layer.zeroGrad();
    const { y, w } = run(c.layer, inputs, s);
    backward(y, s.g);
    return {
      y: Array.from(y.data),
      gx: c.kind === 'indices' ? [] : inputs.map((t) => Array.from(t.grad!.data)),
      grads: Object.fromEntries(c.layer.namedParameters().map(([n, p]) => [n, Array.from(p.grad!.data)])),
      w: w && Array.from(w.data),
    };
  });
}

/** |a − b| ≤ tol·(|b| + max|b|): relative, the tensor's largest magnitude covering cancellation near zero. */
export function close(got: ArrayLike<number>, want: ArrayLike<number>, what: string, tol = 1e-5): void {
  assert.equal(got.length, want.length, `${what}: lengths ${got.length} vs ${want.length}`);
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= tol * (Math.abs(want[i]) + scale), `${what}[${i}]: backprop ${got[i]} vs PyTorch ${want[i]}`);
  }
}

/** Every step's output and gradients, and the final state, against torch's. */
export function compareWithTorch(what: string, mine: StepResult[], torch: CaseResult, state: Record<string, Tensor>): void {
  mine.forEach((s, i) => {
    const t = torch.steps[i];
    close(s.y, t.y, `${what} step ${i} output`);
    if (s.w !== undefined) close(s.w, t.w!, `${what} step ${i} attention weights`);
    assert.equal(s.gx.length, t.gx.length, `${what} step ${i}: input gradients`);
    s.gx.forEach((g, k) => close(g, t.gx[k], `${what} step ${i} gradient of input ${k}`));
    assert.deepEqual(Object.keys(s.grads), Object.keys(t.grads), `${what}: parameter names`);
    for (const [n, g] of Object.entries(s.grads)) close(g, t.grads[n], `${what} step ${i} gradient of ${n}`);
  });
  assert.deepEqual(Object.keys(state), torch.keys, `${what}: state dict keys (and their order) are PyTorch's`);
  for (const [k, t] of Object.entries(state)) close(t.data, torch.state[k], `${what} final ${k}`, 1e-6);
}
