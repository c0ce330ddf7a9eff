/* The state store: learners, bandits and pending events in one embedded RocksDB, with
 * numbered snapshots that line up with Flink checkpoint ids.
 *
 * A data directory holds the live database (DIR/db) and snapshots (DIR/snapshots/<id>/,
 * RocksDB checkpoints with a SNAPSHOT manifest). Every entity has a name and a key group
 * (0..32767) chosen by the caller: the Flink operators pass Flink's key group, otterd
 * its own hash. Keys start with the key group, so a range of key groups is exported,
 * imported or deleted without touching the rest.
 *
 * Entities are kept decoded in memory once touched (lazily loaded on first use), each
 * with its own reader-writer lock and dirty flag; RocksDB holds what was last persisted.
 * Learn, reward and the other updates go through the store so that:
 *   - with OTTER_DURABILITY_SYNC each update is appended to an update log and the call
 *     returns once RocksDB's WAL is synced (concurrent callers share one sync: group
 *     commit); on open the log after the last persisted state is replayed, so a crash
 *     loses no acknowledged update (learning is deterministic given the log order);
 *   - with OTTER_DURABILITY_NONE nothing is logged: state since the last snapshot is
 *     lost in a crash, and the store reopens at its latest snapshot (for Flink, whose
 *     sources replay).
 * otter_store_snapshot(id) persists every dirty entity, takes a RocksDB checkpoint (hard
 * links: unchanged files cost nothing) and writes the manifest (write, fsync, rename).
 *
 * Pending events of learners (a scored instance waiting for its label) live only in
 * RocksDB, with an expiry index by deadline; taking one is exactly-once. A bandit's
 * decisions live in its own event table, persisted per event in the same column family.
 *
 * Thread safety: every function may be called from any thread. Calls on different
 * entities proceed in parallel; updates of one entity are serialized in log order;
 * predictions and rankings read under the entity's read lock (a rank records a
 * decision, so it is an update). Snapshot, restore and import briefly stop all calls.
 *
 * Errors: OTTER_NOT_FOUND (unknown entity, event or snapshot), OTTER_EXISTS, OTTER_INVALID
 * (bad names, key groups, arguments), OTTER_CORRUPT (bad checksum, naming the file or
 * record), OTTER_VERSION (a newer format), OTTER_IO (the file system or RocksDB; after a
 * failed log write the store refuses further updates until reopened), OTTER_STATE (a
 * kind mismatch, such as learning on a bandit).
 */
#ifndef OTTER_STORE_H
#define OTTER_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "bandit.h"
#include "buf.h"
#include "instance.h"
#include "learner.h"
#include "params.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct otter_store otter_store;

#define OTTER_KEY_GROUPS 32768u      /* key groups 0..32767, as Flink's max parallelism */
#define OTTER_ENTITY_NAME_MAX 255    /* bytes of an entity name (no NUL, no '/') */
#define OTTER_STORE_FORMAT_VERSION 1 /* data directory, manifest and export formats */

typedef enum otter_durability {
    OTTER_DURABILITY_SYNC = 0, /* log every update, return after the WAL sync */
    OTTER_DURABILITY_NONE = 1  /* no log; state since the last snapshot may be lost */
} otter_durability;

typedef struct otter_store_options {
    otter_durability durability;
    /* 1: an unreadable, corrupt or foreign data directory is wiped and started empty
     * (the CLI's --reset). 0 (default): open fails with the reason and the file. */
    int reset;
    /* 1: open the live database read-only (inspection tools); updates fail. */
    int read_only;
    size_t cache_bytes; /* RocksDB block cache (0: 64 MiB) */
} otter_store_options;

#define OTTER_STORE_OPTIONS_INIT                                                                   \
    {                                                                                              \
        OTTER_DURABILITY_SYNC, 0, 0, 0                                                             \
    }

/* Opens (creating if needed) the store in dir. ctx is borrowed and must outlive the
 * store (it resolves learner and bandit types). Replays the update log. opt may be
 * NULL (defaults). */
otter_status otter_store_open(const otter_context *ctx, const char *dir,
                              const otter_store_options *opt, otter_store **out, otter_error *err);

/* Persists dirty entities (so the next open needs no replay) and closes. NULL is a no-op.
 * No call may be running or start on the store. */
void otter_store_close(otter_store *store);

/* ---- entities ---- */

typedef enum otter_entity_kind {
    OTTER_ENTITY_LEARNER = 1,
    OTTER_ENTITY_BANDIT = 2
} otter_entity_kind;

/* What the store knows of an entity without decoding it for the caller. */
typedef struct otter_entity_info {
    otter_entity_kind kind;
    uint16_t key_group;
    char name[OTTER_ENTITY_NAME_MAX + 1];
    char type[64];
    uint64_t version; /* updates applied since creation (learns, rewards, ...) */
    size_t bytes;     /* memory of the decoded model (0 when not loaded) */
    int dirty;        /* changed since last persisted */
} otter_entity_info;

/* Creates a learner entity. OTTER_EXISTS when (key_group, name) exists with a different
 * type or params; the same type and params again is a no-op returning OTTER_OK with
 * *created = 0 (created may be NULL). */
otter_status otter_store_create_learner(otter_store *store, uint16_t key_group, const char *name,
                                        const char *type, const otter_params *params, int *created,
                                        otter_error *err);

/* Creates a bandit entity with its arms (see otter_bandit_create); idempotent like
 * otter_store_create_learner (same policy, params and arms). */
otter_status otter_store_create_bandit(otter_store *store, uint16_t key_group, const char *name,
                                       const char *policy, const otter_params *params,
                                       const char *const *arms, size_t n_arms, int *created,
                                       otter_error *err);

/* Replaces (or creates) an entity from an encoded learner or bandit blob (an otterd
 * state import, a model trained in Flink). The blob is validated first; in-flight calls
 * see the old state or the new one, never a mix. Persisted at once. */
otter_status otter_store_put_state(otter_store *store, uint16_t key_group, const char *name,
                                   otter_entity_kind kind, const uint8_t *blob, size_t len,
                                   otter_error *err);

/* Appends the entity's encoded state blob to out. */
otter_status otter_store_get_state(otter_store *store, uint16_t key_group, const char *name,
                                   otter_buf *out, otter_error *err);

/* Deletes the entity and its pending events (persisted at once). */
otter_status otter_store_delete(otter_store *store, uint16_t key_group, const char *name,
                                otter_error *err);

otter_status otter_store_info(otter_store *store, uint16_t key_group, const char *name,
                              otter_entity_info *out, otter_error *err);

/* Calls fn(ud, info) for every entity in key groups [kg_lo, kg_hi], in key order; a
 * status other than OTTER_OK from fn stops the walk and is returned. Reads only that
 * range of keys; fn must not call the store. */
otter_status otter_store_list(otter_store *store, uint16_t kg_lo, uint16_t kg_hi,
                              otter_status (*fn)(void *ud, const otter_entity_info *info), void *ud,
                              otter_error *err);

/* Runs fn under the entity's read lock with the borrowed learner or bandit (the other
 * is NULL), for inspection: describe, arm statistics, dumps. fn must not keep the
 * pointers nor call the store. fn's status is returned. */
otter_status otter_store_read(otter_store *store, uint16_t key_group, const char *name,
                              otter_status (*fn)(void *ud, const otter_learner *learner,
                                                 const otter_bandit *bandit, otter_error *err),
                              void *ud, otter_error *err);

/* ---- learners ---- */

otter_status otter_store_predict(otter_store *store, uint16_t key_group, const char *name,
                                 const otter_instance *inst, otter_prediction *out,
                                 otter_error *err);

/* Learns one example (logged with durability sync). */
otter_status otter_store_learn(otter_store *store, uint16_t key_group, const char *name,
                               const otter_instance *inst, double label, double weight,
                               otter_error *err);

/* otter_store_learn, and *before (not NULL) gets the model's prediction for the
 * instance just before it learned from it (prequential metrics; one pass with
 * otter_learner_predict_learn under the same lock). */
otter_status otter_store_learn_scored(otter_store *store, uint16_t key_group, const char *name,
                                      const otter_instance *inst, double label, double weight,
                                      otter_prediction *before, otter_error *err);

/* Predicts and keeps the instance as a pending event under event_id (printable ASCII,
 * 1..63 bytes) until otter_store_feedback takes it or deadline_ms passes. OTTER_EXISTS
 * when the id is pending already. */
otter_status otter_store_predict_event(otter_store *store, uint16_t key_group, const char *name,
                                       const otter_instance *inst, const char *event_id,
                                       int64_t deadline_ms, otter_prediction *out,
                                       otter_error *err);

/* Takes the pending event (exactly once) and learns from its instance with the label:
 * the event's removal and the logged update commit together. OTTER_NOT_FOUND when
 * there is no such pending event (never put, taken already, or expired). */
otter_status otter_store_feedback(otter_store *store, uint16_t key_group, const char *name,
                                  const char *event_id, double label, double weight,
                                  otter_error *err);

/* otter_store_feedback, and *before (not NULL) gets the prediction for the stored
 * instance just before learning (the score a delayed label is judged against). */
otter_status otter_store_feedback_scored(otter_store *store, uint16_t key_group, const char *name,
                                         const char *event_id, double label, double weight,
                                         otter_prediction *before, otter_error *err);

/* ---- generic pending events (for callers that keep their own payloads) ---- */

/* Stores payload under (key_group, entity, event_id) until deadline_ms. The entity
 * need not exist. OTTER_EXISTS when the id is pending. */
otter_status otter_store_event_put(otter_store *store, uint16_t key_group, const char *entity,
                                   const char *event_id, const void *payload, size_t len,
                                   int64_t deadline_ms, otter_error *err);

/* Removes the pending event and appends its payload to out (exactly once: of two
 * concurrent takes one gets OTTER_NOT_FOUND). */
otter_status otter_store_event_take(otter_store *store, uint16_t key_group, const char *entity,
                                    const char *event_id, otter_buf *out, otter_error *err);

/* A pending event that expired (borrowed for the duration of the callback). */
typedef struct otter_expired_event {
    uint16_t key_group;
    const char *entity;
    const char *event_id;
    const uint8_t *payload; /* for a learner's event: the encoded instance */
    size_t len;
    int64_t deadline_ms;
} otter_expired_event;

/* Removes every pending event whose deadline is <= now_ms (0: the clock), calling fn
 * (may be NULL) for each before it is removed, in deadline order; visits only expired
 * entries. Also applies due expiries of loaded bandits (their default rewards, logged).
 * fn must not call the store. *n_expired (may be NULL) counts the events. */
otter_status otter_store_expire(otter_store *store, int64_t now_ms,
                                void (*fn)(void *ud, const otter_expired_event *ev), void *ud,
                                size_t *n_expired, otter_error *err);

/* Number of pending learner/generic events (bandit decisions are counted per bandit). */
uint64_t otter_store_pending_events(const otter_store *store);

/* ---- bandits (each an update, logged with durability sync) ---- */

/* Ranks and records the decision; now_ms 0 is read from the clock once and logged, so a
 * replay makes the same decision. */
otter_status otter_store_rank(otter_store *store, uint16_t key_group, const char *name,
                              const otter_rank_request *req, otter_decision *out, otter_error *err);
otter_status otter_store_reward(otter_store *store, uint16_t key_group, const char *name,
                                const char *event_id, double reward, int64_t now_ms,
                                otter_error *err);
otter_status otter_store_activate(otter_store *store, uint16_t key_group, const char *name,
                                  const char *event_id, int64_t now_ms, otter_error *err);
otter_status otter_store_add_arm(otter_store *store, uint16_t key_group, const char *name,
                                 const char *arm, otter_error *err);
otter_status otter_store_remove_arm(otter_store *store, uint16_t key_group, const char *name,
                                    const char *arm, otter_error *err);

/* ---- snapshots ---- */

typedef struct otter_snapshot_info {
    uint64_t id;
    uint64_t parent; /* the snapshot the state descended from (0: none) */
    int64_t time_ms; /* when it was taken */
    uint64_t entities, events;
    uint16_t kg_lo, kg_hi; /* key groups that hold entities (kg_lo > kg_hi: none) */
    uint64_t bytes;        /* total size of its files */
    size_t files;
    double seconds; /* how long taking it took */
} otter_snapshot_info;

/* Persists every dirty entity, then checkpoints the database into snapshots/<id>/ and
 * writes its manifest atomically. id must be greater than the id the live state
 * descends from (OTTER_INVALID otherwise); a leftover snapshot with the same id from an
 * abandoned timeline (newer than a restored one) is replaced. info may be NULL. */
otter_status otter_store_snapshot(otter_store *store, uint64_t id, otter_snapshot_info *info,
                                  otter_error *err);

/* Snapshots with a manifest, ascending by id. *out is malloc'd (free() it); NULL when
 * there are none. */
otter_status otter_store_snapshots(otter_store *store, otter_snapshot_info **out, size_t *n,
                                   otter_error *err);

/* Makes the live state exactly snapshot id's (its files are checked against the
 * manifest first: OTTER_CORRUPT naming the file). Pending updates are discarded. */
otter_status otter_store_restore(otter_store *store, uint64_t id, otter_error *err);

/* Keeps the newest n snapshots (n >= 1), deleting the older ones. */
otter_status otter_store_retain(otter_store *store, size_t n, otter_error *err);

/* Deletes snapshot id. OTTER_NOT_FOUND if absent. */
otter_status otter_store_drop(otter_store *store, uint64_t id, otter_error *err);

/* Checks the live database (every block checksum and every record's CRC32C) and every
 * snapshot's files against its manifest. The first problem is returned, naming the
 * file; problems_fn (may be NULL) is told about each one. */
otter_status otter_store_verify(otter_store *store,
                                void (*problem_fn)(void *ud, const char *message), void *ud,
                                otter_error *err);

/* ---- export / import (framed, checksummed streams) ---- */

/* Receives stream bytes; returns OTTER_OK or an error (OTTER_IO) that stops the export. */
typedef otter_status (*otter_write_fn)(void *ud, const void *data, size_t len, otter_error *err);
/* Fills up to len bytes; *got 0 means end of stream. */
typedef otter_status (*otter_read_fn)(void *ud, void *data, size_t len, size_t *got,
                                      otter_error *err);

/* Writes the entities and pending events of key groups [kg_lo, kg_hi] of snapshot id
 * (0: the live state, after persisting it) as a stream: a header (magic "OTRX", format
 * version, range), one record per key (key group, family, key, value, CRC32C) and a
 * trailer (record count, CRC32C of the whole stream). Reads only that key range. */
otter_status otter_store_export(otter_store *store, uint64_t id, uint16_t kg_lo, uint16_t kg_hi,
                                otter_write_fn write, void *ud, otter_error *err);

/* Reads a whole export stream, checks every record and the trailer, then applies it to
 * the live state at once (entities with the same key are replaced; nothing is applied
 * if any check fails). *n_entities / *n_events (may be NULL) count what it held. */
otter_status otter_store_import(otter_store *store, otter_read_fn read, void *ud,
                                uint64_t *n_entities, uint64_t *n_events, otter_error *err);

/* otter_store_import for export streams laid end to end in a longer stream (Flink's raw
 * keyed state holds one per key group, each found by its offset): reads one stream up to
 * and including its trailer and leaves whatever follows unread (read is asked for exactly
 * the bytes the stream still needs, never more). Checks and applies like
 * otter_store_import. */
otter_status otter_store_import_next(otter_store *store, otter_read_fn read, void *ud,
                                     uint64_t *n_entities, uint64_t *n_events, otter_error *err);

/* A snapshot opened once for many exports: a Flink checkpoint writes each key group of a
 * subtask's range as its own stream, and opening the snapshot's database for each of
 * hundreds of key groups would dominate the checkpoint. The reader holds its own
 * read-only handle on snapshots/<id>/: it does not use the store after creation, and
 * stays valid while the store takes, restores or prunes other snapshots; snapshot id
 * itself must not be dropped while the reader is open. Not thread-safe: one thread at a
 * time per reader. */
typedef struct otter_snapshot_reader otter_snapshot_reader;

/* Opens snapshot id (> 0) of store for reading; *out is owned by the caller. Errors:
 * OTTER_NOT_FOUND (no such snapshot), OTTER_CORRUPT, OTTER_IO, OTTER_INVALID. */
otter_status otter_snapshot_reader_create(otter_store *store, uint64_t id,
                                          otter_snapshot_reader **out, otter_error *err);

/* *kg = the lowest key group in [kg_lo, kg_hi] that holds an entity or a pending event
 * in the snapshot, or -1 when none does (two seeks; empty key groups are skipped without
 * reading them). */
otter_status otter_snapshot_reader_next_group(otter_snapshot_reader *r, uint16_t kg_lo,
                                              uint16_t kg_hi, int *kg, otter_error *err);

/* Writes key groups [kg_lo, kg_hi] of the snapshot as one export stream, exactly as
 * otter_store_export(store, id, kg_lo, kg_hi, ...) does. */
otter_status otter_snapshot_reader_export(otter_snapshot_reader *r, uint16_t kg_lo, uint16_t kg_hi,
                                          otter_write_fn write, void *ud, otter_error *err);

/* Closes the reader. NULL is a no-op. */
void otter_snapshot_reader_destroy(otter_snapshot_reader *r);

/* Deletes every entity and pending event in key groups [kg_lo, kg_hi] (range deletes;
 * persisted at once). */
otter_status otter_store_drop_key_groups(otter_store *store, uint16_t kg_lo, uint16_t kg_hi,
                                         otter_error *err);

/* ---- bookkeeping ---- */

typedef struct otter_store_stats {
    uint64_t entities;       /* in the store */
    uint64_t loaded;         /* decoded in memory */
    uint64_t dirty;          /* changed since persisted */
    uint64_t pending_events; /* learner / generic pending events */
    uint64_t log_records;    /* appended since open */
    uint64_t syncs;          /* WAL syncs (log_records / syncs = group commit size) */
    uint64_t replayed;       /* log records replayed at open */
    uint64_t last_snapshot;  /* id the live state descends from (0: none) */
    otter_durability durability;
} otter_store_stats;

void otter_store_stats_get(const otter_store *store, otter_store_stats *out);

/* The key group otterd and the CLI use for a name: MurmurHash3(name) mod 32768. */
uint16_t otter_store_key_group(const char *name);

#ifdef __cplusplus
}
#endif
#endif
