/** The chat platforms DeskBridge is governed from. */
export const chatPlatforms = ['slack', 'teams'] as const;
export type ChatPlatform = (typeof chatPlatforms)[number];

/**
 * Who is acting in chat: the chat adapter fills this from the platform payload (and, for `isWorkspaceAdmin`, from the
 * platform's user directory: Slack users.info is_admin/is_owner). The flows and authorization decide from it alone.
 */
export interface ChatActor {
  platform: ChatPlatform;
  /** Slack team id, Teams tenant id: the user's own workspace (a partner's differs from ours). */
  tenantId: string;
  userId: string;
  displayName: string;
  isWorkspaceAdmin: boolean;
}

/**
 * The audit-log form of an actor (`slack:T123/U456`, `teams:<tenant>/<aad object id>`); other actors write
 * `<source>:<name>` (`cli:alice`, `node:<url>`). `parseActorRef` reads both back.
 */
export function actorRef(actor: Pick<ChatActor, 'platform' | 'tenantId' | 'userId'>): string {
  return `${actor.platform}:${actor.tenantId}/${actor.userId}`;
}

/** An actor reference read back: a chat user, or an actor of another kind (the CLI, a partner node). */
export type ActorRefParts =
  | { kind: 'chat'; platform: ChatPlatform; tenantId: string; userId: string }
  | { kind: 'other'; source: string; name: string };

const sourcePattern = /^[a-z][a-z0-9-]{0,31}$/;

function isChatPlatform(source: string): source is ChatPlatform {
  return (chatPlatforms as readonly string[]).includes(source);
}

/**
 * The one reader of actor references. A chat reference splits at its first `/` (Slack team ids and Entra tenant ids
 * never hold one): what follows is the user, whatever it holds. Anything else (no source, an unknown shape, a chat
 * reference without a tenant or a user) is null: callers show it as stored and never address anyone by it.
 */
export function parseActorRef(ref: string): ActorRefParts | null {
  const colon = ref.indexOf(':');
  if (colon < 0) return null;
  const source = ref.slice(0, colon);
  const rest = ref.slice(colon + 1);
  if (!sourcePattern.test(source) || rest === '') return null;
  if (!isChatPlatform(source)) return { kind: 'other', source, name: rest };
  const slash = rest.indexOf('/');
  if (slash <= 0 || slash === rest.length - 1) return null;
  return { kind: 'chat', platform: source, tenantId: rest.slice(0, slash), userId: rest.slice(slash + 1) };
}

/** The chat user a reference names, or null when it names none (the CLI, a node, a malformed reference). */
export function chatUserOfRef(ref: string): Pick<ChatActor, 'platform' | 'tenantId' | 'userId'> | null {
  const parts = parseActorRef(ref);
  return parts?.kind === 'chat' ? { platform: parts.platform, tenantId: parts.tenantId, userId: parts.userId } : null;
}

/**
 * A reference as a person reads it where no mention can be made: the user's id (`U2`), the CLI user's name, the
 * node's URL; a reference that does not parse, as stored.
 */
export function actorRefLabel(ref: string): string {
  const parts = parseActorRef(ref);
  if (!parts) return ref;
  return parts.kind === 'chat' ? parts.userId : parts.name;
}
