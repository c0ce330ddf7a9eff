/* `otter list` and `otter describe`: what types exist (learners, bandit policies,
 * generators) and what a saved model holds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"

static const char *kind_name(otter_param_kind k)
{
    static const char *const names[] = {"number", "integer", "bool", "choice", "text"};
    return (unsigned)k < sizeof names / sizeof *names ? names[k] : "?";
}

static void print_params(const otter_param_spec *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        printf("    %-12s %-7s default %-8s %s", p[i].name, kind_name(p[i].kind),
               p[i].default_value, p[i].doc ? p[i].doc : "");
        if (p[i].kind == OTTER_PARAM_ENUM)
            printf(" (%s)", p[i].choices);
        else if (p[i].kind == OTTER_PARAM_DOUBLE || p[i].kind == OTTER_PARAM_INT)
            printf(" %c%g, %g%c", (p[i].flags & OTTER_PARAM_MIN_EXCLUSIVE) ? '(' : '[', p[i].min,
                   p[i].max, (p[i].flags & OTTER_PARAM_MAX_EXCLUSIVE) ? ')' : ']');
        printf("\n");
    }
}

int otter__cmd_list(const otter_context *ctx, int argc, char **argv)
{
    (void)argv;
    if (argc > 1) {
        printf("usage: otter list\n\nLists learner, bandit policy and generator types and their "
               "parameters (pass them as --param name=value).\n");
        return strcmp(argv[1], "--help") == 0 ? 0 : 2;
    }
    printf("Learners (otter eval --model NAME):\n");
    for (size_t i = 0; i < otter_context_learner_count(ctx); i++) {
        const otter_learner_type *t = otter_context_learner_at(ctx, i);
        printf("  %s: %s\n", t->name, t->summary ? t->summary : "");
        print_params(t->params, t->n_params);
    }
    printf("\nBandit policies (otter bandit-sim --policy NAME, otter ope --policy NAME);\n"
           "every policy also takes seed, dim, features, reward_wait and default_reward\n"
           "(include/otter/bandit.h):\n");
    for (size_t i = 0; i < otter_context_bandit_count(ctx); i++) {
        const otter_bandit_type *t = otter_context_bandit_at(ctx, i);
        printf("  %s: %s\n", t->name, t->summary ? t->summary : "");
        print_params(t->params, t->n_params);
    }
    printf("\nGenerators (otter gen NAME):\n");
    for (size_t i = 0; i < otter_context_gen_count(ctx); i++) {
        const otter_gen_type *t = otter_context_gen_at(ctx, i);
        printf("  %s: %s\n", t->name, t->summary ? t->summary : "");
        print_params(t->params, t->n_params);
    }
    return 0;
}

struct json_sink {
    int first;
};

static void sink_num(void *ud, const char *key, double v)
{
    struct json_sink *s = ud;
    printf("%s", s->first ? "" : ",");
    s->first = 0;
    otter__json_str(stdout, key);
    putchar(':');
    otter__json_num(stdout, v);
}

static void sink_str(void *ud, const char *key, const char *v)
{
    struct json_sink *s = ud;
    printf("%s", s->first ? "" : ",");
    s->first = 0;
    otter__json_str(stdout, key);
    putchar(':');
    otter__json_str(stdout, v);
}

/* Reads a whole file into memory. */
static int slurp(const char *path, uint8_t **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t cap = 1 << 16, n = 0;
    uint8_t *b = malloc(cap);
    size_t got;
    while (b && (got = fread(b + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            uint8_t *nb = realloc(b, cap *= 2);
            if (!nb) {
                free(b);
                b = NULL;
            }
            b = nb;
        }
    }
    int bad = ferror(f) || !b;
    fclose(f);
    if (bad) {
        free(b);
        return -1;
    }
    *data = b;
    *len = n;
    return 0;
}

static void describe_usage(FILE *out)
{
    fprintf(out, "usage: otter describe [--tree] MODEL_FILE\n\n"
                 "Prints a saved model's type, parameters and statistics as one line of JSON\n"
                 "(save one with 'otter eval --save FILE').\n\n"
                 "  --tree   print the model as text instead, one line per node (tree models:\n"
                 "           hoeffding, hat); other types fail with an error\n");
}

/* Prints the JSON statistics line of a decoded model. */
static void describe_json(const otter_learner *l)
{
    struct json_sink s = {1};
    otter_kv_sink sink = {&s, sink_num, sink_str};
    putchar('{');
    otter_learner_describe(l, &sink);
    printf(",\"params\":");
    otter__json_params(stdout, otter_learner_params_text(l));
    printf("}\n");
}

int otter__cmd_describe(const otter_context *ctx, int argc, char **argv)
{
    const char *path = NULL;
    int tree = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            describe_usage(stdout);
            return 0;
        }
        if (strcmp(argv[i], "--tree") == 0) {
            tree = 1;
        } else if (argv[i][0] == '-' || path) {
            describe_usage(stderr);
            return 2;
        } else {
            path = argv[i];
        }
    }
    if (!path) {
        describe_usage(stderr);
        return 2;
    }
    uint8_t *blob;
    size_t len;
    if (slurp(path, &blob, &len)) {
        fprintf(stderr, "otter describe: cannot read '%s'\n", path);
        return 1;
    }
    otter_error err = {0};
    otter_learner *l;
    otter_status st = otter_learner_decode(ctx, blob, len, &l, &err);
    free(blob);
    if (st != OTTER_OK) {
        fprintf(stderr, "otter describe: %s: %s\n", path, err.message);
        return 1;
    }
    if (!tree)
        describe_json(l);
    else if ((st = otter__write_dump(l, NULL, &err)) != OTTER_OK)
        fprintf(stderr, "otter describe: %s: %s\n", path, err.message);
    otter_learner_destroy(l);
    return st == OTTER_OK ? 0 : 1;
}
