#ifndef OTTER_BUILTINS_INT_H
#define OTTER_BUILTINS_INT_H

#include "otter/context.h"

/* Registers every built-in learner and generator type in ctx. */
otter_status otter__register_builtins(otter_context *ctx, otter_error *err);

#endif
