import type { Mode } from './connection.ts';
import type { Platform } from './instance.ts';

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

/** The acceptor's side of the handshake, sent to the initiating node with the code. */
export interface AcceptHandshake {
  code: string;
  acceptor: {
    /** The acceptor's instance URL, or null for a private side that cannot be called. */
    url: string | null;
    nodeUrl: string | null;
    connectionId: string;
    platform: Platform;
    name: string;
  };
}

export interface AcceptHandshakeResult {
  initiatorConnectionId: string;
  initiatorName: string;
  acceptedAt: string;
}

/** How use-cases reach other DeskBridge nodes; src/node implements it over HTTP. */
export interface RemoteNodes {
  fetchInstanceInfo(instanceUrl: string): Promise<RemoteInstanceInfo>;
  acceptInvitation(nodeUrl: string, handshake: AcceptHandshake): Promise<AcceptHandshakeResult>;
}
