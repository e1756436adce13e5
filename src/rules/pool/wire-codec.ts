/**
 * How entities and replicas cross to and from the rule workers: as flat arrays rather than objects, so the structured
 * clone writes no property names and rebuilds no object per comment. Copying a ticket with 20 comments costs the
 * main thread about half as much this way (bench/rules.bench.ts measures the pool). Lossless: `unpackEntity(
 * packEntity(e))` equals `e` (absent optional fields stay absent) and `unpackReplica(packReplica(r))` equals `r`, key
 * order included; a replica's comment or attachment list is packed only when every item has exactly the keys the
 * interpreter writes, otherwise it travels as it is.
 */
import type { Entity, HubAttachment, HubComment, HubOption, HubUser, Replica } from '../../domain/entity.ts';
import type { Platform } from '../../domain/instance.ts';

export type PackedEntity = unknown[];
/** The replica with its packed lists left as they were (their place keeps the key order), and the packed lists. */
export type PackedReplica = [Replica, unknown[] | null, unknown[] | null];

const COMMENT_FIELDS = 10;
const ATTACHMENT_FIELDS = 8;

function packOption(o: HubOption | null, out: unknown[]): void {
  if (o === null) out.push(null, null);
  else out.push(o.id, o.name);
}

function unpackOption(id: unknown, name: unknown): HubOption | null {
  return name === null ? null : { id: id as HubOption['id'], name: name as string };
}

function packUser(u: HubUser | null, out: unknown[]): void {
  if (u === null) out.push(false, null, null, null);
  else out.push(true, u.id, u.email, u.displayName);
}

function unpackUser(p: unknown[], i: number): HubUser | null {
  if (!p[i]) return null;
  return { id: p[i + 1] as string | null, email: p[i + 2] as string | null, displayName: p[i + 3] as string | null };
}

function packComments(comments: readonly HubComment[]): unknown[] {
  const out: unknown[] = [];
  // An absent optional field stays undefined (the clone keeps it), and is absent again on the other side.
  for (const c of comments) {
    out.push(c.id, c.body, c.internal, c.created, c.updated, c.remoteId);
    packUser(c.author, out);
  }
  return out;
}

function unpackComments(p: unknown[]): HubComment[] {
  const out: HubComment[] = [];
  for (let i = 0; i < p.length; i += COMMENT_FIELDS) {
    const c: HubComment = {
      id: p[i] as string,
      body: p[i + 1] as string,
      author: unpackUser(p, i + 6),
      internal: p[i + 2] as boolean,
      created: p[i + 3] as string,
      updated: p[i + 4] as string | null,
    };
    if (p[i + 5] !== undefined) c.remoteId = p[i + 5] as string | null;
    out.push(c);
  }
  return out;
}

function packAttachments(attachments: readonly HubAttachment[]): unknown[] {
  const out: unknown[] = [];
  for (const a of attachments) out.push(a.id, a.filename, a.mimetype, a.filesize, a.created, a.url, a.hash, a.remoteId);
  return out;
}

function unpackAttachments(p: unknown[]): HubAttachment[] {
  const out: HubAttachment[] = [];
  for (let i = 0; i < p.length; i += ATTACHMENT_FIELDS) {
    const a: HubAttachment = {
      id: p[i] as string,
      filename: p[i + 1] as string,
      mimetype: p[i + 2] as string,
      filesize: p[i + 3] as number,
      created: p[i + 4] as string | null,
    };
    if (p[i + 5] !== undefined) a.url = p[i + 5] as string | null;
    if (p[i + 6] !== undefined) a.hash = p[i + 6] as string | null;
    if (p[i + 7] !== undefined) a.remoteId = p[i + 7] as string | null;
    out.push(a);
  }
  return out;
}

export function packEntity(e: Entity): PackedEntity {
  const out: unknown[] = [e.platform, e.id, e.key, e.summary, e.description];
  packOption(e.status, out);
  packOption(e.priority, out);
  out.push(e.type, e.labels);
  packUser(e.reporter, out);
  packUser(e.assignee, out);
  out.push(packComments(e.comments), packAttachments(e.attachments), e.customFields, e.created, e.updated, e.native);
  return out;
}

export function unpackEntity(p: PackedEntity): Entity {
  return {
    platform: p[0] as Platform,
    id: p[1] as string,
    key: p[2] as string,
    summary: p[3] as string,
    description: p[4] as string,
    status: unpackOption(p[5], p[6]),
    priority: unpackOption(p[7], p[8]),
    type: p[9] as string | null,
    labels: p[10] as string[],
    reporter: unpackUser(p, 11),
    assignee: unpackUser(p, 15),
    comments: unpackComments(p[19] as unknown[]),
    attachments: unpackAttachments(p[20] as unknown[]),
    customFields: p[21] as Record<string, unknown>,
    created: p[22] as string,
    updated: p[23] as string,
    native: p[24] as Record<string, unknown>,
  };
}

// The keys, in order, of the comments, users and attachments the interpreter writes into a replica.
const replicaCommentKeys = ['id', 'body', 'author', 'internal', 'created', 'updated', 'remoteId'] as const;
const userKeys = ['id', 'email', 'displayName'] as const;
const replicaAttachmentKeys = ['id', 'filename', 'mimetype', 'filesize', 'created', 'url', 'hash', 'remoteId'] as const;

function hasExactly(o: unknown, keys: readonly string[]): o is Record<string, unknown> {
  if (o === null || typeof o !== 'object' || Object.getPrototypeOf(o) !== Object.prototype) return false;
  let i = 0;
  for (const k in o) {
    if (k !== keys[i]) return false;
    i++;
  }
  return i === keys.length;
}

function packReplicaComments(list: unknown): unknown[] | null {
  if (!Array.isArray(list) || list.length === 0) return null;
  const out: unknown[] = [];
  for (const c of list) {
    if (!hasExactly(c, replicaCommentKeys)) return null;
    const author = c['author'];
    if (author !== null && !hasExactly(author, userKeys)) return null;
    out.push(c['id'], c['body'], c['internal'], c['created'], c['updated'], c['remoteId']);
    packUser(author as HubUser | null, out);
  }
  return out;
}

function unpackReplicaComments(p: unknown[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < p.length; i += COMMENT_FIELDS) {
    out.push({
      id: p[i],
      body: p[i + 1],
      author: unpackUser(p, i + 6),
      internal: p[i + 2],
      created: p[i + 3],
      updated: p[i + 4],
      remoteId: p[i + 5],
    });
  }
  return out;
}

function packReplicaAttachments(list: unknown): unknown[] | null {
  if (!Array.isArray(list) || list.length === 0) return null;
  const out: unknown[] = [];
  for (const a of list) {
    if (!hasExactly(a, replicaAttachmentKeys)) return null;
    for (const k of replicaAttachmentKeys) out.push(a[k]);
  }
  return out;
}

function unpackReplicaAttachments(p: unknown[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < p.length; i += ATTACHMENT_FIELDS) {
    out.push({
      id: p[i],
      filename: p[i + 1],
      mimetype: p[i + 2],
      filesize: p[i + 3],
      created: p[i + 4],
      url: p[i + 5],
      hash: p[i + 6],
      remoteId: p[i + 7],
    });
  }
  return out;
}

export function packReplica(r: Replica): PackedReplica {
  const comments = packReplicaComments(r['comments']);
  const attachments = packReplicaAttachments(r['attachments']);
  if (!comments && !attachments) return [r, null, null];
  const rest: Replica = { ...r };
  if (comments) rest['comments'] = null;
  if (attachments) rest['attachments'] = null;
  return [rest, comments, attachments];
}

export function unpackReplica([rest, comments, attachments]: PackedReplica): Replica {
  if (!comments && !attachments) return rest;
  if (comments) rest['comments'] = unpackReplicaComments(comments);
  if (attachments) rest['attachments'] = unpackReplicaAttachments(attachments);
  return rest;
}
