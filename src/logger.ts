import { pino, type DestinationStream, type Logger } from 'pino';

/** Fields that may hold a secret, at any of the first levels of a log object: redacted, never written. */
const secretKeys = [
  'apiKey',
  'api_key',
  'token',
  'botToken',
  'secret',
  'clientSecret',
  'signingSecret',
  'password',
  'code',
  'credentials',
  'key',
  'authorization',
  'cookie',
];
const redactPaths = secretKeys.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `headers.${k}`, `req.headers.${k}`]);

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'deskbridge' }, redact: { paths: redactPaths, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
