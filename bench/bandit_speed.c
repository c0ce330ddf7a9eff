/* Decisions per second of a bandit through the public API: each step builds a dense
 * context of d random values, ranks every arm (otter_bandit_rank) and rewards the
 * decision (otter_bandit_reward), simulating 1000 decisions per second of event time.
 *
 *   bench/bandit_speed [policy [d [arms [steps [params]]]]]
 *   bench/bandit_speed --kernels [d]
 *
 * Defaults: linucb, d 32, 10 arms, 1000000 steps, no extra parameters. --kernels
 * times the triangular solve at d both ways (the plain loop otter uses and BLAS dtpsv)
 * and the rank-1 Cholesky update. Built on demand (make bench/bandit_speed), never by
 * make check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/blas_int.h"
#include "core/chol_int.h"
#include "otter/otter.h"

/* CPU time of this thread: on a shared machine wall time also counts the time other
 * processes hold the core; the rates below are per second of CPU. */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int fail(const char *what, const otter_error *e)
{
    fprintf(stderr, "bandit_speed: %s: %s\n", what, e->message);
    return 1;
}

/* Times fn over reps calls on a factor of a random d x d system; ns per call. */
static void kernels(size_t d)
{
    size_t reps = 2000000 / (d > 8 ? d / 8 : 1);
    otter_rng rng;
    otter_rng_seed(&rng, 7);
    double *L = malloc(otter__chol_packed(d) * sizeof *L), *x = malloc(d * sizeof *x),
           *w = malloc(d * sizeof *w);
    otter__chol_identity(d, 1.0, L);
    for (size_t k = 0; k < 4 * d; k++) {
        for (size_t i = 0; i < d; i++)
            w[i] = otter_rng_normal(&rng);
        otter__chol_update(d, L, 1.0, L, w);
    }
    for (size_t i = 0; i < d; i++)
        x[i] = otter_rng_normal(&rng);
    double *rd = malloc(d * sizeof *rd);
    otter__chol_rdiag(d, L, rd);
    double sink = 0, t0 = cpu_s();
    for (size_t r = 0; r < reps; r++) {
        memcpy(w, x, d * sizeof *w);
        sink += otter__chol_lsolve(d, L, rd, w);
    }
    double t_loop = cpu_s() - t0;
    t0 = cpu_s();
    for (size_t r = 0; r < reps; r++) {
        memcpy(w, x, d * sizeof *w);
        otter__dtpsv_lower(d, L, w, 0);
        sink += w[d - 1];
    }
    double t_blas = cpu_s() - t0;
    t0 = cpu_s();
    for (size_t r = 0; r < reps; r++) {
        memcpy(w, x, d * sizeof *w);
        otter__chol_update(d, L, 0.999999, L, w);
    }
    double t_upd = cpu_s() - t0;
    printf("d=%zu  forward solve: loop %.1f ns, BLAS dtpsv %.1f ns;  rank-1 update %.1f ns  "
           "(%g)\n",
           d, t_loop / (double)reps * 1e9, t_blas / (double)reps * 1e9, t_upd / (double)reps * 1e9,
           sink > 0 ? 1.0 : 0.0);
    free(L);
    free(rd);
    free(x);
    free(w);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--kernels") == 0) {
        kernels(argc > 2 ? (size_t)atoi(argv[2]) : 32);
        return 0;
    }
    const char *policy = argc > 1 ? argv[1] : "linucb";
    size_t d = argc > 2 ? (size_t)atoi(argv[2]) : 32, k = argc > 3 ? (size_t)atoi(argv[3]) : 10;
    long steps = argc > 4 ? atol(argv[4]) : 1000000;
    char ptext[512];
    snprintf(ptext, sizeof ptext, "dim=%zu%s%s", d, argc > 5 ? "," : "", argc > 5 ? argv[5] : "");
    otter_error e = {0};
    otter_context *ctx = NULL;
    otter_params *params = NULL;
    otter_bandit *b = NULL;
    otter_instance *inst = NULL;
    if (otter_context_create(&ctx, &e) || otter_params_create(&params, &e) ||
        otter_params_parse(params, ptext, &e) || otter_instance_create(&inst, &e))
        return fail("setup", &e);
    char names[64][24];
    const char *arms[64];
    if (k < 1 || k > 64 || d < 1)
        return fail("arms must be 1..64 and d >= 1", &e);
    for (size_t a = 0; a < k; a++) {
        snprintf(names[a], sizeof names[a], "arm%zu", a);
        arms[a] = names[a];
    }
    if (otter_bandit_create(ctx, policy, params, arms, k, &b, &e))
        return fail("create", &e);
    otter_rng rng;
    otter_rng_seed(&rng, 42);
    /* a pool of contexts drawn up front, so the loop measures the bandit, not the RNG */
    enum { POOL = 4096 };
    double *pool = malloc(POOL * d * sizeof *pool);
    for (size_t i = 0; i < POOL * d; i++)
        pool[i] = otter_rng_normal(&rng);
    otter_decision dec = OTTER_DECISION_INIT;
    otter_rank_request req = {0};
    req.context = inst;
    double reward_sum = 0, t0 = cpu_s(), w0 = wall_s();
    for (long t = 0; t < steps; t++) {
        const double *x = pool + (size_t)(t % POOL) * d;
        otter_instance_clear(inst);
        req.now_ms = 1000000 + t;
        if (otter_instance_set_dense(inst, x, d, &e) || otter_bandit_rank(b, &req, &dec, &e))
            return fail("rank", &e);
        double r = x[0] * (dec.arm[3] == '0' ? 1 : -0.1) + 0.1 * (otter_rng_uniform(&rng) - 0.5);
        reward_sum += r;
        if (otter_bandit_reward(b, dec.event_id, r, req.now_ms, &e))
            return fail("reward", &e);
    }
    double secs = cpu_s() - t0, wall = wall_s() - w0;
    printf("%s d=%zu arms=%zu: %ld decisions + rewards in %.3f s CPU (%.3f s wall) = %.0f "
           "decisions/s per CPU second (mean reward %.4f)\n",
           policy, d, k, steps, secs, wall, (double)steps / secs, reward_sum / (double)steps);
    otter_decision_free(&dec);
    free(pool);
    otter_bandit_destroy(b);
    otter_instance_destroy(inst);
    otter_params_destroy(params);
    otter_context_destroy(ctx);
    return 0;
}
