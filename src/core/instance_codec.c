/* The binary encoding of one instance row, for the state store: a scored instance kept
 * as a pending event until its label arrives, and learn calls in the update log. The
 * bytes carry names, not keys, because key ids are private to each builder; decoding
 * interns the names again, which also recomputes the same feature hashes. The layout is
 * documented with otter_instance_encode() in include/otter/instance.h.
 *
 * Decoding walks the bytes twice with the same code: first checking every field without
 * touching the builder, then interning and filling, so a bad encoding neither interns
 * stray names nor leaves half a row, and the two walks cannot disagree on the layout. */
#include "instance_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "codec_int.h"
#include "otter/hash.h"

#define MAGIC "OI"
#define FORMAT_VERSION 1
#define HEADER_LEN 3 /* magic + version */
/* header, three u32 counts and the CRC: the encoding of an empty row */
#define MIN_LEN (HEADER_LEN + 4 + 4 + 4 + 4)
/* smallest name-table entry (empty namespace, one-byte name) and smallest feature (an
 * empty category): bounds on counts read from the bytes before anything is allocated */
#define MIN_NAME_LEN (4 + 4 + 1)
#define MIN_FEAT_LEN (4 + 1 + 4)
#define KIND_NUM 0
#define KIND_CAT 1
#define BAD "encoded instance: "

/* ------------------------------------------------------------------------ encode */

/* Key -> row-local name index while encoding (open addressing; key1 = key + 1, 0 =
 * empty). Rows with up to STACK_SLOTS / 2 distinct names use the stack, so encoding the
 * usual row does not allocate. */
#define STACK_SLOTS 256
struct slot {
    uint32_t key1;
    uint32_t local;
};

static struct slot *slot_of(struct slot *t, size_t mask, uint32_t key)
{
    uint32_t h = key * 0x9e3779b1u; /* spreads keys that share low bits */
    h ^= h >> 16;
    size_t i = h & mask;
    while (t[i].key1 && t[i].key1 != key + 1)
        i = (i + 1) & mask;
    return &t[i];
}

/* Writes the row's distinct (ns, name) pairs in the order the row first uses them and
 * records each one's local index in t; returns how many there are. */
static uint32_t write_names(otter__wr *w, const otter_instance *inst, struct slot *t, size_t mask)
{
    uint32_t n = 0;
    for (size_t i = 0; i < inst->n_feats; i++) {
        uint32_t key = inst->feats[i].key;
        struct slot *s = slot_of(t, mask, key);
        if (s->key1)
            continue;
        s->key1 = key + 1;
        s->local = n++;
        const char *ns = inst->names + inst->keys[key].ns_off;
        const char *name = inst->names + inst->keys[key].name_off;
        otter__wr_str(w, ns, strlen(ns));
        otter__wr_str(w, name, strlen(name));
    }
    return n;
}

static void write_feats(otter__wr *w, const otter_instance *inst, struct slot *t, size_t mask)
{
    otter__wr_u32(w, (uint32_t)inst->n_feats);
    for (size_t i = 0; i < inst->n_feats; i++) {
        const struct otter__feat *f = &inst->feats[i];
        otter__wr_u32(w, slot_of(t, mask, f->key)->local);
        if (f->cat_off < 0) {
            otter__wr_u8(w, KIND_NUM);
            otter__wr_f64(w, f->value);
        } else {
            const char *cat = inst->cats + f->cat_off;
            otter__wr_u8(w, KIND_CAT);
            otter__wr_str(w, cat, strlen(cat));
        }
    }
}

static void put_u32_at(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

otter_status otter_instance_encode(const otter_instance *inst, otter_buf *out, otter_error *err)
{
    if (inst->n_feats > UINT32_MAX || inst->n_dense > UINT32_MAX)
        return otter_error_set(err, OTTER_INVALID,
                               "instance too large to encode (%zu features, %zu dense values)",
                               inst->n_feats, inst->n_dense);
    size_t distinct = inst->n_feats < inst->n_keys ? inst->n_feats : inst->n_keys;
    if (distinct > SIZE_MAX / 4 / sizeof(struct slot))
        return otter_error_set(err, OTTER_NOMEM, "cannot allocate the name table to encode");
    size_t cap = 4; /* a power of two above distinct, so probing always ends */
    while (cap < 2 * distinct)
        cap *= 2;
    struct slot stack[STACK_SLOTS], *t = stack;
    if (cap > STACK_SLOTS && !(t = calloc(cap, sizeof *t)))
        return otter_error_set(err, OTTER_NOMEM, "cannot allocate the name table to encode");
    if (t == stack)
        memset(stack, 0, cap * sizeof *t);

    size_t start = out->len, names_at = start + HEADER_LEN;
    otter__wr w;
    otter__wr_init(&w, out, err);
    otter__wr_bytes(&w, MAGIC, 2);
    otter__wr_u8(&w, FORMAT_VERSION);
    otter__wr_u32(&w, 0); /* the name count, patched once the names are written */
    uint32_t n_names = write_names(&w, inst, t, cap - 1);
    write_feats(&w, inst, t, cap - 1);
    otter__wr_u32(&w, (uint32_t)inst->n_dense);
    otter__wr_f64s(&w, inst->dense, inst->n_dense);
    if (w.st == OTTER_OK) {
        put_u32_at(out->data + names_at, n_names);
        otter__wr_u32(&w, otter_crc32c(0, out->data + start, out->len - start));
    }
    if (t != stack)
        free(t);
    if (w.st != OTTER_OK)
        out->len = start;
    return w.st;
}

/* ------------------------------------------------------------------------ decode */

/* Magic, length, checksum, then version: the checksum comes first so that a flipped
 * version bit reads as corruption, not as a newer format. */
static otter_status check_frame(const uint8_t *data, size_t len, otter_error *err)
{
    if (data && len >= 2 && memcmp(data, MAGIC, 2) != 0)
        return otter_error_set(err, OTTER_CORRUPT, BAD "bad magic %02x %02x, not an instance",
                               data[0], data[1]);
    if (!data || len < MIN_LEN)
        return otter_error_set(err, OTTER_CORRUPT, BAD "truncated (%zu bytes, at least %d)", len,
                               MIN_LEN);
    const uint8_t *c = data + len - 4;
    uint32_t want =
        (uint32_t)c[0] | (uint32_t)c[1] << 8 | (uint32_t)c[2] << 16 | (uint32_t)c[3] << 24;
    uint32_t got = otter_crc32c(0, data, len - 4);
    if (want != got)
        return otter_error_set(err, OTTER_CORRUPT,
                               BAD "checksum mismatch (stored %08x, computed %08x): truncated, "
                                   "extended or damaged",
                               want, got);
    if (data[2] == 0)
        return otter_error_set(err, OTTER_CORRUPT, BAD "format version 0");
    if (data[2] > FORMAT_VERSION)
        return otter_error_set(err, OTTER_VERSION,
                               BAD "format version %u is newer than this library's (%u)",
                               (unsigned)data[2], (unsigned)FORMAT_VERSION);
    return OTTER_OK;
}

static size_t remaining(const otter__rd *r)
{
    return r->len - r->pos;
}

/* The walks below take inst == NULL to check only, and the builder to fill it. */

static otter_status walk_names(otter_instance *inst, otter__rd *r, uint32_t *n_names,
                               otter_error *err)
{
    uint32_t n = otter__rd_u32(r);
    if (!otter__rd_ok(r) || n > remaining(r) / MIN_NAME_LEN)
        return otter_error_set(err, OTTER_CORRUPT, BAD "name count %u exceeds the data",
                               (unsigned)n);
    if (inst && otter__instance_grow((void **)&inst->row_keys, &inst->row_keys_cap, n,
                                     sizeof *inst->row_keys))
        return otter_error_set(err, OTTER_NOMEM, "cannot allocate the decoded name table");
    for (uint32_t i = 0; i < n; i++) {
        size_t ns_len, name_len;
        const char *ns = otter__rd_str(r, &ns_len);
        const char *name = otter__rd_str(r, &name_len);
        if (!otter__rd_ok(r))
            return otter_error_set(err, OTTER_CORRUPT, BAD "name %u overruns the data",
                                   (unsigned)i);
        if (name_len == 0)
            return otter_error_set(err, OTTER_CORRUPT, BAD "name %u is empty", (unsigned)i);
        if (memchr(ns, '\0', ns_len) || memchr(name, '\0', name_len))
            return otter_error_set(err, OTTER_CORRUPT, BAD "name %u contains a NUL byte",
                                   (unsigned)i);
        if (inst) {
            otter_status st =
                otter_instance_intern(inst, ns, ns_len, name, name_len, &inst->row_keys[i], err);
            if (st != OTTER_OK)
                return st;
        }
    }
    *n_names = n;
    return OTTER_OK;
}

/* One feature; *next counts the names used so far, which the table must list in the
 * order of first use (as the encoder writes them), so each encoding is the only one of
 * its row. */
static otter_status walk_feat(otter_instance *inst, otter__rd *r, uint32_t i, uint32_t n_names,
                              uint32_t *next, otter_error *err)
{
    uint32_t idx = otter__rd_u32(r);
    uint8_t kind = otter__rd_u8(r);
    if (!otter__rd_ok(r))
        return otter_error_set(err, OTTER_CORRUPT, BAD "feature %u overruns the data", (unsigned)i);
    if (idx >= n_names || idx > *next)
        return otter_error_set(err, OTTER_CORRUPT,
                               BAD "feature %u: name index %u is out of range or out of order",
                               (unsigned)i, (unsigned)idx);
    *next += idx == *next;
    if (kind == KIND_NUM) {
        double v = otter__rd_f64(r);
        if (!otter__rd_ok(r))
            return otter_error_set(err, OTTER_CORRUPT, BAD "feature %u overruns the data",
                                   (unsigned)i);
        if (!isfinite(v))
            return otter_error_set(err, OTTER_CORRUPT, BAD "feature %u: value is %s", (unsigned)i,
                                   isnan(v) ? "NaN" : "infinite");
        return inst ? otter_instance_add_num(inst, inst->row_keys[idx], v, err) : OTTER_OK;
    }
    if (kind != KIND_CAT)
        return otter_error_set(err, OTTER_CORRUPT, BAD "feature %u: unknown kind %u", (unsigned)i,
                               (unsigned)kind);
    size_t len;
    const char *cat = otter__rd_str(r, &len);
    if (!otter__rd_ok(r))
        return otter_error_set(err, OTTER_CORRUPT, BAD "feature %u overruns the data", (unsigned)i);
    if (memchr(cat, '\0', len))
        return otter_error_set(err, OTTER_CORRUPT, BAD "feature %u: category contains a NUL byte",
                               (unsigned)i);
    return inst ? otter_instance_add_cat(inst, inst->row_keys[idx], cat, len, err) : OTTER_OK;
}

static otter_status walk_feats(otter_instance *inst, otter__rd *r, uint32_t n_names,
                               otter_error *err)
{
    uint32_t n = otter__rd_u32(r);
    if (!otter__rd_ok(r) || n > remaining(r) / MIN_FEAT_LEN)
        return otter_error_set(err, OTTER_CORRUPT, BAD "feature count %u exceeds the data",
                               (unsigned)n);
    uint32_t next = 0;
    for (uint32_t i = 0; i < n; i++) {
        otter_status st = walk_feat(inst, r, i, n_names, &next, err);
        if (st != OTTER_OK)
            return st;
    }
    if (next != n_names)
        return otter_error_set(err, OTTER_CORRUPT, BAD "%u names listed but %u used",
                               (unsigned)n_names, (unsigned)next);
    return OTTER_OK;
}

static otter_status walk_dense(otter_instance *inst, otter__rd *r, otter_error *err)
{
    uint32_t n = otter__rd_u32(r);
    if (!otter__rd_ok(r) || n > remaining(r) / 8)
        return otter_error_set(err, OTTER_CORRUPT, BAD "dense length %u exceeds the data",
                               (unsigned)n);
    if (inst) { /* already checked: copy straight into the row */
        if (otter__instance_grow((void **)&inst->dense, &inst->dense_cap, n, sizeof *inst->dense))
            return otter_error_set(err, OTTER_NOMEM, "cannot grow dense array");
        otter__rd_f64s(r, inst->dense, n);
        inst->n_dense = n;
        return OTTER_OK;
    }
    for (uint32_t i = 0; i < n; i++) {
        double v = otter__rd_f64(r);
        if (!isfinite(v))
            return otter_error_set(err, OTTER_CORRUPT, BAD "dense value %u is %s", (unsigned)i,
                                   isnan(v) ? "NaN" : "infinite");
    }
    return OTTER_OK;
}

static otter_status walk(otter_instance *inst, const uint8_t *data, size_t len, otter_error *err)
{
    otter__rd r;
    otter__rd_init(&r, data + HEADER_LEN, len - HEADER_LEN - 4);
    uint32_t n_names = 0;
    otter_status st = walk_names(inst, &r, &n_names, err);
    if (st == OTTER_OK)
        st = walk_feats(inst, &r, n_names, err);
    if (st == OTTER_OK)
        st = walk_dense(inst, &r, err);
    if (st == OTTER_OK && !otter__rd_done(&r))
        st = otter_error_set(err, OTTER_CORRUPT, BAD "%zu stray bytes after the dense array",
                             remaining(&r));
    return st;
}

otter_status otter_instance_decode(otter_instance *inst, const uint8_t *data, size_t len,
                                   otter_error *err)
{
    otter_instance_clear(inst);
    otter_status st = check_frame(data, len, err);
    if (st == OTTER_OK)
        st = walk(NULL, data, len, err);
    if (st == OTTER_OK)
        st = walk(inst, data, len, err);
    if (st != OTTER_OK)
        otter_instance_clear(inst);
    return st;
}
