/* The text of a release's variants: TSV rows and VCF lines from Arrow columns.
 *
 * Why C: DuckDB's CSV writer and its string expressions spent ~2 µs per variant on these
 * (about half of a 1,000-patient release's CPU time, and on one core: its writers keep
 * the rows' order). Here each value is formatted once, with the GIL released, so the
 * TSV and VCF text of a batch costs a fraction of that and runs beside the Parquet writer.
 *
 * The bytes are DuckDB's, and tests hold them to it (tests/release/test_variant_text.py):
 * - TSV: tab-separated, NULL empty, a string quoted ("", quotes doubled) when it is empty
 *   or holds a tab, quote, CR or LF; booleans true/false; doubles as CAST(x AS VARCHAR)
 *   (the shortest text that reads back as the same double, Python's repr);
 * - VCF: CHROM POS . REF ALT . FILTER INFO, FILTER '.' when NULL, INFO the non-NULL
 *   values as KEY=value joined by ';' (a true BOOLEAN as its KEY alone; string values
 *   percent-encoded as VCF 4.3 asks: % ; = space , tab), '.' when there is none.
 *
 * - MAF: as DuckDB's CSV writer gave release.writers.maf_sql's rows.
 *
 * Columns come through the Arrow PyCapsule interface (`__arrow_c_array__`): int8..int64,
 * float32/64, boolean, utf8, large utf8, and dictionaries of utf8 with integer indices.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ArrowSchema {
    const char *format;
    const char *name;
    const char *metadata;
    int64_t flags;
    int64_t n_children;
    struct ArrowSchema **children;
    struct ArrowSchema *dictionary;
    void (*release)(struct ArrowSchema *);
    void *private_data;
};

struct ArrowArray {
    int64_t length;
    int64_t null_count;
    int64_t offset;
    int64_t n_buffers;
    int64_t n_children;
    const void **buffers;
    struct ArrowArray **children;
    struct ArrowArray *dictionary;
    void (*release)(struct ArrowArray *);
    void *private_data;
};

enum { K_I8, K_I16, K_I32, K_I64, K_F32, K_F64, K_BOOL, K_STR, K_LSTR };

typedef struct {
    int kind;             /* of the values (for a dictionary: of its indices) */
    int dict;             /* 1: values are indices into the dictionary below */
    int64_t length, offset;
    const uint8_t *valid;
    const void *values;
    const int32_t *off32; /* strings */
    const int64_t *off64;
    const char *data;
    int dkind;            /* dictionary values: K_STR or K_LSTR */
    int64_t doffset;
    const uint8_t *dvalid;
    const int32_t *doff32;
    const int64_t *doff64;
    const char *ddata;
} Col;

static int kind_of(const char *f) {
    if (!strcmp(f, "c")) return K_I8;
    if (!strcmp(f, "s")) return K_I16;
    if (!strcmp(f, "i")) return K_I32;
    if (!strcmp(f, "l")) return K_I64;
    if (!strcmp(f, "f")) return K_F32;
    if (!strcmp(f, "g")) return K_F64;
    if (!strcmp(f, "b")) return K_BOOL;
    if (!strcmp(f, "u")) return K_STR;
    if (!strcmp(f, "U")) return K_LSTR;
    return -1;
}

/* Fill `c` from a (schema capsule, array capsule) pair; the capsules keep the data alive. */
static int col_from(PyObject *pair, Col *c, int64_t rows) {
    if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
        PyErr_SetString(PyExc_TypeError, "each column must be the pair __arrow_c_array__() returns");
        return -1;
    }
    struct ArrowSchema *s = PyCapsule_GetPointer(PyTuple_GET_ITEM(pair, 0), "arrow_schema");
    struct ArrowArray *a = PyCapsule_GetPointer(PyTuple_GET_ITEM(pair, 1), "arrow_array");
    if (!s || !a) return -1;
    memset(c, 0, sizeof(*c));
    c->kind = kind_of(s->format);
    c->length = a->length;
    c->offset = a->offset;
    if (a->length != rows) {
        PyErr_Format(PyExc_ValueError, "column %s has %lld rows, expected %lld", s->name ? s->name : "?",
                     (long long)a->length, (long long)rows);
        return -1;
    }
    c->valid = a->null_count ? a->buffers[0] : NULL;
    if (s->dictionary) {
        c->dict = 1;
        c->dkind = kind_of(s->dictionary->format);
        if (c->kind < K_I8 || c->kind > K_I64 || (c->dkind != K_STR && c->dkind != K_LSTR)) {
            PyErr_Format(PyExc_TypeError, "column %s: only dictionaries of strings with integer indices are supported",
                         s->name ? s->name : "?");
            return -1;
        }
        struct ArrowArray *d = a->dictionary;
        c->values = a->buffers[1];
        c->doffset = d->offset;
        c->dvalid = d->null_count ? d->buffers[0] : NULL;
        if (c->dkind == K_STR) c->doff32 = d->buffers[1]; else c->doff64 = d->buffers[1];
        c->ddata = d->buffers[2];
        return 0;
    }
    switch (c->kind) {
    case K_STR: c->off32 = a->buffers[1]; c->data = a->buffers[2]; break;
    case K_LSTR: c->off64 = a->buffers[1]; c->data = a->buffers[2]; break;
    case -1:
        PyErr_Format(PyExc_TypeError, "column %s has Arrow type '%s', which release text cannot format",
                     s->name ? s->name : "?", s->format);
        return -1;
    default: c->values = a->buffers[1];
    }
    return 0;
}

static inline int bit(const uint8_t *bits, int64_t i) { return (bits[i >> 3] >> (i & 7)) & 1; }

static inline int64_t index_at(const Col *c, int64_t j) {
    switch (c->kind) {
    case K_I8: return ((const int8_t *)c->values)[j];
    case K_I16: return ((const int16_t *)c->values)[j];
    case K_I32: return ((const int32_t *)c->values)[j];
    default: return ((const int64_t *)c->values)[j];
    }
}

static inline int is_null(const Col *c, int64_t i) {
    int64_t j = c->offset + i;
    if (c->valid && !bit(c->valid, j)) return 1;
    if (c->dict && c->dvalid) return !bit(c->dvalid, c->doffset + index_at(c, j));
    return 0;
}

static inline void str_at(const Col *c, int64_t i, const char **p, int64_t *n) {
    int64_t j = c->offset + i;
    if (c->dict) {
        int64_t k = c->doffset + index_at(c, j);
        int64_t a = c->doff32 ? c->doff32[k] : c->doff64[k], b = c->doff32 ? c->doff32[k + 1] : c->doff64[k + 1];
        *p = c->ddata + a;
        *n = b - a;
        return;
    }
    int64_t a = c->off32 ? c->off32[j] : c->off64[j], b = c->off32 ? c->off32[j + 1] : c->off64[j + 1];
    *p = c->data + a;
    *n = b - a;
}

static inline int is_string(const Col *c) { return c->dict || c->kind == K_STR || c->kind == K_LSTR; }

/* -- output buffer ------------------------------------------------------------------- */
typedef struct {
    char *p;
    size_t n, cap;
    int failed;
} Buf;

static inline int reserve(Buf *b, size_t more) {
    if (b->n + more <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 1 << 20;
    while (cap < b->n + more) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->failed = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

static inline void put(Buf *b, const char *s, size_t n) {
    if (reserve(b, n)) return;
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

static inline void putc_(Buf *b, char ch) {
    if (reserve(b, 1)) return;
    b->p[b->n++] = ch;
}

/* -- numbers --------------------------------------------------------------------------- */
static int u64_text(uint64_t v, char *out) {
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (int i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
    return n;
}

static int i64_text(int64_t v, char *out) {
    if (v < 0) {
        out[0] = '-';
        return 1 + u64_text((uint64_t)0 - (uint64_t)v, out + 1);
    }
    return u64_text((uint64_t)v, out);
}

static const double P10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                             1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19};
static const uint64_t U10[] = {1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
                               100000000ull, 1000000000ull, 10000000000ull, 100000000000ull,
                               1000000000000ull, 10000000000000ull, 100000000000000ull,
                               1000000000000000ull, 10000000000000000ull, 100000000000000000ull,
                               1000000000000000000ull, 10000000000000000000ull};

/* Where x sits just above a power of two, the gap below it is half the gap above, so
 * the correctly rounded `prec`+1 digits (in `buf`, printf's %e) may miss while their
 * neighbour on the wide side reads back as x: repr then takes the neighbour. Writes it
 * into `buf` as d.ddde±X and says whether it did. */
static int next_to(double x, char *buf, int prec) {
    uint64_t m = 0;
    char *e = buf;
    for (; *e && *e != 'e'; e++)
        if (*e >= '0' && *e <= '9') m = m * 10 + (uint64_t)(*e - '0');
    int exp10 = atoi(e + 1);
    for (int delta = -1; delta <= 1; delta += 2) {
        uint64_t c = delta < 0 ? m - 1 : m + 1;
        char digits[24], cand[48];
        int nd = snprintf(digits, sizeof digits, "%llu", (unsigned long long)c);
        if (nd != prec + 1) continue;
        snprintf(cand, sizeof cand, "%se%d", digits, exp10 - prec);
        if (strtod(cand, NULL) != x) continue;
        int k = 0;
        buf[k++] = digits[0];
        buf[k++] = '.';
        memcpy(buf + k, digits + 1, (size_t)(nd - 1));
        k += nd - 1;
        snprintf(buf + k, 16, "e%d", exp10);
        return 1;
    }
    return 0;
}

/* Python's repr of a double (which DuckDB's CAST to VARCHAR gives too): the shortest
 * digits that read back as `x`, in fixed notation for exponents -4..15, else d.ddde±XX. */
static int f64_text(double x, char *out) {
    char *p = out;
    if (isnan(x)) {
        memcpy(out, "nan", 3);
        return 3;
    }
    if (signbit(x)) {
        *p++ = '-';
        x = -x;
    }
    if (isinf(x)) {
        memcpy(p, "inf", 3);
        return (int)(p - out) + 3;
    }
    if (x == 0) {
        memcpy(p, "0.0", 3);
        return (int)(p - out) + 3;
    }
    if (x >= 1e-4 && x < 1e15) {
        /* Fast path: the fewest decimals d whose rounding reads back as x. Below 1e15 at
         * most one d-decimal number lies within half a unit of x, so it is the shortest. */
        for (int d = 0; d < 20; d++) {
            double s = x * P10[d];
            if (s >= 1e15) break;
            double m = nearbyint(s);
            if (m / P10[d] == x) {
                uint64_t mi = (uint64_t)m;
                p += u64_text(mi / U10[d], p);
                *p++ = '.';
                if (d == 0) {
                    *p++ = '0';
                } else {
                    uint64_t frac = mi % U10[d];
                    for (int k = d - 1; k >= 0; k--) {
                        p[k] = (char)('0' + frac % 10);
                        frac /= 10;
                    }
                    p += d;
                }
                return (int)(p - out);
            }
        }
    }
    /* Slow path: the fewest significant digits that read back as x (correctly rounded by
     * printf), then laid out as repr does. */
    char buf[48];
    int prec;
    for (prec = 0; prec < 17; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec, x);
        if (strtod(buf, NULL) == x) break;
        if (next_to(x, buf, prec)) break;
    }
    if (prec == 17) snprintf(buf, sizeof buf, "%.16e", x);
    char digits[24];
    int nd = 0;
    char *e = buf;
    for (; *e && *e != 'e'; e++)
        if (*e >= '0' && *e <= '9') digits[nd++] = *e;
    int exp10 = atoi(e + 1);
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    if (exp10 >= -4 && exp10 < 16) {
        if (exp10 >= 0) {
            for (int i = 0; i <= exp10; i++) *p++ = i < nd ? digits[i] : '0';
            *p++ = '.';
            if (nd > exp10 + 1) {
                memcpy(p, digits + exp10 + 1, (size_t)(nd - exp10 - 1));
                p += nd - exp10 - 1;
            } else {
                *p++ = '0';
            }
        } else {
            *p++ = '0';
            *p++ = '.';
            for (int i = 0; i < -exp10 - 1; i++) *p++ = '0';
            memcpy(p, digits, (size_t)nd);
            p += nd;
        }
    } else {
        *p++ = digits[0];
        if (nd > 1) {
            *p++ = '.';
            memcpy(p, digits + 1, (size_t)(nd - 1));
            p += nd - 1;
        }
        *p++ = 'e';
        *p++ = exp10 < 0 ? '-' : '+';
        int ae = exp10 < 0 ? -exp10 : exp10;
        if (ae < 10) *p++ = '0';
        p += u64_text((uint64_t)ae, p);
    }
    return (int)(p - out);
}

/* A non-string value's text (the caller has checked it is not NULL). */
static inline void put_value(Buf *b, const Col *c, int64_t i) {
    char tmp[48];
    int64_t j = c->offset + i;
    int n;
    switch (c->kind) {
    case K_I8: n = i64_text(((const int8_t *)c->values)[j], tmp); break;
    case K_I16: n = i64_text(((const int16_t *)c->values)[j], tmp); break;
    case K_I32: n = i64_text(((const int32_t *)c->values)[j], tmp); break;
    case K_I64: n = i64_text(((const int64_t *)c->values)[j], tmp); break;
    case K_F32: n = f64_text((double)((const float *)c->values)[j], tmp); break;
    case K_F64: n = f64_text(((const double *)c->values)[j], tmp); break;
    case K_BOOL:
        if (bit(c->values, j)) put(b, "true", 4); else put(b, "false", 5);
        return;
    default: return;
    }
    put(b, tmp, (size_t)n);
}

/* -- TSV ------------------------------------------------------------------------------- */
static void put_tsv_string(Buf *b, const char *s, int64_t n) {
    int quote = n == 0;
    for (int64_t k = 0; k < n && !quote; k++) quote = s[k] == '\t' || s[k] == '"' || s[k] == '\n' || s[k] == '\r';
    if (!quote) {
        put(b, s, (size_t)n);
        return;
    }
    putc_(b, '"');
    for (int64_t k = 0; k < n; k++) {
        if (s[k] == '"') putc_(b, '"');
        putc_(b, s[k]);
    }
    putc_(b, '"');
}

/* One TSV field: empty for NULL, a string quoted where needed, else the value's text. */
static inline void put_tsv_field(Buf *b, const Col *c, int64_t i) {
    if (is_null(c, i)) return;
    if (is_string(c)) {
        const char *s;
        int64_t n;
        str_at(c, i, &s, &n);
        put_tsv_string(b, s, n);
    } else {
        put_value(b, c, i);
    }
}

static Col *columns_of(PyObject *list, int64_t rows, Py_ssize_t *count) {
    PyObject *seq = PySequence_Fast(list, "columns must be a list");
    if (!seq) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    Col *cols = calloc((size_t)(n ? n : 1), sizeof(Col));
    if (!cols) {
        Py_DECREF(seq);
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        if (col_from(PySequence_Fast_GET_ITEM(seq, k), &cols[k], rows)) {
            free(cols);
            Py_DECREF(seq);
            return NULL;
        }
    }
    Py_DECREF(seq);
    *count = n;
    return cols;
}

static PyObject *bytes_of(Buf *b) {
    if (b->failed) {
        free(b->p);
        return PyErr_NoMemory();
    }
    PyObject *out = PyBytes_FromStringAndSize(b->p ? b->p : "", (Py_ssize_t)b->n);
    free(b->p);
    return out;
}

static PyObject *tsv(PyObject *self, PyObject *args) {
    PyObject *list;
    long long rows;
    if (!PyArg_ParseTuple(args, "OL", &list, &rows)) return NULL;
    Py_ssize_t n = 0;
    Col *cols = columns_of(list, rows, &n);
    if (!cols) return NULL;
    Buf b = {0};
    Py_BEGIN_ALLOW_THREADS
    for (int64_t i = 0; i < rows && !b.failed; i++) {
        for (Py_ssize_t k = 0; k < n; k++) {
            if (k) putc_(&b, '\t');
            put_tsv_field(&b, &cols[k], i);
        }
        putc_(&b, '\n');
    }
    Py_END_ALLOW_THREADS
    free(cols);
    return bytes_of(&b);
}

/* -- VCF ------------------------------------------------------------------------------- */
static void put_info_string(Buf *b, const char *s, int64_t n) {
    for (int64_t k = 0; k < n; k++) {
        switch (s[k]) {
        case '%': put(b, "%25", 3); break;
        case ';': put(b, "%3B", 3); break;
        case '=': put(b, "%3D", 3); break;
        case ' ': put(b, "%20", 3); break;
        case ',': put(b, "%2C", 3); break;
        case '\t': put(b, "%09", 3); break;
        default: putc_(b, s[k]);
        }
    }
}

static inline int64_t code_points(const char *s, int64_t n) {
    int64_t count = 0;
    for (int64_t k = 0; k < n; k++) count += ((unsigned char)s[k] & 0xC0) != 0x80;
    return count;
}

/* vcf(core, filter, info, keys, rows) -> (text, line starts, REF lengths): core is
 * [chrom, pos, ref, alt], filter a column or None, info the INFO columns and keys their
 * IDs (bytes). The starts and lengths are int64 arrays as bytes (for the tabix index). */
static PyObject *vcf(PyObject *self, PyObject *args) {
    PyObject *core_list, *filter_pair, *info_list, *key_list;
    long long rows;
    if (!PyArg_ParseTuple(args, "OOOOL", &core_list, &filter_pair, &info_list, &key_list, &rows)) return NULL;
    Py_ssize_t ncore = 0, ninfo = 0;
    Col *core = columns_of(core_list, rows, &ncore);
    if (!core) return NULL;
    if (ncore != 4) {
        free(core);
        PyErr_SetString(PyExc_ValueError, "core must be [chrom, pos, ref, alt]");
        return NULL;
    }
    Col filter;
    int has_filter = filter_pair != Py_None;
    if (has_filter && col_from(filter_pair, &filter, rows)) {
        free(core);
        return NULL;
    }
    Col *info = columns_of(info_list, rows, &ninfo);
    if (!info) {
        free(core);
        return NULL;
    }
    PyObject *keys_seq = PySequence_Fast(key_list, "keys must be a list of bytes");
    if (!keys_seq || PySequence_Fast_GET_SIZE(keys_seq) != ninfo) {
        Py_XDECREF(keys_seq);
        free(core);
        free(info);
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "one key per INFO column");
        return NULL;
    }
    const char **keys = calloc((size_t)(ninfo ? ninfo : 1), sizeof(char *));
    Py_ssize_t *key_len = calloc((size_t)(ninfo ? ninfo : 1), sizeof(Py_ssize_t));
    if (!keys || !key_len) {
        PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t k = 0; k < ninfo; k++) {
        char *s;
        if (PyBytes_AsStringAndSize(PySequence_Fast_GET_ITEM(keys_seq, k), &s, &key_len[k]) < 0) goto fail;
        keys[k] = s;
    }
    for (int k = 0; k < 4; k++) {
        if ((k == 1) == is_string(&core[k])) {
            PyErr_SetString(PyExc_TypeError, "chrom, ref and alt must be strings and pos an integer");
            goto fail;
        }
    }
    PyObject *starts_obj = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(rows * 8));
    PyObject *lengths_obj = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(rows * 8));
    if (!starts_obj || !lengths_obj) {
        Py_XDECREF(starts_obj);
        Py_XDECREF(lengths_obj);
        goto fail;
    }
    int64_t *starts = (int64_t *)PyBytes_AS_STRING(starts_obj), *lengths = (int64_t *)PyBytes_AS_STRING(lengths_obj);
    Buf b = {0};
    int64_t null_row = -1;
    Py_BEGIN_ALLOW_THREADS
    for (int64_t i = 0; i < rows && !b.failed; i++) {
        if (is_null(&core[0], i) || is_null(&core[1], i) || is_null(&core[2], i) || is_null(&core[3], i)) {
            null_row = i;
            break;
        }
        starts[i] = (int64_t)b.n;
        const char *s;
        int64_t n;
        str_at(&core[0], i, &s, &n);
        put(&b, s, (size_t)n);
        putc_(&b, '\t');
        put_value(&b, &core[1], i);
        put(&b, "\t.\t", 3);
        str_at(&core[2], i, &s, &n);
        lengths[i] = code_points(s, n);
        put(&b, s, (size_t)n);
        putc_(&b, '\t');
        str_at(&core[3], i, &s, &n);
        put(&b, s, (size_t)n);
        put(&b, "\t.\t", 3);
        if (has_filter && !is_null(&filter, i)) {
            str_at(&filter, i, &s, &n);
            put(&b, s, (size_t)n);
        } else {
            putc_(&b, '.');
        }
        putc_(&b, '\t');
        int first = 1;
        for (Py_ssize_t k = 0; k < ninfo; k++) {
            const Col *c = &info[k];
            if (is_null(c, i)) continue;
            if (c->kind == K_BOOL && !c->dict) {
                if (!bit(c->values, c->offset + i)) continue;
                if (!first) putc_(&b, ';');
                put(&b, keys[k], (size_t)key_len[k]);
            } else {
                if (!first) putc_(&b, ';');
                put(&b, keys[k], (size_t)key_len[k]);
                putc_(&b, '=');
                if (is_string(c)) {
                    str_at(c, i, &s, &n);
                    put_info_string(&b, s, n);
                } else {
                    put_value(&b, c, i);
                }
            }
            first = 0;
        }
        if (first) putc_(&b, '.');
        putc_(&b, '\n');
    }
    Py_END_ALLOW_THREADS
    free(keys);
    free(key_len);
    free(core);
    free(info);
    Py_DECREF(keys_seq);
    if (null_row >= 0) {
        free(b.p);
        Py_DECREF(starts_obj);
        Py_DECREF(lengths_obj);
        PyErr_Format(PyExc_ValueError, "a VCF line is NULL (row %lld of its batch): a released variant lacks its "
                     "chromosome, position, REF or ALT", (long long)null_row);
        return NULL;
    }
    PyObject *text = bytes_of(&b);
    if (!text) {
        Py_DECREF(starts_obj);
        Py_DECREF(lengths_obj);
        return NULL;
    }
    return Py_BuildValue("(NNN)", text, starts_obj, lengths_obj);
fail:
    free(keys);
    free(key_len);
    free(core);
    free(info);
    Py_DECREF(keys_seq);
    return NULL;
}

/* -- MAF ------------------------------------------------------------------------------- */
static inline int64_t first_char_bytes(const char *s, int64_t n) {
    if (n == 0) return 0;
    unsigned char c = (unsigned char)s[0];
    int64_t k = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    return k < n ? k : n;
}

static inline void put_i64(Buf *b, int64_t v) {
    char tmp[24];
    put(b, tmp, (size_t)i64_text(v, tmp));
}

/* An allele without its padding base, '-' when nothing is left. */
static inline void put_unpadded(Buf *b, const char *s, int64_t n) {
    int64_t k = first_char_bytes(s, n);
    if (n - k == 0) putc_(b, '-'); else put_tsv_string(b, s + k, n - k);
}

/* maf(core, extra, rows) -> bytes: MAF 2.4 rows (no header) from core = [sample, chrom,
 * pos, ref, alt] and `extra` columns written as they are (Hugo_Symbol ...). VCF alleles
 * become MAF's: no shared padding base, '-' for an empty allele, insertions spanning the
 * two flanking positions (as release.writers.maf_sql says in SQL). */
static PyObject *maf(PyObject *self, PyObject *args) {
    PyObject *core_list, *extra_list;
    long long rows;
    if (!PyArg_ParseTuple(args, "OOL", &core_list, &extra_list, &rows)) return NULL;
    Py_ssize_t ncore = 0, nextra = 0;
    Col *core = columns_of(core_list, rows, &ncore);
    if (!core) return NULL;
    Col *extra = columns_of(extra_list, rows, &nextra);
    if (!extra || ncore != 5 || !is_string(&core[0]) || !is_string(&core[1]) || is_string(&core[2]) || !is_string(&core[3]) ||
        !is_string(&core[4])) {
        free(core);
        free(extra);
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "core must be [sample, chrom, pos, ref, alt] (strings, integer pos)");
        return NULL;
    }
    Buf b = {0};
    int64_t null_row = -1;
    Py_BEGIN_ALLOW_THREADS
    for (int64_t i = 0; i < rows && !b.failed; i++) {
        if (is_null(&core[0], i) || is_null(&core[1], i) || is_null(&core[2], i) || is_null(&core[3], i) || is_null(&core[4], i)) {
            null_row = i;
            break;
        }
        const char *sample, *chrom, *ref, *alt;
        int64_t ns, nc, nr, na;
        str_at(&core[0], i, &sample, &ns);
        str_at(&core[1], i, &chrom, &nc);
        str_at(&core[3], i, &ref, &nr);
        str_at(&core[4], i, &alt, &na);
        int64_t j = core[2].offset + i, pos;
        switch (core[2].kind) {
        case K_I32: pos = ((const int32_t *)core[2].values)[j]; break;
        case K_I64: pos = ((const int64_t *)core[2].values)[j]; break;
        default: pos = 0;
        }
        int64_t lr = code_points(ref, nr), la = code_points(alt, na);
        int64_t fr = first_char_bytes(ref, nr), fa = first_char_bytes(alt, na);
        int padded = lr != la && lr >= 1 && la >= 1 && fr == fa && memcmp(ref, alt, (size_t)fr) == 0;
        int64_t start = padded && la > lr ? pos : padded ? pos + 1 : pos;
        int64_t end = padded && la > lr ? pos + 1 : pos + lr - 1;
        put_tsv_string(&b, sample, ns);
        putc_(&b, '\t');
        put_tsv_string(&b, chrom, nc);
        putc_(&b, '\t');
        put_i64(&b, start);
        putc_(&b, '\t');
        put_i64(&b, end);
        put(&b, "\t+\t", 3);
        if (lr == la) put(&b, lr == 1 ? "SNP" : lr == 2 ? "DNP" : lr == 3 ? "TNP" : "ONP", 3);
        else put(&b, la > lr ? "INS" : "DEL", 3);
        for (int k = 0; k < 2; k++) {
            putc_(&b, '\t');
            if (padded) put_unpadded(&b, ref, nr); else put_tsv_string(&b, ref, nr);
        }
        putc_(&b, '\t');
        if (padded) put_unpadded(&b, alt, na); else put_tsv_string(&b, alt, na);
        for (Py_ssize_t k = 0; k < nextra; k++) {
            putc_(&b, '\t');
            put_tsv_field(&b, &extra[k], i);
        }
        putc_(&b, '\n');
    }
    Py_END_ALLOW_THREADS
    free(core);
    free(extra);
    if (null_row >= 0) {
        free(b.p);
        PyErr_Format(PyExc_ValueError, "a MAF row is NULL (row %lld of its batch): a released variant lacks its sample, "
                     "chromosome, position, REF or ALT", (long long)null_row);
        return NULL;
    }
    return bytes_of(&b);
}

static PyObject *double_text(PyObject *self, PyObject *arg) {
    double x = PyFloat_AsDouble(arg);
    if (x == -1.0 && PyErr_Occurred()) return NULL;
    char tmp[48];
    int n = f64_text(x, tmp);
    return PyUnicode_FromStringAndSize(tmp, n);
}

static PyMethodDef METHODS[] = {
    {"tsv", tsv, METH_VARARGS, "tsv(columns, rows) -> bytes: the rows as TSV lines (no header)."},
    {"vcf", vcf, METH_VARARGS, "vcf(core, filter, info, keys, rows) -> (text, starts, ref_lengths)."},
    {"maf", maf, METH_VARARGS, "maf(core, extra, rows) -> bytes: MAF 2.4 rows (no header)."},
    {"double_text", double_text, METH_O, "A double's text as the TSV and VCF writers give it (Python's repr)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef MODULE = {PyModuleDef_HEAD_INIT, "_text", NULL, -1, METHODS};

PyMODINIT_FUNC PyInit__text(void) { return PyModule_Create(&MODULE); }
