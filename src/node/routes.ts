import { z } from 'zod';
import type { AppDeps } from '../app/deps.ts';
import { acceptanceConfirmSchema, confirmAcceptance } from '../app/accept-invitation.ts';
import { completeInvitation } from '../app/complete-invitation.ts';
import { answerEntityLookup } from '../app/entity-links.ts';
import { publicInstanceInfo } from '../app/instances.ts';
import { DomainError } from '../domain/errors.ts';
import { receivedRequestId } from '../domain/request-id.ts';
import type { JsonRoute, RequestContext, RequestHead } from '../http/router.ts';
import { connectionHealth, messagesAfter, receiveMessages } from './messages.ts';
import { admitNodeRequest, authenticateNodeRequest } from './request-auth.ts';
import { entityLookupSchema, messageBatchSchema } from './wire.ts';

/** A batch of sync messages carries files (base64) up to this; every other node request is a few KiB at most. */
const MAX_MESSAGE_BATCH_BYTES = 8 * 1024 * 1024;

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
  // Signature headers, timestamp and connection are checked before any body is read; the signature itself after.
  const admit = (head: RequestHead) => admitNodeRequest(deps, { connectionId: head.params.id!, headers: head.headers });

  return [
    {
      method: 'GET',
      path: '/i/:slug',
      maxBodyBytes: 0,
      handle: (ctx) => {
        const info = publicInstanceInfo(deps, ctx.params.slug!);
        // Nothing about the instances that are here (their slugs, their ids): only that this one is not.
        if (!info) throw new DomainError('not_found', `There is no instance "${ctx.params.slug}" on this node.`);
        return { status: 200, body: info };
      },
    },
    {
      method: 'POST',
      path: '/v1/invitations/accept',
      maxBodyBytes: 16 * 1024,
      handle: async (ctx) => ({ status: 200, body: await completeInvitation(deps, ctx.json(z.unknown())) }),
    },
    {
      method: 'POST',
      path: '/v1/invitations/confirm',
      maxBodyBytes: 4 * 1024,
      handle: (ctx) => ({ status: 200, body: confirmAcceptance(deps, ctx.json(acceptanceConfirmSchema)) }),
    },
    {
      method: 'GET',
      path: '/v1/connections/:id/status',
      maxBodyBytes: 0,
      beforeBody: admit,
      handle: (ctx) => ({ status: 200, body: connectionHealth(authenticate(ctx)) }),
    },
    {
      method: 'POST',
      path: '/v1/connections/:id/messages',
      maxBodyBytes: MAX_MESSAGE_BATCH_BYTES,
      beforeBody: admit,
      handle: (ctx) => {
        const row = authenticate(ctx);
        return {
          status: 200,
          body: receiveMessages(deps, row, ctx.json(messageBatchSchema), receivedRequestId(ctx.headers)),
        };
      },
    },
    {
      method: 'POST',
      path: '/v1/connections/:id/entities/lookup',
      maxBodyBytes: 32 * 1024,
      beforeBody: admit,
      handle: async (ctx) => {
        const row = authenticate(ctx);
        return { status: 200, body: { entities: await answerEntityLookup(deps, row, ctx.json(entityLookupSchema)) } };
      },
    },
    {
      method: 'GET',
      path: '/v1/connections/:id/messages',
      maxBodyBytes: 0,
      beforeBody: admit,
      handle: (ctx) => {
        const row = authenticate(ctx);
        const after = Number(ctx.query.get('after') ?? '0');
        if (!Number.isSafeInteger(after) || after < 0)
          throw new DomainError('invalid_input', 'after must be a message id (a whole number, 0 or more).');
        return { status: 200, body: messagesAfter(deps, row, after, receivedRequestId(ctx.headers)) };
      },
    },
  ];
}
