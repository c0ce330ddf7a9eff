/* ADWIN change detector: exact window statistics, detection delay on abrupt and small
 * changes, the false-alarm rate on stationary streams, logarithmic memory, bit-identical
 * round trips with every truncation rejected, and parameter validation.
 *
 * The statistical tests use fixed seeds (otter_rng), so they are deterministic; the
 * bounds are set with margin above what those seeds give (see each test). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/codec_int.h"
#include "learners/adwin_int.h"
#include "test_util.h"

#define N_SEEDS 20

static otter__adwin *make(double delta)
{
    otter__adwin *a = NULL;
    OK(otter__adwin_create(delta, &a, err));
    ck_assert_ptr_nonnull(a);
    return a;
}

static double bernoulli(otter_rng *rng, double p)
{
    return otter_rng_uniform(rng) < p ? 1.0 : 0.0;
}

/* Feeds n Bernoulli(p) values; returns the number of alarms and the index (0-based,
 * within these n) of the first one in *first, or n when there was none. */
static int feed(otter__adwin *a, otter_rng *rng, double p, int n, int *first)
{
    int alarms = 0;
    if (first)
        *first = n;
    for (int i = 0; i < n; i++) {
        if (otter__adwin_add(a, bernoulli(rng, p))) {
            if (alarms == 0 && first)
                *first = i;
            alarms++;
        }
    }
    return alarms;
}

START_TEST(bad_delta_rejected)
{
    const double bad[] = {0.0, 1.0, -0.1, NAN, INFINITY, 1.5};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        otter_error e = {0};
        otter__adwin *a = (otter__adwin *)&e; /* must be overwritten with NULL */
        ck_assert_int_eq(otter__adwin_create(bad[i], &a, &e), OTTER_INVALID);
        ck_assert_ptr_null(a);
        ck_assert_ptr_nonnull(strstr(e.message, "delta"));
    }
    otter__adwin_destroy(make(OTTER__ADWIN_DEFAULT_DELTA));
    otter__adwin_destroy(make(1e-9));
    otter__adwin_destroy(NULL);
}
END_TEST

/* Without a change nothing is dropped, so the window is every value: width is the
 * count and mean/variance match a two-pass computation. The values are a fixed cycle
 * (no change for ADWIN to find) of non-integers, so rounding in the bucket merges
 * would show. */
START_TEST(mean_width_exact)
{
    otter__adwin *a = make(0.002);
    ck_assert_uint_eq(otter__adwin_width(a), 0);
    ck_assert(otter__adwin_mean(a) == 0.0 && otter__adwin_variance(a) == 0.0);
    static double xs[5000];
    const int checks[] = {1, 2, 3, 10, 33, 64, 257, 1000, 5000};
    int n = 0;
    for (size_t c = 0; c < sizeof checks / sizeof checks[0]; c++) {
        for (; n < checks[c]; n++) {
            xs[n] = 0.1 * (double)((n * 7) % 11) - 0.3;
            ck_assert_int_eq(otter__adwin_add(a, xs[n]), 0);
        }
        long double s = 0;
        for (int i = 0; i < n; i++)
            s += xs[i];
        double mean = (double)(s / n), ss = 0;
        for (int i = 0; i < n; i++)
            ss += (xs[i] - mean) * (xs[i] - mean);
        ck_assert_uint_eq(otter__adwin_width(a), (uint64_t)n);
        ck_assert_msg(fabs(otter__adwin_mean(a) - mean) < 1e-12, "n=%d mean %.17g vs %.17g", n,
                      otter__adwin_mean(a), mean);
        ck_assert_msg(fabs(otter__adwin_variance(a) - ss / n) < 1e-10, "n=%d var %.17g vs %.17g", n,
                      otter__adwin_variance(a), ss / n);
    }
    otter__adwin_destroy(a);
}
END_TEST

/* Non-finite values are ignored rather than poisoning the sums. */
START_TEST(non_finite_ignored)
{
    otter__adwin *a = make(0.002);
    otter__adwin_add(a, 1.0);
    otter__adwin_add(a, 0.0);
    ck_assert_int_eq(otter__adwin_add(a, NAN), 0);
    ck_assert_int_eq(otter__adwin_add(a, INFINITY), 0);
    ck_assert_int_eq(otter__adwin_add(a, -INFINITY), 0);
    ck_assert_uint_eq(otter__adwin_width(a), 2);
    ck_assert(otter__adwin_mean(a) == 0.5);
    ck_assert(otter__adwin_variance(a) == 0.25);
    otter__adwin_destroy(a);
}
END_TEST

/* Bernoulli(0.2) for 5000 values, then Bernoulli(0.8), delta = 0.002. Measured with
 * seeds 1..20: no alarm before the change; first alarm 24 (3 seeds) or 56 (17 seeds)
 * values after it (mean 51.2). The cut check runs every 32 additions and 5000 % 32 = 8,
 * so checks fall 24, 56, 88, ... values after the change: the jump is found at the
 * first or second check. Asserted: delay < 150 for every seed.
 * The first cut may stop while a few hundred old values remain (a short run of 0.8s
 * against a long run of 0.2s is not yet significant everywhere), but later checks cut
 * again: 200 values after the first alarm the window held at most 40 pre-change values
 * (width 248-296, mean 0.69-0.84). Asserted: at most 100 pre-change values left, mean
 * > 0.6, and after 1000 further values the mean within 0.05 of 0.8. */
START_TEST(abrupt_change_detected)
{
    int max_delay = 0, sum_delay = 0;
    for (uint64_t seed = 1; seed <= N_SEEDS; seed++) {
        otter_rng rng;
        otter_rng_seed(&rng, seed);
        otter__adwin *a = make(0.002);
        int first;
        int before = feed(a, &rng, 0.2, 5000, &first);
        ck_assert_msg(before == 0, "seed %d: false alarm at %d before the change", (int)seed,
                      first);
        ck_assert_uint_eq(otter__adwin_width(a), 5000);
        int delay = -1;
        for (int i = 0; i < 2000 && delay < 0; i++)
            if (otter__adwin_add(a, bernoulli(&rng, 0.8)))
                delay = i + 1;
        ck_assert_msg(delay > 0 && delay < 150, "seed %d: delay %d", (int)seed, delay);
        ck_assert_uint_lt(otter__adwin_width(a), 5000 + (uint64_t)delay); /* it shrank */
        feed(a, &rng, 0.8, 200, NULL);
        uint64_t w = otter__adwin_width(a), post = (uint64_t)delay + 200;
        double mean = otter__adwin_mean(a);
        fprintf(stderr, "abrupt seed %2d: delay %2d; 200 later window %llu (%llu old) mean %.3f\n",
                (int)seed, delay, (unsigned long long)w, (unsigned long long)(w - post), mean);
        ck_assert_msg(w >= post && w - post <= 100 && mean > 0.6,
                      "seed %d: 200 after the alarm width %llu mean %g", (int)seed,
                      (unsigned long long)w, mean);
        feed(a, &rng, 0.8, 1000, NULL);
        ck_assert_msg(fabs(otter__adwin_mean(a) - 0.8) < 0.05, "seed %d: mean %g", (int)seed,
                      otter__adwin_mean(a));
        max_delay = delay > max_delay ? delay : max_delay;
        sum_delay += delay;
        otter__adwin_destroy(a);
    }
    fprintf(stderr, "abrupt: max delay %d, mean %.1f\n", max_delay, (double)sum_delay / N_SEEDS);
}
END_TEST

/* A real-valued stream: N(0, 1) then N(1, 1), detected quickly too. */
START_TEST(gaussian_shift_detected)
{
    otter_rng rng;
    otter_rng_seed(&rng, 7);
    otter__adwin *a = make(0.002);
    for (int i = 0; i < 3000; i++)
        ck_assert_int_eq(otter__adwin_add(a, otter_rng_normal(&rng)), 0);
    ck_assert(fabs(otter__adwin_mean(a)) < 0.1 && fabs(otter__adwin_variance(a) - 1) < 0.1);
    int delay = -1;
    for (int i = 0; i < 2000 && delay < 0; i++)
        if (otter__adwin_add(a, 1.0 + otter_rng_normal(&rng)))
            delay = i + 1;
    fprintf(stderr, "gaussian: delay %d\n", delay);
    ck_assert_msg(delay > 0 && delay < 150, "delay %d", delay); /* measured 40 */
    otter__adwin_destroy(a);
}
END_TEST

/* Bernoulli(0.5) for 100000 values, seeds 101..120. With delta = 0.002 each check's
 * false-cut probability is bounded by about delta, but the bound is conservative (union
 * bound, Bernstein-type epsilon) and the checks are strongly correlated; measured: 0 of
 * 20 runs raise any alarm. Asserted: at most 3 of 20 runs with an alarm, none with more
 * than 2. The same streams with delta = 0.2 must raise alarms (measured: 20 of 20 runs,
 * 155 alarms; 0.05 gives 10 of 20), which shows the count tracks delta and that the
 * assertion above is not vacuous. */
static int stationary_runs(double delta, int *total)
{
    int runs_with_alarm = 0;
    *total = 0;
    for (uint64_t seed = 101; seed < 101 + N_SEEDS; seed++) {
        otter_rng rng;
        otter_rng_seed(&rng, seed);
        otter__adwin *a = make(delta);
        int alarms = feed(a, &rng, 0.5, 100000, NULL);
        runs_with_alarm += alarms > 0;
        *total += alarms;
        if (delta < 0.01) {
            ck_assert_msg(alarms <= 2, "seed %d: %d alarms", (int)seed, alarms);
            if (alarms == 0)
                ck_assert_uint_eq(otter__adwin_width(a), 100000);
        }
        otter__adwin_destroy(a);
    }
    fprintf(stderr, "stationary delta %g: %d of %d runs with an alarm, %d alarms\n", delta,
            runs_with_alarm, N_SEEDS, *total);
    return runs_with_alarm;
}

START_TEST(stationary_few_false_alarms)
{
    int total;
    ck_assert_int_le(stationary_runs(0.002, &total), 3);
    ck_assert_int_ge(stationary_runs(0.2, &total), 15);
    ck_assert_int_ge(total, 50);
}
END_TEST

/* Mean 0.5 -> 0.55 after 10000 values, seeds 201..220, delta = 0.002: measured
 * first-alarm delays 399-6223 values (median ~2000), no alarm before the change.
 * Asserted: detected within 20000 values for every seed. */
START_TEST(small_change_detected)
{
    int max_delay = 0;
    for (uint64_t seed = 201; seed < 201 + N_SEEDS; seed++) {
        otter_rng rng;
        otter_rng_seed(&rng, seed);
        otter__adwin *a = make(0.002);
        int first;
        int before = feed(a, &rng, 0.5, 10000, &first);
        ck_assert_msg(before == 0, "seed %d: false alarm at %d", (int)seed, first);
        int delay;
        feed(a, &rng, 0.55, 20000, &delay);
        fprintf(stderr, "small seed %3d: delay %d\n", (int)seed, delay);
        ck_assert_msg(delay < 20000, "seed %d: 0.5 -> 0.55 not detected in 20000", (int)seed);
        max_delay = delay > max_delay ? delay : max_delay;
        otter__adwin_destroy(a);
    }
    fprintf(stderr, "small: max delay %d\n", max_delay);
}
END_TEST

/* A plain restatement of ADWIN2 for differential testing: every value is kept, the
 * buckets are only their sizes (oldest first), and each check recomputes the sums and
 * the variance of the window directly from the values with the paper's bound. */
#define REF_MAX 20000
typedef struct ref_adwin {
    double delta;
    double x[REF_MAX]; /* every value; the window is x[start, n) */
    size_t n, start, time;
    size_t size[400]; /* bucket sizes, oldest first (non-increasing) */
    size_t nb;
} ref_adwin;

static void ref_compress(ref_adwin *r)
{
    for (size_t s = 1;; s *= 2) {
        size_t first = r->nb, count = 0;
        for (size_t i = 0; i < r->nb; i++)
            if (r->size[i] == s && count++ == 0)
                first = i;
        if (count <= OTTER__ADWIN_MAX_BUCKETS)
            return;
        r->size[first] = 2 * s; /* the two oldest of size s become one of size 2s */
        memmove(r->size + first + 1, r->size + first + 2, (r->nb - first - 2) * sizeof *r->size);
        r->nb--;
    }
}

static int ref_cut(const ref_adwin *r)
{
    double w = (double)(r->n - r->start), sum = 0, ss = 0;
    for (size_t i = r->start; i < r->n; i++)
        sum += r->x[i];
    for (size_t i = r->start; i < r->n; i++)
        ss += (r->x[i] - sum / w) * (r->x[i] - sum / w);
    double dd = log(2 * log(w) / r->delta), s0 = 0;
    size_t n0 = 0, at = r->start;
    for (size_t b = 0; b + 1 < r->nb; b++) {
        for (size_t k = 0; k < r->size[b]; k++)
            s0 += r->x[at++];
        n0 += r->size[b];
        double n1 = w - (double)n0;
        if (n0 <= OTTER__ADWIN_MIN_SUB + 1 || n1 <= OTTER__ADWIN_MIN_SUB + 1)
            continue;
        /* harmonic term m = 1 / (1/n0' + 1/n1') with n' = n - MIN_SUB + 1 */
        double m =
            1 / (1 / ((double)n0 - OTTER__ADWIN_MIN_SUB + 1) + 1 / (n1 - OTTER__ADWIN_MIN_SUB + 1));
        double eps = sqrt(2 / m * (ss / w) * dd) + 2 / (3 * m) * dd;
        if (fabs(s0 / (double)n0 - (sum - s0) / n1) > eps)
            return 1;
    }
    return 0;
}

static int ref_add(ref_adwin *r, double x)
{
    ck_assert(r->n < REF_MAX);
    r->x[r->n++] = x;
    r->size[r->nb++] = 1;
    ref_compress(r);
    if (++r->time % OTTER__ADWIN_CLOCK != 0 || r->n - r->start <= OTTER__ADWIN_MIN_WIDTH)
        return 0;
    int changed = 0;
    while (r->n - r->start > OTTER__ADWIN_MIN_WIDTH && ref_cut(r)) {
        r->start += r->size[0];
        memmove(r->size, r->size + 1, --r->nb * sizeof *r->size);
        changed = 1;
    }
    return changed;
}

/* The detector against the reference on 0/1 streams with several changes (0/1 values
 * keep every sum exact, so both take the same decisions): the same alarms at the same
 * steps, the same width, and the window's mean and variance equal to those of the last
 * `width` values. This is what checks the bucket merge and delete formulas and the cut
 * bound itself. */
START_TEST(matches_reference)
{
    static ref_adwin r;
    const double deltas[] = {0.002, 0.3};
    const double p[] = {0.2, 0.6, 0.3, 0.35, 0.9, 0.1};
    const int len[] = {3000, 1500, 1000, 3000, 500, 2000};
    for (size_t d = 0; d < 2; d++) {
        memset(&r, 0, sizeof r);
        r.delta = deltas[d];
        otter__adwin *a = make(deltas[d]);
        otter_rng rng;
        otter_rng_seed(&rng, 3 + d);
        int alarms = 0, step = 0;
        for (size_t seg = 0; seg < 6; seg++) {
            for (int i = 0; i < len[seg]; i++, step++) {
                double x = bernoulli(&rng, p[seg]);
                int ca = otter__adwin_add(a, x), cr = ref_add(&r, x);
                ck_assert_msg(ca == cr, "delta %g step %d: alarm %d, reference %d", deltas[d], step,
                              ca, cr);
                alarms += ca;
                size_t w = r.n - r.start;
                ck_assert_uint_eq(otter__adwin_width(a), w);
                if (step % 97 != 0 && !ca)
                    continue;
                double sum = 0, ss = 0;
                for (size_t k = r.start; k < r.n; k++)
                    sum += r.x[k];
                for (size_t k = r.start; k < r.n; k++)
                    ss += (r.x[k] - sum / (double)w) * (r.x[k] - sum / (double)w);
                ck_assert(otter__adwin_mean(a) == sum / (double)w);
                ck_assert_msg(fabs(otter__adwin_variance(a) - ss / (double)w) < 1e-9,
                              "step %d: variance %.17g vs %.17g", step, otter__adwin_variance(a),
                              ss / (double)w);
            }
        }
        fprintf(stderr, "reference delta %g: %d alarms, all matched\n", deltas[d], alarms);
        ck_assert_int_ge(alarms, 4);
        otter__adwin_destroy(a);
    }
}
END_TEST

/* 10^6 stationary values in about log2(10^6 / 5) ~ 18 rows of at most 5 buckets.
 * Measured: 896 bytes after 10^3 values, 2144 after 10^6 (no alarm). */
START_TEST(memory_logarithmic)
{
    otter_rng rng;
    otter_rng_seed(&rng, 42);
    otter__adwin *a = make(0.002);
    size_t at_1k = 0;
    int alarms = 0;
    for (int i = 1; i <= 1000000; i++) {
        alarms += otter__adwin_add(a, bernoulli(&rng, 0.3));
        if (i == 1000)
            at_1k = otter__adwin_bytes(a);
    }
    size_t bytes = otter__adwin_bytes(a);
    fprintf(stderr, "memory: %zu bytes at 10^3, %zu at 10^6 (width %llu, %d alarms)\n", at_1k,
            bytes, (unsigned long long)otter__adwin_width(a), alarms);
    if (alarms == 0)
        ck_assert_uint_eq(otter__adwin_width(a), 1000000);
    ck_assert_uint_lt(bytes, 10 * 1024);
    ck_assert_uint_lt(bytes, 4 * at_1k); /* 1000x the values, a few more rows */
    otter__adwin_destroy(a);
}
END_TEST

static void encode(const otter__adwin *a, otter_buf *buf)
{
    otter__wr w;
    otter__wr_init(&w, buf, NULL);
    ck_assert_int_eq(otter__adwin_encode(a, &w), OTTER_OK);
}

static otter__adwin *decode(const otter_buf *buf)
{
    otter__rd r;
    otter__rd_init(&r, buf->data, buf->len);
    otter__adwin *b = NULL;
    OK(otter__adwin_decode(&r, &b, err));
    ck_assert(otter__rd_done(&r));
    return b;
}

static void assert_same(const otter__adwin *a, const otter__adwin *b)
{
    double ma = otter__adwin_mean(a), mb = otter__adwin_mean(b);
    double va = otter__adwin_variance(a), vb = otter__adwin_variance(b);
    ck_assert_uint_eq(otter__adwin_width(a), otter__adwin_width(b));
    ck_assert(memcmp(&ma, &mb, sizeof ma) == 0);
    ck_assert(memcmp(&va, &vb, sizeof va) == 0);
}

/* Encoded mid-stream (not at a clock boundary), the copy raises the same alarms at the
 * same steps through a change, with bit-identical statistics throughout, and encodes to
 * the same bytes. */
START_TEST(round_trip_identical)
{
    otter_rng rng;
    otter_rng_seed(&rng, 5);
    otter__adwin *a = make(0.01);
    for (int i = 0; i < 3007; i++)
        otter__adwin_add(a, bernoulli(&rng, 0.2) * 0.9 + 0.01 * (i % 3));
    otter_buf b1 = OTTER_BUF_INIT, b2 = OTTER_BUF_INIT;
    encode(a, &b1);
    otter__adwin *b = decode(&b1);
    assert_same(a, b);
    encode(b, &b2);
    ck_assert_uint_eq(b1.len, b2.len);
    ck_assert(memcmp(b1.data, b2.data, b1.len) == 0);
    int alarms = 0;
    for (int i = 0; i < 4000; i++) {
        double x = bernoulli(&rng, i < 2000 ? 0.7 : 0.1) + 0.001 * i;
        int ca = otter__adwin_add(a, x), cb = otter__adwin_add(b, x);
        ck_assert_msg(ca == cb, "step %d: alarms differ", i);
        alarms += ca;
        assert_same(a, b);
    }
    ck_assert_int_ge(alarms, 2); /* the continuation did exercise cuts */
    otter_buf_free(&b1);
    otter_buf_free(&b2);
    otter__adwin_destroy(a);
    otter__adwin_destroy(b);
}
END_TEST

/* An empty detector round-trips too. */
START_TEST(round_trip_empty)
{
    otter__adwin *a = make(0.3);
    otter_buf buf = OTTER_BUF_INIT;
    encode(a, &buf);
    otter__adwin *b = decode(&buf);
    assert_same(a, b);
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(otter__adwin_add(a, i % 2), otter__adwin_add(b, i % 2));
    assert_same(a, b);
    otter_buf_free(&buf);
    otter__adwin_destroy(a);
    otter__adwin_destroy(b);
}
END_TEST

static otter_status try_decode(const uint8_t *p, size_t len)
{
    otter__rd r;
    otter__rd_init(&r, p, len);
    otter__adwin *b = (otter__adwin *)&r;
    otter_error e = {0};
    otter_status st = otter__adwin_decode(&r, &b, &e);
    if (st != OTTER_OK)
        ck_assert_ptr_null(b);
    otter__adwin_destroy(b);
    return st;
}

/* Every strict prefix fails with OTTER_CORRUPT; tampered fields are caught. Offsets:
 * 0 version, 1 delta, 9 time, 17 width, 25 total, 33 var, 41 row count, 42 first row's
 * bucket count. The copy is heap-allocated to exactly `len` so ASan sees any overrun. */
START_TEST(truncated_and_corrupt_rejected)
{
    otter_rng rng;
    otter_rng_seed(&rng, 9);
    otter__adwin *a = make(0.002);
    for (int i = 0; i < 777; i++)
        otter__adwin_add(a, bernoulli(&rng, 0.4));
    otter_buf buf = OTTER_BUF_INIT;
    encode(a, &buf);
    for (size_t len = 0; len < buf.len; len++) {
        uint8_t *p = malloc(len ? len : 1);
        memcpy(p, buf.data, len);
        ck_assert_msg(try_decode(p, len) == OTTER_CORRUPT, "prefix %zu of %zu accepted", len,
                      buf.len);
        free(p);
    }
    ck_assert_int_eq(try_decode(buf.data, buf.len), OTTER_OK);

    uint8_t *p = malloc(buf.len);
    struct {
        size_t at, n; /* bytes [at, at + n) are set to `byte` */
        uint8_t byte;
        otter_status want;
    } cases[] = {
        {0, 1, 2, OTTER_VERSION},     /* unknown version */
        {1, 8, 0xff, OTTER_CORRUPT},  /* delta NaN */
        {1, 8, 0x00, OTTER_CORRUPT},  /* delta 0 */
        {17, 1, 0x02, OTTER_CORRUPT}, /* width no longer the buckets' total */
        {33, 8, 0xff, OTTER_CORRUPT}, /* window variance NaN */
        {41, 1, 65, OTTER_CORRUPT},   /* too many rows */
        {41, 1, 1, OTTER_CORRUPT},    /* fewer rows than the width needs */
        {42, 1, 0, OTTER_CORRUPT},    /* empty row */
        {42, 1, 6, OTTER_CORRUPT},    /* more buckets than M */
        {51, 8, 0xff, OTTER_CORRUPT}, /* first bucket's variance NaN */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(p, buf.data, buf.len);
        memset(p + cases[i].at, cases[i].byte, cases[i].n);
        ck_assert_msg(try_decode(p, buf.len) == cases[i].want, "case %zu", i);
    }
    free(p);
    otter_buf_free(&buf);
    otter__adwin_destroy(a);
}
END_TEST

static Suite *adwin_suite(void)
{
    Suite *s = suite_create("adwin");
    TCase *tc = tcase_create("adwin");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, bad_delta_rejected);
    tcase_add_test(tc, mean_width_exact);
    tcase_add_test(tc, non_finite_ignored);
    tcase_add_test(tc, abrupt_change_detected);
    tcase_add_test(tc, gaussian_shift_detected);
    tcase_add_test(tc, stationary_few_false_alarms);
    tcase_add_test(tc, small_change_detected);
    tcase_add_test(tc, matches_reference);
    tcase_add_test(tc, memory_logarithmic);
    tcase_add_test(tc, round_trip_identical);
    tcase_add_test(tc, round_trip_empty);
    tcase_add_test(tc, truncated_and_corrupt_rejected);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(adwin_suite());
}
