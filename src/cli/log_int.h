/* Bandit decision logs, as `otter bandit-sim --log` writes them and `otter ope` reads
 * them. CLI code (part of the CLI's convenience library, like io_int.h).
 *
 * A log is JSON lines or CSV read through the stream readers (io_int.h), one decision
 * per line or record. Four keys (columns) are reserved, in the default namespace:
 *   arm         the logged arm: a string (CSV: the column is read as text); a JSON
 *               number is taken as its shortest decimal text ("3")       required
 *   propensity  the logging policy's probability of that arm, in (0, 1]   required
 *   reward      the reward, a finite number                               required
 *   event       the decision's event id (text or number)                  optional
 * Every other feature (any namespace, numeric or categorical; "@ARM" namespaces for
 * per-arm features) is the decision's context, in the order of the line. Keys starting
 * with '_' are ignored, as in every reader. Example:
 *   {"event":"e17","arm":"arm2","propensity":0.1,"reward":1,"x0":0.25,"x1":-1.5}
 *
 * A malformed line (bad JSON, a missing or ill-typed reserved key, a propensity outside
 * (0, 1], a non-finite number) is OTTER_PARSE "line N: ..." naming the key.
 */
#ifndef OTTER_CLI_LOG_INT_H
#define OTTER_CLI_LOG_INT_H

#include <stdint.h>
#include <stdio.h>

#include "otter/instance.h"
#include "otter/status.h"

typedef struct otter__log_reader otter__log_reader;

/* One decision; pointers borrowed from the reader until its next call. */
typedef struct otter__log_event {
    const otter_instance *context; /* the features other than the reserved keys */
    const char *arm;
    const char *event; /* "" when the line has none */
    double propensity, reward;
    uint64_t line; /* where the record starts */
} otter__log_event;

/* Opens a reader on `in` (borrowed, not closed) in format "jsonl" or "csv" (NULL:
 * jsonl). OTTER_INVALID for another format, OTTER_PARSE for a CSV header without an
 * arm, propensity or reward column, OTTER_IO, OTTER_NOMEM. */
otter_status otter__log_open(FILE *in, const char *format, otter__log_reader **out,
                             otter_error *err);

/* Reads the next decision; *eof = 1 (and OTTER_OK) at the end. OTTER_PARSE for a bad
 * line (the reader stays usable), OTTER_IO, OTTER_NOMEM. */
otter_status otter__log_next(otter__log_reader *r, otter__log_event *ev, int *eof,
                             otter_error *err);

/* Frees the reader. NULL is a no-op. */
void otter__log_close(otter__log_reader *r);

#endif
