/**
 * backprop: the browser-safe core. Nothing imported from here touches Node-only APIs or the DOM
 * (tsconfig.core.json checks this); file I/O lives in 'backprop/node'.
 */
import './tensor/kernels/js.js';
export { backendInfo, type BackendInfo, initWasmBackend, wasmKernels, loadWasmKernels, supportedWasmVariants, WasmArray, WasmKernels, type WasmVariant } from './tensor/kernels/wasm.js';
export { enableWebThreads } from './tensor/kernels/wasm-threads-web.js';
export { shutdownWasmThreads, wasmThreadStats, type WasmThreadsOptions } from './tensor/kernels/thread-pool.js';
import './ops/methods.js';

export { Tensor, tensor, zeros, ones, full, rand, randn, assertFinite } from './tensor/tensor.js';
export type { TensorOptions, TensorLike, NestedArray, FactoryOptions, RandomOptions, GradFn } from './tensor/tensor.js';
export type { DType, TypedArray } from './tensor/dtype.js';
export { Random, manualSeed } from './tensor/random.js';
export { BackpropError, ShapeError, ValueError, DataError, DivergenceError } from './tensor/errors.js';
export { backend, setBackend, listBackends, registerBackend, type Backend } from './tensor/kernels/backend.js';
export { noGrad, isGradEnabled, backward } from './autograd/graph.js';
export { gradcheck, type GradcheckOptions, type GradcheckResult } from './autograd/gradcheck.js';
export * from './ops/index.js';
export * from './nn/index.js';
export * from './losses/index.js';
export { fit, training, whyNotCompiled, classificationAccuracy, type FitOptions, type History, type EpochLogs, type BatchLogs, type StopReason, type EarlyStoppingOptions, type Trainable, type OptimizerLike } from './train/fit.js';
export { Training, type BestEpoch } from './train/training.js';
export { jit, hostCall, isTracing, TraceError, type Jitted, type JitOptions, type JitResult } from './compile/index.js';
export { Network, validateSpec, MAX_SEED, type LearnOptions } from './train/network.js';
export { parameterCount, trainingMemory, checkNetworkSize, setMemoryLimit, getMemoryLimit, formatBytes, MAX_LAYERS, MAX_SAVED_PARAMETERS, DEFAULT_MEMORY_LIMIT } from './train/size.js';
export { ACTIVATIONS, LOSSES, INITS, type NetworkSpec, type LayerSpec, type ActivationName, type LossName, type InitName } from './spec/index.js';
export { serializeModel, parseModel, MODEL_FORMAT, MODEL_VERSION, type Model, type ModelFile } from './io/model.js';
export * from './data/index.js';
export * from './explain/index.js';
export * as optim from './optim/index.js';
export { exportOnnx, inspectOnnx, ONNX_OPSET, type OnnxExportOptions, type OnnxTensorInfo, type OnnxSummary } from './io/onnx/export.js';
export { exportTfjs, importTfjs, type TfjsArtifacts, type TfjsExportOptions, type TfjsImport, type TfjsModelJson, type TfjsWeightSpec, type TfjsWeightsGroup } from './io/tfjs.js';
export { toSafetensors, fromSafetensors, parseSafetensors, SAFETENSORS_DTYPES, MAX_SAFETENSORS_HEADER, type ParsedSafetensors, type SafetensorsEntry, type SafetensorsOptions, type SafetensorsDtype, type TensorSource } from './io/safetensors.js';
export { exportPytorch, importSafetensors, trainingSettings, TORCHRUN, type PytorchExport, type TrainingSettings } from './io/pytorch.js';
// -- layer types in the JSON spec (issue 12) --
export {
  LAYER_TYPES, layerType, type LayerTypeName, type LayerSpecs, type AnyLayerSpec, type DenseLayerSpec, type DenseNetworkSpec,
  type Conv2dLayerSpec, type Conv1dLayerSpec, type MaxPool2dLayerSpec, type AvgPool2dLayerSpec, type GlobalAvgPool2dLayerSpec,
  type FlattenLayerSpec, type DropoutLayerSpec, type PairSpec,
} from './spec/index.js';
// -- recurrent layer types in the JSON spec (issue 12) --
export { type RecurrentLayerSpec, type LstmLayerSpec, type GruLayerSpec, type RnnLayerSpec } from './spec/index.js';
