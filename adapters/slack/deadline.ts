/** Slack wants an answer within 3 s; work that might take longer is answered with a placeholder and finished after. */
export const ANSWER_WITHIN_MS = 2_000;

export type Raced<T> = { done: true; value: T } | { done: false; later: Promise<T> };

export async function withinDeadline<T>(work: Promise<T>, ms: number = ANSWER_WITHIN_MS): Promise<Raced<T>> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  const wrapped = work.then((value) => ({ value }));
  try {
    const first = await Promise.race([wrapped, late]);
    return first === 'late' ? { done: false, later: work } : { done: true, value: first.value };
  } finally {
    clearTimeout(timer);
  }
}
