/* The state store's core: opening a data directory, the map of loaded entities, the
 * update log with group commit, replay, and the learner and bandit calls.
 *
 * Every update follows one path: take the entity's write lock, append a log record to
 * RocksDB without syncing (so the WAL order of one entity's records is its lock order),
 * apply the update in memory, release the lock, and only then wait for a WAL sync that
 * covers the record. Many threads waiting at once share one fsync (group commit), and
 * the lock is never held across an fsync, so one busy entity still commits in groups.
 * Because the record is written before it is applied, replay re-executes exactly what
 * ran, including calls that failed (they fail again the same way and change nothing).
 */
#define _GNU_SOURCE /* pthread_rwlockattr_setkind_np */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "otter/context.h"
#include "otter/hash.h"
#include "store_int.h"

/* ---- small helpers ---- */

int64_t otter__clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint16_t otter_store_key_group(const char *name)
{
    if (!name)
        return 0;
    return (uint16_t)(otter_murmur3_32(name, strlen(name), 0) % OTTER_KEY_GROUPS);
}

otter_status otter__check_name(const char *name, size_t *len, otter_error *err)
{
    if (!name || !*name)
        return otter_error_set(err, OTTER_INVALID, "entity name is required");
    size_t n = strnlen(name, OTTER_ENTITY_NAME_MAX + 1);
    if (n > OTTER_ENTITY_NAME_MAX)
        return otter_error_set(err, OTTER_INVALID, "entity name is longer than %d bytes",
                               OTTER_ENTITY_NAME_MAX);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)name[i] <= 0x20 || (unsigned char)name[i] >= 0x7f || name[i] == '/')
            return otter_error_set(err, OTTER_INVALID,
                                   "entity name '%.64s' has a byte 0x%02x at %zu (printable "
                                   "ASCII without spaces or '/' only)",
                                   name, (unsigned char)name[i], i);
    *len = n;
    return OTTER_OK;
}

otter_status otter__check_event_id(const char *id, size_t *len, otter_error *err)
{
    if (!id || !*id)
        return otter_error_set(err, OTTER_INVALID, "event id is required");
    size_t n = strnlen(id, OTTER_EVENT_ID_MAX);
    if (n >= OTTER_EVENT_ID_MAX)
        return otter_error_set(err, OTTER_INVALID, "event id is longer than %d bytes",
                               OTTER_EVENT_ID_MAX - 1);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)id[i] < 0x21 || (unsigned char)id[i] > 0x7e)
            return otter_error_set(err, OTTER_INVALID,
                                   "event id has a byte 0x%02x at %zu (printable ASCII only)",
                                   (unsigned char)id[i], i);
    *len = n;
    return OTTER_OK;
}

size_t otter__entity_key(uint16_t kg, const char *name, size_t name_len, uint8_t *key)
{
    key[0] = (uint8_t)(kg >> 8);
    key[1] = (uint8_t)kg;
    memcpy(key + 2, name, name_len);
    return 2 + name_len;
}

otter_status otter__status_rocks_nomem(otter_error *err)
{
    return otter_error_set(err, OTTER_NOMEM, "out of memory");
}

otter_status otter__rec_end(otter_buf *b, size_t start, otter_error *err)
{
    uint32_t crc = otter_crc32c(0, b->data + start, b->len - start);
    uint8_t c[4] = {(uint8_t)crc, (uint8_t)(crc >> 8), (uint8_t)(crc >> 16), (uint8_t)(crc >> 24)};
    return otter_buf_append(b, c, 4, err);
}

int otter__rec_ok(const uint8_t *p, size_t *len)
{
    if (*len < 5)
        return 0;
    size_t n = *len - 4;
    uint32_t want = (uint32_t)p[n] | (uint32_t)p[n + 1] << 8 | (uint32_t)p[n + 2] << 16 |
                    (uint32_t)p[n + 3] << 24;
    if (otter_crc32c(0, p, n) != want || p[0] != OTTER__REC_VERSION)
        return 0;
    *len = n;
    return 1;
}

/* ---- the entity map ---- */

static uint32_t entity_hash(uint16_t kg, const char *name, size_t len)
{
    return otter_murmur3_32(name, len, kg);
}

static otter__shard *shard_of(otter_store *s, uint32_t h)
{
    return &s->shards[h % OTTER__SHARDS];
}

static otter__entity **bucket_of(otter__shard *sh, uint32_t h)
{
    return &sh->buckets[(h / OTTER__SHARDS) & (sh->n_buckets - 1)];
}

static int shard_grow(otter__shard *sh)
{
    size_t n = sh->n_buckets ? sh->n_buckets * 2 : 64;
    otter__entity **b = calloc(n, sizeof *b);
    if (!b)
        return 0;
    for (size_t i = 0; i < sh->n_buckets; i++)
        for (otter__entity *e = sh->buckets[i], *next; e; e = next) {
            next = e->next;
            uint32_t h = entity_hash(e->kg, e->name, e->name_len);
            otter__entity **slot = &b[(h / OTTER__SHARDS) & (n - 1)];
            e->next = *slot;
            *slot = e;
        }
    free(sh->buckets);
    sh->buckets = b;
    sh->n_buckets = n;
    return 1;
}

static otter__entity *shard_find(otter__shard *sh, uint32_t h, uint16_t kg, const char *name,
                                 size_t len)
{
    if (!sh->n_buckets)
        return NULL;
    for (otter__entity *e = *bucket_of(sh, h); e; e = e->next)
        if (e->kg == kg && e->name_len == len && memcmp(e->name, name, len) == 0)
            return e;
    return NULL;
}

static void entity_free(otter__entity *e)
{
    otter_learner_destroy(e->learner);
    otter_bandit_destroy(e->bandit);
    pthread_rwlock_destroy(&e->lock);
    free(e);
}

void otter__entity_release(otter__entity *e)
{
    if (e && atomic_fetch_sub(&e->refs, 1) == 1)
        entity_free(e);
}

static otter__entity *entity_new(uint16_t kg, const char *name, size_t len)
{
    otter__entity *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    if (pthread_rwlock_init(&e->lock, NULL) != 0) {
        free(e);
        return NULL;
    }
    atomic_init(&e->refs, 1);
    e->kg = kg;
    memcpy(e->name, name, len);
    e->name_len = len;
    return e;
}

/* Inserts e (taking the map's reference) unless an entity with its key is there: then
 * *out is that one. Either way *out gets a reference for the caller. */
static otter_status map_insert(otter_store *s, otter__entity *e, otter__entity **out,
                               otter_error *err)
{
    uint32_t h = entity_hash(e->kg, e->name, e->name_len);
    otter__shard *sh = shard_of(s, h);
    pthread_mutex_lock(&sh->mu);
    otter__entity *have = shard_find(sh, h, e->kg, e->name, e->name_len);
    if (have) {
        atomic_fetch_add(&have->refs, 1);
        pthread_mutex_unlock(&sh->mu);
        *out = have;
        return OTTER_OK;
    }
    if (sh->n + 1 > sh->n_buckets && !shard_grow(sh)) {
        pthread_mutex_unlock(&sh->mu);
        return otter_error_set(err, OTTER_NOMEM, "out of memory");
    }
    otter__entity **b = bucket_of(sh, h);
    e->next = *b;
    *b = e;
    sh->n++;
    atomic_fetch_add(&e->refs, 2); /* the map's and the caller's */
    pthread_mutex_unlock(&sh->mu);
    atomic_fetch_add(&s->n_loaded, 1);
    *out = e;
    return OTTER_OK;
}

static void map_remove(otter_store *s, otter__entity *e)
{
    uint32_t h = entity_hash(e->kg, e->name, e->name_len);
    otter__shard *sh = shard_of(s, h);
    pthread_mutex_lock(&sh->mu);
    int found = 0;
    if (sh->n_buckets)
        for (otter__entity **p = bucket_of(sh, h); *p; p = &(*p)->next)
            if (*p == e) {
                *p = e->next;
                sh->n--;
                found = 1;
                break;
            }
    pthread_mutex_unlock(&sh->mu);
    if (found) {
        atomic_fetch_sub(&s->n_loaded, 1);
        otter__entity_release(e);
    }
}

/* Calls fn on every loaded entity (with a reference held), shard by shard. */
static otter_status map_each(otter_store *s,
                             otter_status (*fn)(otter_store *, otter__entity *, void *), void *ud)
{
    for (size_t i = 0; i < OTTER__SHARDS; i++) {
        otter__shard *sh = &s->shards[i];
        pthread_mutex_lock(&sh->mu);
        size_t n = 0;
        otter__entity **list = sh->n ? malloc(sh->n * sizeof *list) : NULL;
        if (sh->n && !list) {
            pthread_mutex_unlock(&sh->mu);
            return OTTER_NOMEM;
        }
        for (size_t b = 0; b < sh->n_buckets; b++)
            for (otter__entity *e = sh->buckets[b]; e; e = e->next) {
                atomic_fetch_add(&e->refs, 1);
                list[n++] = e;
            }
        pthread_mutex_unlock(&sh->mu);
        otter_status st = OTTER_OK;
        for (size_t j = 0; j < n; j++) {
            if (st == OTTER_OK)
                st = fn(s, list[j], ud);
            otter__entity_release(list[j]);
        }
        free(list);
        if (st != OTTER_OK)
            return st;
    }
    return OTTER_OK;
}

static otter_status unload_one(otter_store *s, otter__entity *e, void *ud)
{
    const uint16_t *range = ud;
    if (!range || (e->kg >= range[0] && e->kg <= range[1])) {
        if (e->dirty)
            atomic_fetch_sub(&s->n_dirty, 1);
        e->dirty = 0;
        map_remove(s, e);
    }
    return OTTER_OK;
}

void otter__entities_unload(otter_store *s)
{
    map_each(s, unload_one, NULL);
}

void otter__entities_unload_range(otter_store *s, uint16_t lo, uint16_t hi)
{
    uint16_t r[2] = {lo, hi};
    map_each(s, unload_one, r);
}

/* ---- entity records ---- */

static otter_status encode_entity(otter__entity *e, otter_buf *out, otter_error *err)
{
    size_t start = out->len;
    otter__wr w;
    otter__wr_init(&w, out, err);
    otter__wr_u8(&w, OTTER__REC_VERSION);
    otter__wr_u8(&w, (uint8_t)e->kind);
    otter__wr_u64(&w, e->version);
    otter__wr_u64(&w, e->persisted_seq);
    otter__wr_u64(&w, e->bev ? otter__bevents_next_order(e->bev) : 0);
    size_t len_at = out->len;
    otter__wr_u64(&w, 0);
    otter_status st = w.st;
    if (st == OTTER_OK)
        st = e->kind == OTTER_ENTITY_LEARNER ? otter_learner_encode(e->learner, out, err)
                                             : otter__bandit_encode_core(e->bandit, out, err);
    if (st == OTTER_OK) {
        uint64_t n = out->len - len_at - 8;
        for (int i = 0; i < 8; i++)
            out->data[len_at + i] = (uint8_t)(n >> (8 * i));
        st = otter__rec_end(out, start, err);
    }
    if (st != OTTER_OK)
        out->len = start;
    return st;
}

typedef struct entity_view {
    int kind;
    uint64_t version, persisted_seq, next_order;
    const uint8_t *blob;
    size_t blob_len;
} entity_view;

static int parse_entity(const uint8_t *p, size_t len, entity_view *v)
{
    if (!otter__rec_ok(p, &len))
        return 0;
    otter__rd r;
    otter__rd_init(&r, p, len);
    otter__rd_u8(&r);
    v->kind = otter__rd_u8(&r);
    v->version = otter__rd_u64(&r);
    v->persisted_seq = otter__rd_u64(&r);
    v->next_order = otter__rd_u64(&r);
    uint64_t n = otter__rd_u64(&r);
    if (!otter__rd_ok(&r) || n != r.len - r.pos ||
        (v->kind != OTTER_ENTITY_LEARNER && v->kind != OTTER_ENTITY_BANDIT))
        return 0;
    v->blob = p + r.pos;
    v->blob_len = (size_t)n;
    return 1;
}

/* Decodes the model of a record into e (which is not shared yet). */
static otter_status load_model(otter_store *s, otter__entity *e, const entity_view *v,
                               otter_error *err)
{
    e->kind = (otter_entity_kind)v->kind;
    e->version = v->version;
    e->persisted_seq = v->persisted_seq;
    if (e->kind == OTTER_ENTITY_LEARNER)
        return otter_learner_decode(s->ctx, v->blob, v->blob_len, &e->learner, err);
    otter_status st = otter_bandit_decode(s->ctx, v->blob, v->blob_len, &e->bandit, err);
    if (st == OTTER_OK)
        st = otter__bevents_attach(s, e, v->next_order, 1, err);
    return st;
}

otter_status otter__entity_get(otter_store *s, uint16_t kg, const char *name, otter__entity **out,
                               otter_error *err)
{
    size_t len;
    otter_status st = otter__check_name(name, &len, err);
    if (st != OTTER_OK)
        return st;
    if (kg >= OTTER_KEY_GROUPS)
        return otter_error_set(err, OTTER_INVALID, "key group %u is out of range 0..%u",
                               (unsigned)kg, OTTER_KEY_GROUPS - 1);
    if (!s->db)
        return otter_error_set(err, OTTER_IO,
                               "the live database in %s is not open (a failed "
                               "restore); reopen the store",
                               s->dir);
    uint32_t h = entity_hash(kg, name, len);
    otter__shard *sh = shard_of(s, h);
    pthread_mutex_lock(&sh->mu);
    otter__entity *e = shard_find(sh, h, kg, name, len);
    if (e)
        atomic_fetch_add(&e->refs, 1);
    pthread_mutex_unlock(&sh->mu);
    if (e) {
        *out = e;
        return OTTER_OK;
    }
    /* not loaded: decode it from RocksDB (outside the shard lock) */
    uint8_t key[OTTER__KEY_MAX];
    size_t klen = otter__entity_key(kg, name, len, key);
    otter_buf val = OTTER_BUF_INIT;
    int found = 0;
    st = otter__rocks_get(s->db, OTTER__CF_ENTITIES, key, klen, &val, &found, err);
    if (st == OTTER_OK && !found)
        st = otter_error_set(err, OTTER_NOT_FOUND, "no entity '%s' in key group %u", name,
                             (unsigned)kg);
    entity_view v;
    if (st == OTTER_OK && !parse_entity(val.data, val.len, &v))
        st = otter_error_set(err, OTTER_CORRUPT,
                             "entity record '%s' (key group %u) in %s fails its checksum", name,
                             (unsigned)kg, s->db_dir);
    if (st == OTTER_OK && !(e = entity_new(kg, name, len)))
        st = otter_error_set(err, OTTER_NOMEM, "out of memory");
    otter_error inner = {0};
    if (st == OTTER_OK && (st = load_model(s, e, &v, &inner)) != OTTER_OK)
        otter_error_set(err, st, "entity '%s' (key group %u) in %s: %s", name, (unsigned)kg,
                        s->db_dir, inner.message);
    otter_buf_free(&val);
    if (st == OTTER_OK) {
        otter__entity *got = NULL;
        st = map_insert(s, e, &got, err);
        otter__entity_release(e); /* ours; the map has its own, or `got` won */
        if (st == OTTER_OK)
            *out = got;
        return st;
    }
    if (e)
        otter__entity_release(e);
    return st;
}

/* ---- group commit ---- */

otter_status otter__wait_durable(otter_store *s, uint64_t ticket, otter_error *err)
{
    otter_status st = OTTER_OK;
    pthread_mutex_lock(&s->sync_mu);
    while (s->synced_upto < ticket && !atomic_load(&s->failed)) {
        if (s->syncing) {
            pthread_cond_wait(&s->sync_cv, &s->sync_mu);
            continue;
        }
        s->syncing = 1;
        uint64_t target = otter__rocks_sequence(s->db);
        pthread_mutex_unlock(&s->sync_mu);
        otter_error inner = {0};
        otter_status r = otter__rocks_sync_wal(s->db, &inner);
        pthread_mutex_lock(&s->sync_mu);
        s->syncing = 0;
        atomic_fetch_add(&s->syncs, 1);
        if (r == OTTER_OK) {
            if (target > s->synced_upto)
                s->synced_upto = target;
        } else {
            atomic_store(&s->failed, 1);
            st = otter_error_set(err, r, "syncing the update log: %s", inner.message);
        }
        pthread_cond_broadcast(&s->sync_cv);
    }
    if (st == OTTER_OK && s->synced_upto < ticket)
        st = otter_error_set(err, OTTER_IO, "an earlier log sync failed; reopen the store");
    pthread_mutex_unlock(&s->sync_mu);
    return st;
}

/* Writes b (events and/or a log record) without a sync; *ticket is what to wait for.
 * A failure poisons the store: memory may be ahead of the log from here on. */
static otter_status write_nosync(otter_store *s, otter__rocks_batch *b, uint64_t *ticket,
                                 otter_error *err)
{
    otter_status st = otter__rocks_write(s->db, b, 0, 0, err);
    if (st != OTTER_OK) {
        atomic_store(&s->failed, 1);
        return st;
    }
    *ticket = otter__rocks_sequence(s->db);
    return OTTER_OK;
}

otter_status otter__check_writable(otter_store *s, otter_error *err)
{
    if (!s->db)
        return otter_error_set(err, OTTER_IO,
                               "the live database in %s is not open (a failed "
                               "restore); reopen the store",
                               s->dir);
    if (s->opt.read_only)
        return otter_error_set(err, OTTER_STATE, "the store is open read-only");
    if (atomic_load(&s->failed))
        return otter_error_set(err, OTTER_IO,
                               "a write to %s failed earlier; the store refuses updates until "
                               "it is reopened",
                               s->db_dir);
    return OTTER_OK;
}

/* ---- log records ---- */

typedef struct logrec {
    otter_buf buf;
    size_t start;
    otter__wr w;
} logrec;

static void log_begin(logrec *l, int op, uint16_t kg, const otter__entity *e, uint64_t seq,
                      otter_error *err)
{
    l->buf = (otter_buf)OTTER_BUF_INIT;
    l->start = 0;
    otter__wr_init(&l->w, &l->buf, err);
    otter__wr_u8(&l->w, OTTER__REC_VERSION);
    otter__wr_u8(&l->w, (uint8_t)op);
    otter__wr_u16(&l->w, kg);
    otter__wr_str(&l->w, e->name, e->name_len);
    otter__wr_u64(&l->w, seq);
}

static void seq_key(uint64_t seq, uint8_t *k)
{
    for (int i = 0; i < 8; i++)
        k[i] = (uint8_t)(seq >> (56 - 8 * i));
}

/* Finishes the record and adds it to b (when logging). */
static otter_status log_finish(otter_store *s, logrec *l, uint64_t seq, otter__rocks_batch *b,
                               otter_error *err)
{
    otter_status st = l->w.st;
    if (st == OTTER_OK)
        st = otter__rec_end(&l->buf, 0, err);
    if (st == OTTER_OK) {
        uint8_t k[8];
        seq_key(seq, k);
        otter__rocks_batch_put(b, s->db, OTTER__CF_LOG, k, 8, l->buf.data, l->buf.len);
        atomic_fetch_add(&s->log_records, 1);
    }
    otter_buf_free(&l->buf);
    return st;
}

static void wr_instance(otter__wr *w, const otter_instance *inst, otter_buf *tmp)
{
    if (w->st != OTTER_OK)
        return;
    tmp->len = 0;
    if (!inst) {
        otter__wr_u8(w, 0);
        return;
    }
    otter_status st = otter_instance_encode(inst, tmp, w->err);
    if (st != OTTER_OK) {
        w->st = st;
        return;
    }
    otter__wr_u8(w, 1);
    otter__wr_str(w, (const char *)tmp->data, tmp->len);
}

static void wr_cstr(otter__wr *w, const char *s)
{
    otter__wr_u8(w, s != NULL);
    if (s)
        otter__wr_str(w, s, strlen(s));
}

static void wr_strs(otter__wr *w, const char *const *v, size_t n)
{
    otter__wr_u8(w, v != NULL);
    otter__wr_u32(w, (uint32_t)n);
    for (size_t i = 0; v && i < n; i++)
        wr_cstr(w, v[i]);
}

/* An update: what the log records and how it is applied. Both the live call and the
 * replay go through apply(), so they cannot drift apart. */
typedef struct update {
    int op;
    const otter_instance *inst;
    double label, weight;
    const otter_rank_request *req;
    otter_decision *decision;
    const char *id;
    double reward;
    int64_t now_ms;
    const char *arm;
    otter_prediction *before; /* learn: the prediction before learning (live calls only) */
} update;

static otter_status encode_update(logrec *l, const update *u)
{
    otter_buf tmp = OTTER_BUF_INIT;
    otter__wr *w = &l->w;
    switch (u->op) {
    case OTTER__OP_LEARN:
        otter__wr_f64(w, u->label);
        otter__wr_f64(w, u->weight);
        wr_instance(w, u->inst, &tmp);
        break;
    case OTTER__OP_RANK:
        otter__wr_u64(w, (uint64_t)u->req->now_ms);
        otter__wr_u8(w, (uint8_t)(u->req->defer != 0));
        wr_cstr(w, u->req->unit);
        wr_cstr(w, u->req->event_id);
        wr_strs(w, u->req->arms, u->req->n_arms);
        wr_strs(w, u->req->exclude, u->req->n_exclude);
        wr_instance(w, u->req->context, &tmp);
        break;
    case OTTER__OP_REWARD:
        otter__wr_f64(w, u->reward);
        /* fall through */
    case OTTER__OP_ACTIVATE:
        wr_cstr(w, u->id);
        /* fall through */
    case OTTER__OP_EXPIRE: otter__wr_u64(w, (uint64_t)u->now_ms); break;
    default: /* arms */ wr_cstr(w, u->arm); break;
    }
    otter_buf_free(&tmp);
    return w->st;
}

static otter_status apply(otter__entity *e, const update *u, otter_error *err)
{
    if ((u->op == OTTER__OP_LEARN) != (e->kind == OTTER_ENTITY_LEARNER))
        return otter_error_set(err, OTTER_STATE, "'%s' is a %s", e->name,
                               e->kind == OTTER_ENTITY_LEARNER ? "learner" : "bandit");
    otter_status st;
    switch (u->op) {
    case OTTER__OP_LEARN:
        st = u->before ? otter_learner_predict_learn(e->learner, u->inst, u->label, u->weight,
                                                     u->before, err)
                       : otter_learner_learn(e->learner, u->inst, u->label, u->weight, err);
        break;
    case OTTER__OP_RANK: st = otter_bandit_rank(e->bandit, u->req, u->decision, err); break;
    case OTTER__OP_REWARD:
        st = otter_bandit_reward(e->bandit, u->id, u->reward, u->now_ms, err);
        break;
    case OTTER__OP_ACTIVATE: st = otter_bandit_activate(e->bandit, u->id, u->now_ms, err); break;
    case OTTER__OP_EXPIRE: st = otter_bandit_expire(e->bandit, u->now_ms, NULL, err); break;
    case OTTER__OP_ADD_ARM: st = otter_bandit_add_arm(e->bandit, u->arm, err); break;
    case OTTER__OP_REMOVE_ARM: st = otter_bandit_remove_arm(e->bandit, u->arm, err); break;
    default: st = otter_error_set(err, OTTER_INTERNAL, "unknown update %d", u->op);
    }
    return st;
}

static void mark_dirty(otter_store *s, otter__entity *e)
{
    e->version++;
    if (!e->dirty) {
        e->dirty = 1;
        atomic_fetch_add(&s->n_dirty, 1);
    }
}

/* The update path (see the top of the file). extra (may be NULL) holds event changes
 * that must commit with the record; kind 0 accepts either entity kind. */
static otter_status run_update(otter_store *s, otter__entity *e, const update *u,
                               otter__rocks_batch *extra, uint64_t *ticket, otter_error *err)
{
    otter_status st = OTTER_OK;
    pthread_rwlock_wrlock(&e->lock);
    if (e->deleted)
        st = otter_error_set(err, OTTER_NOT_FOUND, "entity '%s' was deleted", e->name);
    else if ((u->op == OTTER__OP_LEARN) != (e->kind == OTTER_ENTITY_LEARNER))
        st = otter_error_set(err, OTTER_STATE, "'%s' is a %s, not a %s", e->name,
                             e->kind == OTTER_ENTITY_LEARNER ? "learner" : "bandit",
                             e->kind == OTTER_ENTITY_LEARNER ? "bandit" : "learner");
    /* A learner's failed learn changes nothing, so it is applied first and logged only
     * if it succeeded (a bad label then costs no pending event). A bandit's failed call
     * may still change state (a rank applies due expiries first), so it is logged first
     * and replay re-runs it the same way. */
    int learner = e->kind == OTTER_ENTITY_LEARNER;
    if (st == OTTER_OK && learner) {
        if ((st = apply(e, u, err)) == OTTER_OK)
            mark_dirty(s, e);
    }
    otter__rocks_batch *b = extra;
    if (st == OTTER_OK && s->opt.durability == OTTER_DURABILITY_SYNC) {
        if (!b)
            st = otter__rocks_batch_create(&b, err);
        uint64_t seq = atomic_fetch_add(&s->next_seq, 1);
        logrec l;
        if (st == OTTER_OK) {
            log_begin(&l, u->op, e->kg, e, seq, err);
            st = encode_update(&l, u);
            if (st == OTTER_OK)
                st = log_finish(s, &l, seq, b, err);
            else
                otter_buf_free(&l.buf);
        }
    }
    if (st == OTTER_OK && b && otter__rocks_batch_count(b))
        st = write_nosync(s, b, ticket, err);
    if (st == OTTER_OK && !learner) {
        st = apply(e, u, err);
        if (st == OTTER_OK)
            mark_dirty(s, e);
        else if (!e->dirty) {
            e->dirty = 1;
            atomic_fetch_add(&s->n_dirty, 1);
        }
    }
    pthread_rwlock_unlock(&e->lock);
    if (b != extra)
        otter__rocks_batch_destroy(b);
    return st;
}

/* Runs an update by name: gate, lookup, update, then the durable wait. */
static otter_status update_named(otter_store *s, uint16_t kg, const char *name, const update *u,
                                 otter_error *err)
{
    if (!s)
        return otter_error_set(err, OTTER_INVALID, "store is required");
    otter_status st = otter__check_writable(s, err);
    if (st != OTTER_OK)
        return st;
    pthread_rwlock_rdlock(&s->gate);
    otter__entity *e = NULL;
    uint64_t ticket = 0;
    st = otter__entity_get(s, kg, name, &e, err);
    if (st == OTTER_OK)
        st = run_update(s, e, u, NULL, &ticket, err);
    otter__entity_release(e);
    pthread_rwlock_unlock(&s->gate);
    /* A failed call was logged too (replay must see it): wait either way. */
    if (ticket) {
        otter_status d = otter__wait_durable(s, ticket, st == OTTER_OK ? err : NULL);
        if (st == OTTER_OK)
            st = d;
    }
    return st;
}

/* ---- public updates ---- */

otter_status otter_store_learn_scored(otter_store *s, uint16_t kg, const char *name,
                                      const otter_instance *inst, double label, double weight,
                                      otter_prediction *before, otter_error *err)
{
    if (!inst)
        return otter_error_set(err, OTTER_INVALID, "instance is required");
    update u = {
        .op = OTTER__OP_LEARN, .inst = inst, .label = label, .weight = weight, .before = before};
    return update_named(s, kg, name, &u, err);
}

otter_status otter_store_learn(otter_store *s, uint16_t kg, const char *name,
                               const otter_instance *inst, double label, double weight,
                               otter_error *err)
{
    return otter_store_learn_scored(s, kg, name, inst, label, weight, NULL, err);
}

otter_status otter_store_rank(otter_store *s, uint16_t kg, const char *name,
                              const otter_rank_request *req, otter_decision *out, otter_error *err)
{
    if (!req || !out)
        return otter_error_set(err, OTTER_INVALID, "request and decision are required");
    otter_rank_request r = *req;
    if (!r.now_ms)
        r.now_ms = otter__clock_ms();
    update u = {.op = OTTER__OP_RANK, .req = &r, .decision = out};
    return update_named(s, kg, name, &u, err);
}

otter_status otter_store_reward(otter_store *s, uint16_t kg, const char *name, const char *event_id,
                                double reward, int64_t now_ms, otter_error *err)
{
    update u = {.op = OTTER__OP_REWARD,
                .id = event_id,
                .reward = reward,
                .now_ms = now_ms ? now_ms : otter__clock_ms()};
    return update_named(s, kg, name, &u, err);
}

otter_status otter_store_activate(otter_store *s, uint16_t kg, const char *name,
                                  const char *event_id, int64_t now_ms, otter_error *err)
{
    update u = {
        .op = OTTER__OP_ACTIVATE, .id = event_id, .now_ms = now_ms ? now_ms : otter__clock_ms()};
    return update_named(s, kg, name, &u, err);
}

otter_status otter_store_add_arm(otter_store *s, uint16_t kg, const char *name, const char *arm,
                                 otter_error *err)
{
    update u = {.op = OTTER__OP_ADD_ARM, .arm = arm};
    return update_named(s, kg, name, &u, err);
}

otter_status otter_store_remove_arm(otter_store *s, uint16_t kg, const char *name, const char *arm,
                                    otter_error *err)
{
    update u = {.op = OTTER__OP_REMOVE_ARM, .arm = arm};
    return update_named(s, kg, name, &u, err);
}

/* Expires due decisions of one loaded bandit (a logged update, so replay matches). */
static otter_status expire_bandit(otter_store *s, otter__entity *e, void *ud)
{
    if (e->kind != OTTER_ENTITY_BANDIT)
        return OTTER_OK;
    int64_t now = *(const int64_t *)ud;
    /* log an expiry only where one is due, not for every idle bandit */
    pthread_rwlock_rdlock(&e->lock);
    otter__events *t = e->deleted ? NULL : otter__bandit_events(e->bandit);
    int due = t && t->ops->due(t, now) != NULL;
    pthread_rwlock_unlock(&e->lock);
    if (!due)
        return OTTER_OK;
    update u = {.op = OTTER__OP_EXPIRE, .now_ms = now};
    uint64_t ticket = 0;
    otter_error inner = {0};
    otter_status st = run_update(s, e, &u, NULL, &ticket, &inner);
    if (st == OTTER_OK && ticket)
        st = otter__wait_durable(s, ticket, &inner);
    return st == OTTER_NOT_FOUND ? OTTER_OK : st;
}

otter_status otter__expire_bandits(otter_store *s, int64_t now_ms, otter_error *err)
{
    otter_status st = map_each(s, expire_bandit, &now_ms);
    if (st != OTTER_OK)
        return otter_error_set(err, st, "expiring bandit decisions failed");
    return OTTER_OK;
}

/* ---- feedback: take a pending instance and learn from it ---- */

otter_status otter__learn_with_batch(otter_store *s, otter__entity *e, const otter_instance *inst,
                                     double label, double weight, otter_prediction *before,
                                     otter__rocks_batch *b, uint64_t *ticket, otter_error *err)
{
    update u = {
        .op = OTTER__OP_LEARN, .inst = inst, .label = label, .weight = weight, .before = before};
    return run_update(s, e, &u, b, ticket, err);
}

/* ---- reads ---- */

/* The one read path: gate, lookup, the entity's read lock, then fn on a live entity. */
static otter_status read_entity(otter_store *s, uint16_t kg, const char *name,
                                otter_status (*fn)(const otter__entity *e, void *ud,
                                                   otter_error *err),
                                void *ud, otter_error *err)
{
    pthread_rwlock_rdlock(&s->gate);
    otter__entity *e = NULL;
    otter_status st = otter__entity_get(s, kg, name, &e, err);
    if (st == OTTER_OK) {
        pthread_rwlock_rdlock(&e->lock);
        st = e->deleted ? otter_error_set(err, OTTER_NOT_FOUND, "entity '%s' was deleted", name)
                        : fn(e, ud, err);
        pthread_rwlock_unlock(&e->lock);
    }
    otter__entity_release(e);
    pthread_rwlock_unlock(&s->gate);
    return st;
}

typedef struct predict_args {
    const otter_instance *inst;
    otter_prediction *out;
} predict_args;

static otter_status do_predict(const otter__entity *e, void *ud, otter_error *err)
{
    predict_args *a = ud;
    if (e->kind != OTTER_ENTITY_LEARNER)
        return otter_error_set(err, OTTER_STATE, "'%s' is a bandit, not a learner", e->name);
    return otter_learner_predict(e->learner, a->inst, a->out, err);
}

otter_status otter_store_predict(otter_store *s, uint16_t kg, const char *name,
                                 const otter_instance *inst, otter_prediction *out,
                                 otter_error *err)
{
    if (!s || !inst || !out)
        return otter_error_set(err, OTTER_INVALID, "store, instance and output are required");
    predict_args a = {inst, out};
    return read_entity(s, kg, name, do_predict, &a, err);
}

static otter_status do_info(const otter__entity *e, void *ud, otter_error *err)
{
    (void)err;
    otter_entity_info *out = ud;
    memset(out, 0, sizeof *out);
    out->kind = e->kind;
    out->key_group = e->kg;
    memcpy(out->name, e->name, e->name_len);
    const char *type = e->kind == OTTER_ENTITY_LEARNER ? otter_learner_type_of(e->learner)->name
                                                       : otter_bandit_type_of(e->bandit)->name;
    snprintf(out->type, sizeof out->type, "%s", type);
    out->version = e->version;
    out->bytes = e->kind == OTTER_ENTITY_LEARNER ? otter_learner_bytes(e->learner)
                                                 : otter_bandit_bytes(e->bandit);
    out->dirty = e->dirty;
    return OTTER_OK;
}

typedef struct user_read {
    otter_status (*fn)(void *ud, const otter_learner *learner, const otter_bandit *bandit,
                       otter_error *err);
    void *ud;
} user_read;

static otter_status do_user_read(const otter__entity *e, void *ud, otter_error *err)
{
    user_read *u = ud;
    return u->fn(u->ud, e->learner, e->bandit, err);
}

otter_status otter_store_read(otter_store *s, uint16_t kg, const char *name,
                              otter_status (*fn)(void *ud, const otter_learner *learner,
                                                 const otter_bandit *bandit, otter_error *err),
                              void *ud, otter_error *err)
{
    if (!s || !fn)
        return otter_error_set(err, OTTER_INVALID, "store and callback are required");
    user_read u = {fn, ud};
    return read_entity(s, kg, name, do_user_read, &u, err);
}

otter_status otter_store_info(otter_store *s, uint16_t kg, const char *name, otter_entity_info *out,
                              otter_error *err)
{
    if (!s || !out)
        return otter_error_set(err, OTTER_INVALID, "store and output are required");
    return read_entity(s, kg, name, do_info, out, err);
}

static otter_status do_encode(const otter__entity *e, void *ud, otter_error *err)
{
    return e->kind == OTTER_ENTITY_LEARNER ? otter_learner_encode(e->learner, ud, err)
                                           : otter_bandit_encode(e->bandit, ud, err);
}

otter_status otter_store_get_state(otter_store *s, uint16_t kg, const char *name, otter_buf *out,
                                   otter_error *err)
{
    if (!s || !out)
        return otter_error_set(err, OTTER_INVALID, "store and buffer are required");
    return read_entity(s, kg, name, do_encode, out, err);
}

otter_status otter_store_list(otter_store *s, uint16_t kg_lo, uint16_t kg_hi,
                              otter_status (*fn)(void *ud, const otter_entity_info *info), void *ud,
                              otter_error *err)
{
    if (!s || !fn)
        return otter_error_set(err, OTTER_INVALID, "store and callback are required");
    if (kg_lo > kg_hi || kg_hi >= OTTER_KEY_GROUPS)
        return otter_error_set(err, OTTER_INVALID, "bad key-group range %u-%u", (unsigned)kg_lo,
                               (unsigned)kg_hi);
    if (!s->db)
        return otter__check_writable(s, err);
    pthread_rwlock_rdlock(&s->gate);
    uint8_t lo[2] = {(uint8_t)(kg_lo >> 8), (uint8_t)kg_lo};
    uint32_t end = (uint32_t)kg_hi + 1;
    uint8_t hi[2] = {(uint8_t)(end >> 8), (uint8_t)end};
    otter__rocks_iter *it = NULL;
    otter_status st =
        otter__rocks_iter_create(s->db, OTTER__CF_ENTITIES, lo, 2, hi, 2, 0, &it, err);
    const uint8_t *k, *v;
    size_t kl, vl;
    while (st == OTTER_OK && otter__rocks_iter_next(it, &k, &kl, &v, &vl)) {
        entity_view ev;
        if (kl < 3 || kl > 2 + OTTER_ENTITY_NAME_MAX || !parse_entity(v, vl, &ev)) {
            st = otter_error_set(err, OTTER_CORRUPT, "entity record %zu bytes in %s is corrupt", vl,
                                 s->db_dir);
            break;
        }
        otter_entity_info info;
        memset(&info, 0, sizeof info);
        info.kind = (otter_entity_kind)ev.kind;
        info.key_group = (uint16_t)(k[0] << 8 | k[1]);
        memcpy(info.name, k + 2, kl - 2);
        info.version = ev.version;
        otter__blob bl;
        if (otter__blob_parse(ev.blob, ev.blob_len, &bl, NULL) == OTTER_OK)
            snprintf(info.type, sizeof info.type, "%.*s", (int)bl.type_len, bl.type);
        /* a loaded entity is newer than its record */
        uint32_t h = entity_hash(info.key_group, info.name, kl - 2);
        otter__shard *sh = shard_of(s, h);
        pthread_mutex_lock(&sh->mu);
        otter__entity *e = shard_find(sh, h, info.key_group, info.name, kl - 2);
        if (e)
            atomic_fetch_add(&e->refs, 1);
        pthread_mutex_unlock(&sh->mu);
        if (e) {
            pthread_rwlock_rdlock(&e->lock);
            if (!e->deleted)
                do_info(e, &info, NULL);
            pthread_rwlock_unlock(&e->lock);
            otter__entity_release(e);
        }
        st = fn(ud, &info);
    }
    if (st == OTTER_OK && it)
        st = otter__rocks_iter_status(it, err);
    otter__rocks_iter_destroy(it);
    pthread_rwlock_unlock(&s->gate);
    return st;
}

/* ---- create, replace, delete (persisted at once, not logged) ---- */

/* Writes e's record now, as of the latest log sequence (replay skips older records). */
static otter_status persist_now(otter_store *s, otter__entity *e, otter__rocks_batch *b,
                                otter_error *err)
{
    e->persisted_seq = atomic_load(&s->next_seq) - 1;
    otter_buf val = OTTER_BUF_INIT;
    otter_status st = encode_entity(e, &val, err);
    if (st == OTTER_OK && e->bev)
        st = otter__bevents_persist(s, e, b, err);
    if (st == OTTER_OK) {
        uint8_t key[OTTER__KEY_MAX];
        size_t klen = otter__entity_key(e->kg, e->name, e->name_len, key);
        otter__rocks_batch_put(b, s->db, OTTER__CF_ENTITIES, key, klen, val.data, val.len);
    }
    otter_buf_free(&val);
    return st;
}

static int same_definition(const otter__entity *a, const otter__entity *b)
{
    if (a->kind != b->kind)
        return 0;
    if (a->kind == OTTER_ENTITY_LEARNER)
        return otter_learner_type_of(a->learner) == otter_learner_type_of(b->learner) &&
               strcmp(otter_learner_params_text(a->learner),
                      otter_learner_params_text(b->learner)) == 0;
    if (otter_bandit_type_of(a->bandit) != otter_bandit_type_of(b->bandit) ||
        strcmp(otter_bandit_params_text(a->bandit), otter_bandit_params_text(b->bandit)) != 0 ||
        otter_bandit_arm_count(a->bandit) != otter_bandit_arm_count(b->bandit))
        return 0;
    for (size_t i = 0; i < otter_bandit_arm_count(a->bandit); i++)
        if (strcmp(otter_bandit_arm_at(a->bandit, i), otter_bandit_arm_at(b->bandit, i)) != 0)
            return 0;
    return 1;
}

/* Installs fresh (a new model, not shared): creates the entity, or with replace swaps
 * the model of an existing one. Takes ownership of fresh. */
static otter_status install(otter_store *s, otter__entity *fresh, int replace, int *created,
                            otter_error *err)
{
    if (created)
        *created = 0;
    otter_status st = otter__check_writable(s, err);
    if (st != OTTER_OK) {
        otter__entity_release(fresh);
        return st;
    }
    otter__rocks_batch *b = NULL;
    if ((st = otter__rocks_batch_create(&b, err)) != OTTER_OK) {
        otter__entity_release(fresh);
        return st;
    }
    pthread_rwlock_rdlock(&s->gate);
    otter__entity *have = NULL;
    otter_error inner = {0};
    st = otter__entity_get(s, fresh->kg, fresh->name, &have, &inner);
    if (st == OTTER_NOT_FOUND) {
        /* new: persist then publish (a racing create finds ours or we find theirs) */
        otter__entity *got = NULL;
        st = persist_now(s, fresh, b, err);
        if (st == OTTER_OK)
            st = map_insert(s, fresh, &got, err);
        if (st == OTTER_OK && got != fresh) {
            have = got; /* lost the race: judge against the winner */
            st = OTTER_OK;
        } else if (st == OTTER_OK) {
            pthread_rwlock_wrlock(&got->lock);
            uint64_t ticket = 0;
            st = write_nosync(s, b, &ticket, err);
            if (st == OTTER_OK) {
                atomic_fetch_add(&s->n_entities, 1);
                if (created)
                    *created = 1;
            } else {
                got->deleted = 1;
                map_remove(s, got);
            }
            pthread_rwlock_unlock(&got->lock);
            otter__entity_release(got);
            otter__entity_release(fresh);
            pthread_rwlock_unlock(&s->gate);
            otter__rocks_batch_destroy(b);
            if (st == OTTER_OK && s->opt.durability == OTTER_DURABILITY_SYNC)
                st = otter__wait_durable(s, ticket, err);
            return st;
        }
    } else if (st != OTTER_OK) {
        otter_error_set(err, st, "%s", inner.message);
    }
    uint64_t ticket = 0;
    if (st == OTTER_OK && have) {
        pthread_rwlock_wrlock(&have->lock);
        if (have->deleted)
            st = otter_error_set(err, OTTER_CONFLICT, "'%s' is being deleted; retry", fresh->name);
        else if (!replace && !same_definition(have, fresh))
            st = otter_error_set(err, OTTER_EXISTS,
                                 "'%s' exists in key group %u with a different definition",
                                 fresh->name, (unsigned)fresh->kg);
        else if (replace) {
            /* swap the models: the old ones go with `fresh` */
            otter_learner *l = have->learner;
            otter_bandit *bd = have->bandit;
            otter_entity_kind k = have->kind;
            have->learner = fresh->learner;
            have->bandit = fresh->bandit;
            have->bev = fresh->bev;
            have->kind = fresh->kind;
            have->version = fresh->version;
            fresh->learner = l;
            fresh->bandit = bd;
            fresh->kind = k;
            fresh->bev = NULL;
            /* a bandit's decisions go with it; a learner's scored instances stay, so
             * labels arriving after a hot swap train the new model */
            if (k == OTTER_ENTITY_BANDIT) {
                uint8_t lo[OTTER__KEY_MAX], hi[OTTER__KEY_MAX];
                size_t n = otter__entity_key(have->kg, have->name, have->name_len, lo);
                memcpy(hi, lo, n);
                lo[n] = 0;
                hi[n] = 1;
                otter__rocks_batch_delete_range(b, s->db, OTTER__CF_EVENTS, lo, n + 1, hi, n + 1);
            }
            st = persist_now(s, have, b, err);
            if (st == OTTER_OK)
                st = write_nosync(s, b, &ticket, err);
            if (st == OTTER_OK && have->dirty) {
                have->dirty = 0;
                atomic_fetch_sub(&s->n_dirty, 1);
            }
        }
        pthread_rwlock_unlock(&have->lock);
    }
    otter__entity_release(have);
    otter__entity_release(fresh);
    pthread_rwlock_unlock(&s->gate);
    otter__rocks_batch_destroy(b);
    if (st == OTTER_OK && ticket && s->opt.durability == OTTER_DURABILITY_SYNC)
        st = otter__wait_durable(s, ticket, err);
    return st;
}

static otter_status new_entity(otter_store *s, uint16_t kg, const char *name, otter__entity **out,
                               otter_error *err)
{
    if (!s)
        return otter_error_set(err, OTTER_INVALID, "store is required");
    size_t len;
    otter_status st = otter__check_name(name, &len, err);
    if (st != OTTER_OK)
        return st;
    if (kg >= OTTER_KEY_GROUPS)
        return otter_error_set(err, OTTER_INVALID, "key group %u is out of range 0..%u",
                               (unsigned)kg, OTTER_KEY_GROUPS - 1);
    if (!(*out = entity_new(kg, name, len)))
        return otter_error_set(err, OTTER_NOMEM, "out of memory");
    return OTTER_OK;
}

otter_status otter_store_create_learner(otter_store *s, uint16_t kg, const char *name,
                                        const char *type, const otter_params *params, int *created,
                                        otter_error *err)
{
    otter__entity *e = NULL;
    otter_status st = new_entity(s, kg, name, &e, err);
    if (st != OTTER_OK)
        return st;
    e->kind = OTTER_ENTITY_LEARNER;
    if ((st = otter_learner_create(s->ctx, type, params, &e->learner, err)) != OTTER_OK) {
        otter__entity_release(e);
        return st;
    }
    return install(s, e, 0, created, err);
}

otter_status otter_store_create_bandit(otter_store *s, uint16_t kg, const char *name,
                                       const char *policy, const otter_params *params,
                                       const char *const *arms, size_t n_arms, int *created,
                                       otter_error *err)
{
    otter__entity *e = NULL;
    otter_status st = new_entity(s, kg, name, &e, err);
    if (st != OTTER_OK)
        return st;
    e->kind = OTTER_ENTITY_BANDIT;
    st = otter_bandit_create(s->ctx, policy, params, arms, n_arms, &e->bandit, err);
    if (st == OTTER_OK)
        st = otter__bevents_attach(s, e, 0, 0, err);
    if (st != OTTER_OK) {
        otter__entity_release(e);
        return st;
    }
    return install(s, e, 0, created, err);
}

otter_status otter_store_put_state(otter_store *s, uint16_t kg, const char *name,
                                   otter_entity_kind kind, const uint8_t *blob, size_t len,
                                   otter_error *err)
{
    otter__entity *e = NULL;
    otter_status st = new_entity(s, kg, name, &e, err);
    if (st != OTTER_OK)
        return st;
    e->kind = kind;
    if (kind == OTTER_ENTITY_LEARNER)
        st = otter_learner_decode(s->ctx, blob, len, &e->learner, err);
    else if (kind == OTTER_ENTITY_BANDIT) {
        st = otter_bandit_decode(s->ctx, blob, len, &e->bandit, err);
        if (st == OTTER_OK)
            st = otter__bevents_attach(s, e, 0, 0, err);
    } else
        st = otter_error_set(err, OTTER_INVALID, "unknown entity kind %d", (int)kind);
    if (st != OTTER_OK) {
        otter__entity_release(e);
        return st;
    }
    e->version = e->kind == OTTER_ENTITY_LEARNER ? otter_learner_updates(e->learner) : 0;
    return install(s, e, 1, NULL, err);
}

otter_status otter_store_delete(otter_store *s, uint16_t kg, const char *name, otter_error *err)
{
    if (!s)
        return otter_error_set(err, OTTER_INVALID, "store is required");
    otter_status st = otter__check_writable(s, err);
    if (st != OTTER_OK)
        return st;
    pthread_rwlock_rdlock(&s->gate);
    otter__entity *e = NULL;
    otter__rocks_batch *b = NULL;
    uint64_t ticket = 0, gone_events = 0;
    st = otter__entity_get(s, kg, name, &e, err);
    if (st == OTTER_OK)
        st = otter__rocks_batch_create(&b, err);
    if (st == OTTER_OK) {
        pthread_rwlock_wrlock(&e->lock);
        if (e->deleted)
            st = otter_error_set(err, OTTER_NOT_FOUND, "entity '%s' was deleted", name);
        if (st == OTTER_OK) {
            uint8_t lo[OTTER__KEY_MAX], hi[OTTER__KEY_MAX];
            size_t n = otter__entity_key(kg, e->name, e->name_len, lo);
            otter__rocks_batch_delete(b, s->db, OTTER__CF_ENTITIES, lo, n);
            memcpy(hi, lo, n);
            lo[n] = 0;
            hi[n] = 1;
            /* pending events go too; their expiry entries are dropped when they come due */
            otter__rocks_batch_delete_range(b, s->db, OTTER__CF_EVENTS, lo, n + 1, hi, n + 1);
            st = otter__count_pending(s, lo, hi, n + 1, &gone_events, err);
            if (st == OTTER_OK)
                st = write_nosync(s, b, &ticket, err);
        }
        if (st == OTTER_OK) {
            e->deleted = 1;
            if (e->dirty)
                atomic_fetch_sub(&s->n_dirty, 1);
            e->dirty = 0;
            atomic_fetch_sub(&s->n_entities, 1);
            atomic_fetch_sub(&s->n_events, gone_events);
        }
        pthread_rwlock_unlock(&e->lock);
        if (st == OTTER_OK)
            map_remove(s, e);
    }
    otter__entity_release(e);
    otter__rocks_batch_destroy(b);
    pthread_rwlock_unlock(&s->gate);
    if (st == OTTER_OK && s->opt.durability == OTTER_DURABILITY_SYNC)
        st = otter__wait_durable(s, ticket, err);
    return st;
}

/* ---- persisting (snapshot, close) ---- */

/* The dirty entities of a persist, each with a reference. */
typedef struct dirty_list {
    otter__entity **v;
    size_t n, cap;
} dirty_list;

static otter_status collect_dirty(otter_store *s, otter__entity *e, void *ud)
{
    (void)s;
    dirty_list *d = ud;
    if (!e->dirty)
        return OTTER_OK;
    if (d->n == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 256;
        otter__entity **v = realloc(d->v, cap * sizeof *v);
        if (!v)
            return OTTER_NOMEM;
        d->v = v;
        d->cap = cap;
    }
    atomic_fetch_add(&e->refs, 1);
    d->v[d->n++] = e;
    return OTTER_OK;
}

static void clear_dirty(otter_store *s, otter__entity *e)
{
    if (e->dirty) {
        e->dirty = 0;
        atomic_fetch_sub(&s->n_dirty, 1);
    }
}

static void dirty_list_free(dirty_list *d)
{
    for (size_t i = 0; i < d->n; i++)
        otter__entity_release(d->v[i]);
    free(d->v);
}

/* RocksDB's order of entity keys: key group (big-endian), then the name bytewise. */
static int by_entity_key(const void *pa, const void *pb)
{
    const otter__entity *a = *(otter__entity *const *)pa, *b = *(otter__entity *const *)pb;
    if (a->kg != b->kg)
        return a->kg < b->kg ? -1 : 1;
    size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;
    int c = memcmp(a->name, b->name, n);
    if (c)
        return c;
    return a->name_len < b->name_len ? -1 : a->name_len > b->name_len;
}

/* Collects the dirty entities into d and adds their records to b, in key order: the
 * memtable then takes the batch as a sorted run, where the map's hash order made each
 * insert a fresh search of a skip list growing to every dirty entity. */
static otter_status persist_dirty(otter_store *s, otter__rocks_batch *b, dirty_list *d,
                                  otter_error *err)
{
    otter_status st = map_each(s, collect_dirty, d);
    if (st == OTTER_OK && d->n)
        qsort(d->v, d->n, sizeof *d->v, by_entity_key);
    for (size_t i = 0; i < d->n && st == OTTER_OK; i++)
        if (!d->v[i]->deleted)
            st = persist_now(s, d->v[i], b, err);
    return st;
}

void otter__meta_put(otter_store *s, otter__rocks_batch *b, int clean)
{
    uint8_t v[64];
    otter_buf buf = {v, 0, sizeof v};
    otter__wr w;
    otter__wr_init(&w, &buf, NULL);
    otter__wr_u8(&w, OTTER__REC_VERSION);
    otter__wr_u8(&w, (uint8_t)clean);
    otter__wr_u64(&w, atomic_load(&s->next_seq) - 1);
    otter__wr_u64(&w, atomic_load(&s->last_snapshot));
    otter__wr_u64(&w, atomic_load(&s->n_entities));
    otter__wr_u64(&w, atomic_load(&s->n_events));
    uint32_t crc = otter_crc32c(0, v, buf.len);
    otter__wr_u32(&w, crc);
    otter__rocks_batch_put(b, s->db, OTTER__CF_META, "state", 5, v, buf.len);
}

otter_status otter__persist(otter_store *s, int clean, otter_error *err)
{
    otter__rocks_batch *b = NULL;
    otter_status st = otter__rocks_batch_create(&b, err);
    if (st != OTTER_OK)
        return st;
    dirty_list d = {0};
    st = persist_dirty(s, b, &d, err);
    if (st == OTTER_NOMEM)
        otter_error_set(err, st, "out of memory persisting entities");
    if (st == OTTER_OK) {
        /* every record up to here is now in a persisted entity */
        uint64_t upto = atomic_load(&s->next_seq);
        uint8_t lo[8] = {0}, hi[8];
        seq_key(upto, hi);
        otter__rocks_batch_delete_range(b, s->db, OTTER__CF_LOG, lo, 8, hi, 8);
        otter__meta_put(s, b, clean);
        st = otter__rocks_write(s->db, b, 1, 0, err);
    }
    /* the gate is held for writing (or the store is closing): the dirty set is d */
    for (size_t i = 0; st == OTTER_OK && i < d.n; i++)
        clear_dirty(s, d.v[i]);
    if (st != OTTER_OK)
        atomic_store(&s->failed, 1);
    dirty_list_free(&d);
    otter__rocks_batch_destroy(b);
    return st;
}

/* ---- open, replay, close ---- */

typedef struct meta_state {
    int clean;
    uint64_t seq, snapshot, entities, events;
} meta_state;

static otter_status read_meta(otter_store *s, meta_state *m, int *found, otter_error *err)
{
    otter_buf v = OTTER_BUF_INIT;
    otter_status st = otter__rocks_get(s->db, OTTER__CF_META, "state", 5, &v, found, err);
    if (st == OTTER_OK && *found) {
        size_t len = v.len;
        otter__rd r;
        if (!otter__rec_ok(v.data, &len))
            st = otter_error_set(err, OTTER_CORRUPT,
                                 "the store's state record in %s fails its checksum", s->db_dir);
        else {
            otter__rd_init(&r, v.data, len);
            otter__rd_u8(&r);
            m->clean = otter__rd_u8(&r);
            m->seq = otter__rd_u64(&r);
            m->snapshot = otter__rd_u64(&r);
            m->entities = otter__rd_u64(&r);
            m->events = otter__rd_u64(&r);
            if (!otter__rd_done(&r))
                st = otter_error_set(err, OTTER_CORRUPT,
                                     "the store's state record in %s is malformed", s->db_dir);
        }
    }
    otter_buf_free(&v);
    return st;
}

/* An optional string of a log record, copied out NUL-terminated (replay is not the
 * hot path). */
static otter_status rd_cstr(otter__rd *r, char **dst)
{
    *dst = NULL;
    uint8_t has = otter__rd_u8(r);
    size_t len = 0;
    const char *p = has ? otter__rd_str(r, &len) : NULL;
    if (!has || !otter__rd_ok(r))
        return OTTER_OK;
    if (memchr(p, 0, len))
        return OTTER_CORRUPT;
    return (*dst = strndup(p, len)) ? OTTER_OK : OTTER_NOMEM;
}

/* Decodes one log record and re-applies it. */
static otter_status replay_one(otter_store *s, uint64_t seq, const uint8_t *p, size_t len,
                               otter_instance *inst, otter_instance *ctx_inst, otter_error *err)
{
    if (!otter__rec_ok(p, &len))
        return otter_error_set(err, OTTER_CORRUPT,
                               "update log record %" PRIu64 " in %s fails its checksum", seq,
                               s->db_dir);
    otter__rd r;
    otter__rd_init(&r, p, len);
    otter__rd_u8(&r);
    int op = otter__rd_u8(&r);
    uint16_t kg = otter__rd_u16(&r);
    size_t nlen;
    const char *name = otter__rd_str(&r, &nlen);
    uint64_t rseq = otter__rd_u64(&r);
    char nm[OTTER_ENTITY_NAME_MAX + 1];
    if (!otter__rd_ok(&r) || rseq != seq || nlen == 0 || nlen > OTTER_ENTITY_NAME_MAX)
        return otter_error_set(err, OTTER_CORRUPT,
                               "update log record %" PRIu64 " in %s is malformed", seq, s->db_dir);
    memcpy(nm, name, nlen);
    nm[nlen] = '\0';
    otter__entity *e = NULL;
    otter_error inner = {0};
    otter_status st = otter__entity_get(s, kg, nm, &e, &inner);
    if (st == OTTER_NOT_FOUND)
        return OTTER_OK; /* deleted later: its records no longer matter */
    if (st != OTTER_OK)
        return otter_error_set(err, st, "replaying record %" PRIu64 ": %s", seq, inner.message);
    if (seq <= e->persisted_seq) {
        otter__entity_release(e);
        return OTTER_OK;
    }
    update u = {.op = op};
    otter_rank_request req;
    memset(&req, 0, sizeof req);
    otter_decision dec = OTTER_DECISION_INIT;
    char *strs[8] = {0};
    char **arms = NULL, **excl = NULL;
    size_t n_arms = 0, n_excl = 0;
    st = OTTER_OK;
    switch (op) {
    case OTTER__OP_LEARN: {
        u.label = otter__rd_f64(&r);
        u.weight = otter__rd_f64(&r);
        uint8_t has = otter__rd_u8(&r);
        size_t il = 0;
        const char *ib = has ? otter__rd_str(&r, &il) : NULL;
        if (!otter__rd_ok(&r) || !has)
            st = OTTER_CORRUPT;
        else if ((st = otter_instance_decode(inst, (const uint8_t *)ib, il, &inner)) == OTTER_OK)
            u.inst = inst;
        break;
    }
    case OTTER__OP_RANK: {
        req.now_ms = (int64_t)otter__rd_u64(&r);
        req.defer = otter__rd_u8(&r);
        if (st == OTTER_OK)
            st = rd_cstr(&r, &strs[0]);
        if (st == OTTER_OK)
            st = rd_cstr(&r, &strs[1]);
        req.unit = strs[0];
        req.event_id = strs[1];
        for (int pass = 0; pass < 2 && st == OTTER_OK; pass++) {
            uint8_t has = otter__rd_u8(&r);
            uint32_t n = otter__rd_u32(&r);
            if (!otter__rd_ok(&r) || n > r.len - r.pos) {
                st = OTTER_CORRUPT;
                break;
            }
            char **v = has ? calloc(n ? n : 1, sizeof *v) : NULL;
            if (has && !v) {
                st = OTTER_NOMEM;
                break;
            }
            if (pass == 0)
                arms = v, n_arms = n;
            else
                excl = v, n_excl = n;
            for (uint32_t i = 0; v && i < n && st == OTTER_OK; i++)
                if (st == OTTER_OK)
                    st = rd_cstr(&r, &v[i]);
        }
        req.arms = (const char *const *)arms;
        req.n_arms = n_arms;
        req.exclude = (const char *const *)excl;
        req.n_exclude = n_excl;
        uint8_t has_ctx = otter__rd_u8(&r);
        size_t il = 0;
        const char *ib = has_ctx ? otter__rd_str(&r, &il) : NULL;
        if (st == OTTER_OK && has_ctx && otter__rd_ok(&r)) {
            st = otter_instance_decode(ctx_inst, (const uint8_t *)ib, il, &inner);
            req.context = ctx_inst;
        }
        u.req = &req;
        u.decision = &dec;
        break;
    }
    case OTTER__OP_REWARD:
        u.reward = otter__rd_f64(&r);
        /* fall through */
    case OTTER__OP_ACTIVATE:
        if (st == OTTER_OK)
            st = rd_cstr(&r, &strs[2]);
        u.id = strs[2];
        /* fall through */
    case OTTER__OP_EXPIRE: u.now_ms = (int64_t)otter__rd_u64(&r); break;
    case OTTER__OP_ADD_ARM:
    case OTTER__OP_REMOVE_ARM:
        if (st == OTTER_OK)
            st = rd_cstr(&r, &strs[3]);
        u.arm = strs[3];
        break;
    default: st = OTTER_CORRUPT;
    }
    if (st == OTTER_OK && !otter__rd_done(&r))
        st = OTTER_CORRUPT;
    if (st == OTTER_OK) {
        /* the live call's outcome, success or not, is reproduced; only state matters */
        pthread_rwlock_wrlock(&e->lock);
        otter_error ignored = {0};
        if ((op == OTTER__OP_LEARN) == (e->kind == OTTER_ENTITY_LEARNER)) {
            if (apply(e, &u, &ignored) == OTTER_OK)
                mark_dirty(s, e);
            else if (!e->dirty) {
                e->dirty = 1;
                atomic_fetch_add(&s->n_dirty, 1);
            }
        }
        pthread_rwlock_unlock(&e->lock);
        atomic_fetch_add(&s->replayed, 1);
    } else if (st == OTTER_CORRUPT) {
        st = otter_error_set(err, OTTER_CORRUPT,
                             "update log record %" PRIu64 " in %s is malformed%s%s", seq, s->db_dir,
                             inner.message[0] ? ": " : "", inner.message);
    } else {
        st = otter_error_set(err, st, "replaying update log record %" PRIu64 ": %s", seq,
                             inner.message[0] ? inner.message : otter_status_message(st));
    }
    for (size_t i = 0; i < 8; i++)
        free(strs[i]);
    for (size_t i = 0; arms && i < n_arms; i++)
        free(arms[i]);
    for (size_t i = 0; excl && i < n_excl; i++)
        free(excl[i]);
    free(arms);
    free(excl);
    otter_decision_free(&dec);
    otter__entity_release(e);
    return st;
}

static otter_status replay(otter_store *s, uint64_t persisted, otter_error *err)
{
    otter_instance *inst = NULL, *ctx_inst = NULL;
    otter_status st = otter_instance_create(&inst, err);
    if (st == OTTER_OK)
        st = otter_instance_create(&ctx_inst, err);
    otter__rocks_iter *it = NULL;
    if (st == OTTER_OK)
        st = otter__rocks_iter_create(s->db, OTTER__CF_LOG, NULL, 0, NULL, 0, 0, &it, err);
    uint64_t last = persisted;
    const uint8_t *k, *v;
    size_t kl, vl;
    while (st == OTTER_OK && otter__rocks_iter_next(it, &k, &kl, &v, &vl)) {
        if (kl != 8) {
            st = otter_error_set(err, OTTER_CORRUPT, "update log in %s has a malformed key",
                                 s->db_dir);
            break;
        }
        uint64_t seq = 0;
        for (int i = 0; i < 8; i++)
            seq = seq << 8 | k[i];
        if (seq > persisted) /* older ones are leftovers of an interrupted prune */
            st = replay_one(s, seq, v, vl, inst, ctx_inst, err);
        if (seq > last)
            last = seq;
    }
    if (st == OTTER_OK && it)
        st = otter__rocks_iter_status(it, err);
    otter__rocks_iter_destroy(it);
    otter_instance_destroy(inst);
    otter_instance_destroy(ctx_inst);
    atomic_store(&s->next_seq, last + 1);
    return st;
}

/* Counts entities and pending learner events by a key scan (after an unclean stop). */
static otter_status recount(otter_store *s, otter_error *err)
{
    uint64_t n[2] = {0, 0};
    for (int f = 0; f < 2; f++) {
        otter__rocks_iter *it = NULL;
        otter_status st = otter__rocks_iter_create(s->db, f ? OTTER__CF_EVENTS : OTTER__CF_ENTITIES,
                                                   NULL, 0, NULL, 0, 0, &it, err);
        const uint8_t *k, *v;
        size_t kl, vl;
        while (st == OTTER_OK && otter__rocks_iter_next(it, &k, &kl, &v, &vl)) {
            otter__event_view ev;
            if (!f || (otter__event_parse(v, vl, &ev) && ev.kind == OTTER__EVK_PAYLOAD))
                n[f]++;
        }
        if (st == OTTER_OK)
            st = otter__rocks_iter_status(it, err);
        otter__rocks_iter_destroy(it);
        if (st != OTTER_OK)
            return st;
    }
    atomic_store(&s->n_entities, n[0]);
    atomic_store(&s->n_events, n[1]);
    return OTTER_OK;
}

otter_status otter__open_live(otter_store *s, otter_error *err)
{
    otter__rocks_opts ro = {!s->opt.read_only, s->opt.read_only, s->opt.cache_bytes};
    otter_status st = otter__rocks_open(s->db_dir, &ro, &s->db, err);
    if (st != OTTER_OK)
        return st;
    meta_state m = {0};
    int found = 0;
    st = read_meta(s, &m, &found, err);
    if (st != OTTER_OK)
        return st;
    atomic_store(&s->last_snapshot, found ? m.snapshot : 0);
    s->was_clean = !found || m.clean;
    s->synced_upto = otter__rocks_sequence(s->db);
    atomic_store(&s->failed, 0);
    atomic_store(&s->next_seq, (found ? m.seq : 0) + 1);
    if (found && m.clean) {
        atomic_store(&s->n_entities, m.entities);
        atomic_store(&s->n_events, m.events);
    } else if ((st = recount(s, err)) != OTTER_OK)
        return st;
    if ((st = replay(s, found ? m.seq : 0, err)) != OTTER_OK)
        return st;
    if (s->opt.read_only)
        return OTTER_OK;
    /* The state record says which log records the persisted entities cover, and the
     * next open skips those; so the replayed entities are persisted (and their log
     * pruned) before it moves on, or a second crash would drop what was replayed.
     * From here until a clean close, the counters on disk may lag. */
    return otter__persist(s, 0, err);
}

void otter__close_live(otter_store *s)
{
    otter__entities_unload(s);
    otter__rocks_close(s->db);
    s->db = NULL;
}

static otter_status join(const char *a, const char *b, char **out, otter_error *err)
{
    size_t n = strlen(a) + strlen(b) + 2;
    if (!(*out = malloc(n)))
        return otter_error_set(err, OTTER_NOMEM, "out of memory");
    snprintf(*out, n, "%s/%s", a, b);
    return OTTER_OK;
}

/* The data directory's identity file: refuses foreign or newer directories. */
static otter_status check_format(otter_store *s, int fresh, otter_error *err)
{
    char *path = NULL;
    otter_status st = join(s->dir, "OTTER-STORE", &path, err);
    if (st != OTTER_OK)
        return st;
    FILE *f = fopen(path, "r");
    if (!f && errno == ENOENT && fresh && !s->opt.read_only) {
        f = fopen(path, "w");
        if (!f || fprintf(f, "otter-store %d\n", OTTER_STORE_FORMAT_VERSION) < 0 || fflush(f) ||
            fsync(fileno(f)))
            st = otter_error_set(err, OTTER_IO, "cannot write %s: %s", path, strerror(errno));
        if (f)
            fclose(f);
        free(path);
        return st == OTTER_OK ? otter__fsync_dir(s->dir, err) : st;
    }
    if (!f) {
        st = otter_error_set(err, errno == ENOENT ? OTTER_CORRUPT : OTTER_IO,
                             "%s: %s (not an Otter data directory, or truncated; --reset "
                             "starts it empty)",
                             path, strerror(errno));
        free(path);
        return st;
    }
    int v = 0;
    if (fscanf(f, "otter-store %d", &v) != 1 || v < 1)
        st = otter_error_set(err, OTTER_CORRUPT, "%s is not an Otter store identity file", path);
    else if (v > OTTER_STORE_FORMAT_VERSION)
        st = otter_error_set(err, OTTER_VERSION,
                             "%s: store format %d is newer than this library's (%d)", path, v,
                             OTTER_STORE_FORMAT_VERSION);
    fclose(f);
    free(path);
    return st;
}

static int missing(const char *path)
{
    struct stat st;
    return stat(path, &st) != 0 && errno == ENOENT;
}

/* A new database is made whole in DIR/db.creating (every column family) and then
 * renamed into place, so a crash during the first open leaves either no database (the
 * next open starts again) or a complete one, never one missing families. */
static otter_status create_db(otter_store *s, otter_error *err)
{
    char *tmp = NULL;
    otter_status st = join(s->dir, "db.creating", &tmp, err);
    if (st != OTTER_OK)
        return st;
    otter_error ignored = {0};
    otter__rmtree(tmp, &ignored); /* what an interrupted creation left */
    otter__rocks_opts ro = {1, 0, s->opt.cache_bytes};
    otter__rocks *db = NULL;
    st = otter__rocks_open(tmp, &ro, &db, err);
    if (st == OTTER_OK) {
        otter__rocks_close(db);
        if (rename(tmp, s->db_dir) != 0)
            st = otter_error_set(err, OTTER_IO, "cannot rename %s to %s: %s", tmp, s->db_dir,
                                 strerror(errno));
        else
            st = otter__fsync_dir(s->dir, err);
    }
    free(tmp);
    return st;
}

static otter_status open_dirs(otter_store *s, otter_error *err)
{
    int fresh = missing(s->db_dir);
    if (s->opt.read_only && missing(s->dir))
        return otter_error_set(err, OTTER_NOT_FOUND, "no data directory %s", s->dir);
    if (!s->opt.read_only && mkdir(s->dir, 0755) != 0 && errno != EEXIST)
        return otter_error_set(err, OTTER_IO, "cannot create %s: %s", s->dir, strerror(errno));
    otter_status st = otter__restore_recover(s, err);
    if (st == OTTER_OK)
        fresh = missing(s->db_dir);
    if (st == OTTER_OK)
        st = check_format(s, fresh, err);
    if (st == OTTER_OK && fresh && s->opt.read_only)
        st = otter_error_set(err, OTTER_NOT_FOUND,
                             "no database in %s yet (never opened for writing, or its first "
                             "open was interrupted)",
                             s->dir);
    if (st == OTTER_OK && fresh)
        st = create_db(s, err);
    if (st == OTTER_OK && !s->opt.read_only && mkdir(s->snap_dir, 0755) != 0 && errno != EEXIST)
        st = otter_error_set(err, OTTER_IO, "cannot create %s: %s", s->snap_dir, strerror(errno));
    if (st == OTTER_OK && !fresh) {
        struct stat sb;
        char *cur = NULL;
        if ((st = join(s->db_dir, "CURRENT", &cur, err)) == OTTER_OK && stat(cur, &sb) != 0)
            st = otter_error_set(err, OTTER_CORRUPT,
                                 "%s is missing: the database directory is truncated", cur);
        free(cur);
    }
    return st;
}

static void store_free(otter_store *s)
{
    if (!s)
        return;
    if (s->db)
        otter__close_live(s);
    for (size_t i = 0; i < OTTER__SHARDS; i++) {
        free(s->shards[i].buckets);
        pthread_mutex_destroy(&s->shards[i].mu);
    }
    for (size_t i = 0; i < OTTER__STRIPES; i++)
        pthread_mutex_destroy(&s->stripes[i]);
    pthread_rwlock_destroy(&s->gate);
    pthread_mutex_destroy(&s->sync_mu);
    pthread_cond_destroy(&s->sync_cv);
    free(s->dir);
    free(s->db_dir);
    free(s->snap_dir);
    free(s);
}

static otter_status store_alloc(const otter_context *ctx, const char *dir,
                                const otter_store_options *opt, otter_store **out, otter_error *err)
{
    otter_store *s = calloc(1, sizeof *s);
    if (!s)
        return otter_error_set(err, OTTER_NOMEM, "out of memory");
    s->ctx = ctx;
    s->opt = opt ? *opt : (otter_store_options)OTTER_STORE_OPTIONS_INIT;
    pthread_rwlockattr_t ga;
    pthread_rwlockattr_init(&ga);
    /* a snapshot must not starve behind a steady stream of calls */
    pthread_rwlockattr_setkind_np(&ga, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&s->gate, &ga);
    pthread_rwlockattr_destroy(&ga);
    for (size_t i = 0; i < OTTER__SHARDS; i++)
        pthread_mutex_init(&s->shards[i].mu, NULL);
    for (size_t i = 0; i < OTTER__STRIPES; i++)
        pthread_mutex_init(&s->stripes[i], NULL);
    pthread_mutex_init(&s->sync_mu, NULL);
    pthread_cond_init(&s->sync_cv, NULL);
    s->dir = strdup(dir);
    otter_status st = s->dir ? OTTER_OK : otter_error_set(err, OTTER_NOMEM, "out of memory");
    if (st == OTTER_OK)
        st = join(dir, "db", &s->db_dir, err);
    if (st == OTTER_OK)
        st = join(dir, "snapshots", &s->snap_dir, err);
    if (st != OTTER_OK) {
        store_free(s);
        return st;
    }
    *out = s;
    return OTTER_OK;
}

static otter_status open_once(otter_store *s, otter_error *err)
{
    otter_status st = open_dirs(s, err);
    if (st == OTTER_OK)
        st = otter__open_live(s, err);
    if (st != OTTER_OK || s->was_clean || s->opt.durability != OTTER_DURABILITY_NONE ||
        s->opt.read_only)
        return st;
    /* without a log, state after an unclean stop is not consistent: go back to the
     * latest snapshot (Flink restores its own checkpoint over it anyway) */
    uint64_t latest = 0;
    st = otter__latest_snapshot(s, &latest, err);
    if (st == OTTER_OK && latest)
        st = otter_store_restore(s, latest, err);
    return st;
}

otter_status otter_store_open(const otter_context *ctx, const char *dir,
                              const otter_store_options *opt, otter_store **out, otter_error *err)
{
    if (!ctx || !dir || !*dir || !out)
        return otter_error_set(err, OTTER_INVALID, "context, directory and output are required");
    if (opt && opt->durability != OTTER_DURABILITY_SYNC && opt->durability != OTTER_DURABILITY_NONE)
        return otter_error_set(err, OTTER_INVALID, "unknown durability %d", (int)opt->durability);
    otter_store *s = NULL;
    otter_status st = store_alloc(ctx, dir, opt, &s, err);
    if (st != OTTER_OK)
        return st;
    otter_error first = {0};
    st = open_once(s, &first);
    if (st != OTTER_OK && s->opt.reset && !s->opt.read_only && st != OTTER_NOMEM) {
        /* asked to start over: wipe the unreadable state, keep nothing */
        if (s->db)
            otter__close_live(s);
        otter_error ignored = {0};
        otter__rmtree(s->db_dir, &ignored);
        otter__rmtree(s->snap_dir, &ignored);
        char *id = NULL;
        if (join(s->dir, "OTTER-STORE", &id, &ignored) == OTTER_OK)
            unlink(id);
        free(id);
        st = open_once(s, err);
    } else if (st != OTTER_OK) {
        otter_error_set(err, st, "%s", first.message);
    }
    if (st != OTTER_OK) {
        store_free(s);
        return st;
    }
    *out = s;
    return OTTER_OK;
}

void otter_store_close(otter_store *s)
{
    if (!s)
        return;
    if (s->db && !s->opt.read_only && !atomic_load(&s->failed)) {
        otter_error ignored = {0};
        otter__persist(s, 1, &ignored);
    }
    store_free(s);
}

void otter_store_stats_get(const otter_store *cs, otter_store_stats *out)
{
    otter_store *s = (otter_store *)cs;
    memset(out, 0, sizeof *out);
    if (!s)
        return;
    out->entities = atomic_load(&s->n_entities);
    out->loaded = atomic_load(&s->n_loaded);
    out->dirty = atomic_load(&s->n_dirty);
    out->pending_events = atomic_load(&s->n_events);
    out->log_records = atomic_load(&s->log_records);
    out->syncs = atomic_load(&s->syncs);
    out->replayed = atomic_load(&s->replayed);
    out->last_snapshot = atomic_load(&s->last_snapshot);
    out->durability = s->opt.durability;
}

uint64_t otter_store_pending_events(const otter_store *s)
{
    return s ? atomic_load(&((otter_store *)s)->n_events) : 0;
}
