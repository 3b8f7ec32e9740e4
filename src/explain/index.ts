/**
 * The explainer, browser-safe: traces of one forward/backward pass with every number, their text and
 * Markdown renderings, gradient checks, expression graphs and loss landscapes. The CLI and the
 * playground render the same plain-data traces. The picture renderers only the CLI needs (DOT/SVG
 * graphs, landscape SVG/RGBA/terminal maps) are exported from `backprop/node`, off the core's path.
 */
export { explain, neuronNames, type ExplainOptions, type Trace, type StepTrace, type LayerTrace, type NeuronTrace, type ParamTrace, type Factor, type SumTerm, type FeedTerm, type OutputLossTrace } from './trace.js';
export { renderText, renderMarkdown, maxLineWidth, type TextOptions } from './render.js';
export { neuronProvenance, paramProvenance, lossProvenance, type NeuronProvenance } from './provenance.js';
export { resolveSpec, listParams, findParam, type FullSpec, type NetworkLike, type ParamRef, type Samples } from './spec.js';
export { engineGradient, engineLoss, lossAndGradient } from './engine.js';
export {
  checkGradients, gradcheckNetwork, perturbationTable, renderGradcheckText, renderGradcheckMarkdown, renderPerturbationText, renderPerturbationMarkdown,
  type GradientCheckOptions, type GradientCheckReport, type GradientCheckRow, type PerturbationTable, type PerturbationRow,
} from './gradcheck.js';
export {
  traceExpression, parseExpression, evaluateExpression, expressionVariables, parseAssignments, ExpressionError, EXPR_FUNCTIONS,
  type ExprTrace, type ExprNodeTrace, type ExprEdgeTrace, type ExprStep, type ExprAst, type ExprOptions,
} from './expr.js';
export { renderExpressionText, renderExpressionMarkdown } from './render-expr.js';
export { landscape, type Landscape, type LandscapeOptions, type LandscapePathOptions, type LandscapePoint } from './landscape.js';
