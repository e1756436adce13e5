import { readFileSync } from 'node:fs';
import type { App } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { botScopes, SLACK_EVENTS_PATH, SLACK_OAUTH_REDIRECT_PATH } from '../../../adapters/slack/app.ts';
import type { SlackContext } from '../../../adapters/slack/context.ts';
import type { IdPattern } from '../../../adapters/slack/listeners/exact-ids.ts';
import { registerListeners } from '../../../adapters/slack/listeners/index.ts';
import { subcommands } from '../../../src/flows/help.ts';

import { renderedButtonIds, renderedFormIds } from '../../support/rendered-ids.ts';

const manifest = JSON.parse(readFileSync(new URL('../../../manifest/slack.json', import.meta.url), 'utf8'));

/** Registers the real listeners on a recording stand-in for Bolt's App: what the code handles. */
function handled() {
  const seen = { commands: [] as string[], actions: [] as string[], views: [] as string[], events: [] as string[] };
  const app = {
    command: (name: string) => seen.commands.push(name),
    action: (c: { action_id: IdPattern }) => seen.actions.push(...c.action_id.ids),
    view: (c: { callback_id: IdPattern }) => seen.views.push(...c.callback_id.ids),
    event: (name: string) => seen.events.push(name),
  } as unknown as App;
  registerListeners(app, {} as SlackContext);
  return seen;
}

const path = (url: string) => new URL(url).pathname;

describe('manifest/slack.json matches the code', () => {
  const code = handled();

  it('declares every slash command, with the events URL and every subcommand in the usage hint', () => {
    const declared = manifest.features.slash_commands as {
      command: string;
      url: string;
      usage_hint: string;
      should_escape: boolean;
    }[];
    expect(code.commands).not.toEqual([]);
    for (const command of code.commands) {
      const entry = declared.find((d) => d.command === command);
      expect(entry, `${command} is declared`).toBeDefined();
      expect(path(entry!.url)).toBe(SLACK_EVENTS_PATH);
      // Mentions arrive as <@U…> only when Slack escapes them: `admins add @user` depends on it.
      expect(entry!.should_escape).toBe(true);
      for (const s of subcommands) expect(entry!.usage_hint).toContain(s.usage.split(' ')[0]!.split('|')[0]);
    }
    expect(declared.map((d) => d.command).sort()).toEqual([...code.commands].sort());
  });

  it('subscribes to exactly the events the code handles, and enables the Home tab it draws', () => {
    expect([...manifest.settings.event_subscriptions.bot_events].sort()).toEqual([...code.events].sort());
    expect(path(manifest.settings.event_subscriptions.request_url)).toBe(SLACK_EVENTS_PATH);
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
  });

  it('enables interactivity at the events URL for every button and modal the code handles', () => {
    expect(manifest.settings.interactivity).toEqual({
      is_enabled: true,
      request_url: expect.stringMatching(/\/slack\/events$/),
    });
    expect([...code.actions].sort()).toEqual([...renderedButtonIds].sort());
    expect([...code.views].sort()).toEqual([...renderedFormIds].sort());
  });

  it('asks for the scopes the code uses, with the OAuth redirect it serves', () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...botScopes].sort());
    expect(manifest.oauth_config.redirect_urls.map(path)).toEqual([SLACK_OAUTH_REDIRECT_PATH]);
    expect(manifest.settings.socket_mode_enabled).toBe(false);
  });
});
