/* The list of built-in types a new context registers: the one place that names every
 * algorithm and generator. */
#include "builtins_int.h"

#include "bandits/bandits_int.h"
#include "gen/gen_int.h"
#include "learners/learners_int.h"

static const otter_learner_type *const learners[] = {
    &otter__learner_logreg,    &otter__learner_linreg, &otter__learner_svm,
    &otter__learner_hoeffding, &otter__learner_hat,    &otter__learner_hoeffding_reg,
};

static const otter_bandit_type *const bandits[] = {
    &otter__bandit_egreedy, &otter__bandit_ucb1, &otter__bandit_thompson, &otter__bandit_softmax,
    &otter__bandit_exp3,    &otter__bandit_ab,   &otter__bandit_linucb,   &otter__bandit_lints,
};

static const otter_gen_type *const gens[] = {
    &otter__gen_sea, &otter__gen_hyperplane, &otter__gen_agrawal,  &otter__gen_rbf,
    &otter__gen_led, &otter__gen_fraud,      &otter__gen_friedman,
};

otter_status otter__register_builtins(otter_context *ctx, otter_error *err)
{
    for (size_t i = 0; i < sizeof learners / sizeof *learners; i++) {
        otter_status st = otter_context_register_learner(ctx, learners[i], err);
        if (st != OTTER_OK)
            return st;
    }
    for (size_t i = 0; i < sizeof bandits / sizeof *bandits; i++) {
        otter_status st = otter_context_register_bandit(ctx, bandits[i], err);
        if (st != OTTER_OK)
            return st;
    }
    for (size_t i = 0; i < sizeof gens / sizeof *gens; i++) {
        otter_status st = otter_context_register_gen(ctx, gens[i], err);
        if (st != OTTER_OK)
            return st;
    }
    return OTTER_OK;
}
