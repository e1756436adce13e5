import type { Mode } from './connection.ts';
import type { Platform } from './instance.ts';
import type { SignedInvitationTerms } from './invitation.ts';

/** What `GET {instance URL}` tells about an instance on another (or this) DeskBridge node. */
export interface RemoteInstanceInfo {
  url: string;
  /** Base URL of that node's `/v1` protocol endpoints. */
  nodeUrl: string;
  name: string;
  platform: Platform;
  /** The configuration modes that instance can take part in. */
  modes: Mode[];
  protocol: number;
}

export const PROTOCOL_VERSION = 1;

/**
 * The acceptor's side of the handshake, sent to the initiating node: the code's terms and signature (never its
 * secret), who accepts, and the acceptor's public key, MACed with the invitation's key (see key-exchange.ts).
 */
export interface AcceptHandshake {
  invitation: SignedInvitationTerms;
  acceptor: {
    /** The acceptor's instance URL, or null for a private side that cannot be called. */
    url: string | null;
    nodeUrl: string | null;
    connectionId: string;
    platform: Platform;
    name: string;
  };
  exchange: { publicKey: string; proof: string };
}

export interface AcceptHandshakeResult {
  initiatorConnectionId: string;
  initiatorName: string;
  acceptedAt: string;
  /** The initiator's public key with its MAC, and a MAC under the connection key: both sides hold the same key. */
  exchange: { publicKey: string; proof: string; keyConfirmation: string };
}

/**
 * The initiator's call back to the destination a code is bound to: "are you the one accepting, with this key?".
 * Only the node that started that acceptance has it on record and can answer with the right proof.
 */
export interface AcceptanceConfirmRequest {
  initiatorConnectionId: string;
  acceptorConnectionId: string;
  destinationUrl: string;
  acceptorPublicKey: string;
  nonce: string;
  proof: string;
}

export interface AcceptanceConfirmAnswer {
  confirmed: true;
  proof: string;
}

/** Where a connection's other node is and the key its requests are signed with. */
export interface PeerConnection {
  key: Buffer;
  nodeUrl: string;
  remoteConnectionId: string;
}

/**
 * `entities connect` asks the other node about its tickets before linking: by key, or by subject. Subjects travel as
 * SHA-256 digests of the normalised text, and the other node answers only for its recent tickets whose subject has
 * one of them: a partner learns of no ticket whose subject it did not already have. At most 200 a request.
 */
export type PeerEntityQuery = { keys: string[] } | { subjects: string[] };

/** One ticket as the other node answers about it: found or not, and whether it is linked on that connection. */
export interface PeerEntity {
  /** The key asked about (in a subjects answer, the ticket's own key). */
  key: string;
  found: boolean;
  entityId: string | null;
  entityKey: string | null;
  /** In a subjects answer, the digest the ticket's subject has; null otherwise. */
  subject: string | null;
  linked: boolean;
}

/** How use-cases reach other DeskBridge nodes; src/node implements it over HTTP. */
export interface RemoteNodes {
  /** Asks a connection's other node about its tickets (a signed request). */
  lookupEntities(peer: PeerConnection, query: PeerEntityQuery): Promise<PeerEntity[]>;
  fetchInstanceInfo(instanceUrl: string): Promise<RemoteInstanceInfo>;
  acceptInvitation(nodeUrl: string, handshake: AcceptHandshake): Promise<AcceptHandshakeResult>;
  confirmAcceptance(nodeUrl: string, request: AcceptanceConfirmRequest): Promise<AcceptanceConfirmAnswer>;
}
