/* Unit tests for the RocksDB adapter (src/ckpt/rocks.c) against real databases in a
 * temporary directory: per-family isolation, atomic batches, range deletes, iterator
 * bounds, persistence across reopen, sync writes, checkpoints, read-only opens, and
 * the error mapping (missing store, lock held, a corrupt SST file).
 *
 * Every test gets its own directory under one root that an unchecked fixture creates
 * and removes in the runner process, so it is cleaned up even when a test fails.
 */
#include <check.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ckpt/rocks_int.h"
#include "test_util.h"

/* Asserts that `call` fails with `want` and a message containing `needle`. */
#define FAILS(want, needle, call)                                                                  \
    do {                                                                                           \
        otter_error e_ = {0};                                                                      \
        otter_error *err = &e_;                                                                    \
        otter_status st_ = (call);                                                                 \
        ck_assert_msg(st_ == (want), "%s returned %s, want %s (%s)", #call,                        \
                      otter_status_name(st_), otter_status_name(want), e_.message);                \
        ck_assert_msg(e_.code == st_, "%s: err.code %s != returned %s", #call,                     \
                      otter_status_name(e_.code), otter_status_name(st_));                         \
        ck_assert_msg(strstr(e_.message, (needle)) != NULL, "%s: message '%s' lacks '%s'", #call,  \
                      e_.message, (needle));                                                       \
    } while (0)

/* ------------------------------------------------------------------ temp directories */

static char root[64];

static void rm_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (d) {
            struct dirent *e;
            while ((e = readdir(d)) != NULL) {
                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                    continue;
                char sub[1024];
                snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
                rm_tree(sub);
            }
            closedir(d);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

static void root_setup(void)
{
    snprintf(root, sizeof root, "/tmp/otter-rocks-XXXXXX");
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        abort();
    }
}

static void root_teardown(void)
{
    rm_tree(root);
}

/* A fresh directory for one test (path written to out). */
static void test_dir(char *out, size_t n)
{
    snprintf(out, n, "%s/t-XXXXXX", root);
    ck_assert_ptr_nonnull(mkdtemp(out));
}

/* ------------------------------------------------------------------ helpers */

static otter__rocks *open_db(const char *path, int create, int read_only)
{
    otter__rocks_opts o = {create, read_only, 0};
    otter__rocks *db = NULL;
    OK(otter__rocks_open(path, &o, &db, err));
    ck_assert_ptr_nonnull(db);
    return db;
}

static void put(otter__rocks *db, otter__cf cf, const char *k, const char *v)
{
    otter__rocks_batch *b = NULL;
    OK(otter__rocks_batch_create(&b, err));
    otter__rocks_batch_put(b, db, cf, k, strlen(k), v, strlen(v));
    OK(otter__rocks_write(db, b, 0, 0, err));
    otter__rocks_batch_destroy(b);
}

/* The value of k as a NUL-terminated string in a static buffer, or NULL when absent. */
static const char *get(otter__rocks *db, otter__cf cf, const char *k)
{
    static char out[256];
    otter_buf v = OTTER_BUF_INIT;
    int found = -1;
    OK(otter__rocks_get(db, cf, k, strlen(k), &v, &found, err));
    ck_assert(found == 0 || found == 1);
    if (!found) {
        ck_assert_uint_eq(v.len, 0);
        otter_buf_free(&v);
        return NULL;
    }
    ck_assert_uint_lt(v.len, sizeof out);
    if (v.len) /* data is NULL for an empty value */
        memcpy(out, v.data, v.len);
    out[v.len] = '\0';
    otter_buf_free(&v);
    return out;
}

/* Keys of [lo, hi) in cf joined by ',' (values checked to be "v" + key). */
static void scan(otter__rocks *db, otter__cf cf, const char *lo, const char *hi, char *out,
                 size_t n)
{
    otter__rocks_iter *it = NULL;
    OK(otter__rocks_iter_create(db, cf, lo, lo ? strlen(lo) : 0, hi, hi ? strlen(hi) : 0, 0, &it,
                                err));
    out[0] = '\0';
    const uint8_t *k, *v;
    size_t kl, vl;
    while (otter__rocks_iter_next(it, &k, &kl, &v, &vl)) {
        ck_assert_uint_eq(vl, kl + 1);
        ck_assert(v[0] == 'v' && memcmp(v + 1, k, kl) == 0);
        size_t used = strlen(out);
        ck_assert_uint_lt(used + kl + 2, n);
        if (used)
            out[used++] = ',';
        memcpy(out + used, k, kl);
        out[used + kl] = '\0';
    }
    /* Past the end it stays at the end. */
    ck_assert_int_eq(otter__rocks_iter_next(it, &k, &kl, &v, &vl), 0);
    OK(otter__rocks_iter_status(it, err));
    otter__rocks_iter_destroy(it);
}

static void put_kv(otter__rocks *db, otter__cf cf, const char *k)
{
    char v[64];
    snprintf(v, sizeof v, "v%s", k);
    put(db, cf, k, v);
}

/* ------------------------------------------------------------------ tests */

START_TEST(families_isolated)
{
    char dir[128];
    test_dir(dir, sizeof dir);
    otter__rocks *db = open_db(dir, 1, 0);
    for (int cf = 0; cf < OTTER__CF_COUNT; cf++)
        put(db, (otter__cf)cf, "k", otter__cf_name((otter__cf)cf));
    for (int cf = 0; cf < OTTER__CF_COUNT; cf++)
        ck_assert_str_eq(get(db, (otter__cf)cf, "k"), otter__cf_name((otter__cf)cf));

    /* A delete in one family leaves the same key in the others. */
    otter__rocks_batch *b = NULL;
    OK(otter__rocks_batch_create(&b, err));
    otter__rocks_batch_delete(b, db, OTTER__CF_EVENTS, "k", 1);
    OK(otter__rocks_write(db, b, 0, 0, err));
    otter__rocks_batch_destroy(b);
    ck_assert_ptr_null(get(db, OTTER__CF_EVENTS, "k"));
    ck_assert_str_eq(get(db, OTTER__CF_ENTITIES, "k"), "entities");
    ck_assert_str_eq(get(db, OTTER__CF_META, "k"), "meta");

    /* Overwrite, absent key, and an empty value (found, zero bytes). */
    put(db, OTTER__CF_LOG, "k", "second");
    ck_assert_str_eq(get(db, OTTER__CF_LOG, "k"), "second");
    ck_assert_ptr_null(get(db, OTTER__CF_LOG, "nope"));
    put(db, OTTER__CF_EXPIRY, "empty", "");
    ck_assert_str_eq(get(db, OTTER__CF_EXPIRY, "empty"), "");

    /* get resets the buffer rather than appending to old contents. */
    otter_buf v = OTTER_BUF_INIT;
    int found = 0;
    OK(otter_buf_append(&v, "junk", 4, err));
    OK(otter__rocks_get(db, OTTER__CF_META, "k", 1, &v, &found, err));
    ck_assert_int_eq(found, 1);
    ck_assert_uint_eq(v.len, 4);
    ck_assert(memcmp(v.data, "meta", 4) == 0);
    OK(otter__rocks_get(db, OTTER__CF_META, "nope", 4, &v, &found, err));
    ck_assert_int_eq(found, 0);
    ck_assert_uint_eq(v.len, 0);
    otter_buf_free(&v);
    otter__rocks_close(db);
}
END_TEST

START_TEST(cf_names)
{
    ck_assert_str_eq(otter__cf_name(OTTER__CF_ENTITIES), "entities");
    ck_assert_str_eq(otter__cf_name(OTTER__CF_EVENTS), "events");
    ck_assert_str_eq(otter__cf_name(OTTER__CF_EXPIRY), "expiry");
    ck_assert_str_eq(otter__cf_name(OTTER__CF_LOG), "log");
    ck_assert_str_eq(otter__cf_name(OTTER__CF_META), "meta");
    ck_assert_str_eq(otter__cf_name(OTTER__CF_COUNT), "unknown");
    /* Destroying NULL is a no-op. */
    otter__rocks_close(NULL);
    otter__rocks_batch_destroy(NULL);
    otter__rocks_iter_destroy(NULL);
}
END_TEST

START_TEST(batch_atomic)
{
    char dir[128];
    test_dir(dir, sizeof dir);
    otter__rocks *db = open_db(dir, 1, 0);
    put(db, OTTER__CF_META, "gone", "x");
    otter__rocks_batch *b = NULL;
    OK(otter__rocks_batch_create(&b, err));
    ck_assert_uint_eq(otter__rocks_batch_count(b), 0);
    otter__rocks_batch_put(b, db, OTTER__CF_ENTITIES, "e1", 2, "E", 1);
    otter__rocks_batch_put(b, db, OTTER__CF_EVENTS, "ev1", 3, "V", 1);
    otter__rocks_batch_put(b, db, OTTER__CF_LOG, "l1", 2, "L", 1);
    otter__rocks_batch_delete(b, db, OTTER__CF_META, "gone", 4);
    ck_assert_uint_eq(otter__rocks_batch_count(b), 4);

    /* Nothing is visible before the write... */
    uint64_t seq0 = otter__rocks_sequence(db);
    ck_assert_ptr_null(get(db, OTTER__CF_ENTITIES, "e1"));
    ck_assert_str_eq(get(db, OTTER__CF_META, "gone"), "x");
    /* ...and all of it after. */
    OK(otter__rocks_write(db, b, 0, 0, err));
    ck_assert_str_eq(get(db, OTTER__CF_ENTITIES, "e1"), "E");
    ck_assert_str_eq(get(db, OTTER__CF_EVENTS, "ev1"), "V");
    ck_assert_str_eq(get(db, OTTER__CF_LOG, "l1"), "L");
    ck_assert_ptr_null(get(db, OTTER__CF_META, "gone"));
    /* One sequence number per operation in the batch. */
    ck_assert_uint_eq(otter__rocks_sequence(db), seq0 + 4);

    /* A cleared batch is empty and writes nothing. */
    otter__rocks_batch_clear(b);
    ck_assert_uint_eq(otter__rocks_batch_count(b), 0);
    otter__rocks_batch_put(b, db, OTTER__CF_EXPIRY, "x1", 2, "X", 1);
    ck_assert_uint_eq(otter__rocks_batch_count(b), 1);
    otter__rocks_batch_clear(b);
    OK(otter__rocks_write(db, b, 0, 0, err));
    ck_assert_ptr_null(get(db, OTTER__CF_EXPIRY, "x1"));
    otter__rocks_batch_destroy(b);
    otter__rocks_close(db);
}
END_TEST

START_TEST(delete_range)
{
    char dir[128];
    test_dir(dir, sizeof dir);
    otter__rocks *db = open_db(dir, 1, 0);
    const char *keys[] = {"a", "b", "b1", "c", "d", "e"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        put_kv(db, OTTER__CF_EXPIRY, keys[i]);
        put_kv(db, OTTER__CF_EVENTS, keys[i]);
    }
    otter__rocks_batch *b = NULL;
    OK(otter__rocks_batch_create(&b, err));
    otter__rocks_batch_delete_range(b, db, OTTER__CF_EXPIRY, "b", 1, "d", 1);
    OK(otter__rocks_write(db, b, 0, 0, err));
    otter__rocks_batch_destroy(b);
    char out[128];
    scan(db, OTTER__CF_EXPIRY, NULL, NULL, out, sizeof out);
    ck_assert_str_eq(out, "a,d,e"); /* end is exclusive */
    scan(db, OTTER__CF_EVENTS, NULL, NULL, out, sizeof out);
    ck_assert_str_eq(out, "a,b,b1,c,d,e"); /* other families untouched */
    /* Still deleted after the range tombstone is flushed to an SST file. */
    OK(otter__rocks_flush(db, err));
    ck_assert_ptr_null(get(db, OTTER__CF_EXPIRY, "c"));
    ck_assert_str_eq(get(db, OTTER__CF_EXPIRY, "d"), "vd");
    otter__rocks_close(db);
}
END_TEST

START_TEST(iter_bounds)
{
    char dir[128];
    test_dir(dir, sizeof dir);
    otter__rocks *db = open_db(dir, 1, 0);
    /* Inserted out of order; byte-wise order is what comes back. */
    const char *keys[] = {"m", "a", "z", "ab", "b", "y", "mm"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        put_kv(db, OTTER__CF_ENTITIES, keys[i]);
    put_kv(db, OTTER__CF_EVENTS, "c"); /* another family never leaks in */
    put_kv(db, OTTER__CF_META, "b");
    char out[128];
    scan(db, OTTER__CF_ENTITIES, NULL, NULL, out, sizeof out);
    ck_assert_str_eq(out, "a,ab,b,m,mm,y,z");
    scan(db, OTTER__CF_ENTITIES, "ab", "m", out, sizeof out);
    ck_assert_str_eq(out, "ab,b"); /* lo inclusive, hi exclusive */
    scan(db, OTTER__CF_ENTITIES, "aa", "mz", out, sizeof out);
    ck_assert_str_eq(out, "ab,b,m,mm");
    scan(db, OTTER__CF_ENTITIES, NULL, "b", out, sizeof out);
    ck_assert_str_eq(out, "a,ab");
    scan(db, OTTER__CF_ENTITIES, "n", NULL, out, sizeof out);
    ck_assert_str_eq(out, "y,z");
    scan(db, OTTER__CF_ENTITIES, "c", "d", out, sizeof out);
    ck_assert_str_eq(out, "");
    scan(db, OTTER__CF_ENTITIES, "m", "m", out, sizeof out);
    ck_assert_str_eq(out, "");
    scan(db, OTTER__CF_LOG, NULL, NULL, out, sizeof out);
    ck_assert_str_eq(out, "");

    /* The same after a flush (bounds applied to SST data, not just the memtable), and
     * the bounds are the iterator's own copies: the caller's buffers may change. */
    OK(otter__rocks_flush(db, err));
    char lo[] = "ab", hi[] = "mz";
    otter__rocks_iter *it = NULL;
    OK(otter__rocks_iter_create(db, OTTER__CF_ENTITIES, lo, 2, hi, 2, 1, &it, err));
    memset(lo, 0, sizeof lo);
    memset(hi, 0, sizeof hi);
    const uint8_t *k, *v;
    size_t kl, vl, n = 0;
    out[0] = '\0';
    while (otter__rocks_iter_next(it, &k, &kl, &v, &vl)) {
        strncat(out, (const char *)k, kl);
        strcat(out, ";");
        n++;
    }
    OK(otter__rocks_iter_status(it, err));
    otter__rocks_iter_destroy(it);
    ck_assert_uint_eq(n, 4);
    ck_assert_str_eq(out, "ab;b;m;mm;");

    /* Binary keys with NUL and 0xff bytes order as unsigned bytes. */
    const uint8_t k0[] = {0x01, 0x00}, k1[] = {0x01, 0x00, 0x00}, k2[] = {0x01, 0xff};
    const uint8_t lo2[] = {0x01}, hi2[] = {0x02};
    otter__rocks_batch *b = NULL;
    OK(otter__rocks_batch_create(&b, err));
    otter__rocks_batch_put(b, db, OTTER__CF_LOG, k2, 2, "2", 1);
    otter__rocks_batch_put(b, db, OTTER__CF_LOG, k1, 3, "1", 1);
    otter__rocks_batch_put(b, db, OTTER__CF_LOG, k0, 2, "0", 1);
    OK(otter__rocks_write(db, b, 0, 0, err));
    otter__rocks_batch_destroy(b);
    OK(otter__rocks_iter_create(db, OTTER__CF_LOG, lo2, 1, hi2, 1, 0, &it, err));
    char seen[4] = {0};
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(otter__rocks_iter_next(it, &k, &kl, &v, &vl), 1);
        ck_assert_uint_eq(vl, 1);
        seen[i] = (char)v[0];
    }
    ck_assert_int_eq(otter__rocks_iter_next(it, &k, &kl, &v, &vl), 0);
    OK(otter__rocks_iter_status(it, err));
    otter__rocks_iter_destroy(it);
    ck_assert_str_eq(seen, "012");
    otter__rocks_close(db);
}
END_TEST

START_TEST(reopen_persists)
{
    char dir[128];
    test_dir(dir, sizeof dir);
    otter__rocks *db = open_db(dir, 1, 0);
    put(db, OTTER__CF_ENTITIES, "kept", "1");
    put(db, OTTER__CF_META, "version", "7");
    /* A write without the WAL reaches disk when the store closes. */
    otter__rocks_batch *b = NULL;
    OK(otter__rocks_batch_create(&b, err));
    otter__rocks_batch_put(b, db, OTTER__CF_EVENTS, "nowal", 5, "2", 1);
    OK(otter__rocks_write(db, b, 0, 1, err));
    otter__rocks_batch_destroy(b);
    uint64_t seq = otter__rocks_sequence(db);
    ck_assert_uint_ge(seq, 3);
    otter__rocks_close(db);

    db = open_db(dir, 0, 0);
    ck_assert_str_eq(get(db, OTTER__CF_ENTITIES, "kept"), "1");
    ck_assert_str_eq(get(db, OTTER__CF_META, "version"), "7");
    ck_assert_str_eq(get(db, OTTER__CF_EVENTS, "nowal"), "2");
    ck_assert_uint_ge(otter__rocks_sequence(db), seq);
    put(db, OTTER__CF_ENTITIES, "later", "3");
    otter__rocks_close(db);

    /* And again, with create set on an existing store (nothing is reset). */
    db = open_db(dir, 1, 0);
    ck_assert_str_eq(get(db, OTTER__CF_ENTITIES, "kept"), "1");
    ck_assert_str_eq(get(db, OTTER__CF_ENTITIES, "later"), "3");
    otter__rocks_close(db);
}
END_TEST

START_TEST(sync_writes)
{
    char dir[128];
    test_dir(dir, sizeof dir);
    otter__rocks *db = open_db(dir, 1, 0);
    otter__rocks_batch *b = NULL;
    OK(otter__rocks_batch_create(&b, err));
    otter__rocks_batch_put(b, db, OTTER__CF_LOG, "s", 1, "synced", 6);
    OK(otter__rocks_write(db, b, 1, 0, err));
    ck_assert_str_eq(get(db, OTTER__CF_LOG, "s"), "synced");
    put(db, OTTER__CF_LOG, "t", "plain");
    OK(otter__rocks_sync_wal(db, err));
    /* sync needs the WAL: refused before anything is written. */
    otter__rocks_batch_clear(b);
    otter__rocks_batch_put(b, db, OTTER__CF_LOG, "u", 1, "x", 1);
    uint64_t seq = otter__rocks_sequence(db);
    FAILS(OTTER_INVALID, "no_wal", otter__rocks_write(db, b, 1, 1, err));
    ck_assert_uint_eq(otter__rocks_sequence(db), seq);
    ck_assert_ptr_null(get(db, OTTER__CF_LOG, "u"));
    otter__rocks_batch_destroy(b);
    /* The WAL holds the writes (nothing flushed yet), so disk_bytes counts them. */
    ck_assert_uint_gt(otter__rocks_disk_bytes(db), 0);
    otter__rocks_close(db);
    db = open_db(dir, 0, 1);
    ck_assert_str_eq(get(db, OTTER__CF_LOG, "s"), "synced");
    ck_assert_str_eq(get(db, OTTER__CF_LOG, "t"), "plain");
    otter__rocks_close(db);
}
END_TEST

START_TEST(checkpoint)
{
    char dir[128], cp[160];
    test_dir(dir, sizeof dir);
    snprintf(cp, sizeof cp, "%s.ckpt", dir);
    otter__rocks *db = open_db(dir, 1, 0);
    put(db, OTTER__CF_ENTITIES, "a", "1");
    put(db, OTTER__CF_META, "m", "2");
    OK(otter__rocks_checkpoint(db, cp, err));
    /* The live store moves on; the checkpoint does not. */
    put(db, OTTER__CF_ENTITIES, "a", "changed");
    put(db, OTTER__CF_ENTITIES, "b", "new");
    OK(otter__rocks_flush(db, err));

    otter__rocks *snap = open_db(cp, 0, 1);
    ck_assert_str_eq(get(snap, OTTER__CF_ENTITIES, "a"), "1");
    ck_assert_str_eq(get(snap, OTTER__CF_META, "m"), "2");
    ck_assert_ptr_null(get(snap, OTTER__CF_ENTITIES, "b"));
    ck_assert_str_eq(get(db, OTTER__CF_ENTITIES, "a"), "changed");
    otter__rocks_close(snap);

    /* The target must not exist. */
    FAILS(OTTER_EXISTS, "already exists", otter__rocks_checkpoint(db, cp, err));
    otter__rocks_close(db);
}
END_TEST

START_TEST(read_only)
{
    char dir[128];
    test_dir(dir, sizeof dir);
    otter__rocks *db = open_db(dir, 1, 0);
    put(db, OTTER__CF_EVENTS, "e", "1");
    otter__rocks_close(db);

    /* create is ignored for a read-only open: it neither creates nor writes. */
    db = open_db(dir, 1, 1);
    ck_assert_str_eq(get(db, OTTER__CF_EVENTS, "e"), "1");
    otter__rocks_batch *b = NULL;
    OK(otter__rocks_batch_create(&b, err));
    otter__rocks_batch_put(b, db, OTTER__CF_EVENTS, "f", 1, "2", 1);
    FAILS(OTTER_UNSUPPORTED, "read only", otter__rocks_write(db, b, 0, 0, err));
    otter__rocks_batch_destroy(b);
    ck_assert_ptr_null(get(db, OTTER__CF_EVENTS, "f"));
    FAILS(OTTER_UNSUPPORTED, "rocksdb flush", otter__rocks_flush(db, err));
    otter__rocks_close(db);

    /* Two read-only handles may coexist (no lock is taken). */
    otter__rocks *r1 = open_db(dir, 0, 1), *r2 = open_db(dir, 0, 1);
    otter__rocks_close(r1);
    otter__rocks_close(r2);
}
END_TEST

START_TEST(missing_store)
{
    char dir[128], absent[192];
    test_dir(dir, sizeof dir);
    snprintf(absent, sizeof absent, "%s/none", dir);
    otter__rocks_opts o = {0, 0, 0};
    otter__rocks *db = NULL;
    /* An empty directory and a missing one are both "no store". */
    FAILS(OTTER_NOT_FOUND, dir, otter__rocks_open(dir, &o, &db, err));
    FAILS(OTTER_NOT_FOUND, absent, otter__rocks_open(absent, &o, &db, err));
    FAILS(OTTER_NOT_FOUND, absent, otter__rocks_open(absent, NULL, &db, err));
    o.read_only = 1;
    FAILS(OTTER_NOT_FOUND, absent, otter__rocks_open(absent, &o, &db, err));
    o.create = 1; /* read-only never creates */
    FAILS(OTTER_NOT_FOUND, absent, otter__rocks_open(absent, &o, &db, err));
    ck_assert_ptr_null(db);
    struct stat st;
    ck_assert_int_ne(stat(absent, &st), 0);
    FAILS(OTTER_INVALID, "path", otter__rocks_open("", &o, &db, err));
}
END_TEST

START_TEST(lock_held)
{
    char dir[128];
    test_dir(dir, sizeof dir);
    /* Another process holds the store: the child opens it and waits on a pipe. This
     * comes first, before this process has any RocksDB threads to lose in a fork. */
    int ready[2], done[2];
    ck_assert_int_eq(pipe(ready), 0);
    ck_assert_int_eq(pipe(done), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(done[1]); /* else the read below never sees EOF */
        otter__rocks_opts o = {1, 0, 0};
        otter__rocks *held = NULL;
        char c = otter__rocks_open(dir, &o, &held, NULL) == OTTER_OK ? 'y' : 'n';
        if (write(ready[1], &c, 1) != 1 || read(done[0], &c, 1) < 0)
            _exit(2);
        otter__rocks_close(held);
        _exit(0);
    }
    close(done[0]);
    close(ready[1]);
    char c = 0;
    ck_assert_int_eq(read(ready[0], &c, 1), 1);
    ck_assert_int_eq(c, 'y');
    otter__rocks_opts o = {1, 0, 0};
    otter__rocks *db = NULL;
    FAILS(OTTER_IO, "has the store open", otter__rocks_open(dir, &o, &db, err));
    FAILS(OTTER_IO, "LOCK", otter__rocks_open(dir, &o, &db, err));
    ck_assert_ptr_null(db);
    close(done[1]);
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* Now free; a second handle in the same process is refused the same way. */
    db = open_db(dir, 0, 0);
    otter__rocks *again = NULL;
    FAILS(OTTER_IO, "has the store open", otter__rocks_open(dir, &o, &again, err));
    FAILS(OTTER_IO, "LOCK", otter__rocks_open(dir, &o, &again, err));
    ck_assert_ptr_null(again);
    otter__rocks_close(db);
    db = open_db(dir, 0, 0); /* the failed open left nothing behind */
    otter__rocks_close(db);
}
END_TEST

/* The contents of dir/name as a string (free() it). */
static char *slurp(const char *dir, const char *name)
{
    char path[640];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    size_t cap = 1 << 16, len = 0, n;
    char *s = malloc(cap);
    ck_assert_ptr_nonnull(s);
    while ((n = fread(s + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len - 1 == 0) {
            s = realloc(s, cap *= 2);
            ck_assert_ptr_nonnull(s);
        }
    }
    fclose(f);
    s[len] = '\0';
    return s;
}

static size_t count_of(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

START_TEST(options_applied)
{
    /* What RocksDB says it runs with: the OPTIONS file it persists and its info LOG. */
    char dir[128];
    test_dir(dir, sizeof dir);
    otter__rocks_opts o = {1, 0, (size_t)1 << 20};
    otter__rocks *db = NULL;
    OK(otter__rocks_open(dir, &o, &db, err));
    otter__rocks_close(db);

    char latest[256] = "";
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) /* same-length names: compare as text */
        if (strncmp(e->d_name, "OPTIONS-", 8) == 0 && strcmp(e->d_name, latest) > 0)
            snprintf(latest, sizeof latest, "%s", e->d_name);
    closedir(d);
    ck_assert_str_ne(latest, "");
    char *opts = slurp(dir, latest);
    ck_assert_ptr_nonnull(strstr(opts, "wal_recovery_mode=kTolerateCorruptedTailRecords"));
    ck_assert_ptr_nonnull(strstr(opts, "paranoid_checks=true"));
    ck_assert_ptr_nonnull(strstr(opts, "max_open_files=-1"));
    const char *families[] = {"default", "entities", "events", "expiry", "log", "meta"};
    for (size_t i = 0; i < 6; i++) {
        char section[64];
        snprintf(section, sizeof section, "[CFOptions \"%s\"]", families[i]);
        ck_assert_msg(strstr(opts, section) != NULL, "no %s", section);
    }
    ck_assert_uint_eq(count_of(opts, "[CFOptions "), 6);
    ck_assert_uint_eq(count_of(opts, "filter_policy=bloomfilter"), 6);
    free(opts);

    /* One block cache of the requested size, shared by every family. */
    char *log = slurp(dir, "LOG");
    ck_assert_uint_eq(count_of(log, "capacity : 1048576"), 6);
    const char *first = strstr(log, "block_cache: 0x");
    ck_assert_ptr_nonnull(first);
    char ptr[32];
    ck_assert_int_eq(sscanf(first, "block_cache: %31s", ptr), 1);
    char line[64];
    snprintf(line, sizeof line, "block_cache: %s\n", ptr);
    ck_assert_uint_eq(count_of(log, "block_cache: 0x"), 6);
    ck_assert_uint_eq(count_of(log, line), 6);
    free(log);
}
END_TEST

/* Name (into out) and size of the largest .sst file in dir. */
static off_t largest_sst(const char *dir, char *out, size_t n)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    off_t best = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 4 || strcmp(e->d_name + len - 4, ".sst") != 0)
            continue;
        char path[640];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        ck_assert_int_eq(stat(path, &st), 0);
        if (st.st_size > best) {
            best = st.st_size;
            snprintf(out, n, "%s", e->d_name);
        }
    }
    closedir(d);
    return best;
}

START_TEST(corrupt_sst)
{
    /* A long path, so RocksDB's message does not fit the error buffer whole: the file
     * name at its end must survive. */
    char base[128], dir[320];
    test_dir(base, sizeof base);
    snprintf(dir, sizeof dir, "%s/%0150d", base, 0);
    otter__rocks *db = open_db(dir, 1, 0);
    /* Enough incompressible data that the middle of the file is a data block, not the
     * index or filter (which RocksDB reads once at open). */
    otter__rocks_batch *b = NULL;
    OK(otter__rocks_batch_create(&b, err));
    uint64_t x = 0x9e3779b97f4a7c15u; /* xorshift: data that does not compress */
    for (int i = 0; i < 2000; i++) {
        char k[16], v[200];
        snprintf(k, sizeof k, "key%06d", i);
        for (size_t j = 0; j < sizeof v; j++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            v[j] = (char)(x >> 24);
        }
        otter__rocks_batch_put(b, db, OTTER__CF_ENTITIES, k, strlen(k), v, sizeof v);
    }
    OK(otter__rocks_write(db, b, 0, 0, err));
    otter__rocks_batch_destroy(b);
    uint64_t before = otter__rocks_disk_bytes(db);
    OK(otter__rocks_flush(db, err));
    ck_assert_uint_gt(otter__rocks_disk_bytes(db), 300000);
    ck_assert_uint_gt(before, 0);
    otter__rocks_close(db);

    char name[256], path[640];
    off_t size = largest_sst(dir, name, sizeof name);
    ck_assert_int_gt(size, 300000);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r+b");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fseek(f, size / 2, SEEK_SET), 0);
    int c = fgetc(f);
    ck_assert_int_ne(c, EOF);
    ck_assert_int_eq(fseek(f, size / 2, SEEK_SET), 0);
    ck_assert_int_ne(fputc(c ^ 0x5a, f), EOF);
    ck_assert_int_eq(fclose(f), 0);

    db = open_db(dir, 0, 0);
    otter__rocks_iter *it = NULL;
    OK(otter__rocks_iter_create(db, OTTER__CF_ENTITIES, NULL, 0, NULL, 0, 1, &it, err));
    const uint8_t *k, *v;
    size_t kl, vl, n = 0;
    while (otter__rocks_iter_next(it, &k, &kl, &v, &vl))
        n++;
    ck_assert_uint_lt(n, 2000); /* stopped at the bad block */
    FAILS(OTTER_CORRUPT, name, otter__rocks_iter_status(it, err));
    FAILS(OTTER_CORRUPT, "Corruption", otter__rocks_iter_status(it, err));
    otter__rocks_iter_destroy(it);
    otter__rocks_close(db);
}
END_TEST

static Suite *rocks_suite(void)
{
    Suite *s = suite_create("rocks");
    TCase *tc = tcase_create("store");
    tcase_add_unchecked_fixture(tc, root_setup, root_teardown);
    tcase_add_test(tc, cf_names);
    tcase_add_test(tc, families_isolated);
    tcase_add_test(tc, batch_atomic);
    tcase_add_test(tc, delete_range);
    tcase_add_test(tc, iter_bounds);
    tcase_add_test(tc, reopen_persists);
    tcase_add_test(tc, sync_writes);
    tcase_add_test(tc, checkpoint);
    tcase_add_test(tc, read_only);
    tcase_add_test(tc, missing_store);
    tcase_add_test(tc, lock_held);
    tcase_add_test(tc, corrupt_sst);
    tcase_add_test(tc, options_applied);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rocks_suite());
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
