// (being written)
import type { Operation } from '../operation.ts';

export const rolesOperations: Record<string, Operation> = {};
