/** The sample data directory generator (README quick start, tests, benchmarks). */
export { writeSampleDataDir, sampleExpectedRows, sampleSchemas, DEFAULT_SAMPLE_ROWS, type SampleOptions } from './sample.js';
export { SAMPLE_KEYSPACE, SAMPLE_CQL, SAMPLE_WRITE_TIME } from './tables.js';
export type { ExpectedRow } from './expected.js';
