/**
 * The Optimizer base, through every optimizer: minimising (x − 3)² with real gradients, zeroGrad,
 * skipping parameters without a gradient, parameter groups, the learning rate, the JSON state dict
 * (training continues bit-identically after a round trip) and every validation message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, ShapeError, ValueError, type DType, type Tensor } from '../../src/index.js';
import { Adagrad, Adam, AdamW, RMSProp, SGD, type Optimizer, type OptimizerStateDict } from '../../src/optim/index.js';

type Make = (ps: Tensor[]) => Optimizer;
const ALL: Array<[string, Make]> = [
  ['SGD', (ps) => new SGD(ps, { lr: 0.1 })],
  ['SGD momentum', (ps) => new SGD(ps, { lr: 0.05, momentum: 0.9 })],
  ['SGD nesterov + weight decay', (ps) => new SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-4 })],
  ['Adam', (ps) => new Adam(ps, { lr: 0.1 })],
  ['Adam amsgrad', (ps) => new Adam(ps, { lr: 0.1, amsgrad: true })],
  ['AdamW', (ps) => new AdamW(ps, { lr: 0.1, weightDecay: 1e-4 })],
  ['RMSProp', (ps) => new RMSProp(ps, { lr: 0.05 })],
  ['RMSProp centered + momentum', (ps) => new RMSProp(ps, { lr: 0.01, centered: true, momentum: 0.5 })],
  ['Adagrad', (ps) => new Adagrad(ps, { lr: 0.5 })],
];

/** One step on L = Σ (x − 3)² with the gradient from autograd. */
function quadraticStep(x: Tensor, opt: Optimizer): number {
  opt.zeroGrad();
  const loss = x.sub(3).pow(2).sum();
  loss.backward();
  opt.step();
  return loss.item();
}

for (const [name, make] of ALL) {
  for (const dtype of ['float64', 'float32'] as DType[]) {
    test(`${name} minimises (x − 3)² to x = 3, ${dtype}`, () => {
      const x = tensor([0, 6, -1], { dtype, requiresGrad: true });
      const opt = make([x]);
      for (let i = 0; i < 300; i++) quadraticStep(x, opt);
      for (const v of x.data) assert.ok(Math.abs(v - 3) < 0.02, `${name}: x = ${Array.from(x.data)}`);
      // The update builds no graph and keeps x a trainable leaf, updated in place.
      assert.equal(x.gradFn, null);
      assert.equal(x.requiresGrad, true);
      assert.equal(x.dtype, dtype);
    });
  }

  test(`${name}: stateDict → JSON → loadStateDict continues bit-identically (float32 and float64)`, () => {
    const a32 = tensor([0.5, -1.25, 2], { dtype: 'float32', requiresGrad: true });
    const a64 = tensor([[1, 2], [3, -4]], { dtype: 'float64', requiresGrad: true });
    const unused = tensor([7], { requiresGrad: true });
    const opt = make([a32, a64, unused]);
    const lossOf = (): Tensor => a32.sub(3).pow(2).sum().add(a64.mul(a64).mul(0.1).sum());
    const train = (o: Optimizer, n: number): void => {
      for (let i = 0; i < n; i++) {
        o.zeroGrad();
        lossOf().backward();
        o.step();
      }
    };
    train(opt, 3);
    const saved = JSON.parse(JSON.stringify(opt.stateDict())) as OptimizerStateDict;
    assert.equal(saved.state[2], null, 'a parameter never stepped has no state');

    const b32 = tensor(Array.from(a32.data), { dtype: 'float32', requiresGrad: true });
    const b64 = tensor(Array.from(a64.data), { dtype: 'float64', requiresGrad: true, shape: [2, 2] });
    const copy = make([b32, b64, tensor([7], { requiresGrad: true })]);
    copy.loadStateDict(saved);
    assert.deepEqual(copy.stateDict(), opt.stateDict());

    train(opt, 4);
    const lossB = (): Tensor => b32.sub(3).pow(2).sum().add(b64.mul(b64).mul(0.1).sum());
    for (let i = 0; i < 4; i++) {
      copy.zeroGrad();
      lossB().backward();
      copy.step();
    }
    assert.deepEqual(Array.from(b32.data), Array.from(a32.data));
    assert.deepEqual(Array.from(b64.data), Array.from(a64.data));
  });
}

test('zeroGrad sets every gradient to null; step skips parameters whose grad is null', () => {
  const a = tensor([1, 2], { requiresGrad: true });
  const b = tensor([3], { requiresGrad: true });
  const opt = new Adam([{ params: [a] }, { params: [b], lr: 0.5 }]);
  a.grad = tensor([1, 1]);
  b.grad = tensor([1]);
  opt.zeroGrad();
  assert.equal(a.grad, null);
  assert.equal(b.grad, null);
  a.grad = tensor([1, -1]);
  opt.step();
  assert.notDeepEqual(Array.from(a.data), [1, 2]);
  assert.deepEqual(Array.from(b.data), [3]);
  assert.equal(opt.state.has(b), false, 'no state is made for a parameter that was skipped');
  assert.equal(opt.state.get(a)?.step, 1);
});

test('learningRate reads the first group and sets every group; schedules and remedies use it', () => {
  const a = tensor([1]), b = tensor([2]);
  const opt = new SGD([{ params: [a], lr: 0.1 }, { params: [b], lr: 0.2 }]);
  assert.equal(opt.learningRate, 0.1);
  opt.learningRate = 0.05;
  assert.deepEqual(opt.paramGroups.map((g) => g.lr), [0.05, 0.05]);
  assert.throws(() => { opt.learningRate = -1; }, { name: 'ValueError', message: 'SGD: Invalid learning rate: -1 (lr must be a finite number >= 0, e.g. 0.01)' });
  assert.equal(opt.learningRate, 0.05);
});

test('addParamGroup adds parameters with their own options', () => {
  const a = tensor([1]), b = tensor([2]);
  const opt = new SGD([a], { lr: 0.1, momentum: 0.9 });
  opt.addParamGroup({ params: [b], lr: 0.01 });
  assert.equal(opt.paramGroups[1].lr, 0.01);
  assert.equal(opt.paramGroups[1].momentum, 0.9);
  assert.throws(() => opt.addParamGroup({ params: [a] }), { message: 'SGD: paramGroups[2].params[0] is the same tensor as paramGroups[0].params[0]; pass each parameter once' });
});

test('a gradient of the wrong size is a ShapeError naming the parameter', () => {
  const a = tensor([1, 2], { requiresGrad: true });
  const opt = new SGD([a]);
  a.grad = tensor([1, 2, 3]);
  assert.throws(() => opt.step(), (e: unknown) => e instanceof ShapeError &&
    e.message === "SGD.step: paramGroups[0].params[0] has 2 elements but its grad has 3; a gradient must match its parameter's shape");
});

const p = (): Tensor => tensor([1], { requiresGrad: true });
const messages: Array<[string, () => unknown, string]> = [
  ['negative lr', () => new SGD([p()], { lr: -1 }), 'SGD: Invalid learning rate: -1 (lr must be a finite number >= 0, e.g. 0.01)'],
  ['NaN lr', () => new Adam([p()], { lr: NaN }), 'Adam: Invalid learning rate: NaN (lr must be a finite number >= 0, e.g. 0.01)'],
  ['string lr', () => new Adam([p()], { lr: '0.1' as unknown as number }), 'Adam: Invalid learning rate: "0.1" (lr must be a finite number >= 0, e.g. 0.01)'],
  ['negative momentum', () => new SGD([p()], { momentum: -0.5 }), 'SGD: Invalid momentum value: -0.5 (momentum must be a finite number >= 0)'],
  ['dampening above 1', () => new SGD([p()], { momentum: 0.9, dampening: 2 }), 'SGD: Invalid dampening value: 2 (dampening must be a finite number in [0, 1])'],
  ['negative weightDecay', () => new SGD([p()], { weightDecay: -1 }), 'SGD: Invalid weightDecay value: -1 (weightDecay must be a finite number >= 0)'],
  ['nesterov without momentum', () => new SGD([p()], { nesterov: true }),
    'SGD: Nesterov momentum requires a momentum and zero dampening (got momentum 0, dampening 0); set momentum > 0, e.g. 0.9, and dampening 0'],
  ['nesterov with dampening', () => new SGD([p()], { nesterov: true, momentum: 0.9, dampening: 0.1 }),
    'SGD: Nesterov momentum requires a momentum and zero dampening (got momentum 0.9, dampening 0.1); set momentum > 0, e.g. 0.9, and dampening 0'],
  ['nesterov not boolean', () => new SGD([p()], { nesterov: 1 as unknown as boolean }), 'SGD: nesterov must be true or false, got 1'],
  ['unknown option', () => new SGD([p()], { lerning_rate: 0.1 } as never),
    "SGD: unknown option 'lerning_rate' (known: lr, momentum, dampening, nesterov, weightDecay)"],
  ['learningRate alias', () => new Adam([p()], { learningRate: 0.1 } as never),
    "Adam: unknown option 'learningRate' (known: lr, betas, eps, weightDecay, amsgrad); the optimizer classes call the learning rate 'lr'"],
  ['beta1 too big', () => new Adam([p()], { betas: [1.5, 0.999] }), 'Adam: Invalid beta parameter at index 0: 1.5 (each beta must be a number in [0, 1), e.g. [0.9, 0.999])'],
  ['beta2 = 1', () => new AdamW([p()], { betas: [0.9, 1] }), 'AdamW: Invalid beta parameter at index 1: 1 (each beta must be a number in [0, 1), e.g. [0.9, 0.999])'],
  ['betas not a pair', () => new Adam([p()], { betas: [0.9] as unknown as [number, number] }), 'Adam: betas must be two numbers [beta1, beta2] such as [0.9, 0.999], got [0.9]'],
  ['negative eps', () => new Adam([p()], { eps: -1 }), 'Adam: Invalid epsilon value: -1 (eps must be a finite number >= 0)'],
  ['amsgrad not boolean', () => new Adam([p()], { amsgrad: 'yes' as unknown as boolean }), 'Adam: amsgrad must be true or false, got "yes"'],
  ['AdamW negative weightDecay', () => new AdamW([p()], { weightDecay: -0.01 }), 'AdamW: Invalid weightDecay value: -0.01 (weightDecay must be a finite number >= 0)'],
  ['RMSProp alpha', () => new RMSProp([p()], { alpha: 1.5 }), 'RMSProp: Invalid alpha value: 1.5 (alpha must be a finite number in [0, 1])'],
  ['RMSProp eps', () => new RMSProp([p()], { eps: -1 }), 'RMSProp: Invalid epsilon value: -1 (eps must be a finite number >= 0)'],
  ['RMSProp momentum', () => new RMSProp([p()], { momentum: -1 }), 'RMSProp: Invalid momentum value: -1 (momentum must be a finite number >= 0)'],
  ['RMSProp centered', () => new RMSProp([p()], { centered: null as unknown as boolean }), 'RMSProp: centered must be true or false, got null'],
  ['Adagrad lrDecay', () => new Adagrad([p()], { lrDecay: -1 }), 'Adagrad: Invalid lrDecay value: -1 (lrDecay must be a finite number >= 0)'],
  ['Adagrad initialAccumulatorValue', () => new Adagrad([p()], { initialAccumulatorValue: -1 }),
    'Adagrad: Invalid initialAccumulatorValue value: -1 (initialAccumulatorValue must be a finite number >= 0)'],
  ['Adagrad eps', () => new Adagrad([p()], { eps: -1 }), 'Adagrad: Invalid epsilon value: -1 (eps must be a finite number >= 0)'],
  ['a group option', () => new SGD([{ params: [p()] }, { params: [p()], lr: -1 }]),
    'SGD: paramGroups[1]: Invalid learning rate: -1 (lr must be a finite number >= 0, e.g. 0.01)'],
  ['an unknown group option', () => new SGD([{ params: [p()], mometum: 0.9 } as never]),
    "SGD: paramGroups[0]: unknown option 'mometum' (known: params, lr, momentum, dampening, nesterov, weightDecay)"],
  ['options not an object', () => new SGD([p()], 0.1 as never), 'SGD: options must be an object such as { lr: 0.01 }, got 0.1'],
  ['params null', () => new SGD(null as never), 'SGD: params must be an iterable of Tensors (model.parameters()) or of parameter groups, got null'],
  ['RMSProp weightDecay', () => new RMSProp([p()], { weightDecay: -1 }), 'RMSProp: Invalid weightDecay value: -1 (weightDecay must be a finite number >= 0)'],
  ['Adagrad lr', () => new Adagrad([p()], { lr: -0.1 }), 'Adagrad: Invalid learning rate: -0.1 (lr must be a finite number >= 0, e.g. 0.01)'],
  ['Adagrad weightDecay', () => new Adagrad([p()], { weightDecay: Infinity }), 'Adagrad: Invalid weightDecay value: Infinity (weightDecay must be a finite number >= 0)'],
  ['empty params', () => new SGD([]), "SGD: got an empty parameter list; pass the model's parameters, e.g. model.parameters()"],
  ['a single tensor', () => new SGD(p() as never), 'SGD: params must be an iterable of Tensors (model.parameters()) or of parameter groups, got a Tensor of shape [1]'],
  ['a number among tensors', () => new SGD([p(), 3 as never]), "SGD: params[1] is 3, expected a Tensor (a model's parameters())"],
  ['a non-leaf tensor', () => { const x = p(); return new SGD([x, x.mul(2)]); },
    "SGD: params[1] was computed by 'mul', not a leaf tensor; optimise the parameters it was computed from"],
  ['a duplicate', () => { const x = p(); return new SGD([x, x]); }, 'SGD: params[1] is the same tensor as params[0]; pass each parameter once'],
  ['a group among tensors', () => new SGD([{ lr: 1 } as never]),
    'SGD: params[0] is an object; pass either Tensors or parameter groups { params, ...options }, not a mix'],
  ['an empty group', () => new Adam([{ params: [] }]), 'Adam: paramGroups[0] has an empty parameter list'],
];

for (const [what, fn, message] of messages) {
  test(`validation: ${what}`, () => assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ValueError, `expected a ValueError, got ${String(e)}`);
    assert.equal(e.message, message);
    return true;
  }));
}

test('loadStateDict rejects a dict from another optimizer or of another shape, and changes nothing then', () => {
  const a = tensor([1, 2], { requiresGrad: true });
  const opt = new Adam([a], { lr: 0.1 });
  a.grad = tensor([1, 1]);
  opt.step();
  const good = opt.stateDict();
  const before = JSON.stringify(good);
  const bad = (mutate: (d: OptimizerStateDict) => void): OptimizerStateDict => {
    const d = JSON.parse(before) as OptimizerStateDict;
    mutate(d);
    return d;
  };
  const cases: Array<[OptimizerStateDict, string]> = [
    [new SGD([tensor([1, 2])]).stateDict(), 'Adam.loadStateDict: this state was saved by "SGD", not Adam; load it into a SGD'],
    [bad((d) => d.paramGroups.push({ ...d.paramGroups[0] })), 'Adam.loadStateDict: paramGroups has 2 groups, this optimizer has 1'],
    [bad((d) => d.state.push(null)), 'Adam.loadStateDict: state has 2 entries, this optimizer has 1 parameters'],
    [bad((d) => { d.paramGroups[0].lr = -1; }), 'Adam.loadStateDict: paramGroups[0]: Invalid learning rate: -1 (lr must be a finite number >= 0, e.g. 0.01)'],
    [bad((d) => { d.paramGroups[0].foo = 1; }), "Adam.loadStateDict: paramGroups[0]: unknown option 'foo' (known: lr, betas, eps, weightDecay, amsgrad)"],
    [bad((d) => { (d.state[0] as Record<string, number[]>).expAvg = [1]; }), "Adam.loadStateDict: state[0].expAvg has 1 values, expected 2 (the parameter's size)"],
    [bad((d) => { (d.state[0] as Record<string, unknown>).expAvg = [1, null]; }), 'Adam.loadStateDict: state[0].expAvg[1] is null, expected a finite number'],
    [bad((d) => { delete (d.state[0] as Record<string, unknown>).expAvgSq; }), "Adam.loadStateDict: state[0] lacks the field 'expAvgSq'"],
    [bad((d) => { (d.state[0] as Record<string, unknown>).velocity = [0, 0]; }), "Adam.loadStateDict: state[0] has an unknown field 'velocity' (known: step, expAvg, expAvgSq, maxExpAvgSq)"],
    [bad((d) => { (d.state[0] as Record<string, unknown>).step = 1.5; }), 'Adam.loadStateDict: state[0].step is 1.5, expected a whole number >= 0'],
  ];
  for (const [dict, message] of cases) {
    assert.throws(() => opt.loadStateDict(dict), { name: 'ValueError', message });
    assert.equal(JSON.stringify(opt.stateDict()), before, `unchanged after: ${message}`);
  }
});

test('loadStateDict restores hyper-parameters too', () => {
  const opt = new SGD([tensor([1])], { lr: 0.1 });
  const other = new SGD([tensor([1])], { lr: 0.3, momentum: 0.5 });
  opt.loadStateDict(JSON.parse(JSON.stringify(other.stateDict())));
  assert.equal(opt.learningRate, 0.3);
  assert.equal(opt.paramGroups[0].momentum, 0.5);
});

test('groups hold every option in the defaults\' order, then params, as own data properties: constructor, addParamGroup, loadStateDict', () => {
  const a = tensor([1, 2]), b = tensor([3]);
  const opt = new SGD([{ params: [a], lr: 0.2 }], { momentum: 0.5 });
  opt.addParamGroup({ params: [b], weightDecay: 0.1, nesterov: true });
  assert.deepEqual(opt.paramGroups.map((g) => Object.keys(g)), [
    ['lr', 'momentum', 'dampening', 'nesterov', 'weightDecay', 'params'],
    ['lr', 'momentum', 'dampening', 'nesterov', 'weightDecay', 'params'],
  ]);
  assert.deepEqual({ ...opt.paramGroups[0], params: null }, { lr: 0.2, momentum: 0.5, dampening: 0, nesterov: false, weightDecay: 0, params: null });
  assert.deepEqual({ ...opt.paramGroups[1], params: null }, { lr: 0.01, momentum: 0.5, dampening: 0, nesterov: true, weightDecay: 0.1, params: null });
  assert.deepEqual(opt.defaults, { lr: 0.01, momentum: 0.5, dampening: 0, nesterov: false, weightDecay: 0 });
  assert.equal(opt.paramGroups[0].params[0], a);
  assert.equal(opt.paramGroups[1].params[0], b);
  const adam = new Adam([a], { betas: [0.8, 0.9] });
  assert.deepEqual(Object.keys(adam.paramGroups[0]), [...Object.keys(adam.defaults), 'params']);
  assert.deepEqual(adam.paramGroups[0].betas, [0.8, 0.9]);
  const saved = opt.stateDict();
  saved.paramGroups[1].lr = 0.3;
  opt.loadStateDict(saved);
  assert.deepEqual(Object.keys(opt.paramGroups[1]), ['lr', 'momentum', 'dampening', 'nesterov', 'weightDecay', 'params']);
  assert.equal(opt.paramGroups[1].lr, 0.3);
});
