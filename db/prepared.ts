import type { DbOrTx } from './client.ts';

/**
 * Queries prepared once per database connection. Building a query with drizzle and preparing it in SQLite cost more
 * than running it, so the queries that run on every request or every synced entity are built here once.
 *
 * Keyed by the drizzle session, which a database and its transactions share: a statement prepared once runs inside
 * whichever transaction is open on that connection.
 */
export function preparedPerDatabase<D extends DbOrTx, T>(build: (db: D) => T): (db: D) => T {
  const cache = new WeakMap<object, T>();
  return (db) => {
    const key = (db as unknown as { session: object }).session;
    let found = cache.get(key);
    if (!found) {
      found = build(db);
      cache.set(key, found);
    }
    return found;
  };
}
