/** CQL types: marshal/CQL type strings, fixed lengths, JSON value codecs, comparators, counters. */
export * from './model.js';
export { parseMarshalType, freeze, MARSHAL_PACKAGE } from './marshal-parser.js';
export { formatMarshalType } from './marshal-format.js';
export { formatCqlType, maybeQuote } from './cql-format.js';
export { fixedLength } from './fixed-length.js';
export {
  decodeJson, jsonDecoder, jsonRangeDecoder, decodeCollectionJson, jsonCellsDecoder, type CollectionCell,
} from './json-codec.js';
export type { RangeDecoder } from './native-decode.js';
export { encodeJson } from './json-encode.js';
export { compareValues, type Comparator } from './compare.js';
export { counterContextValue, mergeCounterContexts } from './counter.js';
