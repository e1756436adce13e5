/**
 * The one home of the database schema, one file per area; everything that reads or writes a table imports it from
 * here, and drizzle-kit reads it from here too (drizzle.config.ts), so the migrations and the running code see the
 * same tables. Migrations in db/migrations are generated from it with `npm run db:generate` and committed; they are
 * applied at start. Secrets live only in `*_enc` columns (AES-256-GCM, see src/secrets.ts) or as hashes.
 */
export * from './chat.ts';
export * from './core.ts';
export * from './node.ts';
export * from './poller.ts';
export * from './rules.ts';
export * from './sync.ts';
export * from './teams.ts';
