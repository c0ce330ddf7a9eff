/* The state store against real data directories: every learner and bandit type through
 * snapshot, restore, reopen and log replay, bit for bit against the same calls made
 * in-process; pending events exactly once; key-group export, split and merge;
 * corruption of SST files, manifests, log records and directories detected and named;
 * retention; repeated crashes; durability none; concurrency with group commit; bad input. */
#define _GNU_SOURCE /* mkdtemp */
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ckpt/rocks_int.h"
#include "otter/store.h"
#include "test_util.h"

static otter_context *ctx;
static char dir[256];

static void rm_rf(const char *path)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    ck_assert_int_eq(system(cmd), 0);
}

static void setup(void)
{
    otter_error err = {0};
    ck_assert_int_eq(otter_context_create(&ctx, &err), OTTER_OK);
    snprintf(dir, sizeof dir, "/tmp/otter-test-store-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    otter_context_destroy(ctx);
    rm_rf(dir);
}

static otter_store *open_store(const char *d, otter_durability dur)
{
    otter_store_options o = OTTER_STORE_OPTIONS_INIT;
    o.durability = dur;
    otter_store *s = NULL;
    OK(otter_store_open(ctx, d, &o, &s, err));
    return s;
}

static void sub(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

/* ---- learners ---- */

static double label_for(otter_task task, size_t k, double a, int c)
{
    switch (task) {
    case OTTER_TASK_REGRESSION: return 2 * a + c;
    case OTTER_TASK_MULTICLASS: return (double)(c % (int)k);
    default: return a + c > 1.0;
    }
}

/* Row i of a deterministic stream, and its label for the task. */
static double row(otter_instance *inst, uint64_t i, otter_task task, size_t k)
{
    static const char *const cats[] = {"x", "y", "z"};
    otter_rng rng;
    otter_rng_seed(&rng, 1000 + i);
    otter_instance_clear(inst);
    double a = otter_rng_normal(&rng);
    int c = (int)otter_rng_below(&rng, 3);
    OK(otter_instance_num(inst, NULL, "a", a, err));
    OK(otter_instance_num(inst, "n", "b", otter_rng_uniform(&rng) * 10, err));
    OK(otter_instance_cat(inst, NULL, "c", cats[c], err));
    if (otter_rng_uniform(&rng) < 0.5)
        OK(otter_instance_num(inst, NULL, "sometimes", 1.0, err));
    return label_for(task, k, a, c);
}

static void learn_ref(otter_learner *l, otter_instance *inst, uint64_t from, uint64_t to)
{
    for (uint64_t i = from; i < to; i++) {
        double y = row(inst, i, otter_learner_task(l), otter_learner_n_classes(l));
        OK(otter_learner_learn(l, inst, y, 1.0, err));
    }
}

static void learn_store(otter_store *s, uint16_t kg, const char *name, otter_task task, size_t k,
                        otter_instance *inst, uint64_t from, uint64_t to)
{
    for (uint64_t i = from; i < to; i++) {
        double y = row(inst, i, task, k);
        OK(otter_store_learn(s, kg, name, inst, y, 1.0, err));
    }
}

static void state_of(otter_store *s, uint16_t kg, const char *name, otter_buf *out)
{
    out->len = 0;
    OK(otter_store_get_state(s, kg, name, out, err));
}

static int same_buf(const otter_buf *a, const otter_buf *b)
{
    return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

static void learner_state(const otter_learner *l, otter_buf *out)
{
    out->len = 0;
    OK(otter_learner_encode(l, out, err));
}

START_TEST(learner_round_trip)
{
    const otter_learner_type *t = otter_context_learner_at(ctx, (size_t)_i);
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    otter_learner *ref = NULL;
    OK(otter_learner_create(ctx, t->name, NULL, &ref, err));
    otter_task task = otter_learner_task(ref);
    size_t k = otter_learner_n_classes(ref);
    otter_buf a = OTTER_BUF_INIT, b = OTTER_BUF_INIT;

    otter_store *s = open_store(dir, OTTER_DURABILITY_SYNC);
    int created = 0;
    OK(otter_store_create_learner(s, 7, "m", t->name, NULL, &created, err));
    ck_assert_int_eq(created, 1);
    learn_store(s, 7, "m", task, k, inst, 0, 300);
    learn_ref(ref, inst, 0, 300);
    state_of(s, 7, "m", &a);
    learner_state(ref, &b);
    ck_assert_msg(same_buf(&a, &b), "%s: store and in-process differ after 300 learns", t->name);
    OK(otter_store_snapshot(s, 1, NULL, err));
    learn_store(s, 7, "m", task, k, inst, 300, 500);
    state_of(s, 7, "m", &a);

    /* restore gives the snapshot's state, bit for bit, and identical further learning */
    OK(otter_store_restore(s, 1, err));
    state_of(s, 7, "m", &b);
    otter_buf at1 = OTTER_BUF_INIT;
    learner_state(ref, &at1);
    ck_assert_msg(same_buf(&b, &at1), "%s: restore(1) is not the snapshot's state", t->name);
    otter_prediction p1, p2;
    row(inst, 9999, task, k);
    OK(otter_store_predict(s, 7, "m", inst, &p1, err));
    OK(otter_learner_predict(ref, inst, &p2, err));
    ck_assert(p1.score == p2.score || (isnan(p1.score) && isnan(p2.score)));
    learn_store(s, 7, "m", task, k, inst, 300, 500);
    state_of(s, 7, "m", &b);
    ck_assert_msg(same_buf(&a, &b), "%s: learning after restore diverged", t->name);

    /* a clean reopen and an unclean stop (replay of the log) both keep every update */
    otter_store_close(s);
    s = open_store(dir, OTTER_DURABILITY_SYNC);
    state_of(s, 7, "m", &b);
    ck_assert_msg(same_buf(&a, &b), "%s: reopen lost state", t->name);
    otter_store_close(s);
    pid_t pid = fork();
    if (pid == 0) {
        otter_store *c = open_store(dir, OTTER_DURABILITY_SYNC);
        learn_store(c, 7, "m", task, k, inst, 500, 650);
        _exit(0); /* no close: the log is all there is */
    }
    int status;
    waitpid(pid, &status, 0);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    learn_ref(ref, inst, 300, 650);
    s = open_store(dir, OTTER_DURABILITY_SYNC);
    otter_store_stats st;
    otter_store_stats_get(s, &st);
    ck_assert_uint_eq(st.replayed, 150);
    state_of(s, 7, "m", &a);
    learner_state(ref, &b);
    ck_assert_msg(same_buf(&a, &b), "%s: replay differs from in-process", t->name);
    otter_entity_info info;
    OK(otter_store_info(s, 7, "m", &info, err));
    ck_assert_uint_eq(info.version, 650);
    ck_assert_str_eq(info.type, t->name);
    otter_store_close(s);
    otter_buf_free(&a);
    otter_buf_free(&b);
    otter_buf_free(&at1);
    otter_learner_destroy(ref);
    otter_instance_destroy(inst);
}
END_TEST

/* Updates logged before a state import must not be replayed onto the imported state. */
START_TEST(replay_after_hot_swap)
{
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    otter_learner *ref = NULL;
    OK(otter_learner_create(ctx, "logreg", NULL, &ref, err));
    learn_ref(ref, inst, 1000, 1010);
    otter_buf blob = OTTER_BUF_INIT, a = OTTER_BUF_INIT;
    learner_state(ref, &blob);
    pid_t pid = fork();
    if (pid == 0) {
        otter_store *s = open_store(dir, OTTER_DURABILITY_SYNC);
        OK(otter_store_create_learner(s, 0, "m", "logreg", NULL, NULL, err));
        learn_store(s, 0, "m", OTTER_TASK_BINARY, 2, inst, 0, 20);
        OK(otter_store_put_state(s, 0, "m", OTTER_ENTITY_LEARNER, blob.data, blob.len, err));
        learn_store(s, 0, "m", OTTER_TASK_BINARY, 2, inst, 20, 30);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    learn_ref(ref, inst, 20, 30);
    otter_store *s = open_store(dir, OTTER_DURABILITY_SYNC);
    state_of(s, 0, "m", &a);
    learner_state(ref, &blob);
    ck_assert_msg(same_buf(&a, &blob), "learns from before the import were replayed onto it");
    otter_store_close(s);
    otter_buf_free(&a);
    otter_buf_free(&blob);
    otter_learner_destroy(ref);
    otter_instance_destroy(inst);
}
END_TEST

/* ---- bandits ---- */

static const char *const arms[] = {"x", "y", "z"};

static void context(otter_instance *inst, uint64_t i)
{
    otter_rng rng;
    otter_rng_seed(&rng, 77 + i);
    otter_instance_clear(inst);
    OK(otter_instance_num(inst, "", "f1", otter_rng_normal(&rng), err));
    OK(otter_instance_num(inst, "", "f2", otter_rng_uniform(&rng), err));
    OK(otter_instance_num(inst, "@y", "bonus", 1.0, err));
}

/* Step i of a bandit workload: a decision at t = 10 i ms; every third is rewarded at
 * once, every fifth one later (steps i+7), the rest expire (reward_wait is 0.2 s);
 * statuses are compared between the two sides, not required to be OK. */
typedef struct bside {
    otter_bandit *b; /* in-process, or NULL for the store */
    otter_store *s;
    char ids[4096][OTTER_EVENT_ID_MAX];
} bside;

static otter_status b_rank(bside *x, otter_instance *inst, uint64_t i, otter_decision *d)
{
    otter_rank_request rq = {0};
    rq.context = inst;
    rq.now_ms = 1000000 + 10 * (int64_t)i;
    otter_error e = {0};
    return x->b ? otter_bandit_rank(x->b, &rq, d, &e) : otter_store_rank(x->s, 3, "b", &rq, d, &e);
}

static otter_status b_reward(bside *x, const char *id, double r, uint64_t i)
{
    otter_error e = {0};
    int64_t now = 1000000 + 10 * (int64_t)i;
    return x->b ? otter_bandit_reward(x->b, id, r, now, &e)
                : otter_store_reward(x->s, 3, "b", id, r, now, &e);
}

static void b_steps(bside *x, otter_instance *inst, uint64_t from, uint64_t to, int *log)
{
    otter_decision d = OTTER_DECISION_INIT;
    for (uint64_t i = from; i < to; i++) {
        context(inst, i);
        otter_status st = b_rank(x, inst, i, &d);
        *log++ = st;
        snprintf(x->ids[i % 4096], OTTER_EVENT_ID_MAX, "%s", st == OTTER_OK ? d.event_id : "");
        if (st == OTTER_OK && i % 3 == 0)
            *log++ = b_reward(x, d.event_id, (double)(i % 2), i);
        if (i >= 7 && (i - 7) % 5 == 0 && x->ids[(i - 7) % 4096][0])
            *log++ = b_reward(x, x->ids[(i - 7) % 4096], 1.0, i);
    }
    otter_decision_free(&d);
}

static void bandit_state(bside *x, otter_buf *out)
{
    out->len = 0;
    if (x->b)
        OK(otter_bandit_encode(x->b, out, err));
    else
        OK(otter_store_get_state(x->s, 3, "b", out, err));
}

START_TEST(bandit_round_trip)
{
    const otter_bandit_type *t = otter_context_bandit_at(ctx, (size_t)_i);
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    otter_params *p = test_params("dim=8,reward_wait=0.2,remember=0.3,seed=5");
    static bside ref, st;
    memset(&ref, 0, sizeof ref);
    memset(&st, 0, sizeof st);
    OK(otter_bandit_create(ctx, t->name, p, arms, 3, &ref.b, err));
    st.s = open_store(dir, OTTER_DURABILITY_SYNC);
    OK(otter_store_create_bandit(st.s, 3, "b", t->name, p, arms, 3, NULL, err));
    static int la[8192], lb[8192];
    otter_buf a = OTTER_BUF_INIT, b = OTTER_BUF_INIT, at1 = OTTER_BUF_INIT;

    b_steps(&ref, inst, 0, 200, la);
    b_steps(&st, inst, 0, 200, lb);
    ck_assert(memcmp(la, lb, sizeof la) == 0);
    bandit_state(&ref, &a);
    bandit_state(&st, &b);
    ck_assert_msg(same_buf(&a, &b), "%s: store and in-process differ", t->name);
    ck_assert(otter_bandit_pending(ref.b) > 0);
    OK(otter_store_snapshot(st.s, 1, NULL, err));
    bandit_state(&ref, &at1);

    /* reopen (decisions reloaded from their own records) and go on */
    otter_store_close(st.s);
    st.s = open_store(dir, OTTER_DURABILITY_SYNC);
    bandit_state(&st, &b);
    ck_assert_msg(same_buf(&at1, &b), "%s: reopen changed the state", t->name);
    memset(la, 0, sizeof la);
    memset(lb, 0, sizeof lb);
    b_steps(&ref, inst, 200, 400, la);
    b_steps(&st, inst, 200, 400, lb);
    ck_assert_msg(memcmp(la, lb, sizeof la) == 0, "%s: statuses differ after reopen", t->name);
    bandit_state(&ref, &a);
    bandit_state(&st, &b);
    ck_assert_msg(same_buf(&a, &b), "%s: diverged after reopen", t->name);

    /* restore goes back to the snapshot exactly */
    OK(otter_store_restore(st.s, 1, err));
    bandit_state(&st, &b);
    ck_assert_msg(same_buf(&at1, &b), "%s: restore(1) differs", t->name);

    /* an unclean stop: the log replays decisions and rewards */
    otter_store_close(st.s);
    otter_bandit_destroy(ref.b);
    OK(otter_bandit_decode(ctx, at1.data, at1.len, &ref.b, err));
    memset(la, 0, sizeof la);
    b_steps(&ref, inst, 200, 350, la);
    pid_t pid = fork();
    if (pid == 0) {
        st.s = open_store(dir, OTTER_DURABILITY_SYNC);
        b_steps(&st, inst, 200, 350, lb);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    st.s = open_store(dir, OTTER_DURABILITY_SYNC);
    bandit_state(&ref, &a);
    bandit_state(&st, &b);
    ck_assert_msg(same_buf(&a, &b), "%s: replay differs", t->name);
    /* arms through the store */
    OK(otter_store_add_arm(st.s, 3, "b", "w", err));
    OK(otter_bandit_add_arm(ref.b, "w", err));
    OK(otter_store_remove_arm(st.s, 3, "b", "x", err));
    OK(otter_bandit_remove_arm(ref.b, "x", err));
    otter_store_close(st.s);
    st.s = open_store(dir, OTTER_DURABILITY_SYNC);
    bandit_state(&ref, &a);
    bandit_state(&st, &b);
    ck_assert_msg(same_buf(&a, &b), "%s: arm changes lost", t->name);
    otter_store_close(st.s);
    otter_bandit_destroy(ref.b);
    otter_params_destroy(p);
    otter_buf_free(&a);
    otter_buf_free(&b);
    otter_buf_free(&at1);
    otter_instance_destroy(inst);
}
END_TEST

/* ---- pending events ---- */

typedef struct expired_log {
    int n;
    char ids[16][OTTER_EVENT_ID_MAX];
} expired_log;

static void on_expired(void *ud, const otter_expired_event *ev)
{
    expired_log *l = ud;
    ck_assert_str_eq(ev->entity, "fraud");
    ck_assert(ev->len > 0);
    snprintf(l->ids[l->n++ % 16], OTTER_EVENT_ID_MAX, "%s", ev->event_id);
}

START_TEST(feedback_loop)
{
    otter_store *s = open_store(dir, OTTER_DURABILITY_SYNC);
    OK(otter_store_create_learner(s, 1, "fraud", "logreg", NULL, NULL, err));
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    otter_learner *ref = NULL;
    OK(otter_learner_create(ctx, "logreg", NULL, &ref, err));
    otter_prediction pr;
    char id[32];
    /* score 40 events; label 30 of them later, out of order */
    for (int i = 0; i < 40; i++) {
        row(inst, (uint64_t)i, OTTER_TASK_BINARY, 2);
        snprintf(id, sizeof id, "tx-%d", i);
        OK(otter_store_predict_event(s, 1, "fraud", inst, id, 5000 + i, &pr, err));
    }
    ck_assert_uint_eq(otter_store_pending_events(s), 40);
    otter_error e = {0};
    row(inst, 0, OTTER_TASK_BINARY, 2);
    ck_assert_int_eq(otter_store_predict_event(s, 1, "fraud", inst, "tx-3", 9000, &pr, &e),
                     OTTER_EXISTS);
    for (int i = 29; i >= 0; i--) {
        snprintf(id, sizeof id, "tx-%d", i);
        double y = row(inst, (uint64_t)i, OTTER_TASK_BINARY, 2);
        OK(otter_store_feedback(s, 1, "fraud", id, y, 1.0, err));
        OK(otter_learner_learn(ref, inst, y, 1.0, err));
    }
    /* exactly once: a second label for the same event is refused */
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(otter_store_feedback(s, 1, "fraud", "tx-5", 1, 1.0, &e), OTTER_NOT_FOUND);
    /* a bad label keeps the event */
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(otter_store_feedback(s, 1, "fraud", "tx-30", NAN, 1.0, &e), OTTER_INVALID);
    ck_assert_uint_eq(otter_store_pending_events(s), 10);
    otter_buf a = OTTER_BUF_INIT, b = OTTER_BUF_INIT;
    state_of(s, 1, "fraud", &a);
    learner_state(ref, &b);
    ck_assert(same_buf(&a, &b));
    /* survives a reopen, then expiry reports the rest in deadline order */
    otter_store_close(s);
    s = open_store(dir, OTTER_DURABILITY_SYNC);
    ck_assert_uint_eq(otter_store_pending_events(s), 10);
    expired_log lg = {0};
    size_t n = 0;
    OK(otter_store_expire(s, 5034, on_expired, &lg, &n, err));
    ck_assert_uint_eq(n, 5);
    ck_assert_str_eq(lg.ids[0], "tx-30");
    ck_assert_str_eq(lg.ids[4], "tx-34");
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(otter_store_feedback(s, 1, "fraud", "tx-31", 1, 1.0, &e), OTTER_NOT_FOUND);
    OK(otter_store_feedback(s, 1, "fraud", "tx-35", 1, 1.0, err));
    ck_assert_uint_eq(otter_store_pending_events(s), 4);
    /* generic payloads, exactly once across threads is covered by concurrency below */
    OK(otter_store_event_put(s, 9, "anything", "e1", "hello", 5, 1, err));
    otter_buf out = OTTER_BUF_INIT;
    OK(otter_store_event_take(s, 9, "anything", "e1", &out, err));
    ck_assert_uint_eq(out.len, 5);
    ck_assert(memcmp(out.data, "hello", 5) == 0);
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(otter_store_event_take(s, 9, "anything", "e1", &out, &e), OTTER_NOT_FOUND);
    /* a hot swap of the model keeps its scored instances: the label trains the new one */
    otter_learner *fresh = NULL;
    OK(otter_learner_create(ctx, "logreg", NULL, &fresh, err));
    learner_state(fresh, &b);
    OK(otter_store_put_state(s, 1, "fraud", OTTER_ENTITY_LEARNER, b.data, b.len, err));
    ck_assert_uint_eq(otter_store_pending_events(s), 4);
    double y36 = row(inst, 36, OTTER_TASK_BINARY, 2);
    OK(otter_store_feedback(s, 1, "fraud", "tx-36", y36, 1.0, err));
    OK(otter_learner_learn(fresh, inst, y36, 1.0, err));
    state_of(s, 1, "fraud", &a);
    learner_state(fresh, &b);
    ck_assert(same_buf(&a, &b));
    otter_learner_destroy(fresh);
    /* deleting the model drops its pending events */
    ck_assert_uint_eq(otter_store_pending_events(s), 3);
    OK(otter_store_delete(s, 1, "fraud", err));
    ck_assert_uint_eq(otter_store_pending_events(s), 0);
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(otter_store_feedback(s, 1, "fraud", "tx-37", 1, 1.0, &e), OTTER_NOT_FOUND);
    otter_store_close(s);
    otter_buf_free(&a);
    otter_buf_free(&b);
    otter_buf_free(&out);
    otter_learner_destroy(ref);
    otter_instance_destroy(inst);
}
END_TEST

/* ---- export / import ---- */

static otter_status to_buf(void *ud, const void *p, size_t n, otter_error *err)
{
    return otter_buf_append(ud, p, n, err);
}

typedef struct reader {
    const otter_buf *b;
    size_t pos, chunk;
} reader;

static otter_status from_buf(void *ud, void *p, size_t n, size_t *got, otter_error *err)
{
    (void)err;
    reader *r = ud;
    size_t left = r->b->len - r->pos;
    size_t k = n < left ? n : left;
    if (r->chunk && k > r->chunk)
        k = r->chunk; /* short reads must work */
    memcpy(p, r->b->data + r->pos, k);
    r->pos += k;
    *got = k;
    return OTTER_OK;
}

typedef struct listing {
    int n;
    char names[512][48];
    uint16_t kg[512];
    uint64_t version[512];
} listing;

static otter_status collect(void *ud, const otter_entity_info *info)
{
    listing *l = ud;
    ck_assert_int_lt(l->n, 512);
    snprintf(l->names[l->n], 48, "%s", info->name);
    l->kg[l->n] = info->key_group;
    l->version[l->n] = info->version;
    l->n++;
    return OTTER_OK;
}

static void list_all(otter_store *s, listing *l)
{
    memset(l, 0, sizeof *l);
    OK(otter_store_list(s, 0, OTTER_KEY_GROUPS - 1, collect, l, err));
}

START_TEST(key_groups_split_merge)
{
    char d0[300];
    sub(d0, sizeof d0, "src");
    otter_store *s = open_store(d0, OTTER_DURABILITY_NONE);
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    char name[32], id[32];
    otter_prediction pr;
    for (unsigned kg = 0; kg < 128; kg++)
        for (int j = 0; j < 2; j++) {
            snprintf(name, sizeof name, "m%u.%d", kg, j);
            OK(otter_store_create_learner(s, (uint16_t)kg, name, "logreg", NULL, NULL, err));
            learn_store(s, (uint16_t)kg, name, OTTER_TASK_BINARY, 2, inst, 0, kg % 7 + (unsigned)j);
            snprintf(id, sizeof id, "ev%u", kg);
            row(inst, kg, OTTER_TASK_BINARY, 2);
            if (j == 0)
                OK(otter_store_predict_event(s, (uint16_t)kg, name, inst, id, 100000, &pr, err));
        }
    OK(otter_store_create_bandit(s, 200, "outside", "thompson", NULL, arms, 3, NULL, err));
    OK(otter_store_snapshot(s, 1, NULL, err));
    listing orig;
    list_all(s, &orig);
    ck_assert_int_eq(orig.n, 257);

    static const uint16_t ranges[3][2] = {{0, 41}, {42, 99}, {100, 127}};
    otter_buf parts[3] = {OTTER_BUF_INIT, OTTER_BUF_INIT, OTTER_BUF_INIT};
    int total = 0;
    for (int r = 0; r < 3; r++) {
        OK(otter_store_export(s, 1, ranges[r][0], ranges[r][1], to_buf, &parts[r], err));
        char dr[300];
        snprintf(dr, sizeof dr, "%s/part%d", dir, r);
        otter_store *t = open_store(dr, OTTER_DURABILITY_SYNC);
        reader rd = {&parts[r], 0, 1000};
        uint64_t ne = 0, nv = 0;
        OK(otter_store_import(t, from_buf, &rd, &ne, &nv, err));
        ck_assert_uint_eq(ne, 2u * (ranges[r][1] - ranges[r][0] + 1u));
        ck_assert_uint_eq(nv, ranges[r][1] - ranges[r][0] + 1u);
        listing l;
        list_all(t, &l);
        ck_assert_int_eq(l.n, (int)ne);
        for (int i = 0; i < l.n; i++)
            ck_assert(l.kg[i] >= ranges[r][0] && l.kg[i] <= ranges[r][1]);
        ck_assert_uint_eq(otter_store_pending_events(t), nv);
        total += l.n;
        /* take a snapshot there and hand it back */
        OK(otter_store_snapshot(t, 5, NULL, err));
        parts[r].len = 0;
        OK(otter_store_export(t, 5, 0, OTTER_KEY_GROUPS - 1, to_buf, &parts[r], err));
        otter_store_close(t);
    }
    ck_assert_int_eq(total, 256);

    /* merge the three into a new store: exactly the original 256, none twice */
    char dm[300];
    sub(dm, sizeof dm, "merged");
    otter_store *m = open_store(dm, OTTER_DURABILITY_SYNC);
    for (int r = 0; r < 3; r++) {
        reader rd = {&parts[r], 0, 0};
        OK(otter_store_import(m, from_buf, &rd, NULL, NULL, err));
    }
    listing merged;
    list_all(m, &merged);
    ck_assert_int_eq(merged.n, 256);
    for (int i = 0; i < 256; i++) {
        ck_assert_str_eq(merged.names[i], orig.names[i]);
        ck_assert_uint_eq(merged.kg[i], orig.kg[i]);
        ck_assert_uint_eq(merged.version[i], orig.version[i]);
        otter_buf a = OTTER_BUF_INIT, b = OTTER_BUF_INIT;
        state_of(s, orig.kg[i], orig.names[i], &a);
        state_of(m, orig.kg[i], orig.names[i], &b);
        ck_assert(same_buf(&a, &b));
        otter_buf_free(&a);
        otter_buf_free(&b);
    }
    ck_assert_uint_eq(otter_store_pending_events(m), 128);
    /* the merged store's pending events answer feedback */
    OK(otter_store_feedback(m, 77, "m77.0", "ev77", 1, 1.0, err));
    /* importing the same part again replaces, never duplicates */
    reader again = {&parts[1], 0, 0};
    OK(otter_store_import(m, from_buf, &again, NULL, NULL, err));
    list_all(m, &merged);
    ck_assert_int_eq(merged.n, 256);
    ck_assert_uint_eq(otter_store_pending_events(m), 128);
    /* dropping a range removes exactly it */
    OK(otter_store_drop_key_groups(m, 0, 63, err));
    list_all(m, &merged);
    ck_assert_int_eq(merged.n, 128);
    ck_assert_uint_eq(merged.kg[0], 64);
    ck_assert_uint_eq(otter_store_pending_events(m), 64);

    /* a damaged or truncated stream is refused and applies nothing */
    otter_buf bad = OTTER_BUF_INIT;
    OK(otter_buf_append(&bad, parts[0].data, parts[0].len, err));
    bad.data[bad.len / 2] ^= 0x10;
    reader rb = {&bad, 0, 0};
    otter_error e = {0};
    ck_assert_int_eq(otter_store_import(m, from_buf, &rb, NULL, NULL, &e), OTTER_CORRUPT);
    bad.data[bad.len / 2] ^= 0x10;
    bad.len -= 3;
    rb.pos = 0;
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(otter_store_import(m, from_buf, &rb, NULL, NULL, &e), OTTER_CORRUPT);
    list_all(m, &merged);
    ck_assert_int_eq(merged.n, 128);
    otter_buf_free(&bad);
    otter_store_close(m);
    otter_store_close(s);
    for (int r = 0; r < 3; r++)
        otter_buf_free(&parts[r]);
    otter_instance_destroy(inst);
}
END_TEST

/* A snapshot reader exports key group after key group from one open snapshot (what a
 * Flink checkpoint does for its subtask's range), finds the non-empty groups by seeking,
 * and import_next reads those streams back laid end to end, stopping at each trailer. */
START_TEST(snapshot_reader_per_key_group)
{
    char d0[300];
    sub(d0, sizeof d0, "src");
    otter_store *s = open_store(d0, OTTER_DURABILITY_NONE);
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    static const uint16_t groups[] = {3, 5, 70};
    char name[32];
    for (size_t i = 0; i < 3; i++) {
        snprintf(name, sizeof name, "k%u", (unsigned)groups[i]);
        OK(otter_store_create_learner(s, groups[i], name, "logreg", NULL, NULL, err));
        learn_store(s, groups[i], name, OTTER_TASK_BINARY, 2, inst, 0, 5 + (unsigned)i);
    }
    otter_prediction pr;
    row(inst, 1, OTTER_TASK_BINARY, 2);
    OK(otter_store_predict_event(s, 5, "k5", inst, "ev1", 100000, &pr, err));
    /* a generic pending event in a key group without any entity */
    OK(otter_store_event_put(s, 9, "nobody", "g1", "xyz", 3, 100000, err));
    OK(otter_store_snapshot(s, 1, NULL, err));
    otter_buf blobs[3] = {OTTER_BUF_INIT, OTTER_BUF_INIT, OTTER_BUF_INIT};
    for (size_t i = 0; i < 3; i++) {
        snprintf(name, sizeof name, "k%u", (unsigned)groups[i]);
        state_of(s, groups[i], name, &blobs[i]);
    }
    /* the live state moves on; the reader must see snapshot 1 only */
    learn_store(s, 3, "k3", OTTER_TASK_BINARY, 2, inst, 0, 9);
    OK(otter_store_create_learner(s, 100, "late", "logreg", NULL, NULL, err));

    otter_error e = {0};
    otter_snapshot_reader *r = NULL;
    ck_assert_int_eq(otter_snapshot_reader_create(s, 42, &r, &e), OTTER_NOT_FOUND);
    ck_assert_ptr_null(r);
    ck_assert_int_eq(otter_snapshot_reader_create(s, 0, &r, &e), OTTER_INVALID);
    OK(otter_snapshot_reader_create(s, 1, &r, err));
    /* taking another snapshot does not disturb an open reader */
    OK(otter_store_snapshot(s, 2, NULL, err));

    static const int want[] = {3, 5, 9, 70};
    otter_buf all = OTTER_BUF_INIT, one = OTTER_BUF_INIT;
    size_t n = 0;
    int kg = -1;
    for (uint32_t from = 0; from < 128; from = (uint32_t)kg + 1) {
        OK(otter_snapshot_reader_next_group(r, (uint16_t)from, 127, &kg, err));
        if (kg < 0)
            break;
        ck_assert_uint_lt(n, 4);
        ck_assert_int_eq(kg, want[n++]);
        size_t at = all.len;
        OK(otter_snapshot_reader_export(r, (uint16_t)kg, (uint16_t)kg, to_buf, &all, err));
        /* the same bytes as a one-off export of that key group of the snapshot */
        one.len = 0;
        OK(otter_store_export(s, 1, (uint16_t)kg, (uint16_t)kg, to_buf, &one, err));
        ck_assert_uint_eq(all.len - at, one.len);
        ck_assert(memcmp(all.data + at, one.data, one.len) == 0);
    }
    ck_assert_uint_eq(n, 4);
    OK(otter_snapshot_reader_next_group(r, 71, 127, &kg, err));
    ck_assert_int_eq(kg, -1);
    ck_assert_int_eq(otter_snapshot_reader_next_group(r, 5, 4, &kg, &e), OTTER_INVALID);
    otter_snapshot_reader_destroy(r);
    otter_snapshot_reader_destroy(NULL);

    /* a whole-stream import refuses the concatenation... */
    char dt[300];
    sub(dt, sizeof dt, "dst");
    otter_store *t = open_store(dt, OTTER_DURABILITY_NONE);
    reader rd = {&all, 0, 7};
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(otter_store_import(t, from_buf, &rd, NULL, NULL, &e), OTTER_CORRUPT);
    ck_assert_ptr_nonnull(strstr(e.message, "after its trailer"));
    /* ...import_next takes the streams one by one and reads nothing past each */
    rd.pos = 0;
    uint64_t ne = 0, nv = 0, tot_e = 0, tot_v = 0;
    for (size_t i = 0; i < 4; i++) {
        OK(otter_store_import_next(t, from_buf, &rd, &ne, &nv, err));
        tot_e += ne;
        tot_v += nv;
    }
    ck_assert_uint_eq(rd.pos, all.len);
    ck_assert_uint_eq(tot_e, 3);
    ck_assert_uint_eq(tot_v, 2);
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(otter_store_import_next(t, from_buf, &rd, NULL, NULL, &e), OTTER_CORRUPT);
    listing l;
    list_all(t, &l);
    ck_assert_int_eq(l.n, 3);
    for (size_t i = 0; i < 3; i++) {
        otter_buf b = OTTER_BUF_INIT;
        state_of(t, groups[i], l.names[i], &b);
        ck_assert(same_buf(&b, &blobs[i]));
        otter_buf_free(&b);
        otter_buf_free(&blobs[i]);
    }
    ck_assert_uint_eq(otter_store_pending_events(t), 2);
    OK(otter_store_feedback(t, 5, "k5", "ev1", 1, 1.0, err));
    otter_buf g = OTTER_BUF_INIT;
    OK(otter_store_event_take(t, 9, "nobody", "g1", &g, err));
    ck_assert_uint_eq(g.len, 3);
    otter_buf_free(&g);
    otter_store_close(t);
    otter_store_close(s);
    otter_buf_free(&all);
    otter_buf_free(&one);
    otter_instance_destroy(inst);
}
END_TEST

/* ---- snapshots: retention, ids, cheap unchanged snapshots ---- */

static size_t count_snapshots(otter_store *s, uint64_t *first)
{
    otter_snapshot_info *v = NULL;
    size_t n = 0;
    OK(otter_store_snapshots(s, &v, &n, err));
    if (first)
        *first = n ? v[0].id : 0;
    free(v);
    return n;
}

static ino_t sst_inode(const char *snapdir, char *name_out)
{
    DIR *d = opendir(snapdir);
    ck_assert_ptr_nonnull(d);
    ino_t ino = 0;
    for (struct dirent *de; (de = readdir(d));) {
        size_t n = strlen(de->d_name);
        if (n > 4 && !strcmp(de->d_name + n - 4, ".sst")) {
            char p[600];
            struct stat sb;
            snprintf(p, sizeof p, "%s/%s", snapdir, de->d_name);
            ck_assert_int_eq(stat(p, &sb), 0);
            if (sb.st_size > 1000) { /* the entities file, not a tiny meta one */
                ino = sb.st_ino;
                strcpy(name_out, de->d_name);
                break;
            }
        }
    }
    closedir(d);
    return ino;
}

/* An import replaces the entities its stream holds; another entity in its key-group
 * range keeps every acknowledged update, also those only in memory and the log. */
START_TEST(import_keeps_unlisted_entities)
{
    char da[300], db[300];
    sub(da, sizeof da, "a");
    sub(db, sizeof db, "b");
    otter_store *a = open_store(da, OTTER_DURABILITY_SYNC);
    otter_store *b = open_store(db, OTTER_DURABILITY_SYNC);
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    OK(otter_store_create_learner(a, 7, "kept", "logreg", NULL, NULL, err));
    OK(otter_store_create_learner(b, 5, "other", "logreg", NULL, NULL, err));
    learn_store(a, 7, "kept", OTTER_TASK_BINARY, 2, inst, 0, 10);
    otter_entity_info info;
    OK(otter_store_info(a, 7, "kept", &info, err));
    ck_assert_int_eq(info.dirty, 1);
    otter_buf before = OTTER_BUF_INIT, after = OTTER_BUF_INIT, stream = OTTER_BUF_INIT;
    state_of(a, 7, "kept", &before);
    OK(otter_store_export(b, 0, 0, OTTER_KEY_GROUPS - 1, to_buf, &stream, err));
    reader rd = {&stream, 0, 0};
    OK(otter_store_import(a, from_buf, &rd, NULL, NULL, err));
    OK(otter_store_info(a, 7, "kept", &info, err));
    ck_assert_uint_eq(info.version, 10);
    state_of(a, 7, "kept", &after);
    ck_assert_uint_eq(after.len, before.len);
    ck_assert(memcmp(after.data, before.data, before.len) == 0);
    otter_store_close(a);
    a = open_store(da, OTTER_DURABILITY_SYNC);
    OK(otter_store_info(a, 7, "kept", &info, err));
    ck_assert_uint_eq(info.version, 10);
    OK(otter_store_info(a, 5, "other", &info, err));
    otter_store_close(a);
    otter_store_close(b);
    otter_buf_free(&before);
    otter_buf_free(&after);
    otter_buf_free(&stream);
    otter_instance_destroy(inst);
}
END_TEST

/* A store without snapshots and a bandit without decisions (empty listings, under the
 * sanitizers in make check-asan). */
START_TEST(empty_listings)
{
    otter_store *s = open_store(dir, OTTER_DURABILITY_SYNC);
    otter_snapshot_info *v = NULL;
    size_t n = 9;
    OK(otter_store_snapshots(s, &v, &n, err));
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_null(v);
    OK(otter_store_retain(s, 1, err));
    OK(otter_store_verify(s, NULL, NULL, err));
    OK(otter_store_create_bandit(s, 3, "b", "thompson", NULL, arms, 3, NULL, err));
    otter_store_close(s);
    s = open_store(dir, OTTER_DURABILITY_SYNC);
    otter_entity_info info;
    OK(otter_store_info(s, 3, "b", &info, err));
    ck_assert_int_eq(info.kind, OTTER_ENTITY_BANDIT);
    otter_store_close(s);
}
END_TEST

START_TEST(snapshots_retain_and_ids)
{
    otter_store *s = open_store(dir, OTTER_DURABILITY_SYNC);
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    char name[32];
    for (int i = 0; i < 50; i++) {
        snprintf(name, sizeof name, "m%d", i);
        OK(otter_store_create_learner(s, (uint16_t)(i % 4), name, "logreg", NULL, NULL, err));
        learn_store(s, (uint16_t)(i % 4), name, OTTER_TASK_BINARY, 2, inst, 0, 5);
    }
    otter_snapshot_info i1, i2;
    OK(otter_store_snapshot(s, 10, &i1, err));
    ck_assert_uint_eq(i1.entities, 50);
    ck_assert_uint_eq(i1.kg_lo, 0);
    ck_assert_uint_eq(i1.kg_hi, 3);
    /* unchanged state: the next snapshot shares the same SST file (a hard link) */
    OK(otter_store_snapshot(s, 11, &i2, err));
    char p1[300], p2[300], n1[300] = "", n2[300] = "";
    snprintf(p1, sizeof p1, "%s/snapshots/10", dir);
    snprintf(p2, sizeof p2, "%s/snapshots/11", dir);
    ino_t a = sst_inode(p1, n1), b = sst_inode(p2, n2);
    ck_assert(a != 0);
    ck_assert_msg(a == b, "unchanged state was copied (%s vs %s)", n1, n2);
    otter_error e = {0};
    ck_assert_int_eq(otter_store_snapshot(s, 11, NULL, &e), OTTER_INVALID);
    ck_assert_int_eq(otter_store_snapshot(s, 3, NULL, &e), OTTER_INVALID);
    for (uint64_t id = 12; id <= 15; id++) {
        learn_store(s, 1, "m1", OTTER_TASK_BINARY, 2, inst, 5 + id, 6 + id);
        OK(otter_store_snapshot(s, id, NULL, err));
    }
    uint64_t first = 0;
    ck_assert_uint_eq(count_snapshots(s, &first), 6);
    OK(otter_store_retain(s, 2, err));
    ck_assert_uint_eq(count_snapshots(s, &first), 2);
    ck_assert_uint_eq(first, 14);
    OK(otter_store_retain(s, 2, err));
    ck_assert_uint_eq(count_snapshots(s, NULL), 2);
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(otter_store_drop(s, 12, &e), OTTER_NOT_FOUND);
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(otter_store_retain(s, 0, &e), OTTER_INVALID);
    /* restoring 14 abandons 15's timeline: 15 may be taken again and replaces it */
    otter_entity_info before, after;
    OK(otter_store_info(s, 1, "m1", &before, err));
    OK(otter_store_restore(s, 14, err));
    OK(otter_store_info(s, 1, "m1", &after, err));
    ck_assert_uint_eq(after.version, before.version - 1);
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(otter_store_snapshot(s, 14, NULL, &e), OTTER_INVALID);
    otter_snapshot_info i15;
    OK(otter_store_snapshot(s, 15, &i15, err));
    ck_assert_uint_eq(i15.parent, 14);
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(otter_store_restore(s, 99, &e), OTTER_NOT_FOUND);
    ck_assert_msg(strstr(e.message, "no snapshot 99 in "), "%s", e.message);
    OK(otter_store_verify(s, NULL, NULL, err));
    otter_store_close(s);
    otter_instance_destroy(inst);
}
END_TEST

/* ---- corruption ---- */

static void flip_byte(const char *path, long at)
{
    int fd = open(path, O_RDWR);
    ck_assert_int_ge(fd, 0);
    struct stat sb;
    fstat(fd, &sb);
    if (at < 0)
        at = sb.st_size / 2;
    unsigned char c;
    ck_assert_int_eq(pread(fd, &c, 1, at), 1);
    c ^= 0x5a;
    ck_assert_int_eq(pwrite(fd, &c, 1, at), 1);
    close(fd);
}

static void make_store_with_snapshot(otter_instance *inst)
{
    otter_store *s = open_store(dir, OTTER_DURABILITY_SYNC);
    char name[32];
    for (int i = 0; i < 30; i++) {
        snprintf(name, sizeof name, "m%d", i);
        OK(otter_store_create_learner(s, 2, name, "logreg", NULL, NULL, err));
        learn_store(s, 2, name, OTTER_TASK_BINARY, 2, inst, 0, 3);
    }
    OK(otter_store_snapshot(s, 1, NULL, err));
    otter_store_close(s);
}

START_TEST(corrupt_sst_and_manifest)
{
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    make_store_with_snapshot(inst);
    char snap[300], name[300] = "", path[700];
    snprintf(snap, sizeof snap, "%s/snapshots/1", dir);
    ck_assert(sst_inode(snap, name) != 0);
    /* the snapshot's SST is shared with the live database: copy it first, so only the
     * snapshot's file is damaged */
    snprintf(path, sizeof path, "%s/%s", snap, name);
    char cmd[1600];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s.x' && mv '%s.x' '%s'", path, path, path, path);
    ck_assert_int_eq(system(cmd), 0);
    flip_byte(path, -1);
    otter_store *s = open_store(dir, OTTER_DURABILITY_SYNC);
    otter_error e = {0};
    ck_assert_int_eq(otter_store_restore(s, 1, &e), OTTER_CORRUPT);
    ck_assert_msg(strstr(e.message, name), "message does not name the file: %s", e.message);
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(otter_store_verify(s, NULL, NULL, &e), OTTER_CORRUPT);
    ck_assert_msg(strstr(e.message, name), "verify does not name the file: %s", e.message);
    /* the live state is untouched by the refused restore */
    otter_entity_info info;
    OK(otter_store_info(s, 2, "m7", &info, err));
    ck_assert_uint_eq(info.version, 3);
    otter_store_close(s);

    /* a flipped byte in the manifest */
    snprintf(path, sizeof path, "%s/SNAPSHOT", snap);
    flip_byte(path, 20);
    s = open_store(dir, OTTER_DURABILITY_SYNC);
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(otter_store_restore(s, 1, &e), OTTER_CORRUPT);
    ck_assert_msg(strstr(e.message, "SNAPSHOT"), "%s", e.message);
    otter_store_close(s);

    /* a manifest from a newer format */
    FILE *f = fopen(path, "w");
    fprintf(f, "otter-snapshot 99\nid 1\n");
    fclose(f);
    s = open_store(dir, OTTER_DURABILITY_SYNC);
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(otter_store_restore(s, 1, &e), OTTER_VERSION);
    otter_store_close(s);
    otter_instance_destroy(inst);
}
END_TEST

START_TEST(corrupt_live_sst)
{
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    make_store_with_snapshot(inst);
    char db[300], name[300] = "", path[700];
    snprintf(db, sizeof db, "%s/db", dir);
    ck_assert(sst_inode(db, name) != 0);
    snprintf(path, sizeof path, "%s/%s", db, name);
    char cmd[1600];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s.x' && mv '%s.x' '%s'", path, path, path, path);
    ck_assert_int_eq(system(cmd), 0);
    flip_byte(path, -1);
    otter_store_options o = OTTER_STORE_OPTIONS_INIT;
    otter_store *s = NULL;
    otter_error e = {0};
    otter_status st = otter_store_open(ctx, dir, &o, &s, &e);
    if (st == OTTER_OK) {
        /* RocksDB opened it: reading every block finds it */
        ck_assert_int_eq(otter_store_verify(s, NULL, NULL, &e), OTTER_CORRUPT);
        otter_store_close(s);
    } else
        ck_assert_int_eq(st, OTTER_CORRUPT);
    ck_assert_msg(strstr(e.message, name) || strstr(e.message, ".sst"), "%s", e.message);
    /* the snapshot is intact and brings the store back */
    s = NULL;
    if (otter_store_open(ctx, dir, &o, &s, NULL) == OTTER_OK) {
        OK(otter_store_restore(s, 1, err));
        OK(otter_store_verify(s, NULL, NULL, err));
        otter_store_close(s);
    }
    otter_instance_destroy(inst);
}
END_TEST

START_TEST(corrupt_log_record)
{
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    pid_t pid = fork();
    if (pid == 0) {
        otter_store *s = open_store(dir, OTTER_DURABILITY_SYNC);
        OK(otter_store_create_learner(s, 0, "m", "logreg", NULL, NULL, err));
        learn_store(s, 0, "m", OTTER_TASK_BINARY, 2, inst, 0, 20);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* damage one record's bytes through RocksDB itself (so only our CRC can tell) */
    char db[300];
    snprintf(db, sizeof db, "%s/db", dir);
    otter__rocks *r = NULL;
    otter__rocks_opts ro = {0, 0, 0};
    OK(otter__rocks_open(db, &ro, &r, err));
    otter__rocks_iter *it = NULL;
    OK(otter__rocks_iter_create(r, OTTER__CF_LOG, NULL, 0, NULL, 0, 0, &it, err));
    const uint8_t *k, *v;
    size_t kl, vl;
    int n = 0;
    uint8_t key[8], val[4096];
    size_t vlen = 0;
    while (otter__rocks_iter_next(it, &k, &kl, &v, &vl))
        if (n++ == 10) {
            memcpy(key, k, 8);
            memcpy(val, v, vl);
            vlen = vl;
        }
    otter__rocks_iter_destroy(it);
    ck_assert_int_eq(n, 20);
    val[vlen / 2] ^= 1;
    otter__rocks_batch *b = NULL;
    OK(otter__rocks_batch_create(&b, err));
    otter__rocks_batch_put(b, r, OTTER__CF_LOG, key, 8, val, vlen);
    OK(otter__rocks_write(r, b, 1, 0, err));
    otter__rocks_batch_destroy(b);
    otter__rocks_close(r);
    otter_store_options o = OTTER_STORE_OPTIONS_INIT;
    otter_store *s = NULL;
    otter_error e = {0};
    ck_assert_int_eq(otter_store_open(ctx, dir, &o, &s, &e), OTTER_CORRUPT);
    ck_assert_msg(strstr(e.message, "update log record"), "%s", e.message);
    /* --reset starts over, and only when asked */
    o.reset = 1;
    OK(otter_store_open(ctx, dir, &o, &s, err));
    otter_store_stats st;
    otter_store_stats_get(s, &st);
    ck_assert_uint_eq(st.entities, 0);
    otter_store_close(s);
    otter_instance_destroy(inst);
}
END_TEST

START_TEST(corrupt_directories)
{
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    make_store_with_snapshot(inst);
    char path[300];
    otter_store_options o = OTTER_STORE_OPTIONS_INIT;
    otter_store *s = NULL;
    otter_error e = {0};
    /* a truncated database directory */
    snprintf(path, sizeof path, "%s/db/CURRENT", dir);
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(otter_store_open(ctx, dir, &o, &s, &e), OTTER_CORRUPT);
    ck_assert_msg(strstr(e.message, "CURRENT"), "%s", e.message);
    /* a foreign directory */
    char foreign[300];
    sub(foreign, sizeof foreign, "foreign");
    mkdir(foreign, 0755);
    snprintf(path, sizeof path, "%s/db", foreign);
    mkdir(path, 0755);
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(otter_store_open(ctx, foreign, &o, &s, &e), OTTER_CORRUPT);
    ck_assert_msg(strstr(e.message, "OTTER-STORE"), "%s", e.message);
    /* a newer store format */
    snprintf(path, sizeof path, "%s/OTTER-STORE", foreign);
    FILE *f = fopen(path, "w");
    fprintf(f, "otter-store 7\n");
    fclose(f);
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(otter_store_open(ctx, foreign, &o, &s, &e), OTTER_VERSION);
    /* the same directory open twice */
    char fresh[300];
    sub(fresh, sizeof fresh, "fresh");
    otter_store *a = open_store(fresh, OTTER_DURABILITY_SYNC);
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(otter_store_open(ctx, fresh, &o, &s, &e), OTTER_IO);
    otter_store_close(a);
    /* a first open killed while it created the database: the identity file and a
     * half-made db.creating are there, db is not. Read-only opens say so; the next
     * writable open starts over and gets a whole database. */
    char half[300];
    sub(half, sizeof half, "half");
    mkdir(half, 0755);
    snprintf(path, sizeof path, "%s/OTTER-STORE", half);
    f = fopen(path, "w");
    fprintf(f, "otter-store 1\n");
    fclose(f);
    snprintf(path, sizeof path, "%s/db.creating", half);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/db.creating/CURRENT", half);
    f = fopen(path, "w");
    fprintf(f, "MANIFEST-000001\n");
    fclose(f);
    otter_store_options ro = OTTER_STORE_OPTIONS_INIT;
    ro.read_only = 1;
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(otter_store_open(ctx, half, &ro, &s, &e), OTTER_NOT_FOUND);
    ck_assert_msg(strstr(e.message, "no database"), "%s", e.message);
    otter_store *h = open_store(half, OTTER_DURABILITY_SYNC);
    OK(otter_store_create_learner(h, 1, "m", "logreg", NULL, NULL, err));
    otter_store_close(h);
    snprintf(path, sizeof path, "%s/db.creating", half);
    ck_assert_msg(access(path, F_OK) != 0, "db.creating left behind");
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(otter_store_open(ctx, half, &ro, &s, &e), OTTER_OK);
    otter_entity_info info;
    OK(otter_store_info(s, 1, "m", &info, err));
    otter_store_close(s);
    otter_instance_destroy(inst);
}
END_TEST

/* ---- repeated crashes ---- */

/* A child opens the store (replaying what an earlier child logged), learns rows
 * [from, to) and stops without closing. */
static void learn_and_crash(otter_instance *inst, uint64_t from, uint64_t to)
{
    pid_t pid = fork();
    if (pid == 0) {
        otter_store *s = open_store(dir, OTTER_DURABILITY_SYNC);
        OK(otter_store_create_learner(s, 1, "m", "logreg", NULL, NULL, err));
        learn_store(s, 1, "m", OTTER_TASK_BINARY, 2, inst, from, to);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* The updates replayed at an open must survive a second crash before any snapshot or
 * clean close. */
START_TEST(crash_after_recovery)
{
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    learn_and_crash(inst, 0, 40);
    learn_and_crash(inst, 40, 70);
    learn_and_crash(inst, 70, 75);
    otter_store *s = open_store(dir, OTTER_DURABILITY_SYNC);
    otter_entity_info info;
    OK(otter_store_info(s, 1, "m", &info, err));
    ck_assert_uint_eq(info.version, 75);
    otter_learner *ref = NULL;
    OK(otter_learner_create(ctx, "logreg", NULL, &ref, err));
    learn_ref(ref, inst, 0, 75);
    otter_buf a = OTTER_BUF_INIT, b = OTTER_BUF_INIT;
    state_of(s, 1, "m", &a);
    learner_state(ref, &b);
    ck_assert(same_buf(&a, &b));
    otter_store_close(s);
    otter_learner_destroy(ref);
    otter_buf_free(&a);
    otter_buf_free(&b);
    otter_instance_destroy(inst);
}
END_TEST

/* ---- durability none ---- */

START_TEST(durability_none_rolls_back)
{
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    otter_buf a = OTTER_BUF_INIT, b = OTTER_BUF_INIT;
    pid_t pid = fork();
    if (pid == 0) {
        otter_store *s = open_store(dir, OTTER_DURABILITY_NONE);
        OK(otter_store_create_learner(s, 0, "m", "logreg", NULL, NULL, err));
        learn_store(s, 0, "m", OTTER_TASK_BINARY, 2, inst, 0, 50);
        OK(otter_store_snapshot(s, 1, NULL, err));
        learn_store(s, 0, "m", OTTER_TASK_BINARY, 2, inst, 50, 80);
        otter_store_stats st;
        otter_store_stats_get(s, &st);
        if (st.log_records != 0)
            _exit(3);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    otter_store *s = open_store(dir, OTTER_DURABILITY_NONE);
    otter_entity_info info;
    OK(otter_store_info(s, 0, "m", &info, err));
    ck_assert_uint_eq(info.version, 50);
    otter_learner *ref = NULL;
    OK(otter_learner_create(ctx, "logreg", NULL, &ref, err));
    learn_ref(ref, inst, 0, 50);
    state_of(s, 0, "m", &a);
    learner_state(ref, &b);
    ck_assert(same_buf(&a, &b));
    /* a clean close keeps everything */
    learn_store(s, 0, "m", OTTER_TASK_BINARY, 2, inst, 50, 60);
    otter_store_close(s);
    s = open_store(dir, OTTER_DURABILITY_NONE);
    OK(otter_store_info(s, 0, "m", &info, err));
    ck_assert_uint_eq(info.version, 60);
    otter_store_close(s);
    otter_learner_destroy(ref);
    otter_buf_free(&a);
    otter_buf_free(&b);
    otter_instance_destroy(inst);
}
END_TEST

/* ---- concurrency ---- */

typedef struct worker {
    otter_store *s;
    int id;
    int n;
} worker;

static void *work(void *p)
{
    worker *w = p;
    otter_instance *inst = NULL;
    otter_error e = {0};
    if (otter_instance_create(&inst, &e) != OTTER_OK)
        return (void *)1;
    char own[32];
    snprintf(own, sizeof own, "own%d", w->id);
    for (int i = 0; i < w->n; i++) {
        double y = row(inst, (uint64_t)i, OTTER_TASK_BINARY, 2);
        if (otter_store_learn(w->s, 5, own, inst, y, 1.0, &e) != OTTER_OK ||
            otter_store_learn(w->s, 5, "shared", inst, y, 1.0, &e) != OTTER_OK)
            return (void *)2;
        otter_prediction pr;
        if (otter_store_predict(w->s, 5, "shared", inst, &pr, &e) != OTTER_OK)
            return (void *)3;
        char id[32];
        snprintf(id, sizeof id, "e%d", i);
        /* every thread tries to take the same events: each is taken exactly once */
        otter_status st = otter_store_event_take(w->s, 6, "pool", id, NULL, &e);
        if (st == OTTER_OK)
            __atomic_fetch_add(&w->id, 1 << 16, __ATOMIC_RELAXED);
        else if (st != OTTER_NOT_FOUND)
            return (void *)4;
    }
    otter_instance_destroy(inst);
    return NULL;
}

START_TEST(concurrent_entities)
{
    otter_store *s = open_store(dir, OTTER_DURABILITY_SYNC);
    enum { T = 8, N = 150 };
    char own[32], id[32];
    for (int t = 0; t < T; t++) {
        snprintf(own, sizeof own, "own%d", t);
        OK(otter_store_create_learner(s, 5, own, "logreg", NULL, NULL, err));
    }
    OK(otter_store_create_learner(s, 5, "shared", "logreg", NULL, NULL, err));
    for (int i = 0; i < N; i++) {
        snprintf(id, sizeof id, "e%d", i);
        OK(otter_store_event_put(s, 6, "pool", id, "x", 1, 1, err));
    }
    pthread_t th[T];
    worker w[T];
    for (int t = 0; t < T; t++) {
        w[t] = (worker){s, t, N};
        ck_assert_int_eq(pthread_create(&th[t], NULL, work, &w[t]), 0);
    }
    int taken = 0;
    for (int t = 0; t < T; t++) {
        void *r;
        pthread_join(th[t], &r);
        ck_assert_ptr_null(r);
        taken += w[t].id >> 16;
    }
    ck_assert_int_eq(taken, N);
    ck_assert_uint_eq(otter_store_pending_events(s), 0);
    /* each own model saw its rows in order: equal to the in-process model */
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    otter_learner *ref = NULL;
    OK(otter_learner_create(ctx, "logreg", NULL, &ref, err));
    learn_ref(ref, inst, 0, N);
    otter_buf a = OTTER_BUF_INIT, b = OTTER_BUF_INIT;
    learner_state(ref, &b);
    for (int t = 0; t < T; t++) {
        snprintf(own, sizeof own, "own%d", t);
        state_of(s, 5, own, &a);
        ck_assert(same_buf(&a, &b));
    }
    otter_entity_info info;
    OK(otter_store_info(s, 5, "shared", &info, err));
    ck_assert_uint_eq(info.version, (uint64_t)T * N);
    otter_store_stats st;
    otter_store_stats_get(s, &st);
    ck_assert_uint_eq(st.log_records, 2u * T * N);
    /* group commit: concurrent callers shared syncs */
    ck_assert_msg(st.syncs < st.log_records + 2 * N, "syncs %llu for %llu records",
                  (unsigned long long)st.syncs, (unsigned long long)st.log_records);
    /* the shared model replays to the same state after an unclean stop */
    state_of(s, 5, "shared", &a);
    otter_store_close(s);
    s = open_store(dir, OTTER_DURABILITY_SYNC);
    state_of(s, 5, "shared", &b);
    ck_assert(same_buf(&a, &b));
    otter_store_close(s);
    otter_learner_destroy(ref);
    otter_buf_free(&a);
    otter_buf_free(&b);
    otter_instance_destroy(inst);
}
END_TEST

/* ---- bad input ---- */

START_TEST(bad_input)
{
    otter_store *s = open_store(dir, OTTER_DURABILITY_SYNC);
    otter_error e = {0};
    int created = 9;
    ck_assert_int_eq(otter_store_create_learner(s, 0, "bad name", "logreg", NULL, NULL, &e),
                     OTTER_INVALID);
    ck_assert_int_eq(otter_store_create_learner(s, 0, "a/b", "logreg", NULL, NULL, &e),
                     OTTER_INVALID);
    ck_assert_int_eq(otter_store_create_learner(s, 0, "", "logreg", NULL, NULL, &e), OTTER_INVALID);
    ck_assert_int_eq(otter_store_create_learner(s, 40000, "m", "logreg", NULL, NULL, &e),
                     OTTER_INVALID);
    ck_assert_int_eq(otter_store_create_learner(s, 0, "m", "nope", NULL, NULL, &e),
                     OTTER_NOT_FOUND);
    OK(otter_store_create_learner(s, 0, "m", "logreg", NULL, &created, err));
    ck_assert_int_eq(created, 1);
    OK(otter_store_create_learner(s, 0, "m", "logreg", NULL, &created, err));
    ck_assert_int_eq(created, 0);
    otter_params *p = test_params("bits=12");
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(otter_store_create_learner(s, 0, "m", "logreg", p, NULL, &e), OTTER_EXISTS);
    otter_params_destroy(p);
    OK(otter_store_create_bandit(s, 0, "b", "ucb1", NULL, arms, 3, NULL, err));
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    row(inst, 1, OTTER_TASK_BINARY, 2);
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(otter_store_learn(s, 0, "b", inst, 1, 1, &e), OTTER_STATE);
    otter_rank_request rq = {0};
    otter_decision d = OTTER_DECISION_INIT;
    ck_assert_int_eq(otter_store_rank(s, 0, "m", &rq, &d, &e), OTTER_STATE);
    ck_assert_int_eq(otter_store_learn(s, 0, "zz", inst, 1, 1, &e), OTTER_NOT_FOUND);
    ck_assert_int_eq(otter_store_learn(s, 1, "m", inst, 1, 1, &e), OTTER_NOT_FOUND);
    ck_assert_int_eq(otter_store_learn(s, 0, "m", inst, 7, 1, &e), OTTER_INVALID);
    ck_assert_int_eq(otter_store_event_put(s, 0, "m", "has space", "x", 1, 1, &e), OTTER_INVALID);
    char longid[100];
    memset(longid, 'a', 99);
    longid[99] = 0;
    ck_assert_int_eq(otter_store_event_put(s, 0, "m", longid, "x", 1, 1, &e), OTTER_INVALID);
    ck_assert_int_eq(otter_store_reward(s, 0, "b", "never", 1, 0, &e), OTTER_NOT_FOUND);
    /* a state import of the wrong kind, or garbage, is refused; the model stays */
    otter_buf blob = OTTER_BUF_INIT;
    state_of(s, 0, "m", &blob);
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(otter_store_put_state(s, 0, "b", OTTER_ENTITY_BANDIT, blob.data, blob.len, &e),
                     OTTER_NOT_FOUND);
    ck_assert_msg(strstr(e.message, "logreg"), "%s", e.message);
    memset(&e, 0, sizeof e);
    blob.data[blob.len / 2] ^= 1;
    ck_assert_int_eq(
        otter_store_put_state(s, 0, "m", OTTER_ENTITY_LEARNER, blob.data, blob.len, &e),
        OTTER_CORRUPT);
    otter_entity_info info;
    OK(otter_store_info(s, 0, "b", &info, err));
    ck_assert_int_eq(info.kind, OTTER_ENTITY_BANDIT);
    /* a good import replaces the model atomically and persists at once */
    blob.data[blob.len / 2] ^= 1;
    OK(otter_store_learn(s, 0, "m", inst, 1, 1, err));
    OK(otter_store_put_state(s, 0, "m2", OTTER_ENTITY_LEARNER, blob.data, blob.len, err));
    otter_buf again = OTTER_BUF_INIT;
    state_of(s, 0, "m2", &again);
    ck_assert(same_buf(&blob, &again));
    reader rd = {&blob, 0, 0};
    ck_assert_int_eq(otter_store_import(s, from_buf, &rd, NULL, NULL, &e), OTTER_CORRUPT);
    otter_store_close(s);
    /* read-only refuses updates */
    otter_store_options o = OTTER_STORE_OPTIONS_INIT;
    o.read_only = 1;
    OK(otter_store_open(ctx, dir, &o, &s, err));
    OK(otter_store_info(s, 0, "m2", &info, err));
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(otter_store_learn(s, 0, "m", inst, 1, 1, &e), OTTER_STATE);
    otter_store_close(s);
    otter_buf_free(&blob);
    otter_buf_free(&again);
    otter_decision_free(&d);
    otter_instance_destroy(inst);
}
END_TEST

int main(void)
{
    otter_context *c;
    otter_error err = {0};
    if (otter_context_create(&c, &err) != OTTER_OK)
        return 1;
    int nl = (int)otter_context_learner_count(c), nb = (int)otter_context_bandit_count(c);
    otter_context_destroy(c);
    Suite *s = suite_create("store");
    TCase *tc = tcase_create("store");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, learner_round_trip, 0, nl);
    tcase_add_loop_test(tc, bandit_round_trip, 0, nb);
    tcase_add_test(tc, replay_after_hot_swap);
    tcase_add_test(tc, feedback_loop);
    tcase_add_test(tc, key_groups_split_merge);
    tcase_add_test(tc, snapshot_reader_per_key_group);
    tcase_add_test(tc, import_keeps_unlisted_entities);
    tcase_add_test(tc, empty_listings);
    tcase_add_test(tc, snapshots_retain_and_ids);
    tcase_add_test(tc, corrupt_sst_and_manifest);
    tcase_add_test(tc, corrupt_live_sst);
    tcase_add_test(tc, corrupt_log_record);
    tcase_add_test(tc, corrupt_directories);
    tcase_add_test(tc, crash_after_recovery);
    tcase_add_test(tc, durability_none_rolls_back);
    tcase_add_test(tc, concurrent_entities);
    tcase_add_test(tc, bad_input);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
