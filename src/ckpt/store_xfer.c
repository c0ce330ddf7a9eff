/* Export and import of key-group ranges: the unit the Flink operators hand to Flink's
 * checkpoint storage, and that `otter store export` writes.
 *
 * Stream (all integers little-endian):
 *   header   "OTRX" u16 format  u16 kg_lo  u16 kg_hi  u64 snapshot id (0: live)
 *   record   u8 family (1 entities, 2 events)  u32 klen key  u32 vlen value  u32 CRC32C
 *            of the record's bytes before it
 *   trailer  u8 0  u64 record count  u32 CRC32C of every byte of the stream before it
 * Only entities and events travel; the expiry index is rebuilt from the events on
 * import, and the update log is empty at a snapshot. An import is checked completely
 * (every record, every key inside the header's range, the trailer) before anything is
 * applied, and then applied as one batch.
 *
 * A Flink checkpoint writes one stream per key group of a subtask's range: a snapshot
 * reader keeps the snapshot's database open across those exports and finds the non-empty
 * key groups by seeking, and otter_store_import_next reads one stream of many laid end to
 * end (it stops at the trailer instead of requiring the end of input).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "otter/hash.h"
#include "store_int.h"

#define XFER_MAGIC "OTRX"
#define XFER_CHUNK (1u << 20)

enum { FAM_END = 0, FAM_ENTITIES = 1, FAM_EVENTS = 2 };

static void le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- export ---- */

typedef struct xout {
    otter_write_fn write;
    void *ud;
    otter_buf buf;
    uint32_t crc;
    uint64_t records;
    otter_error *err;
} xout;

static otter_status xflush(xout *o)
{
    if (!o->buf.len)
        return OTTER_OK;
    otter_status st = o->write(o->ud, o->buf.data, o->buf.len, o->err);
    o->buf.len = 0;
    if (st != OTTER_OK)
        return otter_error_set(o->err, st, "export stream write failed");
    return OTTER_OK;
}

static otter_status xput(xout *o, const void *p, size_t n)
{
    o->crc = otter_crc32c(o->crc, p, n);
    otter_status st = otter_buf_append(&o->buf, p, n, o->err);
    if (st == OTTER_OK && o->buf.len >= XFER_CHUNK)
        st = xflush(o);
    return st;
}

static otter_status xrecord(xout *o, int fam, const uint8_t *k, size_t kl, const uint8_t *v,
                            size_t vl)
{
    uint8_t h[5];
    h[0] = (uint8_t)fam;
    le32(h + 1, (uint32_t)kl);
    uint32_t rc = otter_crc32c(0, h, 5);
    rc = otter_crc32c(rc, k, kl);
    uint8_t l[4];
    le32(l, (uint32_t)vl);
    rc = otter_crc32c(rc, l, 4);
    rc = otter_crc32c(rc, v, vl);
    uint8_t c[4];
    le32(c, rc);
    otter_status st = xput(o, h, 5);
    if (st == OTTER_OK)
        st = xput(o, k, kl);
    if (st == OTTER_OK)
        st = xput(o, l, 4);
    if (st == OTTER_OK)
        st = xput(o, v, vl);
    if (st == OTTER_OK)
        st = xput(o, c, 4);
    o->records++;
    return st;
}

static otter_status export_db(otter__rocks *db, const char *where, uint16_t lo, uint16_t hi,
                              xout *o)
{
    uint8_t a[2] = {(uint8_t)(lo >> 8), (uint8_t)lo};
    uint32_t end = (uint32_t)hi + 1;
    uint8_t b[2] = {(uint8_t)(end >> 8), (uint8_t)end};
    otter_status st = OTTER_OK;
    for (int fam = FAM_ENTITIES; st == OTTER_OK && fam <= FAM_EVENTS; fam++) {
        otter__cf cf = fam == FAM_ENTITIES ? OTTER__CF_ENTITIES : OTTER__CF_EVENTS;
        otter__rocks_iter *it = NULL;
        st = otter__rocks_iter_create(db, cf, a, 2, end < OTTER_KEY_GROUPS ? b : NULL,
                                      end < OTTER_KEY_GROUPS ? 2 : 0, 1, &it, o->err);
        const uint8_t *k, *v;
        size_t kl, vl;
        while (st == OTTER_OK && otter__rocks_iter_next(it, &k, &kl, &v, &vl)) {
            size_t len = vl;
            if (!otter__rec_ok(v, &len)) { /* never pass damage on */
                st = otter_error_set(o->err, OTTER_CORRUPT,
                                     "a record in family '%s' of %s fails its checksum",
                                     otter__cf_name(cf), where);
                break;
            }
            st = xrecord(o, fam, k, kl, v, vl);
        }
        if (st == OTTER_OK)
            st = otter__rocks_iter_status(it, o->err);
        otter__rocks_iter_destroy(it);
    }
    return st;
}

/* Writes a whole stream (header, the records of [lo, hi] of db, trailer). */
static otter_status export_stream(otter__rocks *db, const char *where, uint64_t id, uint16_t lo,
                                  uint16_t hi, otter_write_fn write, void *ud, otter_error *err)
{
    xout o = {write, ud, OTTER_BUF_INIT, 0, 0, err};
    uint8_t h[18];
    memcpy(h, XFER_MAGIC, 4);
    h[4] = OTTER_STORE_FORMAT_VERSION;
    h[5] = 0;
    h[6] = (uint8_t)lo;
    h[7] = (uint8_t)(lo >> 8);
    h[8] = (uint8_t)hi;
    h[9] = (uint8_t)(hi >> 8);
    for (int i = 0; i < 8; i++)
        h[10 + i] = (uint8_t)(id >> (8 * i));
    otter_status st = xput(&o, h, sizeof h);
    if (st == OTTER_OK)
        st = export_db(db, where, lo, hi, &o);
    if (st == OTTER_OK) {
        uint8_t t[13];
        t[0] = FAM_END;
        for (int i = 0; i < 8; i++)
            t[1 + i] = (uint8_t)(o.records >> (8 * i));
        st = xput(&o, t, 9);
        le32(t + 9, o.crc);
        if (st == OTTER_OK)
            st = otter_buf_append(&o.buf, t + 9, 4, err);
        if (st == OTTER_OK)
            st = xflush(&o);
    }
    otter_buf_free(&o.buf);
    return st;
}

static otter_status check_range(uint16_t kg_lo, uint16_t kg_hi, otter_error *err)
{
    if (kg_lo > kg_hi || kg_hi >= OTTER_KEY_GROUPS)
        return otter_error_set(err, OTTER_INVALID, "bad key-group range %u-%u", (unsigned)kg_lo,
                               (unsigned)kg_hi);
    return OTTER_OK;
}

otter_status otter_store_export(otter_store *s, uint64_t id, uint16_t kg_lo, uint16_t kg_hi,
                                otter_write_fn write, void *ud, otter_error *err)
{
    if (!s || !write)
        return otter_error_set(err, OTTER_INVALID, "store and writer are required");
    otter_status st = check_range(kg_lo, kg_hi, err);
    if (st != OTTER_OK)
        return st;
    if (id != 0) {
        otter_snapshot_reader *r = NULL;
        st = otter_snapshot_reader_create(s, id, &r, err);
        if (st == OTTER_OK)
            st = otter_snapshot_reader_export(r, kg_lo, kg_hi, write, ud, err);
        otter_snapshot_reader_destroy(r);
        return st;
    }
    if ((st = otter__check_writable(s, err)) != OTTER_OK)
        return st;
    /* the live state: persist it, then read it with every call held off */
    pthread_rwlock_wrlock(&s->gate);
    st = otter__persist(s, 0, err);
    if (st == OTTER_OK)
        st = export_stream(s->db, s->db_dir, 0, kg_lo, kg_hi, write, ud, err);
    pthread_rwlock_unlock(&s->gate);
    return st;
}

/* ---- snapshot readers: one open snapshot, many exports ---- */

struct otter_snapshot_reader {
    otter__rocks *db;
    uint64_t id;
    char dir[4096];
};

otter_status otter_snapshot_reader_create(otter_store *s, uint64_t id, otter_snapshot_reader **out,
                                          otter_error *err)
{
    if (out)
        *out = NULL;
    if (!s || !out)
        return otter_error_set(err, OTTER_INVALID, "store and out are required");
    if (id == 0)
        return otter_error_set(err, OTTER_INVALID,
                               "snapshot id 0 is the live state, not a snapshot");
    otter_snapshot_reader *r = calloc(1, sizeof *r);
    if (!r)
        return otter_error_set(err, OTTER_NOMEM, "out of memory");
    r->id = id;
    otter_status st = otter__snap_path(s, id, r->dir, sizeof r->dir, err);
    if (st == OTTER_OK) {
        otter__rocks_opts ro = {0, 1, 8u << 20};
        otter_error inner = {0};
        st = otter__rocks_open(r->dir, &ro, &r->db, &inner);
        if (st == OTTER_NOT_FOUND)
            otter_error_set(err, st, "no snapshot %" PRIu64 " in %s", id, s->snap_dir);
        else if (st != OTTER_OK)
            otter_error_set(err, st, "%s", inner.message);
    }
    if (st != OTTER_OK) {
        otter_snapshot_reader_destroy(r);
        return st;
    }
    *out = r;
    return OTTER_OK;
}

/* First key group in [lo, hi] with a key in family cf, or -1. */
static otter_status first_group(otter__rocks *db, otter__cf cf, uint16_t lo, uint16_t hi, int *kg,
                                otter_error *err)
{
    uint8_t a[2] = {(uint8_t)(lo >> 8), (uint8_t)lo};
    uint32_t end = (uint32_t)hi + 1;
    uint8_t b[2] = {(uint8_t)(end >> 8), (uint8_t)end};
    int bounded = end < OTTER_KEY_GROUPS;
    otter__rocks_iter *it = NULL;
    otter_status st =
        otter__rocks_iter_create(db, cf, a, 2, bounded ? b : NULL, bounded ? 2 : 0, 0, &it, err);
    const uint8_t *k, *v;
    size_t kl, vl;
    *kg = -1;
    if (st == OTTER_OK && otter__rocks_iter_next(it, &k, &kl, &v, &vl) && kl >= 2)
        *kg = k[0] << 8 | k[1];
    if (st == OTTER_OK)
        st = otter__rocks_iter_status(it, err);
    otter__rocks_iter_destroy(it);
    return st;
}

otter_status otter_snapshot_reader_next_group(otter_snapshot_reader *r, uint16_t kg_lo,
                                              uint16_t kg_hi, int *kg, otter_error *err)
{
    if (kg)
        *kg = -1;
    if (!r || !kg)
        return otter_error_set(err, OTTER_INVALID, "reader and kg are required");
    otter_status st = check_range(kg_lo, kg_hi, err);
    int e = -1, v = -1;
    if (st == OTTER_OK)
        st = first_group(r->db, OTTER__CF_ENTITIES, kg_lo, kg_hi, &e, err);
    /* pending events may live under an entity the range does not hold (generic events) */
    if (st == OTTER_OK)
        st = first_group(r->db, OTTER__CF_EVENTS, kg_lo, e >= 0 ? (uint16_t)e : kg_hi, &v, err);
    if (st == OTTER_OK)
        *kg = e < 0 ? v : v < 0 ? e : (v < e ? v : e);
    return st;
}

otter_status otter_snapshot_reader_export(otter_snapshot_reader *r, uint16_t kg_lo, uint16_t kg_hi,
                                          otter_write_fn write, void *ud, otter_error *err)
{
    if (!r || !write)
        return otter_error_set(err, OTTER_INVALID, "reader and writer are required");
    otter_status st = check_range(kg_lo, kg_hi, err);
    if (st != OTTER_OK)
        return st;
    return export_stream(r->db, r->dir, r->id, kg_lo, kg_hi, write, ud, err);
}

void otter_snapshot_reader_destroy(otter_snapshot_reader *r)
{
    if (!r)
        return;
    otter__rocks_close(r->db);
    free(r);
}

/* ---- import ---- */

typedef struct xin {
    otter_read_fn read;
    void *ud;
    uint32_t crc;
    otter_error *err;
} xin;

/* Reads exactly n bytes (OTTER_CORRUPT on a short stream). */
static otter_status xget(xin *in, void *p, size_t n, int count_crc)
{
    size_t have = 0;
    while (have < n) {
        size_t got = 0;
        otter_status st = in->read(in->ud, (uint8_t *)p + have, n - have, &got, in->err);
        if (st != OTTER_OK)
            return otter_error_set(in->err, st, "import stream read failed");
        if (got == 0)
            return otter_error_set(in->err, OTTER_CORRUPT, "import stream is truncated");
        have += got;
    }
    if (count_crc)
        in->crc = otter_crc32c(in->crc, p, n);
    return OTTER_OK;
}

typedef struct import_key {
    uint8_t fam;
    size_t off, len; /* into keys */
} import_key;

static otter_status corrupt(otter_error *err, uint64_t rec, const char *what)
{
    return otter_error_set(err, OTTER_CORRUPT, "import stream record %" PRIu64 ": %s", rec, what);
}

/* Checks a key against the header's range and its family's shape. */
static int key_ok(int fam, const uint8_t *k, size_t kl, uint16_t lo, uint16_t hi)
{
    if (kl < 3 || kl > OTTER__KEY_MAX)
        return 0;
    uint16_t kg = (uint16_t)(k[0] << 8 | k[1]);
    if (kg < lo || kg > hi)
        return 0;
    const uint8_t *sep = memchr(k + 2, 0, kl - 2);
    if (fam == FAM_ENTITIES)
        return sep == NULL && kl - 2 <= OTTER_ENTITY_NAME_MAX;
    return sep && sep > k + 2 && (size_t)(k + kl - sep - 1) > 0 &&
           (size_t)(k + kl - sep - 1) < OTTER_EVENT_ID_MAX;
}

/* whole 1: the stream must end at its trailer; 0: what follows the trailer is left unread. */
static otter_status import_stream(otter_store *s, otter_read_fn read, void *ud, int whole,
                                  uint64_t *n_entities, uint64_t *n_events, otter_error *err)
{
    if (n_entities)
        *n_entities = 0;
    if (n_events)
        *n_events = 0;
    if (!s || !read)
        return otter_error_set(err, OTTER_INVALID, "store and reader are required");
    otter_status st = otter__check_writable(s, err);
    if (st != OTTER_OK)
        return st;
    xin in = {read, ud, 0, err};
    uint8_t h[18];
    if ((st = xget(&in, h, sizeof h, 1)) != OTTER_OK)
        return st;
    if (memcmp(h, XFER_MAGIC, 4) != 0)
        return otter_error_set(err, OTTER_CORRUPT, "not an Otter export stream (bad magic)");
    unsigned version = (unsigned)(h[4] | h[5] << 8);
    if (version > OTTER_STORE_FORMAT_VERSION || version == 0)
        return otter_error_set(err, version ? OTTER_VERSION : OTTER_CORRUPT,
                               "export stream format %u is not supported (this library: 1..%d)",
                               version, OTTER_STORE_FORMAT_VERSION);
    uint16_t lo = (uint16_t)(h[6] | h[7] << 8), hi = (uint16_t)(h[8] | h[9] << 8);
    if (lo > hi || hi >= OTTER_KEY_GROUPS)
        return otter_error_set(err, OTTER_CORRUPT, "export stream has a bad key-group range");
    otter__rocks_batch *b = NULL;
    if ((st = otter__rocks_batch_create(&b, err)) != OTTER_OK)
        return st;
    otter_buf kbuf = OTTER_BUF_INIT, vbuf = OTTER_BUF_INIT, keys = OTTER_BUF_INIT;
    import_key *ik = NULL;
    size_t n_ik = 0, cap_ik = 0;
    uint64_t rec = 0;
    int seen_events = 0;
    for (;; rec++) {
        uint8_t fh[5];
        if ((st = xget(&in, fh, 1, 1)) != OTTER_OK)
            break;
        if (fh[0] == FAM_END) {
            uint8_t t[8], c[4];
            uint32_t want_crc;
            if ((st = xget(&in, t, 8, 1)) != OTTER_OK)
                break;
            want_crc = in.crc;
            if ((st = xget(&in, c, 4, 0)) != OTTER_OK)
                break;
            uint64_t count = 0;
            for (int i = 7; i >= 0; i--)
                count = count << 8 | t[i];
            if (count != rec)
                st = otter_error_set(
                    err, OTTER_CORRUPT,
                    "import stream trailer counts %" PRIu64 " records, found %" PRIu64, count, rec);
            else if (rd32(c) != want_crc)
                st = otter_error_set(err, OTTER_CORRUPT, "import stream fails its checksum");
            else if (whole) {
                uint8_t extra;
                size_t got = 0;
                st = read(ud, &extra, 1, &got, err);
                if (st == OTTER_OK && got)
                    st = otter_error_set(err, OTTER_CORRUPT,
                                         "import stream has bytes after its trailer");
            }
            break;
        }
        if (fh[0] != FAM_ENTITIES && fh[0] != FAM_EVENTS) {
            st = corrupt(err, rec, "unknown family");
            break;
        }
        if ((st = xget(&in, fh + 1, 4, 1)) != OTTER_OK)
            break;
        uint32_t kl = rd32(fh + 1);
        if (kl > OTTER__KEY_MAX) {
            st = corrupt(err, rec, "key too long");
            break;
        }
        kbuf.len = 0;
        if ((st = otter_buf_reserve(&kbuf, kl, err)) != OTTER_OK ||
            (st = xget(&in, kbuf.data, kl, 1)) != OTTER_OK)
            break;
        uint8_t l4[4];
        if ((st = xget(&in, l4, 4, 1)) != OTTER_OK)
            break;
        uint32_t vl = rd32(l4);
        vbuf.len = 0;
        if ((st = otter_buf_reserve(&vbuf, vl, err)) != OTTER_OK ||
            (st = xget(&in, vbuf.data, vl, 1)) != OTTER_OK)
            break;
        uint8_t c[4];
        if ((st = xget(&in, c, 4, 1)) != OTTER_OK)
            break;
        uint32_t rc = otter_crc32c(0, fh, 5);
        rc = otter_crc32c(rc, kbuf.data, kl);
        rc = otter_crc32c(rc, l4, 4);
        rc = otter_crc32c(rc, vbuf.data, vl);
        size_t len = vl;
        if (rc != rd32(c)) {
            st = corrupt(err, rec, "checksum mismatch");
            break;
        }
        if (!key_ok(fh[0], kbuf.data, kl, lo, hi)) {
            st = corrupt(err, rec, "key outside the stream's key-group range or malformed");
            break;
        }
        if (!otter__rec_ok(vbuf.data, &len)) {
            st = corrupt(err, rec, "value fails its checksum");
            break;
        }
        otter__event_view ev;
        if (fh[0] == FAM_EVENTS && !otter__event_parse(vbuf.data, vl, &ev)) {
            st = corrupt(err, rec, "malformed pending event");
            break;
        }
        if (fh[0] == FAM_ENTITIES && seen_events) {
            st = corrupt(err, rec, "an entity after the pending events");
            break;
        }
        seen_events |= fh[0] == FAM_EVENTS;
        otter__cf cf = fh[0] == FAM_ENTITIES ? OTTER__CF_ENTITIES : OTTER__CF_EVENTS;
        if (fh[0] == FAM_ENTITIES) {
            /* the entity replaces ours whole: our pending events of it go first (the
             * stream's own follow, later in the same batch) */
            uint8_t a[OTTER__KEY_MAX + 1], z[OTTER__KEY_MAX + 1];
            memcpy(a, kbuf.data, kl);
            memcpy(z, kbuf.data, kl);
            a[kl] = 0;
            z[kl] = 1;
            otter__rocks_batch_delete_range(b, s->db, OTTER__CF_EVENTS, a, kl + 1, z, kl + 1);
        }
        otter__rocks_batch_put(b, s->db, cf, kbuf.data, kl, vbuf.data, vl);
        if (fh[0] == FAM_EVENTS && ev.kind == OTTER__EVK_PAYLOAD) {
            uint8_t xk[OTTER__KEY_MAX + 8];
            size_t xl = otter__expiry_key(ev.deadline, kbuf.data, kl, xk);
            otter__rocks_batch_put(b, s->db, OTTER__CF_EXPIRY, xk, xl, "", 0);
        }
        if (fh[0] == FAM_ENTITIES || ev.kind == OTTER__EVK_PAYLOAD) {
            if (n_ik == cap_ik) {
                cap_ik = cap_ik ? cap_ik * 2 : 64;
                import_key *p = realloc(ik, cap_ik * sizeof *p);
                if (!p) {
                    st = otter_error_set(err, OTTER_NOMEM, "out of memory");
                    break;
                }
                ik = p;
            }
            ik[n_ik++] = (import_key){fh[0], keys.len, kl};
            if ((st = otter_buf_append(&keys, kbuf.data, kl, err)) != OTTER_OK)
                break;
        }
    }
    if (st == OTTER_OK) {
        /* everything checked: apply at once, with every call held off */
        pthread_rwlock_wrlock(&s->gate);
        /* the range's entities are unloaded below, and those the stream does not hold
         * must keep their updates not yet persisted (only in memory and the log) */
        st = otter__persist(s, 0, err);
        /* counters: entities new to us, and pending events net of those replaced */
        int64_t new_ent = 0, new_ev = 0;
        uint64_t cnt_ent = 0, cnt_ev = 0;
        otter_buf tmp = OTTER_BUF_INIT;
        for (size_t i = 0; st == OTTER_OK && i < n_ik; i++) {
            const uint8_t *k = keys.data + ik[i].off;
            int found = 0;
            if (ik[i].fam == FAM_ENTITIES) {
                cnt_ent++;
                st = otter__rocks_get(s->db, OTTER__CF_ENTITIES, k, ik[i].len, &tmp, &found, err);
                new_ent += !found;
                uint8_t a[OTTER__KEY_MAX + 1], z[OTTER__KEY_MAX + 1];
                memcpy(a, k, ik[i].len);
                memcpy(z, k, ik[i].len);
                a[ik[i].len] = 0;
                z[ik[i].len] = 1;
                uint64_t old = 0;
                if (st == OTTER_OK)
                    st = otter__count_pending(s, a, z, ik[i].len + 1, &old, err);
                new_ev -= (int64_t)old;
                continue;
            }
            cnt_ev++;
            /* under an imported entity it replaces nothing (its prefix was cleared) */
            const uint8_t *sep = memchr(k + 2, 0, ik[i].len - 2);
            int under = 0;
            for (size_t j = 0; j < n_ik && !under; j++)
                under = ik[j].fam == FAM_ENTITIES && ik[j].len == (size_t)(sep - k) &&
                        memcmp(keys.data + ik[j].off, k, ik[j].len) == 0;
            if (!under)
                st = otter__rocks_get(s->db, OTTER__CF_EVENTS, k, ik[i].len, &tmp, &found, err);
            new_ev += !found;
        }
        otter_buf_free(&tmp);
        if (st == OTTER_OK)
            otter__entities_unload_range(s, lo, hi);
        if (st == OTTER_OK)
            st = otter__rocks_write(s->db, b, 1, 0, err);
        if (st == OTTER_OK) {
            atomic_fetch_add(&s->n_entities, (uint64_t)new_ent);
            atomic_fetch_add(&s->n_events, (uint64_t)new_ev); /* wraps back when negative */
            if (n_entities)
                *n_entities = cnt_ent;
            if (n_events)
                *n_events = cnt_ev;
        }
        pthread_rwlock_unlock(&s->gate);
    }
    free(ik);
    otter_buf_free(&keys);
    otter_buf_free(&kbuf);
    otter_buf_free(&vbuf);
    otter__rocks_batch_destroy(b);
    return st;
}

otter_status otter_store_import(otter_store *s, otter_read_fn read, void *ud, uint64_t *n_entities,
                                uint64_t *n_events, otter_error *err)
{
    return import_stream(s, read, ud, 1, n_entities, n_events, err);
}

otter_status otter_store_import_next(otter_store *s, otter_read_fn read, void *ud,
                                     uint64_t *n_entities, uint64_t *n_events, otter_error *err)
{
    return import_stream(s, read, ud, 0, n_entities, n_events, err);
}

/* ---- dropping a range ---- */

static otter_status count_range(otter_store *s, otter__cf cf, const uint8_t *a, const uint8_t *b,
                                int bounded, uint64_t *n, otter_error *err)
{
    otter__rocks_iter *it = NULL;
    otter_status st =
        otter__rocks_iter_create(s->db, cf, a, 2, bounded ? b : NULL, bounded ? 2 : 0, 0, &it, err);
    const uint8_t *k, *v;
    size_t kl, vl;
    *n = 0;
    while (st == OTTER_OK && otter__rocks_iter_next(it, &k, &kl, &v, &vl)) {
        otter__event_view ev;
        if (cf == OTTER__CF_ENTITIES ||
            (otter__event_parse(v, vl, &ev) && ev.kind == OTTER__EVK_PAYLOAD))
            (*n)++;
    }
    if (st == OTTER_OK)
        st = otter__rocks_iter_status(it, err);
    otter__rocks_iter_destroy(it);
    return st;
}

otter_status otter_store_drop_key_groups(otter_store *s, uint16_t kg_lo, uint16_t kg_hi,
                                         otter_error *err)
{
    if (!s)
        return otter_error_set(err, OTTER_INVALID, "store is required");
    if (kg_lo > kg_hi || kg_hi >= OTTER_KEY_GROUPS)
        return otter_error_set(err, OTTER_INVALID, "bad key-group range %u-%u", (unsigned)kg_lo,
                               (unsigned)kg_hi);
    otter_status st = otter__check_writable(s, err);
    otter__rocks_batch *b = NULL;
    if (st == OTTER_OK)
        st = otter__rocks_batch_create(&b, err);
    if (st != OTTER_OK)
        return st;
    uint8_t a[2] = {(uint8_t)(kg_lo >> 8), (uint8_t)kg_lo};
    uint32_t end = (uint32_t)kg_hi + 1;
    uint8_t z[2] = {(uint8_t)(end >> 8), (uint8_t)end};
    int bounded = end < OTTER_KEY_GROUPS;
    /* RocksDB range deletes need an end key: past the last group, a key above all */
    uint8_t top[3] = {0xff, 0xff, 0xff};
    pthread_rwlock_wrlock(&s->gate);
    uint64_t ne = 0, nv = 0;
    st = count_range(s, OTTER__CF_ENTITIES, a, z, bounded, &ne, err);
    if (st == OTTER_OK)
        st = count_range(s, OTTER__CF_EVENTS, a, z, bounded, &nv, err);
    if (st == OTTER_OK) {
        otter__rocks_batch_delete_range(b, s->db, OTTER__CF_ENTITIES, a, 2, bounded ? z : top,
                                        bounded ? 2 : 3);
        otter__rocks_batch_delete_range(b, s->db, OTTER__CF_EVENTS, a, 2, bounded ? z : top,
                                        bounded ? 2 : 3);
        otter__entities_unload_range(s, kg_lo, kg_hi);
        st = otter__rocks_write(s->db, b, 1, 0, err);
    }
    if (st == OTTER_OK) {
        atomic_fetch_sub(&s->n_entities, ne);
        atomic_fetch_sub(&s->n_events, nv);
    }
    pthread_rwlock_unlock(&s->gate);
    otter__rocks_batch_destroy(b);
    return st;
}
