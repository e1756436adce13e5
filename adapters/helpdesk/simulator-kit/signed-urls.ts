import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Pre-signed, expiring download URLs, as the helpdesks' CDNs and S3 hand out. */
export class UrlSigner {
  private readonly key = randomBytes(32);

  sign(path: string, expiresAtSeconds: number): string {
    return createHmac('sha256', this.key).update(`${path}\n${expiresAtSeconds}`).digest('hex');
  }

  verify(path: string, expiresAtSeconds: number, signature: string, nowMs: number): 'ok' | 'expired' | 'bad-signature' {
    const expected = Buffer.from(this.sign(path, expiresAtSeconds));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'bad-signature';
    return nowMs >= expiresAtSeconds * 1000 ? 'expired' : 'ok';
  }
}
