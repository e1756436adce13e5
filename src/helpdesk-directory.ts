import { connectorDirectory } from '../adapters/helpdesk/index.ts';
import type { HelpdeskDirectory } from './domain/helpdesk.ts';

/** The real connectors, for the service and the CLI. */
export function defaultHelpdeskDirectory(): HelpdeskDirectory {
  return connectorDirectory();
}
