/* One pass over a chunk of VCF data lines → Arrow column buffers (the bulk path's tokenizer).
 *
 * Why C: splitting ~250-byte INFO columns into key/value tokens is the bulk of the work
 * of a VCF ingest, and every vectorised route tried (DuckDB list functions, regexes,
 * Polars, NumPy) cost 5-8 CPU seconds per million records against bcftools' ~2.4.
 * This scanner touches each byte a few times and runs with the GIL released.
 *
 * It only ever says less, never something different: a line it is not sure about
 * (wrong column count, non-ASCII or CR bytes, percent-encoding, a POS, REF, ALT, number
 * or read count outside the plain patterns, an unknown contig, a FORMAT naming a key
 * twice) is listed as "hard" and converted by the careful (cyvcf2-style Python) path,
 * which is the reference and reports problems with their line and column.
 * What the plain lines become is documented in bulk.py, which builds the model's columns.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_KEYS 32
#define MAX_PARTS 16
#define MAX_FORMAT 64

typedef struct {
    char *data;
    size_t len, cap;
    int32_t *off;
    uint8_t *valid;
    Py_ssize_t nulls;
} StrCol;

typedef struct {
    void *values; /* double or int64_t, one per row */
    uint8_t *valid;
    Py_ssize_t nulls;
} NumCol;

typedef struct {
    const char *p;
    Py_ssize_t n;
} Span;

static inline void bit_set(uint8_t *bits, Py_ssize_t i) { bits[i >> 3] |= (uint8_t)(1u << (i & 7)); }

static int str_init(StrCol *c, Py_ssize_t rows) {
    memset(c, 0, sizeof(*c));
    c->cap = 1 << 16;
    c->data = malloc(c->cap);
    c->off = calloc((size_t)rows + 1, sizeof(int32_t));
    c->valid = calloc((size_t)rows / 8 + 1, 1);
    return c->data && c->off && c->valid ? 0 : -1;
}

static void str_free(StrCol *c) {
    free(c->data);
    free(c->off);
    free(c->valid);
}

/* Row `row` gets `s` (NULL for a missing value). */
static int str_put(StrCol *c, Py_ssize_t row, const char *s, Py_ssize_t n) {
    if (s == NULL) {
        c->nulls++;
    } else {
        if (c->len + (size_t)n > c->cap) {
            size_t cap = c->cap;
            while (c->len + (size_t)n > cap) cap *= 2;
            char *grown = realloc(c->data, cap);
            if (grown == NULL) return -1;
            c->data = grown;
            c->cap = cap;
        }
        memcpy(c->data + c->len, s, (size_t)n);
        c->len += (size_t)n;
        bit_set(c->valid, row);
    }
    c->off[row + 1] = (int32_t)c->len;
    return 0;
}

static int num_init(NumCol *c, Py_ssize_t rows) {
    c->values = calloc((size_t)rows + 1, 8);
    c->valid = calloc((size_t)rows / 8 + 1, 1);
    c->nulls = 0;
    return c->values && c->valid ? 0 : -1;
}

static void num_free(NumCol *c) {
    free(c->values);
    free(c->valid);
}

/* VCF's missing value: '.' or nothing. */
static inline int missing(const char *s, Py_ssize_t n) { return s == NULL || n == 0 || (n == 1 && s[0] == '.'); }

static inline int is_base(char c) {
    switch (c) {
    case 'A': case 'C': case 'G': case 'T': case 'N': case 'a': case 'c': case 'g': case 't': case 'n': return 1;
    default: return 0;
    }
}

static int all_bases(Span s) {
    if (s.n == 0) return 0;
    for (Py_ssize_t i = 0; i < s.n; i++)
        if (!is_base(s.p[i])) return 0;
    return 1;
}

/* [0-9]{1,18} → value; 0 if it does not match (so it always fits in int64). */
static int count(const char *s, Py_ssize_t n, int64_t *out) {
    if (n < 1 || n > 18) return 0;
    int64_t v = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

/* Clinger's fast path for a plain decimal (no exponent, at most 15 digits): the digits as an
 * integer and a power of ten are both exact doubles, so one division rounds exactly as strtod
 * does. glibc's strtod is the slowest part of a line otherwise. 0 when it does not apply. */
static const double POW10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};

static int fast_number(const char *s, Py_ssize_t n, double *out) {
    Py_ssize_t i = 0;
    int negative = 0, digits = 0, decimals = -1;
    int64_t m = 0;
    if (s[i] == '+' || s[i] == '-') negative = s[i++] == '-';
    for (; i < n; i++) {
        if (s[i] == '.') {
            if (decimals >= 0) return 0;
            decimals = 0;
        } else if (s[i] >= '0' && s[i] <= '9') {
            if (++digits > 15) return 0;
            m = m * 10 + (s[i] - '0');
            if (decimals >= 0) decimals++;
        } else {
            return 0; /* an exponent: strtod */
        }
    }
    double v = (double)m / POW10[decimals > 0 ? decimals : 0];
    *out = negative ? -v : v;
    return 1;
}

/* fields.FLOAT: [+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?, parsed by strtod; 0 if it does not match or over/underflows. */
static int number(const char *s, Py_ssize_t n, double *out) {
    char buf[64];
    Py_ssize_t i = 0, digits = 0;
    if (n <= 0 || n >= (Py_ssize_t)sizeof(buf)) return 0;
    if (s[i] == '+' || s[i] == '-') i++;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++, digits++;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++, digits++;
    }
    if (digits == 0) return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        Py_ssize_t exp = 0;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++, exp++;
        if (exp == 0) return 0;
    }
    if (i != n) return 0;
    if (fast_number(s, n, out)) return 1;
    memcpy(buf, s, (size_t)n);
    buf[n] = '\0';
    errno = 0;
    char *end;
    double v = strtod(buf, &end);
    if (errno != 0 || end != buf + n) return 0;
    *out = v;
    return 1;
}

/* The i-th (0-based) `sep`-separated part of s, or a NULL span when there are fewer parts. */
static Span part(Span s, char sep, int i) {
    const char *p = s.p, *end = s.p + s.n;
    for (int k = 0; k < i; k++) {
        const char *q = memchr(p, sep, (size_t)(end - p));
        if (q == NULL) return (Span){NULL, 0};
        p = q + 1;
    }
    const char *q = memchr(p, sep, (size_t)(end - p));
    return (Span){p, (q ? q : end) - p};
}

#define MAX_KEY_LEN 64
#define MAX_SLOTS (3 * MAX_KEYS + 2)

/* A wanted INFO key: kind 's' string, 'n' number, 'f' flag, 'p' the annotation to split; 0 ends a list. */
typedef struct {
    char kind;
    int index;
    const char *key;
} Slot;

typedef struct {
    /* wanted INFO keys by length, so a token is compared with the few keys of its length only */
    Slot slots[MAX_SLOTS + MAX_KEY_LEN];
    const Slot *by_len[MAX_KEY_LEN];
    /* what to look for (copied from the Python arguments) */
    Py_ssize_t n_fields, tumor;
    Py_ssize_t n_contigs;
    Span *contig_names;
    int64_t *contig_lengths;
    Py_ssize_t n_str, n_num, n_flag, n_part;
    Span str_keys[MAX_KEYS], num_keys[MAX_KEYS], flag_keys[MAX_KEYS], part_key;
    int part_index[MAX_PARTS];
    /* results */
    Py_ssize_t rows;
    StrCol chrom, ref, alt, filter, strs[MAX_KEYS], parts[MAX_PARTS];
    NumCol pos, nums[MAX_KEYS], ad_ref, ad_alt, dp;
    uint8_t *flags[MAX_KEYS], *annotated;
    int64_t *hard;
    Py_ssize_t n_hard;
    int failed;
} Scan;

/* The contig's length, or -1 when it is not a primary contig of the build (a one-entry cache: files are sorted). */
static int64_t contig_length(Scan *s, Span chrom, Py_ssize_t *last) {
    if (*last >= 0 && s->contig_names[*last].n == chrom.n && memcmp(s->contig_names[*last].p, chrom.p, (size_t)chrom.n) == 0)
        return s->contig_lengths[*last];
    for (Py_ssize_t i = 0; i < s->n_contigs; i++) {
        if (s->contig_names[i].n == chrom.n && memcmp(s->contig_names[i].p, chrom.p, (size_t)chrom.n) == 0) {
            *last = i;
            return s->contig_lengths[i];
        }
    }
    return -1;
}

static inline int key_is(Span token_key, Span key) { return token_key.n == key.n && memcmp(token_key.p, key.p, (size_t)key.n) == 0; }

/* FORMAT keys → 0-based positions of AD and DP (-1 if absent); 0 when a key appears twice. */
static int format_positions(Span fmt, int *ad, int *dp) {
    Span keys[MAX_FORMAT];
    int n = 0;
    const char *p = fmt.p, *end = fmt.p + fmt.n;
    *ad = *dp = -1;
    for (;;) {
        const char *q = memchr(p, ':', (size_t)(end - p));
        if (n == MAX_FORMAT) return 0;
        keys[n] = (Span){p, (q ? q : end) - p};
        for (int k = 0; k < n; k++)
            if (keys[k].n == keys[n].n && memcmp(keys[k].p, keys[n].p, (size_t)keys[n].n) == 0) return 0;
        if (keys[n].n == 2 && memcmp(keys[n].p, "AD", 2) == 0) *ad = n;
        if (keys[n].n == 2 && memcmp(keys[n].p, "DP", 2) == 0) *dp = n;
        n++;
        if (q == NULL) return 1;
        p = q + 1;
    }
}

/* No byte >= 0x80 (not ASCII: the careful path decodes UTF-8) and no CR (a Windows line end), eight bytes at a time. */
static int plain_ascii(const char *p, const char *end) {
    const uint64_t high = 0x8080808080808080ull, ones = 0x0101010101010101ull, cr = 0x0d0d0d0d0d0d0d0dull;
    for (; end - p >= 8; p += 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        uint64_t x = w ^ cr; /* a zero byte where w had CR */
        if ((w & high) || ((x - ones) & ~x & high)) return 0;
    }
    for (; p < end; p++)
        if ((unsigned char)*p >= 0x80 || *p == '\r') return 0;
    return 1;
}

/* Convert one line into row s->rows; 0 if the line is hard (nothing written). */
static int line(Scan *s, const char *p, const char *end, Py_ssize_t *last_contig, Span *last_fmt, int *fmt_ok, int *ad_at, int *dp_at) {
    Span f[MAX_FORMAT];
    Py_ssize_t nf = 0;
    if (!plain_ascii(p, end)) return 0;
    for (const char *start = p;;) {
        const char *tab = memchr(start, '\t', (size_t)(end - start));
        if (nf >= s->n_fields) return 0;
        f[nf++] = (Span){start, (tab ? tab : end) - start};
        if (tab == NULL) break;
        start = tab + 1;
    }
    if (nf != s->n_fields) return 0;

    Span chrom = f[0], info = f[7], fmt = f[8], tumor = f[s->tumor];
    int64_t position, length;
    if (!count(f[1].p, f[1].n, &position) || position < 1) return 0;
    if ((length = contig_length(s, chrom, last_contig)) < 0 || position > length) return 0;
    if (!all_bases(f[3]) || !all_bases(f[4])) return 0;
    if (memchr(info.p, '%', (size_t)info.n) != NULL) return 0;

    if (last_fmt->p == NULL || last_fmt->n != fmt.n || memcmp(last_fmt->p, fmt.p, (size_t)fmt.n) != 0) {
        *fmt_ok = format_positions(fmt, ad_at, dp_at);
        *last_fmt = fmt;
    }
    if (!*fmt_ok) return 0;
    Span ad = *ad_at >= 0 ? part(tumor, ':', *ad_at) : (Span){NULL, 0};
    Span dp = *dp_at >= 0 ? part(tumor, ':', *dp_at) : (Span){NULL, 0};
    int64_t ad_ref = 0, ad_alt = 0, depth = 0;
    int has_ad = !missing(ad.p, ad.n), has_dp = !missing(dp.p, dp.n);
    if (has_ad) {
        Span a = part(ad, ',', 0), b = part(ad, ',', 1);
        if (b.p == NULL || b.p + b.n != ad.p + ad.n || !count(a.p, a.n, &ad_ref) || !count(b.p, b.n, &ad_alt)) return 0;
    }
    if (has_dp && !count(dp.p, dp.n, &depth)) return 0;

    /* INFO: the first token of each wanted key (a bare key has no value), any token for a flag. */
    Span str_val[MAX_KEYS], num_val[MAX_KEYS], part_val = {NULL, 0};
    int str_seen[MAX_KEYS] = {0}, num_seen[MAX_KEYS] = {0}, part_seen = 0, flag[MAX_KEYS] = {0};
    for (Py_ssize_t k = 0; k < s->n_str; k++) str_val[k] = (Span){NULL, 0};
    for (Py_ssize_t k = 0; k < s->n_num; k++) num_val[k] = (Span){NULL, 0};
    for (const char *t = info.p, *info_end = info.p + info.n;;) {
        const char *q = t, *eq = NULL;
        for (; q < info_end && *q != ';'; q++)
            if (*q == '=' && eq == NULL) eq = q;
        Span key = {t, (eq ? eq : q) - t};
        Span value = eq ? (Span){eq + 1, q - eq - 1} : (Span){NULL, 0};
        if (key.n < MAX_KEY_LEN) {
            for (const Slot *slot = s->by_len[key.n]; slot->kind; slot++) {
                if (memcmp(key.p, slot->key, (size_t)key.n) != 0) continue;
                int k = slot->index;
                if (slot->kind == 's' && !str_seen[k]) str_seen[k] = 1, str_val[k] = value;
                if (slot->kind == 'n' && !num_seen[k]) num_seen[k] = 1, num_val[k] = value;
                if (slot->kind == 'p' && !part_seen) part_seen = 1, part_val = value;
                if (slot->kind == 'f') flag[k] = 1;
            }
        }
        if (q == info_end) break;
        t = q + 1;
    }
    double nums[MAX_KEYS];
    for (Py_ssize_t k = 0; k < s->n_num; k++)
        if (!missing(num_val[k].p, num_val[k].n) && !number(num_val[k].p, num_val[k].n, &nums[k])) return 0;

    /* The line is plain: write its row. */
    Py_ssize_t r = s->rows;
    if (str_put(&s->chrom, r, chrom.p, chrom.n) || str_put(&s->ref, r, f[3].p, f[3].n) || str_put(&s->alt, r, f[4].p, f[4].n) ||
        str_put(&s->filter, r, (f[6].n == 1 && f[6].p[0] == '.') ? NULL : f[6].p, f[6].n))
        return -1;
    ((int64_t *)s->pos.values)[r] = position;
    bit_set(s->pos.valid, r);
    for (Py_ssize_t k = 0; k < s->n_str; k++) {
        int none = missing(str_val[k].p, str_val[k].n);
        if (str_put(&s->strs[k], r, none ? NULL : str_val[k].p, str_val[k].n)) return -1;
    }
    for (Py_ssize_t k = 0; k < s->n_num; k++) {
        if (missing(num_val[k].p, num_val[k].n)) {
            s->nums[k].nulls++;
        } else {
            ((double *)s->nums[k].values)[r] = nums[k];
            bit_set(s->nums[k].valid, r);
        }
    }
    for (Py_ssize_t k = 0; k < s->n_flag; k++)
        if (flag[k]) bit_set(s->flags[k], r);
    int annotated = !missing(part_val.p, part_val.n);
    if (annotated) bit_set(s->annotated, r);
    for (Py_ssize_t k = 0; k < s->n_part; k++) {
        Span v = annotated ? part(part_val, ',', s->part_index[k]) : (Span){NULL, 0};
        if (str_put(&s->parts[k], r, missing(v.p, v.n) ? NULL : v.p, v.n)) return -1;
    }
    NumCol *counts[3] = {&s->ad_ref, &s->ad_alt, &s->dp};
    int64_t values[3] = {ad_ref, ad_alt, depth};
    int present[3] = {has_ad, has_ad, has_dp};
    for (int k = 0; k < 3; k++) {
        if (present[k]) {
            ((int64_t *)counts[k]->values)[r] = values[k];
            bit_set(counts[k]->valid, r);
        } else {
            counts[k]->nulls++;
        }
    }
    s->rows++;
    return 1;
}

static void scan_lines(Scan *s, const char *data, Py_ssize_t size) {
    const char *p = data, *end = data + size;
    Py_ssize_t index = 0, last_contig = -1;
    Span last_fmt = {NULL, 0};
    int fmt_ok = 0, ad_at = -1, dp_at = -1;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = nl ? nl : end;
        int got = line(s, p, line_end, &last_contig, &last_fmt, &fmt_ok, &ad_at, &dp_at);
        if (got < 0) {
            s->failed = 1;
            return;
        }
        if (got == 0) s->hard[s->n_hard++] = index;
        index++;
        p = line_end + 1;
    }
}

/* Python objects out: a string column is (validity or None, offsets, data), a number column (validity or None, values). */
static PyObject *bits_or_none(uint8_t *bits, Py_ssize_t nulls, Py_ssize_t rows) {
    if (nulls == 0) Py_RETURN_NONE;
    return PyBytes_FromStringAndSize((const char *)bits, rows / 8 + 1);
}

static PyObject *str_out(StrCol *c, Py_ssize_t rows) {
    return Py_BuildValue("(NNN)", bits_or_none(c->valid, c->nulls, rows),
                         PyBytes_FromStringAndSize((const char *)c->off, (rows + 1) * (Py_ssize_t)sizeof(int32_t)),
                         PyBytes_FromStringAndSize(c->data, (Py_ssize_t)c->len));
}

static PyObject *num_out(NumCol *c, Py_ssize_t rows) {
    return Py_BuildValue("(NN)", bits_or_none(c->valid, c->nulls, rows), PyBytes_FromStringAndSize(c->values, rows * 8));
}

static int keys_from(PyObject *seq, Span *keys, Py_ssize_t *n, const char *what) {
    PyObject *fast = PySequence_Fast(seq, what);
    if (fast == NULL) return -1;
    *n = PySequence_Fast_GET_SIZE(fast);
    if (*n > MAX_KEYS) {
        Py_DECREF(fast);
        PyErr_Format(PyExc_ValueError, "at most %d %s", MAX_KEYS, what);
        return -1;
    }
    for (Py_ssize_t i = 0; i < *n; i++) {
        char *p;
        Py_ssize_t len;
        if (PyBytes_AsStringAndSize(PySequence_Fast_GET_ITEM(fast, i), &p, &len) < 0) {
            Py_DECREF(fast);
            return -1;
        }
        keys[i] = (Span){p, len};
    }
    Py_DECREF(fast); /* the bytes stay alive: the caller's tuples hold them */
    return 0;
}

/* s->by_len[n]: the wanted keys of length n, each list ended by a kind-0 slot. */
static int index_keys(Scan *s) {
    struct { char kind; Span *keys; Py_ssize_t n; } groups[4] = {
        {'s', s->str_keys, s->n_str}, {'n', s->num_keys, s->n_num}, {'f', s->flag_keys, s->n_flag}, {'p', &s->part_key, s->n_part ? 1 : 0}};
    int used = 0;
    for (Py_ssize_t len = 0; len < MAX_KEY_LEN; len++) {
        s->by_len[len] = &s->slots[used];
        for (int g = 0; g < 4; g++)
            for (Py_ssize_t k = 0; k < groups[g].n; k++)
                if (groups[g].keys[k].n == len) {
                    if (len == 0) continue; /* an empty key never names a field */
                    s->slots[used++] = (Slot){groups[g].kind, (int)k, groups[g].keys[k].p};
                }
        s->slots[used++] = (Slot){0, 0, NULL};
    }
    for (int g = 0; g < 4; g++)
        for (Py_ssize_t k = 0; k < groups[g].n; k++)
            if (groups[g].keys[k].n >= MAX_KEY_LEN) {
                PyErr_Format(PyExc_ValueError, "INFO keys must be shorter than %d characters", MAX_KEY_LEN);
                return -1;
            }
    return 0;
}

static PyObject *build_result(Scan *s, PyObject *py_hard) {
    Py_ssize_t rows = s->rows;
    PyObject *out = PyDict_New(), *v;
    if (out == NULL) return NULL;
#define PUT(name, expr) \
    if ((v = (expr)) == NULL || PyDict_SetItemString(out, name, v) < 0) goto fail; \
    Py_DECREF(v);
    PUT("rows", PyLong_FromSsize_t(rows));
    PUT("hard", (Py_INCREF(py_hard), py_hard));
    PUT("chromosome", str_out(&s->chrom, rows));
    PUT("ref", str_out(&s->ref, rows));
    PUT("alt", str_out(&s->alt, rows));
    PUT("filter", str_out(&s->filter, rows));
    PUT("position", num_out(&s->pos, rows));
    PUT("ad_ref", num_out(&s->ad_ref, rows));
    PUT("ad_alt", num_out(&s->ad_alt, rows));
    PUT("dp", num_out(&s->dp, rows));
    PUT("annotated", PyBytes_FromStringAndSize((const char *)s->annotated, rows / 8 + 1));
    PyObject *list;
    PUT("strings", (list = PyList_New(s->n_str)));
    for (Py_ssize_t k = 0; k < s->n_str; k++) {
        if ((v = str_out(&s->strs[k], rows)) == NULL) goto fail;
        PyList_SET_ITEM(list, k, v);
    }
    PUT("numbers", (list = PyList_New(s->n_num)));
    for (Py_ssize_t k = 0; k < s->n_num; k++) {
        if ((v = num_out(&s->nums[k], rows)) == NULL) goto fail;
        PyList_SET_ITEM(list, k, v);
    }
    PUT("flags", (list = PyList_New(s->n_flag)));
    for (Py_ssize_t k = 0; k < s->n_flag; k++) {
        if ((v = PyBytes_FromStringAndSize((const char *)s->flags[k], rows / 8 + 1)) == NULL) goto fail;
        PyList_SET_ITEM(list, k, v);
    }
    PUT("parts", (list = PyList_New(s->n_part)));
    for (Py_ssize_t k = 0; k < s->n_part; k++) {
        if ((v = str_out(&s->parts[k], rows)) == NULL) goto fail;
        PyList_SET_ITEM(list, k, v);
    }
#undef PUT
    return out;
fail:
    Py_DECREF(out);
    return NULL;
}

static void scan_free(Scan *s) {
    str_free(&s->chrom), str_free(&s->ref), str_free(&s->alt), str_free(&s->filter);
    num_free(&s->pos), num_free(&s->ad_ref), num_free(&s->ad_alt), num_free(&s->dp);
    for (int k = 0; k < MAX_KEYS; k++) str_free(&s->strs[k]), num_free(&s->nums[k]), free(s->flags[k]);
    for (int k = 0; k < MAX_PARTS; k++) str_free(&s->parts[k]);
    free(s->annotated), free(s->hard), free(s->contig_names), free(s->contig_lengths);
}

static PyObject *scan(PyObject *self, PyObject *args, PyObject *kwargs) {
    static char *kw[] = {"data", "n_fields", "tumor", "contigs", "strings", "numbers", "flags", "part_key", "part_index", NULL};
    Py_buffer data;
    Py_ssize_t n_fields, tumor;
    PyObject *contigs, *strings, *numbers, *flags, *part_index;
    const char *part_key;
    Py_ssize_t part_key_len;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "y*nnOOOOy#O", kw, &data, &n_fields, &tumor, &contigs, &strings, &numbers,
                                     &flags, &part_key, &part_key_len, &part_index))
        return NULL;
    Scan *s = calloc(1, sizeof(Scan));
    PyObject *result = NULL, *names = NULL, *index = NULL, *py_hard = NULL;
    if (s == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (n_fields < 10 || tumor < 9 || tumor >= n_fields || n_fields > MAX_FORMAT) {
        PyErr_SetString(PyExc_ValueError, "n_fields must be 10..64 and tumor a sample column (9 .. n_fields-1)");
        goto done;
    }
    s->n_fields = n_fields, s->tumor = tumor;
    if (keys_from(strings, s->str_keys, &s->n_str, "string keys") || keys_from(numbers, s->num_keys, &s->n_num, "number keys") ||
        keys_from(flags, s->flag_keys, &s->n_flag, "flag keys"))
        goto done;
    s->part_key = (Span){part_key, part_key_len};
    if ((index = PySequence_Fast(part_index, "part_index must be a sequence of ints")) == NULL) goto done;
    s->n_part = PySequence_Fast_GET_SIZE(index);
    if (s->n_part > MAX_PARTS) {
        PyErr_Format(PyExc_ValueError, "at most %d parts", MAX_PARTS);
        goto done;
    }
    for (Py_ssize_t k = 0; k < s->n_part; k++) {
        long i = PyLong_AsLong(PySequence_Fast_GET_ITEM(index, k));
        if (i < 0 || i > 1000) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "part indices must be 0..1000");
            goto done;
        }
        s->part_index[k] = (int)i;
    }
    if (index_keys(s) < 0) goto done;
    /* contigs: a sequence of (name bytes, length int) */
    if ((names = PySequence_Fast(contigs, "contigs must be a sequence of (bytes, int)")) == NULL) goto done;
    s->n_contigs = PySequence_Fast_GET_SIZE(names);
    s->contig_names = calloc((size_t)s->n_contigs + 1, sizeof(Span));
    s->contig_lengths = calloc((size_t)s->n_contigs + 1, sizeof(int64_t));
    if (!s->contig_names || !s->contig_lengths) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < s->n_contigs; i++) {
        char *p;
        Py_ssize_t len;
        long long length;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(names, i), "y#L", &p, &len, &length)) goto done;
        s->contig_names[i] = (Span){p, len};
        s->contig_lengths[i] = length;
    }

    const char *bytes = data.buf;
    Py_ssize_t lines = 1;
    for (const char *q = bytes; (q = memchr(q, '\n', (size_t)(bytes + data.len - q))) != NULL; q++) lines++;
    int bad = str_init(&s->chrom, lines) || str_init(&s->ref, lines) || str_init(&s->alt, lines) || str_init(&s->filter, lines) ||
              num_init(&s->pos, lines) || num_init(&s->ad_ref, lines) || num_init(&s->ad_alt, lines) || num_init(&s->dp, lines);
    for (Py_ssize_t k = 0; k < s->n_str; k++) bad = bad || str_init(&s->strs[k], lines);
    for (Py_ssize_t k = 0; k < s->n_num; k++) bad = bad || num_init(&s->nums[k], lines);
    for (Py_ssize_t k = 0; k < s->n_flag; k++) bad = bad || (s->flags[k] = calloc((size_t)lines / 8 + 1, 1)) == NULL;
    for (Py_ssize_t k = 0; k < s->n_part; k++) bad = bad || str_init(&s->parts[k], lines);
    bad = bad || (s->annotated = calloc((size_t)lines / 8 + 1, 1)) == NULL || (s->hard = calloc((size_t)lines, sizeof(int64_t))) == NULL;
    if (bad) {
        PyErr_NoMemory();
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    scan_lines(s, bytes, data.len); /* a line ends at '\n' (the last one may not have it) */
    Py_END_ALLOW_THREADS
    if (s->failed) {
        PyErr_NoMemory();
        goto done;
    }
    if ((py_hard = PyList_New(s->n_hard)) == NULL) goto done;
    for (Py_ssize_t i = 0; i < s->n_hard; i++) {
        PyObject *n = PyLong_FromLongLong(s->hard[i]);
        if (n == NULL) goto done;
        PyList_SET_ITEM(py_hard, i, n);
    }
    result = build_result(s, py_hard);
done:
    Py_XDECREF(py_hard);
    Py_XDECREF(names);
    Py_XDECREF(index);
    if (s) scan_free(s), free(s);
    PyBuffer_Release(&data);
    return result;
}

static PyMethodDef methods[] = {
    {"scan", (PyCFunction)(void (*)(void))scan, METH_VARARGS | METH_KEYWORDS,
     "scan(data, n_fields, tumor, contigs, strings, numbers, flags, part_key, part_index) -> dict of Arrow buffers\n\n"
     "Plain VCF data lines → column buffers; the indices of the other ('hard') lines under 'hard'."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_scan", "Single-pass VCF line tokenizer for the bulk path.", -1, methods};

PyMODINIT_FUNC PyInit__scan(void) { return PyModule_Create(&module); }
