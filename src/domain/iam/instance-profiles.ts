// (being written)
import type { Operation } from '../operation.ts';

export const instanceProfilesOperations: Record<string, Operation> = {};
