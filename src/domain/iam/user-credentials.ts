// (being written)
import type { Operation } from '../operation.ts';

export const userCredentialsOperations: Record<string, Operation> = {};
