/** Column builders the areas of the schema share, so a column that means the same thing is declared the same way. */
import { sql } from 'drizzle-orm';
import { integer, text } from 'drizzle-orm/sqlite-core';

export const createdAt = () =>
  integer('created_at', { mode: 'timestamp_ms' }).notNull().default(sql`(unixepoch() * 1000)`);

export const timestamp = (name: string) => integer(name, { mode: 'timestamp_ms' });

export const chatPlatform = () => text('platform', { enum: ['slack', 'teams'] }).notNull();
