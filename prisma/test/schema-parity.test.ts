import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from '../src/config';
import { migrate, readMigrations } from '../src/migrate';
import { openSqlConnection, type SqlConnection } from '../src/sql-connection';
import { stores } from './support/stores';

/**
 * schema.prisma and the SQL migrations are written separately (the CLI that would diff them
 * cannot run here). This checks that every scalar field of every model has a column of a
 * matching type and nullability in the migrated database, and that no column is unknown
 * to the schema.
 */

const SQL_TYPE: Record<string, string> = {
  String: 'text',
  Int: 'integer',
  DateTime: 'timestamp with time zone',
  Json: 'jsonb',
  Boolean: 'boolean',
};

interface Column {
  table: string;
  column: string;
  type: string;
  nullable: boolean;
}

function columnsFromSchema(): Column[] {
  const schema = fs.readFileSync(path.join(MIGRATIONS_DIR, '..', 'schema.prisma'), 'utf8');
  const columns: Column[] = [];
  for (const [, body] of schema.matchAll(/^model \w+ \{([^}]*)\}/gm)) {
    const table = /@@map\("(\w+)"\)/.exec(body!)?.[1];
    if (!table) throw new Error('every model maps to a snake_case table with @@map');
    for (const line of body!.split('\n')) {
      const field = /^\s+(\w+)\s+(\w+)(\??)(\[\])?(.*)$/.exec(line);
      if (!field) continue;
      const [, name, type, optional, list, rest] = field;
      if (list || !(type! in SQL_TYPE)) continue; // relation fields have no column
      const column = /@map\("(\w+)"\)/.exec(rest!)?.[1] ?? name!;
      columns.push({ table, column, type: SQL_TYPE[type!]!, nullable: optional === '?' });
    }
  }
  return columns;
}

describe.each(stores)('schema.prisma matches the migrated $name database', (store) => {
  let db: SqlConnection;
  beforeAll(async () => {
    db = await openSqlConnection(await store.fresh());
    await migrate(db, readMigrations(MIGRATIONS_DIR));
  });
  afterAll(() => db.close());

  it('has the same columns, types and nullability', async () => {
    const expected = columnsFromSchema();
    const tables = [...new Set(expected.map((c) => c.table))];
    const rows = await db.query<{ table: string; column: string; type: string; nullable: string }>(
      `SELECT table_name AS "table", column_name AS "column", data_type AS "type", is_nullable AS "nullable"
         FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ANY($1)`,
      [tables],
    );
    const actual = rows.map((r) => ({
      table: r.table,
      column: r.column,
      type: r.type,
      nullable: r.nullable === 'YES',
    }));
    const key = (c: Column) => `${c.table}.${c.column}`;
    expect(actual.sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
      expected.sort((a, b) => key(a).localeCompare(key(b))),
    );
  });
});
