// (being written)
import type { Operation } from '../operation.ts';

export const accessKeysOperations: Record<string, Operation> = {};
