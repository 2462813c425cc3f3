// (being written)
import type { Operation } from '../operation.ts';

export const accountOperations: Record<string, Operation> = {};
