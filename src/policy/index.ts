// The one door into the policy engine. Other folders (and library users, as `portcullis/policy`)
// import from here and nowhere deeper.
export type {
  PolicyKind,
  PolicyError,
  ContextScalar,
  ContextValue,
  Principal,
  RequestInput,
  Decision,
  PolicyType,
  MatchedStatement,
  EvaluationResult,
} from './types.ts';
export type { CompiledPolicy } from './ast.ts';
export type { PreparedRequest } from './request.ts';
export type { EvaluationInput } from './evaluate.ts';
export type { ParseOptions, ParseResult } from './parse.ts';
export { parsePolicy, parsePolicyInSteps, ELEMENTS_PER_STEP } from './parse.ts';
export { createRequest } from './request.ts';
export { evaluate } from './evaluate.ts';
export { accessDeniedMessage } from './explain.ts';
export {
  traceDecision,
  type DecisionTrace,
  type PolicySetTrace,
  type PolicyTrace,
  type StatementTrace,
  type StatementOutcome,
  type ConditionTrace,
  type ElementTrace,
} from './trace.ts';
export { policySize, checkPolicySize, type PolicySizeLimit } from './size.ts';
export { statementPositions, type StatementPosition, type TextPosition } from './positions.ts';
export {
  jsonSyntaxErrorOffset,
  lineStarts,
  positionAtOffset,
  statementStarts,
  refusedStatement,
  refusalPosition,
  type RefusalPosition,
} from './json-position.ts';
export { compileGlob, type Glob } from './wildcard.ts';
