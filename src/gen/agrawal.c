/* Agrawal generator (Agrawal, Imielinski and Swami, "Database mining: a performance
 * perspective", IEEE TKDE 1993), with the semantics of MOA's AgrawalGenerator and
 * River's datasets.synth.Agrawal.
 *
 * Each row describes a loan applicant: salary (20k..150k), commission (0 when salary
 * >= 75k, else 10k..75k), age (20..80), elevel (education level, categorical e0..e4),
 * car (make, categorical c1..c20), zipcode (categorical z0..z8), hvalue (house value,
 * (9 - zipcode) * 100k * [0.5, 1.5)), hyears (years owned, 1..30) and loan (0..500k).
 * One of the paper's ten classification functions decides between group A (label 0)
 * and group B (label 1). Switching `function` between streams gives the classic
 * Agrawal concept drifts.
 *
 * `perturbation` (MOA's perturbFraction) adds uniform noise of up to that fraction of
 * each numeric attribute's range after the label is decided, clamped to the range, so
 * labels near a boundary become noisy. `balance` alternates the classes by rejection
 * sampling.
 */
#include <math.h>
#include <stdlib.h>

#include "gen_int.h"
#include "otter/learner.h"
#include "otter/rng.h"

enum { P_FUNCTION, P_PERTURBATION, P_BALANCE, P_COUNT };

static const otter_param_spec agrawal_params[P_COUNT] = {
    {"function", OTTER_PARAM_INT, "1", 1, 10, 0, NULL, "classification function 1..10"},
    {"perturbation", OTTER_PARAM_DOUBLE, "0.05", 0, 1, 0, NULL,
     "fraction of each numeric attribute's range used to perturb values after labelling"},
    {"balance", OTTER_PARAM_BOOL, "false", 0, 0, 0, NULL,
     "alternate the classes (rejection sampling) instead of the natural class ratio"},
};

enum {
    F_SALARY,
    F_COMMISSION,
    F_AGE,
    F_ELEVEL,
    F_CAR,
    F_ZIPCODE,
    F_HVALUE,
    F_HYEARS,
    F_LOAN,
    F_COUNT
};

static const char *const agrawal_names[F_COUNT] = {
    "salary", "commission", "age", "elevel", "car", "zipcode", "hvalue", "hyears", "loan"};

static const char *const elevel_values[5] = {"e0", "e1", "e2", "e3", "e4"};
static const char *const car_values[20] = {"c1",  "c2",  "c3",  "c4",  "c5",  "c6",  "c7",
                                           "c8",  "c9",  "c10", "c11", "c12", "c13", "c14",
                                           "c15", "c16", "c17", "c18", "c19", "c20"};
static const char *const zipcode_values[9] = {"z0", "z1", "z2", "z3", "z4", "z5", "z6", "z7", "z8"};

typedef struct applicant {
    double salary, commission, hvalue, loan;
    int age, elevel, car, zipcode, hyears; /* car is 1..20 */
} applicant;

typedef struct agrawal {
    otter_rng rng;
    int function; /* 1..10 */
    double perturbation;
    int balance;
    int want_zero; /* balance: class the next row must have */
    otter_feature_key keys[F_COUNT];
    otter__gen_schema schema;
} agrawal;

static int in_range(double v, double lo, double hi)
{
    return lo <= v && v <= hi;
}

/* Salary bands of functions 2, 4, 5 and 6 by age group. */
static int band_young(double s)
{
    return in_range(s, 50000, 100000);
}
static int band_middle(double s)
{
    return in_range(s, 75000, 125000);
}
static int band_old(double s)
{
    return in_range(s, 25000, 75000);
}

static int class_f1(const applicant *a)
{
    return (a->age < 40 || a->age >= 60) ? 0 : 1;
}

static int class_f2(const applicant *a)
{
    if (a->age < 40)
        return band_young(a->salary) ? 0 : 1;
    if (a->age < 60)
        return band_middle(a->salary) ? 0 : 1;
    return band_old(a->salary) ? 0 : 1;
}

static int class_f3(const applicant *a)
{
    if (a->age < 40)
        return a->elevel <= 1 ? 0 : 1;
    if (a->age < 60)
        return (a->elevel >= 1 && a->elevel <= 3) ? 0 : 1;
    return a->elevel >= 2 ? 0 : 1;
}

static int class_f4(const applicant *a)
{
    double s = a->salary;
    if (a->age < 40)
        return (a->elevel <= 1 ? band_old(s) : band_young(s)) ? 0 : 1;
    if (a->age < 60)
        return ((a->elevel >= 1 && a->elevel <= 3) ? band_young(s) : band_middle(s)) ? 0 : 1;
    return (a->elevel >= 2 ? band_young(s) : band_old(s)) ? 0 : 1;
}

static int class_f5(const applicant *a)
{
    double s = a->salary, l = a->loan;
    if (a->age < 40)
        return (band_young(s) ? in_range(l, 100000, 300000) : in_range(l, 200000, 400000)) ? 0 : 1;
    if (a->age < 60)
        return (band_middle(s) ? in_range(l, 200000, 400000) : in_range(l, 300000, 500000)) ? 0 : 1;
    return (band_old(s) ? in_range(l, 300000, 500000) : in_range(l, 100000, 300000)) ? 0 : 1;
}

static int class_f6(const applicant *a)
{
    double total = a->salary + a->commission;
    if (a->age < 40)
        return band_young(total) ? 0 : 1;
    if (a->age < 60)
        return band_middle(total) ? 0 : 1;
    return band_old(total) ? 0 : 1;
}

static double income(const applicant *a)
{
    return 2.0 * (a->salary + a->commission) / 3.0;
}

static int class_f7(const applicant *a)
{
    return income(a) - a->loan / 5.0 - 20000.0 > 0 ? 0 : 1;
}

static int class_f8(const applicant *a)
{
    return income(a) - 5000.0 * a->elevel - 20000.0 > 0 ? 0 : 1;
}

static int class_f9(const applicant *a)
{
    return income(a) - 5000.0 * a->elevel - a->loan / 5.0 - 10000.0 > 0 ? 0 : 1;
}

static int class_f10(const applicant *a)
{
    double equity = a->hyears >= 20 ? a->hvalue * (a->hyears - 20.0) / 10.0 : 0.0;
    return income(a) - 5000.0 * a->elevel + equity / 5.0 - 10000.0 > 0 ? 0 : 1;
}

static int (*const agrawal_functions[10])(const applicant *) = {
    class_f1, class_f2, class_f3, class_f4, class_f5,
    class_f6, class_f7, class_f8, class_f9, class_f10};

static void draw_applicant(otter_rng *rng, applicant *a)
{
    a->salary = 20000.0 + 130000.0 * otter_rng_uniform(rng);
    a->commission = a->salary >= 75000.0 ? 0.0 : 10000.0 + 65000.0 * otter_rng_uniform(rng);
    a->age = 20 + (int)otter_rng_below(rng, 61);
    a->elevel = (int)otter_rng_below(rng, 5);
    a->car = 1 + (int)otter_rng_below(rng, 20);
    a->zipcode = (int)otter_rng_below(rng, 9);
    a->hvalue = (9.0 - a->zipcode) * 100000.0 * (0.5 + otter_rng_uniform(rng));
    a->hyears = 1 + (int)otter_rng_below(rng, 30);
    a->loan = 500000.0 * otter_rng_uniform(rng);
}

/* v plus uniform noise of up to fraction * (hi - lo), clamped to [lo, hi]. */
static double perturb(otter_rng *rng, double fraction, double v, double lo, double hi)
{
    v += (hi - lo) * fraction * (2.0 * otter_rng_uniform(rng) - 1.0);
    return v < lo ? lo : (v > hi ? hi : v);
}

static void perturb_applicant(otter_rng *rng, double f, applicant *a)
{
    double house = (9.0 - a->zipcode) * 100000.0;
    a->salary = perturb(rng, f, a->salary, 20000, 150000);
    if (a->commission > 0.0)
        a->commission = perturb(rng, f, a->commission, 10000, 75000);
    a->age = (int)lround(perturb(rng, f, a->age, 20, 80));
    a->hvalue = perturb(rng, f, a->hvalue, 0.5 * house, 1.5 * house);
    a->hyears = (int)lround(perturb(rng, f, a->hyears, 1, 30));
    a->loan = perturb(rng, f, a->loan, 0, 500000);
}

static otter_status agrawal_create(const otter_param_value *values, uint64_t seed, void **self,
                                   otter_error *err)
{
    agrawal *g = calloc(1, sizeof *g);
    if (g == NULL)
        return otter_error_set(err, OTTER_NOMEM, "out of memory for the agrawal generator");
    otter_rng_seed(&g->rng, seed);
    g->function = (int)values[P_FUNCTION].i;
    g->perturbation = values[P_PERTURBATION].d;
    g->balance = values[P_BALANCE].b;
    g->want_zero = 1;
    g->schema = (otter__gen_schema){NULL, F_COUNT, agrawal_names, g->keys};
    *self = g;
    return OTTER_OK;
}

static otter_status add_applicant(agrawal *g, otter_instance *inst, const applicant *a,
                                  otter_error *err)
{
    const otter_feature_key *k = g->keys;
    otter_status st = OTTER_OK;
    if ((st = otter_instance_add_num(inst, k[F_SALARY], a->salary, err)) != OTTER_OK ||
        (st = otter_instance_add_num(inst, k[F_COMMISSION], a->commission, err)) != OTTER_OK ||
        (st = otter_instance_add_num(inst, k[F_AGE], a->age, err)) != OTTER_OK ||
        (st = otter__gen_add_cat(inst, k[F_ELEVEL], elevel_values[a->elevel], err)) != OTTER_OK ||
        (st = otter__gen_add_cat(inst, k[F_CAR], car_values[a->car - 1], err)) != OTTER_OK ||
        (st = otter__gen_add_cat(inst, k[F_ZIPCODE], zipcode_values[a->zipcode], err)) !=
            OTTER_OK ||
        (st = otter_instance_add_num(inst, k[F_HVALUE], a->hvalue, err)) != OTTER_OK ||
        (st = otter_instance_add_num(inst, k[F_HYEARS], a->hyears, err)) != OTTER_OK ||
        (st = otter_instance_add_num(inst, k[F_LOAN], a->loan, err)) != OTTER_OK)
        return st;
    return OTTER_OK;
}

static otter_status agrawal_next(void *self, otter_instance *inst, otter_gen_row *row,
                                 otter_error *err)
{
    agrawal *g = self;
    otter_instance_clear(inst);
    otter_status st = otter__gen_schema_bind(&g->schema, inst, err);
    if (st != OTTER_OK)
        return st;
    applicant a;
    int label;
    for (;;) {
        draw_applicant(&g->rng, &a);
        label = agrawal_functions[g->function - 1](&a);
        if (!g->balance || label == !g->want_zero)
            break;
    }
    if (g->balance)
        g->want_zero = !g->want_zero;
    if (g->perturbation > 0.0)
        perturb_applicant(&g->rng, g->perturbation, &a);
    if ((st = add_applicant(g, inst, &a, err)) != OTTER_OK)
        return st;
    *row = (otter_gen_row){0};
    row->label = label;
    return OTTER_OK;
}

static int agrawal_task(const void *self)
{
    (void)self;
    return OTTER_TASK_BINARY;
}

static size_t agrawal_n_classes(const void *self)
{
    (void)self;
    return 2;
}

static void agrawal_destroy(void *self)
{
    free(self);
}

const otter_gen_type otter__gen_agrawal = {
    .abi = OTTER_GEN_ABI,
    .name = "agrawal",
    .summary = "Agrawal loan applicants: 9 mixed attributes, one of 10 classification functions",
    .params = agrawal_params,
    .n_params = P_COUNT,
    .n_meta = 0,
    .meta_names = NULL,
    .create = agrawal_create,
    .task = agrawal_task,
    .n_classes = agrawal_n_classes,
    .next = agrawal_next,
    .destroy = agrawal_destroy,
};
