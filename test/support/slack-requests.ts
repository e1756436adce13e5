import { createHmac } from 'node:crypto';

/** Requests as Slack sends them to `/slack/events`: signed with v0 HMAC-SHA256 of `v0:{ts}:{body}`. */
export interface SignOptions {
  /** Seconds since the epoch; defaults to now. */
  timestamp?: number;
  /** Sign with another secret (a forgery). */
  secret?: string;
}

export interface SlackResponse {
  status: number;
  text: string;
  json: unknown;
}

export function signature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export async function postSigned(
  url: string,
  secret: string,
  body: string,
  contentType: string,
  options: SignOptions = {},
): Promise<SlackResponse> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': signature(options.secret ?? secret, timestamp, body),
    },
    body,
  });
  const text = await response.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: response.status, text, json };
}

export interface CommandFields {
  text: string;
  userId: string;
  teamId: string;
  channelId?: string;
  responseUrl: string;
  triggerId?: string;
}

let triggers = 0;

export function commandBody(fields: CommandFields): string {
  return new URLSearchParams({
    token: 'legacy-verification-token',
    command: '/bridge',
    text: fields.text,
    team_id: fields.teamId,
    team_domain: fields.teamId.toLowerCase(),
    user_id: fields.userId,
    user_name: fields.userId.toLowerCase(),
    channel_id: fields.channelId ?? 'C_GENERAL',
    channel_name: 'general',
    trigger_id: fields.triggerId ?? `trigger.${++triggers}`,
    response_url: fields.responseUrl,
    api_app_id: 'A_DESKBRIDGE',
  }).toString();
}

export function interactionBody(payload: unknown): string {
  return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

export function nextTrigger(): string {
  return `trigger.${++triggers}`;
}
