/* The otter command-line tool: a thin door over libotter. It generates synthetic
 * streams, evaluates learners prequentially on files, lists the registered types,
 * describes saved models, runs bandit policies in simulated worlds, evaluates them
 * off-policy on decision logs and manages state stores. Subcommands are a table, so
 * adding one is one line. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "io_int.h"

struct command {
    const char *name;
    int (*run)(const otter_context *ctx, int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"gen", otter__cmd_gen, "write a synthetic stream (sea, hyperplane, agrawal, rbf, led, fraud)"},
    {"eval", otter__cmd_eval, "evaluate a learner prequentially (test, then train) on a stream"},
    {"list", otter__cmd_list, "list learner, bandit policy and generator types, their parameters"},
    {"describe", otter__cmd_describe,
     "print the statistics of a saved model (--save FILE), or its tree (--tree)"},
    {"bandit-sim", otter__cmd_bandit_sim,
     "run a bandit policy in a simulated world: reward, regret, decisions/s"},
    {"ope", otter__cmd_ope,
     "estimate a bandit policy's value from a decision log (IPS, SNIPS, DR)"},
    {"store", otter__cmd_store,
     "manage a state store: entities, snapshots, export/import, inspect, verify"},
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: otter COMMAND [OPTIONS]\n\nOnline learning from the command line "
            "(Otter %s).\n\nCommands:\n",
            otter_version());
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nRun 'otter COMMAND --help' for a command's options; 'man otter' for more.\n");
}

void otter__json_num(FILE *out, double v)
{
    if (!isfinite(v))
        fputs("null", out);
    else
        fprintf(out, "%.10g", v);
}

void otter__json_num_exact(FILE *out, double v)
{
    if (!isfinite(v)) {
        fputs("null", out);
        return;
    }
    char b[32];
    for (int digits = 15; digits <= 17; digits++) {
        int n = snprintf(b, sizeof b, "%.*g", digits, v);
        double back;
        if (digits == 17 || (otter__parse_double(b, (size_t)n, &back) == 0 && back == v))
            break;
    }
    fputs(b, out);
}

void otter__json_str(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", out);
        else if (c < 0x20)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

void otter__json_params(FILE *out, const char *text)
{
    fputc('{', out);
    for (int first = 1; *text; first = 0) {
        size_t n = strcspn(text, "\n");
        const char *eq = memchr(text, '=', n);
        if (!eq)
            break; /* canonical text always has k=v lines; stop rather than guess */
        char key[128], val[512];
        snprintf(key, sizeof key, "%.*s", (int)(eq - text), text);
        snprintf(val, sizeof val, "%.*s", (int)(n - (size_t)(eq - text) - 1), eq + 1);
        fputs(first ? "" : ",", out);
        otter__json_str(out, key);
        fputc(':', out);
        double d;
        if (strcmp(val, "true") == 0 || strcmp(val, "false") == 0)
            fputs(val, out);
        else if (otter__parse_double(val, strlen(val), &d) == 0)
            fprintf(out, "%.17g", d);
        else
            otter__json_str(out, val);
        text += n + (text[n] == '\n');
    }
    fputc('}', out);
}

otter_status otter__write_dump(const otter_learner *l, const char *path, otter_error *err)
{
    otter_buf buf = OTTER_BUF_INIT;
    otter_status st = otter_learner_dump(l, &buf, err);
    FILE *f = st != OTTER_OK ? NULL : path ? fopen(path, "w") : stdout;
    if (st == OTTER_OK && !f)
        st = otter_error_set(err, OTTER_IO, "cannot open '%s' for writing", path);
    if (f) {
        if (fwrite(buf.data, 1, buf.len, f) != buf.len || fflush(f) != 0)
            st = otter_error_set(err, OTTER_IO, "cannot write '%s'", path ? path : "stdout");
        if (path && fclose(f) != 0)
            st = otter_error_set(err, OTTER_IO, "cannot write '%s'", path);
    }
    otter_buf_free(&buf);
    return st;
}

int otter__parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s)
        return -1;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("otter %s\n", otter_version());
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        if (strcmp(argv[1], commands[i].name) != 0)
            continue;
        otter_error err = {0};
        otter_context *ctx;
        if (otter_context_create(&ctx, &err) != OTTER_OK) {
            fprintf(stderr, "otter: %s\n", err.message);
            return 1;
        }
        int rc = commands[i].run(ctx, argc - 1, argv + 1);
        otter_context_destroy(ctx);
        return rc;
    }
    fprintf(stderr, "otter: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
