import type { IncomingMessage, ServerResponse } from 'node:http';
import { defaultBodyLimit, HTTPModuleFunctions, isRawBodyError, isValidSlackRequest } from '@slack/bolt';
import type { Logger } from 'pino';

/**
 * What Bolt's HTTP receiver leaves out of Slack's request signing: it refuses a timestamp more than five minutes
 * old, but takes one from any future, and takes the same signed request as often as it is sent within the window.
 * This runs first: it refuses a timestamp ahead of ours by more than a small skew (before reading the body), then
 * reads the body (where Bolt finds it again, `rawBody`) and refuses a second request with a signature seen before.
 * Only a signature that verifies is remembered, so a stranger cannot fill the store, nor spend a real request's
 * signature. Everything else (the signature check that decides, ssl_check) stays Bolt's.
 */
export const SLACK_FUTURE_SKEW_MS = 60_000;

export interface SlackRequestGuardOptions {
  signingSecret: string;
  /** False when this signature was seen before (src/app/slack-request-replays.ts). */
  firstUse(signature: string, requestAt: Date, now: Date): boolean;
  /** Bolt checks the window against this machine's clock (Date.now); the guard must agree with it. */
  now?: () => number;
  logger: Logger;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

function refuse(res: ServerResponse, status: number, error: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error }));
}

export function guardSlackRequests(listener: Listener, options: SlackRequestGuardOptions): Listener {
  const now = options.now ?? Date.now;
  return async (req, res) => {
    const signature = req.headers['x-slack-signature'];
    const timestamp = req.headers['x-slack-request-timestamp'];
    // Unsigned (ssl_check) or malformed: Bolt answers those as it does.
    if (typeof signature !== 'string' || typeof timestamp !== 'string' || !/^\d{1,12}$/.test(timestamp))
      return listener(req, res);
    // The timestamp is judged before a byte of the body is read.
    const requestAtMs = Number(timestamp) * 1000;
    const nowMs = now();
    if (requestAtMs > nowMs + SLACK_FUTURE_SKEW_MS) {
      options.logger.warn({ aheadMs: requestAtMs - nowMs }, 'slack: a request timestamped in the future was refused');
      return refuse(res, 401, 'The request timestamp is in the future.');
    }
    let body: Buffer;
    try {
      body = (await HTTPModuleFunctions.bufferIncomingMessage(req, defaultBodyLimit)).rawBody;
    } catch (error) {
      if (isRawBodyError(error))
        return refuse(res, error.statusCode === 413 ? 413 : 400, 'The body could not be read.');
      throw error;
    }
    const signed = isValidSlackRequest({
      signingSecret: options.signingSecret,
      body: body.toString(),
      headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': Number(timestamp) },
      nowMilliseconds: nowMs,
    });
    if (signed && !options.firstUse(signature, new Date(requestAtMs), new Date(nowMs))) {
      options.logger.warn('slack: a replayed request (a signature seen before) was refused');
      return refuse(res, 401, 'This request was already received.');
    }
    return listener(req, res);
  };
}
