import { and, asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { approvers, teamsUsers } from '../../db/schema/index.ts';
import { isApprover } from './approvers.ts';
import type { AppDeps } from './deps.ts';
import { audit } from '../store/audit.ts';
import { validateInput } from './validate.ts';

/**
 * Teams users by (tenant, AAD object id), the identity DeskBridge authorizes. Teams activities name users by MRI
 * (`29:...`, per bot) too; cards' `refresh.userIds` and mentions need it, so every user we hear from is recorded.
 */
export interface TeamsUser {
  tenantId: string;
  aadObjectId: string;
  mri: string;
  name: string;
  tenantAdmin: boolean;
}

const userInput = z.object({
  tenantId: z.string().min(1).max(100),
  aadObjectId: z.string().min(1).max(100),
  mri: z.string().min(1).max(300),
  name: z.string().max(300),
});

export function recordTeamsUser(
  deps: AppDeps,
  input: { tenantId: string; aadObjectId: string; mri: string; name: string },
): void {
  const u = validateInput(userInput, input);
  const now = deps.clock();
  const name = u.name || u.aadObjectId;
  deps.db
    .insert(teamsUsers)
    .values({ ...u, name, updatedAt: now, createdAt: now })
    .onConflictDoUpdate({
      target: [teamsUsers.tenantId, teamsUsers.aadObjectId],
      set: { mri: u.mri, name, updatedAt: now },
    })
    .run();
}

/** The users of a tenant DeskBridge has heard from or looked up (for a name typed instead of a mention). */
export function teamsUsersOf(deps: AppDeps, tenantId: string): TeamsUser[] {
  return deps.db
    .select()
    .from(teamsUsers)
    .where(eq(teamsUsers.tenantId, tenantId))
    .orderBy(asc(teamsUsers.createdAt))
    .limit(10_000)
    .all()
    .map(toUser);
}

export function findTeamsUser(deps: AppDeps, input: { tenantId: string; aadObjectId: string }): TeamsUser | null {
  const row = deps.db
    .select()
    .from(teamsUsers)
    .where(and(eq(teamsUsers.tenantId, input.tenantId), eq(teamsUsers.aadObjectId, input.aadObjectId)))
    .get();
  return row ? toUser(row) : null;
}

/**
 * DeskBridge was installed into a team: the installer administers DeskBridge for the tenant if nobody does yet.
 * Bots cannot read directory roles, and in Teams only team owners (by default) add apps to a team, so the first
 * installer is the closest thing to Slack's workspace admin; later admins are added with `admins add`. Personal
 * installs never claim a tenant: any user may install an app for themselves.
 */
export function claimTeamsTenant(
  deps: AppDeps,
  input: { tenantId: string; aadObjectId: string; mri: string; name: string },
): boolean {
  recordTeamsUser(deps, input);
  const now = deps.clock();
  return deps.db.transaction((tx) => {
    const claimed = tx
      .select({ aadObjectId: teamsUsers.aadObjectId })
      .from(teamsUsers)
      .where(and(eq(teamsUsers.tenantId, input.tenantId), eq(teamsUsers.tenantAdmin, true)))
      .get();
    if (claimed) return false;
    tx.update(teamsUsers)
      .set({ tenantAdmin: true, updatedAt: now })
      .where(and(eq(teamsUsers.tenantId, input.tenantId), eq(teamsUsers.aadObjectId, input.aadObjectId)))
      .run();
    audit(tx, {
      at: now,
      actor: `teams:${input.tenantId}/${input.aadObjectId}`,
      action: 'teams.tenant.claim',
      subjectType: 'teams_tenant',
      subjectId: input.tenantId,
    });
    return true;
  });
}

export function isTeamsTenantAdmin(deps: AppDeps, input: { tenantId: string; aadObjectId: string }): boolean {
  return findTeamsUser(deps, input)?.tenantAdmin ?? false;
}

function toUser(row: typeof teamsUsers.$inferSelect): TeamsUser {
  return {
    tenantId: row.tenantId,
    aadObjectId: row.aadObjectId,
    mri: row.mri,
    name: row.name,
    tenantAdmin: row.tenantAdmin,
  };
}

/**
 * The MRIs of an instance's approvers in a tenant, for an approval card's `refresh.userIds` (Teams shows the
 * buttons' view only to them; at most 60 users get a user-specific view). Approvers we never heard from have no MRI
 * yet and see the read-only card until they speak to DeskBridge once.
 */
export function approverMris(deps: AppDeps, input: { instanceId: string; tenantId: string }): string[] {
  return deps.db
    .select({ mri: teamsUsers.mri })
    .from(approvers)
    .innerJoin(
      teamsUsers,
      and(eq(teamsUsers.tenantId, approvers.tenantId), eq(teamsUsers.aadObjectId, approvers.userId)),
    )
    .where(
      and(
        eq(approvers.instanceId, input.instanceId),
        eq(approvers.platform, 'teams'),
        eq(approvers.tenantId, input.tenantId),
      ),
    )
    .orderBy(asc(approvers.createdAt))
    .limit(60)
    .all()
    .map((r) => r.mri);
}

/** Whether this Teams actor approves rule publishes of the instance (the check is repeated by the decision itself). */
export function isTeamsApprover(
  deps: AppDeps,
  actor: { tenantId: string; userId: string },
  instanceId: string,
): boolean {
  return isApprover(deps.db, instanceId, { platform: 'teams', tenantId: actor.tenantId, userId: actor.userId });
}
