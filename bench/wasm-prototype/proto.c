// A measuring prototype, not part of the agent: the 3.x single-SSTable fast path (v3/live-rows.ts)
// and the CSV encoder (export/csv-fast.ts) for the bench table bench.events_mixed ONLY, in C, to be
// compiled to WebAssembly (bench/wasm-prototype.ts) or natively (-DNATIVE, for callgrind), so that
// the per-row cost of the same work in compiled code can be compared with the TypeScript pipeline
// (docs/extract.md, "Session 11"). It decodes decompressed Data.db bytes and writes the CSV records
// the project writes for that table, byte for byte; any structure the bench file does not hold
// (markers, deletions, TTLs, other layouts) makes run() return a negative code instead of rows.
//
// Layout it assumes (the bench file's serialization header): partition key uuid; one clustering
// column, timestamp; regular columns in header order active boolean, payload blob, price double,
// qty int, title text, total bigint, attrs map<text,int>, tags set<text>; minTimestamp
// 1442880000000000. CSV field order (SELECT *): id, ts, active, attrs, payload, price, qty, tags,
// title, total; null marker \N; timestamps "YYYY-MM-DD HH:MM:SS.fff"; blobs 0x-prefixed hex.
#include <stdint.h>
#include <stddef.h>

#ifdef NATIVE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#else
#define NULL ((void*)0)
static double floor(double x) { return __builtin_floor(x); }
static double round_(double x) { return __builtin_floor(x + 0.5); }
#define round round_
static void *memcpy(void *d, const void *s, size_t n) { return __builtin_memcpy(d, s, n); }
#endif

typedef uint8_t u8;
static const u8 *buf; static size_t pos, end_;
static u8 *out; static size_t op;
static int64_t minTs = 1442880000000000LL;

static inline uint64_t uvint(void) {
  u8 b0 = buf[pos++];
  if (b0 < 0x80) return b0;
  int extra = __builtin_clz(~((uint32_t)b0 << 24));
  uint64_t v = b0 & (0xff >> extra);
  for (int i = 0; i < extra; i++) v = (v << 8) | buf[pos++];
  return v;
}

static const char HEXD[] = "0123456789abcdef";
static uint16_t HEX16[256];
static u8 DIG2[200];

static inline void hex(const u8 *b, size_t n) {
  for (size_t i = 0; i < n; i++) { uint16_t h = HEX16[b[i]]; memcpy(out + op, &h, 2); op += 2; }
}
static inline int declen(uint32_t v) { int n = 1; while (v >= 10) { v /= 10; n++; } return n; }
static inline void uint_n(uint32_t v, int n) {
  size_t q = op + n; op = q;
  while (n >= 2) { uint32_t h = v / 100; uint32_t r = (v - h * 100) * 2; out[--q] = DIG2[r + 1]; out[--q] = DIG2[r]; v = h; n -= 2; }
  if (n) out[--q] = '0' + v;
}
static inline void digits(int64_t v) {
  if (v < 0) { out[op++] = '-'; v = -v; }
  if (v < 100000000) { uint_n((uint32_t)v, declen((uint32_t)v)); return; }
  int64_t hi = v / 100000000; uint32_t lo = (uint32_t)(v - hi * 100000000);
  if (hi < 100000000) uint_n((uint32_t)hi, declen((uint32_t)hi)); else { digits(hi); }
  uint_n(lo, 8);
}
static long fallbacks;
static const double P10[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};
static inline void dbl(double v) {
  if (v == floor(v) && v < 9007199254740992.0 && v > -9007199254740992.0) { digits((int64_t)v); return; }
  double a = v < 0 ? -v : v;
  if (a >= 1e-6 && a < 1e15) {
    for (int k = 1; k <= 8; k++) {
      double x = a * P10[k];
      if (x >= 1125899906842624.0) break;
      double m = round(x);
      if (m / P10[k] != a) continue;
      double ip = floor(m / P10[k]);
      double fr = m - ip * P10[k];
      if (v < 0) out[op++] = '-';
      digits((int64_t)ip);
      out[op++] = '.';
      uint_n((uint32_t)fr, k);
      return;
    }
  }
  fallbacks++;
  out[op++] = '?';
}
static inline int32_t be32(const u8 *b) { return (int32_t)((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]); }
static inline int64_t be64(const u8 *b) { return (int64_t)((uint64_t)(uint32_t)be32(b) << 32 | (uint32_t)be32(b + 4)); }

static int64_t lastDay = INT64_MIN; static u8 dayText[16]; static int dayLen;
static void civil(int64_t z, int64_t *y, int *m, int *d) {
  z += 719468; int64_t era = (z >= 0 ? z : z - 146096) / 146097; unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; int64_t yy = (int64_t)yoe + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100); unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1; *m = mp < 10 ? mp + 3 : mp - 9; *y = yy + (*m <= 2);
}
static inline void timestamp(const u8 *b) {
  int64_t ms = be64(b);
  int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
  int64_t rest = ms - days * 86400000;
  if (days != lastDay) {
    int64_t y; int m, d; civil(days, &y, &m, &d);
    size_t save = op; u8 *so = out; out = dayText; op = 0;
    uint_n((uint32_t)y, 4); out[op++] = '-'; uint_n(m, 2); out[op++] = '-'; uint_n(d, 2);
    dayLen = (int)op; out = so; op = save; lastDay = days;
  }
  memcpy(out + op, dayText, dayLen); op += dayLen;
  out[op++] = ' ';
  uint32_t secs = (uint32_t)(rest / 1000), msr = (uint32_t)(rest % 1000);
  uint_n(secs / 3600, 2); out[op++] = ':'; uint_n(secs / 60 % 60, 2); out[op++] = ':'; uint_n(secs % 60, 2);
  out[op++] = '.'; uint_n(msr, 3);
}
static inline void uuid(const u8 *b) {
  for (int i = 0; i < 16; i++) { if (i == 4 || i == 6 || i == 8 || i == 10) out[op++] = '-'; uint16_t h = HEX16[b[i]]; memcpy(out + op, &h, 2); op += 2; }
}
static inline void nullf(void) { out[op++] = '\\'; out[op++] = 'N'; }
// CSV text: quoted when it holds , " CR LF or is empty
static inline void csvtext(const u8 *b, size_t n) {
  int special = n == 0;
  for (size_t i = 0; i < n; i++) { u8 c = b[i]; if (c == ',' || c == '"' || c == '\r' || c == '\n') { special = 1; break; } }
  if (!special) { memcpy(out + op, b, n); op += n; return; }
  out[op++] = '"';
  for (size_t i = 0; i < n; i++) { if (b[i] == '"') out[op++] = '"'; out[op++] = b[i]; }
  out[op++] = '"';
}
// JSON string inside a CSV quote: quotes doubled (ASCII printable only in this prototype)
static inline void jsonstr(const u8 *b, size_t n) {
  out[op++] = '"'; out[op++] = '"';
  for (size_t i = 0; i < n; i++) { u8 c = b[i]; if (c == '"') { out[op++] = '\\'; out[op++] = '"'; out[op++] = '"'; } else if (c == '\\') { out[op++] = '\\'; out[op++] = '\\'; } else out[op++] = c; }
  out[op++] = '"'; out[op++] = '"';
}

// per-row values: offsets into buf (simple columns 0..5 in header order), complex cells
static size_t vs[6], vl[6]; static int has[6];
static size_t cpath[2][64], cpl[2][64], cval[2][64], cvl[2][64]; static int cn[2];

// Resumable: feed() decodes the complete structures of data[0..len) and stops before the first one
// that does not fit (unless `final`); consumed() is where it stopped, and the caller passes that tail
// again in front of the next bytes. The partition being read is kept across calls (its key copied).
static int inPart; static u8 keyCopy[65536];
static size_t consumedAt;
static const int fixed[6] = {1, -1, 8, 4, -1, 8};

long feed(const u8 *data, size_t len, u8 *dst, int final) {
  buf = data; end_ = len; pos = 0; out = dst; op = 0;
  long rows = 0;
  for (;;) {
    consumedAt = pos;
    if (!inPart) {
      if (pos + 2 > end_) return rows;
      size_t klen = (size_t)buf[pos] << 8 | buf[pos + 1];
      if (pos + 2 + klen + 12 > end_) return rows;
      memcpy(keyCopy, buf + pos + 2, klen);
      pos += 2 + klen + 4;
      int64_t pdel = be64(buf + pos); pos += 8;
      if (pdel != INT64_MIN) return -8; // partition deletions: not in the prototype
      inPart = 1;
      continue;
    }
    if (pos + (final ? 1 : 32) > end_) { if (!final || pos >= end_) return rows; }
    u8 flags = buf[pos++];
    if (flags & 0x01) { inPart = 0; continue; }
    if (flags & 0x02) return -1; // markers: not in the prototype
    if (flags & 0x80) pos++;
    // clustering: one fixed 8-byte value, header 0
    if (buf[pos++] != 0) return -2;
    const u8 *ck = buf + pos; pos += 8;
    uint64_t rowSize = uvint(); size_t rowEnd = pos + rowSize;
    if (rowEnd > end_) { pos = consumedAt; return rows; }
    uvint();
    int64_t rowTs = INT64_MIN;
    if (flags & 0x04) { rowTs = minTs + (int64_t)uvint(); if (flags & 0x08) return -3; }
    if (flags & 0x10) return -4;
    uint32_t missing = 0;
    if (!(flags & 0x20)) missing = (uint32_t)uvint();
    int exists = rowTs != INT64_MIN;
    for (int i = 0; i < 8; i++) {
      if ((missing >> i) & 1) { if (i < 6) has[i] = 0; else cn[i - 6] = 0; continue; }
      if (i < 6) {
        u8 cf = buf[pos++];
        if (!(cf & 0x08)) uvint();
        if (!(cf & 0x10) && (cf & 0x03)) return -5;
        size_t l = 0;
        if (!(cf & 0x04)) { if (fixed[i] >= 0) l = fixed[i]; else l = uvint(); }
        vs[i] = pos; vl[i] = l; has[i] = 1; pos += l; exists = 1;
      } else {
        int64_t cdel = INT64_MIN;
        if (flags & 0x40) { cdel = minTs + (int64_t)uvint(); uvint(); }
        uint64_t count = uvint(); int n = 0;
        for (uint64_t k = 0; k < count; k++) {
          u8 cf = buf[pos++];
          int64_t ts = rowTs;
          if (!(cf & 0x08)) ts = minTs + (int64_t)uvint();
          if (!(cf & 0x10) && (cf & 0x03)) return -6;
          size_t pl = uvint(); size_t pp = pos; pos += pl;
          size_t l = 0; if (!(cf & 0x04)) l = uvint();
          if (ts > cdel && n < 64) { cpath[i - 6][n] = pp; cpl[i - 6][n] = pl; cval[i - 6][n] = pos; cvl[i - 6][n] = l; n++; }
          pos += l;
        }
        cn[i - 6] = n; if (n) exists = 1;
      }
    }
    if (pos != rowEnd) return -7;
    if (!exists) continue;
    rows++;
    uuid(keyCopy); out[op++] = ',';
    timestamp(ck); out[op++] = ',';
    // active
    if (has[0]) { if (buf[vs[0]]) { memcpy(out + op, "true", 4); op += 4; } else { memcpy(out + op, "false", 5); op += 5; } } else nullf();
    out[op++] = ',';
    // attrs map<text,int>
    if (cn[0]) { out[op++] = '"'; out[op++] = '['; for (int k = 0; k < cn[0]; k++) { if (k) out[op++] = ','; out[op++] = '['; jsonstr(buf + cpath[0][k], cpl[0][k]); out[op++] = ','; digits(be32(buf + cval[0][k])); out[op++] = ']'; } out[op++] = ']'; out[op++] = '"'; } else nullf();
    out[op++] = ',';
    // payload
    if (has[1]) { out[op++] = '0'; out[op++] = 'x'; hex(buf + vs[1], vl[1]); } else nullf();
    out[op++] = ',';
    // price
    if (has[2]) { union { uint64_t u; double d; } x; x.u = (uint64_t)be64(buf + vs[2]); dbl(x.d); } else nullf();
    out[op++] = ',';
    if (has[3]) digits(be32(buf + vs[3])); else nullf();
    out[op++] = ',';
    // tags set<text>
    if (cn[1]) { out[op++] = '"'; out[op++] = '['; for (int k = 0; k < cn[1]; k++) { if (k) out[op++] = ','; jsonstr(buf + cpath[1][k], cpl[1][k]); } out[op++] = ']'; out[op++] = '"'; } else nullf();
    out[op++] = ',';
    if (has[4]) csvtext(buf + vs[4], vl[4]); else nullf();
    out[op++] = ',';
    if (has[5]) digits(be64(buf + vs[5])); else nullf();
    out[op++] = '\n';
  }
}

/** The whole decompressed Data.db at once. */
long run(const u8 *data, size_t len, u8 *dst) {
  inPart = 0;
  return feed(data, len, dst, 1);
}

size_t consumed(void) { return consumedAt; }

void init(void) {
  for (int i = 0; i < 256; i++) HEX16[i] = (uint16_t)(HEXD[i >> 4] | HEXD[i & 15] << 8);
  for (int i = 0; i < 100; i++) { DIG2[2 * i] = '0' + i / 10; DIG2[2 * i + 1] = '0' + i % 10; }
}
size_t outLength(void) { return op; }

#ifdef NATIVE
int main(int argc, char **argv) {
  FILE *f = fopen(argv[1], "rb"); fseek(f, 0, SEEK_END); size_t n = ftell(f); fseek(f, 0, SEEK_SET);
  u8 *d = malloc(n); fread(d, 1, n, f); fclose(f);
  u8 *o = malloc(n * 2 + (1 << 20));
  init();
  int reps = argc > 3 ? atoi(argv[3]) : 1;
  long rows = 0;
  for (int r = 0; r < reps; r++) rows = run(d, n, o);
  fprintf(stderr, "rows %ld out %zu fallbacks %ld\n", rows, op, fallbacks);
  FILE *g = fopen(argv[2], "wb"); fwrite(o, 1, op, g); fclose(g);
  return 0;
}
#endif
