/* The reader thread of `otter eval` (pipe.c): rows are parsed on one core while the
 * model learns on another, and arrive in file order with the reader's own errors. */
#ifndef OTTER_CLI_PIPE_INT_H
#define OTTER_CLI_PIPE_INT_H

#include <stdint.h>

#include "io_int.h"

typedef struct otter__pipe otter__pipe;

/* Work the consumer leaves behind per row, done off its thread: fn(ud, rec) receives
 * each record (rec_size bytes) the consumer filled through otter__pipe_record, in row
 * order. It runs in the reader thread while the consumer goes on (so it must touch
 * nothing the consumer uses), and for the last rows in otter__pipe_finish. */
typedef struct otter__pipe_retire {
    void (*fn)(void *ud, const void *rec);
    void *ud;
    size_t rec_size;
} otter__pipe_retire;

/* Starts a thread reading rows from `reader` (borrowed; used only by that thread until
 * otter__pipe_stop). With stop_on_error the thread stops after the first bad row,
 * otherwise bad rows are passed on (for --skip-bad) and reading goes on. retire may be
 * NULL (no records); it is copied. */
otter_status otter__pipe_start(otter__reader *reader, int stop_on_error,
                               const otter__pipe_retire *retire, otter__pipe **out,
                               otter_error *err);

/* The next row, as otter__reader_next would give it, into inst (the consumer's own
 * instance: always pass the same one). *line is the row's line number. A bad row
 * returns the reader's status and message. */
otter_status otter__pipe_next(otter__pipe *p, otter_instance *inst, double *label, double *weight,
                              uint64_t *line, int *eof, otter_error *err);

/* The record of the row the last otter__pipe_next returned (rec_size bytes, to fill
 * now), or NULL without a retire callback. A row whose record was taken is retired. */
void *otter__pipe_record(otter__pipe *p);

/* Stops the reader thread and retires every record not retired yet, in row order, in
 * the calling thread; after it the retire callback is not called again. Call it before
 * using what the callback produced; the pipe still has to be stopped. */
void otter__pipe_finish(otter__pipe *p);

/* Bytes of input consumed so far by the reader thread (for progress). */
uint64_t otter__pipe_bytes(const otter__pipe *p);

/* Stops and joins the thread and frees everything. NULL is a no-op. */
void otter__pipe_stop(otter__pipe *p);

#endif
