/* `otter ope`: off-policy evaluation of a bandit policy on a decision log (the format
 * of log_int.h; `otter bandit-sim --log` writes it). A thin door over otter_ope: a
 * first pass over the log collects its arms (unless --arms names them) and its
 * smallest propensity (the default accept floor of the replay); the second pass
 * replays every event into the evaluation. Standard input is copied to a temporary
 * file so that it can be read twice. The JSON report is the last line of stdout. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "io_int.h"
#include "log_int.h"

struct ope_opts {
    const char *log, *format, *policy, *arms_text, *floor_text;
    uint64_t seed;
    otter_params *params, *model_params;
};

static void ope_usage(FILE *out)
{
    fprintf(out,
            "usage: otter ope --log FILE|- --policy TYPE [--param k=v]... [options]\n\n"
            "Estimates how a bandit policy would have done on a log of another policy's\n"
            "decisions (IPS, self-normalized IPS and doubly robust, with 95%% intervals),\n"
            "replaying the log through it, and prints a JSON report as the last line of\n"
            "stdout. Log lines: {\"arm\":..,\"propensity\":..,\"reward\":..,\"event\":..,\n"
            "<context features>} (what 'otter bandit-sim --log' writes).\n\n"
            "  --log FILE          the decision log ('-': standard input)\n"
            "  --format F          jsonl (default) or csv (columns arm, propensity, reward,\n"
            "                      event, then the context)\n"
            "  --policy TYPE       the candidate policy (see 'otter list')\n"
            "  --param k=v         candidate parameter; repeatable ('a=1,b=2' also works)\n"
            "  --arms a,b,...      the arms the logger chose among (default: those in the log,\n"
            "                      in order of first appearance)\n"
            "  --accept-floor P    the candidate learns from an event whose logged arm it drew\n"
            "                      with probability min(1, P / propensity); 'auto' (default):\n"
            "                      the smallest propensity in the log; 0: always\n"
            "  --dr-param k=v      parameter of the per-arm linreg reward models of DR\n"
            "                      (default bits=12); repeatable\n"
            "  --seed S            seed of the replay's acceptance draws (1)\n");
}

/* Returns -1 to go on, else the exit code. */
static int parse_ope(int argc, char **argv, struct ope_opts *o)
{
    enum { O_ARMS = 256, O_FLOOR, O_DR, O_SEED };
    static const struct option longs[] = {{"log", required_argument, NULL, 'l'},
                                          {"format", required_argument, NULL, 'f'},
                                          {"policy", required_argument, NULL, 'P'},
                                          {"param", required_argument, NULL, 'p'},
                                          {"arms", required_argument, NULL, O_ARMS},
                                          {"accept-floor", required_argument, NULL, O_FLOOR},
                                          {"dr-param", required_argument, NULL, O_DR},
                                          {"seed", required_argument, NULL, O_SEED},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
    otter_error err = {0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "l:f:P:p:h", longs, NULL)) != -1) {
        otter_status st = OTTER_OK;
        switch (c) {
        case 'l': o->log = optarg; break;
        case 'f': o->format = optarg; break;
        case 'P': o->policy = optarg; break;
        case O_ARMS: o->arms_text = optarg; break;
        case O_FLOOR: o->floor_text = optarg; break;
        case 'p': st = otter_params_parse(o->params, optarg, &err); break;
        case O_DR: st = otter_params_parse(o->model_params, optarg, &err); break;
        case O_SEED:
            if (otter__parse_u64(optarg, &o->seed) != 0)
                st = otter_error_set(&err, OTTER_INVALID,
                                     "--seed needs a non-negative integer, got '%s'", optarg);
            break;
        case 'h': ope_usage(stdout); return 0;
        default: ope_usage(stderr); return 2;
        }
        if (st != OTTER_OK) {
            fprintf(stderr, "otter ope: %s\n", err.message);
            return 2;
        }
    }
    const char *why = optind < argc ? "unexpected argument"
                      : !o->log     ? "--log FILE is required"
                      : !o->policy  ? "--policy TYPE is required"
                      : o->format && strcmp(o->format, "jsonl") && strcmp(o->format, "csv")
                          ? "--format must be jsonl or csv"
                          : NULL;
    if (why) {
        fprintf(stderr, "otter ope: %s\n\n", why);
        ope_usage(stderr);
        return 2;
    }
    return -1;
}

/* Everything one run owns. */
struct ope_run {
    FILE *in;
    otter__log_reader *reader;
    char **arms;
    size_t n_arms, cap_arms;
    double min_prop, floor;
    int arms_given; /* --arms: the scan checks nothing more about arms */
    uint64_t events;
    otter_ope *ope;
    double seconds;
};

static void run_free(struct ope_run *r)
{
    otter__log_close(r->reader);
    if (r->in && r->in != stdin)
        fclose(r->in);
    for (size_t i = 0; i < r->n_arms; i++)
        free(r->arms[i]);
    free(r->arms);
    otter_ope_destroy(r->ope);
}

static otter_status add_arm(struct ope_run *r, const char *name, size_t len, otter_error *err)
{
    for (size_t i = 0; i < r->n_arms; i++)
        if (strlen(r->arms[i]) == len && memcmp(r->arms[i], name, len) == 0)
            return OTTER_OK;
    if (r->n_arms == r->cap_arms) {
        size_t cap = r->cap_arms ? 2 * r->cap_arms : 16;
        char **a = realloc(r->arms, cap * sizeof *a);
        if (!a)
            return otter_error_set(err, OTTER_NOMEM, "out of memory");
        r->arms = a;
        r->cap_arms = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return otter_error_set(err, OTTER_NOMEM, "out of memory");
    memcpy(copy, name, len);
    copy[len] = '\0';
    r->arms[r->n_arms++] = copy;
    return OTTER_OK;
}

/* Opens the log (stdin is copied to a temporary file so it can be read twice). */
static otter_status open_log(const struct ope_opts *o, struct ope_run *r, otter_error *err)
{
    if (strcmp(o->log, "-") != 0) {
        if (!(r->in = fopen(o->log, "rb")))
            return otter_error_set(err, OTTER_IO, "cannot open '%s'", o->log);
        return OTTER_OK;
    }
    if (!(r->in = tmpfile()))
        return otter_error_set(err, OTTER_IO, "cannot create a temporary file for stdin");
    char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0)
        if (fwrite(buf, 1, n, r->in) != n)
            return otter_error_set(err, OTTER_IO, "cannot copy stdin to a temporary file");
    if (ferror(stdin))
        return otter_error_set(err, OTTER_IO, "cannot read stdin");
    return OTTER_OK;
}

/* Reads the whole log once from the start (a fresh reader each pass); fn per event. */
static otter_status each_event(const struct ope_opts *o, struct ope_run *r,
                               otter_status (*fn)(struct ope_run *r, const otter__log_event *ev,
                                                  otter_error *err),
                               otter_error *err)
{
    otter__log_close(r->reader);
    r->reader = NULL;
    rewind(r->in);
    otter_status st = otter__log_open(r->in, o->format, &r->reader, err);
    for (int eof = 0; st == OTTER_OK;) {
        otter__log_event ev;
        if ((st = otter__log_next(r->reader, &ev, &eof, err)) != OTTER_OK || eof)
            break;
        if ((st = fn(r, &ev, err)) != OTTER_OK && st != OTTER_NOMEM)
            otter_error_prefix(err, "line %llu", (unsigned long long)ev.line);
    }
    return st;
}

static otter_status scan_event(struct ope_run *r, const otter__log_event *ev, otter_error *err)
{
    r->events++;
    r->min_prop = ev->propensity < r->min_prop ? ev->propensity : r->min_prop;
    return r->arms_given ? OTTER_OK : add_arm(r, ev->arm, strlen(ev->arm), err);
}

static otter_status replay_event(struct ope_run *r, const otter__log_event *ev, otter_error *err)
{
    otter_ope_event e = {ev->context, ev->arm, ev->propensity, ev->reward};
    return otter_ope_add(r->ope, &e, err);
}

/* The arms from --arms, the floor from --accept-floor (or the log's pass). */
static otter_status arms_and_floor(const struct ope_opts *o, struct ope_run *r, otter_error *err)
{
    otter_status st = OTTER_OK;
    for (const char *p = o->arms_text; p && st == OTTER_OK;) {
        size_t len = strcspn(p, ",");
        if (len == 0)
            return otter_error_set(err, OTTER_INVALID, "--arms has an empty name");
        size_t before = r->n_arms;
        if ((st = add_arm(r, p, len, err)) == OTTER_OK && r->n_arms == before)
            return otter_error_set(err, OTTER_INVALID, "--arms names '%.*s' twice", (int)len, p);
        p = p[len] ? p + len + 1 : NULL;
    }
    if (st != OTTER_OK || !o->floor_text || strcmp(o->floor_text, "auto") == 0)
        return st;
    if (otter__parse_double(o->floor_text, strlen(o->floor_text), &r->floor) != 0 ||
        !(r->floor >= 0 && r->floor <= 1))
        return otter_error_set(err, OTTER_INVALID,
                               "--accept-floor must be 'auto' or a number in [0, 1], got '%s'",
                               o->floor_text);
    return OTTER_OK;
}

/* Returns the exit code; prints the error. */
static int run_ope(const otter_context *ctx, const struct ope_opts *o, struct ope_run *r)
{
    otter_error err = {0};
    r->min_prop = INFINITY;
    r->floor = NAN;
    otter_status st = arms_and_floor(o, r, &err);
    if (st != OTTER_OK) {
        fprintf(stderr, "otter ope: %s\n", err.message);
        return 2;
    }
    r->arms_given = o->arms_text != NULL;
    int need_scan = !o->arms_text || isnan(r->floor);
    if ((st = open_log(o, r, &err)) == OTTER_OK && need_scan &&
        (st = each_event(o, r, scan_event, &err)) == OTTER_OK && r->events == 0)
        st = otter_error_set(&err, OTTER_INVALID, "the log '%s' has no events", o->log);
    if (st != OTTER_OK) {
        fprintf(stderr, "otter ope: %s\n", err.message);
        return 1;
    }
    if (isnan(r->floor))
        r->floor = r->min_prop;
    otter_ope_options oo = {
        o->policy, o->params, (const char *const *)r->arms,
        r->n_arms, r->floor,  otter_params_count(o->model_params) ? o->model_params : NULL,
        o->seed};
    if ((st = otter_ope_create(ctx, &oo, &r->ope, &err)) != OTTER_OK) {
        fprintf(stderr, "otter ope: %s\n", err.message);
        return st == OTTER_NOMEM ? 1 : 2;
    }
    double t0 = otter__now();
    st = each_event(o, r, replay_event, &err);
    r->seconds = otter__now() - t0;
    if (st != OTTER_OK) {
        fprintf(stderr, "otter ope: %s\n", err.message);
        return 1;
    }
    return 0;
}

static void print_estimate(const char *name, const otter_ope_estimate *e)
{
    printf(",\"%s\":{\"value\":", name);
    otter__json_num(stdout, e->value);
    printf(",\"se\":");
    otter__json_num(stdout, e->se);
    printf(",\"lower\":");
    otter__json_num(stdout, e->lower);
    printf(",\"upper\":");
    otter__json_num(stdout, e->upper);
    putchar('}');
}

static void report(const struct ope_opts *o, const struct ope_run *r)
{
    otter_ope_result res;
    otter_ope_summarize(r->ope, &res);
    const otter_bandit *cand = otter_ope_candidate(r->ope);
    printf("{\"policy\":");
    otter__json_str(stdout, otter_bandit_type_of(cand)->name);
    printf(",\"params\":");
    otter__json_params(stdout, otter_bandit_params_text(cand));
    printf(",\"log\":");
    otter__json_str(stdout, o->log);
    printf(",\"events\":%llu,\"arms\":[", (unsigned long long)res.events);
    for (size_t i = 0; i < r->n_arms; i++) {
        fputs(i ? "," : "", stdout);
        otter__json_str(stdout, r->arms[i]);
    }
    printf("],\"accept_floor\":");
    otter__json_num(stdout, r->floor);
    printf(",\"logged_value\":");
    otter__json_num(stdout, res.logged_value);
    print_estimate("ips", &res.ips);
    print_estimate("snips", &res.snips);
    print_estimate("dr", &res.dr);
    printf(",\"ess\":");
    otter__json_num(stdout, res.ess);
    printf(",\"mean_weight\":");
    otter__json_num(stdout, res.mean_weight);
    printf(",\"max_weight\":");
    otter__json_num(stdout, res.max_weight);
    printf(",\"zero_probability_events\":%llu,\"estimated_probability_events\":%llu",
           (unsigned long long)res.zero_prob, (unsigned long long)res.estimated_prob);
    printf(",\"replay\":{\"accepted\":%llu", (unsigned long long)res.accepted);
    print_estimate("mean_reward", &res.replay);
    printf("},\"seconds\":");
    otter__json_num(stdout, r->seconds);
    printf("}\n");
}

int otter__cmd_ope(const otter_context *ctx, int argc, char **argv)
{
    struct ope_opts o = {0};
    o.seed = 1;
    otter_error err = {0};
    if (otter_params_create(&o.params, &err) != OTTER_OK ||
        otter_params_create(&o.model_params, &err) != OTTER_OK) {
        fprintf(stderr, "otter ope: %s\n", err.message);
        otter_params_destroy(o.params);
        return 1;
    }
    int rc = parse_ope(argc, argv, &o);
    if (rc < 0) {
        struct ope_run r = {0};
        rc = run_ope(ctx, &o, &r);
        if (rc == 0)
            report(&o, &r);
        run_free(&r);
    }
    otter_params_destroy(o.params);
    otter_params_destroy(o.model_params);
    return rc;
}
