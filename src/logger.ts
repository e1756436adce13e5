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
  'credentials',
  'key',
  'authorization',
  'cookie',
];
/**
 * An invitation code is a secret too, but `code` is also what an error's code is called (`err.code: 'EADDRINUSE'`),
 * which a reader needs: a code is redacted where one travels (a request body, a use-case input), not everywhere.
 */
const invitationCodePaths = ['code', 'body.code', 'input.code', 'invitation.code', '*.invitationCode'];
const redactPaths = [
  ...secretKeys.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `headers.${k}`, `req.headers.${k}`]),
  ...invitationCodePaths,
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'deskbridge' }, redact: { paths: redactPaths, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
