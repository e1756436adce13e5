import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level, so equal replicas hash equally whatever order a script built them in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/**
 * What identifies a replica's content. The twin ids (`remoteId`) of comments and attachments are left out: an ack
 * adds them without anything having changed for the other side, which knows those pairs already.
 */
export function replicaHash(replica: Record<string, unknown>): string {
  const content: Record<string, unknown> = { ...replica };
  for (const list of ['comments', 'attachments']) {
    const items = replica[list];
    if (Array.isArray(items)) {
      content[list] = items.map((item) => {
        if (item === null || typeof item !== 'object') return item;
        const { remoteId: _remoteId, ...rest } = item as Record<string, unknown>;
        return rest;
      });
    }
  }
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}
