import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type TurnContext } from 'botbuilder';
import type { Logger } from 'pino';
import type { ChatActor } from '../../src/domain/chat-actor.ts';
import type { AppDeps } from '../../src/app/deps.ts';
import { findTeamsUser } from '../../src/app/teams-users.ts';
import type { TeamsConfig } from '../../src/config.ts';
import type { AddressedEffect, PerformAddressed } from '../../src/flows/invitation-message.ts';
import type { RawRoute } from '../../src/http/router.ts';
import type { Notifier } from '../../src/poller/notifier.ts';
import { DeskBridgeBot } from './bot.ts';
import type { TeamsContext } from './context.ts';
import { DEFAULT_BOT_NAME } from './render/text.ts';
import { messagesRoute } from './http.ts';
import { teamsNotifier } from './notifier.ts';
import { performEffects } from './effects.ts';
import { safeError } from './log.ts';

/**
 * The Microsoft Teams surface (botbuilder 4.23, CloudAdapter): everything botbuilder-specific stays in this folder,
 * so a move to the Microsoft 365 Agents SDK touches nothing else.
 */
export interface TeamsSurface {
  routes: RawRoute[];
  notifier: Notifier;
  /** Carries out effects addressed to Teams tenants (an acceptance's updates and notices). */
  performAddressed: PerformAddressed;
  /** Local mode (no MICROSOFT_APP_ID): no JWT check, loopback callers replying to this machine only. */
  localMode: boolean;
  /** Resolves when the effects started so far (channel posts after an answer) are done. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

export function createTeamsSurface(options: {
  deps: AppDeps;
  config: TeamsConfig;
  logger: Logger;
  /** The service is in local mode: the one state in which Teams runs without MICROSOFT_APP_ID. */
  localMode: boolean;
}): TeamsSurface {
  const { deps, config } = options;
  const logger = options.logger.child({ surface: 'teams' });
  const localMode = config.appId === null;
  // botbuilder checks no token without an app id: outside local mode that would be a door left open.
  if (localMode && !options.localMode)
    throw new Error('Teams without MICROSOFT_APP_ID is served in local mode only; the service must not mount it.');
  const auth = new ConfigurationBotFrameworkAuthentication(
    localMode
      ? {}
      : {
          MicrosoftAppId: config.appId ?? '',
          MicrosoftAppPassword: config.appPassword ?? '',
          MicrosoftAppType: config.tenantId ? 'SingleTenant' : 'MultiTenant',
          ...(config.tenantId ? { MicrosoftAppTenantId: config.tenantId } : {}),
        },
  );
  const adapter = new CloudAdapter(auth);
  logger.info(
    { localMode, singleTenant: Boolean(config.tenantId) },
    localMode
      ? 'Teams in local mode (no MICROSOFT_APP_ID): /api/messages answers this machine only'
      : 'Teams: /api/messages checks Bot Framework tokens',
  );
  adapter.onTurnError = async (turn, error) => {
    // Never a stack trace in chat; the activity type says where it happened, nothing secret is logged.
    logger.error(
      { error: safeError(error), activityType: turn.activity.type, name: turn.activity.name },
      'teams turn failed',
    );
    if (turn.activity.type === 'message')
      await turn.sendActivity('Sorry, something went wrong on our side.').catch(() => {});
  };
  const ctx: TeamsContext = {
    deps,
    logger,
    adapter,
    appId: config.appId ?? '',
    localMode,
    userSpecificViews: config.userSpecificViews,
    botName: DEFAULT_BOT_NAME,
    background: new Set(),
  };
  const bot = new DeskBridgeBot(ctx, { localMode });

  return {
    routes: [messagesRoute({ adapter, localMode, logger, run: (turn: TurnContext) => bot.run(turn) })],
    notifier: teamsNotifier(ctx),
    performAddressed: (addressed) => performAddressed(ctx, addressed),
    localMode,
    async settled() {
      while (ctx.background.size > 0) await Promise.allSettled([...ctx.background]);
    },
    async stop() {
      await Promise.allSettled([...ctx.background]);
    },
  };
}

/**
 * Effects addressed to Teams tenants (the partner accepted: our posted invitations updated, the initiating admin
 * told), each as a proactive turn after the answer, like every effect here.
 */
function performAddressed(ctx: TeamsContext, addressed: AddressedEffect[]): void {
  for (const { tenantId, effect } of addressed) {
    const userId = effect.kind === 'notify-user' || effect.kind === 'refresh-home' ? effect.userId : 'deskbridge';
    const actor: ChatActor = {
      platform: 'teams',
      tenantId,
      userId,
      displayName: findTeamsUser(ctx.deps, { tenantId, aadObjectId: userId })?.name ?? userId,
      isWorkspaceAdmin: false,
    };
    performEffects(ctx, actor, [effect]);
  }
}
