/* The bandit's event table: decisions waiting for a reward (or an activation), and
 * resolved ones remembered for a while so that a late or duplicate reward gets the
 * right error.
 *
 * It is an interface (a methods table) so that the state store can keep events in
 * RocksDB instead of memory; bandit.c only talks to it through these methods. The
 * in-memory table (events.c) is an open-addressing index over event ids plus a binary
 * heap ordered by each event's next time (its deadline while waiting, the time it is
 * forgotten once resolved), so expiry never scans.
 */
#ifndef OTTER_BANDIT_EVENTS_INT_H
#define OTTER_BANDIT_EVENTS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "otter/bandit.h"

enum {
    OTTER__EV_PENDING = 1,  /* waiting for its reward */
    OTTER__EV_DEFERRED = 2, /* ranked with defer, not activated yet */
    OTTER__EV_REWARDED = 3, /* resolved: remembered until `when` */
    OTTER__EV_EXPIRED = 4   /* resolved: remembered until `when` */
};

typedef struct otter__event {
    char id[OTTER_EVENT_ID_MAX];
    uint32_t slot;     /* chosen arm */
    uint32_t state;    /* OTTER__EV_* */
    double propensity; /* probability the arm had when chosen */
    int64_t time_ms;   /* decision time */
    int64_t when_ms;   /* deadline while waiting; forget time once resolved */
    double *x;         /* the chosen arm's context row (dim doubles), NULL if none */
} otter__event;

typedef struct otter__events otter__events;

typedef struct otter__events_ops {
    /* Borrowed pointer to the event with this id, or NULL. Valid until the next put,
     * remove or destroy. */
    otter__event *(*find)(otter__events *t, const char *id);
    /* Adds a copy of e (and of its x row, dim doubles). The id must be new. */
    otter_status (*put)(otter__events *t, const otter__event *e, otter_error *err);
    /* e (from find/due) changed state or time: keeps the order by when_ms. Resolving
     * frees the x row. */
    void (*update)(otter__events *t, otter__event *e);
    /* The event with the smallest when_ms if it is <= now_ms, else NULL. */
    otter__event *(*due)(otter__events *t, int64_t now_ms);
    void (*remove)(otter__events *t, otter__event *e);
    /* Events by state: waiting (pending + deferred) or all. */
    size_t (*count)(const otter__events *t, int waiting_only);
    /* Calls fn on every event in the order they were put (for encode). */
    otter_status (*each)(const otter__events *t,
                         otter_status (*fn)(void *ud, const otter__event *e), void *ud);
    size_t (*bytes)(const otter__events *t);
    void (*destroy)(otter__events *t);
} otter__events_ops;

struct otter__events {
    const otter__events_ops *ops;
};

/* The in-memory table for rows of dim doubles. */
otter_status otter__events_mem_create(size_t dim, otter__events **out, otter_error *err);

/* ---- hooks for the state store (src/ckpt/), which keeps each event as its own record ---- */

/* The bandit's table (borrowed) and its context dimension. */
otter__events *otter__bandit_events(otter_bandit *b);
size_t otter__bandit_dim(const otter_bandit *b);
/* Replaces the bandit's table with t (owned by the bandit from now on) and returns the
 * old one, which the caller now owns (the store wraps it). */
otter__events *otter__bandit_swap_events(otter_bandit *b, otter__events *t);
/* The bandit's blob without its events (the store writes them per event). */
otter_status otter__bandit_encode_core(const otter_bandit *b, otter_buf *out, otter_error *err);
/* One event as bytes (appended to out), and back: decode checks the event against the
 * bandit (arm slots, dimension, state) and fills *e, whose x points into row (dim
 * doubles, the caller's). OTTER_CORRUPT for bad bytes. */
otter_status otter__event_encode(const otter__event *e, size_t dim, otter_buf *out,
                                 otter_error *err);
otter_status otter__event_decode(const otter_bandit *b, const uint8_t *p, size_t len,
                                 otter__event *e, double *row, otter_error *err);

#endif
