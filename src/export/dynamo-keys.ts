/**
 * How a Cassandra primary key becomes a DynamoDB key (dms-formats.md §2.2): the partition key gives the
 * DynamoDB partition key, the clustering columns the sort key.
 * - one column: the attribute keeps the column's name;
 * - several columns: one string attribute (KeyOptions.partitionKeyName / sortKeyName) whose value is
 *   the components' CSV texts joined by KeyOptions.separator, e.g. "${a}#${b}" in the DMS template.
 * DMS maps a non-composite primary key by itself; any other key needs explicit partition-key-name /
 * sort-key-name with attribute-mappings, whose values DMS writes as strings (type S) [U: no number
 * sub-type is documented, so numeric clustering keys sort as text].
 */
import { AgentError } from '../errors.js';
import type { TableSchema } from '../schema/model.js';
import type { KeyOptions } from './options.js';

export interface DynamoKeyAttribute {
  /** DynamoDB attribute name */
  readonly name: string;
  /** source columns, in key order */
  readonly columns: readonly string[];
  /** the DMS attribute-mapping template, e.g. "${a}#${b}" */
  readonly template: string;
}

export interface DynamoKeyPlan {
  readonly partitionKey: DynamoKeyAttribute;
  readonly sortKey: DynamoKeyAttribute | null;
  /** true when DMS needs partition-key-name/sort-key-name and attribute-mappings (key attributes become S) */
  readonly explicit: boolean;
  readonly separator: string;
}

function attribute(columns: readonly string[], compositeName: string, sep: string): DynamoKeyAttribute {
  const name = columns.length === 1 ? (columns[0] ?? compositeName) : compositeName;
  return { name, columns, template: columns.map((c) => '${' + c + '}').join(sep) };
}

/** @throws AgentError E_SCHEMA when a composite key attribute name is also a column name */
export function dynamoKeyPlan(schema: TableSchema, keys: KeyOptions): DynamoKeyPlan {
  const pk = schema.partitionKey.map((c) => c.name);
  const ck = schema.clustering.map((c) => c.name);
  const partitionKey = attribute(pk, keys.partitionKeyName, keys.separator);
  const sortKey = ck.length === 0 ? null : attribute(ck, keys.sortKeyName, keys.separator);
  const columnNames = new Set([...pk, ...ck, ...schema.columns.map((c) => c.name)]);
  for (const [attr, n] of [[partitionKey, pk.length], [sortKey, ck.length]] as const) {
    if (attr !== null && n > 1 && columnNames.has(attr.name)) {
      throw new AgentError('E_SCHEMA', `${schema.keyspace}.${schema.table}: the DynamoDB key attribute "${attr.name}" is also a column name; choose another partitionKeyName/sortKeyName`);
    }
  }
  return { partitionKey, sortKey, explicit: pk.length + ck.length > 1, separator: keys.separator };
}
