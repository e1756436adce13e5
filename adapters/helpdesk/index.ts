import type { Helpdesk, HelpdeskTarget } from '../../src/domain/helpdesk.ts';
import { createFreshdeskClient } from './freshdesk/client.ts';
import { createFreshserviceClient } from './freshservice/client.ts';
import type { ConnectorOptions } from './transport.ts';
import { createXurrentClient } from './xurrent/client.ts';

export type { ConnectorOptions } from './transport.ts';

/** The connector for a helpdesk instance. One per instance: it holds that instance's rate-limit budget. */
export function createHelpdesk(target: HelpdeskTarget, options?: ConnectorOptions): Helpdesk {
  switch (target.platform) {
    case 'freshdesk':
      return createFreshdeskClient(target, options);
    case 'freshservice':
      return createFreshserviceClient(target, options);
    case 'xurrent':
      return createXurrentClient(target, options);
  }
}
