/**
 * The schema of a fixture expectation's table: from its own schema tables for the pcass-me sets
 * (which ship them), from the expectation's CQL otherwise.
 */
import { join } from 'node:path';
import { locateTable } from '../../src/catalog/locate.js';
import { resolveSchema } from '../../src/catalog/schema.js';
import { parseCqlSchema } from '../../src/schema/cql-ddl.js';
import type { TableSchema } from '../../src/schema/model.js';
import type { Expectation } from '../conformance/expectations.js';
import { FIXTURES_ROOT } from './fixtures.js';

/** @throws Error when the expectation names no table its schema defines */
export async function fixtureTableSchema(e: Expectation, nowInSec: number): Promise<TableSchema> {
  let schema: TableSchema | undefined;
  if (e.fixture.startsWith('pcass-me/')) {
    const loc = await locateTable(e.sstables.map((s) => join(FIXTURES_ROOT, e.fixture, s)));
    schema = (await resolveSchema(loc, { nowInSec })).schema;
  } else {
    const tables = parseCqlSchema(e.schema.cql, { defaultKeyspace: e.keyspace }).tables;
    schema = tables.find((x) => x.keyspace === e.keyspace && x.table === e.table) ?? tables.find((x) => x.table === e.table) ?? (tables.length === 1 ? tables[0] : undefined);
  }
  if (schema === undefined) throw new Error(`${e.file}: no table ${e.keyspace}.${e.table}`);
  return schema;
}
