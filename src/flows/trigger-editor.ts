import { actorRef, type ChatActor } from '../domain/chat-actor.ts';
import { requireInstanceAdmin } from '../app/chat-authorization.ts';
import { getConnection } from '../app/connection-lifecycle.ts';
import type { AppDeps } from '../app/deps.ts';
import { startBulkSync } from '../app/sync-bulk.ts';
import {
  addTrigger,
  deleteTrigger,
  editTrigger,
  listTriggers,
  setTriggerActive,
  type TriggerView,
} from '../app/triggers.ts';
import type { Connection } from '../domain/connection.ts';
import { DomainError, isDomainError } from '../domain/errors.ts';
import type { Action, Form, FormItem, FormValues } from '../ui/model.ts';
import { reply, type FlowResult } from '../ui/replies.ts';
import { bulkProgressEffect } from './bulk-progress.ts';
import { fieldErrors, formatDate } from './outcome.ts';

/**
 * `/bridge triggers <connection>`: the triggers in a form, with Add, Edit, Activate/Deactivate, Delete and "Sync
 * existing matches". A query is checked against the helpdesk before it is saved; its refusal shows at the field.
 */
export const TRIGGERS_FORM = 'triggers.list';
export const TRIGGER_FORM = 'triggers.edit';

export const triggerActions = {
  add: 'triggers.add',
  edit: 'triggers.edit-open',
  toggle: 'triggers.toggle',
  remove: 'triggers.delete',
  bulk: 'triggers.bulk',
} as const;

function adminConnection(deps: AppDeps, actor: ChatActor, ref: string): Connection {
  const instance = requireInstanceAdmin(deps, actor, 'manage triggers');
  return getConnection(deps, { connection: ref, instance: instance.slug });
}

/** A trigger of one of the actor's connections. */
function ownTrigger(deps: AppDeps, actor: ChatActor, value: string): { connection: Connection; trigger: TriggerView } {
  const [connectionId = '', triggerId = ''] = value.split('|');
  const connection = adminConnection(deps, actor, connectionId);
  const trigger = listTriggers(deps, { connection: connection.id }).find((t) => t.id === triggerId);
  if (!trigger) throw new DomainError('not_found', 'That trigger no longer exists.');
  return { connection, trigger };
}

function listForm(deps: AppDeps, connection: Connection, banner?: string): Form {
  const triggers = listTriggers(deps, { connection: connection.id });
  const items: FormItem[] = [];
  if (banner) items.push({ kind: 'markdown', text: banner });
  items.push({
    kind: 'markdown',
    text: `Triggers start the sync of *${connection.name}* for entities matching a query in the helpdesk's own syntax; an empty query selects every entity.`,
  });
  if (triggers.length === 0)
    items.push({ kind: 'note', text: 'No triggers yet: only entities already under sync are synced.' });
  for (const t of triggers) {
    const value = `${connection.id}|${t.id}`;
    items.push({
      kind: 'markdown',
      text: `*${t.entityType}*: \`${t.query === '' ? '(every entity)' : t.query}\` — ${t.active ? 'active' : 'inactive'}${t.notes ? `\n_${t.notes}_` : ''}\nChanged ${formatDate(t.updatedAt)}`,
    });
    items.push({
      kind: 'actions',
      actions: [
        { id: triggerActions.edit, label: 'Edit', value },
        { id: triggerActions.toggle, label: t.active ? 'Deactivate' : 'Activate', value },
        {
          id: triggerActions.remove,
          label: 'Delete',
          style: 'danger',
          value,
          confirm: {
            title: 'Delete this trigger?',
            text: 'Entities already under sync keep syncing; new matches are no longer picked up.',
            confirm: 'Delete',
            deny: 'Keep it',
          },
        },
      ],
    });
  }
  const bottom: Action[] = [{ id: triggerActions.add, label: 'Add trigger', value: connection.id }];
  if (triggers.some((t) => t.active))
    bottom.push({ id: triggerActions.bulk, label: 'Sync existing matches', value: connection.id });
  items.push({ kind: 'actions', actions: bottom });
  return { kind: 'form', id: TRIGGERS_FORM, title: 'Triggers', closeLabel: 'Close', stateId: connection.id, items };
}

function editForm(connection: Connection, trigger: TriggerView | null): Form {
  return {
    kind: 'form',
    id: TRIGGER_FORM,
    title: trigger ? 'Edit trigger' : 'Add trigger',
    submitLabel: 'Save',
    closeLabel: 'Cancel',
    stateId: trigger ? `${connection.id}|${trigger.id}` : connection.id,
    items: [
      { kind: 'markdown', text: `Connection *${connection.name}*` },
      {
        kind: 'text',
        id: 'query',
        label: 'If (query)',
        optional: true,
        maxLength: 1000,
        value: trigger?.query ?? '',
        placeholder: 'status:2 AND priority:3',
        hint: 'Freshdesk/Freshservice filter syntax (status:2 AND priority:3); Xurrent request filters (status=assigned&team=12). Empty: every entity. Checked against the helpdesk when saved.',
      },
      { kind: 'text', id: 'notes', label: 'Notes', optional: true, maxLength: 1000, value: trigger?.notes ?? '' },
      ...(trigger
        ? []
        : [{ kind: 'checkbox' as const, id: 'active', label: 'Activate trigger', checked: true, optional: true }]),
    ],
  };
}

export function openTriggersFlow(deps: AppDeps, actor: ChatActor, ref: string): FlowResult {
  return reply({ kind: 'open-form', form: listForm(deps, adminConnection(deps, actor, ref)) });
}

export function addTriggerForm(deps: AppDeps, actor: ChatActor, connectionId: string): FlowResult {
  return reply({ kind: 'show-form', form: editForm(adminConnection(deps, actor, connectionId), null) });
}

export function editTriggerForm(deps: AppDeps, actor: ChatActor, value: string): FlowResult {
  const { connection, trigger } = ownTrigger(deps, actor, value);
  return reply({ kind: 'show-form', form: editForm(connection, trigger) });
}

/** Save in the trigger form: the helpdesk checks the query first; back to the list when it is saved. */
export async function submitTriggerForm(
  deps: AppDeps,
  actor: ChatActor,
  input: { stateId: string; values: FormValues },
): Promise<FlowResult> {
  const [connectionId = '', triggerId] = input.stateId.split('|');
  try {
    const connection = adminConnection(deps, actor, connectionId);
    const query = input.values['query'] ?? '';
    const notes = input.values['notes'] ?? '';
    if (triggerId) {
      const { trigger } = ownTrigger(deps, actor, input.stateId);
      await editTrigger(deps, { trigger: trigger.id, query, notes, actor: actorRef(actor) });
    } else {
      await addTrigger(deps, {
        connection: connection.id,
        query,
        notes,
        active: input.values['active'] === 'true',
        actor: actorRef(actor),
      });
    }
    return reply({ kind: 'show-form', form: listForm(deps, connection, ':white_check_mark: The trigger is saved.') });
  } catch (error) {
    return reply({ kind: 'field-errors', errors: fieldErrors(error, deps.logger, ['query', 'notes'], 'query') });
  }
}

export function toggleTriggerFlow(deps: AppDeps, actor: ChatActor, value: string): FlowResult {
  const { connection, trigger } = ownTrigger(deps, actor, value);
  setTriggerActive(deps, { trigger: trigger.id, active: !trigger.active, actor: actorRef(actor) });
  return reply({
    kind: 'show-form',
    form: listForm(deps, connection, `:white_check_mark: The trigger is ${trigger.active ? 'inactive' : 'active'}.`),
  });
}

export function deleteTriggerFlow(deps: AppDeps, actor: ChatActor, value: string): FlowResult {
  const { connection, trigger } = ownTrigger(deps, actor, value);
  deleteTrigger(deps, { trigger: trigger.id, actor: actorRef(actor) });
  return reply({ kind: 'show-form', form: listForm(deps, connection, ':white_check_mark: The trigger is deleted.') });
}

/** Sync existing matches (Bulk Exalate): every match of the active triggers; progress in a message updated in place. */
export async function bulkSyncFlow(deps: AppDeps, actor: ChatActor, connectionId: string): Promise<FlowResult> {
  const connection = adminConnection(deps, actor, connectionId);
  try {
    const bulk = await startBulkSync(deps, { connection: connection.id, actor: actorRef(actor) });
    const banner = `:arrows_counterclockwise: Syncing ${bulk.entityIds.length} existing ${bulk.entityIds.length === 1 ? 'match' : 'matches'}; the progress is in our direct messages.`;
    return reply({ kind: 'show-form', form: listForm(deps, connection, banner) }, [
      bulkProgressEffect(deps, bulk, {
        channelId: null,
        userId: actor.userId,
        title: `Sync of existing matches of ${connection.name}`,
      }),
    ]);
  } catch (error) {
    if (!isDomainError(error)) throw error;
    return reply({ kind: 'show-form', form: listForm(deps, connection, `:warning: ${error.message}`) });
  }
}
