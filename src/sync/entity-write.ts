import type { Entity, HubOption } from '../domain/entity.ts';
import type { EntityWrite } from '../domain/helpdesk.ts';
import type { Platform } from '../domain/instance.ts';
import { withoutMarkers } from './context.ts';
import { MARKER_FIELD, MARKER_PREFIX } from '../domain/entity.ts';

const FALLBACK_REQUESTER = 'sync@deskbridge.invalid';

function nonNull(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== null && v !== undefined));
}

/**
 * What a create writes: every field the incoming script set, the connection's incoming project unless the script
 * chose one, and the crash marker.
 */
export function createWrite(
  result: Entity,
  platform: Platform,
  incomingProjectId: string | null,
  marker: string,
  replicaReporter: { email: string | null; displayName: string | null } | null,
): EntityWrite {
  const native = nonNull(result.native);
  if (incomingProjectId !== null) {
    if (platform === 'freshdesk' && native.group_id === undefined) native.group_id = Number(incomingProjectId);
    if (platform === 'freshservice' && native.workspace_id === undefined && native.group_id === undefined)
      native.workspace_id = Number(incomingProjectId);
  }
  const email = result.reporter?.email ?? replicaReporter?.email ?? null;
  const write: EntityWrite = {
    summary: result.summary,
    description: result.description,
    ...(result.status ? { status: result.status } : {}),
    ...(result.priority ? { priority: result.priority } : {}),
    ...(result.type ? { type: result.type } : {}),
    native,
  };
  if (platform === 'xurrent') {
    write.customFields = { ...result.customFields, [MARKER_FIELD]: marker };
  } else {
    // The other helpdesk's user ids mean nothing here: the requester is matched by email.
    // The name only matters for a contact the helpdesk does not know yet; sending it lets the connector know the
    // requester without reading the new ticket back.
    const displayName =
      result.reporter?.displayName ?? (email && email === replicaReporter?.email ? replicaReporter.displayName : null);
    write.reporter = { id: null, email: email ?? FALLBACK_REQUESTER, displayName };
    write.labels = [...result.labels.filter((l) => !l.startsWith(MARKER_PREFIX)), marker];
    if (Object.keys(result.customFields).length > 0) write.customFields = result.customFields;
  }
  if (result.assignee?.id) write.assignee = result.assignee;
  return write;
}

function sameOption(a: HubOption | null, b: HubOption | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.id !== null && b.id !== null) return String(a.id) === String(b.id);
  return a.name.toLowerCase().replace(/[\s_]/g, '') === b.name.toLowerCase().replace(/[\s_]/g, '');
}

/** Only what the incoming script changed, so an update that changes nothing makes no API call. */
export function updateWrite(local: Entity, result: Entity, platform: Platform): EntityWrite {
  const clean = withoutMarkers(local);
  const write: EntityWrite = {};
  if (result.summary !== clean.summary) write.summary = result.summary;
  // Xurrent's description is the first note, which cannot be edited.
  if (platform !== 'xurrent' && result.description !== clean.description) write.description = result.description;
  if (result.status && !sameOption(result.status, clean.status)) write.status = result.status;
  if (result.priority && !sameOption(result.priority, clean.priority)) write.priority = result.priority;
  if (result.type !== clean.type && result.type !== null) write.type = result.type;
  if (platform !== 'xurrent' && JSON.stringify(result.labels) !== JSON.stringify(clean.labels)) {
    write.labels = [
      ...result.labels.filter((l) => !l.startsWith(MARKER_PREFIX)),
      ...local.labels.filter((l) => l.startsWith(MARKER_PREFIX)),
    ];
  }
  const customFields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(result.customFields)) {
    if (key !== MARKER_FIELD && JSON.stringify(value) !== JSON.stringify(clean.customFields[key]))
      customFields[key] = value;
  }
  if (Object.keys(customFields).length > 0) write.customFields = customFields;
  const native: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(result.native)) {
    if (value !== null && value !== undefined && JSON.stringify(value) !== JSON.stringify(clean.native[key]))
      native[key] = value;
  }
  if (Object.keys(native).length > 0) write.native = native;
  if ((result.assignee?.id ?? null) !== (clean.assignee?.id ?? null) && result.assignee?.id)
    write.assignee = result.assignee;
  return write;
}

export function isEmptyWrite(write: EntityWrite): boolean {
  return Object.keys(write).length === 0;
}
