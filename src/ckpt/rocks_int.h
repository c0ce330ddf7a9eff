/* The RocksDB adapter: the only code that includes rocksdb/c.h. It turns RocksDB's
 * malloc'd error strings into otter_status + message, owns the options, column family
 * handles and read/write options, and gives the store the few operations it needs.
 *
 * Column families: entities, events, expiry, log, meta (plus RocksDB's "default",
 * unused). All are opened (and created when missing) together.
 */
#ifndef OTTER_CKPT_ROCKS_INT_H
#define OTTER_CKPT_ROCKS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "otter/buf.h"
#include "otter/status.h"

typedef enum otter__cf {
    OTTER__CF_ENTITIES = 0,
    OTTER__CF_EVENTS,
    OTTER__CF_EXPIRY,
    OTTER__CF_LOG,
    OTTER__CF_META,
    OTTER__CF_COUNT
} otter__cf;

/* Family name ("entities", ...) for messages and export records. */
const char *otter__cf_name(otter__cf cf);

typedef struct otter__rocks otter__rocks;
typedef struct otter__rocks_batch otter__rocks_batch;
typedef struct otter__rocks_iter otter__rocks_iter;

typedef struct otter__rocks_opts {
    int create;         /* create the database if missing */
    int read_only;      /* open read-only (snapshots, inspection) */
    size_t cache_bytes; /* block cache (0: 64 MiB) */
} otter__rocks_opts;

/* Opens the database at path. Errors: OTTER_NOT_FOUND (no database and !create),
 * OTTER_CORRUPT (RocksDB reported corruption; the message names the file), OTTER_IO. */
otter_status otter__rocks_open(const char *path, const otter__rocks_opts *o, otter__rocks **out,
                               otter_error *err);
void otter__rocks_close(otter__rocks *db);

/* Point lookup. Appends the value to val (val->len is reset to 0 first) and sets
 * *found. */
otter_status otter__rocks_get(otter__rocks *db, otter__cf cf, const void *key, size_t klen,
                              otter_buf *val, int *found, otter_error *err);

/* Write batches (atomic). Mutators cannot fail (RocksDB's batch grows in memory). */
otter_status otter__rocks_batch_create(otter__rocks_batch **out, otter_error *err);
void otter__rocks_batch_destroy(otter__rocks_batch *b);
void otter__rocks_batch_clear(otter__rocks_batch *b);
size_t otter__rocks_batch_count(const otter__rocks_batch *b);
void otter__rocks_batch_put(otter__rocks_batch *b, otter__rocks *db, otter__cf cf, const void *key,
                            size_t klen, const void *val, size_t vlen);
void otter__rocks_batch_delete(otter__rocks_batch *b, otter__rocks *db, otter__cf cf,
                               const void *key, size_t klen);
/* Deletes keys in [begin, end). */
void otter__rocks_batch_delete_range(otter__rocks_batch *b, otter__rocks *db, otter__cf cf,
                                     const void *begin, size_t blen, const void *end, size_t elen);

/* Writes the batch. sync 1: returns after the WAL is fsynced. no_wal 1: skips the WAL
 * (the data reaches disk at the next flush or checkpoint). */
otter_status otter__rocks_write(otter__rocks *db, otter__rocks_batch *b, int sync, int no_wal,
                                otter_error *err);

/* Latest sequence number RocksDB has made visible (every write that returned has a
 * sequence <= this). */
uint64_t otter__rocks_sequence(otter__rocks *db);

/* fsyncs the WAL: every write that returned before the call is durable after it. */
otter_status otter__rocks_sync_wal(otter__rocks *db, otter_error *err);

/* Flushes the memtables of every family to SST files. */
otter_status otter__rocks_flush(otter__rocks *db, otter_error *err);

/* Creates a checkpoint (hard links to SST files, copies of the rest, memtables flushed
 * first) in dir, which must not exist. */
otter_status otter__rocks_checkpoint(otter__rocks *db, const char *dir, otter_error *err);

/* Iterates keys in [lo, hi) of a family (hi NULL: to the end; lo NULL: from the start)
 * using an upper bound, so nothing past hi is read. verify 1 checks block checksums and
 * does not fill the cache (for verify and export). */
otter_status otter__rocks_iter_create(otter__rocks *db, otter__cf cf, const void *lo, size_t lolen,
                                      const void *hi, size_t hilen, int verify,
                                      otter__rocks_iter **out, otter_error *err);
/* Advances to the next entry (the first call gives the first). Returns 1 with borrowed
 * key/value (valid until the next call), 0 at the end or on error (then
 * otter__rocks_iter_status says which). */
int otter__rocks_iter_next(otter__rocks_iter *it, const uint8_t **key, size_t *klen,
                           const uint8_t **val, size_t *vlen);
otter_status otter__rocks_iter_status(otter__rocks_iter *it, otter_error *err);
void otter__rocks_iter_destroy(otter__rocks_iter *it);

/* Approximate on-disk size of every family (SST + live WAL), for stats. */
uint64_t otter__rocks_disk_bytes(otter__rocks *db);

#endif
