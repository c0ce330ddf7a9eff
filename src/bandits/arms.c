/* Per-arm reward statistics for the non-contextual policies (see arms_int.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "arms_int.h"

otter_status otter__arms_init(otter__arms *s, double gamma, size_t window, otter_error *err)
{
    memset(s, 0, sizeof *s);
    s->gamma = gamma;
    s->window = window;
    if (window) {
        s->ring_slot = malloc(window * sizeof *s->ring_slot);
        s->ring_val = malloc(window * sizeof *s->ring_val);
        if (!s->ring_slot || !s->ring_val) {
            otter__arms_free(s);
            return otter_error_set(err, OTTER_NOMEM, "out of memory for the reward window");
        }
    }
    return OTTER_OK;
}

void otter__arms_free(otter__arms *s)
{
    free(s->a);
    free(s->ring_slot);
    free(s->ring_val);
    memset(s, 0, sizeof *s);
}

otter_status otter__arms_add(otter__arms *s, uint32_t slot, otter_error *err)
{
    if (slot >= s->cap) {
        size_t nc = s->cap ? s->cap : 8;
        while (nc <= slot)
            nc *= 2;
        otter__arm *a = realloc(s->a, nc * sizeof *a);
        if (!a)
            return otter_error_set(err, OTTER_NOMEM, "out of memory adding an arm");
        memset(a + s->cap, 0, (nc - s->cap) * sizeof *a);
        s->a = a;
        s->cap = nc;
    }
    if (slot >= s->n_slots)
        s->n_slots = (size_t)slot + 1;
    s->a[slot] = (otter__arm){0, 0, 0, s->t, 0, 0, 1};
    return OTTER_OK;
}

void otter__arms_remove(otter__arms *s, uint32_t slot)
{
    if (slot < s->n_slots)
        s->a[slot].live = 0;
}

/* Brings an arm's discounted numbers to the current step. */
static void catch_up(const otter__arms *s, const otter__arm *a, double *n, double *sum,
                     double *sum2)
{
    double f = s->gamma < 1.0 ? pow(s->gamma, (double)(s->t - a->t_last)) : 1.0;
    *n = a->n * f;
    *sum = a->s * f;
    *sum2 = a->s2 * f;
}

void otter__arms_update(otter__arms *s, uint32_t slot, double reward)
{
    s->t++;
    otter__arm *a = &s->a[slot];
    if (s->gamma < 1.0) {
        /* all arms fade by gamma per update, this one included, then it adds 1 */
        catch_up(s, a, &a->n, &a->s, &a->s2);
        a->t_last = s->t;
    }
    a->n += 1.0;
    a->s += reward;
    a->s2 += reward * reward;
    a->pulls++;
    a->total += reward;
    if (!s->window)
        return;
    if (s->len == s->window) {
        uint32_t old = s->ring_slot[s->head];
        double v = s->ring_val[s->head];
        otter__arm *o = &s->a[old];
        if (o->live) {
            o->n -= 1.0;
            o->s -= v;
            o->s2 -= v * v;
            if (o->n < 0.5) /* exactly empty: drop rounding residue */
                o->n = o->s = o->s2 = 0.0;
        }
        s->head = (s->head + 1) % s->window;
        s->len--;
    }
    size_t at = (s->head + s->len) % s->window;
    s->ring_slot[at] = slot;
    s->ring_val[at] = reward;
    s->len++;
}

void otter__arms_get(const otter__arms *s, uint32_t slot, double *n, double *sum, double *sum2)
{
    double a, b, c;
    catch_up(s, &s->a[slot], &a, &b, &c);
    if (n)
        *n = a;
    if (sum)
        *sum = b;
    if (sum2)
        *sum2 = c;
}

double otter__arms_total(const otter__arms *s)
{
    double t = 0;
    for (size_t i = 0; i < s->n_slots; i++)
        if (s->a[i].live) {
            double n;
            otter__arms_get(s, (uint32_t)i, &n, NULL, NULL);
            t += n;
        }
    return t;
}

void otter__arms_stats(const otter__arms *s, uint32_t slot, otter_arm_stats *out)
{
    double n, sum;
    otter__arms_get(s, slot, &n, &sum, NULL);
    out->pulls = s->a[slot].pulls;
    out->reward_sum = s->a[slot].total;
    out->mean = n > 0 ? sum / n : NAN;
    out->estimate = out->lower = out->upper = out->prob_best = NAN;
}

/* State: u64 t, u32 slots, per slot u8 live, f64 n, s, s2, u64 t_last, pulls, f64
 * total; u32 window length, then (u32 slot, f64 reward) oldest first. */
void otter__arms_encode(const otter__arms *s, otter__wr *w)
{
    otter__wr_u64(w, s->t);
    otter__wr_u32(w, (uint32_t)s->n_slots);
    for (size_t i = 0; i < s->n_slots; i++) {
        const otter__arm *a = &s->a[i];
        otter__wr_u8(w, (uint8_t)a->live);
        otter__wr_f64(w, a->n);
        otter__wr_f64(w, a->s);
        otter__wr_f64(w, a->s2);
        otter__wr_u64(w, a->t_last);
        otter__wr_u64(w, a->pulls);
        otter__wr_f64(w, a->total);
    }
    otter__wr_u32(w, (uint32_t)s->len);
    for (size_t i = 0; i < s->len; i++) {
        size_t at = (s->head + i) % s->window;
        otter__wr_u32(w, s->ring_slot[at]);
        otter__wr_f64(w, s->ring_val[at]);
    }
}

otter_status otter__arms_decode(otter__arms *s, otter__rd *r, otter_error *err)
{
    s->t = otter__rd_u64(r);
    uint32_t n = otter__rd_u32(r);
    if (!otter__rd_ok(r) || n > (r->len - r->pos) / 49)
        return otter_error_set(err, OTTER_CORRUPT, "bandit state: bad arm statistics count");
    for (uint32_t i = 0; i < n; i++) {
        otter_status st = otter__arms_add(s, i, err);
        if (st != OTTER_OK)
            return st;
        otter__arm *a = &s->a[i];
        uint8_t live = otter__rd_u8(r);
        a->n = otter__rd_f64(r);
        a->s = otter__rd_f64(r);
        a->s2 = otter__rd_f64(r);
        a->t_last = otter__rd_u64(r);
        a->pulls = otter__rd_u64(r);
        a->total = otter__rd_f64(r);
        a->live = live;
        if (!otter__rd_ok(r) || live > 1 || !(a->n >= 0) || !isfinite(a->n) || !isfinite(a->s) ||
            !(a->s2 >= 0) || !isfinite(a->s2) || !isfinite(a->total) || a->t_last > s->t)
            return otter_error_set(err, OTTER_CORRUPT, "bandit state: bad arm statistics");
    }
    uint32_t len = otter__rd_u32(r);
    if (!otter__rd_ok(r) || len > s->window)
        return otter_error_set(err, OTTER_CORRUPT, "bandit state: bad reward window");
    for (uint32_t i = 0; i < len; i++) {
        s->ring_slot[i] = otter__rd_u32(r);
        s->ring_val[i] = otter__rd_f64(r);
        if (!otter__rd_ok(r) || s->ring_slot[i] >= n || !isfinite(s->ring_val[i]))
            return otter_error_set(err, OTTER_CORRUPT, "bandit state: bad reward window");
    }
    s->head = 0;
    s->len = len;
    return OTTER_OK;
}

size_t otter__arms_bytes(const otter__arms *s)
{
    return s->cap * sizeof *s->a + s->window * (sizeof *s->ring_slot + sizeof *s->ring_val);
}

/* Draws per candidate from `draw`, counts how often each is the largest. */
void otter__arms_normal_stats(const otter__arms *s, const uint32_t *slot, size_t n, otter_rng *rng,
                              otter_arm_stats *out)
{
    enum { DRAWS = 1000 };
    for (size_t i = 0; i < n; i++) {
        otter__arms_stats(s, slot[i], &out[i]);
        double cnt, sum, sum2;
        otter__arms_get(s, slot[i], &cnt, &sum, &sum2);
        out[i].estimate = out[i].mean;
        if (cnt > 0) {
            double var = cnt > 1 ? (sum2 - sum * sum / cnt) / (cnt - 1) : 0.25;
            double se = sqrt((var > 0 ? var : 0) / cnt);
            out[i].lower = out[i].mean - 1.959963984540054 * se;
            out[i].upper = out[i].mean + 1.959963984540054 * se;
        }
        out[i].prob_best = 0;
    }
    for (int d = 0; d < DRAWS; d++) {
        size_t best = SIZE_MAX;
        double bv = -INFINITY;
        for (size_t i = 0; i < n; i++) {
            if (!(out[i].upper >= out[i].lower))
                continue;
            double se = (out[i].upper - out[i].lower) / (2 * 1.959963984540054);
            double v = out[i].mean + se * otter_rng_normal(rng);
            if (v > bv) {
                bv = v;
                best = i;
            }
        }
        if (best != SIZE_MAX)
            out[best].prob_best += 1; /* a count, divided once below: never above 1 */
    }
    for (size_t i = 0; i < n; i++)
        out[i].prob_best = out[i].upper >= out[i].lower ? out[i].prob_best / DRAWS : NAN;
}
