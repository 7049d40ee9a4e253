// v3 JSON range ⇄ gRPC for the native front (grpc.c): a strict subset of the JSON grpc-gateway accepts for a
// RangeRequest, encoded as protobuf; a RangeResponse decoded and written as etcd's grpc-gateway writes it (jsonpb
// with proto field names: field order, int64 as quoted decimals, bytes as padded base64, zero values left out).
// Anything outside the subset, or a response with a field this does not know, is refused (-1): the request then
// goes to the member as JSON, as it came, and the member's own gateway answers it.
#include "front.h"

// ---- JSON request ---------------------------------------------------------------------------------------------

typedef struct { const char *s; uint32_t n, i; } jcur_t;

static void ws(jcur_t *j) {
  while (j->i < j->n && (j->s[j->i] == ' ' || j->s[j->i] == '\t' || j->s[j->i] == '\n' || j->s[j->i] == '\r')) j->i++;
}

static int eat(jcur_t *j, char ch) {
  ws(j);
  if (j->i < j->n && j->s[j->i] == ch) { j->i++; return 1; }
  return 0;
}

// A string without escapes or control characters (names and base64 need none).
static int jstr(jcur_t *j, const char **p, uint32_t *l) {
  if (!eat(j, '"')) return -1;
  uint32_t st = j->i;
  while (j->i < j->n && j->s[j->i] != '"') {
    unsigned char ch = (unsigned char)j->s[j->i];
    if (ch == '\\' || ch < 0x20 || ch >= 0x80) return -1;
    j->i++;
  }
  if (j->i >= j->n) return -1;
  *p = j->s + st;
  *l = j->i - st;
  j->i++;
  return 0;
}

static int jbool(jcur_t *j, uint64_t *v) {
  ws(j);
  if (j->n - j->i >= 4 && memcmp(j->s + j->i, "true", 4) == 0) { j->i += 4; *v = 1; return 0; }
  if (j->n - j->i >= 5 && memcmp(j->s + j->i, "false", 5) == 0) { j->i += 5; *v = 0; return 0; }
  return -1;
}

// A non-negative integer below 10^18, as a JSON number or a decimal string, no leading zero, sign or exponent.
static int digits(const char *s, uint32_t l, uint64_t *v) {
  if (l == 0 || l > 18 || (l > 1 && s[0] == '0')) return -1;
  uint64_t x = 0;
  for (uint32_t i = 0; i < l; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    x = x * 10 + (uint64_t)(s[i] - '0');
  }
  *v = x;
  return 0;
}

static int jint(jcur_t *j, uint64_t *v) {
  ws(j);
  if (j->i < j->n && j->s[j->i] == '"') {
    const char *p;
    uint32_t l;
    return jstr(j, &p, &l) == 0 ? digits(p, l, v) : -1;
  }
  uint32_t st = j->i;
  while (j->i < j->n && j->s[j->i] >= '0' && j->s[j->i] <= '9') j->i++;
  if (j->i < j->n && (j->s[j->i] == '.' || j->s[j->i] == 'e' || j->s[j->i] == 'E')) return -1;
  return digits(j->s + st, j->i - st, v);
}

static int b64val(char ch) {
  if (ch >= 'A' && ch <= 'Z') return ch - 'A';
  if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
  if (ch >= '0' && ch <= '9') return ch - '0' + 52;
  if (ch == '+') return 62;
  if (ch == '/') return 63;
  return -1;
}

// Canonical padded standard base64 only (what etcd's clients and its own gateway write).
static int b64dec(const char *s, uint32_t l, dbuf_t *o) {
  if (l % 4) return -1;
  for (uint32_t i = 0; i < l; i += 4) {
    int last = i + 4 == l;
    int a = b64val(s[i]), b = b64val(s[i + 1]);
    int c = s[i + 2] == '=' && last ? -2 : b64val(s[i + 2]);
    int d = s[i + 3] == '=' && last && c != -1 ? -2 : b64val(s[i + 3]);
    if (a < 0 || b < 0 || c == -1 || d == -1 || (c == -2 && d != -2)) return -1;
    uint8_t out[3] = {(uint8_t)(a << 2 | b >> 4), (uint8_t)((b & 15) << 4 | (c < 0 ? 0 : c >> 2)), (uint8_t)(((c < 0 ? 0 : c) & 3) << 6 | (d < 0 ? 0 : d))};
    if (c == -2 && (b & 15)) return -1; // bits past the end must be zero
    if (c >= 0 && d == -2 && (c & 3)) return -1;
    if (db_add(o, out, c == -2 ? 1 : d == -2 ? 2 : 3)) return -1;
  }
  return 0;
}

static int pb_varint(dbuf_t *o, uint64_t v) {
  uint8_t b[10];
  int n = 0;
  do { b[n] = (uint8_t)(v & 0x7f); v >>= 7; if (v) b[n] |= 0x80; n++; } while (v);
  return db_add(o, b, (uint32_t)n);
}

// The fields taken, by their names in either jsonpb spelling, with their protobuf numbers.
static const struct { const char *name; uint8_t field, kind; } FIELDS[] = {
  {"key", 1, 'b'}, {"range_end", 2, 'b'}, {"rangeEnd", 2, 'b'}, {"limit", 3, 'i'}, {"revision", 4, 'i'},
  {"serializable", 7, 't'}, {"keys_only", 8, 't'}, {"keysOnly", 8, 't'}, {"count_only", 9, 't'}, {"countOnly", 9, 't'},
};

/** Encodes a JSON RangeRequest body as protobuf into o (after what it holds); -1 when outside the subset. */
INTERNAL int range_request_pb(const char *body, uint32_t n, dbuf_t *o) {
  jcur_t j = {body, n, 0};
  uint32_t seen = 0;
  dbuf_t tmp = {0};
  if (!eat(&j, '{')) return -1;
  int first = 1, rc = -1;
  for (;;) {
    if (eat(&j, '}')) break;
    if (!first && !eat(&j, ',')) goto out;
    first = 0;
    const char *name;
    uint32_t nl;
    if (jstr(&j, &name, &nl) || !eat(&j, ':')) goto out;
    int k = -1;
    for (uint32_t i = 0; i < sizeof(FIELDS) / sizeof(FIELDS[0]); i++)
      if (strlen(FIELDS[i].name) == nl && memcmp(FIELDS[i].name, name, nl) == 0) k = (int)i;
    if (k < 0 || (seen & (1u << FIELDS[k].field))) goto out;
    seen |= 1u << FIELDS[k].field;
    uint8_t field = FIELDS[k].field;
    if (FIELDS[k].kind == 'b') {
      const char *v;
      uint32_t vl;
      tmp.len = 0;
      if (jstr(&j, &v, &vl) || b64dec(v, vl, &tmp)) goto out;
      if (tmp.len && (pb_varint(o, (uint64_t)field << 3 | 2) || pb_varint(o, tmp.len) || db_add(o, tmp.p, tmp.len))) goto out;
    } else {
      uint64_t v;
      if ((FIELDS[k].kind == 'i' ? jint(&j, &v) : jbool(&j, &v)) != 0) goto out;
      if (v && (pb_varint(o, (uint64_t)field << 3) || pb_varint(o, v))) goto out;
    }
  }
  ws(&j);
  rc = j.i == j.n && (seen & 2) ? 0 : -1; // a key, and nothing after the object
out:
  db_free(&tmp);
  return rc;
}

// ---- protobuf response ----------------------------------------------------------------------------------------

typedef struct { const uint8_t *p; uint32_t n, i; } pcur_t;

static int rd_varint(pcur_t *c, uint64_t *v) {
  uint64_t x = 0;
  for (int s = 0; s < 64; s += 7) {
    if (c->i >= c->n) return -1;
    uint8_t b = c->p[c->i++];
    x |= (uint64_t)(b & 0x7f) << s;
    if (!(b & 0x80)) { *v = x; return 0; }
  }
  return -1;
}

// Next field: its number, wire type and (length-delimited) span or varint value.
static int rd_field(pcur_t *c, uint32_t *field, uint64_t *v, const uint8_t **p, uint32_t *l) {
  uint64_t tag;
  if (rd_varint(c, &tag)) return -1;
  *field = (uint32_t)(tag >> 3);
  if ((tag & 7) == 0) return rd_varint(c, v) ? -1 : 0;
  if ((tag & 7) != 2) return -1;
  uint64_t len;
  if (rd_varint(c, &len) || len > c->n - c->i) return -1;
  *p = c->p + c->i;
  *l = (uint32_t)len;
  c->i += (uint32_t)len;
  return 1;
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int put_b64(dbuf_t *o, const uint8_t *p, uint32_t n) {
  if (db_reserve(o, (n + 2) / 3 * 4)) return -1;
  char *w = o->p + o->len;
  uint32_t i = 0;
  for (; i + 3 <= n; i += 3) {
    *w++ = B64[p[i] >> 2]; *w++ = B64[(p[i] & 3) << 4 | p[i + 1] >> 4];
    *w++ = B64[(p[i + 1] & 15) << 2 | p[i + 2] >> 6]; *w++ = B64[p[i + 2] & 63];
  }
  if (n - i == 1) { *w++ = B64[p[i] >> 2]; *w++ = B64[(p[i] & 3) << 4]; *w++ = '='; *w++ = '='; }
  else if (n - i == 2) { *w++ = B64[p[i] >> 2]; *w++ = B64[(p[i] & 3) << 4 | p[i + 1] >> 4]; *w++ = B64[(p[i + 1] & 15) << 2]; *w++ = '='; }
  o->len = (uint32_t)(w - o->p);
  return 0;
}

// One member of a JSON object: its name, then a value (the caller writes it); a comma before all but the first.
static int put_name(dbuf_t *o, int *first, const char *name) {
  int r = db_str(o, *first ? "\"" : ",\"") | db_str(o, name) | db_str(o, "\":");
  *first = 0;
  return r;
}

static int put_num(dbuf_t *o, int *first, const char *name, uint64_t v, int is_signed) {
  if (v == 0) return 0;
  char num[32];
  if (is_signed) snprintf(num, sizeof(num), "\"%lld\"", (long long)v);
  else snprintf(num, sizeof(num), "\"%llu\"", (unsigned long long)v);
  return put_name(o, first, name) | db_str(o, num);
}

// A message of scalar fields 1..nf (each at most once), written in field order. kinds: 'b' bytes, 'i' int64,
// 'u' uint64. -1 on an unknown field, a repeated one or a wrong wire type.
static int put_message(dbuf_t *o, const uint8_t *p, uint32_t n, const char *const *names, const char *kinds, uint32_t nf) {
  uint64_t val[8] = {0};
  const uint8_t *sp[8] = {0};
  uint32_t sl[8] = {0}, seen = 0;
  pcur_t c = {p, n, 0};
  while (c.i < c.n) {
    uint32_t field, l = 0;
    uint64_t v = 0;
    const uint8_t *s = NULL;
    int r = rd_field(&c, &field, &v, &s, &l);
    if (r < 0 || field < 1 || field > nf || (seen & (1u << field)) || (r == 1) != (kinds[field - 1] == 'b')) return -1;
    seen |= 1u << field;
    val[field] = v;
    sp[field] = s;
    sl[field] = l;
  }
  int first = 1, e = db_add(o, "{", 1);
  for (uint32_t f = 1; f <= nf; f++) {
    if (kinds[f - 1] == 'b') { if (sl[f]) e |= put_name(o, &first, names[f - 1]) | db_add(o, "\"", 1) | put_b64(o, sp[f], sl[f]) | db_add(o, "\"", 1); }
    else e |= put_num(o, &first, names[f - 1], val[f], kinds[f - 1] == 'i');
  }
  return e | db_add(o, "}", 1) ? -1 : 0;
}

static const char *const HEADER[] = {"cluster_id", "member_id", "revision", "raft_term"};
static const char *const KV[] = {"key", "create_revision", "mod_revision", "version", "value", "lease"};

/** Writes a protobuf RangeResponse as etcd's gateway writes it into o (after what it holds); -1 if unknown. */
INTERNAL int range_response_json(const uint8_t *p, uint32_t n, dbuf_t *o) {
  pcur_t c = {p, n, 0};
  const uint8_t *hp = NULL;
  uint32_t hl = 0, nkv = 0, seen = 0;
  uint64_t more = 0, count = 0;
  while (c.i < c.n) { // first pass: check, find the header, more and count
    uint32_t field, l = 0;
    uint64_t v = 0;
    const uint8_t *s = NULL;
    int r = rd_field(&c, &field, &v, &s, &l);
    if (r < 0 || field < 1 || field > 4 || (field != 2 && (seen & (1u << field)))) return -1;
    seen |= 1u << field;
    if ((r == 1) != (field <= 2)) return -1;
    if (field == 1) { hp = s; hl = l; }
    else if (field == 2) nkv++;
    else if (field == 3) more = v;
    else count = v;
  }
  int first = 1, e = db_add(o, "{", 1);
  if (seen & 2) e |= put_name(o, &first, "header") | put_message(o, hp, hl, HEADER, "uuiu", 4);
  if (nkv) {
    e |= put_name(o, &first, "kvs") | db_add(o, "[", 1);
    c.i = 0;
    for (uint32_t k = 0; c.i < c.n;) {
      uint32_t field, l = 0;
      uint64_t v = 0;
      const uint8_t *s = NULL;
      rd_field(&c, &field, &v, &s, &l);
      if (field != 2) continue;
      if (k++) e |= db_add(o, ",", 1);
      e |= put_message(o, s, l, KV, "biiibi", 6);
    }
    e |= db_add(o, "]", 1);
  }
  if (more) e |= put_name(o, &first, "more") | db_str(o, "true");
  e |= put_num(o, &first, "count", count, 1);
  return e | db_add(o, "}", 1) ? -1 : 0;
}
