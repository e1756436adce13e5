/**
 * The sync engine's entry point: all that the use-cases (src/app), the node protocol (src/node), the poller and the
 * service use of src/sync. The rest of the folder is the engine's own (test/layering.test.ts holds callers
 * to this file).
 */
export type { SyncDeps } from './deps.ts';
export { SyncEngine } from './engine.ts';
export {
  messageKinds,
  type MessageKind,
  type OutgoingMessage,
  type PeerAddress,
  type PullAnswer,
  type SyncTransport,
} from './transport.ts';
/** Change detection: the webhook receiver, and the queue use-cases add to (a bulk sync, a retry, a new trigger). */
export { type WebhookOutcome, webhookOutcomes, webhookRoutes } from './webhook-intake.ts';
export { cursorFrom, enqueueChange } from './store.ts';
/** The node protocol's side of the inbox and outbox: message intake, and the pull side of a private connection. */
export { markPulledUpTo, messagesAfterId, outgoingMessageOf, storeReceived } from './store.ts';
export { carryRequestId } from './request-trace.ts';
/** A rule test run gets what a sync run gets: the entity as the scripts see it, and the run's inputs. */
export { annotate, normalizeReplica } from './annotate.ts';
export { ruleInputsOf } from './rule-inputs.ts';
export { twinByLocal } from './store.ts';
/** Pacing the poller shares with the engine. */
export { forEachLimited, retryDelayMs } from './retry.ts';
/** What waits for an entity and in the queue: the ticket and queue views. */
export {
  type WaitingItem,
  lastDeliveredOf,
  lastSyncOfEntity,
  longestWaiting,
  releaseBackoffs,
  remoteNameOf,
  senderStateOf,
  type StageCount,
  stageCounts,
  twinByLocalKey,
  waitingForEntity,
} from './store.ts';
/** Pairs an admin links (`entities connect`) or unlinks: both sides record it through a signed message. */
export { linkConflict, linkPairs, unlinkPair } from './links.ts';
/** Whether a trigger (or any active one of a connection) selects an entity: the ticket view, links and lookups. */
export { sharedByTriggers, triggerSelects } from './trigger-match.ts';
export { twinByRemote, unlinkedBy } from './store.ts';
