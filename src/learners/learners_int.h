/* Built-in learner types. Adding an algorithm: one file defining its table, one line
 * here and one in src/core/builtins.c. */
#ifndef OTTER_LEARNERS_INT_H
#define OTTER_LEARNERS_INT_H

#include "otter/learner.h"

extern const otter_learner_type otter__learner_logreg;
extern const otter_learner_type otter__learner_linreg;
extern const otter_learner_type otter__learner_svm;
extern const otter_learner_type otter__learner_hoeffding;
extern const otter_learner_type otter__learner_hat;
extern const otter_learner_type otter__learner_hoeffding_reg;

#endif
