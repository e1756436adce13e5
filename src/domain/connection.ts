import { DomainError } from './errors.ts';
import type { Platform } from './instance.ts';

export const modes = ['basic', 'script'] as const;
export type Mode = (typeof modes)[number];

export const modeDescriptions: Record<Mode, { title: string; points: string[] }> = {
  basic: {
    title: 'Basic',
    points: [
      'Automatic configuration of basic fields',
      'Sync rules cannot be edited',
      'Only tickets can be synced',
      'Recommended for use cases of basic complexity',
    ],
  },
  script: {
    title: 'Script',
    points: [
      'Groovy-based scripting',
      'Configure each side of the connection separately',
      'Recommended for use cases of basic to advanced complexity',
    ],
  },
};

export const statuses = ['pending', 'active', 'deactivated', 'error', 'expired'] as const;
export type Status = (typeof statuses)[number];

/** Which side of the handshake this node played. */
export type Role = 'initiator' | 'acceptor';

export interface Connection {
  id: string;
  instanceId: string;
  role: Role;
  name: string;
  description: string;
  localShortName: string;
  remoteShortName: string;
  mode: Mode;
  status: Status;
  /** The other side's instance URL; null while pending or when the other side is private. */
  remoteUrl: string | null;
  remoteConnectionId: string | null;
  remotePlatform: Platform | null;
  /** True when the other side has no URL: it pulls from us instead of being called. */
  remoteIsPrivate: boolean;
  incomingProject: { id: string; name: string } | null;
  entitiesUnderSync: number;
  lastSync: { entityKey: string; at: Date } | null;
  createdAt: Date;
}

export interface StatusEvent {
  connectionId: string;
  from: Status | null;
  to: Status;
  reason: string;
  at: Date;
}

const allowedTransitions: Record<Status, readonly Status[]> = {
  pending: ['active', 'expired'],
  active: ['deactivated', 'error'],
  deactivated: ['active'],
  error: ['active', 'deactivated'],
  expired: [],
};

export function canTransition(from: Status, to: Status): boolean {
  return allowedTransitions[from].includes(to);
}

export function assertTransition(connectionName: string, from: Status, to: Status): void {
  if (from === to) {
    throw new DomainError('conflict', `Connection "${connectionName}" is already ${to}.`);
  }
  if (!canTransition(from, to)) {
    throw new DomainError(
      'conflict',
      `Connection "${connectionName}" is ${from} and cannot become ${to}` +
        (from === 'pending' ? ': it is waiting for the other side to accept the invitation.' : '.'),
    );
  }
}

export const limits = {
  connectionName: 255,
  shortName: 50,
  description: 1000,
} as const;

export interface ConnectionInformation {
  localShortName: string;
  remoteShortName: string;
  name: string;
  description: string;
}

/** Field-level problems, keyed by field, so a form can show each next to its input. */
export type FieldErrors = Partial<Record<keyof ConnectionInformation, string>>;

export function checkConnectionInformation(info: ConnectionInformation): FieldErrors {
  const errors: FieldErrors = {};
  const shortName = (field: 'localShortName' | 'remoteShortName', label: string) => {
    const value = info[field].trim();
    if (!value) errors[field] = `${label} is required.`;
    else if (value.length > limits.shortName)
      errors[field] = `${label} must be at most ${limits.shortName} characters (it has ${value.length}).`;
    else if (!/^[\p{L}\p{N}][\p{L}\p{N} ._-]*$/u.test(value))
      errors[field] = `${label} may contain letters, digits, spaces, dots, dashes and underscores only.`;
  };
  shortName('localShortName', 'Local instance short name');
  shortName('remoteShortName', 'Remote instance short name');
  const name = info.name.trim();
  if (!name) errors.name = 'Connection name is required.';
  else if (name.length > limits.connectionName)
    errors.name = `Connection name must be at most ${limits.connectionName} characters (it has ${name.length}).`;
  if (info.description.length > limits.description) {
    errors.description = `Description must be at most ${limits.description} characters (it has ${info.description.length}).`;
  }
  return errors;
}

export function assertConnectionInformation(info: ConnectionInformation): ConnectionInformation {
  const errors = checkConnectionInformation(info);
  const messages = Object.values(errors);
  if (messages.length > 0) throw new DomainError('invalid_input', messages.join(' '), { fields: errors });
  return {
    localShortName: info.localShortName.trim(),
    remoteShortName: info.remoteShortName.trim(),
    name: info.name.trim(),
    description: info.description.trim(),
  };
}
