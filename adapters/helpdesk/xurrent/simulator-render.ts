import type { UrlSigner } from '../simulator-kit/signed-urls.ts';
import { formatWithOffset } from '../timestamps.ts';
import type {
  StoredNote,
  StoredRequest,
  XurrentNamed,
  XurrentServiceInstance,
  XurrentStore,
} from './simulator-store.ts';

/** Xurrent's JSON shapes of what the store holds: references with `nodeID`, requests, notes, signed attachment URIs. */

/** Every field a request shows (write-only ones excluded); absent values are null, as Xurrent sends them. */
const requestFields = [
  'id',
  'subject',
  'category',
  'impact',
  'status',
  'completion_reason',
  'closure_code',
  'team',
  'member',
  'service_instance',
  'requested_by',
  'requested_for',
  'created_by',
  'organization',
  'template',
  'workflow',
  'problem',
  'project',
  'supplier',
  'supplier_requestID',
  'source',
  'sourceID',
  'custom_fields',
  'attachments',
  'next_target_at',
  'response_target_at',
  'resolution_target_at',
  'requester_resolution_target_at',
  'desired_completion_at',
  'downtime_start_at',
  'downtime_end_at',
  'waiting_until',
  'completed_at',
  'created_at',
  'updated_at',
  'grouping',
  'grouped_into',
  'major_incident_status',
  'urgent',
  'reopen_count',
  'assignment_count',
  'addressed',
  'reviewed',
  'satisfaction',
  'feedback',
  'knowledge_article',
  'time_spent',
  'time_spent_effort_class',
  'planned_effort',
  'product_backlog',
  'product_backlog_position',
  'agile_board',
  'agile_board_column',
  'agile_board_column_position',
  'provider_not_accountable',
  'reservation',
  'rfc_type',
  'new_assignment',
  'support_domain',
  'ci',
  'checked_items',
  'summary',
  'task',
  'nodeID',
] as const;

/** Xurrent's GraphQL node id, as the REST API shows it: base64url of `4me.com/<Type>/<id>`. */
export function nodeId(type: string, id: number | string): string {
  return Buffer.from(`4me.com/${type}/${id}`).toString('base64url');
}

export interface XurrentRendererDeps {
  store: XurrentStore;
  now(): number;
  /** The account's time zone offset (`-06:00`). */
  timezoneOffset: string;
  signer: UrlSigner;
  attachmentUrlTtlSeconds: number;
  /** The simulator's own URL, known once it listens. */
  baseUrl(): string;
}

export class XurrentRenderer {
  constructor(private readonly deps: XurrentRendererDeps) {}

  /** A timestamp in the account's offset, or null. */
  time(ms: number | null | undefined): string | null {
    return typeof ms === 'number' ? formatWithOffset(ms, this.deps.timezoneOffset) : null;
  }

  person(id: unknown): Record<string, unknown> | null {
    const person = this.deps.store.people.get(Number(id));
    if (!person) return null;
    return {
      id: person.id,
      name: person.name,
      ...(person.sourceID ? { sourceID: person.sourceID } : {}),
      ...(person.account ? { account: person.account } : {}),
      nodeID: nodeId('Person', person.id),
    };
  }

  named(type: string, map: Map<number, XurrentNamed>, id: unknown): Record<string, unknown> | null {
    const item = map.get(Number(id));
    return item ? { id: item.id, name: item.name, nodeID: nodeId(type, item.id) } : null;
  }

  team(id: unknown): Record<string, unknown> | null {
    return this.named('Team', this.deps.store.teams, id);
  }

  serviceInstanceRef(id: unknown): Record<string, unknown> | null {
    const si = this.deps.store.serviceInstances.get(Number(id));
    return si
      ? {
          id: si.id,
          name: si.name,
          localized_name: si.localized_name ?? si.name,
          nodeID: nodeId('ServiceInstance', si.id),
        }
      : null;
  }

  serviceInstance(si: XurrentServiceInstance): Record<string, unknown> {
    return {
      ...this.serviceInstanceRef(si.id),
      status: si.status ?? 'in_production',
      service: this.named('Service', this.deps.store.services, si.service_id),
    };
  }

  attachment(key: string, inline: boolean): Record<string, unknown> | null {
    const file = this.deps.store.files.get(key);
    if (!file) return null;
    const path = `/sim-files/${encodeURIComponent(key)}`;
    const expires = Math.floor(this.deps.now() / 1000) + this.deps.attachmentUrlTtlSeconds;
    return {
      name: file.name,
      key,
      uri: `${this.deps.baseUrl()}${path}?X-4me-Expiration=${expires}&X-4me-Signature=${this.deps.signer.sign(path, expires)}`,
      inline,
      size: file.data.length,
    };
  }

  request(r: StoredRequest): Record<string, unknown> {
    const f = r.fields;
    const body: Record<string, unknown> = Object.fromEntries(requestFields.map((name) => [name, null]));
    Object.assign(body, {
      id: r.id,
      nodeID: nodeId('Req', r.id),
      subject: f.subject ?? null,
      category: f.category ?? null,
      impact: f.impact ?? null,
      status: f.status,
      completion_reason: f.completion_reason ?? null,
      team: this.team(f.team_id),
      member: this.person(f.member_id),
      service_instance: this.serviceInstanceRef(f.service_instance_id),
      requested_by: this.person(f.requested_by_id),
      requested_for: this.person(f.requested_for_id),
      created_by: this.person(f.created_by_id),
      source: f.source ?? null,
      sourceID: f.sourceID ?? null,
      supplier_requestID: f.supplier_requestID ?? null,
      custom_fields: r.custom_fields,
      attachments: r.notes
        .flatMap((n) => n.attachmentKeys.filter((a) => !a.inline).map((a) => this.attachment(a.key, a.inline)))
        .filter(Boolean),
      next_target_at: f.status === 'completed' ? null : 'best_effort',
      desired_completion_at: this.time(f.desired_completion_at as number | undefined),
      waiting_until: this.time(f.waiting_until as number | undefined),
      completed_at: this.time(f.completed_at as number | undefined),
      created_at: this.time(r.created_at),
      updated_at: this.time(r.updated_at),
      grouping: 'none',
      urgent: f.urgent === true,
      reopen_count: Number(f.reopen_count ?? 0),
      assignment_count: Number(f.assignment_count ?? 0),
      addressed: false,
      reviewed: false,
      provider_not_accountable: false,
      new_assignment: false,
      checked_items: [],
    });
    return body;
  }

  note(r: StoredRequest, n: StoredNote): Record<string, unknown> {
    const account = this.deps.store.account;
    return {
      id: n.id,
      text: n.text,
      medium: n.medium,
      internal: n.internal,
      person: this.person(n.personId),
      request: { id: r.id, subject: r.fields.subject ?? null },
      account: { id: account, name: account },
      internal_account: n.internal ? { id: account, name: account } : null,
      inbound_email: null,
      created_at: this.time(n.created_at),
      attachments: n.attachmentKeys.map((a) => this.attachment(a.key, a.inline)).filter(Boolean),
      nodeID: nodeId('Note', n.id),
    };
  }
}
