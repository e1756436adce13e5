import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signJwt } from '../../../adapters/helpdesk/jwt.ts';
import {
  FRESHWORKS_WEBHOOK_TEMPLATE,
  verifyAndParseWebhook,
  WEBHOOK_SECRET_HEADER,
} from '../../../adapters/helpdesk/webhooks.ts';

describe('verifyAndParseWebhook', () => {
  const body = Buffer.from(JSON.stringify({ ticket_id: '42', triggered_event: 'ticket_updated' }));

  it('accepts a Freshdesk/Freshservice webhook carrying the instance secret and names the ticket', () => {
    for (const platform of ['freshdesk', 'freshservice'] as const) {
      expect(
        verifyAndParseWebhook({
          platform,
          headers: { [WEBHOOK_SECRET_HEADER]: 's3cret' },
          rawBody: body,
          secret: 's3cret',
        }),
      ).toEqual({
        kind: 'change',
        entityId: '42',
        event: 'ticket_updated',
        deliveryId: null,
      });
    }
  });

  it('refuses a wrong or missing secret, and an instance without one', () => {
    expect(() =>
      verifyAndParseWebhook({
        platform: 'freshdesk',
        headers: { [WEBHOOK_SECRET_HEADER]: 'guess' },
        rawBody: body,
        secret: 's3cret',
      }),
    ).toThrow(/secret/);
    expect(() =>
      verifyAndParseWebhook({ platform: 'freshdesk', headers: {}, rawBody: body, secret: 's3cret' }),
    ).toThrow(expect.objectContaining({ code: 'unauthorized' }));
    expect(() => verifyAndParseWebhook({ platform: 'freshservice', headers: {}, rawBody: body, secret: null })).toThrow(
      expect.objectContaining({ code: 'unauthorized' }),
    );
  });

  it('explains a body that names no ticket', () => {
    expect(() =>
      verifyAndParseWebhook({
        platform: 'freshdesk',
        headers: { [WEBHOOK_SECRET_HEADER]: 's' },
        rawBody: Buffer.from('{"hello":1}'),
        secret: 's',
      }),
    ).toThrow(
      expect.objectContaining({ code: 'invalid_input', message: expect.stringContaining(FRESHWORKS_WEBHOOK_TEMPLATE) }),
    );
  });

  for (const algorithm of ['RS256', 'ES512'] as const) {
    it(`verifies a Xurrent JWT signed with ${algorithm} and refuses one signed with another key`, () => {
      const pair = () =>
        algorithm === 'RS256'
          ? generateKeyPairSync('rsa', { modulusLength: 2048 })
          : generateKeyPairSync('ec', { namedCurve: 'P-521' });
      const { privateKey, publicKey } = pair();
      const now = Date.parse('2026-03-02T10:00:00Z');
      const iat = Math.floor(now / 1000);
      const message = { webhook_id: 7, event: 'request.update', object_id: 70001, account: 'https://wdc.xurrent.com' };
      const token = signJwt(
        {
          data: message,
          sub: '7',
          iss: 'https://wdc.xurrent.com',
          aud: 'deskbridge',
          iat,
          nbf: iat,
          exp: iat + 300,
          jti: 'x',
        },
        algorithm,
        privateKey,
      );
      const policy = {
        algorithm: algorithm.toLowerCase(),
        key: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        audience: 'deskbridge',
        issuers: ['https://wdc.xurrent.com', 'https://wdc.4me.com'],
      };
      const input = {
        platform: 'xurrent' as const,
        // An invented delivery header is not read: the delivery id is the signed token's jti.
        headers: { 'x-4me-delivery': 'd-1' },
        secret: null,
        xurrentPolicy: policy,
        nowMs: now,
      };
      expect(verifyAndParseWebhook({ ...input, rawBody: Buffer.from(JSON.stringify({ jwt: token })) })).toEqual({
        kind: 'change',
        entityId: '70001',
        event: 'request.update',
        deliveryId: 'x',
      });

      const forged = signJwt(
        { data: message, sub: '7', iss: 'https://wdc.xurrent.com', aud: 'deskbridge', iat, nbf: iat },
        algorithm,
        pair().privateKey,
      );
      expect(() => verifyAndParseWebhook({ ...input, rawBody: Buffer.from(JSON.stringify({ jwt: forged })) })).toThrow(
        expect.objectContaining({ code: 'unauthorized' }),
      );
      expect(() =>
        verifyAndParseWebhook({
          ...input,
          nowMs: now + 3_600_000,
          rawBody: Buffer.from(JSON.stringify({ jwt: token })),
        }),
      ).toThrow(/expired/);
      expect(() =>
        verifyAndParseWebhook({
          ...input,
          xurrentPolicy: { ...policy, audience: 'someone else' },
          rawBody: Buffer.from(JSON.stringify({ jwt: token })),
        }),
      ).toThrow(/audience/);
      expect(() => verifyAndParseWebhook({ ...input, rawBody: Buffer.from(JSON.stringify(message)) })).toThrow(
        /not signed/,
      );
    });
  }

  it('refuses a JWT whose header claims another algorithm than the policy', () => {
    const token = signJwt({ data: { event: 'request.update', object_id: 1 } }, 'HS256', 'public-key-used-as-secret');
    expect(() =>
      verifyAndParseWebhook({
        platform: 'xurrent',
        headers: {},
        rawBody: Buffer.from(JSON.stringify({ jwt: token })),
        secret: null,
        xurrentPolicy: { algorithm: 'rs256', key: 'public-key-used-as-secret' },
      }),
    ).toThrow(/HS256, expected RS256/);
  });

  it('accepts an unsigned Xurrent webhook only with the secret parameter', () => {
    const raw = Buffer.from(JSON.stringify({ webhook_id: 1, event: 'request.note-added', object_id: 5 }));
    expect(
      verifyAndParseWebhook({
        platform: 'xurrent',
        headers: {},
        rawBody: raw,
        secret: 'abc',
        query: new URLSearchParams('secret=abc'),
      }),
    ).toMatchObject({ kind: 'change', entityId: '5' });
    expect(() =>
      verifyAndParseWebhook({
        platform: 'xurrent',
        headers: {},
        rawBody: raw,
        secret: 'abc',
        query: new URLSearchParams('secret=abd'),
      }),
    ).toThrow(expect.objectContaining({ code: 'unauthorized' }));
    expect(() => verifyAndParseWebhook({ platform: 'xurrent', headers: {}, rawBody: raw, secret: null })).toThrow(
      expect.objectContaining({ code: 'unauthorized' }),
    );
  });

  it('refuses a signed Xurrent webhook without exp: only a policy with "Claim expires in" yields bounded tokens', () => {
    // developer.xurrent.com /v1/webhook_policies, field jwt_claim_expires_in: optional; "The payload of a webhook
    // will have an exp (expiration time) claim based on this value". Without it a captured token works forever.
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const now = Date.parse('2026-03-02T10:00:00Z');
    const iat = Math.floor(now / 1000);
    const message = { webhook_id: 7, event: 'request.update', object_id: 70001 };
    const claims = { data: message, sub: '7', iss: 'https://wdc.xurrent.com', aud: 'deskbridge', iat, nbf: iat };
    const policy = { algorithm: 'rs256', key: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
    const parse = (extra: Record<string, unknown>) =>
      verifyAndParseWebhook({
        platform: 'xurrent',
        headers: {},
        rawBody: Buffer.from(JSON.stringify({ jwt: signJwt({ ...claims, ...extra }, 'RS256', privateKey) })),
        secret: null,
        xurrentPolicy: policy,
        nowMs: now,
      });
    expect(() => parse({})).toThrow(
      expect.objectContaining({ code: 'unauthorized', message: expect.stringContaining('jwt_claim_expires_in') }),
    );
    expect(() => parse({ exp: String(iat + 300) })).toThrow(/no expiry/);
    expect(() => parse({ exp: null })).toThrow(/no expiry/);
    expect(parse({ exp: iat + 300 })).toMatchObject({ kind: 'change', entityId: '70001' });
  });
});
