import type { AppDeps } from '../app/deps.ts';
import { acceptHandshakeSchema, completeInvitation } from '../app/accept-invitation.ts';
import { publicInstanceInfo } from '../app/instances.ts';
import {
  authenticateNodeRequest,
  connectionHealth,
  messageBatchSchema,
  receiveMessages,
} from '../app/node-requests.ts';
import { messagesAfter } from '../app/sync-messages.ts';
import { DomainError } from '../domain/errors.ts';
import type { JsonRoute, RequestContext } from '../http/router.ts';

/** The node protocol (`/i/{slug}` and `/v1/...`), as routes on the service's server. */
export function nodeProtocolRoutes(deps: AppDeps): JsonRoute[] {
  const authenticate = (ctx: RequestContext) =>
    authenticateNodeRequest(deps, {
      connectionId: ctx.params.id!,
      method: ctx.method,
      path: ctx.path + (ctx.query.size > 0 ? `?${ctx.query.toString()}` : ''),
      body: ctx.rawBody,
      headers: ctx.headers,
    });

  return [
    {
      method: 'GET',
      path: '/i/:slug',
      handle: (ctx) => ({ status: 200, body: publicInstanceInfo(deps, ctx.params.slug!) }),
    },
    {
      method: 'POST',
      path: '/v1/invitations/accept',
      maxBodyBytes: 16 * 1024,
      handle: (ctx) => ({ status: 200, body: completeInvitation(deps, ctx.json(acceptHandshakeSchema)) }),
    },
    {
      method: 'GET',
      path: '/v1/connections/:id/status',
      handle: (ctx) => ({ status: 200, body: connectionHealth(authenticate(ctx)) }),
    },
    {
      method: 'POST',
      path: '/v1/connections/:id/messages',
      maxBodyBytes: 8 * 1024 * 1024,
      handle: (ctx) => {
        const row = authenticate(ctx);
        const result = receiveMessages(deps, row, ctx.json(messageBatchSchema));
        deps.kickSync?.();
        return { status: 200, body: result };
      },
    },
    {
      method: 'GET',
      path: '/v1/connections/:id/messages',
      handle: (ctx) => {
        const row = authenticate(ctx);
        const after = Number(ctx.query.get('after') ?? '0');
        if (!Number.isSafeInteger(after) || after < 0)
          throw new DomainError('invalid_input', 'after must be a message id (a whole number, 0 or more).');
        return { status: 200, body: messagesAfter(deps, row, after) };
      },
    },
  ];
}
