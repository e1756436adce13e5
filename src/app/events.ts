/**
 * Things that happened which other parts of the node react to (a chat adapter updating an invitation message when
 * the partner accepts through the node protocol). Listeners run after the change is committed; a failing listener
 * never undoes or fails the use-case.
 */
export type AppEvent = {
  type: 'connection.accepted';
  connectionId: string;
  acceptorName: string;
  acceptorUrl: string | null;
  at: Date;
};

type Listener = (event: AppEvent) => void | Promise<void>;

export class AppEvents {
  readonly #listeners = new Set<Listener>();
  #onError: (error: unknown, event: AppEvent) => void = () => {};

  /** Where listener failures go (the logger, in the service). */
  reportErrorsTo(onError: (error: unknown, event: AppEvent) => void): void {
    this.#onError = onError;
  }

  on(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(event: AppEvent): void {
    for (const listener of this.#listeners) {
      try {
        const result = listener(event);
        if (result instanceof Promise) result.catch((error: unknown) => this.#onError(error, event));
      } catch (error) {
        this.#onError(error, event);
      }
    }
  }
}
