/* `otter gen`: writes rows of a registered generator in one of the stream formats. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "io_int.h"

static void gen_usage(const otter_context *ctx, FILE *out)
{
    fprintf(out, "usage: otter gen GENERATOR [-n N] [--seed S] [--format csv|libsvm|vw|jsonl]\n"
                 "                 [--param k=v]... [-o FILE]\n\n"
                 "Writes N rows (default 10000) of a synthetic stream to stdout or FILE.\n"
                 "Generators (parameters: 'otter list'):\n");
    for (size_t i = 0; i < otter_context_gen_count(ctx); i++) {
        const otter_gen_type *t = otter_context_gen_at(ctx, i);
        fprintf(out, "  %-11s %s\n", t->name, t->summary ? t->summary : "");
    }
}

struct gen_opts {
    const char *type, *format, *output;
    uint64_t n, seed;
    otter_params *params;
};

/* Returns -1 to continue, else the exit code. */
static int parse_gen(const otter_context *ctx, int argc, char **argv, struct gen_opts *o)
{
    static const struct option longs[] = {{"rows", required_argument, NULL, 'n'},
                                          {"seed", required_argument, NULL, 's'},
                                          {"format", required_argument, NULL, 'f'},
                                          {"param", required_argument, NULL, 'p'},
                                          {"output", required_argument, NULL, 'o'},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
    otter_error err = {0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "n:s:f:p:o:h", longs, NULL)) != -1) {
        switch (c) {
        case 'n':
        case 's':
            if (otter__parse_u64(optarg, c == 'n' ? &o->n : &o->seed)) {
                fprintf(stderr, "otter gen: --%s needs a non-negative integer, got '%s'\n",
                        c == 'n' ? "rows" : "seed", optarg);
                return 2;
            }
            break;
        case 'f': o->format = optarg; break;
        case 'o': o->output = optarg; break;
        case 'p':
            if (otter_params_parse(o->params, optarg, &err) != OTTER_OK) {
                fprintf(stderr, "otter gen: %s\n", err.message);
                return 2;
            }
            break;
        case 'h': gen_usage(ctx, stdout); return 0;
        default: gen_usage(ctx, stderr); return 2;
        }
    }
    if (optind != argc - 1) {
        gen_usage(ctx, stderr);
        return 2;
    }
    o->type = argv[optind];
    return -1;
}

static int run_gen(const otter_context *ctx, struct gen_opts *o)
{
    otter_error err = {0};
    otter_gen *gen = NULL;
    otter_instance *inst = NULL;
    otter__writer *w = NULL;
    FILE *out = stdout;
    int rc = 1;
    if (otter_gen_create(ctx, o->type, o->params, o->seed, &gen, &err) != OTTER_OK ||
        otter_instance_create(&inst, &err) != OTTER_OK)
        goto done;
    if (o->output && !(out = fopen(o->output, "w"))) {
        otter_error_set(&err, OTTER_IO, "cannot open '%s' for writing", o->output);
        goto done;
    }
    const otter_gen_type *t = otter_gen_type_of(gen);
    otter__writer_options wo = {o->format, "label", t->n_meta, t->meta_names,
                                otter_gen_task(gen) == OTTER_TASK_BINARY};
    if (otter__writer_open(out, &wo, &w, &err) != OTTER_OK)
        goto done;
    otter_gen_row row;
    for (uint64_t i = 0; i < o->n; i++)
        if (otter_gen_next(gen, inst, &row, &err) != OTTER_OK ||
            otter__writer_write(w, inst, &row, &err) != OTTER_OK)
            goto done;
    rc = 0;
done:
    if (otter__writer_close(w, &err) != OTTER_OK)
        rc = 1;
    if (out && out != stdout)
        fclose(out);
    if (rc)
        fprintf(stderr, "otter gen: %s\n", err.message);
    otter_instance_destroy(inst);
    otter_gen_destroy(gen);
    return rc;
}

int otter__cmd_gen(const otter_context *ctx, int argc, char **argv)
{
    struct gen_opts o = {NULL, "csv", NULL, 10000, 1, NULL};
    otter_error err = {0};
    if (otter_params_create(&o.params, &err) != OTTER_OK) {
        fprintf(stderr, "otter gen: %s\n", err.message);
        return 1;
    }
    int rc = parse_gen(ctx, argc, argv, &o);
    if (rc < 0)
        rc = run_gen(ctx, &o);
    otter_params_destroy(o.params);
    return rc;
}
