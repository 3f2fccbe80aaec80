/**
 * A schema synthesized from a 3.x SerializationHeader alone, for tables dumped without any schema.
 * Key and clustering column names follow Cassandra's sstabledump (tools/Util.metadataFromSSTable):
 * "PartitionKey", and "clustering", "clustering1", "clustering2", ...; the components of a composite
 * partition key become "PartitionKey", "PartitionKey1", ... (sstabledump keeps them in one column).
 */
import type { SerializationHeader } from '../sstable/io/statistics.js';
import type { CqlType } from '../sstable/types/model.js';
import type { ColumnDef, TableSchema } from './model.js';

export function schemaFromHeader(
  header: SerializationHeader,
  keyspace: string,
  table: string,
  parseMarshal: (s: string) => CqlType,
): TableSchema {
  const keyType = parseMarshal(header.keyType);
  const keyTypes = keyType.kind === 'composite' ? keyType.components : [keyType];
  const partitionKey: ColumnDef[] = keyTypes.map((type, i) => ({ name: i === 0 ? 'PartitionKey' : `PartitionKey${i}`, type, kind: 'partition_key', position: i }));
  const clustering: ColumnDef[] = header.clusteringTypes.map((t, i) => ({ name: i === 0 ? 'clustering' : `clustering${i}`, type: parseMarshal(t), kind: 'clustering', position: i }));
  const columns: ColumnDef[] = [
    ...header.staticColumns.map((c): ColumnDef => ({ name: c.name, type: parseMarshal(c.type), kind: 'static', position: -1 })),
    ...header.regularColumns.map((c): ColumnDef => ({ name: c.name, type: parseMarshal(c.type), kind: 'regular', position: -1 })),
  ];
  return { keyspace, table, id: null, partitionKey, clustering, columns, flavour: 'cql', isCounter: columns.some((c) => c.type.kind === 'native' && c.type.name === 'counter'), dropped: new Map(), fromHeader: true };
}
