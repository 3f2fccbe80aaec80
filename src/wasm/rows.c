// The per-row work of extracting ONE 3.x SSTable, compiled to WebAssembly (scripts/build-wasm.sh):
// decompressed Data.db bytes in, the CSV records of its live rows out, byte for byte what the
// TypeScript path gives (v3/live-rows.ts decoding, export/csv-fast.ts encoding, and the DynamoDB
// pre-check of tasks/extract-checks.ts). src/wasm/engine.ts drives it and builds its plan.
//
// It never throws and never guesses. It stops with a status:
//   NEED_MORE  the next structure is not complete in the bytes given (or the bytes are all used);
//   OUT_FULL   the next record does not fit in the output area (nothing of it is kept);
//   DECLINE    the structure at `consumed` is one it does not do exactly (a value its writers do
//              not cover, a row the DynamoDB pre-check cannot clear, anything malformed): the
//              TypeScript path decodes that one structure, with the partition state exported here,
//              and gives the exact records or its own precise error;
//   RANGE_END  a partition starts at or after the range's end.
// Every read is bounds-checked: against the bytes given before a structure's size is known (then
// NEED_MORE), against the row's end after (then DECLINE).
//
// Format facts: docs/cassandra-format.md §5 (UnfilteredSerializer, Cell.Serializer, ClusteringPrefix
// serialization, SerializationHeader deltas), as decoded by src/sstable/v3.
#include <stdint.h>
#include <stddef.h>

typedef uint8_t u8;
typedef int64_t i64;
typedef uint64_t u64;
typedef int32_t i32;
typedef uint32_t u32;

// the small helpers are inlined: a call between wasm functions is not inlined by V8, and costs more
// than most of them
#define INLINE static inline __attribute__((always_inline))
#define memcpy __builtin_memcpy
#define memmove __builtin_memmove

enum { NEED_MORE = 0, OUT_FULL = 1, DECLINE = 2, RANGE_END = 3 };

// writer kinds (plan.ts KIND_CODES, from csv-fast-values.ts FieldKind): CSV fields and JSON collection elements
enum {
  K_NONE = 0, K_TEXT = 1, K_HEX_PREFIX = 2, K_HEX = 3, K_INT4 = 4, K_INT2 = 5, K_INT1 = 6, K_BIGINT = 7,
  K_DOUBLE = 8, K_UUID = 9, K_BOOL = 10, K_TS_SPACE = 11, K_TS_ISO = 12, K_DATE = 13, K_INET4 = 14, K_TIME = 15,
};
enum { C_NONE = 0, C_LIST = 1, C_SET = 2, C_MAP = 3 };
enum { S_PK = 0, S_CLUSTERING = 1, S_REGULAR = 2, S_ABSENT = 3 };
#define F_SCAN 1
#define F_TEXTUAL 2
#define F_EMPTY_FORM 4
#define F_REAL4 8
#define F_REAL8 16

#define MAX_COLS 1024
#define MAX_CELLS 16384
#define I64_MIN ((i64)0x8000000000000000ULL)
#define NO_DELETION_TIME 0x7fffffff
#define NO_TTL 0
#define EXPIRED_LIVENESS_TTL 0x7fffffff

// ---- the plan (engine.ts writes it; words are little-endian int32) ----
static i32 nClustering, nRegulars, nFields, nPk, pkComposite;
static i32 minLdt, minTtl, nowInSec, quoteAll, budget;
static i64 minTs;
static u8 delim;
static const u8 *marker; static i32 markerLen;
static const u8 *rowDelim; static i32 rowDelimLen;
static const u8 *trueText; static i32 trueLen;
static const u8 *falseText; static i32 falseLen;
static i32 clusteringFixed[MAX_COLS];
static i32 regOrdinal[MAX_COLS], regComplex[MAX_COLS], regFixed[MAX_COLS], regHasDrop[MAX_COLS];
static i64 regDrop[MAX_COLS];
static i32 fSource[MAX_COLS], fAt[MAX_COLS], fKind[MAX_COLS], fColl[MAX_COLS], fEl1[MAX_COLS], fEl2[MAX_COLS], fFlags[MAX_COLS];

/** 1 for the bytes that make a CSV field need quotes: '"', CR, LF, the delimiter */
static u8 SPECIAL[256];
/** 1 for the bytes a JSON string does not hold as they are: controls, '"', '\\', non-ASCII */
static u8 JSON_ESCAPED[256];
/** the text writer copied a special byte (ByteWriter.special) */
static int fieldSpecial;

/** the fields of REALn columns (the DynamoDB pre-check reads their values) */
static i32 realFields[MAX_COLS], nReals;

// ---- figures (engine.ts reads them) ----
static u32 maxBytes[MAX_COLS];
static u32 zeroLengthValues, markerCollisions, rowsOut;

// ---- state kept across calls: the partition being read ----
static i32 inPart;
static u8 key[65536]; static i32 keyLen;
static i64 partDel, openDel;
static i32 pkStart[MAX_COLS], pkEnd[MAX_COLS]; static i32 pkParts;

// ---- results of the last feed ----
static u32 consumedAt, outLen, recordCount;

// ---- the row being decoded: offsets into the input ----
static i32 cluStart[MAX_COLS], cluLen[MAX_COLS];
static i32 valStart[MAX_COLS], valLen[MAX_COLS]; // per regular (header order); valStart < 0: null
static i32 cellFirst[MAX_COLS], cellCount[MAX_COLS];
static i32 cPath[MAX_CELLS], cPathLen[MAX_CELLS], cVal[MAX_CELLS], cValLen[MAX_CELLS];

static const u8 *in;
static u8 *out; static u32 op, cap;

static uint16_t HEX16[256];
static u8 DIG2[200];

static i32 rd32(const i32 *w) { return *w; }

void init(const i32 *w) {
  for (int i = 0; i < 256; i++) {
    const char *h = "0123456789abcdef";
    HEX16[i] = (uint16_t)((u8)h[i >> 4] | (u8)h[i & 15] << 8);
  }
  for (int i = 0; i < 100; i++) { DIG2[2 * i] = (u8)('0' + i / 10); DIG2[2 * i + 1] = (u8)('0' + i % 10); }
  const u8 *base = (const u8 *)w;
  int k = 0;
  nClustering = rd32(w + k++); nRegulars = rd32(w + k++); nFields = rd32(w + k++); nPk = rd32(w + k++);
  pkComposite = rd32(w + k++); minLdt = rd32(w + k++); minTtl = rd32(w + k++); nowInSec = rd32(w + k++);
  u32 lo = (u32)rd32(w + k++); u32 hi = (u32)rd32(w + k++); minTs = (i64)((u64)hi << 32 | lo);
  delim = (u8)rd32(w + k++); quoteAll = rd32(w + k++); budget = rd32(w + k++);
  marker = base + rd32(w + k); markerLen = rd32(w + k + 1); k += 2;
  rowDelim = base + rd32(w + k); rowDelimLen = rd32(w + k + 1); k += 2;
  trueText = base + rd32(w + k); trueLen = rd32(w + k + 1); k += 2;
  falseText = base + rd32(w + k); falseLen = rd32(w + k + 1); k += 2;
  for (int i = 0; i < nClustering; i++) clusteringFixed[i] = rd32(w + k++);
  for (int i = 0; i < nRegulars; i++) {
    regOrdinal[i] = rd32(w + k++); regComplex[i] = rd32(w + k++); regFixed[i] = rd32(w + k++); regHasDrop[i] = rd32(w + k++);
    u32 dlo = (u32)rd32(w + k++); u32 dhi = (u32)rd32(w + k++); regDrop[i] = (i64)((u64)dhi << 32 | dlo);
  }
  for (int i = 0; i < nFields; i++) {
    fSource[i] = rd32(w + k++); fAt[i] = rd32(w + k++); fKind[i] = rd32(w + k++); fColl[i] = rd32(w + k++);
    fEl1[i] = rd32(w + k++); fEl2[i] = rd32(w + k++); fFlags[i] = rd32(w + k++);
    maxBytes[i] = 0;
  }
  for (int i = 0; i < 256; i++) {
    SPECIAL[i] = i == '"' || i == '\r' || i == '\n' || i == delim;
    JSON_ESCAPED[i] = i < 0x20 || i == '"' || i == '\\' || i >= 0x80;
  }
  nReals = 0;
  for (int f = 0; f < nFields; f++) if ((fFlags[f] & (F_REAL4 | F_REAL8)) && fSource[f] == S_REGULAR) realFields[nReals++] = f;
  zeroLengthValues = 0; markerCollisions = 0; rowsOut = 0; inPart = 0; keyLen = 0; fieldSpecial = 0;
}

// ---- exports for the driver ----
u32 consumed(void) { return consumedAt; }
u32 outLength(void) { return outLen; }
u32 records(void) { return recordCount; }
i32 insidePartition(void) { return inPart; }
const u8 *partitionKey(void) { return key; }
i32 partitionKeyLength(void) { return keyLen; }
u32 partitionDeletionLo(void) { return (u32)(u64)partDel; }
u32 partitionDeletionHi(void) { return (u32)((u64)partDel >> 32); }
u32 openDeletionLo(void) { return (u32)(u64)openDel; }
u32 openDeletionHi(void) { return (u32)((u64)openDel >> 32); }
/** After the TypeScript path decoded a declined structure: the open range tombstone it left. */
void setOpenDeletion(u32 lo, u32 hi) { openDel = (i64)((u64)hi << 32 | lo); }
u32 *figures(void) { return maxBytes; }
u32 zeroLengths(void) { return zeroLengthValues; }
u32 collisions(void) { return markerCollisions; }
u32 rowCount(void) { return rowsOut; }

// ---- reading ----
// A vint (§5.2): the first byte's leading ones count the extra bytes. 0 on success, -1 past `lim`.
INLINE int uvint(u32 *p, u32 lim, u64 *v) {
  if (*p >= lim) return -1;
  u8 b0 = in[*p];
  if (b0 < 0x80) { *v = b0; *p += 1; return 0; }
  int extra = __builtin_clz(~((u32)b0 << 24));
  if (*p + 1 + (u32)extra > lim) return -1;
  u64 x = b0 & (0xff >> extra);
  for (int i = 1; i <= extra; i++) x = (x << 8) | in[*p + i];
  *p += 1 + extra;
  *v = x;
  return 0;
}
INLINE i32 be32(const u8 *b) { return (i32)((u32)b[0] << 24 | (u32)b[1] << 16 | (u32)b[2] << 8 | b[3]); }
INLINE i64 be64(const u8 *b) { return (i64)((u64)(u32)be32(b) << 32 | (u32)be32(b + 4)); }

// Eight bytes at a time (SWAR): yes/no answers, exact as such
#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL
INLINE u64 load64(const u8 *b) { u64 x; memcpy(&x, b, 8); return x; }
INLINE u64 zeroByte(u64 v) { return (v - ONES) & ~v & HIGHS; }
INLINE u64 hasByte(u64 x, u8 c) { return zeroByte(x ^ (ONES * c)); }
/** some byte < n (n <= 128) */
INLINE u64 hasLess(u64 x, u8 n) { return (x - ONES * n) & ~x & HIGHS; }

// ---- writing (callers make room first) ----
INLINE void put(u8 c) { out[op++] = c; }
// Copies of a few bytes as loads and stores: memory.copy is a call out of the module in V8 (about
// the cost of copying a hundred bytes), and most copies here are shorter
INLINE void copyn(u8 *d, const u8 *s, u32 n) {
  if (n > 64) { memcpy(d, s, n); return; }
  for (; n >= 8; n -= 8, d += 8, s += 8) { u64 x; memcpy(&x, s, 8); memcpy(d, &x, 8); }
  if (n >= 4) { u32 x; memcpy(&x, s, 4); memcpy(d, &x, 4); d += 4; s += 4; n -= 4; }
  if (n >= 2) { uint16_t x; memcpy(&x, s, 2); memcpy(d, &x, 2); d += 2; s += 2; n -= 2; }
  if (n) *d = *s;
}
INLINE void putn(const u8 *b, u32 n) { copyn(out + op, b, n); op += n; }
INLINE int declen(u32 v) {
  if (v < 10000) return v < 100 ? (v < 10 ? 1 : 2) : v < 1000 ? 3 : 4;
  return v < 1000000 ? (v < 100000 ? 5 : 6) : v < 10000000 ? 7 : 8;
}
/** two digits of v < 100, stored at once */
INLINE void two(u32 v) { memcpy(out + op, DIG2 + 2 * v, 2); op += 2; }
INLINE void uint_n(u32 v, int n) {
  u32 q = op + n; op = q;
  while (n >= 2) { u32 h = v / 100; u32 r = (v - h * 100) * 2; q -= 2; memcpy(out + q, DIG2 + r, 2); v = h; n -= 2; }
  if (n) out[--q] = (u8)('0' + v);
}
// ByteWriter.digits: |v| < 2^53 (17 bytes of room)
INLINE void digits(i64 v) {
  if (v < 0) { put('-'); v = -v; }
  if (v < 100000000) { uint_n((u32)v, declen((u32)v)); return; }
  i64 hi = v / 100000000; u32 lo = (u32)(v - hi * 100000000);
  uint_n((u32)hi, declen((u32)hi)); uint_n(lo, 8);
}
/** The hex digits of four bytes (b[0] in the low byte of v), in text order as a little-endian u64. */
INLINE u64 hex4(u32 v) {
  u64 x = v;
  x = (x | (x << 16)) & 0x0000ffff0000ffffULL;
  x = (x | (x << 8)) & 0x00ff00ff00ff00ffULL;
  u64 n = ((x >> 4) & 0x000f000f000f000fULL) | ((x & 0x000f000f000f000fULL) << 8);
  u64 letters = ((n + 0x0606060606060606ULL) >> 4) & ONES; // 1 where the nibble is above 9
  return n + 0x3030303030303030ULL + letters * 0x27;
}
INLINE void hex(const u8 *b, u32 n) {
  u32 i = 0;
  for (; i + 4 <= n; i += 4) { u32 v; memcpy(&v, b + i, 4); u64 h = hex4(v); memcpy(out + op, &h, 8); op += 8; }
  for (; i + 2 <= n; i += 2) { u32 h = (u32)HEX16[b[i]] | (u32)HEX16[b[i + 1]] << 16; memcpy(out + op, &h, 4); op += 4; }
  if (i < n) { uint16_t h = HEX16[b[i]]; memcpy(out + op, &h, 2); op += 2; }
}
INLINE void hex2(const u8 *b) { u32 h = (u32)HEX16[b[0]] | (u32)HEX16[b[1]] << 16; memcpy(out + op, &h, 4); op += 4; }
INLINE void uuid(const u8 *b) {
  hex2(b); hex2(b + 2); put('-'); hex2(b + 4); put('-'); hex2(b + 6); put('-'); hex2(b + 8); put('-');
  hex2(b + 10); hex2(b + 12); hex2(b + 14);
}
static double floor_(double x) { return __builtin_floor(x); }
static const double P10[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};
// ByteWriter.double: integers below 2^53 (and "-0"), shortDecimal; 0 = not covered (28 bytes of room)
static int dbl(double v) {
  if (v == floor_(v) && v < 9007199254740992.0 && v > -9007199254740992.0) {
    if (v == 0 && __builtin_signbit(v)) { put('-'); put('0'); return 1; }
    digits((i64)v);
    return 1;
  }
  double a = v < 0 ? -v : v;
  if (!(a >= 1e-6 && a < 1e15)) return 0;
  for (int k = 1; k <= 8; k++) {
    double x = a * P10[k];
    if (x >= 1125899906842624.0) return 0;
    double m = floor_(x);
    if (x - m >= 0.5) m += 1; // Math.round of a positive number, exactly (x - floor(x) is exact)
    if (m / P10[k] != a) continue;
    double ip = floor_(m / P10[k]);
    double fr = m - ip * P10[k];
    if (v < 0) put('-');
    digits((i64)ip);
    put('.');
    uint_n((u32)fr, k);
    return 1;
  }
  return 0;
}

// temporal.ts civil (days_from_civil inverse), years 0..9999 only
static i64 lastDay = I64_MIN; static u8 dayText[12];
static int day(i64 days) {
  if (days != lastDay) {
    i64 z = days + 719468;
    i64 era = (z >= 0 ? z : z - 146096) / 146097;
    i64 doe = z - era * 146097;
    i64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    i64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    i64 mp = (5 * doy + 2) / 153;
    i64 d = doy - (153 * mp + 2) / 5 + 1;
    i64 m = mp < 10 ? mp + 3 : mp - 9;
    i64 y = yoe + era * 400 + (m <= 2 ? 1 : 0);
    if (y < 0 || y > 9999) return 0;
    u8 *so = out; u32 sp = op; out = dayText; op = 0;
    uint_n((u32)y, 4); put('-'); uint_n((u32)m, 2); put('-'); uint_n((u32)d, 2);
    out = so; op = sp; lastDay = days;
  }
  putn(dayText, 10);
  return 1;
}
static void hms(u32 secs) {
  u32 h = secs / 3600, m = secs / 60 - h * 60;
  two(h); put(':'); two(m); put(':'); two(secs - (secs / 60) * 60); put('.');
}
// csv-fast-time.ts writeTimestamp (40 bytes of room)
static int timestamp(const u8 *b, int sep, int zulu) {
  i64 ms = be64(b);
  if (ms < -9007199254740992LL || ms >= 9007199254740992LL) return 0;
  i64 days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
  i64 rest = ms - days * 86400000;
  if (!day(days)) return 0;
  put((u8)sep);
  hms((u32)(rest / 1000));
  u32 frac = (u32)(rest % 1000);
  put((u8)('0' + frac / 100)); two(frac % 100);
  if (zulu) put('Z');
  return 1;
}
static int timeOfDay(const u8 *b) {
  i64 ns = be64(b);
  if (ns < 0 || ns >= 86400000000000LL) return 0;
  hms((u32)(ns / 1000000000));
  u32 frac = (u32)(ns % 1000000000);
  uint_n(frac / 10, 8); uint_n(frac % 10, 1);
  return 1;
}

// Length of the well-formed UTF-8 sequence at b[i] (non-ASCII), 0 when malformed (byte-writer.ts)
INLINE int seqLen(const u8 *b, u32 i, u32 e) {
  u8 c = b[i];
  if (c < 0xc2 || c > 0xf4) return 0;
  if (c < 0xe0) return i + 1 < e && (b[i + 1] & 0xc0) == 0x80 ? 2 : 0;
  if (i + 1 >= e) return 0;
  u8 c1 = b[i + 1];
  if (c < 0xf0) {
    u8 lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
    if (c1 < lo || c1 > hi || i + 2 >= e) return 0;
    return (b[i + 2] & 0xc0) == 0x80 ? 3 : 0;
  }
  u8 lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
  if (c1 < lo || c1 > hi || i + 3 >= e) return 0;
  return (b[i + 2] & 0xc0) == 0x80 && (b[i + 3] & 0xc0) == 0x80 ? 4 : 0;
}
static int validUtf8(const u8 *b, u32 n) {
  if (n >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf) return 0;
  for (u32 i = 0; i < n; i++) {
    if (b[i] < 0x80) continue;
    int k = seqLen(b, i, n);
    if (!k) return 0;
    i += k - 1;
  }
  return 1;
}
INLINE int special(u8 c) { return SPECIAL[c]; }

// ---- output room ----
static u32 rowStartOut;
#define ROOM(n) do { if ((u64)op + (u64)(n) > cap) goto out_full; } while (0)

// A CSV field's text (csv-fast-values.ts fieldWriter): 1 written, 0 not covered, -1 no room.
static int field(int kind, const u8 *b, u32 n) {
  switch (kind) {
    case K_TEXT: {
      // ByteWriter.utf8Text: copied while the special bytes (noted for quoting) and non-ASCII bytes
      // (then validated) are looked for
      if ((u64)op + n + 8 > cap) return -1;
      u64 sp = 0, hi = 0;
      u32 i = 0;
      u8 *o = out + op;
      for (; i + 8 <= n; i += 8) {
        u64 x = load64(b + i);
        memcpy(o + i, &x, 8);
        hi |= x;
        sp |= hasByte(x, '"') | hasByte(x, '\r') | hasByte(x, '\n') | hasByte(x, delim);
      }
      for (; i < n; i++) { u8 c = b[i]; o[i] = c; if (c >= 0x80) hi |= HIGHS; if (special(c)) sp = 1; }
      if ((hi & HIGHS) && !validUtf8(b, n)) return 0;
      op += n;
      fieldSpecial = sp != 0;
      return 1;
    }
    case K_HEX_PREFIX: case K_HEX:
      if ((u64)op + 2 * (u64)n + 2 > cap) return -1;
      if (kind == K_HEX_PREFIX) { put('0'); put('x'); }
      hex(b, n);
      return 1;
    default: break;
  }
  if (op + 48 > cap) return -1;
  switch (kind) {
    case K_INT4: if (n != 4) return 0; digits(be32(b)); return 1;
    case K_INT2: if (n != 2) return 0; digits((int16_t)((u32)b[0] << 8 | b[1])); return 1;
    case K_INT1: if (n != 1) return 0; digits((int8_t)b[0]); return 1;
    case K_BIGINT: {
      if (n != 8) return 0;
      i64 v = be64(b);
      if (v < -9007199254740992LL || v >= 9007199254740992LL) return 0;
      digits(v);
      return 1;
    }
    case K_DOUBLE: { if (n != 8) return 0; union { u64 u; double d; } x; x.u = (u64)be64(b); return dbl(x.d); }
    case K_UUID: if (n != 16) return 0; uuid(b); return 1;
    case K_BOOL:
      if (n != 1) return 0;
      if (b[0]) { if ((u64)op + trueLen > cap) return -1; putn(trueText, trueLen); }
      else { if ((u64)op + falseLen > cap) return -1; putn(falseText, falseLen); }
      return 1;
    case K_TS_SPACE: if (n != 8) return 0; return timestamp(b, ' ', 0);
    case K_TS_ISO: if (n != 8) return 0; return timestamp(b, 'T', 1);
    case K_DATE: if (n != 4) return 0; return day((i64)(u32)be32(b) - 2147483648LL);
    case K_INET4:
      if (n != 4) return 0;
      for (int i = 0; i < 4; i++) { if (i) put('.'); digits(b[i]); }
      return 1;
    case K_TIME: if (n != 8) return 0; return timeOfDay(b);
    default: return 0;
  }
}

// Inside an opened CSV quote, JSON text: every '"' doubled and counted
static u32 jsonQuotes;
INLINE void jq(void) { put('"'); put('"'); jsonQuotes++; }

// A JSON collection element (csv-fast-values.ts jsonElementWriter): 1, 0 not covered, -1 no room
static int element(int kind, const u8 *b, u32 n) {
  if (kind == K_TEXT) {
    if ((u64)op + 12 * (u64)n + 4 > cap) return -1;
    if (n >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf) return 0;
    jq();
    // printable ASCII other than '"' and '\\' is copied as is
    u64 esc = 0;
    u32 j = 0;
    for (; j + 8 <= n; j += 8) { u64 x = load64(b + j); esc |= (x & HIGHS) | hasLess(x, 0x20) | hasByte(x, '"') | hasByte(x, '\\'); }
    for (; j < n; j++) esc |= JSON_ESCAPED[b[j]];
    if (!esc) { putn(b, n); jq(); return 1; }
    for (u32 i = 0; i < n; i++) {
      u8 c = b[i];
      if (c >= 0x20 && c < 0x80) {
        if (c == '"') { put('\\'); jq(); continue; }
        if (c == '\\') put('\\');
        put(c);
      } else if (c < 0x20) {
        put('\\');
        if (c == 8) put('b'); else if (c == 9) put('t'); else if (c == 10) put('n'); else if (c == 12) put('f'); else if (c == 13) put('r');
        else { put('u'); put('0'); put('0'); uint16_t h = HEX16[c]; memcpy(out + op, &h, 2); op += 2; }
      } else {
        int k = seqLen(b, i, n);
        if (!k) return 0;
        putn(b + i, k);
        i += k - 1;
      }
    }
    jq();
    return 1;
  }
  if ((u64)op + 2 * (u64)n + 64 > cap) return -1;
  switch (kind) {
    case K_INT4: if (n != 4) return 0; digits(be32(b)); return 1;
    case K_INT2: case K_INT1: return field(kind, b, n);
    case K_DOUBLE: {
      if (n != 8) return 0;
      union { u64 u; double d; } x; x.u = (u64)be64(b);
      if (x.d != x.d || x.d - x.d != 0) return 0; // not finite
      return dbl(x.d);
    }
    case K_BOOL:
      if (n != 1) return 0;
      if (b[0]) putn((const u8 *)"true", 4); else putn((const u8 *)"false", 5);
      return 1;
    case K_BIGINT: case K_UUID: case K_HEX_PREFIX: case K_TS_ISO: case K_DATE: case K_INET4: case K_TIME: {
      u32 start = op; u32 q = jsonQuotes;
      jq();
      int r = field(kind, b, n);
      if (r != 1) { op = start; jsonQuotes = q; return r; }
      jq();
      return 1;
    }
    default: return 0;
  }
}

// Ends the non-null field written since `start` (csv-fast.ts finish, ByteWriter.quote); -1 no room
static u32 rowZero, rowColl;
static int finish(int f, u32 start) {
  u32 len = op - start;
  int flags = fFlags[f];
  int isMarker = len == (u32)markerLen;
  for (u32 i = 0; isMarker && i < len; i++) if (out[start + i] != marker[i]) isMarker = 0;
  if (len == 0 && !(flags & F_EMPTY_FORM)) rowZero++;
  if (isMarker && (flags & F_TEXTUAL)) rowColl++;
  if (len > maxBytes[f]) maxBytes[f] = len;
  int need = quoteAll || len == 0 || isMarker || fieldSpecial;
  fieldSpecial = 0;
  u32 quotes = 0;
  if ((flags & F_SCAN) || need) {
    for (u32 i = start; i < op; i++) { u8 c = out[i]; if (special(c)) { need = 1; if (c == '"') quotes++; } }
  }
  if (!need) return 1;
  if ((u64)op + quotes + 2 > cap) return -1;
  if (quotes == 0) {
    memmove(out + start + 1, out + start, len);
  } else {
    u32 q = op + quotes + 1;
    for (u32 i = op; i-- > start;) { u8 c = out[i]; out[--q] = c; if (c == '"') out[--q] = c; }
  }
  out[start] = '"';
  op += quotes + 2;
  out[op - 1] = '"';
  return 1;
}

// ---- one row's record ----
// A complex column's JSON (csv-fast-json.ts complexWriter inside csv-fast.ts complex): 1, 0, -1
static int complexField(int f, int r) {
  u32 start = op;
  ROOM(2);
  put('"');
  jsonQuotes = 0;
  put('[');
  int coll = fColl[f];
  i32 first = cellFirst[r], count = cellCount[r];
  for (i32 k = 0; k < count; k++) {
    i32 c = first + k;
    ROOM(4);
    if (k) put(',');
    int res;
    if (coll == C_MAP) {
      put('[');
      res = element(fEl1[f], in + cPath[c], (u32)cPathLen[c]);
      if (res != 1) return res;
      ROOM(1);
      put(',');
      res = element(fEl2[f], in + cVal[c], (u32)cValLen[c]);
      if (res != 1) return res;
      ROOM(1);
      put(']');
    } else if (coll == C_SET) {
      res = element(fEl1[f], in + cPath[c], (u32)cPathLen[c]);
      if (res != 1) return res;
    } else {
      res = element(fEl1[f], in + cVal[c], (u32)cValLen[c]);
      if (res != 1) return res;
    }
  }
  ROOM(2);
  put(']');
  if (jsonQuotes > 0) {
    u32 len = op - start - 1 - jsonQuotes;
    if (len > maxBytes[f]) maxBytes[f] = len;
    put('"');
    return 1;
  }
  memmove(out + start, out + start + 1, op - start - 1);
  op--;
  return finish(f, start);
out_full:
  return -1;
}

static int nullField(void) {
  if ((u64)op + markerLen > cap) return -1;
  putn(marker, markerLen);
  return 1;
}

// The record of the decoded row (values in valStart/valLen/cell*): 1 written, 0 decline, -1 no room
static int writeRecord(void) {
  rowZero = 0; rowColl = 0;
  for (int f = 0; f < nFields; f++) {
    if (f > 0) { ROOM(1); put(delim); }
    int src = fSource[f], at = fAt[f], res;
    const u8 *b = 0; u32 n = 0; int present = 0;
    if (src == S_PK) {
      if (pkComposite) { b = key + pkStart[at]; n = (u32)(pkEnd[at] - pkStart[at]); }
      else { b = key; n = (u32)keyLen; }
      present = 1;
    } else if (src == S_CLUSTERING) {
      b = in + cluStart[at]; n = (u32)cluLen[at]; present = 1; // null or empty values were declined
    } else if (src == S_REGULAR) {
      if (fColl[f] != C_NONE) {
        if (regComplex[at] && cellCount[at] > 0) {
          res = complexField(f, at);
          if (res != 1) return res;
          continue;
        }
      } else if (!regComplex[at] && valStart[at] >= 0) { b = in + valStart[at]; n = (u32)valLen[at]; present = 1; }
    }
    if (!present) { res = nullField(); if (res != 1) return res; continue; }
    u32 start = op;
    res = field(fKind[f], b, n);
    if (res != 1) return res;
    // the usual field needs neither quotes nor counting: only its length is noted (finish otherwise)
    u32 len = op - start;
    if (!(fFlags[f] & F_SCAN) && !fieldSpecial && !quoteAll && len != 0 && len != (u32)markerLen) {
      if (len > maxBytes[f]) maxBytes[f] = len;
      continue;
    }
    res = finish(f, start);
    if (res != 1) return res;
  }
  ROOM((u32)rowDelimLen);
  putn(rowDelim, (u32)rowDelimLen);
  return 1;
out_full:
  return -1;
}

// rowCertainlyFine's byte-level part for the row (keys and numbers; the size is checked after)
static int certainlyFine(void) {
  if (pkComposite ? pkParts != nPk : keyLen == 0) return 0;
  if (pkComposite) for (int i = 0; i < pkParts; i++) if (pkEnd[i] == pkStart[i]) return 0;
  for (int i = 0; i < nClustering; i++) if (cluStart[i] < 0 || cluLen[i] == 0) return 0;
  for (int k = 0; k < nReals; k++) {
    int f = realFields[k];
    int fl = fFlags[f];
    int r = fAt[f];
    if (regComplex[r] || valStart[r] < 0) continue;
    u32 width = (fl & F_REAL4) ? 4 : 8;
    if ((u32)valLen[r] != width) return 0;
    double x;
    if (width == 4) { union { u32 u; float f; } v; v.u = (u32)be32(in + valStart[r]); x = v.f; }
    else { union { u64 u; double d; } v; v.u = (u64)be64(in + valStart[r]); x = v.d; }
    if (x < 0) x = -x;
    if (!(x == 0 || (x >= 1e-130 && x <= 9.9999999999999999999999999999999999999e125))) return 0;
  }
  return 1;
}

// The components of a composite partition key (csv-fast.ts splitKey); pkParts = -1 when malformed
static void splitKey(void) {
  i32 p = 0, n = 0;
  while (p < keyLen) {
    if (p + 2 > keyLen) { pkParts = -1; return; }
    i32 len = key[p] << 8 | key[p + 1];
    p += 2;
    if (p + len + 1 > keyLen) { pkParts = -1; return; }
    if (n < MAX_COLS) { pkStart[n] = p; pkEnd[n] = p + len; }
    n++;
    p += len + 1;
  }
  pkParts = n;
}

INLINE i64 addWrap(i64 a, u64 b) { return (i64)((u64)a + b); }
INLINE i64 maxI64(i64 a, i64 b) { return a > b ? a : b; }

// Clustering values after a row's flags (or a marker's size), for `count` columns; 0, -1 past lim
static int clustering(u32 *p, u32 lim, int count) {
  u64 header = 0;
  for (int i = 0; i < count; i++) {
    int inBlock = i & 31;
    if (inBlock == 0) { if (uvint(p, lim, &header)) return -1; }
    int bits = (int)((header >> (inBlock * 2)) & 3);
    if (bits & 2) { if (i < MAX_COLS) { cluStart[i] = -1; cluLen[i] = 0; } continue; }
    if (bits & 1) { if (i < MAX_COLS) { cluStart[i] = (i32)*p; cluLen[i] = 0; } continue; }
    i32 fx = i < nClustering ? clusteringFixed[i] : -1;
    u64 len;
    if (fx >= 0) len = (u64)fx; else if (uvint(p, lim, &len)) return -1;
    if (*p + len > lim) return -1;
    if (i < MAX_COLS) { cluStart[i] = (i32)*p; cluLen[i] = (i32)len; }
    *p += (u32)len;
  }
  return 0;
}

/**
 * A cell's flags, timestamp, local deletion time and TTL (Cell.Serializer; v3/live-rows.ts
 * cellHeader), the row's where the flags say so. 0, or -1 past `lim`.
 */
INLINE int cellHeader(u32 *p, u32 lim, i64 rowTs, i32 rowLdt, i32 rowTtl, u8 *cf, i64 *ts, i32 *ldt, i32 *ttl) {
  if (*p >= lim) return -1;
  u8 f = in[(*p)++];
  u64 v;
  *cf = f; *ts = rowTs; *ldt = NO_DELETION_TIME; *ttl = NO_TTL;
  if (!(f & 0x08)) { if (uvint(p, lim, &v)) return -1; *ts = addWrap(minTs, v); }
  if (f & 0x10) { *ldt = rowLdt; *ttl = rowTtl; return 0; }
  if (f & 0x03) { if (uvint(p, lim, &v)) return -1; *ldt = (i32)((u32)v + (u32)minLdt); }
  if (f & 0x02) { if (uvint(p, lim, &v)) return -1; *ttl = (i32)((u32)v + (u32)minTtl); }
  return 0;
}

#define DECLINE_HERE do { consumedAt = unitStart; return DECLINE; } while (0)
#define NEED do { consumedAt = unitStart; return NEED_MORE; } while (0)
#define RD(x) do { if (uvint(&p, rowEnd, &(x))) DECLINE_HERE; } while (0)

/**
 * Decodes the structures of in[0..len) and writes the records of the live rows to out[0..outCap),
 * and the end of each record to ends[]: its offset in out plus `endsBase` (the bytes of the run
 * before out). `stopAt`: a partition starting at or after it ends the range. `final`: no more bytes
 * will come.
 */
i32 feed(const u8 *input, u32 len, i32 final, u32 stopAt, u8 *output, u32 outCap, u32 *ends, u32 endsCap, u32 endsBase) {
  // at the end of the data, an incomplete structure is NEED_MORE too: the driver hands it to the
  // TypeScript decoder, whose error names what is cut off
  (void)final;
  in = input; out = output; cap = outCap; op = 0;
  recordCount = 0; outLen = 0;
  u32 p = 0;
  for (;;) {
    u32 unitStart = p;
    consumedAt = p;
    outLen = op;
    if (!inPart) {
      if (p >= stopAt) return RANGE_END;
      if (p + 2 > len) NEED;
      u32 klen = (u32)in[p] << 8 | in[p + 1];
      if (p + 2 + klen + 12 > len) NEED;
      copyn(key, in + p + 2, klen);
      keyLen = (i32)klen;
      p += 2 + klen + 4; // localDeletionTime: a partition deletion only shadows by markedForDeleteAt
      partDel = be64(in + p);
      p += 8;
      openDel = I64_MIN;
      if (pkComposite) splitKey();
      inPart = 1;
      continue;
    }
    if (p >= len) NEED;
    u8 flags = in[p++];
    if (flags & 0x01) { inPart = 0; continue; } // END_OF_PARTITION
    if (flags & 0x02) {
      // range tombstone marker (readMarker)
      if (p + 3 > len) NEED;
      u8 kind = in[p];
      u32 size = (u32)in[p + 1] << 8 | in[p + 2];
      p += 3;
      if (kind > 7 || kind == 3 || kind == 4) DECLINE_HERE;
      if (size > MAX_COLS) DECLINE_HERE;
      if (clustering(&p, len, (int)size)) NEED;
      u64 markerSize;
      if (uvint(&p, len, &markerSize)) NEED;
      if (p + markerSize > len) NEED;
      u32 rowEnd = p + (u32)markerSize;
      u64 prev, d, ldt;
      RD(prev);
      i64 open = I64_MIN;
      if (kind == 2 || kind == 5) { RD(d); RD(ldt); RD(d); RD(ldt); open = addWrap(minTs, d); }
      else if (kind == 0 || kind == 6) { RD(d); RD(ldt); }
      else { RD(d); RD(ldt); open = addWrap(minTs, d); }
      if (p != rowEnd) DECLINE_HERE;
      openDel = open;
      continue;
    }
    // a row
    if (flags & 0x80) { if (p >= len) NEED; if (in[p] & 0x01) DECLINE_HERE; p++; } // static row: not here
    if (nClustering == 1 && p < len && in[p] == 0) {
      // one value, header 0 (readClusteringValues)
      p++;
      u64 l;
      if (clusteringFixed[0] >= 0) l = (u64)clusteringFixed[0]; else if (uvint(&p, len, &l)) NEED;
      if (p + l > len) NEED;
      cluStart[0] = (i32)p; cluLen[0] = (i32)l;
      p += (u32)l;
    } else if (clustering(&p, len, nClustering)) NEED;
    u64 rowSize;
    if (uvint(&p, len, &rowSize)) NEED;
    if (p + rowSize > len) NEED;
    u32 rowEnd = p + (u32)rowSize;
    u64 v;
    RD(v); // previous unfiltered size
    i64 del = maxI64(partDel, openDel);
    i64 rowTs = I64_MIN;
    i32 rowTtl = NO_TTL, rowLdt = NO_DELETION_TIME;
    if (flags & 0x04) {
      RD(v); rowTs = addWrap(minTs, v);
      if (flags & 0x08) { RD(v); rowTtl = (i32)((u32)v + (u32)minTtl); RD(v); rowLdt = (i32)((u32)v + (u32)minLdt); }
    }
    if (flags & 0x10) {
      RD(v); i64 d = addWrap(minTs, v);
      RD(v);
      if (d > del) del = d;
    }
    if (rowTtl == EXPIRED_LIVENESS_TTL && rowTs > del) del = rowTs;
    int exists = rowTs > del && (rowTtl == NO_TTL || (rowTtl != EXPIRED_LIVENESS_TTL && nowInSec < rowLdt));
    u32 missing = 0;
    if (!(flags & 0x20)) {
      if (nRegulars > 31) DECLINE_HERE;
      RD(v);
      missing = (u32)v;
    }
    int hasComplexDeletion = (flags & 0x40) != 0;
    i32 ncells = 0;
    for (int i = 0; i < nRegulars; i++) {
      valStart[i] = -1;
      cellCount[i] = 0;
      if (i < 32 && ((missing >> i) & 1)) continue;
      i32 ord = regOrdinal[i];
      int dropped = regHasDrop[i];
      if (!regComplex[i]) {
        u8 cf;
        i64 ts; i32 ldt, ttl;
        if (cellHeader(&p, rowEnd, rowTs, rowLdt, rowTtl, &cf, &ts, &ldt, &ttl)) DECLINE_HERE;
        u64 l = 0;
        if (!(cf & 0x04)) { if (regFixed[i] >= 0) l = (u64)regFixed[i]; else RD(l); }
        if (p + l > rowEnd) DECLINE_HERE;
        u32 at = p;
        p += (u32)l;
        if (ord < 0 || (dropped && ts <= regDrop[i])) continue;
        if ((del == I64_MIN || ts > del) && (ldt == NO_DELETION_TIME || (ttl != NO_TTL && nowInSec < ldt))) {
          valStart[i] = (i32)at; valLen[i] = (i32)l;
          exists = 1;
        }
      } else {
        i64 cdel = del;
        if (hasComplexDeletion) {
          RD(v); i64 d = addWrap(minTs, v);
          RD(v);
          if (ord >= 0 && (!dropped || d > regDrop[i]) && d > cdel) cdel = d;
        }
        u64 count;
        RD(count);
        cellFirst[i] = ncells;
        for (u64 k = 0; k < count; k++) {
          u8 cf;
          i64 ts; i32 ldt, ttl;
          if (cellHeader(&p, rowEnd, rowTs, rowLdt, rowTtl, &cf, &ts, &ldt, &ttl)) DECLINE_HERE;
          u64 pl;
          RD(pl);
          if (p + pl > rowEnd) DECLINE_HERE;
          u32 pathAt = p;
          p += (u32)pl;
          u64 l = 0;
          if (!(cf & 0x04)) RD(l);
          if (p + l > rowEnd) DECLINE_HERE;
          u32 at = p;
          p += (u32)l;
          if (ord < 0 || (dropped && ts <= regDrop[i])) continue;
          if (ts > cdel && (ldt == NO_DELETION_TIME || (ttl != NO_TTL && nowInSec < ldt))) {
            if (ncells >= MAX_CELLS) DECLINE_HERE;
            cPath[ncells] = (i32)pathAt; cPathLen[ncells] = (i32)pl; cVal[ncells] = (i32)at; cValLen[ncells] = (i32)l;
            ncells++;
          }
        }
        cellCount[i] = ncells - cellFirst[i];
        if (cellCount[i] > 0) exists = 1;
      }
    }
    if (p != rowEnd) DECLINE_HERE;
    if (!exists) continue;
    if (!certainlyFine()) DECLINE_HERE;
    if (recordCount >= endsCap) { consumedAt = unitStart; return OUT_FULL; }
    rowStartOut = op;
    int r = writeRecord();
    if (r == 0) { op = rowStartOut; DECLINE_HERE; }
    if (r < 0) { op = rowStartOut; consumedAt = unitStart; outLen = op; return OUT_FULL; }
    // rowProblemChecker.needsFullRow: the item might reach DynamoDB's limit; the full check decides
    if (6 * (u64)(op - rowStartOut) > (u64)(budget < 0 ? 0 : budget)) { op = rowStartOut; DECLINE_HERE; }
    zeroLengthValues += rowZero;
    markerCollisions += rowColl;
    rowsOut++;
    ends[recordCount++] = endsBase + op;
  }
}
