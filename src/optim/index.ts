/**
 * The optimizers, in increasing complexity, and the learning-rate schedules: exported as `optim`
 * (optim.SGD, optim.Adam, …). Each update rule is also a plain function over typed arrays
 * (sgdUpdate, adamUpdate, …) for callers that keep parameters in one flat buffer, and a table entry
 * (SGD_RULE, ADAM_RULE, …: see UpdateRule) that the eager step and compiled code both run.
 */
export { Optimizer, runRule, RULE_SCALARS, RULE_ELEMENT, RULE_DONE, RULE_SCALAR, type UpdateRule, type Hyper, type ParamState, type ParamGroup, type ParamGroupInput, type Params, type OptimizerStateDict } from './optimizer.js';
export { SGD, sgdUpdate, SGD_RULE, validateSGD, SGD_DEFAULTS, type SGDHyper, type SGDOptions, type SGDState } from './sgd.js';
export { Adagrad, adagradUpdate, ADAGRAD_RULE, adagradInit, validateAdagrad, ADAGRAD_DEFAULTS, type AdagradHyper, type AdagradOptions, type AdagradState } from './adagrad.js';
export { RMSProp, rmspropUpdate, RMSPROP_RULE, rmspropInit, validateRMSProp, RMSPROP_DEFAULTS, type RMSPropHyper, type RMSPropOptions, type RMSPropState } from './rmsprop.js';
export { Adam, AdamW, adamUpdate, adamwUpdate, ADAM_RULE, ADAMW_RULE, adamInit, validateAdam, ADAM_DEFAULTS, ADAMW_DEFAULTS, type AdamHyper, type AdamOptions, type AdamState } from './adam.js';
export { optimizerByName, OPTIMIZER_NAMES, type OptimizerName } from './by-name.js';
export {
  LRScheduler, StepLR, ExponentialLR, CosineAnnealingLR,
  type StepLROptions, type ExponentialLROptions, type CosineAnnealingLROptions, type SchedulerStateDict,
} from './schedules.js';
