import { DomainError } from '../../src/domain/errors.ts';
import type { HelpdeskDirectory, HelpdeskTarget } from '../../src/domain/helpdesk.ts';
import type { Project } from '../../src/domain/instance.ts';

/** A fixed project list per platform, for tests that are not about the connectors. */
export const fixedProjects: Record<string, Project[]> = {
  freshdesk: [
    { id: '1001', name: 'Support' },
    { id: '1002', name: 'Escalations' },
  ],
  freshservice: [
    { id: '2', name: 'IT' },
    { id: '3', name: 'HR' },
  ],
  xurrent: [{ id: '501', name: 'Partner Support' }],
};

export const BAD_API_KEY = 'rejected-key';

export function fixedHelpdesks(): HelpdeskDirectory & { calls: HelpdeskTarget[] } {
  const calls: HelpdeskTarget[] = [];
  return {
    calls,
    async listProjects(target) {
      calls.push(target);
      return fixedProjects[target.platform] ?? [];
    },
    async verifyCredentials(target) {
      calls.push(target);
      const secret = target.credentials.kind === 'apiKey' ? target.credentials.apiKey : target.credentials.token;
      if (secret === BAD_API_KEY)
        throw new DomainError('helpdesk_credentials', `${target.baseUrl} rejected the credentials (401).`);
    },
  };
}
