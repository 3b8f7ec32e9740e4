/** optimizerByName: each name gives its class with its defaults, 'momentum' is SGD with 0.9, unknown names list the valid ones. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor } from '../../src/index.js';
import { Adagrad, Adam, AdamW, OPTIMIZER_NAMES, optimizerByName, RMSProp, SGD } from '../../src/optim/index.js';

test('each name makes its optimizer', () => {
  const p = tensor([1], { requiresGrad: true });
  const made = OPTIMIZER_NAMES.map((n) => optimizerByName(n, [p]));
  assert.deepEqual(made.map((o) => o.constructor), [SGD, SGD, Adam, AdamW, RMSProp, Adagrad]);
  assert.equal(made[0].paramGroups[0].lr, 0.01);
  assert.equal((made[1] as SGD).paramGroups[0].momentum, 0.9);
  assert.equal((made[0] as SGD).paramGroups[0].momentum, 0);
  assert.equal(made[2].learningRate, 1e-3);
});

test('options pass through and are checked by the class; names are case-insensitive', () => {
  const p = tensor([1]);
  const o = optimizerByName('Momentum', [p], { lr: 0.5, momentum: 0.5 }) as SGD;
  assert.equal(o.learningRate, 0.5);
  assert.equal(o.paramGroups[0].momentum, 0.5);
  assert.throws(() => optimizerByName('adam', [p], { learningRate: 0.1 }), {
    name: 'ValueError',
    message: "Adam: unknown option 'learningRate' (known: lr, betas, eps, weightDecay, amsgrad); the optimizer classes call the learning rate 'lr'",
  });
});

test('an unknown name lists the valid ones', () => {
  assert.throws(() => optimizerByName('adamx', [tensor([1])]), {
    name: 'ValueError',
    message: "optimizerByName: unknown optimizer \"adamx\" (known: sgd, momentum, adam, adamw, rmsprop, adagrad)",
  });
});

test("the core entry exports the module as 'optim'", async () => {
  const { optim } = await import('../../src/index.js');
  assert.equal(optim.SGD, SGD);
  assert.equal(optim.optimizerByName, optimizerByName);
});
