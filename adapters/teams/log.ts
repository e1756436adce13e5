/**
 * What of an error the Teams adapter logs. botbuilder's HTTP errors carry the outgoing request, whose headers hold
 * the bot's bearer token: only the name, message, status and code are kept, never the request or response.
 */
export function safeError(error: unknown): { name: string; message: string; statusCode?: number; code?: string } {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error).slice(0, 500) };
  const e = error as Error & { statusCode?: unknown; code?: unknown };
  return {
    name: e.name,
    message: e.message.replace(/Bearer\s+[A-Za-z0-9._~+/=-]+/g, 'Bearer [redacted]').slice(0, 500),
    ...(typeof e.statusCode === 'number' ? { statusCode: e.statusCode } : {}),
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
  };
}
