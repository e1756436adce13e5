import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { DomainError } from '../../../../src/domain/errors.ts';
import type { FindPeople } from '../../../../src/flows/named-user.ts';

/** users.list pages read for one typed name: 2,000 people at most (the method is rate limited, Tier 2). */
const MAX_PAGES = 10;
const PAGE_SIZE = 200;

/**
 * People of a workspace by the names Slack shows for them (full name, display name, handle), from users.list: for a
 * typed name with no mention (`/bridge approvers add Alex Wilber`). Bots, deactivated users and people of other
 * workspaces (Slack Connect) never match.
 */
export function workspacePeople(client: WebClient, teamId: string, logger: Logger): FindPeople {
  return async (isNamed) => {
    const found = new Set<string>();
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      let result: Awaited<ReturnType<WebClient['users']['list']>>;
      try {
        result = await client.users.list({ limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) });
      } catch (error) {
        logger.warn({ error: String(error) }, 'slack: users.list failed');
        throw new DomainError(
          'remote_error',
          'Slack did not give me the list of people just now: mention the person (`@name`) or try again in a minute.',
        );
      }
      for (const member of result.members ?? []) {
        if (!member.id || member.deleted || member.is_bot || member.id === 'USLACKBOT') continue;
        if (member.team_id && member.team_id !== teamId) continue;
        const names = [member.real_name, member.profile?.real_name, member.profile?.display_name, member.name].filter(
          (n): n is string => Boolean(n),
        );
        if (isNamed(names)) found.add(member.id);
      }
      cursor = result.response_metadata?.next_cursor || undefined;
      if (!cursor) break;
    }
    return [...found];
  };
}
