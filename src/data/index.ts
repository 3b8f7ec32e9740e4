/**
 * The data layer, browser-safe: CSV parsing, tabular preprocessing saved with a model, the IDX
 * reader, built-in and synthetic datasets, seeded splits. File loading lives in src/io/datasets.ts.
 */
export { parseCsv, type CsvOptions, type CsvTable } from './csv.js';
export {
  MISSING_VALUES, MAX_INTEGER_CLASSES, PREPROCESSOR_VERSION, parseNumber, isMissing, describeColumns, fitPreprocessor,
  applyPreprocessor, decodeTarget, classLabels, featureWidth, featureNames, checkFeatureCount, checkInputCount, parsePreprocessor,
  type ColumnKind, type Task, type ColumnInfo, type FeatureSpec, type TargetSpec, type Preprocessor, type PreprocessorFitOptions,
  type PreprocessorApplyOptions, type EncodedTable, IMPUTE_STRATEGIES, UNKNOWN_POLICIES, FLOAT32_MAX, type ImputeStrategy, type UnknownPolicy,
} from './tabular.js';
export { readIdx, writeIdx, type IdxArray, type IdxData } from './idx.js';
export { BUILTIN_DATASETS, builtinDataset, isBuiltinDataset, numericDataset, type Dataset, type BuiltinName, type NumericDatasetOptions } from './builtin.js';
export { SYNTHETIC_KINDS, synthetic, type SyntheticKind, type SyntheticOptions, type SyntheticData } from './synthetic.js';
export { trainTestSplit, takeRows } from './split.js';
export { decodeText, TEXT_ENCODINGS, type TextEncoding } from './text.js';
