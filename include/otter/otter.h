/* Umbrella header: everything public in Otter. */
#ifndef OTTER_H
#define OTTER_H

#include "bandit.h"
#include "buf.h"
#include "context.h"
#include "gen.h"
#include "hash.h"
#include "instance.h"
#include "learner.h"
#include "metrics.h"
#include "ope.h"
#include "params.h"
#include "rng.h"
#include "status.h"
#include "store.h"
#include "version.h"

#endif
