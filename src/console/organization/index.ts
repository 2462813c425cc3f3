// AWS Organizations in the console, for the management account (a member account, or a caller
// without permission, sees the refusal in words): the tree of accounts and OUs (tree.ts) and the
// authorization policies, one page per type (policies.ts).
import type { FastifyInstance } from 'fastify';
import type { ConsoleContext } from '../context.ts';
import { registerOrganizationPolicies } from './policies.ts';
import { registerOrganizationTree } from './tree.ts';

export function registerOrganization(server: FastifyInstance, ctx: ConsoleContext): void {
  registerOrganizationTree(server, ctx);
  registerOrganizationPolicies(server, ctx);
}
