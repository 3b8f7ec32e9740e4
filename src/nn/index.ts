/** Layers and their building blocks. */
export { Module, type StateDict } from './module.js';
export { Dense, Activation, Sigmoid, Tanh, ReLU, LeakyReLU, Softmax, Step, Identity, Sequential, applyActivation, type DenseOptions } from './layers.js';
export { ACTIVATION_TABLE, HIDDEN_ACTIVATIONS, activationEntry, type ActivationEntry } from './activations.js';
export * as init from './init.js';
