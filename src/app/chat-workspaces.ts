import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { preparedPerDatabase } from '../../db/prepared.ts';
import { chatWorkspaces } from '../../db/schema/index.ts';
import { DomainError } from '../domain/errors.ts';
import { actorRef, type ChatActor, type ChatPlatform } from '../domain/chat-actor.ts';
import type { AppDeps } from './deps.ts';
import { getInstance, registerInstance, type InstanceView, type RegisterInstanceInput } from './instances.ts';
import { audit } from '../store/audit.ts';
import { requireInstanceRow } from '../store/instances.ts';

export interface WorkspaceRef {
  platform: ChatPlatform;
  tenantId: string;
}

/** Every chat request asks which instance its workspace manages: prepared once. */
const workspaceOf = preparedPerDatabase((db: DbOrTx) =>
  db
    .select()
    .from(chatWorkspaces)
    .where(
      and(
        eq(chatWorkspaces.platform, sql.placeholder('platform')),
        eq(chatWorkspaces.tenantId, sql.placeholder('tenantId')),
      ),
    )
    .prepare(),
);

/** The instance a chat workspace manages, or null before `setup`. */
export function findWorkspaceInstance(deps: AppDeps, ref: WorkspaceRef): InstanceView | null {
  const row = workspaceOf(deps.db).get({ platform: ref.platform, tenantId: ref.tenantId });
  return row ? getInstance(deps, row.instanceId) : null;
}

export function requireWorkspaceInstance(deps: AppDeps, ref: WorkspaceRef): InstanceView {
  const instance = findWorkspaceInstance(deps, ref);
  if (!instance) {
    throw new DomainError(
      'not_found',
      'This workspace has no helpdesk instance yet. An admin can register one with `/bridge setup`.',
    );
  }
  return instance;
}

/** Makes a workspace manage an existing instance. One instance per workspace: re-linking is refused. */
export function linkWorkspace(deps: AppDeps, input: WorkspaceRef & { instance: string; actor: string }): InstanceView {
  const instanceRow = requireInstanceRow(deps.db, input.instance);
  const existing = findWorkspaceInstance(deps, input);
  if (existing) {
    throw new DomainError('conflict', `This workspace already manages ${existing.name} (${existing.url}).`);
  }
  const now = deps.clock();
  deps.db.transaction((tx) => {
    tx.insert(chatWorkspaces)
      .values({
        platform: input.platform,
        tenantId: input.tenantId,
        instanceId: instanceRow.id,
        linkedBy: input.actor,
        createdAt: now,
      })
      .run();
    audit(tx, {
      at: now,
      actor: input.actor,
      action: 'workspace.link',
      subjectType: 'instance',
      subjectId: instanceRow.id,
      details: { platform: input.platform, tenant: input.tenantId },
    });
  });
  return getInstance(deps, instanceRow.id);
}

/** `setup`: registers the workspace's helpdesk (credentials checked against it) and links the workspace to it. */
export async function setupWorkspaceInstance(
  deps: AppDeps,
  input: { actor: ChatActor; instance: Omit<RegisterInstanceInput, 'actor'> },
): Promise<InstanceView> {
  const existing = findWorkspaceInstance(deps, input.actor);
  if (existing) {
    throw new DomainError('conflict', `This workspace already manages ${existing.name} (${existing.url}).`);
  }
  const actor = actorRef(input.actor);
  const instance = await registerInstance(deps, { ...input.instance, actor });
  return linkWorkspace(deps, {
    platform: input.actor.platform,
    tenantId: input.actor.tenantId,
    instance: instance.id,
    actor,
  });
}
