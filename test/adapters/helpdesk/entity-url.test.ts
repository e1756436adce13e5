/**
 * Helpdesk.entityUrl: where an agent opens an entity in the helpdesk's web app (the other side's scripts get it as
 * issueUrl). Expected values from the vendors:
 * - Freshdesk and Freshservice agents open a ticket at `https://<domain>.freshdesk.com/a/tickets/<id>` and
 *   `https://<domain>.freshservice.com/a/tickets/<id>` (the Freshworks app SDK's test instructions open that page with
 *   `?dev=true`);
 * - Xurrent's webhook deliveries carry the UI link `<https://mycompany.xurrent.com/requests/219>; rel="canonical"`
 *   beside `<https://api.xurrent.com/v1/requests/219>; rel="resource"` (developer.xurrent.com/v1/webhooks).
 */
import { describe, expect, it } from 'vitest';
import { createHelpdesk } from '../../../adapters/helpdesk/index.ts';
import { DomainError } from '../../../src/domain/errors.ts';

const apiKey = { kind: 'apiKey' as const, apiKey: 'fd-key-123' };
const token = (account: string) => ({ kind: 'token' as const, token: 'xr-token', account });

describe('the web address of an entity', () => {
  it('Freshdesk and Freshservice: {helpdesk}/a/tickets/{id}, whatever form the base URL was given in', () => {
    for (const baseUrl of [
      'https://acme.freshdesk.com',
      'https://acme.freshdesk.com/',
      'https://acme.freshdesk.com/api/v2',
    ]) {
      const freshdesk = createHelpdesk({ platform: 'freshdesk', baseUrl, credentials: apiKey });
      expect(freshdesk.entityUrl('12')).toBe('https://acme.freshdesk.com/a/tickets/12');
    }
    // A key as people type it names the same ticket.
    const freshdesk = createHelpdesk({
      platform: 'freshdesk',
      baseUrl: 'https://acme.freshdesk.com',
      credentials: apiKey,
    });
    expect(freshdesk.entityUrl('#12')).toBe('https://acme.freshdesk.com/a/tickets/12');
    const freshservice = createHelpdesk({
      platform: 'freshservice',
      baseUrl: 'https://initech.freshservice.com/api/v2/',
      credentials: apiKey,
    });
    expect(freshservice.entityUrl('7')).toBe('https://initech.freshservice.com/a/tickets/7');
  });

  it("Xurrent: the account's web app, the API host with api. replaced by the account id (the vendor's example)", () => {
    const xurrent = (baseUrl: string, account: string) =>
      createHelpdesk({ platform: 'xurrent', baseUrl, credentials: token(account) });
    expect(xurrent('https://api.xurrent.com/v1', 'mycompany').entityUrl('219')).toBe(
      'https://mycompany.xurrent.com/requests/219',
    );
    expect(xurrent('https://api.au.xurrent.com/v1', 'wdc').entityUrl('5')).toBe(
      'https://wdc.au.xurrent.com/requests/5',
    );
    expect(xurrent('https://api.xurrent.qa', 'WDC').entityUrl('5')).toBe('https://wdc.xurrent.qa/requests/5');
    // A host without api. (on premises, the simulator) keeps its origin.
    expect(xurrent('http://127.0.0.1:4100/v1', 'wdc').entityUrl('5')).toBe('http://127.0.0.1:4100/requests/5');
  });

  it('an account id that is no host-name label does not move the link to another host', () => {
    for (const account of ['evil.example/', 'a@evil.example', 'x:1', '-wdc', '']) {
      const xurrent = createHelpdesk({
        platform: 'xurrent',
        baseUrl: 'https://api.xurrent.com/v1',
        credentials: token(account),
      });
      expect(new URL(xurrent.entityUrl('5')).host).toBe('api.xurrent.com');
    }
  });

  it('an id that is no ticket number is refused with a clear error instead of making a link of it', () => {
    const freshdesk = createHelpdesk({
      platform: 'freshdesk',
      baseUrl: 'https://acme.freshdesk.com',
      credentials: apiKey,
    });
    const xurrent = createHelpdesk({
      platform: 'xurrent',
      baseUrl: 'https://api.xurrent.com',
      credentials: token('wdc'),
    });
    for (const id of ['../../admin', '12?x=1', '0', 'abc']) {
      expect(() => freshdesk.entityUrl(id)).toThrow(DomainError);
      expect(() => freshdesk.entityUrl(id)).toThrow(/is not a Freshdesk ticket number/);
      expect(() => xurrent.entityUrl(id)).toThrow(/is not a Xurrent request id/);
    }
  });
});
