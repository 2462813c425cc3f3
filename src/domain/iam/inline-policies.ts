// (being written)
import type { Operation } from '../operation.ts';

export const inlinePoliciesOperations: Record<string, Operation> = {};
