import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config.ts';

const base = { DESKBRIDGE_DATA_DIR: '/tmp/x' };
const APP_ID = '11111111-2222-3333-4444-555555555555';
const TENANT = '66666666-7777-8888-9999-000000000000';

function refusal(env: Record<string, string>): string {
  try {
    loadConfig({ ...base, ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('Teams configuration', () => {
  it('is local mode (no credentials) unless MICROSOFT_APP_ID is set', () => {
    expect(loadConfig(base).teams).toEqual({
      appId: null,
      appPassword: null,
      tenantId: null,
      userSpecificViews: false,
    });
    expect(
      loadConfig({
        ...base,
        MICROSOFT_APP_ID: APP_ID,
        MICROSOFT_APP_PASSWORD: 'client-secret-1',
        MICROSOFT_APP_TENANT_ID: TENANT,
      }).teams,
    ).toEqual({
      appId: APP_ID,
      appPassword: 'client-secret-1',
      tenantId: TENANT,
      userSpecificViews: true,
    });
    expect(
      loadConfig({ ...base, MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: 'client-secret-1' }).teams.tenantId,
    ).toBeNull();
  });

  it("user-specific views (the approvers' own view of an approval card): Teams has them, the Playground does not", () => {
    const teams = { ...base, MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: 'client-secret-1' };
    expect(loadConfig(teams).teams.userSpecificViews).toBe(true);
    expect(loadConfig({ ...teams, TEAMS_USER_SPECIFIC_VIEWS: 'false' }).teams.userSpecificViews).toBe(false);
    expect(loadConfig({ ...base, TEAMS_USER_SPECIFIC_VIEWS: 'true' }).teams.userSpecificViews).toBe(true);
    expect(refusal({ TEAMS_USER_SPECIFIC_VIEWS: 'yes' })).toBe(
      'Invalid configuration: TEAMS_USER_SPECIFIC_VIEWS must be auto, true or false (got "yes").',
    );
  });

  it('stops start-up with one line naming the variable, never echoing the password', () => {
    expect(refusal({ MICROSOFT_APP_ID: 'deskbridge' })).toBe(
      'Invalid configuration: MICROSOFT_APP_ID must be the bot\'s Microsoft Entra application (client) id, a GUID (got "deskbridge").',
    );
    expect(refusal({ MICROSOFT_APP_ID: APP_ID })).toBe(
      'Invalid configuration: MICROSOFT_APP_PASSWORD is required with MICROSOFT_APP_ID.',
    );
    expect(refusal({ MICROSOFT_APP_PASSWORD: 'client-secret-1' })).toMatch(
      /^Invalid configuration: MICROSOFT_APP_ID is required with/,
    );
    expect(
      refusal({
        MICROSOFT_APP_ID: APP_ID,
        MICROSOFT_APP_PASSWORD: 'client-secret-1',
        MICROSOFT_APP_TENANT_ID: 'contoso',
      }),
    ).toMatch(/^Invalid configuration: MICROSOFT_APP_TENANT_ID must be/);
    const short = refusal({ MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: 'pw1' });
    expect(short).toMatch(/^Invalid configuration: MICROSOFT_APP_PASSWORD /);
    expect(short).not.toContain('pw1');
    expect(short.split('\n')).toHaveLength(1);
  });
});
