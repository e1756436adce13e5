import type { Credentials, Platform, Project } from './instance.ts';

/** Where a helpdesk is and how to sign in: what a connector needs to talk to it. */
export interface HelpdeskTarget {
  platform: Platform;
  baseUrl: string;
  credentials: Credentials;
}

/**
 * The helpdesk operations the use-cases need, independent of the platform. The connectors in adapters/helpdesk
 * implement them; tests may use a fixed list.
 */
export interface HelpdeskDirectory {
  /** The places incoming entities can be created in: Freshdesk groups, Freshservice workspaces, Xurrent services. */
  listProjects(target: HelpdeskTarget): Promise<Project[]>;
  /** Checks the credentials; throws a DomainError a person can act on when they do not work. */
  verifyCredentials(target: HelpdeskTarget): Promise<void>;
}
