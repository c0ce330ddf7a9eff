/* The RocksDB adapter (interface and contract in rocks_int.h): the only file that
 * includes rocksdb/c.h. It opens the store's fixed set of column families, keeps the
 * options objects a call needs preallocated in the handle so the hot paths (get,
 * write) never create one, and turns RocksDB's malloc'd error strings
 * into an otter_status plus a message that keeps RocksDB's text, since that names the
 * file at fault.
 *
 * Threads: one otter__rocks may be used from many threads at once (RocksDB's DB and
 * the read/write/flush options we share are only read after open); a batch or an
 * iterator belongs to one thread at a time.
 *
 * A read-only open never creates anything, whatever opts->create says.
 */
#include "ckpt/rocks_int.h"

#include <assert.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <rocksdb/c.h>

#define DEFAULT_CACHE_BYTES ((size_t)64 << 20)
#define BLOOM_BITS_PER_KEY 10.0

/* RocksDB requires "default" to be opened with the others; it sits at index
 * OTTER__CF_COUNT of every array below and holds no data of ours. */
#define N_FAMILIES (OTTER__CF_COUNT + 1)

static const char *const family_names[N_FAMILIES] = {
    [OTTER__CF_ENTITIES] = "entities", [OTTER__CF_EVENTS] = "events", [OTTER__CF_EXPIRY] = "expiry",
    [OTTER__CF_LOG] = "log",           [OTTER__CF_META] = "meta",     [OTTER__CF_COUNT] = "default",
};

enum { WO_PLAIN, WO_SYNC, WO_NO_WAL, WO_COUNT };

struct otter__rocks {
    rocksdb_t *db;
    rocksdb_options_t *opts;
    rocksdb_column_family_handle_t *cf[N_FAMILIES];
    rocksdb_readoptions_t *ro; /* point lookups */
    rocksdb_writeoptions_t *wo[WO_COUNT];
    rocksdb_flushoptions_t *fo; /* wait = 1 */
    char *path;
};

struct otter__rocks_batch {
    rocksdb_writebatch_t *wb;
};

struct otter__rocks_iter {
    rocksdb_iterator_t *it;
    /* RocksDB's iterator keeps pointers into ro (its bound slices) and ro's slices
     * point at lo and hi, so all three live as long as the iterator. */
    rocksdb_readoptions_t *ro;
    char *lo, *hi;
    size_t lolen;
    otter__cf cf;
    enum { ITER_FRESH, ITER_RUNNING, ITER_DONE } state;
};

const char *otter__cf_name(otter__cf cf)
{
    if ((int)cf < 0 || cf >= OTTER__CF_COUNT)
        return "unknown";
    return family_names[cf];
}

/* ------------------------------------------------------------------ errors */

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Status for a RocksDB message. missing_is_not_found: the caller is an open without
 * create, where a missing file means "no store here" rather than damage. */
static otter_status classify(const char *msg, int missing_is_not_found)
{
    if (starts_with(msg, "Corruption"))
        return OTTER_CORRUPT;
    if (starts_with(msg, "Invalid argument") && strstr(msg, "does not exist"))
        return OTTER_NOT_FOUND;
    if (missing_is_not_found &&
        (starts_with(msg, "IO error: No such file") || strstr(msg, "does not exist")))
        return OTTER_NOT_FOUND;
    /* RocksDB's NotSupported, e.g. a write to a read-only open. */
    if (starts_with(msg, "Not implemented"))
        return OTTER_UNSUPPORTED;
    return OTTER_IO;
}

/* Sets err to "<context>: <msg>". When that does not fit the fixed buffer, the middle
 * of msg gives way rather than its end: the head says what went wrong and the tail
 * names the file (RocksDB puts the path last, and long paths are common). */
static otter_status set_error(otter_error *err, otter_status st, const char *context,
                              const char *msg)
{
    size_t room = OTTER_ERROR_MESSAGE_MAX - 1, clen = strlen(context) + 2, mlen = strlen(msg);
    if (clen + mlen <= room || clen + 64 > room)
        return otter_error_set(err, st, "%s: %s", context, msg);
    size_t keep = room - clen - 3, head = keep / 3;
    return otter_error_set(err, st, "%s: %.*s...%s", context, (int)head, msg,
                           msg + mlen - (keep - head));
}

/* Sets err from RocksDB's message (what: the operation, for context), frees the
 * message, and returns the status. */
static otter_status fail_msg(otter_error *err, char *msg, const char *what,
                             int missing_is_not_found)
{
    char context[64];
    snprintf(context, sizeof context, "rocksdb %s", what);
    otter_status st = set_error(err, classify(msg, missing_is_not_found), context, msg);
    rocksdb_free(msg);
    return st;
}

static int is_lock_error(const char *msg)
{
    return starts_with(msg, "IO error: lock") || strstr(msg, "While lock file") != NULL;
}

/* ------------------------------------------------------------------ open and close */

/* DB-wide and per-family options (one object serves both, so every family shares
 * the block cache and table settings). */
static rocksdb_options_t *make_options(const otter__rocks_opts *o)
{
    rocksdb_options_t *opts = rocksdb_options_create();
    rocksdb_block_based_table_options_t *t = rocksdb_block_based_options_create();
    rocksdb_filterpolicy_t *bloom = rocksdb_filterpolicy_create_bloom_full(BLOOM_BITS_PER_KEY);
    rocksdb_cache_t *cache =
        rocksdb_cache_create_lru(o->cache_bytes ? o->cache_bytes : DEFAULT_CACHE_BYTES);
    if (!opts || !t || !bloom || !cache) {
        rocksdb_options_destroy(opts);
        rocksdb_block_based_options_destroy(t);
        rocksdb_filterpolicy_destroy(bloom);
        rocksdb_cache_destroy(cache);
        return NULL;
    }
    int create = o->create && !o->read_only;
    rocksdb_options_set_create_if_missing(opts, (unsigned char)create);
    rocksdb_options_set_create_missing_column_families(opts, (unsigned char)create);
    /* The default (point in time) would silently stop replay at a corrupt record in
     * the middle of the WAL and drop acknowledged writes after it; this mode only
     * forgives a torn tail (a crash mid-append) and reports anything else. */
    rocksdb_options_set_wal_recovery_mode(opts, rocksdb_tolerate_corrupted_tail_records_recovery);
    rocksdb_options_set_paranoid_checks(opts, 1);
    /* The table options take ownership of the filter policy and a shared reference to
     * the cache; the factory copies the table options. */
    rocksdb_block_based_options_set_filter_policy(t, bloom);
    rocksdb_block_based_options_set_block_cache(t, cache);
    rocksdb_options_set_block_based_table_factory(opts, t);
    rocksdb_block_based_options_destroy(t);
    rocksdb_cache_destroy(cache);
    return opts;
}

static int family_index(const char *name)
{
    for (int i = 0; i < N_FAMILIES; i++)
        if (strcmp(name, family_names[i]) == 0)
            return i;
    return -1;
}

/* When a store exists at path, checks that its families are ours: an unknown one means
 * this is not an Otter store (or one from a future version), and opening it would
 * fail anyway. A missing one is created when allowed, else the store is not ours. */
static otter_status check_families(otter__rocks *r, const otter__rocks_opts *o, otter_error *err)
{
    char *msg = NULL;
    size_t n = 0;
    char **names = rocksdb_list_column_families(r->opts, r->path, &n, &msg);
    if (msg) {
        /* Even a failed listing returns an array (malloc(0)) to free. */
        if (names)
            rocksdb_list_column_families_destroy(names, 0);
        int creatable = o->create && !o->read_only;
        if (creatable && starts_with(msg, "IO error: No such file")) {
            rocksdb_free(msg); /* no store yet: the open creates it */
            return OTTER_OK;
        }
        return fail_msg(err, msg, "open", !creatable);
    }
    int seen[N_FAMILIES] = {0};
    otter_status st = OTTER_OK;
    for (size_t i = 0; i < n && st == OTTER_OK; i++) {
        int k = family_index(names[i]);
        if (k < 0)
            st = otter_error_set(err, OTTER_CORRUPT,
                                 "%s: unknown column family '%s' (not an Otter store?)", r->path,
                                 names[i]);
        else
            seen[k] = 1;
    }
    for (int k = 0; k < N_FAMILIES && st == OTTER_OK; k++)
        if (!seen[k] && (!o->create || o->read_only))
            st = otter_error_set(err, OTTER_CORRUPT,
                                 "%s: column family '%s' is missing (not an Otter store?)", r->path,
                                 family_names[k]);
    rocksdb_list_column_families_destroy(names, n);
    return st;
}

static otter_status open_db(otter__rocks *r, const otter__rocks_opts *o, otter_error *err)
{
    const rocksdb_options_t *cf_opts[N_FAMILIES];
    for (int i = 0; i < N_FAMILIES; i++)
        cf_opts[i] = r->opts;
    char *msg = NULL;
    if (o->read_only)
        r->db = rocksdb_open_for_read_only_column_families(r->opts, r->path, N_FAMILIES,
                                                           family_names, cf_opts, r->cf, 0, &msg);
    else
        r->db = rocksdb_open_column_families(r->opts, r->path, N_FAMILIES, family_names, cf_opts,
                                             r->cf, &msg);
    if (!msg)
        return OTTER_OK;
    r->db = NULL; /* RocksDB leaves db and the handles unset on failure */
    for (int i = 0; i < N_FAMILIES; i++)
        r->cf[i] = NULL;
    if (is_lock_error(msg)) {
        /* The lock may also be held by another handle in this process; RocksDB's
         * message tells which, and names the LOCK file. */
        set_error(err, OTTER_IO, "another process or handle has the store open", msg);
        rocksdb_free(msg);
        return OTTER_IO;
    }
    return fail_msg(err, msg, "open", !(o->create && !o->read_only));
}

/* The read, write and flush options every call reuses (one per combination, so no
 * call creates one). */
static int make_call_options(otter__rocks *r)
{
    r->ro = rocksdb_readoptions_create();
    r->fo = rocksdb_flushoptions_create();
    for (int i = 0; i < WO_COUNT; i++)
        r->wo[i] = rocksdb_writeoptions_create();
    if (!r->ro || !r->fo || !r->wo[WO_PLAIN] || !r->wo[WO_SYNC] || !r->wo[WO_NO_WAL])
        return -1;
    rocksdb_flushoptions_set_wait(r->fo, 1);
    rocksdb_writeoptions_set_sync(r->wo[WO_SYNC], 1);
    rocksdb_writeoptions_disable_WAL(r->wo[WO_NO_WAL], 1);
    return 0;
}

otter_status otter__rocks_open(const char *path, const otter__rocks_opts *o, otter__rocks **out,
                               otter_error *err)
{
    static const otter__rocks_opts defaults = {0, 0, 0};
    if (!path || !*path)
        return otter_error_set(err, OTTER_INVALID, "rocksdb open: empty path");
    if (!o)
        o = &defaults;
    otter_status st = OTTER_NOMEM;
    otter__rocks *r = calloc(1, sizeof *r);
    if (!r)
        return otter_error_set(err, OTTER_NOMEM, "cannot allocate store handle");
    r->path = strdup(path);
    r->opts = r->path ? make_options(o) : NULL;
    if (!r->opts || make_call_options(r) != 0) {
        otter_error_set(err, OTTER_NOMEM, "cannot allocate RocksDB options for %s", path);
        goto fail;
    }
    st = check_families(r, o, err);
    if (st != OTTER_OK)
        goto fail;
    st = open_db(r, o, err);
    if (st != OTTER_OK)
        goto fail;
    *out = r;
    return OTTER_OK;
fail:
    otter__rocks_close(r);
    return st;
}

void otter__rocks_close(otter__rocks *db)
{
    if (!db)
        return;
    /* Handles go before the DB they belong to. Closing flushes memtables holding
     * writes made without the WAL. */
    for (int i = 0; i < N_FAMILIES; i++)
        if (db->cf[i])
            rocksdb_column_family_handle_destroy(db->cf[i]);
    if (db->db)
        rocksdb_close(db->db);
    if (db->ro)
        rocksdb_readoptions_destroy(db->ro);
    for (int i = 0; i < WO_COUNT; i++)
        if (db->wo[i])
            rocksdb_writeoptions_destroy(db->wo[i]);
    if (db->fo)
        rocksdb_flushoptions_destroy(db->fo);
    if (db->opts)
        rocksdb_options_destroy(db->opts);
    free(db->path);
    free(db);
}

/* ------------------------------------------------------------------ reads */

static rocksdb_column_family_handle_t *handle(const otter__rocks *db, otter__cf cf)
{
    assert((int)cf >= 0 && cf < OTTER__CF_COUNT);
    return db->cf[cf];
}

otter_status otter__rocks_get(otter__rocks *db, otter__cf cf, const void *key, size_t klen,
                              otter_buf *val, int *found, otter_error *err)
{
    char *msg = NULL;
    val->len = 0;
    *found = 0;
    /* The pinned variant tells "absent" from "empty value" without relying on what
     * malloc(0) returns, and skips RocksDB's intermediate copy. */
    rocksdb_pinnableslice_t *v =
        rocksdb_get_pinned_cf(db->db, db->ro, handle(db, cf), (const char *)key, klen, &msg);
    if (msg) {
        char what[32];
        snprintf(what, sizeof what, "get %s", otter__cf_name(cf));
        return fail_msg(err, msg, what, 0);
    }
    if (!v)
        return OTTER_OK;
    size_t vlen = 0;
    const char *p = rocksdb_pinnableslice_value(v, &vlen);
    otter_status st = otter_buf_append(val, p, vlen, err);
    rocksdb_pinnableslice_destroy(v);
    if (st != OTTER_OK)
        return st;
    *found = 1;
    return OTTER_OK;
}

/* ------------------------------------------------------------------ batches and writes */

otter_status otter__rocks_batch_create(otter__rocks_batch **out, otter_error *err)
{
    otter__rocks_batch *b = calloc(1, sizeof *b);
    if (b)
        b->wb = rocksdb_writebatch_create();
    if (!b || !b->wb) {
        free(b);
        return otter_error_set(err, OTTER_NOMEM, "cannot allocate write batch");
    }
    *out = b;
    return OTTER_OK;
}

void otter__rocks_batch_destroy(otter__rocks_batch *b)
{
    if (!b)
        return;
    rocksdb_writebatch_destroy(b->wb);
    free(b);
}

void otter__rocks_batch_clear(otter__rocks_batch *b)
{
    rocksdb_writebatch_clear(b->wb);
}

size_t otter__rocks_batch_count(const otter__rocks_batch *b)
{
    int n = rocksdb_writebatch_count(b->wb);
    return n > 0 ? (size_t)n : 0;
}

void otter__rocks_batch_put(otter__rocks_batch *b, otter__rocks *db, otter__cf cf, const void *key,
                            size_t klen, const void *val, size_t vlen)
{
    rocksdb_writebatch_put_cf(b->wb, handle(db, cf), (const char *)key, klen, (const char *)val,
                              vlen);
}

void otter__rocks_batch_delete(otter__rocks_batch *b, otter__rocks *db, otter__cf cf,
                               const void *key, size_t klen)
{
    rocksdb_writebatch_delete_cf(b->wb, handle(db, cf), (const char *)key, klen);
}

void otter__rocks_batch_delete_range(otter__rocks_batch *b, otter__rocks *db, otter__cf cf,
                                     const void *begin, size_t blen, const void *end, size_t elen)
{
    rocksdb_writebatch_delete_range_cf(b->wb, handle(db, cf), (const char *)begin, blen,
                                       (const char *)end, elen);
}

otter_status otter__rocks_write(otter__rocks *db, otter__rocks_batch *b, int sync, int no_wal,
                                otter_error *err)
{
    /* RocksDB refuses this too, but only once the write is under way. */
    if (sync && no_wal)
        return otter_error_set(
            err, OTTER_INVALID,
            "rocksdb write: a sync write needs the WAL (sync and no_wal both set)");
    rocksdb_writeoptions_t *wo = db->wo[sync ? WO_SYNC : no_wal ? WO_NO_WAL : WO_PLAIN];
    char *msg = NULL;
    rocksdb_write(db->db, wo, b->wb, &msg);
    if (msg)
        return fail_msg(err, msg, "write", 0);
    return OTTER_OK;
}

uint64_t otter__rocks_sequence(otter__rocks *db)
{
    return rocksdb_get_latest_sequence_number(db->db);
}

otter_status otter__rocks_sync_wal(otter__rocks *db, otter_error *err)
{
    char *msg = NULL;
    rocksdb_flush_wal(db->db, 1, &msg);
    if (msg)
        return fail_msg(err, msg, "sync WAL", 0);
    return OTTER_OK;
}

otter_status otter__rocks_flush(otter__rocks *db, otter_error *err)
{
    for (int i = 0; i < OTTER__CF_COUNT; i++) {
        char *msg = NULL;
        rocksdb_flush_cf(db->db, db->fo, db->cf[i], &msg);
        if (msg) {
            char what[32];
            snprintf(what, sizeof what, "flush %s", family_names[i]);
            return fail_msg(err, msg, what, 0);
        }
    }
    return OTTER_OK;
}

otter_status otter__rocks_checkpoint(otter__rocks *db, const char *dir, otter_error *err)
{
    char *msg = NULL;
    rocksdb_checkpoint_t *cp = rocksdb_checkpoint_object_create(db->db, &msg);
    if (msg)
        return fail_msg(err, msg, "checkpoint", 0);
    /* log_size_for_flush 0: always flush first, so the checkpoint is SST files plus
     * an empty WAL rather than a copy of the live WAL. */
    rocksdb_checkpoint_create(cp, dir, 0, &msg);
    rocksdb_checkpoint_object_destroy(cp);
    if (!msg)
        return OTTER_OK;
    if (strstr(msg, "Directory exists")) {
        otter_error_set(err, OTTER_EXISTS, "rocksdb checkpoint: %s already exists", dir);
        rocksdb_free(msg);
        return OTTER_EXISTS;
    }
    return fail_msg(err, msg, "checkpoint", 0);
}

/* ------------------------------------------------------------------ iterators */

/* A private copy of a bound (malloc(0) may be NULL, so never ask for 0 bytes). */
static char *copy_bound(const void *p, size_t len)
{
    char *c = malloc(len ? len : 1);
    if (c && len)
        memcpy(c, p, len);
    return c;
}

otter_status otter__rocks_iter_create(otter__rocks *db, otter__cf cf, const void *lo, size_t lolen,
                                      const void *hi, size_t hilen, int verify,
                                      otter__rocks_iter **out, otter_error *err)
{
    otter__rocks_iter *it = calloc(1, sizeof *it);
    if (!it)
        return otter_error_set(err, OTTER_NOMEM, "cannot allocate iterator");
    it->cf = cf;
    it->ro = rocksdb_readoptions_create();
    if (!it->ro)
        goto nomem;
    if (lo) {
        if (!(it->lo = copy_bound(lo, lolen)))
            goto nomem;
        it->lolen = lolen;
        rocksdb_readoptions_set_iterate_lower_bound(it->ro, it->lo, lolen);
    }
    if (hi) {
        if (!(it->hi = copy_bound(hi, hilen)))
            goto nomem;
        rocksdb_readoptions_set_iterate_upper_bound(it->ro, it->hi, hilen);
    }
    /* RocksDB checks block checksums on every read by default; a verify pass says so
     * explicitly and, since it reads everything once, stays out of the block cache so
     * it does not evict the working set. */
    if (verify) {
        rocksdb_readoptions_set_verify_checksums(it->ro, 1);
        rocksdb_readoptions_set_fill_cache(it->ro, 0);
    }
    it->it = rocksdb_create_iterator_cf(db->db, it->ro, handle(db, cf));
    if (!it->it)
        goto nomem;
    *out = it;
    return OTTER_OK;
nomem:
    otter__rocks_iter_destroy(it);
    return otter_error_set(err, OTTER_NOMEM, "cannot allocate iterator over %s",
                           otter__cf_name(cf));
}

int otter__rocks_iter_next(otter__rocks_iter *it, const uint8_t **key, size_t *klen,
                           const uint8_t **val, size_t *vlen)
{
    switch (it->state) {
    case ITER_FRESH:
        it->state = ITER_RUNNING;
        if (it->lo)
            rocksdb_iter_seek(it->it, it->lo, it->lolen);
        else
            rocksdb_iter_seek_to_first(it->it);
        break;
    case ITER_RUNNING: rocksdb_iter_next(it->it); break;
    case ITER_DONE: return 0; /* RocksDB must not be advanced past the end */
    }
    if (!rocksdb_iter_valid(it->it)) {
        it->state = ITER_DONE;
        return 0;
    }
    *key = (const uint8_t *)rocksdb_iter_key(it->it, klen);
    *val = (const uint8_t *)rocksdb_iter_value(it->it, vlen);
    return 1;
}

otter_status otter__rocks_iter_status(otter__rocks_iter *it, otter_error *err)
{
    char *msg = NULL;
    rocksdb_iter_get_error(it->it, &msg);
    if (!msg)
        return OTTER_OK;
    char what[32];
    snprintf(what, sizeof what, "iterate %s", otter__cf_name(it->cf));
    return fail_msg(err, msg, what, 0);
}

void otter__rocks_iter_destroy(otter__rocks_iter *it)
{
    if (!it)
        return;
    if (it->it)
        rocksdb_iter_destroy(it->it);
    if (it->ro)
        rocksdb_readoptions_destroy(it->ro);
    free(it->lo);
    free(it->hi);
    free(it);
}

/* ------------------------------------------------------------------ stats */

/* Bytes of the WAL files (*.log) in the store's directory. RocksDB 7.8 has no property
 * for this, and archived WALs (kept only for replication) are not ours to count. */
static uint64_t wal_bytes(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return 0;
    uint64_t sum = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        struct stat st;
        if (n > 4 && strcmp(e->d_name + n - 4, ".log") == 0 &&
            fstatat(dirfd(d), e->d_name, &st, 0) == 0 && S_ISREG(st.st_mode))
            sum += (uint64_t)st.st_size;
    }
    closedir(d);
    return sum;
}

/* SST bytes use "total-sst-files-size", which also counts files an older version (an
 * open iterator or a checkpoint in progress) still pins: those are on disk too. */
uint64_t otter__rocks_disk_bytes(otter__rocks *db)
{
    uint64_t sum = 0;
    for (int i = 0; i < N_FAMILIES; i++) {
        uint64_t v = 0;
        if (rocksdb_property_int_cf(db->db, db->cf[i], "rocksdb.total-sst-files-size", &v) == 0)
            sum += v;
    }
    return sum + wal_bytes(db->path);
}
