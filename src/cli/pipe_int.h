/* The reader thread of `otter eval` (pipe.c): rows are parsed on one core while the
 * model learns on another, and arrive in file order with the reader's own errors. */
#ifndef OTTER_CLI_PIPE_INT_H
#define OTTER_CLI_PIPE_INT_H

#include <stdint.h>

#include "io_int.h"

typedef struct otter__pipe otter__pipe;

/* Starts a thread reading rows from `reader` (borrowed; used only by that thread until
 * otter__pipe_stop). With stop_on_error the thread stops after the first bad row,
 * otherwise bad rows are passed on (for --skip-bad) and reading goes on. */
otter_status otter__pipe_start(otter__reader *reader, int stop_on_error, otter__pipe **out,
                               otter_error *err);

/* The next row, as otter__reader_next would give it, into inst (the consumer's own
 * instance: always pass the same one). *line is the row's line number. A bad row
 * returns the reader's status and message. */
otter_status otter__pipe_next(otter__pipe *p, otter_instance *inst, double *label, double *weight,
                              uint64_t *line, int *eof, otter_error *err);

/* Bytes of input consumed so far by the reader thread (for progress). */
uint64_t otter__pipe_bytes(const otter__pipe *p);

/* Stops and joins the thread and frees everything. NULL is a no-op. */
void otter__pipe_stop(otter__pipe *p);

#endif
