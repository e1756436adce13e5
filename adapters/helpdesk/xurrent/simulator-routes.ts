import { randomUUID } from 'node:crypto';
import type { FaultPlan } from '../simulator-kit/faults.ts';
import { isMultipart, parseMultipart } from '../simulator-kit/multipart.ts';
import type { FixedWindowQuota } from '../simulator-kit/rate-window.ts';
import {
  header,
  SimHttpError,
  type SimPlatform,
  type SimRequest,
  type SimResponse,
  type SimRoute,
} from '../simulator-kit/server.ts';
import type { UrlSigner } from '../simulator-kit/signed-urls.ts';
import { xurrentError, xurrentNotFound, xurrentValidationFailed } from './simulator-errors.ts';
import { nodeId, type XurrentRenderer } from './simulator-render.ts';
import { listRequests, pagedList } from './simulator-request-listing.ts';
import type { StoredNote, StoredRequest, TokenGrant, XurrentStore } from './simulator-store.ts';
import type { XurrentWebhooks } from './simulator-webhooks.ts';
import { webhookListRoute } from './simulator-webhooks-api.ts';

/**
 * The Xurrent REST v1 API as the simulator serves it: who may call (a Bearer token with `X-Xurrent-Account` or the
 * legacy `X-4me-Account`, read-only tokens, the hourly quota and its `X-RateLimit-*` headers), the routes, the
 * three-step attachment upload, signed downloads and the webhook verification callback.
 */

export interface XurrentApiDeps {
  store: XurrentStore;
  render: XurrentRenderer;
  webhooks: XurrentWebhooks;
  faults: FaultPlan;
  quota: FixedWindowQuota;
  /** Every call counted, and those refused over the quota. */
  stats: { total: number; throttled: number };
  signer: UrlSigner;
  now(): number;
  attachmentSizeLimit: number;
  allowedExtensions: string[];
  baseUrl(): string;
}

export function xurrentApi(deps: XurrentApiDeps): SimPlatform {
  const { store, render, webhooks, quota, stats, signer, now } = deps;
  const account = store.account;
  const list = <T>(req: SimRequest, items: T[], renderItem: (item: T) => Record<string, unknown>) =>
    pagedList(req, items, renderItem, deps.baseUrl());
  const requests = (req: SimRequest, preset: (r: StoredRequest) => boolean = () => true) =>
    listRequests(
      req,
      [...store.requests.values()].filter((r) => !r.trashed && preset(r)),
      (r) => render.request(r),
      deps.baseUrl(),
    );
  const serviceInstance = render.serviceInstance.bind(render);

  function bearer(req: SimRequest): string {
    const match = /^Bearer\s+(.+)$/i.exec(header(req, 'authorization') ?? '');
    return match?.[1]?.trim() ?? '';
  }

  /** Only called on admitted requests, whose token is known. */
  const caller = (req: SimRequest): TokenGrant => store.tokens.get(bearer(req))!;

  /**
   * A request by its id; one in the trash is not found. Xurrent's docs do not say what a trashed request's own URL
   * answers (the Trash API lists it): the simulator takes the stricter reading, a 404, as for a request that never was.
   */
  function findRequest(req: SimRequest): StoredRequest {
    const request = store.requests.get(Number(req.params.id));
    if (!request || request.trashed) throw new SimHttpError(xurrentNotFound);
    return request;
  }

  /**
   * `POST /requests/:id/trash` answers the trash item as the Trash API shows one (developer.xurrent.com/v1/trash:
   * id, created_at, trashed_by, trashed "request", and the request reference).
   */
  function trashRequest(req: SimRequest): SimResponse {
    const request = findRequest(req);
    const item = store.trash(request, caller(req).personId);
    return {
      status: 200,
      json: {
        id: item.id,
        created_at: new Date(item.at).toISOString(),
        trashed_by: render.person(item.by),
        trashed: 'request',
        request: {
          id: request.id,
          href: `/requests/${request.id}`,
          display_name: `${request.id} ${String(request.fields.subject ?? '')}`,
        },
      },
    };
  }

  /** `POST /requests/:id/restore`: the request back from the trash. */
  function restoreRequest(req: SimRequest): SimResponse {
    const request = store.requests.get(Number(req.params.id));
    if (!request?.trashed) return xurrentNotFound;
    store.restore(request);
    return { status: 200, json: render.request(request) };
  }

  function readJson(req: SimRequest): Record<string, unknown> {
    try {
      const value: unknown = JSON.parse(req.body.toString('utf8') || '{}');
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
      return value as Record<string, unknown>;
    } catch {
      throw new SimHttpError(xurrentError(400, 'Invalid JSON string posted'));
    }
  }

  function admit(req: SimRequest): { reject?: SimResponse; headers: Record<string, string> } {
    stats.total += 1;
    const headers: Record<string, string> = { 'x-request-id': randomUUID() };
    const grant = store.tokens.get(bearer(req));
    // The current and the legacy account header are both accepted (the official Ruby SDK still sends X-4me-Account);
    // a request without either is refused: the docs' every example carries one, and DeskBridge always sends it.
    const requestedAccount = header(req, 'x-xurrent-account') ?? header(req, 'x-4me-account');
    if (!grant || requestedAccount === undefined || requestedAccount !== grant.account)
      return { reject: xurrentError(401, 'Unauthorized'), headers };
    const decision = quota.take();
    Object.assign(headers, {
      'x-ratelimit-limit': String(decision.limit),
      'x-ratelimit-remaining': String(decision.remaining),
      'x-ratelimit-reset': String(Math.ceil(decision.resetAt / 1000)),
    });
    if (!decision.allowed) {
      stats.throttled += 1;
      return {
        reject: {
          ...xurrentError(429, 'Too Many Requests'),
          headers: { 'retry-after': String(decision.retryAfterSeconds) },
        },
        headers,
      };
    }
    if (grant.role === 'readonly' && req.method !== 'GET') return { reject: xurrentError(403, 'Forbidden'), headers };
    return { headers };
  }

  /** Step 1 of an upload: where to send the file, with a signed, single-use key. */
  function storage(): SimResponse {
    const expires = Math.floor(now() / 1000) + 3600;
    const key = `attachments/${account}/${new Date(now()).toISOString().slice(0, 10).replace(/-/g, '/')}/${randomUUID()}/\${filename}`;
    store.pendingUploads.add(key);
    return {
      status: 200,
      json: {
        size_limit: deps.attachmentSizeLimit,
        allowed_extensions: deps.allowedExtensions,
        provider: 'local',
        upload_uri: `${deps.baseUrl()}/v1/attachments/upload`,
        local: { key, 'X-Xurrent-expiration': expires, 'X-Xurrent-signature': signer.sign(key, expires) },
      },
    };
  }

  /** Step 2: the multipart upload to local storage, the file part last; answers the key to attach. */
  async function upload(req: SimRequest): Promise<SimResponse> {
    if (!isMultipart(req.headers)) throw new SimHttpError(xurrentError(400, 'Expected multipart/form-data'));
    const form = await parseMultipart(req.headers, req.body);
    const fields = new Map(form.fields);
    const last = form.files.at(-1);
    const keyTemplate = fields.get('key');
    const expiration = Number(fields.get('X-Xurrent-expiration'));
    const signature = fields.get('X-Xurrent-signature') ?? '';
    if (
      !keyTemplate ||
      !store.pendingUploads.has(keyTemplate) ||
      signer.verify(keyTemplate, expiration, signature, now()) !== 'ok'
    ) {
      return xurrentError(403, 'Upload not authorized or expired');
    }
    if (last?.[0] !== 'file')
      return xurrentValidationFailed([['file', "can't be blank (the file part must come last)"]]);
    const file = last[1];
    if (file.data.length > deps.attachmentSizeLimit)
      return xurrentValidationFailed([['file', `is too large (maximum is ${deps.attachmentSizeLimit} bytes)`]]);
    const extension = file.filename.includes('.') ? file.filename.split('.').pop()!.toLowerCase() : '';
    if (deps.allowedExtensions.length > 0 && !deps.allowedExtensions.includes(extension))
      return xurrentValidationFailed([['file', 'has an extension that is not allowed']]);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Xurrent's upload key template has a literal ${filename}.
    const key = keyTemplate.replace('${filename}', file.filename);
    store.files.set(key, {
      key,
      name: file.filename,
      data: file.data,
      mimetype: fields.get('Content-Type') ?? file.mimetype,
    });
    store.pendingUploads.delete(keyTemplate);
    return { status: 200, json: { key } };
  }

  /** A signed attachment URI: no credentials, refused once expired or tampered with. */
  function download(req: SimRequest): SimResponse {
    const path = req.path;
    const expires = Number(req.query.get('X-4me-Expiration'));
    const verdict = signer.verify(path, expires, req.query.get('X-4me-Signature') ?? '', now());
    if (verdict !== 'ok')
      return {
        status: 403,
        headers: { 'content-type': 'text/plain' },
        raw: Buffer.from(verdict === 'expired' ? 'Link expired' : 'Invalid signature'),
      };
    const file = store.files.get(decodeURIComponent(req.params.key ?? ''));
    if (!file) return xurrentNotFound;
    return {
      status: 200,
      headers: { 'content-type': file.mimetype, 'content-disposition': `attachment; filename="${file.name}"` },
      raw: file.data,
    };
  }

  const routes: SimRoute[] = [
    {
      method: 'GET',
      path: '/v1/me',
      handle: (req) => ({
        status: 200,
        json: {
          ...render.person(caller(req).personId),
          primary_email: 'api@simulator.example',
          disabled: false,
          account: { id: account, name: account },
        },
      }),
    },
    {
      method: 'GET',
      path: '/v1/services',
      handle: (req) =>
        list(req, [...store.services.values()], (s) => ({
          id: s.id,
          name: s.name,
          nodeID: nodeId('Service', s.id),
          disabled: false,
        })),
    },
    {
      method: 'GET',
      path: '/v1/service_instances',
      handle: (req) => list(req, [...store.serviceInstances.values()], serviceInstance),
    },
    {
      method: 'GET',
      path: '/v1/service_instances/:id',
      handle: (req) => {
        const si = store.serviceInstances.get(Number(req.params.id));
        return si ? { status: 200, json: serviceInstance(si) } : xurrentNotFound;
      },
    },
    ...(['/v1/services/:id/service_instances', '/v1/services/:id/service_instances/active'] as const).map(
      (path): SimRoute => ({
        method: 'GET',
        path,
        handle: (req) => {
          const serviceId = Number(req.params.id);
          if (!store.services.has(serviceId)) return xurrentNotFound;
          const all = [...store.serviceInstances.values()].filter((si) => si.service_id === serviceId);
          const active = path.endsWith('/active')
            ? all.filter((si) => (si.status ?? 'in_production') !== 'discontinued')
            : all;
          return list(req, active, serviceInstance);
        },
      }),
    ),
    { method: 'GET', path: '/v1/requests', handle: (req) => requests(req) },
    {
      method: 'GET',
      path: '/v1/requests/open',
      handle: (req) => requests(req, (r) => r.fields.status !== 'completed'),
    },
    {
      method: 'GET',
      path: '/v1/requests/completed',
      handle: (req) => requests(req, (r) => r.fields.status === 'completed'),
    },
    {
      method: 'GET',
      path: '/v1/requests/:id',
      handle: (req) => ({ status: 200, json: render.request(findRequest(req)) }),
    },
    {
      method: 'POST',
      path: '/v1/requests',
      handle: (req) => {
        const personId = caller(req).personId;
        const input = readJson(req);
        if (input.source === undefined && header(req, 'x-4me-source')) input.source = header(req, 'x-4me-source');
        const change = store.writeRequest(input, null, personId);
        webhooks.requestChanged(change, true, personId);
        return { status: 201, json: render.request(change.request) };
      },
    },
    ...(['PATCH', 'PUT'] as const).map(
      (method): SimRoute => ({
        method,
        path: '/v1/requests/:id',
        handle: (req) => {
          const existing = findRequest(req);
          const personId = caller(req).personId;
          const change = store.writeRequest(readJson(req), existing, personId);
          webhooks.requestChanged(change, false, personId);
          return { status: 200, json: render.request(change.request) };
        },
      }),
    ),
    ...(
      [
        ['/v1/requests/:id/notes', () => true],
        ['/v1/requests/:id/notes/public', (n: StoredNote) => !n.internal],
        ['/v1/requests/:id/notes/internal', (n: StoredNote) => n.internal],
      ] as const
    ).map(
      ([path, keep]): SimRoute => ({
        method: 'GET',
        path,
        handle: (req) => {
          const request = findRequest(req);
          const notes = request.notes.filter(keep).sort((a, b) => b.id - a.id);
          return list(req, notes, (n) => render.note(request, n));
        },
      }),
    ),
    { method: 'POST', path: '/v1/requests/:id/trash', handle: trashRequest },
    { method: 'POST', path: '/v1/requests/:id/restore', handle: restoreRequest },
    {
      method: 'POST',
      path: '/v1/requests/:id/notes',
      handle: (req) => {
        const request = findRequest(req);
        const personId = caller(req).personId;
        const note = store.addNote(request, readJson(req), personId);
        webhooks.requestChanged({ request, notes: [note], previousStatus: request.fields.status }, false, personId);
        // "Create a note" answers the new note's id and nothing else.
        return { status: 201, json: { id: note.id } };
      },
    },
    { method: 'GET', path: '/v1/attachments/storage', handle: storage },
    { method: 'POST', path: '/v1/attachments/upload', handle: upload },
    webhookListRoute({
      webhooks: () => webhooks.list(),
      isAdmin: (req) => caller(req).role === 'admin',
      forbidden: xurrentError(403, 'Forbidden'),
      list,
      time: () => render.time(now())!,
    }),
    { method: 'GET', path: '/sim-files/:key', anonymous: true, handle: download },
    ...(['GET', 'POST'] as const).map(
      (method): SimRoute => ({
        method,
        path: '/webhooks/:id/verify',
        anonymous: true,
        handle: (req) => {
          const verdict = webhooks.verify(Number(req.params.id), req.query.get('code'));
          if (verdict === 'unknown') return xurrentNotFound;
          if (verdict === 'expired') return xurrentError(410, 'The verification link has expired');
          return { status: 200, json: { message: 'Webhook verified' } };
        },
      }),
    ),
  ];

  return {
    routes,
    faults: deps.faults,
    admit,
    notFound: () => xurrentNotFound,
    serverError: (status) => xurrentError(status, 'Internal Server Error'),
    throttled: (retryAfter) => {
      stats.throttled += 1;
      return { ...xurrentError(429, 'Too Many Requests'), headers: { 'retry-after': String(retryAfter) } };
    },
  };
}
