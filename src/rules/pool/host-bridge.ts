/**
 * The synchronous host call: scripts run synchronously, but a user lookup or an httpClient request is answered by
 * the main thread, asynchronously. The worker posts the request, blocks on Atomics.wait over the shared control
 * block, and reads the answer with receiveMessageOnPort; the pool runs the handler, posts the answer and notifies.
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import {
  errorFromWire,
  HOST_SIGNAL,
  type HostAnswer,
  type HostCalls,
  type HostKind,
  type UpMessage,
} from './protocol.ts';

/** The worker's side: one per worker. `onWaited` learns how long each call blocked (the run's clock skips it). */
export class HostBridge {
  #call = 0;

  constructor(
    private readonly control: Int32Array,
    private readonly up: MessagePort,
    private readonly down: MessagePort,
    private readonly maxWaitMs: number,
    private readonly onWaited: (ms: number) => void,
  ) {}

  call<K extends HostKind>(run: number, kind: K, payload: HostCalls[K]['payload']): HostCalls[K]['answer'] {
    const call = ++this.#call;
    const started = performance.now();
    // Cleared before the request leaves: an answer can then only set it after this point.
    Atomics.store(this.control, HOST_SIGNAL, 0);
    this.up.postMessage({ t: 'host', call, run, kind, payload } satisfies UpMessage);
    try {
      for (;;) {
        const received = receiveMessageOnPort(this.down);
        if (received) {
          const answer = received.message as HostAnswer;
          // An answer to an earlier call this worker stopped waiting for: dropped.
          if (answer.call !== call) continue;
          if (answer.ok) return answer.value as HostCalls[K]['answer'];
          throw errorFromWire(answer.error);
        }
        const left = this.maxWaitMs - (performance.now() - started);
        if (left <= 0) throw new Error(`the node did not answer the script's ${kind} call in ${this.maxWaitMs} ms`);
        Atomics.wait(this.control, HOST_SIGNAL, 0, left);
        Atomics.store(this.control, HOST_SIGNAL, 0);
      }
    } finally {
      this.onWaited(performance.now() - started);
    }
  }
}

/** The pool's side: hands the answer over and wakes the waiting worker. */
export function answerHostCall(down: MessagePort, control: Int32Array, answer: HostAnswer): void {
  down.postMessage(answer);
  Atomics.store(control, HOST_SIGNAL, 1);
  Atomics.notify(control, HOST_SIGNAL);
}
