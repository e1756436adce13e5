import type { SimRequest, SimResponse, SimRoute } from '../simulator-kit/server.ts';
import type { XurrentWebhook } from './simulator-webhooks.ts';

/**
 * `GET /v1/webhooks` of the Xurrent simulator, as developer.xurrent.com/v1/webhooks documents it: administrators
 * only, a bare array of webhooks with `id, name, event, uri, description, disabled, last_error, mail_exceptions_to,
 * webhook_policy, openid_connect_discovery, source, sourceID, created_at, updated_at` (nulls included).
 */
export function webhookListRoute(deps: {
  webhooks(): XurrentWebhook[];
  isAdmin(req: SimRequest): boolean;
  forbidden: SimResponse;
  list(req: SimRequest, items: XurrentWebhook[], render: (w: XurrentWebhook) => Record<string, unknown>): SimResponse;
  time(): string;
}): SimRoute {
  return {
    method: 'GET',
    path: '/v1/webhooks',
    handle: (req) => {
      if (!deps.isAdmin(req)) return deps.forbidden;
      return deps.list(req, deps.webhooks(), (w) => ({
        id: w.id,
        name: w.name,
        event: w.event,
        uri: w.uri,
        description: null,
        disabled: w.disabled,
        last_error: w.last_error,
        mail_exceptions_to: null,
        webhook_policy: w.policyId === null ? null : { id: w.policyId },
        openid_connect_discovery: false,
        source: null,
        sourceID: null,
        created_at: deps.time(),
        updated_at: deps.time(),
      }));
    },
  };
}
