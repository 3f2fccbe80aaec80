/**
 * The fixed definitions of the schema and node tables, so that a decoder can bootstrap schema discovery
 * (§10): 3.11 `SchemaKeyspace` (system_schema.*) and `SystemKeyspace` (system.local, system.peers), and
 * 2.1 `CFMetaData` (system.schema_*; system.local and system.peers have the same columns in 2.1).
 * 3.0 lacks `cdc` in system_schema.tables and views; reading a 3.0 file, its serialization header
 * decides which columns are present.
 */
import { parseCqlSchema } from './cql-ddl.js';
import type { TableSchema } from './model.js';

const SCHEMA_3X = `
CREATE TABLE system_schema.keyspaces (
  keyspace_name text, durable_writes boolean, replication frozen<map<text, text>>,
  PRIMARY KEY ((keyspace_name)));
CREATE TABLE system_schema.tables (
  keyspace_name text, table_name text, bloom_filter_fp_chance double, caching frozen<map<text, text>>,
  comment text, compaction frozen<map<text, text>>, compression frozen<map<text, text>>, crc_check_chance double,
  dclocal_read_repair_chance double, default_time_to_live int, extensions frozen<map<text, blob>>,
  flags frozen<set<text>>, gc_grace_seconds int, id uuid, max_index_interval int, memtable_flush_period_in_ms int,
  min_index_interval int, read_repair_chance double, speculative_retry text, cdc boolean,
  PRIMARY KEY ((keyspace_name), table_name));
CREATE TABLE system_schema.columns (
  keyspace_name text, table_name text, column_name text, clustering_order text, column_name_bytes blob,
  kind text, position int, type text,
  PRIMARY KEY ((keyspace_name), table_name, column_name));
CREATE TABLE system_schema.dropped_columns (
  keyspace_name text, table_name text, column_name text, dropped_time timestamp, type text,
  PRIMARY KEY ((keyspace_name), table_name, column_name));
CREATE TABLE system_schema.triggers (
  keyspace_name text, table_name text, trigger_name text, options frozen<map<text, text>>,
  PRIMARY KEY ((keyspace_name), table_name, trigger_name));
CREATE TABLE system_schema.views (
  keyspace_name text, view_name text, base_table_id uuid, base_table_name text, where_clause text,
  bloom_filter_fp_chance double, caching frozen<map<text, text>>, comment text, compaction frozen<map<text, text>>,
  compression frozen<map<text, text>>, crc_check_chance double, dclocal_read_repair_chance double,
  default_time_to_live int, extensions frozen<map<text, blob>>, gc_grace_seconds int, id uuid,
  include_all_columns boolean, max_index_interval int, memtable_flush_period_in_ms int, min_index_interval int,
  read_repair_chance double, speculative_retry text, cdc boolean,
  PRIMARY KEY ((keyspace_name), view_name));
CREATE TABLE system_schema.indexes (
  keyspace_name text, table_name text, index_name text, kind text, options frozen<map<text, text>>,
  PRIMARY KEY ((keyspace_name), table_name, index_name));
CREATE TABLE system_schema.types (
  keyspace_name text, type_name text, field_names frozen<list<text>>, field_types frozen<list<text>>,
  PRIMARY KEY ((keyspace_name), type_name));
CREATE TABLE system_schema.functions (
  keyspace_name text, function_name text, argument_types frozen<list<text>>, argument_names frozen<list<text>>,
  body text, language text, return_type text, called_on_null_input boolean,
  PRIMARY KEY ((keyspace_name), function_name, argument_types));
CREATE TABLE system_schema.aggregates (
  keyspace_name text, aggregate_name text, argument_types frozen<list<text>>, final_func text, initcond text,
  return_type text, state_func text, state_type text,
  PRIMARY KEY ((keyspace_name), aggregate_name, argument_types));
`;

const NODE_TABLES = `
CREATE TABLE system.local (
  key text, bootstrapped text, broadcast_address inet, cluster_name text, cql_version text, data_center text,
  gossip_generation int, host_id uuid, listen_address inet, native_protocol_version text, partitioner text,
  rack text, release_version text, rpc_address inet, schema_version uuid, thrift_version text,
  tokens set<varchar>, truncated_at map<uuid, blob>,
  PRIMARY KEY ((key)));
CREATE TABLE system.peers (
  peer inet, data_center text, host_id uuid, preferred_ip inet, rack text, release_version text,
  rpc_address inet, schema_version uuid, tokens set<varchar>,
  PRIMARY KEY ((peer)));
`;

/** 2.1 CFMetaData.Schema*Cf; schema_keyspaces is a static COMPACT table (cells carry raw column names). */
const SCHEMA_2X = `
CREATE TABLE system.schema_keyspaces (
  keyspace_name text PRIMARY KEY, durable_writes boolean, strategy_class text, strategy_options text
) WITH COMPACT STORAGE;
CREATE TABLE system.schema_columnfamilies (
  keyspace_name text, columnfamily_name text, cf_id uuid, type text, is_dense boolean, comparator text,
  subcomparator text, comment text, read_repair_chance double, local_read_repair_chance double,
  gc_grace_seconds int, default_validator text, key_validator text, min_compaction_threshold int,
  max_compaction_threshold int, memtable_flush_period_in_ms int, key_aliases text, bloom_filter_fp_chance double,
  caching text, default_time_to_live int, compaction_strategy_class text, compression_parameters text,
  value_alias text, column_aliases text, compaction_strategy_options text, speculative_retry text,
  index_interval int, min_index_interval int, max_index_interval int, dropped_columns map<text, bigint>,
  PRIMARY KEY (keyspace_name, columnfamily_name));
CREATE TABLE system.schema_columns (
  keyspace_name text, columnfamily_name text, column_name text, validator text, index_type text,
  index_options text, index_name text, component_index int, type text,
  PRIMARY KEY (keyspace_name, columnfamily_name, column_name));
CREATE TABLE system.schema_usertypes (
  keyspace_name text, type_name text, field_names list<text>, field_types list<text>,
  PRIMARY KEY (keyspace_name, type_name));
`;

const NODES = parseCqlSchema(NODE_TABLES).tables;
const BUILTIN_3X: readonly TableSchema[] = [...parseCqlSchema(SCHEMA_3X).tables, ...NODES];
const BUILTIN_2X: readonly TableSchema[] = [...parseCqlSchema(SCHEMA_2X).tables, ...NODES];

/** Every built-in definition: 3.x system_schema.* and system.{local,peers}, then 2.x system.schema_*. */
export function builtinTables(): TableSchema[] {
  return [...BUILTIN_3X, ...BUILTIN_2X.filter((t) => t.table.startsWith('schema_'))];
}

/** The fixed definition of a schema or node table for the family that wrote the files. */
export function findBuiltinTable(keyspace: string, table: string, family: '2.x' | '3.x'): TableSchema | undefined {
  return (family === '3.x' ? BUILTIN_3X : BUILTIN_2X).find((t) => t.keyspace === keyspace && t.table === table);
}
