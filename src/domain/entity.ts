import type { Platform } from './instance.ts';

/**
 * The hub model: one shape for a ticket (Freshdesk, Freshservice) or a request (Xurrent), which connectors read and
 * write and which sync scripts see as `entity`. Dates are ISO-8601 strings (UTC). A replica is the JSON a script
 * builds from an entity; it travels between nodes as is.
 */
export interface HubUser {
  id: string | null;
  email: string | null;
  displayName: string | null;
}

export interface HubOption {
  /** The helpdesk's code (Freshdesk status 2, Xurrent "assigned"); null when only the name is known. */
  id: string | number | null;
  name: string;
}

export interface HubComment {
  /** The helpdesk's id of the note; empty for a note an incoming sync added that the connector has yet to create. */
  id: string;
  body: string;
  author: HubUser | null;
  internal: boolean;
  created: string;
  updated: string | null;
  /** The id of the remote comment this one was created from, when the sync created it. */
  remoteId?: string | null;
}

export interface HubAttachment {
  /** The helpdesk's id; empty for a file an incoming sync added that the connector has yet to upload. */
  id: string;
  filename: string;
  mimetype: string;
  filesize: number;
  created: string | null;
  /** Where the bytes can be read (may expire); the sync engine downloads through the connector. */
  url?: string | null;
  /** sha256 of the bytes, when known; used to avoid sending the same file twice. */
  hash?: string | null;
  remoteId?: string | null;
}

export interface Entity {
  platform: Platform;
  /** The helpdesk's id, as text (Freshdesk "1234", Xurrent "70001"). */
  id: string;
  /** What people call it: Freshdesk/Freshservice "#1234", Xurrent the request id. */
  key: string;
  summary: string;
  description: string;
  status: HubOption | null;
  priority: HubOption | null;
  type: string | null;
  labels: string[];
  reporter: HubUser | null;
  assignee: HubUser | null;
  comments: HubComment[];
  attachments: HubAttachment[];
  customFields: Record<string, unknown>;
  created: string;
  updated: string;
  /** Platform fields scripts may read and set directly (`entity.group_id`, `entity.serviceId`, `entity.category`). */
  native: Record<string, unknown>;
}

export type Replica = Record<string, unknown>;

/** The platform fields a script may use as `entity.<name>`, beyond the hub fields. */
export const nativeFields: Record<Platform, readonly string[]> = {
  freshdesk: [
    'group_id',
    'responder_id',
    'company_id',
    'requester_id',
    'source',
    'product_id',
    'email',
    'due_by',
    'fr_due_by',
  ],
  freshservice: [
    'group_id',
    'workspace_id',
    'department_id',
    'responder_id',
    'requester_id',
    'source',
    'category',
    'sub_category',
    'item_category',
    'urgency',
    'impact',
    'email',
    'due_by',
    // Ticket planning fields: every ticket api.freshservice.com shows in its newer answers carries them
    // ("planned_start_date": null, "planned_end_date": null, "planned_effort": null, Update a ticket with major
    // incident details, text copy github.com/ktj709/API-scraping-freshservice@30b0a43 data/raw_freshservice_docs.json).
    'planned_start_date',
    'planned_end_date',
    'planned_effort',
  ],
  xurrent: [
    'serviceId',
    'serviceInstanceId',
    'category',
    'team',
    'teamId',
    'memberId',
    'requested_for',
    'requested_by',
    'template',
    'impact',
  ],
};

/**
 * Crash markers: written into an entity the sync creates, so a replay finds it, and keyed to the pair
 * (src/sync/creation-marker.ts), so a node restored from an older backup knows it made it. They never travel:
 * Freshdesk and Freshservice carry them as a tag (searchable); for Xurrent the engine writes MARKER_FIELD as a custom
 * field, which its connector keeps in the request's source/sourceID (adapters/helpdesk/xurrent/marker.ts).
 */
export const MARKER_PREFIX = 'deskbridge-';
export const MARKER_FIELD = 'deskbridge_marker';
