/* Internal to the bandits: the built-in policy tables and the common parameters that
 * bandit.c adds in front of every policy's own. */
#ifndef OTTER_BANDITS_INT_H
#define OTTER_BANDITS_INT_H

#include <stddef.h>

#include "otter/bandit.h"

const otter_param_spec *otter__bandit_common_params(void);
size_t otter__bandit_common_count(void);

extern const otter_bandit_type otter__bandit_egreedy;
extern const otter_bandit_type otter__bandit_ucb1;
extern const otter_bandit_type otter__bandit_thompson;
extern const otter_bandit_type otter__bandit_softmax;
extern const otter_bandit_type otter__bandit_exp3;
extern const otter_bandit_type otter__bandit_ab;
extern const otter_bandit_type otter__bandit_linucb;
extern const otter_bandit_type otter__bandit_lints;

#endif
