/* Crash-test helper for the state store, driven by tests/store_crash.sh.
 *
 *   store_crash run DIR SEED [SNAP_MS]   learn and rank/reward forever (killed with
 *                                        SIGKILL), acknowledging each call on stdout
 *   store_crash check DIR SEED ACKFILE   reopen read-only and compare the state with a
 *                                        reference built from the acknowledged calls
 *   store_crash snapshot DIR             open, take the next snapshot, close cleanly
 *   store_crash restore DIR SEED         restore the newest snapshot (of a copy) and
 *                                        compare it with the references at its versions
 *
 * Both streams are functions of SEED and the call index only, so the state after the
 * first n calls can be rebuilt in-process. `run` resumes each stream at the entity's
 * version (updates applied, every one of our calls succeeds), and after a call returns
 * OTTER_OK writes one line with a single write(2): "L i" for learn i, "R e<4j>" for the
 * rank of bandit step j, "W e<4j>" for the reward of that decision (made at step j+2).
 * Each run starts with "\nS <learns> <bandit calls> <replayed>", the state it found.
 *
 * `check` requires, for every run and each stream, that the acknowledged calls are
 * exactly the calls from where the run started to where the next run started (or to the
 * state now), except that the last one may be durable without its acknowledgement (the
 * call in flight at the kill). Then the stored states must equal, byte for byte, a
 * logreg and a thompson bandit that made the same calls in-process.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "otter/otter.h"

#define LEARNER_KG 3
#define LEARNER "fraud"
#define LEARNER_PARAMS "bits=12"
#define BANDIT_KG 9
#define BANDIT "offers"
#define BANDIT_PARAMS "reward_wait=3600"
#define T0 1000000000000LL /* now_ms of bandit step 0; step j is at T0 + 4 j */

static const char *const arms[] = {"a", "b", "c"};

static void die(const char *what, otter_status st, const otter_error *e)
{
    fprintf(stderr, "store_crash: %s: %s (%s)\n", what, e ? e->message : "", otter_status_name(st));
    _exit(2);
}

static otter_params *params_of(const char *text)
{
    otter_params *p = NULL;
    otter_error e = {0};
    otter_status st = otter_params_create(&p, &e);
    if (st == OTTER_OK)
        st = otter_params_parse(p, text, &e);
    if (st != OTTER_OK)
        die("params", st, &e);
    return p;
}

/* ---- the streams ---- */

static uint64_t mix(uint64_t seed, uint64_t i)
{
    return seed * 0x9e3779b97f4a7c15ull ^ (i + 0x632be59bd9b4e019ull);
}

/* Learn i: a row and its label. */
static double row(otter_instance *inst, uint64_t seed, uint64_t i)
{
    static const char *const cats[] = {"x", "y", "z"};
    otter_rng rng;
    otter_rng_seed(&rng, mix(seed, i));
    otter_instance_clear(inst);
    double a = otter_rng_normal(&rng);
    int c = (int)otter_rng_below(&rng, 3);
    otter_error e = {0};
    otter_status st = otter_instance_num(inst, NULL, "a", a, &e);
    if (st == OTTER_OK)
        st = otter_instance_num(inst, "n", "b", otter_rng_uniform(&rng) * 10, &e);
    if (st == OTTER_OK)
        st = otter_instance_cat(inst, NULL, "c", cats[c], &e);
    if (st == OTTER_OK && otter_rng_uniform(&rng) < 0.5)
        st = otter_instance_num(inst, NULL, "sometimes", 1.0, &e);
    if (st != OTTER_OK)
        die("row", st, &e);
    return a + c + 0.3 * otter_rng_normal(&rng) > 1.0;
}

/* Bandit call k: step j ranks event e<4j>; from step 2 on it then rewards the decision
 * of step j-2. So calls are rank 0, rank 1, rank 2, reward 0, rank 3, reward 1, ... */
typedef struct bcall {
    int reward;     /* 0: rank, 1: reward */
    uint64_t step;  /* the decision's step */
    int64_t now_ms; /* when the call is made */
    char id[32];    /* the decision's event id */
} bcall;

static void bandit_call(uint64_t k, bcall *c)
{
    c->reward = k >= 2 && k % 2 == 1;
    c->step = k < 2 ? k : c->reward ? (k - 3) / 2 : (k + 2) / 2;
    uint64_t at = c->reward ? c->step + 2 : c->step;
    c->now_ms = T0 + 4 * (int64_t)at;
    snprintf(c->id, sizeof c->id, "e%" PRIu64, 4 * c->step);
}

static uint64_t rank_call(uint64_t step)
{
    return step < 2 ? step : 2 * step - 2;
}

static uint64_t reward_call(uint64_t step)
{
    return 2 * step + 3;
}

/* A Bernoulli reward: a function of the step, since a resumed run does not know which
 * arm an earlier run chose. */
static double reward_of(uint64_t seed, uint64_t step)
{
    otter_rng rng;
    otter_rng_seed(&rng, mix(seed ^ 0xb, step));
    return otter_rng_uniform(&rng) < 0.3;
}

static void context_of(otter_instance *inst, uint64_t seed, uint64_t step)
{
    otter_rng rng;
    otter_rng_seed(&rng, mix(seed ^ 0xc, step));
    otter_instance_clear(inst);
    otter_error e = {0};
    otter_status st = otter_instance_num(inst, NULL, "f", otter_rng_uniform(&rng), &e);
    if (st != OTTER_OK)
        die("context", st, &e);
}

/* Applies bandit call k, through the store (s) or in-process (b). */
static otter_status bandit_apply(otter_store *s, otter_bandit *b, otter_instance *inst,
                                 otter_decision *d, uint64_t seed, uint64_t k, otter_error *e)
{
    bcall c;
    bandit_call(k, &c);
    if (c.reward) {
        double r = reward_of(seed, c.step);
        return s ? otter_store_reward(s, BANDIT_KG, BANDIT, c.id, r, c.now_ms, e)
                 : otter_bandit_reward(b, c.id, r, c.now_ms, e);
    }
    context_of(inst, seed, c.step);
    otter_rank_request rq = {0};
    rq.context = inst;
    rq.event_id = c.id;
    rq.now_ms = c.now_ms;
    return s ? otter_store_rank(s, BANDIT_KG, BANDIT, &rq, d, e) : otter_bandit_rank(b, &rq, d, e);
}

/* ---- run ---- */

/* One acknowledgement line, in one write(2) so that lines never interleave. */
static void ack(const char *fmt, ...)
{
    char line[96];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n <= 0 || (size_t)n >= sizeof line || write(1, line, (size_t)n) != n) {
        fprintf(stderr, "store_crash: writing an acknowledgement: %s\n", strerror(errno));
        _exit(2);
    }
}

typedef struct runner {
    otter_store *s;
    uint64_t seed, from;
    long snap_ms;
} runner;

static void *learn_loop(void *p)
{
    const runner *r = p;
    otter_instance *inst = NULL;
    otter_error e = {0};
    otter_status st = otter_instance_create(&inst, &e);
    for (uint64_t i = r->from; st == OTTER_OK; i++) {
        double y = row(inst, r->seed, i);
        if ((st = otter_store_learn(r->s, LEARNER_KG, LEARNER, inst, y, 1.0, &e)) == OTTER_OK)
            ack("L %" PRIu64 "\n", i);
    }
    die("learn", st, &e);
    return NULL;
}

static void *bandit_loop(void *p)
{
    const runner *r = p;
    otter_instance *inst = NULL;
    otter_decision d = OTTER_DECISION_INIT;
    otter_error e = {0};
    otter_status st = otter_instance_create(&inst, &e);
    for (uint64_t k = r->from; st == OTTER_OK; k++) {
        if ((st = bandit_apply(r->s, NULL, inst, &d, r->seed, k, &e)) == OTTER_OK) {
            bcall c;
            bandit_call(k, &c);
            ack("%c %s\n", c.reward ? 'W' : 'R', c.id);
        }
    }
    die("bandit", st, &e);
    return NULL;
}

/* Takes a snapshot every snap_ms, keeping two, so that kills also land mid-snapshot. */
static void *snap_loop(void *p)
{
    const runner *r = p;
    struct timespec ts = {r->snap_ms / 1000, (r->snap_ms % 1000) * 1000000L};
    for (;;) {
        nanosleep(&ts, NULL);
        otter_store_stats stats;
        otter_store_stats_get(r->s, &stats);
        otter_error e = {0};
        otter_status st = otter_store_snapshot(r->s, stats.last_snapshot + 1, NULL, &e);
        if (st == OTTER_OK)
            st = otter_store_retain(r->s, 2, &e);
        if (st != OTTER_OK)
            die("snapshot", st, &e);
    }
    return NULL;
}

static otter_store *open_store(const otter_context *ctx, const char *dir, int read_only)
{
    otter_store_options o = OTTER_STORE_OPTIONS_INIT;
    o.durability = OTTER_DURABILITY_SYNC;
    o.read_only = read_only;
    otter_store *s = NULL;
    otter_error e = {0};
    otter_status st = otter_store_open(ctx, dir, &o, &s, &e);
    if (st != OTTER_OK)
        die("open", st, &e);
    return s;
}

/* Updates applied to the entity, 0 when it does not exist (yet). */
static uint64_t version_of(otter_store *s, uint16_t kg, const char *name)
{
    otter_entity_info info;
    otter_error e = {0};
    otter_status st = otter_store_info(s, kg, name, &info, &e);
    if (st == OTTER_NOT_FOUND)
        return 0;
    if (st != OTTER_OK)
        die("info", st, &e);
    return info.version;
}

static void create_entities(otter_store *s)
{
    otter_params *lp = params_of(LEARNER_PARAMS), *bp = params_of(BANDIT_PARAMS);
    otter_error e = {0};
    otter_status st = otter_store_create_learner(s, LEARNER_KG, LEARNER, "logreg", lp, NULL, &e);
    if (st == OTTER_OK)
        st = otter_store_create_bandit(s, BANDIT_KG, BANDIT, "thompson", bp, arms, 3, NULL, &e);
    if (st != OTTER_OK)
        die("create", st, &e);
    otter_params_destroy(lp);
    otter_params_destroy(bp);
}

static int run(const otter_context *ctx, const char *dir, uint64_t seed, long snap_ms)
{
    otter_store *s = open_store(ctx, dir, 0);
    create_entities(s);
    otter_store_stats stats;
    otter_store_stats_get(s, &stats);
    runner lr = {s, seed, version_of(s, LEARNER_KG, LEARNER), snap_ms};
    runner br = {s, seed, version_of(s, BANDIT_KG, BANDIT), snap_ms};
    /* the leading newline ends a line torn by the previous kill */
    ack("\nS %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", lr.from, br.from, stats.replayed);
    pthread_t t[3];
    int n = 0;
    if (pthread_create(&t[n++], NULL, learn_loop, &lr) != 0 ||
        pthread_create(&t[n++], NULL, bandit_loop, &br) != 0 ||
        (snap_ms > 0 && pthread_create(&t[n++], NULL, snap_loop, &lr) != 0)) {
        fprintf(stderr, "store_crash: cannot start threads\n");
        _exit(2);
    }
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    return 2; /* not reached: the loops run until killed or die */
}

/* ---- check ---- */

/* One stream's acknowledgements, run by run. */
typedef struct tally {
    const char *what;
    int open;         /* inside a run */
    uint64_t next;    /* the call the next acknowledgement must be for */
    uint64_t acked;   /* acknowledgements in all runs */
    uint64_t unacked; /* calls durable without their acknowledgement (killed in between) */
    unsigned run;     /* runs seen */
} tally;

/* Ends the current run: the next state starts at `end` calls. */
static int tally_close(tally *t, uint64_t end)
{
    if (!t->open) {
        if (end != 0) {
            fprintf(stderr, "%s: the store holds %" PRIu64 " calls before any run started\n",
                    t->what, end);
            return 0;
        }
        return 1;
    }
    if (end < t->next) {
        fprintf(stderr,
                "%s: run %u: call %" PRIu64 " was acknowledged but the store holds only the "
                "first %" PRIu64 " calls (an acknowledged update was lost)\n",
                t->what, t->run, t->next - 1, end);
        return 0;
    }
    if (end - t->next > 1) {
        fprintf(stderr,
                "%s: run %u: the store holds %" PRIu64 " calls, but acknowledgements reach only "
                "%" PRIu64 " (one more may have been in flight, not more)\n",
                t->what, t->run, end, t->next);
        return 0;
    }
    t->unacked += end - t->next;
    return 1;
}

static int tally_start(tally *t, uint64_t end)
{
    if (!tally_close(t, end))
        return 0;
    t->open = 1;
    t->next = end;
    t->run++;
    return 1;
}

static int tally_ack(tally *t, uint64_t call, const char *line)
{
    if (!t->open || call != t->next) {
        fprintf(stderr,
                "%s: run %u: acknowledgement '%s' out of order (expected call %" PRIu64 ")\n",
                t->what, t->run, line, t->next);
        return 0;
    }
    t->next++;
    t->acked++;
    return 1;
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "store_crash: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0, got;
    char *buf = malloc(cap + 1);
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *more = realloc(buf, 2 * cap + 1);
            if (!more)
                free(buf);
            buf = more;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf) {
        fprintf(stderr, "store_crash: out of memory reading %s\n", path);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

typedef struct acks {
    tally learn, bandit;
    uint64_t replayed; /* summed over the runs' opens */
    unsigned torn;     /* partial lines left by kills */
} acks;

/* One complete line (NUL-terminated, without its newline). */
static int ack_line(acks *a, char *line)
{
    uint64_t x, y, z;
    char c, tail;
    if (sscanf(line, "S %" SCNu64 " %" SCNu64 " %" SCNu64 "%c", &x, &y, &z, &tail) == 3) {
        a->replayed += z;
        return tally_start(&a->learn, x) && tally_start(&a->bandit, y);
    }
    if (sscanf(line, "L %" SCNu64 "%c", &x, &tail) == 1)
        return tally_ack(&a->learn, x, line);
    if (sscanf(line, "%c e%" SCNu64 "%c", &c, &x, &tail) == 2 && (c == 'R' || c == 'W') &&
        x % 4 == 0)
        return tally_ack(&a->bandit, c == 'R' ? rank_call(x / 4) : reward_call(x / 4), line);
    fprintf(stderr, "malformed acknowledgement line '%s'\n", line);
    return 0;
}

/* Reads the acknowledgements. A line cut short by a kill is either the file's last
 * bytes without a newline, or a non-empty line right before a run's "S" line (a clean
 * end leaves an empty line there, because every run starts with a newline). */
static int read_acks(const char *path, acks *a)
{
    size_t len;
    char *buf = read_all(path, &len);
    if (!buf)
        return 0;
    int ok = 1;
    char *p = buf, *end = buf + len;
    while (ok && p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) {
            a->torn++;
            break;
        }
        *nl = '\0';
        if (*p && nl + 1 < end && nl[1] == 'S')
            a->torn++;
        else if (*p)
            ok = ack_line(a, p);
        p = nl + 1;
    }
    free(buf);
    return ok;
}

/* The in-process side: a learner or a bandit that makes calls 0, 1, ... of its stream. */
typedef struct reference {
    otter_learner *learner;
    otter_bandit *bandit;
    otter_instance *inst;
    otter_decision d;
    uint64_t seed, done;
} reference;

static void ref_create(const otter_context *ctx, int bandit, uint64_t seed, reference *r)
{
    memset(r, 0, sizeof *r);
    r->d = (otter_decision)OTTER_DECISION_INIT;
    r->seed = seed;
    otter_params *p = params_of(bandit ? BANDIT_PARAMS : LEARNER_PARAMS);
    otter_error e = {0};
    otter_status st = bandit ? otter_bandit_create(ctx, "thompson", p, arms, 3, &r->bandit, &e)
                             : otter_learner_create(ctx, "logreg", p, &r->learner, &e);
    if (st == OTTER_OK)
        st = otter_instance_create(&r->inst, &e);
    if (st != OTTER_OK)
        die("reference", st, &e);
    otter_params_destroy(p);
}

static void ref_advance(reference *r, uint64_t to)
{
    otter_error e = {0};
    otter_status st = OTTER_OK;
    for (; r->done < to && st == OTTER_OK; r->done++) {
        if (r->bandit) {
            st = bandit_apply(NULL, r->bandit, r->inst, &r->d, r->seed, r->done, &e);
        } else {
            double y = row(r->inst, r->seed, r->done);
            st = otter_learner_learn(r->learner, r->inst, y, 1.0, &e);
        }
    }
    if (st != OTTER_OK)
        die("reference call", st, &e);
}

static int ref_matches(const reference *r, const otter_buf *state)
{
    otter_buf ref = OTTER_BUF_INIT;
    otter_error e = {0};
    otter_status st = r->bandit ? otter_bandit_encode(r->bandit, &ref, &e)
                                : otter_learner_encode(r->learner, &ref, &e);
    if (st != OTTER_OK)
        die("reference encode", st, &e);
    int same = ref.len == state->len && memcmp(ref.data, state->data, ref.len) == 0;
    otter_buf_free(&ref);
    return same;
}

static void ref_destroy(reference *r)
{
    otter_learner_destroy(r->learner);
    otter_bandit_destroy(r->bandit);
    otter_instance_destroy(r->inst);
    otter_decision_free(&r->d);
}

/* The stored state of the entity must be, byte for byte, the reference after its n
 * calls. On a mismatch, says whether a nearby count matches (a wrong version counter)
 * or none does (a wrong state). */
static int check_entity(const otter_context *ctx, otter_store *s, int bandit, uint64_t seed,
                        uint64_t n)
{
    uint16_t kg = bandit ? BANDIT_KG : LEARNER_KG;
    const char *name = bandit ? BANDIT : LEARNER;
    otter_buf state = OTTER_BUF_INIT;
    otter_error e = {0};
    otter_status st = otter_store_get_state(s, kg, name, &state, &e);
    if (st != OTTER_OK)
        die("get_state", st, &e);
    reference r;
    ref_create(ctx, bandit, seed, &r);
    ref_advance(&r, n);
    int ok = ref_matches(&r, &state);
    if (!ok) {
        ref_destroy(&r);
        ref_create(ctx, bandit, seed, &r);
        uint64_t k = n > 3 ? n - 3 : 0;
        ref_advance(&r, k);
        while (k <= n + 3 && !ref_matches(&r, &state))
            ref_advance(&r, ++k);
        if (k <= n + 3)
            fprintf(stderr,
                    "%s: the stored state is the reference after %" PRIu64
                    " calls, but its version says %" PRIu64 "\n",
                    name, k, n);
        else
            fprintf(stderr,
                    "%s: the stored state (%zu bytes, version %" PRIu64
                    ") is not the reference after any of %" PRIu64 "..%" PRIu64 " calls\n",
                    name, state.len, n, n > 3 ? n - 3 : 0, n + 3);
    }
    ref_destroy(&r);
    otter_buf_free(&state);
    return ok;
}

static void on_problem(void *ud, const char *message)
{
    (void)ud;
    fprintf(stderr, "verify: %s\n", message);
}

static int check(const otter_context *ctx, const char *dir, uint64_t seed, const char *ack_path)
{
    acks a = {{"learner", 0, 0, 0, 0, 0}, {"bandit", 0, 0, 0, 0, 0}, 0, 0};
    /* read-only: the next run, not this check, recovers the directory. A kill during
     * the very first open leaves no database yet: then nothing may have been acked. */
    otter_store_options o = OTTER_STORE_OPTIONS_INIT;
    o.read_only = 1;
    otter_store *s = NULL;
    otter_error oe = {0};
    otter_status ost = otter_store_open(ctx, dir, &o, &s, &oe);
    if (ost == OTTER_NOT_FOUND && strstr(oe.message, "no database")) {
        int ok = read_acks(ack_path, &a) && tally_close(&a.learn, 0) && tally_close(&a.bandit, 0);
        printf("%s: killed before the store was created (%s)\n", ok ? "ok" : "FAILED", oe.message);
        return ok ? 0 : 1;
    }
    if (ost != OTTER_OK)
        die("open", ost, &oe);
    otter_store_stats stats;
    otter_store_stats_get(s, &stats);
    uint64_t n = version_of(s, LEARNER_KG, LEARNER), m = version_of(s, BANDIT_KG, BANDIT);
    otter_error e = {0};
    int ok = read_acks(ack_path, &a) && tally_close(&a.learn, n) && tally_close(&a.bandit, m);
    if (ok && n)
        ok = check_entity(ctx, s, 0, seed, n);
    if (ok && m)
        ok = check_entity(ctx, s, 1, seed, m);
    if (ok && otter_store_verify(s, on_problem, NULL, &e) != OTTER_OK) {
        fprintf(stderr, "verify: %s\n", e.message);
        ok = 0;
    }
    otter_store_close(s);
    printf("%s: runs %u, learns %" PRIu64 " (acked %" PRIu64 ", %" PRIu64
           " durable unacked), bandit calls %" PRIu64 " (acked %" PRIu64 ", %" PRIu64
           " durable unacked), torn lines %u, replayed %" PRIu64 " by the runs, %" PRIu64
           " by this check\n",
           ok ? "ok" : "FAILED", a.learn.run, n, a.learn.acked, a.learn.unacked, m, a.bandit.acked,
           a.bandit.unacked, a.torn, a.replayed, stats.replayed);
    return ok ? 0 : 1;
}

/* ---- snapshot ---- */

static int snapshot(const otter_context *ctx, const char *dir)
{
    otter_store *s = open_store(ctx, dir, 0);
    otter_store_stats stats;
    otter_store_stats_get(s, &stats);
    otter_snapshot_info info;
    otter_error e = {0};
    otter_status st = otter_store_snapshot(s, stats.last_snapshot + 1, &info, &e);
    if (st == OTTER_OK)
        st = otter_store_retain(s, 2, &e);
    if (st != OTTER_OK)
        die("snapshot", st, &e);
    otter_store_close(s);
    printf("snapshot %" PRIu64 " (%" PRIu64 " replayed at open)\n", info.id, stats.replayed);
    return 0;
}

/* Restores the newest snapshot (of a copy of the directory: the next run goes on from
 * the live state) and checks it against the references at the versions it holds. A
 * snapshot taken while both streams ran must still be exactly a prefix of each. */
static int restore(const otter_context *ctx, const char *dir, uint64_t seed)
{
    otter_store *s = open_store(ctx, dir, 0);
    otter_snapshot_info *snaps = NULL;
    size_t n_snaps = 0;
    otter_error e = {0};
    otter_status st = otter_store_snapshots(s, &snaps, &n_snaps, &e);
    uint64_t id = n_snaps ? snaps[n_snaps - 1].id : 0;
    free(snaps);
    if (st == OTTER_OK && id)
        st = otter_store_restore(s, id, &e);
    if (st != OTTER_OK)
        die("restore", st, &e);
    uint64_t n = version_of(s, LEARNER_KG, LEARNER), m = version_of(s, BANDIT_KG, BANDIT);
    int ok = (!n || check_entity(ctx, s, 0, seed, n)) && (!m || check_entity(ctx, s, 1, seed, m));
    otter_store_close(s);
    printf("%s: snapshot %" PRIu64 " holds %" PRIu64 " learns and %" PRIu64 " bandit calls\n",
           ok ? "ok" : "FAILED", id, n, m);
    return ok ? 0 : 1;
}

static int usage(void)
{
    fprintf(stderr, "usage: store_crash run DIR SEED [SNAP_MS]\n"
                    "       store_crash check DIR SEED ACKFILE\n"
                    "       store_crash snapshot DIR\n"
                    "       store_crash restore DIR SEED\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return usage();
    otter_context *ctx = NULL;
    otter_error e = {0};
    otter_status st = otter_context_create(&ctx, &e);
    if (st != OTTER_OK)
        die("context", st, &e);
    const char *mode = argv[1], *dir = argv[2];
    uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 10) : 0;
    int rc;
    if (strcmp(mode, "run") == 0 && (argc == 4 || argc == 5))
        rc = run(ctx, dir, seed, argc == 5 ? strtol(argv[4], NULL, 10) : 0);
    else if (strcmp(mode, "check") == 0 && argc == 5)
        rc = check(ctx, dir, seed, argv[4]);
    else if (strcmp(mode, "snapshot") == 0 && argc == 3)
        rc = snapshot(ctx, dir);
    else if (strcmp(mode, "restore") == 0 && argc == 4)
        rc = restore(ctx, dir, seed);
    else
        rc = usage();
    otter_context_destroy(ctx);
    return rc;
}
