import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { connections, invitations } from '../../db/schema/index.ts';
import { assertConnectionInformation, modes, type Connection, type Mode } from '../domain/connection.ts';
import { DomainError } from '../domain/errors.ts';
import {
  instancePublicUrl,
  needsIncomingProject,
  platformLabels,
  scriptModeAllowed,
  trimTrailingSlash,
  type Project,
} from '../domain/instance.ts';
import { encodeInvitation, hashSecret, invitationSecret } from '../domain/invitation.ts';
import type { RemoteInstanceInfo } from '../domain/remote.ts';
import type { AppDeps } from './deps.ts';
import { audit } from '../store/audit.ts';
import { toConnection } from '../store/connections.ts';
import type { HelpdeskInstance } from '../store/helpdesks.ts';
import { requireInstanceRow, toInstance } from '../store/instances.ts';
import { validateInput } from './validate.ts';

export const INVITATION_SIGNING_PURPOSE = 'deskbridge/invitations/v1';
/** Invitation secrets are derived from this key and the connection id, so the node can check a proof of one later. */
export const INVITATION_SECRET_PURPOSE = 'deskbridge/invitation-secrets/v2';

export interface ModeOption {
  mode: Mode;
  available: boolean;
  /** Why the mode cannot be chosen, when it cannot. */
  reason?: string;
}

export interface DestinationCheck {
  /** The destination's public info, or null for a private connection ("I don't have a URL"). */
  destination: RemoteInstanceInfo | null;
  modes: ModeOption[];
}

const destinationUrlSchema = z
  .url({ protocol: /^https?$/, error: 'the destination instance URL must be an http(s) URL' })
  .nullable();

/** Looks the destination up and says which modes can be chosen: the ones both sides support. */
export async function checkDestination(
  deps: AppDeps,
  input: { instance: string; destinationUrl: string | null },
): Promise<DestinationCheck> {
  const local = toInstance(requireInstanceRow(deps.db, input.instance));
  const url = validateInput(destinationUrlSchema, input.destinationUrl);
  const destination = url === null ? null : await deps.remote.fetchInstanceInfo(trimTrailingSlash(url));
  const localScript = scriptModeAllowed(local, deps.clock());
  const options = modes.map((mode): ModeOption => {
    if (destination && !destination.modes.includes(mode)) {
      return {
        mode,
        available: false,
        reason: `${destination.name} does not offer ${mode === 'script' ? 'Script' : 'Basic'} mode.`,
      };
    }
    if (mode === 'script' && !localScript.allowed) return { mode, available: false, reason: localScript.reason };
    return { mode, available: true };
  });
  return { destination, modes: options };
}

const initiateInput = z.object({
  instance: z.string().min(1),
  destinationUrl: z.string().nullable(),
  mode: z.enum(modes, { error: 'mode must be basic or script' }),
  localShortName: z.string(),
  remoteShortName: z.string(),
  name: z.string(),
  description: z.string().default(''),
  incomingProjectId: z.string().optional(),
  actor: z.string().min(1),
});

export type InitiateConnectionInput = z.input<typeof initiateInput>;

export interface InitiatedConnection {
  connection: Connection;
  code: string;
  expiresAt: Date;
}

/**
 * Starts a connection: checks the destination and the mode, the names and the incoming project, then stores a
 * pending connection and its invitation and returns the code to send to the partner. Nothing is stored on refusal.
 */
export async function initiateConnection(deps: AppDeps, input: InitiateConnectionInput): Promise<InitiatedConnection> {
  const data = validateInput(initiateInput, input);
  const instanceRow = requireInstanceRow(deps.db, data.instance);
  const local = toInstance(instanceRow);
  const info = assertConnectionInformation({
    localShortName: data.localShortName,
    remoteShortName: data.remoteShortName,
    name: data.name,
    description: data.description,
  });

  const check = await checkDestination(deps, { instance: local.slug, destinationUrl: data.destinationUrl });
  const option = check.modes.find((m) => m.mode === data.mode)!;
  if (!option.available)
    throw new DomainError('mode_not_allowed', option.reason ?? `${data.mode} mode is not available.`);

  const project = await chooseIncomingProject(deps, instanceRow, data.incomingProjectId);

  const now = deps.clock();
  const expiresAt = new Date(now.getTime() + deps.invitationTtlMs);
  const connectionId = randomUUID();
  const secret = invitationSecret(deps.secrets.derive(INVITATION_SECRET_PURPOSE), connectionId);
  const destinationUrl = check.destination?.url ?? null;
  const code = encodeInvitation(
    {
      initiatorUrl: instancePublicUrl(deps.publicUrl, local.slug),
      nodeUrl: deps.publicUrl,
      connectionId,
      mode: data.mode,
      connectionName: info.name,
      description: info.description,
      initiatorShortName: info.localShortName,
      destinationShortName: info.remoteShortName,
      platform: local.platform,
      destinationUrl,
      expiresAt,
      secret,
    },
    deps.secrets.derive(INVITATION_SIGNING_PURPOSE),
  );

  const row = {
    id: connectionId,
    instanceId: local.id,
    role: 'initiator' as const,
    name: info.name,
    description: info.description,
    localShortName: info.localShortName,
    remoteShortName: info.remoteShortName,
    mode: data.mode,
    status: 'pending' as const,
    remoteUrl: destinationUrl,
    remoteNodeUrl: check.destination?.nodeUrl ?? null,
    remotePlatform: check.destination?.platform ?? null,
    remoteIsPrivate: destinationUrl === null,
    incomingProjectId: project?.id ?? null,
    incomingProjectName: project?.name ?? null,
    createdAt: now,
  };
  deps.db.transaction((tx) => {
    tx.insert(connections).values(row).run();
    tx.insert(invitations)
      .values({
        connectionId,
        secretHash: hashSecret(secret),
        boundDestination: destinationUrl,
        expiresAt,
        createdAt: now,
      })
      .run();
    audit(tx, {
      at: now,
      actor: data.actor,
      action: 'connection.initiate',
      subjectType: 'connection',
      subjectId: connectionId,
      details: { instance: local.slug, destination: destinationUrl, mode: data.mode, name: info.name },
    });
  });
  deps.logger.info(
    { connectionId, instance: local.slug, mode: data.mode, private: destinationUrl === null },
    'connection initiated',
  );
  return {
    connection: toConnection({
      ...row,
      linkNote: true,
      onTwinDeleted: 'ignore',
      remoteConnectionId: null,
      keyEnc: null,
      entitiesUnderSync: 0,
      lastSyncEntity: null,
      lastSyncAt: null,
    }),
    code,
    expiresAt,
  };
}

/**
 * The project incoming entities are created in: required where the platform has them (Freshdesk groups,
 * Freshservice workspaces) and checked against the helpdesk's own list; none for Xurrent.
 */
export async function chooseIncomingProject(
  deps: AppDeps,
  instanceRow: HelpdeskInstance,
  projectId: string | undefined,
): Promise<Project | null> {
  if (!needsIncomingProject(instanceRow.platform)) return null;
  const kind = instanceRow.platform === 'freshdesk' ? 'group' : 'workspace';
  if (!projectId) {
    throw new DomainError(
      'invalid_input',
      `Choose the ${platformLabels[instanceRow.platform]} ${kind} where entities received from the other side are created.`,
      { field: 'incomingProjectId' },
    );
  }
  const projects = await deps.helpdeskFor(instanceRow).listProjects();
  const project = projects.find((p) => p.id === projectId);
  if (!project) {
    throw new DomainError(
      'invalid_input',
      `${platformLabels[instanceRow.platform]} has no ${kind} "${projectId}". Choose one of: ${projects.map((p) => `${p.name} (${p.id})`).join(', ') || 'none found'}.`,
      { field: 'incomingProjectId' },
    );
  }
  return project;
}
