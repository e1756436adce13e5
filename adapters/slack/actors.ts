import type { WebClient } from '@slack/web-api';
import type { ChatActor } from '../../src/domain/chat-actor.ts';

const TTL_MS = 60_000;

/**
 * Who a Slack user is, for authorization: users.info's is_admin / is_owner, cached for a minute so a wizard's steps
 * do not each cost a Web API call (a demoted admin loses access within that minute).
 */
export class SlackActors {
  readonly #cache = new Map<string, { actor: ChatActor; until: number }>();

  async resolve(client: WebClient, user: { id: string; teamId: string; name?: string }): Promise<ChatActor> {
    const key = `${user.teamId}/${user.id}`;
    const cached = this.#cache.get(key);
    if (cached && cached.until > Date.now()) return cached.actor;
    let isWorkspaceAdmin = false;
    let displayName = user.name ?? user.id;
    try {
      const info = await client.users.info({ user: user.id });
      // Roles only count for the workspace the profile belongs to: the actor's tenant is that workspace, so a
      // partner's admin role makes them an admin of their own instance, never of ours.
      const sameTeam = !info.user?.team_id || info.user.team_id === user.teamId;
      isWorkspaceAdmin = sameTeam && Boolean(info.user?.is_admin || info.user?.is_owner);
      displayName = info.user?.real_name || info.user?.profile?.display_name || info.user?.name || displayName;
    } catch {
      // Unknown or external user: not an admin; the flows refuse what needs one.
    }
    const actor: ChatActor = {
      platform: 'slack',
      tenantId: user.teamId,
      userId: user.id,
      displayName,
      isWorkspaceAdmin,
    };
    this.#cache.set(key, { actor, until: Date.now() + TTL_MS });
    return actor;
  }
}
