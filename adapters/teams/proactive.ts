import type { ConversationReference, TurnContext } from 'botbuilder';
import { findTeamsConversation } from '../../src/app/teams-conversations.ts';
import { DomainError } from '../../src/domain/errors.ts';
import type { TeamsContext } from './context.ts';
import { serviceUrlProblem } from './service-url.ts';

/** Runs `logic` in a stored conversation (a proactive turn). */
export async function inConversation<T>(
  ctx: TeamsContext,
  conversationId: string,
  logic: (turn: TurnContext) => Promise<T>,
): Promise<T> {
  const conversation = findTeamsConversation(ctx.deps, conversationId);
  if (!conversation) throw new DomainError('not_found', 'DeskBridge has not been added to that channel or chat.');
  // A reference kept before the serviceUrl check existed (or in another mode) must not receive our bot's token.
  const problem = serviceUrlProblem(conversation.reference['serviceUrl'], { localMode: ctx.localMode });
  if (problem) throw new DomainError('forbidden', `DeskBridge does not post to that conversation: ${problem}`);
  // botbuilder hands a failing turn to onTurnError, which logs and swallows it: a proactive caller needs the failure
  // itself (a 403 or 429 for the poller, a post that did not happen), so it is caught here and thrown on.
  let out = { error: new Error('the proactive turn did not run') } as { value: T } | { error: unknown };
  await ctx.adapter.continueConversationAsync(
    ctx.appId,
    conversation.reference as Partial<ConversationReference>,
    async (turn) => {
      try {
        out = { value: await logic(turn) };
      } catch (error) {
        out = { error };
      }
    },
  );
  if ('error' in out) throw out.error;
  return out.value;
}
