import type { Message } from './model.ts';
import type { Effect } from './replies.ts';

type TrackProgress = Extract<Effect, { kind: 'track-progress' }>;

/**
 * Keeps a posted progress message current: every `intervalMs` it reads the job and, when the reading changed (or the
 * job is done), updates the message through the platform's `update`. It stops when the job is done or `timeoutMs`
 * has passed; a failed read stops it, a failed update is reported and tried again at the next tick. The timer does
 * not keep the process alive. Each chat adapter posts the first reading itself, then hands over to this.
 */
export function followProgress(
  effect: TrackProgress,
  first: Message,
  update: (message: Message) => Promise<void>,
  warn: (error: unknown, what: 'poll' | 'update') => void,
): void {
  const until = Date.now() + effect.timeoutMs;
  let last = JSON.stringify(first);
  const tick = async (): Promise<void> => {
    let reading: ReturnType<TrackProgress['poll']>;
    try {
      reading = effect.poll();
    } catch (error) {
      warn(error, 'poll');
      return;
    }
    const rendered = JSON.stringify(reading.message);
    if (rendered !== last || reading.done) {
      try {
        await update(reading.message);
        last = rendered;
      } catch (error) {
        warn(error, 'update');
      }
    }
    if (!reading.done && Date.now() < until) schedule();
  };
  const schedule = () => {
    setTimeout(() => void tick(), effect.intervalMs).unref();
  };
  schedule();
}
