/** Layers and their building blocks. */
export { Module, type StateDict } from './module.js';
export { Dense, Activation, Sigmoid, Tanh, ReLU, LeakyReLU, Softmax, Step, Identity, Sequential, applyActivation, type DenseOptions } from './layers.js';
export { ACTIVATION_TABLE, HIDDEN_ACTIVATIONS, activationEntry, type ActivationEntry } from './activations.js';
export * as init from './init.js';
// -- convolution and pooling layers (issue 12) --
export { Conv2d, Conv1d, MaxPool2d, AvgPool2d, Flatten, type ConvLayerOptions, type Conv1dLayerOptions } from './conv.js';
// -- normalisation, embeddings and attention (issue 12) --
export { BatchNorm1d, BatchNorm2d, LayerNorm, type BatchNormOptions, type LayerNormOptions } from './norm.js';
export { Embedding, type EmbeddingOptions } from './embedding.js';
export { MultiHeadAttention, type MultiHeadAttentionOptions, type AttendOptions } from './attention.js';
// -- recurrent layers (issue 12) --
export { RNN, LSTM, GRU, type RecurrentOptions, type RNNOptions, type RecurrentState, type RecurrentRun } from './recurrent.js';
// -- dropout layer and the spec's layer-type table (issue 12) --
export { Dropout, type DropoutLayerOptions } from './dropout.js';
export { LAYER_TYPE_TABLE, GlobalAvgPool2d, ActivatedConv2d, ActivatedConv1d, resolveLayers, inputShape, sampleSize, layerEntry, isActivated, type LayerTypeEntry, type LayerTensor, type ResolvedLayer, type SampleShape } from './layer-types.js';
