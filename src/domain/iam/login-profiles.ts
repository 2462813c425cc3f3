// (being written)
import type { Operation } from '../operation.ts';

export const loginProfilesOperations: Record<string, Operation> = {};
