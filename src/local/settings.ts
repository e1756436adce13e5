import { z } from 'zod';
import type { Config } from '../config.ts';

const port = z.coerce
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535');

const localEnv = z.object({
  LOCAL_MODE: z.enum(['auto', 'off'], { error: 'must be auto or off' }).default('auto'),
  LOCAL_FRESHDESK_PORT: port.default(4101),
  LOCAL_XURRENT_PORT: port.default(4102),
  LOCAL_PLAYGROUND: z.enum(['true', 'false', '1', '0'], { error: 'must be true or false' }).default('true'),
  LOCAL_PLAYGROUND_PORT: port.default(56150),
});

/**
 * Local mode's own settings (LOCAL_* variables). The simulators listen on fixed default ports so the instance URLs
 * stored in ./data stay valid across restarts; when a port changes, the instance's base URL is updated at start.
 */
export interface LocalSettings {
  enabled: boolean;
  freshdeskPort: number;
  xurrentPort: number;
  playground: boolean;
  playgroundPort: number;
}

export class LocalSettingsError extends Error {}

/**
 * Local mode runs when no chat credentials are configured (no Slack, no MICROSOFT_APP_ID), unless LOCAL_MODE=off
 * (a bare node with no chat surface: tests of the node protocol, or an operator who only uses the CLI).
 */
export function isLocalMode(config: Config, env: Record<string, string | undefined> = process.env): boolean {
  return config.slack === null && config.teams.appId === null && loadLocalSettings(env).enabled;
}

export function loadLocalSettings(env: Record<string, string | undefined> = process.env): LocalSettings {
  const parsed = localEnv.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new LocalSettingsError(`Invalid configuration: ${String(issue.path[0])} ${issue.message}.`);
  }
  const e = parsed.data;
  return {
    enabled: e.LOCAL_MODE === 'auto',
    freshdeskPort: e.LOCAL_FRESHDESK_PORT,
    xurrentPort: e.LOCAL_XURRENT_PORT,
    playground: e.LOCAL_PLAYGROUND === 'true' || e.LOCAL_PLAYGROUND === '1',
    playgroundPort: e.LOCAL_PLAYGROUND_PORT,
  };
}

/** Fixed credentials of the simulated helpdesks: the registered instances keep working after a restart. */
export const LOCAL_CREDENTIALS = {
  freshdeskApiKey: 'local-acme-freshdesk-key',
  xurrentToken: 'local-globex-xurrent-token',
  xurrentAccount: 'globex',
} as const;
