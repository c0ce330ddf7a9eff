/* Unit tests for the stream generators (src/gen/): every built-in table is driven
 * directly through its methods with values resolved from its own parameter table.
 * Checked: determinism by seed, a fixed schema (also across instances), value ranges,
 * the label rules (SEA thresholds, Agrawal function 1, the LED digits), class rates,
 * drift (SEA's drift_at, hyperplane weights, RBF centroids, the fraud pattern), the
 * fraud generator's rate, label delays and learnability, Friedman #1's target, noise and
 * recurring drift, and rejected parameters.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gen/gen_int.h"
#include "otter/context.h"
#include "otter/instance.h"
#include "otter/learner.h"
#include "otter/params.h"

/* Check's ck_assert* record every passing assertion (a write to the parent in fork
 * mode), which dominates run time in loops over 100k rows; these only report failures. */
#define EXPECT(c)                                                                                  \
    do {                                                                                           \
        if (!(c))                                                                                  \
            ck_abort_msg("%s:%d: failed: %s", __FILE__, __LINE__, #c);                             \
    } while (0)
#define EXPECT_INT_EQ(a, b)                                                                        \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_)                                                                              \
            ck_abort_msg("%s:%d: %s == %s failed (%lld vs %lld)", __FILE__, __LINE__, #a, #b, a_,  \
                         b_);                                                                      \
    } while (0)
#define EXPECT_STR_EQ(a, b)                                                                        \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (strcmp(a_, b_) != 0)                                                                   \
            ck_abort_msg("%s:%d: %s == %s failed (\"%s\" vs \"%s\")", __FILE__, __LINE__, #a, #b,  \
                         a_, b_);                                                                  \
    } while (0)

/* ---- helpers ---- */

#define M_PI_VALUE 3.14159265358979323846

#define MAX_FEATURES 32

static const otter_gen_type *const all_types[] = {
    &otter__gen_sea, &otter__gen_hyperplane, &otter__gen_agrawal,  &otter__gen_rbf,
    &otter__gen_led, &otter__gen_fraud,      &otter__gen_friedman,
};
#define N_TYPES (sizeof all_types / sizeof *all_types)

/* A generator opened from a table, with its own instance. */
typedef struct gen {
    const otter_gen_type *type;
    void *self;
    otter_instance *inst;
    otter_gen_row row;
} gen;

/* Resolves `text` ("k=v,k=v"; may be NULL) and, if non-NULL, one extra pair
 * (key, value) set verbatim (for values containing commas). Returns the create status. */
static otter_status try_open2(gen *g, const otter_gen_type *t, const char *text, const char *key,
                              const char *value, uint64_t seed, otter_error *err)
{
    otter_params *p = NULL;
    otter_param_value values[16];
    memset(g, 0, sizeof *g);
    g->type = t;
    ck_assert_uint_le(t->n_params, 16);
    EXPECT_INT_EQ(otter_params_create(&p, NULL), OTTER_OK);
    if (text)
        EXPECT_INT_EQ(otter_params_parse(p, text, NULL), OTTER_OK);
    if (key)
        EXPECT_INT_EQ(otter_params_set(p, key, value, NULL), OTTER_OK);
    otter_status st = otter_params_resolve(t->params, t->n_params, p, values, err);
    if (st == OTTER_OK)
        st = t->create(values, seed, &g->self, err);
    otter_params_destroy(p);
    if (st == OTTER_OK)
        EXPECT_INT_EQ(otter_instance_create(&g->inst, NULL), OTTER_OK);
    return st;
}

static otter_status try_open(gen *g, const otter_gen_type *t, const char *text, uint64_t seed,
                             otter_error *err)
{
    return try_open2(g, t, text, NULL, NULL, seed, err);
}

static void open_gen(gen *g, const otter_gen_type *t, const char *text, uint64_t seed)
{
    otter_error err = {0};
    otter_status st = try_open(g, t, text, seed, &err);
    ck_assert_msg(st == OTTER_OK, "%s(%s): %s", t->name, text ? text : "", err.message);
}

static void close_gen(gen *g)
{
    g->type->destroy(g->self);
    otter_instance_destroy(g->inst);
}

static void next_row(gen *g)
{
    otter_error err = {0};
    otter_status st = g->type->next(g->self, g->inst, &g->row, &err);
    if (st != OTTER_OK)
        ck_abort_msg("%s next: %s", g->type->name, err.message);
}

static otter_feature feat(const gen *g, size_t i)
{
    otter_feature f;
    EXPECT_INT_EQ(otter_instance_feature(g->inst, i, &f, NULL), OTTER_OK);
    return f;
}

static double num(const gen *g, size_t i)
{
    otter_feature f = feat(g, i);
    EXPECT(f.category == NULL);
    return f.value;
}

static const char *cat(const gen *g, size_t i)
{
    otter_feature f = feat(g, i);
    EXPECT(f.category != NULL);
    return f.category;
}

/* A copy of one row, to compare rows of two generators. */
typedef struct snapshot {
    size_t n;
    char names[MAX_FEATURES][24];
    char cats[MAX_FEATURES][24];
    double values[MAX_FEATURES];
    double label, meta0;
} snapshot;

static void snap(const gen *g, snapshot *s)
{
    memset(s, 0, sizeof *s);
    s->n = otter_instance_size(g->inst);
    EXPECT(s->n <= MAX_FEATURES);
    for (size_t i = 0; i < s->n; i++) {
        otter_feature f = feat(g, i);
        snprintf(s->names[i], sizeof s->names[i], "%s", f.name);
        snprintf(s->cats[i], sizeof s->cats[i], "%s", f.category ? f.category : "");
        s->values[i] = f.value;
    }
    s->label = g->row.label;
    s->meta0 = g->row.meta[0];
}

static int same_row(const snapshot *a, const snapshot *b)
{
    if (a->n != b->n || a->label != b->label || a->meta0 != b->meta0)
        return 0;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->names[i], b->names[i]) || strcmp(a->cats[i], b->cats[i]) ||
            a->values[i] != b->values[i])
            return 0;
    return 1;
}

static int in_list(const char *v, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v, list[i]) == 0)
            return 1;
    return 0;
}

/* ---- every generator ---- */

START_TEST(test_tables_complete)
{
    for (size_t t = 0; t < N_TYPES; t++) {
        const otter_gen_type *ty = all_types[t];
        EXPECT_INT_EQ(ty->abi, OTTER_GEN_ABI);
        ck_assert_ptr_nonnull(ty->name);
        ck_assert_ptr_nonnull(ty->summary);
        EXPECT(ty->create && ty->task && ty->n_classes && ty->next && ty->destroy);
        ck_assert_uint_le(ty->n_meta, OTTER_GEN_MAX_META);
        for (size_t i = 0; i < ty->n_params; i++) {
            ck_assert_ptr_nonnull(ty->params[i].default_value);
            ck_assert_ptr_nonnull(ty->params[i].doc);
        }
        /* Defaults resolve and create. */
        gen g;
        open_gen(&g, ty, NULL, 1);
        close_gen(&g);
    }
}
END_TEST

START_TEST(test_same_seed_same_rows)
{
    const otter_gen_type *ty = all_types[_i];
    gen a, b;
    open_gen(&a, ty, NULL, 1234);
    open_gen(&b, ty, NULL, 1234);
    for (int r = 0; r < 2000; r++) {
        snapshot sa, sb;
        next_row(&a);
        next_row(&b);
        snap(&a, &sa);
        snap(&b, &sb);
        if (!same_row(&sa, &sb))
            ck_abort_msg("%s: row %d differs for the same seed", ty->name, r);
    }
    close_gen(&a);
    close_gen(&b);
}
END_TEST

START_TEST(test_different_seed_different_rows)
{
    const otter_gen_type *ty = all_types[_i];
    gen a, b;
    open_gen(&a, ty, NULL, 1);
    open_gen(&b, ty, NULL, 2);
    int differ = 0;
    for (int r = 0; r < 100; r++) {
        snapshot sa, sb;
        next_row(&a);
        next_row(&b);
        snap(&a, &sa);
        snap(&b, &sb);
        differ += !same_row(&sa, &sb);
    }
    ck_assert_int_ge(differ, 90);
    close_gen(&a);
    close_gen(&b);
}
END_TEST

/* Same names in the same order on every row, the task agrees with the labels, and a
 * second instance mid-stream (keys interned afresh) changes nothing. */
START_TEST(test_fixed_schema_and_instance_switch)
{
    const otter_gen_type *ty = all_types[_i];
    gen a, b;
    open_gen(&a, ty, NULL, 9);
    open_gen(&b, ty, NULL, 9);
    otter_instance *other = NULL, *mine = b.inst;
    EXPECT_INT_EQ(otter_instance_create(&other, NULL), OTTER_OK);
    /* Pre-intern unrelated names so our keys differ on the second instance. */
    otter_feature_key k;
    EXPECT_INT_EQ(otter_instance_intern(other, "x", 1, "zzz", 3, &k, NULL), OTTER_OK);
    EXPECT_INT_EQ(otter_instance_intern(other, NULL, 0, "yyy", 3, &k, NULL), OTTER_OK);
    snapshot first;
    int task = ty->task(a.self);
    size_t nc = ty->n_classes(a.self);
    for (int r = 0; r < 3000; r++) {
        b.inst = (r / 500) % 2 ? other : mine;
        next_row(&a);
        next_row(&b);
        snapshot sa, sb;
        snap(&a, &sa);
        snap(&b, &sb);
        if (r == 0)
            first = sa;
        if (!same_row(&sa, &sb))
            ck_abort_msg("%s: row %d differs after switching instance", ty->name, r);
        EXPECT_INT_EQ(sa.n, first.n);
        for (size_t i = 0; i < sa.n; i++)
            EXPECT_STR_EQ(sa.names[i], first.names[i]);
        double y = sa.label;
        if (task == OTTER_TASK_REGRESSION) {
            EXPECT(isfinite(y) && nc == 0);
            continue;
        }
        EXPECT(y == floor(y) && y >= 0 && y < (double)nc);
        if (task == OTTER_TASK_BINARY)
            EXPECT(y == 0 || y == 1);
    }
    b.inst = mine;
    otter_instance_destroy(other);
    close_gen(&a);
    close_gen(&b);
}
END_TEST

/* next() must clear the instance: leftovers of a previous row never leak in. */
START_TEST(test_next_clears_instance)
{
    const otter_gen_type *ty = all_types[_i];
    gen g;
    open_gen(&g, ty, NULL, 3);
    next_row(&g);
    size_t n = otter_instance_size(g.inst);
    EXPECT_INT_EQ(otter_instance_num(g.inst, NULL, "leftover", 1.0, NULL), OTTER_OK);
    next_row(&g);
    EXPECT_INT_EQ(otter_instance_size(g.inst), n);
    close_gen(&g);
}
END_TEST

START_TEST(test_bad_params_rejected)
{
    static const struct {
        const otter_gen_type *type;
        const char *text;
    } cases[] = {
        {&otter__gen_sea, "function=5"},
        {&otter__gen_sea, "function=0"},
        {&otter__gen_sea, "noise=1.5"},
        {&otter__gen_sea, "drift_at=10:5"},
        {&otter__gen_sea, "drift_at=abc"},
        {&otter__gen_sea, "drift_at=-3"},
        {&otter__gen_sea, "bogus=1"},
        {&otter__gen_hyperplane, "features=0"},
        {&otter__gen_hyperplane, "features=3 drift_features=4"},
        {&otter__gen_hyperplane, "sigma=2"},
        {&otter__gen_agrawal, "function=11"},
        {&otter__gen_agrawal, "balance=maybe"},
        {&otter__gen_rbf, "classes=1"},
        {&otter__gen_rbf, "centroids=5 drift_centroids=6 speed=0.01"},
        {&otter__gen_led, "noise=-0.1"},
        {&otter__gen_fraud, "cards=5"},
        {&otter__gen_fraud, "fraud_rate=0.9"},
        {&otter__gen_fraud, "merchants=abc"},
        {&otter__gen_friedman, "noise=-1"},
        {&otter__gen_friedman, "noise=inf"},
        {&otter__gen_friedman, "drift_at=5:3"},
        {&otter__gen_friedman, "drift_at=soon"},
        {&otter__gen_friedman, "seed=3"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        gen g;
        otter_error err = {0};
        otter_status st = try_open(&g, cases[i].type, cases[i].text, 1, &err);
        ck_assert_msg(st == OTTER_INVALID, "%s %s: accepted (status %d)", cases[i].type->name,
                      cases[i].text, (int)st);
        ck_assert_msg(err.message[0] != '\0', "%s %s: no message", cases[i].type->name,
                      cases[i].text);
    }
}
END_TEST

/* ---- sea ---- */

static const double sea_theta[5] = {0, 8, 9, 7, 9.5};

static int sea_rule(const gen *g, double theta)
{
    return num(g, 0) + num(g, 1) > theta;
}

START_TEST(test_sea_ranges_and_rule)
{
    for (int f = 1; f <= 4; f++) {
        char text[64];
        snprintf(text, sizeof text, "function=%d noise=0", f);
        gen g;
        open_gen(&g, &otter__gen_sea, text, 5);
        EXPECT_INT_EQ(g.type->task(g.self), OTTER_TASK_BINARY);
        int ones = 0;
        for (int r = 0; r < 20000; r++) {
            next_row(&g);
            EXPECT_INT_EQ(otter_instance_size(g.inst), 3);
            EXPECT_STR_EQ(feat(&g, 0).name, "x1");
            EXPECT_STR_EQ(feat(&g, 2).name, "x3");
            for (size_t i = 0; i < 3; i++)
                EXPECT(num(&g, i) >= 0.0 && num(&g, i) <= 10.0);
            EXPECT_INT_EQ((int)g.row.label, sea_rule(&g, sea_theta[f]));
            ones += (int)g.row.label;
        }
        /* P(x1 + x2 > theta) for uniform [0,10]^2: 1 - theta^2 / 200 (theta <= 10). */
        double expect = 1.0 - sea_theta[f] * sea_theta[f] / 200.0;
        ck_assert_double_eq_tol(ones / 20000.0, expect, 0.015);
        close_gen(&g);
    }
}
END_TEST

START_TEST(test_sea_noise_rate)
{
    gen g;
    open_gen(&g, &otter__gen_sea, "noise=0.2", 11);
    int flipped = 0;
    for (int r = 0; r < 50000; r++) {
        next_row(&g);
        flipped += (int)g.row.label != sea_rule(&g, 8.0);
    }
    ck_assert_double_eq_tol(flipped / 50000.0, 0.2, 0.01);
    close_gen(&g);
}
END_TEST

START_TEST(test_sea_abrupt_drift)
{
    gen g;
    otter_error err = {0};
    /* Commas need otter_params_set (otter_params_parse splits on them). */
    EXPECT_INT_EQ(
        try_open2(&g, &otter__gen_sea, "noise=0 function=3", "drift_at", "1000, 3000", 8, &err),
        OTTER_OK);
    int mismatch_old = 0;
    for (int r = 0; r < 5000; r++) {
        next_row(&g);
        double theta = r < 1000 ? 7.0 : (r < 3000 ? 9.5 : 8.0); /* 3 -> 4 -> 1 */
        if ((int)g.row.label != sea_rule(&g, theta))
            ck_abort_msg("row %d does not follow theta %g", r, theta);
        if (r >= 1000 && r < 3000)
            mismatch_old += (int)g.row.label != sea_rule(&g, 7.0);
    }
    /* The change is visible: P(7 < x1 + x2 <= 9.5) = (9.5^2 - 7^2) / 200 = 0.206. */
    ck_assert_int_ge(mismatch_old, 300);
    close_gen(&g);
}
END_TEST

START_TEST(test_sea_gradual_drift)
{
    gen g;
    open_gen(&g, &otter__gen_sea, "noise=0 drift_at=20000 drift_width=4000", 21);
    /* Only rows where the two concepts disagree (8 < x1 + x2 <= 9) tell them apart. */
    int seen[3] = {0}, newc[3] = {0};
    for (int r = 0; r < 40000; r++) {
        next_row(&g);
        double s = num(&g, 0) + num(&g, 1);
        if (!(s > 8.0 && s <= 9.0))
            continue;
        int w = r < 12000 ? 0 : (r >= 19000 && r < 21000 ? 1 : (r >= 28000 ? 2 : -1));
        if (w < 0)
            continue;
        seen[w]++;
        newc[w] += g.row.label == 0; /* theta 9 says 0, theta 8 says 1 */
    }
    /* P(new) at t - p = -8000: 1 / (1 + e^8) ~ 0.0003; around p: ~0.5; +8000: ~1. */
    ck_assert_int_ge(seen[1], 100);
    ck_assert_double_le((double)newc[0] / seen[0], 0.01);
    ck_assert_double_eq_tol((double)newc[1] / seen[1], 0.5, 0.15);
    ck_assert_double_ge((double)newc[2] / seen[2], 0.99);
    close_gen(&g);
}
END_TEST

/* ---- hyperplane ---- */

START_TEST(test_hyperplane_ranges_and_balance)
{
    gen g;
    open_gen(&g, &otter__gen_hyperplane, "features=7 noise=0", 4);
    int ones = 0;
    for (int r = 0; r < 20000; r++) {
        next_row(&g);
        EXPECT_INT_EQ(otter_instance_size(g.inst), 7);
        EXPECT_STR_EQ(feat(&g, 6).name, "f6");
        for (size_t i = 0; i < 7; i++)
            EXPECT(num(&g, i) >= 0.0 && num(&g, i) < 1.0);
        ones += (int)g.row.label;
    }
    ck_assert_double_eq_tol(ones / 20000.0, 0.5, 0.03);
    close_gen(&g);
}
END_TEST

/* With mag_change = 0 the attributes and labels match a copy with mag_change > 0 only
 * until the weights have moved: the same x's then get different labels. */
START_TEST(test_hyperplane_weights_move)
{
    gen still, moving;
    open_gen(&still, &otter__gen_hyperplane, "noise=0 mag_change=0 drift_features=10", 6);
    open_gen(&moving, &otter__gen_hyperplane, "noise=0 mag_change=0.01 drift_features=10", 6);
    int early = 0, late = 0;
    for (int r = 0; r < 20000; r++) {
        next_row(&still);
        next_row(&moving);
        for (size_t i = 0; i < 10; i++)
            EXPECT(num(&still, i) == num(&moving, i));
        int differ = still.row.label != moving.row.label;
        if (r < 1)
            early += differ;
        if (r >= 10000)
            late += differ;
    }
    EXPECT_INT_EQ(early, 0);
    ck_assert_int_ge(late, 500); /* 5% of the last 10000 rows */
    close_gen(&still);
    close_gen(&moving);
}
END_TEST

/* ---- agrawal ---- */

static const char *const elevels[] = {"e0", "e1", "e2", "e3", "e4"};
static const char *const zipcodes[] = {"z0", "z1", "z2", "z3", "z4", "z5", "z6", "z7", "z8"};

START_TEST(test_agrawal_schema_and_function1)
{
    gen g;
    open_gen(&g, &otter__gen_agrawal, "function=1 perturbation=0", 3);
    static const char *const names[] = {"salary",  "commission", "age",    "elevel", "car",
                                        "zipcode", "hvalue",     "hyears", "loan"};
    int ones = 0;
    for (int r = 0; r < 50000; r++) {
        next_row(&g);
        EXPECT_INT_EQ(otter_instance_size(g.inst), 9);
        for (size_t i = 0; i < 9; i++)
            EXPECT_STR_EQ(feat(&g, i).name, names[i]);
        double salary = num(&g, 0), commission = num(&g, 1), age = num(&g, 2);
        EXPECT(salary >= 20000 && salary <= 150000);
        EXPECT(salary >= 75000 ? commission == 0 : (commission >= 10000 && commission <= 75000));
        EXPECT(age >= 20 && age <= 80 && age == floor(age));
        EXPECT(in_list(cat(&g, 3), elevels, 5));
        const char *car = cat(&g, 4);
        EXPECT(car[0] == 'c' && atoi(car + 1) >= 1 && atoi(car + 1) <= 20);
        const char *zip = cat(&g, 5);
        EXPECT(in_list(zip, zipcodes, 9));
        double hvalue = num(&g, 6), house = (9.0 - atoi(zip + 1)) * 100000.0;
        EXPECT(hvalue >= 0.5 * house && hvalue <= 1.5 * house);
        EXPECT(num(&g, 7) >= 1 && num(&g, 7) <= 30);
        EXPECT(num(&g, 8) >= 0 && num(&g, 8) <= 500000);
        int rule = (age < 40 || age >= 60) ? 0 : 1;
        EXPECT_INT_EQ((int)g.row.label, rule);
        ones += rule;
    }
    /* Ages 40..59 out of 20..80: 20 / 61. */
    ck_assert_double_eq_tol(ones / 50000.0, 20.0 / 61.0, 0.01);
    close_gen(&g);
}
END_TEST

/* Function 7 (disposable income) with perturbation 0 follows its rule too. */
START_TEST(test_agrawal_function7_rule)
{
    gen g;
    open_gen(&g, &otter__gen_agrawal, "function=7 perturbation=0", 8);
    for (int r = 0; r < 20000; r++) {
        next_row(&g);
        double disposable = 2.0 * (num(&g, 0) + num(&g, 1)) / 3.0 - num(&g, 8) / 5.0 - 20000.0;
        EXPECT_INT_EQ((int)g.row.label, disposable > 0 ? 0 : 1);
    }
    close_gen(&g);
}
END_TEST

START_TEST(test_agrawal_class_frequencies)
{
    for (int f = 1; f <= 10; f++) {
        char text[64];
        snprintf(text, sizeof text, "function=%d", f);
        gen g;
        open_gen(&g, &otter__gen_agrawal, text, 17);
        int ones = 0;
        for (int r = 0; r < 20000; r++) {
            next_row(&g);
            ones += (int)g.row.label;
        }
        double rate = ones / 20000.0;
        /* Both classes occur (f8 and f10 have only ~2% and ~0.3% of class 1). */
        ck_assert_msg(ones > 0 && ones < 20000, "function %d: class 1 rate %g", f, rate);
        close_gen(&g);

        snprintf(text, sizeof text, "function=%d balance=true", f);
        open_gen(&g, &otter__gen_agrawal, text, 17);
        ones = 0;
        for (int r = 0; r < 1000; r++) {
            next_row(&g);
            EXPECT_INT_EQ((int)g.row.label, r % 2); /* alternates, starting with 0 */
            ones += (int)g.row.label;
        }
        EXPECT_INT_EQ(ones, 500);
        close_gen(&g);
    }
}
END_TEST

START_TEST(test_agrawal_perturbation_adds_noise)
{
    gen g;
    open_gen(&g, &otter__gen_agrawal, "function=1 perturbation=0.2", 3);
    int wrong = 0;
    for (int r = 0; r < 20000; r++) {
        next_row(&g);
        double age = num(&g, 2);
        EXPECT(age >= 20 && age <= 80);
        wrong += (int)g.row.label != ((age < 40 || age >= 60) ? 0 : 1);
    }
    ck_assert_int_ge(wrong, 1000);
    ck_assert_int_le(wrong, 6000);
    close_gen(&g);
}
END_TEST

/* ---- rbf ---- */

START_TEST(test_rbf_classes_and_task)
{
    gen g;
    open_gen(&g, &otter__gen_rbf, "classes=5 features=4 centroids=40", 2);
    EXPECT_INT_EQ(g.type->task(g.self), OTTER_TASK_MULTICLASS);
    EXPECT_INT_EQ(g.type->n_classes(g.self), 5);
    int count[5] = {0};
    for (int r = 0; r < 20000; r++) {
        next_row(&g);
        EXPECT_INT_EQ(otter_instance_size(g.inst), 4);
        EXPECT_STR_EQ(feat(&g, 3).name, "f3");
        for (size_t i = 0; i < 4; i++)
            EXPECT(fabs(num(&g, i) - 0.5) < 5.0);
        count[(int)g.row.label]++;
    }
    int present = 0;
    for (int c = 0; c < 5; c++)
        present += count[c] > 0;
    ck_assert_int_ge(present, 4);
    close_gen(&g);

    open_gen(&g, &otter__gen_rbf, NULL, 2);
    EXPECT_INT_EQ(g.type->task(g.self), OTTER_TASK_BINARY);
    EXPECT_INT_EQ(g.type->n_classes(g.self), 2);
    close_gen(&g);
}
END_TEST

/* model_seed fixes the centroids: the same model with other row seeds puts rows of a
 * class near the same places; another model does not. */
START_TEST(test_rbf_model_seed)
{
    double mean[3][2] = {{0}};
    int n[3][2] = {{0}};
    const char *texts[3] = {"model_seed=5 centroids=3 features=2",
                            "model_seed=5 centroids=3 features=2",
                            "model_seed=6 centroids=3 features=2"};
    uint64_t seeds[3] = {1, 2, 1};
    for (int k = 0; k < 3; k++) {
        gen g;
        open_gen(&g, &otter__gen_rbf, texts[k], seeds[k]);
        for (int r = 0; r < 20000; r++) {
            next_row(&g);
            int y = (int)g.row.label;
            mean[k][y] += num(&g, 0);
            n[k][y]++;
        }
        for (int y = 0; y < 2; y++)
            mean[k][y] = n[k][y] ? mean[k][y] / n[k][y] : -1;
        close_gen(&g);
    }
    for (int y = 0; y < 2; y++) {
        EXPECT_INT_EQ(n[0][y] > 0, n[1][y] > 0);
        ck_assert_double_eq_tol(mean[0][y], mean[1][y], 0.02);
        ck_assert_double_eq_tol((double)n[0][y] / 20000.0, (double)n[1][y] / 20000.0, 0.02);
    }
    EXPECT(fabs(mean[0][0] - mean[2][0]) > 0.02 || fabs(mean[0][1] - mean[2][1]) > 0.02 ||
           abs(n[0][0] - n[2][0]) > 400);
}
END_TEST

/* Moving centroids: with one centroid the row noise is the same draw for a still and a
 * moving copy (same seeds), so their difference is exactly the centroid's displacement:
 * at most `speed` per row, kept inside the unit cube, and large after a while. */
START_TEST(test_rbf_drift_moves_centroids)
{
    gen still, moving;
    open_gen(&still, &otter__gen_rbf, "centroids=1 features=2", 3);
    open_gen(&moving, &otter__gen_rbf, "centroids=1 features=2 speed=0.001", 3);
    double prev[2] = {0, 0}, biggest = 0;
    for (int r = 0; r < 3000; r++) {
        next_row(&still);
        next_row(&moving);
        EXPECT(still.row.label == moving.row.label);
        double d[2], step = 0, norm = 0;
        for (size_t i = 0; i < 2; i++) {
            d[i] = num(&moving, i) - num(&still, i);
            EXPECT(fabs(d[i]) <= 1.0 + 1e-9);
            step += (d[i] - prev[i]) * (d[i] - prev[i]);
            norm += d[i] * d[i];
            prev[i] = d[i];
        }
        EXPECT(sqrt(step) <= 0.001 + 1e-9);
        biggest = sqrt(norm) > biggest ? sqrt(norm) : biggest;
    }
    ck_assert_double_gt(biggest, 0.3);
    close_gen(&still);
    close_gen(&moving);

    /* drift_centroids=1 of 10: rows from the other nine centroids do not move. */
    gen a, b;
    open_gen(&a, &otter__gen_rbf, "centroids=10 features=3", 4);
    open_gen(&b, &otter__gen_rbf, "centroids=10 features=3 speed=0.01 drift_centroids=1", 4);
    int same = 0, differ = 0;
    for (int r = 0; r < 2000; r++) {
        next_row(&a);
        next_row(&b);
        if (num(&a, 0) == num(&b, 0))
            same++;
        else
            differ++;
    }
    ck_assert_int_gt(same, 1000);
    ck_assert_int_gt(differ, 20);
    close_gen(&a);
    close_gen(&b);
}
END_TEST

/* ---- led ---- */

static const int digits[10][7] = {
    {1, 1, 1, 0, 1, 1, 1}, {0, 0, 1, 0, 0, 1, 0}, {1, 0, 1, 1, 1, 0, 1}, {1, 0, 1, 1, 0, 1, 1},
    {0, 1, 1, 1, 0, 1, 0}, {1, 1, 0, 1, 0, 1, 1}, {1, 1, 0, 1, 1, 1, 1}, {1, 0, 1, 0, 0, 1, 0},
    {1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 0, 1, 1}};

START_TEST(test_led_noiseless_digits)
{
    gen g;
    open_gen(&g, &otter__gen_led, "noise=0", 12);
    EXPECT_INT_EQ(g.type->task(g.self), OTTER_TASK_MULTICLASS);
    EXPECT_INT_EQ(g.type->n_classes(g.self), 10);
    int count[10] = {0}, ones_irrelevant = 0;
    for (int r = 0; r < 20000; r++) {
        next_row(&g);
        EXPECT_INT_EQ(otter_instance_size(g.inst), 24);
        EXPECT_STR_EQ(feat(&g, 0).name, "s1");
        EXPECT_STR_EQ(feat(&g, 7).name, "i1");
        EXPECT_STR_EQ(feat(&g, 23).name, "i17");
        int d = (int)g.row.label;
        EXPECT(d >= 0 && d <= 9);
        count[d]++;
        for (size_t i = 0; i < 7; i++)
            EXPECT_INT_EQ((int)num(&g, i), digits[d][i]);
        for (size_t i = 7; i < 24; i++) {
            double v = num(&g, i);
            EXPECT(v == 0.0 || v == 1.0);
            ones_irrelevant += (int)v;
        }
    }
    for (int d = 0; d < 10; d++)
        ck_assert_double_eq_tol(count[d] / 20000.0, 0.1, 0.015);
    ck_assert_double_eq_tol(ones_irrelevant / (20000.0 * 17), 0.5, 0.01);
    close_gen(&g);
}
END_TEST

START_TEST(test_led_noise_and_no_irrelevant)
{
    gen g;
    open_gen(&g, &otter__gen_led, "noise=0.1 irrelevant=false", 13);
    int flips = 0;
    for (int r = 0; r < 20000; r++) {
        next_row(&g);
        EXPECT_INT_EQ(otter_instance_size(g.inst), 7);
        for (size_t i = 0; i < 7; i++)
            flips += (int)num(&g, i) != digits[(int)g.row.label][i];
    }
    ck_assert_double_eq_tol(flips / (20000.0 * 7), 0.1, 0.01);
    close_gen(&g);
}
END_TEST

/* ---- fraud ---- */

static const char *const fraud_categories[] = {"grocery", "restaurant",  "fuel",   "retail",
                                               "online",  "electronics", "travel", "entertainment",
                                               "health",  "jewelry"};

START_TEST(test_fraud_schema_and_ranges)
{
    gen g;
    open_gen(&g, &otter__gen_fraud, "cards=2000 merchants=300", 5);
    EXPECT_INT_EQ(g.type->n_meta, 1);
    EXPECT_STR_EQ(g.type->meta_names[0], "_label_delay");
    static const char *const names[] = {"amount",        "hour",
                                        "card_age_days", "velocity_1h",
                                        "velocity_24h",  "distance_from_home",
                                        "merchant",      "merchant_category",
                                        "country"};
    for (int r = 0; r < 50000; r++) {
        next_row(&g);
        EXPECT_INT_EQ(otter_instance_size(g.inst), 9);
        for (size_t i = 0; i < 9; i++)
            EXPECT_STR_EQ(feat(&g, i).name, names[i]);
        double amount = num(&g, 0), hour = num(&g, 1), age = num(&g, 2);
        double v1 = num(&g, 3), v24 = num(&g, 4), dist = num(&g, 5);
        EXPECT(amount >= 0.5 && amount <= 50000 && fabs(amount * 100 - round(amount * 100)) < 1e-6);
        EXPECT(hour >= 0 && hour <= 23 && hour == floor(hour));
        EXPECT(age >= 0 && age <= 1096);
        EXPECT(v1 >= 0 && v1 <= v24 && v24 <= 32);
        EXPECT(dist >= 0 && dist <= 20000);
        const char *m = cat(&g, 6);
        EXPECT(m[0] == 'm' && strlen(m) == 5 && atoi(m + 1) >= 1 && atoi(m + 1) <= 300);
        EXPECT(in_list(cat(&g, 7), fraud_categories, 10));
        EXPECT_INT_EQ(strlen(cat(&g, 8)), 2);
        double delay = g.row.meta[0];
        if (g.row.label == 0)
            EXPECT(delay == 7.0 * 86400.0);
        else
            EXPECT(delay >= 3600.0 && delay <= 60.0 * 86400.0);
    }
    close_gen(&g);
}
END_TEST

static double fraud_share(const char *text, uint64_t seed, int rows)
{
    gen g;
    open_gen(&g, &otter__gen_fraud, text, seed);
    int frauds = 0;
    for (int r = 0; r < rows; r++) {
        next_row(&g);
        frauds += (int)g.row.label;
    }
    close_gen(&g);
    return (double)frauds / rows;
}

START_TEST(test_fraud_rate)
{
    ck_assert_double_eq_tol(fraud_share(NULL, 1, 200000), 0.01, 0.002);
    ck_assert_double_eq_tol(fraud_share(NULL, 2, 200000), 0.01, 0.002);
    ck_assert_double_eq_tol(fraud_share("fraud_rate=0.05", 3, 200000), 0.05, 0.006);
    ck_assert_double_eq(fraud_share("fraud_rate=0", 4, 20000), 0.0);
}
END_TEST

/* Fraud rows look different on average: more velocity, more abroad, more at night. */
START_TEST(test_fraud_signals)
{
    gen g;
    open_gen(&g, &otter__gen_fraud, "fraud_rate=0.05 drift_every=0", 6);
    double v1[2] = {0}, far[2] = {0}, night[2] = {0}, n[2] = {0};
    for (int r = 0; r < 100000; r++) {
        next_row(&g);
        int y = (int)g.row.label;
        n[y]++;
        v1[y] += num(&g, 3);
        far[y] += num(&g, 5) > 300.0;
        night[y] += num(&g, 1) < 6.0;
    }
    for (int y = 0; y < 2; y++) {
        v1[y] /= n[y];
        far[y] /= n[y];
        night[y] /= n[y];
    }
    ck_assert_double_gt(v1[1], 2.0 * v1[0]);
    ck_assert_double_gt(far[1], 3.0 * far[0]);
    ck_assert_double_gt(night[1], 1.5 * night[0]);
    ck_assert_double_gt(far[0], 0.01); /* travellers exist: not trivially separable */
    close_gen(&g);
}
END_TEST

/* ---- a small online logistic regression, to check learnability ---- */

#define LR_BITS 16

typedef struct scored {
    double score;
    int label;
} scored;

static int by_score(const void *a, const void *b)
{
    double x = ((const scored *)a)->score, y = ((const scored *)b)->score;
    return (x > y) - (x < y);
}

static double auc_of(scored *s, size_t n)
{
    qsort(s, n, sizeof *s, by_score);
    double pos = 0, neg = 0, wins = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i].label) {
            wins += neg;
            pos++;
        } else {
            neg++;
        }
    }
    return pos > 0 && neg > 0 ? wins / (pos * neg) : 0.5;
}

/* Trains on `train` rows, then scores `test` rows (still learning, prequentially):
 * numeric features log1p'd and standardised online, categories one-hot by hash. */
static double fraud_auc(const char *text, int train, int test)
{
    static double w[1 << LR_BITS];
    double mean[MAX_FEATURES] = {0}, m2[MAX_FEATURES] = {0};
    scored *s = malloc((size_t)test * sizeof *s);
    ck_assert_ptr_nonnull(s);
    memset(w, 0, sizeof w);
    gen g;
    open_gen(&g, &otter__gen_fraud, text, 77);
    for (int r = 0; r < train + test; r++) {
        next_row(&g);
        size_t n = otter_instance_size(g.inst), k = 0;
        double x[MAX_FEATURES + 1];
        uint32_t h[MAX_FEATURES + 1];
        for (size_t i = 0; i < n; i++) {
            otter_feature f = feat(&g, i);
            if (f.category) {
                h[k] = f.hash;
                x[k++] = 1.0;
                continue;
            }
            double v = log1p(fabs(f.value)), d = v - mean[i];
            mean[i] += d / (r + 1);
            m2[i] += d * (v - mean[i]);
            double sd = r > 0 && m2[i] > 0 ? sqrt(m2[i] / r) : 1.0;
            h[k] = f.hash;
            x[k++] = (v - mean[i]) / sd;
        }
        h[k] = 0;
        x[k++] = 1.0;
        double z = 0;
        for (size_t j = 0; j < k; j++)
            z += w[h[j] & ((1u << LR_BITS) - 1)] * x[j];
        if (r >= train)
            s[r - train] = (scored){z, (int)g.row.label};
        double grad = g.row.label - 1.0 / (1.0 + exp(-z));
        for (size_t j = 0; j < k; j++)
            w[h[j] & ((1u << LR_BITS) - 1)] += 0.05 * grad * x[j];
    }
    close_gen(&g);
    double auc = auc_of(s, (size_t)test);
    free(s);
    return auc;
}

START_TEST(test_fraud_learnable_not_trivial)
{
    double auc = fraud_auc("drift_every=0", 150000, 150000);
    ck_assert_msg(auc > 0.85 && auc < 0.995, "AUC %g", auc);
}
END_TEST

/* The fraud pattern changes every drift_every rows: the countries of fraud rows in the
 * second period differ from the first far more than two periods of a stationary stream. */
static double country_shift(const char *text)
{
    gen g;
    open_gen(&g, &otter__gen_fraud, text, 31);
    char codes[32][3] = {{0}};
    double hist[2][32] = {{0}}, total[2] = {0};
    int n_codes = 0;
    for (int r = 0; r < 200000; r++) {
        next_row(&g);
        if (g.row.label != 1)
            continue;
        const char *c = cat(&g, 8);
        int k = 0;
        while (k < n_codes && strcmp(codes[k], c) != 0)
            k++;
        if (k == n_codes) {
            ck_assert_int_lt(n_codes, 32);
            memcpy(codes[n_codes++], c, 3);
        }
        hist[r >= 100000][k]++;
        total[r >= 100000]++;
    }
    close_gen(&g);
    double tv = 0;
    for (int k = 0; k < n_codes; k++)
        tv += fabs(hist[0][k] / total[0] - hist[1][k] / total[1]) / 2.0;
    return tv;
}

START_TEST(test_fraud_drift_changes_pattern)
{
    double drifting = country_shift("fraud_rate=0.05 drift_every=100000");
    double stationary = country_shift("fraud_rate=0.05 drift_every=0");
    ck_assert_msg(drifting > 0.15 && drifting > 2.0 * stationary, "tv %g vs %g", drifting,
                  stationary);
}
END_TEST

START_TEST(test_fraud_drift_keeps_stream_until_change)
{
    gen a, b;
    open_gen(&a, &otter__gen_fraud, "drift_every=5000", 41);
    open_gen(&b, &otter__gen_fraud, "drift_every=0", 41);
    for (int r = 0; r < 5000; r++) {
        snapshot sa, sb;
        next_row(&a);
        next_row(&b);
        snap(&a, &sa);
        snap(&b, &sb);
        EXPECT(same_row(&sa, &sb));
    }
    close_gen(&a);
    close_gen(&b);
}
END_TEST

/* ---- friedman ---- */

/* Friedman #1 written out independently of the generator. */
static double friedman1(const double *x)
{
    return 10.0 * sin(M_PI_VALUE * x[0] * x[1]) + 20.0 * (x[2] - 0.5) * (x[2] - 0.5) + 10.0 * x[3] +
           5.0 * x[4];
}

/* The permuted concept after a drift (Ikonomovska et al. 2011, global recurring). */
static double friedman1_swapped(const double *x)
{
    return 10.0 * sin(M_PI_VALUE * x[3] * x[5]) + 20.0 * (x[1] - 0.5) * (x[1] - 0.5) + 10.0 * x[0] +
           5.0 * x[2];
}

static void friedman_x(const gen *g, double *x)
{
    EXPECT_INT_EQ(otter_instance_size(g->inst), 10);
    for (size_t i = 0; i < 10; i++)
        x[i] = num(g, i);
}

START_TEST(test_friedman_target_and_ranges)
{
    /* Known values of the formula itself: at x = 0.5 everywhere 10 sin(pi / 4) + 0 + 5 +
     * 2.5; at x0 = x1 = 1, x2 = 0, x3 = x4 = 0: 10 sin(pi) + 20 * 0.25 = 5. */
    const double half[10] = {0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5};
    const double corner[10] = {1, 1, 0, 0, 0, 0, 0, 0, 0, 0};
    ck_assert_double_eq_tol(friedman1(half), 5.0 * sqrt(2.0) + 7.5, 1e-12);
    ck_assert_double_eq_tol(friedman1(corner), 5.0, 1e-12);

    gen g;
    open_gen(&g, &otter__gen_friedman, "noise=0", 5);
    EXPECT_INT_EQ(g.type->task(g.self), OTTER_TASK_REGRESSION);
    EXPECT_INT_EQ(g.type->n_classes(g.self), 0);
    double lo = INFINITY, hi = -INFINITY, sum[10] = {0};
    for (int r = 0; r < 20000; r++) {
        double x[10];
        next_row(&g);
        friedman_x(&g, x);
        EXPECT_STR_EQ(feat(&g, 0).name, "x0");
        EXPECT_STR_EQ(feat(&g, 9).name, "x9");
        for (size_t i = 0; i < 10; i++) {
            EXPECT(x[i] >= 0.0 && x[i] < 1.0);
            sum[i] += x[i];
        }
        /* Same operations in the same order: exactly equal, not just close. */
        EXPECT(g.row.label == friedman1(x));
        lo = g.row.label < lo ? g.row.label : lo;
        hi = g.row.label > hi ? g.row.label : hi;
    }
    for (size_t i = 0; i < 10; i++)
        ck_assert_double_eq_tol(sum[i] / 20000.0, 0.5, 0.01);
    /* The noiseless target lies in [0, 30]; uniform inputs get close to both ends. */
    ck_assert_double_ge(lo, 0.0);
    ck_assert_double_le(hi, 30.0);
    ck_assert_double_le(lo, 3.0);
    ck_assert_double_ge(hi, 24.0);
    close_gen(&g);
}
END_TEST

/* The noise is N(0, noise^2) and does not change the attributes of a seed. */
START_TEST(test_friedman_noise)
{
    const double levels[] = {1.0, 2.5};
    for (size_t l = 0; l < 2; l++) {
        char text[32];
        snprintf(text, sizeof text, "noise=%g", levels[l]);
        gen g, clean;
        open_gen(&g, &otter__gen_friedman, text, 6);
        open_gen(&clean, &otter__gen_friedman, "noise=0", 6);
        double s1 = 0, s2 = 0;
        const int n = 50000;
        for (int r = 0; r < n; r++) {
            double x[10], xc[10];
            next_row(&g);
            next_row(&clean);
            friedman_x(&g, x);
            friedman_x(&clean, xc);
            EXPECT(memcmp(x, xc, sizeof x) == 0);
            double e = g.row.label - clean.row.label;
            s1 += e;
            s2 += e * e;
        }
        double mean = s1 / n, sd = sqrt(s2 / n - mean * mean);
        ck_assert_double_eq_tol(mean, 0.0, 0.03 * levels[l]);
        ck_assert_double_eq_tol(sd, levels[l], 0.02 * levels[l]);
        close_gen(&g);
        close_gen(&clean);
    }
}
END_TEST

START_TEST(test_friedman_recurring_drift)
{
    gen g;
    otter_error err = {0};
    EXPECT_INT_EQ(try_open2(&g, &otter__gen_friedman, "noise=0", "drift_at", "1000,2500", 7, &err),
                  OTTER_OK);
    int differ = 0;
    for (int r = 0; r < 4000; r++) {
        double x[10];
        next_row(&g);
        friedman_x(&g, x);
        int swapped = r >= 1000 && r < 2500;
        double want = swapped ? friedman1_swapped(x) : friedman1(x);
        if (g.row.label != want)
            ck_abort_msg("row %d: label %.17g, want %.17g (%s concept)", r, g.row.label, want,
                         swapped ? "permuted" : "original");
        differ += swapped && fabs(friedman1(x) - want) > 1.0;
    }
    ck_assert_int_ge(differ, 750); /* the change is visible on most drifted rows */
    close_gen(&g);
}
END_TEST

/* ---- through the context and the generic layer ---- */

START_TEST(test_registered_in_context)
{
    otter_context *ctx = NULL;
    ck_assert_int_eq(otter_context_create(&ctx, NULL), OTTER_OK);
    for (size_t t = 0; t < N_TYPES; t++)
        ck_assert_ptr_eq(otter_context_find_gen(ctx, all_types[t]->name), all_types[t]);

    otter_params *p = NULL;
    otter_gen *g = NULL;
    otter_error err = {0};
    ck_assert_int_eq(otter_params_create(&p, NULL), OTTER_OK);
    ck_assert_int_eq(otter_params_parse(p, "function=5", NULL), OTTER_OK);
    ck_assert_int_eq(otter_gen_create(ctx, "sea", p, 1, &g, &err), OTTER_INVALID);
    ck_assert_ptr_nonnull(strstr(err.message, "function"));

    ck_assert_int_eq(otter_params_set(p, "function", "2", NULL), OTTER_OK);
    ck_assert_int_eq(otter_params_set(p, "drift_at", "10,20", NULL), OTTER_OK);
    ck_assert_int_eq(otter_gen_create(ctx, "sea", p, 1, &g, NULL), OTTER_OK);
    ck_assert_int_eq(otter_gen_task(g), OTTER_TASK_BINARY);
    ck_assert_uint_eq(otter_gen_n_classes(g), 2);
    otter_instance *inst = NULL;
    ck_assert_int_eq(otter_instance_create(&inst, NULL), OTTER_OK);
    otter_gen_row row;
    for (int r = 0; r < 100; r++)
        EXPECT_INT_EQ(otter_gen_next(g, inst, &row, NULL), OTTER_OK);
    EXPECT_INT_EQ(otter_instance_size(inst), 3);
    otter_instance_destroy(inst);
    otter_gen_destroy(g);
    otter_params_destroy(p);
    otter_context_destroy(ctx);
}
END_TEST

/* ---- suite ---- */

static Suite *gen_suite(void)
{
    Suite *s = suite_create("gen");
    TCase *all = tcase_create("all");
    tcase_add_test(all, test_tables_complete);
    tcase_add_loop_test(all, test_same_seed_same_rows, 0, (int)N_TYPES);
    tcase_add_loop_test(all, test_different_seed_different_rows, 0, (int)N_TYPES);
    tcase_add_loop_test(all, test_fixed_schema_and_instance_switch, 0, (int)N_TYPES);
    tcase_add_loop_test(all, test_next_clears_instance, 0, (int)N_TYPES);
    tcase_add_test(all, test_bad_params_rejected);
    tcase_add_test(all, test_registered_in_context);
    suite_add_tcase(s, all);

    TCase *concepts = tcase_create("concepts");
    tcase_set_timeout(concepts, 60);
    tcase_add_test(concepts, test_sea_ranges_and_rule);
    tcase_add_test(concepts, test_sea_noise_rate);
    tcase_add_test(concepts, test_sea_abrupt_drift);
    tcase_add_test(concepts, test_sea_gradual_drift);
    tcase_add_test(concepts, test_hyperplane_ranges_and_balance);
    tcase_add_test(concepts, test_hyperplane_weights_move);
    tcase_add_test(concepts, test_agrawal_schema_and_function1);
    tcase_add_test(concepts, test_agrawal_function7_rule);
    tcase_add_test(concepts, test_agrawal_class_frequencies);
    tcase_add_test(concepts, test_agrawal_perturbation_adds_noise);
    tcase_add_test(concepts, test_rbf_classes_and_task);
    tcase_add_test(concepts, test_rbf_model_seed);
    tcase_add_test(concepts, test_rbf_drift_moves_centroids);
    tcase_add_test(concepts, test_led_noiseless_digits);
    tcase_add_test(concepts, test_led_noise_and_no_irrelevant);
    tcase_add_test(concepts, test_friedman_target_and_ranges);
    tcase_add_test(concepts, test_friedman_noise);
    tcase_add_test(concepts, test_friedman_recurring_drift);
    suite_add_tcase(s, concepts);

    TCase *fraud = tcase_create("fraud");
    tcase_set_timeout(fraud, 120);
    tcase_add_test(fraud, test_fraud_schema_and_ranges);
    tcase_add_test(fraud, test_fraud_rate);
    tcase_add_test(fraud, test_fraud_signals);
    tcase_add_test(fraud, test_fraud_learnable_not_trivial);
    tcase_add_test(fraud, test_fraud_drift_changes_pattern);
    tcase_add_test(fraud, test_fraud_drift_keeps_stream_until_change);
    suite_add_tcase(s, fraud);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(gen_suite());
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
