import { App, HTTPReceiver, type Authorize } from '@slack/bolt';
import { InstallProvider, type Installation } from '@slack/oauth';
import { WebClient, type WebClientOptions } from '@slack/web-api';
import type { Logger } from 'pino';
import { fetchChatInstallation } from '../../src/app/chat-installations.ts';
import type { AppDeps } from '../../src/app/deps.ts';
import { invitationHostTenant } from '../../src/app/invitation-messages.ts';
import { firstUseOfSlackSignature } from '../../src/app/slack-request-replays.ts';
import type { SlackConfig } from '../../src/config.ts';
import type { AddressedEffect, PerformAddressed } from '../../src/flows/invitation-message.ts';
import type { RawRoute } from '../../src/http/router.ts';
import { SlackActors } from './actors.ts';
import { boltLogger } from './bolt-logger.ts';
import type { SlackContext } from './context.ts';
import { databaseInstallationStore } from './installation-store.ts';
import { registerListeners } from './listeners/index.ts';
import { guardSlackRequests, SLACK_FUTURE_SKEW_MS } from './request-guard.ts';
import { slackNotifier } from './notifier.ts';
import { performEffects } from './perform.ts';
import type { Notifier } from '../../src/poller/notifier.ts';

export const SLACK_EVENTS_PATH = '/slack/events';
export const SLACK_INSTALL_PATH = '/slack/install';
export const SLACK_OAUTH_REDIRECT_PATH = '/slack/oauth_redirect';

/** The bot scopes the code needs; the manifest declares the same list (a test compares them). */
export const botScopes = [
  'commands',
  'chat:write',
  'chat:write.public',
  'channels:read',
  'groups:read',
  'users:read',
  'im:write',
  'files:read',
  'files:write',
];

export interface SlackSurface {
  app: App;
  /** Routes for the service's one HTTP server (none in Socket Mode). */
  routes: RawRoute[];
  /** Posts the poller's status notices to channels. */
  notifier: Notifier;
  /** Carries out effects addressed to Slack workspaces (an acceptance's updates and notices). */
  performAddressed: PerformAddressed;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * DeskBridge's Slack app: Bolt over HTTP on our server (or Socket Mode for development), with a single-workspace
 * token or OAuth installs kept in our database.
 */
export function createSlackSurface(options: {
  deps: AppDeps;
  config: SlackConfig;
  publicUrl: string;
  logger: Logger;
}): SlackSurface {
  const { deps, config, logger } = options;
  const clientOptions: WebClientOptions = {
    ...(config.apiUrl ? { slackApiUrl: config.apiUrl } : {}),
    // Interactive flows cannot wait out WebClient's default half hour of retries.
    retryConfig: { retries: 1, factor: 1, minTimeout: 200, maxTimeout: 500 },
  };
  const log = boltLogger(logger);

  const installer = config.oauth
    ? new InstallProvider({
        clientId: config.oauth.clientId,
        clientSecret: config.oauth.clientSecret,
        stateSecret: deps.secrets.derive('deskbridge/slack-oauth-state/v1').toString('base64url'),
        installationStore: databaseInstallationStore(deps),
        directInstall: true,
        logger: log,
        clientOptions,
      })
    : null;

  const botTokenOf = (teamId: string): string | null => {
    if (config.botToken) return config.botToken;
    return fetchChatInstallation<Installation>(deps, { platform: 'slack', installKey: teamId })?.bot?.token ?? null;
  };

  /**
   * OAuth authorization. A partner's click in a Slack Connect channel names the partner's team, which may not have
   * installed us: it is answered with the installation of the workspace that posted the invitation in that channel.
   */
  const authorize: Authorize<boolean> = async (source) => {
    const team = source.isEnterpriseInstall ? source.enterpriseId : source.teamId;
    let installation = team ? fetchChatInstallation<Installation>(deps, { platform: 'slack', installKey: team }) : null;
    if (!installation && source.conversationId) {
      const host = invitationHostTenant(deps, { platform: 'slack', channelId: source.conversationId });
      installation = host ? fetchChatInstallation<Installation>(deps, { platform: 'slack', installKey: host }) : null;
    }
    if (!installation?.bot) throw new Error(`DeskBridge is not installed in workspace ${team ?? '(unknown)'}.`);
    return {
      botToken: installation.bot.token,
      botId: installation.bot.id,
      botUserId: installation.bot.userId,
      teamId: installation.team?.id,
    };
  };

  // DeskBridge keeps its own state; Bolt's conversation store would only cost every request a lookup.
  const convoStore = false;
  let app: App;
  let receiver: HTTPReceiver | null = null;
  if (config.appToken) {
    app = new App({
      socketMode: true,
      appToken: config.appToken,
      token: config.botToken ?? undefined,
      logger: log,
      clientOptions,
      convoStore,
    });
  } else {
    receiver = new HTTPReceiver({
      signingSecret: config.signingSecret ?? '',
      endpoints: SLACK_EVENTS_PATH,
      logger: log,
    });
    app = config.oauth
      ? new App({ receiver, authorize, logger: log, clientOptions, convoStore })
      : new App({ receiver, token: config.botToken ?? undefined, logger: log, clientOptions, convoStore });
  }

  const ctx: SlackContext = {
    deps,
    logger,
    actors: new SlackActors(),
    async clientFor(teamId) {
      const token = botTokenOf(teamId);
      return token ? new WebClient(token, clientOptions) : null;
    },
  };
  registerListeners(app, ctx);
  app.error(async (error) => {
    logger.error({ err: error }, 'slack listener failed');
  });

  const routes: RawRoute[] = [];
  if (receiver) {
    const listener = guardSlackRequests(receiver.requestListener, {
      signingSecret: config.signingSecret ?? '',
      firstUse: (signature, requestAt, now) =>
        firstUseOfSlackSignature(deps, { signature, requestAt, now, skewMs: SLACK_FUTURE_SKEW_MS }),
      logger,
    });
    routes.push({ method: 'POST', path: SLACK_EVENTS_PATH, raw: (req, res) => listener(req, res) });
  }
  if (installer) {
    const redirectUri = `${options.publicUrl}${SLACK_OAUTH_REDIRECT_PATH}`;
    routes.push(
      {
        method: 'GET',
        path: SLACK_INSTALL_PATH,
        raw: (req, res) => installer.handleInstallPath(req, res, {}, { scopes: botScopes, redirectUri }),
      },
      {
        method: 'GET',
        path: SLACK_OAUTH_REDIRECT_PATH,
        raw: (req, res) => installer.handleCallback(req, res, undefined, { scopes: botScopes, redirectUri }),
      },
    );
  }

  return {
    app,
    routes,
    notifier: slackNotifier({ botTokenOf, apiUrl: config.apiUrl }),
    performAddressed: (addressed) => performAddressed(ctx, addressed),
    async start() {
      if (config.appToken) await app.start();
    },
    async stop() {
      if (config.appToken) await app.stop();
    },
  };
}

/**
 * Effects addressed to Slack workspaces (the partner accepted: the posted invitations updated in place, the
 * initiating admin told), each carried out with its workspace's installation.
 */
async function performAddressed(ctx: SlackContext, addressed: AddressedEffect[]): Promise<void> {
  for (const { tenantId, effect } of addressed) {
    const client = await ctx.clientFor(tenantId);
    if (!client) continue;
    const actor = await ctx.actors.resolve(client, {
      id: effect.kind === 'notify-user' || effect.kind === 'refresh-home' ? effect.userId : 'USLACKBOT',
      teamId: tenantId,
    });
    await performEffects(ctx, client, actor, [effect]);
  }
}
