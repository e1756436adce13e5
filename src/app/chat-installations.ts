import { and, eq } from 'drizzle-orm';
import { chatInstallations } from '../../db/schema/index.ts';
import type { ChatPlatform } from '../domain/chat-actor.ts';
import type { AppDeps } from './deps.ts';
import { audit } from '../store/audit.ts';

/**
 * A chat app's installation in a workspace (OAuth): the platform's installation object, tokens included, sealed at
 * rest. Keyed by the enterprise id for org-wide installs, otherwise the team id.
 */
export function storeChatInstallation(
  deps: AppDeps,
  input: { platform: ChatPlatform; installKey: string; installation: unknown },
): void {
  const now = deps.clock();
  const sealed = deps.secrets.sealJson(input.installation);
  deps.db.transaction((tx) => {
    tx.insert(chatInstallations)
      .values({
        platform: input.platform,
        installKey: input.installKey,
        installationEnc: sealed,
        updatedAt: now,
        createdAt: now,
      })
      .onConflictDoUpdate({
        target: [chatInstallations.platform, chatInstallations.installKey],
        set: { installationEnc: sealed, updatedAt: now },
      })
      .run();
    audit(tx, {
      at: now,
      actor: `${input.platform}:${input.installKey}`,
      action: 'chat.install',
      subjectType: 'chat_installation',
      subjectId: input.installKey,
    });
  });
}

export function fetchChatInstallation<T>(
  deps: AppDeps,
  input: { platform: ChatPlatform; installKey: string },
): T | null {
  const row = deps.db
    .select()
    .from(chatInstallations)
    .where(and(eq(chatInstallations.platform, input.platform), eq(chatInstallations.installKey, input.installKey)))
    .get();
  return row ? deps.secrets.openJson<T>(row.installationEnc) : null;
}

export function deleteChatInstallation(deps: AppDeps, input: { platform: ChatPlatform; installKey: string }): void {
  const now = deps.clock();
  deps.db.transaction((tx) => {
    tx.delete(chatInstallations)
      .where(and(eq(chatInstallations.platform, input.platform), eq(chatInstallations.installKey, input.installKey)))
      .run();
    audit(tx, {
      at: now,
      actor: `${input.platform}:${input.installKey}`,
      action: 'chat.uninstall',
      subjectType: 'chat_installation',
      subjectId: input.installKey,
    });
  });
}
