import { requireInstanceAdmin } from '../app/chat-authorization.ts';
import { getConnection } from '../app/connection-lifecycle.ts';
import type { AppDeps } from '../app/deps.ts';
import { unlinkEntity } from '../app/entity-links.ts';
import { ticketStatus } from '../app/ticket-status.ts';
import { actorRef, type ChatActor } from '../domain/chat-actor.ts';
import { DomainError } from '../domain/errors.ts';
import type { Action } from '../ui/model.ts';
import { reply, type FlowResult } from '../ui/replies.ts';
import { notice } from './outcome.ts';

/**
 * Unlink on the ticket view: admins only, asked first. The buttons carry `<connection id>|<ticket id>`; a click is
 * authorised again and the connection must be one of the clicker's instance, whatever the value says.
 */
export const entityLinkActions = {
  unlink: 'ticket.unlink',
  confirmUnlink: 'ticket.unlink.confirm',
  cancelUnlink: 'ticket.unlink.cancel',
} as const;

/** The Unlink button of a ticket under sync, for the ticket view. */
export function unlinkAction(connectionId: string, entityId: string): Action {
  return { id: entityLinkActions.unlink, label: 'Unlink', style: 'danger', value: `${connectionId}|${entityId}` };
}

function parseValue(value: string): { connection: string; key: string } {
  const at = value.indexOf('|');
  if (at <= 0 || at === value.length - 1)
    throw new DomainError('invalid_input', 'This button is not one DeskBridge knows any more; start again.');
  return { connection: value.slice(0, at), key: value.slice(at + 1) };
}

function adminTarget(deps: AppDeps, actor: ChatActor, value: string) {
  const instance = requireInstanceAdmin(deps, actor, 'unlink tickets');
  const { connection, key } = parseValue(value);
  return { connection: getConnection(deps, { connection, instance: instance.slug }), key };
}

/** Unlink on the ticket view only asks; Unlink in the question does it. */
export async function askUnlinkFlow(deps: AppDeps, actor: ChatActor, value: string): Promise<FlowResult> {
  const { connection, key } = adminTarget(deps, actor, value);
  const status = await ticketStatus(deps, { connection: connection.id, key });
  if (!status.underSync)
    throw new DomainError('conflict', `${status.entity?.key ?? key} is not under sync on ${connection.name}.`);
  const shown = status.entity?.key ?? key;
  const twin = status.twin?.remoteKey ?? status.twin?.remoteEntityId ?? 'its twin';
  return reply({
    kind: 'private-message',
    message: {
      kind: 'message',
      text: `Unlink ${shown}?`,
      items: [
        {
          kind: 'markdown',
          text:
            `Unlink *${shown}* from ${twin} on *${connection.name}*? Both sides stop syncing this pair; neither ticket ` +
            'is deleted. A bulk sync naming it, or `deskbridge entities connect`, links them again.',
        },
        {
          kind: 'actions',
          actions: [
            {
              id: entityLinkActions.confirmUnlink,
              label: 'Unlink',
              style: 'danger',
              value: `${connection.id}|${status.entityId}`,
            },
            { id: entityLinkActions.cancelUnlink, label: 'Cancel', value: `${connection.id}|${status.entityId}` },
          ],
        },
      ],
    },
  });
}

export function confirmUnlinkFlow(deps: AppDeps, actor: ChatActor, value: string): FlowResult {
  const { connection, key } = adminTarget(deps, actor, value);
  const result = unlinkEntity(deps, { connection: connection.id, key, actor: actorRef(actor) });
  return reply({
    kind: 'private-message',
    message: notice(
      `Unlinked *${result.localKey}* on *${result.connectionName}*: it and its twin no longer sync, and the other side is told. Neither ticket was deleted.`,
    ),
  });
}

export function cancelUnlinkFlow(): FlowResult {
  return reply({ kind: 'private-message', message: notice('Nothing was unlinked.') });
}
