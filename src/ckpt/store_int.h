/* Internals of the state store shared by its files: store.c (open, entities, updates,
 * the log and group commit), store_events.c (pending events and the bandits' event
 * tables), store_snap.c (snapshots, restore, verify) and store_xfer.c (export, import).
 *
 * Keys (all integers big-endian so that byte order is numeric order):
 *   entities  kg(2) name                          -> entity record
 *   events    kg(2) name 0x00 event-id            -> event record
 *   expiry    deadline(8) kg(2) name 0x00 id      -> empty (learner events only)
 *   log       seq(8)                              -> log record
 *   meta      "format" | "state"                  -> u32 | state record
 * Every record ends in a CRC32C of its bytes, so a flipped byte is caught by us even
 * where RocksDB's block checksums are not consulted.
 */
#ifndef OTTER_CKPT_STORE_INT_H
#define OTTER_CKPT_STORE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "bandits/events_int.h"
#include "core/codec_int.h"
#include "otter/store.h"
#include "rocks_int.h"

#define OTTER__REC_VERSION 1
#define OTTER__KEY_MAX (2 + OTTER_ENTITY_NAME_MAX + 1 + OTTER_EVENT_ID_MAX + 8)

enum { OTTER__EVK_PAYLOAD = 1, OTTER__EVK_DECISION = 2 };

enum {
    OTTER__OP_LEARN = 1,
    OTTER__OP_RANK = 2,
    OTTER__OP_REWARD = 3,
    OTTER__OP_ACTIVATE = 4,
    OTTER__OP_EXPIRE = 5,
    OTTER__OP_ADD_ARM = 6,
    OTTER__OP_REMOVE_ARM = 7
};

typedef struct otter__entity otter__entity;

/* A loaded entity. Shared between the map and callers through an atomic refcount;
 * `lock` guards the model, version, dirty and deleted. */
struct otter__entity {
    atomic_int refs;
    pthread_rwlock_t lock;
    uint16_t kg;
    size_t name_len;
    char name[OTTER_ENTITY_NAME_MAX + 1];
    otter_entity_kind kind;
    otter_learner *learner;
    otter_bandit *bandit;
    struct otter__bevents *bev; /* the bandit's event table (owned by the bandit) */
    uint64_t version;           /* updates applied since creation */
    uint64_t persisted_seq;     /* log records <= this are in the persisted blob */
    int dirty, deleted;
    otter__entity *next; /* hash chain */
};

#define OTTER__SHARDS 64
#define OTTER__STRIPES 256

typedef struct otter__shard {
    pthread_mutex_t mu;
    otter__entity **buckets;
    size_t n_buckets, n;
} otter__shard;

struct otter_store {
    const otter_context *ctx;
    char *dir, *db_dir, *snap_dir;
    otter_store_options opt;
    otter__rocks *db;
    /* Snapshot, restore and import take it for writing; every other call for reading. */
    pthread_rwlock_t gate;
    otter__shard shards[OTTER__SHARDS];
    pthread_mutex_t stripes[OTTER__STRIPES]; /* pending-event ids, by hash */
    atomic_uint_fast64_t next_seq;           /* next log sequence */
    atomic_uint_fast64_t n_entities, n_events, n_loaded, n_dirty;
    atomic_uint_fast64_t log_records, syncs, replayed;
    atomic_int failed;                  /* a log write failed: updates are refused */
    atomic_uint_fast64_t last_snapshot; /* read by stats without the gate */
    int was_clean;                      /* the live database was closed cleanly last time */
    /* group commit */
    pthread_mutex_t sync_mu;
    pthread_cond_t sync_cv;
    uint64_t synced_upto; /* RocksDB sequence known durable */
    int syncing;
};

/* ---- store.c ---- */
size_t otter__entity_key(uint16_t kg, const char *name, size_t name_len, uint8_t *key);
otter_status otter__check_name(const char *name, size_t *len, otter_error *err);
otter_status otter__check_event_id(const char *id, size_t *len, otter_error *err);
int64_t otter__clock_ms(void);
/* Loaded entity (one reference for the caller; otter__entity_release it), or
 * OTTER_NOT_FOUND. Call with the gate held. */
otter_status otter__entity_get(otter_store *s, uint16_t kg, const char *name, otter__entity **out,
                               otter_error *err);
void otter__entity_release(otter__entity *e);
/* Drops every loaded entity from memory (gate held for writing). */
void otter__entities_unload(otter_store *s);
/* Drops the loaded entities of key groups [lo, hi] (gate held for writing). */
void otter__entities_unload_range(otter_store *s, uint16_t lo, uint16_t hi);
/* Persists every dirty entity, the counters and the state record, and deletes the
 * log it covers; gate held for writing. clean 1 marks a clean shutdown. */
otter_status otter__persist(otter_store *s, int clean, otter_error *err);
/* Writes the meta state record into b. */
void otter__meta_put(otter_store *s, otter__rocks_batch *b, int clean);
/* Waits until RocksDB sequence `ticket` is durable (group commit). */
otter_status otter__wait_durable(otter_store *s, uint64_t ticket, otter_error *err);
/* Opens the live database and loads its state (replaying the log): used by open and
 * restore. */
otter_status otter__open_live(otter_store *s, otter_error *err);
void otter__close_live(otter_store *s);
otter_status otter__status_rocks_nomem(otter_error *err);

/* Record framing: [fields...][u32 crc32c]. */
otter_status otter__rec_end(otter_buf *b, size_t start, otter_error *err);
/* Checks the CRC of a record; on success *len excludes it. */
int otter__rec_ok(const uint8_t *p, size_t *len);

/* ---- store_events.c ---- */
typedef struct otter__bevents otter__bevents;
/* Wraps a loaded bandit's table and loads its persisted events. */
/* from_db 1: load the events persisted for e; 0: the bandit's own events are new (a
 * create or a state import) and are all written at the next persist. */
otter_status otter__bevents_attach(otter_store *s, otter__entity *e, uint64_t next_order,
                                   int from_db, otter_error *err);
/* Writes the bandit's changed events into b. */
otter_status otter__bevents_persist(otter_store *s, otter__entity *e, otter__rocks_batch *b,
                                    otter_error *err);
uint64_t otter__bevents_next_order(const otter__bevents *t);
size_t otter__event_key(uint16_t kg, const char *name, size_t name_len, const char *id,
                        uint8_t *key);
pthread_mutex_t *otter__stripe(otter_store *s, uint16_t kg, const char *name, const char *id);
/* Event record framing. */
otter_status otter__event_rec(otter_buf *out, int kind, int64_t deadline, uint64_t order,
                              const void *payload, size_t len, otter_error *err);
typedef struct otter__event_view {
    int kind;
    int64_t deadline;
    uint64_t order;
    const uint8_t *payload;
    size_t len;
} otter__event_view;
int otter__event_parse(const uint8_t *p, size_t len, otter__event_view *v);
/* Pending learner events with keys in [a, z) (keys of n bytes). */
otter_status otter__count_pending(otter_store *s, const uint8_t *a, const uint8_t *z, size_t n,
                                  uint64_t *out, otter_error *err);
size_t otter__expiry_key(int64_t deadline, const uint8_t *event_key, size_t klen, uint8_t *key);

otter_status otter__learn_with_batch(otter_store *s, otter__entity *e, const otter_instance *inst,
                                     double label, double weight, otter_prediction *before,
                                     otter__rocks_batch *b, uint64_t *ticket, otter_error *err);
otter_status otter__expire_bandits(otter_store *s, int64_t now_ms, otter_error *err);
otter_status otter__check_writable(otter_store *s, otter_error *err);

/* ---- store_snap.c ---- */
otter_status otter__snap_path(const otter_store *s, uint64_t id, char *buf, size_t cap,
                              otter_error *err);
/* Removes a directory tree (best effort for leftovers). */
otter_status otter__rmtree(const char *path, otter_error *err);
otter_status otter__fsync_dir(const char *path, otter_error *err);
/* Recovers from a restore interrupted by a crash (before the live database opens). */
otter_status otter__restore_recover(otter_store *s, otter_error *err);
otter_status otter__latest_snapshot(otter_store *s, uint64_t *id, otter_error *err);

#endif
