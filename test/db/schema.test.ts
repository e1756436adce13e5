import { is } from 'drizzle-orm';
import { getTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../db/client.ts';
import * as schema from '../../db/schema/index.ts';
import { tempDir } from '../support/nodes.ts';

/**
 * Issue 19: the schema is a folder, one file per area, and `db/schema/index.ts` is what the code and drizzle-kit
 * (drizzle.config.ts) read. A table declared in an area file but not re-exported would have no migration and no
 * queries: the service would start and then fail with "no such table". These tests hold the folder, the index and
 * the committed migrations together.
 */
const schemaDir = join(import.meta.dirname, '../../db/schema');

function tablesOf(module: Record<string, unknown>): Map<string, SQLiteTable> {
  const tables = new Map<string, SQLiteTable>();
  for (const value of Object.values(module)) {
    if (is(value, SQLiteTable)) tables.set(getTableConfig(value).name, value);
  }
  return tables;
}

const indexed = tablesOf(schema);

const dir = tempDir('deskbridge-schema-');
const db = openDatabase(join(dir, 'deskbridge.db'));
afterAll(() => {
  db.$client.close();
  rmSync(dir, { recursive: true, force: true });
});

function rows<T>(query: string): T[] {
  return db.$client.prepare(query).all() as T[];
}

describe('the schema folder', () => {
  it('re-exports from its index every table each area file declares, each declared once', async () => {
    const areaFiles = readdirSync(schemaDir).filter((file) => file.endsWith('.ts') && file !== 'index.ts');
    const declaredIn = new Map<string, string[]>();
    for (const file of areaFiles) {
      const area = (await import(join(schemaDir, file))) as Record<string, unknown>;
      for (const [name, table] of tablesOf(area)) {
        expect(indexed.get(name), `${name} (db/schema/${file}) is missing from db/schema/index.ts`).toBe(table);
        declaredIn.set(name, [...(declaredIn.get(name) ?? []), file]);
      }
    }
    expect([...declaredIn].filter(([, files]) => files.length > 1)).toEqual([]);
    expect([...declaredIn.keys()].sort()).toEqual([...indexed.keys()].sort());
    expect(indexed.size).toBe(36);
  });
});

describe('a database migrated from db/migrations', () => {
  it('has exactly the tables of the schema', () => {
    const created = rows<{ name: string }>(
      "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '__drizzle%'",
    ).map((t) => t.name);
    expect(created.sort()).toEqual([...indexed.keys()].sort());
  });

  it('has the columns (with their NOT NULL), the indexes and the foreign keys each table declares', () => {
    for (const [name, table] of indexed) {
      const config = getTableConfig(table);
      const columns = rows<{ name: string; notnull: number }>(`pragma table_info("${name}")`);
      expect(Object.fromEntries(columns.map((c) => [c.name, c.notnull === 1])), `columns of ${name}`).toEqual(
        Object.fromEntries(config.columns.map((c) => [c.name, c.notNull])),
      );

      const created = rows<{ name: string }>(`pragma index_list("${name}")`)
        .map((i) => i.name)
        .filter((index) => !index.startsWith('sqlite_autoindex_'));
      const declared = [
        ...config.indexes.map((i) => i.config.name),
        ...config.columns.filter((c) => c.isUnique).map((c) => c.uniqueName ?? `${name}_${c.name}_unique`),
      ];
      expect(created.sort(), `indexes of ${name}`).toEqual(declared.sort());

      const references = rows<{ table: string; from: string; to: string; on_delete: string }>(
        `pragma foreign_key_list("${name}")`,
      ).map((fk) => `${fk.from} -> ${fk.table}.${fk.to} on delete ${fk.on_delete.toLowerCase()}`);
      const declaredReferences = config.foreignKeys.map((fk) => {
        const ref = fk.reference();
        const target = getTableConfig(ref.foreignTable).name;
        return `${ref.columns[0]!.name} -> ${target}.${ref.foreignColumns[0]!.name} on delete ${fk.onDelete ?? 'no action'}`;
      });
      expect(references.sort(), `foreign keys of ${name}`).toEqual(declaredReferences.sort());
    }
  });

  it('refuses a row that breaks a declared foreign key, and keeps nothing of it', () => {
    const insert = () =>
      db.insert(schema.connections).values({
        id: 'c1',
        instanceId: 'no-such-instance',
        role: 'initiator',
        name: 'Orphan',
        localShortName: 'a',
        remoteShortName: 'b',
        mode: 'basic',
        status: 'pending',
      });
    expect(() => insert().run()).toThrow(/FOREIGN KEY constraint failed/);
    expect(db.select().from(schema.connections).all()).toEqual([]);
  });
});
