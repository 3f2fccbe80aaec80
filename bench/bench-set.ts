/**
 * The `mc` bench data set (../shared/bench/README.md) as the newer benches address it: where its table
 * directory is from bench/ or dist-bench/bench/, its schema, and the reference figure of Cassandra's
 * own reader on it.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** the project root, from bench/ or from dist-bench/bench/ */
export const PROJECT_ROOT = existsSync(join(here, '..', 'package.json')) ? resolve(here, '..') : resolve(here, '..', '..');
export const MC_TABLE_DIR = join(PROJECT_ROOT, '..', 'shared', 'bench', 'mc-lz4-mixed', 'bench', 'events_mixed-61eac2c44d0411e8b3379579ee5f66fb');
export const MC_SCHEMA = `CREATE TABLE bench.events_mixed (
    id uuid, ts timestamp,
    title text, qty int, total bigint, price double, active boolean,
    tags set<text>, attrs map<text, int>, payload blob,
    PRIMARY KEY (id, ts))`;
/** MB/s of compressed Data.db, median pass of Cassandra's reader on `mc` */
export const REF_MBPS = 83.3;
/** "now" of the benches' reads (no TTL in the set expires either way) */
export const NOW_IN_SEC = 1_700_000_000;
