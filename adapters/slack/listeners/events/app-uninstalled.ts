import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { deleteChatInstallation } from '../../../../src/app/chat-installations.ts';
import type { SlackContext } from '../../context.ts';

/** The app was removed from a workspace (or its tokens revoked): forget the installation and its token. */
export function appUninstalled(ctx: SlackContext) {
  return async ({
    body,
    context,
  }: AllMiddlewareArgs & SlackEventMiddlewareArgs<'app_uninstalled' | 'tokens_revoked'>): Promise<void> => {
    const installKey = context.isEnterpriseInstall
      ? context.enterpriseId
      : ((body as { team_id?: string }).team_id ?? context.teamId);
    if (installKey) deleteChatInstallation(ctx.deps, { platform: 'slack', installKey });
  };
}
