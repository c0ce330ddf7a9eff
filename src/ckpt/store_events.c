/* Pending events in the store.
 *
 * A learner's pending events (scored instances waiting for a label) and generic
 * payloads live only in RocksDB: put and take are single atomic batches (the event and
 * its expiry-index entry), made exactly-once by a striped lock on the event id, and
 * expiry walks the index by deadline, so it reads only what is due.
 *
 * A bandit's decisions stay in the bandit's own event table (its logic decides between
 * 404, 409 and expiry), which this file wraps: every change marks the event id dirty, and
 * persisting writes just the dirty events as records of their own, with the order
 * they were made in, so a reloaded table expires ties in the same order and learning
 * stays bit-identical.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otter/hash.h"
#include "store_int.h"

/* ---- keys and records ---- */

size_t otter__event_key(uint16_t kg, const char *name, size_t name_len, const char *id,
                        uint8_t *key)
{
    size_t n = otter__entity_key(kg, name, name_len, key);
    key[n++] = 0;
    size_t il = strlen(id);
    memcpy(key + n, id, il);
    return n + il;
}

size_t otter__expiry_key(int64_t deadline, const uint8_t *event_key, size_t klen, uint8_t *key)
{
    uint64_t d = deadline < 0 ? 0 : (uint64_t)deadline;
    for (int i = 0; i < 8; i++)
        key[i] = (uint8_t)(d >> (56 - 8 * i));
    if (klen) /* event_key is NULL for a bare deadline bound */
        memcpy(key + 8, event_key, klen);
    return 8 + klen;
}

pthread_mutex_t *otter__stripe(otter_store *s, uint16_t kg, const char *name, const char *id)
{
    uint32_t h = otter_murmur3_32(name, strlen(name), kg);
    h = otter_murmur3_32(id, strlen(id), h);
    return &s->stripes[h % OTTER__STRIPES];
}

otter_status otter__event_rec(otter_buf *out, int kind, int64_t deadline, uint64_t order,
                              const void *payload, size_t len, otter_error *err)
{
    size_t start = out->len;
    otter__wr w;
    otter__wr_init(&w, out, err);
    otter__wr_u8(&w, OTTER__REC_VERSION);
    otter__wr_u8(&w, (uint8_t)kind);
    otter__wr_u64(&w, (uint64_t)deadline);
    otter__wr_u64(&w, order);
    otter__wr_str(&w, payload, len);
    otter_status st = w.st;
    if (st == OTTER_OK)
        st = otter__rec_end(out, start, err);
    if (st != OTTER_OK)
        out->len = start;
    return st;
}

int otter__event_parse(const uint8_t *p, size_t len, otter__event_view *v)
{
    if (!otter__rec_ok(p, &len))
        return 0;
    otter__rd r;
    otter__rd_init(&r, p, len);
    otter__rd_u8(&r);
    v->kind = otter__rd_u8(&r);
    v->deadline = (int64_t)otter__rd_u64(&r);
    v->order = otter__rd_u64(&r);
    v->payload = (const uint8_t *)otter__rd_str(&r, &v->len);
    return otter__rd_done(&r) && (v->kind == OTTER__EVK_PAYLOAD || v->kind == OTTER__EVK_DECISION);
}

/* ---- generic pending events ---- */

typedef struct ev_args {
    uint16_t kg;
    const char *entity, *id;
    size_t name_len;
    uint8_t key[OTTER__KEY_MAX];
    size_t klen;
} ev_args;

static otter_status ev_check(otter_store *s, uint16_t kg, const char *entity, const char *id,
                             ev_args *a, otter_error *err)
{
    if (!s)
        return otter_error_set(err, OTTER_INVALID, "store is required");
    size_t il;
    otter_status st = otter__check_name(entity, &a->name_len, err);
    if (st == OTTER_OK)
        st = otter__check_event_id(id, &il, err);
    if (st == OTTER_OK && kg >= OTTER_KEY_GROUPS)
        st = otter_error_set(err, OTTER_INVALID, "key group %u is out of range", (unsigned)kg);
    if (st != OTTER_OK)
        return st;
    a->kg = kg;
    a->entity = entity;
    a->id = id;
    a->klen = otter__event_key(kg, entity, a->name_len, id, a->key);
    return OTTER_OK;
}

/* Adds the put of an event (and its index entry) to b; stripe held. */
static otter_status ev_put_locked(otter_store *s, const ev_args *a, const void *payload, size_t len,
                                  int64_t deadline, otter__rocks_batch *b, otter_error *err)
{
    otter_buf v = OTTER_BUF_INIT;
    int found = 0;
    otter_status st = otter__rocks_get(s->db, OTTER__CF_EVENTS, a->key, a->klen, &v, &found, err);
    if (st == OTTER_OK && found)
        st = otter_error_set(err, OTTER_EXISTS, "event '%s' of '%s' is pending already", a->id,
                             a->entity);
    v.len = 0;
    if (st == OTTER_OK)
        st = otter__event_rec(&v, OTTER__EVK_PAYLOAD, deadline, 0, payload, len, err);
    if (st == OTTER_OK) {
        uint8_t xk[OTTER__KEY_MAX + 8];
        size_t xl = otter__expiry_key(deadline, a->key, a->klen, xk);
        otter__rocks_batch_put(b, s->db, OTTER__CF_EVENTS, a->key, a->klen, v.data, v.len);
        otter__rocks_batch_put(b, s->db, OTTER__CF_EXPIRY, xk, xl, "", 0);
    }
    otter_buf_free(&v);
    return st;
}

/* Reads the event under the stripe and adds its removal to b. *val gets the record. */
static otter_status ev_take_locked(otter_store *s, const ev_args *a, otter_buf *val,
                                   otter__event_view *view, otter__rocks_batch *b, otter_error *err)
{
    int found = 0;
    otter_status st = otter__rocks_get(s->db, OTTER__CF_EVENTS, a->key, a->klen, val, &found, err);
    if (st == OTTER_OK && !found)
        return otter_error_set(err, OTTER_NOT_FOUND, "no pending event '%s' for '%s'", a->id,
                               a->entity);
    if (st == OTTER_OK &&
        (!otter__event_parse(val->data, val->len, view) || view->kind != OTTER__EVK_PAYLOAD))
        st = otter_error_set(err, OTTER_CORRUPT,
                             "pending event '%s' of '%s' in %s fails its checksum", a->id,
                             a->entity, s->db_dir);
    if (st == OTTER_OK) {
        uint8_t xk[OTTER__KEY_MAX + 8];
        size_t xl = otter__expiry_key(view->deadline, a->key, a->klen, xk);
        otter__rocks_batch_delete(b, s->db, OTTER__CF_EVENTS, a->key, a->klen);
        otter__rocks_batch_delete(b, s->db, OTTER__CF_EXPIRY, xk, xl);
    }
    return st;
}

static otter_status write_wait(otter_store *s, otter__rocks_batch *b, pthread_mutex_t *stripe,
                               otter_error *err)
{
    otter_status st = otter__rocks_write(s->db, b, 0, 0, err);
    uint64_t ticket = otter__rocks_sequence(s->db);
    pthread_mutex_unlock(stripe);
    if (st != OTTER_OK)
        atomic_store(&s->failed, 1);
    else if (s->opt.durability == OTTER_DURABILITY_SYNC)
        st = otter__wait_durable(s, ticket, err);
    return st;
}

otter_status otter_store_event_put(otter_store *s, uint16_t kg, const char *entity,
                                   const char *event_id, const void *payload, size_t len,
                                   int64_t deadline_ms, otter_error *err)
{
    ev_args a;
    otter_status st = ev_check(s, kg, entity, event_id, &a, err);
    if (st == OTTER_OK)
        st = otter__check_writable(s, err);
    if (st == OTTER_OK && !payload && len)
        st = otter_error_set(err, OTTER_INVALID, "payload is required");
    otter__rocks_batch *b = NULL;
    if (st == OTTER_OK)
        st = otter__rocks_batch_create(&b, err);
    if (st != OTTER_OK)
        return st;
    pthread_rwlock_rdlock(&s->gate);
    pthread_mutex_t *m = otter__stripe(s, kg, entity, event_id);
    pthread_mutex_lock(m);
    st = ev_put_locked(s, &a, payload ? payload : "", len, deadline_ms, b, err);
    if (st == OTTER_OK) {
        atomic_fetch_add(&s->n_events, 1);
        st = write_wait(s, b, m, err);
    } else
        pthread_mutex_unlock(m);
    pthread_rwlock_unlock(&s->gate);
    otter__rocks_batch_destroy(b);
    return st;
}

otter_status otter_store_event_take(otter_store *s, uint16_t kg, const char *entity,
                                    const char *event_id, otter_buf *out, otter_error *err)
{
    ev_args a;
    otter_status st = ev_check(s, kg, entity, event_id, &a, err);
    if (st == OTTER_OK)
        st = otter__check_writable(s, err);
    otter__rocks_batch *b = NULL;
    if (st == OTTER_OK)
        st = otter__rocks_batch_create(&b, err);
    if (st != OTTER_OK)
        return st;
    pthread_rwlock_rdlock(&s->gate);
    pthread_mutex_t *m = otter__stripe(s, kg, entity, event_id);
    pthread_mutex_lock(m);
    otter_buf val = OTTER_BUF_INIT;
    otter__event_view view;
    st = ev_take_locked(s, &a, &val, &view, b, err);
    if (st == OTTER_OK && out)
        st = otter_buf_append(out, view.payload, view.len, err);
    if (st == OTTER_OK) {
        atomic_fetch_sub(&s->n_events, 1);
        st = write_wait(s, b, m, err);
    } else
        pthread_mutex_unlock(m);
    pthread_rwlock_unlock(&s->gate);
    otter_buf_free(&val);
    otter__rocks_batch_destroy(b);
    return st;
}

otter_status otter_store_predict_event(otter_store *s, uint16_t kg, const char *name,
                                       const otter_instance *inst, const char *event_id,
                                       int64_t deadline_ms, otter_prediction *out, otter_error *err)
{
    ev_args a;
    otter_status st = ev_check(s, kg, name, event_id, &a, err);
    if (st == OTTER_OK)
        st = otter_store_predict(s, kg, name, inst, out, err);
    otter_buf enc = OTTER_BUF_INIT;
    if (st == OTTER_OK)
        st = otter_instance_encode(inst, &enc, err);
    if (st == OTTER_OK)
        st = otter_store_event_put(s, kg, name, event_id, enc.data, enc.len, deadline_ms, err);
    otter_buf_free(&enc);
    return st;
}

otter_status otter_store_feedback(otter_store *s, uint16_t kg, const char *name,
                                  const char *event_id, double label, double weight,
                                  otter_error *err)
{
    return otter_store_feedback_scored(s, kg, name, event_id, label, weight, NULL, err);
}

otter_status otter_store_feedback_scored(otter_store *s, uint16_t kg, const char *name,
                                         const char *event_id, double label, double weight,
                                         otter_prediction *before, otter_error *err)
{
    ev_args a;
    otter_status st = ev_check(s, kg, name, event_id, &a, err);
    if (st == OTTER_OK)
        st = otter__check_writable(s, err);
    otter__rocks_batch *b = NULL;
    otter_instance *inst = NULL;
    if (st == OTTER_OK)
        st = otter__rocks_batch_create(&b, err);
    if (st == OTTER_OK)
        st = otter_instance_create(&inst, err);
    if (st != OTTER_OK) {
        otter__rocks_batch_destroy(b);
        return st;
    }
    pthread_rwlock_rdlock(&s->gate);
    pthread_mutex_t *m = otter__stripe(s, kg, name, event_id);
    pthread_mutex_lock(m);
    otter_buf val = OTTER_BUF_INIT;
    otter__event_view view;
    otter__entity *e = NULL;
    uint64_t ticket = 0;
    st = ev_take_locked(s, &a, &val, &view, b, err);
    if (st == OTTER_OK &&
        (st = otter_instance_decode(inst, view.payload, view.len, err)) != OTTER_OK)
        otter_error_set(err, st, "pending event '%s' of '%s'", event_id, name);
    if (st == OTTER_OK)
        st = otter__entity_get(s, kg, name, &e, err);
    /* the event's removal and the logged learn go in one batch */
    if (st == OTTER_OK)
        st = otter__learn_with_batch(s, e, inst, label, weight, before, b, &ticket, err);
    if (st == OTTER_OK && !ticket) /* durability none: write the removal */
        st = otter__rocks_write(s->db, b, 0, 0, err);
    if (st == OTTER_OK)
        atomic_fetch_sub(&s->n_events, 1);
    pthread_mutex_unlock(m);
    otter__entity_release(e);
    pthread_rwlock_unlock(&s->gate);
    if (st == OTTER_OK && ticket && s->opt.durability == OTTER_DURABILITY_SYNC)
        st = otter__wait_durable(s, ticket, err);
    otter_buf_free(&val);
    otter__rocks_batch_destroy(b);
    otter_instance_destroy(inst);
    return st;
}

otter_status otter_store_expire(otter_store *s, int64_t now_ms,
                                void (*fn)(void *ud, const otter_expired_event *ev), void *ud,
                                size_t *n_expired, otter_error *err)
{
    if (n_expired)
        *n_expired = 0;
    if (!s)
        return otter_error_set(err, OTTER_INVALID, "store is required");
    otter_status st = otter__check_writable(s, err);
    if (st != OTTER_OK)
        return st;
    if (!now_ms)
        now_ms = otter__clock_ms();
    otter__rocks_batch *b = NULL;
    if ((st = otter__rocks_batch_create(&b, err)) != OTTER_OK)
        return st;
    pthread_rwlock_rdlock(&s->gate);
    uint8_t hi[8];
    otter__expiry_key(now_ms + 1, NULL, 0, hi);
    otter__rocks_iter *it = NULL;
    st = otter__rocks_iter_create(s->db, OTTER__CF_EXPIRY, NULL, 0, hi, 8, 0, &it, err);
    const uint8_t *k, *v;
    size_t kl, vl;
    otter_buf val = OTTER_BUF_INIT;
    while (st == OTTER_OK && otter__rocks_iter_next(it, &k, &kl, &v, &vl)) {
        /* key: deadline(8) kg(2) name 0 id */
        const uint8_t *sep = kl > 11 ? memchr(k + 10, 0, kl - 10) : NULL;
        otter__rocks_batch_clear(b);
        otter__rocks_batch_delete(b, s->db, OTTER__CF_EXPIRY, k, kl);
        if (!sep || sep == k + 10 || (size_t)(k + kl - sep - 1) >= OTTER_EVENT_ID_MAX ||
            sep - (k + 10) > OTTER_ENTITY_NAME_MAX) {
            st = otter__rocks_write(s->db, b, 0, 0, err); /* not ours: drop it */
            continue;
        }
        char name[OTTER_ENTITY_NAME_MAX + 1], id[OTTER_EVENT_ID_MAX];
        size_t nl = (size_t)(sep - (k + 10)), il = (size_t)(k + kl - sep - 1);
        memcpy(name, k + 10, nl);
        name[nl] = 0;
        memcpy(id, sep + 1, il);
        id[il] = 0;
        uint16_t kg = (uint16_t)(k[8] << 8 | k[9]);
        int64_t deadline = 0;
        for (int i = 0; i < 8; i++)
            deadline = (int64_t)((uint64_t)deadline << 8 | k[i]);
        pthread_mutex_t *m = otter__stripe(s, kg, name, id);
        pthread_mutex_lock(m);
        int found = 0;
        otter__event_view view;
        st = otter__rocks_get(s->db, OTTER__CF_EVENTS, k + 8, kl - 8, &val, &found, err);
        if (st == OTTER_OK && found && otter__event_parse(val.data, val.len, &view) &&
            view.kind == OTTER__EVK_PAYLOAD && view.deadline == deadline) {
            otter_expired_event ev = {kg, name, id, view.payload, view.len, deadline};
            if (fn)
                fn(ud, &ev);
            otter__rocks_batch_delete(b, s->db, OTTER__CF_EVENTS, k + 8, kl - 8);
            atomic_fetch_sub(&s->n_events, 1);
            if (n_expired)
                (*n_expired)++;
        }
        /* else: a stale index entry (taken or deleted since); dropped above */
        if (st == OTTER_OK)
            st = otter__rocks_write(s->db, b, 0, 0, err);
        pthread_mutex_unlock(m);
    }
    if (st == OTTER_OK && it)
        st = otter__rocks_iter_status(it, err);
    otter__rocks_iter_destroy(it);
    otter_buf_free(&val);
    otter__rocks_batch_destroy(b);
    pthread_rwlock_unlock(&s->gate);
    if (st == OTTER_OK && s->opt.durability == OTTER_DURABILITY_SYNC)
        st = otter__wait_durable(s, otter__rocks_sequence(s->db), err);
    if (st == OTTER_OK) {
        pthread_rwlock_rdlock(&s->gate);
        st = otter__expire_bandits(s, now_ms, err);
        pthread_rwlock_unlock(&s->gate);
    }
    return st;
}

/* Pending learner events under [a, z). */
otter_status otter__count_pending(otter_store *s, const uint8_t *a, const uint8_t *z, size_t n,
                                  uint64_t *out, otter_error *err)
{
    otter__rocks_iter *it = NULL;
    otter_status st = otter__rocks_iter_create(s->db, OTTER__CF_EVENTS, a, n, z, n, 0, &it, err);
    const uint8_t *k, *v;
    size_t kl, vl;
    *out = 0;
    while (st == OTTER_OK && otter__rocks_iter_next(it, &k, &kl, &v, &vl)) {
        otter__event_view ev;
        if (otter__event_parse(v, vl, &ev) && ev.kind == OTTER__EVK_PAYLOAD)
            (*out)++;
    }
    if (st == OTTER_OK)
        st = otter__rocks_iter_status(it, err);
    otter__rocks_iter_destroy(it);
    return st;
}

/* ---- the bandits' event tables ---- */

/* One known event id: its order of insertion and whether it changed since persisted. */
typedef struct bev_entry {
    char id[OTTER_EVENT_ID_MAX];
    uint64_t order;
    uint8_t used; /* 0 empty, 1 live, 2 tombstone */
    uint8_t dirty;
    uint8_t gone; /* removed from the table, its record still to be deleted */
} bev_entry;

struct otter__bevents {
    otter__events base;
    otter__events *inner;
    size_t dim;
    bev_entry *tab;
    size_t cap, used, tombs;
    char (*dirty)[OTTER_EVENT_ID_MAX];
    size_t n_dirty, cap_dirty;
    uint64_t next_order;
    int failed; /* a dirty mark could not be recorded: persist rewrites everything */
};

static otter__bevents *B(otter__events *t)
{
    return (otter__bevents *)t;
}

static size_t bev_probe(const otter__bevents *t, const char *id, int for_insert)
{
    uint32_t h = otter_murmur3_32(id, strlen(id), 0x6576);
    size_t i = h & (t->cap - 1), tomb = (size_t)-1;
    for (;; i = (i + 1) & (t->cap - 1)) {
        const bev_entry *e = &t->tab[i];
        if (e->used == 0)
            return for_insert && tomb != (size_t)-1 ? tomb : i;
        if (e->used == 2) {
            if (tomb == (size_t)-1)
                tomb = i;
        } else if (strcmp(e->id, id) == 0)
            return i;
    }
}

static int bev_grow(otter__bevents *t)
{
    size_t cap = t->cap ? t->cap * 2 : 64;
    while (t->used * 2 >= cap)
        cap *= 2;
    bev_entry *old = t->tab;
    size_t old_cap = t->cap;
    bev_entry *tab = calloc(cap, sizeof *tab);
    if (!tab)
        return 0;
    t->tab = tab;
    t->cap = cap;
    t->tombs = 0;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].used == 1)
            t->tab[bev_probe(t, old[i].id, 1)] = old[i];
    free(old);
    return 1;
}

/* The entry for id, created when missing (NULL if out of memory). */
static bev_entry *bev_entry_for(otter__bevents *t, const char *id)
{
    if ((t->used + t->tombs + 1) * 10 >= t->cap * 7 && !bev_grow(t))
        return NULL;
    size_t i = bev_probe(t, id, 0);
    if (t->tab[i].used == 1)
        return &t->tab[i];
    i = bev_probe(t, id, 1);
    bev_entry *e = &t->tab[i];
    if (e->used == 2)
        t->tombs--;
    memset(e, 0, sizeof *e);
    snprintf(e->id, sizeof e->id, "%s", id);
    e->used = 1;
    e->order = t->next_order++;
    t->used++;
    return e;
}

/* gone: removed from the table; fresh: just put (a reused id goes to the back). */
static void bev_mark(otter__bevents *t, const char *id, int gone, int fresh)
{
    bev_entry *e = bev_entry_for(t, id);
    if (!e) {
        t->failed = 1;
        return;
    }
    if (fresh && e->gone)
        e->order = t->next_order++;
    e->gone = (uint8_t)gone;
    if (e->dirty)
        return;
    if (t->n_dirty == t->cap_dirty) {
        size_t cap = t->cap_dirty ? t->cap_dirty * 2 : 64;
        void *p = realloc(t->dirty, cap * sizeof *t->dirty);
        if (!p) {
            t->failed = 1;
            return;
        }
        t->dirty = p;
        t->cap_dirty = cap;
    }
    memcpy(t->dirty[t->n_dirty++], e->id, OTTER_EVENT_ID_MAX);
    e->dirty = 1;
}

static otter__event *bev_find(otter__events *t, const char *id)
{
    return B(t)->inner->ops->find(B(t)->inner, id);
}

static otter_status bev_put(otter__events *t, const otter__event *e, otter_error *err)
{
    otter_status st = B(t)->inner->ops->put(B(t)->inner, e, err);
    if (st == OTTER_OK)
        bev_mark(B(t), e->id, 0, 1);
    return st;
}

static void bev_update(otter__events *t, otter__event *e)
{
    B(t)->inner->ops->update(B(t)->inner, e);
    bev_mark(B(t), e->id, 0, 0);
}

static otter__event *bev_due(otter__events *t, int64_t now_ms)
{
    return B(t)->inner->ops->due(B(t)->inner, now_ms);
}

static void bev_remove(otter__events *t, otter__event *e)
{
    char id[OTTER_EVENT_ID_MAX];
    memcpy(id, e->id, sizeof id);
    B(t)->inner->ops->remove(B(t)->inner, e);
    bev_mark(B(t), id, 1, 0);
}

static size_t bev_count(const otter__events *t, int waiting_only)
{
    const otter__bevents *b = (const otter__bevents *)t;
    return b->inner->ops->count(b->inner, waiting_only);
}

static otter_status bev_each(const otter__events *t,
                             otter_status (*fn)(void *ud, const otter__event *e), void *ud)
{
    const otter__bevents *b = (const otter__bevents *)t;
    return b->inner->ops->each(b->inner, fn, ud);
}

static size_t bev_bytes(const otter__events *t)
{
    const otter__bevents *b = (const otter__bevents *)t;
    return b->inner->ops->bytes(b->inner) + b->cap * sizeof(bev_entry) +
           b->cap_dirty * OTTER_EVENT_ID_MAX;
}

static void bev_destroy(otter__events *t)
{
    otter__bevents *b = B(t);
    if (b->inner)
        b->inner->ops->destroy(b->inner);
    free(b->tab);
    free(b->dirty);
    free(b);
}

static const otter__events_ops bev_ops = {bev_find,  bev_put,  bev_update, bev_due,    bev_remove,
                                          bev_count, bev_each, bev_bytes,  bev_destroy};

uint64_t otter__bevents_next_order(const otter__bevents *t)
{
    return t->next_order;
}

/* Marks every event of the table dirty, in table order (a new or imported bandit). */
static otter_status mark_all(void *ud, const otter__event *e)
{
    otter__bevents *t = ud;
    bev_mark(t, e->id, 0, 0);
    return t->failed ? OTTER_NOMEM : OTTER_OK;
}

typedef struct loaded_ev {
    uint64_t order;
    otter__event e;
} loaded_ev;

static int by_order(const void *a, const void *b)
{
    const loaded_ev *x = a, *y = b;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Reads the bandit's persisted events and puts them into the table in their order. */
static otter_status load_events(otter_store *s, otter__entity *e, otter__bevents *t,
                                otter_error *err)
{
    uint8_t lo[OTTER__KEY_MAX], hi[OTTER__KEY_MAX];
    size_t n = otter__entity_key(e->kg, e->name, e->name_len, lo);
    memcpy(hi, lo, n);
    lo[n] = 0;
    hi[n] = 1;
    otter__rocks_iter *it = NULL;
    otter_status st =
        otter__rocks_iter_create(s->db, OTTER__CF_EVENTS, lo, n + 1, hi, n + 1, 0, &it, err);
    loaded_ev *evs = NULL;
    double *rows = NULL;
    size_t cnt = 0, cap = 0;
    const uint8_t *k, *v;
    size_t kl, vl;
    while (st == OTTER_OK && otter__rocks_iter_next(it, &k, &kl, &v, &vl)) {
        otter__event_view view;
        if (!otter__event_parse(v, vl, &view) || view.kind != OTTER__EVK_DECISION) {
            st = otter_error_set(err, OTTER_CORRUPT,
                                 "a decision of bandit '%s' in %s fails its checksum", e->name,
                                 s->db_dir);
            break;
        }
        if (cnt == cap) {
            cap = cap ? cap * 2 : 16;
            loaded_ev *ne = realloc(evs, cap * sizeof *ne);
            double *nr = t->dim ? realloc(rows, cap * t->dim * sizeof *nr) : rows;
            if (ne)
                evs = ne;
            if (nr)
                rows = nr;
            if (!ne || (t->dim && !nr)) {
                st = otter_error_set(err, OTTER_NOMEM, "out of memory");
                break;
            }
        }
        loaded_ev *le = &evs[cnt];
        le->order = view.order;
        st = otter__event_decode(e->bandit, view.payload, view.len, &le->e,
                                 t->dim ? rows + cnt * t->dim : NULL, err);
        if (st != OTTER_OK)
            otter_error_set(err, st, "a decision of bandit '%s' in %s", e->name, s->db_dir);
        cnt++;
    }
    if (st == OTTER_OK && it)
        st = otter__rocks_iter_status(it, err);
    otter__rocks_iter_destroy(it);
    if (st == OTTER_OK) {
        /* rows may have moved while growing: point each event at its row again */
        for (size_t i = 0; i < cnt; i++)
            if (evs[i].e.x)
                evs[i].e.x = rows + i * t->dim;
        if (cnt) /* evs is NULL then, which qsort may not be given */
            qsort(evs, cnt, sizeof *evs, by_order);
    }
    for (size_t i = 0; st == OTTER_OK && i < cnt; i++) {
        st = t->inner->ops->put(t->inner, &evs[i].e, err);
        bev_entry *be = st == OTTER_OK ? bev_entry_for(t, evs[i].e.id) : NULL;
        if (st == OTTER_OK && !be)
            st = otter_error_set(err, OTTER_NOMEM, "out of memory");
        if (be) {
            be->order = evs[i].order;
            if (evs[i].order >= t->next_order)
                t->next_order = evs[i].order + 1;
        }
    }
    free(evs);
    free(rows);
    return st;
}

otter_status otter__bevents_attach(otter_store *s, otter__entity *e, uint64_t next_order,
                                   int from_db, otter_error *err)
{
    otter__bevents *t = calloc(1, sizeof *t);
    if (!t)
        return otter_error_set(err, OTTER_NOMEM, "out of memory");
    t->base.ops = &bev_ops;
    t->dim = otter__bandit_dim(e->bandit);
    t->next_order = next_order;
    if (!bev_grow(t)) {
        free(t);
        return otter_error_set(err, OTTER_NOMEM, "out of memory");
    }
    t->inner = otter__bandit_swap_events(e->bandit, &t->base);
    e->bev = t;
    otter_status st = OTTER_OK;
    if (from_db)
        st = load_events(s, e, t, err);
    else if ((st = t->inner->ops->each(t->inner, mark_all, t)) != OTTER_OK)
        otter_error_set(err, st, "out of memory");
    return st;
}

/* Rewrites every event of the bandit (after a failed dirty mark). */
static otter_status rewrite_all(otter__bevents *t)
{
    t->n_dirty = 0;
    for (size_t i = 0; i < t->cap; i++)
        t->tab[i].dirty = 0;
    t->failed = 0;
    otter_status st = t->inner->ops->each(t->inner, mark_all, t);
    return st;
}

typedef struct persist_ev {
    otter_store *s;
    otter__entity *e;
    otter__rocks_batch *b;
    otter_buf tmp, rec;
    otter_error *err;
} persist_ev;

otter_status otter__bevents_persist(otter_store *s, otter__entity *e, otter__rocks_batch *b,
                                    otter_error *err)
{
    otter__bevents *t = e->bev;
    otter_status st = OTTER_OK;
    if (t->failed) {
        /* some change was not tracked: rewrite the whole table */
        uint8_t lo[OTTER__KEY_MAX], hi[OTTER__KEY_MAX];
        size_t n = otter__entity_key(e->kg, e->name, e->name_len, lo);
        memcpy(hi, lo, n);
        lo[n] = 0;
        hi[n] = 1;
        otter__rocks_batch_delete_range(b, s->db, OTTER__CF_EVENTS, lo, n + 1, hi, n + 1);
        if ((st = rewrite_all(t)) != OTTER_OK)
            return otter_error_set(err, st, "out of memory persisting decisions");
    }
    otter_buf tmp = OTTER_BUF_INIT, rec = OTTER_BUF_INIT;
    for (size_t i = 0; st == OTTER_OK && i < t->n_dirty; i++) {
        const char *id = t->dirty[i];
        uint8_t key[OTTER__KEY_MAX];
        size_t kl = otter__event_key(e->kg, e->name, e->name_len, id, key);
        size_t slot = bev_probe(t, id, 0);
        bev_entry *be = t->tab[slot].used == 1 ? &t->tab[slot] : NULL;
        otter__event *ev = be && !be->gone ? t->inner->ops->find(t->inner, id) : NULL;
        if (!ev) {
            otter__rocks_batch_delete(b, s->db, OTTER__CF_EVENTS, key, kl);
            if (be) {
                be->used = 2;
                t->used--;
                t->tombs++;
            }
            continue;
        }
        tmp.len = rec.len = 0;
        st = otter__event_encode(ev, t->dim, &tmp, err);
        if (st == OTTER_OK)
            st = otter__event_rec(&rec, OTTER__EVK_DECISION, ev->when_ms, be->order, tmp.data,
                                  tmp.len, err);
        if (st == OTTER_OK)
            otter__rocks_batch_put(b, s->db, OTTER__CF_EVENTS, key, kl, rec.data, rec.len);
        be->dirty = 0;
    }
    otter_buf_free(&tmp);
    otter_buf_free(&rec);
    if (st == OTTER_OK)
        t->n_dirty = 0;
    return st;
}
