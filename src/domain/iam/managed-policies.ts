// (being written)
import type { Operation } from '../operation.ts';

export const managedPoliciesOperations: Record<string, Operation> = {};
