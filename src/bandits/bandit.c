/* Generic bandit handle: the common parameters, the arm table, the context vectors,
 * the decision RNG, event ids, the event table (pending decisions, delayed rewards,
 * deferral and expiry) and the blob frame around each policy's payload. Everything
 * policy-specific is behind otter_bandit_type, so the doors never switch on it.
 *
 * Payload (after the OTR1 frame's type and params): u64 event counter, decisions,
 * rewards, expired, dropped; u32 next arm slot; u32 arms, each u32 slot and str name
 * (creation order); u32 events, each str id, u32 slot, u8 state, f64 propensity, i64
 * time, i64 when, u8 has-row (+ dim f64); then the policy's payload to the end. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bandits_int.h"
#include "core/codec_int.h"
#include "core/params_int.h"
#include "events_int.h"
#include "otter/context.h"
#include "otter/hash.h"

/* Rewards are bounded so that squared sums stay finite in every policy. */
#define OTTER__MAX_REWARD 1e100

enum { C_SEED, C_DIM, C_FEATURES, C_WAIT, C_DEFAULT, C_REMEMBER, C_COUNT };

static const otter_param_spec common_params[C_COUNT] = {
    {"seed", OTTER_PARAM_INT, "1", 0, 9007199254740991.0, 0, NULL,
     "seed of every random choice (a decision's RNG is seeded by seed and event id)"},
    {"dim", OTTER_PARAM_INT, "16", 1, 4096, 0, NULL, "context dimension d of contextual policies"},
    {"features", OTTER_PARAM_STRING, "", 0, 0, 0, NULL,
     "comma list of numeric features mapped to dimensions 0.. in order (empty: hashed)"},
    {"reward_wait", OTTER_PARAM_DOUBLE, "600", 0, 1e9, OTTER_PARAM_MIN_EXCLUSIVE, NULL,
     "seconds a decision waits for its reward before it expires"},
    {"default_reward", OTTER_PARAM_STRING, "0", 0, 0, 0, NULL,
     "reward learned for a decision that expires, or none"},
    {"remember", OTTER_PARAM_DOUBLE, "600", 0, 1e9, 0, NULL,
     "seconds a resolved decision's id is kept, so a late or repeated reward gets its "
     "exact error (0: forgotten at once, less memory at high rates)"},
};

typedef struct bandit_arm {
    char *name;
    uint32_t slot;
} bandit_arm;

struct otter_bandit {
    const otter_bandit_type *type;
    void *self;
    char *params_text;
    size_t params_len;
    uint64_t seed;
    size_t dim; /* 0 for non-contextual policies */
    int64_t wait_ms, remember_ms;
    int has_default;
    double default_reward;
    char **feat; /* named mapping, n_feat names */
    size_t n_feat;
    bandit_arm *arms;
    size_t n_arms, cap_arms;
    uint32_t next_slot;
    otter__events *events;
    uint64_t next_event, decisions, rewards, expired, dropped;
    /* rank scratch: candidates, rows, scores, probabilities, order */
    uint32_t *cand;
    size_t *cand_arm;
    double *x, *score, *prob;
    size_t *order;
    size_t scratch_cap;
};

/* ---- parameters ---- */

size_t otter__bandit_common_count(void)
{
    return C_COUNT;
}

const otter_param_spec *otter__bandit_common_params(void)
{
    return common_params;
}

/* The common specs followed by the type's, in one table (owned by the caller). */
static otter_param_spec *all_specs(const otter_bandit_type *t, otter_error *err)
{
    otter_param_spec *s = malloc((C_COUNT + t->n_params) * sizeof *s);
    if (!s) {
        otter_error_set(err, OTTER_NOMEM, "out of memory");
        return NULL;
    }
    memcpy(s, common_params, sizeof common_params);
    if (t->n_params)
        memcpy(s + C_COUNT, t->params, t->n_params * sizeof *s);
    return s;
}

static otter_status parse_default(const char *text, int *has, double *v, otter_error *err)
{
    if (strcmp(text, "none") == 0) {
        *has = 0;
        return OTTER_OK;
    }
    char *end;
    *v = strtod(text, &end);
    if (end == text || *end || !isfinite(*v) || fabs(*v) > OTTER__MAX_REWARD)
        return otter_error_set(err, OTTER_INVALID,
                               "parameter 'default_reward' must be a finite number or none, "
                               "got '%.64s'",
                               text);
    *has = 1;
    return OTTER_OK;
}

/* Splits the features list into names (unique, non-empty, at most dim of them). */
static otter_status parse_features(otter_bandit *b, const char *text, otter_error *err)
{
    if (!*text)
        return OTTER_OK;
    size_t n = 1;
    for (const char *p = text; *p; p++)
        n += *p == ',';
    if (n > b->dim)
        return otter_error_set(err, OTTER_INVALID,
                               "parameter 'features' names %zu features but dim is %zu", n, b->dim);
    if (!(b->feat = calloc(n, sizeof *b->feat)))
        return otter_error_set(err, OTTER_NOMEM, "out of memory");
    for (const char *p = text;;) {
        size_t len = strcspn(p, ",");
        if (len == 0)
            return otter_error_set(err, OTTER_INVALID, "parameter 'features' has an empty name");
        char *name = malloc(len + 1);
        if (!name)
            return otter_error_set(err, OTTER_NOMEM, "out of memory");
        memcpy(name, p, len);
        name[len] = '\0';
        for (size_t i = 0; i < b->n_feat; i++)
            if (strcmp(b->feat[i], name) == 0) {
                free(name);
                return otter_error_set(err, OTTER_INVALID, "parameter 'features' names '%s' twice",
                                       b->feat[i]);
            }
        b->feat[b->n_feat++] = name;
        if (!p[len])
            break;
        p += len + 1;
    }
    return OTTER_OK;
}

/* Resolves params (common + the type's), checks, renders canonical text into canon
 * (NUL-terminated) and sets the common fields of b. */
static otter_status resolve(otter_bandit *b, const otter_params *params,
                            otter_param_value **values_out, otter_buf *canon, otter_error *err)
{
    const otter_bandit_type *t = b->type;
    otter_param_spec *specs = all_specs(t, err);
    if (!specs)
        return OTTER_NOMEM;
    otter_param_value *v = calloc(C_COUNT + t->n_params, sizeof *v);
    otter_status st = v ? OTTER_OK : otter_error_set(err, OTTER_NOMEM, "out of memory");
    if (st == OTTER_OK)
        st = otter_params_resolve(specs, C_COUNT + t->n_params, params, v, err);
    if (st == OTTER_OK && t->check)
        st = t->check(v + C_COUNT, err);
    if (st == OTTER_OK)
        st = parse_default(v[C_DEFAULT].s, &b->has_default, &b->default_reward, err);
    if (st == OTTER_OK) {
        b->seed = (uint64_t)v[C_SEED].i;
        b->dim = t->contextual ? (size_t)v[C_DIM].i : 0;
        b->wait_ms = (int64_t)llround(v[C_WAIT].d * 1000.0);
        if (b->wait_ms < 1)
            b->wait_ms = 1;
        b->remember_ms = (int64_t)llround(v[C_REMEMBER].d * 1000.0);
        if (t->contextual)
            st = parse_features(b, v[C_FEATURES].s, err);
    }
    if (st == OTTER_OK)
        st = otter_params_canonical(specs, C_COUNT + t->n_params, v, canon, err);
    if (st == OTTER_OK)
        st = otter_buf_append(canon, "", 1, err);
    free(specs);
    if (st != OTTER_OK) {
        free(v);
        return st;
    }
    *values_out = v;
    return OTTER_OK;
}

/* ---- arms ---- */

static otter_status check_arm_name(const char *name, otter_error *err)
{
    size_t len = name ? strlen(name) : 0;
    if (len == 0 || len >= OTTER_ARM_NAME_MAX)
        return otter_error_set(err, OTTER_INVALID, "arm names must be 1..%d bytes",
                               OTTER_ARM_NAME_MAX - 1);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
            return otter_error_set(err, OTTER_INVALID,
                                   "arm name '%.64s' contains a control character", name);
    return OTTER_OK;
}

static size_t find_arm(const otter_bandit *b, const char *name)
{
    for (size_t i = 0; i < b->n_arms; i++)
        if (strcmp(b->arms[i].name, name) == 0)
            return i;
    return SIZE_MAX;
}

static int slot_live(const otter_bandit *b, uint32_t slot, size_t *index)
{
    for (size_t i = 0; i < b->n_arms; i++)
        if (b->arms[i].slot == slot) {
            if (index)
                *index = i;
            return 1;
        }
    return 0;
}

/* Appends an arm (name copied) with the given slot; the policy is not told. */
static otter_status push_arm(otter_bandit *b, const char *name, size_t len, uint32_t slot,
                             otter_error *err)
{
    if (b->n_arms == b->cap_arms) {
        size_t nc = b->cap_arms ? b->cap_arms * 2 : 8;
        bandit_arm *na = realloc(b->arms, nc * sizeof *na);
        if (!na)
            return otter_error_set(err, OTTER_NOMEM, "out of memory adding an arm");
        b->arms = na;
        b->cap_arms = nc;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return otter_error_set(err, OTTER_NOMEM, "out of memory adding an arm");
    memcpy(copy, name, len);
    copy[len] = '\0';
    b->arms[b->n_arms++] = (bandit_arm){copy, slot};
    return OTTER_OK;
}

otter_status otter_bandit_add_arm(otter_bandit *b, const char *arm, otter_error *err)
{
    if (!b)
        return otter_error_set(err, OTTER_INVALID, "bandit is required");
    otter_status st = check_arm_name(arm, err);
    if (st != OTTER_OK)
        return st;
    if (find_arm(b, arm) != SIZE_MAX)
        return otter_error_set(err, OTTER_EXISTS, "arm '%s' already exists", arm);
    if (b->next_slot == UINT32_MAX)
        return otter_error_set(err, OTTER_STATE, "no arm slots left");
    if ((st = push_arm(b, arm, strlen(arm), b->next_slot, err)) != OTTER_OK)
        return st;
    if ((st = b->type->add_arm(b->self, b->next_slot, err)) != OTTER_OK) {
        free(b->arms[--b->n_arms].name);
        return st;
    }
    b->next_slot++;
    return OTTER_OK;
}

otter_status otter_bandit_remove_arm(otter_bandit *b, const char *arm, otter_error *err)
{
    if (!b || !arm)
        return otter_error_set(err, OTTER_INVALID, "bandit and arm are required");
    size_t i = find_arm(b, arm);
    if (i == SIZE_MAX)
        return otter_error_set(err, OTTER_NOT_FOUND, "no arm '%.64s'", arm);
    if (b->n_arms == 1)
        return otter_error_set(err, OTTER_STATE, "cannot remove the last arm '%s'", arm);
    b->type->remove_arm(b->self, b->arms[i].slot);
    free(b->arms[i].name);
    memmove(b->arms + i, b->arms + i + 1, (b->n_arms - i - 1) * sizeof *b->arms);
    b->n_arms--;
    return OTTER_OK;
}

size_t otter_bandit_arm_count(const otter_bandit *b)
{
    return b->n_arms;
}

const char *otter_bandit_arm_at(const otter_bandit *b, size_t i)
{
    return i < b->n_arms ? b->arms[i].name : NULL;
}

/* ---- create / destroy ---- */

static void bandit_free(otter_bandit *b)
{
    if (!b)
        return;
    if (b->self)
        b->type->destroy(b->self);
    if (b->events)
        b->events->ops->destroy(b->events);
    for (size_t i = 0; i < b->n_arms; i++)
        free(b->arms[i].name);
    free(b->arms);
    for (size_t i = 0; i < b->n_feat; i++)
        free(b->feat[i]);
    free(b->feat);
    free(b->params_text);
    free(b->cand);
    free(b->cand_arm);
    free(b->x);
    free(b->score);
    free(b->prob);
    free(b->order);
    free(b);
}

void otter_bandit_destroy(otter_bandit *b)
{
    bandit_free(b);
}

/* A handle with params resolved and the event table made; no policy state yet. */
static otter_status shell(const otter_bandit_type *t, const otter_params *params,
                          otter_param_value **values, otter_bandit **out, otter_error *err)
{
    otter_bandit *b = calloc(1, sizeof *b);
    if (!b)
        return otter_error_set(err, OTTER_NOMEM, "cannot allocate bandit");
    b->type = t;
    otter_buf canon = OTTER_BUF_INIT;
    otter_status st = resolve(b, params, values, &canon, err);
    if (st == OTTER_OK && (st = otter__events_mem_create(b->dim, &b->events, err)) != OTTER_OK) {
        free(*values); /* resolve's, which the caller only frees on success */
        *values = NULL;
    }
    if (st != OTTER_OK) {
        otter_buf_free(&canon);
        bandit_free(b);
        return st;
    }
    b->params_text = (char *)canon.data;
    b->params_len = canon.len - 1;
    *out = b;
    return OTTER_OK;
}

otter_status otter_bandit_create(const otter_context *ctx, const char *type,
                                 const otter_params *params, const char *const *arms, size_t n_arms,
                                 otter_bandit **out, otter_error *err)
{
    if (!out)
        return otter_error_set(err, OTTER_INVALID, "output pointer is required");
    const otter_bandit_type *t = otter_context_find_bandit(ctx, type);
    if (!t)
        return otter_error_set(err, OTTER_NOT_FOUND, "unknown bandit policy '%s'",
                               type ? type : "(null)");
    if (!arms || n_arms == 0)
        return otter_error_set(err, OTTER_INVALID, "a bandit needs at least one arm");
    for (size_t i = 0; i < n_arms; i++) {
        otter_status st = check_arm_name(arms[i], err);
        if (st != OTTER_OK)
            return st;
        for (size_t j = 0; j < i; j++)
            if (strcmp(arms[i], arms[j]) == 0)
                return otter_error_set(err, OTTER_INVALID, "arm '%s' is listed twice", arms[i]);
    }
    otter_param_value *v = NULL;
    otter_bandit *b = NULL;
    otter_status st = shell(t, params, &v, &b, err);
    if (st != OTTER_OK)
        return st;
    st = t->create(v + C_COUNT, b->dim, &b->self, err);
    free(v);
    for (size_t i = 0; i < n_arms && st == OTTER_OK; i++)
        st = otter_bandit_add_arm(b, arms[i], err);
    if (st != OTTER_OK) {
        bandit_free(b);
        return st;
    }
    *out = b;
    return OTTER_OK;
}

/* ---- time, ids, RNG ---- */

static int64_t now_or_clock(int64_t now_ms)
{
    if (now_ms)
        return now_ms;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static uint64_t hash64(const char *s, uint64_t seed)
{
    size_t n = strlen(s);
    uint64_t hi = otter_murmur3_32(s, n, (uint32_t)seed), lo = otter_murmur3_32(s, n, 0x9747b28cu);
    return mix64(seed ^ (hi << 32 | lo));
}

static otter_status check_event_id(const char *id, otter_error *err)
{
    size_t len = strlen(id);
    if (len == 0 || len >= OTTER_EVENT_ID_MAX)
        return otter_error_set(err, OTTER_INVALID, "event ids must be 1..%d bytes",
                               OTTER_EVENT_ID_MAX - 1);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)id[i] <= 0x20 || id[i] == 0x7f)
            return otter_error_set(err, OTTER_INVALID,
                                   "event id '%.64s' contains a space or control character", id);
    return OTTER_OK;
}

/* ---- expiry ---- */

/* A decision was rewarded or expired: keep its id until when_ms, or drop it now. */
static void resolved(otter_bandit *b, otter__event *e)
{
    if (b->remember_ms > 0)
        b->events->ops->update(b->events, e);
    else
        b->events->ops->remove(b->events, e);
}

static otter_status learn(otter_bandit *b, const otter__event *e, double reward, otter_error *err)
{
    if (!slot_live(b, e->slot, NULL)) {
        b->dropped++;
        return OTTER_OK;
    }
    otter_status st = b->type->update(b->self, e->slot, e->x, reward, e->propensity, err);
    if (st == OTTER_OK)
        b->rewards++;
    return st;
}

otter_status otter_bandit_expire(otter_bandit *b, int64_t now_ms, size_t *n_expired,
                                 otter_error *err)
{
    if (n_expired)
        *n_expired = 0;
    if (!b)
        return otter_error_set(err, OTTER_INVALID, "bandit is required");
    now_ms = now_or_clock(now_ms);
    otter__events *t = b->events;
    for (otter__event *e; (e = t->ops->due(t, now_ms));) {
        if (e->state != OTTER__EV_PENDING && e->state != OTTER__EV_DEFERRED) {
            t->ops->remove(t, e); /* resolved long enough ago: forgotten */
            continue;
        }
        if (e->state == OTTER__EV_PENDING && b->has_default) {
            /* A policy may refuse the default (a Bernoulli model and a default of 2):
             * the decision is dropped rather than left to block every later call. */
            otter_error inner = {0};
            otter_status st = learn(b, e, b->default_reward, &inner);
            if (st == OTTER_INVALID)
                b->dropped++;
            else if (st != OTTER_OK)
                return otter_error_set(err, st, "%s", inner.message);
        }
        e->state = OTTER__EV_EXPIRED;
        e->when_ms += b->remember_ms;
        resolved(b, e);
        b->expired++;
        if (n_expired)
            (*n_expired)++;
    }
    return OTTER_OK;
}

/* ---- rank ---- */

static int grow_scratch(otter_bandit *b, size_t n)
{
    if (n <= b->scratch_cap)
        return 1;
    size_t nc = b->scratch_cap ? b->scratch_cap : 16;
    while (nc < n)
        nc *= 2;
    uint32_t *c = realloc(b->cand, nc * sizeof *c);
    if (c)
        b->cand = c;
    size_t *ca = c ? realloc(b->cand_arm, nc * sizeof *ca) : NULL;
    if (ca)
        b->cand_arm = ca;
    double *s = ca ? realloc(b->score, nc * sizeof *s) : NULL;
    if (s)
        b->score = s;
    double *p = s ? realloc(b->prob, nc * sizeof *p) : NULL;
    if (p)
        b->prob = p;
    size_t *o = p ? realloc(b->order, nc * sizeof *o) : NULL;
    if (o)
        b->order = o;
    double *x = o && b->dim ? realloc(b->x, nc * b->dim * sizeof *x) : NULL;
    if (x)
        b->x = x;
    if (!o || (b->dim && !x))
        return 0;
    b->scratch_cap = nc;
    return 1;
}

/* The candidate arms (indices into b->arms) from the request, in arm order. */
static otter_status candidates(otter_bandit *b, const otter_rank_request *req, size_t *n,
                               otter_error *err)
{
    if (!grow_scratch(b, b->n_arms))
        return otter_error_set(err, OTTER_NOMEM, "out of memory ranking");
    for (size_t i = 0; i < req->n_arms; i++)
        if (!req->arms[i] || find_arm(b, req->arms[i]) == SIZE_MAX)
            return otter_error_set(err, OTTER_INVALID, "unknown arm '%.64s' in arms",
                                   req->arms[i] ? req->arms[i] : "(null)");
    for (size_t i = 0; i < req->n_exclude; i++)
        if (!req->exclude[i] || find_arm(b, req->exclude[i]) == SIZE_MAX)
            return otter_error_set(err, OTTER_INVALID, "unknown arm '%.64s' in exclude",
                                   req->exclude[i] ? req->exclude[i] : "(null)");
    size_t k = 0;
    for (size_t a = 0; a < b->n_arms; a++) {
        const char *name = b->arms[a].name;
        int in = req->arms == NULL || req->n_arms == 0;
        for (size_t i = 0; !in && i < req->n_arms; i++)
            in = strcmp(req->arms[i], name) == 0;
        for (size_t i = 0; in && i < req->n_exclude; i++)
            in = strcmp(req->exclude[i], name) != 0;
        if (in) {
            b->cand_arm[k] = a;
            b->cand[k++] = b->arms[a].slot;
        }
    }
    if (k == 0)
        return otter_error_set(err, OTTER_INVALID, "no arm left to rank after arms/exclude");
    *n = k;
    return OTTER_OK;
}

/* Dimension of a feature: by name when features are named (SIZE_MAX: not mapped), else
 * by hash. Per-arm features hash without their "@ARM" namespace. */
static size_t dim_of(const otter_bandit *b, const otter_feature *f, int per_arm)
{
    if (b->n_feat) {
        if (f->category || (*f->ns && !per_arm))
            return SIZE_MAX;
        for (size_t i = 0; i < b->n_feat; i++)
            if (strcmp(b->feat[i], f->name) == 0)
                return i;
        return SIZE_MAX;
    }
    uint32_t h = f->hash;
    if (per_arm) {
        h = otter_murmur3_32(f->name, strlen(f->name), 0x40u);
        if (f->category)
            h = otter_murmur3_32(f->category, strlen(f->category), h);
    }
    return h % b->dim;
}

/* Fills the n candidate rows of b->x from the context. */
static otter_status context_rows(otter_bandit *b, const otter_instance *ctx, size_t n,
                                 otter_error *err)
{
    size_t d = b->dim;
    double *x = b->x;
    memset(x, 0, d * sizeof *x);
    size_t nf = ctx ? otter_instance_size(ctx) : 0;
    if (ctx) {
        size_t nd;
        const double *dense = otter_instance_dense(ctx, &nd);
        if (dense && nd > d)
            return otter_error_set(err, OTTER_INVALID,
                                   "the dense context has %zu values but dim is %zu", nd, d);
        for (size_t i = 0; dense && i < nd; i++) {
            if (!isfinite(dense[i]))
                return otter_error_set(err, OTTER_INVALID, "context value %zu is not finite", i);
            x[i] = dense[i];
        }
    }
    for (size_t i = 0; i < nf; i++) {
        otter_feature f;
        otter_status st = otter_instance_feature(ctx, i, &f, err);
        if (st != OTTER_OK)
            return st;
        if (!isfinite(f.value))
            return otter_error_set(err, OTTER_INVALID, "context feature '%s' is not finite",
                                   f.name);
        if (f.ns[0] == '@')
            continue;
        size_t j = dim_of(b, &f, 0);
        if (j != SIZE_MAX)
            x[j] += f.value;
    }
    for (size_t j = 0; j < d; j++)
        if (!isfinite(x[j]))
            return otter_error_set(err, OTTER_INVALID,
                                   "context dimension %zu overflows (features add up to %g)", j,
                                   x[j]);
    for (size_t c = 1; c < n; c++)
        memcpy(x + c * d, x, d * sizeof *x);
    for (size_t i = 0; i < nf; i++) {
        otter_feature f;
        otter_instance_feature(ctx, i, &f, NULL);
        if (f.ns[0] != '@')
            continue;
        size_t j = dim_of(b, &f, 1);
        for (size_t c = 0; j != SIZE_MAX && c < n; c++)
            if (strcmp(b->arms[b->cand_arm[c]].name, f.ns + 1) == 0)
                x[c * d + j] += f.value;
    }
    for (size_t i = 0; i < n * d; i++)
        if (!isfinite(x[i]))
            return otter_error_set(err, OTTER_INVALID, "a per-arm context value overflows");
    return OTTER_OK;
}

/* Orders the non-chosen candidates by score, highest first, ties in arm order
 * (insertion sort: candidate lists are short, and it needs no comparator state). */
static void order_rest(otter_bandit *b, size_t n, size_t chosen)
{
    size_t k = 1;
    b->order[0] = chosen;
    for (size_t i = 0; i < n; i++) {
        if (i == chosen)
            continue;
        size_t j = k++;
        while (j > 1 && b->score[b->order[j - 1]] < b->score[i]) {
            b->order[j] = b->order[j - 1];
            j--;
        }
        b->order[j] = i;
    }
}

void otter_decision_free(otter_decision *d)
{
    if (!d)
        return;
    free(d->ranking);
    d->ranking = NULL;
    d->n_ranking = d->cap = 0;
}

static otter_status fill_decision(otter_bandit *b, size_t n, const otter_bandit_choice *ch,
                                  otter_decision *out, otter_error *err)
{
    if (out->cap < n) {
        otter_ranked_arm *r = realloc(out->ranking, n * sizeof *r);
        if (!r)
            return otter_error_set(err, OTTER_NOMEM, "out of memory ranking");
        out->ranking = r;
        out->cap = n;
    }
    order_rest(b, n, ch->chosen);
    for (size_t i = 0; i < n; i++) {
        size_t c = b->order[i];
        out->ranking[i] = (otter_ranked_arm){b->arms[b->cand_arm[c]].name, b->score[c], b->prob[c]};
    }
    out->n_ranking = n;
    out->arm = out->ranking[0].arm;
    out->propensity = out->ranking[0].probability;
    out->propensity_estimated = ch->prob_estimated;
    return OTTER_OK;
}

/* Picks the event id: the caller's (must be unused) or a fresh one. */
static otter_status pick_id(otter_bandit *b, const char *want, char *id, otter_error *err)
{
    otter__events *t = b->events;
    if (want && *want) {
        otter_status st = check_event_id(want, err);
        if (st != OTTER_OK)
            return st;
        if (t->ops->find(t, want))
            return otter_error_set(err, OTTER_EXISTS, "event id '%s' is already in use", want);
        strcpy(id, want);
        return OTTER_OK;
    }
    do
        snprintf(id, OTTER_EVENT_ID_MAX, "%016" PRIx64,
                 mix64(b->seed * 0x100000001b3ull ^ mix64(b->next_event++)));
    while (t->ops->find(t, id));
    return OTTER_OK;
}

otter_status otter_bandit_rank(otter_bandit *b, const otter_rank_request *req, otter_decision *out,
                               otter_error *err)
{
    if (!b || !req || !out)
        return otter_error_set(err, OTTER_INVALID, "bandit, request and output are required");
    /* the request is validated before anything changes (expiry learns default rewards) */
    int64_t now = now_or_clock(req->now_ms);
    size_t n = 0;
    otter_status st = candidates(b, req, &n, err);
    if (st == OTTER_OK && b->dim)
        st = context_rows(b, req->context, n, err);
    if (st == OTTER_OK && req->event_id && *req->event_id)
        st = check_event_id(req->event_id, err);
    if (st == OTTER_OK)
        st = otter_bandit_expire(b, now, NULL, err);
    char id[OTTER_EVENT_ID_MAX];
    if (st == OTTER_OK)
        st = pick_id(b, req->event_id, id, err);
    if (st != OTTER_OK)
        return st;
    otter_rng rng;
    otter_rng_seed(&rng, hash64(id, b->seed));
    otter_bandit_candidates c = {
        b->cand, n,    b->dim ? b->x : NULL,
        b->dim,  &rng, hash64(req->unit && *req->unit ? req->unit : id, 0x756e6974)};
    otter_bandit_choice ch = {0, b->score, b->prob, 0};
    if ((st = b->type->rank(b->self, &c, &ch, err)) != OTTER_OK)
        return st;
    if (ch.chosen >= n)
        return otter_error_set(err, OTTER_INTERNAL, "policy '%s' chose candidate %zu of %zu",
                               b->type->name, ch.chosen, n);
    otter__event e = {{0},
                      b->cand[ch.chosen],
                      req->defer ? OTTER__EV_DEFERRED : OTTER__EV_PENDING,
                      b->prob[ch.chosen],
                      now,
                      now + b->wait_ms,
                      b->dim ? b->x + ch.chosen * b->dim : NULL};
    memcpy(e.id, id, sizeof id);
    if ((st = fill_decision(b, n, &ch, out, err)) != OTTER_OK)
        return st;
    if ((st = b->events->ops->put(b->events, &e, err)) != OTTER_OK) {
        out->n_ranking = 0; /* no decision was recorded: none is returned */
        out->arm = NULL;
        out->event_id[0] = '\0';
        return st;
    }
    memcpy(out->event_id, id, sizeof id);
    b->decisions++;
    return OTTER_OK;
}

/* ---- rewards ---- */

/* The waiting event for id, or the error for why there is none. */
static otter_status waiting_event(otter_bandit *b, const char *id, otter__event **out,
                                  otter_error *err)
{
    otter__event *e = id ? b->events->ops->find(b->events, id) : NULL;
    if (!e)
        return otter_error_set(err, OTTER_NOT_FOUND, "no decision with event id '%.64s'",
                               id ? id : "(null)");
    if (e->state == OTTER__EV_REWARDED)
        return otter_error_set(err, OTTER_CONFLICT, "event '%s' was already rewarded", id);
    if (e->state == OTTER__EV_EXPIRED)
        return otter_error_set(err, OTTER_EXPIRED, "event '%s' expired before its reward", id);
    *out = e;
    return OTTER_OK;
}

otter_status otter_bandit_reward(otter_bandit *b, const char *event_id, double reward,
                                 int64_t now_ms, otter_error *err)
{
    if (!b)
        return otter_error_set(err, OTTER_INVALID, "bandit is required");
    if (!isfinite(reward) || fabs(reward) > OTTER__MAX_REWARD)
        return otter_error_set(err, OTTER_INVALID,
                               "reward must be a finite number of magnitude at most 1e100");
    int64_t now = now_or_clock(now_ms);
    otter__event *e = NULL;
    otter_status st = otter_bandit_expire(b, now, NULL, err);
    if (st == OTTER_OK)
        st = waiting_event(b, event_id, &e, err);
    if (st != OTTER_OK)
        return st;
    if (e->state == OTTER__EV_DEFERRED)
        return otter_error_set(err, OTTER_STATE, "event '%s' was deferred and never activated",
                               event_id);
    if ((st = learn(b, e, reward, err)) != OTTER_OK)
        return st;
    e->state = OTTER__EV_REWARDED;
    e->when_ms = now + b->remember_ms;
    resolved(b, e);
    return OTTER_OK;
}

otter_status otter_bandit_activate(otter_bandit *b, const char *event_id, int64_t now_ms,
                                   otter_error *err)
{
    if (!b)
        return otter_error_set(err, OTTER_INVALID, "bandit is required");
    otter__event *e = NULL;
    otter_status st = otter_bandit_expire(b, now_or_clock(now_ms), NULL, err);
    if (st == OTTER_OK)
        st = waiting_event(b, event_id, &e, err);
    if (st != OTTER_OK)
        return st;
    if (e->state == OTTER__EV_PENDING)
        return otter_error_set(err, OTTER_CONFLICT, "event '%s' is already active", event_id);
    e->state = OTTER__EV_PENDING;
    b->events->ops->update(b->events, e);
    return OTTER_OK;
}

size_t otter_bandit_pending(const otter_bandit *b)
{
    return b->events->ops->count(b->events, 1);
}

/* ---- statistics ---- */

otter_status otter_bandit_arm_stats(const otter_bandit *b, size_t i, otter_arm_stats *out,
                                    otter_error *err)
{
    if (!b || !out || i >= b->n_arms)
        return otter_error_set(err, OTTER_INVALID, "arm index out of range");
    uint32_t *slots = malloc(b->n_arms * sizeof *slots);
    otter_arm_stats *all = malloc(b->n_arms * sizeof *all);
    if (!slots || !all) {
        free(slots);
        free(all);
        return otter_error_set(err, OTTER_NOMEM, "out of memory");
    }
    for (size_t a = 0; a < b->n_arms; a++)
        slots[a] = b->arms[a].slot;
    otter_rng rng;
    otter_rng_seed(&rng, mix64(b->seed ^ 0x73746174ull));
    b->type->arm_stats(b->self, slots, b->n_arms, &rng, all);
    *out = all[i];
    free(slots);
    free(all);
    return OTTER_OK;
}

const otter_bandit_type *otter_bandit_type_of(const otter_bandit *b)
{
    return b->type;
}

const char *otter_bandit_params_text(const otter_bandit *b)
{
    return b->params_text;
}

size_t otter_bandit_bytes(const otter_bandit *b)
{
    size_t n = sizeof *b + b->params_len + 1 + b->cap_arms * sizeof *b->arms;
    for (size_t i = 0; i < b->n_arms; i++)
        n += strlen(b->arms[i].name) + 1;
    n += b->scratch_cap * (sizeof *b->cand + sizeof *b->cand_arm + 2 * sizeof(double) +
                           sizeof *b->order + b->dim * sizeof(double));
    n += b->events->ops->bytes(b->events);
    return n + (b->type->bytes ? b->type->bytes(b->self) : 0);
}

void otter_bandit_describe(const otter_bandit *b, const otter_kv_sink *sink)
{
    if (sink->str)
        sink->str(sink->ud, "type", b->type->name);
    if (sink->num) {
        sink->num(sink->ud, "arms", (double)b->n_arms);
        sink->num(sink->ud, "decisions", (double)b->decisions);
        sink->num(sink->ud, "rewards", (double)b->rewards);
        sink->num(sink->ud, "expired", (double)b->expired);
        sink->num(sink->ud, "dropped", (double)b->dropped);
        sink->num(sink->ud, "pending", (double)otter_bandit_pending(b));
        sink->num(sink->ud, "bytes", (double)otter_bandit_bytes(b));
    }
    if (b->type->describe)
        b->type->describe(b->self, sink);
}

/* ---- state ---- */

typedef struct enc_ctx {
    otter__wr *w;
    size_t dim;
} enc_ctx;

static otter_status write_event(void *ud, const otter__event *e)
{
    enc_ctx *c = ud;
    otter__wr_str(c->w, e->id, strlen(e->id));
    otter__wr_u32(c->w, e->slot);
    otter__wr_u8(c->w, (uint8_t)e->state);
    otter__wr_f64(c->w, e->propensity);
    otter__wr_u64(c->w, (uint64_t)e->time_ms);
    otter__wr_u64(c->w, (uint64_t)e->when_ms);
    otter__wr_u8(c->w, e->x != NULL);
    if (e->x)
        otter__wr_f64s(c->w, e->x, c->dim);
    return c->w->st;
}

static otter_status encode(const otter_bandit *b, int with_events, otter_buf *out, otter_error *err)
{
    if (!b || !out)
        return otter_error_set(err, OTTER_INVALID, "bandit and buffer are required");
    size_t start = out->len, len_at;
    otter_status st = otter__blob_begin(out, b->type->name, b->type->state_version, b->params_text,
                                        b->params_len, &len_at, err);
    otter__wr w;
    otter__wr_init(&w, out, err);
    if (st == OTTER_OK) {
        otter__wr_u64(&w, b->next_event);
        otter__wr_u64(&w, b->decisions);
        otter__wr_u64(&w, b->rewards);
        otter__wr_u64(&w, b->expired);
        otter__wr_u64(&w, b->dropped);
        otter__wr_u32(&w, b->next_slot);
        otter__wr_u32(&w, (uint32_t)b->n_arms);
        for (size_t i = 0; i < b->n_arms; i++) {
            otter__wr_u32(&w, b->arms[i].slot);
            otter__wr_str(&w, b->arms[i].name, strlen(b->arms[i].name));
        }
        otter__wr_u32(&w, with_events ? (uint32_t)b->events->ops->count(b->events, 0) : 0);
        enc_ctx c = {&w, b->dim};
        st = w.st;
        if (st == OTTER_OK && with_events)
            st = b->events->ops->each(b->events, write_event, &c);
        if (st == OTTER_NOMEM)
            otter_error_set(err, OTTER_NOMEM, "out of memory encoding events");
    }
    if (st == OTTER_OK)
        st = b->type->encode(b->self, out, err);
    if (st == OTTER_OK)
        st = otter__blob_end(out, start, len_at, err);
    if (st != OTTER_OK)
        out->len = start;
    return st;
}

otter_status otter_bandit_encode(const otter_bandit *b, otter_buf *out, otter_error *err)
{
    return encode(b, 1, out, err);
}

otter_status otter__bandit_encode_core(const otter_bandit *b, otter_buf *out, otter_error *err)
{
    return encode(b, 0, out, err);
}

static otter_status corrupt(otter_error *err, const char *what)
{
    return otter_error_set(err, OTTER_CORRUPT, "bandit state: %s", what);
}

static otter_status read_arms(otter_bandit *b, otter__rd *r, otter_error *err)
{
    b->next_slot = otter__rd_u32(r);
    uint32_t n = otter__rd_u32(r);
    if (!otter__rd_ok(r) || n == 0 || n > b->next_slot || n > (r->len - r->pos) / 9)
        return corrupt(err, "bad arm count");
    for (uint32_t i = 0; i < n; i++) {
        uint32_t slot = otter__rd_u32(r);
        size_t len;
        const char *name = otter__rd_str(r, &len);
        if (!otter__rd_ok(r) || slot >= b->next_slot || slot_live(b, slot, NULL) || len == 0 ||
            len >= OTTER_ARM_NAME_MAX || memchr(name, '\0', len))
            return corrupt(err, "bad arm");
        otter_status st = push_arm(b, name, len, slot, err);
        if (st != OTTER_OK)
            return st;
        if (check_arm_name(b->arms[b->n_arms - 1].name, NULL) != OTTER_OK ||
            find_arm(b, b->arms[b->n_arms - 1].name) != b->n_arms - 1)
            return corrupt(err, "bad arm name");
    }
    return OTTER_OK;
}

/* One event; e->x points into row when the event carries a context. */
static otter_status read_event(const otter_bandit *b, otter__rd *r, otter__event *e, double *row,
                               otter_error *err)
{
    memset(e, 0, sizeof *e);
    size_t len;
    const char *id = otter__rd_str(r, &len);
    e->slot = otter__rd_u32(r);
    e->state = otter__rd_u8(r);
    e->propensity = otter__rd_f64(r);
    e->time_ms = (int64_t)otter__rd_u64(r);
    e->when_ms = (int64_t)otter__rd_u64(r);
    uint8_t has_x = otter__rd_u8(r);
    if (!otter__rd_ok(r) || len == 0 || len >= OTTER_EVENT_ID_MAX || e->slot >= b->next_slot ||
        e->state < OTTER__EV_PENDING || e->state > OTTER__EV_EXPIRED || has_x > 1 ||
        !(e->propensity >= 0 && e->propensity <= 1) ||
        (has_x && (!b->dim || e->state > OTTER__EV_DEFERRED)) ||
        (!has_x && b->dim && e->state <= OTTER__EV_DEFERRED))
        return corrupt(err, "bad event");
    memcpy(e->id, id, len);
    if (check_event_id(e->id, NULL) != OTTER_OK)
        return corrupt(err, "bad event id");
    if (has_x) {
        otter__rd_f64s(r, row, b->dim);
        if (!otter__rd_ok(r))
            return corrupt(err, "truncated event context");
        for (size_t j = 0; j < b->dim; j++)
            if (!isfinite(row[j]))
                return corrupt(err, "bad event context");
        e->x = row;
    }
    return OTTER_OK;
}

static otter_status read_events(otter_bandit *b, otter__rd *r, double *row, otter_error *err)
{
    uint32_t n = otter__rd_u32(r);
    if (!otter__rd_ok(r) || n > (r->len - r->pos) / 38)
        return corrupt(err, "bad event count");
    for (uint32_t i = 0; i < n; i++) {
        otter__event e;
        otter_status st = read_event(b, r, &e, row, err);
        if (st != OTTER_OK)
            return st;
        if (b->events->ops->find(b->events, e.id))
            return corrupt(err, "event id listed twice");
        if ((st = b->events->ops->put(b->events, &e, err)) != OTTER_OK)
            return st;
    }
    return OTTER_OK;
}

otter_status otter__event_decode(const otter_bandit *b, const uint8_t *p, size_t len,
                                 otter__event *e, double *row, otter_error *err)
{
    otter__rd r;
    otter__rd_init(&r, p, len);
    otter_status st = read_event(b, &r, e, row, err);
    if (st == OTTER_OK && !otter__rd_done(&r))
        return corrupt(err, "trailing bytes after event");
    return st;
}

otter_status otter__event_encode(const otter__event *e, size_t dim, otter_buf *out,
                                 otter_error *err)
{
    otter__wr w;
    otter__wr_init(&w, out, err);
    enc_ctx c = {&w, dim};
    return write_event(&c, e);
}

otter__events *otter__bandit_events(otter_bandit *b)
{
    return b->events;
}

size_t otter__bandit_dim(const otter_bandit *b)
{
    return b->dim;
}

otter__events *otter__bandit_swap_events(otter_bandit *b, otter__events *t)
{
    otter__events *old = b->events;
    b->events = t;
    return old;
}

/* Blob parameters go through the same validation; failure means corruption. The
 * string values in *values borrow from *params, so the caller keeps *params (destroys
 * it) until the policy's decode has read them. */
static otter_status decode_params(const otter_bandit_type *t, const otter__blob *blob,
                                  otter_params **params, otter_param_value **values,
                                  otter_bandit **out, otter_error *err)
{
    otter_error inner = {0};
    otter_status st = otter_params_create(params, &inner);
    if (st == OTTER_OK)
        st = otter__params_parse_canonical(blob->params, blob->params_len, *params, &inner);
    if (st == OTTER_OK)
        st = shell(t, *params, values, out, &inner);
    if (st == OTTER_OK)
        return OTTER_OK;
    otter_params_destroy(*params);
    *params = NULL;
    if (st == OTTER_NOMEM)
        return otter_error_set(err, OTTER_NOMEM, "%s", inner.message);
    return otter_error_set(err, OTTER_CORRUPT, "bandit state has invalid parameters: %s",
                           inner.message);
}

otter_status otter_bandit_decode(const otter_context *ctx, const uint8_t *blob, size_t len,
                                 otter_bandit **out, otter_error *err)
{
    if (!out)
        return otter_error_set(err, OTTER_INVALID, "output pointer is required");
    otter__blob bl;
    otter_status st = otter__blob_parse(blob, len, &bl, err);
    if (st != OTTER_OK)
        return st;
    char name[128];
    if (bl.type_len == 0 || bl.type_len >= sizeof name || memchr(bl.type, '\0', bl.type_len))
        return corrupt(err, "malformed type name");
    memcpy(name, bl.type, bl.type_len);
    name[bl.type_len] = '\0';
    const otter_bandit_type *t = otter_context_find_bandit(ctx, name);
    if (!t)
        return otter_error_set(err, OTTER_NOT_FOUND, "state blob is of unknown bandit policy '%s'",
                               name);
    if (bl.type_version == 0 || bl.type_version > t->state_version)
        return otter_error_set(err, OTTER_VERSION,
                               "'%s' state version %u is not supported (this library: 1..%u)", name,
                               (unsigned)bl.type_version, (unsigned)t->state_version);
    otter_param_value *v = NULL;
    otter_bandit *b = NULL;
    otter_params *params = NULL;
    if ((st = decode_params(t, &bl, &params, &v, &b, err)) != OTTER_OK)
        return st;
    otter__rd r;
    otter__rd_init(&r, bl.payload, bl.payload_len);
    b->next_event = otter__rd_u64(&r);
    b->decisions = otter__rd_u64(&r);
    b->rewards = otter__rd_u64(&r);
    b->expired = otter__rd_u64(&r);
    b->dropped = otter__rd_u64(&r);
    double *row = b->dim ? malloc(b->dim * sizeof *row) : NULL;
    if (b->dim && !row)
        st = otter_error_set(err, OTTER_NOMEM, "out of memory");
    else if (!otter__rd_ok(&r))
        st = corrupt(err, "truncated counters");
    if (st == OTTER_OK)
        st = read_arms(b, &r, err);
    if (st == OTTER_OK)
        st = read_events(b, &r, row, err);
    free(row);
    if (st == OTTER_OK)
        st = t->decode(v + C_COUNT, b->dim, bl.type_version, bl.payload + r.pos,
                       bl.payload_len - r.pos, &b->self, err);
    free(v);
    otter_params_destroy(params);
    if (st != OTTER_OK) {
        bandit_free(b);
        return st;
    }
    *out = b;
    return OTTER_OK;
}
