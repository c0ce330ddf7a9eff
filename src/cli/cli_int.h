/* Internal interface of the otter command-line tool: one function per subcommand
 * and the few helpers they share. */
#ifndef OTTER_CLI_INT_H
#define OTTER_CLI_INT_H

#include <stdint.h>
#include <stdio.h>

#include "otter/otter.h"

/* Each subcommand gets argv with argv[0] = the subcommand name and returns the exit
 * status: 0 ok, 1 runtime failure, 2 usage error. */
int otter__cmd_gen(const otter_context *ctx, int argc, char **argv);
int otter__cmd_eval(const otter_context *ctx, int argc, char **argv);
int otter__cmd_list(const otter_context *ctx, int argc, char **argv);
int otter__cmd_describe(const otter_context *ctx, int argc, char **argv);
int otter__cmd_bandit_sim(const otter_context *ctx, int argc, char **argv);
int otter__cmd_ope(const otter_context *ctx, int argc, char **argv);
int otter__cmd_store(const otter_context *ctx, int argc, char **argv);

/* Writes v as a JSON number, or null when it is not finite. */
void otter__json_num(FILE *out, double v);
/* Writes v as a JSON number that reads back as exactly the same double (the shortest
 * of 15, 16 or 17 significant digits), or null when it is not finite. */
void otter__json_num_exact(FILE *out, double v);
/* Writes s as a JSON string with escapes. */
void otter__json_str(FILE *out, const char *s);

/* Writes canonical "k=v\n" parameter text as a JSON object (numbers and booleans
 * typed, everything else a string). */
void otter__json_params(FILE *out, const char *text);

/* Writes the learner's text dump (otter_learner_dump) to the file at path, or to stdout
 * when path is NULL. The file is created only once the dump has succeeded. */
otter_status otter__write_dump(const otter_learner *l, const char *path, otter_error *err);

/* Parses a non-negative integer option value; returns -1 on junk. */
int otter__parse_u64(const char *s, uint64_t *out);

/* Progress line on stderr for long runs (only when stderr is a terminal). */
typedef struct otter__progress {
    int enabled;
    uint64_t total_bytes; /* 0 when unknown */
    double start, last;
} otter__progress;

double otter__now(void); /* monotonic seconds */
void otter__progress_init(otter__progress *p, int enabled, FILE *in);
void otter__progress_update(otter__progress *p, uint64_t rows, uint64_t bytes);
void otter__progress_done(otter__progress *p);

#endif
