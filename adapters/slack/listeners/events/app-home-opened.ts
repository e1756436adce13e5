import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { homeView } from '../../../../src/flows/home.ts';
import type { SlackContext } from '../../context.ts';
import { renderHome } from '../../render/message.ts';

/** The Home tab is drawn when it is opened, so it always shows the connections as they are. */
export function appHomeOpened(ctx: SlackContext) {
  return async ({
    event,
    body,
    client,
    context,
  }: AllMiddlewareArgs & SlackEventMiddlewareArgs<'app_home_opened'>): Promise<void> => {
    if (event.tab !== 'home') return;
    const teamId = (body as { team_id?: string }).team_id ?? context.teamId ?? '';
    const actor = await ctx.actors.resolve(client, { id: event.user, teamId });
    await client.views.publish({ user_id: event.user, view: renderHome(homeView(ctx.deps, actor)) });
  };
}
