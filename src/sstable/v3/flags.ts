/**
 * The flag bits of the 3.x row format (§5.4, §5.8), shared by the reader and the writer.
 * Sources: 3.11 UnfilteredSerializer (unfiltered flags and extended flags), Cell.Serializer (cell flags).
 */

// unfiltered flags
export const END_OF_PARTITION = 0x01;
export const IS_MARKER = 0x02;
export const HAS_TIMESTAMP = 0x04;
export const HAS_TTL = 0x08;
export const HAS_DELETION = 0x10;
export const HAS_ALL_COLUMNS = 0x20;
export const HAS_COMPLEX_DELETION = 0x40;
export const EXTENSION_FLAG = 0x80;
// extended flags
export const IS_STATIC = 0x01;

// cell flags
export const CELL_IS_DELETED = 0x01;
export const CELL_IS_EXPIRING = 0x02;
export const CELL_HAS_EMPTY_VALUE = 0x04;
export const CELL_USE_ROW_TIMESTAMP = 0x08;
export const CELL_USE_ROW_TTL = 0x10;
