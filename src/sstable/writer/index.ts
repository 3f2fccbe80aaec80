/** SSTable writer (format `me`): see writer.ts. */
export { writeSSTable, partitionKeyBytes } from './writer.js';
export * from './model.js';
export { murmur3x64_128 } from './bloom-filter.js';
