/* Internal to the library: reading back the canonical parameter text of a blob. */
#ifndef OTTER_PARAMS_INT_H
#define OTTER_PARAMS_INT_H

#include <stddef.h>

#include "otter/params.h"

/* Parses canonical "k=v\n" text (as otter_params_canonical writes it) into p.
 * OTTER_CORRUPT for malformed text, OTTER_NOMEM. */
otter_status otter__params_parse_canonical(const char *text, size_t len, otter_params *p,
                                           otter_error *err);

#endif
