/** The chat platforms DeskBridge is governed from. */
export const chatPlatforms = ['slack', 'teams'] as const;
export type ChatPlatform = (typeof chatPlatforms)[number];

/**
 * Who is acting in chat: the chat adapter fills this from the platform payload (and, for `isWorkspaceAdmin`, from the
 * platform's user directory: Slack users.info is_admin/is_owner). The flows and authorization decide from it alone.
 */
export interface ChatActor {
  platform: ChatPlatform;
  /** Slack team id, Teams tenant id: the user's own workspace (a partner's differs from ours). */
  tenantId: string;
  userId: string;
  displayName: string;
  isWorkspaceAdmin: boolean;
}

/** The audit-log form of an actor (`slack:T123/U456`). */
export function actorRef(actor: Pick<ChatActor, 'platform' | 'tenantId' | 'userId'>): string {
  return `${actor.platform}:${actor.tenantId}/${actor.userId}`;
}
