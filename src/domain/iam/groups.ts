// (being written)
import type { Operation } from '../operation.ts';

export const groupsOperations: Record<string, Operation> = {};
