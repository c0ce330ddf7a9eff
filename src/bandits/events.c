/* The in-memory event table (see events_int.h).
 *
 * Events live in a slab (indices stay valid; freed slots are reused through a free
 * list). An open-addressing index (linear probing, backward-shift deletion) maps the
 * MurmurHash3 of an id to its slot. A binary heap of slots is ordered by (when_ms,
 * sequence of insertion), so expiry is O(log n) per event and ties resolve in insertion
 * order, which a decoded table reproduces. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "events_int.h"
#include "otter/hash.h"

typedef struct ev_slot {
    otter__event e;
    uint64_t seq;  /* insertion order */
    uint32_t heap; /* position in the heap */
    uint32_t hash;
    int used;
} ev_slot;

typedef struct mem_table {
    otter__events base;
    size_t dim;
    ev_slot *slots;
    size_t n_slots, cap_slots;
    uint32_t *free_list;
    size_t n_free;
    uint32_t *index; /* slot + 1, 0 = empty */
    size_t index_cap;
    uint32_t *heap;
    size_t n_heap;
    size_t live;
    uint64_t next_seq;
    size_t x_bytes;
} mem_table;

static mem_table *T(otter__events *t)
{
    return (mem_table *)t;
}

static int waiting(uint32_t state)
{
    return state == OTTER__EV_PENDING || state == OTTER__EV_DEFERRED;
}

/* ---- heap ---- */

static int before(const mem_table *m, uint32_t a, uint32_t b)
{
    const ev_slot *x = &m->slots[a], *y = &m->slots[b];
    if (x->e.when_ms != y->e.when_ms)
        return x->e.when_ms < y->e.when_ms;
    return x->seq < y->seq;
}

static void heap_set(mem_table *m, size_t i, uint32_t s)
{
    m->heap[i] = s;
    m->slots[s].heap = (uint32_t)i;
}

static void sift_up(mem_table *m, size_t i)
{
    uint32_t s = m->heap[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!before(m, s, m->heap[p]))
            break;
        heap_set(m, i, m->heap[p]);
        i = p;
    }
    heap_set(m, i, s);
}

static void sift_down(mem_table *m, size_t i)
{
    uint32_t s = m->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= m->n_heap)
            break;
        if (c + 1 < m->n_heap && before(m, m->heap[c + 1], m->heap[c]))
            c++;
        if (!before(m, m->heap[c], s))
            break;
        heap_set(m, i, m->heap[c]);
        i = c;
    }
    heap_set(m, i, s);
}

static void heap_fix(mem_table *m, size_t i)
{
    if (i > 0 && before(m, m->heap[i], m->heap[(i - 1) / 2]))
        sift_up(m, i);
    else
        sift_down(m, i);
}

/* ---- index ---- */

static uint32_t id_hash(const char *id)
{
    return otter_murmur3_32(id, strlen(id), 0x6576u);
}

static size_t probe_find(const mem_table *m, const char *id, uint32_t h)
{
    size_t mask = m->index_cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        uint32_t v = m->index[i];
        if (!v)
            return i;
        const ev_slot *s = &m->slots[v - 1];
        if (s->hash == h && strcmp(s->e.id, id) == 0)
            return i;
    }
}

static int index_grow(mem_table *m)
{
    size_t nc = m->index_cap ? m->index_cap * 2 : 64;
    uint32_t *ni = calloc(nc, sizeof *ni);
    if (!ni)
        return 0;
    for (size_t i = 0; i < m->index_cap; i++) {
        uint32_t v = m->index[i];
        if (!v)
            continue;
        size_t j = m->slots[v - 1].hash & (nc - 1);
        while (ni[j])
            j = (j + 1) & (nc - 1);
        ni[j] = v;
    }
    free(m->index);
    m->index = ni;
    m->index_cap = nc;
    return 1;
}

/* Backward-shift deletion keeps probe chains intact without tombstones. */
static void index_delete(mem_table *m, size_t i)
{
    size_t mask = m->index_cap - 1;
    m->index[i] = 0;
    for (size_t j = (i + 1) & mask; m->index[j]; j = (j + 1) & mask) {
        size_t home = m->slots[m->index[j] - 1].hash & mask;
        /* move j back to i when its home is not in (i, j] (cyclically) */
        if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
            m->index[i] = m->index[j];
            m->index[j] = 0;
            i = j;
        }
    }
}

/* ---- methods ---- */

static otter__event *mem_find(otter__events *t, const char *id)
{
    mem_table *m = T(t);
    if (!m->index_cap)
        return NULL;
    uint32_t v = m->index[probe_find(m, id, id_hash(id))];
    return v ? &m->slots[v - 1].e : NULL;
}

static ev_slot *slot_of(otter__event *e)
{
    return (ev_slot *)((char *)e - offsetof(ev_slot, e));
}

static otter_status nomem(otter_error *err)
{
    return otter_error_set(err, OTTER_NOMEM, "out of memory in the event table");
}

static otter_status mem_put(otter__events *t, const otter__event *e, otter_error *err)
{
    mem_table *m = T(t);
    if ((m->live + 1) * 2 > m->index_cap && !index_grow(m))
        return nomem(err);
    double *x = NULL;
    if (e->x && m->dim) {
        if (!(x = malloc(m->dim * sizeof *x)))
            return nomem(err);
        memcpy(x, e->x, m->dim * sizeof *x);
    }
    uint32_t s;
    if (m->n_free) {
        s = m->free_list[--m->n_free];
    } else {
        if (m->n_slots == m->cap_slots) {
            size_t nc = m->cap_slots ? m->cap_slots * 2 : 64;
            ev_slot *ns = realloc(m->slots, nc * sizeof *ns);
            uint32_t *nh = ns ? realloc(m->heap, nc * sizeof *nh) : NULL;
            uint32_t *nf = nh ? realloc(m->free_list, nc * sizeof *nf) : NULL;
            if (ns)
                m->slots = ns;
            if (nh)
                m->heap = nh;
            if (nf)
                m->free_list = nf;
            if (!nf) {
                free(x);
                return nomem(err);
            }
            m->cap_slots = nc;
        }
        s = (uint32_t)m->n_slots++;
    }
    ev_slot *sl = &m->slots[s];
    sl->e = *e;
    sl->e.x = x;
    sl->seq = m->next_seq++;
    sl->hash = id_hash(e->id);
    sl->used = 1;
    m->index[probe_find(m, e->id, sl->hash)] = s + 1;
    m->heap[m->n_heap] = s;
    sl->heap = (uint32_t)m->n_heap++;
    sift_up(m, sl->heap);
    m->live++;
    m->x_bytes += x ? m->dim * sizeof *x : 0;
    return OTTER_OK;
}

static void mem_update(otter__events *t, otter__event *e)
{
    mem_table *m = T(t);
    ev_slot *sl = slot_of(e);
    if (!waiting(e->state) && e->x) {
        free(e->x);
        e->x = NULL;
        m->x_bytes -= m->dim * sizeof(double);
    }
    heap_fix(m, sl->heap);
}

static otter__event *mem_due(otter__events *t, int64_t now_ms)
{
    mem_table *m = T(t);
    if (!m->n_heap)
        return NULL;
    otter__event *e = &m->slots[m->heap[0]].e;
    return e->when_ms <= now_ms ? e : NULL;
}

static void mem_remove(otter__events *t, otter__event *e)
{
    mem_table *m = T(t);
    ev_slot *sl = slot_of(e);
    uint32_t s = (uint32_t)(sl - m->slots);
    index_delete(m, probe_find(m, e->id, sl->hash));
    size_t h = sl->heap;
    m->n_heap--;
    if (h < m->n_heap) {
        heap_set(m, h, m->heap[m->n_heap]);
        heap_fix(m, h);
    }
    if (e->x) {
        free(e->x);
        m->x_bytes -= m->dim * sizeof(double);
    }
    m->live--;
    sl->used = 0;
    m->free_list[m->n_free++] = s;
}

static size_t mem_count(const otter__events *t, int waiting_only)
{
    const mem_table *m = (const mem_table *)t;
    if (!waiting_only)
        return m->live;
    size_t n = 0;
    for (size_t i = 0; i < m->n_slots; i++)
        n += m->slots[i].used && waiting(m->slots[i].e.state);
    return n;
}

static int by_seq(const void *a, const void *b)
{
    uint64_t x = ((const ev_slot *const *)a)[0]->seq, y = ((const ev_slot *const *)b)[0]->seq;
    return x < y ? -1 : x > y;
}

static otter_status mem_each(const otter__events *t,
                             otter_status (*fn)(void *ud, const otter__event *e), void *ud)
{
    const mem_table *m = (const mem_table *)t;
    const ev_slot **order = malloc((m->live ? m->live : 1) * sizeof *order);
    if (!order)
        return OTTER_NOMEM;
    size_t n = 0;
    for (size_t i = 0; i < m->n_slots; i++)
        if (m->slots[i].used)
            order[n++] = &m->slots[i];
    qsort(order, n, sizeof *order, by_seq);
    otter_status st = OTTER_OK;
    for (size_t i = 0; i < n && st == OTTER_OK; i++)
        st = fn(ud, &order[i]->e);
    free(order);
    return st;
}

static size_t mem_bytes(const otter__events *t)
{
    const mem_table *m = (const mem_table *)t;
    return sizeof *m + m->cap_slots * (sizeof *m->slots + 2 * sizeof(uint32_t)) +
           m->index_cap * sizeof *m->index + m->x_bytes;
}

static void mem_destroy(otter__events *t)
{
    mem_table *m = T(t);
    if (!m)
        return;
    for (size_t i = 0; i < m->n_slots; i++)
        if (m->slots[i].used)
            free(m->slots[i].e.x);
    free(m->slots);
    free(m->free_list);
    free(m->index);
    free(m->heap);
    free(m);
}

static const otter__events_ops mem_ops = {
    mem_find, mem_put, mem_update, mem_due, mem_remove, mem_count, mem_each, mem_bytes, mem_destroy,
};

otter_status otter__events_mem_create(size_t dim, otter__events **out, otter_error *err)
{
    mem_table *m = calloc(1, sizeof *m);
    if (!m)
        return nomem(err);
    m->base.ops = &mem_ops;
    m->dim = dim;
    *out = &m->base;
    return OTTER_OK;
}
