import { createHelpdesk, type ConnectorOptions } from '../../adapters/helpdesk/index.ts';
import type { ConnectHelpdesk } from '../../src/app-deps.ts';
import { DomainError } from '../../src/domain/errors.ts';
import type { Helpdesk, HelpdeskTarget } from '../../src/domain/helpdesk.ts';
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

/**
 * Connectors whose credential check and project list are fixed answers (registering an instance and picking its
 * incoming project work without a helpdesk); everything else goes to the real connector. `calls` lists the targets
 * the two fixed answers were asked for.
 */
export function fixedHelpdesks(): ConnectHelpdesk & { calls: HelpdeskTarget[] } {
  const calls: HelpdeskTarget[] = [];
  const connect = (target: HelpdeskTarget, options: ConnectorOptions): Helpdesk => {
    const real = createHelpdesk(target, options);
    const fixed: Pick<Helpdesk, 'listProjects' | 'verifyCredentials'> = {
      async listProjects() {
        calls.push(target);
        return fixedProjects[target.platform] ?? [];
      },
      async verifyCredentials() {
        calls.push(target);
        const secret = target.credentials.kind === 'apiKey' ? target.credentials.apiKey : target.credentials.token;
        if (secret === BAD_API_KEY)
          throw new DomainError('helpdesk_credentials', `${target.baseUrl} rejected the credentials (401).`);
      },
    };
    return new Proxy(real, {
      get(connector, name) {
        if (name === 'listProjects' || name === 'verifyCredentials') return fixed[name];
        const value: unknown = Reflect.get(connector, name);
        return typeof value === 'function' ? value.bind(connector) : value;
      },
    });
  };
  return Object.assign(connect, { calls });
}

/** The real connectors, with these options over the node's own (fast backoff for tests against a simulator). */
export function realHelpdesks(options: ConnectorOptions): ConnectHelpdesk {
  return (target, nodeOptions) => createHelpdesk(target, { ...nodeOptions, ...options });
}
